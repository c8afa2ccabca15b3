"""`rnnparams state` as text: the state carried between tokens, per sequence and for the batch."""

from __future__ import annotations

from ..analysis.state import StateReport
from ..conventions import FRAMEWORKS
from .i18n import STATE, cjk_punct, num, t
from .inspect import human_bytes


def render_state(st: StateReport, lang: str = "en") -> str:
    def w(key: str, **values: object) -> str:
        return t(STATE, key, lang).format(**values)

    out = [w("title", framework=FRAMEWORKS[st.report.framework].display, params=num(st.report.total_params),
             weights=human_bytes(st.weight_bytes), dtype=st.dtype)]
    if not st.items:
        out.append(w("none"))
    else:
        out.append(w("header"))
        width = max(len(f"{i.layer}.{i.name}") for i in st.items)
        for i in st.items:
            shape = "(" + ", ".join(str(d) for d in i.shape) + ")"
            out.append(f"  {(i.layer + '.' + i.name).ljust(width)}  {shape:<24} {num(i.numbers):>14}")
        out.append(w("per_sequence", numbers=num(st.per_sequence), size=human_bytes(st.bytes_per_sequence),
                     dtype=st.dtype))
        out.append(w("batch", batch=num(st.batch), size=human_bytes(st.bytes_per_sequence * st.batch)))
    if st.products_per_token is not None:
        out.append(w("products", macs=num(st.products_per_token), flops=num(2 * st.products_per_token)))
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text
