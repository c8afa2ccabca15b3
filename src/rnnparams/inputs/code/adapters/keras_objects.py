"""Keras' objects as the code reader sees them: layers, symbolic tensors and the applications between them,
Sequential and functional models, instances of the file's `keras.Model` subclasses. Plain records that the
keras adapter (`keras.py`) builds, follows through a graph and turns into specs.
"""

from __future__ import annotations

from ....errors import RnnParamsError
from ....spec import LayerSpec, Shape
from ..objects import FrameworkLayer, Tensor
from ..values import Class, Instance, Unknown

KERAS_MODELS = ("Sequential", "Model", "Functional")
KERAS_INPUTS = ("Input", "InputLayer")


class KLayer(FrameworkLayer):
    """A Keras layer object (its `status` says whether it is counted); `options` keeps the arguments of a
    parameter-free layer that is not in the conventions (its shape rule reads them)."""

    def __init__(self, base: str, line: int, col: int, seq: int, *, status: str = "layer",
                 spec: LayerSpec | None = None, error: RnnParamsError | None = None,
                 declared_input: Shape | None = None, options: dict[str, object] | None = None) -> None:
        super().__init__(base, line, col, status=status, spec=spec, error=error)
        self.seq = seq
        """Its place in construction order (a graph's layers are listed in it)."""
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


class KTensor(Tensor):
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
