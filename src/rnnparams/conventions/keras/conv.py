"""Keras convolutions, as their `build()` declares the weights (channels last unless
data_format='channels_first'; output sides as Keras' compute_conv_output_shape and
compute_conv_transpose_output_shape):

- Conv1D/2D/3D: kernel (*K, C/groups, O), bias (O);
- Conv1D/2D/3DTranspose: kernel (*K, O, C) (output channels first), bias (O), no groups;
- SeparableConv1D/2D: depthwise_kernel (*K, C, M), pointwise_kernel (1, ..., M·C, O), bias (O);
- DepthwiseConv1D/2D: kernel (*K, C, M), bias (M·C).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape, Value
from ...symbolic import Const, Expr, Sym, mul
from ..base import (
    BOOL,
    CHOICE,
    SHAPE,
    SIZE,
    LayerContext,
    LayerConvention,
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
from ..equivalents import Built, Equivalent, NoEquivalent, conv1d_values, has_bias, make_layer, need, neutral
from ..families import KERNEL_2D_WORDS, Neutral
from ..work import OUTPUT_POSITIONS, ROWS, Work
from .common import BASE_IGNORED, FOR_WEIGHTS, KERNEL_IGNORED, C, K, O, Table, int_tuple, layer, missing_input

M, CG = Sym("M"), Sym("C_g")
KERNEL_SYMBOLS = {1: ("K",), 2: ("K_h", "K_w"), 3: ("K_d", "K_h", "K_w")}
WORDS = MappingProxyType({**KERNEL_2D_WORDS, "K_d": ("kernel depth", "卷积核深度"),
                          "M": ("depth multiplier (filters per input channel)", "深度乘数(每个输入通道的卷积核数)")})
FORMATS = ("channels_last", "channels_first", None)
CONV, TRANSPOSE, SEPARABLE, DEPTHWISE = "conv", "transpose", "separable", "depthwise"


def _kernel(rank: int) -> tuple[Expr, ...]:
    return tuple(K if rank == 1 else Sym(s) for s in KERNEL_SYMBOLS[rank])


def templates(kind: str, rank: int) -> tuple[TensorTemplate, ...]:
    k = _kernel(rank)
    bias = TensorTemplate("bias", (O,), "bias", when="bias")
    if kind == TRANSPOSE:
        return TensorTemplate("kernel", (*k, O, C), "weight"), bias
    if kind == SEPARABLE:
        return (TensorTemplate("depthwise_kernel", (*k, C, M), "weight"),
                TensorTemplate("pointwise_kernel", (*(Const(1),) * rank, mul(M, C), O), "weight"), bias)
    if kind == DEPTHWISE:
        return (TensorTemplate("kernel", (*k, C, M), "weight"),
                TensorTemplate("bias", (mul(M, C),), "bias", when="bias"))
    return TensorTemplate("kernel", (*k, CG, O), "weight"), bias  # C_g: input channels per group


def conv_output_length(length: int | None, k: int, stride: int, dilation: int, padding: str) -> int | None:
    """Keras' compute_conv_output_shape for one spatial axis ('causal' pads left, so it acts as 'same')."""
    if length is None:
        return None
    if padding == "valid":
        return (length - dilation * (k - 1) - 1) // stride + 1
    return (length - 1) // stride + 1


def transpose_output_length(length: int | None, k: int, stride: int, dilation: int, padding: str,
                            output_padding: int | None) -> int | None:
    """Keras' _get_output_shape_given_tf_padding for one spatial axis."""
    if length is None:
        return None
    k = (k - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (length - 1) * stride + k + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + k % 2 + output_padding


def sizes(ctx: LayerContext, key: str, rank: int, minimum: int = 1) -> tuple[int, ...]:
    """An int or a tuple of `rank` ints, as Keras' standardize_tuple reads kernel_size, strides..."""
    value = ctx.cfg(key)
    items = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else int_tuple(value)
    if items is None or len(items) != rank or not all(v >= minimum for v in items):
        what = "positive" if minimum else "non-negative"
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): the `{key}` argument must be a tuple of {rank} {what} "
                          f"integers (or one integer). Received {key}={value!r}.")
    return items


def channels(ctx: LayerContext, shape: Shape, rank: int) -> tuple[int, tuple[int | None, ...], bool]:
    """(input channels, spatial sides, channels first) of an input of rank `rank` + 2."""
    first = ctx.spec.get("data_format") == "channels_first"
    c, sides = (shape[1], shape[2:]) if first else (shape[-1], shape[1:-1])
    if c is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the channel dimension of its input must be defined; got "
                         f"shape {fmt_shape(shape)}.")
    return c, sides, first


AXES = {1: "3-D (batch, steps, channels)", 2: "4-D (batch, height, width, channels)",
        3: "5-D (batch, depth, height, width, channels)"}


def plan_conv(kind: str, rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        if ctx.in_shape is None:
            raise missing_input(ctx)
        shape = require_rank(ctx, (rank + 2,), AXES[rank])
        name = f"{ctx.name} ({ctx.spec.type})"
        kernel, stride = sizes(ctx, "kernel_size", rank), sizes(ctx, "strides", rank)
        dilation = sizes(ctx, "dilation_rate", rank)
        padding = str(ctx.cfg("padding")).lower()
        c_in, sides, first = channels(ctx, shape, rank)
        if kind in (CONV, TRANSPOSE) and max(stride) > 1 and max(dilation) > 1:
            raise ConfigError(f"{name}: `strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                              f"Received: strides={stride} and dilation_rate={dilation}.")
        groups = ctx.int("groups") if kind == CONV else 1
        multiplier = ctx.int("depth_multiplier") if kind in (SEPARABLE, DEPTHWISE) else 1
        filters = multiplier * c_in if kind == DEPTHWISE else ctx.int("filters")
        if c_in % groups:
            raise ConfigError(f"{name}: the number of input channels must be evenly divisible by the number of "
                              f"groups. Received groups={groups}, but the input has {c_in} channels (full input "
                              f"shape is {fmt_shape(shape)}).")
        if filters % groups:
            raise ConfigError(f"{name}: the number of filters must be evenly divisible by the number of groups. "
                              f"Received: groups={groups}, filters={filters}.")
        if kind == TRANSPOSE:
            out_sides = _transpose_sides(ctx, sides, kernel, stride, dilation, padding)
        else:
            out_sides = tuple(conv_output_length(n, k, s, d, padding)
                              for n, k, s, d in zip(sides, kernel, stride, dilation, strict=True))
            if any(n is not None and n <= 0 for n in out_sides):
                raise ShapeError(f"{name}: computed output size would be zero or negative: input "
                                 f"{fmt_shape(shape)}, kernel_size={kernel}, dilation_rate={dilation}, "
                                 f"strides={stride}, padding='{padding}'.")
        flags = {"bias": bool(ctx.cfg("use_bias"))}
        tensors = expand(templates(kind, rank), flags=flags, subs=None if groups > 1 else {"C_g": C})
        bindings: dict[str, int] = {"C": c_in, "O": filters, **dict(zip(KERNEL_SYMBOLS[rank], kernel, strict=True))}
        if groups > 1:
            bindings["C_g"] = c_in // groups
        if kind in (SEPARABLE, DEPTHWISE):
            bindings["M"] = multiplier
        out = (shape[0], filters, *out_sides) if first else (shape[0], *out_sides, filters)
        features = mul(M, C) if kind == DEPTHWISE else O
        return LayerPlan(tuple(tensors), freeze(bindings), shape, out, features=("C", features),
                         feature_axis=1 if first else -1)
    return plan


def _transpose_sides(ctx: LayerContext, sides: tuple[int | None, ...], kernel: tuple[int, ...],
                     stride: tuple[int, ...], dilation: tuple[int, ...], padding: str) -> tuple[int | None, ...]:
    rank = len(kernel)
    extra: tuple[int | None, ...] = (None,) * rank
    if ctx.cfg("output_padding") is not None:
        extra = sizes(ctx, "output_padding", rank, minimum=0)
        for axis, (op, s) in enumerate(zip(extra, stride, strict=True)):
            if op is not None and op >= s:
                raise ConfigError(f"{ctx.name} ({ctx.spec.type}): `output_padding` must be strictly less than "
                                  f"`strides` for all dimensions. At dimension {axis}, `output_padding` is {op} "
                                  f"but `strides` is {s}. Received: output_padding={extra}, strides={stride}")
    return tuple(transpose_output_length(n, k, s, d, padding, op)
                 for n, k, s, d, op in zip(sides, kernel, stride, dilation, extra, strict=True))


# --- equivalents ----------------------------------------------------------------------------------------------

def _one(value: Value, rank: int) -> Value:
    """A family's kernel or stride: one number when every axis has it, else the tuple."""
    items = (value,) * rank if isinstance(value, int) else value
    if isinstance(items, tuple) and len(set(items)) == 1:
        return items[0]
    return items


def _read_conv(family: str, kind: str, rank: int) -> Callable[[LayerSpec, LayerPlan], Neutral]:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        if kind in (SEPARABLE, DEPTHWISE):
            raise NoEquivalent(f"{spec.type} is a depthwise convolution"
                               + (" followed by a 1×1 convolution" if kind == SEPARABLE else "")
                               + "; write it as a grouped convolution (groups = input channels) in the other "
                               "framework")
        b = plan.bindings
        kernel = _one(tuple(b[s] for s in KERNEL_SYMBOLS[rank]), rank)
        stride = _one(spec.get("strides", 1), rank)
        values: dict[str, Value] = {"in": b["C"], "filters": b["O"], "kernel": kernel, "stride": stride,
                                    "pad": "same" if spec.get("padding") == "same" else "valid",
                                    "groups": b["C"] // b["C_g"] if "C_g" in b else 1, "bias": has_bias(plan)}
        if kind == TRANSPOSE and spec.get("output_padding") is not None:
            raise NoEquivalent(f"{spec.type} with output_padding: the neutral transposed convolution has none")
        if spec.get("dilation_rate", 1) not in (1, (1,) * rank):
            raise NoEquivalent(f"{spec.type} with dilation_rate={spec.get('dilation_rate')!r}: dilation is not "
                               "translated yet")
        return neutral(family, **values)
    return read


def _read_conv2d(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    strides = spec.get("strides", 1)
    pair = (strides, strides) if isinstance(strides, int) else strides
    sh, sw = pair if isinstance(pair, tuple) and len(pair) == 2 else (1, 1)
    return neutral("conv2d", **{"in": b["C"]}, filters=b["O"], kh=b["K_h"], kw=b["K_w"], sh=sh, sw=sw,
                   pad="same" if spec.get("padding") == "same" else "valid",
                   groups=b["C"] // b["C_g"] if "C_g" in b else 1, bias=has_bias(plan))


def _writer(table: Table, type_name: str, rank: int, transposed: bool) -> Callable[[Neutral], Built]:
    def write(n: Neutral) -> Built:
        options: dict[str, Value] = {"filters": n.int("filters"), "kernel_size": n.get("kernel"),
                                     "strides": n.get("stride"), "padding": n.get("pad"), "use_bias": n.flag("bias")}
        if transposed:
            need(n.int("groups") == 1, f"Keras' {type_name} has no groups")
        else:
            options["groups"] = n.int("groups")
        return (make_layer(table.layers, type_name, **options),), (*(None,) * rank, n.size("in"))
    return write


# --- checkpoint naming: weights in creation order, shapes only -------------------------------------------------

def _recognise(kind: str, rank: int) -> Callable[[TensorGroup], Recognised | None]:
    """A kernel of rank + 2 axes (a separable one's 1×1 pointwise kernel after it) and a bias of the output
    channels: the layer's arguments, on an input of the kernel's channels (groups taken as 1)."""
    def recognise(group: TensorGroup) -> Recognised | None:
        shapes = list(group.leaves.values())
        weights = 2 if kind == SEPARABLE else 1
        if len(shapes) not in (weights, weights + 1) or any(len(s) != rank + 2 for s in shapes[:weights]):
            return None
        kernel = shapes[0]
        config: dict[str, object] = {"kernel_size": kernel[:rank], "use_bias": len(shapes) > weights}
        c, out = kernel[-2], kernel[-1]
        if kind == SEPARABLE:
            point = shapes[1]
            if point[:rank] != (1,) * rank or point[-2] != c * out:
                return None
            config.update(filters=point[-1], depth_multiplier=out)
            out = point[-1]
        elif kind == DEPTHWISE:
            config["depth_multiplier"] = out
            out = c * out
        elif kind == TRANSPOSE:
            c, out = out, c
            config["filters"] = out
        else:
            config["filters"] = out
        if len(shapes) > weights and shapes[weights] != (out,):
            return None
        return Recognised(config, (*(None,) * rank, c))
    return recognise


def _recognise_strict(kind: str, rank: int) -> Callable[[TensorGroup], Recognised | None]:
    """Transposed and depthwise kernels have a plain convolution's rank: claimed only when the bias tells them
    apart (a plain convolution's bias is the kernel's last axis)."""
    base = _recognise(kind, rank)

    def recognise(group: TensorGroup) -> Recognised | None:
        shapes = list(group.leaves.values())
        if len(shapes) != 2 or len(shapes[0]) != rank + 2 or shapes[1] == (shapes[0][-1],):
            return None
        return base(group)
    return recognise


# --- the layers -------------------------------------------------------------------------------------------------

def _params(kind: str, rank: int) -> tuple[Param, ...]:
    pads = ("valid", "same", "causal") if kind == CONV and rank == 1 else ("valid", "same")
    default_format = "channels_last" if (kind, rank) == (CONV, 1) else None
    common = (Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE), Param("padding", "valid", CHOICE, pads))
    fmt = Param("data_format", default_format, CHOICE, FORMATS)
    dilation, act, bias = Param("dilation_rate", 1, SHAPE), Param("activation", None), Param("use_bias", True, BOOL)
    multiplier = Param("depth_multiplier", 1, SIZE)
    if kind == TRANSPOSE:
        out_pad = Param("output_padding", None, SHAPE)
        middle = (fmt, out_pad) if rank == 3 else (out_pad, fmt)
        return (Param("filters", kind=SIZE), *common, *middle, dilation, act, bias)
    if kind == SEPARABLE:
        return (Param("filters", kind=SIZE), *common, fmt, dilation, multiplier, act, bias)
    if kind == DEPTHWISE:
        return (*common, multiplier, fmt, dilation, act, bias)
    return (Param("filters", kind=SIZE), *common, fmt, dilation, Param("groups", 1, SIZE), act, bias)


SEPARABLE_IGNORED = BASE_IGNORED | frozenset({
    "depthwise_initializer", "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
    "pointwise_regularizer", "bias_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"})
NAMES = {CONV: ("Conv{n}D", "conv{n}d"), TRANSPOSE: ("Conv{n}DTranspose", "conv{n}d_transpose"),
         SEPARABLE: ("SeparableConv{n}D", "separable_conv{n}d"), DEPTHWISE: ("DepthwiseConv{n}D", "depthwise_conv{n}d")}
FAMILIES = {(CONV, 1): "conv1d", (CONV, 2): "conv2d", (CONV, 3): "conv3d", (TRANSPOSE, 1): "conv1d_t",
            (TRANSPOSE, 2): "conv2d_t", (TRANSPOSE, 3): "conv3d_t"}
SQUARE_FIELDS = ("filters", "kernel", "stride", "pad", "groups", "bias")


def _convolution(table: Table, kind: str, rank: int) -> LayerConvention:
    type_name, auto_name = (s.format(n=rank) for s in NAMES[kind])
    family = FAMILIES.get((kind, rank))
    fields = ("filters", "kh", "kw", "sh", "sw", "pad", "groups", "bias") if family == "conv2d" else SQUARE_FIELDS
    reader = _read_conv2d if family == "conv2d" else conv1d_values if family == "conv1d" else _read_conv(
        family or "conv1d", kind, rank)
    if family is not None and family not in ("conv1d", "conv2d"):
        table.writers[family] = _writer(table, type_name, rank, kind == TRANSPOSE)
    equivalent = Equivalent(reader, {family: fields} if family else {}, table.write)
    recognise = (_recognise(kind, rank) if kind in (CONV, SEPARABLE) and (kind, rank) != (CONV, 2)
                 else _recognise_strict(kind, rank) if kind in (TRANSPOSE, DEPTHWISE) else None)
    old = (kind, rank) in ((CONV, 1), (CONV, 2))  # as first declared: no output activation in their work
    work = Work(positions=ROWS if kind == TRANSPOSE else OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,),
                activation=None if old else "activation")
    return layer(type_name, auto_name, _params(kind, rank), plan_conv(kind, rank),
                 KERNEL_IGNORED if kind in (CONV, TRANSPOSE) else SEPARABLE_IGNORED, work=work,
                 equivalent=equivalent, recognise=_recognise_conv2d if (kind, rank) == (CONV, 2) else recognise,
                 words=WORDS if rank > 1 or kind in (SEPARABLE, DEPTHWISE) else MappingProxyType({}))


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
    table.add(_convolution(table, CONV, 1), _convolution(table, CONV, 2))


def declare_more(table: Table) -> None:
    """The convolutions added after the first two (declared after the layers before them, so a checkpoint's
    groups are offered to the older recognisers first)."""
    table.add(_convolution(table, CONV, 3),  # a depthwise kernel (K, C, 1) with its bias (C) has the shapes of a
              *(_convolution(table, kind, rank) for kind in (SEPARABLE, DEPTHWISE) for rank in (1, 2)),
              *(_convolution(table, TRANSPOSE, rank) for rank in (1, 2, 3)))  # transposed one on one channel


__all__ = ["conv_output_length", "declare", "declare_more", "plan_conv", "sizes", "templates",
           "transpose_output_length"]
