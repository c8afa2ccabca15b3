"""PyTorch linear layers and lookup tables: nn.Linear weight (out, in) and bias (out) (nn.LazyLinear reads `in`
off its first input); nn.Bilinear weight (out, in1, in2) and bias (out); nn.Identity, nothing; nn.Embedding and
nn.EmbeddingBag weight (num_embeddings, embedding_dim)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, frozen_mapping
from ...symbolic import Sym
from ..base import (
    ANY,
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    SIZE,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorTemplate,
    check_features,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, make_layer, read_dense, read_embedding
from ..families import Neutral, neutral
from ..recognise import only, rank
from ..work import INDICES, TOKENS, Keep, Work
from .common import ANY_KEYWORD, FOR_WEIGHTS, E, I, O, V, in_or_default, layer
from .convnd import lazy_message
from .table import LAYERS

LINEAR_TENSORS = (
    TensorTemplate("weight", (O, I), "weight"),
    TensorTemplate("bias", (O,), "bias", when="bias"),
)
EMBEDDING_TENSORS = (TensorTemplate("weight", (V, E), "embedding", when="trainable"),
                     TensorTemplate("weight", (V, E), "embedding", when="frozen", trainable=False))


def plan_linear(ctx: LayerContext) -> LayerPlan:
    i, o = ctx.int("in_features"), ctx.int("out_features")
    shape = in_or_default(ctx, (None, i))
    check_features(ctx, i, shape[-1], "in_features")
    tensors = expand(LINEAR_TENSORS, flags={"bias": bool(ctx.cfg("bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("num_embeddings"), ctx.int("embedding_dim")
    pad = ctx.cfg("padding_idx")
    if isinstance(pad, int) and not -v <= pad < v:
        raise ConfigError(f"{ctx.name} (Embedding): padding_idx must be within num_embeddings "
                          f"(got padding_idx={pad}, num_embeddings={v}).")
    shape = in_or_default(ctx, (None, None))
    frozen = bool(ctx.cfg("_freeze"))
    tensors = expand(EMBEDDING_TENSORS, flags={"trainable": not frozen, "frozen": frozen})
    return LayerPlan(tuple(tensors), freeze({"V": v, "E": e}), shape, (*shape, e), features=(None, E))


I1, I2 = Sym("I1"), Sym("I2")
BILINEAR_TENSORS = (
    TensorTemplate("weight", (O, I1, I2), "weight"),
    TensorTemplate("bias", (O,), "bias", when="bias"),
)
BILINEAR_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "I1": ("first input's features", "第一个输入的维度"), "I2": ("second input's features", "第二个输入的维度")})
BAG_HINTS = ("bag",)


def plan_bilinear(ctx: LayerContext) -> LayerPlan:
    """y = x1ᵀ·W·x2 + b for inputs (*, in1) and (*, in2); in a chain both inputs are the tensor it receives."""
    i1, i2, o = ctx.int("in1_features"), ctx.int("in2_features"), ctx.int("out_features")
    shape = in_or_default(ctx, (None, i1))
    check_features(ctx, i1, shape[-1] if shape else None, "in1_features")
    tensors = expand(BILINEAR_TENSORS, flags={"bias": bool(ctx.cfg("bias"))})
    warnings = () if i1 == i2 or ctx.in_shape is None else (
        f"{ctx.name} (Bilinear): in a chain it receives one tensor, but its second input must have in2_features="
        f"{i2} features; its output is counted as if it had",)
    return LayerPlan(tuple(tensors), freeze({"I1": i1, "I2": i2, "O": o}), shape, (*shape[:-1], o),
                     warnings=warnings, features=("I1", O))


def plan_identity(ctx: LayerContext) -> LayerPlan:
    shape = in_or_default(ctx, (None,))
    return LayerPlan((), freeze(), shape, shape)


def plan_lazy_linear(ctx: LayerContext) -> LayerPlan:
    shape = ctx.in_shape
    if shape is None or not shape or shape[-1] is None:
        raise ConfigError(lazy_message(ctx, "in_features", "…,F"))
    spec = replace(ctx.spec, config=frozen_mapping({**ctx.spec.config, "in_features": shape[-1]}))
    return plan_linear(replace(ctx, spec=spec))


def plan_embedding_bag(ctx: LayerContext) -> LayerPlan:
    """Bags of token ids: a (B, N) input is B bags of N ids, each reduced (sum, mean, max) to one vector; a 1-D
    input needs the `offsets` of its bags, which a chain cannot give."""
    v, e = ctx.int("num_embeddings"), ctx.int("embedding_dim")
    pad = ctx.cfg("padding_idx")
    if isinstance(pad, int) and not -v <= pad < v:
        raise ConfigError(f"{ctx.name} (EmbeddingBag): padding_idx must be within num_embeddings "
                          f"(got padding_idx={pad}, num_embeddings={v}).")
    shape = in_or_default(ctx, (None, None))
    if len(shape) == 1:
        raise ShapeError(f"{ctx.name} (EmbeddingBag): a 1-D input of token ids needs the offsets of its bags, which a "
                         "chain of layers cannot give: give a 2-D input (bags, ids per bag)")
    if len(shape) != 2:
        raise ShapeError(f"{ctx.name} (EmbeddingBag): input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{len(shape)} (shape {fmt_shape(shape)})")
    tensors = expand(EMBEDDING_TENSORS, flags={"trainable": True, "frozen": False})
    return LayerPlan(tuple(tensors), freeze({"V": v, "E": e}), shape, (shape[0], e), features=(None, E))


def _read_bag(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    return read_embedding(spec, plan)


def _write_dense(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Linear", in_features=n.int("in"), out_features=n.int("units"), bias=n.flag("bias")),
            ), None


def _write_embedding(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Embedding", num_embeddings=n.int("vocab"), embedding_dim=n.int("dim")),), None



_EMBEDDING_HINTS = ("emb", "word", "token", "lookup", "vocab")



def _embedding_like(group: TensorGroup) -> bool:
    """A lone 2-D `weight`: an embedding table when its path says so, or when it comes first in the file."""
    return set(group.leaves) == {"weight"} and (group.first or any(h in group.path.lower() for h in _EMBEDDING_HINTS))


def _bag(group: TensorGroup) -> bool:
    return any(h in group.path.lower() for h in BAG_HINTS)


def _recognise_linear(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 2)
    if not only(group, LINEAR_TENSORS, ("weight",)) or weight is None or _embedding_like(group) or _bag(group):
        return None
    o, i = weight
    return Recognised({"in_features": i, "out_features": o, "bias": "bias" in group.leaves})


def _recognise_embedding(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 2)
    if weight is None or not _embedding_like(group) or _bag(group):
        return None
    return Recognised({"num_embeddings": weight[0], "embedding_dim": weight[1]})



def _recognise_bag(group: TensorGroup) -> Recognised | None:
    """An EmbeddingBag holds what an Embedding holds: only its path tells them apart."""
    weight = rank(group, "weight", 2)
    if weight is None or set(group.leaves) != {"weight"} or not _bag(group):
        return None
    return Recognised({"num_embeddings": weight[0], "embedding_dim": weight[1]})


def _recognise_bilinear(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 3)
    if weight is None or not only(group, BILINEAR_TENSORS, ("weight",)) or "bilinear" not in group.path.lower():
        return None
    o, i1, i2 = weight
    return Recognised({"in1_features": i1, "in2_features": i2, "out_features": o, "bias": "bias" in group.leaves})


CONVENTIONS = (
    layer("Linear", (Param("in_features", kind=SIZE), Param("out_features", kind=SIZE), Param("bias", True, BOOL)),
          plan_linear, work=Work(keeps=(FOR_WEIGHTS,), flattens_input=True, autocast="cast"),
          equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, _write_dense),
          recognise=_recognise_linear),
    layer("Embedding", (
        Param("num_embeddings", kind=SIZE), Param("embedding_dim", kind=SIZE), Param("padding_idx", None, INT),
        Param("max_norm", None, FLOAT), Param("norm_type", 2.0, FLOAT), Param("scale_grad_by_freq", False, BOOL),
        Param("sparse", False, BOOL), Param("_weight", None), Param("_freeze", False, BOOL)), plan_embedding,
        work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),), autocast="follow"),
        equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, _write_embedding),
        recognise=_recognise_embedding),
)
MORE = (
    layer("Bilinear", (Param("in1_features", kind=SIZE), Param("in2_features", kind=SIZE),
                       Param("out_features", kind=SIZE), Param("bias", True, BOOL)), plan_bilinear,
          work=Work(keeps=(FOR_WEIGHTS,), flattens_input=True), recognise=_recognise_bilinear, words=BILINEAR_WORDS),
    layer("Identity", tuple(Param(f"arg{k}", None, ANY) for k in range(4)), plan_identity, work=Work(),
          equivalent=Equivalent(lambda spec, plan: neutral("activation", fn="linear")), ignored=ANY_KEYWORD,
          stateless=True),
    layer("LazyLinear", (Param("out_features", kind=SIZE), Param("bias", True, BOOL)), plan_lazy_linear,
          work=Work(keeps=(FOR_WEIGHTS,), flattens_input=True), equivalent=Equivalent(read_dense)),
    layer("EmbeddingBag", (
        Param("num_embeddings", kind=SIZE), Param("embedding_dim", kind=SIZE), Param("max_norm", None, FLOAT),
        Param("norm_type", 2.0, FLOAT), Param("scale_grad_by_freq", False, BOOL),
        Param("mode", "mean", CHOICE, ("sum", "mean", "max")), Param("sparse", False, BOOL), Param("_weight", None),
        Param("include_last_offset", False, BOOL), Param("padding_idx", None, INT)), plan_embedding_bag,
        work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True, copies=2),)),
        equivalent=Equivalent(_read_bag), recognise=_recognise_bag),
)

__all__ = ["BILINEAR_TENSORS", "CONVENTIONS", "EMBEDDING_TENSORS", "LINEAR_TENSORS", "MORE"]
