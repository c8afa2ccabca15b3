"""The values the interpreter makes of model code, besides plain data (numbers, strings, tuples, lists, dicts):
what cannot be known (`Unknown`), what comes from outside the file (`Ext`), and the file's own scopes,
functions, classes and objects. None of them can run anything: a function is its `ast` node and the scope
it was defined in, an outside name is its import path.
"""

from __future__ import annotations

import ast
from collections.abc import Callable


class Unknown:
    """A value that cannot be known without running the code. `text` is the name (or expression) it was read
    under, which `--set text=VALUE` gives; `why` says where it comes from. Both are worked out only when a
    message needs them (a file can make many unknowns, in a data loop, that no message ever shows)."""

    __slots__ = ("_text", "_why", "line", "module_like")

    def __init__(self, text: str | ast.AST, line: int | None, why: str | Callable[[], str], *,
                 module_like: bool = False) -> None:
        self._text = text
        self.line = line
        self._why = why
        self.module_like = module_like
        """It is made by calling a class from outside the file (it may hold parameters the reader cannot see)."""

    @property
    def text(self) -> str:
        if not isinstance(self._text, str):
            node = self._text
            self._text = dotted(node) or source_text(node) or type(node).__name__
        return self._text

    @property
    def why(self) -> str:
        if not isinstance(self._why, str):
            self._why = self._why()
        return self._why

    def __repr__(self) -> str:
        return f"Unknown({self.text!r}, line {self.line}: {self.why})"


class Ext:
    """Something from outside the file, by its import path (`torch.nn.LSTM`, `os.system`): never run."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def base(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    def __repr__(self) -> str:
        return f"Ext({self.path})"


class Frame:
    """A scope: its own names, then the enclosing ones (closures, comprehensions), then the module's."""

    def __init__(self, names: dict[str, object], module: dict[str, object] | None, parent: Frame | None = None,
                 *, kind: str = "function") -> None:
        self.names = names
        self.module = names if module is None else module
        self.parent = parent
        self.kind = kind
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.function: Function | None = None
        """The function whose call this frame is (for `super()`)."""
        self.passed: set[str] = set()
        """Its parameters bound to arguments the caller gave (not to defaults)."""

    def passed_in(self, name: str) -> bool:
        """Whether `name` is an argument the caller passed explicitly (which --set leaves as passed)."""
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names and not (frame.kind == "class" and frame is not self):
                return name in frame.passed
            frame = frame.parent
        return False

    def lookup(self, name: str) -> tuple[bool, object]:
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names and not (frame.kind == "class" and frame is not self):
                return True, frame.names[name]
            frame = frame.parent
        if name in self.module:
            return True, self.module[name]
        return False, None

    def assign(self, name: str, value: object) -> None:
        if name in self.nonlocals:  # the enclosing function's variable
            frame = self.parent
            while frame is not None and (frame.kind == "class" or name not in frame.names):
                frame = frame.parent
            if frame is not None:
                frame.names[name] = value
                return
        (self.module if name in self.globals else self.names)[name] = value


class Function:
    """A function or method of the file (or a lambda), with its defaults evaluated where it was defined."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, frame: Frame,
                 defaults: list[object], kw_defaults: dict[str, object], owner: Class | None = None) -> None:
        self.node = node
        self.frame = frame
        self.defaults = defaults
        self.kw_defaults = kw_defaults
        self.owner = owner
        self.kind = "function"
        """"function", "staticmethod", "classmethod" or "property" (from its decorators)."""

    @property
    def name(self) -> str:
        return "<lambda>" if isinstance(self.node, ast.Lambda) else self.node.name

    def __repr__(self) -> str:
        return f"Function({self.name})"


class Class:
    """A class of the file: its bases, its namespace (methods, class attributes), dataclass fields."""

    def __init__(self, node: ast.ClassDef, bases: list[object], names: dict[str, object]) -> None:
        self.node = node
        self.bases = bases
        self.names = names
        self.dataclass = False
        self.fields: list[str] = []
        self._mro: list[Class] | None = None

    @property
    def name(self) -> str:
        return self.node.name

    def mro(self) -> list[Class]:
        """Worked out once (bases never change): a diamond of many classes would otherwise take exponential
        time, as every lookup walks it."""
        if self._mro is None:
            out: dict[Class, None] = {self: None}
            for base in self.bases:
                if isinstance(base, Class):
                    out.update(dict.fromkeys(base.mro()))
            self._mro = list(out)
        return self._mro

    def external_bases(self) -> list[str]:
        """Import paths of the outside classes it derives from (`torch.nn.Module`, `keras.Model`)."""
        paths = []
        for cls in self.mro():
            paths += [b.path for b in cls.bases if isinstance(b, Ext)]
        return paths

    def find(self, name: str) -> tuple[bool, object]:
        for cls in self.mro():
            if name in cls.names:
                return True, cls.names[name]
        return False, None

    def __repr__(self) -> str:
        return f"Class({self.name})"


class Instance:
    """An object of one of the file's classes (or an argparse namespace, a SimpleNamespace)."""

    def __init__(self, cls: Class | None, label: str = "") -> None:
        self.cls = cls
        self.attrs: dict[str, object] = {}
        self.label = label or (cls.name if cls else "namespace")

    def has(self, name: str) -> bool:
        return name in self.attrs or bool(self.cls and self.cls.find(name)[0])

    def __repr__(self) -> str:
        return f"Instance({self.label})"


class BoundMethod:
    def __init__(self, function: Function, obj: object) -> None:
        self.function = function
        self.obj = obj


class Builtin:
    """A callable the reader implements itself (len, range, dict.get, parser.add_argument...)."""

    def __init__(self, name: str, fn: Callable[..., object], pytype: type | None = None) -> None:
        self.name = name
        self.fn = fn
        self.pytype = pytype

    def __repr__(self) -> str:
        return f"Builtin({self.name})"


class Super:
    def __init__(self, cls: Class, obj: object) -> None:
        self.cls = cls
        self.obj = obj


class ExceptionType:
    def __init__(self, name: str) -> None:
        self.name = name


class Raised(Exception):
    """The file's own `raise` (or a lookup that fails, like a missing dict key) while it is being read."""

    def __init__(self, name: str, message: str, line: int | None) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.line = line


class ArgParser:
    """`argparse.ArgumentParser`: only the defaults matter (the code is never run with arguments)."""

    def __init__(self) -> None:
        self.defaults: dict[str, object] = {}


class FunctionReturn(Exception):
    """`return value` leaving the file's function (control flow inside the interpreter, never shown)."""

    def __init__(self, value: object) -> None:
        self.value = value


class LoopBreak(Exception):
    """`break` leaving a loop."""


class LoopContinue(Exception):
    """`continue` going on with the next iteration."""


def describe(node: ast.AST) -> str:
    """Short source text of a node, for messages."""
    try:
        text = ast.unparse(node)
    except Exception:  # an unusual node; the message only needs a hint
        return type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def source_text(node: ast.AST) -> str | None:
    """The expression as `ast.unparse` writes it (how --set keys that are not plain names are matched)."""
    try:
        return ast.unparse(node)
    except Exception:  # an unusual node cannot be given with --set; that is all
        return None


def dotted(node: ast.AST) -> str | None:
    """`args.hidden` -> "args.hidden", `cfg["hidden"]` -> "cfg.hidden"; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.slice.value}"
    return None


def why_unknown(cause: Unknown | None) -> str:
    """Why a value is not known, as a message says it: the name to give with --set, its line, the reason."""
    if cause is None:
        return "it is not known"
    return f"`{cause.text}` (line {cause.line}) cannot be known without running the code: {cause.why}"
