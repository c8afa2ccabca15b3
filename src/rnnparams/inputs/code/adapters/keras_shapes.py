"""How shapes go through a Keras graph: the tensors a layer call returns (from the conventions' plan, the
same one `count` uses), and the shape rules of what is not a layer -- tensor operations (`tf.concat`,
`keras.ops.expand_dims`...) and slices.
"""

from __future__ import annotations

from ....conventions.base import LayerPlan
from ....spec import Shape
from .keras_objects import KTensor


def plan_outputs(plan: LayerPlan) -> list[Shape]:
    """The tensors a layer call returns: its output (two with merge_mode=None), then its states."""
    out = plan.output_shape
    shapes: list[Shape] = [s for s in out if isinstance(s, tuple)] if plan.multi_output else [
        tuple(d for d in out if d is None or isinstance(d, int))]
    return shapes + list(plan.state_shapes.values())


FREE_IDENTITY = frozenset({"Dropout", "ThresholdedReLU"})
"""Layers without weights that the reader follows without binding them: a Dropout whose rate it cannot resolve,
and Keras 2's ThresholdedReLU (gone from Keras 3); both return a tensor of their input's shape. Every other layer
(pooling, reshaping, merging, attention...) is one of the conventions' (conventions/keras/)."""


def free_output(base: str, options: dict[str, object], shapes: list[Shape]) -> Shape | None:
    """Output shape of a layer the reader follows without its convention (None: cannot be followed)."""
    return shapes[0] if base in FREE_IDENTITY and len(shapes) == 1 else None


def broadcast(shapes: list[Shape]) -> Shape | None:
    rank = max(len(s) for s in shapes)
    out: list[int | None] = []
    for k in range(rank):
        dims = [s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0]
        sizes = {d for d in dims if d is not None and d != 1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else (1 if all(d == 1 for d in dims) else None))
    return tuple(out)


def concat(shapes: list[Shape], axis: int) -> Shape | None:
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes) or not -rank <= axis < rank:
        return None
    axis %= rank
    total: int | None = 0
    for s in shapes:
        total = None if total is None or s[axis] is None else total + s[axis]  # type: ignore[operator]
    return tuple(total if k == axis else shapes[0][k] for k in range(rank))


UNARY_OPS = frozenset({
    "tanh", "sigmoid", "relu", "softmax", "log_softmax", "exp", "log", "abs", "sqrt", "square", "elu", "selu",
    "gelu", "softplus", "softsign", "swish", "silu", "negative", "cast", "identity", "stop_gradient", "dropout",
    "l2_normalize", "round", "floor", "ceil", "clip_by_value", "clip", "sign", "cos", "sin", "erf", "leaky_relu",
    "hard_sigmoid", "relu6", "reciprocal", "rsqrt", "logical_not", "zeros_like", "ones_like",
})
BINARY_OPS = frozenset({"add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "truediv",
                        "squared_difference", "equal", "not_equal", "greater", "less"})
REDUCE_OPS = frozenset({"reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "sum", "mean",
                        "max", "min", "prod", "argmax", "argmin", "reduce_logsumexp", "logsumexp"})


def _axis_list(axis: object, rank: int) -> list[int] | None:
    if axis is None:
        return list(range(rank))
    axes = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    if not all(isinstance(a, int) and -rank <= a < rank for a in axes):
        return None
    return sorted({a % rank for a in axes})  # type: ignore[operator]


def op_output(name: str, args: list[object], kwargs: dict[str, object]) -> Shape | None:
    """Output shape of a tensor operation (`tf.concat`, `keras.ops.expand_dims`...), None if not known."""
    tensors = [a for a in args if isinstance(a, KTensor)]
    first = tensors[0].shape if tensors else None

    def arg(position: int, key: str, default: object = None) -> object:
        return args[position] if len(args) > position else kwargs.get(key, default)

    if name in UNARY_OPS:
        return first
    if name in BINARY_OPS:
        shapes = [t.shape for t in tensors]
        if any(s is None for s in shapes) or not shapes:
            return None
        return broadcast(shapes)  # type: ignore[arg-type]
    if name in ("concat", "concatenate"):
        items = arg(0, "values") if name == "concat" else arg(0, "xs")
        axis = arg(1, "axis", -1 if name == "concatenate" else None)
        if not isinstance(items, (list, tuple)) or not isinstance(axis, int):
            return None
        shapes = [t.shape for t in items if isinstance(t, KTensor)]
        if len(shapes) != len(items) or any(s is None for s in shapes):
            return None
        return concat(shapes, axis)  # type: ignore[arg-type]
    if first is None:
        return None
    rank = len(first)
    if name == "expand_dims":
        axis = arg(1, "axis")
        if not isinstance(axis, int) or not -rank - 1 <= axis <= rank:
            return None
        axis %= rank + 1
        return (*first[:axis], 1, *first[axis:])
    if name == "squeeze":
        axis = arg(1, "axis")
        axes = [k for k, d in enumerate(first) if d == 1] if axis is None else _axis_list(axis, rank)
        return None if axes is None else tuple(d for k, d in enumerate(first) if k not in axes)
    if name in REDUCE_OPS:
        axes = _axis_list(arg(1, "axis"), rank)
        keep = bool(arg(2, "keepdims", False)) or bool(kwargs.get("keep_dims", False))
        if axes is None:
            return None
        if name.startswith("arg"):
            keep = False
        return tuple(1 if k in axes else d for k, d in enumerate(first)) if keep else tuple(
            d for k, d in enumerate(first) if k not in axes)
    if name == "matmul" and len(tensors) == 2 and tensors[1].shape is not None:
        b = tensors[1].shape
        if len(first) < 2 or len(b) < 2:
            return None
        if kwargs.get("transpose_b"):
            b = (*b[:-2], b[-1], b[-2])
        return (*first[:-1], b[-1])
    if name == "transpose":
        perm = arg(1, "perm") if "perm" in kwargs or len(args) > 1 else arg(1, "axes")
        if perm is None:
            return tuple(reversed(first))
        if not isinstance(perm, (tuple, list)) or sorted(perm) != list(range(rank)):
            return None
        return tuple(first[p] for p in perm)
    if name == "reshape":
        target = arg(1, "shape")
        if not isinstance(target, (tuple, list)) or not all(isinstance(d, int) or d is None for d in target):
            return None
        return tuple(None if d == -1 else d for d in target)
    return None


def slice_shape(shape: Shape, key: object) -> Shape | None:
    """`x[:, -1, :]`, `x[:, 0]`: the shape of a slice of a tensor."""
    items = key if isinstance(key, tuple) else (key,)
    out: list[int | None] = []
    k = 0
    for item in items:
        if item is Ellipsis:
            return None
        if k >= len(shape):
            return None
        if isinstance(item, int) and not isinstance(item, bool):
            k += 1
            continue
        if isinstance(item, slice):
            dim = shape[k]
            out.append(None if dim is None else len(range(*item.indices(dim))))
            k += 1
            continue
        if item is None:
            out.append(1)
            continue
        return None
    return (*out, *shape[k:])
