"""PyTorch dropout: no parameters; training keeps the mask."""

from __future__ import annotations

from ...errors import ConfigError
from ...spec import LayerSpec
from ..base import BOOL, FLOAT, LayerContext, LayerPlan, Param, freeze
from ..equivalents import Built, Equivalent, make_layer
from ..families import Neutral, neutral
from ..work import Work
from .common import in_or_default, layer
from .table import LAYERS


def plan_dropout(ctx: LayerContext) -> LayerPlan:
    p = ctx.cfg("p")
    assert isinstance(p, (int, float))
    if not 0 <= p <= 1:
        raise ConfigError(f"{ctx.name} (Dropout): dropout probability has to be between 0 and 1, but got {p}.")
    shape = in_or_default(ctx, (None,))
    return LayerPlan((), freeze(), shape, shape)


def _write_dropout(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Dropout", p=n.get("rate")),), None



def _dropout_values(spec: LayerSpec) -> Neutral:
    return neutral("dropout", rate=spec.get("p", 0.5))


CONVENTIONS = (
    layer("Dropout", (Param("p", 0.5, FLOAT), Param("inplace", False, BOOL)), plan_dropout,
          work=Work(per_number=(1, 0), mask="p"),
          equivalent=Equivalent(lambda spec, plan: _dropout_values(spec), {"dropout": ("rate",)}, _write_dropout),
          ignored=frozenset()),
)

__all__ = ["CONVENTIONS"]
