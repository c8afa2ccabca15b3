"""RWKV-4 as transformers ships it (`RwkvBlock`, `RwkvStack`: modeling_rwkv.py): ln1, ln2 (and pre_ln in block
0), time-mix `attention` (time_decay, time_first (d_att), time_mix_key/value/receptance (1, 1, d_model),
key/value/receptance (d_att, d_model), output (d_model, d_att)) and channel-mix `feed_forward` (time_mix_key/receptance,
key (d_ffn, d_model), receptance (d_model, d_model), value (d_model, d_ffn)). Its own module: a Mamba config's count
does not build it (the table imports it the first time one of its names is asked for)."""

from __future__ import annotations

from collections.abc import Mapping

from ...symbolic import Expr, mul
from ..base import TensorTemplate
from ..work import Mixer, Work
from .blocks import D_ATT, D_FFN, D_MODEL, ONE, TOKEN_PRODUCTS, WORDS, T, one_block
from .common import block, flag, size
from .stacks import Kind, first_extra, stack

RWKV_MIXER = Mixer(scan_flops=mul(25, D_ATT))
"""RWKV-4's wkv per token and channel (rwkv_linear_attention_cpu): the output's max, two exps, numerator and
denominator and their division (13), the state's max, two exps and both updates (12)."""


def _ln(name: str, when: str | None = None) -> tuple[TensorTemplate, ...]:
    return (T(f"{name}.weight", (D_MODEL,), "scale", when=when), T(f"{name}.bias", (D_MODEL,), "shift", when=when))


_MIX = (ONE, ONE, D_MODEL)
RWKV_ARGS = (size("hidden_size", "d_model"), size("attention_hidden_size", "d_att"),
             size("intermediate_size", "d_ffn"), flag("pre_ln", False))
RWKV_TENSORS = (
    *_ln("pre_ln", "pre_ln"), *_ln("ln1"), *_ln("ln2"),
    T("attention.time_decay", (D_ATT,), "time_decay"),
    T("attention.time_first", (D_ATT,), "time_first"),
    T("attention.time_mix_key", _MIX, "time_mix"),
    T("attention.time_mix_value", _MIX, "time_mix"),
    T("attention.time_mix_receptance", _MIX, "time_mix"),
    T("attention.key.weight", (D_ATT, D_MODEL), "key"),
    T("attention.value.weight", (D_ATT, D_MODEL), "value"),
    T("attention.receptance.weight", (D_ATT, D_MODEL), "receptance"),
    T("attention.output.weight", (D_MODEL, D_ATT), "output"),
    T("feed_forward.time_mix_key", _MIX, "time_mix"),
    T("feed_forward.time_mix_receptance", _MIX, "time_mix"),
    T("feed_forward.key.weight", (D_FFN, D_MODEL), "key"),
    T("feed_forward.receptance.weight", (D_MODEL, D_MODEL), "receptance"),
    T("feed_forward.value.weight", (D_MODEL, D_FFN), "value"),
)


def _rwkv_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """RwkvModel's state: five tensors (batch, hidden_size, layers), one layer's share of each — all hidden_size
    wide, as RwkvModel allocates them (a d_att other than d_model does not run)."""
    return {"att_x": (D_MODEL,), "att_num": (D_MODEL,), "att_den": (D_MODEL,), "att_max": (D_MODEL,),
            "ffn_x": (D_MODEL,)}


RWKV = block("RwkvBlock", RWKV_ARGS, RWKV_TENSORS, d_in="d_model", d_out="d_model", words=WORDS,
             notes=("rwkv_block",), states=_rwkv_states, work=one_block(RWKV_MIXER))

_RWKV_FIRST = _ln("pre_ln")
_RWKV_REST = tuple(t for t in RWKV_TENSORS if not t.name.startswith("pre_ln"))
RWKV_STACK = stack("RwkvStack", RWKV_ARGS[:3], (Kind(None, _RWKV_FIRST), Kind("L", _RWKV_REST, _rwkv_states)),
          layout=first_extra, words=WORDS, notes=("rwkv_block",),
          work=Work(token_products=TOKEN_PRODUCTS, mixers=(("L", RWKV_MIXER),)))

LAYERS = {c.type_name: c for c in (RWKV, RWKV_STACK)}
