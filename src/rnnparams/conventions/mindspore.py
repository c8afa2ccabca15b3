"""MindSpore (`mindspore.nn`) conventions, as `parameters_and_names()` reports them.

`nn.RNN/LSTM/GRU` keep PyTorch's names and shapes, `weight_ih_l{l}` (G·H, I_l), `weight_hh_l{l}` (G·H, H),
`bias_ih_l{l}`, `bias_hh_l{l}` (G·H), `_reverse` for the backward direction, but hold them in four
ParameterTuples, so the order is every `weight_ih` first, then every `weight_hh`, `bias_ih`, `bias_hh`.
The bias flag is `has_bias`; `dropout` must be a float in [0, 1). Gate order: LSTM i,f,g,o; GRU r,z,n.
Cells (`nn.LSTMCell`...) name their tensors `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`; `nn.Dense`
keeps PyTorch's (out, in) weight; `nn.Embedding` calls its table `embedding_table`.
"""

from __future__ import annotations

from .._record import replace
from ..errors import ConfigError
from ..spec import LayerSpec
from ..symbolic import Sym, mul
from .base import (
    ANY,
    BOOL,
    INT,
    MAX_STACKED_LAYERS,
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
    Built,
    Equivalent,
    make_layer,
    need,
    read_dense,
    read_embedding,
    read_recurrent,
    refuse_peepholes,
)
from .families import Neutral
from .stacked import H, I, gated, stack
from .work import GRU_CELL, INDICES, INPUT, LSTM_CELL, MINDSPORE_RUNTIME, RNN_CELL, TOKENS, Cell, Keep, Work

O, V, E = Sym("O"), Sym("V"), Sym("E")
IN, HOUT = Sym("I_l"), Sym("H_out")

GATES = {"RNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
VERIFIED_WITH = (("mindspore", "2.10.0"), ("numpy", "1.26.4"))


def recurrent_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    gh = gated(gates)
    return (
        TensorTemplate("weight_ih{at}", (gh, IN), "input_weights", gates=gates),
        TensorTemplate("weight_hh{at}", (gh, HOUT), "recurrent_weights", gates=gates),
        TensorTemplate("bias_ih{at}", (gh,), "input_bias", when="bias", gates=gates),
        TensorTemplate("bias_hh{at}", (gh,), "recurrent_bias", when="bias", gates=gates),
    )


TENSORS = {kind: recurrent_tensors(gates) for kind, gates in GATES.items()}
DENSE_TENSORS = (TensorTemplate("weight", (O, I), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBEDDING_TENSORS = (TensorTemplate("embedding_table", (V, E), "embedding"),)


def _check_nonlinearity(ctx: LayerContext) -> None:
    value = ctx.spec.config.get("nonlinearity", "tanh")
    if value not in ("tanh", "relu"):
        raise ConfigError(f"For '{ctx.spec.type}', the 'nonlinearity' must be in ['tanh', 'relu'], but got {value}.")


def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    i, h, layers = ctx.int("input_size"), ctx.int("hidden_size"), ctx.int("num_layers")
    dropout = ctx.cfg("dropout")
    if not isinstance(dropout, float):
        raise ConfigError(f"For '{kind}', the type of 'dropout' must be 'float', but got "
                          f"'{type(dropout).__name__}'.")
    if not 0 <= dropout < 1:
        raise ConfigError(f"For '{kind}', the 'dropout' must be a number in range [0, 1) representing the "
                          f"probability of an element being zeroed, but got {dropout}.")
    _check_nonlinearity(ctx)
    warnings: tuple[str, ...] = ()
    if dropout > 0 and layers == 1:
        warnings = (f"{ctx.name} ({kind}): dropout option adds dropout after all but last recurrent layer, so "
                    f"non-zero dropout expects num_layers greater than 1, but got dropout={dropout} and "
                    f"num_layers={layers}",)
    batch_first = bool(ctx.cfg("batch_first"))
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None, i)
    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence)")
    check_features(ctx, i, shape[-1], "input_size")
    dirs = 2 if ctx.cfg("bidirectional") else 1
    flags = {"bias": bool(ctx.cfg("has_bias"))}
    tensors, family = stack(TENSORS[kind], layers=layers, dirs=dirs, flags=flags, hout=H, by_tensor=True,
                            names=lambda layer, d: {"at": f"_l{layer}" + ("_reverse" if d else "")})
    n, t = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    out = (n, t, dirs * h) if batch_first else (t, n, dirs * h)
    states = {"h_n": (dirs * layers, n, h)}
    if kind == "LSTM":
        states["c_n"] = (dirs * layers, n, h)
    bindings = freeze({"I": i, "H": h, "D": dirs, "L": layers})
    return LayerPlan(tuple(tensors), bindings, shape, out, freeze(states), warnings, family=family,
                     features=("I", mul(Sym("D"), H)), notes=("mindspore_order",) if layers * dirs > 1 else (),
                     time_axis=1 if batch_first else 0)


def plan_cell(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type.removesuffix("Cell")
    i, h = ctx.int("input_size"), ctx.int("hidden_size")
    _check_nonlinearity(ctx)
    shape = ctx.in_shape if ctx.in_shape is not None else (None, i)
    if len(shape) != 2:
        raise ConfigError(f"For '{ctx.spec.type}', a cell takes one time step, a 2-D input (batch_size, "
                          f"input_size), but receives shape {fmt_shape(shape)}; use mindspore.nn.{kind} for a "
                          "whole sequence.")
    check_features(ctx, i, shape[-1], "input_size")
    tensors = expand(TENSORS[kind], flags={"bias": bool(ctx.cfg("has_bias"))}, subs={"I_l": I, "H_out": H}, at="")
    out = (shape[0], h)
    states = {"hx": out, "cx": out} if kind == "LSTM" else {"hx": out}
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(states), features=("I", H))


def plan_dense(ctx: LayerContext) -> LayerPlan:
    i, o = ctx.int("in_channels"), ctx.int("out_channels")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, i)
    check_features(ctx, i, shape[-1], "in_channels")
    tensors = expand(DENSE_TENSORS, flags={"bias": bool(ctx.cfg("has_bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("vocab_size"), ctx.int("embedding_size")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    return LayerPlan(tuple(expand(EMBEDDING_TENSORS, flags={})), freeze({"V": v, "E": e}), shape, (*shape, e),
                     features=(None, E))


_IGNORED = frozenset({"dtype"})
# dropout is ANY: the plan checks it with MindSpore's own message (an int 0 is refused there).
_HEAD = (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
         Param("num_layers", 1, SIZE, maximum=MAX_STACKED_LAYERS),
         Param("has_bias", True, BOOL), Param("batch_first", False, BOOL), Param("dropout", 0.0, ANY),
         Param("bidirectional", False, BOOL))
_CELL = (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE), Param("has_bias", True, BOOL))
_NONLIN = Param("nonlinearity", "tanh", ANY, positional=False)


def _write(n: Neutral) -> Built:
    refuse_peepholes(n)
    if n.family == "dense":
        return (make_layer(LAYERS, "Dense", in_channels=n.int("in"), out_channels=n.int("units"),
                           has_bias=n.flag("bias")),), None
    if n.family == "embedding":
        return (make_layer(LAYERS, "Embedding", vocab_size=n.int("vocab"), embedding_size=n.int("dim")),), None
    need(not n.int("proj"), "MindSpore's LSTM has no projection (proj_size)")
    if n.family.endswith("_cell"):
        name = {"rnn_cell": "RNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[n.family]
        return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), has_bias=n.flag("bias")),
                ), None
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[n.family]
    return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), num_layers=n.int("layers"),
                       has_bias=n.flag("bias"), batch_first=n.flag("bf"), bidirectional=n.flag("bidir")),), None


_SEQUENCE = ("in", "units", "layers", "bidir", "bias", "bf")
_CELL_FIELDS = ("in", "units", "bias")


def _layer(type_name: str, params: tuple[Param, ...], plan: PlanFn, *, work: Work, equivalent: Equivalent,
           recurrent: bool = True, ignored: frozenset[str] = _IGNORED) -> LayerConvention:
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, work=work,
                           equivalent=equivalent)


def _recurrent(type_name: str, family: str, cell: Cell, params: tuple[Param, ...], plan: PlanFn) -> LayerConvention:
    fields = _CELL_FIELDS if family.endswith("_cell") else _SEQUENCE
    return _layer(type_name, params, plan, work=Work(cell=cell),
                  equivalent=Equivalent(read_recurrent(family), {family: fields}, _write))


LAYERS = {c.type_name: c for c in (
    _recurrent("RNN", "rnn", RNN_CELL, (*_HEAD, _NONLIN), plan_recurrent),
    _recurrent("LSTM", "lstm", LSTM_CELL, _HEAD, plan_recurrent),
    _recurrent("GRU", "gru", GRU_CELL, _HEAD, plan_recurrent),
    _recurrent("RNNCell", "rnn_cell", RNN_CELL, (*_CELL, Param("nonlinearity", "tanh", ANY)), plan_cell),
    _recurrent("LSTMCell", "lstm_cell", LSTM_CELL, _CELL, plan_cell),
    _recurrent("GRUCell", "gru_cell", GRU_CELL, _CELL, plan_cell),
    _layer("Dense", (Param("in_channels", kind=SIZE), Param("out_channels", kind=SIZE),
                     Param("weight_init", None, ANY), Param("bias_init", None, ANY),
                     Param("has_bias", True, BOOL), Param("activation", None, ANY)), plan_dense, recurrent=False,
           work=Work(keeps=(Keep(INPUT, trainable_only=True),), activation="activation", flattens_input=True),
           equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, _write)),
    _layer("Embedding", (Param("vocab_size", kind=SIZE), Param("embedding_size", kind=SIZE),
                         Param("use_one_hot", False, BOOL), Param("embedding_table", "normal", ANY),
                         Param("dtype", None, ANY), Param("padding_idx", None, INT)),
           plan_embedding, recurrent=False, ignored=frozenset(),
           work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
           equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, _write)),
)}

def _batch_axis(first: LayerSpec) -> int:
    return 1 if first.type in ("RNN", "LSTM", "GRU") and not first.get("batch_first", False) else 0


MINDSPORE = FrameworkConvention(
    runtime=MINDSPORE_RUNTIME,
    id="mindspore", display="MindSpore", layers=LAYERS, prefixes=("mindspore.nn.", "ms.nn.", "nn."),
    naming="index", batch_axis=_batch_axis, verified_with=VERIFIED_WITH, short="MindSpore",
    write_prefix="mindspore.nn.",
    syntax="mindspore.nn.LSTM(100, 256, num_layers=2, has_bias=True, batch_first=True, bidirectional=True)",
)
