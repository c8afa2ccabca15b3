"""Spec files: a model as plain data (JSON, YAML or TOML), and back.

A spec is `{"framework": ..., "input_shape": [...] | null, "name": ..., "layers": [{"type": "LSTM", ...}]}`,
each layer's keys being the framework's own constructor arguments (`Bidirectional` nests its layer under
`"layer"`), plus `name` (a Keras layer name, or a PyTorch attribute path such as `encoder.rnn`). A model
that is not a chain (read from a functional graph or an nn.Module) has `"chain": false`, and each of its
layers says what it receives in `"inbound_shape"` (with the batch, null where free) and which of its tensors
are tied to an earlier layer's in `"tied"`; `"frozen"` lists the tensors set to `requires_grad = False`.
`rnnparams schema` prints the JSON Schema. Loading turns each layer back into a call in the framework's syntax
and binds it with the expression parser, so a spec is validated exactly like an expression; errors name the key
path (`layers[2].layer.units`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

from .._record import replace
from ..conventions import FRAMEWORKS, FrameworkConvention
from ..conventions.base import BY_CLASS, BY_POSITION, REQUIRED
from ..errors import InputError, RnnParamsError, UsageError
from ..spec import LayerSpec, ModelSpec, Value
from .expression import parse_expression

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMATS = ("json", "yaml", "toml")
MAX_NESTING = 64
"""Lists and mappings inside one another a spec file may have (a real spec has four or five)."""
MAX_ELEMENTS = 100_000
"""Values a spec document may hold, aliases expanded (a layer has a dozen)."""
SCHEMA_ID = "https://rnnparams.dev/schema/spec-1.json"
TOP_KEYS = ("$schema", "framework", "name", "input_shape", "chain", "layers")
LAYER_KEYS = ("inbound_shape", "tied", "frozen")
"""Keys of a layer that are not constructor arguments (with `name` where the framework has no name=)."""


def spec_to_data(spec: ModelSpec) -> dict[str, Any]:
    """The spec as plain data, keeping only arguments that differ from the framework's defaults."""
    fw = FRAMEWORKS[spec.framework]
    data: dict[str, Any] = {"framework": spec.framework}
    if spec.name is not None:
        data["name"] = spec.name
    data["input_shape"] = None if spec.input_shape is None else list(spec.input_shape)
    if not spec.chain:
        data["chain"] = False
    data["layers"] = [_layer_to_data(fw, layer) for layer in spec.layers]
    return data


def _layer_to_data(fw: FrameworkConvention, layer: LayerSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"type": layer.type}
    if layer.name is not None:
        out["name"] = layer.name
    defaults = {p.name: p.default for p in fw.layers[layer.type].params}
    for key, value in layer.config.items():
        default = defaults.get(key, True if key == "trainable" else REQUIRED)
        if default is REQUIRED or value != default or type(value) is not type(default):
            out[key] = _value_to_data(fw, value)
    if layer.input_shape is not None:  # several inputs (a merging or attention layer): one shape each
        out["inbound_shape"] = [list(d) if isinstance(d, tuple) else d for d in layer.input_shape]
    if layer.tied:
        out["tied"] = list(layer.tied)
    if layer.frozen:
        out["frozen"] = list(layer.frozen)
    return out


def _value_to_data(fw: FrameworkConvention, value: Value) -> Any:
    if isinstance(value, LayerSpec):
        return _layer_to_data(fw, value)
    if isinstance(value, tuple):
        return [_value_to_data(fw, v) for v in value]
    return value


def dump_spec(spec: ModelSpec, fmt: str = "json") -> str:
    data = spec_to_data(spec)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        yaml = _optional("yaml", "PyYAML", "yaml")
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    if fmt == "toml":
        return _dump_toml(data)
    raise UsageError(f"unknown spec format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def _dump_toml(data: dict[str, Any]) -> str:
    """TOML has no null: an unknown input shape is left out, and so is every None value."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            if any(x is None for x in v):
                return json.dumps(["None" if x is None else x for x in v])
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items() if x is not None) + " }"
        raise TypeError(type(v))

    lines = [f"{k} = {value(v)}" for k, v in data.items() if k != "layers" and v is not None]
    for layer in data["layers"]:
        lines += ["", "[[layers]]"] + [f"{k} = {value(v)}" for k, v in layer.items() if v is not None]
    return "\n".join(lines) + "\n"


def load_spec(text: str, fmt: str, *, source_name: str = "spec") -> ModelSpec:
    """Parse a spec document; `fmt` is one of FORMATS."""
    data = _decode(text, fmt, source_name)
    return spec_from_data(data, source_name=source_name)


def _decode(text: str, fmt: str, source_name: str) -> Any:
    try:
        if fmt == "json":
            return _bounded(json.loads(text), source_name)
        if fmt == "yaml":
            yaml = _optional("yaml", "PyYAML", "yaml")
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            _check_yaml_events(yaml, text, loader, source_name)
            return _bounded(yaml.load(text, Loader=loader), source_name)
        if fmt == "toml":
            toml = _optional("tomllib", "tomli", "toml") if sys.version_info >= (3, 11) else _optional(
                "tomli", "tomli", "toml")
            return _bounded(toml.loads(text), source_name)
    except RnnParamsError:
        raise
    except Exception as exc:  # each parser has its own error type; all mean "this is not valid FMT"
        raise InputError(f"{source_name}: not valid {fmt.upper()}: {exc}") from None
    raise UsageError(f"unknown spec format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def _check_yaml_events(yaml: Any, text: str, loader: Any, source_name: str) -> None:
    """Refuse a YAML document nested past MAX_NESTING before it is composed: the parser reads events one at a
    time, while composing recurses (a document of 5,000 nested lists took 3 s to fail on Python's recursion
    limit)."""
    depth = 0
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, starts):
            depth += 1
            if depth > MAX_NESTING:
                raise _too_deep(source_name)
        elif isinstance(event, ends):
            depth -= 1


def _too_deep(source_name: str) -> InputError:
    return InputError(f"{source_name}: nested too deeply (more than {MAX_NESTING} lists or mappings inside one "
                      "another); a spec is a list of layers, each a mapping of arguments")


def _bounded(data: Any, source_name: str) -> Any:
    """The decoded document, if it is not larger than MAX_ELEMENTS values counted as a walk visits them: YAML
    aliases can make a short text stand for a huge document (`&a [*b, *b, ...]`, nested), which every later
    step would walk."""
    from .code.bounds import flat_size, walk

    if flat_size(data, MAX_ELEMENTS) > MAX_ELEMENTS:
        raise InputError(f"{source_name}: the document holds more than {MAX_ELEMENTS:,} values (YAML aliases "
                         "count each time they are used); a spec lists layers and their arguments")
    depth: dict[int, int] = {id(data): 1}
    for item in walk(data, MAX_ELEMENTS):  # nesting (JSON and TOML were parsed already: their parsers bound it)
        if isinstance(item, (list, tuple, dict)):
            level = depth.get(id(item), 1)
            if level > MAX_NESTING:
                raise _too_deep(source_name)
            for child in (item.values() if isinstance(item, dict) else item):
                if isinstance(child, (list, tuple, dict)):
                    depth[id(child)] = level + 1
    return data


def spec_from_data(data: Any, *, source_name: str = "spec") -> ModelSpec:
    def fail(path: str, message: str) -> InputError:
        return InputError(f"{source_name}: {path}: {message}")

    if not isinstance(data, Mapping):
        raise fail("(top level)", "a spec is an object with \"framework\" and \"layers\"")
    for key in data:
        if key not in TOP_KEYS:
            raise fail(str(key), f"unknown key; a spec has: {', '.join(TOP_KEYS[1:])}")
    fw_id = data.get("framework")
    if not isinstance(fw_id, str) or fw_id not in FRAMEWORKS:  # a mapping or a list cannot even be looked up
        got = f"a {_kind(fw_id)}" if not isinstance(fw_id, str) else repr(fw_id[:80])
        raise fail("framework", f"must be one of {', '.join(FRAMEWORKS)} (got {got})")
    fw = FRAMEWORKS[str(fw_id)]
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise fail("layers", "must be a non-empty list of layers, each like {\"type\": \"LSTM\", ...}")
    shape = data.get("input_shape")
    if shape is not None and (not isinstance(shape, list) or not all(
            d is None or d == "None" or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in shape)):
        raise fail("input_shape", f"must be a list of positive sizes, null for a free dimension (got {shape!r})")
    chain = data.get("chain", True)
    if not isinstance(chain, bool):
        raise fail("chain", f"must be true or false (got {chain!r})")
    extras = [_layer_extras(fw, layer, f"layers[{i}]", fail) for i, layer in enumerate(layers)]
    spans: list[list[tuple[int, int, str]]] = [[] for _ in layers]
    calls = [_call_text(fw, layer, f"layers[{i}]", fail, spans[i]) for i, layer in enumerate(layers)]
    text = "\n".join(calls)
    input_shape = None if shape is None else tuple(None if d in (None, "None") else d for d in shape)
    try:
        spec = parse_expression(text, fw.id, input_shape)
    except RnnParamsError as exc:
        raise fail(_key_path(exc, spans), exc.message) from None
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise fail("name", "must be a string")
    bound = tuple(replace(layer, **extra) if extra else layer
                  for layer, extra in zip(spec.layers, extras, strict=True))
    return ModelSpec(spec.framework, bound, spec.input_shape, name or spec.name, text, chain)


def _kind(value: object) -> str:
    """What a JSON/YAML/TOML value is, in the words of those formats (never the value itself, which may be large)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Mapping):
        return "mapping"
    return "list" if isinstance(value, (list, tuple)) else type(value).__name__


def _key_path(exc: RnnParamsError, spans: list[list[tuple[int, int, str]]]) -> str:
    """The key an error is about: the innermost key whose text holds the column the error points at."""
    if not exc.line or not 0 < exc.line <= len(spans):
        return "layers"
    col = exc.col or 0
    holding = [(end - start, path) for start, end, path in spans[exc.line - 1] if start <= col < end]
    return min(holding)[1] if holding else f"layers[{exc.line - 1}]"


def _layer_extras(fw: FrameworkConvention, layer: Any, path: str, fail: Any) -> dict[str, Any]:
    """What a layer says besides its constructor arguments: inbound_shape, tied, frozen (and name where the
    framework's constructors take none)."""
    if not isinstance(layer, Mapping):
        return {}
    extras: dict[str, Any] = {}
    shape = layer.get("inbound_shape")
    if shape is not None:
        several = isinstance(shape, list) and len(shape) > 1 and all(isinstance(s, list) for s in shape)
        if not all(_is_shape(s) for s in (shape if several else [shape])):
            raise fail(f"{path}.inbound_shape", "must be a list of sizes with the batch, null for a free "
                                                "dimension (or, for a layer taking several tensors, a list of "
                                                f"them) (got {shape!r})")
        extras["input_shape"] = tuple(_shape(s) for s in shape) if several else _shape(shape)
    for key in ("tied", "frozen"):
        names = layer.get(key)
        if names is not None:
            if not isinstance(names, list) or not all(isinstance(t, str) and t for t in names):
                raise fail(f"{path}.{key}", f"must be a list of tensor names, e.g. [\"weight\"] (got {names!r})")
            extras[key] = tuple(names)
    name = layer.get("name")
    if fw.naming != BY_CLASS and name is not None:
        if not isinstance(name, str) or not name:
            raise fail(f"{path}.name", f"must be a non-empty string (got {name!r})")
        extras["name"] = name
    return extras


def _is_shape(shape: Any) -> bool:
    return isinstance(shape, list) and bool(shape) and all(
        d is None or d == "None" or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in shape)


def _shape(shape: list[Any]) -> tuple[int | None, ...]:
    return tuple(None if d in (None, "None") else d for d in shape)


def _call_text(fw: FrameworkConvention, layer: Any, path: str, fail: Any,
               spans: list[tuple[int, int, str]] | None = None, at: int = 0) -> str:
    """The layer as a call in the framework's syntax; `spans` collects where each key's text is (from column
    `at`), so an error from the binder can name the key path."""
    if not isinstance(layer, Mapping):
        raise fail(path, "each layer is an object like {\"type\": \"LSTM\", ...}")
    kind = layer.get("type")
    if not isinstance(kind, str) or kind not in fw.layers:
        if isinstance(kind, str) and kind in fw.refused:
            raise fail(f"{path}.type", f"{kind} is not counted as a layer: {fw.refused[kind]}")
        raise fail(f"{path}.type", f"unknown layer type {kind!r} for {fw.display}; known: {', '.join(fw.layers)}")
    prefix = fw.prefixes[-1] if fw.naming == BY_POSITION else ""
    text = f"{prefix}{kind}("
    first = True
    for key, value in layer.items():
        if key == "type" or key in LAYER_KEYS or (key == "name" and fw.naming != BY_CLASS and at == 0):
            continue
        if not isinstance(key, str) or not key.isidentifier():
            raise fail(f"{path}", f"{key!r} is not an argument name")
        text += "" if first else ", "
        first = False
        start = at + len(text)
        text += f"{key}=" + _literal(fw, value, f"{path}.{key}", fail, spans, start + len(key) + 1)
        if spans is not None:
            spans.append((start, at + len(text), f"{path}.{key}"))
    return text + ")"


def _literal(fw: FrameworkConvention, value: Any, path: str, fail: Any,
             spans: list[tuple[int, int, str]] | None = None, at: int = 0) -> str:
    """Python source for a plain value; only data goes through (the result is parsed by `ast`, never run)."""
    if isinstance(value, Mapping) and "type" in value:
        return _call_text(fw, value, path, fail, spans, at)
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, list):
        text = "("
        for i, v in enumerate(value):
            start = at + len(text)
            # TOML has no null: a free size in a list is written "None" (AdaptiveAvgPool2d((None, 1)))
            text += "None" if v == "None" else _literal(fw, v, f"{path}[{i}]", fail, spans, start)
            if spans is not None:
                spans.append((start, at + len(text), f"{path}[{i}]"))
            text += ", "
        return text + ")"
    raise fail(path, f"unsupported value {value!r}")


def _optional(module: str, package: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"reading this format needs {package}: pip install 'rnnparams[{extra}]'") from None


def format_of(path: str) -> str | None:
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return {"json": "json", "yaml": "yaml", "yml": "yaml", "toml": "toml"}.get(suffix)
