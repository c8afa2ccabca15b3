"""PyTorch dropout: no parameters; training keeps the mask, one number per number (Dropout, AlphaDropout) or one
per sample and channel (Dropout1d/2d/3d, FeatureAlphaDropout: whole channels are zeroed)."""

from __future__ import annotations

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec
from ..base import BOOL, FLOAT, LayerContext, LayerConvention, LayerPlan, Param, PlanFn, fmt_shape, freeze
from ..equivalents import Built, Equivalent, make_layer
from ..families import Neutral, neutral
from ..work import Work
from .common import in_or_default, layer
from .table import LAYERS


def plan_dropout(ctx: LayerContext) -> LayerPlan:
    p = ctx.cfg("p")
    assert isinstance(p, (int, float))
    if not 0 <= p <= 1:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): dropout probability has to be between 0 and 1, but got "
                          f"{p}.")
    shape = in_or_default(ctx, (None,))
    return LayerPlan((), freeze(), shape, shape)


def plan_channel_dropout(dims: int) -> PlanFn:
    """Dropout1d takes (N, C, L) or (C, L) and refuses other ranks; Dropout2d and Dropout3d warn on ranks other
    than theirs (a 3-D input to Dropout2d is read as (N, C, L))."""
    def plan(ctx: LayerContext) -> LayerPlan:
        plan_dropout(ctx)  # the probability check
        shape = ctx.in_shape if ctx.in_shape is not None else (None, None, *(None,) * dims)
        rank = len(shape)
        warnings: tuple[str, ...] = ()
        if dims == 1 and rank not in (2, 3):
            raise ShapeError(f"{ctx.name} (Dropout1d): dropout1d: Expected 2D or 3D input, but received a {rank}D "
                             f"input (shape {fmt_shape(shape)}).")
        if dims == 2 and rank == 3:
            warnings = (f"{ctx.name} (Dropout2d): Received a 3D input to dropout2d and assuming that channel-wise 1D "
                        "dropout behavior is desired - input is interpreted as shape (N, C, L).",)
        elif dims > 1 and rank not in (dims + 1, dims + 2):
            warnings = (f"{ctx.name} ({ctx.spec.type}): Received a {rank}-D input to dropout{dims}d, which is "
                        "deprecated and will result in an error in a future release.",)
        return LayerPlan((), freeze(), shape, shape, warnings=warnings, feature_axis=1 if rank > dims + 1 else 0)
    return plan


def _write_dropout(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Dropout", p=n.get("rate")),), None



def _dropout_values(spec: LayerSpec) -> Neutral:
    return neutral("dropout", rate=spec.get("p", 0.5))


DROPOUT = Equivalent(lambda spec, plan: _dropout_values(spec))
PARAMS = (Param("p", 0.5, FLOAT), Param("inplace", False, BOOL))


def _dropout(name: str, plan: PlanFn, per_channel: bool) -> LayerConvention:
    work = Work(per_number=(1, 0), mask="p", mask_per_channel=per_channel, backward_per_number=1)
    return replace(layer(name, PARAMS, plan, work=work,
                         equivalent=DROPOUT, ignored=frozenset()), stateless=True)


CONVENTIONS: tuple[LayerConvention, ...] = (
    layer("Dropout", (Param("p", 0.5, FLOAT), Param("inplace", False, BOOL)), plan_dropout,
          work=Work(per_number=(1, 0), mask="p", backward_per_number=1, keeps_layout=True,
                    autocast="follow"),
          equivalent=Equivalent(lambda spec, plan: _dropout_values(spec), {"dropout": ("rate",)}, _write_dropout),
          ignored=frozenset()),
)
CONVENTIONS = tuple(replace(c, stateless=True) for c in CONVENTIONS)
MORE = (
    _dropout("Dropout1d", plan_channel_dropout(1), True),
    _dropout("Dropout2d", plan_channel_dropout(2), True),
    _dropout("Dropout3d", plan_channel_dropout(3), True),
    _dropout("AlphaDropout", plan_dropout, False),
    _dropout("FeatureAlphaDropout", plan_channel_dropout(0), True),
)

__all__ = ["CONVENTIONS", "MORE"]
