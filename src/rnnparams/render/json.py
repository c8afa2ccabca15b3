"""The JSON contract (DESIGN.md §2): plain integers, `null` for free dimensions.

Indented for people, but shapes and other lists of scalars stay on one line (`[4, null, 64]`), and so does each
record of a list that holds only such values (a tensor: `{"name": "weight_ih_l0", "shape": [1024, 100], ...}`, as
DESIGN.md's example writes it), so a report of a thousand-layer stack is still readable and diffable, a line a
tensor. The encoder is a few lines of our own: the values are plain (dicts, lists, strings, numbers, booleans,
null), and `import json` would be a measurable part of `count --json`'s start-up.
"""

from __future__ import annotations

from ..analysis.report import Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _string(s: str) -> str:
    if s.isprintable() and '"' not in s and "\\" not in s:  # nothing to escape (most names): no loop
        return '"' + s + '"'
    out = []
    for c in s:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif c < " " or "\u2028" <= c <= "\u2029":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def scalar(value: Any) -> str:
    if type(value) is int:  # the commonest value (sizes, counts): first
        return str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} has no JSON form")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_string(str(k))}: {scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_KEYS: dict[object, str] = {}
"""Each key written once as `"key": ` (a report repeats a handful of keys thousands of times)."""


def _key(k: object) -> str:
    text = _KEYS.get(k)
    if text is None:
        text = _KEYS[k] = _string(str(k)) + ": "
    return text


def dumps(value: Any, indent: int = 2, _level: int = 0) -> str:
    """Dispatched on the exact type, commonest first: a 64-block stack's report is ~4,000 values, written in under
    two milliseconds (`count --json`'s share of its start-up)."""
    kind = type(value)
    if kind is dict and value:
        pad = " " * (indent * (_level + 1))
        items = []
        for k, v in value.items():
            text = _flat(k, v)
            items.append(_key(k) + dumps(v, indent, _level + 1) if text is None else text)
        return "{\n" + pad + (",\n" + pad).join(items) + "\n" + pad[indent:] + "}"
    if kind is list or kind is tuple:
        if all(type(v) is int for v in value):  # a shape, a list of counts: on one line
            return "[" + ", ".join(map(str, value)) + "]"
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            pad = " " * (indent * (_level + 1))
            rows = []
            for v in value:
                row = _row(v) if type(v) is dict else None
                rows.append(dumps(v, indent, _level + 1) if row is None else row)
            return "[\n" + pad + (",\n" + pad).join(rows) + "\n" + pad[indent:] + "]"
    return scalar(value)


_SCALARS = (int, str, bool, float, type(None))


def _flat(k: object, v: Any) -> str | None:
    """`"key": value` on one line for a scalar or a list of scalars (a shape); None for a dict or a nested list."""
    vk = type(v)
    if vk is int:
        return _key(k) + str(v)
    if vk is str:
        return _key(k) + _string(v)
    if vk is list or vk is tuple:
        if all(type(x) is int for x in v):
            return _key(k) + "[" + ", ".join(map(str, v)) + "]"
        return _key(k) + scalar(v) if all(isinstance(x, _SCALARS) for x in v) else None
    return _key(k) + scalar(v) if isinstance(v, _SCALARS) else None


def _row(value: dict[Any, Any]) -> str | None:
    """A record of a list (a tensor, a table's row) on one line, when it holds only scalars and lists of scalars
    (a shape): a 64-block stack's 583 tensors are 583 lines, as the contract's example writes them; None when a
    value is a dict or a nested list (a layer, with its tensors), written indented."""
    items = [_flat(k, v) for k, v in value.items()]
    return None if None in items else "{" + ", ".join(items) + "}"  # type: ignore[arg-type]


def render_json(report: Report) -> str:
    return dumps(report.to_dict())
