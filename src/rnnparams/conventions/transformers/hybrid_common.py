"""What the hybrid stacks' modules share (hybrids.py, ssm_hybrids.py, shared_hybrids.py, delta_hybrids.py): the
Mamba-2 head and expert symbols, a Mamba-2 mixer's templates, the routed-experts mixer and the words. Its own
module, so counting one family's config imports that family's module and this one, not every hybrid's table."""

from __future__ import annotations

from ...symbolic import Sym
from ..base import TensorTemplate
from ..work import Mixer
from .blocks import D_CONV, D_INNER, D_MODEL, D_STATE, GROUPS, ONE, WORDS
from .common import S

T = TensorTemplate
MHEADS, MHEAD_DIM, EXPERTS, D_MOE, D_SHARED = Sym("mheads"), Sym("mhead_dim"), S("experts"), S("d_moe"), S("d_shared")
MAMBA2_CONV = D_INNER + 2 * GROUPS * D_STATE
MAMBA2_IN = 2 * D_INNER + 2 * GROUPS * D_STATE + MHEADS


def mamba2_mixer(prefix: str, *, in_bias: str, out_bias: str, conv_bias: str | None,
                 norm: str | None) -> tuple[TensorTemplate, ...]:
    """A Mamba-2 mixer below `prefix` in named_parameters() order: its own parameters first, then conv1d,
    in_proj, the gated norm (`norm`: the flag that builds it, None: always) and out_proj (`conv_bias` None: the
    convolution's bias always built, as Zamba2's)."""
    return (
        T(f"{prefix}.dt_bias", (MHEADS,), "dt_bias"),
        T(f"{prefix}.A_log", (MHEADS,), "ssm_a_log"),
        T(f"{prefix}.D", (MHEADS,), "ssm_skip"),
        T(f"{prefix}.conv1d.weight", (MAMBA2_CONV, ONE, D_CONV), "conv_weight"),
        T(f"{prefix}.conv1d.bias", (MAMBA2_CONV,), "conv_bias", when=conv_bias),
        T(f"{prefix}.in_proj.weight", (MAMBA2_IN, D_MODEL), "in_proj"),
        T(f"{prefix}.in_proj.bias", (MAMBA2_IN,), "bias", when=in_bias),
        T(f"{prefix}.norm.weight", (D_INNER,), "scale", when=norm),
        T(f"{prefix}.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
        T(f"{prefix}.out_proj.bias", (D_MODEL,), "bias", when=out_bias),
    )


JAMBA_WORDS = {
    **WORDS,
    "experts": ("number of experts (num_experts)", "专家数（num_experts）"),
    "L_mamba": ("number of Mamba layers", "Mamba 层数"), "L_att": ("number of attention layers", "注意力层数"),
    "L_mlp": ("number of dense MLP layers", "稠密 MLP 层数"), "L_moe": ("number of expert layers", "专家层数"),
    "router": ("Router (one logit per expert)", "路由器（每个专家一个 logit）"),
    "jamba": ("A Jamba stack: each layer is a Mamba mixer (with RMSNorms of Δ, B and C) or grouped-query attention "
              "(every attn_layer_period-th layer from attn_layer_offset), then a dense gated MLP or a mixture of "
              "num_experts such MLPs with a router (every expert_layer_period-th from expert_layer_offset), with an "
              "RMSNorm before each.",
              "Jamba 堆叠：每层是一个 Mamba 混合层（带 Δ、B、C 的 RMSNorm）或分组查询注意力（从 attn_layer_offset 起每 "
              "attn_layer_period 层一个），随后是稠密门控 MLP 或带路由器的 num_experts 个专家（从 expert_layer_offset "
              "起每 expert_layer_period 层一个），两者之前各有一个 RMSNorm。"),
}

SSM_WORDS = {
    **JAMBA_WORDS,
    "mheads": ("number of Mamba-2 heads (mamba_n_heads / mamba_num_heads)",
               "Mamba-2 头数（mamba_n_heads / mamba_num_heads）"),
    "mhead_dim": ("size of one Mamba-2 head (mamba_d_head / mamba_head_dim)",
                  "每个 Mamba-2 头的维度（mamba_d_head / mamba_head_dim）"),
    "d_moe": ("width of one expert (moe_intermediate_size / intermediate_size)",
              "每个专家的宽度（moe_intermediate_size / intermediate_size）"),
    "d_shared": ("width of the shared expert (shared_intermediate_size)", "共享专家的宽度（shared_intermediate_size）"),
    "d_latent": ("width the experts read and write (moe_latent_size, else hidden_size)",
                 "专家读写的宽度（moe_latent_size，未设时为 hidden_size）"),
    "L_conv": ("number of short-convolution layers", "短卷积层数"),
    "router_bias": ("Router score correction bias (a buffer, not a parameter)", "路由得分校正偏置（缓冲区，不是参数）"),
    "conv_gates": ("Input projection of the short convolution (its gates B and C and the value x, d_model each)",
                   "短卷积的输入投影（门 B、C 与值 x，各为 d_model）"),
    "L_mlp": ("number of MLP layers", "MLP 层数"),
    "falcon_h1": ("A FalconH1 stack: every layer runs a Mamba-2 mixer and grouped-query attention in parallel on the "
                  "same RMS-normed input, then a gated MLP after a second RMSNorm.",
                  "FalconH1 堆叠：每层在同一个 RMSNorm 之后并行运行 Mamba-2 混合层与分组查询注意力，"
                  "再经第二个 RMSNorm 接门控 MLP。"),
    "nemotron_h": ("A NemotronH stack: each layer is one RMSNorm and one mixer — Mamba-2 (M), attention (*), a "
                   "ReLU² MLP (-) or a mixture of experts with a shared expert (E) — by layers_block_type.",
                   "NemotronH 堆叠：每层是一个 RMSNorm 加一个混合层——Mamba-2（M）、注意力（*）、ReLU² MLP（-）"
                   "或带共享专家的混合专家（E）——由 layers_block_type 决定。"),
    "granitemoehybrid": ("A GraniteMoeHybrid stack: each layer is a Mamba-2 mixer or attention (layer_types), then "
                         "a mixture of experts (when num_local_experts > 0) and a shared gated MLP (when "
                         "shared_intermediate_size > 0), with an RMSNorm before each half.",
                         "GraniteMoeHybrid 堆叠：每层是一个 Mamba-2 混合层或注意力（由 layer_types 决定），"
                         "随后是混合专家（num_local_experts > 0 时）与共享门控 MLP（shared_intermediate_size > 0 时），"
                         "两半之前各有一个 RMSNorm。"),
    "lfm2": ("An LFM2 stack: each layer is a gated short convolution (in_proj to 3·d_model, a depthwise "
             "convolution of conv_L_cache taps, out_proj) or grouped-query attention with RMS-normed queries and "
             "keys, by layer_types, then a SwiGLU feed-forward (w1, w3, w2), with an RMSNorm before each half.",
             "LFM2 堆叠：每层是一个门控短卷积（in_proj 投影到 3·d_model、conv_L_cache 个抽头的深度卷积、out_proj）"
             "或对查询与键做 RMSNorm 的分组查询注意力（由 layer_types 决定），随后是 SwiGLU 前馈层（w1、w3、w2），"
             "两半之前各有一个 RMSNorm。"),
}

ROUTED = Mixer(routed=("experts", "top_k"), routed_roles=frozenset({"up_proj", "down_proj"}))
"""A token runs top_k (num_experts_per_tok) of the experts' (experts, rows, columns) tensors; the router and a
shared expert read it in full (FlopCounterMode on a real decoding step, tests/oracle/test_state_cache_oracle.py)."""
