"""Text, CSV and charts of the design tools: a solved size with its neighbour, a sweep's table and chart, and
where one model's parameters and memory go (`count --plot`, `estimate --plot`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..analysis.design import Solution, Sweep
from ..analysis.estimate import Estimate
from ..analysis.report import Report
from ..analysis.sequence import SequenceEstimate
from ..analysis.shares import memory_by_kind, memory_by_layer, params_by_layer, params_by_role, weights_by_role
from . import chart
from .estimate import MEMORY_LINES, human_bytes
from .i18n import DESIGN, GROUPS, cjk_punct, t


def _amount(n: int, metric: str) -> str:
    return f"{n:,} ({human_bytes(n)})" if metric == "memory" and n >= 1024 else f"{n:,}"


def render_solution(sol: Solution, lang: str = "en") -> str:
    metric, var = sol.metric, sol.variable
    multiple = t(DESIGN, "one", lang) if sol.multiple_of == 1 else t(DESIGN, "multiple", lang).format(m=sol.multiple_of)
    head = t(DESIGN, "solved_max" if sol.largest else "solved_min", lang).format(
        name=var.text, value=f"{sol.value:,}", multiple=multiple, budget=_amount(sol.budget, metric),
        unit=t(DESIGN, metric, lang))
    lines = [head]
    rows = [(sol.point, True)] + ([(sol.next_point, False)] if sol.next_point is not None else [])
    for point, chosen in rows:
        measure = point.measure(metric)
        gap = sol.budget - measure
        if sol.largest:
            note = t(DESIGN, "within", lang).format(left=_amount(gap, metric)) if chosen else \
                t(DESIGN, "over", lang).format(over=_amount(-gap, metric))
        else:
            note = t(DESIGN, "reaches", lang).format(over=_amount(-gap, metric)) if chosen else \
                t(DESIGN, "under", lang).format(under=_amount(gap, metric))
        extra = "" if metric == "params" else f"; {point.report.total_params:,} {t(DESIGN, 'unit_params', lang)}"
        mark = "→" if chosen else " "
        unit = t(DESIGN, "unit_" + metric, lang)
        lines.append(f"  {mark} {var.text}={point.value:,}: {_amount(measure, metric)} {unit}{extra} ({note})")
    if sol.next_point is None and sol.next_reason:
        lines.append("    " + t(DESIGN, "no_next", lang).format(reason=sol.next_reason))
    if var.layers:
        lines.append("  " + t(DESIGN, "sets", lang).format(what=var.param, layers=", ".join(var.layers)))
    if sol.point.followed:
        lines.append("  " + t(DESIGN, "followed", lang).format(what=", ".join(sol.point.followed)))
    if isinstance(sol.point.estimate, SequenceEstimate) and metric != "params":
        est = sol.point.estimate
        lines.append("  " + t(DESIGN, "sequence_" + metric, lang).format(b=est.options.batch, t=est.seq_len))
    text = "\n".join(lines)
    return cjk_punct(text) if lang == "zh" else text


def _columns(sweep: Sweep) -> list[str]:
    cols = ["model", "framework", sweep.variable.text, "total_params", "trainable_params"]
    if any(p.estimate is not None for s in sweep.series for p in s.points):
        cols += ["memory_bytes", "flops_batch", "flops_train_batch"]
    return cols


def _rows(sweep: Sweep) -> list[list[object]]:
    rows: list[list[object]] = []
    for s in sweep.series:
        for p in s.points:
            row: list[object] = [s.label, s.framework, p.value, p.report.total_params, p.report.trainable_params]
            if p.estimate is not None:
                row += [p.estimate.total_bytes, *p.batch_flops()]
            rows.append(row)
    return rows


def sweep_csv(sweep: Sweep) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_columns(sweep))
    writer.writerows(_rows(sweep))
    return out.getvalue()


def render_sweep(sweep: Sweep) -> str:
    """A table with one row per point (the model column only when several models are swept)."""
    cols, rows = _columns(sweep), _rows(sweep)
    keep = [i for i, c in enumerate(cols) if c != "model" or len({s.label for s in sweep.series}) > 1]
    cells = [[cols[i] for i in keep]] + [[f"{r[i]:,}" if isinstance(r[i], int) else "-" if r[i] is None
                                          else str(r[i]) for i in keep] for r in rows]
    widths = [max(len(row[j]) for row in cells) for j in range(len(keep))]
    text_cols = {j for j, i in enumerate(keep) if cols[i] in ("model", "framework")}
    lines = ["  ".join(c.ljust(w) if j in text_cols else c.rjust(w)
                       for j, (c, w) in enumerate(zip(row, widths, strict=True))) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _series_label(sweep: Sweep, label: str, framework: str) -> str:
    models = len({s.label for s in sweep.series}) > 1
    frameworks = len({s.framework for s in sweep.series}) > 1
    if models and frameworks:
        return f"{label} ({framework})"
    return label if models else framework


def sweep_lines(sweep: Sweep) -> list[chart.Line]:
    return [(_series_label(sweep, s.label, s.framework), [(p.value, p.measure(sweep.metric)) for p in s.points])
            for s in sweep.series]


def sweep_title(sweep: Sweep, lang: str = "en") -> str:
    return t(DESIGN, "sweep_title", lang).format(what=t(DESIGN, "axis_" + sweep.metric, lang).capitalize(),
                                                 name=sweep.variable.text)


def sweep_svg(sweep: Sweep, lang: str = "en") -> str:
    return chart.line_svg(sweep_title(sweep, lang), sweep.variable.text, t(DESIGN, "axis_" + sweep.metric, lang),
                          sweep_lines(sweep))


def write_sweep_chart(sweep: Sweep, path: str, lang: str = "en") -> None:
    title, y = sweep_title(sweep, lang), t(DESIGN, "axis_" + sweep.metric, lang)
    chart.write_chart(path, sweep_svg(sweep, lang) if path.lower().endswith(".svg") else "",
                      lambda p: chart.line_png(p, title, sweep.variable.text, y, sweep_lines(sweep)))


# --- where one model's numbers go --------------------------------------------------------------------------------

def _roles(rows: Sequence[tuple[str, int]], lang: str) -> list[chart.Bar]:
    return [(t(DESIGN if k == "head" else GROUPS, k, lang), v) for k, v in rows]


def count_groups(report: Report, lang: str = "en") -> list[tuple[str, Sequence[chart.Bar]]]:
    return [(t(DESIGN, "by_layer", lang), params_by_layer(report)),
            (t(DESIGN, "by_role", lang), _roles(params_by_role(report), lang))]


def estimate_groups(est: Estimate, lang: str = "en") -> list[tuple[str, Sequence[chart.Bar]]]:
    return [(t(DESIGN, "memory_by_kind", lang), [(t(MEMORY_LINES, k, lang), v) for k, v in memory_by_kind(est)]),
            (t(DESIGN, "memory_by_layer", lang), memory_by_layer(est)),
            (t(DESIGN, "weights_by_role", lang), _roles(weights_by_role(est), lang))]


def text_plot(groups: Sequence[tuple[str, Sequence[chart.Bar]]], lang: str = "en") -> str:
    def title(heading: str, bars: Sequence[chart.Bar]) -> str:
        text = f"{heading} ({t(DESIGN, 'total', lang).format(total=f'{sum(v for _, v in bars):,}')})"
        return cjk_punct(text.replace(" (", "(")) if lang == "zh" else text

    blocks = [chart.text_bars(title(heading, bars), bars) for heading, bars in groups]
    return "\n\n".join(blocks)


def write_plot(groups: Sequence[tuple[str, Sequence[chart.Bar]]], title: str, path: str) -> None:
    chart.write_chart(path, chart.bars_svg(title, groups) if path.lower().endswith(".svg") else "",
                      lambda p: chart.bars_png(p, title, groups))


__all__ = ["count_groups", "estimate_groups", "render_solution", "render_sweep", "sweep_csv", "sweep_svg",
           "text_plot", "write_plot", "write_sweep_chart"]
