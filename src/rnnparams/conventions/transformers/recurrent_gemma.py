"""RecurrentGemma (Griffin) as transformers ships it (modeling_recurrent_gemma.py): each decoder layer is
temporal_pre_norm, a temporal block — the recurrent one (linear_y, linear_x, linear_out with biases, a depthwise
conv_1d, the RG-LRU's recurrent_param (d_lru) and its block-diagonal input and recurrent gates (heads, d_block,
d_block) with biases (heads, d_block)) or local attention (q/k/v/o projections, o with a bias) — channel_pre_norm and
the gated MLP (gate/up/down with biases, d_ffn = intermediate_size // 2); the stack follows block_types. Its own
module, imported the first time one of its names is asked for."""

from __future__ import annotations

from collections.abc import Mapping

from ...symbolic import Expr, mul
from ..base import ANY, LayerContext, Param
from ..work import Mixer, Work
from .blocks import (
    CONV,
    D_BLOCK,
    D_CONV,
    D_FFN,
    D_LRU,
    D_MODEL,
    HEAD_DIM,
    HEADS,
    KV_HEADS,
    ONE,
    TOKEN_PRODUCTS,
    WORDS,
    T,
    one_block,
)
from .common import block, flag, size
from .stacks import Kind, stack

GRIFFIN_MIXER = Mixer(conv_roles=CONV, scan_flops=mul(13, D_LRU))
"""The RG-LRU per token and channel (RecurrentGemmaRglru), from its gates' products to h: the two sigmoids (2),
log a = −8·r·softplus(Λ) (2; softplus(Λ) is per channel, not per token), a = exp (1), a² = exp(2·log a) (2), the
gated input x·i (1), √(1 − a²) (2) and x̃ = x·i·√(1 − a²) (1), h = a⊙h + x̃ (2). The gates' block-diagonal products
are weight products (gate_weight)."""
WINDOW_MIXER = Mixer(attention=mul(2, HEADS, HEAD_DIM), window="window")
"""RecurrentGemma's local attention: a query sees at most `window` keys (itself included)."""

_GEMMA_MLP = (
    T("channel_pre_norm.weight", (D_MODEL,), "scale"),
    T("mlp_block.gate_proj.weight", (D_FFN, D_MODEL), "gate_proj"),
    T("mlp_block.gate_proj.bias", (D_FFN,), "bias"),
    T("mlp_block.up_proj.weight", (D_FFN, D_MODEL), "up_proj"),
    T("mlp_block.up_proj.bias", (D_FFN,), "bias"),
    T("mlp_block.down_proj.weight", (D_MODEL, D_FFN), "down_proj"),
    T("mlp_block.down_proj.bias", (D_MODEL,), "bias"),
)
GEMMA_RECURRENT_ARGS = (size("hidden_size", "d_model"), size("lru_width", "d_lru"),
                        size("num_attention_heads", "heads"), size("conv1d_width", "d_conv", 4),
                        size("mlp_width", "d_ffn"))
GEMMA_RECURRENT_TENSORS = (
    T("temporal_pre_norm.weight", (D_MODEL,), "scale"),
    T("temporal_block.linear_y.weight", (D_LRU, D_MODEL), "linear_y"),
    T("temporal_block.linear_y.bias", (D_LRU,), "bias"),
    T("temporal_block.linear_x.weight", (D_LRU, D_MODEL), "linear_x"),
    T("temporal_block.linear_x.bias", (D_LRU,), "bias"),
    T("temporal_block.linear_out.weight", (D_MODEL, D_LRU), "linear_out"),
    T("temporal_block.linear_out.bias", (D_MODEL,), "bias"),
    T("temporal_block.conv_1d.weight", (D_LRU, ONE, D_CONV), "conv_weight"),
    T("temporal_block.conv_1d.bias", (D_LRU,), "conv_bias"),
    T("temporal_block.rg_lru.recurrent_param", (D_LRU,), "recurrent_param"),
    T("temporal_block.rg_lru.input_gate_weight", (HEADS, D_BLOCK, D_BLOCK), "gate_weight"),
    T("temporal_block.rg_lru.input_gate_bias", (HEADS, D_BLOCK), "gate_bias"),
    T("temporal_block.rg_lru.recurrent_gate_weight", (HEADS, D_BLOCK, D_BLOCK), "gate_weight"),
    T("temporal_block.rg_lru.recurrent_gate_bias", (HEADS, D_BLOCK), "gate_bias"),
    *_GEMMA_MLP,
)


def _gemma_block(env: Mapping[str, int]) -> Mapping[str, int]:
    return {"d_block": env["d_lru"] // env["heads"]}


def _gemma_recurrent_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """The convolution keeps the last d_conv - 1 inputs; the RG-LRU its hidden state."""
    return {"conv1d_state": (D_LRU, env["d_conv"] - 1), "rg_lru_state": (D_LRU,)}


def _gemma_attention_caches(env: Mapping[str, int]) -> Mapping[str, tuple[tuple[Expr | int, ...], int | None]]:
    """A sliding-window key and value cache of at most `window` − 1 positions (transformers'
    DynamicSlidingWindowLayer keeps the last window − 1 tokens, fewer before that many, measured after a CPU forward
    with use_cache: the next query attends to them and itself)."""
    return {"key_cache": ((KV_HEADS, HEAD_DIM), env["window"] - 1),
            "value_cache": ((KV_HEADS, HEAD_DIM), env["window"] - 1)}


def _gemma_attention_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """A lone attention layer (no stack to say the context's length) declares its cache full: (kv_heads, window − 1,
    head_dim)."""
    return {name: (dims[0], cap, *dims[1:]) for name, (dims, cap) in _gemma_attention_caches(env).items()
            if cap is not None}


GEMMA_RECURRENT = block("RecurrentGemmaRecurrentLayer", GEMMA_RECURRENT_ARGS, GEMMA_RECURRENT_TENSORS,
                        d_in="d_model", d_out="d_model", words=WORDS, notes=("griffin_recurrent",),
                        derived=_gemma_block, states=_gemma_recurrent_states, work=one_block(GRIFFIN_MIXER))
GEMMA_ATTENTION_ARGS = (size("hidden_size", "d_model"), size("num_attention_heads", "heads"),
                        size("num_key_value_heads", "kv_heads"), size("head_dim", "head_dim"),
                        size("mlp_width", "d_ffn"), flag("attention_bias", False),
                        size("attention_window_size", "window", 2048))
GEMMA_ATTENTION_TENSORS = (
    T("temporal_pre_norm.weight", (D_MODEL,), "scale"),
    T("temporal_block.q_proj.weight", (mul(HEADS, HEAD_DIM), D_MODEL), "query"),
    T("temporal_block.q_proj.bias", (mul(HEADS, HEAD_DIM),), "bias", when="attention_bias"),
    T("temporal_block.k_proj.weight", (mul(KV_HEADS, HEAD_DIM), D_MODEL), "key"),
    T("temporal_block.k_proj.bias", (mul(KV_HEADS, HEAD_DIM),), "bias", when="attention_bias"),
    T("temporal_block.v_proj.weight", (mul(KV_HEADS, HEAD_DIM), D_MODEL), "value"),
    T("temporal_block.v_proj.bias", (mul(KV_HEADS, HEAD_DIM),), "bias", when="attention_bias"),
    T("temporal_block.o_proj.weight", (D_MODEL, mul(HEADS, HEAD_DIM)), "output"),
    T("temporal_block.o_proj.bias", (D_MODEL,), "bias"),
    *_GEMMA_MLP,
)
GEMMA_ATTENTION = block("RecurrentGemmaAttentionLayer", GEMMA_ATTENTION_ARGS, GEMMA_ATTENTION_TENSORS,
                        d_in="d_model", d_out="d_model", notes=("griffin_attention",), words=WORDS,
                        states=_gemma_attention_states, work=one_block(WINDOW_MIXER))
GEMMA_ARGS = (*GEMMA_RECURRENT_ARGS, *(a for a in GEMMA_ATTENTION_ARGS if a not in GEMMA_RECURRENT_ARGS))


def _gemma_layout(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    """(block_types · 100)[:num_layers], as RecurrentGemmaConfig.layers_block_type cycles it."""
    kinds = ctx.cfg("block_types")
    assert isinstance(kinds, tuple)
    pattern = (list(kinds) * 100)[:ctx.int("num_layers")]
    return tuple((0,) if kind == "recurrent" else (1,) for kind in pattern)


GEMMA_STACK = stack("RecurrentGemmaStack", GEMMA_ARGS,
          (Kind("L_rec", GEMMA_RECURRENT_TENSORS, _gemma_recurrent_states),
           Kind("L_att", GEMMA_ATTENTION_TENSORS, caches=_gemma_attention_caches)),
          layout=_gemma_layout, derived=_gemma_block, words=WORDS, notes=("griffin_recurrent", "griffin_attention"),
          extra=(Param("block_types", ("recurrent", "recurrent", "attention"), ANY, positional=False),),
          work=Work(token_products=TOKEN_PRODUCTS, mixers=(("L_rec", GRIFFIN_MIXER), ("L_att", WINDOW_MIXER))))

LAYERS = {c.type_name: c for c in (GEMMA_RECURRENT, GEMMA_ATTENTION, GEMMA_STACK)}
