"""PyTorch pooling: no parameters. Max, average and power-average (LP) pooling over a window, adaptive pooling to
a given output size, fractional max pooling, and max unpooling; 1-, 2- and 3-D, each on a batched (N, C, *) or
an unbatched (C, *) input.

Output sides follow ATen's pooling_output_shape: ⌊(L + 2·padding − dilation·(K − 1) − 1 + (ceil_mode ? stride
− 1 : 0)) / stride⌋ + 1, one less with ceil_mode when the last window would start past the input and its left
padding. Max pooling keeps its input and the argmax of every output number (int64) for backward, average pooling
its input; every output number reads its window (W numbers), one FLOP each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape, Value
from ..base import (
    BOOL,
    FLOAT,
    INT,
    REQUIRED,
    SHAPE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    Reader,
    Writer,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, NoEquivalent, make_layer
from ..families import Neutral, neutral
from ..work import INDICES, INPUT, INPUT_SIZED, OUTPUT_INDICES, OUTPUT_POSITIONS, OUTPUT_SIZED, Keep, Work
from .common import ints, nonempty
from .table import LAYERS

WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({"W": ("window size (kernel elements)", "窗口大小(核元素数)")})
MAX_WORK = Work(positions=OUTPUT_POSITIONS, window="W", keeps=(Keep(INPUT), Keep(OUTPUT_INDICES)))
AVG_WORK = Work(positions=OUTPUT_POSITIONS, window="W", keeps=(Keep(INPUT),))
LP_WORK = Work(positions=OUTPUT_POSITIONS, window="W", per_number=(1, 1),
               keeps=(Keep(INPUT), Keep(INPUT_SIZED), Keep(OUTPUT_SIZED, copies=4)))
"""x^p (one per number), the average over the window, then (·)^(1/p): it keeps the input, x^p and four
output-sized tensors (the average, its relu, its sign and their product)."""


def check_rank(ctx: LayerContext, shape: Shape, dims: int) -> None:
    if len(shape) not in (dims + 1, dims + 2):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Expected {dims + 1}D or {dims + 2}D (batch mode) tensor "
                         f"for input, but got input of shape {fmt_shape(shape)}.")
    nonempty(ctx, shape, dims)


def default_shape(ctx: LayerContext, dims: int) -> Shape:
    return ctx.in_shape if ctx.in_shape is not None else (None, None, *(None,) * dims)


def window_side(length: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """ATen's pooling_output_shape."""
    out = (length + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= length + p:
        out -= 1
    return out


def plan_window(dims: int, kind: str) -> PlanFn:
    """MaxPool*d ("max"), AvgPool*d ("avg") and LPPool*d ("lp", no padding)."""
    def plan(ctx: LayerContext) -> LayerPlan:
        name = f"{ctx.name} ({ctx.spec.type})"
        kernel = ints(ctx, "kernel_size", dims)
        stride_raw = ctx.cfg("stride")
        stride = kernel if stride_raw is None or stride_raw == () else ints(ctx, "stride", dims)
        pads = ints(ctx, "padding", dims, 0) if kind != "lp" else (0,) * dims
        dilation = ints(ctx, "dilation", dims) if kind == "max" else (1,) * dims
        if any(2 * p > k for p, k in zip(pads, kernel, strict=True)):
            raise ConfigError(f"{name}: pad should be at most half of effective kernel size, but got pad={pads} and "
                              f"kernel_size={kernel}.")
        if kind == "avg" and ctx.spec.get("divisor_override") == 0:
            raise ConfigError(f"{name}: divisor must be not zero.")
        shape = default_shape(ctx, dims)
        check_rank(ctx, shape, dims)
        ceil = bool(ctx.cfg("ceil_mode"))
        if dims == 3 and kind in ("avg", "lp") and any(n is not None and n < k for n, k in zip(
                shape[-3:], kernel, strict=True)):  # ATen's avg_pool3d checks the unpadded input
            t, h, w = ("?" if n is None else n for n in shape[-3:])
            raise ShapeError(f"{name}: input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kernel[0]} "
                             f"kH: {kernel[1]} kW: {kernel[2]})")
        sides: list[int | None] = []
        for length, k, s, p, d in zip(shape[-dims:], kernel, stride, pads, dilation, strict=True):
            sides.append(None if length is None else window_side(length, k, s, p, d, ceil))
        if any(o is not None and o <= 0 for o in sides):
            raise ShapeError(f"{name}: Given input size: ({'x'.join('?' if n is None else str(n) for n in shape[1:])}"
                             f"). Calculated output size: ({'x'.join('?' if n is None else str(n) for n in sides)}). "
                             "Output size is too small.")
        return _pooled(ctx, shape, dims, tuple(sides), math.prod(kernel))
    return plan


def _pooled(ctx: LayerContext, shape: Shape, dims: int, sides: tuple[int | None, ...], window: int) -> LayerPlan:
    out = (*shape[:-dims], *sides)
    states = {"indices": out} if ctx.spec.get("return_indices") else {}
    bindings = freeze({"W": window}) if window else freeze()
    return LayerPlan((), bindings, shape, out, freeze(states), feature_axis=-dims - 1)


def plan_adaptive(dims: int) -> PlanFn:
    """AdaptiveAvgPool*d / AdaptiveMaxPool*d: the output's sides are `output_size` (None: the input's side)."""
    def plan(ctx: LayerContext) -> LayerPlan:
        raw = ctx.cfg("output_size")
        sizes = (raw,) * dims if raw is None or isinstance(raw, int) else raw
        if not isinstance(sizes, tuple) or len(sizes) != dims or not all(
                v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0) for v in sizes):
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): output_size must be an int or a tuple of {dims} ints "
                              f"(or None) (got {raw!r}).")
        shape = default_shape(ctx, dims)
        check_rank(ctx, shape, dims)
        if any(n == 0 for n in shape[-dims:]):
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): expected input to have non-zero size for non-batch "
                             f"dimensions, but input has sizes {fmt_shape(shape)}.")
        sides = tuple(length if size is None else size for size, length in zip(sizes, shape[-dims:], strict=True))
        return _pooled(ctx, shape, dims, sides, 0)  # type: ignore[arg-type]
    return plan


def plan_fractional(dims: int) -> PlanFn:
    """FractionalMaxPool*d: `output_size`, or the input's sides times `output_ratio`; the windows must fit."""
    def plan(ctx: LayerContext) -> LayerPlan:
        name = f"{ctx.name} ({ctx.spec.type})"
        kernel = ints(ctx, "kernel_size", dims)
        size, ratio = ctx.cfg("output_size"), ctx.cfg("output_ratio")
        if size is None and ratio is None:
            raise ConfigError(f"{name}: FractionalMaxPool{dims}d requires specifying either an output size, or a "
                              "pooling ratio")
        if size is not None and ratio is not None:
            raise ConfigError(f"{name}: only one of output_size and output_ratio may be specified")
        ratios: tuple[float, ...] = ()
        if ratio is not None:
            ratios = (ratio,) * dims if isinstance(ratio, (int, float)) else tuple(ratio)  # type: ignore[arg-type]
            if len(ratios) != dims or not all(isinstance(r, (int, float)) and 0 < r < 1 for r in ratios):
                raise ConfigError(f"{name}: output_ratio must be between 0 and 1 (got {ratio!r})")
        shape = default_shape(ctx, dims)
        check_rank(ctx, shape, dims)
        wanted = ints(ctx, "output_size", dims) if size is not None else None
        sides: list[int | None] = []
        for k, (axis, length) in enumerate(zip("DHW"[3 - dims:], shape[-dims:], strict=True)):
            side = wanted[k] if wanted is not None else None if length is None else int(length * ratios[k])
            if side is not None and length is not None and side + kernel[k] - 1 > length:
                what = {"D": "time", "H": "height", "W": "width"}[axis]
                raise ShapeError(f"{name}: fractional_max_pool{dims}d(): pool {what} {kernel[k]} too large relative "
                                 f"to input {what} {length}")
            sides.append(side)
        return _pooled(ctx, shape, dims, tuple(sides), math.prod(kernel))
    return plan


def plan_unpool(dims: int) -> PlanFn:
    """MaxUnpool*d puts every number back where its max pooling found it: each side (L − 1)·stride − 2·padding
    + kernel (the indices come from a MaxPool*d(return_indices=True) of the same window)."""
    def plan(ctx: LayerContext) -> LayerPlan:
        kernel = ints(ctx, "kernel_size", dims)
        stride = kernel if ctx.cfg("stride") is None else ints(ctx, "stride", dims)
        pads = ints(ctx, "padding", dims, 0)
        shape = default_shape(ctx, dims)
        check_rank(ctx, shape, dims)
        sides = tuple(None if n is None else (n - 1) * s - 2 * p + k
                      for n, k, s, p in zip(shape[-dims:], kernel, stride, pads, strict=True))
        if any(o is not None and o <= 0 for o in sides):
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the output would have sides {sides}: too small.")
        return _pooled(ctx, shape, dims, sides, 0)
    return plan


# --- equivalents --------------------------------------------------------------------------------------------

def _read_pool(family: str, op: str, dims: int) -> Reader:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        def same(key: str, default: Value) -> int:
            value = spec.get(key, default)
            if value is None:
                value = spec.get("kernel_size")
            values = {value} if isinstance(value, int) else set(value) if isinstance(value, tuple) else {None}
            if len(values) != 1 or not isinstance(next(iter(values)), int):
                raise NoEquivalent(f"the {family} family has one window size and stride for every axis; this "
                                   f"{spec.type} has {key}={value!r}")
            return next(iter(values))  # type: ignore[return-value]
        if same("padding", 0) or spec.get("dilation", 1) not in (1, (1,) * dims) or spec.get("ceil_mode"):
            raise NoEquivalent(f"the {family} family describes unpadded windows without dilation or ceil_mode")
        size, stride = same("kernel_size", None), same("stride", None)
        return neutral(family, op=op, size=size, stride=0 if stride == size else stride)
    return read


def _write_pool(dims: int) -> Writer:
    def write(n: Neutral) -> Built:
        name = f"{'Max' if n.get('op') == 'max' else 'Avg'}Pool{dims}d"
        stride = n.int("stride") or None
        return (make_layer(LAYERS, name, kernel_size=n.int("size"), stride=stride),), None
    return write


def _pool(name: str, params: tuple[Param, ...], plan: PlanFn, work: Work,
          equivalent: Equivalent | None = None) -> LayerConvention:
    return LayerConvention(name, params, plan, name.lower(), frozenset(), work=work,
                           equivalent=equivalent or Equivalent(), words=WORDS, stateless=True)


def _max(dims: int) -> LayerConvention:
    family = {1: "pool1d", 2: "pool2d"}.get(dims)
    writes = {family: ("op", "size", "stride")} if family else {}
    equivalent = Equivalent(_read_pool(family, "max", dims), writes, _write_pool(dims)) if family else None
    return _pool(f"MaxPool{dims}d", (Param("kernel_size", REQUIRED, SHAPE), Param("stride", None, SHAPE),
                                     Param("padding", 0, SHAPE), Param("dilation", 1, SHAPE),
                                     Param("return_indices", False, BOOL), Param("ceil_mode", False, BOOL)),
                 plan_window(dims, "max"), MAX_WORK, equivalent)


def _avg(dims: int) -> LayerConvention:
    family = {1: "pool1d", 2: "pool2d"}.get(dims)
    override = (Param("divisor_override", None, INT),) if dims > 1 else ()
    return _pool(f"AvgPool{dims}d", (Param("kernel_size", REQUIRED, SHAPE), Param("stride", None, SHAPE),
                                     Param("padding", 0, SHAPE), Param("ceil_mode", False, BOOL),
                                     Param("count_include_pad", True, BOOL), *override),
                 plan_window(dims, "avg"), AVG_WORK,
                 Equivalent(_read_pool(family, "avg", dims)) if family else None)


def _lp(dims: int) -> LayerConvention:
    return _pool(f"LPPool{dims}d", (Param("norm_type", REQUIRED, FLOAT), Param("kernel_size", REQUIRED, SHAPE),
                                    Param("stride", None, SHAPE), Param("ceil_mode", False, BOOL)),
                 plan_window(dims, "lp"), LP_WORK)


def _adaptive(dims: int, op: str) -> LayerConvention:
    if op == "max":
        return _pool(f"AdaptiveMaxPool{dims}d", (Param("output_size", REQUIRED, SHAPE),
                                                 Param("return_indices", False, BOOL)), plan_adaptive(dims),
                     Work(per_number=(1, 1), keeps=(Keep(INPUT), Keep(OUTPUT_INDICES))))
    return _pool(f"AdaptiveAvgPool{dims}d", (Param("output_size", REQUIRED, SHAPE),), plan_adaptive(dims),
                 Work(per_number=(1, 1), keeps=(Keep(INPUT),)))


def _fractional(dims: int) -> LayerConvention:
    return _pool(f"FractionalMaxPool{dims}d", (
        Param("kernel_size", REQUIRED, SHAPE), Param("output_size", None, SHAPE), Param("output_ratio", None),
        Param("return_indices", False, BOOL), Param("_random_samples", None)), plan_fractional(dims), MAX_WORK)


def _unpool(dims: int) -> LayerConvention:
    return _pool(f"MaxUnpool{dims}d", (Param("kernel_size", REQUIRED, SHAPE), Param("stride", None, SHAPE),
                                       Param("padding", 0, SHAPE)), plan_unpool(dims),
                 Work(keeps=(Keep(INDICES),)))


CONVENTIONS = (
    *(_max(d) for d in (1, 2, 3)), *(_avg(d) for d in (1, 2, 3)), *(_lp(d) for d in (1, 2, 3)),
    *(_adaptive(d, "avg") for d in (1, 2, 3)), *(_adaptive(d, "max") for d in (1, 2, 3)),
    _fractional(2), _fractional(3), *(_unpool(d) for d in (1, 2, 3)),
)

__all__ = ["CONVENTIONS", "check_rank", "window_side"]
