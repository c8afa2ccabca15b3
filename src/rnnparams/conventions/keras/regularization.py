"""Keras regularization and noise layers, none with weights: Dropout, SpatialDropout1D/2D/3D (whole channels),
GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization. Training keeps a dropout's mask."""

from __future__ import annotations

from collections.abc import Callable

from ...errors import ConfigError
from ..base import CHOICE, FLOAT, LayerContext, LayerPlan, Param, freeze, require_rank
from ..equivalents import Built, Equivalent, make_layer, neutral
from ..families import Neutral
from ..work import Work
from .common import Table, layer, missing_input

FORMATS = ("channels_last", "channels_first", None)
MASKED = Work(per_number=(1, 0), mask="rate", backward_per_number=1)
"""One multiplication per number in training (none at inference); training keeps the mask."""


def _rate(ctx: LayerContext) -> None:
    rate = ctx.cfg("rate")
    assert isinstance(rate, (int, float))
    if not 0 <= rate <= 1:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): Invalid value received for argument `rate`. Expected a "
                          f"float value between 0 and 1. Received: rate={rate}.")


def plan_dropout(ctx: LayerContext) -> LayerPlan:
    _rate(ctx)
    if ctx.in_shape is None:
        raise missing_input(ctx)
    return LayerPlan((), freeze(), ctx.in_shape, ctx.in_shape)


def plan_spatial_dropout(rank: int) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        _rate(ctx)
        if ctx.in_shape is None:
            raise missing_input(ctx)
        shape = require_rank(ctx, (rank + 2,), f"{rank + 2}-D")
        return LayerPlan((), freeze(), shape, shape)
    return plan


def plan_noise(ctx: LayerContext) -> LayerPlan:
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
                                     Param("seed", None)), plan_dropout, work=MASKED,
              equivalent=Equivalent(lambda spec, plan: neutral("dropout", rate=spec.get("rate")),
                                    {"dropout": ("rate",)}, table.write)),
    )


def declare_more(table: Table) -> None:
    spatial = Equivalent(lambda spec, plan: neutral("dropout", rate=spec.get("rate")))
    table.add(
        layer("SpatialDropout1D", "spatial_dropout1d", (Param("rate", kind=FLOAT),), plan_spatial_dropout(1),
              work=MASKED, equivalent=spatial),
        *(layer(f"SpatialDropout{rank}D", f"spatial_dropout{rank}d", (
            Param("rate", kind=FLOAT), Param("data_format", None, CHOICE, FORMATS)), plan_spatial_dropout(rank),
            work=MASKED, equivalent=spatial) for rank in (2, 3)),
        layer("GaussianNoise", "gaussian_noise", (Param("stddev", kind=FLOAT),), plan_noise,
              work=Work(per_number=(1, 0))),
        layer("GaussianDropout", "gaussian_dropout", (Param("rate", kind=FLOAT),), plan_dropout, work=MASKED),
        layer("AlphaDropout", "alpha_dropout", (Param("rate", kind=FLOAT), Param("noise_shape", None)),
              plan_dropout, work=MASKED),
        layer("ActivityRegularization", "activity_regularization", (Param("l1", 0.0, FLOAT),
                                                                    Param("l2", 0.0, FLOAT)), plan_noise),
    )


__all__ = ["declare", "declare_more", "plan_dropout", "plan_noise", "plan_spatial_dropout"]
