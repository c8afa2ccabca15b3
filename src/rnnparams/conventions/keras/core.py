"""Keras core layers: Dense (kernel (I, O) + bias (O), on the last axis) and Embedding (V, D)."""

from __future__ import annotations

from ..base import BOOL, SIZE, LayerContext, LayerPlan, Param, Recognised, TensorGroup, TensorTemplate, expand, freeze
from ..equivalents import Built, Equivalent, make_layer, read_dense, read_embedding
from ..families import Neutral
from ..work import INDICES, TOKENS, Keep, Work
from .common import BASE_IGNORED, FOR_WEIGHTS, KERNEL_IGNORED, E, I, O, Table, V, keras_input, layer

DENSE_TENSORS = (TensorTemplate("kernel", (I, O), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBEDDING_TENSORS = (TensorTemplate("embeddings", (V, E), "embedding"),)


def plan_dense(ctx: LayerContext) -> LayerPlan:
    shape = keras_input(ctx, tuple(range(2, 9)), "at least 2-D")
    i, o = shape[-1], ctx.int("units")
    assert i is not None
    tensors = expand(DENSE_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("input_dim"), ctx.int("output_dim")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    return LayerPlan(tuple(expand(EMBEDDING_TENSORS, flags={})), freeze({"V": v, "E": e}), shape, (*shape, e),
                     features=(None, E))


def _recognise_dense(group: TensorGroup) -> Recognised | None:
    shapes = list(group.leaves.values())
    if len(shapes) not in (1, 2) or len(shapes[0]) != 2 or (len(shapes) == 2 and shapes[1] != (shapes[0][1],)):
        return None
    i, o = shapes[0]
    return Recognised({"units": o, "use_bias": len(shapes) == 2}, (i,))


def declare(table: Table) -> None:
    layers = table.layers

    def dense(n: Neutral) -> Built:
        return (make_layer(layers, "Dense", units=n.int("units"), use_bias=n.flag("bias")),), (n.size("in"),)

    def embedding(n: Neutral) -> Built:
        return (make_layer(layers, "Embedding", input_dim=n.int("vocab"), output_dim=n.int("dim")),), (None,)

    table.writers.update(dense=dense, embedding=embedding)
    table.add(
        layer("Dense", "dense", (Param("units", kind=SIZE), Param("activation", None),
                                 Param("use_bias", True, BOOL)), plan_dense, KERNEL_IGNORED,
              work=Work(keeps=(FOR_WEIGHTS,), activation="activation", flattens_input=True),
              equivalent=Equivalent(read_dense, {"dense": ("units", "bias")}, table.write),
              recognise=_recognise_dense),
        layer("Embedding", "embedding", (Param("input_dim", kind=SIZE), Param("output_dim", kind=SIZE)),
              plan_embedding, BASE_IGNORED | {"embeddings_initializer", "embeddings_regularizer",
                                              "embeddings_constraint", "mask_zero", "sparse"},
              work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
              equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, table.write)),
    )


__all__ = ["DENSE_TENSORS", "EMBEDDING_TENSORS", "declare", "plan_dense", "plan_embedding"]
