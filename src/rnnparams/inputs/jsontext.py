"""JSON text to Python values, as `json.loads` reads it, without `import json`.

`import json` loads its encoder, decoder and scanner modules: about 2 ms, a twentieth of `count config.json`'s
whole start-up, to parse a few kilobytes. The parsing itself is CPython's C scanner (`_json.make_scanner`, the
one `json.loads` runs), driven here with `json.loads`'s own settings; text it refuses, and a Python without the
C module, go to `json.loads` itself, so every error (its message and position) is `json`'s own.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported at start-up
    from typing import Any

_WHITESPACE = " \t\n\r"
"""What JSON allows between values (json.decoder's WHITESPACE)."""


class _Settings:
    """What the C scanner reads off its context: `json.JSONDecoder()`'s defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


_scan: Any = None
try:  # the scanner reads its settings off any object with these attributes
    from _json import make_scanner as _make_scanner

    _scan = _make_scanner(_Settings())  # type: ignore[arg-type]
except Exception:  # a Python without the accelerator (or one that wants more of it): json.loads itself
    pass


def loads(text: str) -> Any:
    """`json.loads(text)` for a str: the same value, or the same JSONDecodeError (a ValueError)."""
    if _scan is not None:
        start = len(text) - len(text.lstrip(_WHITESPACE))
        try:
            value, end = _scan(text, start)
        except StopIteration:  # no value where one must be: json.loads says where and why
            pass
        else:
            if not text[end:].strip(_WHITESPACE):
                return value
    import json

    return json.loads(text)


__all__ = ["loads"]
