"""Keras regularization layers: Dropout (no weights; training keeps its mask)."""

from __future__ import annotations

from ...errors import ConfigError
from ..base import FLOAT, LayerContext, LayerPlan, Param, freeze
from ..equivalents import Built, Equivalent, make_layer, neutral
from ..families import Neutral
from ..work import Work
from .common import Table, layer, missing_input


def plan_dropout(ctx: LayerContext) -> LayerPlan:
    rate = ctx.cfg("rate")
    assert isinstance(rate, (int, float))
    if not 0 <= rate <= 1:
        raise ConfigError(f"{ctx.name} (Dropout): Invalid value received for argument `rate`. Expected a float "
                          f"value between 0 and 1. Received: rate={rate}.")
    if ctx.in_shape is None:
        raise missing_input(ctx)
    return LayerPlan((), freeze(), ctx.in_shape, ctx.in_shape)



def declare(table: Table) -> None:
    layers = table.layers

    def dropout(n: Neutral) -> Built:
        return (make_layer(layers, "Dropout", rate=n.get("rate")),), (None,)

    table.writers.update(dropout=dropout)
    table.add(
        layer("Dropout", "dropout", (Param("rate", kind=FLOAT), Param("noise_shape", None),
                                     Param("seed", None)), plan_dropout,
              work=Work(per_number=(1, 0), mask="rate"),
              equivalent=Equivalent(lambda spec, plan: neutral("dropout", rate=spec.get("rate")),
                                    {"dropout": ("rate",)}, table.write)),
    )
