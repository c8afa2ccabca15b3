"""Keras reshaping layers: Flatten, RepeatVector."""

from __future__ import annotations

from ..base import SIZE, LayerContext, LayerPlan, Param, freeze, require_rank
from .common import Table, layer, missing_input


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



def declare(table: Table) -> None:
    table.add(layer("Flatten", "flatten", (Param("data_format", None),), plan_flatten),
              layer("RepeatVector", "repeat_vector", (Param("n", kind=SIZE),), plan_repeat_vector))
