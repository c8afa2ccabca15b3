"""PyTorch normalization: nn.LayerNorm weight and bias of normalized_shape; nn.BatchNorm1d weight and bias
(parameters) and running_mean, running_var, num_batches_tracked (buffers)."""

from __future__ import annotations

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...symbolic import Expr, Sym
from ..base import (
    BOOL,
    FLOAT,
    SHAPE,
    SIZE,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, make_layer, need, norm_values
from ..families import Neutral
from ..recognise import only, rank
from ..work import CHANNEL_STATS, INPUT, ROW_STATS, Keep, Work
from .common import C, in_or_default, layer
from .table import LAYERS

BATCHNORM_TENSORS = (
    TensorTemplate("weight", (C,), "scale", when="affine"),
    TensorTemplate("bias", (C,), "shift", when="affine"),
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
    if len(shape) < len(norm) or any(a is not None and a != b for a, b in zip(shape[-len(norm):], norm, strict=True)):
        raise ShapeError(f"{ctx.name} (LayerNorm): normalized_shape={list(norm)} must match the last "
                         f"dimensions of its input, which has shape {fmt_shape(shape)}.")
    affine = bool(ctx.cfg("elementwise_affine"))
    axes: tuple[Expr, ...] = (Sym("N"),) if len(norm) == 1 else tuple(Sym(f"N{k}") for k in range(len(norm)))
    templates = [replace(t, shape=axes) for t in LAYERNORM_TENSORS]  # weight and bias have normalized_shape
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
        raise ShapeError(f"{ctx.name} (BatchNorm1d): num_features={c} must equal the size of dimension 1 of "
                         f"its input, (N, C) or (N, C, L); got shape {fmt_shape(shape)}. For a (N, T, F) "
                         "sequence, PyTorch normalizes dimension 1, so transpose it or use nn.LayerNorm.")
    tensors = expand(BATCHNORM_TENSORS, flags={"affine": bool(ctx.cfg("affine")),
                                               "track": bool(ctx.cfg("track_running_stats"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), shape, shape, features=("C", C), feature_axis=1)


def _write_layernorm(n: Neutral) -> Built:
    need(n.flag("scale") or not n.flag("center"), "PyTorch LayerNorm cannot shift without scaling")
    return (make_layer(LAYERS, "LayerNorm", normalized_shape=n.int("in"), elementwise_affine=n.flag("scale"),
                       bias=n.flag("center")),), None


def _write_batchnorm(n: Neutral) -> Built:
    need(n.flag("scale") == n.flag("center"),
         "PyTorch BatchNorm1d has scale and shift together (affine) or neither")
    return (make_layer(LAYERS, "BatchNorm1d", num_features=n.int("in"), affine=n.flag("scale")),), None



def _recognise_layernorm(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 1)
    if not only(group, LAYERNORM_TENSORS, ("weight",)) or weight is None:
        return None
    return Recognised({"normalized_shape": weight[0], "bias": "bias" in group.leaves})


def _recognise_batchnorm(group: TensorGroup) -> Recognised | None:
    stats = rank(group, "running_mean", 1)
    if not only(group, BATCHNORM_TENSORS, ("running_mean", "running_var")) or stats is None:
        return None
    return Recognised({"num_features": stats[0], "affine": "weight" in group.leaves})



CONVENTIONS = (
    layer("LayerNorm", (Param("normalized_shape", kind=SHAPE), Param("eps", 1e-5, FLOAT),
                        Param("elementwise_affine", True, BOOL), Param("bias", True, BOOL)), plan_layernorm,
          work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
          equivalent=Equivalent(lambda spec, plan: norm_values("layernorm", plan),
                                {"layernorm": ("in", "scale", "center")}, _write_layernorm),
          recognise=_recognise_layernorm),
    layer("BatchNorm1d", (Param("num_features", kind=SIZE), Param("eps", 1e-5, FLOAT), Param("momentum", 0.1, FLOAT),
                          Param("affine", True, BOOL), Param("track_running_stats", True, BOOL)), plan_batchnorm,
          work=Work(per_number=(6, 0), keeps=(Keep(INPUT), Keep(CHANNEL_STATS))),
          equivalent=Equivalent(lambda spec, plan: norm_values("batchnorm", plan),
                                {"batchnorm": ("in", "scale", "center")}, _write_batchnorm),
          recognise=_recognise_batchnorm),
)

__all__ = ["BATCHNORM_TENSORS", "CONVENTIONS", "LAYERNORM_TENSORS"]
