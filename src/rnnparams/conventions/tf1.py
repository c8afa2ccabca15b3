"""TensorFlow 1 cells (`tf.compat.v1.nn.rnn_cell`), as `tf.compat.v1.trainable_variables()` names them.

A TF 1 cell multiplies the concatenation [x, h] by ONE kernel, so its weights are a single
(I + H, G·H) `kernel` plus one `bias` (G·H), where PyTorch keeps separate input and recurrent weights
and two biases: `BasicRNNCell` H(I + H + 1), `BasicLSTMCell` 4H(I + H + 1) with gate order i, j (the
candidate), f, o. `LSTMCell(use_peepholes=True)` adds the diagonal peephole weights `w_f_diag`,
`w_i_diag`, `w_o_diag` (H each); `num_proj=P` adds `projection/kernel` (H, P), and the recurrent part
of the kernel then reads the projected state: (I + P, 4H). `GRUCell` keeps two kernels: `gates/kernel`
(I + H, 2H) for the reset and update gates and `candidate/kernel` (I + H, H), each with its bias.
`MultiRNNCell([...])` scopes cell k under `multi_rnn_cell/cell_k/`; cell k + 1 reads cell k's output.

Names are the variables' names without the `:0` output suffix (as checkpoints store them), under the
cell's scope (`lstm_cell/kernel`). A cell called on one step (batch, features) is what is counted; given a
3-D input (batch, time, features), the model is `tf.compat.v1.nn.dynamic_rnn(cell, x)`, which adds the
`rnn/` scope and returns (batch, time, output) plus the final state.
"""

from __future__ import annotations

from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Expr, Sym, add, mul
from .base import (
    ANY,
    BOOL,
    FLOAT,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    TensorSpec,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from .base import (
    LAYERS as LAYER_LIST,
)
from .equivalents import (
    Built,
    Equivalent,
    NoEquivalent,
    as_sequence,
    make_layer,
    need,
    one_step,
    read_recurrent,
    read_with,
)
from .families import Neutral
from .work import GRU_CELL, LSTM_CELL, RNN_CELL, TF1_RUNTIME, Work

I, H, P = Sym("I"), Sym("H"), Sym("P")
HIN = Sym("H_in")  # what the kernel reads of the state: H, or P with num_proj
VERIFIED_WITH = (("tensorflow-cpu", "2.21.0"),)

SCOPES = {"BasicRNNCell": "basic_rnn_cell", "BasicLSTMCell": "basic_lstm_cell", "LSTMCell": "lstm_cell",
          "GRUCell": "gru_cell"}
LSTM_GATES = ("i", "j", "f", "o")
TENSORS: dict[str, tuple[TensorTemplate, ...]] = {
    "BasicRNNCell": (TensorTemplate("{scope}kernel", (add(I, H), H), "input_and_recurrent_weights", gates=("h",)),
                     TensorTemplate("{scope}bias", (H,), "bias", gates=("h",))),
    "BasicLSTMCell": (TensorTemplate("{scope}kernel", (add(I, H), mul(4, H)), "input_and_recurrent_weights",
                                     gates=LSTM_GATES),
                      TensorTemplate("{scope}bias", (mul(4, H),), "bias", gates=LSTM_GATES)),
    "LSTMCell": (TensorTemplate("{scope}kernel", (add(I, HIN), mul(4, H)), "input_and_recurrent_weights",
                                gates=LSTM_GATES),
                 TensorTemplate("{scope}bias", (mul(4, H),), "bias", gates=LSTM_GATES),
                 TensorTemplate("{scope}w_f_diag", (H,), "peephole", when="peepholes"),
                 TensorTemplate("{scope}w_i_diag", (H,), "peephole", when="peepholes"),
                 TensorTemplate("{scope}w_o_diag", (H,), "peephole", when="peepholes"),
                 TensorTemplate("{scope}projection/kernel", (H, P), "projection", when="proj")),
    "GRUCell": (TensorTemplate("{scope}gates/kernel", (add(I, H), mul(2, H)), "input_and_recurrent_weights",
                               gates=("r", "u")),
                TensorTemplate("{scope}gates/bias", (mul(2, H),), "bias", gates=("r", "u")),
                TensorTemplate("{scope}candidate/kernel", (add(I, H), H), "input_and_recurrent_weights",
                               gates=("c",)),
                TensorTemplate("{scope}candidate/bias", (H,), "bias", gates=("c",))),
}


def _cell_input(ctx: LayerContext) -> tuple[Shape, int, bool]:
    """The step input (batch, features), its feature count, and whether a 3-D input makes it dynamic_rnn."""
    shape = ctx.in_shape
    if shape is None:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}) needs the shape of its input: a TF 1 cell creates its "
                          "kernel from the input's last dimension when first called. Give it with --input-shape "
                          "F (one step) or T,F (a sequence run by tf.compat.v1.nn.dynamic_rnn).")
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): a cell takes (batch, features), or (batch, time, "
                         f"features) through dynamic_rnn; got shape {fmt_shape(shape)}.")
    if shape[-1] is None:
        raise ShapeError(f"Expected inputs.shape[-1] to be known, saw shape: {fmt_shape(shape)}")
    return shape, shape[-1], len(shape) == 3


def cell_parts(spec: LayerSpec, i: int, scope: str, sub: int) -> tuple[list[TensorSpec], dict[str, int], int,
                                                                      dict[str, tuple[int | None, ...]], Expr]:
    """One cell's tensors (symbols suffixed `_k` for the k-th cell of a MultiRNNCell, k > 1), bindings,
    output size, state shapes without the batch, and the output size as an expression."""
    kind = spec.type
    h = spec.config["num_units"]
    assert isinstance(h, int)
    proj = spec.config.get("num_proj") if kind == "LSTMCell" else None
    if proj is not None and (not isinstance(proj, int) or isinstance(proj, bool) or proj <= 0):
        raise ConfigError(f"{kind}: num_proj must be a positive integer or None (got {proj!r}).")
    for key in ("num_unit_shards", "num_proj_shards"):
        if spec.config.get(key) is not None:
            raise ConfigError(f"{kind}: {key} is deprecated and partitions the kernel into kernel/part_0, "
                              "part_1...; it is not modelled here (use a partitioner-free cell).")
    suffix = "" if sub <= 1 else f"_{sub}"
    names = {"H": Sym("H" + suffix), "P": Sym("P" + suffix), "H_in": Sym(("P" if proj else "H") + suffix)}
    flags = {"peepholes": bool(spec.config.get("use_peepholes", False)), "proj": proj is not None}
    subs: dict[str, Expr | int] = {**names, "I": I if sub <= 1 else Sym("I" + suffix)}
    tensors = expand(TENSORS[kind], flags=flags, subs=subs, scope=scope)
    bindings = {"H" + suffix: h, **({"P" + suffix: proj} if proj else {})}
    bindings = {"I": i, **bindings} if sub <= 1 else {"I" + suffix: i, **bindings}
    out = proj or h
    if kind in ("BasicLSTMCell", "LSTMCell"):
        tuple_state = bool(spec.config.get("state_is_tuple", True))
        states: dict[str, tuple[int | None, ...]] = {"c": (h,), "h": (out,)} if tuple_state else {"state": (h + out,)}
    else:
        states = {"h": (h,)}
    return tensors, bindings, out, states, names["P"] if proj else names["H"]


def _chain_guard(ctx: LayerContext) -> None:
    if ctx.name.isdigit():
        raise ConfigError(f"{ctx.spec.type}: TF 1 cells are not chained with ';' (each would need its own "
                          "variable scope); stack them in one MultiRNNCell([cell, cell, ...]), which scopes "
                          "them cell_0, cell_1...")


def plan_cell(ctx: LayerContext) -> LayerPlan:
    _chain_guard(ctx)
    shape, i, dynamic = _cell_input(ctx)
    scope = ("rnn/" if dynamic else "") + SCOPES[ctx.spec.type] + "/"
    tensors, bindings, out, states, out_expr = cell_parts(ctx.spec, i, scope, 0)
    return _finish(ctx, shape, dynamic, tensors, bindings, out, states, out_expr)


def _finish(ctx: LayerContext, shape: Shape, dynamic: bool, tensors: list[TensorSpec], bindings: dict[str, int],
            out: int, states: dict[str, tuple[int | None, ...]], out_expr: Expr) -> LayerPlan:
    batch = shape[0]
    output: Shape = (batch, shape[1], out) if dynamic else (batch, out)
    notes = tuple(n for n, on in (("tf1_concat_kernel", True),
                                  ("tf1_peepholes", any(t.role == "peephole" for t in tensors)),
                                  ("tf1_projection", any(t.role == "projection" for t in tensors))) if on)
    return LayerPlan(tuple(tensors), freeze(bindings), shape, output,
                     freeze({k: (batch, *v) for k, v in states.items()}), features=("I", out_expr), notes=notes,
                     time_axis=1 if dynamic else None)


def plan_multi(ctx: LayerContext) -> LayerPlan:
    _chain_guard(ctx)
    shape, i, dynamic = _cell_input(ctx)
    cells = ctx.cfg("cells")
    assert isinstance(cells, tuple)
    if not cells:
        raise ConfigError("Must specify at least one cell for MultiRNNCell.")
    tensors: list[TensorSpec] = []
    bindings: dict[str, int] = {}
    states: dict[str, tuple[int | None, ...]] = {}
    out_expr: Expr = I
    out = i
    for k, cell in enumerate(cells):
        assert isinstance(cell, LayerSpec)
        if cell.type == "MultiRNNCell":
            raise ConfigError("MultiRNNCell: nested MultiRNNCells are not modelled here; list the cells in one.")
        scope = ("rnn/" if dynamic else "") + f"multi_rnn_cell/cell_{k}/{SCOPES[cell.type]}/"
        part, b, out, st, expr = cell_parts(cell, out, scope, k + 1)
        if k:  # cell k reads cell k - 1's output: its input symbol is that output's expression
            part = [TensorSpec(t.name, tuple(d.subs({f"I_{k + 1}": out_expr}) for d in t.shape), t.role,
                               t.trainable, t.buffer, t.gates) for t in part]
            b.pop(f"I_{k + 1}")
        tensors += part
        bindings.update(b)
        out_expr = expr
        if ctx.cfg("state_is_tuple"):
            states.update({f"cell_{k}.{name}": v for name, v in st.items()})
        else:
            total = sum(d for v in st.values() for d in v if d is not None)
            prev = states.get("state", (0,))[0] or 0
            states["state"] = (prev + total,)
    return _finish(ctx, shape, dynamic, tensors, bindings, out, states, out_expr)


_BASE = frozenset({"reuse", "name", "dtype"})
_ACT = Param("activation", None, ANY)
FAMILY = {"BasicRNNCell": "rnn_cell", "BasicLSTMCell": "lstm_cell", "LSTMCell": "lstm_cell", "GRUCell": "gru_cell"}
CELLS = {"BasicRNNCell": RNN_CELL, "BasicLSTMCell": LSTM_CELL, "LSTMCell": LSTM_CELL, "GRUCell": GRU_CELL}


def _read_stack(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    """A MultiRNNCell of equal cells reads as one stacked layer (its first cell's sizes, L = the cells)."""
    cells = spec.config.get("cells")
    assert isinstance(cells, tuple)
    first = cells[0]
    assert isinstance(first, LayerSpec)
    if any(not isinstance(c, LayerSpec) or (c.type, dict(c.config)) != (first.type, dict(first.config))
           for c in cells):
        raise NoEquivalent("a MultiRNNCell of different cells has no single-layer equivalent")
    return as_sequence(read_with(LAYERS, first, plan), layers=len(cells))


def _write(n: Neutral) -> Built:
    need(n.flag("bias"), "TF 1 cells always have a bias")
    need(not n.get("bidir"), "TF 1 runs two cells with tf.compat.v1.nn.bidirectional_dynamic_rnn, a function "
                             "rather than a cell; not modelled here")
    family = one_step(n.family)
    proj = n.int("proj")
    need(not proj or family == "lstm", "only TF 1's LSTMCell has num_proj")
    if family == "lstm":
        options: dict[str, Value] = {"num_proj": proj} if proj else {}
        if n.get("peep"):
            options["use_peepholes"] = True
        cell = make_layer(LAYERS, "LSTMCell", num_units=n.int("units"), **options)
    else:
        cell = make_layer(LAYERS, {"rnn": "BasicRNNCell", "gru": "GRUCell"}[family], num_units=n.int("units"))
    layers = n.int("layers") if n.family == family else 1
    if layers > 1:
        return (make_layer(LAYERS, "MultiRNNCell", cells=tuple(cell for _ in range(layers))),), (n.size("in"),)
    return (cell,), (n.size("in"),)


def _layer(type_name: str, params: tuple[Param, ...], plan: PlanFn = plan_cell,
           ignored: frozenset[str] = _BASE, *, equivalent: Equivalent | None = None) -> LayerConvention:
    family = FAMILY.get(type_name)
    if equivalent is None and family is not None:
        fields = ("units", "bias") + (("proj", "peep") if family == "lstm_cell" and type_name == "LSTMCell" else ())
        equivalent = Equivalent(read_recurrent(family), {family: fields} if type_name != "BasicLSTMCell" else {},
                                _write)
    return LayerConvention(type_name, params, plan, SCOPES.get(type_name, "multi_rnn_cell"), ignored,
                           recurrent=True, work=Work(cell=CELLS.get(type_name)), equivalent=equivalent or Equivalent())


_SEQUENCE = ("units", "layers", "bias")
LAYERS = {c.type_name: c for c in (
    _layer("BasicRNNCell", (Param("num_units", kind=SIZE), _ACT)),
    _layer("BasicLSTMCell", (Param("num_units", kind=SIZE), Param("forget_bias", 1.0, FLOAT),
                             Param("state_is_tuple", True, BOOL), _ACT)),
    _layer("LSTMCell", (
        Param("num_units", kind=SIZE), Param("use_peepholes", False, BOOL), Param("cell_clip", None, FLOAT),
        Param("initializer", None, ANY), Param("num_proj", None, ANY), Param("proj_clip", None, FLOAT),
        Param("num_unit_shards", None, ANY), Param("num_proj_shards", None, ANY), Param("forget_bias", 1.0, FLOAT),
        Param("state_is_tuple", True, BOOL), _ACT)),
    _layer("GRUCell", (Param("num_units", kind=SIZE), _ACT),
           ignored=_BASE | {"kernel_initializer", "bias_initializer"}),
    _layer("MultiRNNCell", (Param("cells", kind=LAYER_LIST), Param("state_is_tuple", True, BOOL)), plan_multi,
           frozenset(), equivalent=Equivalent(_read_stack, {"rnn": _SEQUENCE, "lstm": (*_SEQUENCE, "proj", "peep"),
                                                            "gru": _SEQUENCE}, _write)),
)}
_ONLY_CELLS = "TF 1's rnn_cell module has only cells; tf.compat.v1.layers are not modelled here"


TF1 = FrameworkConvention(
    runtime=TF1_RUNTIME,
    id="tf1", display="TensorFlow 1 (tf.compat.v1.nn.rnn_cell)", layers=LAYERS,
    prefixes=("tf.compat.v1.nn.rnn_cell.", "tf.nn.rnn_cell.", "tf.contrib.rnn.", "rnn_cell.", "tf.compat.v1.nn.",
              "tf.nn."),
    naming="index", verified_with=VERIFIED_WITH, short="TensorFlow 1", write_prefix="tf.compat.v1.nn.rnn_cell.",
    infers_input=True, refusals={"dense": _ONLY_CELLS, "embedding": _ONLY_CELLS},
    syntax="tf.compat.v1.nn.rnn_cell.LSTMCell(256, use_peepholes=True, num_proj=64) with --input-shape 100",
)
