"""Memory of a training (or inference) step: weights, gradients, optimizer state, fp32 master weights,
activations kept for backward, recurrent states.

Parameter-derived parts are exact: they are the counted tensors times bytes per number. Activations are a
model of what the kernels keep for backward, written in the widths the conventions' weight shapes carry
(input width I_l, gate block G·H, fed-back width H_out, projection input H) with a small per-kind table of
the elementwise intermediates each cell keeps. docs/estimates.md explains each path and how it was measured:

- `onednn`: PyTorch on CPU, nn.LSTM without proj_size in float32 (bfloat16 too where the CPU has AVX-512) goes
  through oneDNN, which keeps a workspace per layer and direction (its size follows oneDNN's rnn_utils: padded
  leading dimensions, 4 KiB pages, float32 diff states) plus the layer's input, output and final states;
- `native`: PyTorch's own per-step cell (nn.GRU, nn.RNN, nn.LSTM with proj_size, the cells, and nn.LSTM in
  float16), which keeps each step's gate buffer, the cell's intermediates and the previous hidden state;
- `cudnn`: PyTorch on CUDA: cuDNN's reserve space (every layer, direction and step: gates, output, cell state);
- `keras`: Keras recurrent layers, unrolled step by step like the native path (not measured).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from .._record import replace as record_replace
from ..conventions.work import (
    CHANNEL_STATS,
    GROUP_STATS,
    INDICES,
    INPUT,
    INPUT_SIZED,
    OUTPUT,
    OUTPUT_INDICES,
    OUTPUT_SIZED,
    ROW_SCALE,
    ROW_STATS,
    SAMPLE_CHANNEL_STATS,
    Runtime,
)
from ..errors import UsageError
from ..symbolic import Const, Expr, Sym, add, factor, mul, product
from .attention import attention_items
from .flops import BIAS_ROLES, MAC_ROLES, needs_input_gradient
from .layer_env import (
    LayerEnv,
    drop_unit_multiplicities,
    feature_symbol,
    layer_env,
    sample_expr,
    weight_sizes,
)
from .optimizers import state_line
from .report import LayerReport, Report
from .resources import (
    DTYPE_BYTES,
    EstimateLine,
    EstimateOptions,
    is_recurrent,
    line,
    total_line,
)

B, T, S, s = Sym("B"), Sym("T"), Sym("S"), Sym("s")
D_, L_ = Sym("D"), Sym("L")


def _item(key: str, formula: Expr, env: LayerEnv, *, note: str = "") -> EstimateLine | None:
    formula = drop_unit_multiplicities(formula, env.bindings)
    item = line(key, formula, env.bindings, "bytes", note=note)
    return item if item.value else None


# --- Recurrent layers: read the widths off the weights ---------------------------------------------------------

@dataclass(frozen=True)
class Stack:
    """Stacked layers that share one weight layout (layer 0, or layers 1..L−1), per direction."""

    layers: Expr
    input_width: Expr
    gate_width: Expr
    hidden_out: Expr
    projection_input: Expr | None


def stacks(env: LayerEnv) -> list[Stack]:
    plan = env.layer.plan
    d = D_ if "D" in env.bindings else Const(1)
    in_axis, out_axis = (0, 1) if env.runtime.weights_in_out else (1, 0)  # (in, out) or (out, in)
    out: list[Stack] = []
    for copies, tensors in plan.blocks():
        if copies.evaluate(dict(env.bindings)) == 0:
            continue
        roles = {t.role: t for t in tensors}
        w_in, w_rec = roles["input_weights"], roles["recurrent_weights"]
        proj = roles.get("projection")
        out.append(Stack(
            layers=_divide(copies, d), input_width=w_in.shape[in_axis], gate_width=w_in.shape[out_axis],
            hidden_out=w_rec.shape[in_axis], projection_input=None if proj is None else proj.shape[in_axis]))
    return out


def _divide(copies: Expr, d: Expr) -> Expr:
    """copies / D for family multiplicities written as D or (L − 1)·D."""
    if copies == d:
        return Const(1)
    factors = getattr(copies, "factors", None)
    if factors is not None and d in factors:
        rest = list(factors)
        rest.remove(d)
        return mul(*rest)
    return copies


def _layers_expr(env: LayerEnv) -> Expr:
    return L_ if "L" in env.bindings else Const(1)


def _dirs_expr(env: LayerEnv) -> Expr:
    return D_ if "D" in env.bindings else Const(1)


def activation_path(env: LayerEnv) -> str:
    """Which kernels run the layer, so which tensors are kept."""
    cell = env.cell
    assert cell is not None
    if env.runtime.kernels != "torch":
        return "keras"
    if env.is_cell:
        return "native"
    if env.options.device == "cuda":
        return "cudnn"
    projected = _projected(env)
    # which dtypes torch hands oneDNN in training is the runtime's data (float16 trains through the native cell);
    # a bfloat16 LSTM takes oneDNN only where torch's bf16 device check passes: `--cpu-kernels native` elsewhere
    onednn_dtype = env.options.compute_dtype in env.runtime.onednn_train_dtypes
    onednn = env.options.cpu_kernels == "onednn"
    return "onednn" if onednn and cell.onednn and not projected and onednn_dtype and env.options.training else "native"


def _projected(env: LayerEnv) -> bool:
    return any(t.role == "projection" for t in env.layer.tensors)


def float32_state(env: LayerEnv) -> bool:
    """Under autocast, does the recurrent layer keep a float32 state? torch makes h_0 (and c_0) in its input's
    dtype, and a step-by-step cell that updates its state elementwise (`Cell.autocast_float32`: GRU's h − n, LSTM's
    f⊙c) promotes each step's 16-bit products to it; oneDNN's LSTM is handed 16-bit states."""
    cell = env.cell
    return (bool(env.options.autocast) and cell is not None and cell.autocast_float32 > 0 and not env.input_16bit
            and activation_path(env) == "native")


def hands_on_16bit(env: LayerEnv) -> bool:
    """Under autocast, is the layer's output 16-bit? A layer autocast runs in 16 bits hands on 16 bits (an LSTM with
    a float32 state too when it projects: its last product is 16-bit), a cell with a float32 state float32, a layer
    that keeps its input's dtype what it was given."""
    kind = env.layer.work.autocast
    if kind == "follow":
        return env.input_16bit
    if kind != "cast":
        return False
    return env.cell is None or _projected(env) or not float32_state(env)


def _recurrent_items(env: LayerEnv) -> tuple[list[EstimateLine | None], bool, str]:
    path = activation_path(env)
    cell = env.cell
    assert cell is not None
    st = stacks(env)
    first = st[0]
    Lx, Dx = _layers_expr(env), _dirs_expr(env)
    H = Sym("H")
    steps: Expr = Const(1) if env.is_cell else T
    upper = [x for x in st[1:]]
    dropout = env.config("dropout", 0.0)
    dropped = isinstance(dropout, (int, float)) and dropout > 0 and env.bindings.get("L", 1) > 1
    items: list[EstimateLine | None] = [_item("input", mul(steps, B, first.input_width, s), env)]
    cast = bool(env.options.autocast)
    two = env.bindings.get("D", 1) == 2
    if cast and two and not env.input_16bit:  # autocast casts the float32 input once for each direction
        items[0] = _item("input", mul(Dx, T, B, first.input_width, s), env, note="autocast_input_per_direction")
    out16 = not cast or hands_on_16bit(env)  # an upper layer's input: each direction casts a float32 one
    upper_inputs = add(*(mul(x.layers, *((Dx,) if two and not out16 else ()), T, B, x.input_width, s)
                         for x in upper)) if upper else Const(0)
    masks = mul(add(Lx, -1), T, B, Dx, first.hidden_out, s if out16 else 4)  # the mask is in its input's dtype
    if path == "onednn":
        separate_inputs = env.bindings.get("D", 1) == 2 or dropped
        no_bias = not any(t.role in ("input_bias", "recurrent_bias") for t in env.layer.tensors)
        items += [
            _item("weight_copies", mul(weight_sizes(env, frozenset({"input_weights", "recurrent_weights"})), s),
                  env, note="onednn_weight_copies") if no_bias else None,
            _item("layer_inputs", upper_inputs, env) if separate_inputs else None,
            _item("outputs", mul(Lx, Dx, T, B, H, s), env),
            _item("final_states", mul(2, Lx, Dx, B, H, s), env),
            _item("initial_states", mul(2, Lx, Dx, B, H, s), env),
            *_onednn_workspace(env, st),
            _item("dropout_masks", masks, env) if dropped else None,
        ]
        return items, env.bindings.get("D", 1) == 1, path
    if path == "cudnn":
        extra = cell.reserve + (1 if first.projection_input is not None else 0)
        per_step = add(first.gate_width, first.hidden_out, mul(extra, H))
        c0 = mul(Lx, Dx, B, H, s) if cell.cell_state else Const(0)
        items += [
            _item("outputs", mul(T, B, Dx, first.hidden_out, s), env),
            _item("initial_states", add(mul(Lx, Dx, B, first.hidden_out, s), c0), env),
            _item("reserve", mul(Lx, Dx, T, B, per_step, s), env),
            _item("dropout_masks", masks, env) if dropped else None,
        ]
        return items, True, path
    # native PyTorch cells, and Keras unrolled step by step
    if (path == "native" and batch_first(env) and two and env.steps > 1 and env.batch > 1
            and not (cast and not env.input_16bit)):
        # each direction reshapes the transposed input itself, so each keeps its own copy (a transposed view with
        # one step or one row is contiguous already: both share the input)
        items[0] = _item("input", mul(Dx, T, B, first.input_width, s), env, note="input_copy_per_direction")
    if env.runtime.reversed_input_copy and env.bindings.get("D", 1) == 2:  # the backward layer flips a copy
        items.append(_item("reversed_input", mul(T, B, first.input_width, s), env, note="keras_reversed_input"))
    # LSTMCell: c_{t-1} is its c_0, the very zeros of its h_0 (unless autocast casts that h_0 to 16 bits)
    extra = cell.intermediates - (1 if env.is_cell and cell.cell_state and not float32_state(env) else 0)
    gates = first.gate_width if cell.gate_buffer else Const(0)
    if cell.first_step_twice and not env.is_cell:  # one more step of the per-step tensors (c_{t−1}: the same c_0)
        repeated = extra - (1 if cell.cell_state else 0)
        again = add(gates, mul(repeated, H)) if repeated else gates
        items.append(_item("first_step_again", mul(Lx, Dx, B, again, s), env, note="keras_first_step"))
    hidden = mul(Lx, Dx, B, first.hidden_out, s) if cell.output_is_state else \
        mul(Lx, Dx, steps, B, first.hidden_out, s)
    items += [
        _item("layer_inputs", upper_inputs, env),
        _item("gates", mul(Lx, Dx, steps, B, first.gate_width, s), env) if cell.gate_buffer else None,
        *_intermediates(env, extra, steps),
        _item("projection_inputs", mul(Lx, Dx, steps, B, first.projection_input, s), env)
        if first.projection_input is not None else None,
        _item("hidden_states", hidden, env),
        _item("dropout_masks", masks, env) if dropped else None,
    ]
    return items, env.is_cell and cell.output_is_state, path  # an RNN cell's saved activation output is its output


def _stacked_cells_items(env: LayerEnv, key: str) -> tuple[EstimateLine, ...]:
    """A loop over cells run one after another each step (Keras StackedRNNCells): each cell keeps what RNN(cell)
    keeps on the width of the cell before, and one step more — Keras' generic loop runs step 0 once more per
    cell there (measured: T + 2 steps of each cell's per-step tensors, against RNN(cell)'s T + 1). A cell above
    the first reads the one below's output every step instead of a stored sequence: those outputs are saved
    unless the cell below keeps them itself (SimpleRNNCell's is the tanh output it saves; LSTM and GRU cells keep
    only the T − 1 a next step reads)."""
    from ..spec import ModelSpec, frozen_mapping
    from .count import count_model  # the cells, each counted as RNN(cell) counts it

    rnn = env.spec_with("cell")  # the RNN, or the one a wrapper (Bidirectional) holds
    cells = env._cell_config(key)
    assert rnn is not None and isinstance(cells, tuple)
    width = env.layer.plan.bindings["I"]
    axis = env.layer.plan.time_axis
    steps = env.layer.input_shape[axis] if axis is not None else None
    assert isinstance(steps, int)  # a Keras RNN's input has its time steps (else counting refused it)
    found: list[EstimateLine] = []
    below: tuple[int, bool] | None = None  # the width of the cell below's output, and whether it keeps it
    for k, cell in enumerate(cells):
        spec = record_replace(rnn, name=None,
                              config=frozen_mapping({**rnn.config, "cell": cell, "return_sequences": True}))
        part = count_model(ModelSpec(env.framework, (spec,), (steps, width))).layers[0]
        part_env = layer_env(part, env.runtime, env.options, None, env.upstream or k > 0,
                             framework=env.framework)
        items = [i for i in _recurrent_items(part_env)[0] if i is not None and not (k and i.key == "input")]
        found += items + [i for i in items if i.key == "first_step_again"]
        if below is not None and not below[1]:
            found += [i for i in (_item("cell_inputs", mul(3, B, Sym("H_in"), s),
                                        replace(part_env, bindings=MappingProxyType({**part_env.bindings,
                                                                                     "H_in": below[0]}))),)
                      if i is not None]
        cell_kind = part_env.cell
        assert cell_kind is not None
        below = (part.plan.bindings["H"], cell_kind.output_is_state)
        width = below[0]
    dirs = env.bindings.get("D", 1)
    if dirs > 1:  # Bidirectional: each direction keeps the same (the backward one on its reversed copy of the input)
        found = [line(i.key, mul(D_, i.formula), {**i.bindings, "D": dirs}, "bytes", note=i.note) for i in found]
    return tuple(found)


def _intermediates(env: LayerEnv, extra: int, steps: Expr) -> list[EstimateLine | None]:
    """The cell's H-wide intermediates of every step; under autocast with a float32 state, those it computes from
    the state (`Cell.autocast_float32`) are float32."""
    cell = env.cell
    assert cell is not None
    Lx, Dx, H = _layers_expr(env), _dirs_expr(env), Sym("H")
    wide = cell.autocast_float32 if float32_state(env) else 0
    return [_item("cell_intermediates", mul(extra - wide, Lx, Dx, steps, B, H, s), env) if extra > wide else None,
            _item("cell_intermediates_float32", mul(wide, Lx, Dx, steps, B, H, 4), env, note="autocast_float32")
            if wide else None]


def batch_first(env: LayerEnv) -> bool:
    return bool(env.config("batch_first", False))


def hands_on_transposed(env: LayerEnv, given_transposed: bool) -> bool:
    """Does the layer hand on its output as a non-contiguous transposed tensor? A batch_first PyTorch RNN returns
    its time-major output transposed (with one step or one row that view is contiguous already, so the next layer
    reads it as it is: nn.Linear's reshape is a view of the same storage); an elementwise layer given one keeps
    its strides (`Work.keeps_layout`)."""
    if env.runtime.kernels == "torch" and is_recurrent(env.layer) and not env.is_cell:
        return batch_first(env) and env.steps > 1 and env.batch > 1
    return given_transposed and env.layer.work.keeps_layout


def shares_input(output_saved: bool, transposed: bool, env: LayerEnv) -> bool:
    """Is this layer's saved input the very storage the previous layer already saved as its output
    (`output_saved`, handed on as a transposed view when `transposed`)?

    A batch_first PyTorch RNN returns a transposed view of its time-major output: nn.Linear reshapes it to 2-D
    (a copy), LayerNorm saves the view itself (shared), another RNN shares it when its batch_first agrees (or when
    one step or one row makes the transposed view contiguous: `Linear; ReLU; RNN(batch_first=True)` on 1 × 1 was
    counted twice). Under autocast a layer that casts keeps its own 16-bit copy of a float32 tensor."""
    if not output_saved:
        return False
    if env.options.autocast and env.layer.work.autocast == "cast" and not env.input_16bit:
        return False  # it keeps its own 16-bit cast of the float32 tensor
    if env.runtime.kernels == "torch" and is_recurrent(env.layer) and not env.is_cell:
        # with one step or one row a transposed view is contiguous already: the layer reads it as it is
        return transposed == batch_first(env) or env.steps == 1 or env.batch == 1
    if env.layer.work.flattens_input:
        return not transposed
    return True


def onednn_ld(width: int, number_bytes: int = 4) -> int:
    """oneDNN's leading dimension (rnn_utils::get_good_ld): the width rounded up to 64 bytes of its numbers
    (16 floats, 32 bfloat16s), nudged off multiples of 256 numbers to avoid 4K aliasing."""
    per_line = 64 // number_bytes
    ld = -(-width // per_line) * per_line
    return ld + per_line if ld % 256 == 0 else ld


PAGE = 4096
DIFF_BYTES = 4
"""oneDNN accumulates the diff states in float32 whatever the data type (gemm_acc_t)."""


def onednn_workspace_bytes(steps: int, batch: int, input_width: int, hidden: int, gates: int,
                           state_bytes: int = 4) -> int:
    """The workspace oneDNN keeps for one layer and direction in training (rnn_utils set_workspace_sizes and
    set_offsets): gates, h_t, states (layer and iteration share one buffer) and c states in the data type
    (float32 or bfloat16, its leading dimensions padded to 64 bytes of it), and the three diff-state buffers in
    float32, each starting on a 4 KiB page; torch allocates it rounded up to whole pages."""
    s, f = state_bytes, DIFF_BYTES
    g, h = onednn_ld(gates, s), onednn_ld(hidden, s)
    w, v = onednn_ld(max(input_width, hidden), s), onednn_ld(max(input_width, hidden), f)
    rows = 2 * (steps + 1) * batch
    regions = (steps * batch * g * s, steps * batch * h * s, rows * w * s, rows * hidden * s,
               rows * v * f, rows * v * f, rows * hidden * f)
    offset = 0
    for size in regions:
        offset = -(-offset // PAGE) * PAGE + size
    return -(-offset // PAGE) * PAGE


def _onednn_workspace(env: LayerEnv, st: list[Stack]) -> list[EstimateLine | None]:
    """Workspace per layer and direction: T·B·s·(g + h) + 2·(T + 1)·B·(s·(w + H) + 4·(2·v + H)) + a, where g, h,
    w are the widths of the gates, the hidden state and the wider of input and hidden padded to 64 bytes of the
    data type, v that wider width padded to 16 floats (the diff states), and a is the page alignment."""
    out: list[EstimateLine | None] = []
    bindings = dict(env.bindings)
    H = Sym("H")
    nb = env.options.activation_bytes
    for k, x in enumerate(st):
        suffix = f"_{k}" if len(st) > 1 else ""
        w, v, a = Sym("w" + suffix), Sym("v" + suffix), Sym("a" + suffix)
        width = x.input_width.evaluate(bindings)
        hidden, gates = bindings["H"], x.gate_width.evaluate(bindings)
        wide = max(width, hidden)
        bindings.update({"g": onednn_ld(gates, nb), "h": onednn_ld(hidden, nb), "w" + suffix: onednn_ld(wide, nb),
                         "v" + suffix: onednn_ld(wide, DIFF_BYTES)})
        raw = add(mul(T, B, s, add(Sym("g"), Sym("h"))),
                  mul(2, add(T, 1), B, add(mul(s, add(w, H)), mul(DIFF_BYTES, add(mul(2, v), H)))))
        exact = onednn_workspace_bytes(env.steps, env.batch, width, hidden, gates, nb)
        bindings["a" + suffix] = exact - raw.evaluate(bindings)
        formula = drop_unit_multiplicities(mul(x.layers, _dirs_expr(env), add(raw, a)), bindings)
        item = line("workspace", formula, bindings, "bytes", note="onednn_workspace")
        out.append(item if item.value else None)
    return out


# --- Every layer -----------------------------------------------------------------------------------------------

def _trainable(layer: LayerReport) -> bool:
    return any(t.trainable for t in layer.tensors)


AUTOCAST_SUPPORTED = ("nn.Linear, nn.RNN, nn.GRU and nn.LSTM (stacked, bidirectional, batch_first, projected; the LSTM "
                      "through oneDNN in bfloat16 or step by step with --cpu-kernels native), their cells, "
                      "nn.Embedding, nn.Dropout and the elementwise activations that keep their input or output")


def _autocast_refusal(env: LayerEnv) -> str | None:
    """Why `--autocast` cannot model this layer (None: it can), as measured on CPU (docs/estimates.md)."""
    layer, kind = env.layer, env.layer.work.autocast
    if env.runtime.kernels != "torch":
        return "--autocast models torch.autocast on PyTorch models only"
    if not kind:
        return (f"{layer.name} ({layer.type}): what it keeps under torch.autocast is not measured (LayerNorm, for one, "
                "runs in float32 on a 16-bit input)")
    cell = env.cell
    if cell is None or env.is_cell:  # a cell applies each weight once: one cast, like a Linear's
        return None
    if any(not t.trainable for t in layer.tensors):
        return (f"{layer.name} ({layer.type}): autocast caches only the casts of weights that need a gradient, so "
                "each step casts a frozen weight again and keeps that copy wherever the step's input needs a gradient; "
                "a recurrent layer with frozen weights is not modelled")
    if (cell.onednn and not _projected(env) and env.options.autocast == "float16"
            and env.options.cpu_kernels == "onednn" and not env.input_16bit):  # torch takes oneDNN, in float16
        return (f"{layer.name} ({layer.type}): torch crashes on an nn.LSTM given float32 input under float16 autocast "
                "on CPU (oneDNN: 'could not create a primitive descriptor for the LSTM forward propagation "
                "primitive'); with oneDNN off (torch.backends.mkldnn.flags(enabled=False)) it runs step by step: "
                "--cpu-kernels native")
    return None


def _autocast_copies(env: LayerEnv) -> EstimateLine | None:
    """The 16-bit weight copies an autocast layer keeps: oneDNN's LSTM keeps all of its weights and biases cast;
    a matmul keeps its cast weight only for its input's gradient, where the backward FLOPs count that gradient
    (flops.needs_input_gradient: not the first trainable layer's input, nor the zero h_0 of a single step). A weight
    autocast casts again at every step (`Work.autocast_recast`) leaves a copy per step."""
    if env.layer.work.autocast != "cast":
        return None
    onednn = env.cell is not None and not env.is_cell and activation_path(env) == "onednn"
    roles = MAC_ROLES | BIAS_ROLES if onednn else MAC_ROLES
    recast = frozenset(env.layer.work.autocast_recast)
    bindings = dict(env.bindings)
    terms: list[Expr] = []
    first = True
    for copies, tensors in env.layer.plan.blocks():
        if copies.evaluate(bindings) == 0:
            continue
        chosen = [mul(T, product(t.shape)) if t.role in recast and not onednn else product(t.shape)
                  for t in tensors if t.role in roles
                  and (onednn or needs_input_gradient(env, t.role, first, env.steps))]
        first = False
        if chosen:
            block = factor(add(*chosen))
            terms.append(block if copies == Const(1) else mul(copies, block))
    if not terms:
        return None
    return _item("autocast_weight_copies", mul(add(*terms), s), env, note="autocast_copies")


def layer_activations(env: LayerEnv) -> tuple[tuple[EstimateLine, ...], bool, str]:
    """The layer's activation items, whether its output is among them, and the path modelled."""
    if not env.options.training:
        return _inference_items(env), False, "inference"
    if env.options.autocast:
        refusal = _autocast_refusal(env)
        if refusal is not None:
            raise UsageError(f"--autocast: {refusal}; modelled: {AUTOCAST_SUPPORTED}")
        items, saved_output, model = _layer_activations(env)
        copies = _autocast_copies(env) if (env.upstream or any(t.trainable for t in env.layer.tensors)) else None
        return items + ((copies,) if copies is not None else ()), saved_output, model
    return _layer_activations(env)


def _layer_activations(env: LayerEnv) -> tuple[tuple[EstimateLine, ...], bool, str]:
    layer, work = env.layer, env.layer.work
    if not env.upstream and not _trainable(layer):  # no gradient reaches it: autograd records nothing here
        return (), False, "generic"
    if is_recurrent(layer):
        items, saved_output, model = _recurrent_items(env)
        return tuple(i for i in items if i is not None), saved_output, model
    if work.cells is not None and env.framework:
        return _stacked_cells_items(env, work.cells), False, "keras"
    if work.attention and env.runtime.kernels == "torch":
        attention = [_item(key, formula, env) for key, formula in attention_items(env)]
        return tuple(i for i in attention if i is not None), False, "attention"
    x = sample_expr(layer.input_shape, env, feature_symbol(env))
    found: list[EstimateLine | None] = []
    saved_output = False
    for keep in work.keeps:  # what the convention declares the layer keeps for backward
        if keep.trainable_only and not _trainable(layer):
            continue
        if keep.when is not None and not env.config(keep.when):
            continue
        n = keep.copies
        if keep.tensor == INPUT:
            found.append(_item("input", mul(B, x, s), env))
        elif keep.tensor == INDICES:
            found.append(_item("indices", mul(n, B, x, Sym("s_i")), env))
        elif keep.tensor in (ROW_STATS, CHANNEL_STATS):  # mean and inverse deviation per row, or per channel
            per: Expr = mul(B, env.positions_expr()) if keep.tensor == ROW_STATS else Sym(feature_symbol(env) or "C")
            found.append(_item("norm_stats", mul(2, per, s), env))
        elif keep.tensor == ROW_SCALE:  # one number per row
            found.append(_item("norm_stats", mul(B, env.positions_expr(), s), env))
        elif keep.tensor == GROUP_STATS:  # per sample and group
            found.append(_item("norm_stats", mul(2, B, Sym("G"), s), env))
        elif keep.tensor == SAMPLE_CHANNEL_STATS:  # per sample and channel
            found.append(_item("norm_stats", mul(n, B, Sym(feature_symbol(env) or "C"), s), env))
        elif keep.tensor == OUTPUT:
            out = sample_expr(layer.output_shape, env, None)  # type: ignore[arg-type]
            found.append(_item("output", mul(B, out, s), env))
            saved_output = True
        elif keep.tensor == INPUT_SIZED:
            found.append(_item("intermediates", mul(n, B, x, s), env))
        elif keep.tensor in (OUTPUT_SIZED, OUTPUT_INDICES):
            out = sample_expr(layer.output_shape, env, None)  # type: ignore[arg-type]
            width = Sym("s_i") if keep.tensor == OUTPUT_INDICES else s
            found.append(_item("argmax" if keep.tensor == OUTPUT_INDICES else "intermediates",
                               mul(n, B, out, width), env))
    if work.activation is not None and env.config(work.activation) not in (None, "linear"):
        out = sample_expr(layer.output_shape, env, None)  # type: ignore[arg-type]
        found.append(_item("activation_output", mul(B, out, s), env))
        saved_output = True  # the next layer's saved input is this very tensor
    if work.mask is not None:
        rate = env.config(work.mask, 0.0)
        in_dtype = env.runtime.mask_in_activation_dtype and env.options.device == "cpu"
        mask_bytes = env.bindings["s"] if in_dtype else 1
        if isinstance(rate, (int, float)) and rate > 0:
            mask = mul(B, _channels(env), mask_bytes) if work.mask_per_channel else mul(B, x, mask_bytes)
            found.append(_item("dropout_mask", mask, env))
    return tuple(i for i in found if i is not None), saved_output, "generic"


def _channels(env: LayerEnv) -> Expr:
    """The channels of the input (a channel dropout's mask: one number per sample and channel)."""
    shape = env.layer.input_shape
    axis = env.layer.plan.feature_axis
    size = shape[axis] if shape and -len(shape) <= axis < len(shape) else None
    return Const(size if size is not None else env.options.batch)


def _inference_items(env: LayerEnv) -> tuple[EstimateLine, ...]:
    """Inference keeps nothing for backward; what is live while the layer runs is its input, its output and,
    for a recurrent layer, the input projections of one layer and direction for the whole sequence."""
    layer = env.layer
    tokens = any(k.tensor == INDICES for k in layer.work.keeps)
    x = sample_expr(layer.input_shape, env, feature_symbol(env))
    outputs = layer.output_shape if layer.multi_output else (layer.output_shape,)
    y = add(*(sample_expr(o, env, None) for o in outputs))  # type: ignore[arg-type]
    items = [_item("input", mul(B, x, Sym("s_i") if tokens else s), env), _item("output", mul(B, y, s), env)]
    if is_recurrent(layer):
        items.append(_item("working", mul(T if not env.is_cell else 1, B, stacks(env)[0].gate_width, s), env))
    return tuple(i for i in items if i is not None)


def checkpoint_items(env: LayerEnv) -> tuple[EstimateLine, ...]:
    """A checkpointed layer keeps its input (the checkpoint holds it to run the layer again) and the generator state
    it restores first, nothing the layer saves: those are made again in the backward pass."""
    state = env.runtime.checkpoint_state_bytes
    if state is None:
        raise UsageError("--checkpointing is modelled for PyTorch's torch.utils.checkpoint only")
    tokens = any(k.tensor == INDICES for k in env.layer.work.keeps)
    x = sample_expr(env.layer.input_shape, env, feature_symbol(env))
    items = [_item("checkpoint_input", mul(B, x, Sym("s_i") if tokens else s), env),
             _item("rng_state", Const(state), env, note="checkpoint_rng_state")]
    return tuple(i for i in items if i is not None)


def layer_states(env: LayerEnv) -> EstimateLine | None:
    """Final states the layer returns beside its output (h_n, c_n; Keras return_state), from the convention's
    state shapes."""
    shapes = env.layer.plan.state_shapes
    if not shapes:
        return None
    terms: list[Expr] = []
    for shape in shapes.values():
        per_row = env.per_sample(shape)
        terms.append(mul(B, _state_expr(per_row, env), s))
    return _item("states", add(*terms), env)


def _state_expr(per_row: int, env: LayerEnv) -> Expr:
    """A state's elements per batch row in symbols when they are L·D·H_out or L·D·H, else the number."""
    b = dict(env.bindings)
    ld = (_layers_expr(env), _dirs_expr(env))
    for candidate in (mul(*ld, Sym("P")), mul(*ld, Sym("H")), Sym("H")):
        if candidate.symbols() <= set(b) and candidate.evaluate(b) == per_row:
            return candidate
    return Const(per_row)


def layer_weights(env: LayerEnv) -> EstimateLine:
    from .formula import concrete_formula

    bindings = dict(env.bindings)
    bindings["s"] = env.options.weight_bytes
    params = concrete_formula(env.layer.plan)
    return line("weights", mul(params, s) if not isinstance(params, Const) else mul(params.value, s), bindings,
                "bytes")


# --- The model -------------------------------------------------------------------------------------------------

def model_memory(report: Report, runtime: Runtime, options: EstimateOptions,
                 activations: list[EstimateLine], peak: int, states: list[EstimateLine]) -> tuple[EstimateLine, ...]:
    """The model's memory lines: `activations` are every layer's saved tensors (training), `peak` the largest
    layer's live activations (inference), `states` the layers' final states."""
    n, s_w = Sym("n"), Sym("s")
    trainable = [t for layer in report.layers for t in layer.tensors if t.trainable]
    n_t = sum(t.params for t in trainable)
    weight_bytes = options.weight_bytes
    lines: list[EstimateLine] = [line("weights", mul(n, s_w), {"n": report.total_params, "s": weight_bytes},
                                      "bytes")]
    buffers = [t for layer in report.layers for t in layer.buffers]
    if buffers:
        counters = sum(1 for t in buffers if t.role == "counter")
        floats = sum(t.params for t in buffers if t.role != "counter")
        lines.append(line("buffers", add(mul(Sym("n_b"), s_w), mul(8, Sym("k"))),
                          {"n_b": floats, "s": weight_bytes, "k": counters}, "bytes", note="buffers"))
    if options.training:
        if options.mixed_precision:
            lines.append(line("master_weights", mul(4, Sym("n_t")), {"n_t": n_t}, "bytes", note="master_weights"))
        lines.append(line("gradients", mul(Sym("n_t"), s_w), {"n_t": n_t, "s": weight_bytes}, "bytes"))
        lines.append(_optimizer_line(runtime, options, [t.shape for t in trainable]))
    if options.training:
        lines.append(total_line("activations", activations, "bytes"))
    else:
        lines.append(EstimateLine("activations", Const(peak), MappingProxyType({}), peak, "bytes",
                                  note="inference_peak"))
    lines.append(total_line("states", states, "bytes"))
    lines.append(total_line("total", lines, "bytes"))
    return tuple(lines)


def _optimizer_line(runtime: Runtime, options: EstimateOptions, shapes: list[tuple[int, ...]]) -> EstimateLine:
    """The optimizer's state after its first step (analysis/optimizers.py has each layout), plus the runtime's own:
    PyTorch's step-counting optimizers keep `step`, a float32 scalar tensor per parameter tensor (4 bytes each);
    Keras keeps its optimizer's `iteration` (int32) and `learning_rate` (float32) variables, 8 bytes."""
    if options.optimizer not in runtime.optimizers:
        raise UsageError(f"{options.optimizer} is not an optimizer of this framework; choose one of: "
                         f"{', '.join(runtime.optimizers)}")
    formula, bindings = state_line(options.optimizer, shapes, options.state_bytes, runtime.step_bytes_per_tensor,
                                   runtime.optimizer_bytes, runtime.adafactor_velocity)
    return line("optimizer_state", formula, bindings, "bytes", note=runtime.optimizer_note)


__all__ = ["DTYPE_BYTES", "checkpoint_items", "hands_on_transposed", "layer_activations", "layer_states",
           "layer_weights", "model_memory", "onednn_workspace_bytes", "shares_input"]
