"""The models of a .py file, one line each, with their totals (`rnnparams count model.py`)."""

from __future__ import annotations

from ..analysis.listing import FileListing
from ..conventions import FRAMEWORKS
from .i18n import num as fmt_int

KINDS = {"variable": "", "class": "class, default arguments", "function": "function, default arguments"}


def render_listing(listing: FileListing) -> str:
    header = ("Model", "Type", "Framework", "Line", "Params")
    rows: list[tuple[str, str, str, str, str]] = []
    errors: list[str] = []
    for m in listing.models:
        kind = KINDS.get(m.kind, m.kind)
        name = f"{m.name} ({kind})" if kind else m.name
        framework = FRAMEWORKS[m.framework].display if m.framework is not None and m.framework in FRAMEWORKS else "?"
        params = fmt_int(m.report.total_params) if m.report is not None else "error"
        if m.report is not None and m.report.lower_bound:
            params = f"≥ {params}"
        rows.append((name, m.type, framework, str(m.line), params))
        if m.error is not None:
            errors.append(f"{m.name}: {m.error}")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i >= 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                             strict=True))).rstrip()

    width = sum(widths) + 8
    count = len(listing.models)
    out = [f"{listing.source}: {count} model{'s' if count != 1 else ''}", "─" * width, line(header), "═" * width]
    out += [line(r) for r in rows]
    out.append("═" * width)
    out.append("Count one with --model NAME (or FILE::NAME) for its layers and tensors.")
    if any(m.report is not None and m.report.lower_bound for m in listing.models):
        out.append("≥: a lower bound (--partial): parts of the model the reader cannot see into are not counted.")
    if errors:
        out += ["", *errors]
    return "\n".join(out)
