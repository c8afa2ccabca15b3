"""PyTorch convolutions: nn.Conv1d weight (out_channels, in_channels/groups, K), nn.Conv2d weight
(out_channels, in_channels/groups, K_h, K_w), nn.Conv3d (…, K_d, K_h, K_w), each with a bias (out_channels);
nn.ConvTranspose1d/2d/3d weight (in_channels, out_channels/groups, *kernel); the Lazy* modules, which read
in_channels off their first input. Channels first. The N-d rules are in convnd.py."""

from __future__ import annotations

from ...errors import ConfigError, FeatureMismatch, ShapeError
from ...spec import LayerSpec
from ...symbolic import Sym
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
    Writer,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, conv1d_values, has_bias, make_layer
from ..families import KERNEL_2D_WORDS, Neutral, neutral
from ..recognise import only, rank
from ..work import INPUT_POSITIONS, OUTPUT_POSITIONS, Work
from .common import FOR_WEIGHTS, C, K, O, in_or_default, layer, nonempty
from .convnd import (
    WORDS,
    looks_transposed,
    params,
    plan_convnd,
    plan_lazy,
    read_convnd,
    recognise_convnd,
    write_values,
)
from .table import LAYERS

CONV1D_TENSORS = (
    TensorTemplate("weight", (O, Sym("C_g"), K), "weight"),  # C_g: input channels per group
    TensorTemplate("bias", (O,), "bias", when="bias"),
)
CONV2D_TENSORS = (
    TensorTemplate("weight", (O, Sym("C_g"), Sym("K_h"), Sym("K_w")), "weight"),  # C_g: input channels per group
    TensorTemplate("bias", (O,), "bias", when="bias"),
)


def _one(ctx: LayerContext, key: str) -> int:
    value = ctx.cfg(key)
    if isinstance(value, tuple):
        if len(value) != 1 or not isinstance(value[0], int):
            raise ConfigError(f"{ctx.name} (Conv1d): {key} must be an int or a 1-tuple (got {value!r}).")
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{ctx.name} (Conv1d): {key} must be an int (got {value!r}).")
    return value


def plan_conv1d(ctx: LayerContext) -> LayerPlan:
    c_in, c_out, groups = ctx.int("in_channels"), ctx.int("out_channels"), ctx.int("groups")
    k, stride, dilation = _one(ctx, "kernel_size"), _one(ctx, "stride"), _one(ctx, "dilation")
    for key, v in (("kernel_size", k), ("stride", stride), ("dilation", dilation)):
        if v <= 0:
            raise ConfigError(f"{ctx.name} (Conv1d): {key} must be greater than zero (got {v}).")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv1d): in_channels must be divisible by groups "
                          f"(in_channels={c_in}, groups={groups}).")
    if c_out % groups:
        raise ConfigError(f"{ctx.name} (Conv1d): out_channels must be divisible by groups "
                          f"(out_channels={c_out}, groups={groups}).")
    padding = ctx.cfg("padding")
    if padding == "same" and stride != 1:
        raise ConfigError(f"{ctx.name} (Conv1d): padding='same' is not supported for strided convolutions.")
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise ConfigError(f"{ctx.name} (Conv1d): Invalid padding string {padding!r}, should be one of "
                          "{'valid', 'same'}.")
    shape = in_or_default(ctx, (None, c_in, None))
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} (Conv1d): Expected 2D (unbatched) or 3D (batched) input to conv1d, but "
                         f"got input of size: {fmt_shape(shape)}.")
    nonempty(ctx, shape, 1)
    channels, length = shape[-2], shape[-1]
    if channels is not None and channels != c_in:
        raise FeatureMismatch(f"{ctx.name} (Conv1d): expects (N, C, L) input with C = in_channels = {c_in}, but "
                              f"its input has shape {fmt_shape(shape)}. PyTorch convolutions are channels-first: "
                              "transpose a (N, T, F) sequence to (N, F, T).", ctx.spec, "in_channels", channels)
    out_len: int | None = None
    if length is not None:
        if padding == "same":
            out_len = length
        else:
            pad = 0 if padding == "valid" else _one(ctx, "padding")
            padded = length + 2 * pad
            out_len = (padded - dilation * (k - 1) - 1) // stride + 1
            if padded < dilation * (k - 1) + 1:
                raise ShapeError(f"{ctx.name} (Conv1d): Calculated padded input size per channel: ({padded}). "
                                 f"Kernel size: ({dilation * (k - 1) + 1}). Kernel size can't be greater than "
                                 "actual input size.")
    tensors = expand(CONV1D_TENSORS, flags={"bias": bool(ctx.cfg("bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": c_out, "K": k, **({"C_g": c_in // groups} if groups > 1 else {})})
    return LayerPlan(tuple(tensors), bindings, shape, (*shape[:-2], c_out, out_len), features=("C", O),
                     feature_axis=1)


def _pair(ctx: LayerContext, key: str, minimum: int = 1) -> tuple[int, int]:
    """nn.Conv2d's int-or-pair arguments (torch's `_pair`)."""
    value = ctx.cfg(key)
    pair = (value, value) if isinstance(value, int) else value
    if not isinstance(pair, tuple) or len(pair) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in pair):
        least = "greater than zero" if minimum else "at least zero"
        raise ConfigError(f"{ctx.name} (Conv2d): {key} must be an int or a pair of ints {least} (got {value!r}).")
    return pair  # type: ignore[return-value]


def plan_conv2d(ctx: LayerContext) -> LayerPlan:
    """weight (O, C/groups, K_h, K_w), bias (O); input (N, C, H, W) or unbatched (C, H, W); each output side
    floor((L + 2·pad − dilation·(K − 1) − 1) / stride) + 1, or L with padding='same'."""
    c_in, c_out, groups = ctx.int("in_channels"), ctx.int("out_channels"), ctx.int("groups")
    kernel, stride, dilation = _pair(ctx, "kernel_size"), _pair(ctx, "stride"), _pair(ctx, "dilation")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv2d): in_channels must be divisible by groups "
                          f"(in_channels={c_in}, groups={groups}).")
    if c_out % groups:
        raise ConfigError(f"{ctx.name} (Conv2d): out_channels must be divisible by groups "
                          f"(out_channels={c_out}, groups={groups}).")
    padding = ctx.cfg("padding")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ConfigError(f"{ctx.name} (Conv2d): Invalid padding string {padding!r}, should be one of "
                              "{'valid', 'same'}.")
        if padding == "same" and stride != (1, 1):
            raise ConfigError(f"{ctx.name} (Conv2d): padding='same' is not supported for strided convolutions.")
    pads = (0, 0) if padding == "valid" or padding == "same" else _pair(ctx, "padding", 0)
    shape = ctx.in_shape if ctx.in_shape is not None else (None, c_in, None, None)
    if len(shape) not in (3, 4):
        raise ShapeError(f"{ctx.name} (Conv2d): Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                         f"input of size: {fmt_shape(shape)}.")
    nonempty(ctx, shape, 2)
    channels = shape[-3]
    if channels is not None and channels != c_in:
        raise FeatureMismatch(f"{ctx.name} (Conv2d): expects (N, C, H, W) input with C = in_channels = {c_in}, "
                              f"but its input has shape {fmt_shape(shape)}. PyTorch convolutions are channels-first.",
                              ctx.spec, "in_channels", channels)
    sides: list[int | None] = []
    for length, k, s, d, p in zip(shape[-2:], kernel, stride, dilation, pads, strict=True):
        if length is None:
            sides.append(None)
        elif padding == "same":
            sides.append(length)
        else:
            if length + 2 * p < d * (k - 1) + 1:
                padded = " x ".join(str(n + 2 * q) if n is not None else "?" for n, q in zip(shape[-2:], pads,
                                                                                              strict=True))
                extent = " x ".join(str(e * (f - 1) + 1) for f, e in zip(kernel, dilation, strict=True))
                raise ShapeError(f"{ctx.name} (Conv2d): Calculated padded input size per channel: ({padded}). "
                                 f"Kernel size: ({extent}). Kernel size can't be greater than actual input size.")
            sides.append((length + 2 * p - d * (k - 1) - 1) // s + 1)
    tensors = expand(CONV2D_TENSORS, flags={"bias": bool(ctx.cfg("bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": c_out, "K_h": kernel[0], "K_w": kernel[1],
                       **({"C_g": c_in // groups} if groups > 1 else {})})
    out = (*shape[:-3], c_out, *sides)
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O), feature_axis=-3)


def _write_conv1d(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Conv1d", in_channels=n.int("in"), out_channels=n.int("filters"),
                       kernel_size=n.int("kernel"), stride=n.int("stride"),
                       padding=n.get("pad") if n.get("pad") == "same" else 0, groups=n.int("groups"),
                       bias=n.flag("bias")),), None


def _write_conv2d(n: Neutral) -> Built:
    stride = (n.int("sh"), n.int("sw"))
    return (make_layer(LAYERS, "Conv2d", in_channels=n.int("in"), out_channels=n.int("filters"),
                       kernel_size=(n.int("kh"), n.int("kw")), stride=stride if stride != (1, 1) else 1,
                       padding=n.get("pad") if n.get("pad") == "same" else 0, groups=n.int("groups"),
                       bias=n.flag("bias")),), None


def _read_conv2d(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    stride = spec.get("stride", 1)
    pair = (stride, stride) if isinstance(stride, int) else stride
    sh, sw = pair if isinstance(pair, tuple) and len(pair) == 2 else (1, 1)
    return neutral("conv2d", **{"in": b["C"]}, filters=b["O"], kh=b["K_h"], kw=b["K_w"], sh=sh, sw=sw,
                   pad="same" if spec.get("padding") == "same" else "valid",
                   groups=b["C"] // b["C_g"] if "C_g" in b else 1, bias=has_bias(plan))



def _recognise_conv1d(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 3)
    if not only(group, CONV1D_TENSORS, ("weight",)) or weight is None or looks_transposed(group, 1) or \
            "bilinear" in group.path.lower():  # a Bilinear's (out, in1, in2) weight has the same rank
        return None
    out_channels, channels, width = weight
    return Recognised({"in_channels": channels, "out_channels": out_channels, "kernel_size": width,
                       "bias": "bias" in group.leaves})


def _recognise_conv2d(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 4)
    if not only(group, CONV2D_TENSORS, ("weight",)) or weight is None or looks_transposed(group, 2):
        return None
    out_channels, channels, kh, kw = weight
    return Recognised({"in_channels": channels, "out_channels": out_channels, "kernel_size": (kh, kw),
                       "bias": "bias" in group.leaves})


def _writer(name: str, transposed: bool) -> Writer:
    def write(n: Neutral) -> Built:
        return (make_layer(LAYERS, name, **write_values(n, transposed)),), None  # type: ignore[arg-type]
    return write


_FIELDS = ("in", "filters", "kernel", "stride", "pad", "groups", "bias")


def _convnd(name: str, dims: int, transposed: bool, family: str) -> LayerConvention:
    work = Work(positions=INPUT_POSITIONS if transposed else OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,))
    return layer(name, params(transposed, lazy=False), plan_convnd(dims, transposed), work=work,
                 equivalent=Equivalent(read_convnd(family, dims, transposed), {family: _FIELDS},
                                       _writer(name, transposed)),
                 recognise=recognise_convnd(dims, transposed), words=WORDS)


def _lazy(name: str, dims: int, transposed: bool, family: str) -> LayerConvention:
    work = Work(positions=INPUT_POSITIONS if transposed else OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,))
    return layer(name, params(transposed, lazy=True), plan_lazy(dims, transposed), work=work,
                 equivalent=Equivalent(read_convnd(family, dims, transposed)), words=WORDS)


CONVENTIONS = (
    layer("Conv1d", (
        Param("in_channels", kind=SIZE), Param("out_channels", kind=SIZE), Param("kernel_size", kind=SHAPE),
        Param("stride", 1, SHAPE), Param("padding", 0, SHAPE), Param("dilation", 1, SHAPE),
        Param("groups", 1, SIZE), Param("bias", True, BOOL),
        Param("padding_mode", "zeros", CHOICE, ("zeros", "reflect", "replicate", "circular"))), plan_conv1d,
        work=Work(positions=OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,)),
        equivalent=Equivalent(conv1d_values,
                              {"conv1d": ("in", "filters", "kernel", "stride", "pad", "groups", "bias")},
                              _write_conv1d),
        recognise=_recognise_conv1d),
    layer("Conv2d", (
        Param("in_channels", kind=SIZE), Param("out_channels", kind=SIZE), Param("kernel_size", kind=SHAPE),
        Param("stride", 1, SHAPE), Param("padding", 0, SHAPE), Param("dilation", 1, SHAPE),
        Param("groups", 1, SIZE), Param("bias", True, BOOL),
        Param("padding_mode", "zeros", CHOICE, ("zeros", "reflect", "replicate", "circular"))), plan_conv2d,
        work=Work(positions=OUTPUT_POSITIONS, keeps=(FOR_WEIGHTS,)),
        equivalent=Equivalent(_read_conv2d, {"conv2d": ("in", "filters", "kh", "kw", "sh", "sw", "pad", "groups",
                                                        "bias")}, _write_conv2d),
        recognise=_recognise_conv2d, words=KERNEL_2D_WORDS),
    _convnd("Conv3d", 3, False, "conv3d"),
    _convnd("ConvTranspose1d", 1, True, "conv1d_t"),
    _convnd("ConvTranspose2d", 2, True, "conv2d_t"),
    _convnd("ConvTranspose3d", 3, True, "conv3d_t"),
    _lazy("LazyConv1d", 1, False, "conv1d"),
    _lazy("LazyConv2d", 2, False, "conv2d"),
    _lazy("LazyConv3d", 3, False, "conv3d"),
    _lazy("LazyConvTranspose1d", 1, True, "conv1d_t"),
    _lazy("LazyConvTranspose2d", 2, True, "conv2d_t"),
    _lazy("LazyConvTranspose3d", 3, True, "conv3d_t"),
)

__all__ = ["CONV1D_TENSORS", "CONV2D_TENSORS", "CONVENTIONS"]
