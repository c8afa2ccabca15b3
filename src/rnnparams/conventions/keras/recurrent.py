"""Keras recurrent layers and their wrappers: SimpleRNN, LSTM, GRU (Keras 2: CuDNNLSTM, CuDNNGRU),
Bidirectional and TimeDistributed; RNN(cell) over SimpleRNNCell, LSTMCell, GRUCell or StackedRNNCells([...]).

Recurrent weights live in the layer's cell: `lstm_cell/kernel` (I, G·H), `lstm_cell/recurrent_kernel`
(H, G·H) and ONE bias (G·H), where PyTorch keeps two. GRU with `reset_after=True` (the Keras 3 default)
keeps separate input and recurrent biases, stored as one (2, 3H) tensor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape, Value
from ...symbolic import Const, Expr, Sym, mul
from ..base import (
    ANY,
    BOOL,
    CHOICE,
    LAYER,
    LAYERS,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Outputs,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, NoEquivalent, Reader, make_layer, need, recurrent_values, refuse_peepholes
from ..families import Neutral
from ..work import GRU_CELL, LSTM_CELL, RNN_CELL, WRAPPER, Cell, Work
from .common import BASE_IGNORED, FOR_WEIGHTS, H, I, Table, keras_input, layer, missing_input

GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h"),
         "CuDNNLSTM": ("i", "f", "c", "o"), "CuDNNGRU": ("z", "r", "h")}
CELL = {"SimpleRNN": "simple_rnn_cell/", "LSTM": "lstm_cell/", "GRU": "gru_cell/", "CuDNNLSTM": "",
        "CuDNNGRU": ""}


def recurrent_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    """Weights of one Keras recurrent layer; which bias layout applies is chosen by flags."""
    gh = mul(len(gates), H)
    return (
        TensorTemplate("{cell}kernel", (I, gh), "input_weights", gates=gates),
        TensorTemplate("{cell}recurrent_kernel", (H, gh), "recurrent_weights", gates=gates),
        TensorTemplate("{cell}bias", (gh,), "bias", when="bias", gates=gates),
        # GRU reset_after=True: row 0 is the input bias, row 1 the recurrent bias.
        TensorTemplate("{cell}bias", (Const(2), gh), "input_and_recurrent_bias", when="split_bias", gates=gates),
        # CuDNNLSTM / CuDNNGRU: cuDNN's two bias vectors, flattened into one tensor.
        TensorTemplate("{cell}bias", (mul(2, gh),), "input_and_recurrent_bias", when="cudnn_bias", gates=gates),
    )


TENSORS = {kind: recurrent_tensors(gates) for kind, gates in GATES.items()}

RECURRENT_IGNORED = BASE_IGNORED | frozenset({
    "activation", "recurrent_activation", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "go_backwards", "stateful",
    "unroll", "use_cudnn", "implementation", "time_major", "zero_output_for_mask"})
RECURRENT_OUT = (Param("return_sequences", False, BOOL, positional=False),
                 Param("return_state", False, BOOL, positional=False))


def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    shape = keras_input(ctx, (3,), "3-D (batch, timesteps, features)")
    i, h = shape[-1], ctx.int("units")
    assert i is not None
    use_bias = bool(ctx.spec.get("use_bias", True))  # CuDNN layers always have their bias
    split = kind == "GRU" and bool(ctx.cfg("reset_after"))
    cudnn = kind.startswith("CuDNN")
    flags = {"bias": use_bias and not split and not cudnn, "split_bias": use_bias and split,
             "cudnn_bias": cudnn}
    tensors = expand(TENSORS[kind], flags=flags, cell=CELL[kind])
    if ctx.spec.get("trainable", True) is False:
        tensors = [replace(t, trainable=False) for t in tensors]
    batch, steps = shape[0], shape[1]
    out = (batch, steps, h) if ctx.cfg("return_sequences") else (batch, h)
    states: dict[str, Shape] = {}
    if ctx.cfg("return_state"):
        states = {"state_h": (batch, h), "state_c": (batch, h)} if "LSTM" in kind else {"state_h": (batch, h)}
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(states), features=("I", H),
                     time_axis=1)


MERGE_MODES = ("concat", "sum", "ave", "mul", None)


def plan_bidirectional(ctx: LayerContext) -> LayerPlan:
    inner = ctx.inner
    assert inner is not None and ctx.inner_name is not None
    inner_spec = ctx.cfg("layer")
    assert isinstance(inner_spec, LayerSpec)
    if inner_spec.type not in GATES and inner_spec.type != "RNN":
        raise ConfigError(f"{ctx.name} (Bidirectional): the wrapped layer must be a recurrent layer "
                          f"(SimpleRNN, LSTM, GRU, RNN), not {inner_spec.type}.")
    tensors = [replace(t, name=f"{direction}_{ctx.inner_name}/{t.name}")
               for direction in ("forward", "backward") for t in inner.tensors]
    merge = ctx.cfg("merge_mode")
    single = inner.output_shape
    assert isinstance(single, tuple) and all(isinstance(d, (int, type(None))) for d in single)
    h = single[-1]
    assert h is not None
    out: Outputs = (single, single) if merge is None else (*single[:-1], 2 * h if merge == "concat" else h)
    states = {f"{d}_{k}": v for d in ("forward", "backward") for k, v in inner.state_shapes.items()}
    forward = tuple(t for t in tensors if t.name.startswith("forward_"))
    return LayerPlan(tuple(tensors), freeze({**inner.bindings, "D": 2}), inner.input_shape, out, freeze(states),
                     multi_output=merge is None, family=((Sym("D"), forward),),
                     features=(inner.features[0], mul(Sym("D"), H) if merge == "concat" else H),
                     time_axis=inner.time_axis)


def plan_time_distributed(ctx: LayerContext) -> LayerPlan:
    inner = ctx.inner
    assert inner is not None and ctx.inner_name is not None and ctx.in_shape is not None
    tensors = [replace(t, name=f"{ctx.inner_name}/{t.name}") for t in inner.tensors]
    inner_out = inner.output_shape
    assert isinstance(inner_out, tuple)
    out = (ctx.in_shape[0], ctx.in_shape[1], *inner_out[1:])
    return LayerPlan(tuple(tensors), inner.bindings, ctx.in_shape, out, features=inner.features,
                     feature_axis=inner.feature_axis)


def time_distributed_inner_shape(ctx: LayerContext) -> Shape:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    if len(ctx.in_shape) < 3:
        raise ShapeError(f"{ctx.name} (TimeDistributed): TimeDistributed layer should be passed an input with "
                         f"at least 3 dimensions (batch, time, ...); got shape {fmt_shape(ctx.in_shape)}.")
    return (ctx.in_shape[0], *ctx.in_shape[2:])


# --- RNN(cell): the cell's weights under the cell's name -------------------------------------------------------

CELL_KINDS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}
CELL_NAMES = {"SimpleRNNCell": "simple_rnn_cell", "LSTMCell": "lstm_cell", "GRUCell": "gru_cell",
              "StackedRNNCells": "stacked_rnn_cells"}


def _cell_tensors(cell: LayerSpec, name: str, i: int, as_stack: bool) -> tuple[list[TensorSpec], int, int]:
    """One cell's tensors (named `name/kernel`...) on `i` input features: (tensors, units, gates)."""
    kind = CELL_KINDS[cell.type]
    h = cell.config["units"]
    assert isinstance(h, int)
    use_bias = bool(cell.get("use_bias", True))
    split = kind == "GRU" and bool(cell.get("reset_after"))
    flags = {"bias": use_bias and not split, "split_bias": use_bias and split, "cudnn_bias": False}
    tensors = expand(TENSORS[kind], flags=flags, subs={"I": i, "H": h} if as_stack else None, cell=f"{name}/")
    if as_stack:  # a stack of cells of several kinds: its weights as plain weights (one product per step each)
        tensors = [replace(t, role="weight" if t.role.endswith("weights") else "bias") for t in tensors]
    return tensors, h, len(GATES[kind])


def plan_rnn(ctx: LayerContext) -> LayerPlan:
    """RNN(cell): return_sequences and return_state as the layers; a StackedRNNCells' cells each read the one
    before (their weights named `stacked_rnn_cells/lstm_cell/kernel`, ... `lstm_cell_1/...`)."""
    shape = keras_input(ctx, (3,), "3-D (batch, timesteps, features)")
    cell = ctx.cfg("cell")
    assert isinstance(cell, LayerSpec)
    i = shape[-1]
    assert i is not None
    batch, steps = shape[0], shape[1]
    cell_name = cell.name or CELL_NAMES[cell.type]
    if cell.type == "StackedRNNCells":
        cells = cell.config["cells"]
        assert isinstance(cells, tuple)
        if not cells:
            raise ConfigError(f"{ctx.name} (RNN): StackedRNNCells needs at least one cell.")
        if ctx.cfg("return_state"):
            raise ConfigError(f"{ctx.name} (RNN): return_state=True with StackedRNNCells returns every cell's "
                              "states, which rnnparams does not follow; count it with return_state=False.")
        seen: Counter[str] = Counter()
        tensors: list[TensorSpec] = []
        width = i
        for inner in cells:
            assert isinstance(inner, LayerSpec)
            if inner.type not in CELL_KINDS:
                raise ConfigError(f"{ctx.name} (RNN): StackedRNNCells holds cells (SimpleRNNCell, LSTMCell, "
                                  f"GRUCell), not {inner.type}.")
            base = CELL_NAMES[inner.type]
            own = inner.name or (base if not seen[base] else f"{base}_{seen[base]}")
            seen[base] += 1
            found, width, _ = _cell_tensors(inner, f"{cell_name}/{own}", width, as_stack=True)
            tensors += found
        h: int = width
        bindings: dict[str, int] = {"I": i}
        features: tuple[str | None, Expr | None] = ("I", Const(h))
        state_keys: tuple[str, ...] = ()
    elif cell.type in CELL_KINDS:
        tensors, h, _ = _cell_tensors(cell, cell_name, i, as_stack=False)
        bindings = {"I": i, "H": h}
        features = ("I", H)
        state_keys = ("state_h", "state_c") if cell.type == "LSTMCell" else ("state_h",)
    else:
        raise ConfigError(f"{ctx.name} (RNN): the cell must be SimpleRNNCell, LSTMCell, GRUCell or "
                          f"StackedRNNCells([...]), not {cell.type}.")
    out = (batch, steps, h) if ctx.cfg("return_sequences") else (batch, h)
    states = {k: (batch, h) for k in state_keys} if ctx.cfg("return_state") else {}
    return LayerPlan(tuple(tensors), freeze(bindings), shape, out, freeze(states), features=features, time_axis=1,
                     notes=("shared_over_time",) if cell.type == "StackedRNNCells" else ())


def plan_cell(ctx: LayerContext) -> LayerPlan:
    raise ConfigError(f"{ctx.name} ({ctx.spec.type}) is one step of a recurrent layer: Keras runs it inside "
                      f"RNN({ctx.spec.type}(...)) (or use the layer, {CELL_KINDS.get(ctx.spec.type, 'LSTM')}(...)); "
                      "on its own it takes the states as a second input, which a chain does not give.")


# --- equivalents ---------------------------------------------------------------------------------------------

NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
CUDNN_NAMES = {"lstm": "CuDNNLSTM", "gru": "CuDNNGRU"}
SEQUENCE_FIELDS = ("units", "layers", "bidir", "merge", "bias", "rs")


def _read_recurrent(family: str, layers: Mapping[str, LayerConvention]) -> Reader:
    """Units and bias; a GRU's reset_after only when the layer chose it (a default stays the target's default,
    so a Keras 3 GRU becomes a Keras 2 GRU with Keras 2's default, which is the point of comparing them)."""
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        extra: dict[str, Value] = {}
        if family == "gru" and "reset_after" in spec.config:
            default = next(p.default for p in layers[spec.type].params if p.name == "reset_after")
            if spec.config["reset_after"] != default:
                extra["ra"] = "yes" if spec.config["reset_after"] else "no"
        return recurrent_values(family, plan, **extra)
    return read


def _read_rnn(layers: Mapping[str, LayerConvention]) -> Reader:
    """RNN(cell) reads as the layer of its cell (RNN(LSTMCell(4)) is LSTM(4)); a stack of cells has none."""
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        cell = spec.config.get("cell")
        if not isinstance(cell, LayerSpec) or cell.type not in CELL_KINDS:
            raise NoEquivalent("an RNN over StackedRNNCells is several layers in one; write it as stacked layers")
        family = FAMILY[CELL_KINDS[cell.type]]
        extra: dict[str, Value] = {}
        if family == "gru":
            default = next(p.default for p in layers[cell.type].params if p.name == "reset_after")
            if cell.config.get("reset_after") != default:
                extra["ra"] = "yes" if cell.config.get("reset_after") else "no"
        return recurrent_values(family, plan, **extra)
    return read


def read_wrapped(layers: Mapping[str, LayerConvention]) -> Reader:
    """Bidirectional and TimeDistributed read as the layer they wrap (the plan's bindings are the wrapped
    layer's, with D = 2 for Bidirectional)."""
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        inner = spec.config.get("layer")
        if not isinstance(inner, LayerSpec):
            raise NoEquivalent(f"{spec.type} without its wrapped layer")
        reader = layers[inner.type].equivalent.read
        if reader is None:
            raise NoEquivalent(f"no equivalent of {inner.type} is modelled")
        read_inner = reader(inner, plan)
        if spec.type == "Bidirectional":
            return replace(read_inner, values=freeze({**read_inner.values, "merge": spec.get("merge_mode")}))
        return read_inner
    return read


def _recurrent_writer(table: Table) -> Callable[[Neutral], Built]:
    layers = table.layers

    def recurrent(n: Neutral) -> Built:
        refuse_peepholes(n)
        need(not n.int("proj"), "proj_size (an LSTM projection) has no Keras equivalent")
        use_cudnn = table.keras2 and n.flag("cudnn") and n.family in CUDNN_NAMES
        options: dict[str, Value] = {"units": n.int("units")}
        if not use_cudnn:
            options["use_bias"] = n.flag("bias")
            if n.family == "gru" and n.get("ra") != "default":
                options["reset_after"] = n.get("ra") == "yes"
        name = CUDNN_NAMES[n.family] if use_cudnn else NAMES[n.family]
        stacked = n.int("layers")
        out: list[LayerSpec] = []
        for k in range(stacked):
            cell = make_layer(layers, name, **options,
                              return_sequences=k < stacked - 1 or n.get("rs") == "yes")
            out.append(make_layer(layers, "Bidirectional", layer=cell, merge_mode=n.get("merge"))
                       if n.flag("bidir") else cell)
        return tuple(out), (None, n.size("in"))
    return recurrent


# --- checkpoint naming: a weights-only file holds each layer's weights in creation order ------------------------

def _cell_shapes(shapes: list[tuple[int, ...]], gates: int) -> tuple[int, int, bool, bool] | None:
    """(input features, units, use_bias, split bias) of kernel (I, G·H), recurrent_kernel (H, G·H), bias."""
    if len(shapes) not in (2, 3) or len(shapes[0]) != 2 or len(shapes[1]) != 2:
        return None
    (i, gh), (h, gh2) = shapes[0], shapes[1]
    if gh != gh2 or h <= 0 or gh != gates * h:
        return None
    split = False
    if len(shapes) == 3:
        if shapes[2] == (2, gh):
            split = True
        elif shapes[2] != (gh,):
            return None
    return i, h, len(shapes) == 3, split


SEQUENCES_ASSUMED = ("the file has no model config, so return_sequences is unknown: the spec has every recurrent "
                     "layer return sequences (this changes output shapes, not parameters)")


def _recognise_recurrent(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    def recognise(group: TensorGroup) -> Recognised | None:
        found = _cell_shapes(list(group.leaves.values()), len(GATES[kind]))
        if found is None or (found[3] and kind != "GRU"):
            return None
        i, h, bias, split = found
        config: dict[str, Value] = {"units": h, "use_bias": bias, "return_sequences": True}
        if kind == "GRU":
            config["reset_after"] = split
        return Recognised(config, (None, i), SEQUENCES_ASSUMED)
    return recognise


def _recognise_bidirectional(group: TensorGroup) -> Recognised | None:
    shapes = list(group.leaves.values())
    half = len(shapes) // 2
    if len(shapes) not in (4, 6) or shapes[:half] != shapes[half:]:
        return None
    names = list(group.leaves)
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        inner = _recognise_recurrent(kind)(TensorGroup(group.path, {n: group.leaves[n] for n in names[:half]}))
        if inner is not None:  # the wrapped layer as a file's config writes it
            layer = {"class_name": kind, "config": dict(inner.config)}
            return Recognised({"layer": layer, "merge_mode": "concat"}, inner.input_shape, SEQUENCES_ASSUMED)
    return None


# --- the layers ----------------------------------------------------------------------------------------------

def _units(use_bias_at: int) -> tuple[Param, ...]:
    """units, then the positional arguments before use_bias (activations), then use_bias."""
    acts = (Param("activation", "tanh", ANY), Param("recurrent_activation", "sigmoid", ANY))
    return (Param("units", kind=SIZE), *acts[:use_bias_at], Param("use_bias", True, BOOL))


KERAS_RNN_CELL = Cell(elementwise=RNN_CELL.elementwise, intermediates=0, reserve=0, output_is_state=True,
                      backward=RNN_CELL.backward, first_step_twice=True)
"""SimpleRNN runs the torch backend's generic rnn(), which computes step 0 twice and keeps both tanh outputs."""
KERAS_GRU_CELL = Cell(elementwise=GRU_CELL.elementwise, intermediates=4, reserve=GRU_CELL.reserve,
                      backward=GRU_CELL.backward)
"""Keras' GRU step keeps σ(z), σ(r), tanh(n) and 1 − z (H each) besides the recurrent product and h_{t−1}
(saved_tensors_hooks on the torch backend), one more than PyTorch's fused cell."""
KERAS_GRU_V1_CELL = Cell(elementwise=GRU_CELL.elementwise, intermediates=5, reserve=GRU_CELL.reserve,
                         backward=GRU_CELL.backward, gate_buffer=False, first_step_twice=True)
"""GRU(reset_after=False) runs the generic rnn() (step 0 twice) and keeps σ(z), σ(r), r ⊙ h, tanh(n) and 1 − z,
no product buffer."""
GENERIC_LOOP_CELLS = {
    "SimpleRNN": KERAS_RNN_CELL,
    "LSTM": Cell(elementwise=LSTM_CELL.elementwise, intermediates=LSTM_CELL.intermediates, reserve=LSTM_CELL.reserve,
                 cell_state=True, backward=LSTM_CELL.backward, first_step_twice=True),
    "GRU": Cell(elementwise=GRU_CELL.elementwise, intermediates=4, reserve=GRU_CELL.reserve,
                backward=GRU_CELL.backward, first_step_twice=True)}
"""The cells as RNN(cell) runs them: the torch backend's generic rnn() loop, step 0 twice (LSTM and GRU layers take
its fused path, T steps)."""
CELLS = {"SimpleRNN": KERAS_RNN_CELL, "LSTM": LSTM_CELL, "GRU": KERAS_GRU_CELL, "CuDNNLSTM": LSTM_CELL,
         "CuDNNGRU": KERAS_GRU_CELL}
FAMILY = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru", "CuDNNLSTM": "lstm", "CuDNNGRU": "gru"}


def _recurrent(table: Table, type_name: str, auto_name: str, params: tuple[Param, ...],
               writes: bool) -> LayerConvention:
    family = FAMILY[type_name]
    sequence = (*SEQUENCE_FIELDS, "cudnn") if table.keras2 else SEQUENCE_FIELDS
    fields = (*sequence, "ra") if family == "gru" else sequence
    equivalent = Equivalent(_read_recurrent(family, table.layers), {family: fields} if writes else {}, table.write)
    return layer(type_name, auto_name, params, plan_recurrent, RECURRENT_IGNORED, recurrent=True,
                 work=Work(cell=CELLS[type_name], cell_variants=(("reset_after", False, KERAS_GRU_V1_CELL),)
                           if family == "gru" else ()), equivalent=equivalent,
                 recognise=_recognise_recurrent(type_name) if writes else None)


def declare(table: Table) -> None:
    table.writers.update(dict.fromkeys(("rnn", "lstm", "gru"), _recurrent_writer(table)))
    table.add(
        _recurrent(table, "SimpleRNN", "simple_rnn", (*_units(1), *RECURRENT_OUT), True),
        _recurrent(table, "LSTM", "lstm", (*_units(2), *RECURRENT_OUT), True),
        _recurrent(table, "GRU", "gru", (*_units(2), *RECURRENT_OUT,
                                         Param("reset_after", not table.keras2, BOOL, positional=False)), True),
        layer("Bidirectional", "bidirectional", (
            Param("layer", kind=LAYER), Param("merge_mode", "concat", CHOICE, MERGE_MODES),
            Param("weights", None), Param("backward_layer", None)), plan_bidirectional, wraps=True,
            inner_input=lambda ctx: ctx.in_shape, work=WRAPPER, equivalent=Equivalent(read_wrapped(table.layers)),
            recognise=_recognise_bidirectional),
        layer("TimeDistributed", "time_distributed", (Param("layer", kind=LAYER),),
              plan_time_distributed, wraps=True, inner_input=time_distributed_inner_shape, work=WRAPPER,
              equivalent=Equivalent(read_wrapped(table.layers))),
    )


def _cell(table: Table, type_name: str) -> LayerConvention:
    kind = CELL_KINDS[type_name]
    params = {"SimpleRNNCell": _units(1), "LSTMCell": _units(2), "GRUCell": _units(2)}[type_name]
    if kind == "GRU":
        params = (*params, Param("reset_after", not table.keras2, BOOL, positional=False))
    variants = (("reset_after", False, KERAS_GRU_V1_CELL),) if kind == "GRU" else ()
    return layer(type_name, CELL_NAMES[type_name], params, plan_cell, RECURRENT_IGNORED,
                 work=Work(cell=GENERIC_LOOP_CELLS[kind], cell_variants=variants))


def declare_more(table: Table) -> None:
    """RNN(cell) and the cells (declared after the layers before them: a checkpoint group is offered to the
    older recognisers first)."""
    table.add(
        layer("RNN", "rnn", (Param("cell", kind=LAYER), *RECURRENT_OUT), plan_rnn,
              BASE_IGNORED | {"go_backwards", "stateful", "unroll", "zero_output_for_mask", "time_major"},
              recurrent=True, work=WRAPPER, equivalent=Equivalent(_read_rnn(table.layers))),
        *(_cell(table, name) for name in CELL_KINDS),
        layer("StackedRNNCells", "stacked_rnn_cells", (Param("cells", kind=LAYERS),), plan_cell,
              work=Work(keeps=(FOR_WEIGHTS,), cells="cells")),
    )


def declare_cudnn(table: Table) -> None:
    """Keras 2's CuDNNLSTM and CuDNNGRU (always with their bias; no activation arguments)."""
    if table.keras2:
        for type_name, auto_name in (("CuDNNLSTM", "cu_dnnlstm"), ("CuDNNGRU", "cu_dnngru")):
            table.add(_recurrent(table, type_name, auto_name, (Param("units", kind=SIZE), *RECURRENT_OUT), False))


__all__ = ["CELL", "CELL_KINDS", "GATES", "MERGE_MODES", "RECURRENT_IGNORED", "RECURRENT_OUT", "TENSORS", "declare",
           "declare_cudnn", "declare_more", "plan_cell", "plan_recurrent", "plan_rnn", "read_wrapped",
           "recurrent_tensors"]
