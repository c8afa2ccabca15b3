"""Framework-neutral description of a model: what the user asked for, before any counting.

A `ModelSpec` is an ordered chain of `LayerSpec`s, each output feeding the next (a PyTorch
`nn.Sequential`-like chain whose recurrent layers pass on their `output` tensor, or a Keras `Sequential`),
or, with `chain=False`, a list of layers each counted on its own input (a functional graph, an nn.Module).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    Value = Union[int, float, str, bool, None, tuple["Value", ...], "LayerSpec"]  # noqa: UP007 (a forward reference)
else:
    Value = object  # the alias only matters to type checkers; `typing` stays out of start-up
Shape = tuple[int | None, ...]
"""A tensor shape; `None` marks a dimension the model does not fix (batch, time)."""


def frozen_mapping(items: Mapping[str, Value] | None = None) -> Mapping[str, Value]:
    return MappingProxyType(dict(items or {}))


@record
class LayerSpec:
    """One layer as written: its framework class name and its arguments, bound by name with defaults filled."""

    type: str
    config: Mapping[str, Value] = field(default_factory=frozen_mapping)
    name: str | None = None
    """The name the user gave (`name="encoder"`), else None and the framework's auto-name is used."""
    line: int | None = None
    col: int | None = None
    input_shape: Shape | None = None
    """The tensor this layer receives, with its batch dimension, when the model is not a chain (see
    `ModelSpec.chain`): found by following a functional graph; None where the layer's own arguments fix it."""
    tied: tuple[str, ...] = ()
    """Tensors of this layer (by name) that are another layer's, by weight tying (`decoder.weight =
    encoder.weight`): PyTorch's `named_parameters()` lists a shared tensor once, so it is counted there."""
    frozen: tuple[str, ...] = ()
    """Tensors of this layer (by name) set to `requires_grad = False` after it was built (`for p in
    self.embedding.parameters(): p.requires_grad = False`): still parameters, no longer trainable."""

    def get(self, key: str, default: Value = None) -> Value:
        return self.config.get(key, default)


@record
class MissingPart:
    """A part of a model the reader could not see into (a backbone built by another package, a module set in a
    way it cannot follow), left out of a `--partial` count: where it is and why."""

    path: str
    """Its attribute path in the model (`backbone`, `encoder.blocks`)."""
    text: str
    """How the code makes it (`torchvision.models.resnet18(weights=None)`)."""
    line: int | None
    why: str


@record
class ConfigSource:
    """The config file a model was built from (a Hugging Face or mamba_ssm config.json) and the `--set` values
    applied to it: `solve` and `sweep` vary the config's own fields by building the model from it again, as
    transformers would from the edited file (one size of the file reaches every module that reads it)."""

    text: str
    name: str
    overrides: tuple[str, ...] = ()


@record
class ModelSpec:
    framework: str
    layers: tuple[LayerSpec, ...]
    input_shape: Shape | None = None
    """Shape of one sample (no batch dimension), e.g. (T, F); None when the model text does not fix it."""
    name: str | None = None
    source: str | None = None
    """The text the spec was parsed from, kept so later errors can point into it."""
    chain: bool = True
    """True: each layer reads the previous one's output. False: the layers are wired some other way (a Keras
    functional graph with several inputs or merges, a PyTorch module's own `forward`), so each is counted on
    its own `LayerSpec.input_shape` (None: from its arguments, as PyTorch layers declare their input sizes)."""
    missing: tuple[MissingPart, ...] = ()
    """Parts left out because the reader cannot see into them (`--partial`): the count is then a lower bound."""
    config: ConfigSource | None = None
    """The config file it was built from, when it was (`inputs/hfconfig.py`)."""
