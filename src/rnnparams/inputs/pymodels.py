"""The framework objects of model code as the `.py` reader sees them: PyTorch modules, containers and
parameters; Keras layers, symbolic tensors, Sequential and functional models. Plain records: the reader
(`pyfile.py`) builds them, and turns them into `ModelSpec`s.

Keras shapes are followed through a functional graph with the conventions' own plans (the same functions
`count` calls), plus the shape rules of the parameter-free layers and tensor operations listed here.
"""

from __future__ import annotations

from ..conventions import FrameworkConvention
from ..conventions.base import LayerContext, LayerPlan
from ..errors import RnnParamsError
from ..spec import LayerSpec, Shape
from .code.values import Class, Instance, Unknown

# -- PyTorch ------------------------------------------------------------------------------------------

class TorchLayer:
    """A `torch.nn` layer. `status`: "layer" (counted, `spec` set), "free" (no parameters: nn.ReLU...),
    "error" (its arguments cannot be resolved: `error` says which), "unsupported" (not in the conventions)."""

    def __init__(self, base: str, line: int, col: int, *, status: str = "layer", spec: LayerSpec | None = None,
                 error: RnnParamsError | None = None) -> None:
        self.base = base
        self.line = line
        self.col = col
        self.status = status
        self.spec = spec
        self.error = error
        self.slots: dict[str, TensorRef] = {}
        """Its tensors replaced by another one (weight tying: `self.decoder.weight = self.encoder.weight`)."""
        self.grad: dict[str, bool] = {}
        """Its tensors whose `requires_grad` the code set after building it (`weight.requires_grad = False`)."""

    def __repr__(self) -> str:
        return f"TorchLayer({self.base}, line {self.line}, {self.status})"


class TorchContainer:
    """`nn.Sequential`, `nn.ModuleList` or `nn.ModuleDict`: named children in registration order."""

    def __init__(self, kind: str, line: int) -> None:
        self.kind = kind
        self.line = line
        self.children: dict[str, object] = {}
        self.tainted: str | None = None
        """Why its contents are not known (changed under a condition the reader cannot decide)."""

    def append(self, module: object) -> None:
        self.children[str(len(self.children))] = module

    def __repr__(self) -> str:
        return f"TorchContainer({self.kind}, {len(self.children)})"


class TorchModule(Instance):
    """An instance of one of the file's `nn.Module` subclasses: its parameters and submodules, each in the
    order `__setattr__` registers them (what `named_parameters()` follows)."""

    def __init__(self, cls: Class, line: int) -> None:
        super().__init__(cls)
        self.line = line
        self.params: dict[str, object] = {}
        self.modules: dict[str, object] = {}
        self.tainted: str | None = None

    def has(self, name: str) -> bool:
        return name in self.params or name in self.modules or super().has(name)


class TorchParam:
    """`nn.Parameter(torch.zeros(3, 4))`: a tensor of its own, registered on the module it is assigned to."""

    def __init__(self, shape: tuple[int, ...] | None, requires_grad: bool, line: int, col: int,
                 error: RnnParamsError | None = None) -> None:
        self.shape = shape
        self.requires_grad = requires_grad
        self.line = line
        self.col = col
        self.error = error


class TensorValue:
    """A tensor made in the code (`torch.zeros(3, 4)`, `np.random.rand(32, 10)`): only its shape matters."""

    def __init__(self, shape: tuple[int, ...] | None, why: str = "", partial: tuple[object, ...] | None = None
                 ) -> None:
        self.shape = shape
        self.why = why
        self.partial = partial
        """Its sizes where only some are known (the others `Unknown`)."""


class TensorRef:
    """A layer's tensor read as an attribute (`self.encoder.weight`), for weight tying."""

    def __init__(self, owner: TorchLayer | TorchParam, name: str) -> None:
        self.owner = owner
        self.name = name

    def root(self) -> TensorRef:
        ref: TensorRef = self
        for _ in range(100):
            owner = ref.owner
            if not isinstance(owner, TorchLayer) or ref.name not in owner.slots:
                break
            ref = owner.slots[ref.name]
        return ref

    def key(self) -> tuple[int, str]:
        return id(self.owner), self.name


class BlackBox:
    """A module from outside the file (`CRF(...)` from a package): it may hold parameters no one can see."""

    def __init__(self, text: str, line: int | None, why: str, *, unknown: bool = False) -> None:
        self.text = text
        self.line = line
        self.why = why
        self.unknown = unknown
        """True: not something from outside, but a module the code sets in a way the reader cannot follow."""


# -- Keras --------------------------------------------------------------------------------------------

class KLayer:
    """A Keras layer object. `status` as for TorchLayer; `options` keeps the arguments of a parameter-free
    layer that is not in the conventions (its shape rule reads them)."""

    def __init__(self, base: str, line: int, col: int, seq: int, *, status: str = "layer",
                 spec: LayerSpec | None = None, error: RnnParamsError | None = None,
                 declared_input: Shape | None = None, options: dict[str, object] | None = None) -> None:
        self.base = base
        self.line = line
        self.col = col
        self.seq = seq
        self.status = status
        self.spec = spec
        self.error = error
        self.declared_input = declared_input
        """The input a first layer declares (`input_shape=(T, F)`), without the batch."""
        self.options = options or {}
        self.apps: list[KApp] = []
        self.call_node: object = None
        """The layer's call rebuilt with resolved values (what a wrapper such as Bidirectional binds)."""

    @property
    def name(self) -> str:
        return self.spec.name if self.spec is not None and self.spec.name else self.base

    def __repr__(self) -> str:
        return f"KLayer({self.name}, line {self.line}, {self.status})"


class KTensor:
    """A symbolic Keras tensor: its shape with the batch (None where free), and what produced it."""

    def __init__(self, shape: Shape | None, producer: KApp | None = None, why: str = "", line: int | None = None,
                 cause: Unknown | None = None) -> None:
        self.shape = shape
        self.producer = producer
        self.why = why
        """Why the shape is not known (None shape)."""
        self.line = line
        self.cause = cause
        """The unknown value the shape depends on (what `--set` can give)."""

    def __repr__(self) -> str:
        return f"KTensor({self.shape})"


class KApp:
    """One application of a layer (or of a tensor operation, `layer` None) to input tensors."""

    def __init__(self, layer: KLayer | None, inputs: list[KTensor], in_shape: Shape | None, line: int,
                 error: RnnParamsError | None = None) -> None:
        self.layer = layer
        self.inputs = inputs
        self.in_shape = in_shape
        self.line = line
        self.error = error


class KSequential:
    def __init__(self, line: int, name: str | None) -> None:
        self.line = line
        self.name = name
        self.items: list[object] = []
        self.input_shape: Shape | None = None
        """Declared by Input(...), InputLayer(...) or model.build(...), without the batch."""
        self.tainted: str | None = None


class KFunctional:
    def __init__(self, inputs: list[KTensor], outputs: list[KTensor], line: int, name: str | None) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.line = line
        self.name = name


class KModel(Instance):
    """An instance of one of the file's `keras.Model` (or `keras.layers.Layer`) subclasses."""

    def __init__(self, cls: Class, line: int, *, is_model: bool) -> None:
        super().__init__(cls)
        self.line = line
        self.is_model = is_model
        self.built = False
        self.tainted: str | None = None
        self.error: RnnParamsError | None = None


# -- Keras shapes ---------------------------------------------------------------------------------------

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


def plan_outputs(plan: LayerPlan) -> list[Shape]:
    """The tensors a layer call returns: its output (two with merge_mode=None), then its states."""
    out = plan.output_shape
    shapes: list[Shape] = [s for s in out if isinstance(s, tuple)] if plan.multi_output else [
        tuple(d for d in out if d is None or isinstance(d, int))]
    return shapes + list(plan.state_shapes.values())


IDENTITY = frozenset({
    "Activation", "Masking", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "ReLU", "LeakyReLU", "ELU", "Softmax", "ThresholdedReLU", "UnitNormalization",
    "Identity",
})
"""Keras layers without weights that return a tensor of their input's shape."""
SHAPED = frozenset({"MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D", "Reshape", "Permute", "Lambda",
                    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                    "ZeroPadding1D", "Cropping1D", "UpSampling1D", "TextVectorization", "StringLookup",
                    "IntegerLookup", "Attention", "InputLayer"})
"""Keras layers without weights whose output shape follows a rule below."""
MERGE_FUNCTIONS = frozenset({"concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum"})


def _opt(options: dict[str, object], name: str, position: int, default: object) -> object:
    args = options.get("*args")
    if isinstance(args, tuple) and len(args) > position:
        return args[position]
    return options.get(name, default)


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


def free_output(base: str, options: dict[str, object], shapes: list[Shape]) -> Shape | None:
    """Output shape of a parameter-free Keras layer outside the conventions (None: cannot be followed)."""
    shape = shapes[0]
    if base in IDENTITY:
        return shape
    if base in ("Concatenate", "concatenate"):
        axis = _opt(options, "axis", 0, -1)
        return concat(shapes, axis) if isinstance(axis, int) else None
    if base.lower() in MERGE_FUNCTIONS or base == "Attention":
        return broadcast(shapes) if base != "Attention" else shape
    if base in ("MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D"):
        pool = _opt(options, "pool_size", 0, 2)
        strides = _opt(options, "strides", 1, None)
        padding = str(_opt(options, "padding", 2, "valid")).lower()
        pool = pool[0] if isinstance(pool, tuple) and len(pool) == 1 else pool
        strides = strides[0] if isinstance(strides, tuple) and len(strides) == 1 else strides
        if not isinstance(pool, int) or not (strides is None or isinstance(strides, int)) or len(shape) != 3:
            return None
        step = pool if strides is None else strides
        channels_first = _opt(options, "data_format", 3, "channels_last") == "channels_first"
        axis = 2 if channels_first else 1
        length = shape[axis]
        if length is not None:
            length = (length - pool) // step + 1 if padding == "valid" else (length + step - 1) // step
        return tuple(length if k == axis else d for k, d in enumerate(shape))
    if base == "Reshape":
        target = _opt(options, "target_shape", 0, None)
        if not isinstance(target, tuple) or not all(isinstance(d, int) for d in target):
            return None
        if -1 in target:
            known = 1
            for d in shape[1:]:
                if d is None:
                    return (shape[0], *(None if d == -1 else d for d in target))
                known *= d
            rest = 1
            for d in target:
                rest *= d if d != -1 else 1
            return (shape[0], *(known // rest if d == -1 else d for d in target))
        return (shape[0], *target)
    if base == "Permute":
        dims = _opt(options, "dims", 0, None)
        if not isinstance(dims, tuple) or sorted(dims) != list(range(1, len(shape))):
            return None
        return (shape[0], *(shape[d] for d in dims if isinstance(d, int)))
    if base in ("ZeroPadding1D", "Cropping1D"):
        amount = _opt(options, "padding", 0, 1) if base == "ZeroPadding1D" else _opt(options, "cropping", 0, (1, 1))
        pair = (amount, amount) if isinstance(amount, int) else amount
        if not isinstance(pair, tuple) or len(pair) != 2 or not all(isinstance(p, int) for p in pair) \
                or len(shape) < 2:
            return None
        change = (pair[0] + pair[1]) * (1 if base == "ZeroPadding1D" else -1)
        return (shape[0], None if shape[1] is None else shape[1] + change, *shape[2:])
    if base == "UpSampling1D":
        size = _opt(options, "size", 0, 2)
        if not isinstance(size, int):
            return None
        return (shape[0], None if shape[1] is None else shape[1] * size, *shape[2:])
    if base == "TextVectorization":
        steps = options.get("output_sequence_length")
        if options.get("output_mode", "int") != "int":
            return None
        return (shape[0], steps) if isinstance(steps, int) else (shape[0], None)
    if base in ("StringLookup", "IntegerLookup"):
        return shape if options.get("output_mode", "int") == "int" else None
    return None


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


__all__ = ["BlackBox", "KApp", "KFunctional", "KLayer", "KModel", "KSequential", "KTensor", "TensorRef",
           "TensorValue", "TorchContainer", "TorchLayer", "TorchModule", "TorchParam", "free_output",
           "layer_plan", "op_output", "plan_outputs", "slice_shape"]

