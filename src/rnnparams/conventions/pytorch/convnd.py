"""N-d convolutions written once for every rank: nn.Conv3d, nn.ConvTranspose1d/2d/3d and the Lazy* modules that
infer their input channels from the first input.

A convolution's weight is (out_channels, in_channels/groups, *kernel); a transposed convolution's is
(in_channels, out_channels/groups, *kernel), and its output grows: (L − 1)·stride − 2·padding +
dilation·(K − 1) + output_padding + 1 on every side. Both take a batched (N, C, *spatial) or an unbatched
(C, *spatial) input.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError, FeatureMismatch, ShapeError
from ...spec import LayerSpec, Shape, frozen_mapping
from ...symbolic import Expr, Sym
from ..base import (
    BOOL,
    CHOICE,
    SHAPE,
    SIZE,
    LayerContext,
    LayerPlan,
    Param,
    PlanFn,
    Reader,
    Recognised,
    Recogniser,
    TensorGroup,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import NoEquivalent, has_bias, need
from ..families import Neutral, neutral
from ..recognise import only, rank
from .common import C, O, ints, nonempty

KERNELS = {1: ("K",), 2: ("K_h", "K_w"), 3: ("K_d", "K_h", "K_w")}
"""The kernel's symbols by rank (K for one axis, as nn.Conv1d has it)."""
WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "K_d": ("kernel depth", "卷积核深度"), "K_h": ("kernel height", "卷积核高度"),
    "K_w": ("kernel width", "卷积核宽度"),
    "O_g": ("output channels per group", "每组输出通道数")})
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
TRANSPOSED_HINTS = ("deconv", "transpose", "convt", "tconv", "upconv", "up_conv")
"""Path words that say a checkpoint's weight is a transposed convolution's (its shape alone cannot)."""


def templates(dims: int, transposed: bool) -> tuple[TensorTemplate, ...]:
    kernel = tuple(Sym(k) for k in KERNELS[dims])
    first: tuple[Expr, ...] = (C, Sym("O_g")) if transposed else (O, Sym("C_g"))
    return (TensorTemplate("weight", (*first, *kernel), "weight"),
            TensorTemplate("bias", (O,), "bias", when="bias"))


def params(transposed: bool, lazy: bool) -> tuple[Param, ...]:
    """The constructor as torch writes it: ConvTranspose puts output_padding before groups and dilation last."""
    head: tuple[Param, ...] = (Param("out_channels", kind=SIZE), Param("kernel_size", kind=SHAPE),
                               Param("stride", 1, SHAPE),
            Param("padding", 0, SHAPE))
    if not lazy:
        head = (Param("in_channels", kind=SIZE), *head)
    mode = Param("padding_mode", "zeros", CHOICE, PADDING_MODES)
    if transposed:
        return (*head, Param("output_padding", 0, SHAPE), Param("groups", 1, SIZE), Param("bias", True, BOOL),
                Param("dilation", 1, SHAPE), mode)
    return (*head, Param("dilation", 1, SHAPE), Param("groups", 1, SIZE), Param("bias", True, BOOL), mode)


def plan_convnd(dims: int, transposed: bool) -> PlanFn:
    def plan(ctx: LayerContext) -> LayerPlan:
        return conv_plan(ctx, dims, transposed)
    return plan


def conv_plan(ctx: LayerContext, dims: int, transposed: bool) -> LayerPlan:
    name = f"{ctx.name} ({ctx.spec.type})"
    c_in, c_out, groups = ctx.int("in_channels"), ctx.int("out_channels"), ctx.int("groups")
    kernel, stride, dilation = ints(ctx, "kernel_size", dims), ints(ctx, "stride", dims), ints(ctx, "dilation", dims)
    if c_in % groups:
        raise ConfigError(f"{name}: in_channels must be divisible by groups (in_channels={c_in}, groups={groups}).")
    if c_out % groups:
        raise ConfigError(f"{name}: out_channels must be divisible by groups (out_channels={c_out}, "
                          f"groups={groups}).")
    padding = ctx.cfg("padding")
    if transposed and ctx.cfg("padding_mode") != "zeros":
        raise ConfigError(f"{name}: Only \"zeros\" padding mode is supported for {ctx.spec.type}.")
    if isinstance(padding, str):
        if transposed:
            raise ConfigError(f"{name}: padding must be an int or a tuple of ints: transposed convolutions take no "
                              f"padding string (got {padding!r}).")
        if padding not in ("same", "valid"):
            raise ConfigError(f"{name}: Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}.")
        if padding == "same" and any(s != 1 for s in stride):
            raise ConfigError(f"{name}: padding='same' is not supported for strided convolutions.")
    pads = (0,) * dims if isinstance(padding, str) else ints(ctx, "padding", dims, 0)
    extra = ints(ctx, "output_padding", dims, 0) if transposed else (0,) * dims
    shape = ctx.in_shape if ctx.in_shape is not None else (None, c_in, *(None,) * dims)
    if len(shape) not in (dims + 1, dims + 2):
        raise ShapeError(f"{name}: Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to "
                         f"conv{'_transpose' if transposed else ''}{dims}d, but got input of size: {fmt_shape(shape)}.")
    nonempty(ctx, shape, dims)
    channels = shape[-dims - 1]
    if channels is not None and channels != c_in:
        raise FeatureMismatch(f"{name}: expects (N, C, {', '.join('DHW'[3 - dims:])}) input with C = in_channels = "
                              f"{c_in}, but its input has shape {fmt_shape(shape)}. PyTorch convolutions are "
                              "channels-first.", ctx.spec, "in_channels", channels)
    sides = _sides(ctx, shape[-dims:], kernel, stride, dilation, pads, extra, transposed, padding == "same")
    per_group = "O_g" if transposed else "C_g"
    whole = O if transposed else C
    split = groups > 1
    tensors = expand(templates(dims, transposed), flags={"bias": bool(ctx.cfg("bias"))},
                     subs=None if split else {per_group: whole})
    bindings = {"C": c_in, "O": c_out, **dict(zip(KERNELS[dims], kernel, strict=True))}
    if split:
        bindings[per_group] = (c_out if transposed else c_in) // groups
    return LayerPlan(tuple(tensors), freeze(bindings), shape, (*shape[:-dims - 1], c_out, *sides),
                     features=("C", O), feature_axis=-dims - 1)


def _sides(ctx: LayerContext, lengths: Shape, kernel: tuple[int, ...], stride: tuple[int, ...],
           dilation: tuple[int, ...], pads: tuple[int, ...], extra: tuple[int, ...], transposed: bool,
           same: bool) -> list[int | None]:
    name = f"{ctx.name} ({ctx.spec.type})"
    out: list[int | None] = []
    for q, s, d in zip(extra, stride, dilation, strict=True):
        if transposed and q >= s and q >= d:
            raise ConfigError(f"{name}: output padding must be smaller than either stride or dilation, but got "
                              f"output_padding={extra}, stride={stride}, dilation={dilation}.")
    for length, k, s, d, p, q in zip(lengths, kernel, stride, dilation, pads, extra, strict=True):
        if length is None:
            out.append(None)
        elif transposed:
            out.append((length - 1) * s - 2 * p + d * (k - 1) + q + 1)
        elif same:
            out.append(length)
        else:
            out.append((length + 2 * p - d * (k - 1) - 1) // s + 1)
    # A side of 0 or less: torch's own kernels refuse it; oneDNN, which torch takes or not by threads and kernel size,
    # returns an empty tensor instead. An empty output is never a model, so it is refused as torch's kernels do.
    if transposed and any(o is not None and o < 1 for o in out):
        raise ShapeError(f"{name}: Given input size per channel: ({' x '.join(map(str, lengths))}). Calculated output "
                         f"size: ({' x '.join(map(str, out))}). Output size is too small.")
    if not transposed and not same and any(length is not None and length + 2 * p < d * (k - 1) + 1
                                           for length, k, d, p in zip(lengths, kernel, dilation, pads, strict=True)):
        padded = " x ".join("?" if n is None else str(n + 2 * p) for n, p in zip(lengths, pads, strict=True))
        extent = " x ".join(str(d * (k - 1) + 1) for k, d in zip(kernel, dilation, strict=True))
        raise ShapeError(f"{name}: Calculated padded input size per channel: ({padded}). Kernel size: ({extent}). "
                         "Kernel size can't be greater than actual input size.")
    return out


def plan_lazy(dims: int, transposed: bool) -> PlanFn:
    """LazyConv*d: in_channels is the size of the first input's channel axis, so the input shape must be known."""
    def plan(ctx: LayerContext) -> LayerPlan:
        shape = ctx.in_shape
        channels = shape[-dims - 1] if shape is not None and len(shape) in (dims + 1, dims + 2) else None
        if shape is not None and len(shape) not in (dims + 1, dims + 2):
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Expected {dims + 1}D (unbatched) or {dims + 2}D "
                             f"(batched) input, but got input of size: {fmt_shape(shape)}.")
        if channels is None:
            raise ConfigError(lazy_message(ctx, "in_channels", f"C,{','.join('DHW'[3 - dims:])}"))
        spec = replace(ctx.spec, config=frozen_mapping({**ctx.spec.config, "in_channels": channels}))
        return conv_plan(replace(ctx, spec=spec), dims, transposed)
    return plan


def lazy_message(ctx: LayerContext, what: str, shape: str) -> str:
    return (f"{ctx.name} ({ctx.spec.type}) infers {what} from its first input, whose shape is not known here: give "
            f"it with --input-shape {shape} (input_shape= in Python), or put a layer before it that fixes it")


# --- equivalents --------------------------------------------------------------------------------------------

def read_convnd(family: str, dims: int, transposed: bool) -> Reader:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        b = plan.bindings
        kernel = {b[k] for k in KERNELS[dims]}
        stride = spec.get("stride", 1)
        strides = {stride} if isinstance(stride, int) else set(stride) if isinstance(stride, tuple) else {1}
        if len(kernel) > 1 or len(strides) > 1:
            raise NoEquivalent(f"the {family} family describes equal kernel sizes and strides on every axis; this "
                               f"{spec.type} has kernel {tuple(b[k] for k in KERNELS[dims])} and stride {stride}")
        per_group = "O_g" if transposed else "C_g"
        groups = (b["O"] if transposed else b["C"]) // b[per_group] if per_group in b else 1
        pad = "same" if spec.get("padding") == "same" else "valid"
        return neutral(family, **{"in": b["C"]}, filters=b["O"], kernel=kernel.pop(), stride=strides.pop(), pad=pad,
                       groups=groups, bias=has_bias(plan))
    return read


def write_values(n: Neutral, transposed: bool) -> dict[str, object]:
    """A family's values as a torch convolution's arguments; 'same' padding of a transposed convolution as the
    padding and output_padding that give an output of input × stride."""
    k, s = n.int("kernel"), n.int("stride")
    config: dict[str, object] = {"in_channels": n.int("in"), "out_channels": n.int("filters"), "kernel_size": k,
                                 "stride": s, "groups": n.int("groups"), "bias": n.flag("bias")}
    if n.get("pad") == "same":
        if transposed:
            p = max(0, (k - s + 1) // 2)
            config.update(padding=p, output_padding=2 * p - (k - s))
        else:
            need(s == 1, "PyTorch convolutions take padding='same' only with stride 1")
            config["padding"] = "same"
    return config


# --- checkpoint naming --------------------------------------------------------------------------------------

def looks_transposed(group: TensorGroup, dims: int) -> bool:
    """A transposed convolution's bias is as long as its weight's second axis times the groups, a convolution's
    as its first axis: a bias of another length than weight[0], or a path that says so."""
    weight = rank(group, "weight", dims + 2)
    bias = group.leaves.get("bias")
    if weight is not None and bias is not None and len(bias) == 1 and bias[0] != weight[0]:
        return True
    return any(h in group.path.lower() for h in TRANSPOSED_HINTS)


def recognise_convnd(dims: int, transposed: bool) -> Recogniser:
    def recognise(group: TensorGroup) -> Recognised | None:
        weight = rank(group, "weight", dims + 2)
        if weight is None or not only(group, templates(dims, transposed), ("weight",)) or \
                looks_transposed(group, dims) != transposed:
            return None
        kernel = weight[2:] if dims > 1 else weight[2]
        bias = group.leaves.get("bias")
        if not transposed:
            return Recognised({"in_channels": weight[1], "out_channels": weight[0], "kernel_size": kernel,
                               "bias": bias is not None})
        out = bias[0] if bias is not None and len(bias) == 1 else weight[1]
        if out % weight[1] or weight[0] % (out // weight[1]):
            return None
        return Recognised({"in_channels": weight[0], "out_channels": out, "kernel_size": kernel,
                           "groups": out // weight[1], "bias": bias is not None})
    return recognise


__all__ = ["KERNELS", "WORDS", "conv_plan", "lazy_message", "looks_transposed", "params", "plan_convnd", "plan_lazy",
           "read_convnd", "recognise_convnd", "templates", "write_values"]
