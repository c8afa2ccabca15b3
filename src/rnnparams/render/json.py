"""The JSON contract (DESIGN.md §2): plain integers, `null` for free dimensions.

Indented for people, but shapes and other lists of scalars stay on one line (`[4, null, 64]`), so a report
of a thousand-layer stack is still readable and diffable.
"""

from __future__ import annotations

import json
from typing import Any

from ..analysis.report import Report


def dumps(value: Any, indent: int = 2, _level: int = 0) -> str:
    pad, inner = " " * (indent * _level), " " * (indent * (_level + 1))
    if isinstance(value, dict) and value:
        items = (
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, indent, _level + 1)}" for k, v in value.items()
        )
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(f"{inner}{dumps(v, indent, _level + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def render_json(report: Report) -> str:
    return dumps(report.to_dict())
