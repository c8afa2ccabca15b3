"""Follow the plain-Python part of model code without running it: constants, arithmetic, config dicts,
dataclasses, argparse defaults, the file's own functions and classes.

This is a small interpreter over `ast` nodes that knows only values it builds itself (numbers, strings,
tuples, lists, dicts, and records of the file's own classes). Nothing the file imports or calls outside
itself is ever run: `os.system(...)`, `open(...)`, `torch.randn(...)` evaluate to an `Unknown` (or, for the
framework layers, to what `pyfile.py` makes of them). A value the reader cannot know stays `Unknown`, with
the name it was read under and why, so an error can say which variable to give with `--set NAME=VALUE`.

Work is bounded: steps, call depth, loop lengths, sizes of strings and lists and integers, so no input can
make the reader compute for long or build anything large.
"""

from __future__ import annotations

import ast
import math
import string
import time
from collections.abc import Callable, Iterator, Mapping

from ..errors import InputError

MAX_STEPS = 1_000_000
"""Expressions and statements evaluated for one file, in all."""
MAX_DEPTH = 40
"""Nested calls of the file's own functions (recursion ends here)."""
MAX_LOOP = 1_000
"""Iterations one loop may take; a longer loop is not followed (what it assigns becomes unknown)."""
MAX_SIZE = 100_000
"""Elements of a list or characters of a string the reader builds."""
MAX_INT_BITS = 4096
"""Bits of an integer the reader computes (about 1,200 digits); a larger one is not computed."""
MAX_SECONDS = 5.0
"""Wall-clock time one file may take to read, whatever it does (the step count bounds most of it)."""

DATA_TYPES = (int, float, str, bool, type(None), tuple, list, dict, range)
DATA_BUILTINS = frozenset({"int", "float", "str", "bool", "len", "range", "list", "tuple", "set", "sorted", "reversed",
                           "sum", "min", "max", "any", "all", "abs", "round", "enumerate", "zip", "divmod"})


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


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


BUILTIN_EXCEPTIONS = frozenset({
    "Exception", "BaseException", "ValueError", "KeyError", "TypeError", "IndexError", "AttributeError",
    "NotImplementedError", "RuntimeError", "AssertionError", "ImportError", "ModuleNotFoundError",
    "ZeroDivisionError", "FileNotFoundError", "OSError", "StopIteration", "LookupError", "ArithmeticError",
})
NOT_RUN = frozenset({"open", "eval", "exec", "compile", "__import__", "input", "globals", "locals", "breakpoint",
                     "exit", "quit", "help", "memoryview", "bytearray", "bytes", "iter", "next", "id", "hash",
                     "object", "type", "issubclass", "callable", "delattr", "dir", "frozenset", "classmethod",
                     "staticmethod", "property", "ord", "chr", "bin", "hex", "oct", "ascii", "repr", "format"})


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


def _walk(value: object, limit: int = MAX_SIZE) -> Iterator[object]:
    """Every element of a value, depth first, as Python's own `==`, `hash` and `repr` visit them (a list held
    twice is visited twice). Iterative, so deep nesting cannot exhaust the stack; stops after `limit` visits
    and then yields `_TOO_BIG`, so a value built to be exponential (`a = [a, a]` thirty times) or cyclic costs
    no more than a large one."""
    stack = [value]
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            yield _TOO_BIG
            return
        yield item
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            for k, v in reversed(item.items()):
                stack += (v, k)


_TOO_BIG = object()


def flat_size(value: object, limit: int = MAX_SIZE) -> int:
    """Elements (and characters) a value holds counted as Python walks it; more than `limit` when too big."""
    size = 0
    for item in _walk(value, limit):
        size += 1 + (len(item) if isinstance(item, str) else 0)
        if item is _TOO_BIG or size > limit:
            return limit + 1
    return size


def is_data(value: object) -> bool:
    """Plain data all the way down: what a layer argument may be (a value too big to walk is not)."""
    return all(isinstance(v, DATA_TYPES) for v in _walk(value))


def first_unknown(value: object) -> Unknown | None:
    for item in _walk(value):
        if isinstance(item, Unknown):
            return item
    return None


def _length(value: list[object] | tuple[object, ...] | str | dict[object, object] | range) -> int:
    try:
        return len(value)
    except OverflowError:  # range(1 << 4000)
        return MAX_SIZE * MAX_SIZE


def _hashable(key: object) -> bool:
    """Whether a value can be a dict key or a set element: plain, and small enough to hash quickly."""
    return all(isinstance(v, DATA_TYPES) and not isinstance(v, (list, dict)) for v in _walk(key))


def _number(value: object) -> bool:
    return isinstance(value, (int, float))


class Interpreter:
    """Evaluates a module's statements. Subclasses give meaning to the outside world (`hook_*` methods)."""

    def __init__(self, source: str, overrides: Mapping[str, object] | None = None) -> None:
        self.source = source
        self.overrides = dict(overrides or {})
        self.used_overrides: set[str] = set()
        self.steps = 0
        self.depth = 0
        self.deadline = time.monotonic() + MAX_SECONDS
        self.source_name = ""
        """The file's name, which starts every error message (set by the reader of files)."""
        self.at: ast.AST | None = None
        """The statement being run (where an error found by a helper without a node is shown)."""
        self.module: dict[str, object] = {"__name__": "__main__"}
        self.called: set[int] = set()
        """ids of the file's functions and classes called while reading it."""
        self.builtins = self._make_builtins()
        self._names_in: dict[int, list[ast.Name | ast.Attribute]] = {}
        self._stores_in: dict[int, list[ast.AST]] = {}
        """The names of a condition or loop header, by node id (a loop asks for them at every iteration)."""

    # -- errors and budget ------------------------------------------------------------------------------

    def error(self, message: str, node: ast.AST | None) -> InputError:
        """An error in the file: at `node`, or where the reader was when a helper without a node gave up."""
        if getattr(node, "lineno", None) is None:
            node = self.at
        if self.source_name and not message.startswith(f"{self.source_name}: "):
            message = f"{self.source_name}: {message}"
        return InputError(message, source=self.source, line=getattr(node, "lineno", None),
                          col=getattr(node, "col_offset", None))

    def tick(self, node: ast.AST, cost: int = 1) -> None:
        if isinstance(node, ast.stmt):
            self.at = node
        before = self.steps
        self.steps += cost
        if self.steps > MAX_STEPS:
            raise self.error(f"the file takes too long to read (more than {MAX_STEPS:,} steps): rnnparams follows "
                             "the code that builds a model, not training loops; put the model in a file of its own",
                             node)
        if before >> 10 != self.steps >> 10 and time.monotonic() > self.deadline:
            raise self.error(f"the file takes too long to read (more than {MAX_SECONDS:g} seconds): rnnparams "
                             "follows the code that builds a model, not training loops; put the model in a file "
                             "of its own", node)

    def small(self, value: object, node: ast.AST) -> bool:
        """Whether Python may compare, hash or print `value` (work it does in one go, outside the step count):
        its elements are counted, and charged as steps."""
        size = flat_size(value)
        self.tick(node, size // 16)
        return size <= MAX_SIZE

    def unknown(self, node: ast.AST, why: str | Callable[[], str], *, module_like: bool = False) -> Unknown:
        return Unknown(node, getattr(node, "lineno", None), why, module_like=module_like)

    # -- statements -------------------------------------------------------------------------------------

    def run_module(self, tree: ast.Module) -> dict[str, object]:
        frame = Frame(self.module, None, kind="module")
        try:
            self.exec_block(tree.body, frame)
        except Raised as exc:
            raise InputError(f"the module raises {exc.name}({exc.message!r}) when read with the values it has; "
                             "fix the values (--set NAME=VALUE)", source=self.source, line=exc.line) from None
        except (_Return, _Break, _Continue):
            pass
        return self.module

    def exec_block(self, body: list[ast.stmt], frame: Frame) -> None:
        for stmt in body:
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: ast.stmt, frame: Frame) -> None:
        self.tick(stmt)
        method: Callable[[ast.stmt, Frame], None] | None = getattr(self, "exec_" + type(stmt).__name__, None)
        if method is None:  # match, async constructs...: what they assign is not known
            self.havoc([stmt], frame, f"it is set inside a `{type(stmt).__name__}` statement (line "
                                      f"{stmt.lineno}), which is not followed")
            return
        method(stmt, frame)

    def exec_Expr(self, stmt: ast.Expr, frame: Frame) -> None:
        self.eval(stmt.value, frame)

    def exec_Pass(self, stmt: ast.Pass, frame: Frame) -> None:
        pass

    def exec_Assert(self, stmt: ast.Assert, frame: Frame) -> None:
        pass

    def exec_Global(self, stmt: ast.Global, frame: Frame) -> None:
        frame.globals.update(stmt.names)

    def exec_Nonlocal(self, stmt: ast.Nonlocal, frame: Frame) -> None:
        frame.nonlocals.update(stmt.names)

    def exec_Break(self, stmt: ast.Break, frame: Frame) -> None:
        raise _Break

    def exec_Continue(self, stmt: ast.Continue, frame: Frame) -> None:
        raise _Continue

    def exec_Return(self, stmt: ast.Return, frame: Frame) -> None:
        raise _Return(None if stmt.value is None else self.eval(stmt.value, frame))

    def exec_Delete(self, stmt: ast.Delete, frame: Frame) -> None:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                frame.names.pop(target.id, None)
            elif isinstance(target, ast.Attribute):  # `del self.rnn` takes a layer out of the model
                obj = self.eval(target.value, frame)
                if not self.hook_del_attr(obj, target.attr, target) and isinstance(obj, Instance):
                    obj.attrs.pop(target.attr, None)
            elif isinstance(target, ast.Subscript):
                obj, key = self.eval(target.value, frame), self.eval(target.slice, frame)
                if self.hook_del_item(obj, key, target):
                    continue
                if isinstance(obj, dict) and _hashable(key):
                    obj.pop(key, None)
                elif isinstance(obj, list) and isinstance(key, (int, slice)) and not isinstance(key, bool):
                    try:
                        del obj[key]
                    except (IndexError, ValueError):
                        raise Raised("IndexError", "list assignment index out of range", stmt.lineno) from None
                else:
                    self.hook_havoc(obj, target, f"an item deleted on line {stmt.lineno} that the reader does "
                                                 "not know")
            elif isinstance(target, (ast.Tuple, ast.List)):
                self.exec_Delete(ast.Delete(targets=target.elts, lineno=stmt.lineno, col_offset=stmt.col_offset),
                                 frame)

    def exec_Raise(self, stmt: ast.Raise, frame: Frame) -> None:
        exc = None if stmt.exc is None else self.eval(stmt.exc, frame)
        if isinstance(exc, Raised):
            raise Raised(exc.name, exc.message, stmt.lineno)
        if isinstance(exc, ExceptionType):
            raise Raised(exc.name, "", stmt.lineno)
        raise Raised(describe(stmt.exc) if stmt.exc is not None else "exception", "", stmt.lineno)

    def exec_Import(self, stmt: ast.Import, frame: Frame) -> None:
        for alias in stmt.names:
            if alias.asname:
                frame.assign(alias.asname, Ext(alias.name))
            else:
                root = alias.name.split(".")[0]
                frame.assign(root, Ext(root))

    def exec_ImportFrom(self, stmt: ast.ImportFrom, frame: Frame) -> None:
        module = "." * stmt.level + (stmt.module or "")
        for alias in stmt.names:
            if alias.name == "*":
                self.hook_star_import(module, frame)
                continue
            frame.assign(alias.asname or alias.name, Ext(f"{module}.{alias.name}"))

    def exec_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, frame: Frame) -> None:
        args = stmt.args
        defaults = [self.eval(d, frame) for d in args.defaults]
        kw_defaults = {a.arg: self.eval(d, frame) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                       if d is not None}
        owner = frame.names.get("__class__") if frame.kind == "class" else None
        # a method sees the names around its class (a class built in a function), never the class body's
        scope = frame if frame.kind != "class" else (frame.parent or Frame({}, frame.module, None))
        function = Function(stmt, scope, defaults, kw_defaults, owner if isinstance(owner, Class) else None)
        for deco in stmt.decorator_list:
            name = dotted(deco) or ""
            if name.endswith(("staticmethod", "classmethod", "property")):
                function.kind = name.rsplit(".", 1)[-1]
        frame.assign(stmt.name, function)

    exec_AsyncFunctionDef = exec_FunctionDef

    def exec_ClassDef(self, stmt: ast.ClassDef, frame: Frame) -> None:
        bases = [self.eval(b, frame) for b in stmt.bases]
        cls = Class(stmt, bases, {})
        body = Frame(cls.names, frame.module, frame if frame.kind != "module" else None, kind="class")
        cls.names["__class__"] = cls
        for deco in stmt.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if (dotted(target) or "").endswith("dataclass"):
                cls.dataclass = True
        if any(isinstance(b, Ext) and b.path.endswith("NamedTuple") for b in bases):
            cls.dataclass = True
        self.exec_block(stmt.body, body)
        del cls.names["__class__"]
        if cls.dataclass:
            inherited = [f for base in reversed(cls.mro()[1:]) if base.dataclass for f in base.fields]
            own = [s.target.id for s in stmt.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                   and "ClassVar" not in describe(s.annotation)]
            cls.fields = [*dict.fromkeys([*inherited, *own])]
            for name in own:  # dataclasses.field(default=...) -> the default itself
                value = cls.names.get(name)
                if isinstance(value, Instance) and value.label == "dataclasses.field":
                    cls.names[name] = value.attrs.get("default", Unknown(name, stmt.lineno, "a field without "
                                                                                            "a default"))
        frame.assign(stmt.name, cls)

    def exec_Assign(self, stmt: ast.Assign, frame: Frame) -> None:
        value = self.eval(stmt.value, frame)
        for target in stmt.targets:
            self.assign(target, value, frame)

    def exec_AnnAssign(self, stmt: ast.AnnAssign, frame: Frame) -> None:
        if stmt.value is not None:
            self.assign(stmt.target, self.eval(stmt.value, frame), frame)

    def exec_AugAssign(self, stmt: ast.AugAssign, frame: Frame) -> None:
        current = self.eval(stmt.target, frame) if not isinstance(stmt.target, ast.Name) else \
            self.eval(ast.Name(stmt.target.id, ast.Load(), lineno=stmt.lineno, col_offset=stmt.col_offset), frame)
        value = self.eval(stmt.value, frame)
        if isinstance(stmt.op, ast.Add) and isinstance(current, list) and isinstance(value, (list, tuple)):
            self._grow(current, len(value), stmt)
            current.extend(value)  # in place, like list.__iadd__
            return
        result = self.hook_inplace(current, stmt.op, value, stmt)
        if result is NotImplemented:
            result = self.binop(stmt.op, current, value, stmt)
        self.assign(stmt.target, result, frame)

    def exec_If(self, stmt: ast.If, frame: Frame) -> None:
        test = self.truth(self.eval(stmt.test, frame))
        if test is True:
            self.exec_block(stmt.body, frame)
        elif test is False:
            self.exec_block(stmt.orelse, frame)
        else:
            self.havoc([*stmt.body, *stmt.orelse], frame, self.because(test, stmt.test, "a condition", frame=frame))

    def because(self, value: Unknown, node: ast.AST, what: str, how: str = "it is set under",
                frame: Frame | None = None) -> Callable[[], str]:
        """Why something is unknown: it depends on an unknown condition or loop (worded when shown), and the
        name in that condition or loop to give with --set (`cell` in `cell == 'lstm'`, `N` in `range(N)`)."""
        line = getattr(node, "lineno", "?")
        key = value.text
        parts = self._names_in.get(id(node)) if frame is not None else []
        if parts is None:
            parts = self._names_in[id(node)] = [p for p in ast.walk(node) if isinstance(p, (ast.Name, ast.Attribute))]
        for part in parts:
            if frame is not None and dotted(part) and isinstance(self._quiet_eval(part, frame), (Unknown, Ext)):
                key = dotted(part) or key
                break
        return lambda: (f"{how} {what} on line {line} (`{describe(node)}`) that depends on `{key}`, which cannot "
                        f"be known without running the code ({value.why}); --set {key}=VALUE decides it")

    def exec_For(self, stmt: ast.For | ast.AsyncFor, frame: Frame) -> None:
        items = self.iterate(self.eval(stmt.iter, frame))
        if isinstance(items, Unknown):
            self.havoc([*stmt.body, *stmt.orelse], frame, self.because(items, stmt.iter, "a loop", frame=frame),
                       targets=[stmt.target])
            return
        broke = False
        for item in items:
            self.assign(stmt.target, item, frame)
            try:
                self.exec_block(stmt.body, frame)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke:
            self.exec_block(stmt.orelse, frame)

    exec_AsyncFor = exec_For

    def exec_While(self, stmt: ast.While, frame: Frame) -> None:
        for _ in range(MAX_LOOP):
            test = self.truth(self.eval(stmt.test, frame))
            if test is False:
                self.exec_block(stmt.orelse, frame)
                return
            if isinstance(test, Unknown):
                self.havoc(stmt.body, frame, self.because(test, stmt.test, "a `while` loop", frame=frame))
                return
            try:
                self.exec_block(stmt.body, frame)
            except _Break:
                return
            except _Continue:
                continue
        self.havoc(stmt.body, frame, f"it is set in a `while` loop on line {stmt.lineno} that runs more than "
                                     f"{MAX_LOOP:,} times")

    def exec_With(self, stmt: ast.With | ast.AsyncWith, frame: Frame) -> None:
        for item in stmt.items:
            value = self.eval(item.context_expr, frame)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, self.unknown(item.context_expr, "a context manager's value")
                            if not isinstance(value, Unknown) else value, frame)
        self.exec_block(stmt.body, frame)

    exec_AsyncWith = exec_With

    def exec_Try(self, stmt: ast.Try, frame: Frame) -> None:
        try:
            self.exec_block(stmt.body, frame)
        except Raised as exc:
            for handler in stmt.handlers:
                if self._catches(handler, exc, frame):
                    if handler.name:
                        frame.assign(handler.name, exc)
                    self.exec_block(handler.body, frame)
                    break
            else:
                raise
        else:
            self.exec_block(stmt.orelse, frame)
        finally:
            self.exec_block(stmt.finalbody, frame)

    exec_TryStar = exec_Try

    def _catches(self, handler: ast.ExceptHandler, exc: Raised, frame: Frame) -> bool:
        if handler.type is None:
            return True
        caught = self.eval(handler.type, frame)
        kinds = caught if isinstance(caught, tuple) else (caught,)
        names = {k.name for k in kinds if isinstance(k, ExceptionType)}
        return bool(names & {exc.name, "Exception", "BaseException"}) or (
            exc.name == "KeyError" and "LookupError" in names) or (exc.name == "IndexError" and "LookupError" in names)

    def havoc(self, body: list[ast.stmt], frame: Frame, why: str | Callable[[], str], *,
              targets: list[ast.expr] | None = None) -> None:
        """Statements that cannot be followed (an unknown condition or loop): whatever they assign or change
        becomes unknown, so it is an error only if a model depends on it."""
        stores = [n for stmt in body for n in self._stores(stmt)]
        self.tick(body[0] if body else ast.Pass(), len(stores))
        for node in [*(targets or []), *stores]:
            if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
                if isinstance(node, ast.Name):
                    frame.assign(node.id, Unknown(node.id, node.lineno, why))
                else:
                    self.hook_havoc(self._quiet_eval(node.value, frame), node, why)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                if isinstance(receiver, ast.Name) and isinstance(frame.lookup(receiver.id)[1], (list, dict)):
                    frame.assign(receiver.id, Unknown(receiver.id, node.lineno, why))
                else:
                    self.hook_havoc(self._quiet_eval(receiver, frame), node, why)
            elif isinstance(node, ast.Call) and dotted(node.func) == "setattr" and node.args:
                self.hook_havoc(self._quiet_eval(node.args[0], frame), node, why)

    def _stores(self, stmt: ast.stmt) -> list[ast.AST]:
        """What a statement may assign or change (names, attributes, items, method calls), found once per
        statement: a loop may give up on the same body at every iteration."""
        found = self._stores_in.get(id(stmt))
        if found is None:
            found = self._stores_in[id(stmt)] = [
                n for n in ast.walk(stmt) if (isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)) and isinstance(
                    n.ctx, ast.Store)) or (isinstance(n, ast.Call) and (isinstance(n.func, ast.Attribute) or (
                        dotted(n.func) == "setattr" and n.args)))]
        return found

    def _quiet_eval(self, node: ast.expr, frame: Frame) -> object:
        """The object a name or attribute chain refers to, without calling anything."""
        if isinstance(node, ast.Name):
            return frame.lookup(node.id)[1]
        if isinstance(node, ast.Attribute):
            return self.get_attr(self._quiet_eval(node.value, frame), node.attr, node)
        return None

    # -- assignment -------------------------------------------------------------------------------------

    def assign(self, target: ast.expr, value: object, frame: Frame) -> None:
        if isinstance(target, ast.Name):
            frame.assign(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, value, frame)
        elif isinstance(target, ast.Attribute):
            self.set_attr(self.eval(target.value, frame), target.attr, value, target)
        elif isinstance(target, ast.Subscript):
            self.set_item(self.eval(target.value, frame), self.eval(target.slice, frame), value, target)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, frame)

    def unpack(self, target: ast.Tuple | ast.List, value: object, frame: Frame) -> None:
        items = self.hook_unpack(value, len(target.elts), target)
        if items is None:
            items = list(value) if isinstance(value, (tuple, list)) else None
        starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        if items is not None and not starred and len(items) != len(target.elts):
            raise Raised("ValueError", f"cannot unpack {len(items)} values into {len(target.elts)} names",
                         target.lineno)
        if items is not None and starred:
            k = starred[0]
            tail = len(target.elts) - k - 1
            items = [*items[:k], list(items[k:len(items) - tail]), *items[len(items) - tail:]]
        for i, element in enumerate(target.elts):
            if items is not None and i < len(items):
                self.assign(element, items[i], frame)
            else:
                why = value.why if isinstance(value, Unknown) else "it is unpacked from a value that is not known"
                self.assign(element, Unknown(element, target.lineno, why), frame)

    def set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> None:
        if self.hook_set_attr(obj, name, value, node):
            return
        if isinstance(obj, Instance):
            obj.attrs[name] = value
        elif isinstance(obj, Class):
            obj.names[name] = value

    def set_item(self, obj: object, key: object, value: object, node: ast.AST) -> None:
        if self.hook_set_item(obj, key, value, node):
            return
        line = getattr(node, "lineno", None)
        if isinstance(key, Unknown) and isinstance(obj, (dict, list)):  # any item may be the one that changed
            held = source_text(node.value) if isinstance(node, ast.Subscript) else None
            for k in list(obj) if isinstance(obj, dict) else range(len(obj)):
                obj[k] = Unknown(f"{held}[{k!r}]" if held else node, line,  # `--set cfg['h']=8` gives it
                                 f"an item set on line {line} under a key that is not known")
        elif isinstance(obj, dict) and _hashable(key):
            self._grow_dict(obj, node)
            obj[key] = value
        elif isinstance(obj, list) and isinstance(key, int) and not isinstance(key, bool):
            if not -len(obj) <= key < len(obj):
                raise Raised("IndexError", "list assignment index out of range", line)
            obj[key] = value

    # -- expressions ------------------------------------------------------------------------------------

    def eval(self, node: ast.expr, frame: Frame) -> object:
        self.tick(node)
        method: Callable[[ast.expr, Frame], object] | None = getattr(self, "eval_" + type(node).__name__, None)
        if method is None:
            return self.unknown(node, f"`{type(node).__name__}` expressions are not followed")
        return method(node, frame)

    def eval_Constant(self, node: ast.Constant, frame: Frame) -> object:
        if isinstance(node.value, int) and not isinstance(node.value, bool) and \
                node.value.bit_length() > MAX_INT_BITS:
            return self.unknown(node, f"a number of more than {MAX_INT_BITS:,} bits")
        if isinstance(node.value, (int, float, str, bool)) or node.value is None:
            return node.value
        return self.unknown(node, "a constant of an unsupported kind")

    def override(self, node: ast.expr) -> tuple[bool, object]:
        """A value given with --set for this name or expression (`hidden`, `args.hidden`, `len(vocab)`)."""
        if not self.overrides:
            return False, None
        for candidate in (dotted(node), source_text(node)):
            if candidate is not None and candidate in self.overrides:
                self.used_overrides.add(candidate)
                return True, self.overrides[candidate]
        return False, None

    def eval_Name(self, node: ast.Name, frame: Frame) -> object:
        found, value = frame.lookup(node.id)
        if node.id in self.overrides and not (found and frame.passed_in(node.id) and not isinstance(value, Unknown)):
            return self.override(node)[1]  # a constant, a default, a local, an unknown: --set gives it
        if found:
            return value
        if node.id in self.builtins:
            return self.builtins[node.id]
        return self.hook_undefined(node)

    def eval_Attribute(self, node: ast.Attribute, frame: Frame) -> object:
        found, value = self.override(node)
        if found:
            return value
        return self.get_attr(self.eval(node.value, frame), node.attr, node)

    def eval_Subscript(self, node: ast.Subscript, frame: Frame) -> object:
        found, value = self.override(node)
        if found:
            return value
        return self.get_item(self.eval(node.value, frame), self.eval(node.slice, frame), node)

    def eval_Slice(self, node: ast.Slice, frame: Frame) -> object:
        parts = [None if p is None else self.eval(p, frame) for p in (node.lower, node.upper, node.step)]
        if all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
            return slice(*parts)
        return self.unknown(node, "a slice with bounds that are not known")

    def eval_Index(self, node: ast.expr, frame: Frame) -> object:  # Python < 3.9 trees only
        return self.eval(node.value, frame)  # type: ignore[attr-defined]

    def eval_Tuple(self, node: ast.Tuple, frame: Frame) -> object:
        return tuple(self._elements(node.elts, frame, node))

    def eval_List(self, node: ast.List, frame: Frame) -> object:
        return self._elements(node.elts, frame, node)

    def eval_Set(self, node: ast.Set, frame: Frame) -> object:
        return _unique(self._elements(node.elts, frame, node))

    def _elements(self, elts: list[ast.expr], frame: Frame, node: ast.AST) -> list[object]:
        out: list[object] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                items = self.iterate(self.eval(e.value, frame))
                if isinstance(items, Unknown):
                    out.append(items)
                else:
                    out.extend(items)
            else:
                out.append(self.eval(e, frame))
            self._grow(out, 0, node)
        return out

    def eval_Dict(self, node: ast.Dict, frame: Frame) -> object:
        out: dict[object, object] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            if k is None:
                value = self.eval(v, frame)
                if isinstance(value, dict):
                    out.update(value)
                else:
                    return self.unknown(v, "`**` of a value that is not a known dict")
                continue
            key = self.eval(k, frame)
            if not (isinstance(key, (int, float, str, bool, tuple, type(None))) and _hashable(key)):
                return self.unknown(k, "a dict key that is not known")
            out[key] = self.eval(v, frame)
            self._grow_dict(out, node)
        return out

    def eval_BinOp(self, node: ast.BinOp, frame: Frame) -> object:
        return self.binop(node.op, self.eval(node.left, frame), self.eval(node.right, frame), node)

    def eval_UnaryOp(self, node: ast.UnaryOp, frame: Frame) -> object:
        value = self.eval(node.operand, frame)
        if isinstance(node.op, ast.Not):
            truth = self.truth(value)
            return truth if isinstance(truth, Unknown) else not truth
        if isinstance(value, (int, float)):
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return +value
            if isinstance(node.op, ast.Invert) and isinstance(value, int):
                return ~value
        if isinstance(value, Unknown):
            return value
        return self.hook_unary(node.op, value, node)

    def eval_BoolOp(self, node: ast.BoolOp, frame: Frame) -> object:
        is_and = isinstance(node.op, ast.And)
        pending: Unknown | None = None
        value: object = None
        for operand in node.values:
            value = self.eval(operand, frame)
            truth = self.truth(value)
            if isinstance(truth, Unknown):
                pending = pending or truth
                continue
            if truth is not is_and:  # `and` stops at a false value, `or` at a true one
                return value
        return pending if pending is not None else value

    def eval_Compare(self, node: ast.Compare, frame: Frame) -> object:
        left = self.eval(node.left, frame)
        result: object = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node, frame)
            outcome = self.compare(op, left, right, node)
            if outcome is False:
                return False
            if isinstance(outcome, Unknown):
                result = outcome
            left = right
        return result

    def compare(self, op: ast.cmpop, left: object, right: object, node: ast.AST) -> object:
        if isinstance(op, (ast.Is, ast.IsNot)):
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if left is None or right is None:  # something unknown is still not None
                    other = right if left is None else left
                    if isinstance(other, Unknown) and other.module_like:
                        return isinstance(op, ast.IsNot)
                return left if isinstance(left, Unknown) else right
            same = left is right or (left is None and right is None) or (
                isinstance(left, bool) and isinstance(right, bool) and left == right)
            return same if isinstance(op, ast.Is) else not same
        for value in (left, right):
            if isinstance(value, (Unknown, Ext)):
                return self.opaque(value)
        if not (self.small(left, node) and self.small(right, node)):
            return self.unknown(node, "a comparison of values too large to compare")
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, (list, tuple, str, dict, range)) and (is_data(left) or isinstance(right, dict)):
                try:
                    inside = left in right
                except TypeError:
                    return self.unknown(node, "a membership test the reader cannot decide")
                return inside if isinstance(op, ast.In) else not inside
            return self.unknown(node, "a membership test the reader cannot decide")
        if not (is_data(left) and is_data(right)):
            if isinstance(op, (ast.Eq, ast.NotEq)):  # objects of the file compare by identity
                return (left is right) == isinstance(op, ast.Eq)
            return self.unknown(node, "a comparison of values the reader does not know")
        ops: dict[type[ast.cmpop], Callable[[object, object], object]] = {
            ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,  # type: ignore[operator]
            ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,  # type: ignore[operator]
        }
        try:
            return bool(ops[type(op)](left, right))
        except (TypeError, KeyError):
            return self.unknown(node, "a comparison of values of different kinds")

    def eval_IfExp(self, node: ast.IfExp, frame: Frame) -> object:
        test = self.truth(self.eval(node.test, frame))
        if isinstance(test, Unknown):
            return Unknown(node, node.lineno, self.because(test, node.test, "a condition", "it is chosen by", frame))
        return self.eval(node.body if test else node.orelse, frame)

    def eval_NamedExpr(self, node: ast.NamedExpr, frame: Frame) -> object:
        value = self.eval(node.value, frame)
        self.assign(node.target, value, frame)
        return value

    def eval_Lambda(self, node: ast.Lambda, frame: Frame) -> object:
        defaults = [self.eval(d, frame) for d in node.args.defaults]
        return Function(node, frame, defaults, {})

    def eval_JoinedStr(self, node: ast.JoinedStr, frame: Frame) -> object:
        parts = []
        for value in node.values:
            part = self.eval(value, frame)
            if not isinstance(part, str):
                return part if isinstance(part, Unknown) else self.unknown(node, "a string built from unknown values")
            parts.append(part)
        return self._string("".join(parts), node)

    def eval_FormattedValue(self, node: ast.FormattedValue, frame: Frame) -> object:
        value = self.eval(node.value, frame)
        if isinstance(value, Unknown):
            return value
        if not is_data(value) or not self.small(value, node):
            return self.unknown(node, "a value formatted into a string")
        spec = "" if node.format_spec is None else self.eval(node.format_spec, frame)
        if not isinstance(spec, str) or any(len(d) > 3 for d in _digit_runs(spec)):
            return self.unknown(node, "a format specification the reader does not follow")
        conversions: dict[int, Callable[[object], str]] = {115: str, 114: repr, 97: ascii}
        conv = conversions.get(node.conversion)
        try:
            return self._string(format(conv(value) if conv else value, spec), node)
        except (ValueError, TypeError, OverflowError):
            return self.unknown(node, "a format the value does not take")

    def eval_ListComp(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp, frame: Frame) -> object:
        out: list[object] = []
        inner = Frame({}, frame.module, frame, kind="comprehension")
        failure = self._comprehend(node.generators, 0, inner, lambda: out.append(self.eval(node.elt, inner)), node)
        if failure is not None:
            return failure
        return out if isinstance(node, ast.ListComp) else tuple(out)

    eval_GeneratorExp = eval_ListComp
    eval_SetComp = eval_ListComp

    def eval_DictComp(self, node: ast.DictComp, frame: Frame) -> object:
        out: dict[object, object] = {}
        inner = Frame({}, frame.module, frame, kind="comprehension")

        def add() -> None:
            key = self.eval(node.key, inner)
            if isinstance(key, (int, float, str, bool, tuple, type(None))) and _hashable(key):
                self._grow_dict(out, node)
                out[key] = self.eval(node.value, inner)

        failure = self._comprehend(node.generators, 0, inner, add, node)
        return out if failure is None else failure

    def _comprehend(self, generators: list[ast.comprehension], k: int, frame: Frame, emit: Callable[[], None],
                    node: ast.expr) -> Unknown | None:
        if k == len(generators):
            emit()
            return None
        gen = generators[k]
        items = self.iterate(self.eval(gen.iter, frame))
        if isinstance(items, Unknown):
            return Unknown(node, node.lineno, self.because(items, gen.iter, "a loop", "it is built by", frame))
        for item in items:
            self.assign(gen.target, item, frame)
            tests = [self.truth(self.eval(t, frame)) for t in gen.ifs]
            unknown = next((t for t in tests if isinstance(t, Unknown)), None)
            if unknown is not None:
                return Unknown(node, node.lineno, self.because(unknown, gen.ifs[0], "a condition", "it is filtered by",
                                                              frame))
            if all(tests):
                failure = self._comprehend(generators, k + 1, frame, emit, node)
                if failure is not None:
                    return failure
        return None

    def eval_Starred(self, node: ast.Starred, frame: Frame) -> object:
        return self.unknown(node, "a starred value outside a call")

    def eval_Call(self, node: ast.Call, frame: Frame) -> object:
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not frame.lookup("super")[0]:
            return self.make_super(node, frame)
        found, value = self.override(node)
        if found:
            return value
        func = self.eval(node.func, frame)
        args: list[object] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                items = self.iterate(self.eval(a.value, frame))
                if isinstance(items, Unknown):
                    return self.call_unresolved(func, items, node)
                args.extend(items)
            else:
                args.append(self.eval(a, frame))
        kwargs: dict[str, object] = {}
        for kw in node.keywords:
            value = self.eval(kw.value, frame)
            if kw.arg is not None:
                kwargs[kw.arg] = value
            elif isinstance(value, dict) and all(isinstance(k, str) for k in value):
                kwargs.update(value)
            else:
                unknown = value if isinstance(value, Unknown) else self.unknown(kw.value, "not a known dict")
                return self.call_unresolved(func, unknown, node)
        return self.call(func, args, kwargs, node)

    def make_super(self, node: ast.Call, frame: Frame) -> object:
        """`super()` (or `super(Cls, self)`) inside a method of one of the file's classes."""
        if len(node.args) == 2:
            cls, obj = self.eval(node.args[0], frame), self.eval(node.args[1], frame)
            if isinstance(cls, Class):
                return Super(cls, obj)
        scope: Frame | None = frame
        while scope is not None and scope.function is None:
            scope = scope.parent
        func = scope.function if scope is not None else None
        if scope is None or func is None or func.owner is None or isinstance(func.node, ast.Lambda):
            return self.unknown(node, "super() outside a method of the file's classes")
        params = [*func.node.args.posonlyargs, *func.node.args.args]
        obj = scope.names.get(params[0].arg) if params else None
        return Super(func.owner, obj)

    def call_unresolved(self, func: object, missing: Unknown, node: ast.Call) -> object:
        """A call whose `*args` or `**kwargs` cannot be resolved."""
        return self.hook_call_unresolved(func, missing, node)

    # -- operations -------------------------------------------------------------------------------------

    def opaque(self, value: object) -> Unknown | None:
        """An imported name used as a value (`range(N)` with `from config import N`): as unknown as can be."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Ext):
            return Unknown(value.base, None, f"it is `{value.path}`, from an import (other modules are not read)")
        return None

    def truth(self, value: object) -> bool | Unknown:
        opaque = self.opaque(value)
        if opaque is not None:
            return opaque
        if isinstance(value, DATA_TYPES):
            return bool(value)
        verdict = self.hook_truth(value)
        return verdict if verdict is not None else True

    def binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        for value in (left, right):
            if isinstance(value, (Unknown, Ext)):
                return self.opaque(value)
        result = self.hook_binop(op, left, right, node)
        if result is not NotImplemented:
            return result
        if _number(left) and _number(right):
            return self._arith(op, left, right, node)  # type: ignore[arg-type]
        if isinstance(op, ast.Add) and type(left) is type(right) and isinstance(left, (str, list, tuple)):
            self._check_size(len(left) + len(right), node)  # type: ignore[arg-type]
            return left + right  # type: ignore[operator]
        if isinstance(op, ast.Mult) and isinstance(left, (str, list, tuple)) and type(right) is int:
            self._check_size(len(left) * max(right, 0), node)
            return left * right
        if isinstance(op, ast.Mult) and isinstance(right, (str, list, tuple)) and type(left) is int:
            return self.binop(op, right, left, node)
        if isinstance(op, ast.Mod) and isinstance(left, str) and is_data(right) and not isinstance(right, dict):
            if any(len(d) > 3 for d in _digit_runs(left)) or "*" in left or not self.small(right, node):
                return self.unknown(node, "a format the reader does not follow")
            try:
                return self._string(left % right, node)
            except (TypeError, ValueError, KeyError, OverflowError):
                return self.unknown(node, "a format the value does not take")
        if isinstance(op, ast.BitOr) and isinstance(left, dict) and isinstance(right, dict):
            return {**left, **right}
        return self.unknown(node, f"an operation on {type(left).__name__} and {type(right).__name__}")

    def _arith(self, op: ast.operator, a: float, b: float, node: ast.AST) -> object:
        if any(isinstance(v, int) and v.bit_length() > MAX_INT_BITS for v in (a, b)):
            return self.unknown(node, "a number too large")
        bits = [v.bit_length() if isinstance(v, int) else 0 for v in (a, b)]
        # what the result would need, checked before it is computed
        if isinstance(op, ast.Pow) and (abs(b) > 256 or (isinstance(a, int) and isinstance(b, int) and b > 0
                                                         and bits[0] * b > MAX_INT_BITS)):
            return self.unknown(node, "a power too large to compute")
        if isinstance(op, ast.Mult) and bits[0] + bits[1] > MAX_INT_BITS + 1:
            return self.unknown(node, "a number too large")
        if isinstance(op, (ast.LShift, ast.RShift)) and (not isinstance(b, int) or b > MAX_INT_BITS or b < 0 or (
                isinstance(op, ast.LShift) and bits[0] + b > MAX_INT_BITS)):
            return self.unknown(node, "a shift the reader does not compute")
        functions: dict[type[ast.operator], Callable[[float, float], object]] = {
            ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
            ast.Div: lambda x, y: x / y, ast.FloorDiv: lambda x, y: x // y, ast.Mod: lambda x, y: x % y,
            ast.Pow: lambda x, y: x ** y, ast.LShift: lambda x, y: int(x) << int(y),
            ast.RShift: lambda x, y: int(x) >> int(y), ast.BitAnd: lambda x, y: int(x) & int(y),
            ast.BitOr: lambda x, y: int(x) | int(y), ast.BitXor: lambda x, y: int(x) ^ int(y),
        }
        fn = functions.get(type(op))
        if fn is None:
            return self.unknown(node, "an operator the reader does not follow")
        try:
            result = fn(a, b)
        except (ZeroDivisionError, OverflowError, ValueError, TypeError) as exc:
            raise Raised(type(exc).__name__, str(exc), getattr(node, "lineno", None)) from None
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            return self.unknown(node, "a number too large")
        if isinstance(result, complex):
            return self.unknown(node, "a complex number")
        return result

    def _check_size(self, size: int, node: ast.AST) -> None:
        if size > MAX_SIZE:
            raise self.error(f"this builds a value of {size:,} elements; the reader stops at {MAX_SIZE:,}", node)

    def _grow(self, items: list[object], extra: int, node: ast.AST) -> None:
        self._check_size(len(items) + extra, node)

    def _grow_dict(self, items: dict[object, object], node: ast.AST) -> None:
        self._check_size(len(items) + 1, node)

    def _string(self, text: str, node: ast.AST) -> str:
        self._check_size(len(text), node)
        return text

    def iterate(self, value: object) -> list[object] | Unknown:
        opaque = self.opaque(value)
        if opaque is not None:
            return opaque
        hooked = self.hook_iterate(value)
        if hooked is not None:
            return hooked
        if isinstance(value, (list, tuple, str, dict, range)):
            if _length(value) > MAX_LOOP:
                return Unknown(f"a {type(value).__name__}", None, f"it has more than {MAX_LOOP:,} items")
            return list(value)
        return Unknown(type(value).__name__, None, "it cannot be iterated without running the code")

    # -- attributes and items ---------------------------------------------------------------------------

    def get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        hooked = self.hook_get_attr(obj, name, node)
        if hooked is not NotImplemented:
            return hooked
        if isinstance(obj, Unknown):
            key = dotted(node) if isinstance(node, ast.Attribute) else None
            return Unknown(key, getattr(node, "lineno", obj.line), obj.why) if key else obj
        if isinstance(obj, Ext):
            path = f"{obj.path}.{name}"
            return _CONSTANTS[path] if path in _CONSTANTS else Ext(path)
        if isinstance(obj, Instance):
            if name in obj.attrs:
                return obj.attrs[name]
            if obj.cls is not None:
                found, value = obj.cls.find(name)
                if found:
                    return self._bind(value, obj, node)
            return self.hook_instance_attr(obj, name, node)
        if isinstance(obj, Class):
            found, value = obj.find(name)
            if found:
                return value.function if isinstance(value, BoundMethod) else value
            return self.unknown(node, f"{obj.name} has no attribute {name!r} in this file")
        if isinstance(obj, Super):
            for cls in self._after(obj):
                if name in cls.names:
                    return self._bind(cls.names[name], obj.obj, node)
            return Builtin(f"super().{name}", lambda *a, **k: None)
        if isinstance(obj, Raised):
            return obj.message if name == "message" else self.unknown(node, "an exception's attribute")
        if isinstance(obj, ArgParser):
            return self._parser_method(obj, name, node)
        method = _data_method(obj, name, self)
        if method is not None:
            return method
        return self.unknown(node, f"the attribute {name!r} of a {type(obj).__name__}")

    def _after(self, sup: Super) -> list[Class]:
        """The classes after `sup.cls` in the MRO of the object's class."""
        obj = sup.obj
        mro = obj.cls.mro() if isinstance(obj, Instance) and obj.cls is not None else sup.cls.mro()
        return mro[mro.index(sup.cls) + 1:] if sup.cls in mro else sup.cls.mro()[1:]

    def _bind(self, value: object, obj: object, node: ast.AST) -> object:
        if isinstance(value, Function):
            if value.kind == "staticmethod":
                return value
            if value.kind == "property":
                return self.call_function(value, [obj], {}, node)
            if value.kind == "classmethod":
                return BoundMethod(value, obj.cls if isinstance(obj, Instance) else obj)
            return BoundMethod(value, obj)
        return value

    def get_item(self, obj: object, key: object, node: ast.AST) -> object:
        hooked = self.hook_get_item(obj, key, node)
        if hooked is not NotImplemented:
            return hooked
        if isinstance(obj, Unknown):
            return Unknown(node, getattr(node, "lineno", obj.line), lambda: obj.why)
        if isinstance(key, Unknown):
            return key
        line = getattr(node, "lineno", None)
        if isinstance(obj, dict):
            if not _hashable(key) or key not in obj:
                raise Raised("KeyError", repr(key)[:60], line)
            return obj[key]
        if isinstance(obj, (list, tuple, str, range)) and (
                isinstance(key, slice) or (isinstance(key, int) and not isinstance(key, bool))):
                try:
                    return obj[key]
                except IndexError:
                    raise Raised("IndexError", f"index {key} out of range", line) from None
                except ValueError as exc:  # a slice step of 0
                    raise Raised("ValueError", str(exc), line) from None
        if isinstance(obj, Instance) and obj.cls is not None:
            found, getitem = obj.cls.find("__getitem__")
            if found and isinstance(getitem, Function):
                return self.call_function(getitem, [obj, key], {}, node)
        return self.unknown(node, "an item of a value the reader does not know")

    # -- calls ------------------------------------------------------------------------------------------

    def call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        hooked = self.hook_call(func, args, kwargs, node)
        if hooked is not NotImplemented:
            return hooked
        if isinstance(func, Builtin):
            if func.name in DATA_BUILTINS:  # an imported name in len(), range()... is unknown, not an object
                args = [self.opaque(a) or a for a in args]
                kwargs = {k: self.opaque(v) or v for k, v in kwargs.items()}
            result = self.call_builtin(func, args, kwargs, node)
            if isinstance(result, Unknown) and any(isinstance(a, Unknown) for a in (*args, *kwargs.values())):
                return Unknown(node, node.lineno, lambda: result.why)  # settable as a whole: len(vocab)
            return result
        if isinstance(func, Function):
            return self.call_function(func, args, kwargs, node)
        if isinstance(func, BoundMethod):
            return self.call_function(func.function, [func.obj, *args], kwargs, node)
        if isinstance(func, Class):
            return self.instantiate(func, args, kwargs, node)
        if isinstance(func, ExceptionType):
            message = args[0] if args and isinstance(args[0], str) else ""
            return Raised(func.name, message, node.lineno)
        if isinstance(func, Ext):
            return self.call_ext(func, args, kwargs, node)
        if isinstance(func, Unknown):
            return Unknown(node, node.lineno, lambda: func.why)
        return self.unknown(node, "a call of something the reader does not know")

    def call_builtin(self, func: Builtin, args: list[object], kwargs: dict[str, object], node: ast.AST) -> object:
        try:
            return func.fn(*args, **kwargs)
        except (TypeError, ValueError, IndexError, KeyError, OverflowError, AttributeError) as exc:
            # what Python would raise: a wrong number of arguments, pop() of an empty list, round(nan)...
            message = f"{func.name}() does not take these arguments" if isinstance(exc, TypeError) else \
                f"{func.name}(): {exc}"
            raise Raised(type(exc).__name__, message, getattr(node, "lineno", None)) from None

    def call_ext(self, ext: Ext, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """Outside the file: nothing is run. A few pure helpers from the standard library are followed."""
        simple = _STDLIB.get(ext.path)
        if simple is not None:
            return self.call_builtin(Builtin(ext.path, lambda *a, **k: simple(self, list(a), k, node)), args,
                                     kwargs, node)
        if ext.path.endswith("ArgumentParser") and ext.path.startswith("argparse"):
            return ArgParser()
        parts = ext.path.split(".")
        module_like = parts[0] not in NOT_MODULE_PACKAGES and any(p[:1].isupper() for p in parts)
        what = f"the result of calling {ext.path}, which is not run"
        return self.unknown(node, what, module_like=module_like)

    def call_function(self, func: Function, args: list[object], kwargs: dict[str, object], node: ast.AST) -> object:
        self.called.add(id(func))
        if self.depth >= MAX_DEPTH:
            return self.unknown(node, f"calls nested more than {MAX_DEPTH} deep are not followed")
        passed: set[str] = set()
        frame = Frame(self.bind_arguments(func, args, kwargs, node, passed), func.frame.module, func.frame)
        frame.function = func
        frame.passed = passed
        if isinstance(func.node, ast.Lambda):
            self.depth += 1
            try:
                return self.eval(func.node.body, frame)
            finally:
                self.depth -= 1
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(func.node)):
            return self.unknown(node, "a generator's values")
        self.depth += 1
        try:
            self.exec_block(func.node.body, frame)
        except _Return as ret:
            return ret.value
        except (_Break, _Continue):
            pass
        finally:
            self.depth -= 1
        return None

    def bind_arguments(self, func: Function, args: list[object], kwargs: dict[str, object],
                       node: ast.AST, passed: set[str] | None = None) -> dict[str, object]:
        spec = func.node.args
        positional = [*spec.posonlyargs, *spec.args]
        names: dict[str, object] = {}
        first_default = len(positional) - len(func.defaults)
        extra_kwargs = dict(kwargs)
        given = passed if passed is not None else set()
        given.update(p.arg for p in positional[:len(args)])
        given.update(k for k in kwargs if k in {p.arg for p in (*positional, *spec.kwonlyargs)})
        for i, param in enumerate(positional):
            if i < len(args):
                names[param.arg] = args[i]
            elif param.arg in extra_kwargs:
                names[param.arg] = extra_kwargs.pop(param.arg)
            elif i >= first_default:
                names[param.arg] = func.defaults[i - first_default]
            else:
                names[param.arg] = Unknown(param.arg, param.lineno,
                                           f"it is a required argument of {_callee(func)} with no default")
        for param in spec.kwonlyargs:
            if param.arg in extra_kwargs:
                names[param.arg] = extra_kwargs.pop(param.arg)
            elif param.arg in func.kw_defaults:
                names[param.arg] = func.kw_defaults[param.arg]
            else:
                names[param.arg] = Unknown(param.arg, param.lineno,
                                           f"it is a required argument of {_callee(func)} with no default")
        if spec.vararg is not None:
            names[spec.vararg.arg] = tuple(args[len(positional):])
        if spec.kwarg is not None:
            names[spec.kwarg.arg] = extra_kwargs
        return names

    def instantiate(self, cls: Class, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        self.called.add(id(cls))
        hooked = self.hook_instantiate(cls, args, kwargs, node)
        if hooked is not NotImplemented:
            return hooked
        obj = Instance(cls)
        if cls.dataclass:
            values = dict(zip(cls.fields, args, strict=False))
            values.update({k: v for k, v in kwargs.items() if k in cls.fields})
            for name in cls.fields:
                found, default = cls.find(name)
                obj.attrs[name] = values.get(name, default if found else Unknown(
                    name, node.lineno, f"it is a field of {cls.name} with no default"))
            return obj
        self.construct(obj, cls, args, kwargs, node)
        return obj

    def construct(self, obj: Instance, cls: Class, args: list[object], kwargs: dict[str, object],
                  node: ast.AST) -> None:
        found, init = cls.find("__init__")
        if found and isinstance(init, Function):
            self.call_function(init, [obj, *args], kwargs, node)

    # -- argparse and the standard library --------------------------------------------------------------

    def _parser_method(self, parser: ArgParser, name: str, node: ast.AST) -> object:
        def add_argument(*flags: object, **options: object) -> object:
            dest = options.get("dest")
            names = [f for f in flags if isinstance(f, str)]
            if not isinstance(dest, str):
                longs = [f for f in names if f.startswith("--")]
                chosen = longs[0] if longs else (names[0] if names else "")
                dest = chosen.lstrip("-").replace("-", "_")
            action = options.get("action")
            if "default" in options:
                default = options["default"]
            elif action == "store_true":
                default = False
            elif action == "store_false":
                default = True
            elif options.get("required") is True or (names and not names[0].startswith("-")):
                default = Unknown(f"args.{dest}", getattr(node, "lineno", None),
                                  f"it is the required command-line argument {names[0] if names else dest}")
            else:
                default = None
            convert = options.get("type")
            if isinstance(default, str) and isinstance(convert, Builtin) and convert.pytype in (int, float):
                default = convert.fn(default)
            if dest:
                parser.defaults[dest] = default
            return None

        def parse_args(*args: object, **kwargs: object) -> object:
            ns = Instance(None, "argparse.Namespace")
            ns.attrs.update(parser.defaults)
            return ns

        def set_defaults(**kwargs: object) -> object:
            parser.defaults.update(kwargs)
            return None

        methods: dict[str, Callable[..., object]] = {
            "add_argument": add_argument, "parse_args": parse_args, "set_defaults": set_defaults,
            "parse_known_args": lambda *a, **k: (parse_args(), []),
            "add_argument_group": lambda *a, **k: parser, "add_mutually_exclusive_group": lambda *a, **k: parser,
            "get_default": lambda dest, *a: parser.defaults.get(str(dest)),
        }
        if name in methods:
            return Builtin(f"ArgumentParser.{name}", methods[name])
        return Builtin(f"ArgumentParser.{name}", lambda *a, **k: None)

    def _make_builtins(self) -> dict[str, object]:
        out: dict[str, object] = {name: ExceptionType(name) for name in BUILTIN_EXCEPTIONS}
        out.update({name: Ext(f"builtins.{name}") for name in NOT_RUN})
        out.update(_builtin_functions(self))
        out.update({"True": True, "False": False, "None": None, "__name__": "__main__",
                    "__file__": Unknown("__file__", None, "the file's path when it runs")})
        return out

    # -- hooks: the framework reader gives these meaning ------------------------------------------------

    def hook_undefined(self, node: ast.Name) -> object:
        return Unknown(node.id, node.lineno, "it is not defined in this file")

    def hook_star_import(self, module: str, frame: Frame) -> None:
        pass

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        return NotImplemented

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        return self.unknown(node, f"{obj.label} has no attribute {name!r} set in this file")

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        return False

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_del_attr(self, obj: object, name: str, node: ast.AST) -> bool:
        return False

    def hook_del_item(self, obj: object, key: object, node: ast.AST) -> bool:
        return False

    def hook_set_item(self, obj: object, key: object, value: object, node: ast.AST) -> bool:
        return False

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return NotImplemented

    def hook_call_unresolved(self, func: object, missing: Unknown, node: ast.Call) -> object:
        return Unknown(node, node.lineno, lambda: missing.why)

    def hook_instantiate(self, cls: Class, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return NotImplemented

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        return None

    def hook_truth(self, value: object) -> bool | Unknown | None:
        return None

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_inplace(self, current: object, op: ast.operator, value: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_unary(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        return self.unknown(node, "an operation on a value the reader does not know")

    def hook_unpack(self, value: object, count: int, node: ast.AST) -> list[object] | None:
        return None

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> None:
        if isinstance(obj, Instance) and isinstance(node, ast.Attribute):
            obj.attrs[node.attr] = Unknown(node, node.lineno, why)
        elif isinstance(obj, dict) and isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
            if isinstance(key, (int, str)):
                obj[key] = Unknown(node, node.lineno, why)


def _callee(func: Function) -> str:
    """How a call of `func` is written: `Encoder(...)` for a constructor, `build_model()` for a function."""
    if func.name == "__init__" and func.owner is not None:
        return f"{func.owner.name}(...)"
    return f"{func.owner.name}.{func.name}()" if func.owner is not None else f"{func.name}()"


def _unique(items: list[object]) -> object:
    """A set, as the list of its distinct values (in first-seen order; code that needs an order sorts it)."""
    out: list[object] = []
    for item in items:
        if isinstance(item, Unknown):
            return item
        if not _hashable(item):
            return Unknown("set(...)", None, "a set of values that are not plain data")
        if item not in out:
            out.append(item)
    return out


def _plain_fields(text: str) -> bool:
    """A format string whose fields take no width from the arguments (`"{:>{}}".format("a", 10**9)` would
    build a gigabyte)."""
    try:
        return all("{" not in (spec or "") for _, _, spec, _ in string.Formatter().parse(text))
    except ValueError:
        return False


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for c in text:
        if c.isdigit():
            current += c
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


NOT_MODULE_PACKAGES = frozenset({
    # The frameworks themselves: their layers are known by name (pyfile.py); anything else they make here --
    # optimizers, devices, tensors, losses, callbacks -- holds no weights of the model.
    "torch", "tensorflow", "tf", "keras", "tf_keras", "numpy", "np",
    # the standard library and data tools
    "argparse", "collections", "types", "dataclasses", "typing", "enum", "pathlib", "datetime", "logging", "random",
    "os", "sys", "re", "json", "builtins", "math", "functools", "itertools", "string", "time", "copy", "pickle",
    "shutil", "subprocess", "importlib", "warnings", "io", "csv", "glob", "zipfile", "tarfile", "urllib",
    "pandas", "sklearn", "scipy", "matplotlib", "tqdm", "PIL", "cv2", "nltk", "spacy", "yaml", "h5py",
})
"""Packages whose capitalized names (`torch.optim.Adam`, `collections.Counter`) are never model layers; a class
from any other package (`torchcrf.CRF`, the project's own `model.RNNModel`) may be one the reader cannot see."""


def _data_method(obj: object, name: str, interp: Interpreter) -> Builtin | None:
    """The few methods of plain data the reader follows (all pure, all size-checked)."""
    if isinstance(obj, dict):
        def pop(key: object, *default: object) -> object:
            return obj.pop(key, *default) if key in obj or default else None

        def update(*others: object, **kwargs: object) -> None:
            for other in others:
                if isinstance(other, dict):
                    obj.update(other)
            obj.update(kwargs)

        dict_methods: dict[str, Callable[..., object]] = {
            "get": lambda key, default=None: obj.get(key, default) if not isinstance(key, (list, dict)) else default,
            "items": lambda: [tuple(kv) for kv in obj.items()], "keys": lambda: list(obj), "values": lambda: list(
                obj.values()), "copy": lambda: dict(obj), "update": update, "pop": pop,
            "setdefault": lambda key, default=None: obj.setdefault(key, default),
        }
        return Builtin(f"dict.{name}", dict_methods[name]) if name in dict_methods else None
    if isinstance(obj, list):
        def append(value: object) -> None:
            interp._check_size(len(obj) + 1, ast.Pass())
            obj.append(value)

        def extend(values: object) -> None:
            items = interp.iterate(values)
            if isinstance(items, Unknown):
                obj.append(items)
                return
            interp._check_size(len(obj) + len(items), ast.Pass())
            obj.extend(items)

        def add(value: object) -> None:  # a set is kept as a list of distinct values
            if _hashable(value) and value not in obj:
                append(value)

        def insert(at: object, value: object) -> None:
            if not isinstance(at, int):
                raise TypeError("the position must be an integer")
            interp._check_size(len(obj) + 1, ast.Pass())
            obj.insert(max(min(at, len(obj)), -len(obj) - 1), value)

        def remove(value: object) -> None:
            if value not in obj:
                raise ValueError("list.remove(x): x not in list")
            obj.remove(value)

        list_methods: dict[str, Callable[..., object]] = {
            "append": append, "extend": extend, "copy": lambda: list(obj), "add": add, "insert": insert,
            "pop": lambda i=-1: obj.pop(i), "index": _searched(obj, obj.index), "count": _searched(obj, obj.count),
            "remove": _searched(obj, remove), "reverse": lambda: obj.reverse(),
        }
        return Builtin(f"list.{name}", list_methods[name]) if name in list_methods else None
    if isinstance(obj, tuple):
        tuple_methods: dict[str, Callable[..., object]] = {"index": _searched(obj, obj.index),
                                                          "count": _searched(obj, obj.count)}
        return Builtin(f"tuple.{name}", tuple_methods[name]) if name in tuple_methods else None
    if isinstance(obj, str):
        return _str_method(obj, name, interp)
    return None


def _searched(seq: list[object] | tuple[object, ...], fn: Callable[[object], object]) -> Callable[[object], object]:
    """`seq.index(v)`, `count`, `remove`: Python compares `v` with every element in one go, so both are checked for
    size first (and a value that is not plain data is not compared at all)."""
    def apply(value: object) -> object:
        if not is_data(value) or flat_size(value) + flat_size(seq) > MAX_SIZE:
            kind = type(seq).__name__
            return Unknown(f"{kind}(...)", None, f"a search of a {kind} the reader does not compare")
        return fn(value)
    return apply


def _str_method(text: str, name: str, interp: Interpreter) -> Builtin | None:
    def join(items: object) -> object:
        values = interp.iterate(items)
        if isinstance(values, Unknown) or not all(isinstance(v, str) for v in values):
            return Unknown(text, None, "a string joined from values that are not known")
        strings = [v for v in values if isinstance(v, str)]
        interp._check_size(sum(len(v) for v in strings) + len(text) * len(strings), ast.Pass())
        return text.join(strings)

    def replace(old: object, new: object, *count: object) -> object:
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            return text
        interp._check_size(len(text) + text.count(old) * len(new), ast.Pass())
        return text.replace(old, new)

    def fmt(*args: object, **kwargs: object) -> object:
        if not all(is_data(a) for a in (*args, *kwargs.values())) or "." in text or "[" in text or any(
                len(d) > 3 for d in _digit_runs(text)) or not _plain_fields(text) or flat_size(
                [args, kwargs]) > MAX_SIZE:
            return Unknown(text, None, "a string formatted from values that are not known")
        try:
            return interp._string(text.format(*args, **kwargs), ast.Pass())
        except (IndexError, KeyError, ValueError):
            return Unknown(text, None, "a format the values do not fit")

    methods: dict[str, Callable[..., object]] = {
        "upper": text.upper, "lower": text.lower, "strip": text.strip, "lstrip": text.lstrip, "rstrip": text.rstrip,
        "split": text.split, "rsplit": text.rsplit, "startswith": text.startswith, "endswith": text.endswith,
        "title": text.title, "capitalize": text.capitalize, "isdigit": text.isdigit, "isalpha": text.isalpha,
        "count": text.count, "find": text.find, "partition": text.partition, "rpartition": text.rpartition,
        "join": join, "replace": replace, "format": fmt,
    }
    if name not in methods:
        return None
    method = methods[name]

    def safe(*args: object, **kwargs: object) -> object:
        try:
            result = method(*args, **kwargs)
        except (TypeError, ValueError):
            return Unknown(text, None, f"str.{name} with arguments it does not take")
        return list(result) if isinstance(result, list) else result

    return Builtin(f"str.{name}", safe)


def _builtin_functions(interp: Interpreter) -> dict[str, object]:
    def number(kind: type) -> Callable[..., object]:
        def convert(value: object = 0, *rest: object) -> object:
            if isinstance(value, Unknown):
                return value
            if isinstance(value, (int, float, str, bool)) and not rest:
                try:
                    if isinstance(value, str) and len(value) > 100:
                        raise ValueError(value[:20])
                    return kind(value)
                except (ValueError, OverflowError):
                    return Unknown(repr(value)[:40], None, f"it is not a valid {kind.__name__}")
            return Unknown(kind.__name__, None, f"{kind.__name__}() of a value that is not known")
        return convert

    def to_str(value: object = "") -> object:
        if isinstance(value, (int, float, str, bool)) or value is None:
            return str(value)
        return value if isinstance(value, Unknown) else Unknown("str(...)", None, "str() of an object")

    def length(value: object) -> object:
        if isinstance(value, (list, tuple, str, dict, range)):
            size = _length(value)
            return size if size < MAX_SIZE * MAX_SIZE else Unknown("len(...)", None, "the length of a huge range")
        items = interp.iterate(value)
        return items if isinstance(items, Unknown) else len(items)

    def make_range(*args: object) -> object:
        for a in args:
            if isinstance(a, Unknown):
                return a
        bounds = [a for a in args if isinstance(a, int) and not isinstance(a, bool)]
        if len(bounds) != len(args) or not 1 <= len(args) <= 3:
            return Unknown("range(...)", None, "range() of values that are not whole numbers")
        try:
            return range(*bounds)
        except ValueError:
            return Unknown("range(...)", None, "range() with a zero step")

    def make_slice(*args: object) -> object:
        for a in args:
            if isinstance(a, Unknown):
                return a
        if not 1 <= len(args) <= 3 or not all(a is None or (isinstance(a, int) and not isinstance(a, bool))
                                             for a in args):
            return Unknown("slice(...)", None, "slice() of values that are not whole numbers")
        return slice(*args)

    def over(fn: Callable[..., object], options: tuple[str, ...] = ()) -> Callable[..., object]:
        """sorted(), min(), sum()...: of plain values only, compared by Python (so first checked for size);
        `key=` may be one of the file's functions (called for each item) or a builtin like len."""
        def apply(*args: object, **kwargs: object) -> object:
            unexpected = set(kwargs) - set(options)
            if unexpected or not args:
                raise TypeError(f"unexpected arguments {sorted(unexpected) or 'none'}")
            source: object = args[0] if len(args) == 1 else list(args)
            if fn is sum and len(args) == 2:
                source, kwargs = args[0], {**kwargs, "start": args[1]}
            items = interp.iterate(source)
            if isinstance(items, Unknown):
                return items
            options_given = {k: v for k, v in kwargs.items() if v is not None or k == "default"}
            if "key" in options_given:
                key = options_given.pop("key")
                if not items and fn is not sorted:
                    if "default" in options_given:
                        return options_given["default"]
                    raise ValueError("an empty sequence")
                keys = [call_key(key, item) for item in items]
                bad = first_unknown(keys)
                if bad is not None:
                    return bad
                pairs = [(k, i) for i, k in enumerate(keys)]
                if not all(is_data(k) for k in keys) or flat_size(keys) > MAX_SIZE:
                    return Unknown("...", None, "a key the reader does not compare")
                try:
                    picked = fn(pairs, key=lambda pair: pair[0], **options_given)
                except (TypeError, ValueError):
                    return Unknown("...", None, "a function of values of mixed kinds")
                if fn is sorted:
                    return [items[i] for _, i in picked]  # type: ignore[attr-defined]
                return items[picked[1]]  # type: ignore[index]
            bad = first_unknown(items)
            if bad is not None:
                return bad
            if flat_size(items) > MAX_SIZE:
                return Unknown("...", None, "values too large to compare")
            try:
                return fn(items, **options_given)
            except (TypeError, ValueError):
                return Unknown("...", None, "a function of values of mixed kinds")
        return apply

    def call_key(key: object, item: object) -> object:
        if isinstance(key, Builtin):
            return interp.call_builtin(key, [item], {}, ast.Pass())
        if isinstance(key, Function):
            return interp.call_function(key, [item], {}, ast.Pass())
        return Unknown("key", None, "a key function the reader does not know")

    def as_list(kind: type) -> Callable[..., object]:
        def convert(value: object = ()) -> object:
            items = interp.iterate(value)
            return items if isinstance(items, Unknown) else kind(items)
        return convert

    def make_set(value: object = ()) -> object:
        items = interp.iterate(value)
        return items if isinstance(items, Unknown) else _unique(items)

    def make_dict(*args: object, **kwargs: object) -> object:
        out: dict[object, object] = {}
        if args:
            source = args[0]
            if isinstance(source, dict):
                out.update(source)
            else:
                items = interp.iterate(source)
                if isinstance(items, Unknown):
                    return items
                for item in items:
                    if isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(
                            item[0], (int, float, str, bool, tuple, type(None))):
                        out[item[0]] = item[1]
        out.update(kwargs)
        return out

    def enumerate_(value: object, start: object = 0) -> object:
        items = interp.iterate(value)
        if isinstance(items, Unknown) or not isinstance(start, int):
            return items
        return [(start + i, v) for i, v in enumerate(items)]

    def zip_(*values: object, **kwargs: object) -> object:
        lists = [interp.iterate(v) for v in values]
        for items in lists:
            if isinstance(items, Unknown):
                return items
        return [tuple(group) for group in zip(*lists, strict=False)]

    def rounded(value: object, digits: object = None) -> object:
        if isinstance(digits, int) and abs(digits) > 1000:  # round(5, -(1 << 60)) would compute 10 ** 2**60
            return Unknown("round(...)", None, "round() to more than 1,000 digits")
        if isinstance(value, (int, float)) and (digits is None or isinstance(digits, int)):
            return round(value, digits) if digits is not None else round(value)
        return value if isinstance(value, Unknown) else Unknown("round(...)", None, "round() of an unknown value")

    def isinstance_(value: object, kinds: object) -> object:
        if isinstance(value, Unknown):
            return value
        types = kinds if isinstance(kinds, tuple) else (kinds,)
        pytypes = tuple(k.pytype for k in types if isinstance(k, Builtin) and k.pytype is not None)
        if len(pytypes) != len(types) or not is_data(value):
            return Unknown("isinstance(...)", None, "isinstance() of an object or an outside class")
        return isinstance(value, pytypes)

    def getattr_(obj: object, name: object, *default: object) -> object:
        if not isinstance(name, str):
            return Unknown("getattr(...)", None, "getattr() with a name that is not known")
        value = interp.get_attr(obj, name, ast.Name(name, ast.Load()))
        if isinstance(value, Unknown) and default:
            return default[0]
        return value

    def hasattr_(obj: object, name: object) -> object:
        if isinstance(obj, Instance) and isinstance(name, str):
            return obj.has(name)
        return Unknown("hasattr(...)", None, "hasattr() of an object the reader does not know")

    def setattr_(obj: object, name: object, value: object) -> None:
        if isinstance(name, str):
            interp.set_attr(obj, name, value, ast.Name(name, ast.Load()))

    def vars_(obj: object = None) -> object:
        if isinstance(obj, Instance):
            return dict(obj.attrs)
        return Unknown("vars(...)", None, "vars() of an object the reader does not know")

    return {
        "int": Builtin("int", number(int), int), "float": Builtin("float", number(float), float),
        "bool": Builtin("bool", lambda v=False: interp.truth(v), bool), "str": Builtin("str", to_str, str),
        "len": Builtin("len", length), "range": Builtin("range", make_range), "slice": Builtin("slice", make_slice),
        "list": Builtin("list", as_list(list), list), "tuple": Builtin("tuple", as_list(tuple), tuple),
        "set": Builtin("set", make_set, set), "dict": Builtin("dict", make_dict, dict),
        "sorted": Builtin("sorted", over(sorted, ("key", "reverse"))),
        "reversed": Builtin("reversed", over(lambda items: items[::-1])),
        "sum": Builtin("sum", over(sum, ("start",))),
        "min": Builtin("min", over(min, ("key", "default"))), "max": Builtin("max", over(max, ("key", "default"))),
        "any": Builtin("any", over(any)), "all": Builtin("all", over(all)),
        "abs": Builtin("abs", lambda v: abs(v) if isinstance(v, (int, float)) else v),
        "round": Builtin("round", rounded), "enumerate": Builtin("enumerate", enumerate_),
        "zip": Builtin("zip", zip_), "isinstance": Builtin("isinstance", isinstance_),
        "getattr": Builtin("getattr", getattr_), "hasattr": Builtin("hasattr", hasattr_),
        "setattr": Builtin("setattr", setattr_), "vars": Builtin("vars", vars_),
        "print": Builtin("print", lambda *a, **k: None),
        "divmod": Builtin("divmod", lambda a, b: divmod(a, b) if _number(a) and _number(b) and b else Unknown(
            "divmod(...)", None, "divmod() of unknown values")),
    }


def _math(fn: Callable[..., object]) -> Callable[[Interpreter, list[object], dict[str, object], ast.Call], object]:
    def apply(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        bad = first_unknown(args)
        if bad is not None:
            return bad
        if not all(_number(a) for a in args) or kwargs:
            return interp.unknown(node, "a math function of values that are not numbers")
        if any(isinstance(a, int) and a.bit_length() > MAX_INT_BITS for a in args):
            return interp.unknown(node, "a number too large")
        try:
            result = fn(*args)
        except (ValueError, OverflowError, TypeError):
            return interp.unknown(node, "a math function outside its domain")
        return result

    return apply


def _prod(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    items = interp.iterate(args[0]) if len(args) == 1 else args
    if isinstance(items, Unknown):
        return items
    bad = first_unknown(items)
    if bad is not None:
        return bad
    if not all(_number(i) for i in items):
        return interp.unknown(node, "a product of values that are not numbers")
    result: float = 1
    for i in items:
        result *= i  # type: ignore[operator]
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            return interp.unknown(node, "a number too large")
    return result


def _namespace(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    ns = Instance(None, "SimpleNamespace")
    ns.attrs.update(kwargs)
    return ns


def _field(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    record = Instance(None, "dataclasses.field")
    if "default" in kwargs:
        record.attrs["default"] = kwargs["default"]
    factory = kwargs.get("default_factory")
    if isinstance(factory, Builtin):
        record.attrs["default"] = interp.call_builtin(factory, [], {}, node)
    elif isinstance(factory, Function):
        record.attrs["default"] = interp.call_function(factory, [], {}, node)
    return record


def _ordered_dict(interp: Interpreter, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    make = interp.builtins["dict"]
    assert isinstance(make, Builtin)
    return make.fn(*args, **kwargs)


_CONSTANTS: dict[str, object] = {
    **{f"string.{name}": getattr(string, name) for name in (
        "ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits", "punctuation",
        "whitespace", "printable")},
    "math.pi": math.pi, "math.e": math.e, "math.tau": math.tau,
}
"""Constants of the standard library that model code uses for sizes (`len(string.ascii_letters) + 1`)."""

_STDLIB: dict[str, Callable[[Interpreter, list[object], dict[str, object], ast.Call], object]] = {
    **{f"math.{name}": _math(getattr(math, name)) for name in (
        "ceil", "floor", "sqrt", "log", "log2", "log10", "exp", "pow", "gcd", "isqrt", "trunc")},
    "math.prod": _prod, "numpy.prod": _prod, "np.prod": _prod,
    "types.SimpleNamespace": _namespace, "argparse.Namespace": _namespace,
    "dataclasses.field": _field, "collections.OrderedDict": _ordered_dict,
}

__all__ = ["Class", "Ext", "Frame", "Function", "Instance", "Interpreter", "Unknown", "describe", "dotted",
           "first_unknown", "is_data"]

