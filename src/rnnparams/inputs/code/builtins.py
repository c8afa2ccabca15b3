"""What the file may call without it being run: Python's safe builtins (`len`, `range`, `sorted`...), the
methods of plain data (`dict.get`, `list.append`, `str.format`...), a few pure helpers of the standard library
(`math`, `types.SimpleNamespace`, `dataclasses.field`, `collections.OrderedDict`) and `argparse`, whose
defaults are what a model is built with when the file runs without arguments.

Each one is implemented here over the reader's own values and checked for size before Python does the work;
anything else the file calls (`open`, `eval`, `__import__`...) stays an outside name that is never called.
"""

from __future__ import annotations

import ast
import math
import string
from collections.abc import Callable

from .bounds import MAX_INT_BITS, MAX_SIZE, first_unknown, flat_size, hashable, is_data, safe_len
from .values import ArgParser, Builtin, ExceptionType, Ext, Function, Instance, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .evaluator import Evaluator

DATA_BUILTINS = frozenset({"int", "float", "str", "bool", "len", "range", "list", "tuple", "set", "sorted", "reversed",
                           "sum", "min", "max", "any", "all", "abs", "round", "enumerate", "zip", "divmod"})
"""Builtins of plain data: an imported name given to them is unknown, not an object of the file."""
BUILTIN_EXCEPTIONS = frozenset({
    "Exception", "BaseException", "ValueError", "KeyError", "TypeError", "IndexError", "AttributeError",
    "NotImplementedError", "RuntimeError", "AssertionError", "ImportError", "ModuleNotFoundError",
    "ZeroDivisionError", "FileNotFoundError", "OSError", "StopIteration", "LookupError", "ArithmeticError",
})
NOT_RUN = frozenset({"open", "eval", "exec", "compile", "__import__", "input", "globals", "locals", "breakpoint",
                     "exit", "quit", "help", "memoryview", "bytearray", "bytes", "iter", "next", "id", "hash",
                     "object", "type", "issubclass", "callable", "delattr", "dir", "frozenset", "classmethod",
                     "staticmethod", "property", "ord", "chr", "bin", "hex", "oct", "ascii", "repr", "format"})
"""Builtins that are never called: they stay outside names, whatever the file does with them."""
NOT_MODULE_PACKAGES = frozenset({
    "numpy", "np",
    # the standard library and data tools
    "argparse", "collections", "types", "dataclasses", "typing", "enum", "pathlib", "datetime", "logging", "random",
    "os", "sys", "re", "json", "builtins", "math", "functools", "itertools", "string", "time", "copy", "pickle",
    "shutil", "subprocess", "importlib", "warnings", "io", "csv", "glob", "zipfile", "tarfile", "urllib",
    "pandas", "sklearn", "scipy", "matplotlib", "tqdm", "PIL", "cv2", "nltk", "spacy", "yaml", "h5py",
})
"""Packages whose capitalized names (`collections.Counter`, `pandas.DataFrame`) are never model layers; a class
from any other package (`torchcrf.CRF`, the project's own `model.RNNModel`) may be one the reader cannot see.
The frameworks' own packages are added by their adapters (what else they make -- optimizers, devices, losses --
holds no weights of the model)."""


def is_number(value: object) -> bool:
    return isinstance(value, (int, float))


def unique(items: list[object]) -> object:
    """A set, as the list of its distinct values (in first-seen order; code that needs an order sorts it)."""
    out: list[object] = []
    for item in items:
        if isinstance(item, Unknown):
            return item
        if not hashable(item):
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


def digit_runs(text: str) -> list[str]:
    """The runs of digits in a format (a width of more than 3 digits would build a huge string)."""
    runs, current = [], ""
    for c in text:
        if c.isdigit():
            current += c
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def data_method(obj: object, name: str, interp: Evaluator) -> Builtin | None:
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
            interp.check_size(len(obj) + 1, ast.Pass())
            obj.append(value)

        def extend(values: object) -> None:
            items = interp.iterate(values)
            if isinstance(items, Unknown):
                obj.append(items)
                return
            interp.check_size(len(obj) + len(items), ast.Pass())
            obj.extend(items)

        def add(value: object) -> None:  # a set is kept as a list of distinct values
            if hashable(value) and value not in obj:
                append(value)

        def insert(at: object, value: object) -> None:
            if not isinstance(at, int):
                raise TypeError("the position must be an integer")
            interp.check_size(len(obj) + 1, ast.Pass())
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


def _str_method(text: str, name: str, interp: Evaluator) -> Builtin | None:
    def join(items: object) -> object:
        values = interp.iterate(items)
        if isinstance(values, Unknown) or not all(isinstance(v, str) for v in values):
            return Unknown(text, None, "a string joined from values that are not known")
        strings = [v for v in values if isinstance(v, str)]
        interp.check_size(sum(len(v) for v in strings) + len(text) * len(strings), ast.Pass())
        return text.join(strings)

    def replace(old: object, new: object, *count: object) -> object:
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            return text
        interp.check_size(len(text) + text.count(old) * len(new), ast.Pass())
        return text.replace(old, new)

    def fmt(*args: object, **kwargs: object) -> object:
        if not all(is_data(a) for a in (*args, *kwargs.values())) or "." in text or "[" in text or any(
                len(d) > 3 for d in digit_runs(text)) or not _plain_fields(text) or flat_size(
                [args, kwargs]) > MAX_SIZE:
            return Unknown(text, None, "a string formatted from values that are not known")
        try:
            return interp.string(text.format(*args, **kwargs), ast.Pass())
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


def _builtin_functions(interp: Evaluator) -> dict[str, object]:
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
            size = safe_len(value)
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
        return items if isinstance(items, Unknown) else unique(items)

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
        "divmod": Builtin("divmod", lambda a, b: divmod(a, b) if is_number(a) and is_number(b) and b else Unknown(
            "divmod(...)", None, "divmod() of unknown values")),
    }


def _math(fn: Callable[..., object]) -> Callable[[Evaluator, list[object], dict[str, object], ast.Call], object]:
    def apply(interp: Evaluator, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        bad = first_unknown(args)
        if bad is not None:
            return bad
        if not all(is_number(a) for a in args) or kwargs:
            return interp.unknown(node, "a math function of values that are not numbers")
        if any(isinstance(a, int) and a.bit_length() > MAX_INT_BITS for a in args):
            return interp.unknown(node, "a number too large")
        try:
            result = fn(*args)
        except (ValueError, OverflowError, TypeError):
            return interp.unknown(node, "a math function outside its domain")
        return result

    return apply


def _prod(interp: Evaluator, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    items = interp.iterate(args[0]) if len(args) == 1 else args
    if isinstance(items, Unknown):
        return items
    bad = first_unknown(items)
    if bad is not None:
        return bad
    if not all(is_number(i) for i in items):
        return interp.unknown(node, "a product of values that are not numbers")
    result: float = 1
    for i in items:
        result *= i  # type: ignore[operator]
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            return interp.unknown(node, "a number too large")
    return result


def _namespace(interp: Evaluator, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    ns = Instance(None, "SimpleNamespace")
    ns.attrs.update(kwargs)
    return ns


def _field(interp: Evaluator, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    record = Instance(None, "dataclasses.field")
    if "default" in kwargs:
        record.attrs["default"] = kwargs["default"]
    factory = kwargs.get("default_factory")
    if isinstance(factory, Builtin):
        record.attrs["default"] = interp.call_builtin(factory, [], {}, node)
    elif isinstance(factory, Function):
        record.attrs["default"] = interp.call_function(factory, [], {}, node)
    return record


def _ordered_dict(interp: Evaluator, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
    make = interp.builtins["dict"]
    assert isinstance(make, Builtin)
    return make.fn(*args, **kwargs)


CONSTANTS: dict[str, object] = {
    **{f"string.{name}": getattr(string, name) for name in (
        "ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits", "punctuation",
        "whitespace", "printable")},
    "math.pi": math.pi, "math.e": math.e, "math.tau": math.tau,
}
"""Constants of the standard library that model code uses for sizes (`len(string.ascii_letters) + 1`)."""

STDLIB: dict[str, Callable[[Evaluator, list[object], dict[str, object], ast.Call], object]] = {
    **{f"math.{name}": _math(getattr(math, name)) for name in (
        "ceil", "floor", "sqrt", "log", "log2", "log10", "exp", "pow", "gcd", "isqrt", "trunc")},
    "math.prod": _prod, "numpy.prod": _prod, "np.prod": _prod,
    "types.SimpleNamespace": _namespace, "argparse.Namespace": _namespace,
    "dataclasses.field": _field, "collections.OrderedDict": _ordered_dict,
}


def parser_method(parser: ArgParser, name: str, node: ast.AST) -> object:
    """A method of `argparse.ArgumentParser`: add_argument records a default, parse_args gives the namespace of
    the defaults (the file is read as if run without arguments)."""
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


def make_builtins(interp: Evaluator) -> dict[str, object]:
    """The names every module sees without importing them."""
    out: dict[str, object] = {name: ExceptionType(name) for name in BUILTIN_EXCEPTIONS}
    out.update({name: Ext(f"builtins.{name}") for name in NOT_RUN})
    out.update(_builtin_functions(interp))
    out.update({"True": True, "False": False, "None": None, "__name__": "__main__",
                "__file__": Unknown("__file__", None, "the file's path when it runs")})
    return out
