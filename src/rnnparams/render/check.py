"""A check's verdict, the diagnosis of a wrong number, and the correct derivation."""

from __future__ import annotations

from ..analysis.check import CheckResult
from ..analysis.explain import explain_report
from ..conventions import FRAMEWORKS
from .explain import derivation_line
from .i18n import CHECK, MISTAKES, cjk_punct, num, t


def render_check(result: CheckResult, lang: str = "en") -> str:
    r = result.report
    fw = FRAMEWORKS[r.framework].display
    values = {"claimed": num(result.claimed), "total": num(r.total_params), "framework": fw,
              "difference": num(abs(result.claimed - r.total_params))}
    out = [t(CHECK, "right" if result.correct else "wrong", lang).format(**values)]
    if not result.correct:
        out.append("")
        if result.diagnoses:
            out.append(t(CHECK, "likely", lang).format(**values))
            for d in result.diagnoses:
                gates = next((len(tn.gates) for layer in r.layers for tn in layer.tensors if len(tn.gates) > 1), 1)
                quoted = {**d.values, "gates": gates}
                if "framework" in quoted:
                    quoted["framework"] = FRAMEWORKS[str(quoted["framework"])].display
                text = t(CHECK, "and", lang).join(t(MISTAKES, key, lang).format(**quoted) for key in d.mistakes)
                out.append(f"  • {text}")
        else:
            out.append(t(CHECK, "none", lang).format(**values))
            remainder = result.claimed % result.common_divisor if result.common_divisor > 1 else 0
            if remainder:
                out.append("  " + t(CHECK, "divisor", lang).format(
                    divisor=num(result.common_divisor), remainder=num(remainder), **values))
        out.append("")
        out.append(t(CHECK, "others", lang))
        out.append(f"  {fw}: {num(r.total_params)}")
        for other, total in result.other_frameworks.items():
            shown = num(total) if total is not None else t(CHECK, "no_equivalent", lang)
            out.append(f"  {FRAMEWORKS[other].display}: {shown}")
    out.append("")
    out.append(t(CHECK, "derivation", lang))
    for layer in explain_report(r).layers:
        out.append(f"  {layer.name} ({layer.type}): {derivation_line(layer.total)}")
    if len(r.layers) > 1:
        out.append(f"  = {' + '.join(num(layer.params) for layer in r.layers)} = {num(r.total_params)}")
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text
