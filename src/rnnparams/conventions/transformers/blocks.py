"""The modules of transformers' Mamba models and what every family shares, as `state_dict()` names their tensors
(read off transformers 5.24's modeling files and checked against models it builds on the meta device); RWKV,
RecurrentGemma and xLSTM have their own modules (rwkv.py, recurrent_gemma.py, xlstm.py), and so do the hybrids:

- `MambaBlock` (and `FalconMambaBlock`, the same tensors): `norm` (RMSNorm, d_model) and the selective-SSM
  `mixer` — in_proj (2·d_inner, d_model), a depthwise conv1d (d_inner, 1, d_conv), x_proj (dt_rank + 2·d_state,
  d_inner), dt_proj (d_inner, dt_rank) with bias, A_log (d_inner, d_state), D (d_inner), out_proj (d_model,
  d_inner);
- `Mamba2Block`: in_proj (2·d_inner + 2·groups·d_state + heads, d_model), conv1d over d_inner + 2·groups·d_state
  channels, dt_bias / A_log / D (heads), the gated RMSNorm (d_inner), out_proj;
- the model's `Embedding`, final norms and the language-model head (`Head`, tied to the embedding when
  tie_word_embeddings is true: `named_parameters()` lists the shared tensor once).
"""

from __future__ import annotations

from collections.abc import Mapping

from ...spec import LayerSpec
from ...symbolic import Const, Expr, add, mul
from ..base import Equivalent, LayerPlan, TensorTemplate
from ..equivalents import Built, make_layer
from ..families import Neutral, neutral
from ..work import Mixer, Work
from .common import S, block, flag, size
from .stacks import Kind, stack

T = TensorTemplate
ONE = Const(1)
D_MODEL, D_INNER, D_STATE, D_CONV, DT_RANK = S("d_model"), S("d_inner"), S("d_state"), S("d_conv"), S("dt_rank")
HEADS, GROUPS, HEAD_DIM, V = S("heads"), S("groups"), S("head_dim"), S("V")
D_ATT, D_FFN, D_LRU, D_BLOCK, KV_HEADS = S("d_att"), S("d_ffn"), S("d_lru"), S("d_block"), S("kv_heads")

WORDS: Mapping[str, tuple[str, str]] = {
    "d_model": ("hidden size (hidden_size)", "隐藏维度（hidden_size）"),
    "d_inner": ("inner width of the mixer (intermediate_size = expand·hidden_size)",
                "混合层内部宽度（intermediate_size = expand·hidden_size）"),
    "d_state": ("SSM state size per channel (state_size)", "每个通道的 SSM 状态维数（state_size）"),
    "d_conv": ("width of the depthwise causal convolution (conv_kernel; RecurrentGemma: conv1d_width)",
               "深度因果卷积的宽度（conv_kernel；RecurrentGemma 为 conv1d_width）"),
    "dt_rank": ("rank of the Δ projection (time_step_rank, ⌈hidden_size/16⌉ when \"auto\")",
                "Δ 投影的秩（time_step_rank，取 \"auto\" 时为 ⌈hidden_size/16⌉）"),
    "heads": ("number of heads (num_heads / num_attention_heads)", "头数（num_heads / num_attention_heads）"),
    "groups": ("number of B/C groups (n_groups)", "B/C 分组数（n_groups）"),
    "head_dim": ("size of one head (head_dim)", "每个头的维度（head_dim）"),
    "V": ("vocabulary size (vocab_size)", "词表大小（vocab_size）"),
    "d_att": ("width of RWKV's time mixing (attention_hidden_size)", "RWKV 时间混合的宽度（attention_hidden_size）"),
    "d_ffn": ("width of the feed-forward / channel mixing (intermediate_size; RecurrentGemma: half of it)",
              "前馈（通道混合）宽度（intermediate_size；RecurrentGemma 取其一半）"),
    "d_lru": ("width of the RG-LRU recurrence (lru_width)", "RG-LRU 循环的宽度（lru_width）"),
    "d_block": ("width of one block of the RG-LRU gates (lru_width // num_attention_heads)",
                "RG-LRU 门的每个分块宽度（lru_width // num_attention_heads）"),
    "kv_heads": ("number of key/value heads (num_key_value_heads)", "键/值头数（num_key_value_heads）"),
    "d_qk": ("width of the mLSTM's queries and keys (int(hidden_size·qk_dim_factor))",
             "mLSTM 查询与键的宽度（int(hidden_size·qk_dim_factor)）"),
    "d_v": ("width of the mLSTM's values (int(hidden_size·v_dim_factor))",
            "mLSTM 值的宽度（int(hidden_size·v_dim_factor)）"),
    "d_vh": ("width of one head's values (d_v // heads)", "每个头的值宽度（d_v // heads）"),
    "d_qkh": ("width of one head's queries and keys (d_qk // heads)", "每个头的查询与键宽度（d_qk // heads）"),
    "window": ("local attention window (attention_window_size)", "局部注意力窗口（attention_window_size）"),
    "L": ("number of blocks (num_hidden_layers)", "块数（num_hidden_layers）"),
    "L_rec": ("number of recurrent layers (the \"recurrent\" entries of block_types, cycled to num_hidden_layers)",
              "循环层数（block_types 中的 \"recurrent\"，循环铺满 num_hidden_layers）"),
    "L_att": ("number of local-attention layers (the \"attention\" entries of block_types)",
              "局部注意力层数（block_types 中的 \"attention\"）"),
}

ROLES: Mapping[str, tuple[str, str]] = {
    "in_proj": ("Input projection (to the SSM branch x and the gate z; Mamba-2 also B, C and Δ)",
                "输入投影（到 SSM 分支 x 与门 z；Mamba-2 还投影出 B、C 和 Δ）"),
    "conv_weight": ("Depthwise causal convolution", "深度因果卷积"),
    "conv_bias": ("Convolution bias", "卷积偏置"),
    "x_proj": ("Selection projection (Δ of rank dt_rank, B and C of d_state each)",
               "选择投影（秩为 dt_rank 的 Δ，以及各为 d_state 的 B 和 C）"),
    "dt_proj": ("Δ projection (dt_rank back to d_inner)", "Δ 投影（从 dt_rank 升回 d_inner）"),
    "dt_bias": ("Δ bias", "Δ 偏置"),
    "ssm_a_log": ("State matrix A, stored as log(−A)", "状态矩阵 A（以 log(−A) 存储）"),
    "ssm_skip": ("Skip connection D", "跳连参数 D"),
    "out_proj": ("Output projection", "输出投影"),
    "time_decay": ("Time decay w (per channel)", "时间衰减 w（每通道）"),
    "time_first": ("Bonus u for the current token (per channel)", "当前词的加成 u（每通道）"),
    "time_mix": ("Token-shift mixing coefficients", "词移位混合系数"),
    "key": ("Key projection", "键投影"),
    "value": ("Value projection", "值投影"),
    "receptance": ("Receptance projection", "接受度（receptance）投影"),
    "output": ("Output projection", "输出投影"),
    "query": ("Query projection", "查询投影"),
    "linear_y": ("Gate branch projection (linear_y)", "门控分支投影（linear_y）"),
    "linear_x": ("Recurrent branch projection (linear_x)", "循环分支投影（linear_x）"),
    "linear_out": ("Output projection (linear_out)", "输出投影（linear_out）"),
    "recurrent_param": ("RG-LRU decay parameter Λ (per channel)", "RG-LRU 衰减参数 Λ（每通道）"),
    "gate_weight": ("RG-LRU input and recurrence gates (block-diagonal, one block per head)",
                    "RG-LRU 输入门与循环门（分块对角，每个头一块）"),
    "gate_bias": ("RG-LRU gate biases", "RG-LRU 门偏置"),
    "gate_proj": ("MLP gate projection", "MLP 门投影"),
    "up_proj": ("MLP up projection", "MLP 升维投影"),
    "down_proj": ("MLP down projection", "MLP 降维投影"),
    "output_gate": ("Output gate projection", "输出门投影"),
    "input_gate": ("Input gate (one per head, with bias)", "输入门（每头一个，带偏置）"),
    "forget_gate": ("Forget gate (one per head, with bias)", "遗忘门（每头一个，带偏置）"),
    "qkv_o": ("Fused q, k, v and output-gate projection (weight_mode \"fused\")",
              "融合的 q、k、v 与输出门投影（weight_mode 为 \"fused\"）"),
    "if_gates": ("Fused input and forget gates (weight_mode \"fused\")",
                 "融合的输入门与遗忘门（weight_mode 为 \"fused\"）"),
    "xlstm_block": ("An xLSTM (mLSTM) block as transformers ships it: RMSNorm, the mLSTM layer (q, k of d_qk = "
                    "int(hidden_size·qk_dim_factor), v and the output gate of d_v = int(hidden_size·v_dim_factor), "
                    "input and forget gates with biases, one per head, a per-head norm and out_proj), RMSNorm and a "
                    "gated feed-forward of d_ffn = hidden_size·ffn_proj_factor rounded up to "
                    "ffn_round_up_to_multiple_of. tie_word_embeddings does not tie this model's head.",
                    "transformers 中的 xLSTM（mLSTM）块：RMSNorm、mLSTM 层（q、k 宽 "
                    "d_qk = int(hidden_size·qk_dim_factor)，"
                    "v 与输出门宽 d_v = int(hidden_size·v_dim_factor)，输入门和遗忘门每头一个且带偏置，按头归一化，"
                    "out_proj）、RMSNorm 以及门控前馈层（d_ffn 为 hidden_size·ffn_proj_factor 向上取整到 "
                    "ffn_round_up_to_multiple_of 的倍数）。tie_word_embeddings 不会绑定这个模型的输出头。"),
    "head": ("Language-model head (its own matrix: tie_word_embeddings is false)",
             "语言模型输出头（独立矩阵：tie_word_embeddings 为 false）"),
    "mamba_block": ("A Mamba block is a pre-norm (RMSNorm) around the selective-SSM mixer; per block: "
                    "3·d_inner·d_model (in_proj and out_proj) + d_inner·(dt_rank + 2·d_state) (x_proj) + "
                    "d_inner·dt_rank + d_inner (dt_proj) + d_inner·d_state (A_log) + d_inner (D) + d_inner·d_conv "
                    "+ d_inner (conv1d) + d_model (norm). The recurrent state per sequence is d_inner·d_conv "
                    "(convolution) + d_inner·d_state (SSM) numbers.",
                    "Mamba 块是选择性 SSM 混合层外加前置 RMSNorm；每块参数为 3·d_inner·d_model（in_proj 与 "
                    "out_proj）+ d_inner·(dt_rank + 2·d_state)（x_proj）+ d_inner·dt_rank + d_inner（dt_proj）+ "
                    "d_inner·d_state（A_log）+ d_inner（D）+ d_inner·d_conv + d_inner（conv1d）+ d_model（norm）。"
                    "每个序列的循环状态为 d_inner·d_conv（卷积）+ d_inner·d_state（SSM）个数。"),
    "mamba2_block": ("Mamba-2's in_proj emits z and x (d_inner each), B and C (groups·d_state each) and Δ "
                     "(one per head) at once; the convolution runs over x, B and C; A, D and Δ's bias are one "
                     "number per head; a gated RMSNorm (d_inner) precedes out_proj. The state per sequence is "
                     "(d_inner + 2·groups·d_state)·d_conv + heads·head_dim·d_state numbers.",
                     "Mamba-2 的 in_proj 一次输出 z 与 x（各 d_inner）、B 与 C（各 groups·d_state）以及 Δ（每头一个）；"
                     "卷积作用于 x、B、C；A、D 与 Δ 的偏置每个头只有一个数；out_proj 前有门控 RMSNorm（d_inner）。"
                     "每个序列的状态为 (d_inner + 2·groups·d_state)·d_conv + heads·head_dim·d_state 个数。"),
    "rwkv_block": ("An RWKV-4 block: time mixing (key, value, receptance d_att × d_model, output d_model × d_att, "
                   "decay and bonus per channel) and channel mixing (key d_ffn × d_model, value d_model × d_ffn, "
                   "receptance d_model × d_model), each after a LayerNorm; block 0 also has pre_ln. No projection "
                   "has a bias.",
                   "RWKV-4 块：时间混合（key、value、receptance 为 d_att × d_model，output 为 d_model × d_att，"
                   "每通道的衰减与加成）和通道混合（key 为 d_ffn × d_model，value 为 d_model × d_ffn，receptance 为 "
                   "d_model × d_model），各自前面有 LayerNorm；第 0 块另有 pre_ln。所有投影都没有偏置。"),
    "griffin_recurrent": ("A Griffin recurrent layer: two branches of width d_lru from d_model (linear_y, linear_x), "
                          "a depthwise convolution and the RG-LRU on one, their product projected back "
                          "(linear_out); the RG-LRU gates are block-diagonal (heads blocks of d_block × d_block), "
                          "then the gated MLP (d_ffn = intermediate_size // 2).",
                          "Griffin 循环层：从 d_model 分出两个宽 d_lru 的分支（linear_y、linear_x），"
                          "其中一支经深度卷积和 RG-LRU，两支相乘后投影回去（linear_out）；"
                          "RG-LRU 的门是分块对角的（heads 块，每块 d_block × d_block），"
                          "之后是门控 MLP（d_ffn = intermediate_size // 2）。"),
    "griffin_attention": ("A Griffin local-attention layer: multi-query attention over a window of "
                          "attention_window_size tokens (q: heads·head_dim, k and v: kv_heads·head_dim; only o has "
                          "a bias unless attention_bias), then the gated MLP.",
                          "Griffin 局部注意力层：在 attention_window_size 个词的窗口内做多查询注意力（q 为 "
                          "heads·head_dim，k 与 v 为 kv_heads·head_dim；除非 attention_bias，只有 o 有偏置），"
                          "之后是门控 MLP。"),
}
"""Words of the roles (explain's tensor groups) and of the blocks' notes."""
WORDS = {**WORDS, **ROLES}

TOKEN_PRODUCTS = frozenset({
    "in_proj", "x_proj", "dt_proj", "out_proj", "key", "value", "receptance", "output", "query", "linear_y",
    "linear_x", "linear_out", "gate_weight", "gate_proj", "up_proj", "down_proj", "head", "output_gate",
    "input_gate", "forget_gate", "qkv_o", "if_gates", "router"})
PRODUCTS = Work(token_products=TOKEN_PRODUCTS)
"""The roles of the weights a decoding step multiplies once per token (every projection, a router and the head;
not the depthwise convolution, the SSM update, attention over the cache or an embedding lookup)."""
CONV = frozenset({"conv_weight"})
MAMBA_MIXER = Mixer(conv_roles=CONV, scan_macs=mul(D_INNER, D_STATE),
                    scan_flops=add(mul(6, D_INNER, D_STATE), mul(2, D_INNER)))
"""transformers' mamba_selective_scan / mamba_selective_state_update, per token and channel·state: Ā = exp(Δ·A) (2),
B̄x = Δ·B·x (2), h = Ā⊙h + B̄x (2); y = C·h is a contraction (d_inner·d_state MACs); the skip y + D⊙x (2 per
channel)."""
MAMBA2_MIXER = Mixer(conv_roles=CONV, scan_macs=mul(HEADS, HEAD_DIM, D_STATE),
                     scan_flops=add(mul(4, HEADS, HEAD_DIM, D_STATE), mul(2, HEADS), mul(2, HEADS, HEAD_DIM)))
"""Mamba-2's state update per token (torch_forward's recurrent step): dA = exp(Δ·A) per head (2), Δ·B·x (2) and
h = h·dA + Δ·B·x (2) per head·head_dim·state, y = C·h a contraction (heads·head_dim·d_state MACs), the skip
D⊙x (2 per head·head_dim)."""
ATTENTION_MIXER = Mixer(attention=mul(2, HEADS, HEAD_DIM))
"""Grouped-query attention: per query and key, q·k and weight·v over heads·head_dim."""
_MAMBA_ARGS = (size("hidden_size", "d_model"), size("intermediate_size", "d_inner"), size("state_size", "d_state"),
               size("conv_kernel", "d_conv", 4), size("time_step_rank", "dt_rank"), flag("use_bias", False),
               flag("use_conv_bias", True))
_MAMBA_TENSORS = (
    T("norm.weight", (D_MODEL,), "scale"),
    T("mixer.A_log", (D_INNER, D_STATE), "ssm_a_log"),
    T("mixer.D", (D_INNER,), "ssm_skip"),
    T("mixer.conv1d.weight", (D_INNER, ONE, D_CONV), "conv_weight"),
    T("mixer.conv1d.bias", (D_INNER,), "conv_bias", when="use_conv_bias"),
    T("mixer.in_proj.weight", (mul(2, D_INNER), D_MODEL), "in_proj"),
    T("mixer.in_proj.bias", (mul(2, D_INNER),), "bias", when="use_bias"),
    T("mixer.x_proj.weight", (add(DT_RANK, mul(2, D_STATE)), D_INNER), "x_proj"),
    T("mixer.dt_proj.weight", (D_INNER, DT_RANK), "dt_proj"),
    T("mixer.dt_proj.bias", (D_INNER,), "dt_bias"),
    T("mixer.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
    T("mixer.out_proj.bias", (D_MODEL,), "bias", when="use_bias"),
)


def _mamba_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    return {"conv_state": (D_INNER, D_CONV), "ssm_state": (D_INNER, D_STATE)}


def one_block(mixer: Mixer) -> Work:
    """A block written as a call (`transformers.MambaBlock(...)`): the work of one of its stack's blocks, the mixer
    on the block's own tensors (kind None)."""
    return Work(token_products=TOKEN_PRODUCTS, mixers=((None, mixer),))


MAMBA = block("MambaBlock", _MAMBA_ARGS, _MAMBA_TENSORS, d_in="d_model", d_out="d_model", states=_mamba_states,
              words=WORDS, notes=("mamba_block",), work=one_block(MAMBA_MIXER))
FALCON_MAMBA = block("FalconMambaBlock", _MAMBA_ARGS, _MAMBA_TENSORS, d_in="d_model", d_out="d_model",
                     states=_mamba_states, words=WORDS, notes=("mamba_block",), work=one_block(MAMBA_MIXER))

_CONV_DIM = add(D_INNER, mul(2, GROUPS, D_STATE))
MAMBA2_ARGS = (size("hidden_size", "d_model"), size("intermediate_size", "d_inner"), size("state_size", "d_state"),
               size("conv_kernel", "d_conv", 4), size("num_heads", "heads"), size("head_dim", "head_dim"),
               size("n_groups", "groups", 1), flag("use_bias", False), flag("use_conv_bias", True))
MAMBA2_TENSORS = (
    T("norm.weight", (D_MODEL,), "scale"),
    T("mixer.dt_bias", (HEADS,), "dt_bias"),
    T("mixer.A_log", (HEADS,), "ssm_a_log"),
    T("mixer.D", (HEADS,), "ssm_skip"),
    T("mixer.conv1d.weight", (_CONV_DIM, ONE, D_CONV), "conv_weight"),
    T("mixer.conv1d.bias", (_CONV_DIM,), "conv_bias", when="use_conv_bias"),
    T("mixer.in_proj.weight", (add(mul(2, D_INNER), mul(2, GROUPS, D_STATE), HEADS), D_MODEL), "in_proj"),
    T("mixer.in_proj.bias", (add(mul(2, D_INNER), mul(2, GROUPS, D_STATE), HEADS),), "bias", when="use_bias"),
    T("mixer.norm.weight", (D_INNER,), "scale"),
    T("mixer.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
    T("mixer.out_proj.bias", (D_MODEL,), "bias", when="use_bias"),
)


def _mamba2_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    return {"conv_state": (_CONV_DIM, D_CONV), "ssm_state": (HEADS, HEAD_DIM, D_STATE)}


MAMBA2 = block("Mamba2Block", MAMBA2_ARGS, MAMBA2_TENSORS, d_in="d_model", d_out="d_model", words=WORDS,
               notes=("mamba2_block",), states=_mamba2_states, work=one_block(MAMBA2_MIXER))


def kv_caches(env: Mapping[str, int]) -> Mapping[str, tuple[tuple[Expr | int, ...], int | None]]:
    """Full attention's cache (transformers' DynamicLayer): the keys and the values of every token of the context,
    kv_heads·head_dim numbers each per token (measured after a CPU forward with use_cache)."""
    return {"key_cache": ((KV_HEADS, HEAD_DIM), None), "value_cache": ((KV_HEADS, HEAD_DIM), None)}


EMBEDDING = block("Embedding", (size("num_embeddings", "V"), size("embedding_dim", "E")),
                  (T("weight", (V, S("E")), "embedding"),), d_in="V", d_out="E", words=WORDS, work=PRODUCTS,
                  reads_tokens=True)
RMS_NORM = block("RMSNorm", (size("hidden_size", "d_model"),), (T("weight", (D_MODEL,), "scale"),),
                 d_in="d_model", d_out="d_model", words=WORDS, work=PRODUCTS)
LAYER_NORM = block("LayerNorm", (size("hidden_size", "d_model"),),
                   (T("weight", (D_MODEL,), "scale"), T("bias", (D_MODEL,), "shift")), d_in="d_model",
                   d_out="d_model", words=WORDS, work=PRODUCTS)
HEAD = block("Head", (size("hidden_size", "d_model"), size("vocab_size", "V")),
             (T("weight", (V, D_MODEL), "head"),), d_in="d_model", d_out="V", words=WORDS, work=PRODUCTS)

LAYERS = {c.type_name: c for c in (EMBEDDING, MAMBA, FALCON_MAMBA, MAMBA2, RMS_NORM, LAYER_NORM, HEAD)}


def _read_mamba(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    roles = {t.role for t in plan.tensors}
    return neutral("mamba", d_model=b["d_model"], d_inner=b["d_inner"], d_state=b["d_state"], d_conv=b["d_conv"],
                   dt_rank=b["dt_rank"], layers=b["L"], bias="bias" in roles, conv_bias="conv_bias" in roles)


def _write_mamba(n: Neutral) -> Built:
    return (make_layer(LAYERS, "MambaStack", hidden_size=n.int("d_model"), intermediate_size=n.int("d_inner"),
                       state_size=n.int("d_state"), conv_kernel=n.int("d_conv"), time_step_rank=n.int("dt_rank"),
                       use_bias=bool(n.get("bias")), use_conv_bias=bool(n.get("conv_bias")),
                       num_layers=n.int("layers")),), None


MAMBA_WORK = Work(token_products=TOKEN_PRODUCTS, mixers=(("L", MAMBA_MIXER),))
_MAMBA_FIELDS = ("d_model", "d_inner", "d_state", "d_conv", "dt_rank", "layers", "bias", "conv_bias")
STACKS = (
    stack("MambaStack", _MAMBA_ARGS, (Kind("L", _MAMBA_TENSORS, _mamba_states),), words=WORDS,
          notes=("mamba_block",), equivalent=Equivalent(_read_mamba, {"mamba": _MAMBA_FIELDS}, _write_mamba),
          work=MAMBA_WORK),
    stack("FalconMambaStack", _MAMBA_ARGS, (Kind("L", _MAMBA_TENSORS, _mamba_states),), words=WORDS,
          notes=("mamba_block",), equivalent=Equivalent(_read_mamba), work=MAMBA_WORK),
    stack("Mamba2Stack", MAMBA2_ARGS, (Kind("L", MAMBA2_TENSORS, _mamba2_states),), words=WORDS,
          notes=("mamba2_block",), work=Work(token_products=TOKEN_PRODUCTS, mixers=(("L", MAMBA2_MIXER),))),
)
LAYERS.update({c.type_name: c for c in STACKS})
