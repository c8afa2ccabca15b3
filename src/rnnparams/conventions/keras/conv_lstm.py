"""Keras convolutional LSTMs: ConvLSTM1D/2D/3D, whose cell (`conv_lstm_cell`) keeps kernel (*K, C, 4·O),
recurrent_kernel (*K, O, 4·O) and bias (4·O), gates i, f, c, o. The input is a sequence of images
(batch, time, *sides, C), or (batch, time, C, *sides) with data_format='channels_first'; the input
convolution follows padding, strides and dilation, the recurrent one keeps the sides ('same', stride 1)."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import mul
from ..base import (
    BOOL,
    CHOICE,
    SHAPE,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from ..work import STEP_OUTPUTS, Work
from .common import FOR_WEIGHTS, C, O, Table, layer, missing_input
from .conv import KERNEL_SYMBOLS, WORDS, _kernel, conv_output_length, sizes
from .recurrent import RECURRENT_IGNORED, RECURRENT_OUT

GATES = ("i", "f", "c", "o")
AXES = {1: "4-D (batch, time, steps, channels)", 2: "5-D (batch, time, height, width, channels)",
        3: "6-D (batch, time, depth, height, width, channels)"}


def templates(rank: int) -> tuple[TensorTemplate, ...]:
    k = _kernel(rank)
    go = mul(4, O)
    return (TensorTemplate("conv_lstm_cell/kernel", (*k, C, go), "weight", gates=GATES),
            TensorTemplate("conv_lstm_cell/recurrent_kernel", (*k, O, go), "weight", gates=GATES),
            TensorTemplate("conv_lstm_cell/bias", (go,), "bias", when="bias", gates=GATES))


def plan_conv_lstm(rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        if ctx.in_shape is None:
            raise missing_input(ctx)
        shape = require_rank(ctx, (rank + 3,), AXES[rank])
        name = f"{ctx.name} ({ctx.spec.type})"
        kernel, stride = sizes(ctx, "kernel_size", rank), sizes(ctx, "strides", rank)
        dilation = sizes(ctx, "dilation_rate", rank)
        if max(stride) > 1 and max(dilation) > 1:
            raise ConfigError(f"{name}: Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please "
                              f"provide `strides=1` or `dilation_rate=1`. Received: strides={stride} and "
                              f"dilation_rate={dilation}")
        first = ctx.spec.get("data_format") == "channels_first"
        c, sides = (shape[2], shape[3:]) if first else (shape[-1], shape[2:-1])
        if c is None:
            raise ShapeError(f"{name}: the channel dimension of its input must be defined; got shape "
                             f"{fmt_shape(shape)}.")
        padding = str(ctx.cfg("padding")).lower()
        out_sides = tuple(conv_output_length(n, k, s, d, padding)
                          for n, k, s, d in zip(sides, kernel, stride, dilation, strict=True))
        if any(n is not None and n <= 0 for n in out_sides):
            raise ShapeError(f"{name}: computed output size would be zero or negative: input {fmt_shape(shape)}, "
                             f"kernel_size={kernel}, dilation_rate={dilation}, strides={stride}, padding='{padding}'.")
        filters = ctx.int("filters")
        tensors = expand(templates(rank), flags={"bias": bool(ctx.cfg("use_bias"))})
        step: Shape = (shape[0], filters, *out_sides) if first else (shape[0], *out_sides, filters)
        out = (step[0], shape[1], *step[1:]) if ctx.cfg("return_sequences") else step
        states = {"state_h": step, "state_c": step} if ctx.cfg("return_state") else {}
        bindings = {"C": c, "O": filters, **dict(zip(KERNEL_SYMBOLS[rank], kernel, strict=True))}
        return LayerPlan(tuple(tensors), freeze(bindings), shape, out, freeze(states), features=("C", O),
                         feature_axis=2 if first else -1, notes=("shared_over_time",))
    return plan


def _conv_lstm(rank: int) -> LayerConvention:
    fmt = Param("data_format", None, CHOICE, ("channels_last", "channels_first", None))
    return layer(f"ConvLSTM{rank}D", f"conv_lstm{rank}d", (
        Param("filters", kind=SIZE), Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE),
        Param("padding", "valid", CHOICE, ("valid", "same")), fmt, Param("dilation_rate", 1, SHAPE),
        Param("activation", "tanh"), Param("recurrent_activation", "sigmoid"), Param("use_bias", True, BOOL),
        *RECURRENT_OUT), plan_conv_lstm(rank), RECURRENT_IGNORED,
        work=Work(positions=STEP_OUTPUTS, keeps=(FOR_WEIGHTS,)), words=MappingProxyType(dict(WORDS)))


def declare(table: Table) -> None:
    table.add(*(_conv_lstm(rank) for rank in (1, 2, 3)))


__all__ = ["declare", "plan_conv_lstm", "templates"]
