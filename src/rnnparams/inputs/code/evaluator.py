"""The interpreter's expressions: names, operators, comparisons, comprehensions, attributes, items and calls,
over the reader's own values, plus the assignments an expression may make (`:=`, comprehension targets).
Statements (`interpreter.py`) build on this.

A value the file cannot give without running stays `Unknown`, with the name it was read under (what
`--set NAME=VALUE` gives) and why; an outside name is called only through the hooks (`hooks.py`), never run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from .bounds import MAX_DEPTH, MAX_INT_BITS, hashable, is_data
from .builtins import (
    CONSTANTS,
    DATA_BUILTINS,
    NOT_MODULE_PACKAGES,
    STDLIB,
    data_method,
    digit_runs,
    make_builtins,
    parser_method,
    unique,
)
from .operations import Operations
from .values import (
    ArgParser,
    BoundMethod,
    Builtin,
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
    Super,
    Unknown,
    describe,
    dotted,
    source_text,
)


class Evaluator(Operations):
    """Evaluates expressions in a frame; `exec_block` (statements) is the interpreter's."""

    def __init__(self, source: str, overrides: Mapping[str, object] | None = None) -> None:
        super().__init__(source)
        self.overrides = dict(overrides or {})
        self.used_overrides: set[str] = set()
        self.module: dict[str, object] = {"__name__": "__main__"}
        self.called: set[int] = set()
        """ids of the file's functions and classes called while reading it."""
        self.not_module_packages = NOT_MODULE_PACKAGES
        """Packages whose classes hold no model weights (the frameworks' own are added by the reader)."""
        self.builtins = make_builtins(self)
        self._names_in: dict[int, list[ast.Name | ast.Attribute]] = {}
        """The names of a condition or loop header, by node id (a loop asks for them at every iteration)."""

    def exec_block(self, body: list[ast.stmt], frame: Frame) -> None:
        """Runs statements: a function's body (the statements are `interpreter.py`'s)."""
        raise NotImplementedError

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
        elif isinstance(obj, dict) and hashable(key):
            self.grow_dict(obj, node)
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
        return unique(self._elements(node.elts, frame, node))

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
            self.grow(out, 0, node)
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
            if not (isinstance(key, (int, float, str, bool, tuple, type(None))) and hashable(key)):
                return self.unknown(k, "a dict key that is not known")
            out[key] = self.eval(v, frame)
            self.grow_dict(out, node)
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
        return self.string("".join(parts), node)

    def eval_FormattedValue(self, node: ast.FormattedValue, frame: Frame) -> object:
        value = self.eval(node.value, frame)
        if isinstance(value, Unknown):
            return value
        if not is_data(value) or not self.small(value, node):
            return self.unknown(node, "a value formatted into a string")
        spec = "" if node.format_spec is None else self.eval(node.format_spec, frame)
        if not isinstance(spec, str) or any(len(d) > 3 for d in digit_runs(spec)):
            return self.unknown(node, "a format specification the reader does not follow")
        conversions: dict[int, Callable[[object], str]] = {115: str, 114: repr, 97: ascii}
        conv = conversions.get(node.conversion)
        try:
            return self.string(format(conv(value) if conv else value, spec), node)
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
            if isinstance(key, (int, float, str, bool, tuple, type(None))) and hashable(key):
                self.grow_dict(out, node)
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
            if frame is not None and dotted(part) and isinstance(self.quiet_eval(part, frame), (Unknown, Ext)):
                key = dotted(part) or key
                break
        return lambda: (f"{how} {what} on line {line} (`{describe(node)}`) that depends on `{key}`, which cannot "
                        f"be known without running the code ({value.why}); --set {key}=VALUE decides it")


    def quiet_eval(self, node: ast.expr, frame: Frame) -> object:
        """The object a name or attribute chain refers to, without calling anything."""
        if isinstance(node, ast.Name):
            return frame.lookup(node.id)[1]
        if isinstance(node, ast.Attribute):
            return self.get_attr(self.quiet_eval(node.value, frame), node.attr, node)
        return None

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
            return CONSTANTS[path] if path in CONSTANTS else Ext(path)
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
            return parser_method(obj, name, node)
        method = data_method(obj, name, self)
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
            if not hashable(key) or key not in obj:
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
        simple = STDLIB.get(ext.path)
        if simple is not None:
            return self.call_builtin(Builtin(ext.path, lambda *a, **k: simple(self, list(a), k, node)), args,
                                     kwargs, node)
        if ext.path.endswith("ArgumentParser") and ext.path.startswith("argparse"):
            return ArgParser()
        parts = ext.path.split(".")
        module_like = parts[0] not in self.not_module_packages and any(p[:1].isupper() for p in parts)
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
        except FunctionReturn as ret:
            return ret.value
        except (LoopBreak, LoopContinue):
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


def _callee(func: Function) -> str:
    """How a call of `func` is written: `Encoder(...)` for a constructor, `build_model()` for a function."""
    if func.name == "__init__" and func.owner is not None:
        return f"{func.owner.name}(...)"
    return f"{func.owner.name}.{func.name}()" if func.owner is not None else f"{func.name}()"


