"""`--set NAME=VALUE`: the values the code cannot give without running, keyed by the name or expression the
code reads them under (`hidden`, `args.hidden`, `cfg['h']`, `len(vocab)`).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from ...errors import RnnParamsError, UsageError
from ..literals import literal


def parse_overrides(items: Sequence[str] | Mapping[str, object] | None) -> dict[str, object]:
    """`--set NAME=VALUE` (repeatable): NAME is a name as the code reads it (`hidden`, `args.hidden`,
    `config.hidden_size`); VALUE a Python literal (`256`, `0.5`, `True`, `(35, 100)`) or else a string."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        pairs = [(str(k), v) for k, v in items.items()]
    else:
        pairs = []
        for item in items:
            text = str(item)
            splits = [i for i, c in enumerate(text) if c == "=" and _expression_key(text[:i]) is not None]
            if not splits:
                raise UsageError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set hidden_size=256")
            pairs.append((text[:splits[0]], _parse_value(text[splits[0] + 1:].strip())))
    out: dict[str, object] = {}
    for name, value in pairs:
        key = _expression_key(name)
        if key is None:
            raise UsageError(f"--set {name!r}: NAME must be a name or expression as the code reads it, like "
                             "hidden_size, args.hidden_size or len(vocab)")
        out[key] = value
    return out


def _expression_key(text: str) -> str | None:
    """The normalized form of a --set name (`args.hidden`, `cfg['h']`, `len(vocab)`); None if not one."""
    text = text.strip()
    if not text or len(text) > 200:
        return None
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        return None
    return ast.unparse(node)


def _parse_value(text: str) -> object:
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    try:
        return literal(node, text)
    except RnnParamsError:
        return text
