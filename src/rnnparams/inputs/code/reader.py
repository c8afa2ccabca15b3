"""Models read from Python code (`rnnparams count model.py`), parsed with `ast` and never run.

The reader follows the module the way Python would run it, with the package's interpreter (which runs
nothing from outside the file: `interpreter.py`), and gives the frameworks' calls their meaning by asking
the framework adapters (`adapters/`), one per framework whose conventions name a `code_reader`: wherever a
value may be a framework's object, each adapter is asked in turn and the first that answers gives it.
The reader itself knows no framework: which one a file, a bare name or an import path belongs to is the
adapters' answer, and which frameworks exist is the conventions' (`frameworks.py`).

A model that is not a chain (a functional graph, a module with its own `forward`) becomes a `ModelSpec`
with `chain=False` whose layers carry their own input shapes. Every model of the file is found
(`discovery.py`): the module's variables, the model classes it never instantiates (built with their
default arguments), and the functions that build and return a model without being called.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

from ...conventions import FRAMEWORKS
from ...errors import InputError, UsageError
from ...spec import ModelSpec, Shape
from .adapters import Adapter, adapter_classes, make_adapters
from .detect import looks_like_code, refuse_layer_calls
from .discovery import FileModel, find_models
from .frameworks import code_frameworks, framework_choices
from .interpreter import Interpreter
from .messages import ReadError, unresolved
from .objects import ARRAY_PACKAGES, TENSOR_MAKERS, TensorValue, make_tensor, tensor_attr
from .overrides import parse_overrides
from .values import (
    ArgParser,
    BoundMethod,
    Builtin,
    Class,
    ExceptionType,
    Ext,
    Frame,
    Function,
    Instance,
    Raised,
    Super,
    Unknown,
)

IMPLICIT_IMPORTS = {"np": "numpy"}
"""Names pasted code uses without importing them, besides the frameworks' own (the adapters')."""
INTERPRETER_TYPES = frozenset({int, float, str, bool, type(None), tuple, list, dict, range, slice, Builtin, Function,
                               BoundMethod, Class, Instance, ExceptionType, Super, Raised, ArgParser, Ext})
"""The interpreter's own values (by exact type: a framework's module may be an Instance subclass), which are
never a framework's object: the hooks answer for them without asking the adapters (most values are these)."""


def read_models(text: str, *, source_name: str = "<model>", framework: str | None = None,
                input_shape: Shape | None = None, overrides: Mapping[str, object] | None = None,
                partial: bool = False) -> tuple[FileModel, ...]:
    """Every model defined in the code, each with its spec or its error. `partial`: a model with parts the
    reader cannot see into (a backbone from another package, a module set in a way it cannot follow) is still
    counted, from what the file defines; its spec lists the parts left out (`ModelSpec.missing`), so its count
    is a lower bound."""
    if framework is not None and framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
    if framework is not None and not FRAMEWORKS[framework].code_reader:
        raise UsageError(f"{source_name}: model code (.py) is read for {', '.join(code_frameworks())}; a "
                         f"{FRAMEWORKS[framework].display} model can be counted from an expression in its own "
                         f"syntax or a spec file (`rnnparams frameworks` shows how it is written)")
    tree = _parse(text, source_name)
    reader = Reader(text, source_name, tree, framework, input_shape, overrides or {}, partial)
    try:
        models = find_models(reader)
    except RecursionError:
        raise InputError(f"{source_name}: the code is nested too deeply to read") from None
    unused = sorted(set(reader.overrides) - reader.used_overrides)
    if unused:
        raise UsageError(f"--set {unused[0]}: {source_name} never reads a value named `{unused[0]}`; give the name "
                         "as the code reads it (a module constant, an __init__ argument, args.NAME...)")
    return models


def select_model(models: Sequence[FileModel], select: str | None, source_name: str) -> FileModel:
    if not models:
        looked_for = _and([a.looks_for for a in sorted(adapter_classes().values(), key=lambda a: a.label)])
        raise InputError(f"{source_name}: no model found. rnnparams looks for {looked_for} assigned to "
                         "module-level names")
    names = ", ".join(m.name for m in models)
    if select is None:
        if len(models) > 1:
            raise UsageError(f"{source_name} defines {len(models)} models ({names}); choose one with --model NAME "
                             f"(or {source_name}::NAME)")
        return models[0]
    chosen = [m for m in models if m.name == select] or [m for m in models if m.type_name == select]
    if len(chosen) != 1:
        found = "several models" if chosen else "no model"
        raise UsageError(f"{source_name}: {found} named {select!r}; the models are: {names}")
    return chosen[0]


def spec_from_code(text: str, *, source_name: str = "<model>", framework: str | None = None,
                   input_shape: Shape | None = None, select: str | None = None,
                   overrides: Mapping[str, object] | None = None, partial: bool = False) -> ModelSpec:
    model = select_model(read_models(text, source_name=source_name, framework=framework, input_shape=input_shape,
                                     overrides=overrides, partial=partial), select, source_name)
    if model.error is not None:
        raise model.error
    assert model.spec is not None
    if framework is not None and model.spec.framework != framework:
        raise UsageError(f"{source_name}: --framework {framework} was given, but `{model.name}` is "
                         f"{FRAMEWORKS[model.spec.framework].display} code")
    return model.spec


def _parse(text: str, source_name: str) -> ast.Module:
    try:
        return ast.parse(text, filename=source_name)
    except SyntaxError as exc:
        raise InputError(f"{source_name}: syntax error: {exc.msg}", source=text, line=exc.lineno,
                         col=(exc.offset or 1) - 1) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise InputError(f"{source_name}: the code is nested too deeply (or is too large) to read") from None


def _and(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def names_used(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}


class Reader(Interpreter):
    """The interpreter with the frameworks given their meaning by the adapters."""

    def __init__(self, text: str, source_name: str, tree: ast.Module, framework: str | None,
                 input_shape: Shape | None, overrides: Mapping[str, object], partial: bool = False) -> None:
        super().__init__(text, overrides)
        self.tree = tree
        self.source_name = source_name
        self.partial = partial
        """Count what the file defines even where a part cannot be seen into (the adapters list those parts)."""
        self.requested = framework
        self.input_shape = input_shape
        self.names = names_used(tree)
        self.lines: dict[str, int] = {}
        """The line each module-level name is first assigned on (a model's place in the file)."""
        self.adapters = make_adapters(self)
        self.hint = self.file_hint()
        self.not_module_packages = self.not_module_packages.union(*(a.packages for a in self.adapters))
        self.array_packages = ARRAY_PACKAGES.union(*(a.array_packages for a in self.adapters))
        self.model_builders = frozenset[str]().union(*(a.model_builders for a in self.adapters))
        self.implicit = {name: path for a in self.adapters for name, path in a.implicit_imports.items()}
        self.implicit.update(IMPLICIT_IMPORTS)
        self._imports: dict[str, int] | None = None

    # -- which framework: a file, a name, a path, a class, a model ----------------------------------------

    def file_hint(self) -> Adapter | None:
        """Which framework bare names (`LSTM(...)` without an import) belong to: the one --framework names,
        else the only one the file imports, else the only one whose names it uses."""
        if self.requested is not None:
            wanted = FRAMEWORKS[self.requested].code_reader
            return next(a for a in self.adapters if a.package == wanted)
        roots = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                roots.add(node.module.split(".")[0])
        importing = [a for a in self.adapters if roots & a.import_roots]
        if len(importing) == 1:
            return importing[0]
        naming = [a for a in self.adapters if self.names & a.hint_names]
        return naming[0] if len(naming) == 1 else None

    def framework_names(self, name: str) -> list[Adapter]:
        """Which frameworks a bare, never imported name belongs to (a bare Sequential is Keras': PyTorch code
        writes nn.Sequential)."""
        return [a for a in self.adapters if a.owns_name(name)]

    def classify(self, path: str, node: ast.AST) -> tuple[Adapter, str, str] | None:
        """(adapter, "layer" | "ops", class or function name) for a framework name; None for others."""
        parts = path.split(".")
        base = parts[-1]
        if parts[0] == "?":
            owners = self.framework_names(base)
            if len(owners) == 1:
                return owners[0], "layer", base
            if self.hint is not None:
                return self.hint, "layer", base
            named = owners or self.adapters
            raise self.fail(f"ambiguous framework: {base}(...) exists in {_and([a.label for a in named])}, and the "
                            f"file imports {'neither' if len(named) == 2 else 'none of them'}. Pass --framework "
                            f"({framework_choices()}), or import it", node)
        for adapter in self.adapters:
            found = adapter.classify(parts)
            if found is not None:
                return adapter, *found
        return None

    def layer_base(self, cls: Class) -> tuple[Adapter, str] | None:
        """The framework layer a class of the file derives from (`class Linear(Bottle, nn.Linear)`), if any."""
        for path in cls.external_bases():
            if path.startswith("?."):
                continue
            found = self.classify(path, cls.node)
            if found is not None and found[1] == "layer" and found[2] in found[0].fw.layers:
                return found[0], found[2]
        return None

    def class_kind(self, cls: Class) -> tuple[Adapter, str] | None:
        """(adapter, "model" | "layer") from the outside classes a class of the file derives from."""
        for path in cls.external_bases():
            parts = path.split(".")
            if parts[0] == "?":
                continue
            for adapter in self.adapters:
                role = adapter.class_role(parts)
                if role is not None:
                    return adapter, role
        return None

    def is_model(self, value: object) -> bool:
        return any(a.is_model(value) for a in self.adapters)

    def owner(self, value: object) -> Adapter:
        """The adapter whose model a value is (`is_model`)."""
        return next(a for a in self.adapters if a.is_model(value))

    def run_module(self, tree: ast.Module) -> dict[str, object]:
        try:
            return super().run_module(tree)
        except ReadError as exc:
            raise exc.error from None

    def assign(self, target: ast.expr, value: object, frame: Frame) -> None:
        if frame.kind == "module" and isinstance(target, ast.Name):
            self.lines.setdefault(target.id, target.lineno)
        super().assign(target, value, frame)

    # -- names and calls ------------------------------------------------------------------------------------

    def hook_undefined(self, node: ast.Name) -> object:
        if node.id in self.implicit:
            return Ext(self.implicit[node.id])
        if self.framework_names(node.id):
            return Ext(f"?.{node.id}")
        return super().hook_undefined(node)

    def hook_star_import(self, module: str, frame: Frame) -> None:
        for adapter in self.adapters:
            names = adapter.star_names(module)
            if names:
                for name in names:
                    frame.assign(name, Ext(f"{module}.{name}"))
                return

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if isinstance(func, Ext):
            return self.call_framework(func, args, kwargs, node)
        if type(func) in INTERPRETER_TYPES:
            return NotImplemented
        for adapter in self.adapters:
            answer = adapter.hook_call(func, args, kwargs, node)
            if answer is not NotImplemented:
                return answer
        return NotImplemented

    def call_framework(self, ext: Ext, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """A call of something imported: a framework's layer, model or operation, a tensor maker, a model built
        by another package (a backbone), or nothing the reader knows (then it is never run)."""
        backbone = self.backbone(ext.path, node)
        if backbone is not None:
            return backbone
        for adapter in self.adapters:
            special = adapter.call_special(ext, args, kwargs, node)
            if special is not NotImplemented:
                return special
        found = self.classify(ext.path, node)
        if found is not None:
            adapter, role, base = found
            made = adapter.call_layer(base, args, kwargs, node) if role == "layer" else adapter.call_op(
                base, ext.path, args, kwargs, node)
            if made is not NotImplemented:
                return made
        if ext.base in TENSOR_MAKERS and ext.path.split(".")[0] in self.array_packages:
            return make_tensor(self, ext.base, args, kwargs, node)
        return NotImplemented

    def backbone(self, path: str, node: ast.Call) -> Unknown | None:
        """A model built by a package the adapters name (`torchvision.models.resnet18(...)`): a part of the model
        whose tensors the reader cannot see, said with the import it comes from."""
        what = next((w for w in (a.backbone_of(path) for a in self.adapters) if w is not None), None)
        if what is None:
            return None
        module = max((m for m in self.imports() if path == m or path.startswith(m + ".")), key=len, default=None)
        where = f"imported on line {self.imports()[module]}" if module is not None else "from an import"
        return self.unknown(node, f"it is built by {path}(...), {what} ({where}), whose code rnnparams does not "
                                  "read", module_like=True)

    def imports(self) -> dict[str, int]:
        """The import paths of the file and the line each is first imported on (`from torchvision import
        models` imports `torchvision.models`)."""
        if self._imports is None:
            self._imports = {}
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        self._imports.setdefault(alias.name, node.lineno)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    self._imports.setdefault(node.module, node.lineno)
                    for alias in node.names:
                        self._imports.setdefault(f"{node.module}.{alias.name}", node.lineno)
        return self._imports

    def hook_call_unresolved(self, func: object, missing: Unknown, node: ast.Call) -> object:
        if isinstance(func, Ext):
            found = self.classify(func.path, node)
            if found is not None and found[1:] == ("layer", func.base):
                error = unresolved(self, missing, f"the arguments of {func.base}(...)", node)
                return found[0].failed_layer(func.base, "error", error, node)
        return super().hook_call_unresolved(func, missing, node)

    def hook_instantiate(self, cls: Class, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        layer = self.layer_base(cls)
        if layer is not None:  # class Linear(Bottle, nn.Linear): pass -- the layer itself, with its arguments
            adapter, base = layer
            if any("__init__" in c.names for c in cls.mro()):
                error = self.fail(f"{cls.name} derives from {base} and has its own __init__, which is not followed; "
                                  f"only subclasses that keep {base}'s constructor are counted", node)
                return adapter.failed_layer(base, "unsupported", error, node)
            return adapter.call_layer(base, args, kwargs, node)
        kind = self.class_kind(cls)
        if kind is not None:
            return kind[0].instantiate(cls, kind[1], args, kwargs, node)
        return NotImplemented

    # -- the other hooks: the first adapter that answers (none is asked about the interpreter's own values) --

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        if type(obj) in INTERPRETER_TYPES:
            return NotImplemented
        for adapter in self.adapters:
            answer = adapter.hook_get_attr(obj, name, node)
            if answer is not NotImplemented:
                return answer
        return tensor_attr(self, obj, name, node) if isinstance(obj, TensorValue) else NotImplemented

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        for adapter in self.adapters if type(obj) not in INTERPRETER_TYPES else ():
            answer = adapter.hook_instance_attr(obj, name, node)
            if answer is not NotImplemented:
                return answer
        return super().hook_instance_attr(obj, name, node)

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        for adapter in self.adapters if type(obj) not in INTERPRETER_TYPES else ():
            answer = adapter.hook_get_item(obj, key, node)
            if answer is not NotImplemented:
                return answer
        return NotImplemented

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        if type(left) in INTERPRETER_TYPES and type(right) in INTERPRETER_TYPES:
            return NotImplemented
        for adapter in self.adapters:
            answer = adapter.hook_binop(op, left, right, node)
            if answer is not NotImplemented:
                return answer
        return NotImplemented

    def hook_inplace(self, current: object, op: ast.operator, value: object, node: ast.AST) -> object:
        for adapter in self.adapters if type(current) not in INTERPRETER_TYPES else ():
            answer = adapter.hook_inplace(current, op, value, node)
            if answer is not NotImplemented:
                return answer
        return NotImplemented

    def hook_unary(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        for adapter in self.adapters if type(value) not in INTERPRETER_TYPES else ():
            answer = adapter.hook_unary(op, value, node)
            if answer is not NotImplemented:
                return answer
        return super().hook_unary(op, value, node)

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        return type(obj) not in INTERPRETER_TYPES and any(a.hook_set_attr(obj, name, value, node)
                                                          for a in self.adapters)

    def hook_set_item(self, obj: object, key: object, value: object, node: ast.AST) -> bool:
        return type(obj) not in INTERPRETER_TYPES and any(a.hook_set_item(obj, key, value, node)
                                                          for a in self.adapters)

    def hook_del_attr(self, obj: object, name: str, node: ast.AST) -> bool:
        return type(obj) not in INTERPRETER_TYPES and any(a.hook_del_attr(obj, name, node) for a in self.adapters)

    def hook_del_item(self, obj: object, key: object, node: ast.AST) -> bool:
        return type(obj) not in INTERPRETER_TYPES and any(a.hook_del_item(obj, key, node) for a in self.adapters)

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        for adapter in self.adapters if type(value) not in INTERPRETER_TYPES else ():
            items = adapter.hook_iterate(value)
            if items is not None:
                return items
        return None

    def hook_truth(self, value: object) -> bool | Unknown | None:
        for adapter in self.adapters if type(value) not in INTERPRETER_TYPES else ():
            truth = adapter.hook_truth(value)
            if truth is not None:
                return truth
        return None

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> None:
        if type(obj) in INTERPRETER_TYPES or not any(a.hook_havoc(obj, node, why) for a in self.adapters):
            super().hook_havoc(obj, node, why)

__all__ = ["FileModel", "Reader", "looks_like_code", "parse_overrides", "read_models", "refuse_layer_calls",
           "select_model", "spec_from_code"]
