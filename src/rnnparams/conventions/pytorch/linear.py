"""PyTorch linear layers and lookup tables: nn.Linear weight (out, in) and bias (out); nn.Embedding weight
(num_embeddings, embedding_dim)."""

from __future__ import annotations

from ...errors import ConfigError
from ..base import (
    BOOL,
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
    freeze,
)
from ..equivalents import Built, Equivalent, make_layer, read_dense, read_embedding
from ..families import Neutral
from ..recognise import only, rank
from ..work import INDICES, TOKENS, Keep, Work
from .common import FOR_WEIGHTS, E, I, O, V, in_or_default, layer
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


def _write_dense(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Linear", in_features=n.int("in"), out_features=n.int("units"), bias=n.flag("bias")),
            ), None


def _write_embedding(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Embedding", num_embeddings=n.int("vocab"), embedding_dim=n.int("dim")),), None



_EMBEDDING_HINTS = ("emb", "word", "token", "lookup", "vocab")



def _embedding_like(group: TensorGroup) -> bool:
    """A lone 2-D `weight`: an embedding table when its path says so, or when it comes first in the file."""
    return set(group.leaves) == {"weight"} and (group.first or any(h in group.path.lower() for h in _EMBEDDING_HINTS))


def _recognise_linear(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 2)
    if not only(group, LINEAR_TENSORS, ("weight",)) or weight is None or _embedding_like(group):
        return None
    o, i = weight
    return Recognised({"in_features": i, "out_features": o, "bias": "bias" in group.leaves})


def _recognise_embedding(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 2)
    if weight is None or not _embedding_like(group):
        return None
    return Recognised({"num_embeddings": weight[0], "embedding_dim": weight[1]})



CONVENTIONS = (
    layer("Linear", (Param("in_features", kind=SIZE), Param("out_features", kind=SIZE), Param("bias", True, BOOL)),
          plan_linear, work=Work(keeps=(FOR_WEIGHTS,), flattens_input=True),
          equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, _write_dense),
          recognise=_recognise_linear),
    layer("Embedding", (
        Param("num_embeddings", kind=SIZE), Param("embedding_dim", kind=SIZE), Param("padding_idx", None, INT),
        Param("max_norm", None, FLOAT), Param("norm_type", 2.0, FLOAT), Param("scale_grad_by_freq", False, BOOL),
        Param("sparse", False, BOOL), Param("_weight", None), Param("_freeze", False, BOOL)), plan_embedding,
        work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
        equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, _write_embedding),
        recognise=_recognise_embedding),
)

__all__ = ["CONVENTIONS", "EMBEDDING_TENSORS", "LINEAR_TENSORS"]
