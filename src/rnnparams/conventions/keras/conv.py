"""Keras convolutions: Conv1D (kernel (K, C/groups, O)) and Conv2D (kernel (K_h, K_w, C/groups, O)), each
with a bias (O); channels last unless data_format='channels_first'; output sides as Keras'
compute_conv_output_shape."""

from __future__ import annotations

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec
from ...symbolic import Sym
from ..base import (
    BOOL,
    CHOICE,
    SHAPE,
    SIZE,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from ..equivalents import Built, Equivalent, conv1d_values, has_bias, make_layer, neutral
from ..families import KERNEL_2D_WORDS, Neutral
from ..work import OUTPUT_POSITIONS, Work
from .common import FOR_WEIGHTS, KERNEL_IGNORED, C, K, O, Table, layer, missing_input
from .common import keras_input as _input

CONV2D_TENSORS = (TensorTemplate("kernel", (Sym("K_h"), Sym("K_w"), Sym("C_g"), O), "weight"),  # C_g: per group
                  TensorTemplate("bias", (O,), "bias", when="bias"))
CONV1D_TENSORS = (TensorTemplate("kernel", (K, Sym("C_g"), O), "weight"),  # C_g: input channels per group
                  TensorTemplate("bias", (O,), "bias", when="bias"))


def conv_output_length(length: int | None, k: int, stride: int, dilation: int, padding: str) -> int | None:
    """Keras' compute_conv_output_shape for one spatial axis ('causal' pads left, so it acts as 'same')."""
    if length is None:
        return None
    if padding == "valid":
        return (length - dilation * (k - 1) - 1) // stride + 1
    return (length - 1) // stride + 1


def _int1(ctx: LayerContext, key: str) -> int:
    value = ctx.cfg(key)
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{ctx.name} (Conv1D): {key} must be a positive int or a 1-tuple of one "
                          f"(got {ctx.cfg(key)!r}).")
    return value


def plan_conv1d(ctx: LayerContext) -> LayerPlan:
    shape = _input(ctx, (3,), "3-D (batch, steps, channels)")
    filters, groups = ctx.int("filters"), ctx.int("groups")
    k, stride, dilation = _int1(ctx, "kernel_size"), _int1(ctx, "strides"), _int1(ctx, "dilation_rate")
    padding = str(ctx.cfg("padding")).lower()
    channels_first = ctx.cfg("data_format") == "channels_first"
    c_in, length = (shape[1], shape[2]) if channels_first else (shape[2], shape[1])
    if c_in is None:
        raise ShapeError(f"{ctx.name} (Conv1D): the channel dimension of its input must be defined; got shape "
                         f"{fmt_shape(shape)}.")
    if padding == "causal" and channels_first:
        raise ConfigError(f"{ctx.name} (Conv1D): causal padding is only supported with "
                          "data_format='channels_last'.")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv1D): the number of input channels must be evenly divisible by the "
                          f"number of groups. Received groups={groups}, but the input has {c_in} channels "
                          f"(full input shape is {fmt_shape(shape)}).")
    if filters % groups:
        raise ConfigError(f"{ctx.name} (Conv1D): the number of filters must be evenly divisible by the number "
                          f"of groups. Received: groups={groups}, filters={filters}.")
    if stride > 1 and dilation > 1:
        raise ConfigError(f"{ctx.name} (Conv1D): strides > 1 not supported in conjunction with "
                          f"dilation_rate > 1. Received: strides={stride} and dilation_rate={dilation}.")
    out_len = conv_output_length(length, k, stride, dilation, padding)
    if out_len is not None and out_len <= 0:
        raise ShapeError(f"{ctx.name} (Conv1D): computed output size would be negative ({out_len}): input length "
                         f"{length}, kernel_size={k}, dilation_rate={dilation}, padding='{padding}'.")
    tensors = expand(CONV1D_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": filters, "K": k, **({"C_g": c_in // groups} if groups > 1 else {})})
    out = (shape[0], filters, out_len) if channels_first else (shape[0], out_len, filters)
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O), feature_axis=1 if channels_first else -1)


def _int2(ctx: LayerContext, key: str) -> tuple[int, int]:
    value = ctx.cfg(key)
    pair = (value, value) if isinstance(value, int) else value
    if not isinstance(pair, tuple) or len(pair) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair):
        raise ConfigError(f"{ctx.name} (Conv2D): {key} must be a positive int or a tuple of 2 positive ints "
                          f"(got {value!r}).")
    return pair  # type: ignore[return-value]


def plan_conv2d(ctx: LayerContext) -> LayerPlan:
    """kernel (K_h, K_w, C/groups, filters), bias (filters); input (batch, H, W, C), or (batch, C, H, W) with
    data_format='channels_first'; each output side as Keras' compute_conv_output_shape."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, (4,), "4-D (batch, height, width, channels)")
    filters, groups = ctx.int("filters"), ctx.int("groups")
    kernel, stride, dilation = _int2(ctx, "kernel_size"), _int2(ctx, "strides"), _int2(ctx, "dilation_rate")
    padding = str(ctx.cfg("padding")).lower()
    channels_first = ctx.cfg("data_format") == "channels_first"
    c_in, sides = (shape[1], shape[2:]) if channels_first else (shape[3], shape[1:3])
    if c_in is None:
        raise ShapeError(f"{ctx.name} (Conv2D): the channel dimension of its input must be defined; got shape "
                         f"{fmt_shape(shape)}.")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv2D): the number of input channels must be evenly divisible by the "
                          f"number of groups. Received groups={groups}, but the input has {c_in} channels "
                          f"(full input shape is {fmt_shape(shape)}).")
    if filters % groups:
        raise ConfigError(f"{ctx.name} (Conv2D): the number of filters must be evenly divisible by the number "
                          f"of groups. Received: groups={groups}, filters={filters}.")
    if max(stride) > 1 and max(dilation) > 1:
        raise ConfigError(f"{ctx.name} (Conv2D): strides > 1 not supported in conjunction with dilation_rate > 1. "
                          f"Received: strides={stride} and dilation_rate={dilation}.")
    out_sides = tuple(conv_output_length(n, k, s, d, padding)
                      for n, k, s, d in zip(sides, kernel, stride, dilation, strict=True))
    if any(n is not None and n <= 0 for n in out_sides):
        raise ShapeError(f"{ctx.name} (Conv2D): computed output size would be negative: input {fmt_shape(shape)}, "
                         f"kernel_size={kernel}, dilation_rate={dilation}, padding='{padding}'.")
    tensors = expand(CONV2D_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": filters, "K_h": kernel[0], "K_w": kernel[1],
                       **({"C_g": c_in // groups} if groups > 1 else {})})
    out = (shape[0], filters, *out_sides) if channels_first else (shape[0], *out_sides, filters)
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O), feature_axis=1 if channels_first else -1)


def _read_conv2d(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    strides = spec.get("strides", 1)
    pair = (strides, strides) if isinstance(strides, int) else strides
    sh, sw = pair if isinstance(pair, tuple) and len(pair) == 2 else (1, 1)
    return neutral("conv2d", **{"in": b["C"]}, filters=b["O"], kh=b["K_h"], kw=b["K_w"], sh=sh, sw=sw,
                   pad="same" if spec.get("padding") == "same" else "valid",
                   groups=b["C"] // b["C_g"] if "C_g" in b else 1, bias=has_bias(plan))


def _recognise_conv2d(group: TensorGroup) -> Recognised | None:
    """kernel (K_h, K_w, C, filters) and bias (filters): channels last, the spatial sizes unknown."""
    shapes = list(group.leaves.values())
    if len(shapes) not in (1, 2) or len(shapes[0]) != 4 or (len(shapes) == 2 and shapes[1] != (shapes[0][3],)):
        return None
    kh, kw, c, o = shapes[0]
    return Recognised({"filters": o, "kernel_size": (kh, kw), "use_bias": len(shapes) == 2}, (None, None, c))



def declare(table: Table) -> None:
    layers = table.layers

    def conv1d(n: Neutral) -> Built:
        return (make_layer(layers, "Conv1D", filters=n.int("filters"), kernel_size=n.int("kernel"),
                           strides=n.int("stride"), padding=n.get("pad"), groups=n.int("groups"),
                           use_bias=n.flag("bias")),), (None, n.size("in"))

    def conv2d(n: Neutral) -> Built:
        strides = (n.int("sh"), n.int("sw"))
        return (make_layer(layers, "Conv2D", filters=n.int("filters"), kernel_size=(n.int("kh"), n.int("kw")),
                           strides=strides if strides != (1, 1) else 1, padding=n.get("pad"), groups=n.int("groups"),
                           use_bias=n.flag("bias")),), (None, None, n.size("in"))

    table.writers.update(conv1d=conv1d, conv2d=conv2d)
    table.add(
        layer("Conv1D", "conv1d", (
            Param("filters", kind=SIZE), Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE),
            Param("padding", "valid", CHOICE, ("valid", "same", "causal")),
            Param("data_format", "channels_last", CHOICE, ("channels_last", "channels_first", None)),
            Param("dilation_rate", 1, SHAPE), Param("groups", 1, SIZE), Param("activation", None),
            Param("use_bias", True, BOOL)), plan_conv1d, KERNEL_IGNORED,
            work=Work(positions=OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,)),
            equivalent=Equivalent(conv1d_values,
                                  {"conv1d": ("filters", "kernel", "stride", "pad", "groups", "bias")}, table.write)),
        layer("Conv2D", "conv2d", (
            Param("filters", kind=SIZE), Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE),
            Param("padding", "valid", CHOICE, ("valid", "same")),
            Param("data_format", None, CHOICE, ("channels_last", "channels_first", None)),
            Param("dilation_rate", 1, SHAPE), Param("groups", 1, SIZE), Param("activation", None),
            Param("use_bias", True, BOOL)), plan_conv2d, KERNEL_IGNORED,
            work=Work(positions=OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,)),
            equivalent=Equivalent(_read_conv2d, {"conv2d": ("filters", "kh", "kw", "sh", "sw", "pad", "groups",
                                                            "bias")}, table.write),
            recognise=_recognise_conv2d, words=KERNEL_2D_WORDS),
    )
