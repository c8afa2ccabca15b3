"""Newer hybrids transformers 5.24 ships, each a stack of the kinds of layer its config mixes, named as
`state_dict()` names them:

- FalconH1 (TII): every layer runs a Mamba-2 mixer and grouped-query attention side by side, then a gated MLP;
- NemotronH (NVIDIA): each layer one mixer after an RMSNorm — Mamba-2, attention, a ReLU² MLP or a mixture of
  experts with a shared expert — by `layers_block_type` (the `hybrid_override_pattern` M * - E);
- GraniteMoeHybrid (IBM Granite 4): each layer a Mamba-2 mixer or attention by `layer_types`, then a mixture of
  experts and/or a shared gated MLP;
- LFM2 (Liquid AI): each layer a gated short convolution or attention with q/k norms, by `layer_types`, then a
  SwiGLU feed-forward.

Their Mamba-2 mixers hold transformers' Mamba-2 tensors (dt_bias, A_log, D, the depthwise conv1d over
d_inner + 2·groups·d_state channels, in_proj to 2·d_inner + 2·groups·d_state + heads, out_proj); only the
flags that switch biases and the gated norm on differ."""

from __future__ import annotations

from collections.abc import Mapping

from ..._record import replace
from ...symbolic import Expr, mul
from ..base import ANY, LayerContext, Param, TensorTemplate
from ..work import Mixer, Work
from .blocks import (
    ATTENTION_MIXER,
    CONV,
    D_CONV,
    D_FFN,
    D_MODEL,
    D_STATE,
    HEAD_DIM,
    HEADS,
    KV_HEADS,
    MAMBA2_MIXER,
    ONE,
    PRODUCTS,
    kv_caches,
)
from .common import S, flag, size
from .hybrid_common import (
    D_MOE,
    D_SHARED,
    EXPERTS,
    MAMBA2_CONV,
    MHEAD_DIM,
    MHEADS,
    ROUTED,
    SSM_WORDS,
    mamba2_mixer,
)
from .stacks import Kind, Layout, stack

WORDS = SSM_WORDS

T = TensorTemplate
def _linear(name: str, out: Expr, d_in: Expr, role: str, bias: str | None) -> tuple[TensorTemplate, ...]:
    weight = T(f"{name}.weight", (out, d_in), role)
    return (weight,) if bias is None else (weight, T(f"{name}.bias", (out,), "bias", when=bias))


_ROLES = {"q_proj": "query", "k_proj": "key", "v_proj": "value", "o_proj": "output", "out_proj": "output"}


def attention(prefix: str, bias: str | None, out: str = "o_proj") -> tuple[TensorTemplate, ...]:
    """Grouped-query attention's q/k/v/o projections (heads·head_dim queries, kv_heads·head_dim keys, values)."""
    return tuple(t for name, rows, cols in (
        ("q_proj", HEADS * HEAD_DIM, D_MODEL), ("k_proj", KV_HEADS * HEAD_DIM, D_MODEL),
        ("v_proj", KV_HEADS * HEAD_DIM, D_MODEL), (out, D_MODEL, HEADS * HEAD_DIM))
        for t in _linear(f"{prefix}.{name}", rows, cols, _ROLES[name], bias))


def _mamba2_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """A Mamba-2 mixer's cache per sequence: the convolution's window and the SSM state of every head."""
    return {"conv_state": (MAMBA2_CONV, D_CONV), "ssm_state": (MHEADS, MHEAD_DIM, D_STATE)}


MAMBA2_SYMBOLS = {"heads": MHEADS, "head_dim": MHEAD_DIM}
"""transformers' Mamba-2 head symbols as these stacks name them (their `heads` and `head_dim` are attention's)."""
MAMBA2_HYBRID = Mixer(conv_roles=MAMBA2_MIXER.conv_roles, scan_macs=MAMBA2_MIXER.scan_macs.subs(MAMBA2_SYMBOLS),
                      scan_flops=MAMBA2_MIXER.scan_flops.subs(MAMBA2_SYMBOLS))
"""The Mamba-2 mixer of FalconH1, NemotronH and GraniteMoeHybrid: each modeling file holds the same
`mamba2_selective_state_update` as Mamba-2's (blocks.MAMBA2_MIXER, derived there), here over mheads heads of
mhead_dim — the depthwise conv1d over d_inner + 2·groups·d_state channels, y = C·h (mheads·mhead_dim·d_state
MACs, a bmm) and 4·mheads·mhead_dim·d_state + 2·mheads + 2·mheads·mhead_dim elementwise FLOPs. As for every Mamba
here, Δ's bias and softplus, the z gate (FalconH1's silu(z)⊙y, the others' gated RMSNorm) and the norms are not
counted."""
FALCON_H1_MIXER = replace(MAMBA2_HYBRID, attention=ATTENTION_MIXER.attention)
"""A FalconH1 layer runs its Mamba-2 mixer and grouped-query attention side by side on the same normed input: both
per token (the MLP is weight products only). Its μP multipliers are elementwise scalings, not counted, as biases
and norms are not: per layer and token ssm_in_multiplier and ssm_out_multiplier (d_model each), mup_vector over
in_proj's 2·d_inner + 2·groups·d_state + mheads outputs, attention_in and attention_out (d_model each),
key_multiplier (kv_heads·head_dim), the MLP's gate and down multipliers (d_ffn, d_model); once, embedding_multiplier
(d_model) and lm_head_multiplier (V)."""
def with_experts(mixer: Mixer) -> Mixer:
    """A kind of layer whose mixture of experts sits beside its mixer (GraniteMoeHybrid: every layer's)."""
    return replace(mixer, routed=ROUTED.routed, routed_roles=ROUTED.routed_roles)


SHORT_CONV = Mixer(conv_roles=CONV, scan_flops=mul(2, D_MODEL))
"""LFM2's gated short convolution per token (Lfm2ShortConv.forward): in_proj's B, C and x (weight products, role
conv_gates), B⊙x (d_model), the depthwise causal conv1d of conv_L_cache taps (d_model·d_conv MACs), C⊙(conv)
(d_model): 2·d_model elementwise FLOPs, then out_proj. Its state is the convolution's window; there is no scan."""

_MAMBA2_ARGS = (size("mamba_inner", "d_inner"), size("mamba_d_state", "d_state"), size("mamba_d_conv", "d_conv"),
                size("mamba_n_heads", "mheads"), size("mamba_d_head", "mhead_dim"), size("mamba_n_groups", "groups"))
_ATTENTION_ARGS = (size("num_attention_heads", "heads"), size("num_key_value_heads", "kv_heads"),
                   size("head_dim", "head_dim"))

FALCON_H1_LAYER = (
    *_linear("feed_forward.gate_proj", D_FFN, D_MODEL, "gate_proj", "mlp_bias"),
    *_linear("feed_forward.up_proj", D_FFN, D_MODEL, "up_proj", "mlp_bias"),
    *_linear("feed_forward.down_proj", D_MODEL, D_FFN, "down_proj", "mlp_bias"),
    *mamba2_mixer("mamba", in_bias="mamba_proj_bias", out_bias="projectors_bias", conv_bias="mamba_conv_bias",
                  norm="mamba_rms_norm"),
    *attention("self_attn", "attention_bias"),
    T("input_layernorm.weight", (D_MODEL,), "scale"),
    T("pre_ff_layernorm.weight", (D_MODEL,), "scale"),
)
FALCON_H1 = stack(
    "FalconH1Stack",
    (size("hidden_size", "d_model"), *_MAMBA2_ARGS, *_ATTENTION_ARGS, size("intermediate_size", "d_ffn"),
     flag("mamba_conv_bias", True), flag("mamba_proj_bias", False), flag("projectors_bias", False),
     flag("mamba_rms_norm", False), flag("attention_bias", False), flag("mlp_bias", False)),
    (Kind("L", FALCON_H1_LAYER, _mamba2_states, kv_caches),), words=WORDS, notes=("falcon_h1",),
    work=Work(token_products=PRODUCTS.token_products, mixers=(("L", FALCON_H1_MIXER),)),
)


def _by_types(kinds: Mapping[str, tuple[int, ...]]) -> Layout:
    """Per layer, the kinds its `layer_types` entry holds (the config has checked each entry)."""
    def layout(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
        types = ctx.cfg("layer_types")
        assert isinstance(types, tuple)
        return tuple(kinds[str(t)] for t in types)
    return layout


NEMOTRON_H_MLP = (*_linear("mixer.up_proj", D_FFN, D_MODEL, "up_proj", "mlp_bias"),
                  *_linear("mixer.down_proj", D_MODEL, D_FFN, "down_proj", "mlp_bias"))
D_LATENT = S("d_latent")
NEMOTRON_H_MOE = (
    T("mixer.experts.up_proj", (EXPERTS, D_MOE, D_LATENT), "up_proj"),
    T("mixer.experts.down_proj", (EXPERTS, D_LATENT, D_MOE), "down_proj"),
    T("mixer.gate.weight", (EXPERTS, D_MODEL), "router"),
    T("mixer.gate.e_score_correction_bias", (EXPERTS,), "router_bias", trainable=False, buffer=True),
    *_linear("mixer.shared_experts.up_proj", D_SHARED, D_MODEL, "up_proj", "mlp_bias"),
    *_linear("mixer.shared_experts.down_proj", D_MODEL, D_SHARED, "down_proj", "mlp_bias"),
    T("mixer.fc1_latent_proj.weight", (D_LATENT, D_MODEL), "down_proj", when="latent"),
    T("mixer.fc1_latent_proj.bias", (D_LATENT,), "bias", when="latent_mlp_bias"),
    T("mixer.fc2_latent_proj.weight", (D_MODEL, D_LATENT), "up_proj", when="latent"),
    T("mixer.fc2_latent_proj.bias", (D_MODEL,), "bias", when="latent_mlp_bias"),
)
NEMOTRON_H_TYPES = ("linear_attention", "full_attention", "mlp", "moe")
NEMOTRON_H = stack(
    "NemotronHStack",
    (size("hidden_size", "d_model"), size("mamba_inner", "d_inner"), size("ssm_state_size", "d_state"),
     size("conv_kernel", "d_conv"), size("mamba_num_heads", "mheads"), size("mamba_head_dim", "mhead_dim"),
     size("n_groups", "groups"), *_ATTENTION_ARGS, size("intermediate_size", "d_ffn"),
     size("n_routed_experts", "experts"), size("num_experts_per_tok", "top_k", 2),
     size("moe_intermediate_size", "d_moe"),
     size("moe_shared_expert_intermediate_size", "d_shared"), size("moe_input", "d_latent"),
     flag("use_conv_bias", True), flag("use_bias", False), flag("mlp_bias", False),
     flag("latent", False), flag("latent_mlp_bias", False)),
    (Kind("L", (T("norm.weight", (D_MODEL,), "scale"),)),
     Kind("L_mamba", mamba2_mixer("mixer", in_bias="use_bias", out_bias="use_bias", conv_bias="use_conv_bias",
                                  norm=None), _mamba2_states),
     # NemotronHAttention builds q/k/v/o with bias=False whatever config.attention_bias says
     Kind("L_att", attention("mixer", None), caches=kv_caches),
     Kind("L_mlp", NEMOTRON_H_MLP), Kind("L_moe", NEMOTRON_H_MOE)),
    layout=_by_types({t: (0, i + 1) for i, t in enumerate(NEMOTRON_H_TYPES)}),
    words=WORDS, notes=("nemotron_h",),
    work=Work(token_products=PRODUCTS.token_products, mixers=(
        ("L_mamba", MAMBA2_HYBRID), ("L_att", ATTENTION_MIXER), ("L_moe", ROUTED))),
    extra=(Param("layer_types", (), ANY, positional=False),),
)

GRANITE_FIRST = (
    T("input_layernorm.weight", (D_MODEL,), "scale"),
    T("post_attention_layernorm.weight", (D_MODEL,), "scale"),
    T("block_sparse_moe.router.weight", (EXPERTS, D_MODEL), "router", when="moe"),
    T("block_sparse_moe.experts.gate_up_proj", (EXPERTS, 2 * D_MOE, D_MODEL), "up_proj", when="moe"),
    T("block_sparse_moe.experts.down_proj", (EXPERTS, D_MODEL, D_MOE), "down_proj", when="moe"),
    T("shared_mlp.input_linear.weight", (2 * D_SHARED, D_MODEL), "up_proj"),
    T("shared_mlp.output_linear.weight", (D_MODEL, D_SHARED), "down_proj"),
)
GRANITE = stack(
    "GraniteMoeHybridStack",
    (size("hidden_size", "d_model"), *_MAMBA2_ARGS, *_ATTENTION_ARGS,
     size("num_local_experts", "experts", optional=True), size("num_experts_per_tok", "top_k", optional=True),
     size("intermediate_size", "d_moe", optional=True), size("shared_intermediate_size", "d_shared"),
     flag("mamba_conv_bias", True), flag("mamba_proj_bias", False), flag("attention_bias", False),
     flag("moe", True)),
    (Kind("L", GRANITE_FIRST),
     Kind("L_mamba", mamba2_mixer("mamba", in_bias="mamba_proj_bias", out_bias="mamba_proj_bias",
                                  conv_bias="mamba_conv_bias", norm=None), _mamba2_states),
     Kind("L_att", attention("self_attn", "attention_bias"), caches=kv_caches)),
    layout=_by_types({"linear_attention": (0, 1), "full_attention": (0, 2)}),
    words=WORDS, notes=("granitemoehybrid",),
    # every layer's experts: in kind L when the layers are all of one kind, else folded into both kinds
    # (stacks._fold_shared)
    work=Work(token_products=PRODUCTS.token_products, mixers=(
        ("L", ROUTED), ("L_mamba", with_experts(MAMBA2_HYBRID)), ("L_att", with_experts(ATTENTION_MIXER)))),
    extra=(Param("layer_types", (), ANY, positional=False),),
)

LFM2_CONV = (
    T("conv.conv.weight", (D_MODEL, ONE, D_CONV), "conv_weight"),
    T("conv.conv.bias", (D_MODEL,), "conv_bias", when="conv_bias"),
    *_linear("conv.in_proj", 3 * D_MODEL, D_MODEL, "conv_gates", "conv_bias"),
    *_linear("conv.out_proj", D_MODEL, D_MODEL, "out_proj", "conv_bias"),
)
LFM2_ATTENTION = (*attention("self_attn", None, out="out_proj"),
                  T("self_attn.q_layernorm.weight", (HEAD_DIM,), "scale"),
                  T("self_attn.k_layernorm.weight", (HEAD_DIM,), "scale"))
LFM2_FFN = (
    T("feed_forward.w1.weight", (D_FFN, D_MODEL), "gate_proj"),
    T("feed_forward.w3.weight", (D_FFN, D_MODEL), "up_proj"),
    T("feed_forward.w2.weight", (D_MODEL, D_FFN), "down_proj"),
    T("operator_norm.weight", (D_MODEL,), "scale"),
    T("ffn_norm.weight", (D_MODEL,), "scale"),
)


def _lfm2_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """The short convolution's cache: the last conv_L_cache inputs of every channel."""
    return {"conv_state": (D_MODEL, D_CONV)}


LFM2 = stack(
    "Lfm2Stack",
    (size("hidden_size", "d_model"), size("conv_L_cache", "d_conv"), *_ATTENTION_ARGS,
     size("intermediate_size", "d_ffn"), flag("conv_bias", False)),
    (Kind("L_conv", LFM2_CONV, _lfm2_states), Kind("L_att", LFM2_ATTENTION, caches=kv_caches), Kind("L", LFM2_FFN)),
    layout=_by_types({"conv": (0, 2), "full_attention": (1, 2)}),
    words=WORDS, notes=("lfm2",), work=Work(token_products=PRODUCTS.token_products | {"conv_gates"},
                                            mixers=(("L_conv", SHORT_CONV), ("L_att", ATTENTION_MIXER))),
    extra=(Param("layer_types", (), ANY, positional=False),),
)
LAYERS = {c.type_name: c for c in (FALCON_H1, NEMOTRON_H, GRANITE, LFM2)}
