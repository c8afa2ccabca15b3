"""Flax conventions: `flax` (Flax linen, `flax.linen`) and `flax-nnx` (`flax.nnx`), as the param trees name them.

Flax cells are built from Dense (linen) or Linear (nnx) sub-modules, so a tensor's name is its path in
the parameter tree: `cell/hf/bias` in `nn.RNN(nn.LSTMCell(64))`. Kernels are (in, out), like Keras.
Where the bias sits differs per cell, and between linen and nnx:
- linen `LSTMCell` / `OptimizedLSTMCell`: per gate (i, f, g, o) an input Dense `i{g}` WITHOUT bias and a
  hidden Dense `h{g}` WITH bias: 4H(I + H + 1), one bias per gate (the two Denses are summed).
- linen `GRUCell`: input Denses `ir`, `iz`, `in` WITH bias, hidden `hr`, `hz` without, but `hn` WITH bias
  (it is multiplied by the reset gate, so its bias cannot merge): 3H(I + H + 1) + H.
- linen `SimpleCell`: `i` with bias, `h` without: H(I + H + 1). `MGUCell`: `if`, `in` with bias, `hf`
  without, `hn` with bias when `reset_gate=True` (the default).
- nnx `LSTMCell`: the same per-gate modules as linen (the forget-gate input is the attribute `if_`);
  nnx `OptimizedLSTMCell` fuses them: `dense_i/kernel` (I, 4H), `dense_h/kernel` (H, 4H), `dense_h/bias` (4H).
- nnx `GRUCell`: fused `dense_i` (I, 3H) WITH bias (3H) and `dense_h` (H, 3H) without: 3H(I + H + 1),
  H fewer than linen's GRUCell. nnx `SimpleCell`: `dense_i` with bias, `dense_h` without.
linen cells infer their input size from the data (give the input shape); nnx cells take `in_features`.
`RNN(cell)` scans a cell over time (batch first unless `time_major=True`) and puts it under `cell/`;
`Bidirectional(forward_rnn, backward_rnn)` holds `forward_rnn/...` and `backward_rnn/...` and concatenates.
Gate order: LSTM i, f, g, o; GRU r, z, n.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._record import replace
from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Expr, Sym, mul
from .base import (
    ANY,
    BOOL,
    LAYER,
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
from .equivalents import (
    Built,
    Equivalent,
    NoEquivalent,
    Reader,
    Writer,
    as_sequence,
    make_layer,
    need,
    one_step,
    read_dense,
    read_embedding,
    read_with,
    recurrent_values,
    refuse_peepholes,
)
from .families import Neutral
from .work import FLAX_RUNTIME, GRU_CELL, INDICES, LSTM_CELL, RNN_CELL, TOKENS, WRAPPER, Keep, Work

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

I, H, O, V, E, D = (Sym(n) for n in ("I", "H", "O", "V", "E", "D"))
VERIFIED_WITH = (("flax", "0.12.8"), ("jax", "0.10.2"))
LSTM_GATES = ("i", "f", "g", "o")
GRU_GATES = ("r", "z", "n")


def _t(name: str, shape: tuple[Expr, ...], role: str, gate: str = "", when: str | None = None) -> TensorTemplate:
    return TensorTemplate("{p}" + name, shape, role, when=when, gates=(gate,) if gate else ())


def _per_gate_lstm(attr: str = "") -> tuple[TensorTemplate, ...]:
    """Per gate: input Dense i{g} (kernel only), hidden Dense h{g} (kernel and bias)."""
    out: list[TensorTemplate] = []
    for g in LSTM_GATES:
        name = f"i{g}{attr if g == 'f' else ''}"
        out += [_t(f"{name}/kernel", (I, H), "input_weights", g), _t(f"h{g}/kernel", (H, H), "recurrent_weights", g),
                _t(f"h{g}/bias", (H,), "bias", g)]
    return tuple(out)


LINEN_CELLS: dict[str, tuple[TensorTemplate, ...]] = {
    "SimpleCell": (_t("i/kernel", (I, H), "input_weights", "h"), _t("i/bias", (H,), "bias", "h"),
                   _t("h/kernel", (H, H), "recurrent_weights", "h")),
    "LSTMCell": _per_gate_lstm(),
    "OptimizedLSTMCell": _per_gate_lstm(),
    "GRUCell": (_t("ir/kernel", (I, H), "input_weights", "r"), _t("ir/bias", (H,), "input_bias", "r"),
                _t("hr/kernel", (H, H), "recurrent_weights", "r"),
                _t("iz/kernel", (I, H), "input_weights", "z"), _t("iz/bias", (H,), "input_bias", "z"),
                _t("hz/kernel", (H, H), "recurrent_weights", "z"),
                _t("in/kernel", (I, H), "input_weights", "n"), _t("in/bias", (H,), "input_bias", "n"),
                _t("hn/kernel", (H, H), "recurrent_weights", "n"), _t("hn/bias", (H,), "recurrent_bias", "n")),
    "MGUCell": (_t("if/kernel", (I, H), "input_weights", "f"), _t("if/bias", (H,), "input_bias", "f"),
                _t("hf/kernel", (H, H), "recurrent_weights", "f"),
                _t("hn/kernel", (H, H), "recurrent_weights", "n"),
                _t("hn/bias", (H,), "recurrent_bias", "n", when="reset_gate"),
                _t("in/kernel", (I, H), "input_weights", "n"), _t("in/bias", (H,), "input_bias", "n")),
}
NNX_CELLS: dict[str, tuple[TensorTemplate, ...]] = {
    "SimpleCell": (_t("dense_h/kernel", (H, H), "recurrent_weights", "h"),
                   _t("dense_i/kernel", (I, H), "input_weights", "h"), _t("dense_i/bias", (H,), "bias", "h")),
    "LSTMCell": _per_gate_lstm("_"),
    "OptimizedLSTMCell": (
        TensorTemplate("{p}dense_i/kernel", (I, mul(4, H)), "input_weights", gates=LSTM_GATES),
        TensorTemplate("{p}dense_h/kernel", (H, mul(4, H)), "recurrent_weights", gates=LSTM_GATES),
        TensorTemplate("{p}dense_h/bias", (mul(4, H),), "bias", gates=LSTM_GATES)),
    "GRUCell": (
        TensorTemplate("{p}dense_i/kernel", (I, mul(3, H)), "input_weights", gates=GRU_GATES),
        TensorTemplate("{p}dense_i/bias", (mul(3, H),), "bias", gates=GRU_GATES),
        TensorTemplate("{p}dense_h/kernel", (H, mul(3, H)), "recurrent_weights", gates=GRU_GATES)),
}
DENSE_TENSORS = (TensorTemplate("kernel", (I, O), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBED_TENSORS = (TensorTemplate("embedding", (V, E), "embedding"),)


def _nnx(ctx: LayerContext) -> bool:
    return ctx.framework == "flax-nnx"


def _cell_tensors(spec: LayerSpec, framework: str, prefix: str) -> list[TensorSpec]:
    table = NNX_CELLS if framework == "flax-nnx" else LINEN_CELLS
    flags = {"reset_gate": bool(spec.get("reset_gate", True))}
    return expand(table[spec.type], flags=flags, p=prefix)


def _in_features(ctx: LayerContext, spec: LayerSpec, shape: Shape | None, default: Shape) -> tuple[Shape, int]:
    """Input features: nnx cells declare them (in_features), linen cells read them off the data."""
    if spec.get("in_features") is not None:
        declared = spec.get("in_features")
        assert isinstance(declared, int)
        shape = shape if shape is not None else (*default, declared)
        if shape[-1] is not None and shape[-1] != declared:
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): {spec.type} was built with in_features={declared}, but "
                             f"its input has {shape[-1]} features (shape {fmt_shape(shape)}).")
        return shape, declared
    if shape is None or shape[-1] is None:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}) needs the shape of its input: a linen module creates its "
                          "kernels from the input's last dimension at init. Give it with --input-shape (T,F for a "
                          "sequence, F for one step).")
    return shape, shape[-1]


def _hidden(spec: LayerSpec) -> int:
    h = spec.get("hidden_features", spec.get("features"))
    assert isinstance(h, int)
    return h


def _carry(spec: LayerSpec, batch: tuple[int | None, ...], h: int) -> dict[str, Shape]:
    return {"c": (*batch, h), "h": (*batch, h)} if "LSTM" in spec.type else {"h": (*batch, h)}


def plan_cell(ctx: LayerContext) -> LayerPlan:
    shape, i = _in_features(ctx, ctx.spec, ctx.in_shape, (None,))
    if len(shape) < 1:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the input needs a feature axis.")
    h = _hidden(ctx.spec)
    tensors = _cell_tensors(ctx.spec, ctx.framework, "")
    out = (*shape[:-1], h)
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(_carry(ctx.spec, shape[:-1], h)),
                     features=("I", H), notes=_cell_notes(ctx.spec, ctx.framework))


def _cell_notes(spec: LayerSpec, framework: str) -> tuple[str, ...]:
    if framework == "flax-nnx":
        return ("flax_nnx_gru_bias",) if spec.type == "GRUCell" else ()
    if spec.type in ("LSTMCell", "OptimizedLSTMCell"):
        return ("flax_per_gate",)
    return ("flax_linen_gru_bias",) if spec.type == "GRUCell" else ()


def _rnn_parts(ctx: LayerContext, rnn: LayerSpec, shape: Shape | None, prefix: str,
               time_major: bool) -> tuple[list[TensorSpec], Shape, int, int, dict[str, Shape]]:
    """One RNN(cell): tensors under `{prefix}cell/`, its input shape, I, H and its final carry shapes."""
    cell = rnn.config.get("cell")
    if not isinstance(cell, LayerSpec) or cell.type not in FAMILY:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): RNN takes a cell (SimpleCell, LSTMCell, "
                          f"OptimizedLSTMCell, GRUCell{'' if ctx.framework == 'flax-nnx' else ', MGUCell'}).")
    if shape is not None and len(shape) != 3:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): RNN scans a 3-D input, (batch, time, features) "
                         f"(time_major=True: (time, batch, features)); got shape {fmt_shape(shape)}.")
    shape, i = _in_features(ctx, cell, shape, (None, None))
    h = _hidden(cell)
    batch = (shape[1],) if time_major else (shape[0],)
    return _cell_tensors(cell, ctx.framework, prefix + "cell/"), shape, i, h, _carry(cell, batch, h)


def _sequence_out(shape: Shape, time_major: bool, features: int) -> Shape:
    return (shape[0], shape[1], features)


def plan_rnn(ctx: LayerContext) -> LayerPlan:
    time_major = bool(ctx.cfg("time_major"))
    tensors, shape, i, h, carry = _rnn_parts(ctx, ctx.spec, ctx.in_shape, "", time_major)
    cell = ctx.cfg("cell")
    assert isinstance(cell, LayerSpec)
    states = carry if ctx.cfg("return_carry") else {}
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, _sequence_out(shape, time_major, h),
                     freeze(states), features=("I", H), notes=_cell_notes(cell, ctx.framework))


def plan_bidirectional(ctx: LayerContext) -> LayerPlan:
    time_major = bool(ctx.cfg("time_major"))
    fwd, bwd = ctx.cfg("forward_rnn"), ctx.cfg("backward_rnn")
    for side, rnn in (("forward_rnn", fwd), ("backward_rnn", bwd)):
        if not isinstance(rnn, LayerSpec) or rnn.type != "RNN":
            raise ConfigError(f"{ctx.name} (Bidirectional): {side} must be an RNN(cell) (got "
                              f"{getattr(rnn, 'type', rnn)!r}).")
    assert isinstance(fwd, LayerSpec) and isinstance(bwd, LayerSpec)
    f_tensors, shape, i, h_f, f_carry = _rnn_parts(ctx, fwd, ctx.in_shape, "forward_rnn/", time_major)
    b_tensors, _, _, h_b, b_carry = _rnn_parts(ctx, bwd, shape, "backward_rnn/", time_major)
    warnings: tuple[str, ...] = ()
    if ctx.cfg("merge_fn") is not None:
        warnings = (f"{ctx.name} (Bidirectional): merge_fn is code, so the output assumes the default "
                    "concatenation of the two directions.",)
    cell, bwd_cell = fwd.config["cell"], bwd.config["cell"]
    assert isinstance(cell, LayerSpec) and isinstance(bwd_cell, LayerSpec)
    same = (cell.type, dict(cell.config)) == (bwd_cell.type, dict(bwd_cell.config))
    if same:
        bindings = {"I": i, "H": h_f, "D": 2}
        family: tuple[tuple[Expr, tuple[TensorSpec, ...]], ...] = ((D, tuple(f_tensors)),)
        features: Expr = mul(D, H)
    else:  # two different cells: the backward one's symbols get a subscript
        renamed = {"H": Sym("H_b")}
        b_tensors = [replace(t, shape=tuple(d.subs(renamed) for d in t.shape)) for t in b_tensors]
        bindings = {"I": i, "H": h_f, "H_b": h_b}
        family = ()
        features = H + Sym("H_b")
    states = {**{f"forward.{k}": v for k, v in f_carry.items()}, **{f"backward.{k}": v for k, v in b_carry.items()}}
    return LayerPlan(tuple(f_tensors + b_tensors), freeze(bindings), shape,
                     _sequence_out(shape, time_major, h_f + h_b), freeze(states if ctx.cfg("return_carry") else {}),
                     warnings, family=family, features=("I", features), notes=_cell_notes(cell, ctx.framework))


def plan_dense(ctx: LayerContext) -> LayerPlan:
    o = ctx.int("out_features") if _nnx(ctx) else ctx.int("features")
    if _nnx(ctx):
        shape, i = _in_features(ctx, replace(ctx.spec, config={"in_features": ctx.cfg("in_features")}),
                                ctx.in_shape, (None,))
    else:
        shape, i = _in_features(ctx, replace(ctx.spec, config={}), ctx.in_shape, (None,))
    tensors = expand(DENSE_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embed(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("num_embeddings"), ctx.int("features")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    return LayerPlan(tuple(expand(EMBED_TENSORS, flags={})), freeze({"V": v, "E": e}), shape, (*shape, e),
                     features=(None, E))


_INITS = frozenset({"gate_fn", "activation_fn", "kernel_init", "recurrent_kernel_init", "bias_init", "dtype",
                    "param_dtype", "carry_init", "residual", "forget_bias_init", "activation_bias_init",
                    "promote_dtype", "keep_rngs", "rngs", "kernel_metadata", "recurrent_kernel_metadata",
                    "bias_metadata", "name", "parent", "precision", "dot_general", "dot_general_cls",
                    "preferred_element_type", "embedding_init", "embedding_metadata"})
_RNN_IGNORED = frozenset({"unroll", "variable_axes", "variable_broadcast", "variable_carry", "split_rngs",
                          "state_axes", "broadcast_rngs", "rngs", "name", "parent", "reverse", "keep_order"})


# --- equivalents ---------------------------------------------------------------------------------------------

CELL_NAMES = {"rnn": "SimpleCell", "lstm": "LSTMCell", "gru": "GRUCell", "mgu": "MGUCell"}
FAMILY = {"SimpleCell": "rnn_cell", "LSTMCell": "lstm_cell", "OptimizedLSTMCell": "lstm_cell", "GRUCell": "gru_cell",
          "MGUCell": "mgu_cell"}
WORK = {"SimpleCell": RNN_CELL, "LSTMCell": LSTM_CELL, "OptimizedLSTMCell": LSTM_CELL, "GRUCell": GRU_CELL,
        "MGUCell": None}


def _read_cell(family: str) -> Reader:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        extra: dict[str, Value] = {"reset_gate": bool(spec.get("reset_gate", True))} if family == "mgu_cell" else {}
        return recurrent_values(family, plan, **extra)
    return read


def _read_rnn(layers: Mapping[str, LayerConvention]) -> Reader:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        cell = spec.config.get("cell")
        assert isinstance(cell, LayerSpec)
        return as_sequence(read_with(layers, cell, plan))
    return read


def _read_bidirectional(layers: Mapping[str, LayerConvention]) -> Reader:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        if "H_b" in plan.bindings:
            raise NoEquivalent("the two directions use different cells, which no other framework's layer holds")
        rnn = spec.config.get("forward_rnn")
        cell = rnn.config.get("cell") if isinstance(rnn, LayerSpec) else None
        assert isinstance(cell, LayerSpec)
        return as_sequence(read_with(layers, cell, plan), bidir=True)
    return read


def _writers(layers: dict[str, LayerConvention], nnx: bool, display: str) -> Writer:
    def cell(n: Neutral, features_in: int | None) -> LayerSpec:
        name = CELL_NAMES[one_step(n.family)]
        extra: dict[str, Value] = {"reset_gate": n.flag("reset_gate")} if name == "MGUCell" else {}
        if nnx:
            return make_layer(layers, name, in_features=features_in, hidden_features=n.int("units"), **extra)
        return make_layer(layers, name, features=n.int("units"), **extra)

    def write(n: Neutral) -> Built:
        if n.family == "dense":
            if nnx:
                return (make_layer(layers, "Linear", in_features=n.int("in"), out_features=n.int("units"),
                                   use_bias=n.flag("bias")),), None
            return (make_layer(layers, "Dense", features=n.int("units"), use_bias=n.flag("bias")),), (n.size("in"),)
        if n.family == "embedding":
            return (make_layer(layers, "Embed", num_embeddings=n.int("vocab"), features=n.int("dim")),), (None,)
        refuse_peepholes(n)
        need(n.flag("bias"), "Flax cells always have biases (their layout is fixed per cell)")
        need(not n.get("proj"), "Flax has no LSTM projection (proj_size)")
        i, h = n.size("in"), n.int("units")
        if n.family.endswith("_cell"):  # a cell stays a cell: one step
            return (cell(n, i),), None if nnx else (i,)
        out: list[LayerSpec] = []
        dirs = 2 if n.flag("bidir") else 1
        for k in range(n.int("layers")):
            width = i if k == 0 else dirs * h
            rnn = make_layer(layers, "RNN", cell=cell(n, width))
            out.append(make_layer(layers, "Bidirectional", forward_rnn=rnn, backward_rnn=make_layer(
                layers, "RNN", cell=cell(n, width))) if dirs == 2 else rnn)
        return tuple(out), (None, i)

    return write


def _layer(type_name: str, params: tuple[Param, ...], plan: PlanFn, ignored: frozenset[str] = _INITS,
           recurrent: bool = True, **kw: Any) -> LayerConvention:
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, **kw)


def _sequence_params() -> tuple[Param, ...]:
    return (Param("time_major", False, BOOL, positional=False), Param("return_carry", False, BOOL, positional=False))


_SEQUENCE_FIELDS = ("units", "layers", "bidir")  # no bias field: Flax cells always have theirs


def build_layers(nnx: bool) -> dict[str, LayerConvention]:
    table: dict[str, LayerConvention] = {}
    write = _writers(table, nnx, "Flax NNX" if nnx else "Flax linen")
    sequence = ("in", *_SEQUENCE_FIELDS) if nnx else _SEQUENCE_FIELDS
    cell_fields = ("in", "units") if nnx else ("units",)
    families = ("rnn", "lstm", "gru") if nnx else ("rnn", "lstm", "gru", "mgu")
    writes_cells = {f"{f}_cell": cell_fields + (("reset_gate",) if f == "mgu" else ()) for f in families}
    if nnx:
        size: tuple[Param, ...] = (Param("in_features", kind=SIZE), Param("hidden_features", kind=SIZE))
        cells: tuple[str, ...] = ("SimpleCell", "LSTMCell", "OptimizedLSTMCell", "GRUCell")
        dense = _layer("Linear", (Param("in_features", kind=SIZE), Param("out_features", kind=SIZE),
                                  Param("use_bias", True, BOOL, positional=False)), plan_dense, recurrent=False,
                       equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, write))
    else:
        size = (Param("features", kind=SIZE),)
        cells = ("SimpleCell", "LSTMCell", "OptimizedLSTMCell", "GRUCell", "MGUCell")
        dense = _layer("Dense", (Param("features", kind=SIZE), Param("use_bias", True, BOOL)), plan_dense,
                       recurrent=False, equivalent=Equivalent(read_dense, {"dense": ("units", "bias")}, write))

    def cell(name: str) -> LayerConvention:
        writes = {FAMILY[name]: writes_cells[FAMILY[name]]} if name != "OptimizedLSTMCell" else {}
        extra = (Param("reset_gate", True, BOOL, positional=False),) if name == "MGUCell" else ()
        return _layer(name, (*size, *extra), plan_cell, work=Work(cell=WORK[name]),
                      equivalent=Equivalent(_read_cell(FAMILY[name]), writes, write))

    layers = [
        *(cell(name) for name in cells),
        _layer("RNN", (Param("cell", kind=LAYER), *_sequence_params()), plan_rnn, _RNN_IGNORED, work=WRAPPER,
               equivalent=Equivalent(_read_rnn(table), {f: sequence + (("reset_gate",) if f == "mgu" else ())
                                                        for f in families}, write)),
        _layer("Bidirectional", (
            Param("forward_rnn", kind=LAYER), Param("backward_rnn", kind=LAYER),
            Param("merge_fn", None, ANY, positional=not nnx), *_sequence_params()), plan_bidirectional,
            frozenset({"rngs", "name", "parent"}), work=WRAPPER, equivalent=Equivalent(_read_bidirectional(table))),
        dense,
        _layer("Embed", (Param("num_embeddings", kind=SIZE), Param("features", kind=SIZE)), plan_embed,
               recurrent=False, work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
               equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, write)),
    ]
    table.update((c.type_name, c) for c in layers)
    return table


def _batch_axis(first: LayerSpec) -> int:
    return 1 if first.type in ("RNN", "Bidirectional") and first.get("time_major") else 0


FLAX = FrameworkConvention(
    runtime=FLAX_RUNTIME,
    id="flax", display="Flax linen", layers=build_layers(nnx=False),
    prefixes=("flax.linen.", "linen.", "nn."), naming="index", batch_axis=_batch_axis,
    verified_with=VERIFIED_WITH, short="Flax", write_prefix="flax.linen.", infers_input=True,
    syntax="flax.linen.RNN(flax.linen.OptimizedLSTMCell(features=128)) with --input-shape T,F "
           "(or nn.… with --framework flax)",
)
FLAX_NNX = FrameworkConvention(
    runtime=FLAX_RUNTIME,
    id="flax-nnx", display="Flax NNX", layers=build_layers(nnx=True),
    prefixes=("flax.nnx.", "nnx."), containers=("Sequential",), naming="index", batch_axis=_batch_axis,
    verified_with=VERIFIED_WITH, short="Flax", write_prefix="nnx.",
    syntax="nnx.RNN(nnx.LSTMCell(100, 128, rngs=nnx.Rngs(0)))",
)
