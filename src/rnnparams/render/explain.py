"""Explanations as text or Markdown, in English or Chinese, in the style people derive counts by hand:
`H × (I + H + 1) = 64 × (100 + 64 + 1) = 64 × 165 = 10,560`."""

from __future__ import annotations

from collections.abc import Mapping

from ..analysis.explain import Explanation, LayerExplanation, TensorLine
from ..analysis.formula import Derivation
from ..conventions import FRAMEWORKS
from ..conventions.base import fmt_shape
from ..symbolic import render_values
from .i18n import GATES, GROUPS, NOTES, SYMBOLS, WORDS, cjk_punct, num, t, width, word

TIMES = " × "


def derivation_steps(d: Derivation) -> list[str]:
    """[symbolic, with numbers, partial results..., result]; repeated steps are dropped."""
    steps = [d.formula.render(TIMES), render_values(d.formula, d.env, TIMES, num)]
    steps += [render_values(s, {}, TIMES, num) for s in d.steps]
    steps.append(num(d.result))
    out: list[str] = []
    for s in steps:
        if not out or s != out[-1]:
            out.append(s)
    return out


def derivation_line(d: Derivation) -> str:
    return " = ".join(derivation_steps(d))


def _shape(line: TensorLine) -> str:
    symbolic = "(" + ", ".join(e.render("·") for e in line.symbolic_shape) + ("," if len(line.shape) == 1 else "") + ")"
    return f"{symbolic} = {fmt_shape(line.shape)}" if line.shape else "()"


def render_explain(ex: Explanation, lang: str = "en", fmt: str = "text") -> str:
    if fmt == "markdown":
        return _markdown(ex, lang)
    def w(key: str) -> str:
        return t(WORDS, key, lang)

    colon = ":"
    out: list[str] = []
    for layer in ex.layers:
        out += _layer_text(layer, lang)
        out.append("")
    r = ex.report
    parts = [num(layer.params) for layer in ex.layers]
    total = " + ".join(parts) + (f" = {num(r.total_params)}" if len(parts) > 1 else "")
    out.append(f"{w('model_total')}{colon} {total}")
    out.append(f"  {w('trainable')} {num(r.trainable_params)}{'，' if lang == 'zh' else ', '}"
               f"{w('non_trainable')} {num(r.non_trainable_params)}"
               + (f"; {w('buffers')} {num(r.buffers)}" if r.buffers else ""))
    for warning in r.warnings:
        out.append(f"{w('warning')}{colon} {warning}")
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text


def _layer_text(layer: LayerExplanation, lang: str) -> list[str]:
    def w(key: str) -> str:
        return t(WORDS, key, lang)

    colon = ":"
    sep = ", " if lang == "en" else ","
    out = [f"{layer.name} ({layer.type}) · {FRAMEWORKS[layer.framework].display}"]
    if layer.bindings:
        symbols = sep.join(f"{k} = {num(v)} ({_symbol(layer, k, lang)})" if lang == "en" else
                           f"{k} = {num(v)}({_symbol(layer, k, lang)})" for k, v in layer.bindings.items())
        out.append(f"  {w('symbols')}{colon} {symbols}")
    if layer.gates:
        names = sep.join(f"{g} ({t(GATES, g, lang)})" if lang == "en" else f"{g}({t(GATES, g, lang)})"
                         for g in layer.gates)
        layout = w("gate_layout").format(G=len(layer.gates), H="H")
        out.append(f"  {w('gates')}{colon} {names}" + ("; " if lang == "en" else ";") + layout)
    if not layer.groups:
        out.append(f"  {w('no_tensors')}")
    for group in layer.groups:
        out.append(f"  {word(GROUPS, group.group, lang, layer.report.words)}" + (f"  ({w('not_in_total')})" if all(
            line.buffer for line in group.lines) else ""))
        for line in group.lines:
            names = ", ".join(line.names)
            out.append(f"    {names}  {_shape(line)}")
            calc = derivation_line(line.size)
            if len(line.names) > 1:
                calc += "  (" + w("repeated").format(n=len(line.names), total=num(line.params)) + ")" \
                    if lang == "en" else "(" + w("repeated").format(n=len(line.names), total=num(line.params)) + ")"
            out.append(f"      {calc}")
    steps = derivation_steps(layer.total)
    label = f"  {w('layer_total')}{colon} "
    out.append(label + steps[0])
    out += [" " * (width(label) - 2) + "= " + s for s in steps[1:]]
    if layer.buffers:
        out.append(f"  + {w('buffers')}{colon} {num(layer.buffers)}")
    if layer.notes:
        out.append(f"  {w('notes')}{colon}")
        out += [f"    • {_note(layer, key, lang)}" for key in layer.notes]
    return out


def _symbol(layer: LayerExplanation, key: str, lang: str) -> str:
    return word(SYMBOLS, key, lang, layer.report.words)


def _note(layer: LayerExplanation, key: str, lang: str) -> str:
    return note_text(key, layer.framework, lang, layer.report.words).format(**_quoted(layer.note_values))


def note_text(key: str, framework: str, lang: str, declared: Mapping[str, tuple[str, str]] | None = None) -> str:
    """A note's wording; a framework may word a shared note its own way (`two_biases@paddle`), and a layer's
    convention may bring the words of its own notes."""
    own = f"{key}@{framework}"
    return word(NOTES, own if own in NOTES else key, lang, declared)


def _quoted(values: Mapping[str, int]) -> dict[str, str]:
    return {k: num(v) for k, v in values.items()}


def _markdown(ex: Explanation, lang: str) -> str:
    def w(key: str) -> str:
        return t(WORDS, key, lang)

    out: list[str] = []
    for layer in ex.layers:
        out.append(f"### {layer.name} ({layer.type}) · {FRAMEWORKS[layer.framework].display}")
        out.append("")
        if layer.bindings:
            out.append(", ".join(f"`{k}` = {num(v)} ({_symbol(layer, k, lang)})" for k, v in layer.bindings.items()))
            out.append("")
        if layer.gates:
            out.append(f"{w('gates')}: " + ", ".join(f"`{g}` {t(GATES, g, lang)}" for g in layer.gates))
            out.append("")
        if layer.groups:
            out.append(f"| {w('tensor')} | {w('shape')} | {w('formula')} | {w('params')} |")
            out.append("|---|---|---|---:|")
            for group in layer.groups:
                for line in group.lines:
                    names = "<br>".join(f"`{n}`" for n in line.names)
                    out.append(f"| {names} | {_shape(line)} | {derivation_line(line.size)} | {num(line.params)} |")
            out.append("")
        out.append(f"**{w('layer_total')}**: {derivation_line(layer.total)}")
        out.append("")
        for key in layer.notes:
            out.append(f"- {_note(layer, key, lang)}")
        if layer.notes:
            out.append("")
    r = ex.report
    sep = ", " if lang == "en" else "，"
    out.append(f"**{w('model_total')}**: {num(r.total_params)} ({w('trainable')} {num(r.trainable_params)}{sep}"
               f"{w('non_trainable')} {num(r.non_trainable_params)})")
    text = "\n".join(out) + "\n"
    return cjk_punct(text) if lang == "zh" else text
