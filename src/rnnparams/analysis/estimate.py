"""Resource estimates: memory (weights, gradients, optimizer state, activations, states) and compute (MACs,
FLOPs) of one training or inference step, derived from the count report: the conventions' tensors (their
roles and symbolic shapes) and each layer's plan (bindings, input and output shapes). Nothing here retypes a
layer formula: MACs come from weight shapes, activations from the widths those shapes carry.

Every number is an `EstimateLine`: a symbolic formula, its bindings and the evaluated integer, so `explain
--resources` can show it as formula = numbers = result. The models behind the lines are in `flops.py`
(compute) and `memory.py` (activations and states); docs/estimates.md states every definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..conventions import FRAMEWORKS
from ..errors import UsageError
from ..spec import ModelSpec, Shape
from ..symbolic import Add, Const, Expr, Mul
from .formula import Derivation, derive
from .report import LayerReport, Report

DTYPE_BYTES: Mapping[str, int] = MappingProxyType({"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1})
OPTIMIZER_SLOTS: Mapping[str, int] = MappingProxyType({"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2})
"""Per-parameter state tensors: SGD keeps none, SGD with momentum a momentum buffer, Adam/AdamW exp_avg and
exp_avg_sq (Keras: momentum and velocity)."""
MODES = ("train", "inference")
DEVICES = ("cpu", "cuda")
BACKWARD_FACTOR = 3
"""forward + backward = 3 × forward: each weight product is repeated once for the input gradient and once for
the weight gradient (the usual convention, e.g. 6·N FLOPs per token for training a transformer)."""


@dataclass(frozen=True)
class EstimateLine:
    """One number of an estimate with its derivation: `formula` evaluated with `bindings` gives `value`."""

    key: str
    """What the line is: weights, gradients, activations, macs_step, flops_batch, gates, workspace..."""
    formula: Expr
    bindings: Mapping[str, int]
    value: int
    unit: str
    """"bytes", "MACs" or "FLOPs"."""
    counted: bool = True
    """False when the same memory is already counted elsewhere (a tensor two layers save)."""
    note: str = ""
    """Key of a sentence that qualifies the line (the renderer owns the words)."""

    @property
    def derivation(self) -> Derivation:
        """formula → numbers substituted → partial results → value, for explanations."""
        return derive(self.formula, self.bindings)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "value": self.value, "unit": self.unit,
                               "formula": self.formula.render(),
                               "bindings": {k: self.bindings[k] for k in sorted(self.formula.symbols())}}
        if not self.counted:
            out["counted"] = False
        if self.note:
            out["note"] = self.note
        return out


def line(key: str, formula: Expr, bindings: Mapping[str, int], unit: str, *, note: str = "") -> EstimateLine:
    """A line whose value is its formula evaluated: the number and its derivation cannot disagree."""
    env = MappingProxyType({k: bindings[k] for k in sorted(formula.symbols())})
    return EstimateLine(key, formula, env, formula.evaluate(env), unit, note=note)


def total_line(key: str, parts: tuple[EstimateLine, ...] | list[EstimateLine], unit: str) -> EstimateLine:
    """The sum of other lines, kept as `a + b + c` so a derivation shows where the total comes from."""
    values = [p.value for p in parts if p.counted and p.value]
    formula: Expr = Const(0) if not values else Const(values[0]) if len(values) == 1 else \
        Add(tuple(Const(v) for v in values))
    return EstimateLine(key, formula, MappingProxyType({}), sum(values), unit)


def times(factor: Expr | int, expr: Expr) -> Expr:
    """`factor · expr` kept as written (no constant folding), so `3 × (forward)` stays visible."""
    f = Const(factor) if isinstance(factor, int) else factor
    if isinstance(expr, Mul):
        return Mul((f, *expr.factors))
    return Mul((f, expr))


@dataclass(frozen=True)
class EstimateOptions:
    batch: int
    seq_len: int | None
    dtype: str = "float32"
    optimizer: str = "adam"
    mixed_precision: bool = False
    mode: str = "train"
    device: str = "cpu"

    @property
    def training(self) -> bool:
        return self.mode == "train"

    @property
    def weight_bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]

    @property
    def activation_bytes(self) -> int:
        """int8 is weight-only (dynamic) quantization: activations stay float32."""
        return 4 if self.dtype == "int8" else DTYPE_BYTES[self.dtype]

    @property
    def state_bytes(self) -> int:
        """Optimizer slots follow the parameters' dtype, except under mixed precision (float32 masters)."""
        return 4 if self.mixed_precision else DTYPE_BYTES[self.dtype]

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "seq_len": self.seq_len, "dtype": self.dtype,
                "optimizer": self.optimizer if self.training else None, "mixed_precision": self.mixed_precision,
                "mode": self.mode, "device": self.device}


def _positive(value: object, what: str, flag: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{what} must be a positive integer ({flag} 32), not {value!r}")
    if value <= 0:
        raise UsageError(f"{what} must be a positive integer ({flag} 32); got {value}")
    return value


def make_options(*, batch: object, seq_len: object, dtype: str = "float32", optimizer: str = "adam",
                 mixed_precision: bool = False, mode: str = "train", device: str = "cpu") -> EstimateOptions:
    """Check the options and say exactly what is wrong with a bad one."""
    b = _positive(batch, "batch size", "--batch")
    t = None if seq_len is None else _positive(seq_len, "sequence length", "--seq-len")
    for value, choices, what in ((dtype, DTYPE_BYTES, "dtype"), (optimizer, OPTIMIZER_SLOTS, "optimizer"),
                                 (mode, MODES, "mode"), (device, DEVICES, "device")):
        if value not in choices:
            raise UsageError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")
    if mode == "train" and dtype == "int8":
        raise UsageError("int8 is an inference format (weight-only quantization); training needs float32, "
                         "float16 or bfloat16 (or use --mode inference)")
    if mixed_precision and mode != "train":
        raise UsageError("--mixed-precision describes training (float16/bfloat16 weights with float32 master "
                         "copies); drop it with --mode inference")
    if mixed_precision and dtype not in ("float16", "bfloat16"):
        raise UsageError("--mixed-precision keeps float32 master weights of float16 or bfloat16 ones; add "
                         "--dtype float16 or --dtype bfloat16")
    return EstimateOptions(b, t, dtype, optimizer, bool(mixed_precision), mode, device)


# --- Shapes with the batch and the time steps filled in --------------------------------------------------------

def first_time_steps(spec: ModelSpec, report: Report) -> tuple[Shape, int | None]:
    """The model input without its batch axis, and the sequence length the model fixes (None when free).

    The batch axis is where the framework puts it (`batch_axis`), the time axis of a recurrent layer is the
    one non-feature axis that is not the batch."""
    fw = FRAMEWORKS[report.framework]
    first = report.layers[0].input_shape
    axis = min(fw.batch_axis(spec.layers[0]), len(first) - 1)
    sample = first[:axis] + first[axis + 1:]
    fixed: int | None = None
    for layer in report.layers:
        if _recurrent(layer) and len(layer.input_shape) == 3:
            fixed = layer.input_shape[time_axis(layer, report.framework)]
            break
    return sample, fixed


def time_axis(layer: LayerReport, framework: str) -> int:
    """Where a recurrent layer reads time: PyTorch (T, N, F) unless batch_first=True; Keras (N, T, F)."""
    if framework == "pytorch":
        return 1 if layer.spec is not None and layer.spec.get("batch_first", False) else 0
    return 1


def with_sequence_length(spec: ModelSpec, report: Report, seq_len: int | None) -> tuple[ModelSpec, int | None]:
    """The spec whose input has the time steps filled in, and the sequence length used.

    A model that fixes its sequence length (Input((50, 3)), --input-shape 50,3) keeps it; asking for another
    one is an error. A model whose input has a free axis needs --seq-len."""
    sample, fixed = first_time_steps(spec, report)
    if fixed is not None:
        if seq_len is not None and seq_len != fixed:
            raise UsageError(f"the model fixes the sequence length at {fixed} (from its input shape); drop "
                             f"--seq-len or give --seq-len {fixed}")
        return spec, fixed
    if None not in sample:
        return spec, seq_len
    if seq_len is None:
        raise UsageError("the sequence length is not fixed by the model; give it with --seq-len T "
                         "(seq_len=T in Python), or fix it in the input shape (--input-shape T,F)")
    from .._record import replace as replace_record

    filled = tuple(seq_len if d is None else d for d in sample)
    return replace_record(spec, input_shape=filled), seq_len


def _recurrent(layer: LayerReport) -> bool:
    return any(t.role == "recurrent_weights" for t in layer.tensors)


def elements(shape: Shape, batch: int) -> int:
    """Elements of a tensor whose free dimension is the batch."""
    if sum(1 for d in shape if d is None) > 1:
        raise UsageError(f"cannot size a tensor of shape {_fmt(shape)}: its dimensions other than the batch must "
                         "be known; give the time steps with --seq-len or --input-shape")
    n = 1
    for d in shape:
        n *= batch if d is None else d
    return n


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def outputs_of(layer: LayerReport) -> tuple[Shape, ...]:
    """Every tensor the layer returns (several for Bidirectional(merge_mode=None))."""
    return layer.output_shape if layer.multi_output else (layer.output_shape,)  # type: ignore[return-value]


# --- Results ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerEstimate:
    name: str
    type: str
    kind: str
    params: int
    steps: int
    """Time steps the layer runs (recurrent layers), else 1."""
    positions: int
    """Applications per sample: time steps of a recurrent layer, positions of a per-position layer
    (Linear on (T, N, F), Conv1d output length), 1 for a layer applied once per sample."""
    weights: EstimateLine
    compute: tuple[EstimateLine, ...]
    activations: tuple[EstimateLine, ...]
    """The tensors kept for backward (training) or live at the layer's peak (inference), item by item."""
    states: EstimateLine | None
    activation_model: str
    """Which kernel path the activation items model: onednn, native, cudnn, keras, generic."""
    output_saved: bool = False
    """True when the layer's own saved tensors include the output it hands on (so the next layer's saved
    input is the same memory)."""
    output_transposed: bool = False
    """True when that output is handed on as a transposed view (batch_first), which nn.Linear copies."""

    def compute_line(self, key: str) -> EstimateLine:
        for item in self.compute:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def activation_bytes(self) -> int:
        return sum(item.value for item in self.activations if item.counted)

    @property
    def state_bytes(self) -> int:
        return self.states.value if self.states is not None else 0

    def to_dict(self) -> dict[str, Any]:
        compute = {item.key: item.value for item in self.compute}
        return {
            "name": self.name, "type": self.type, "params": self.params, "steps": self.steps,
            "positions": self.positions, "weights_bytes": self.weights.value,
            "activation_bytes": self.activation_bytes, "state_bytes": self.state_bytes,
            "activation_model": self.activation_model,
            "macs": {"step": compute["macs_step"], "sequence": compute["macs_sequence"],
                     "batch": compute["macs_batch"]},
            "flops": {"forward": {"step": compute["flops_step"], "sequence": compute["flops_sequence"],
                                  "batch": compute["flops_batch"]},
                      "forward_backward": {"step": compute["flops_train_step"],
                                           "sequence": compute["flops_train_sequence"],
                                           "batch": compute["flops_train_batch"]}},
            "compute": [item.to_dict() for item in self.compute],
            "activations": [item.to_dict() for item in self.activations],
            "states": None if self.states is None else self.states.to_dict(),
        }


@dataclass(frozen=True)
class Estimate:
    framework: str
    options: EstimateOptions
    seq_len: int | None
    """The sequence length used (given, or fixed by the model)."""
    layers: tuple[LayerEstimate, ...]
    memory: tuple[EstimateLine, ...]
    """weights, buffers, master_weights, gradients, optimizer_state, activations, states, total (those that
    apply), in that order."""
    compute: tuple[EstimateLine, ...]
    """Model totals per batch: macs_batch, flops_batch, flops_train_batch."""
    report: Report = field(repr=False)
    warnings: tuple[str, ...] = ()

    def memory_line(self, key: str) -> EstimateLine:
        for item in self.memory:
            if item.key == key:
                return item
        raise KeyError(key)

    def compute_line(self, key: str) -> EstimateLine:
        for item in self.compute:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def total_bytes(self) -> int:
        return self.memory_line("total").value

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework, **self.options.to_dict(), "seq_len": self.seq_len,
            "definitions": {"mac": "one multiply-accumulate of a weight product", "flops_per_mac": 2,
                            "flops": "2·MACs + bias additions + elementwise gate operations",
                            "forward_backward": f"{BACKWARD_FACTOR} × forward", "bytes": "exact bytes; "
                            "human units are binary (1 KiB = 1,024 bytes)"},
            "memory": {item.key: item.value for item in self.memory},
            "memory_lines": [item.to_dict() for item in self.memory],
            "compute": {item.key: item.value for item in self.compute},
            "layers": [layer.to_dict() for layer in self.layers],
            "warnings": list(self.warnings),
        }


# --- Putting it together ---------------------------------------------------------------------------------------

def estimate_report(report: Report, options: EstimateOptions, seq_len: int | None = None) -> Estimate:
    """Memory and compute of `report`, whose shapes are known except for the batch (see with_sequence_length)."""
    from . import flops, memory

    layers: list[LayerEstimate] = []
    for layer in report.layers:
        env = memory.layer_env(layer, report.framework, options, seq_len)
        compute = flops.layer_compute(env)
        acts, output_saved, model = memory.layer_activations(env)
        if layers and memory.shares_input(layers[-1], env):
            acts = tuple(replace(a, counted=False, note="same_as_previous_output") if a.key == "input" else a
                         for a in acts)
        layers.append(LayerEstimate(
            name=layer.name, type=layer.type, kind=layer.kind, params=layer.params, steps=env.steps,
            positions=env.positions, weights=memory.layer_weights(env), compute=compute, activations=acts,
            states=memory.layer_states(env), activation_model=model, output_saved=output_saved,
            output_transposed=output_saved and memory.batch_first(env)))
    memory_lines = memory.model_memory(report, options, tuple(layers))
    compute_lines = tuple(total_line(key, [layer.compute_line(key) for layer in layers], unit)
                          for key, unit in (("macs_batch", "MACs"), ("flops_batch", "FLOPs"),
                                            ("flops_train_batch", "FLOPs")))
    warnings: list[str] = list(report.warnings)
    if seq_len is not None and not any(layer.steps > 1 or layer.positions > 1 for layer in layers):
        warnings.append("the model has no time axis, so the sequence length changes nothing")
    return Estimate(report.framework, options, seq_len, tuple(layers), memory_lines, compute_lines, report,
                    tuple(warnings))


__all__ = [
    "BACKWARD_FACTOR",
    "DTYPE_BYTES",
    "OPTIMIZER_SLOTS",
    "Estimate",
    "EstimateLine",
    "EstimateOptions",
    "LayerEstimate",
    "estimate_report",
    "line",
    "make_options",
    "times",
    "total_line",
    "with_sequence_length",
]
