"""ONNX `RNN`, `LSTM` and `GRU` operators (opset 14+), as a graph's initializers hold them.

An ONNX recurrent node is one layer; its weights are node inputs, each stacking both directions on a
leading axis D (1, or 2 with `direction='bidirectional'`):
`W` [D, G·H, I], `R` [D, G·H, H], optional `B` [D, 2·G·H] (the input and recurrent biases Wb and Rb,
concatenated) and, for LSTM, optional peepholes `P` [D, 3H]. Gate order: LSTM i, o, f, c; GRU z, r, h.
`linear_before_reset` (GRU) changes where the recurrent bias is applied, never a shape.
Outputs: `Y` [T, D, N, H] (with `layout=1`: [N, T, D, H]), `Y_h` and `Y_c` [D, N, H] ([N, D, H]).

Expression form (ONNX has no Python layer classes, so rnnparams reads the node's attributes as keyword
arguments): `onnx.LSTM(hidden_size=256, input_size=100, direction='bidirectional')`, or a bare
`LSTM(...)` with `--framework onnx`. `input_size` is the size of X's last axis (ONNX reads it off W; give
it, or the input shape). `bias=False` leaves out the optional input B, `peepholes=True` adds P. A node
fed by another node's 4-D `Y` reads it as exporters reshape it, [T, N, D·H] (Transpose + Reshape).
"""

from __future__ import annotations

from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Const, Sym, mul
from .base import (
    ANY,
    BOOL,
    INT,
    NONNEG,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from .equivalents import Built, Equivalent, make_layer, need, one_step, read_recurrent
from .families import Neutral
from .work import GRU_CELL, LSTM_CELL, ONNX_RUNTIME, RNN_CELL, Work

I, H, D = Sym("I"), Sym("H"), Sym("D")
VERIFIED_WITH = (("onnx", "1.23.2"), ("onnxruntime", "1.32.0"), ("torch", "2.13.0"))
GATES = {"RNN": ("h",), "LSTM": ("i", "o", "f", "c"), "GRU": ("z", "r", "h")}
DIRECTIONS = ("forward", "reverse", "bidirectional")


def node_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    gh = mul(len(gates), H)
    return (
        TensorTemplate("W", (D, gh, I), "input_weights", gates=gates),
        TensorTemplate("R", (D, gh, H), "recurrent_weights", gates=gates),
        TensorTemplate("B", (D, mul(2, gh)), "input_and_recurrent_bias", when="bias", gates=gates),
        TensorTemplate("P", (D, mul(3, H)), "peephole", when="peepholes", gates=("i", "o", "f")),
    )


TENSORS = {kind: node_tensors(gates) for kind, gates in GATES.items()}


def _input(ctx: LayerContext, layout: int) -> tuple[Shape, int]:
    """X as [T, N, I] (layout 0) or [N, T, I] (layout 1), and I; a 4-D Y of a node before is reshaped."""
    declared = ctx.int("input_size") if ctx.cfg("input_size") is not None else None
    shape = ctx.in_shape
    if shape is None:
        if declared is None:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): the input size is read off W's last axis; give "
                              "input_size=I (or the input shape, --input-shape T,I).")
        shape = (None, None, declared)
    if len(shape) == 4:  # Y of the node before: [T, D, N, H] (layout 0) or [N, T, D, H] (layout 1)
        d, h = (shape[1], shape[3]) if layout == 0 else (shape[2], shape[3])
        shape = (shape[0], shape[2], None if d is None or h is None else d * h) if layout == 0 else \
            (shape[0], shape[1], None if d is None or h is None else d * h)
    if len(shape) != 3:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): X must be 3-D, [seq_length, batch_size, input_size] "
                         f"(layout=0) or [batch_size, seq_length, input_size] (layout=1); got {fmt_shape(shape)}.")
    i = shape[-1] if shape[-1] is not None else declared
    if i is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the last axis of X must be known; got "
                         f"{fmt_shape(shape)}.")
    if declared is not None and declared != i:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}) was declared with input_size={declared}, but X has {i} "
                         f"features (shape {fmt_shape(shape)}).")
    return shape, i


def plan_node(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    h = ctx.int("hidden_size")
    direction = ctx.cfg("direction")
    if direction not in DIRECTIONS:
        raise ConfigError(f"{ctx.name} ({kind}): Invalid value for attribute direction: {direction!r}; it must "
                          "be one of forward, reverse, bidirectional.")
    layout = ctx.cfg("layout")
    if layout not in (0, 1):
        raise ConfigError(f"{ctx.name} ({kind}): attribute layout must be 0 or 1 (got {layout!r}).")
    assert isinstance(layout, int)
    if kind == "GRU" and ctx.cfg("linear_before_reset") not in (0, 1):
        raise ConfigError(f"{ctx.name} (GRU): linear_before_reset must be 0 or 1.")
    peepholes = kind == "LSTM" and bool(ctx.cfg("peepholes"))
    shape, i = _input(ctx, layout)
    dirs = 2 if direction == "bidirectional" else 1
    tensors = expand(TENSORS[kind], flags={"bias": bool(ctx.cfg("bias")), "peepholes": peepholes})
    t, n = (shape[0], shape[1]) if layout == 0 else (shape[1], shape[0])
    y: Shape = (t, dirs, n, h) if layout == 0 else (n, t, dirs, h)
    state: Shape = (dirs, n, h) if layout == 0 else (n, dirs, h)
    states = {"Y_h": state, **({"Y_c": state} if kind == "LSTM" else {})}
    notes = ("onnx_stacked_directions",)
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h, "D": dirs}), shape, y, freeze(states),
                     family=((Const(1), tuple(tensors)),), features=("I", mul(D, H)), notes=notes,
                     time_axis=0 if layout == 0 else 1)


_IGNORED = frozenset({"activations", "activation_alpha", "activation_beta", "clip", "name", "input_forget"})
FAMILY = {"RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
CELLS = {"RNN": RNN_CELL, "LSTM": LSTM_CELL, "GRU": GRU_CELL}


def _write(n: Neutral) -> Built:
    """One node per stacked layer (how torch.onnx exports num_layers > 1); a cell is a one-step node."""
    need(not n.int("proj"), "the ONNX LSTM operator has no projection (proj_size)")
    family = one_step(n.family)
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[family]
    extra: dict[str, Value] = {"peepholes": True} if n.get("peep") else {}
    layers = n.int("layers") if n.family == family else 1
    dirs = 2 if n.get("bidir") else 1
    direction = "bidirectional" if dirs == 2 else "forward"
    nodes = tuple(make_layer(LAYERS, name, hidden_size=n.int("units"),
                             input_size=n.int("in") if k == 0 else dirs * n.int("units"), direction=direction,
                             bias=n.flag("bias"), **extra) for k in range(layers))
    return nodes, None


def _node(type_name: str, extra: tuple[Param, ...] = ()) -> LayerConvention:
    params = (Param("hidden_size", kind=SIZE, positional=False), Param("input_size", None, SIZE, positional=False),
              Param("direction", "forward", ANY, positional=False), Param("layout", 0, INT, positional=False),
              Param("bias", True, BOOL, positional=False), *extra)
    family = FAMILY[type_name]
    fields = ("in", "units", "layers", "bidir", "bias") + (("peep",) if type_name == "LSTM" else ())
    cell_fields = ("in", "units", "bias") + (("peep",) if type_name == "LSTM" else ())
    return LayerConvention(type_name, params, plan_node, type_name.lower(), _IGNORED, recurrent=True,
                           work=Work(cell=CELLS[type_name]),
                           equivalent=Equivalent(read_recurrent(family),
                                                 {family: fields, family + "_cell": cell_fields}, _write))


LAYERS = {c.type_name: c for c in (
    _node("RNN"),
    _node("LSTM", (Param("peepholes", False, BOOL, positional=False),)),
    _node("GRU", (Param("linear_before_reset", 0, NONNEG, positional=False),)),
)}
_NO_LAYER = "ONNX has no layer for it: a Gemm/MatMul or Gather node with its initializers, not modelled here"


def _batch_axis(first: LayerSpec) -> int:
    """layout=0 (the default): X is [seq_length, batch_size, input_size]."""
    return 0 if first.get("layout", 0) == 1 else 1


ONNX = FrameworkConvention(
    runtime=ONNX_RUNTIME,
    id="onnx", display="ONNX operators", layers=LAYERS, prefixes=("onnx.",), naming="index",
    batch_axis=_batch_axis, verified_with=VERIFIED_WITH, short="ONNX", write_prefix="onnx.",
    refusals={"dense": _NO_LAYER, "embedding": _NO_LAYER},
    syntax="onnx.LSTM(hidden_size=256, input_size=100, direction='bidirectional', bias=True, peepholes=False)",
)
