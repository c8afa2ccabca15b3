"""Keras pooling layers: GlobalAveragePooling1D, GlobalMaxPooling1D."""

from __future__ import annotations

from ...spec import Shape
from ..base import BOOL, CHOICE, LayerContext, LayerPlan, Param, freeze
from ..work import Work
from .common import Table, layer
from .common import keras_input as _input


def plan_global_pool(ctx: LayerContext) -> LayerPlan:
    shape = _input(ctx, (3,), "3-D (batch, steps, features)")
    channels_first = ctx.cfg("data_format") == "channels_first"
    c = shape[1] if channels_first else shape[2]
    if ctx.cfg("keepdims"):
        out: Shape = (shape[0], c, 1) if channels_first else (shape[0], 1, c)
    else:
        out = (shape[0], c)
    return LayerPlan((), freeze(), shape, out)



def declare(table: Table) -> None:
    pool_params = (Param("data_format", "channels_last", CHOICE, ("channels_last", "channels_first", None)),
                   Param("keepdims", False, BOOL))
    table.add(layer("GlobalAveragePooling1D", "global_average_pooling1d", pool_params, plan_global_pool,
                    work=Work(per_number=(1, 1))),
              layer("GlobalMaxPooling1D", "global_max_pooling1d", pool_params, plan_global_pool,
                    work=Work(per_number=(1, 1))))
