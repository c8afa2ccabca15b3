"""The vocabulary of resource estimates, shared by the compute model (flops.py), the memory model (memory.py)
and the assembly of an estimate (estimate.py): the options of a step, the `EstimateLine` every number is,
and the shapes with their batch filled in. It imports neither model, so neither imports the other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import UsageError
from ..spec import Shape
from ..symbolic import Add, Const, Expr, Mul
from .formula import Derivation, derive
from .optimizers import OPTIMIZERS
from .report import LayerReport

DTYPE_BYTES: Mapping[str, int] = MappingProxyType({"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1})
OPTIMIZER_SLOTS: Mapping[str, int] = MappingProxyType({k: v.slots for k, v in OPTIMIZERS.items()})
"""Parameter-sized state tensors per parameter tensor (analysis/optimizers.py has every layout)."""
MODES = ("train", "inference")
DEVICES = ("cpu", "cuda")
AUTOCAST = {"": "", "bf16": "bfloat16", "bfloat16": "bfloat16", "fp16": "float16", "float16": "float16"}
"""`--autocast` names and the dtype torch.autocast computes in."""
CPU_KERNELS = ("onednn", "native")
"""PyTorch's CPU recurrent kernels: "onednn" (torch's default: a float32 nn.LSTM runs through oneDNN) or "native"
(oneDNN off, `torch.backends.mkldnn.flags(enabled=False)`: every layer runs PyTorch's step-by-step cells)."""


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
    cpu_kernels: str = "onednn"
    checkpointing: bool = False
    """Every layer checkpointed (torch.utils.checkpoint): only its input is kept, its forward runs again in the
    backward pass."""
    autocast: str = ""
    """torch.autocast("cpu", dtype=...) around the forward pass: "bfloat16" or "float16" ("": none). The parameters
    stay float32; the layers autocast runs in 16 bits keep 16-bit activations and 16-bit weight copies."""

    @property
    def training(self) -> bool:
        return self.mode == "train"

    @property
    def weight_bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]

    @property
    def compute_dtype(self) -> str:
        """The dtype the layers compute in: autocast's, else the parameters'."""
        return self.autocast or self.dtype

    @property
    def activation_bytes(self) -> int:
        """int8 is weight-only (dynamic) quantization: activations stay float32."""
        return 4 if self.dtype == "int8" else DTYPE_BYTES[self.compute_dtype]

    @property
    def state_bytes(self) -> int:
        """Optimizer slots follow the parameters' dtype, except under mixed precision (float32 masters)."""
        return 4 if self.mixed_precision else DTYPE_BYTES[self.dtype]

    def to_dict(self) -> dict[str, Any]:
        return {"batch": self.batch, "seq_len": self.seq_len, "dtype": self.dtype,
                "optimizer": self.optimizer if self.training else None, "mixed_precision": self.mixed_precision,
                "mode": self.mode, "device": self.device, "cpu_kernels": self.cpu_kernels,
                "checkpointing": self.checkpointing, "autocast": self.autocast or None}


def _positive(value: object, what: str, flag: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{what} must be a positive integer ({flag} 32), not {value!r}")
    if value <= 0:
        raise UsageError(f"{what} must be a positive integer ({flag} 32); got {value}")
    return value


def make_options(*, batch: object, seq_len: object, dtype: str = "float32", optimizer: str = "adam",
                 mixed_precision: bool = False, mode: str = "train", device: str = "cpu",
                 cpu_kernels: str = "onednn", checkpointing: bool = False,
                 autocast: str | None = None) -> EstimateOptions:
    """Check the options and say exactly what is wrong with a bad one."""
    b = _positive(batch, "batch size", "--batch")
    t = None if seq_len is None else _positive(seq_len, "sequence length", "--seq-len")
    for value, choices, what in ((dtype, DTYPE_BYTES, "dtype"), (optimizer, OPTIMIZER_SLOTS, "optimizer"),
                                 (mode, MODES, "mode"), (device, DEVICES, "device"),
                                 (cpu_kernels, CPU_KERNELS, "CPU kernel path")):
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
    if checkpointing and mode != "train":
        raise UsageError("--checkpointing recomputes activations in the backward pass; it describes training (drop "
                         "it with --mode inference)")
    cast = AUTOCAST.get(autocast or "")
    if cast is None:
        raise UsageError(f"unknown autocast dtype {autocast!r}; choose one of: bf16, fp16")
    if cast and (mode != "train" or dtype != "float32" or mixed_precision or device != "cpu" or checkpointing):
        raise UsageError("--autocast models torch.autocast('cpu', ...) around a training step of float32 parameters: "
                         "use it with --dtype float32, --mode train, --device cpu, without --mixed-precision or "
                         "--checkpointing")
    return EstimateOptions(b, t, dtype, optimizer, bool(mixed_precision), mode, device, cpu_kernels,
                           bool(checkpointing), cast)


# --- Shapes with the batch filled in ------------------------------------------------------------------------

def time_axis(layer: LayerReport) -> int:
    """Where a recurrent layer reads time, as its plan says: PyTorch (T, N, F) unless batch_first=True, Keras
    (N, T, F)."""
    axis = layer.plan.time_axis
    return 1 if axis is None else axis


def is_recurrent(layer: LayerReport) -> bool:
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


__all__ = ["CPU_KERNELS", "DEVICES", "DTYPE_BYTES", "MODES", "OPTIMIZER_SLOTS", "EstimateLine", "EstimateOptions",
           "elements", "is_recurrent", "line", "make_options", "outputs_of", "time_axis", "times", "total_line"]
