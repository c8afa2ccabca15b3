"""One architecture side by side across frameworks: each layer's tensors per framework, then the differences."""

from __future__ import annotations

from ..analysis.compare import Comparison
from ..conventions import FRAMEWORKS
from ..conventions.base import fmt_shape
from .i18n import CHECK, COMPARE, cjk_punct, num, t, width


def _delta(value: int | None, base: int | None) -> str:
    if value is None or base is None or value == base:
        return ""
    return f"  ({'+' if value > base else '−'}{num(abs(value - base))})"


def render_compare(c: Comparison, lang: str = "en") -> str:
    out: list[str] = []
    for row in c.layers:
        out.append(f"{row.source.name} ({row.source.type})")
        base = row.columns[0].params
        for col in row.columns:
            title = FRAMEWORKS[col.framework].display
            if col.report is None:
                out.append(f"  {title}: {t(CHECK, 'no_equivalent', lang)} ({col.reason})")
                continue
            out.append(f"  {title}: {num(col.report.total_params)}{_delta(col.params, base)}")
            rows = [(f"{layer.name}/{tn.name}" if len(col.report.layers) > 1 else tn.name, fmt_shape(tn.shape),
                     num(tn.params)) for layer in col.report.layers for tn in (*layer.tensors, *layer.buffers)]
            w0 = max((width(r[0]) for r in rows), default=0)
            w1 = max((len(r[1]) for r in rows), default=0)
            w2 = max((len(r[2]) for r in rows), default=0)
            out += [f"    {a:<{w0}}  {b:<{w1}}  {p:>{w2}}" for a, b, p in rows]
        if row.notes:
            out.append(f"  {t(COMPARE, 'differences', lang)}:")
            for key, values in row.notes:
                quoted = {k: ", ".join(FRAMEWORKS[f].display for f in v.split(", ")) if v and k in (
                    "two", "one", "true", "false", "framework", "outin", "inout") else v for k, v in values.items()}
                out.append(f"    • {t(COMPARE, key, lang).format(**quoted)}")
        out.append("")
    totals = c.totals()
    first = totals[c.frameworks[0]]
    parts = [f"{FRAMEWORKS[fw].display} {num(v) if v is not None else '—'}{_delta(v, first)}"
             for fw, v in totals.items()]
    out.append(f"{t(COMPARE, 'total', lang)}: " + " · ".join(parts))
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text
