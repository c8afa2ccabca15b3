"""Follow the plain-Python part of model code without running it: constants, arithmetic, config dicts,
dataclasses, argparse defaults, the file's own functions and classes.

This is a small interpreter over `ast` nodes that knows only values it builds itself (numbers, strings,
tuples, lists, dicts, and records of the file's own classes: `values.py`). Nothing the file imports or
calls outside itself is ever run: `os.system(...)`, `open(...)`, `torch.randn(...)` evaluate to an `Unknown`
(or, for the frameworks' objects, to what the code reader's adapters make of them, through `hooks.py`). A
value the reader cannot know stays `Unknown`, with the name it was read under and why, so an error can say
which variable to give with `--set NAME=VALUE`.

Work is bounded (`bounds.py`): steps, call depth, loop lengths, sizes of strings and lists and integers, so
no input can make the reader compute for long or build anything large. This module runs statements; the
expressions they hold are `evaluator.py`'s, operators `operations.py`'s, builtins `builtins.py`'s.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from ...errors import InputError
from .bounds import MAX_LOOP, hashable
from .evaluator import Evaluator
from .values import (
    Class,
    ExceptionType,
    Ext,
    Frame,
    Function,
    FunctionReturn,
    Instance,
    LoopBreak,
    LoopContinue,
    Raised,
    Unknown,
    describe,
    dotted,
)


class Interpreter(Evaluator):
    """Runs a module's statements. Subclasses give meaning to the outside world (the `hook_*` methods)."""

    def __init__(self, source: str, overrides: Mapping[str, object] | None = None) -> None:
        super().__init__(source, overrides)
        self._stores_in: dict[int, list[ast.AST]] = {}
        """What each statement may assign, by node id (a loop may give up on the same body many times)."""

    def run_module(self, tree: ast.Module) -> dict[str, object]:
        frame = Frame(self.module, None, kind="module")
        try:
            self.exec_block(tree.body, frame)
        except Raised as exc:
            raise InputError(f"the module raises {exc.name}({exc.message!r}) when read with the values it has; "
                             "fix the values (--set NAME=VALUE)", source=self.source, line=exc.line) from None
        except (FunctionReturn, LoopBreak, LoopContinue):
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
        raise LoopBreak

    def exec_Continue(self, stmt: ast.Continue, frame: Frame) -> None:
        raise LoopContinue

    def exec_Return(self, stmt: ast.Return, frame: Frame) -> None:
        raise FunctionReturn(None if stmt.value is None else self.eval(stmt.value, frame))

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
                if isinstance(obj, dict) and hashable(key):
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
            self.grow(current, len(value), stmt)
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
            except LoopBreak:
                broke = True
                break
            except LoopContinue:
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
            except LoopBreak:
                return
            except LoopContinue:
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
                    self.hook_havoc(self.quiet_eval(node.value, frame), node, why)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
                if isinstance(receiver, ast.Name) and isinstance(frame.lookup(receiver.id)[1], (list, dict)):
                    frame.assign(receiver.id, Unknown(receiver.id, node.lineno, why))
                else:
                    self.hook_havoc(self.quiet_eval(receiver, frame), node, why)
            elif isinstance(node, ast.Call) and dotted(node.func) == "setattr" and node.args:
                self.hook_havoc(self.quiet_eval(node.args[0], frame), node, why)

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
