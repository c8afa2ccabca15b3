"""The JSON contract (DESIGN.md §2): plain integers, `null` for free dimensions."""

from __future__ import annotations

import json

from ..analysis.report import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
