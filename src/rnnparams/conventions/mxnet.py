"""MXNet Gluon (`mx.gluon.rnn`, `mx.gluon.nn`) conventions, as `collect_params()` reports them.

`rnn.RNN/LSTM/GRU(hidden_size, num_layers, layout='TNC', bidirectional=..., input_size=0)`: for each layer
k and direction (`l` forward, `r` backward) `l{k}_i2h_weight` (G·H, I_k), `l{k}_h2h_weight` (G·H, H_out),
`l{k}_i2h_bias` and `l{k}_h2h_bias` (G·H): two biases, like PyTorch. LSTM `projection_size=P` adds
`l{k}_h2r_weight` (P, H) and makes H_out = P. `input_size=0` (the default) defers the input size to the
first batch, so it comes from the input shape. Gate order: LSTM i,f,g,o; GRU r,z,n. `rnn.RNN` defaults to
`activation='relu'`. Gluon 1.x prefixes every name with the block's auto-name (`lstm0_l0_i2h_weight`),
which counts blocks created so far in the process; the names here are the block's own (`l0_i2h_weight`).
`nn.Dense` flattens all axes after the batch by default (`flatten=True`), weight (units, in_units).
"""

from __future__ import annotations

from .._record import replace
from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Expr, Sym, mul
from .base import (
    ANY,
    BOOL,
    FLOAT,
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
from .stacked import H, P, gated, stack
from .work import GRU_CELL, INDICES, INPUT, LSTM_CELL, MXNET_RUNTIME, RNN_CELL, TOKENS, Cell, Keep, Work

I, O, V, E = Sym("I"), Sym("O"), Sym("V"), Sym("E")
IN, HOUT = Sym("I_l"), Sym("H_out")

GATES = {"RNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}
VERIFIED_WITH = (("mxnet", "1.9.1"), ("numpy", "1.23.5"))


def recurrent_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    gh = gated(gates)
    return (
        TensorTemplate("{d}{k}_i2h_weight", (gh, IN), "input_weights", gates=gates),
        TensorTemplate("{d}{k}_h2h_weight", (gh, HOUT), "recurrent_weights", gates=gates),
        TensorTemplate("{d}{k}_i2h_bias", (gh,), "input_bias", gates=gates),
        TensorTemplate("{d}{k}_h2h_bias", (gh,), "recurrent_bias", gates=gates),
        TensorTemplate("{d}{k}_h2r_weight", (P, H), "projection", when="proj"),
    )


TENSORS = {kind: recurrent_tensors(gates) for kind, gates in GATES.items()}
DENSE_TENSORS = (TensorTemplate("weight", (O, I), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBEDDING_TENSORS = (TensorTemplate("weight", (V, E), "embedding"),)


def missing_input(ctx: LayerContext, what: str) -> ConfigError:
    return ConfigError(f"{ctx.name} ({ctx.spec.type}) has {what}=0, so Gluon defers its input size to the first "
                       f"batch; give it ({what}=F) or the model's input shape (--input-shape T,F).")


def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    h, layers = ctx.int("hidden_size"), ctx.int("num_layers")
    layout = ctx.cfg("layout")
    if layout not in ("TNC", "NTC"):
        raise ConfigError(f"{ctx.name} ({kind}): Invalid layout {layout}; must be one of ['TNC' or 'NTC']")
    if kind == "RNN" and ctx.cfg("activation") not in ("relu", "tanh"):
        raise ConfigError(f"{ctx.name} (RNN): activation must be 'relu' or 'tanh' (mode "
                          f"'rnn_{ctx.cfg('activation')}' is not one of rnn_relu, rnn_tanh, lstm, gru).")
    proj = ctx.int("projection_size") if kind == "LSTM" and ctx.cfg("projection_size") is not None else 0
    declared = ctx.int("input_size")
    if ctx.in_shape is None and not declared:
        raise missing_input(ctx, "input_size")
    ntc = layout == "NTC"
    shape = ctx.in_shape if ctx.in_shape is not None else ((None, None, declared))
    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence, layout " + str(layout) + ")")
    i = shape[-1] if shape[-1] is not None else declared
    if not i:
        raise missing_input(ctx, "input_size")
    if declared and i != declared:
        raise ShapeError(f"{ctx.name} ({kind}) was declared with input_size={declared}, but its input has {i} "
                         f"features (shape {fmt_shape(shape)}).")
    dirs = 2 if ctx.cfg("bidirectional") else 1
    hout_sym: Expr = P if proj else H
    hout = proj or h
    tensors, family = stack(TENSORS[kind], layers=layers, dirs=dirs, flags={"proj": proj > 0}, hout=hout_sym,
                            names=lambda k, d: {"d": "r" if d else "l", "k": k})
    n, t = (shape[0], shape[1]) if ntc else (shape[1], shape[0])
    out = (n, t, dirs * hout) if ntc else (t, n, dirs * hout)
    states = {"h": (dirs * layers, n, hout)}
    if kind == "LSTM":
        states["c"] = (dirs * layers, n, h)
    bindings = freeze({"I": i, "H": h, "D": dirs, "L": layers, **({"P": proj} if proj else {})})
    warnings: tuple[str, ...] = ()
    if proj >= h:
        warnings = (f"{ctx.name} (LSTM): projection_size={proj} is not smaller than hidden_size={h}; Gluon accepts "
                    "it, but mxnet 1.9.1's CPU LSTM kernel then corrupts memory when run (PyTorch requires "
                    "proj_size < hidden_size).",)
    return LayerPlan(tuple(tensors), bindings, shape, out, freeze(states), warnings, family=family,
                     features=("I", mul(Sym("D"), hout_sym)), time_axis=1 if ntc else 0)


def plan_dense(ctx: LayerContext) -> LayerPlan:
    units, declared = ctx.int("units"), ctx.int("in_units")
    if ctx.in_shape is None and not declared:
        raise missing_input(ctx, "in_units")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, declared)
    flatten = bool(ctx.cfg("flatten"))
    if flatten:
        size: int | None = 1
        for d in shape[1:]:
            size = None if d is None or size is None else size * d
        i = size
    else:
        i = shape[-1]
    if i is None:
        i = declared or None
    if i is None:
        raise ShapeError(f"{ctx.name} (Dense): the input size must be known to create the weight; its input has "
                         f"shape {fmt_shape(shape)}" + (" and flatten=True multiplies every axis after the batch"
                                                        if flatten else "") + ".")
    if declared and i != declared:
        raise ShapeError(f"{ctx.name} (Dense) was declared with in_units={declared}, but its input gives {i} "
                         f"features (shape {fmt_shape(shape)}" + (", flattened after the batch axis: "
                                                                 "flatten=True is the default" if flatten else "")
                         + ").")
    out: Shape = (shape[0], units) if flatten else (*shape[:-1], units)
    tensors = expand(DENSE_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": units}), shape, out, features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("input_dim"), ctx.int("output_dim")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    return LayerPlan(tuple(expand(EMBEDDING_TENSORS, flags={})), freeze({"V": v, "E": e}), shape, (*shape, e),
                     features=(None, E))


_INIT = frozenset({"i2h_weight_initializer", "h2h_weight_initializer", "i2h_bias_initializer",
                   "h2h_bias_initializer", "h2r_weight_initializer", "dtype", "prefix", "params",
                   "state_clip_min", "state_clip_max", "state_clip_nan", "use_sequence_length"})
_TAIL = (Param("layout", "TNC", ANY), Param("dropout", 0, FLOAT), Param("bidirectional", False, BOOL))
_NUM_LAYERS = Param("num_layers", 1, SIZE, maximum=MAX_STACKED_LAYERS)


def _write(n: Neutral) -> Built:
    refuse_peepholes(n)
    if n.family == "dense":
        return (make_layer(LAYERS, "Dense", units=n.int("units"), use_bias=n.flag("bias"), flatten=False,
                           in_units=n.int("in")),), None
    if n.family == "embedding":
        return (make_layer(LAYERS, "Embedding", input_dim=n.int("vocab"), output_dim=n.int("dim")),), None
    need(n.flag("bias"), "MXNet Gluon's recurrent layers always have both biases")
    proj = n.int("proj")
    need(not proj or n.family == "lstm", "projection_size is LSTM only in MXNet Gluon")
    extra: dict[str, Value] = {"activation": "tanh"} if n.family == "rnn" else {}  # Gluon's RNN defaults to relu
    if proj:
        extra["projection_size"] = proj
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[n.family]
    return (make_layer(LAYERS, name, hidden_size=n.int("units"), num_layers=n.int("layers"), layout="NTC",
                       bidirectional=n.flag("bidir"), input_size=n.int("in"), **extra),), None


def _layer(type_name: str, params: tuple[Param, ...], plan: PlanFn, ignored: frozenset[str] = _INIT,
           recurrent: bool = True, *, work: Work, equivalent: Equivalent, write_prefix: str | None = None
           ) -> LayerConvention:
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, work=work,
                           equivalent=equivalent, write_prefix=write_prefix)


def _recurrent(type_name: str, family: str, cell: Cell, params: tuple[Param, ...],
               ignored: frozenset[str] = _INIT) -> LayerConvention:
    fields = ("in", "units", "layers", "bidir", "bias") + (("proj",) if family == "lstm" else ())
    return _layer(type_name, params, plan_recurrent, ignored, work=Work(cell=cell),
                  equivalent=Equivalent(read_recurrent(family), {family: fields}, _write))


def _kw(*names: str) -> tuple[Param, ...]:
    """Initializer arguments that sit between positional ones: accepted by position, ignored."""
    return tuple(Param(n, None, ANY) for n in names)


_INITS = _kw("i2h_weight_initializer", "h2h_weight_initializer", "i2h_bias_initializer", "h2h_bias_initializer")
LAYERS = {c.type_name: c for c in (
    _recurrent("RNN", "rnn", RNN_CELL, (Param("hidden_size", kind=SIZE), _NUM_LAYERS, Param("activation", "relu", ANY),
                                        *_TAIL, *_INITS, Param("input_size", 0, NONNEG)),
               _INIT - {n.name for n in _INITS}),
    _recurrent("LSTM", "lstm", LSTM_CELL, (Param("hidden_size", kind=SIZE), _NUM_LAYERS, *_TAIL,
                                           Param("input_size", 0, NONNEG), *_INITS,
                                           Param("projection_size", None, NONNEG)),
               _INIT - {n.name for n in _INITS}),
    _recurrent("GRU", "gru", GRU_CELL, (Param("hidden_size", kind=SIZE), _NUM_LAYERS, *_TAIL,
                                        Param("input_size", 0, NONNEG))),
    _layer("Dense", (Param("units", kind=SIZE), Param("activation", None, ANY), Param("use_bias", True, BOOL),
                     Param("flatten", True, BOOL), Param("dtype", "float32", ANY),
                     Param("weight_initializer", None, ANY), Param("bias_initializer", "zeros", ANY),
                     Param("in_units", 0, NONNEG)), plan_dense, frozenset({"prefix", "params"}), False,
           write_prefix="mx.gluon.nn.",
           work=Work(keeps=(Keep(INPUT, trainable_only=True),), activation="activation", flattens_input=True),
           equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, _write)),
    _layer("Embedding", (Param("input_dim", kind=SIZE), Param("output_dim", kind=SIZE)),
           plan_embedding, frozenset({"dtype", "weight_initializer", "sparse_grad", "prefix", "params"}), False,
           write_prefix="mx.gluon.nn.",
           work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
           equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, _write)),
)}


def _batch_axis(first: LayerSpec) -> int:
    """Gluon's recurrent layers default to layout='TNC' (time first); Dense and Embedding put the batch first."""
    return 1 if first.type in GATES and first.get("layout", "TNC") == "TNC" else 0


MXNET = FrameworkConvention(
    runtime=MXNET_RUNTIME,
    id="mxnet", display="MXNet Gluon", layers=LAYERS,
    prefixes=("mxnet.gluon.rnn.", "mx.gluon.rnn.", "gluon.rnn.", "mxnet.gluon.nn.", "mx.gluon.nn.", "gluon.nn.",
              "rnn.", "nn."),
    naming="index", batch_axis=_batch_axis, verified_with=VERIFIED_WITH, short="MXNet", write_prefix="mx.gluon.rnn.",
    refusals={f: "MXNet Gluon's cells (rnn.LSTMCell...) are not modelled here; compare the layer"
              for f in ("rnn_cell", "lstm_cell", "gru_cell")},
    syntax="mx.gluon.rnn.LSTM(256, num_layers=2, bidirectional=True, input_size=100, projection_size=64)",
)
