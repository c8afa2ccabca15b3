"""Keras reshaping layers, none with weights: Flatten, RepeatVector, Reshape, Permute, Cropping1D/2D/3D,
ZeroPadding1D/2D/3D and UpSampling1D/2D/3D, with Keras' own output shapes and refusals."""

from __future__ import annotations

from collections.abc import Callable

from ...errors import ConfigError, ShapeError
from ...spec import Shape, Value
from ..base import CHOICE, SHAPE, SIZE, LayerContext, LayerPlan, Param, fmt_shape, freeze, require_rank
from ..equivalents import Built, Equivalent, make_layer, neutral
from ..families import Neutral
from .common import Table, given_input, int_tuple, layer, missing_input
from .conv import sizes

FORMATS = ("channels_last", "channels_first", None)
ORDINALS = ("1st", "2nd", "3rd")


def plan_flatten(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    rest = ctx.in_shape[1:]
    size: int | None = 1
    for d in rest:
        size = None if d is None or size is None else size * d
    return LayerPlan((), freeze(), ctx.in_shape, (ctx.in_shape[0], size))


def plan_repeat_vector(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, (2,), "2-D (batch, features)")
    return LayerPlan((), freeze(), shape, (shape[0], ctx.int("n"), shape[1]))


def _product(dims: tuple[int | None, ...]) -> int | None:
    size: int | None = 1
    for d in dims:
        size = None if d is None or size is None else size * d
    return size


def plan_reshape(ctx: LayerContext) -> LayerPlan:
    """Keras' compute_reshape_output_shape: one -1 is inferred when every input size is known."""
    shape = given_input(ctx)
    given = ctx.cfg("target_shape")
    target = (given,) if isinstance(given, int) and not isinstance(given, bool) else int_tuple(given)
    name = f"{ctx.name} (Reshape)"
    if target is None or not all(d > 0 or d == -1 for d in target) or target.count(-1) > 1:
        raise ConfigError(f"{name}: target_shape must be a tuple of positive sizes with at most one -1 (got "
                          f"{ctx.cfg('target_shape')!r}).")
    size = _product(shape[1:])
    known = _product(tuple(d for d in target if d != -1))
    assert known is not None
    out: tuple[int | None, ...]
    if size is None:
        out = tuple(None if d == -1 else d for d in target)
    elif -1 in target:
        if size % known:
            raise ShapeError(f"{name}: the total size of the tensor must be unchanged: an input of "
                             f"{fmt_shape(shape[1:])} ({size:,} numbers) cannot be reshaped to {target}.")
        out = tuple(size // known if d == -1 else d for d in target)
    elif size != known:
        raise ShapeError(f"{name}: the total size of the tensor must be unchanged. Received: input_shape="
                         f"{fmt_shape(shape[1:])}, target_shape={target}.")
    else:
        out = target
    return LayerPlan((), freeze(), shape, (shape[0], *out))


def plan_permute(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    dims = ctx.cfg("dims")
    if not isinstance(dims, tuple) or sorted(d for d in dims if isinstance(d, int)) != list(range(1, len(dims) + 1)):
        raise ConfigError(f"{ctx.name} (Permute): Invalid permutation argument `dims` for Permute Layer. The set of "
                          f"indices in `dims` must be consecutive and start from 1. Received dims={dims!r}")
    shape = require_rank(ctx, (len(dims) + 1,), f"{len(dims) + 1}-D")
    return LayerPlan((), freeze(), shape, (shape[0], *(shape[d] for d in dims if isinstance(d, int))))


def amounts(ctx: LayerContext, key: str, rank: int) -> tuple[tuple[int, int], ...]:
    """A cropping or padding argument as (before, after) per spatial axis: an int, one pair per axis, or (for
    rank 1) one pair."""
    value: Value = ctx.cfg(key)
    if rank == 1:
        pair = sizes(ctx, key, 2, minimum=0)
        return ((pair[0], pair[1]),)
    name = f"{ctx.name} ({ctx.spec.type})"
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ConfigError(f"{name}: `{key}` cannot be negative. Received: {key}={value}.")
        return ((value, value),) * rank
    if not isinstance(value, tuple) or len(value) != rank:
        raise ConfigError(f"{name}: `{key}` should have {rank} elements. Received: {key}={value!r}.")
    out = []
    for axis, entry in enumerate(value):
        both = (entry, entry) if isinstance(entry, int) and not isinstance(entry, bool) else int_tuple(entry)
        if both is None or len(both) != 2 or not all(p >= 0 for p in both):
            raise ConfigError(f"{name}: the {ORDINALS[axis]} entry of {key} must be a non-negative int or a pair "
                              f"of them. Received: {key}={value!r}.")
        out.append((both[0], both[1]))
    return tuple(out)


def _sides(ctx: LayerContext, rank: int) -> tuple[Shape, int]:
    """The input and the index of its first spatial axis."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, (rank + 2,), f"{rank + 2}-D")
    first = ctx.spec.get("data_format") == "channels_first"
    return shape, 2 if first else 1


def plan_crop_or_pad(rank: int, sign: int) -> Callable[[LayerContext], LayerPlan]:
    """Cropping (sign −1) or ZeroPadding (sign +1) of each spatial axis."""
    def plan(ctx: LayerContext) -> LayerPlan:
        key = "padding" if sign > 0 else "cropping"
        change = amounts(ctx, key, rank)
        shape, start = _sides(ctx, rank)
        out = list(shape)
        for axis, (before, after) in enumerate(change):
            n = shape[start + axis]
            if n is None:
                continue
            out[start + axis] = n + sign * (before + after)
            if out[start + axis] <= 0:  # type: ignore[operator]
                raise ShapeError(f"{ctx.name} ({ctx.spec.type}): `cropping` parameter must be smaller than the "
                                 f"input length. Received: input_shape={fmt_shape(shape)}, cropping={change}")
        return LayerPlan((), freeze(), shape, tuple(out))
    return plan


def plan_upsampling(rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        factors = sizes(ctx, "size", rank)
        shape, start = _sides(ctx, rank)
        out = list(shape)
        for axis, f in enumerate(factors):
            n = shape[start + axis]
            out[start + axis] = None if n is None else n * f
        return LayerPlan((), freeze(), shape, tuple(out))
    return plan


def declare(table: Table) -> None:
    def flatten(n: Neutral) -> Built:
        return (make_layer(table.layers, "Flatten"),), (None,)

    table.writers["flatten"] = flatten
    table.add(layer("Flatten", "flatten", (Param("data_format", None),), plan_flatten,
                    equivalent=Equivalent(lambda spec, plan: neutral("flatten"), {"flatten": ()}, table.write)),
              layer("RepeatVector", "repeat_vector", (Param("n", kind=SIZE),), plan_repeat_vector))


def declare_more(table: Table) -> None:
    fmt = Param("data_format", None, CHOICE, FORMATS)
    table.add(layer("Reshape", "reshape", (Param("target_shape", kind=SHAPE),), plan_reshape),
              layer("Permute", "permute", (Param("dims", kind=SHAPE),), plan_permute),
              layer("Cropping1D", "cropping1d", (Param("cropping", (1, 1), SHAPE),), plan_crop_or_pad(1, -1)),
              layer("Cropping2D", "cropping2d", (Param("cropping", ((0, 0), (0, 0)), SHAPE), fmt),
                    plan_crop_or_pad(2, -1)),
              layer("Cropping3D", "cropping3d", (Param("cropping", ((1, 1), (1, 1), (1, 1)), SHAPE), fmt),
                    plan_crop_or_pad(3, -1)),
              layer("ZeroPadding1D", "zero_padding1d", (Param("padding", 1, SHAPE), fmt), plan_crop_or_pad(1, 1)),
              layer("ZeroPadding2D", "zero_padding2d", (Param("padding", (1, 1), SHAPE), fmt),
                    plan_crop_or_pad(2, 1)),
              layer("ZeroPadding3D", "zero_padding3d", (Param("padding", ((1, 1), (1, 1), (1, 1)), SHAPE), fmt),
                    plan_crop_or_pad(3, 1)),
              layer("UpSampling1D", "up_sampling1d", (Param("size", 2, SIZE),), plan_upsampling(1)),
              layer("UpSampling2D", "up_sampling2d", (
                  Param("size", (2, 2), SHAPE), fmt,
                  Param("interpolation", "nearest", CHOICE, ("nearest", "bilinear", "bicubic", "lanczos3",
                                                            "lanczos5", "area"))), plan_upsampling(2)),
              layer("UpSampling3D", "up_sampling3d", (Param("size", (2, 2, 2), SHAPE), fmt), plan_upsampling(3)))


__all__ = ["amounts", "declare", "declare_more", "plan_crop_or_pad", "plan_flatten", "plan_permute",
           "plan_repeat_vector", "plan_reshape", "plan_upsampling"]
