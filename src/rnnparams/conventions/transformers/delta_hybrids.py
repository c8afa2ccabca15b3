"""Hybrids of gated DeltaNet linear attention and softmax attention transformers 5.24 ships, named as
`named_parameters()` lists them:

- Qwen3-Next (Qwen): each layer a gated DeltaNet (`linear_attn`: in_proj_qkvz to 2·key_dim + 2·value_dim,
  in_proj_ba to 2·v_heads, a depthwise conv1d without bias over q, k and v, dt_bias and A_log per value head, a
  gated RMSNorm of one value head, out_proj) or gated attention (`self_attn`: q_proj twice as wide, the second
  half the output gate, q/k RMSNorms of head_dim) by `layer_types`, then a sparse mixture of experts (router,
  experts' fused gate_up_proj and down_proj, a shared expert and its sigmoid gate) or a dense MLP, with an
  RMSNorm before each half."""

from __future__ import annotations

from collections.abc import Mapping

from ...symbolic import Expr, add, mul
from ..base import ANY, LayerContext, Param, TensorTemplate
from ..work import Mixer, Work
from .blocks import (
    ATTENTION_MIXER,
    CONV,
    D_CONV,
    D_FFN,
    D_MODEL,
    HEAD_DIM,
    HEADS,
    KV_HEADS,
    ONE,
    TOKEN_PRODUCTS,
    kv_caches,
)
from .common import S, flag, size
from .hybrid_common import D_MOE, D_SHARED, EXPERTS, ROUTED, SSM_WORDS
from .stacks import Kind, stack

T = TensorTemplate
K_HEADS, V_HEADS, D_K, D_V = S("k_heads"), S("v_heads"), S("d_k"), S("d_v")
_KEY, _VALUE = K_HEADS * D_K, V_HEADS * D_V
_CONV = 2 * _KEY + _VALUE

GATED_DELTANET = (
    T("linear_attn.dt_bias", (V_HEADS,), "dt_bias"),
    T("linear_attn.A_log", (V_HEADS,), "ssm_a_log"),
    T("linear_attn.conv1d.weight", (_CONV, ONE, D_CONV), "conv_weight"),
    T("linear_attn.in_proj_qkvz.weight", (2 * _KEY + 2 * _VALUE, D_MODEL), "in_proj_qkvz"),
    T("linear_attn.in_proj_ba.weight", (2 * V_HEADS, D_MODEL), "in_proj_ba"),
    T("linear_attn.norm.weight", (D_V,), "scale"),
    T("linear_attn.out_proj.weight", (D_MODEL, _VALUE), "out_proj"),
)
GATED_ATTENTION = (
    T("self_attn.q_proj.weight", (2 * HEADS * HEAD_DIM, D_MODEL), "query_gate"),
    T("self_attn.q_proj.bias", (2 * HEADS * HEAD_DIM,), "bias", when="attention_bias"),
    T("self_attn.k_proj.weight", (KV_HEADS * HEAD_DIM, D_MODEL), "key"),
    T("self_attn.k_proj.bias", (KV_HEADS * HEAD_DIM,), "bias", when="attention_bias"),
    T("self_attn.v_proj.weight", (KV_HEADS * HEAD_DIM, D_MODEL), "value"),
    T("self_attn.v_proj.bias", (KV_HEADS * HEAD_DIM,), "bias", when="attention_bias"),
    T("self_attn.o_proj.weight", (D_MODEL, HEADS * HEAD_DIM), "output"),
    T("self_attn.o_proj.bias", (D_MODEL,), "bias", when="attention_bias"),
    T("self_attn.q_norm.weight", (HEAD_DIM,), "scale"),
    T("self_attn.k_norm.weight", (HEAD_DIM,), "scale"),
)
SPARSE_MOE = (
    T("mlp.gate.weight", (EXPERTS, D_MODEL), "router"),
    T("mlp.experts.gate_up_proj", (EXPERTS, 2 * D_MOE, D_MODEL), "up_proj"),
    T("mlp.experts.down_proj", (EXPERTS, D_MODEL, D_MOE), "down_proj"),
    T("mlp.shared_expert.gate_proj.weight", (D_SHARED, D_MODEL), "gate_proj"),
    T("mlp.shared_expert.up_proj.weight", (D_SHARED, D_MODEL), "up_proj"),
    T("mlp.shared_expert.down_proj.weight", (D_MODEL, D_SHARED), "down_proj"),
    T("mlp.shared_expert_gate.weight", (ONE, D_MODEL), "shared_expert_gate"),
)
DENSE_MLP = (
    T("mlp.gate_proj.weight", (D_FFN, D_MODEL), "gate_proj"),
    T("mlp.up_proj.weight", (D_FFN, D_MODEL), "up_proj"),
    T("mlp.down_proj.weight", (D_MODEL, D_FFN), "down_proj"),
)
NORMS = (T("input_layernorm.weight", (D_MODEL,), "scale"), T("post_attention_layernorm.weight", (D_MODEL,), "scale"))


def _deltanet_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """A gated DeltaNet's cache per sequence: the convolution's window over q, k and v, and one d_k × d_v state
    per value head."""
    return {"conv_state": (_CONV, D_CONV), "recurrent_state": (V_HEADS, D_K, D_V)}


MIXERS = {"linear_attention": 0, "full_attention": 1}


def _layout(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    """Per layer: its mixer (layer_types), the experts or the dense MLP (`moe_layers`), the two norms."""
    types, moe = ctx.cfg("layer_types"), ctx.cfg("moe_layers")
    assert isinstance(types, tuple) and isinstance(moe, tuple)
    return tuple((MIXERS[str(t)], 2 if k in moe else 3, 4) for k, t in enumerate(types))


WORDS = {
    **SSM_WORDS,
    "k_heads": ("number of DeltaNet key heads (linear_num_key_heads)", "DeltaNet 键头数（linear_num_key_heads）"),
    "v_heads": ("number of DeltaNet value heads (linear_num_value_heads)", "DeltaNet 值头数（linear_num_value_heads）"),
    "d_k": ("size of one DeltaNet key head (linear_key_head_dim)", "每个 DeltaNet 键头的维度（linear_key_head_dim）"),
    "d_v": ("size of one DeltaNet value head (linear_value_head_dim)",
            "每个 DeltaNet 值头的维度（linear_value_head_dim）"),
    "L_lin": ("number of gated DeltaNet layers (the \"linear_attention\" entries of layer_types)",
              "门控 DeltaNet 层数（layer_types 中的 \"linear_attention\" 项）"),
    "L_att": ("number of gated attention layers (the \"full_attention\" entries of layer_types)",
              "门控注意力层数（layer_types 中的 \"full_attention\" 项）"),
    "L_moe": ("number of layers with the mixture of experts", "带混合专家的层数"),
    "L_mlp": ("number of layers with a dense MLP (mlp_only_layers, or off the decoder_sparse_step)",
              "使用稠密 MLP 的层数（mlp_only_layers，或不在 decoder_sparse_step 上）"),
    "experts": ("number of experts (num_experts)", "专家数（num_experts）"),
    "top_k": ("experts a token runs (num_experts_per_tok)", "每个词元运行的专家数（num_experts_per_tok）"),
    "d_moe": ("width of one expert (moe_intermediate_size)", "每个专家的宽度（moe_intermediate_size）"),
    "d_shared": ("width of the shared expert (shared_expert_intermediate_size)",
                 "共享专家的宽度（shared_expert_intermediate_size）"),
    "in_proj_qkvz": ("DeltaNet input projection to q and k (key_dim each), v and the output gate z (value_dim each)",
                     "DeltaNet 输入投影：q 与 k（各 key_dim）、v 与输出门 z（各 value_dim）"),
    "in_proj_ba": ("DeltaNet projection to β (the write strength) and the decay's a, one each per value head",
                   "DeltaNet 投影到 β（写入强度）与衰减的 a，每个值头各一个"),
    "query_gate": ("Query projection with the output gate (2·heads·head_dim: queries and one gate per number)",
                   "查询投影连同输出门（2·heads·head_dim：查询与逐元素的门）"),
    "shared_expert_gate": ("Sigmoid gate of the shared expert (one number per token)",
                           "共享专家的 sigmoid 门（每个词元一个数）"),
    "qwen3_next": ("A Qwen3-Next stack: each layer is a gated DeltaNet (in_proj_qkvz, in_proj_ba, a depthwise "
                   "convolution over q, k and v, dt_bias and A_log per value head, a gated RMSNorm, out_proj) or "
                   "gated attention (q_proj doubled for the output gate, q/k RMSNorms), by layer_types, then a "
                   "mixture of num_experts experts with a router, a shared expert and its gate (every "
                   "decoder_sparse_step-th layer not in mlp_only_layers) or a dense MLP, with an RMSNorm before "
                   "each half.",
                   "Qwen3-Next 堆叠：每层是一个门控 DeltaNet（in_proj_qkvz、in_proj_ba、作用于 q、k、v 的深度卷积、"
                   "每个值头的 dt_bias 与 A_log、门控 RMSNorm、out_proj）或门控注意力（q_proj 加倍以给出输出门，"
                   "q/k 各有 RMSNorm），由 layer_types 决定；随后是 num_experts 个专家的混合专家（带路由器、共享专家"
                   "及其门；每 decoder_sparse_step 层一次且不在 mlp_only_layers 中）或稠密 MLP，两半之前各有一个 "
                   "RMSNorm。"),
}

GATED_DELTA_RULE = Mixer(
    conv_roles=CONV, scan_macs=mul(V_HEADS, add(mul(2, D_K, D_V), mul(2, D_K))),
    scan_flops=mul(V_HEADS, add(mul(3, D_K, D_V), mul(2, D_V), mul(3, D_K), 9)))
"""The gated delta rule per token and value head (torch_recurrent_gated_delta_rule, a decoding step; the chunked
form of a prefill computes the same state), with q and k repeated to the v_heads value heads first:

- contractions (MACs): kv_mem = Sᵀk = (S·k).sum(−2) and o = Sᵀq (d_k·d_v each), and the l2norms' q·q and k·k (d_k
  each): 2·d_k·d_v + 2·d_k;
- elementwise: β = σ(b) (1) and g = −exp(A_log)·softplus(a + dt_bias) (3: the sum, the softplus, the product;
  exp(A_log) is a constant of the weights, as Griffin's softplus(Λ)), the l2norms' rsqrt(s + ε) (2 each) and x·(that)
  (d_k each), q/√d_k (d_k), exp(g) (1), S·exp(g) (d_k·d_v), δ = (v − kv_mem)·β (2·d_v), S + k⊗δ (2·d_k·d_v):
  3·d_k·d_v + 2·d_v + 3·d_k + 9.

The gated RMSNorm after it, like every norm, is not counted."""
TOKEN_ROLES = TOKEN_PRODUCTS | {"in_proj_qkvz", "in_proj_ba", "query_gate", "shared_expert_gate"}
"""Every projection (the attention's doubled q_proj, the DeltaNet's two input projections, the shared expert and
its gate) besides the ones Mamba and attention name."""
QWEN3_NEXT_WORK = Work(token_products=TOKEN_ROLES, mixers=(
    ("L_lin", GATED_DELTA_RULE), ("L_att", ATTENTION_MIXER), ("L_moe", ROUTED)))
"""Per token: the DeltaNet's depthwise convolution over q, k and v and its state update, gated attention over the
keys a query sees (heads·head_dim; its output gate is half of q_proj, a weight product), and top_k of the experts
with the router, the shared expert and its gate in full."""
QWEN3_NEXT = stack(
    "Qwen3NextStack",
    (size("hidden_size", "d_model"), size("linear_conv_kernel_dim", "d_conv"),
     size("linear_num_key_heads", "k_heads"), size("linear_num_value_heads", "v_heads"),
     size("linear_key_head_dim", "d_k"), size("linear_value_head_dim", "d_v"),
     size("num_attention_heads", "heads"), size("num_key_value_heads", "kv_heads"), size("head_dim", "head_dim"),
     size("num_experts", "experts", optional=True), size("moe_intermediate_size", "d_moe", optional=True),
     size("shared_expert_intermediate_size", "d_shared", optional=True),
     size("num_experts_per_tok", "top_k", optional=True), size("intermediate_size", "d_ffn", optional=True),
     flag("attention_bias", False)),
    (Kind("L_lin", GATED_DELTANET, _deltanet_states), Kind("L_att", GATED_ATTENTION, caches=kv_caches),
     Kind("L_moe", SPARSE_MOE), Kind("L_mlp", DENSE_MLP), Kind("L", NORMS)),
    layout=_layout, words=WORDS, notes=("qwen3_next",), work=QWEN3_NEXT_WORK,
    extra=(Param("layer_types", (), ANY, positional=False), Param("moe_layers", (), ANY, positional=False)),
)
LAYERS = {c.type_name: c for c in (QWEN3_NEXT,)}
