"""A summary table in the spirit of Keras' `model.summary()`, with PyTorch buffers on their own line."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.report import LayerReport, Report
from ..conventions import FRAMEWORKS
from ..conventions.base import fmt_shape
from .i18n import num as fmt_int


def fmt_output(layer: LayerReport) -> str:
    if layer.multi_output:
        return "[" + ", ".join(fmt_shape(s) for s in layer.output_shape) + "]"  # type: ignore[arg-type]
    return fmt_shape(layer.output_shape)  # type: ignore[arg-type]


def _rows(report: Report, tensors: bool) -> list[tuple[str, str, str, str]]:
    rows = []
    for layer in report.layers:
        rows.append((f"{layer.name} ({layer.type})", fmt_shape(layer.input_shape), fmt_output(layer),
                     fmt_int(layer.params)))
        for state, shape in layer.state_shapes.items():
            rows.append((f"  └ {state}", "", fmt_shape(shape), ""))
        if tensors:
            for t in (*layer.tensors, *layer.buffers):
                flag = " (buffer)" if t.buffer else "" if t.trainable else " (non-trainable)"
                rows.append((f"    {t.name}{flag}", "", fmt_shape(t.shape), fmt_int(t.params)))
    return rows


def render_table(report: Report, *, tensors: bool = False) -> str:
    header = ("Layer (type)", "Input shape", "Output shape", "Param #")
    rows = _rows(report, tensors)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        padded = (c.rjust(w) if i == 3 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded).rstrip()

    width = sum(widths) + 6
    title = FRAMEWORKS[report.framework].display
    out = [f'Model: "{report.name}" ({title})' if report.name else f"Model ({title})", "─" * width,
           line(header), "═" * width]
    out.extend(line(row) for row in rows)
    out.append("═" * width)
    bound = " (a lower bound: the parts below are not counted)" if report.lower_bound else ""
    out.append(f"Total params: {fmt_int(report.total_params)}{bound}")
    out.append(f"Trainable params: {fmt_int(report.trainable_params)}")
    out.append(f"Non-trainable params: {fmt_int(report.non_trainable_params)}")
    if FRAMEWORKS[report.framework].buffers:
        out.append(f"Buffers (non-parameter state, not in the total): {fmt_int(report.buffers)}")
    if report.lower_bound:
        out.append(f"Not counted ({len(report.missing)} part{'s' if len(report.missing) != 1 else ''} the reader "
                   "cannot see into):")
        out.extend(f"  {m.path} (line {m.line if m.line is not None else '?'}): {m.text}: {m.why}"
                   for m in report.missing)
    return "\n".join(out)
