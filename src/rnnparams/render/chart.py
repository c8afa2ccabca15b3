"""Charts drawn from the numbers: a proportional bar chart in text, and SVG line and bar charts written here
(plain XML, no library), or PNG through matplotlib when it is installed (the `plot` extra). A chart takes
plain data (labels and integers), so it knows nothing of models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from ..errors import UsageError
from .i18n import width as text_width

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
"""Okabe–Ito colours: told apart by colour-blind readers; all but the last meet 3:1 contrast on white."""
Bar = tuple[str, int]
Line = tuple[str, Sequence[tuple[int, int]]]
_EIGHTHS = " ▏▎▍▌▋▊▉"


def short(n: int | float) -> str:
    """1,234,567 → 1.23M: axis ticks and bar ends; the exact numbers are in the tables."""
    for scale, unit in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K")):
        if abs(n) >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}" if isinstance(n, float) else str(n)


def text_bars(title: str, bars: Sequence[Bar], *, columns: int = 40) -> str:
    """`label  ██████▍  value  share%`: bar lengths proportional to the values (in eighths of a column), the
    longest `columns` wide; shares of the sum."""
    total = sum(v for _, v in bars)
    top = max((v for _, v in bars), default=0)
    label_w = max((text_width(label) for label, _ in bars), default=0)
    value_w = max((len(f"{v:,}") for _, v in bars), default=0)
    out = [title]
    for label, value in bars:
        eighths = 0 if top == 0 else (value * columns * 8 + top // 2) // top
        bar = "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")
        share = 0.0 if total == 0 else 100 * value / total
        pad = " " * (label_w - text_width(label))
        out.append(f"  {label}{pad}  {bar.ljust(columns + 1)} {value:>{value_w},}  {share:5.1f}%")
    return "\n".join(out)


def _nice_ticks(top: int, count: int = 5) -> list[int]:
    """0 and round steps (1, 2, 5 × 10^k) up to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    step = next(s * magnitude for s in (1, 2, 5, 10) if s * magnitude >= raw)
    step = max(1, int(step))
    ticks = list(range(0, top + step, step))
    return ticks if ticks[-1] >= top else [*ticks, ticks[-1] + step]


def _svg(w: int, h: int, title: str, body: list[str]) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        *body, "</svg>", ""])


def line_svg(title: str, x_label: str, y_label: str, lines: Sequence[Line]) -> str:
    """A line chart of integer series over integer x values, each point titled with its exact numbers."""
    w, h, left, right, top, bottom = 640, 380, 78, 20, 40, 52
    xs = [x for _, pts in lines for x, _ in pts]
    ys = [y for _, pts in lines for _, y in pts]
    if not xs:
        raise UsageError("nothing to chart: no points")
    x0, x1 = min(xs), max(xs)
    ticks = _nice_ticks(max(ys))
    y1 = ticks[-1]

    def px(x: int) -> float:
        return left + (0.5 if x1 == x0 else (x - x0) / (x1 - x0)) * (w - left - right)

    def py(y: int) -> float:
        return h - bottom - (y / y1 if y1 else 0) * (h - top - bottom)

    body = [f'<text x="{w / 2:.1f}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
            f"{escape(title)}</text>"]
    for t in ticks:
        body.append(f'<line x1="{left}" x2="{w - right}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#dddddd"/>')
        body.append(f'<text x="{left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{short(t)}</text>')
    x_ticks = sorted(set(xs))
    if len(x_ticks) > 8:
        x_ticks = [x_ticks[round(i * (len(x_ticks) - 1) / 7)] for i in range(8)]
    for x in x_ticks:
        body.append(f'<text x="{px(x):.1f}" y="{h - bottom + 16}" text-anchor="middle">{short(x)}</text>')
    body.append(f'<line x1="{left}" x2="{w - right}" y1="{h - bottom}" y2="{h - bottom}" stroke="#333333"/>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{h - bottom}" stroke="#333333"/>')
    body.append(f'<text x="{(left + w - right) / 2:.1f}" y="{h - 12}" text-anchor="middle">{escape(x_label)}</text>')
    body.append(f'<text transform="translate(16 {(top + h - bottom) / 2:.1f}) rotate(-90)" text-anchor="middle">'
                f"{escape(y_label)}</text>")
    for i, (label, pts) in enumerate(lines):
        colour = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        body.append(f'<g class="series" data-label="{escape(label, {chr(34): "&quot;"})}">')
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        for x, y in pts:
            body.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}" data-x="{x}" '
                        f'data-y="{y}"><title>{escape(label)}: {x:,} → {y:,}</title></circle>')
        body.append("</g>")
        ly = top + 4 + 16 * i
        body.append(f'<rect x="{left + 10}" y="{ly}" width="12" height="3" fill="{colour}"/>')
        body.append(f'<text x="{left + 28}" y="{ly + 5}">{escape(label)}</text>')
    return _svg(w, h, title, body)


def bars_svg(title: str, groups: Sequence[tuple[str, Sequence[Bar]]]) -> str:
    """Horizontal bar charts, one block per group (by layer, by role), bars proportional to the values."""
    w, label_w, bar_w, row = 640, 190, 300, 22
    rows = sum(len(bars) + 1 for _, bars in groups)
    h = 40 + rows * row + 10
    body = [f'<text x="{w / 2:.1f}" y="22" text-anchor="middle" font-size="14" font-weight="bold">'
            f"{escape(title)}</text>"]
    y = 40
    for gi, (heading, bars) in enumerate(groups):
        body.append(f'<text x="10" y="{y + 15}" font-weight="bold">{escape(heading)}</text>')
        y += row
        total = sum(v for _, v in bars)
        top = max((v for _, v in bars), default=0)
        body.append(f'<g class="series" data-label="{escape(heading, {chr(34): "&quot;"})}">')
        for i, (label, value) in enumerate(bars):
            length = 0.0 if top == 0 else bar_w * value / top
            share = 0.0 if total == 0 else 100 * value / total
            colour = PALETTE[(gi + i) % len(PALETTE)] if gi else PALETTE[i % len(PALETTE)]
            body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
            body.append(f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="14" fill="{colour}" '
                        f'data-value="{value}"><title>{escape(label)}: {value:,} ({share:.1f}%)</title></rect>')
            body.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 15}">{value:,} ({share:.1f}%)</text>')
            y += row
        body.append("</g>")
    return _svg(w, h, title, body)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError("PNG charts need matplotlib: pip install 'rnnparams[plot]' (or write an .svg file, "
                         "which needs nothing)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def line_png(path: str, title: str, x_label: str, y_label: str, lines: Sequence[Line]) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    for i, (label, pts) in enumerate(lines):
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", markersize=3, label=label,
                color=PALETTE[i % len(PALETTE)])
    ax.set_title(title)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_ylim(bottom=0)
    ax.grid(True, color="#dddddd")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def bars_png(path: str, title: str, groups: Sequence[tuple[str, Sequence[Bar]]]) -> None:
    plt = _pyplot()
    fig, axes = plt.subplots(len(groups), 1, figsize=(6.4, 1.2 + 0.35 * sum(len(b) for _, b in groups)),
                             dpi=100, squeeze=False)
    for ax, (heading, bars) in zip(axes[:, 0], groups, strict=True):
        labels = [label for label, _ in bars][::-1]
        values = [value for _, value in bars][::-1]
        ax.barh(labels, values, color=[PALETTE[i % len(PALETTE)] for i in range(len(values))][::-1])
        ax.set_title(heading, loc="left", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_chart(path: str, svg: str, png: object) -> None:
    """Write `svg` to an .svg path, or call `png(path)` for a .png one."""
    lower = path.lower()
    if lower.endswith(".svg"):
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(svg)
        except OSError as exc:
            raise UsageError(f"{path}: cannot write it ({exc})") from None
    elif lower.endswith(".png"):
        png(path)  # type: ignore[operator]
    else:
        raise UsageError(f"{path}: a chart is written as .svg or .png")


__all__ = ["bars_png", "bars_svg", "line_png", "line_svg", "short", "text_bars", "write_chart"]
