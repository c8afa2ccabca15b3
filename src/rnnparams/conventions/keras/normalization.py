"""Keras normalization layers: BatchNormalization (gamma, beta trainable; moving_mean, moving_variance
non-trainable) and LayerNormalization (gamma, beta), over one feature axis."""

from __future__ import annotations

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ..base import BOOL, FLOAT, SHAPE, LayerContext, LayerPlan, Param, TensorTemplate, expand, fmt_shape, freeze
from ..equivalents import Built, Equivalent, make_layer, norm_values
from ..families import Neutral
from ..work import CHANNEL_STATS, INPUT, ROW_STATS, Keep, Work
from .common import BASE_IGNORED, C, Table, layer, missing_input

BATCHNORM_TENSORS = (
    TensorTemplate("gamma", (C,), "scale", when="scale"),
    TensorTemplate("beta", (C,), "shift", when="center"),
    TensorTemplate("moving_mean", (C,), "running_mean", trainable=False),
    TensorTemplate("moving_variance", (C,), "running_var", trainable=False),
)
LAYERNORM_TENSORS = (TensorTemplate("gamma", (C,), "scale", when="scale"),
                     TensorTemplate("beta", (C,), "shift", when="center"))



def _norm_axis(ctx: LayerContext, shape: Shape) -> tuple[int, int]:
    """(the normalized axis, its size)."""
    axis = ctx.cfg("axis")
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int) or not -len(shape) <= axis < len(shape) or axis in (0, -len(shape)):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): axis={ctx.cfg('axis')!r} is not a valid feature axis "
                          f"for an input of shape {fmt_shape(shape)}.")
    c = shape[axis]
    if c is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): axis {axis} of its input must have a defined "
                         f"dimension; got shape {fmt_shape(shape)}.")
    return axis, c


def plan_batchnorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    axis, c = _norm_axis(ctx, ctx.in_shape)
    tensors = expand(BATCHNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")),
                                               "center": bool(ctx.cfg("center"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C),
                     feature_axis=axis)


def plan_layernorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    axis, c = _norm_axis(ctx, ctx.in_shape)
    rms = bool(ctx.cfg("rms_scaling"))
    tensors = expand(LAYERNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")) or rms,
                                               "center": bool(ctx.cfg("center")) and not rms})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C),
                     feature_axis=axis)



def declare(table: Table) -> None:
    layers = table.layers

    def norm(n: Neutral) -> Built:
        name = "BatchNormalization" if n.family == "batchnorm" else "LayerNormalization"
        return (make_layer(layers, name, center=n.flag("center"), scale=n.flag("scale")),), (None, n.size("in"))

    table.writers.update(batchnorm=norm, layernorm=norm)
    table.add(
        layer("BatchNormalization", "batch_normalization", (
            Param("axis", -1, SHAPE), Param("momentum", 0.99, FLOAT), Param("epsilon", 1e-3, FLOAT),
            Param("center", True, BOOL), Param("scale", True, BOOL)), plan_batchnorm,
            BASE_IGNORED | {"beta_initializer", "gamma_initializer", "moving_mean_initializer",
                            "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                            "beta_constraint", "gamma_constraint", "synchronized", "renorm",
                            "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                            "adjustment"},
            work=Work(per_number=(6, 0), keeps=(Keep(INPUT), Keep(CHANNEL_STATS))),
            equivalent=Equivalent(lambda spec, plan: norm_values("batchnorm", plan),
                                  {"batchnorm": ("scale", "center")}, table.write)),
        layer("LayerNormalization", "layer_normalization", (
            Param("axis", -1, SHAPE), Param("epsilon", 1e-3, FLOAT), Param("center", True, BOOL),
            Param("scale", True, BOOL), Param("rms_scaling", False, BOOL, positional=False)), plan_layernorm,
            BASE_IGNORED | {"beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                            "beta_constraint", "gamma_constraint"},
            work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
            equivalent=Equivalent(lambda spec, plan: norm_values("layernorm", plan),
                                  {"layernorm": ("scale", "center")}, table.write)),
    )
