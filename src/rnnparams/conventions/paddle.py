"""PaddlePaddle (`paddle.nn`) conventions, as `named_parameters()` and `stop_gradient` report them.

`paddle.nn.SimpleRNN/LSTM/GRU` build one cell per layer and direction and expose its parameters under
PyTorch-like flat names: `weight_ih_l{l}` (G·H, I_l), `weight_hh_l{l}` (G·H, H_out), `bias_ih_l{l}` and
`bias_hh_l{l}` (G·H), `_reverse` for the backward direction. Gate order: LSTM i,f,g,o; GRU r,z,c.
Differences from PyTorch, each checked against paddle 3.3.1:
- `direction='bidirect'` (or 'bidirectional') instead of `bidirectional=True`; batch first unless
  `time_major=True`.
- `proj_size=P` (LSTM) adds `weight_ho` of shape (H, P): transposed with respect to PyTorch's `weight_hr`.
- `bias_ih_attr=False` (and the other `*_attr=False`) does NOT remove the tensor: the cell still creates
  it, filled with zeros (weights: ones) and frozen (`stop_gradient=True`), so it counts as non-trainable.
- The flat names are handed out by position, four per cell; when a cell holds another number of
  parameters in that list (`proj_size`, or a bias attr False) paddle's names shift and mislabel tensors,
  so those layers are reported with the cells' own names (`0.cell.weight_ih`, `0.cell_fw.weight_ho`),
  which `state_dict()` also holds.
"""

from __future__ import annotations

from .._record import replace
from ..errors import ConfigError
from ..spec import LayerSpec, Value
from ..symbolic import Expr, Sym, mul
from .base import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    MAX_STACKED_LAYERS,
    NONNEG,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    TensorTemplate,
    check_features,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from .equivalents import (
    BIAS_ROLES,
    Built,
    Equivalent,
    Reader,
    make_layer,
    need,
    one_step,
    read_dense,
    read_embedding,
    recurrent_values,
    refuse_peepholes,
)
from .families import Neutral
from .stacked import H, I, P, gated, stack
from .work import GRU_CELL, INDICES, INPUT, LSTM_CELL, PADDLE_RUNTIME, RNN_CELL, TOKENS, Cell, Keep, Work

O, V, E = Sym("O"), Sym("V"), Sym("E")
IN, HOUT = Sym("I_l"), Sym("H_out")

GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "c")}
BIDIRECTIONAL = ("bidirect", "bidirectional")
VERIFIED_WITH = (("paddlepaddle", "3.3.1"),)


def cell_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    """The parameters of one paddle cell (`{at}`: the flat suffix `_l0_reverse`, or `{cell}` the cell path)."""
    gh = gated(gates)
    out = (
        TensorTemplate("{cell}weight_ih{at}", (gh, IN), "input_weights", when="w_ih", gates=gates),
        TensorTemplate("{cell}weight_ih{at}", (gh, IN), "input_weights", when="w_ih_frozen", trainable=False,
                       gates=gates),
        TensorTemplate("{cell}weight_hh{at}", (gh, HOUT), "recurrent_weights", when="w_hh", gates=gates),
        TensorTemplate("{cell}weight_hh{at}", (gh, HOUT), "recurrent_weights", when="w_hh_frozen",
                       trainable=False, gates=gates),
        TensorTemplate("{cell}bias_ih{at}", (gh,), "input_bias", when="b_ih", gates=gates),
        TensorTemplate("{cell}bias_ih{at}", (gh,), "input_bias", when="b_ih_frozen", trainable=False, gates=gates),
        TensorTemplate("{cell}bias_hh{at}", (gh,), "recurrent_bias", when="b_hh", gates=gates),
        TensorTemplate("{cell}bias_hh{at}", (gh,), "recurrent_bias", when="b_hh_frozen", trainable=False,
                       gates=gates),
        TensorTemplate("{cell}weight_ho{at}", (H, P), "projection", when="proj"),
    )
    return out


TENSORS = {kind: cell_tensors(gates) for kind, gates in GATES.items()}
LINEAR_TENSORS = (TensorTemplate("weight", (I, O), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBEDDING_TENSORS = (TensorTemplate("weight", (V, E), "embedding"),)

_ATTRS = ("weight_ih_attr", "weight_hh_attr", "bias_ih_attr", "bias_hh_attr")
_FLAG_OF = {"weight_ih_attr": "w_ih", "weight_hh_attr": "w_hh", "bias_ih_attr": "b_ih", "bias_hh_attr": "b_hh"}


def _flags(ctx: LayerContext, proj: int) -> dict[str, bool]:
    """An attr of False keeps the tensor, frozen; anything else (None, a ParamAttr) a trainable one."""
    flags = {"proj": proj > 0 and ctx.cfg("weight_hh_attr") is not False}  # weight_ho takes weight_hh_attr
    for attr, flag in _FLAG_OF.items():
        frozen = ctx.cfg(attr) is False
        flags[flag] = not frozen
        flags[flag + "_frozen"] = frozen
    return flags


def _check_activation(ctx: LayerContext) -> None:
    if "activation" in ctx.spec.config and ctx.cfg("activation") not in ("tanh", "relu"):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): Unknown activation '{ctx.cfg('activation')}' "
                          "(activation should be tanh or relu).")


def _flattens(layers: int, dirs: int, named: int) -> bool:
    """Whether paddle's RNNBase.flatten_parameters survives: it assumes four flat names per cell (weights, then
    biases) when placing each in the cuDNN layout, but a bias attr False leaves `named` < 4 per cell."""
    total = layers * dirs * named
    return all((0 if k % 4 < 2 else 2 * layers * dirs) + k // 4 * 2 + k % 2 < total for k in range(total))


def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    i, h, layers = ctx.int("input_size"), ctx.int("hidden_size"), ctx.int("num_layers")
    proj = ctx.int("proj_size") if "proj_size" in ctx.spec.config else 0
    direction = ctx.cfg("direction")
    if direction != "forward" and direction not in BIDIRECTIONAL:
        raise ConfigError(f"{ctx.name} ({kind}): direction should be forward or bidirect (or bidirectional), "
                          f"received direction = {direction}")
    if proj >= h:
        raise ConfigError(f"{ctx.name} ({kind}): proj_size must be smaller than hidden_size "
                          f"(got proj_size={proj}, hidden_size={h}).")
    _check_activation(ctx)
    dirs = 2 if direction in BIDIRECTIONAL else 1
    time_major = bool(ctx.cfg("time_major"))
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None, i)
    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence)")
    check_features(ctx, i, shape[-1], "input_size")
    flags = _flags(ctx, proj)
    per_cell = 5 if flags["proj"] else 4
    named = 2 + sum(ctx.cfg(a) is not False for a in _ATTRS[2:])  # flat names: weights always, biases unless False
    shifted = named != per_cell
    if per_cell == 4 and not _flattens(layers, dirs, named):
        raise ConfigError(f"{ctx.name} ({kind}): paddle fails to build this layer: IndexError: list assignment "
                          "index out of range (RNNBase.flatten_parameters lays out four named parameters per cell, "
                          "and with a bias attr False it names fewer).")
    hout_sym: Expr = P if proj else H
    hout = proj or h

    def names(layer: int, d: int) -> dict[str, str]:
        if shifted:  # the cells' own names: layer index, then cell / cell_fw / cell_bw
            cell = "cell" if dirs == 1 else ("cell_bw" if d else "cell_fw")
            return {"cell": f"{layer}.{cell}.", "at": ""}
        return {"cell": "", "at": f"_l{layer}" + ("_reverse" if d else "")}

    tensors, family = stack(TENSORS[kind], layers=layers, dirs=dirs, flags=flags, hout=hout_sym, names=names)
    n, t = (shape[1], shape[0]) if time_major else (shape[0], shape[1])
    out = (t, n, dirs * hout) if time_major else (n, t, dirs * hout)
    states = {"h": (dirs * layers, n, hout)}
    if kind == "LSTM":
        states["c"] = (dirs * layers, n, h)
    warnings: tuple[str, ...] = ()
    if shifted:
        warnings = (f"{ctx.name} ({kind}): paddle names a stack's parameters weight_ih_l0, weight_hh_l0, bias_ih_l0, "
                    f"bias_hh_l0... by position, but here each cell holds {per_cell} parameters and {named} are "
                    "named, so named_parameters() mislabels them; the names here are the cells' own, as in "
                    "state_dict() (0.cell.weight_ih...).",)
    if proj and not flags["proj"]:
        warnings += (f"{ctx.name} ({kind}): paddle creates weight_ho with weight_hh_attr, so weight_hh_attr=False "
                     "leaves the projection without its weight (and the layer cannot run).",)
    notes = ("paddle_projection",) if proj else ()
    bindings = freeze({"I": i, "H": h, "D": dirs, "L": layers, **({"P": proj} if proj else {})})
    return LayerPlan(tuple(tensors), bindings, shape, out, freeze(states), warnings, family=family,
                     features=("I", mul(Sym("D"), hout_sym)), notes=notes, time_axis=0 if time_major else 1)


def plan_cell(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type.removesuffix("Cell")
    i, h = ctx.int("input_size"), ctx.int("hidden_size")
    proj = ctx.int("proj_size") if "proj_size" in ctx.spec.config else 0
    if proj >= h:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): proj_size must be smaller than hidden_size "
                          f"(got proj_size={proj}, hidden_size={h}).")
    _check_activation(ctx)
    shape = ctx.in_shape if ctx.in_shape is not None else (None, i)
    if len(shape) != 2:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): a cell takes one time step, a 2-D input "
                          f"[batch_size, input_size], but receives shape {fmt_shape(shape)}; use "
                          f"paddle.nn.{kind} for a whole sequence.")
    check_features(ctx, i, shape[-1], "input_size")
    hout_sym: Expr = P if proj else H
    tensors = expand(TENSORS[kind], flags=_flags(ctx, proj), subs={"I_l": I, "H_out": hout_sym}, cell="", at="")
    out = (shape[0], proj or h)
    states = {"h": out, "c": (shape[0], h)} if kind == "LSTM" else {"h": out}
    bindings = freeze({"I": i, "H": h, **({"P": proj} if proj else {})})
    return LayerPlan(tuple(tensors), bindings, shape, out, freeze(states), features=("I", hout_sym))


def plan_linear(ctx: LayerContext) -> LayerPlan:
    i, o = ctx.int("in_features"), ctx.int("out_features")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, i)
    check_features(ctx, i, shape[-1], "in_features")
    tensors = expand(LINEAR_TENSORS, flags={"bias": ctx.cfg("bias_attr") is not False})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("num_embeddings"), ctx.int("embedding_dim")
    pad = ctx.cfg("padding_idx")
    if isinstance(pad, int) and not -v <= pad < v:
        raise ConfigError(f"{ctx.name} (Embedding): padding_idx must be within [-{v}, {v}) (got {pad}).")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    tensors = expand(EMBEDDING_TENSORS, flags={})
    return LayerPlan(tuple(tensors), freeze({"V": v, "E": e}), shape, (*shape, e), features=(None, E))


_IGNORED = frozenset({"name"})
_ATTR_PARAMS = tuple(Param(a, None, ANY) for a in _ATTRS)
_HEAD = (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
         Param("num_layers", 1, SIZE, maximum=MAX_STACKED_LAYERS),
         Param("direction", "forward", ANY), Param("time_major", False, BOOL), Param("dropout", 0.0, FLOAT))


def _read(family: str) -> Reader:
    """Biases that learn: a bias attr False keeps a frozen zero tensor, which is no bias."""
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        bias = any(t.role in BIAS_ROLES and t.trainable for t in plan.tensors)
        return recurrent_values(family, plan, bias=bias)
    return read


def _write(n: Neutral) -> Built:
    refuse_peepholes(n)
    frozen: dict[str, Value] = {} if n.flag("bias") else {"bias_ih_attr": False, "bias_hh_attr": False}
    if n.family == "dense":
        return (make_layer(LAYERS, "Linear", in_features=n.int("in"), out_features=n.int("units"),
                           **({} if n.flag("bias") else {"bias_attr": False})),), None
    if n.family == "embedding":
        return (make_layer(LAYERS, "Embedding", num_embeddings=n.int("vocab"), embedding_dim=n.int("dim")),), None
    proj = n.int("proj")
    need(not proj or one_step(n.family) == "lstm", "proj_size is LSTM only in PaddlePaddle")
    projection = {"proj_size": proj} if proj else {}
    if n.family.endswith("_cell"):
        name = {"rnn_cell": "SimpleRNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[n.family]
        return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), **frozen,
                           **projection),), None
    name = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[n.family]
    return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), num_layers=n.int("layers"),
                       direction="bidirect" if n.flag("bidir") else "forward", **frozen, **projection),), None


_SEQUENCE = ("in", "units", "layers", "bidir", "bias")


def _layer(type_name: str, params: tuple[Param, ...], plan: PlanFn, *, work: Work, equivalent: Equivalent,
           recurrent: bool = True, ignored: frozenset[str] = _IGNORED) -> LayerConvention:
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, work=work,
                           equivalent=equivalent)


def _recurrent(type_name: str, family: str, cell: Cell, params: tuple[Param, ...], plan: PlanFn) -> LayerConvention:
    fields = _SEQUENCE if not family.endswith("_cell") else ("in", "units", "bias")
    if family in ("lstm", "lstm_cell"):
        fields = (*fields, "proj")
    return _layer(type_name, params, plan, work=Work(cell=cell),
                  equivalent=Equivalent(_read(family), {family: fields}, _write))


_CELL_HEAD = (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE))
LAYERS = {c.type_name: c for c in (
    _recurrent("SimpleRNN", "rnn", RNN_CELL, (*_HEAD, Param("activation", "tanh", ANY), *_ATTR_PARAMS),
               plan_recurrent),
    _recurrent("LSTM", "lstm", LSTM_CELL, (*_HEAD, *_ATTR_PARAMS, Param("proj_size", 0, NONNEG)), plan_recurrent),
    _recurrent("GRU", "gru", GRU_CELL, (*_HEAD, *_ATTR_PARAMS), plan_recurrent),
    _recurrent("SimpleRNNCell", "rnn_cell", RNN_CELL, (*_CELL_HEAD, Param("activation", "tanh", ANY), *_ATTR_PARAMS),
               plan_cell),
    _recurrent("LSTMCell", "lstm_cell", LSTM_CELL, (*_CELL_HEAD, *_ATTR_PARAMS, Param("proj_size", 0, NONNEG)),
               plan_cell),
    _recurrent("GRUCell", "gru_cell", GRU_CELL, (*_CELL_HEAD, *_ATTR_PARAMS), plan_cell),
    _layer("Linear", (Param("in_features", kind=SIZE), Param("out_features", kind=SIZE),
                      Param("weight_attr", None, ANY), Param("bias_attr", None, ANY)), plan_linear, recurrent=False,
           work=Work(keeps=(Keep(INPUT, trainable_only=True),), flattens_input=True),
           equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, _write)),
    _layer("Embedding", (
        Param("num_embeddings", kind=SIZE), Param("embedding_dim", kind=SIZE), Param("padding_idx", None, INT),
        Param("max_norm", None, FLOAT), Param("norm_type", 2.0, FLOAT),
        Param("scale_grad_by_freq", False, BOOL, positional=False), Param("sparse", False, BOOL, positional=False),
        Param("weight_attr", None, ANY, positional=False)), plan_embedding, recurrent=False,
        ignored=_IGNORED | {"device", "_weight", "_freeze"},
        work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
        equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, _write)),
)}


PADDLE = FrameworkConvention(
    runtime=PADDLE_RUNTIME,
    id="paddle", display="PaddlePaddle", layers=LAYERS, prefixes=("paddle.nn.", "nn."),
    containers=("Sequential",), naming="index", verified_with=VERIFIED_WITH,
    batch_axis=lambda spec: 1 if spec.type in ("SimpleRNN", "LSTM", "GRU") and spec.get("time_major") else 0,
    short="PaddlePaddle", write_prefix="paddle.nn.",
    syntax="paddle.nn.LSTM(100, 256, num_layers=2, direction='bidirect', proj_size=64)",
)
