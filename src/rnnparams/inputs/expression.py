"""Parse a model expression written in the framework's own syntax into a `ModelSpec`.

`nn.LSTM(100, 256, num_layers=2)`, `nn.Embedding(1000, 64); nn.GRU(64, 128)`,
`Sequential([Input((50, 3)), SimpleRNN(2), Dense(1)])`, `SimpleRNN(3, input_shape=[50, 3]); Dense(1)`.
The text is parsed with `ast`; nothing in it is ever executed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from .._record import record
from ..conventions import FRAMEWORKS, REGISTRY, FrameworkConvention, LayerConvention
from ..conventions.base import (
    BOOL,
    BY_CLASS,
    BY_POSITION,
    CHOICE,
    FLOAT,
    INT,
    LAYER,
    LAYER_OR_SIZE,
    LAYERS,
    NONNEG,
    REQUIRED,
    SHAPE,
    SIZE,
    Param,
    above_maximum,
)
from ..conventions.work import TOKENS
from ..errors import InputError, UsageError
from ..spec import LayerSpec, ModelSpec, Shape, Value, frozen_mapping
from .literals import Opaque, dotted_name, literal

MAX_SOURCE_CHARS = 200_000
MAX_LAYERS = 100_000
MAX_LISTED = 40
"""An unknown layer's message lists the framework's layers when there are at most this many."""

@record
class _Call:
    node: ast.Call
    name: str


def parse_expression(text: str, framework: str | None = None, input_shape: Shape | None = None) -> ModelSpec:
    """Turn model text into a ModelSpec. `framework` None means: infer it from the names used."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("the model is empty: give an expression such as \"nn.LSTM(100, 256)\"")
    if len(text) > MAX_SOURCE_CHARS:
        raise InputError(f"the model text is too long ({len(text):,} characters; at most {MAX_SOURCE_CHARS:,})")
    tree = _parse(text)
    calls = _top_level_calls(tree, text)
    if not calls:
        raise InputError("the model has no layers (only comments or blank lines): give an expression such as "
                         "\"nn.LSTM(100, 256)\"")
    fw = _framework(framework, calls, text)
    builder = _Builder(fw, text)
    layers, shape, name = builder.model(calls)
    if input_shape is not None:
        shape = input_shape
    if not layers:
        raise InputError("the model has no layers", source=text, line=1, col=0)
    return ModelSpec(fw.id, tuple(layers), shape, name, text)


def _parse(text: str) -> ast.Module:
    try:
        return ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise InputError(f"syntax error: {exc.msg}", source=text, line=exc.lineno,
                         col=(exc.offset or 1) - 1) from None
    except (RecursionError, MemoryError, ValueError):
        raise InputError("the model text is nested too deeply to read") from None


def _top_level_calls(tree: ast.Module, text: str) -> list[ast.Call]:
    calls = []
    for stmt in tree.body:
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        if not isinstance(value, ast.Call):
            raise InputError("expected a layer call such as nn.LSTM(100, 256) or a Sequential([...])",
                             source=text, line=stmt.lineno, col=stmt.col_offset)
        calls.append(value)
    return calls


def _walk_calls(nodes: Iterable[ast.AST]) -> Iterator[tuple[ast.Call, str]]:
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                name = dotted_name(node.func)
                if name is not None:
                    yield node, name


def strip_prefix(fw: FrameworkConvention, name: str) -> str:
    for prefix in fw.prefixes:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _framework(requested: str | None, calls: list[ast.Call], text: str) -> FrameworkConvention:
    if requested is not None:
        if requested not in FRAMEWORKS:
            raise UsageError(f"unknown framework {requested!r}; choose one of: {', '.join(FRAMEWORKS)}")
        return FRAMEWORKS[requested]
    votes: dict[str, tuple[ast.Call, str]] = {}
    seen: set[str] = set()
    for node, name in _walk_calls(calls):
        if name in seen:  # a name votes once (the first call of it is the one an error points at)
            continue
        seen.add(name)
        for fw_id in _frameworks_of(name):
            votes.setdefault(fw_id, (node, name))
    for fw_id in list(votes):  # a layer only the variant has (CuDNNLSTM): the variant, not its base
        base = FRAMEWORKS[fw_id].variant_of
        if base is not None:
            votes.pop(base, None)
    for fw_id, (_node, name) in list(votes.items()):  # `import flax.linen as nn`: a bare nn. beside
        mark = _mark(fw_id, name)                      # flax.linen.RNN(...) is flax's alias, not PyTorch
        if len(votes) > 1 and mark and all(mark in FRAMEWORKS[f].prefixes for f in votes if f != fw_id):
            votes.pop(fw_id)
    if len(votes) == 1:
        return FRAMEWORKS[next(iter(votes))]
    if len(votes) > 1:
        (_n1, a), (n2, b) = list(votes.values())[:2]
        raise InputError(f"the model mixes frameworks: {a} is {_display(a)} but {b} is {_display(b)}; "
                         "write the whole model in one framework", source=text, line=n2.lineno, col=n2.col_offset)
    fitting = [f for f, entry in REGISTRY.items() if entry.bare and FRAMEWORKS[f].variant_of is None
               and all(_fits(FRAMEWORKS[f], call) for call in calls)]
    if len(fitting) == 1:  # e.g. LSTM(256, input_shape=(35, 100)) can only be Keras: PyTorch has no input_shape
        return FRAMEWORKS[fitting[0]]
    node, name = next(_walk_calls(calls), (calls[0], "?"))
    choices = ", ".join(f for f in FRAMEWORKS if strip_prefix(FRAMEWORKS[f], name) in FRAMEWORKS[f].layers)
    raise InputError(f"ambiguous framework: {name}(...) exists in {choices or 'several frameworks'}. Pass "
                     f"--framework ({' | '.join(FRAMEWORKS)}), or write nn.{name}(...) for PyTorch or "
                     f"keras.layers.{name}(...) for Keras", source=text, line=node.lineno, col=node.col_offset)


KERAS_FIRST_LAYER_KEYWORDS = frozenset({"name", "trainable", "input_shape", "batch_input_shape", "input_dim",
                                        "input_length", "dtype"})


def _fits(fw: FrameworkConvention, call: ast.Call) -> bool:
    """Whether a bare call binds to the framework's signature of that name (arity, keywords, required ones)."""
    name = dotted_name(call.func)
    conv = fw.layers.get(name or "")
    if conv is None:
        return False
    positional = [p for p in conv.params if p.positional]
    if len(call.args) > len(positional):
        return False
    given = {p.name for p in positional[:len(call.args)]}
    extra = KERAS_FIRST_LAYER_KEYWORDS if fw.naming == BY_CLASS else frozenset()
    known = {p.name for p in conv.params} | conv.ignored | extra
    for kw in call.keywords:
        if kw.arg is None or kw.arg not in known:
            return False
        given.add(kw.arg)
    return all(p.name in given for p in conv.params if p.default is REQUIRED)


def _display(name: str) -> str:
    return " or ".join(FRAMEWORKS[f].display for f in _frameworks_of(name)) or "unknown"


def _mark(fw_id: str, name: str) -> str:
    """The longest of the framework's marks (conventions.REGISTRY) that `name` starts with, or ""."""
    return max((m for m in REGISTRY[fw_id].marks if name.startswith(m)), key=len, default="")


def _frameworks_of(name: str) -> list[str]:
    """Which frameworks a call name points to unambiguously (empty when it fits several or none): the
    framework whose mark the name starts with (the longest mark wins), else, for a bare name, the one framework
    that has a layer (or container, or input) of that name. A mark or name a variant shares with its base
    (Keras 2 with Keras 3) means the base, unless the layer is the variant's alone."""
    marked = {fw_id: _mark(fw_id, name) for fw_id in REGISTRY}
    longest = max((len(m) for m in marked.values()), default=0)
    if longest:
        owners = [fw_id for fw_id, m in marked.items() if len(m) == longest]
        if len(owners) > 1:
            base = name.rsplit(".", 1)[-1]
            owners = [f for f in owners if base in FRAMEWORKS[f].layers] or owners
    else:
        owners = [f for f, entry in REGISTRY.items() if entry.bare and (
            name in FRAMEWORKS[f].layers or name in FRAMEWORKS[f].containers or name in FRAMEWORKS[f].input_calls)]
    variants = {f: FRAMEWORKS[f].variant_of for f in owners if FRAMEWORKS[f].variant_of in owners}
    if len(owners) > len(variants):
        owners = [f for f in owners if f not in variants]  # the base, where both have the name
    return owners if len(owners) == 1 else []


class _Builder:
    """Walks the top-level calls and builds LayerSpecs with arguments bound to each layer's signature."""

    def __init__(self, fw: FrameworkConvention, text: str) -> None:
        self.fw = fw
        self.text = text
        self.input_shape: Shape | None = None
        self.count = 0
        self.nested_names: dict[str, int] = {}

    def error(self, message: str, node: ast.AST) -> InputError:
        return InputError(message, source=self.text, line=getattr(node, "lineno", None),
                          col=getattr(node, "col_offset", None))

    def model(self, calls: list[ast.Call]) -> tuple[list[LayerSpec], Shape | None, str | None]:
        layers: list[LayerSpec] = []
        name = None
        for call in calls:
            base = self.base_name(call)
            if base in self.fw.containers:
                if len(calls) > 1:
                    raise self.error("a Sequential(...) must be the whole model, not part of a ';' chain", call)
                items, name = self.container(call, base)
                for item in items:
                    self.item(item, layers)
            else:
                self.item(call, layers)
        return layers, self.input_shape, name

    def base_name(self, call: ast.Call) -> str:
        name = dotted_name(call.func)
        if name is None:
            raise self.error("expected a layer name such as nn.LSTM or LSTM before '('", call)
        return strip_prefix(self.fw, name)

    def container(self, call: ast.Call, base: str) -> tuple[list[ast.expr], str | None]:
        name = None
        for kw in call.keywords:
            if kw.arg == "name":
                value = literal(kw.value, self.text)
                name = value if isinstance(value, str) else None
            elif kw.arg not in ("trainable",):
                raise self.error(f"{base}() got an unexpected keyword argument {kw.arg!r}", kw.value)
        if self.fw.naming == BY_POSITION:  # nn.Sequential(a, b, c)
            return list(call.args), name
        if len(call.args) > 1:
            raise self.error("Sequential takes one list of layers: Sequential([layer, layer, ...])", call)
        if not call.args:
            return [], name
        arg = call.args[0]
        if not isinstance(arg, (ast.List, ast.Tuple)):
            raise self.error("Sequential takes a list of layers: Sequential([layer, layer, ...])", arg)
        return list(arg.elts), name

    def item(self, node: ast.expr, layers: list[LayerSpec]) -> None:
        if not isinstance(node, ast.Call):
            raise self.error(f"expected a layer call, got `{ast.unparse(node)}`", node)
        base = self.base_name(node)
        if base in self.fw.input_calls:
            if layers:
                raise self.error("Input(...) must come first, before the layers", node)
            self.input_shape = self.input_call(node, base)
            return
        self.count += 1
        if self.count > MAX_LAYERS:
            raise self.error(f"too many layers (at most {MAX_LAYERS:,})", node)
        layers.append(self.layer(node, first=not layers))

    def input_call(self, call: ast.Call, base: str) -> Shape:
        values = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        node = call.args[0] if call.args else values.get("shape")
        if node is None and "batch_shape" in values:
            batch_shape = self.shape_value(values["batch_shape"], "batch_shape")
            return batch_shape[1:]
        if node is None:
            raise self.error(f"{base}() needs a shape: {base}(shape=(T, F))", call)
        return self.shape_value(node, "shape")

    def shape_value(self, node: ast.expr, what: str) -> Shape:
        value = literal(node, self.text)
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,)
        if not isinstance(value, tuple) or not all(
                v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value):
            raise self.error(f"{what} must be a tuple of sizes such as (50, 3) (use None for a free dimension)",
                             node)
        for v in value:
            if v is not None and v <= 0:
                raise self.error(f"{what} sizes must be positive (got {v})", node)
        return value

    def lookup(self, call: ast.Call) -> LayerConvention:
        full = dotted_name(call.func) or "?"
        base = self.base_name(call)
        base = self.fw.aliases.get(base, base)
        conv = self.fw.layers.get(base)
        if conv is not None:
            return conv
        raise self.error(self.unknown_layer_message(full, base), call)

    def unknown_layer_message(self, full: str, base: str) -> str:
        refused = self.fw.refused.get(base)
        if refused is not None:  # a class the framework has, which the conventions decline to count, and why
            return f"{full} is not counted as a layer: {refused}"
        known = sorted(self.fw.layers)
        message = f"unknown layer {full!r} for {self.fw.display}"
        import difflib

        close = difflib.get_close_matches(base, known, n=1, cutoff=0.6) or difflib.get_close_matches(
            base.lower(), [k.lower() for k in known], n=1, cutoff=0.6)
        counterpart = _counterpart(self.fw, base)
        if counterpart is not None:
            message += f": {base} is another framework's name; here it is {counterpart}"
        elif close:
            match = next(k for k in known if k.lower() == close[0].lower())
            message += f": did you mean {match}?"
        if len(known) > MAX_LISTED:
            return message + f"\n  {len(known)} layers are known; docs/layers.md lists them"
        return message + f"\n  known layers: {', '.join(known)}"

    def layer(self, call: ast.Call, *, first: bool) -> LayerSpec:
        conv = self.lookup(call)
        config: dict[str, Value] = {}
        params = conv.params
        positional = [p for p in params if p.positional]
        by_name = {p.name: p for p in params}
        if any(isinstance(a, ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords):
            raise self.error("*args and **kwargs cannot be resolved here; write the arguments out", call)
        if len(call.args) > len(positional):
            raise self.error(f"{conv.type_name}() takes at most {len(positional)} positional arguments "
                             f"({', '.join(p.name for p in positional)}) but {len(call.args)} were given",
                             call.args[len(positional)])
        nodes: dict[str, ast.expr] = {}
        for param, arg in zip(positional, call.args, strict=False):
            nodes[param.name] = arg
        name: str | None = None
        ignored: dict[str, ast.expr] = {}
        for kw in call.keywords:
            key = kw.arg
            assert key is not None
            if key in nodes:
                raise self.error(f"{conv.type_name}() got multiple values for argument {key!r}", kw.value)
            if key in by_name:
                nodes[key] = kw.value
            elif key == "name" and self.fw.naming == BY_CLASS:
                value = literal(kw.value, self.text)
                if not isinstance(value, str) or not value:
                    raise self.error("name must be a non-empty string", kw.value)
                name = value
            elif key == "trainable" and self.fw.naming == BY_CLASS:
                config["trainable"] = self.check(Param("trainable", True, BOOL), kw.value, conv)
            elif key in conv.ignored:
                ignored[key] = kw.value
            else:
                raise self.error(self.unexpected_keyword(conv, key), kw.value)
        for param in params:
            if param.name in nodes:
                config[param.name] = self.check(param, nodes[param.name], conv)
            elif param.default is REQUIRED:
                raise self.error(f"{conv.type_name}() is missing the required argument {param.name!r}", call)
            else:
                config[param.name] = param.default  # type: ignore[assignment]
        if first and self.fw.naming == BY_CLASS:
            self.first_layer_input(conv, ignored)
        return LayerSpec(conv.type_name, frozen_mapping(config), name, call.lineno, call.col_offset)

    def unexpected_keyword(self, conv: LayerConvention, key: str) -> str:
        valid = [p.name for p in conv.params]
        import difflib

        close = difflib.get_close_matches(key, valid + sorted(conv.ignored), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (f"{conv.type_name}() got an unexpected keyword argument {key!r}{hint}\n"
                f"  arguments: {', '.join(valid)}")

    def first_layer_input(self, conv: LayerConvention, given: dict[str, ast.expr]) -> None:
        """Keras lets the first layer declare the model input: input_shape=, batch_input_shape=,
        input_dim= (with input_length= in Keras 2), or Embedding(..., input_length=T)."""
        if self.input_shape is not None:
            return
        if "input_shape" in given:
            self.input_shape = self.shape_value(given["input_shape"], "input_shape")
        elif "batch_input_shape" in given:
            self.input_shape = self.shape_value(given["batch_input_shape"], "batch_input_shape")[1:]
        elif "input_dim" in given:  # (an Embedding's own input_dim is its vocabulary, bound as an argument)
            length = self.shape_value(given["input_length"], "input_length") if "input_length" in given else ()
            self.input_shape = (*length, *self.shape_value(given["input_dim"], "input_dim"))
        elif "input_length" in given and conv.work.positions == TOKENS:  # token ids: (T,)
            self.input_shape = self.shape_value(given["input_length"], "input_length")

    def nested(self, spec: LayerSpec, holder: LayerConvention) -> LayerSpec:
        """A layer built inside another one's arguments (Keras' RNN(LSTMCell(4)), StackedRNNCells([...])), named
        as the framework names it in construction order: the holder's own convention names what it wraps
        (Bidirectional's layer), which count names with the model's layers."""
        if self.fw.naming != BY_CLASS or holder.wraps or spec.name is not None:
            return spec
        base = self.fw.layers[spec.type].auto_name
        n = self.nested_names.get(base, 0)
        self.nested_names[base] = n + 1
        return LayerSpec(spec.type, spec.config, base if n == 0 else f"{base}_{n}", spec.line, spec.col)

    def check(self, param: Param, node: ast.expr, conv: LayerConvention) -> Value:
        """Evaluate an argument and check it has the kind of value the framework accepts."""
        if param.kind == LAYER:
            if isinstance(node, ast.Constant) and node.value is None and param.default is not REQUIRED:
                return None  # an optional nested layer left out (xlstm's sLSTMBlockConfig(feedforward=None))
            if not isinstance(node, ast.Call):
                raise self.error(f"{conv.type_name}() expects a layer for {param.name!r}, such as LSTM(64)", node)
            return self.nested(self.layer(node, first=False), conv)
        if param.kind == LAYER_OR_SIZE:
            if isinstance(node, ast.Call):
                return self.nested(self.layer(node, first=False), conv)
            param = Param(param.name, param.default, SIZE, positional=param.positional)
        if param.kind == LAYERS:
            if not isinstance(node, (ast.List, ast.Tuple)) or not all(isinstance(e, ast.Call) for e in node.elts):
                raise self.error(f"{conv.type_name}() expects a list of layers for {param.name!r}, such as "
                                 "[LSTMCell(64), LSTMCell(64)]", node)
            return tuple(self.nested(self.layer(e, first=False), conv) for e in node.elts)  # type: ignore[arg-type]
        value = literal(node, self.text, allow_opaque=param.kind not in (SIZE, NONNEG, INT, BOOL, SHAPE, FLOAT))
        if value is None and param.default is None:  # an optional argument written as its default
            return None
        where = f"{conv.type_name}(): {param.name}"
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if param.kind == SIZE and not (is_int and value > 0):  # type: ignore[operator]
            raise self.error(f"{where} must be a positive integer (got {value!r})"
                             + (": sizes are counts, so 0 and negative values are invalid" if is_int else ""),
                             node)
        if param.kind == NONNEG and not (is_int and value >= 0):  # type: ignore[operator]
            raise self.error(f"{where} must be an integer >= 0 (got {value!r})", node)
        too_large = above_maximum(param, value) if param.kind in (SIZE, NONNEG) else None
        if too_large is not None:
            raise self.error(f"{conv.type_name}(): {too_large}", node)
        if param.kind == INT and value is not None and not is_int:
            raise self.error(f"{where} must be an integer (got {value!r})", node)
        if param.kind == BOOL and not isinstance(value, bool):
            raise self.error(f"{where} must be True or False (got {value!r})", node)
        if param.kind == FLOAT and value is not None and (
                not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise self.error(f"{where} must be a number (got {value!r})", node)
        if param.kind == SHAPE and not (is_int or isinstance(value, (tuple, str))):
            raise self.error(f"{where} must be an integer or a tuple of integers (got {value!r})", node)
        if param.kind == CHOICE and (isinstance(value, Opaque) or value not in param.choices):
            options = ", ".join(repr(c) for c in param.choices)
            raise self.error(f"{where} must be one of {options} (got {value!r})", node)
        if isinstance(value, Opaque):
            return str(value)
        return value  # type: ignore[return-value]


def _counterpart(fw: FrameworkConvention, name: str) -> str | None:
    """This framework's name for another framework's layer `name` (Dense -> Linear): the layer that writes the
    same family (conventions' equivalents), looked up among the frameworks compared by default."""
    families = {family for other in FRAMEWORKS if other != fw.id and FRAMEWORKS[other].compared
                for family in getattr(FRAMEWORKS[other].layers.get(name), "equivalent", _NONE).writes}
    return next((conv.type_name for conv in fw.layers.values() if families & set(conv.equivalent.writes)), None)


class _NoEquivalent:
    writes: tuple[str, ...] = ()


_NONE = _NoEquivalent()
LayerBinder = _Builder
"""Binds one layer call to its framework's signature (used by the `.py` reader, `inputs/code/binding.py`, on
calls it rebuilds with resolved values, so code and expressions are validated alike)."""
