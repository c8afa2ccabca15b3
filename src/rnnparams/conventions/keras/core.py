"""Keras core layers: Dense (kernel (I, O) + bias (O), on the last axis), Embedding (V, D),
ReversibleEmbedding (V, D, with its own reverse table (D, V) when untied), EinsumDense (kernel and bias shapes
from its equation, as Keras' _analyze_einsum_string works them out), and Identity, Lambda and Masking, which
have no weights."""

from __future__ import annotations

from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import Const
from ..base import (
    ANY,
    BOOL,
    FLOAT,
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
from ..equivalents import Built, Equivalent, make_layer, read_dense, read_embedding
from ..families import Neutral
from ..work import INDICES, TOKENS, Keep, Work
from .common import BASE_IGNORED, FOR_WEIGHTS, KERNEL_IGNORED, E, I, O, Table, V, given_input, keras_input, layer

DENSE_TENSORS = (TensorTemplate("kernel", (I, O), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBEDDING_TENSORS = (TensorTemplate("embeddings", (V, E), "embedding"),
                     TensorTemplate("reverse_embeddings", (E, V), "weight", when="untied"))


def plan_dense(ctx: LayerContext) -> LayerPlan:
    shape = keras_input(ctx, tuple(range(2, 9)), "at least 2-D")
    i, o = shape[-1], ctx.int("units")
    assert i is not None
    tensors = expand(DENSE_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("input_dim"), ctx.int("output_dim")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    untied = ctx.spec.get("tie_weights", True) is False  # ReversibleEmbedding(tie_weights=False)
    return LayerPlan(tuple(expand(EMBEDDING_TENSORS, flags={"untied": untied})), freeze({"V": v, "E": e}), shape,
                     (*shape, e), features=(None, E))


def _einsum_specs(ctx: LayerContext) -> tuple[str, str, str, bool]:
    """(input spec, weight spec, output spec, left-elided) of `...ab,bc->...ac`-style equations."""
    import re

    equation = str(ctx.cfg("equation"))
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        found = re.match(pattern, dotted)
        if found:
            return found.group(1), found.group(2), found.group(3), left
    raise ConfigError(f"{ctx.name} (EinsumDense): Invalid einsum equation '{equation}'. Equations must be in the "
                      "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def plan_einsum_dense(ctx: LayerContext) -> LayerPlan:
    """kernel and bias shapes, and the output, exactly as Keras' _analyze_split_string derives them."""
    shape = given_input(ctx)
    name = f"{ctx.name} (EinsumDense)"
    in_spec, weight_spec, out_spec, left = _einsum_specs(ctx)
    elided = len(shape) - len(in_spec)
    partial = ctx.cfg("output_shape")
    dims = (partial,) if isinstance(partial, int) else partial if isinstance(partial, tuple) else None
    if dims is None or not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in dims):
        raise ConfigError(f"{name}: output_shape must be a size or a tuple of sizes (None for a free one); got "
                          f"{partial!r}.")
    out: list[int | None] = [d if isinstance(d, int) else None for d in dims]
    out.insert(0, shape[0])
    if elided > 0 and left:  # the elided axes in their order (Keras' symbolic shape reverses them; its result
        out[1:1] = shape[1:elided]  # keeps them)
    elif elided > 0:
        out.extend(shape[len(shape) - elided:])
    in_map = {d: (i + elided) - len(shape) for i, d in enumerate(in_spec)} if left else {
        d: i for i, d in enumerate(in_spec)}
    out_map = {d: i + elided for i, d in enumerate(out_spec)} if left else {d: i for i, d in enumerate(out_spec)}
    try:
        for d in in_spec:
            if d in out_map and out[out_map[d]] is not None and out[out_map[d]] != shape[in_map[d]]:
                raise ShapeError(f"{name}: Input shape and output shape do not match at shared dimension '{d}'. "
                                 f"Input shape is {shape[in_map[d]]}, and output shape is {out[out_map[d]]}.")
        for d in out_spec:
            if d not in in_spec and d not in weight_spec:
                raise ConfigError(f"{name}: Dimension '{d}' was specified in the output '{out_spec}' but has no "
                                  f"corresponding dim in the input spec '{in_spec}' or weight spec '{weight_spec}'")
        kernel: list[int | None] = []
        for d in weight_spec:
            if d in out_map:
                kernel.append(out[out_map[d]])
            elif d in in_map:
                kernel.append(shape[in_map[d]])
            else:
                raise ConfigError(f"{name}: Weight dimension '{d}' did not have a match in either the input spec "
                                  f"'{in_spec}' or the output spec '{out_spec}'. For this layer, the weight must be "
                                  "fully specified.")
        bias: list[int | None] | None = None
        axes = ctx.cfg("bias_axes")
        if isinstance(axes, str):
            skip = elided if left else 0
            sizes = {c: out[i + skip] for i, c in enumerate(out_spec)}
            missing = [c for c in axes if c not in out_spec]
            if missing:
                raise ConfigError(f"{name}: Bias dimension '{missing[0]}' was requested, but is not part of the "
                                  f"output spec '{out_spec}'")
            start = min(out_spec.find(c) for c in axes)
            bias = [sizes[c] if c in axes else 1 for c in out_spec[start:]]
            if not left:
                bias += [1] * max(elided, 0)
    except IndexError:
        raise ShapeError(f"{name}: the equation {ctx.cfg('equation')!r} does not fit an input of shape "
                         f"{fmt_shape(shape)} with output_shape={partial!r}.") from None
    if any(d is None for d in (*kernel, *(bias or ()))):
        raise ShapeError(f"{name}: its kernel would have shape {tuple(kernel)}: every weight dimension must be "
                         f"defined (give it in output_shape, or in the input shape {fmt_shape(shape)}).")
    tensors = [TensorSpec("kernel", tuple(Const(d) for d in kernel if d is not None), "weight")]
    if bias is not None:
        tensors.append(TensorSpec("bias", tuple(Const(d) for d in bias if d is not None), "bias"))
    return LayerPlan(tuple(tensors), freeze(), shape, tuple(out))


def plan_same(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    return LayerPlan((), freeze(), shape, shape)


def plan_lambda(ctx: LayerContext) -> LayerPlan:
    """No weights. Its function is not read: the output has its `output_shape` (without the batch) when the
    layer gives one, else the input's shape (with a warning: the code reader follows the function itself)."""
    shape = given_input(ctx)
    given = ctx.cfg("output_shape")
    if given is None:
        warning = (f"{ctx.name} (Lambda): its function is not read, so its output is taken to have its input's "
                   f"shape {fmt_shape(shape)}; give output_shape=... if it changes the shape")
        return LayerPlan((), freeze(), shape, shape, warnings=(warning,), notes=("lambda_unread",))
    dims: tuple[object, ...] = (given,) if isinstance(given, int) else given  # type: ignore[assignment]
    if not isinstance(dims, tuple) or not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                                              for d in dims):
        raise ConfigError(f"{ctx.name} (Lambda): output_shape must be a tuple of sizes without the batch (got "
                          f"{given!r}).")
    out: Shape = (shape[0], *dims)  # type: ignore[arg-type]
    return LayerPlan((), freeze(), shape, out, notes=("lambda_unread",))


LAMBDA_WORDS = MappingProxyType({"lambda_unread": (
    "A Lambda layer has no weights. Its function is not read; its output shape is the output_shape it is given "
    "(or, in a .py file, what the function does to its input as far as the code reader follows it).",
    "Lambda 层没有权重。它的函数不会被读取;输出形状取自给定的 output_shape"
    "(在 .py 文件中则按代码读取器能跟踪到的函数对输入的处理)。")})


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


def declare_more(table: Table) -> None:
    embedding = table.layers["Embedding"]
    table.add(
        layer("ReversibleEmbedding", "reversible_embedding", (
            Param("input_dim", kind=SIZE), Param("output_dim", kind=SIZE), Param("tie_weights", True, BOOL)),
            plan_embedding, embedding.ignored | {"reverse_dtype", "logit_soft_cap"}, work=embedding.work),
        layer("EinsumDense", "einsum_dense", (
            Param("equation", kind=ANY), Param("output_shape", kind=SHAPE), Param("activation", None),
            Param("bias_axes", None)), plan_einsum_dense, KERNEL_IGNORED | {"gptq_unpacked_column_size",
                                                                             "quantization_config"},
            work=Work(keeps=(FOR_WEIGHTS,), activation="activation")),
        layer("Identity", "identity", (), plan_same),
        layer("Masking", "masking", (Param("mask_value", 0.0, FLOAT),), plan_same),
        layer("Lambda", "lambda", (Param("function", kind=ANY), Param("output_shape", None),
                                   Param("mask", None), Param("arguments", None)), plan_lambda, words=LAMBDA_WORDS),
    )


__all__ = ["DENSE_TENSORS", "EMBEDDING_TENSORS", "declare", "declare_more", "plan_dense", "plan_einsum_dense",
           "plan_embedding", "plan_lambda", "plan_same"]
