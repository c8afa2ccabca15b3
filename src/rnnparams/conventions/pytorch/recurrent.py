"""PyTorch recurrent layers: nn.RNN, nn.LSTM, nn.GRU and their cells, as `named_parameters()` reports them.

For each layer l and direction (suffix `_reverse`), `weight_ih_l{l}` (G·H, I_l), `weight_hh_l{l}` (G·H, H_out),
`bias_ih_l{l}` and `bias_hh_l{l}` (G·H): two bias vectors, where Keras keeps one. I_0 = I and I_l = D·H_out
above, H_out = P with `proj_size=P` (LSTM, adds `weight_hr_l{l}`). Gate order: LSTM i, f, g, o; GRU r, z, n.
"""

from __future__ import annotations

from collections.abc import Callable

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import Value
from ...symbolic import Expr, add, mul
from ..base import (
    BOOL,
    CHOICE,
    FLOAT,
    MAX_STACKED_LAYERS,
    NONNEG,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorTemplate,
    check_features,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from ..equivalents import Built, Equivalent, make_layer, need, read_recurrent, refuse_peepholes
from ..families import Neutral
from ..recognise import only, rank, stacked_pattern
from ..work import GRU_CELL, LSTM_CELL, RNN_CELL, Cell, Work
from .common import HOUT, IN, D, H, I, L, P, in_or_default, layer
from .table import LAYERS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

GATES = {"RNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}


def recurrent_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    """The weights of one layer and direction of nn.RNN/LSTM/GRU (or of one cell: `at` is empty)."""
    gh = mul(len(gates), H)
    return (
        TensorTemplate("weight_ih{at}", (gh, IN), "input_weights", gates=gates),
        TensorTemplate("weight_hh{at}", (gh, HOUT), "recurrent_weights", gates=gates),
        TensorTemplate("bias_ih{at}", (gh,), "input_bias", when="bias", gates=gates),
        TensorTemplate("bias_hh{at}", (gh,), "recurrent_bias", when="bias", gates=gates),
        TensorTemplate("weight_hr{at}", (P, H), "projection", when="proj"),
    )


TENSORS = {kind: recurrent_tensors(gates) for kind, gates in GATES.items()}

_RNN_PARAMS = (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
               Param("num_layers", 1, SIZE, maximum=MAX_STACKED_LAYERS))
_TAIL = (Param("bias", True, BOOL), Param("batch_first", False, BOOL), Param("dropout", 0.0, FLOAT),
         Param("bidirectional", False, BOOL))
_PROJ = Param("proj_size", 0, NONNEG)  # LSTM only: torch's RNN and GRU refuse the argument, even proj_size=0
_NONLIN = Param("nonlinearity", "tanh", CHOICE, ("tanh", "relu"))



def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    i, h, layers = ctx.int("input_size"), ctx.int("hidden_size"), ctx.int("num_layers")
    raw_proj = ctx.spec.get("proj_size", 0)
    proj = raw_proj if isinstance(raw_proj, int) else 0
    dropout = ctx.cfg("dropout")
    assert isinstance(dropout, (int, float))
    if not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ConfigError(f"{ctx.name} ({kind}): dropout should be a number in range [0, 1] representing the "
                          f"probability of an element being zeroed (got {dropout}).")
    if proj and kind != "LSTM":
        raise ConfigError(f"{ctx.name} ({kind}): proj_size argument is only supported for LSTM, not RNN or GRU.")
    if proj >= h:
        raise ConfigError(f"{ctx.name} ({kind}): proj_size has to be smaller than hidden_size "
                          f"(got proj_size={proj}, hidden_size={h}).")
    warnings: tuple[str, ...] = ()
    if dropout > 0 and layers == 1:
        warnings = (f"{ctx.name} ({kind}): dropout option adds dropout after all but last recurrent layer, so "
                    f"non-zero dropout expects num_layers greater than 1, but got dropout={dropout} and "
                    f"num_layers={layers}",)
    batch_first = bool(ctx.cfg("batch_first"))
    shape = in_or_default(ctx, (None, None, i))
    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence)")
    check_features(ctx, i, shape[-1], "input_size")
    dirs = 2 if ctx.cfg("bidirectional") else 1
    hout_sym: Expr = P if proj else H
    hout = proj or h
    tensors = []
    for index in range(layers):
        layer_in: Expr = I if index == 0 else mul(D, hout_sym)
        for direction in range(dirs):
            at = f"_l{index}" + ("_reverse" if direction else "")
            tensors += expand(TENSORS[kind], flags={"bias": bool(ctx.cfg("bias")), "proj": proj > 0},
                              subs={"I_l": layer_in, "H_out": hout_sym}, at=at)
    n, t = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    out = (n, t, dirs * hout) if batch_first else (t, n, dirs * hout)
    states = {"h_n": (dirs * layers, n, hout)}
    if kind == "LSTM":
        states["c_n"] = (dirs * layers, n, h)
    bindings = freeze({"I": i, "H": h, "D": dirs, "L": layers, **({"P": proj} if proj else {})})
    flags = {"bias": bool(ctx.cfg("bias")), "proj": proj > 0}
    family = ((D, tuple(expand(TENSORS[kind], flags=flags, subs={"I_l": I, "H_out": hout_sym}, at="_l0"))),
              (mul(add(L, -1), D), tuple(expand(TENSORS[kind], flags=flags,
                                                subs={"I_l": mul(D, hout_sym), "H_out": hout_sym}, at="_l1"))))
    return LayerPlan(tuple(tensors), bindings, shape, out, freeze(states), warnings, family=family,
                     features=("I", mul(D, hout_sym)), time_axis=1 if batch_first else 0, counts=("L",))


def plan_cell(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type.removesuffix("Cell")
    i, h = ctx.int("input_size"), ctx.int("hidden_size")
    shape = in_or_default(ctx, (None, i))
    if len(shape) not in (1, 2):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Expected input to be 1D or 2D, got {len(shape)}D "
                         f"instead (shape {fmt_shape(shape)}). A cell takes one time step (N, input_size); "
                         f"use nn.{kind} for a whole sequence.")
    check_features(ctx, i, shape[-1], "input_size")
    tensors = expand(TENSORS[kind], flags={"bias": bool(ctx.cfg("bias")), "proj": False},
                     subs={"I_l": I, "H_out": H}, at="")
    out = (*shape[:-1], h)
    states = {"h_1": out, "c_1": out} if kind == "LSTM" else {"h_1": out}
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(states), features=("I", H))


# --- equivalents: each layer as a family's values, and each family written as PyTorch layers ---------------

def _write_recurrent(n: Neutral) -> Built:
    refuse_peepholes(n)
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[n.family]
    need(not n.int("proj") or n.family == "lstm", "proj_size (an LSTM projection) is LSTM only in PyTorch")
    return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), num_layers=n.int("layers"),
                       bias=n.flag("bias"), batch_first=n.flag("bf"), bidirectional=n.flag("bidir"),
                       **({"proj_size": n.int("proj")} if n.family == "lstm" else {})),), None


def _write_cell(n: Neutral) -> Built:
    refuse_peepholes(n)
    need(not n.get("proj"), "PyTorch's cells have no projection (proj_size)")
    name = {"rnn_cell": "RNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[n.family]
    return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), bias=n.flag("bias")),), None



_SEQUENCE = ("in", "units", "layers", "bidir", "bias", "bf")
_CELL_FIELDS = ("in", "units", "bias")


def _recurrent_equivalent(family: str) -> Equivalent:
    fields = (*_SEQUENCE, "proj") if family == "lstm" else _SEQUENCE
    return Equivalent(read_recurrent(family), {family: fields}, _write_recurrent)


def _cell_equivalent(family: str) -> Equivalent:
    return Equivalent(read_recurrent(family), {family: _CELL_FIELDS}, _write_cell)


# --- checkpoint naming: the names `named_parameters()` and `state_dict()` give -------------------------------

_AT = r"_l(\d+)(_reverse)?"


def _recognise_recurrent(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    """nn.RNN/LSTM/GRU from `weight_ih_l{l}[_reverse]`...: sizes off layer 0, layers and directions off the names."""
    gates = len(GATES[kind])
    patterns: list[re.Pattern[str]] = []  # compiled on first use: counting never needs it

    def recognise(group: TensorGroup) -> Recognised | None:
        if not patterns:
            patterns.append(stacked_pattern(TENSORS[kind], "at", _AT))
        matches = [patterns[0].match(leaf) for leaf in group.leaves]
        w_ih, w_hh = rank(group, "weight_ih_l0", 2), rank(group, "weight_hh_l0", 2)
        if not group.leaves or not all(matches) or w_ih is None or w_hh is None:
            return None
        (gh, i), h_out = w_ih, w_hh[1]
        hr = group.leaves.get("weight_hr_l0")
        if hr is not None and (len(hr) != 2 or kind != "LSTM"):
            return None
        proj, h = hr if hr is not None else (0, h_out)
        if h <= 0 or gh != gates * h:
            return None
        layers = 1 + max(int(m.group(1)) for m in matches if m)
        config: dict[str, Value] = {
            "input_size": i, "hidden_size": h, "num_layers": layers, "bias": "bias_ih_l0" in group.leaves,
            "bidirectional": any(leaf.endswith("_reverse") for leaf in group.leaves)}
        if kind == "LSTM":
            config["proj_size"] = proj
        return Recognised(config)
    return recognise


def _recognise_cell(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    gates = len(GATES[kind])

    def recognise(group: TensorGroup) -> Recognised | None:
        w_ih, w_hh = rank(group, "weight_ih", 2), rank(group, "weight_hh", 2)
        if not only(group, TENSORS[kind], ("weight_ih", "weight_hh"), at="") or w_ih is None or w_hh is None:
            return None
        (gh, i), h = w_ih, w_hh[1]
        if h <= 0 or gh != gates * h:
            return None
        return Recognised({"input_size": i, "hidden_size": h, "bias": "bias_ih" in group.leaves})
    return recognise


def _cell(type_name: str, kind: str, cell: Cell, extra: tuple[Param, ...] = ()) -> LayerConvention:
    family = kind.lower() + "_cell"
    return layer(type_name, (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
                              Param("bias", True, BOOL), *extra), plan_cell, work=Work(cell=cell, autocast="cast"),
                  equivalent=_cell_equivalent(family), recognise=_recognise_cell(kind), recurrent=True)



CONVENTIONS = (
    layer("RNN", (*_RNN_PARAMS, _NONLIN, *_TAIL), plan_recurrent, work=Work(cell=RNN_CELL, autocast="cast"),
          equivalent=_recurrent_equivalent("rnn"), recognise=_recognise_recurrent("RNN"), recurrent=True),
    layer("LSTM", (*_RNN_PARAMS, *_TAIL, _PROJ), plan_recurrent, work=Work(cell=LSTM_CELL, autocast="cast",
                                                                       autocast_recast=("projection",)),
          equivalent=_recurrent_equivalent("lstm"), recognise=_recognise_recurrent("LSTM"), recurrent=True),
    layer("GRU", (*_RNN_PARAMS, *_TAIL), plan_recurrent, work=Work(cell=GRU_CELL, autocast="cast"),
          equivalent=_recurrent_equivalent("gru"), recognise=_recognise_recurrent("GRU"), recurrent=True),
    _cell("RNNCell", "RNN", RNN_CELL, (_NONLIN,)),
    _cell("LSTMCell", "LSTM", LSTM_CELL),
    _cell("GRUCell", "GRU", GRU_CELL),
)

__all__ = ["CONVENTIONS", "GATES", "TENSORS"]
