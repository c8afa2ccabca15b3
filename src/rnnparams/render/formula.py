"""A model formula as text: the formula, its LaTeX, each symbol with its value, and the total."""

from __future__ import annotations

from ..analysis.formula import ModelFormula
from ..symbolic import render_latex, render_values
from .i18n import SYMBOLS, num, word


def render_formula(f: ModelFormula, *, latex_only: bool = False) -> str:
    latex = render_latex(f.formula)
    if latex_only:
        return latex
    width = max(len(s.name) for s in f.symbols) if f.symbols else 1
    out = [f"params = {f.formula.render()}", "", f"LaTeX: {latex}", "", "where"]
    out += [f"  {s.name:<{width}} = {num(s.value):>8}   {word(SYMBOLS, s.base, 'en', s.words)} of {s.layer} "
            f"({s.layer_type})" for s in f.symbols]
    out += ["", f"params = {render_values(f.formula, f.env, ' × ', num)}", f"       = {num(f.total)}"]
    return "\n".join(out)
