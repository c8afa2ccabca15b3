"""PyTorch's objects as the code reader sees them: modules, containers, parameters and the tensors a module
holds, plain records that the torch adapter (`torch.py`) builds and walks, and the `torch.nn` modules that
hold no parameters.
"""

from __future__ import annotations

import ast

from ....errors import RnnParamsError
from ....spec import LayerSpec
from ..objects import FrameworkLayer
from ..values import Class, Instance

BACKBONES = {
    "torchvision.models": "a torchvision model", "torchaudio.models": "a torchaudio model",
    "timm.create_model": "a timm model", "timm.models": "a timm model",
    "segmentation_models_pytorch": "a segmentation_models_pytorch model",
    "pretrainedmodels": "a pretrainedmodels model", "efficientnet_pytorch": "an efficientnet_pytorch model",
    "torch.hub.load": "a model loaded with torch.hub", "torch.jit.load": "a TorchScript module loaded from a file",
    "torch.load": "a module loaded with torch.load",
}
"""Import paths whose calls build a whole model from code the reader does not read (and how messages name it)."""
TRANSFORMERS_PARTS = ("Tokenizer", "Config", "Processor", "FeatureExtractor", "pipeline")
"""Classes of Hugging Face transformers that are no model (every other class it exports builds one)."""


def backbone(path: str) -> str | None:
    """What a call of `path` builds, when it is a model from another package (see BACKBONES)."""
    found = max((p for p in BACKBONES if path == p or path.startswith(p + ".")), key=len, default=None)
    if found is not None:
        return BACKBONES[found]
    parts = path.split(".")
    if parts[0] == "transformers" and len(parts) > 1 and parts[1][:1].isupper() and not any(
            w in parts[1] for w in TRANSFORMERS_PARTS):
        return "a Hugging Face transformers model"
    return None


TORCH_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict")
DICTS = frozenset({"ModuleDict", "ParameterDict"})
"""Containers keyed by name; the others number their items."""
LISTS = frozenset({"ModuleList", "ParameterList"})
PARAMETER_CONTAINERS = frozenset({"ParameterList", "ParameterDict"})


class TorchLayer(FrameworkLayer):
    """A `torch.nn` layer (its `status` says whether it is counted)."""

    def __init__(self, base: str, line: int, col: int, *, status: str = "layer", spec: LayerSpec | None = None,
                 error: RnnParamsError | None = None) -> None:
        super().__init__(base, line, col, status=status, spec=spec, error=error)
        self.slots: dict[str, TensorRef] = {}
        """Its tensors replaced by another one (weight tying: `self.decoder.weight = self.encoder.weight`)."""
        self.grad: dict[str, bool] = {}
        """Its tensors whose `requires_grad` the code set after building it (`weight.requires_grad = False`)."""
        self.call: ast.Call | None = None
        """The call that made it, with the values the reader resolved (what a layer taking it binds)."""

    def __repr__(self) -> str:
        return f"TorchLayer({self.base}, line {self.line}, {self.status})"


class PackageConfig:
    """A configuration or wiring of a package built on torch (`xLSTMBlockStackConfig(...)`, ncps' `AutoNCP(28, 4)`:
    `LayerConvention.argument_only`): no module, a value the module it configures takes as its argument."""

    def __init__(self, base: str, line: int, spec: LayerSpec | None, call: ast.Call | None,
                 error: RnnParamsError | None = None) -> None:
        self.base = base
        self.line = line
        self.spec = spec
        self.call = call
        """The call with the values the reader resolved, bound again as the argument of the module."""
        self.error = error

    def __repr__(self) -> str:
        return f"PackageConfig({self.base}, line {self.line})"


class TorchContainer:
    """`nn.Sequential`, `nn.ModuleList`, `nn.ModuleDict`, `nn.ParameterList` or `nn.ParameterDict`: named children
    (modules, or parameters) in registration order."""

    def __init__(self, kind: str, line: int) -> None:
        self.kind = kind
        self.line = line
        self.children: dict[str, object] = {}
        self.tainted: str | None = None
        """Why its contents are not known (changed under a condition the reader cannot decide)."""

    def append(self, module: object) -> None:
        self.children[str(len(self.children))] = module

    @property
    def is_dict(self) -> bool:
        return self.kind in DICTS

    @property
    def is_list(self) -> bool:
        return self.kind in LISTS

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
                 error: RnnParamsError | None = None, *, buffer: bool = False) -> None:
        self.shape = shape
        self.requires_grad = requires_grad
        self.line = line
        self.col = col
        self.error = error
        self.buffer = buffer
        """`register_buffer(name, tensor)`: state listed by `named_buffers()`, not a parameter."""


class TensorRef:
    """A layer's tensor read as an attribute (`self.encoder.weight`), for weight tying."""

    def __init__(self, owner: TorchLayer | TorchParam, name: str) -> None:
        self.owner = owner
        self.name = name

    def root(self) -> TensorRef:
        """The tensor itself: a tied weight leads to the one it was tied to (bounded, so a cycle ends)."""
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
