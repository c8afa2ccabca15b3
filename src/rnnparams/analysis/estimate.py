"""Resource estimates: memory (weights, gradients, optimizer state, activations, states) and compute (MACs,
FLOPs) of one training or inference step, derived from the count report: the conventions' tensors (their
roles and symbolic shapes) and each layer's plan (bindings, input and output shapes). Nothing here retypes a
layer formula: MACs come from weight shapes, activations from the widths those shapes carry.

Every number is an `EstimateLine`: a symbolic formula, its bindings and the evaluated integer, so `explain
--resources` can show it as formula = numbers = result. The models behind the lines are in `flops.py`
(compute) and `memory.py` (activations and states); docs/estimates.md states every definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..conventions import FRAMEWORKS
from ..conventions.base import model_batch_axis
from ..errors import UsageError
from ..spec import ModelSpec, Shape
from . import flops, memory
from .layer_env import LayerEnv, layer_env
from .peaks import Peak, model_peaks
from .report import LayerReport, Report, same_layer
from .resources import (
    DTYPE_BYTES,
    OPTIMIZER_SLOTS,
    EstimateLine,
    EstimateOptions,
    is_recurrent,
    line,
    make_options,
    time_axis,
    times,
    total_line,
)

# --- Shapes with the batch and the time steps filled in --------------------------------------------------------

def first_time_steps(spec: ModelSpec, report: Report) -> tuple[Shape, int | None]:
    """The model input without its batch axis, and the sequence length the model fixes (None when free).

    The batch axis is where the framework puts it (`batch_axis`), the time axis of a recurrent layer is the
    one non-feature axis that is not the batch."""
    fw = FRAMEWORKS[report.framework]
    first = report.layers[0].input_shape
    axis = min(model_batch_axis(fw, spec.layers), len(first) - 1)
    sample = first[:axis] + first[axis + 1:]
    fixed: int | None = None
    for layer in report.layers:
        if is_recurrent(layer) and len(layer.input_shape) == 3:
            fixed = layer.input_shape[time_axis(layer)]
            break
    return sample, fixed


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


# --- Results ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerEstimate:
    name: str
    type: str
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
    """True when the output it hands on is a non-contiguous transposed tensor (a batch_first RNN's, through elementwise
    layers), which nn.Linear copies."""

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
            "backward_macs": {"step": compute["macs_backward_step"], "sequence": compute["macs_backward_sequence"],
                              "batch": compute["macs_backward_batch"]},
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
    """Model totals per batch: macs_batch, flops_batch, macs_backward_batch, flops_train_batch."""
    report: Report = field(repr=False)
    warnings: tuple[str, ...] = ()
    peaks: tuple[Peak, ...] = ()
    """The modelled peaks (analysis/peaks.py): a training step's and inference's, or inference's alone."""

    def peak(self, mode: str) -> Peak | None:
        return next((p for p in self.peaks if p.mode == mode), None)

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
                            "forward_backward": "forward + the backward pass op by op (weight gradients of "
                            "trainable weights, input gradients where autograd needs them)", "bytes": "exact bytes; "
                            "human units are binary (1 KiB = 1,024 bytes)"},
            "memory": {item.key: item.value for item in self.memory},
            "memory_lines": [item.to_dict() for item in self.memory],
            "compute": {item.key: item.value for item in self.compute},
            "layers": [layer.to_dict() for layer in self.layers],
            "warnings": list(self.warnings),
            "peaks": {p.mode: p.to_dict() for p in self.peaks},
        }


# --- Putting it together ---------------------------------------------------------------------------------------

_Modelled = tuple[tuple[EstimateLine, ...], tuple[tuple[EstimateLine, ...], bool, str], EstimateLine,
                  "EstimateLine | None"]
"""A layer's compute, (activations, output saved, activation model), weights and states, as the models give them."""


def _model_layer(env: LayerEnv) -> _Modelled:
    return (flops.layer_compute(env), memory.layer_activations(env), memory.layer_weights(env),
            memory.layer_states(env))


def estimate_report(report: Report, options: EstimateOptions, seq_len: int | None = None) -> Estimate:
    """Memory and compute of `report`, whose shapes are known except for the batch (see with_sequence_length)."""
    runtime = FRAMEWORKS[report.framework].runtime
    if runtime is None:
        raise UsageError(f"estimate models the kernels of PyTorch and Keras (what each keeps for backward, its "
                         f"optimizer state); {FRAMEWORKS[report.framework].display} is counted exactly by `rnnparams "
                         "count`, but its memory and FLOPs are not modelled yet")
    layers: list[LayerEstimate] = []
    upstream = False  # whether a gradient reaches the layer's input (a trainable tensor before it)
    sixteen = False  # under --autocast, whether the layer's input is a 16-bit tensor (the batch is float32)
    previous: tuple[LayerReport, tuple[bool, bool], _Modelled] | None = None
    for layer in report.layers:
        env = layer_env(layer, runtime, options, seq_len, upstream, sixteen, report.framework)
        if previous is not None and previous[1] == (upstream, sixteen) and same_layer(previous[0], layer):
            modelled = previous[2]  # a stack of equal layers: each is modelled as the one before it was
        else:
            modelled = _model_layer(env)
        previous = (layer, (upstream, sixteen), modelled)
        upstream = upstream or any(t.trainable for t in layer.tensors)
        sixteen = bool(options.autocast) and memory.hands_on_16bit(env)
        compute, (acts, output_saved, model), weights, states = modelled
        if options.checkpointing:
            acts, output_saved, model = memory.checkpoint_items(env), False, "checkpoint"
        elif layers and memory.shares_input(layers[-1].output_saved, layers[-1].output_transposed, env):
            acts = tuple(replace(a, counted=False, note="same_as_previous_output") if a.key == "input" else a
                         for a in acts)
        layers.append(LayerEstimate(
            name=layer.name, type=layer.type, params=layer.params, steps=env.steps,
            positions=env.positions, weights=weights, compute=compute, activations=acts,
            states=states, activation_model=model, output_saved=output_saved,
            output_transposed=memory.hands_on_transposed(env, bool(layers) and layers[-1].output_transposed)))
    memory_lines = memory.model_memory(
        report, runtime, options, [a for layer in layers for a in layer.activations],
        max((layer.activation_bytes for layer in layers), default=0),
        [layer.states for layer in layers if layer.states is not None])
    compute_lines = tuple(total_line(key, [layer.compute_line(key) for layer in layers], unit)
                          for key, unit in (("macs_batch", "MACs"), ("flops_batch", "FLOPs"),
                                            ("macs_backward_batch", "MACs"), ("flops_train_batch", "FLOPs")))
    warnings: list[str] = list(report.warnings)
    if not runtime.training and options.training:
        raise UsageError(f"{FRAMEWORKS[report.framework].display} is an inference format: estimate it with --mode "
                         "inference")
    if options.training and runtime.measured and not runtime.activations_measured:
        measured_on = runtime.activations_measured_on
        warnings.append(f"{FRAMEWORKS[report.framework].display} activations are a model (cells unrolled step by "
                        "step)" + (f", measured exact on {measured_on}, not for other layers or backends" if measured_on
                                   else ", not measured") + "; weights, gradients, optimizer state and FLOPs are exact")
    if options.dtype == "bfloat16" and any(layer.activation_model == "onednn" for layer in layers):
        warnings.append("bfloat16 LSTMs are modelled on oneDNN's bfloat16 kernel, which torch takes only on CPUs with "
                        "AVX-512 (torch.ops.mkldnn._is_mkldnn_bf16_supported()); elsewhere torch runs its step-by-step "
                        "cell: use --cpu-kernels native")
    if options.device == "cuda":
        warnings.append("the cuDNN activation model (--device cuda) is not validated on a GPU yet")
    if options.checkpointing:
        warnings.append("--checkpointing counts the whole forward again; torch's checkpoint early stop skips a "
                        "layer's trailing products, so the recomputation can be a little smaller")
    if not runtime.measured:
        warnings.append(f"{FRAMEWORKS[report.framework].display}: memory follows its documented layouts (weights, "
                        "optimizer slots, step-by-step cells), not a measurement; parameters and FLOPs are exact")
    if seq_len is not None and not any(layer.steps > 1 or layer.positions > 1 for layer in layers):
        warnings.append("the model has no time axis, so the sequence length changes nothing")
    est = Estimate(report.framework, options, seq_len, tuple(layers), memory_lines, compute_lines, report,
                   tuple(warnings))
    return replace(est, peaks=model_peaks(est))


__all__ = [
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
