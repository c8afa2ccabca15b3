"""Hybrid models transformers ships: Jamba (AI21), whose decoder layers mix a Mamba mixer or grouped-query
attention with a dense MLP or a mixture of experts, by period and offset (JambaConfig.layers_block_type and
layers_num_experts). One stack of four kinds of mixer and feed-forward, plus each layer's two RMSNorms, named
as `state_dict()` names them (`model.layers.1.feed_forward.experts.gate_up_proj`)."""

from __future__ import annotations

from collections.abc import Mapping

from ...symbolic import Expr, Sym, add, mul
from ..base import ANY, INT, LayerContext, Param, TensorTemplate
from ..work import Mixer, Work
from .blocks import (
    ATTENTION_MIXER,
    CONV,
    D_CONV,
    D_FFN,
    D_INNER,
    D_MODEL,
    D_STATE,
    DT_RANK,
    GROUPS,
    HEAD_DIM,
    HEADS,
    KV_HEADS,
    MAMBA_MIXER,
    ONE,
    TOKEN_PRODUCTS,
    _mamba_states,
    kv_caches,
)
from .common import S, flag, size
from .hybrid_common import JAMBA_WORDS, ROUTED
from .stacks import Kind, stack

T = TensorTemplate
EXPERTS, MHEADS = S("experts"), Sym("mheads")
JAMBA_MAMBA = (
    T("mamba.A_log", (D_INNER, D_STATE), "ssm_a_log"),
    T("mamba.D", (D_INNER,), "ssm_skip"),
    T("mamba.conv1d.weight", (D_INNER, ONE, D_CONV), "conv_weight"),
    T("mamba.conv1d.bias", (D_INNER,), "conv_bias", when="mamba_conv_bias"),
    T("mamba.in_proj.weight", (2 * D_INNER, D_MODEL), "in_proj"),
    T("mamba.in_proj.bias", (2 * D_INNER,), "bias", when="mamba_proj_bias"),
    T("mamba.x_proj.weight", (DT_RANK + 2 * D_STATE, D_INNER), "x_proj"),
    T("mamba.dt_proj.weight", (D_INNER, DT_RANK), "dt_proj"),
    T("mamba.dt_proj.bias", (D_INNER,), "dt_bias"),
    T("mamba.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
    T("mamba.out_proj.bias", (D_MODEL,), "bias", when="mamba_proj_bias"),
    T("mamba.dt_layernorm.weight", (DT_RANK,), "scale"),
    T("mamba.b_layernorm.weight", (D_STATE,), "scale"),
    T("mamba.c_layernorm.weight", (D_STATE,), "scale"),
)
JAMBA_ATTENTION = (
    T("self_attn.q_proj.weight", (HEADS * HEAD_DIM, D_MODEL), "query"),
    T("self_attn.k_proj.weight", (KV_HEADS * HEAD_DIM, D_MODEL), "key"),
    T("self_attn.v_proj.weight", (KV_HEADS * HEAD_DIM, D_MODEL), "value"),
    T("self_attn.o_proj.weight", (D_MODEL, HEADS * HEAD_DIM), "output"),
)
JAMBA_MLP = (
    T("feed_forward.gate_proj.weight", (D_FFN, D_MODEL), "gate_proj"),
    T("feed_forward.up_proj.weight", (D_FFN, D_MODEL), "up_proj"),
    T("feed_forward.down_proj.weight", (D_MODEL, D_FFN), "down_proj"),
)
JAMBA_MOE = (
    T("feed_forward.router.weight", (EXPERTS, D_MODEL), "router"),
    T("feed_forward.experts.gate_up_proj", (EXPERTS, 2 * D_FFN, D_MODEL), "up_proj"),
    T("feed_forward.experts.down_proj", (EXPERTS, D_MODEL, D_FFN), "down_proj"),
)
JAMBA_NORMS = (
    T("input_layernorm.weight", (D_MODEL,), "scale"),
    T("pre_ff_layernorm.weight", (D_MODEL,), "scale"),
)


def _jamba_layout(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    """Per layer: attention when i % attn_layer_period == attn_layer_offset (else Mamba), experts when
    num_experts > 1 and i % expert_layer_period == expert_layer_offset (else the dense MLP), then the norms."""
    ap, ao = ctx.int("attn_layer_period"), ctx.int("attn_layer_offset")
    ep, eo, experts = ctx.int("expert_layer_period"), ctx.int("expert_layer_offset"), ctx.int("num_experts")
    return tuple((1 if i % ap == ao else 0, 3 if experts > 1 and i % ep == eo else 2, 4)
                 for i in range(ctx.int("num_layers")))


_PERIODS = tuple(Param(name, 1, INT, positional=False) for name in (
    "attn_layer_period", "attn_layer_offset", "expert_layer_period", "expert_layer_offset"))
JAMBA = stack(
    "JambaStack",
    (size("hidden_size", "d_model"), size("mamba_inner", "d_inner"), size("mamba_d_state", "d_state"),
     size("mamba_d_conv", "d_conv"), size("mamba_dt_rank", "dt_rank"), size("num_attention_heads", "heads"),
     size("num_key_value_heads", "kv_heads"), size("head_dim", "head_dim"), size("intermediate_size", "d_ffn"),
     size("num_experts", "experts"), size("num_experts_per_tok", "top_k", 2), flag("mamba_conv_bias", True),
     flag("mamba_proj_bias", False)),
    (Kind("L_mamba", JAMBA_MAMBA, _mamba_states), Kind("L_att", JAMBA_ATTENTION, caches=kv_caches),
     Kind("L_mlp", JAMBA_MLP),
     Kind("L_moe", JAMBA_MOE), Kind("L", JAMBA_NORMS)),
    layout=_jamba_layout, words=JAMBA_WORDS, notes=("jamba",), extra=_PERIODS,
    work=Work(token_products=TOKEN_PRODUCTS, mixers=(("L_mamba", MAMBA_MIXER), ("L_att", ATTENTION_MIXER),
                                                     ("L_moe", ROUTED))),
)
_CONV2 = D_INNER + 2 * GROUPS * D_STATE
BAMBA_MLP = (
    T("feed_forward.gate_proj.weight", (D_FFN, D_MODEL), "gate_proj"),
    T("feed_forward.gate_proj.bias", (D_FFN,), "bias", when="mlp_bias"),
    T("feed_forward.up_proj.weight", (D_FFN, D_MODEL), "up_proj"),
    T("feed_forward.up_proj.bias", (D_FFN,), "bias", when="mlp_bias"),
    T("feed_forward.down_proj.weight", (D_MODEL, D_FFN), "down_proj"),
    T("feed_forward.down_proj.bias", (D_MODEL,), "bias", when="mlp_bias"),
    T("input_layernorm.weight", (D_MODEL,), "scale"),
    T("pre_ff_layernorm.weight", (D_MODEL,), "scale"),
)
BAMBA_MAMBA = (
    T("mamba.dt_bias", (MHEADS,), "dt_bias"),
    T("mamba.A_log", (MHEADS,), "ssm_a_log"),
    T("mamba.D", (MHEADS,), "ssm_skip"),
    T("mamba.conv1d.weight", (_CONV2, ONE, D_CONV), "conv_weight"),
    T("mamba.conv1d.bias", (_CONV2,), "conv_bias", when="mamba_conv_bias"),
    T("mamba.in_proj.weight", (2 * D_INNER + 2 * GROUPS * D_STATE + MHEADS, D_MODEL), "in_proj"),
    T("mamba.in_proj.bias", (2 * D_INNER + 2 * GROUPS * D_STATE + MHEADS,), "bias", when="mamba_proj_bias"),
    T("mamba.norm.weight", (D_INNER,), "scale"),
    T("mamba.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
    T("mamba.out_proj.bias", (D_MODEL,), "bias", when="mamba_proj_bias"),
)
BAMBA_ATTENTION = tuple(t for name, out, d_in in (
    ("q_proj", HEADS * HEAD_DIM, D_MODEL), ("k_proj", KV_HEADS * HEAD_DIM, D_MODEL),
    ("v_proj", KV_HEADS * HEAD_DIM, D_MODEL), ("o_proj", D_MODEL, HEADS * HEAD_DIM))
    for t in (T(f"self_attn.{name}.weight", (out, d_in), {"q_proj": "query", "k_proj": "key", "v_proj": "value",
                                                          "o_proj": "output"}[name]),
              T(f"self_attn.{name}.bias", (out,), "bias", when="attention_bias")))


BAMBA_MIXER = Mixer(conv_roles=CONV, scan_macs=mul(D_INNER, D_STATE),
                    scan_flops=add(mul(4, D_INNER, D_STATE), mul(2, MHEADS), mul(2, D_INNER)))
"""Bamba's Mamba-2 mixer (mamba_n_heads heads of d_inner/mheads): as blocks.MAMBA2_MIXER with heads·head_dim =
d_inner."""


def _bamba_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """The Mamba-2 mixer's cache per sequence (measured after a CPU forward with use_cache): the convolution's last
    d_conv inputs of its d_inner + 2·groups·d_state channels, and every head's (d_inner/mheads, d_state) state."""
    return {"conv_state": (D_INNER + 2 * GROUPS * D_STATE, D_CONV),
            "ssm_state": (MHEADS, env["d_inner"] // env["mheads"], D_STATE)}


def _bamba_layout(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    """Per layer: the MLP and both norms, then attention at attn_layer_indices (else the Mamba-2 mixer)."""
    attention = ctx.cfg("attn_layer_indices")
    assert isinstance(attention, tuple)
    return tuple((0, 2 if i in attention else 1) for i in range(ctx.int("num_layers")))


BAMBA = stack(
    "BambaStack",
    (size("hidden_size", "d_model"), size("mamba_inner", "d_inner"), size("mamba_d_state", "d_state"),
     size("mamba_d_conv", "d_conv"), size("mamba_n_heads", "mheads"), size("mamba_n_groups", "groups"),
     size("num_attention_heads", "heads"), size("num_key_value_heads", "kv_heads"), size("head_dim", "head_dim"),
     size("intermediate_size", "d_ffn"), flag("mamba_conv_bias", True), flag("mamba_proj_bias", False),
     flag("attention_bias", False), flag("mlp_bias", False)),
    (Kind("L", BAMBA_MLP), Kind("L_mamba", BAMBA_MAMBA, _bamba_states),
     Kind("L_att", BAMBA_ATTENTION, caches=kv_caches)),
    layout=_bamba_layout, notes=("bamba",),
    work=Work(token_products=TOKEN_PRODUCTS, mixers=(("L_mamba", BAMBA_MIXER), ("L_att", ATTENTION_MIXER))),
    words={**JAMBA_WORDS, "mheads": ("number of Mamba-2 heads (mamba_n_heads)", "Mamba-2 头数（mamba_n_heads）"),
           "bamba": ("A Bamba stack: each layer is a gated MLP with two RMSNorms and a Mamba-2 mixer, or grouped-query "
                     "attention at attn_layer_indices.",
                     "Bamba 堆叠：每层是带两个 RMSNorm 的门控 MLP，加上一个 Mamba-2 混合层，或在 attn_layer_indices "
                     "处的分组查询注意力。")},
    extra=(Param("attn_layer_indices", (), ANY, positional=False),),
)
LAYERS = {JAMBA.type_name: JAMBA, BAMBA.type_name: BAMBA}
