"""The cell diagram: each recurrent cell of a model drawn as SVG from its tensors' data (analysis/cells.py):
the input x_t and the previous state h_{t−1} entering the model's own weights (their names, shapes and
symbolic shapes, each axis said in words), the gate blocks in the framework's order, the new state, and a
projection where there is one. Nothing is drawn per layer kind: the same boxes come from any convention."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from xml.sax.saxutils import escape

from ..analysis.cells import Cell, CellTensor, cells, is_recurrent
from ..analysis.explain import Explanation, LayerExplanation
from ..conventions.base import fmt_shape
from ..errors import UsageError
from .chart import PALETTE
from .explain import note_text
from .i18n import DESIGN, GATES, SYMBOLS, cjk_punct, t, word

MAX_CELLS = 8
"""Cells drawn per layer; the rest have the same shapes and are summarised in one line."""
W = 900
BOX_H = 58
GAP = 10


def _q(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def axis_words(symbol: str, lang: str, declared: Mapping[str, tuple[str, str]]) -> str:
    """`D·P` → "D = directions · P = projection size": every symbol of a symbolic size in words."""
    parts = [p for p in symbol.split("·") if p and not p.isdigit()]
    named = [f"{p} = {word(SYMBOLS, p, lang, declared)}" for p in parts if p in SYMBOLS or p in declared]
    return ", ".join(named)


def _why(ct: CellTensor, cell: Cell, lang: str, declared: Mapping[str, tuple[str, str]]) -> str:
    sym = ct.tensor.symbolic_shape
    out = []
    for i, s in enumerate(sym):
        if i == ct.gate_axis and len(cell.gates) > 1:
            out.append(t(DESIGN, "gate_axis", lang).format(sym=s, n=len(cell.gates), gates=", ".join(cell.gates)))
        elif (words := axis_words(s, lang, declared)):
            out.append(words if words.startswith(f"{s} = ") else f"{s}: {words}")
    return "; ".join(dict.fromkeys(out))


def _box(x: float, y: float, w: float, ct: CellTensor, colour: str, why: str) -> list[str]:
    tr = ct.tensor
    sym = "(" + ", ".join(tr.symbolic_shape) + ")"
    return [f'<g class="tensor" data-name="{_q(tr.name)}" data-role="{_q(tr.role)}" '
            f'data-shape="{_q(",".join(map(str, tr.shape)))}">',
            f'<rect x="{x}" y="{y}" width="{w}" height="{BOX_H}" rx="4" fill="#ffffff" stroke="{colour}" '
            f'stroke-width="2"/>',
            f'<text x="{x + 8}" y="{y + 17}" font-weight="bold" font-family="monospace">{escape(tr.name)}</text>',
            f'<text x="{x + 8}" y="{y + 33}">{escape(fmt_shape(tr.shape))} = {escape(sym)} · '
            f"{tr.params:,}</text>",
            f'<text x="{x + 8}" y="{y + 49}" font-size="10" fill="#333333">{escape(why)}</text>', "</g>"]


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (f'<path d="M{x1:.0f},{y1:.0f} C{(x1 + x2) / 2:.0f},{y1:.0f} {(x1 + x2) / 2:.0f},{y2:.0f} '
            f'{x2:.0f},{y2:.0f}" fill="none" stroke="#555555" stroke-width="1.5" marker-end="url(#arrow)"/>')


def _vector(x: float, y: float, label: str, axis: str) -> list[str]:
    return [f'<rect x="{x}" y="{y}" width="150" height="40" rx="18" fill="#eef4fb" stroke="#0072B2"/>',
            f'<text x="{x + 75}" y="{y + 17}" text-anchor="middle">{escape(label)}</text>',
            f'<text x="{x + 75}" y="{y + 33}" text-anchor="middle" font-size="11">{escape(axis)}</text>']


def _cell(layer: LayerExplanation, cell: Cell, total: int, y: float, lang: str) -> tuple[list[str], float]:
    declared = layer.report.words
    head = t(DESIGN, "cell", lang).format(layer=layer.name, type=layer.type, k=cell.index + 1, n=total)
    head = cjk_punct(head) if lang == "zh" else head
    body = [f'<g class="cell" data-layer="{_q(layer.name)}" data-index="{cell.index}">',
            f'<text x="10" y="{y + 16}" font-weight="bold" font-size="13">{escape(head)}</text>']
    top = y + 28
    weights = [*cell.having(("input_weights", "input_and_recurrent_weights")), *cell.having(("recurrent_weights",)),
               *cell.biases, *cell.others]
    bx, bw = 190, 420
    gate_x, out_x = bx + bw + 40, bx + bw + 40
    boxes: list[tuple[CellTensor, float]] = []
    for i, ct in enumerate(weights):
        by = top + i * (BOX_H + GAP)
        colour = PALETTE[["input_weights", "recurrent_weights"].index(ct.tensor.role)] \
            if ct.tensor.role in ("input_weights", "recurrent_weights") else PALETTE[2]
        body += _box(bx, by, bw, ct, colour, _why(ct, cell, lang, declared))
        boxes.append((ct, by))
    x_axis, h_axis = cell.input, cell.recurrent
    if x_axis is not None:
        body += _vector(10, top + 9, t(DESIGN, "x_t", lang), f"{x_axis.symbol} = {x_axis.size:,}")
        first = next(by for ct, by in boxes if ct.tensor.role in ("input_weights", "input_and_recurrent_weights"))
        body.append(_arrow(160, top + 29, bx, first + BOX_H / 2))
    if h_axis is not None:
        rec = next(by for ct, by in boxes if ct.tensor.role == "recurrent_weights")
        body += _vector(10, rec + 9, t(DESIGN, "h_prev", lang), f"{h_axis.symbol} = {h_axis.size:,}")
        body.append(_arrow(160, rec + 29, bx, rec + BOX_H / 2))
    gates_h = max(40, 18 * len(cell.gates) + 24)
    gy = top
    body.append(f'<rect x="{gate_x}" y="{gy}" width="190" height="{gates_h}" rx="4" fill="#fff7ec" stroke="#E69F00"/>')
    body.append(f'<text x="{gate_x + 8}" y="{gy + 16}" font-weight="bold">{escape(t(DESIGN, "gates", lang))}</text>')
    for i, g in enumerate(cell.gates):
        body.append(f'<text x="{gate_x + 8}" y="{gy + 34 + 18 * i}" class="gate" data-gate="{_q(g)}">{i + 1}. '
                    f"{escape(g)}: {escape(word(GATES, g, lang, declared))}</text>")
    for _, by in boxes:
        body.append(_arrow(bx + bw, by + BOX_H / 2, gate_x, gy + gates_h / 2))
    oy = gy + gates_h + 24
    hidden = layer.bindings.get("H")
    body += _vector(out_x + 20, oy, t(DESIGN, "h_t", lang), "" if hidden is None else f"H = {hidden:,}")
    body.append(_arrow(gate_x + 95, gy + gates_h, out_x + 95, oy))
    bottom = max(top + len(weights) * (BOX_H + GAP), oy + 50)
    proj = cell.projection
    if proj is not None:
        py = oy + 56
        body += _box(gate_x, py, W - gate_x - 10, proj, PALETTE[3], _why(proj, cell, lang, declared))
        body.append(_arrow(out_x + 95, oy + 40, out_x + 95, py))
        bottom = max(bottom, py + BOX_H + GAP)
    body.append("</g>")
    return body, bottom + 8


def cell_svg(ex: Explanation, lang: str = "en") -> str:
    """Every recurrent layer's cells (at most MAX_CELLS each), with the layer's convention notes below."""
    layers = [layer for layer in ex.layers if is_recurrent(layer.report)]
    if not layers:
        raise UsageError("the model has no recurrent layer, so there is no cell to draw (explain --svg draws "
                         "RNN, LSTM and GRU cells)")
    body: list[str] = []
    y = 10.0
    for layer in layers:
        found = cells(layer.report)
        for cell in found[:MAX_CELLS]:
            part, y = _cell(layer, cell, len(found), y, lang)
            body += part
        if len(found) > MAX_CELLS:
            more = t(DESIGN, "more_cells", lang).format(n=len(found) - MAX_CELLS)
            body.append(f'<text x="10" y="{y + 12}">{escape(more)}</text>')
            y += 22
        for key in layer.notes:
            text = note_text(key, layer.framework, lang, layer.report.words).format(
                **{k: f"{v:,}" for k, v in layer.note_values.items()})
            text = cjk_punct(text) if lang == "zh" else text
            for i, piece in enumerate(textwrap.wrap(text, 72 if lang == "zh" else 150)):
                body.append(f'<text x="10" y="{y + 12}" font-size="11" class="note">{"• " if i == 0 else "  "}'
                            f"{escape(piece)}</text>")
                y += 15
        y += 14
    h = int(y) + 10
    names = ", ".join(f"{layer.name} ({layer.type})" for layer in layers)
    title = t(DESIGN, "diagram_title", lang).format(layers=names)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img" '
        f'aria-label="{_q(title)}" font-family="sans-serif" font-size="12">', f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>',
        f'<rect width="{W}" height="{h}" fill="#ffffff"/>', *body, "</svg>", ""])


__all__ = ["cell_svg"]
