"""Every model of a file: the module's variables that hold one (and a trainer's or config's `obj.model`),
the model classes the file never instantiates (built with their default arguments) and the functions that
build and return a model without being called (called with theirs). Each is counted, or kept with the
reason it cannot be.
"""

from __future__ import annotations

import ast

from ..._record import record
from ...errors import RnnParamsError
from ...spec import ModelSpec
from .messages import EmptyModel, ReadError, raised
from .values import Class, Function, Instance, Raised, Unknown, dotted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .reader import Reader


@record
class FileModel:
    """One model found in a file: how it is named there, and its spec (or why it cannot be counted)."""

    name: str
    kind: str
    """"variable" (a module-level name), "class" (a class never instantiated, built with its defaults) or
    "function" (a function that returns a model and is never called, called with its defaults)."""
    line: int
    type_name: str
    framework: str | None
    spec: ModelSpec | None = None
    error: RnnParamsError | None = None


def find_models(reader: Reader) -> tuple[FileModel, ...]:
    """Runs the module, then lists its models in the order the file defines them."""
    module = reader.run_module(reader.tree)
    found: list[FileModel] = []
    seen: set[int] = set()
    for name, value in list(module.items()):
        if reader.is_model(value) and id(value) not in seen:
            seen.add(id(value))
            found.append(file_model(reader, name, "variable", reader.lines.get(name, 0), value))
        elif type(value) is Instance:  # a trainer or config object holding the model: trainer.model
            for attr, held in list(value.attrs.items()):
                if reader.is_model(held) and id(held) not in seen:
                    seen.add(id(held))
                    found.append(file_model(reader, f"{name}.{attr}", "variable", reader.lines.get(name, 0), held))
    parts = components(reader, module)
    for name, value in list(module.items()):
        discovered: FileModel | None = None
        if isinstance(value, Class) and id(value) not in reader.called and value.name not in parts \
                and _role(reader, value) == "model" and value.node in reader.tree.body:
            discovered = discover(reader, name, "class", value)
        elif isinstance(value, Function) and id(value) not in reader.called and value.node in reader.tree.body \
                and builds_model(reader, value, module):
            discovered = discover(reader, name, "function", value)
        if discovered is not None:
            found.append(discovered)
    return tuple(found)


def discover(reader: Reader, name: str, kind: str, value: Class | Function) -> FileModel | None:
    """The model a class or function of the file builds with its defaults; None when it holds no layers
    (a mixin, a base class, a module of parameter-free parts)."""
    node = value.node
    call = ast.Call(ast.Name(name, ast.Load()), [], [], lineno=node.lineno, col_offset=node.col_offset)
    try:
        made = reader.call(value, [], {}, call)
    except RnnParamsError as exc:
        return FileModel(name, kind, node.lineno, name, None, error=exc)
    except ReadError as exc:
        return FileModel(name, kind, node.lineno, name, None, error=exc.error)
    except Raised as exc:
        return FileModel(name, kind, node.lineno, name, None, error=raised(reader, exc, f"{name}()"))
    if not reader.is_model(made):
        error = reader.fail(f"{name}() does not return a model the reader can follow "
                            f"({made.why if isinstance(made, Unknown) else type(made).__name__})", node)
        return FileModel(name, kind, node.lineno, name, None, error=error)
    model = file_model(reader, name, kind, node.lineno, made)
    if model.error is not None and isinstance(model.error, EmptyModel):
        return None
    return model


def components(reader: Reader, module: dict[str, object]) -> set[str]:
    """Classes of the file that other model classes build (encoders inside a seq2seq...)."""
    classes = {v.name for v in module.values() if isinstance(v, Class)}
    used: set[str] = set()
    for value in module.values():
        if isinstance(value, Class):
            used.update(b.name for b in value.bases if isinstance(b, Class))  # mixins and base classes
            if reader.class_kind(value) is None:
                continue  # a trainer that builds Net() does not make Net a component
            for node in ast.walk(value.node):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes \
                        and node.func.id != value.name:
                    used.add(node.func.id)
    return used


def builds_model(reader: Reader, func: Function, module: dict[str, object]) -> bool:
    """Whether a function returns something and calls a model builder or one of the file's model classes."""
    nodes = list(ast.walk(func.node))
    if not any(isinstance(n, ast.Return) and n.value is not None for n in nodes):
        return False
    builders = frozenset().union(*(a.model_builders for a in reader.adapters))
    for n in nodes:
        if isinstance(n, ast.Call):
            name = dotted(n.func) or ""
            base = name.rsplit(".", 1)[-1]
            target = module.get(name)
            if base in builders or (isinstance(target, Class) and reader.class_kind(target)):
                return True
    return False


def file_model(reader: Reader, name: str, kind: str, line: int, value: object) -> FileModel:
    """A model of the file with its spec, or with the error that says why it cannot be counted."""
    adapter = reader.owner(value)
    framework = adapter.fw.id
    type_name = adapter.type_name(value)
    try:
        spec = adapter.spec_of(value, name)
    except RnnParamsError as exc:
        return FileModel(name, kind, line, type_name, framework, error=exc)
    except ReadError as exc:
        return FileModel(name, kind, line, type_name, framework, error=exc.error)
    except Raised as exc:
        return FileModel(name, kind, line, type_name, framework, error=raised(reader, exc, name))
    return FileModel(name, kind, line, type_name, framework, spec)


def _role(reader: Reader, cls: Class) -> str | None:
    kind = reader.class_kind(cls)
    return None if kind is None else kind[1]
