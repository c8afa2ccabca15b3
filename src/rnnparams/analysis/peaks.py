"""Peak memory of one training step and of one inference forward, from a timeline simulation: what is alive at
each moment of the step, built from the same per-layer data as the memory lines (weights, gradients, optimizer
state, the tensors each layer keeps for backward) plus the transient buffers the kernels allocate while a layer
runs (its output, the gradients flowing through it, oneDNN's reordered weights and scratchpad, a native cell's
input projections, the optimizer's per-parameter temporaries).

The step simulated is the one `benchmarks/validate_memory.py --peaks` measures on CPU from the allocator's own
events: forward, the loss `out.float().pow(2).mean()`, backward, `optimizer.step()`, `zero_grad(set_to_none=True)`
(gradients are allocated by the backward pass and freed after the step), the output held until the step ends,
and the optimizer state of the step before resident. docs/estimates.md defines each event and gives the
validation table.

A peak is only called one where the simulation covers every transient the kernels allocate (`Peak.modelled`);
elsewhere the peak is None and `Peak.reason` says why, so the output keeps showing the sum of the parts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..conventions import FRAMEWORKS
from ..conventions.work import INDICES, INPUT, OUTPUT_POSITIONS, ROW_STATS, STEP_OUTPUTS
from ..symbolic import Expr
from .layer_env import LayerEnv, layer_env
from .memory import activation_path, onednn_ld, stacks
from .report import LayerReport
from .resources import elements, is_recurrent, outputs_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..conventions.base import TensorSpec
    from .estimate import Estimate, LayerEstimate

VALIDATED_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered", "adagrad",
                        "adafactor")
"""Optimizers whose step temporaries were measured (benchmarks/validate_memory.py --peaks)."""


@dataclass(frozen=True)
class Peak:
    """The modelled peak of one step: `value` bytes alive at once (None: not modelled), at which moment."""

    mode: str
    """"train" (forward, loss, backward, optimizer step) or "inference" (a forward under no_grad)."""
    value: int | None
    at: str
    """The moment of the peak: "forward", "loss", "backward", "optimizer", with the layer's name after a colon."""
    resident: int
    """Bytes alive for the whole step: weights, buffers, the optimizer state, the input batch."""
    reason: str = ""
    """Why no peak is modelled (a key the renderer words): empty when `value` is set."""

    @property
    def modelled(self) -> bool:
        return self.value is not None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"mode": self.mode, "bytes": self.value, "at": self.at, "resident": self.resident,
                                  "measurement": "cpu_allocator_events"}
        if self.reason:
            out["not_modelled"] = self.reason
        return out


class _Timeline:
    """Live bytes over the step and their maximum, with the moment it was reached."""

    def __init__(self, resident: int) -> None:
        self.live = resident
        self.peak = resident
        self.at = "start"

    def touch(self, extra: int, at: str) -> None:
        if self.live + extra > self.peak:
            self.peak, self.at = self.live + extra, at


# --- What each layer allocates -----------------------------------------------------------------------------------

def _env(est: Estimate, layer: LayerReport, upstream: bool) -> LayerEnv:
    return layer_env(layer, FRAMEWORKS[est.framework].runtime, est.options, est.seq_len,  # type: ignore[arg-type]
                     upstream)


def _output_bytes(est: Estimate, layer: LayerReport) -> int:
    return sum(elements(o, est.options.batch) for o in outputs_of(layer)) * est.options.activation_bytes


def _input_bytes(est: Estimate, layer: LayerReport) -> int:
    tokens = any(k.tensor == INDICES for k in layer.work.keeps)
    per = FRAMEWORKS[est.framework].runtime.index_bytes if tokens else est.options.activation_bytes  # type: ignore
    return elements(layer.input_shape, est.options.batch) * per


def _gradient_bytes(est: Estimate, layer: LayerReport) -> int:
    return sum(t.params for t in layer.tensors if t.trainable) * est.options.weight_bytes


ONEDNN_SCRATCH_FIXED = 12 * 1024
"""oneDNN's training scratchpad holds, besides its gate buffer, buffers we have not derived from its sources:
measured 12.6–78 KB (LSTMs of H = 16…256, B = 2…32), about 12 KiB plus two B·H float32 state buffers, which is what
the timeline adds (an approximation, within ±4 KB of those measurements)."""


def _onednn_scratch(env: LayerEnv, backward: bool) -> int:
    """oneDNN's transients for its largest layer and direction: the weights reordered into its layout (leading
    dimension ld(G·H) by the input and hidden widths) and the scratchpad's gate buffer T·B·ld(G·H) (float32);
    backward adds the weight gradients in oneDNN's layout, G·H·(ld(I) + ld(H))."""
    b = dict(env.bindings)
    most = 0
    for x in stacks(env):
        width, gates, hidden = x.input_width.evaluate(b), x.gate_width.evaluate(b), b["H"]
        scratch = onednn_ld(gates) * (width + hidden) * 4 + env.steps * env.batch * onednn_ld(gates) * 4 \
            + ONEDNN_SCRATCH_FIXED + 2 * env.batch * hidden * 4
        if backward:
            scratch += gates * (onednn_ld(width) + onednn_ld(hidden)) * 4
        most = max(most, scratch)
    return most


def _native_scratch(env: LayerEnv) -> int:
    """A native cell's transients: the input projections of one layer and direction for the whole sequence
    (T·B·G·H) and its per-step outputs stacked (T·B·H_out)."""
    b = dict(env.bindings)
    x = stacks(env)[0]
    steps = 1 if env.is_cell else env.steps
    return steps * env.batch * (x.gate_width.evaluate(b) + x.hidden_out.evaluate(b)) * env.options.activation_bytes


def _forward_scratch(env: LayerEnv, path: str) -> int:
    if path == "onednn":
        return _onednn_scratch(env, backward=False)
    if path == "native" and is_recurrent(env.layer):
        return _native_scratch(env)
    return 0


def _recurrent_backward(env: LayerEnv, layer: LayerEstimate) -> int:
    """Bytes the backward of a recurrent layer allocates at its peak beyond what it saved: the gradient of its
    input, and per layer and direction (`_phased_backward`) the weight gradients and the kernel's transients —
    native: the recurrent weights' gradient sums; oneDNN: a direction's copy of the output gradient
    (bidirectional), the weight gradients in its layout where ld(K) ≠ K, the reordered weights and the gate
    scratchpad."""
    b = dict(env.bindings)
    st = stacks(env)
    hidden = b["H"]
    rows = env.steps * env.batch
    layers, dirs = b.get("L", 1), b.get("D", 1)
    s = env.options.activation_bytes
    wb = env.options.weight_bytes
    d_input = rows * st[-1].input_width.evaluate(b) * s if layers > 1 or env.upstream else 0
    blocks = [tensors for copies, tensors in env.layer.plan.blocks() if copies.evaluate(b)]
    cell = env.cell
    assert cell is not None

    def native(k: int, grads: int, saved: float) -> float:
        """The recurrent weights run once per step, so autograd sums T gradients of each out of place (a step's
        gradient arrives as a transposed view): the running sums, and a step's gradient with its sum beside the
        largest (measured on nn.RNN and nn.GRU, H 64 to 512: 37 to 48 % under the peak without them) — from the
        second step back, when a cell with intermediates has freed the last step's saved tensors (`saved` / T of
        the direction's: a GRU of batch 32 × 4 steps was 7 % over without; an RNN cell's one saved output is the
        next step's input, and freeing it then was 4 % under)."""
        if env.steps == 1:
            return grads
        per_step = [_numel(t.shape, b) * wb for t in _block(blocks, k) if t.trainable and t.role in RECURRENT_ROLES]
        freed = saved / env.steps if cell.intermediates else 0
        return max(grads, sum(per_step) + 2 * max(per_step, default=0) - freed)

    def onednn(k: int, grads: int, saved: float) -> float:
        x = st[0] if k == 0 else st[-1]
        width, gates = x.input_width.evaluate(b), x.gate_width.evaluate(b)
        return grads + (rows * hidden * 4 if dirs > 1 or _copies_input(env) else 0) \
            + onednn_ld(gates) * (width + hidden) * 4 + rows * onednn_ld(gates) * 4 + ONEDNN_SCRATCH_FIXED \
            + 2 * env.batch * hidden * 4 + sum(gates * onednn_ld(n) * 4 for n in (width, hidden) if onednn_ld(n) != n)

    transient = onednn if layer.activation_model == "onednn" else native
    return d_input + _phased_backward(env, layer, blocks, transient)


RECURRENT_ROLES = frozenset({"recurrent_weights", "recurrent_bias", "projection"})
"""The tensors a native recurrent layer runs once per step (the input weights run once, on every step's input)."""


def _block(blocks: list[tuple[TensorSpec, ...]], k: int) -> tuple[TensorSpec, ...]:
    """The tensors of stacked layer k, one direction (layer 0's input width is the model's)."""
    return blocks[0] if k == 0 else blocks[-1]


def _phased_backward(env: LayerEnv, layer: LayerEstimate, blocks: list[tuple[TensorSpec, ...]],
                     transient: Callable[[int, int, float], float]) -> int:
    """PyTorch runs a stacked recurrent layer's backward as autograd does its forward, one layer and direction at
    a time from the top (one node each, native or oneDNN): what a layer and direction saved is freed once its
    backward is done (a layer's input once both directions' are), and its weight gradients stay. The peak is the
    largest phase, counted against everything saved alive at the start (measured: one direction's gradients and
    transients alone were 10 to 16 % under for bidirectional oneDNN LSTMs of small batches, 31 % for GRUs)."""
    b = dict(env.bindings)
    layers, dirs = b.get("L", 1), b.get("D", 1)
    lines = {a.key: a.value for a in layer.activations if a.counted}
    between = lines.get("layer_inputs", 0) + lines.get("dropout_masks", 0)  # a layer boundary's, freed with it
    per_direction = (sum(lines.values()) - lines.get("input", 0) - between) / (layers * dirs)
    per_boundary = between / (layers - 1) if layers > 1 else 0
    most, done, freed = 0.0, 0, 0.0
    for k in range(layers - 1, -1, -1):
        grads = sum(_numel(t.shape, b) for t in _block(blocks, k) if t.trainable) * env.options.weight_bytes
        during = transient(k, grads, per_direction)
        for _ in range(dirs):
            most = max(most, done + during - freed)
            done += grads
            freed += per_direction
        freed += per_boundary if k else 0
    return int(most)


def _numel(shape: tuple[Expr, ...], bindings: dict[str, int]) -> int:
    n = 1
    for d in shape:
        n *= d.evaluate(bindings)
    return n


def _copies_input(env: LayerEnv) -> bool:
    """A batch_first recurrent layer (PyTorch) that oneDNN runs, or a bidirectional native one, reads a time-major
    copy of its input (one step or one row is already contiguous); a unidirectional native one reads the view."""
    if not is_recurrent(env.layer) or env.is_cell or not env.config("batch_first", False):
        return False
    copied = activation_path(replace(env, options=replace(env.options, mode="train"))) == "onednn" \
        or env.bindings.get("D", 1) == 2
    return copied and env.steps > 1 and env.batch > 1


def _contiguous_copies(est: Estimate, envs: list[LayerEnv]) -> list[int]:
    """Per layer, the contiguous copy of its input its kernel makes forward and backward: a batch_first recurrent
    layer hands on a transposed view of its time-major output (dropout keeps the strides), which layer norm
    copies while it runs (nn.Linear flattens it into the copy it saves, already counted)."""
    out, transposed = [], False
    for env in envs:
        layer = env.layer
        keeps_stats = any(k.tensor == ROW_STATS for k in layer.work.keeps)
        out.append(_input_bytes(est, layer) if transposed and keeps_stats else 0)
        if is_recurrent(layer):
            transposed = not env.is_cell and bool(env.config("batch_first", False)) and env.steps > 1 and env.batch > 1
        elif layer.work.mask is None:
            transposed = False
    return out


def _new_saved(layer: LayerEstimate) -> tuple[int, int]:
    """The layer's saved bytes that are new storage, and those that are its incoming tensor kept alive."""
    incoming = sum(a.value for a in layer.activations if a.counted and a.key == "input")
    return layer.activation_bytes - incoming, incoming


# --- The step ----------------------------------------------------------------------------------------------------

def _resident(est: Estimate, training: bool) -> int:
    keys = ("weights", "buffers", "master_weights", "optimizer_state") if training else ("weights", "buffers")
    lines = {item.key: item.value for item in est.memory}
    return sum(lines.get(k, 0) for k in keys) + _input_bytes(est, est.report.layers[0])


def _not_modelled(est: Estimate, training: bool) -> str:
    fw = FRAMEWORKS[est.framework]
    runtime = fw.runtime
    if runtime is None or runtime.kernels != "torch" or not runtime.measured:
        return "peak_framework"
    if est.options.device != "cpu":
        return "peak_device"
    if training and est.options.checkpointing:
        return "peak_checkpointing"
    if training and est.options.mixed_precision:
        return "peak_mixed_precision"
    if est.options.autocast:  # the casts, their caches and the kernels' float32 temporaries: not measured
        return "peak_autocast"
    if est.options.dtype != "float32":
        return "peak_dtype"
    if training and est.options.optimizer not in VALIDATED_OPTIMIZERS:
        return "peak_optimizer"
    for layer in est.report.layers:
        reason = _layer_not_modelled(est, layer)
        if reason:
            return reason
    return ""


COVERED_KEEPS = frozenset({INPUT, INDICES, ROW_STATS})
"""Layers that keep only these run one kernel whose transients are its output and, backward, its input and weight
gradients — what the timeline allocates by default."""


def _layer_not_modelled(est: Estimate, layer: LayerReport) -> str:
    """Why the timeline does not know a layer's transients (empty: it does)."""
    work = layer.work
    if is_recurrent(layer):
        env = _env(est, layer, True)
        cell = env.cell
        assert cell is not None
        if env.is_cell and not (cell.cell_state or cell.output_is_state):
            return "peak_layer"  # a GRU cell's backward frees its saved gates op by op
        return ""
    if work.attention or work.positions in (OUTPUT_POSITIONS, STEP_OUTPUTS) or work.activation is not None:
        return "peak_layer"
    if any(k.tensor not in COVERED_KEEPS for k in work.keeps):
        return "peak_layer"
    return ""


def training_peak(est: Estimate) -> Peak:
    """Simulate a training step layer by layer (see the module docstring)."""
    resident = _resident(est, True)
    reason = _not_modelled(est, True)
    if reason:
        return Peak("train", None, "", resident, reason)
    tl = _Timeline(resident)
    envs: list[LayerEnv] = []
    upstream = False
    for counted in est.report.layers:
        envs.append(_env(est, counted, upstream))
        upstream = upstream or any(t.trainable for t in counted.tensors)
    saved: list[int] = []
    copies = _contiguous_copies(est, envs)
    carry = 0  # the tensor handed on, when no saved tensor holds it (the model input is resident)
    for k, (layer, env) in enumerate(zip(est.layers, envs, strict=True)):
        new, incoming = _new_saved(layer)
        if _copies_input(env):  # what it keeps is its own time-major copy, not the tensor it was handed
            new, incoming = new + incoming, 0
        held = 0
        if k and incoming and carry:  # the layer keeps its incoming tensor: it lives on as saved memory
            held, carry = carry, 0
        out = 0 if layer.output_saved else _output_bytes(est, env.layer)
        tl.touch(new + out + copies[k] + _forward_scratch(env, layer.activation_model), f"forward:{layer.name}")
        tl.live += new + out - carry
        saved.append(new + held)
        carry = out
    final = est.report.layers[-1]
    out_bytes = _output_bytes(est, final)
    out32 = out_bytes * 4 // est.options.activation_bytes
    cast = out32 if est.options.activation_bytes != 4 else 0  # out.float(): a copy, which pow keeps for backward
    held_output = out_bytes if est.layers[-1].output_saved else 0  # the step's `out` keeps it past its backward
    tl.live += cast
    tl.touch(out32, "loss")
    tl.touch(4 * out32, "loss")  # MeanBackward's gradient, PowBackward's pow, and its two products
    grad_out = out_bytes
    for k in range(len(est.layers) - 1, -1, -1):
        layer, env = est.layers[k], envs[k]
        d_input = _input_bytes(est, env.layer) if env.upstream else 0
        d_weights = _gradient_bytes(est, env.layer)
        if is_recurrent(env.layer) and not env.is_cell:
            tl.touch(grad_out + _recurrent_backward(env, layer), f"backward:{layer.name}")
        elif env.is_cell:  # the cell's gate gradient takes the place of the incoming one, freed first
            tl.touch(d_input + d_weights, f"backward:{layer.name}")
        else:
            tl.touch(grad_out + d_input + d_weights + copies[k], f"backward:{layer.name}")
        tl.live += d_weights - saved[k] + (held_output if k == len(est.layers) - 1 else 0)
        if k == len(est.layers) - 1:
            tl.live -= cast
        grad_out = d_input
    tl.touch(_optimizer_scratch(est), "optimizer")
    for layer, env in zip(est.layers, envs, strict=True):
        if tl.at == f"forward:{layer.name}" and _native_forward_unmodelled(env, layer):
            return Peak("train", None, "", resident, "peak_native_forward")
    return _claimed(Peak("train", tl.peak, tl.at, resident))


def _native_forward_unmodelled(env: LayerEnv, layer: LayerEstimate) -> bool:
    """A native recurrent layer whose input needs a gradient, at its forward: torch allocates less there than the
    timeline's input projections and stacked outputs (an embedding before nn.GRU(16, 152), batch 32 × 15: 7 %
    over, 64 × 30: 8 %), by an amount not derived; with a plain input the same forward is exact."""
    return is_recurrent(env.layer) and not env.is_cell and env.upstream and layer.activation_model == "native"


OPTIMIZER_TEMPORARIES = {"sgd": (0, False), "momentum": (0, False), "nesterov": (1, False), "adam": (2, True),
                         "adamw": (2, True), "rmsprop": (1, True), "rmsprop-centered": (1, True),
                         "adagrad": (1, True), "adafactor": (1, True)}
"""Parameter-sized temporaries of torch.optim's single-tensor step on CPU (the default there: no foreach), per
parameter: SGD with or without momentum updates in place; Nesterov's `grad + momentum·buf`, RMSprop's and Adagrad's
`sqrt(·) + eps` and Adafactor's squared gradient are one; Adam's and AdamW's denominator `exp_avg_sq.sqrt() / c`
is two. Except Nesterov's, the last one made lives until the next parameter's are (the second entry; measured:
the step's peak is then k·p_i + p_{i−1})."""


def _optimizer_scratch(est: Estimate) -> int:
    """The optimizer step's temporaries at their largest (OPTIMIZER_TEMPORARIES)."""
    k, carried = OPTIMIZER_TEMPORARIES[est.options.optimizer]
    sizes = [t.params * est.options.weight_bytes for layer in est.report.layers for t in layer.tensors
             if t.trainable]
    if not k:
        return 0
    return max((k * n + (sizes[i - 1] if i and carried else 0) for i, n in enumerate(sizes)), default=0)


def _inference_path(env: LayerEnv) -> str:
    """The kernel a recurrent layer runs under no_grad: the one training would take (oneDNN or native)."""
    if not is_recurrent(env.layer):
        return "generic"
    return activation_path(replace(env, options=replace(env.options, mode="train")))


SMALLEST_PEAK = 4 * 1024 * 1024
"""Below this the allocations the timeline leaves out — states and scalars of a few hundred bytes, a kernel's fixed
buffers of a few KiB — can be more than 5 % of the peak (an LSTM(16, 16) at 2 × 2: −6 %), so it is not called one."""


def _claimed(peak: Peak) -> Peak:
    if peak.value is not None and peak.value < SMALLEST_PEAK:
        return replace(peak, value=None, reason="peak_small")
    return peak


def _recurrent_inference(env: LayerEnv, path: str) -> int:
    """Bytes a recurrent layer allocates at its peak under no_grad, its output included: the zero initial states,
    then per stacked layer and direction the previous layer's output (its input), the directions' outputs so far
    and the kernel's transients — oneDNN: the weights reordered (G·H rounded up to 128 rows) and its gate
    scratchpad T·B·ld(G·H) in float32; native: the input projections T·B·G·H and the per-step outputs, stacked
    into a copy (a bidirectional layer concatenates the directions' copies once more)."""
    b = dict(env.bindings)
    cell = env.cell
    assert cell is not None
    s = env.options.activation_bytes
    dirs, layers = b.get("D", 1), b.get("L", 1)
    st = stacks(env)
    hidden = b["H"]
    if env.is_cell:  # the zero state, the input's and the state's gate products (and an RNN cell's output beside)
        x = st[0]
        h_out = x.hidden_out.evaluate(b)
        return env.batch * (h_out + 2 * x.gate_width.evaluate(b) + (h_out if cell.output_is_state else 0)) * s
    state = layers * dirs * env.batch * (st[0].hidden_out.evaluate(b) + (hidden if cell.cell_state else 0)) * s
    no_bias = not any(t.role in ("input_bias", "recurrent_bias") for t in env.layer.tensors)
    copies = env.layer.params * s if path == "onednn" and no_bias else 0
    transposed = _copies_input(env)
    most = 0
    for k in range(layers):
        x = st[0] if k == 0 else st[-1]
        width, gates, h_out = x.input_width.evaluate(b), x.gate_width.evaluate(b), x.hidden_out.evaluate(b)
        rows = env.steps * env.batch
        incoming = rows * width * s if k else 0
        if transposed:  # batch_first: the kernel reads a time-major copy of the input, alive for the whole layer
            incoming += rows * st[0].input_width.evaluate(b) * s
        out_dir = rows * h_out * s
        finals = (k + 1) * dirs * env.batch * (h_out + (hidden if cell.cell_state else 0)) * s
        for d in range(dirs):
            if path == "onednn":  # above layer 0, the layer below's directions stay until this one's have run
                below = (dirs - d) * out_dir if k and dirs > 1 else 0
                live = below + (d + 1) * out_dir + -(-gates // 128) * 128 * (width + hidden) * 4 \
                    + rows * onednn_ld(gates) * 4
            else:  # a direction's input projections are made before the previous direction's are freed
                projections = rows * gates * s
                live = d * 2 * out_dir + max(projections * (2 if d else 1), projections + 2 * out_dir)
            most = max(most, incoming + live)
        if dirs > 1:
            cat = dirs * out_dir * (2 if path == "native" else 1) + dirs * out_dir
            most = max(most, incoming + cat + finals + (rows * gates * s if path == "native" else 0))
    return state + copies + most


def _inference_not_modelled(est: Estimate) -> str:
    """oneDNN's inference scratchpad holds more than its gate buffer, by an amount we have not derived (2–13 % of
    the peak measured, more for short sequences and for stacked bidirectional layers): not called a peak."""
    for layer in est.report.layers:
        if is_recurrent(layer) and _inference_path(_env(est, layer, False)) == "onednn":
            return "peak_onednn_inference"
    return ""


def inference_peak(est: Estimate) -> Peak:
    """A forward under no_grad (the model in eval mode): each layer's input, output and transients alive at once."""
    resident = _resident(est, False)
    reason = _not_modelled(est, False) or _inference_not_modelled(est)
    if reason:
        return Peak("inference", None, "", resident, reason)
    tl = _Timeline(resident)
    carry = 0
    for layer in est.report.layers:
        env = _env(est, layer, False)
        out = _output_bytes(est, layer)
        path = _inference_path(env)
        if is_recurrent(layer):
            tl.touch(_recurrent_inference(env, path), f"forward:{layer.name}")
        elif layer.work.mask is not None:  # dropout in eval mode hands its input on unchanged
            out = carry
        else:
            tl.touch(out, f"forward:{layer.name}")
        tl.live += out - carry
        carry = out
    return _claimed(Peak("inference", tl.peak, tl.at, resident))


def model_peaks(est: Estimate) -> tuple[Peak, ...]:
    """The peaks an estimate shows: a training estimate both (a step, and the same model serving), an inference one
    its own."""
    return (training_peak(est), inference_peak(est)) if est.options.training else (inference_peak(est),)


__all__ = ["VALIDATED_OPTIMIZERS", "Peak", "inference_peak", "model_peaks", "training_peak"]
