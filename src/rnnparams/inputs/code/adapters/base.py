"""What the code reader asks a framework's adapter. The reader runs the file with its interpreter; wherever
a value may be a framework's object, it asks each adapter in turn (the registry's order), and the first one
that answers for the value gives its meaning. Every method here answers "not mine" (NotImplemented, False,
None or an empty list), so an adapter overrides only what its framework has.

An adapter is named after the package whose model code it follows (`torch`, `keras`): that name is the
`code_reader` of the framework conventions it reads, and the root of the import paths it recognizes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from ....conventions import FrameworkConvention
from ....errors import RnnParamsError
from ....spec import ModelSpec
from ..frameworks import convention_for
from ..values import Class, Ext, Instance, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..reader import Reader


class Adapter:
    """One framework's meaning in model code: its names, its objects, and the specs of its models."""

    label = ""
    """How messages name the framework (`PyTorch`)."""
    looks_for = ""
    """What the reader looks for in a file, as the "no model found" message says it."""
    model_builders: frozenset[str] = frozenset()
    """Calls that build a model (`Sequential`): a function of the file that makes one returns a model."""

    def __init__(self, package: str, reader: Reader) -> None:
        self.package = package
        self.reader = reader
        self._fw: FrameworkConvention | None = None

    @property
    def fw(self) -> FrameworkConvention:
        """The convention the file is read with (a variant when --framework or the file's layers ask for it)."""
        if self._fw is None:
            self._fw = convention_for(self.package, self.reader.requested, self.reader.names)
        return self._fw

    # -- names: what marks a file, a name, a path, a class as this framework's ------------------------------

    @property
    def import_roots(self) -> frozenset[str]:
        """Packages whose import makes the file this framework's (for bare layer names)."""
        return frozenset({self.package})

    @property
    def hint_names(self) -> frozenset[str]:
        """Names whose use makes a file without imports this framework's (`nn` for PyTorch)."""
        return frozenset()

    @property
    def packages(self) -> frozenset[str]:
        """Packages whose other classes (optimizers, losses, devices) hold no weights of the model."""
        return frozenset({self.package})

    @property
    def array_packages(self) -> frozenset[str]:
        """Packages whose `zeros(...)`, `randn(...)` make a tensor."""
        return frozenset()

    @property
    def implicit_imports(self) -> dict[str, str]:
        """Names pasted code uses without importing them (`nn`), with the import path they stand for."""
        return {}

    def backbone_of(self, path: str) -> str | None:
        """When a call of this import path (`torchvision.models.resnet18`, `timm.create_model`) builds a whole
        model of this framework from code the reader does not read: how a message names what it is (`a
        torchvision model`); None for every other path. Such a part of a model is said to be unknown, naming
        its import, instead of being taken for a plain value."""
        return None

    def owns_name(self, name: str) -> bool:
        """Whether a bare name that is never imported (`LSTM`) is one of this framework's."""
        return False

    def star_names(self, module: str) -> list[str]:
        """The names `from MODULE import *` brings, if the module is this framework's."""
        return []

    def classify(self, parts: list[str]) -> tuple[str, str] | None:
        """("layer" | "ops", name) for an import path of this framework (`torch.nn.LSTM`); None for others."""
        return None

    def class_role(self, parts: list[str]) -> str | None:
        """"model" or "layer" when a class derives from this outside class (`nn.Module`, `keras.Model`)."""
        return None

    # -- objects ---------------------------------------------------------------------------------------------

    def call_special(self, ext: Ext, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """A framework call recognized by its whole path, before any other rule (`Embedding.from_pretrained`)."""
        return NotImplemented

    def call_layer(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """A layer, container or model of the framework called by name (`LSTM(...)`, `Sequential(...)`)."""
        return NotImplemented

    def call_op(self, base: str, path: str, args: list[object], kwargs: dict[str, object],
                node: ast.Call) -> object:
        """A tensor operation of the framework (`tf.concat(...)`)."""
        return NotImplemented

    def failed_layer(self, base: str, status: str, error: RnnParamsError, node: ast.Call) -> object:
        """A layer that cannot be counted ("error": its arguments; "unsupported": how it is written)."""
        return NotImplemented

    def instantiate(self, cls: Class, role: str, args: list[object], kwargs: dict[str, object],
                    node: ast.Call) -> object:
        """An instance of one of the file's classes deriving from the framework's (`class_role`)."""
        return NotImplemented

    def layer_argument(self, value: object) -> ast.expr | None:
        """A layer passed as another layer's argument (Bidirectional(LSTM(...))), as the call to bind."""
        return None

    # -- the interpreter's hooks (see `hooks.py`) ---------------------------------------------------------

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return NotImplemented

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        return NotImplemented

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        return NotImplemented

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        return False

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_set_item(self, obj: object, key: object, value: object, node: ast.AST) -> bool:
        return False

    def hook_del_attr(self, obj: object, name: str, node: ast.AST) -> bool:
        return False

    def hook_del_item(self, obj: object, key: object, node: ast.AST) -> bool:
        return False

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        return None

    def hook_truth(self, value: object) -> bool | Unknown | None:
        return None

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_inplace(self, current: object, op: ast.operator, value: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_unary(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> bool:
        """What a statement the reader cannot follow may have changed (True: taken care of)."""
        return False

    # -- models ----------------------------------------------------------------------------------------------

    def is_model(self, value: object) -> bool:
        """Whether a value is one of this framework's models (what a file's model list shows)."""
        return False

    def type_name(self, value: object) -> str:
        """The model's type as the list shows it (its class, `Sequential`...)."""
        return type(value).__name__

    def spec_of(self, value: object, name: str) -> ModelSpec:
        """The spec of one of this framework's models, or the error that says why it cannot be counted."""
        raise NotImplementedError
