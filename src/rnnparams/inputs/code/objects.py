"""What the framework adapters share: the statuses of a layer object, the tensors the code makes with a
framework or NumPy (`torch.zeros(3, 4)`, `np.random.rand(32, 10)`, `tf.constant(...)`: only their shape
matters, to whichever framework uses them), and the conventions' plan of one layer (what `count` computes).
"""

from __future__ import annotations

import ast

from ...conventions import FrameworkConvention
from ...conventions.base import LayerContext, LayerPlan
from ...errors import RnnParamsError
from ...spec import LayerSpec
from .bounds import first_unknown
from .values import Builtin, Unknown, why_unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ...spec import Shape
    from .hooks import Hooks


class FrameworkLayer:
    """A framework's layer object. `status`: "layer" (counted, `spec` set), "free" (no parameters: nn.ReLU,
    Dropout...), "error" (its arguments cannot be resolved: `error` says which), "unsupported" (not in the
    conventions)."""

    def __init__(self, base: str, line: int, col: int, *, status: str = "layer", spec: LayerSpec | None = None,
                 error: RnnParamsError | None = None) -> None:
        self.base = base
        self.line = line
        self.col = col
        self.status = status
        self.spec = spec
        self.error = error


class Tensor:
    """Anything that stands for a tensor (data the code makes, a symbolic tensor of a graph): never a plain
    value a layer argument could be."""


class TensorValue(Tensor):
    """A tensor made in the code (`torch.zeros(3, 4)`, `np.random.rand(32, 10)`): only its shape matters."""

    def __init__(self, shape: tuple[int, ...] | None, why: str = "", partial: tuple[object, ...] | None = None
                 ) -> None:
        self.shape = shape
        self.why = why
        self.partial = partial
        """Its sizes where only some are known (the others `Unknown`)."""


TENSOR_MAKERS = frozenset({"zeros", "ones", "empty", "randn", "rand", "Tensor", "FloatTensor", "DoubleTensor",
                           "HalfTensor", "LongTensor", "IntTensor", "BoolTensor", "full", "eye", "tensor",
                           "randint", "random", "normal", "uniform", "zeros_like", "ones_like", "constant",
                           "random_sample", "standard_normal"})
"""Calls that make a tensor (of `torch`, NumPy, TensorFlow: see `ARRAY_PACKAGES`)."""
TENSOR_METHODS_SAME = frozenset({"uniform_", "normal_", "fill_", "zero_", "to", "cuda", "cpu", "float", "double",
                                 "half", "detach", "clone", "contiguous", "data", "copy_",
                                 "xavier_uniform_", "long", "int", "bool", "mul_", "add_", "div_", "sub_"})
"""Methods of a tensor that give back a tensor of the same shape (or the tensor itself)."""
ARRAY_PACKAGES = frozenset({"numpy", "np"})
"""Packages whose `zeros(...)`, `randn(...)`... make a tensor for any framework (the adapters add their own)."""


def make_tensor(reader: Hooks, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    """`torch.zeros(3, 4)`, `np.random.rand(32, 10)`, `tf.constant([[1, 2]])`: a tensor of the shape the
    arguments give (partly known, or unknown and why)."""
    if base in ("tensor", "constant"):
        data = args[0] if args else kwargs.get("data", kwargs.get("value"))
        shape = data_shape(data)
        return TensorValue(shape, "" if shape is not None else "its data is not known")
    if base in ("zeros_like", "ones_like"):
        source = args[0] if args else None
        return source if isinstance(source, TensorValue) else TensorValue(None, "a tensor of unknown shape")
    if base in ("full", "normal", "uniform") and args and isinstance(args[0], (tuple, list)):
        sizes: object = args[0]
    elif base == "randint":
        sizes = args[2] if len(args) > 2 else kwargs.get("size")
    elif base == "eye":
        sizes = tuple(args[:2]) if len(args) >= 2 else (args[0], args[0]) if args else None
    else:
        sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
        if not args:
            sizes = kwargs.get("size", kwargs.get("shape"))
    if isinstance(sizes, (tuple, list)) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                for d in sizes):
        return TensorValue(tuple(d for d in sizes if isinstance(d, int)))
    cause = first_unknown(sizes)
    why = why_unknown(cause) if cause else "its size is not known"
    if isinstance(sizes, (tuple, list)) and all(isinstance(d, (int, Unknown)) for d in sizes):
        return TensorValue(None, why, tuple(sizes))  # np.zeros((len(lines), 14)).shape[-1] is still 14
    return TensorValue(None, why)


def tensor_attr(reader: Hooks, tensor: TensorValue, name: str, node: ast.AST) -> object:
    """`x.shape`, `x.size(1)`, `x.view(...)`, `x.t()`...: what a tensor made in the code gives."""
    shape = tensor.shape
    if name == "shape":
        if shape is None and tensor.partial is not None:
            return tensor.partial
        return shape if shape is not None else reader.unknown(node, tensor.why or "a tensor of unknown shape")
    if name == "size":
        return Builtin("size", lambda *a: (shape if not a else shape[a[0]]) if shape is not None else
                       reader.unknown(node, tensor.why))
    if name in TENSOR_METHODS_SAME:
        return tensor if name == "data" else Builtin(name, lambda *a, **k: tensor)
    if name in ("t", "T"):
        flipped = TensorValue(None if shape is None else tuple(reversed(shape)), tensor.why)
        return flipped if name == "T" else Builtin(name, lambda: flipped)
    if name in ("view", "reshape"):
        def reshaped(*sizes: object) -> object:
            dims = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
            if shape is not None and all(isinstance(d, int) for d in dims) and -1 not in dims:
                return TensorValue(tuple(dims))  # type: ignore[arg-type]
            return TensorValue(None, "a reshaped tensor")
        return Builtin(name, reshaped)
    if name in ("transpose", "swapaxes", "permute", "squeeze"):
        def moved(*dims: object) -> object:
            axes = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
            if shape is None or not all(isinstance(d, int) and -len(shape) <= d < len(shape) for d in axes) \
                    or not shape:
                return TensorValue(None, "a rearranged tensor")
            at = [d % len(shape) for d in axes]  # type: ignore[operator]
            if name == "squeeze":
                drop = set(at) if at else {k for k, n in enumerate(shape) if n == 1}
                return TensorValue(tuple(n for k, n in enumerate(shape) if k not in drop or n != 1))
            if name == "permute":
                return TensorValue(tuple(shape[k] for k in at)) if sorted(at) == list(range(len(shape))) else \
                    TensorValue(None, "a rearranged tensor")
            if len(at) != 2:
                return TensorValue(None, "a rearranged tensor")
            swapped = list(shape)
            swapped[at[0]], swapped[at[1]] = swapped[at[1]], swapped[at[0]]
            return TensorValue(tuple(swapped))
        return Builtin(name, moved)
    if name == "unsqueeze":
        def unsqueeze(dim: object) -> object:
            if shape is not None and isinstance(dim, int) and -len(shape) - 1 <= dim <= len(shape):
                k = dim % (len(shape) + 1)
                return TensorValue((*shape[:k], 1, *shape[k:]))
            return TensorValue(None, "a reshaped tensor")
        return Builtin(name, unsqueeze)
    return reader.unknown(node, f"the attribute {name!r} of a tensor")


def data_shape(data: object) -> tuple[int, ...] | None:
    """The shape of nested lists of numbers (`torch.tensor([[1, 2], [3, 4]])`), None if ragged or not data."""
    if isinstance(data, (int, float, bool)):
        return ()
    if isinstance(data, (list, tuple)) and data:
        inner = [data_shape(d) for d in data]
        if all(s is not None and s == inner[0] for s in inner):
            return (len(data), *inner[0])  # type: ignore[misc]
    return None


def layer_plan(fw: FrameworkConvention, spec: LayerSpec, in_shape: Shape | None) -> LayerPlan:
    """The convention's plan for one layer on one input: what `count` computes, for following shapes."""
    conv = fw.layers[spec.type]
    name = spec.name or conv.auto_name
    ctx = LayerContext(spec, name, in_shape, fw.id)
    if conv.wraps and conv.inner_input is not None:
        inner = spec.config["layer"]
        assert isinstance(inner, LayerSpec)
        inner_conv = fw.layers[inner.type]
        inner_name = inner.name or inner_conv.auto_name
        inner_plan = inner_conv.plan(LayerContext(inner, inner_name, conv.inner_input(ctx), fw.id))
        ctx = LayerContext(spec, name, in_shape, fw.id, inner_plan, inner_name)
    return conv.plan(ctx)
