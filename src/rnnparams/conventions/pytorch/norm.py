"""PyTorch normalization, as `named_parameters()` and `named_buffers()` give it: weight and bias (parameters,
with `affine` / `elementwise_affine`, and `bias`), running_mean, running_var and num_batches_tracked (buffers,
with `track_running_stats`).

nn.LayerNorm and nn.RMSNorm over the last axes (`normalized_shape`); nn.BatchNorm1d/2d/3d, nn.SyncBatchNorm and
nn.InstanceNorm1d/2d/3d over the channels of dim 1 (InstanceNorm per sample); nn.GroupNorm over groups of
channels; nn.LocalResponseNorm and nn.CrossMapLRN2d across neighbouring channels, without parameters. The
Lazy* modules read num_features off their first input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError, FeatureMismatch, ShapeError
from ...spec import LayerSpec, Shape, frozen_mapping
from ...symbolic import Expr, Sym
from ..base import (
    BOOL,
    FLOAT,
    SHAPE,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    Recognised,
    TensorGroup,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, NoEquivalent, make_layer, need, norm_values
from ..families import Neutral, neutral
from ..recognise import only, rank
from ..work import (
    CHANNEL_STATS,
    GROUP_STATS,
    INPUT,
    INPUT_SIZED,
    OUTPUT,
    ROW_SCALE,
    ROW_STATS,
    SAMPLE_CHANNEL_STATS,
    Keep,
    Work,
)
from .common import C, in_or_default, layer
from .convnd import lazy_message
from .table import LAYERS

BATCHNORM_TENSORS = (
    TensorTemplate("weight", (C,), "scale", when="affine"),
    TensorTemplate("bias", (C,), "shift", when="shift"),
    TensorTemplate("running_mean", (C,), "running_mean", when="track", trainable=False, buffer=True),
    TensorTemplate("running_var", (C,), "running_var", when="track", trainable=False, buffer=True),
    TensorTemplate("num_batches_tracked", (), "counter", when="track", trainable=False, buffer=True),
)
LAYERNORM_TENSORS = (
    TensorTemplate("weight", (Sym("N"),), "scale", when="affine"),
    TensorTemplate("bias", (Sym("N"),), "shift", when="bias"),
)



def plan_layernorm(ctx: LayerContext) -> LayerPlan:
    raw = ctx.cfg("normalized_shape")
    dims = (raw,) if isinstance(raw, int) else raw
    assert isinstance(dims, tuple)
    norm = tuple(d for d in dims if isinstance(d, int))
    if not norm or len(norm) != len(dims) or any(d <= 0 for d in norm):
        raise ConfigError(f"{ctx.name} (LayerNorm): normalized_shape must be a positive int or a tuple of "
                          f"positive ints (got {raw!r}).")
    shape = in_or_default(ctx, (None, *norm))
    if isinstance(raw, int) and shape and shape[-1] is not None and shape[-1] != raw:
        raise FeatureMismatch(f"{ctx.name} (LayerNorm): normalized_shape={list(norm)} must match the last "
                              f"dimensions of its input, which has shape {fmt_shape(shape)}.",
                              ctx.spec, "normalized_shape", shape[-1])
    if len(shape) < len(norm) or any(a is not None and a != b for a, b in zip(shape[-len(norm):], norm, strict=True)):
        raise ShapeError(f"{ctx.name} (LayerNorm): normalized_shape={list(norm)} must match the last "
                         f"dimensions of its input, which has shape {fmt_shape(shape)}.")
    affine = bool(ctx.cfg("elementwise_affine"))
    axes: tuple[Expr, ...] = (Sym("N"),) if len(norm) == 1 else tuple(Sym(f"N{k}") for k in range(len(norm)))
    templates = LAYERNORM_TENSORS if len(norm) == 1 else \
        [replace(t, shape=axes) for t in LAYERNORM_TENSORS]  # weight and bias have normalized_shape
    tensors = expand(templates, flags={"affine": affine, "bias": affine and bool(ctx.cfg("bias"))})
    bindings = freeze({"N": norm[0]}) if len(norm) == 1 else freeze({f"N{k}": d for k, d in enumerate(norm)})
    features: tuple[str | None, Expr | None] = ("N", Sym("N")) if len(norm) == 1 else (None, None)
    return LayerPlan(tuple(tensors), bindings, shape, shape, features=features)


def plan_batchnorm(ctx: LayerContext) -> LayerPlan:
    c = ctx.int("num_features")
    shape = in_or_default(ctx, (None, c))
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} (BatchNorm1d): expected 2D or 3D input (got {len(shape)}D input, "
                         f"shape {fmt_shape(shape)}).")
    if shape[1] is not None and shape[1] != c:
        raise FeatureMismatch(f"{ctx.name} (BatchNorm1d): num_features={c} must equal the size of dimension 1 of "
                              f"its input, (N, C) or (N, C, L); got shape {fmt_shape(shape)}. For a (N, T, F) "
                              "sequence, PyTorch normalizes dimension 1, so transpose it or use nn.LayerNorm.",
                              ctx.spec, "num_features", shape[1])
    return _channel_plan(ctx, c, shape)


def _channel_plan(ctx: LayerContext, c: int, shape: Shape, feature_axis: int = 1) -> LayerPlan:
    """weight and bias (C) with `affine` (bias also needs `bias`), and the running statistics with
    `track_running_stats`: the tensors of every batch and instance norm."""
    affine = bool(ctx.cfg("affine"))
    tensors = expand(BATCHNORM_TENSORS, flags={"affine": affine, "shift": affine and bool(ctx.spec.get("bias", True)),
                                               "track": bool(ctx.cfg("track_running_stats"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), shape, shape, features=("C", C), feature_axis=feature_axis)


def plan_batchnorm_nd(dims: int) -> PlanFn:
    """BatchNorm2d takes (N, C, H, W) and BatchNorm3d (N, C, D, H, W): batched only."""
    def plan(ctx: LayerContext) -> LayerPlan:
        c = ctx.int("num_features")
        shape = in_or_default(ctx, (None, c, *(None,) * dims))
        if len(shape) != dims + 2:
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): expected {dims + 2}D input (got {len(shape)}D input, "
                             f"shape {fmt_shape(shape)}).")
        _channels(ctx, c, shape, 1)
        return _channel_plan(ctx, c, shape)
    return plan


def _channels(ctx: LayerContext, c: int, shape: Shape, axis: int) -> None:
    got = shape[axis]
    if got is not None and got != c:
        raise FeatureMismatch(f"{ctx.name} ({ctx.spec.type}): num_features={c} must equal the size of dimension "
                              f"{axis} (the channels) of its input, which has shape {fmt_shape(shape)}.",
                              ctx.spec, "num_features", got)


def plan_syncbatchnorm(ctx: LayerContext) -> LayerPlan:
    c = ctx.int("num_features")
    shape = in_or_default(ctx, (None, c))
    if len(shape) < 2:
        raise ShapeError(f"{ctx.name} (SyncBatchNorm): expected at least 2D input (got {len(shape)}D input).")
    _channels(ctx, c, shape, 1)
    return _channel_plan(ctx, c, shape)


def plan_instancenorm(dims: int) -> PlanFn:
    """(N, C, *spatial) or unbatched (C, *spatial). Without affine weights nor running statistics num_features
    is not used, and torch only warns when the channels differ."""
    def plan(ctx: LayerContext) -> LayerPlan:
        c = ctx.int("num_features")
        shape = in_or_default(ctx, (None, c, *(None,) * dims))
        if len(shape) not in (dims + 1, dims + 2):
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): expected {dims + 1}D or {dims + 2}D input (got "
                             f"{len(shape)}D input, shape {fmt_shape(shape)}).")
        axis = len(shape) - dims - 1
        sides = shape[axis + 1:]
        # training (torch's default mode) normalizes with the input's own statistics: one number cannot be
        if all(n is not None for n in sides) and math.prod(n for n in sides if n is not None) == 1:
            raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Expected more than 1 spatial element when training, "
                             f"got input size {fmt_shape(shape)}: an instance norm of one number per channel.")
        warnings: tuple[str, ...] = ()
        got = shape[axis]
        if got is not None and got != c:
            if ctx.cfg("affine") or ctx.cfg("track_running_stats"):
                raise FeatureMismatch(f"{ctx.name} ({ctx.spec.type}): expected input's size at dim={axis} to "
                                      f"match num_features ({c}), but got: {got}.", ctx.spec, "num_features", got)
            warnings = (f"{ctx.name} ({ctx.spec.type}): input's size at dim={axis} does not match num_features. You "
                        "can silence this warning by not passing in num_features, which is not used because "
                        "affine=False",)
        return replace(_channel_plan(ctx, c, shape, axis), warnings=warnings)
    return plan


def plan_lazy_norm(inner: PlanFn, dims: int, batched_only: bool) -> PlanFn:
    """LazyBatchNorm*d / LazyInstanceNorm*d: num_features is the size of the first input's channel axis."""
    def plan(ctx: LayerContext) -> LayerPlan:
        shape = ctx.in_shape
        axis = 1 if batched_only or shape is None or len(shape) != dims + 1 else 0
        channels = shape[axis] if shape is not None and len(shape) > axis else None
        if channels is None:
            if shape is not None:
                return inner(replace(ctx, spec=_with(ctx.spec, num_features=1)))  # the shape error, as torch says
            raise ConfigError(lazy_message(ctx, "num_features", "C,…"))
        return inner(replace(ctx, spec=_with(ctx.spec, num_features=channels)))
    return plan


def _with(spec: LayerSpec, **config: int) -> LayerSpec:
    return replace(spec, config=frozen_mapping({**spec.config, **config}))


GROUPNORM_TENSORS = (
    TensorTemplate("weight", (C,), "scale", when="affine"),
    TensorTemplate("bias", (C,), "shift", when="shift"),
)


def plan_groupnorm(ctx: LayerContext) -> LayerPlan:
    """weight and bias (num_channels), normalized over groups of num_channels / num_groups channels."""
    g, c = ctx.int("num_groups"), ctx.int("num_channels")
    if c % g:
        raise ConfigError(f"{ctx.name} (GroupNorm): num_channels must be divisible by num_groups "
                          f"(num_channels={c}, num_groups={g}).")
    shape = in_or_default(ctx, (None, c))
    if len(shape) < 2:
        raise ShapeError(f"{ctx.name} (GroupNorm): Expected at least 2 dimensions for input tensor but received "
                         f"{len(shape)} (shape {fmt_shape(shape)}).")
    if shape[1] is not None and shape[1] != c:
        raise FeatureMismatch(f"{ctx.name} (GroupNorm): Expected weight to be a vector of size equal to the number "
                              f"of channels in input, but got weight of shape [{c}] and input of shape "
                              f"{list(shape)}: num_channels must be the size of dimension 1.",
                              ctx.spec, "num_channels", shape[1])
    affine = bool(ctx.cfg("affine"))
    tensors = expand(GROUPNORM_TENSORS, flags={"affine": affine, "shift": affine and bool(ctx.cfg("bias"))})
    return LayerPlan(tuple(tensors), freeze({"C": c, "G": g}), shape, shape, features=("C", C), feature_axis=1)


def plan_rmsnorm(ctx: LayerContext) -> LayerPlan:
    """weight of normalized_shape (elementwise_affine), over the last axes, as LayerNorm without a bias."""
    plan = _last_axes(ctx, "RMSNorm")
    return plan


def _last_axes(ctx: LayerContext, kind: str) -> LayerPlan:
    raw = ctx.cfg("normalized_shape")
    dims = (raw,) if isinstance(raw, int) else raw
    norm = tuple(d for d in dims if isinstance(d, int) and not isinstance(d, bool)) if isinstance(dims, tuple) else ()
    if not norm or not isinstance(dims, tuple) or len(norm) != len(dims) or any(d <= 0 for d in norm):
        raise ConfigError(f"{ctx.name} ({kind}): normalized_shape must be a positive int or a tuple of "
                          f"positive ints (got {raw!r}).")
    shape = in_or_default(ctx, (None, *norm))
    if isinstance(raw, int) and shape and shape[-1] is not None and shape[-1] != raw:
        raise FeatureMismatch(f"{ctx.name} (LayerNorm): normalized_shape={list(norm)} must match the last "
                              f"dimensions of its input, which has shape {fmt_shape(shape)}.",
                              ctx.spec, "normalized_shape", shape[-1])
    if len(shape) < len(norm) or any(a is not None and a != b for a, b in zip(shape[-len(norm):], norm, strict=True)):
        raise ShapeError(f"{ctx.name} ({kind}): Given normalized_shape={list(norm)}, expected input with shape "
                         f"[*, {', '.join(map(str, norm))}], but got input of size {fmt_shape(shape)}.")
    axes: tuple[Expr, ...] = (Sym("N"),) if len(norm) == 1 else tuple(Sym(f"N{k}") for k in range(len(norm)))
    tensors = expand([TensorTemplate("weight", axes, "scale", when="affine")],
                     flags={"affine": bool(ctx.cfg("elementwise_affine"))})
    bindings = freeze({"N": norm[0]}) if len(norm) == 1 else freeze({f"N{k}": d for k, d in enumerate(norm)})
    features: tuple[str | None, Expr | None] = ("N", Sym("N")) if len(norm) == 1 else (None, None)
    return LayerPlan(tuple(tensors), bindings, shape, shape, features=features)


def plan_lrn(ctx: LayerContext) -> LayerPlan:
    shape = in_or_default(ctx, (None, None, None))
    if len(shape) < 3:
        raise ShapeError(f"{ctx.name} (LocalResponseNorm): Expected 3D or higher dimensionality input (got "
                         f"{len(shape)} dimensions).")
    return LayerPlan((), freeze(), shape, shape, feature_axis=1)


def plan_crossmap_lrn(ctx: LayerContext) -> LayerPlan:
    shape = in_or_default(ctx, (None, None, None, None))
    if len(shape) != 4:
        raise ShapeError(f"{ctx.name} (CrossMapLRN2d): CrossMapLRN2d: Expected input to be 4D, got {len(shape)}D "
                         "instead.")
    return LayerPlan((), freeze(), shape, shape, feature_axis=1)


def _write_layernorm(n: Neutral) -> Built:
    need(n.flag("scale") or not n.flag("center"), "PyTorch LayerNorm cannot shift without scaling")
    return (make_layer(LAYERS, "LayerNorm", normalized_shape=n.int("in"), elementwise_affine=n.flag("scale"),
                       bias=n.flag("center")),), None


def _write_batchnorm(n: Neutral) -> Built:
    need(n.flag("scale") == n.flag("center"),
         "PyTorch BatchNorm1d has scale and shift together (affine) or neither")
    return (make_layer(LAYERS, "BatchNorm1d", num_features=n.int("in"), affine=n.flag("scale")),), None


def _read_groupnorm(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    roles = {t.role for t in plan.tensors}
    return neutral("groupnorm", **{"in": plan.bindings["C"]}, groups=plan.bindings["G"], scale="scale" in roles,
                   center="shift" in roles)


def _write_groupnorm(n: Neutral) -> Built:
    need(n.flag("scale") or not n.flag("center"), "PyTorch GroupNorm cannot shift without scaling")
    need(n.size("in") is not None, "PyTorch GroupNorm needs its number of channels")
    return (make_layer(LAYERS, "GroupNorm", num_groups=n.int("groups"), num_channels=n.int("in"),
                       affine=n.flag("scale"), bias=n.flag("center")),), None


def _read_rmsnorm(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    size = plan.bindings.get("N")
    if size is None:
        raise NoEquivalent("an RMSNorm over several axes has no single-axis equivalent")
    return neutral("rmsnorm", **{"in": size}, scale=any(t.role == "scale" for t in plan.tensors))


def _write_rmsnorm(n: Neutral) -> Built:
    return (make_layer(LAYERS, "RMSNorm", normalized_shape=n.int("in"), elementwise_affine=n.flag("scale")),), None



def _recognise_layernorm(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 1)
    if not only(group, LAYERNORM_TENSORS, ("weight",)) or weight is None or _group_norm_path(group) or \
            any(h in group.path.lower() for h in ("prelu", "rms")):
        return None
    return Recognised({"normalized_shape": weight[0], "bias": "bias" in group.leaves})


def _recognise_batchnorm(group: TensorGroup) -> Recognised | None:
    stats = rank(group, "running_mean", 1)
    if not only(group, BATCHNORM_TENSORS, ("running_mean", "running_var")) or stats is None:
        return None
    return Recognised({"num_features": stats[0], "affine": "weight" in group.leaves,
                       "bias": "bias" in group.leaves or "weight" not in group.leaves})


def _recognise_groupnorm(group: TensorGroup) -> Recognised | None:
    """Only by its path: its weight and bias are a LayerNorm's, and the number of groups is in no tensor."""
    weight = rank(group, "weight", 1)
    if weight is None or not only(group, GROUPNORM_TENSORS, ("weight",)) or not _group_norm_path(group):
        return None
    return Recognised({"num_groups": 1, "num_channels": weight[0], "bias": "bias" in group.leaves},
                      note=f"{group.path}: a GroupNorm's number of groups is in none of its tensors (the count does "
                           "not depend on it): read as num_groups=1")


def _recognise_rmsnorm(group: TensorGroup) -> Recognised | None:
    """Only by its path: a lone weight is also a LayerNorm's without a bias."""
    weight = group.leaves.get("weight")
    if weight is None or set(group.leaves) != {"weight"} or not weight or "rms" not in group.path.lower():
        return None
    return Recognised({"normalized_shape": weight[0] if len(weight) == 1 else tuple(weight)})


def _group_norm_path(group: TensorGroup) -> bool:
    return "groupnorm" in group.path.lower().replace("_", "")



BN_PARAMS = (Param("eps", 1e-5, FLOAT), Param("momentum", 0.1, FLOAT), Param("affine", True, BOOL),
             Param("track_running_stats", True, BOOL))
BIAS = Param("bias", True, BOOL, positional=False)
FEATURES = Param("num_features", kind=SIZE)
BATCH_WORK = Work(per_number=(6, 0), keeps=(Keep(INPUT), Keep(CHANNEL_STATS)))
"""Training: mean (1), variance (3), normalized value (2) per number; at inference the statistics fold into the
scale and shift. It keeps its input and, per channel, the batch mean and inverse deviation."""
INSTANCE_WORK = Work(per_number=(6, 6), keeps=(
    Keep(INPUT), Keep(SAMPLE_CHANNEL_STATS, copies=2), Keep(SAMPLE_CHANNEL_STATS, copies=2, when="track_running_stats"),
    Keep(SAMPLE_CHANNEL_STATS, when="affine")))
"""Instance norm runs batch norm on (1, N·C, ...): it keeps the input, the N·C means and inverse deviations, the
running statistics repeated for every sample when it tracks them, and its weight repeated when affine."""
BATCHNORM = Equivalent(lambda spec, plan: norm_values("batchnorm", plan))
WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({"G": ("groups", "组数")})


def _batchnorm(name: str, plan: PlanFn, lazy: bool = False) -> LayerConvention:
    head = () if lazy else (FEATURES,)
    return layer(name, (*head, *BN_PARAMS, BIAS), plan, work=BATCH_WORK, equivalent=BATCHNORM)


def _instancenorm(name: str, dims: int, lazy: bool = False) -> LayerConvention:
    defaults = (True, True) if lazy else (False, False)  # torch's Lazy instance norms track and scale by default
    head = () if lazy else (FEATURES,)
    plan = plan_instancenorm(dims)
    return layer(name, (*head, Param("eps", 1e-5, FLOAT), Param("momentum", 0.1, FLOAT),
                        Param("affine", defaults[0], BOOL), Param("track_running_stats", defaults[1], BOOL), BIAS),
                 plan_lazy_norm(plan, dims, batched_only=False) if lazy else plan, work=INSTANCE_WORK)


CONVENTIONS = (
    layer("LayerNorm", (Param("normalized_shape", kind=SHAPE), Param("eps", 1e-5, FLOAT),
                        Param("elementwise_affine", True, BOOL), Param("bias", True, BOOL)), plan_layernorm,
          work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
          equivalent=Equivalent(lambda spec, plan: norm_values("layernorm", plan),
                                {"layernorm": ("in", "scale", "center")}, _write_layernorm),
          recognise=_recognise_layernorm),
    layer("BatchNorm1d", (FEATURES, *BN_PARAMS, BIAS), plan_batchnorm, work=BATCH_WORK,
          equivalent=Equivalent(lambda spec, plan: norm_values("batchnorm", plan),
                                {"batchnorm": ("in", "scale", "center")}, _write_batchnorm),
          recognise=_recognise_batchnorm),
)
MORE = (
    _batchnorm("BatchNorm2d", plan_batchnorm_nd(2)),
    _batchnorm("BatchNorm3d", plan_batchnorm_nd(3)),
    layer("SyncBatchNorm", (FEATURES, *BN_PARAMS, Param("process_group", None), BIAS), plan_syncbatchnorm,
          work=BATCH_WORK, equivalent=BATCHNORM),
    _batchnorm("LazyBatchNorm1d", plan_lazy_norm(plan_batchnorm, 1, batched_only=True), lazy=True),
    _batchnorm("LazyBatchNorm2d", plan_lazy_norm(plan_batchnorm_nd(2), 2, batched_only=True), lazy=True),
    _batchnorm("LazyBatchNorm3d", plan_lazy_norm(plan_batchnorm_nd(3), 3, batched_only=True), lazy=True),
    _instancenorm("InstanceNorm1d", 1),
    _instancenorm("InstanceNorm2d", 2),
    _instancenorm("InstanceNorm3d", 3),
    _instancenorm("LazyInstanceNorm1d", 1, lazy=True),
    _instancenorm("LazyInstanceNorm2d", 2, lazy=True),
    _instancenorm("LazyInstanceNorm3d", 3, lazy=True),
    layer("GroupNorm", (Param("num_groups", kind=SIZE), Param("num_channels", kind=SIZE), Param("eps", 1e-5, FLOAT),
                        Param("affine", True, BOOL), BIAS), plan_groupnorm,
          work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(GROUP_STATS))),
          equivalent=Equivalent(_read_groupnorm, {"groupnorm": ("in", "groups", "scale", "center")},
                                _write_groupnorm), recognise=_recognise_groupnorm, words=WORDS),
    layer("RMSNorm", (Param("normalized_shape", kind=SHAPE), Param("eps", None, FLOAT),
                      Param("elementwise_affine", True, BOOL)), plan_rmsnorm,
          work=Work(per_number=(4, 4), keeps=(Keep(INPUT), Keep(ROW_SCALE),
                                               Keep(INPUT_SIZED, when="elementwise_affine"))),
          equivalent=Equivalent(_read_rmsnorm, {"rmsnorm": ("in", "scale")}, _write_rmsnorm),
          recognise=_recognise_rmsnorm),
    layer("LocalResponseNorm", (Param("size", kind=SIZE), Param("alpha", 1e-4, FLOAT), Param("beta", 0.75, FLOAT),
                                Param("k", 1.0, FLOAT)), plan_lrn,
          work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(INPUT_SIZED, copies=3))), ignored=frozenset(),
          stateless=True),
    layer("CrossMapLRN2d", (Param("size", kind=SIZE), Param("alpha", 1e-4, FLOAT), Param("beta", 0.75, FLOAT),
                            Param("k", 1, FLOAT)), plan_crossmap_lrn,
          work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(OUTPUT))), ignored=frozenset(), stateless=True),
)
"""Appended after the first modules' layers, so the table keeps its order (recognisers are tried in it)."""

__all__ = ["BATCHNORM_TENSORS", "CONVENTIONS", "LAYERNORM_TENSORS", "MORE"]
