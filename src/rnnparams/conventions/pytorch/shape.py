"""PyTorch modules that only move numbers: padding (zero, constant, reflection, replication, circular; 1-, 2-
and 3-D), upsampling, pixel and channel shuffles, flatten / unflatten, fold / unfold. No parameters; each
changes the shape as torch does, and refuses what torch refuses. Reflection and replication padding keep
their input for backward; the others keep nothing.
"""

from __future__ import annotations

import math

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec
from ..base import (
    ANY,
    CHOICE,
    FLOAT,
    INT,
    REQUIRED,
    SHAPE,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, make_layer
from ..families import Neutral, neutral
from ..work import INPUT, Keep, Work
from .common import in_or_default, ints
from .table import LAYERS

MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
MODE_RANKS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
"""The interpolating modes and the one input rank each takes (nearest and area take 3-, 4- and 5-D)."""


# --- padding ---------------------------------------------------------------------------------------------------

def plan_pad(dims: int, mode: str) -> PlanFn:
    """(left, right[, top, bottom[, front, back]]) added to the last `dims` axes, last axis first."""
    def plan(ctx: LayerContext) -> LayerPlan:
        name = f"{ctx.name} ({ctx.spec.type})"
        pads = ints(ctx, "padding", 2 * dims, minimum=-(10 ** 12))
        shape = in_or_default(ctx, (None, None, *(None,) * dims))
        if mode == "constant":
            if 2 * dims > 2 * len(shape):
                raise ShapeError(f"{name}: Padding length should be less than or equal to two times the input "
                                 f"dimension but got padding length {2 * dims} and input of dimension {len(shape)}")
        elif len(shape) not in (dims + 1, dims + 2) or any(n == 0 for n in shape[-dims - 1:]):
            raise ShapeError(f"{name}: Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch "
                             f"size and other non-zero dimensions for input, but got: {fmt_shape(shape)}")
        out = list(shape)
        for k in range(dims):
            axis = len(shape) - 1 - k
            left, right = pads[2 * k], pads[2 * k + 1]
            size = shape[axis]
            if size is None:
                continue
            if mode == "reflect" and (left >= size or right >= size):
                raise ShapeError(f"{name}: Argument #4: Padding size should be less than the corresponding input "
                                 f"dimension, but got: padding ({left}, {right}) at dimension {axis} of input "
                                 f"{fmt_shape(shape)}")
            if mode == "circular" and (left > size or right > size):
                raise ShapeError(f"{name}: Padding value causes wrapping around more than once (padding ({left}, "
                                 f"{right}) at dimension {axis} of input {fmt_shape(shape)}).")
            if size + left + right < (0 if mode == "constant" else 1):
                raise ShapeError(f"{name}: The input size {size}, plus negative padding {left} and {right} resulted "
                                 f"in a negative output size, which is invalid. Check dimension {axis} of your input.")
            out[axis] = size + left + right
        return LayerPlan((), freeze(), shape, tuple(out))
    return plan


def _pad(kind: str, dims: int, mode: str) -> LayerConvention:
    params: tuple[Param, ...] = (Param("padding", kind=SHAPE),)
    if kind == "Constant":
        params = (*params, Param("value", REQUIRED, FLOAT))
    keeps = (Keep(INPUT),) if mode in ("reflect", "replicate") else ()
    name = f"{kind}Pad{dims}d"
    return LayerConvention(name, params, plan_pad(dims, mode), name.lower(), frozenset(), work=Work(keeps=keeps),
                           stateless=True)


# --- upsampling ------------------------------------------------------------------------------------------------

def plan_upsample(ctx: LayerContext, mode: str, align: object) -> LayerPlan:
    """F.interpolate on a (N, C, *spatial) input: each side `size`, or ⌊side × scale_factor⌋."""
    name = f"{ctx.name} ({ctx.spec.type})"
    size, scale = ctx.cfg("size"), ctx.cfg("scale_factor")
    if size is not None and scale is not None:
        raise ConfigError(f"{name}: only one of size or scale_factor should be defined")
    if size is None and scale is None:
        raise ConfigError(f"{name}: either size or scale_factor should be defined")
    if align is not None and mode not in MODE_RANKS:
        raise ConfigError(f"{name}: align_corners option can only be set with the interpolating modes: linear | "
                          "bilinear | bicubic | trilinear")
    if size is not None and ctx.spec.get("recompute_scale_factor"):
        raise ConfigError(f"{name}: recompute_scale_factor is not meaningful with an explicit size.")
    shape = in_or_default(ctx, (None, None, None, None) if mode not in MODE_RANKS else (None,) * MODE_RANKS[mode])
    dims = len(shape) - 2
    if dims not in (1, 2, 3):
        raise ShapeError(f"{name}: Input Error: Only 3D, 4D and 5D input Tensors supported (got {len(shape)}D) for "
                         f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got "
                         f"{mode})")
    if mode in MODE_RANKS and MODE_RANKS[mode] != len(shape):
        raise ShapeError(f"{name}: Got {len(shape)}D input, but {mode} mode needs {MODE_RANKS[mode]}D input")
    spatial = shape[2:]
    if size is not None:
        sizes = (size,) * dims if isinstance(size, int) else size
        if not isinstance(sizes, tuple) or len(sizes) != dims:
            raise ShapeError(f"{name}: Input and output must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {list(spatial)} and output size of {size!r}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             "...,oK) format.")
        out = tuple(sizes)
    else:
        factors = (scale,) * dims if isinstance(scale, (int, float)) else scale
        if not isinstance(factors, tuple) or len(factors) != dims:
            raise ShapeError(f"{name}: Input and scale_factor must have the same number of spatial dimensions, but "
                             f"got input with spatial dimensions of {list(spatial)} and scale_factor of shape "
                             f"{scale!r}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             "scale_factor in (s1, s2, ...,sK) format.")
        out = tuple(None if n is None else math.floor(n * float(f)) for n, f in zip(spatial, factors, strict=True))  # type: ignore[arg-type]
    if any(o is not None and (not isinstance(o, int) or o <= 0) for o in out):
        raise ShapeError(f"{name}: Input and output sizes should be greater than 0, but got input {fmt_shape(shape)} "
                         f"and output {out}")
    return LayerPlan((), freeze(), shape, (*shape[:2], *out), feature_axis=1)  # type: ignore[arg-type]


def _plan_upsample(ctx: LayerContext) -> LayerPlan:
    mode = ctx.cfg("mode")
    assert isinstance(mode, str)
    return plan_upsample(ctx, mode, ctx.cfg("align_corners"))


def _plan_nearest2d(ctx: LayerContext) -> LayerPlan:
    return plan_upsample(ctx, "nearest", None)


def _plan_bilinear2d(ctx: LayerContext) -> LayerPlan:
    return plan_upsample(ctx, "bilinear", True)


# --- shuffles, flatten, fold -----------------------------------------------------------------------------------

def plan_pixel_shuffle(ctx: LayerContext) -> LayerPlan:
    """(*, C·r², H, W) -> (*, C, H·r, W·r)."""
    r = ctx.int("upscale_factor")
    shape = in_or_default(ctx, (None, None, None, None))
    if len(shape) < 3:
        raise ShapeError(f"{ctx.name} (PixelShuffle): pixel_shuffle expects input to have at least 3 dimensions, but "
                         f"got input with {len(shape)} dimension(s)")
    c, h, w = shape[-3:]
    if c is not None and c % (r * r):
        raise ShapeError(f"{ctx.name} (PixelShuffle): pixel_shuffle expects its input's 'channel' dimension to be "
                         f"divisible by the square of upscale_factor, but input.size(-3)={c} is not divisible by "
                         f"{r * r}")
    out = (*shape[:-3], None if c is None else c // (r * r), None if h is None else h * r, None if w is None else w * r)
    return LayerPlan((), freeze(), shape, out, feature_axis=-3)


def plan_pixel_unshuffle(ctx: LayerContext) -> LayerPlan:
    """(*, C, H·r, W·r) -> (*, C·r², H, W)."""
    r = ctx.int("downscale_factor")
    shape = in_or_default(ctx, (None, None, None, None))
    if len(shape) < 3:
        raise ShapeError(f"{ctx.name} (PixelUnshuffle): pixel_unshuffle expects input to have at least 3 dimensions, "
                         f"but got input with {len(shape)} dimension(s)")
    c, h, w = shape[-3:]
    for what, axis, n in (("height", -2, h), ("width", -1, w)):
        if n is not None and n % r:
            raise ShapeError(f"{ctx.name} (PixelUnshuffle): pixel_unshuffle expects {what} to be divisible by "
                             f"downscale_factor, but input.size({axis})={n} is not divisible by {r}")
    out = (*shape[:-3], None if c is None else c * r * r, None if h is None else h // r, None if w is None else w // r)
    return LayerPlan((), freeze(), shape, out, feature_axis=-3)


def plan_channel_shuffle(ctx: LayerContext) -> LayerPlan:
    g = ctx.int("groups")
    shape = in_or_default(ctx, (None, None, None))
    if len(shape) < 3:
        raise ShapeError(f"{ctx.name} (ChannelShuffle): channel_shuffle expects input to have at least 3 dimensions, "
                         f"but got input with sizes {fmt_shape(shape)}")
    c = shape[1]
    if c is not None and c % g:
        raise ShapeError(f"{ctx.name} (ChannelShuffle): Number of channels must be divisible by groups. Got {c} "
                         f"channels and {g} groups.")
    return LayerPlan((), freeze(), shape, shape, feature_axis=1)


def _dim(ctx: LayerContext, dim: int, rank: int) -> int:
    bound = max(rank, 1)
    if not -bound <= dim < bound:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Dimension out of range (expected to be in range of "
                         f"[{-bound}, {bound - 1}], but got {dim})")
    return dim % bound


def plan_flatten(ctx: LayerContext) -> LayerPlan:
    shape = in_or_default(ctx, (None, None, None))
    start, end = _dim(ctx, ctx.int("start_dim"), len(shape)), _dim(ctx, ctx.int("end_dim"), len(shape))
    if not shape:
        return LayerPlan((), freeze(), shape, (1,))
    if start > end:
        raise ShapeError(f"{ctx.name} (Flatten): flatten() has invalid args: start_dim cannot come after end_dim")
    part = shape[start:end + 1]
    merged = None if None in part else math.prod(d for d in part if d is not None)
    return LayerPlan((), freeze(), shape, (*shape[:start], merged, *shape[end + 1:]))


def plan_unflatten(ctx: LayerContext) -> LayerPlan:
    raw = ctx.cfg("unflattened_size")
    items = tuple(raw) if isinstance(raw, (tuple, list)) else (raw,) if isinstance(raw, int) else ()
    sizes = tuple(s for s in items if isinstance(s, int) and not isinstance(s, bool))
    if not sizes or len(sizes) != len(items):
        raise ConfigError(f"{ctx.name} (Unflatten): unflattened_size must be a tuple of ints (got {raw!r})")
    if sum(1 for s in sizes if s == -1) > 1:
        raise ConfigError(f"{ctx.name} (Unflatten): only one dimension can be inferred")
    shape = in_or_default(ctx, (None, math.prod(s for s in sizes if s > 0) if -1 not in sizes else None))
    axis = _dim(ctx, ctx.int("dim"), len(shape))
    size = shape[axis]
    known = math.prod(s for s in sizes if s != -1)
    out_sizes: list[int | None] = list(sizes)
    if size is not None:
        if -1 in sizes:
            if known == 0 or size % known:
                raise ShapeError(f"{ctx.name} (Unflatten): unflatten: Provided sizes {list(sizes)} don't multiply up "
                                 f"to the size of dim {axis} ({size}) in the input tensor")
            out_sizes[sizes.index(-1)] = size // known
        elif known != size:
            raise ShapeError(f"{ctx.name} (Unflatten): unflatten: Provided sizes {list(sizes)} don't multiply up to "
                             f"the size of dim {axis} ({size}) in the input tensor")
    elif -1 in sizes:
        out_sizes[sizes.index(-1)] = None
    return LayerPlan((), freeze(), shape, (*shape[:axis], *out_sizes, *shape[axis + 1:]))


def _blocks(ctx: LayerContext, sides: tuple[int, ...], kernel: tuple[int, ...], dilation: tuple[int, ...],
            pads: tuple[int, ...], stride: tuple[int, ...]) -> tuple[int, ...]:
    blocks = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                   for n, k, d, p, s in zip(sides, kernel, dilation, pads, stride, strict=True))
    if any(b <= 0 for b in blocks):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Given input with spatial size {sides}, kernel_size="
                         f"{kernel}, dilation={dilation}, padding={pads}, calculated shape of the array of sliding "
                         f"blocks as {blocks}, but its components must be at least one.")
    return blocks


def _fold_args(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    return (ints(ctx, "kernel_size", 2), ints(ctx, "dilation", 2), ints(ctx, "padding", 2, 0),
            ints(ctx, "stride", 2))


def plan_unfold(ctx: LayerContext) -> LayerPlan:
    """(N, C, H, W) -> (N, C·∏kernel, L), L the number of sliding blocks."""
    kernel, dilation, pads, stride = _fold_args(ctx)
    shape = in_or_default(ctx, (None, None, None, None))
    if len(shape) not in (3, 4):
        raise ShapeError(f"{ctx.name} (Unfold): Input Error: Only 3D or 4D input Tensors are supported (got "
                         f"{len(shape)}D)")
    c, h, w = shape[-3:]
    blocks = None if h is None or w is None else math.prod(_blocks(ctx, (h, w), kernel, dilation, pads, stride))
    out = (*shape[:-3], None if c is None else c * math.prod(kernel), blocks)
    return LayerPlan((), freeze(), shape, out, feature_axis=-2)


def plan_fold(ctx: LayerContext) -> LayerPlan:
    """(N, C·∏kernel, L) -> (N, C, *output_size): the blocks summed back into an image."""
    sides = ints(ctx, "output_size", 2)
    kernel, dilation, pads, stride = _fold_args(ctx)
    blocks = _blocks(ctx, sides, kernel, dilation, pads, stride)
    shape = in_or_default(ctx, (None, None, math.prod(blocks)))
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} (Fold): Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                         f"supported (got {len(shape)}D)")
    ck, n = shape[-2:]
    if ck is not None and ck % math.prod(kernel):
        raise ShapeError(f"{ctx.name} (Fold): Expected size of input's dimension {len(shape) - 2} to be divisible by "
                         f"the product of kernel_size, but got input.size({len(shape) - 2})={ck} and "
                         f"kernel_size={kernel}")
    if n is not None and n != math.prod(blocks):
        raise ShapeError(f"{ctx.name} (Fold): Given output_size={sides}, kernel_size={kernel}, dilation={dilation}, "
                         f"padding={pads}, stride={stride}, expected size of input's dimension {len(shape) - 1} to "
                         f"match the calculated number of sliding blocks {' * '.join(map(str, blocks))} = "
                         f"{math.prod(blocks)}, but got input.size({len(shape) - 1})={n}.")
    out = (*shape[:-2], None if ck is None else ck // math.prod(kernel), *sides)
    return LayerPlan((), freeze(), shape, out, feature_axis=len(shape) - 2)


def _write_flatten(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Flatten"),), None


def _read_flatten(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    return neutral("flatten")


def _free(name: str, params: tuple[Param, ...], plan: PlanFn,
          equivalent: Equivalent | None = None) -> LayerConvention:
    return LayerConvention(name, params, plan, name.lower(), frozenset(), equivalent=equivalent or Equivalent(),
                           stateless=True)


UPSAMPLE_SIZE = (Param("size", None, SHAPE), Param("scale_factor", None, ANY))
FOLD = (Param("kernel_size", kind=SHAPE), Param("dilation", 1, SHAPE), Param("padding", 0, SHAPE),
        Param("stride", 1, SHAPE))

CONVENTIONS = (
    *(_pad(kind, d, mode) for kind, mode in (("Zero", "constant"), ("Constant", "constant"), ("Reflection", "reflect"),
                                             ("Replication", "replicate"), ("Circular", "circular"))
      for d in (1, 2, 3)),
    _free("Upsample", (*UPSAMPLE_SIZE, Param("mode", "nearest", CHOICE, MODES), Param("align_corners", None, ANY),
                       Param("recompute_scale_factor", None, ANY)), _plan_upsample),
    _free("UpsamplingNearest2d", UPSAMPLE_SIZE, _plan_nearest2d),
    _free("UpsamplingBilinear2d", UPSAMPLE_SIZE, _plan_bilinear2d),
    _free("PixelShuffle", (Param("upscale_factor", kind=SIZE),), plan_pixel_shuffle),
    _free("PixelUnshuffle", (Param("downscale_factor", kind=SIZE),), plan_pixel_unshuffle),
    _free("ChannelShuffle", (Param("groups", kind=SIZE),), plan_channel_shuffle),
    _free("Flatten", (Param("start_dim", 1, INT), Param("end_dim", -1, INT)), plan_flatten,
          Equivalent(_read_flatten, {"flatten": ()}, _write_flatten)),
    _free("Unflatten", (Param("dim", kind=INT), Param("unflattened_size", kind=SHAPE)), plan_unflatten),
    _free("Fold", (Param("output_size", kind=SHAPE), *FOLD), plan_fold),
    _free("Unfold", FOLD, plan_unfold),
)

__all__ = ["CONVENTIONS"]
