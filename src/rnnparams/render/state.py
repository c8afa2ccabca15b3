"""`rnnparams state` as text: the state carried between tokens, per sequence and for the batch."""

from __future__ import annotations

from collections.abc import Callable

from ..analysis.resources import DTYPE_BYTES
from ..analysis.state import StateReport
from ..conventions import FRAMEWORKS
from .i18n import STATE, cjk_punct, num, t
from .inspect import human_bytes


def render_state(st: StateReport, lang: str = "en") -> str:
    def w(key: str, **values: object) -> str:
        return t(STATE, key, lang).format(**values)

    out = [w("title", framework=FRAMEWORKS[st.report.framework].display, params=num(st.report.total_params),
             weights=human_bytes(st.weight_bytes), dtype=st.dtype)]
    if not st.items and not st.caches:
        out.append(w("none"))
    elif st.items:
        out.append(w("header"))
        width = max(len(f"{i.layer}.{i.name}") for i in st.items)
        for i in st.items:
            shape = "(" + ", ".join(str(d) for d in i.shape) + ")"
            out.append(f"  {(i.layer + '.' + i.name).ljust(width)}  {shape:<24} {num(i.numbers):>14}")
        out.append(w("per_sequence", numbers=num(st.per_sequence), size=human_bytes(st.bytes_per_sequence),
                     dtype=st.dtype))
        out.append(w("batch", batch=num(st.batch), size=human_bytes(st.bytes_per_sequence * st.batch)))
    if st.caches:
        out += _caches(st, w)
    if st.products_per_token is not None:
        out.append(w("products", macs=num(st.products_per_token), flops=num(2 * st.products_per_token)))
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text


def _caches(st: StateReport, w: Callable[..., str]) -> list[str]:
    """The caches that grow with the context: per token, and after --seq-len tokens when given."""
    per_token = DTYPE_BYTES[st.dtype]
    out = [w("cache_header")]
    width = max(len(f"{c.layer}.{c.name}") for c in st.caches)
    for c in st.caches:
        shape = "(" + ", ".join(str(d) for d in c.shape) + ")"
        held = w("cache_all") if c.cap is None else w("cache_cap", cap=num(c.cap))
        at = "" if c.numbers is None else f"  → {num(c.numbers)}"
        out.append(f"  {(c.layer + '.' + c.name).ljust(width)}  {shape:<24} {num(c.per_token):>10} {w('per_token')}"
                   f", {held}{at}")
    cache, total = st.cache_per_sequence, st.total_per_sequence
    if cache is None or total is None or st.seq_len is None:
        out.append(w("cache_per_token", numbers=num(st.cache_per_token),
                     size=human_bytes(st.cache_per_token * per_token), dtype=st.dtype))
    else:
        out.append(w("cache_at", t=num(st.seq_len), numbers=num(cache), size=human_bytes(cache * per_token),
                     total=num(total), total_size=human_bytes(total * per_token)))
        out.append(w("cache_batch", batch=num(st.batch), t=num(st.seq_len),
                     size=human_bytes(total * per_token * st.batch)))
    return out
