"""Keras normalization layers, as their `build()` declares the weights:

- BatchNormalization: gamma, beta (trainable), moving_mean, moving_variance (non-trainable), and with
  renorm=True moving_stddev, renorm_mean, renorm_stddev (non-trainable), each (C) on its `axis`;
- LayerNormalization: gamma, beta over one axis (C) or several (N0, N1, ...); rms_scaling keeps gamma alone;
- GroupNormalization: gamma, beta (C), with C divisible by `groups` (-1: one group per channel);
- RMSNormalization: scale, over its axes; UnitNormalization: no weights;
- SpectralNormalization(layer): the wrapped layer's weights under its own name, and a non-trainable
  vector_u (1, O) after its kernel (or embeddings).
"""

from __future__ import annotations

from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape
from ...symbolic import Const, Sym
from ..base import (
    BOOL,
    FLOAT,
    INT,
    LAYER,
    SHAPE,
    SIZE,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, NoEquivalent, make_layer, need, neutral, norm_values
from ..families import Neutral
from ..work import CHANNEL_STATS, INPUT, ROW_STATS, WRAPPER, Keep, Work
from .common import BASE_IGNORED, C, Table, given_input, layer, missing_input

BATCHNORM_TENSORS = (
    TensorTemplate("gamma", (C,), "scale", when="scale"),
    TensorTemplate("beta", (C,), "shift", when="center"),
    TensorTemplate("moving_mean", (C,), "running_mean", trainable=False),
    TensorTemplate("moving_variance", (C,), "running_var", trainable=False),
    TensorTemplate("moving_stddev", (C,), "running_var", when="renorm", trainable=False),
    TensorTemplate("renorm_mean", (C,), "running_mean", when="renorm", trainable=False),
    TensorTemplate("renorm_stddev", (C,), "running_var", when="renorm", trainable=False),
)
LAYERNORM_TENSORS = (TensorTemplate("gamma", (C,), "scale", when="scale"),
                     TensorTemplate("beta", (C,), "shift", when="center"))
AFFINE_IGNORED = BASE_IGNORED | {"beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                                 "beta_constraint", "gamma_constraint"}
WORDS = MappingProxyType({
    "spectral_u": ("vector_u (1, O) is SpectralNormalization's power-iteration estimate of the kernel's leading "
                   "singular vector: a non-trainable weight, counted in Keras' total.",
                   "vector_u (1, O) 是 SpectralNormalization 用幂迭代估计的核的主奇异向量:不可训练的权重,"
                   "计入 Keras 的总参数量。")})


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


def _norm_axes(ctx: LayerContext, shape: Shape) -> tuple[int, ...]:
    """Several normalized axes (sorted, as Keras sorts them), each defined and not the batch."""
    axes = ctx.cfg("axis")
    items = axes if isinstance(axes, tuple) else (axes,)
    if not items or not all(isinstance(a, int) and not isinstance(a, bool) and -len(shape) <= a < len(shape)
                            and a % len(shape) != 0 for a in items):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): axis={axes!r} is not a valid feature axis for an input "
                          f"of shape {fmt_shape(shape)}.")
    out = tuple(sorted(a % len(shape) for a in items if isinstance(a, int)))
    if any(shape[a] is None for a in out):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the normalized axes {out} of its input must have defined "
                         f"dimensions; got shape {fmt_shape(shape)}.")
    return out


def plan_batchnorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    axis, c = _norm_axis(ctx, ctx.in_shape)
    tensors = expand(BATCHNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")), "center": bool(ctx.cfg("center")),
                                               "renorm": bool(ctx.cfg("renorm"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C),
                     feature_axis=axis)


def _over_axes(ctx: LayerContext, templates: tuple[TensorTemplate, ...], flags: dict[str, bool]) -> LayerPlan:
    """Weights over one axis (C) or several (N0, N1...: their shape is the input's on those axes)."""
    shape = given_input(ctx)
    if isinstance(ctx.cfg("axis"), tuple) and len(ctx.cfg("axis")) > 1:  # type: ignore[arg-type]
        axes = _norm_axes(ctx, shape)
        names = tuple(f"N{k}" for k in range(len(axes)))
        tensors = expand(templates, flags=flags)
        multi = tuple(replace(t, shape=tuple(Sym(n) for n in names)) for t in tensors)
        bindings = {n: shape[a] for n, a in zip(names, axes, strict=True)}
        return LayerPlan(multi, freeze(bindings), shape, shape, feature_axis=axes[-1])  # type: ignore[arg-type]
    axis, c = _norm_axis(ctx, shape)
    return LayerPlan(tuple(expand(templates, flags=flags)), freeze({"C": c}), shape, shape, features=("C", C),
                     feature_axis=axis)


def plan_layernorm(ctx: LayerContext) -> LayerPlan:
    rms = bool(ctx.cfg("rms_scaling"))
    return _over_axes(ctx, LAYERNORM_TENSORS, {"scale": bool(ctx.cfg("scale")) or rms,
                                               "center": bool(ctx.cfg("center")) and not rms})


def plan_rmsnorm(ctx: LayerContext) -> LayerPlan:
    return _over_axes(ctx, (TensorTemplate("scale", (C,), "scale"),), {})


def plan_groupnorm(ctx: LayerContext) -> LayerPlan:
    groups = ctx.cfg("groups")
    if not isinstance(groups, int) or isinstance(groups, bool) or (groups <= 0 and groups != -1):
        raise ConfigError(f"{ctx.name} (GroupNormalization): Received an invalid value for argument `groups`, "
                          f"expected a positive integer value. Received: groups={groups}")
    shape = given_input(ctx)
    axis, c = _norm_axis(ctx, shape)
    groups = c if groups == -1 else groups
    if c < groups:
        raise ShapeError(f"{ctx.name} (GroupNormalization): Number of groups ({groups}) cannot be more than the "
                         f"number of channels ({c}).")
    if c % groups:
        raise ShapeError(f"{ctx.name} (GroupNormalization): Number of groups ({groups}) must be a multiple of the "
                         f"number of channels ({c}).")
    tensors = expand(LAYERNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")), "center": bool(ctx.cfg("center"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), shape, shape, features=("C", C), feature_axis=axis)


def plan_unit_norm(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    axes = ctx.cfg("axis")
    items = axes if isinstance(axes, tuple) else (axes,)
    if not all(isinstance(a, int) and -len(shape) <= a < len(shape) for a in items):
        raise ConfigError(f"{ctx.name} (UnitNormalization): Invalid value for `axis` argument: {axes!r} for an input "
                          f"of shape {fmt_shape(shape)}.")
    return LayerPlan((), freeze(), shape, shape)


def plan_spectral(ctx: LayerContext) -> LayerPlan:
    """The wrapped layer's weights under its name, its kernel followed by vector_u (1, kernel's last axis)."""
    inner = ctx.inner
    assert inner is not None and ctx.inner_name is not None
    if not isinstance(ctx.cfg("power_iterations"), int) or ctx.int("power_iterations") < 1:
        raise ConfigError(f"{ctx.name} (SpectralNormalization): `power_iterations` should be greater than zero. "
                          f"Received: power_iterations={ctx.cfg('power_iterations')}")
    kernel = next((t for t in inner.tensors if t.name in ("kernel", "embeddings")), None)
    if kernel is None:
        wrapped = ctx.cfg("layer")
        kind = wrapped.type if isinstance(wrapped, LayerSpec) else "the wrapped layer"
        raise ConfigError(f"{ctx.name} (SpectralNormalization): {kind} object has no attribute 'kernel' nor "
                          "'embeddings'")
    u = TensorSpec("vector_u", (Const(1), kernel.shape[-1]), "running_var", trainable=False)
    tensors: list[TensorSpec] = []
    for t in inner.tensors:
        tensors.append(replace(t, name=f"{ctx.inner_name}/{t.name}"))
        if t is kernel:
            tensors.append(u)
    return replace(inner, tensors=tuple(tensors), family=(), notes=(*inner.notes, "spectral_u"))


# --- equivalents ---------------------------------------------------------------------------------------------

def _read_groupnorm(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    roles = {t.role for t in plan.tensors}
    c = plan.bindings["C"]
    groups = spec.get("groups")
    return neutral("groupnorm", **{"in": c}, groups=c if groups == -1 else groups, scale="scale" in roles,
                   center="shift" in roles)


def _read_rmsnorm(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    if "C" not in plan.bindings:
        raise NoEquivalent("an RMS normalization over several axes has no one-axis equivalent")
    return neutral("rmsnorm", **{"in": plan.bindings["C"]}, scale=True)


def _read_spectral(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    raise NoEquivalent("SpectralNormalization keeps a power-iteration vector no other framework's layer declares "
                       "(PyTorch applies it with torch.nn.utils.parametrizations.spectral_norm)")


def _recognise_batchnorm(group: TensorGroup) -> Recognised | None:
    """gamma, beta, moving_mean, moving_variance (and renorm's three): four (or seven) vectors of one size."""
    shapes = list(group.leaves.values())
    if len(shapes) not in (4, 7) or len(shapes[0]) != 1 or any(s != shapes[0] for s in shapes):
        return None
    return Recognised({"renorm": len(shapes) == 7}, shapes[0])


def declare(table: Table) -> None:
    layers = table.layers

    def norm(n: Neutral) -> Built:
        name = "BatchNormalization" if n.family == "batchnorm" else "LayerNormalization"
        return (make_layer(layers, name, center=n.flag("center"), scale=n.flag("scale")),), (None, n.size("in"))

    table.writers.update(batchnorm=norm, layernorm=norm)
    table.add(
        layer("BatchNormalization", "batch_normalization", (
            Param("axis", -1, SHAPE), Param("momentum", 0.99, FLOAT), Param("epsilon", 1e-3, FLOAT),
            Param("center", True, BOOL), Param("scale", True, BOOL),
            Param("renorm", False, BOOL, positional=False)), plan_batchnorm,  # renorm: three more statistics
            AFFINE_IGNORED | {"moving_mean_initializer", "moving_variance_initializer", "synchronized",
                              "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size", "adjustment"},
            work=Work(per_number=(6, 0), keeps=(Keep(INPUT), Keep(CHANNEL_STATS))),
            equivalent=Equivalent(lambda spec, plan: norm_values("batchnorm", plan),
                                  {"batchnorm": ("scale", "center")}, table.write),
            recognise=_recognise_batchnorm),
        layer("LayerNormalization", "layer_normalization", (
            Param("axis", -1, SHAPE), Param("epsilon", 1e-3, FLOAT), Param("center", True, BOOL),
            Param("scale", True, BOOL), Param("rms_scaling", False, BOOL, positional=False)), plan_layernorm,
            AFFINE_IGNORED, work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
            equivalent=Equivalent(lambda spec, plan: norm_values("layernorm", plan),
                                  {"layernorm": ("scale", "center")}, table.write)),
    )


def declare_more(table: Table) -> None:
    layers = table.layers

    def groupnorm(n: Neutral) -> Built:
        return (make_layer(layers, "GroupNormalization", groups=n.int("groups"), center=n.flag("center"),
                           scale=n.flag("scale")),), (None, n.size("in"))

    def rmsnorm(n: Neutral) -> Built:
        need(n.flag("scale"), "Keras' RMSNormalization always learns its scale")
        return (make_layer(layers, "RMSNormalization"),), (None, n.size("in"))

    table.writers.update(groupnorm=groupnorm, rmsnorm=rmsnorm)
    table.add(
        layer("GroupNormalization", "group_normalization", (
            Param("groups", 32, INT), Param("axis", -1, SHAPE), Param("epsilon", 1e-3, FLOAT),
            Param("center", True, BOOL), Param("scale", True, BOOL)), plan_groupnorm, AFFINE_IGNORED,
            work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
            equivalent=Equivalent(_read_groupnorm, {"groupnorm": ("groups", "scale", "center")}, table.write)),
        layer("RMSNormalization", "rms_normalization", (Param("axis", -1, SHAPE), Param("epsilon", 1e-6, FLOAT)),
              plan_rmsnorm, work=Work(per_number=(4, 4), keeps=(Keep(INPUT), Keep(ROW_STATS))),
              equivalent=Equivalent(_read_rmsnorm, {"rmsnorm": ("scale",)}, table.write)),
        layer("UnitNormalization", "unit_normalization", (Param("axis", -1, SHAPE),), plan_unit_norm,
              work=Work(per_number=(3, 3), keeps=(Keep(INPUT),))),
        layer("SpectralNormalization", "spectral_normalization", (
            Param("layer", kind=LAYER), Param("power_iterations", 1, SIZE)), plan_spectral, wraps=True,
            inner_input=lambda ctx: ctx.in_shape, work=WRAPPER, words=WORDS,
            equivalent=Equivalent(_read_spectral)),
    )


__all__ = ["BATCHNORM_TENSORS", "LAYERNORM_TENSORS", "declare", "declare_more", "plan_batchnorm", "plan_groupnorm",
           "plan_layernorm", "plan_rmsnorm", "plan_spectral", "plan_unit_norm"]
