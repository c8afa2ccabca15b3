"""Memory of a training (or inference) step: weights, gradients, optimizer state, fp32 master weights,
activations kept for backward, recurrent states.

Parameter-derived parts are exact: they are the counted tensors times bytes per number. Activations are a
model of what the kernels keep for backward, written in the widths the conventions' weight shapes carry
(input width I_l, gate block G·H, fed-back width H_out, projection input H) with a small per-kind table of
the elementwise intermediates each cell keeps. docs/estimates.md explains each path and how it was measured:

- `onednn`: PyTorch on CPU, nn.LSTM without proj_size in float32/bfloat16 goes through oneDNN, which keeps a
  workspace per layer and direction (its size follows oneDNN's rnn_utils: padded leading dimensions, 4 KiB
  pages) plus the layer's input, output and final states;
- `native`: PyTorch's own per-step cell (nn.GRU, nn.RNN, nn.LSTM with proj_size, the cells, and nn.LSTM in
  float16), which keeps each step's gate buffer, the cell's intermediates and the previous hidden state;
- `cudnn`: PyTorch on CUDA: cuDNN's reserve space (every layer, direction and step: gates, output, cell state);
- `keras`: Keras recurrent layers, unrolled step by step like the native path (not measured).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..symbolic import Const, Expr, Sym, add, mul, product
from .estimate import (
    DTYPE_BYTES,
    OPTIMIZER_SLOTS,
    EstimateLine,
    EstimateOptions,
    LayerEstimate,
    elements,
    line,
    outputs_of,
    time_axis,
    total_line,
)
from .report import LayerReport, Report

B, T, S, s = Sym("B"), Sym("T"), Sym("S"), Sym("s")
D_, L_ = Sym("D"), Sym("L")

WEIGHT_AXES: Mapping[str, tuple[int, int]] = MappingProxyType({
    "pytorch": (1, 0), "keras": (0, 1), "keras2": (0, 1)})
"""(input axis, output axis) of a weight matrix: PyTorch stores (out, in), Keras (in, out)."""

CELL_INTERMEDIATES: Mapping[str, int] = MappingProxyType({"lstm": 2, "gru": 3, "rnn": 0})
"""H-wide tensors a per-step cell keeps for backward besides its gate buffer and the previous hidden state
(measured with saved_tensors_hooks on PyTorch's CPU cells): LSTM keeps c_{t-1} and tanh(c_t); GRU keeps
tanh(n), a copy of the recurrent candidate part W_hn·h + b_hn (r multiplies it in place) and a copy of
h − n (z multiplies it in place); RNN's activation output is its hidden state, nothing else."""

RESERVE_EXTRA: Mapping[str, int] = MappingProxyType({"lstm": 1, "gru": 1, "rnn": 0})
"""cuDNN reserve space, H-wide tensors per step besides the gates and the output: the LSTM cell state c_t;
the GRU's r ⊙ (W_hn·h + b_hn) term."""

INDEX_BYTES: Mapping[str, int] = MappingProxyType({"pytorch": 8, "keras": 4, "keras2": 4})
"""Token indices an embedding keeps for backward: int64 in PyTorch, int32 in Keras."""

GATE_KINDS = {1: "rnn", 3: "gru", 4: "lstm"}


@dataclass(frozen=True)
class LayerEnv:
    """What the memory and compute models of one layer look at."""

    layer: LayerReport
    framework: str
    options: EstimateOptions
    batch: int
    """The batch as this layer sees it: the size on its batch axis (a PyTorch RNN without batch_first fed
    (N, T, F) reads N as time and T as batch, exactly as torch does)."""
    steps: int
    positions: int
    bindings: Mapping[str, int]
    """The layer's own bindings (I, H, L, D...) plus B (batch), T (its time steps), S (positions) and s
    (bytes per activation number)."""

    def per_sample(self, shape: tuple[int | None, ...]) -> int:
        """Elements of one of this layer's tensors per batch row."""
        return elements(shape, self.options.batch) // self.batch

    def config(self, key: str, default: object = None) -> object:
        spec = self.layer.spec
        return default if spec is None else spec.get(key, default)  # type: ignore[arg-type]

    @property
    def recurrent_kind(self) -> str | None:
        """rnn, gru or lstm, read off the gate blocks of the input weights (so wrappers need no table)."""
        for t in self.layer.tensors:
            if t.role == "input_weights":
                return GATE_KINDS.get(len(t.gates))
        return None

    @property
    def is_cell(self) -> bool:
        return self.layer.kind.endswith("_cell")

    def positions_expr(self) -> Expr:
        if self.positions == 1:
            return Const(1)
        return T if self.bindings.get("T") == self.positions else S


def layer_env(layer: LayerReport, framework: str, options: EstimateOptions, seq_len: int | None) -> LayerEnv:
    steps, batch = 1, options.batch
    if _is_recurrent(layer) and len(layer.input_shape) == 3:
        axis = time_axis(layer, framework)
        dims = [options.batch if d is None else d for d in layer.input_shape]
        steps, batch = dims[axis], dims[1 - axis]
    positions = steps if _is_recurrent(layer) else _positions(layer, framework, options.batch)
    bindings = dict(layer.plan.bindings)
    bindings.update({"B": batch, "s": options.activation_bytes, "S": positions, "s_i": INDEX_BYTES[framework]})
    if steps > 1 or _is_recurrent(layer):
        bindings["T"] = steps
    elif seq_len is not None:
        bindings["T"] = seq_len
    return LayerEnv(layer, framework, options, batch, steps, positions, MappingProxyType(bindings))


def _is_recurrent(layer: LayerReport) -> bool:
    return any(t.role == "recurrent_weights" for t in layer.tensors)


def feature_axis(layer: LayerReport, framework: str) -> int:
    """The axis a layer's weights act on: channels first for PyTorch convolutions and batch norm."""
    if framework == "pytorch" and layer.kind in ("conv1d", "batch_norm"):
        return 1
    if layer.kind == "conv1d" and layer.spec is not None and layer.spec.get("data_format") == "channels_first":
        return 1
    axis = layer.spec.get("axis", -1) if layer.spec is not None and layer.kind in ("batch_norm", "layer_norm") \
        else -1
    return axis if isinstance(axis, int) else -1


def _positions(layer: LayerReport, framework: str, batch: int) -> int:
    """Applications per sample of a non-recurrent layer: the input's elements over its feature width (a
    convolution: its output positions)."""
    if layer.kind == "embedding":
        return elements(layer.input_shape, batch) // batch
    if layer.kind == "conv1d":
        return sum(elements(o, batch) for o in outputs_of(layer)) // batch // layer.plan.bindings["O"]
    shape = layer.input_shape
    axis = feature_axis(layer, framework)
    width = shape[axis] if shape and -len(shape) <= axis < len(shape) else None
    return elements(shape, batch) // batch // width if width else 1


def sample_expr(shape: tuple[int | None, ...], env: LayerEnv, feature: str | None) -> Expr:
    """Elements of one sample as a product: the feature axis by its symbol, a time axis as T, others as numbers."""
    axis = feature_axis(env.layer, env.framework) % len(shape) if shape and env.layer.kind != "embedding" else None
    batch_axis = shape.index(None) if None in shape else None
    if _is_recurrent(env.layer) and len(shape) == 3:  # the layer's own batch axis, even if the chain swapped them
        batch_axis = 1 - time_axis(env.layer, env.framework)
    factors: list[Expr] = []
    for k, d in enumerate(shape):
        if k == batch_axis:
            continue
        if d is None:
            d = env.options.batch
        if k == axis and feature is not None and env.bindings.get(feature) == d:
            factors.append(Sym(feature))
        elif k != axis and env.bindings.get("T") == d:
            factors.append(T)
        elif k != axis and d == env.positions and d > 1:
            factors.append(env.positions_expr())
        else:
            factors.append(Const(d))
    return mul(*factors)


def _drop_unit_multiplicities(expr: Expr, env: Mapping[str, int]) -> Expr:
    """L = 1 and D = 1 say nothing in a formula: substitute them so `L·D·T·B·H` reads `T·B·H`."""
    ones = {k: 1 for k in ("L", "D") if env.get(k) == 1}
    return expr.subs(ones) if ones else expr


def _item(key: str, formula: Expr, env: LayerEnv, *, note: str = "") -> EstimateLine | None:
    formula = _drop_unit_multiplicities(formula, env.bindings)
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
    in_axis, out_axis = WEIGHT_AXES[env.framework]
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
    if env.framework != "pytorch":
        return "keras"
    if env.is_cell:
        return "native"
    if env.options.device == "cuda":
        return "cudnn"
    lstm = env.recurrent_kind == "lstm"
    projected = any(t.role == "projection" for t in env.layer.tensors)
    # float16 trains through the native cell; bfloat16 takes oneDNN only on CPUs with AVX-512 bf16 support,
    # which we cannot know, so it is modelled as native too (docs/estimates.md)
    onednn_dtype = env.options.activation_bytes == 4
    return "onednn" if lstm and not projected and onednn_dtype and env.options.training else "native"


def _recurrent_items(env: LayerEnv) -> tuple[list[EstimateLine | None], bool, str]:
    path = activation_path(env)
    kind = env.recurrent_kind or "rnn"
    st = stacks(env)
    first = st[0]
    Lx, Dx = _layers_expr(env), _dirs_expr(env)
    H = Sym("H")
    steps: Expr = Const(1) if env.is_cell else T
    upper = [x for x in st[1:]]
    dropout = env.config("dropout", 0.0)
    dropped = isinstance(dropout, (int, float)) and dropout > 0 and env.bindings.get("L", 1) > 1
    items: list[EstimateLine | None] = [_item("input", mul(steps, B, first.input_width, s), env)]
    upper_inputs = add(*(mul(x.layers, T, B, x.input_width, s) for x in upper)) if upper else Const(0)
    masks = mul(add(Lx, -1), T, B, Dx, first.hidden_out, s)
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
        extra = RESERVE_EXTRA[kind] + (1 if first.projection_input is not None else 0)
        per_step = add(first.gate_width, first.hidden_out, mul(extra, H))
        c0 = mul(Lx, Dx, B, H, s) if kind == "lstm" else Const(0)
        items += [
            _item("outputs", mul(T, B, Dx, first.hidden_out, s), env),
            _item("initial_states", add(mul(Lx, Dx, B, first.hidden_out, s), c0), env),
            _item("reserve", mul(Lx, Dx, T, B, per_step, s), env),
            _item("dropout_masks", masks, env) if dropped else None,
        ]
        return items, True, path
    # native PyTorch cells, and Keras unrolled step by step
    if path == "native" and batch_first(env) and env.bindings.get("D", 1) == 2:
        # each direction reshapes the transposed input itself, so each keeps its own copy
        items[0] = _item("input", mul(Dx, T, B, first.input_width, s), env, note="input_copy_per_direction")
    extra = CELL_INTERMEDIATES[kind] - (1 if env.is_cell and kind == "lstm" else 0)  # LSTMCell: c_0 is h_0
    hidden = mul(Lx, Dx, B, first.hidden_out, s) if kind == "rnn" else \
        mul(Lx, Dx, steps, B, first.hidden_out, s)
    items += [
        _item("layer_inputs", upper_inputs, env),
        _item("gates", mul(Lx, Dx, steps, B, first.gate_width, s), env),
        _item("cell_intermediates", mul(extra, Lx, Dx, steps, B, H, s), env),
        _item("projection_inputs", mul(Lx, Dx, steps, B, first.projection_input, s), env)
        if first.projection_input is not None else None,
        _item("hidden_states", hidden, env),
        _item("dropout_masks", masks, env) if dropped else None,
    ]
    return items, env.is_cell and kind == "rnn", path  # an RNN cell's saved activation output is its output


def weight_sizes(env: LayerEnv, roles: frozenset[str]) -> Expr:
    """Σ over the plan's family blocks of copies × (Σ sizes of the tensors with these roles), factored like a
    layer formula: `4·H·(I + H)` for the input and recurrent weights of an LSTM."""
    from ..symbolic import Mul, factor

    bindings = dict(env.bindings)
    terms: list[Expr] = []
    for copies, tensors in env.layer.plan.blocks():
        # a compound width (D·H, the input of an upper layer) is kept whole: 4·H·(D·H + H), not 4·H·H·(D + 1)
        atoms: dict[Expr, Sym] = {}
        chosen = [product(tuple(d if isinstance(d, (Sym, Const)) else atoms.setdefault(d, Sym(f"_{len(atoms)}"))
                                for d in t.shape)) for t in tensors if t.role in roles]
        n = copies.evaluate(bindings)
        if n == 0 or not chosen:
            continue
        block = factor(add(*chosen)).subs({a.name: d for d, a in atoms.items()})
        terms.append(block if n == 1 else Mul((copies, block)))
    return _drop_unit_multiplicities(add(*terms), bindings) if terms else Const(0)


def batch_first(env: LayerEnv) -> bool:
    return bool(env.config("batch_first", False))


def shares_input(previous: LayerEstimate, env: LayerEnv) -> bool:
    """Is this layer's saved input the very storage the previous layer already saved as its output?

    A batch_first PyTorch RNN returns a transposed view of its time-major output: nn.Linear reshapes it to 2-D
    (a copy), LayerNorm saves the view itself (shared), another RNN shares it when its batch_first agrees."""
    if not previous.output_saved:
        return False
    transposed = previous.output_transposed
    if env.framework == "pytorch" and _is_recurrent(env.layer) and not env.is_cell:
        return transposed == batch_first(env)
    if env.layer.kind in ("dense", "time_distributed"):
        return not transposed
    return True


def onednn_ld(width: int) -> int:
    """oneDNN's leading dimension for float32 (rnn_utils::get_good_ld): a multiple of 16 numbers (64 bytes),
    nudged off multiples of 256 to avoid 4K aliasing."""
    ld = -(-width // 16) * 16
    return ld + 16 if ld % 256 == 0 else ld


PAGE = 4096


def onednn_workspace_bytes(steps: int, batch: int, input_width: int, hidden: int, gates: int,
                           state_bytes: int = 4) -> int:
    """The workspace oneDNN keeps for one layer and direction in training (rnn_utils set_workspace_sizes and
    set_offsets): gates, h_t, states (layer and iteration share one buffer), c states, and the three
    diff-state buffers, each starting on a 4 KiB page; torch allocates it rounded up to whole pages."""
    g, h, m = onednn_ld(gates), onednn_ld(hidden), onednn_ld(max(input_width, hidden))
    regions = (steps * batch * g * 4, steps * batch * h * state_bytes,
               2 * (steps + 1) * batch * m * state_bytes, 2 * (steps + 1) * batch * hidden * 4,
               2 * (steps + 1) * batch * m * 4, 2 * (steps + 1) * batch * m * 4,
               2 * (steps + 1) * batch * hidden * 4)
    offset = 0
    for size in regions:
        offset = -(-offset // PAGE) * PAGE + size
    return -(-offset // PAGE) * PAGE


def _onednn_workspace(env: LayerEnv, st: list[Stack]) -> list[EstimateLine | None]:
    """Workspace per layer and direction: T·B·(4·g + s·h) + 2·(T + 1)·B·(s·w + 8·w + 8·H) + a, where g, h, w
    are the padded widths of the gates, the hidden state and the wider of input and hidden, and a is the
    page alignment."""
    out: list[EstimateLine | None] = []
    bindings = dict(env.bindings)
    H = Sym("H")
    for k, x in enumerate(st):
        suffix = f"_{k}" if len(st) > 1 else ""
        m, a = Sym("w" + suffix), Sym("a" + suffix)
        width = x.input_width.evaluate(bindings)
        hidden, gates = bindings["H"], x.gate_width.evaluate(bindings)
        bindings.update({"g": onednn_ld(gates), "h": onednn_ld(hidden), "w" + suffix: onednn_ld(max(width, hidden))})
        raw = add(mul(T, B, add(mul(4, Sym("g")), mul(s, Sym("h")))),
                  mul(2, add(T, 1), B, add(mul(s, m), mul(8, m), mul(8, H))))
        exact = onednn_workspace_bytes(env.steps, env.batch, width, hidden, gates, env.options.activation_bytes)
        bindings["a" + suffix] = exact - raw.evaluate(bindings)
        formula = _drop_unit_multiplicities(mul(x.layers, _dirs_expr(env), add(raw, a)), bindings)
        item = line("workspace", formula, bindings, "bytes", note="onednn_workspace")
        out.append(item if item.value else None)
    return out


# --- Every layer -----------------------------------------------------------------------------------------------

def _trainable(layer: LayerReport) -> bool:
    return any(t.trainable for t in layer.tensors)


def _feature_symbol(env: LayerEnv) -> str | None:
    kind = env.layer.kind
    if kind in ("dense", "time_distributed") or _is_recurrent(env.layer):
        return "I"
    if kind in ("conv1d", "batch_norm") or (kind == "layer_norm" and env.framework != "pytorch"):
        return "C"
    if kind == "layer_norm":
        return "N"
    return None


def layer_activations(env: LayerEnv) -> tuple[tuple[EstimateLine, ...], bool, str]:
    """The layer's activation items, whether its output is among them, and the path modelled."""
    if not env.options.training:
        return _inference_items(env), False, "inference"
    layer, kind = env.layer, env.layer.kind
    items: list[EstimateLine | None]
    model = "generic"
    saved_output = False
    x = sample_expr(layer.input_shape, env, _feature_symbol(env))
    if _is_recurrent(layer):
        items, saved_output, model = _recurrent_items(env)
    elif kind == "embedding":
        items = [_item("indices", mul(B, x, Sym("s_i")), env)] if _trainable(layer) else []
    elif kind in ("dense", "conv1d", "time_distributed"):
        items = [_item("input", mul(B, x, s), env)] if _trainable(layer) else []
        activation = env.config("activation")
        if env.framework != "pytorch" and kind == "dense" and activation not in (None, "linear"):
            out = sample_expr(layer.output_shape, env, None)  # type: ignore[arg-type]
            items.append(_item("activation_output", mul(B, out, s), env))
    elif kind in ("layer_norm", "batch_norm"):
        stats: Expr = mul(2, B, env.positions_expr(), s) if kind == "layer_norm" else mul(2, Sym("C"), s)
        items = [_item("input", mul(B, x, s), env), _item("norm_stats", stats, env)]
    elif kind == "dropout":
        rate = env.config("p", env.config("rate", 0.0))
        mask_bytes = env.options.activation_bytes if env.framework == "pytorch" and env.options.device == "cpu" \
            else 1
        items = [_item("dropout_mask", mul(B, x, mask_bytes), env)] if isinstance(rate, (int, float)) and rate > 0 \
            else []
    else:  # flatten, pooling, repeat: views and reductions that keep nothing worth counting
        items = []
    return tuple(i for i in items if i is not None), saved_output, model


def _inference_items(env: LayerEnv) -> tuple[EstimateLine, ...]:
    """Inference keeps nothing for backward; what is live while the layer runs is its input, its output and,
    for a recurrent layer, the input projections of one layer and direction for the whole sequence."""
    layer = env.layer
    index_bytes = INDEX_BYTES[env.framework] if layer.kind == "embedding" else None
    x = sample_expr(layer.input_shape, env, _feature_symbol(env))
    outputs = layer.output_shape if layer.multi_output else (layer.output_shape,)
    y = add(*(sample_expr(o, env, None) for o in outputs))  # type: ignore[arg-type]
    items = [_item("input", mul(B, x, Sym("s_i") if index_bytes else s), env), _item("output", mul(B, y, s), env)]
    if _is_recurrent(layer):
        items.append(_item("working", mul(T if not env.is_cell else 1, B, stacks(env)[0].gate_width, s), env))
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

def model_memory(report: Report, options: EstimateOptions,
                 layers: tuple[LayerEstimate, ...]) -> tuple[EstimateLine, ...]:
    n, s_w = Sym("n"), Sym("s")
    trainable = [t for layer in report.layers for t in layer.tensors if t.trainable]
    n_t = sum(t.params for t in trainable)
    m = len(trainable)
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
        lines.append(_optimizer_line(report.framework, options, n_t, m))
    acts = [a for layer in layers for a in layer.activations]
    if options.training:
        lines.append(total_line("activations", acts, "bytes"))
    else:
        peak = max((layer.activation_bytes for layer in layers), default=0)
        lines.append(EstimateLine("activations", Const(peak), MappingProxyType({}), peak, "bytes",
                                  note="inference_peak"))
    lines.append(total_line("states", [layer.states for layer in layers if layer.states is not None], "bytes"))
    lines.append(total_line("total", lines, "bytes"))
    return tuple(lines)


def _optimizer_line(framework: str, options: EstimateOptions, n_t: int, m: int) -> EstimateLine:
    """PyTorch: k slots per parameter plus Adam's `step`, a float32 scalar tensor per parameter tensor (4 bytes
    each). Keras: k slots per variable plus the optimizer's own `iteration` (int32) and `learning_rate`
    (float32) variables, 8 bytes."""
    slots = OPTIMIZER_SLOTS[options.optimizer]
    bindings = {"n_t": n_t, "s": options.state_bytes, "m": m}
    per_param = mul(slots, Sym("n_t"), Sym("s"))
    if framework == "pytorch":
        step = mul(4, Sym("m")) if options.optimizer in ("adam", "adamw") else Const(0)
        return line("optimizer_state", add(per_param, step), bindings, "bytes", note=f"optimizer_{framework}")
    return line("optimizer_state", add(per_param, 8), bindings, "bytes", note="optimizer_keras")


__all__ = ["DTYPE_BYTES", "LayerEnv", "layer_activations", "layer_env", "layer_states", "layer_weights",
           "model_memory", "onednn_workspace_bytes", "product"]
