"""Keras pooling layers, none with weights: MaxPooling and AveragePooling 1D/2D/3D (output sides as Keras'
compute_pooling_output_shape), GlobalAveragePooling and GlobalMaxPooling 1D/2D/3D (with keepdims), and
AdaptiveAveragePooling and AdaptiveMaxPooling 1D/2D/3D (a fixed output size)."""

from __future__ import annotations

from collections.abc import Callable

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape
from ..base import BOOL, CHOICE, SHAPE, LayerContext, LayerPlan, Param, fmt_shape, freeze, require_rank
from ..equivalents import Built, Equivalent, NoEquivalent, make_layer, need, neutral
from ..families import Neutral
from ..work import Work
from .common import Table, layer, missing_input
from .conv import AXES, sizes

FORMATS = ("channels_last", "channels_first", None)
POOLED = Work(per_number=(1, 1))
"""One comparison or addition per input number."""


def _spatial(ctx: LayerContext, rank: int) -> tuple[Shape, bool]:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, (rank + 2,), AXES[rank].replace("channels", "features") if rank == 1 else AXES[rank])
    return shape, ctx.spec.get("data_format") == "channels_first"


def pooled_length(length: int | None, pool: int, stride: int, padding: str) -> int | None:
    if length is None:
        return None
    if padding == "valid":
        return (length - pool) // stride + 1
    return (length - 1) // stride + 1


def plan_pool(rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        shape, first = _spatial(ctx, rank)
        pool = sizes(ctx, "pool_size", rank)
        stride = pool if ctx.cfg("strides") is None else sizes(ctx, "strides", rank)
        padding = str(ctx.cfg("padding")).lower()
        sides = shape[2:] if first else shape[1:-1]
        out = tuple(pooled_length(n, p, s, padding) for n, p, s in zip(sides, pool, stride, strict=True))
        if any(n is not None and n <= 0 for n in out):
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): computed output size would be zero or negative: input "
                             f"{fmt_shape(shape)}, pool_size={pool}, strides={stride}, padding='{padding}'.")
        full = (*shape[:2], *out) if first else (shape[0], *out, shape[-1])
        return LayerPlan((), freeze(), shape, full, feature_axis=1 if first else -1)
    return plan


def plan_global_pool(rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        shape, first = _spatial(ctx, rank)
        c = shape[1] if first else shape[-1]
        if ctx.cfg("keepdims"):
            out: Shape = (shape[0], c, *(1,) * rank) if first else (shape[0], *(1,) * rank, c)
        else:
            out = (shape[0], c)
        return LayerPlan((), freeze(), shape, out)
    return plan


def plan_adaptive(rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        value = ctx.cfg("output_size")
        if not (isinstance(value, int) and not isinstance(value, bool)) and not (
                isinstance(value, tuple) and len(value) == rank):
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): `output_size` must be an integer or a tuple of {rank} "
                              f"integers. Received: {value!r}")
        size = sizes(ctx, "output_size", rank)
        shape, first = _spatial(ctx, rank)
        out = (*shape[:2], *size) if first else (shape[0], *size, shape[-1])
        return LayerPlan((), freeze(), shape, out, feature_axis=1 if first else -1)
    return plan


# --- equivalents: pool1d and pool2d (square windows) --------------------------------------------------------------

def _read_pool(op: str, rank: int) -> Callable[[LayerSpec, LayerPlan], Neutral]:
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        pool = spec.get("pool_size")
        stride = spec.get("strides")
        pools = (pool,) * rank if isinstance(pool, int) else pool
        strides = pools if stride is None else (stride,) * rank if isinstance(stride, int) else stride
        if not isinstance(pools, tuple) or len(set(pools)) != 1 or not isinstance(strides, tuple) or len(
                set(strides)) != 1:
            raise NoEquivalent(f"{spec.type} with a window that is not square is not translated")
        if spec.get("padding") == "same":
            raise NoEquivalent(f"{spec.type} with padding='same' has no plain equivalent")
        size, step = pools[0], strides[0]
        assert isinstance(size, int) and isinstance(step, int)
        return neutral(f"pool{rank}d", op=op, size=size, stride=0 if step == size else step)
    return read


def _pool_writer(table: Table, rank: int) -> Callable[[Neutral], Built]:
    def write(n: Neutral) -> Built:
        need(n.get("op") in ("max", "avg"), f"Keras pools by max or average, not {n.get('op')}")
        name = f"{'MaxPooling' if n.get('op') == 'max' else 'AveragePooling'}{rank}D"
        stride = n.int("stride")
        return (make_layer(table.layers, name, pool_size=n.int("size"), strides=stride or None),), (None,) * (rank + 1)
    return write


def declare(table: Table) -> None:
    global_params = (Param("data_format", "channels_last", CHOICE, FORMATS), Param("keepdims", False, BOOL))
    table.add(layer("GlobalAveragePooling1D", "global_average_pooling1d", global_params, plan_global_pool(1),
                    work=POOLED),
              layer("GlobalMaxPooling1D", "global_max_pooling1d", global_params, plan_global_pool(1), work=POOLED))


def declare_more(table: Table) -> None:
    table.writers.update(pool1d=_pool_writer(table, 1), pool2d=_pool_writer(table, 2))
    for rank in (1, 2, 3):
        for op, kind, auto in (("max", "MaxPooling", "max_pooling"), ("avg", "AveragePooling", "average_pooling")):
            family = {1: "pool1d", 2: "pool2d"}.get(rank)
            writes = {family: ("op", "size", "stride")} if family and op == "max" else {}
            equivalent = Equivalent(_read_pool(op, rank), writes, table.write) if family else Equivalent()
            table.add(layer(f"{kind}{rank}D", f"{auto}{rank}d", (
                Param("pool_size", 2, SHAPE), Param("strides", None, SHAPE),
                Param("padding", "valid", CHOICE, ("valid", "same")),
                Param("data_format", None, CHOICE, FORMATS)), plan_pool(rank), work=POOLED, equivalent=equivalent))
        if rank > 1:
            params = (Param("data_format", None, CHOICE, FORMATS), Param("keepdims", False, BOOL))
            table.add(layer(f"GlobalAveragePooling{rank}D", f"global_average_pooling{rank}d", params,
                            plan_global_pool(rank), work=POOLED),
                      layer(f"GlobalMaxPooling{rank}D", f"global_max_pooling{rank}d", params,
                            plan_global_pool(rank), work=POOLED))
        for kind, auto in (("AdaptiveAveragePooling", "adaptive_average_pooling"),
                           ("AdaptiveMaxPooling", "adaptive_max_pooling")):
            table.add(layer(f"{kind}{rank}D", f"{auto}{rank}d", (
                Param("output_size", kind=SHAPE), Param("data_format", None, CHOICE, FORMATS)),
                plan_adaptive(rank), work=POOLED))


ALIASES = {**{f"{short}{rank}D": f"{full}{rank}D" for rank in (1, 2, 3) for short, full in (
    ("MaxPool", "MaxPooling"), ("AvgPool", "AveragePooling"), ("GlobalAvgPool", "GlobalAveragePooling"),
    ("GlobalMaxPool", "GlobalMaxPooling"))}}

__all__ = ["ALIASES", "declare", "declare_more", "plan_adaptive", "plan_global_pool", "plan_pool", "pooled_length"]
