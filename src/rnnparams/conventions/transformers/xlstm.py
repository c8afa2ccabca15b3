"""xLSTM as transformers ships it (`xLSTMStack`, modeling_xlstm.py: mLSTM blocks only): RMSNorm, the mLSTM layer
(q, k of d_qk, v and the output gate of d_v, input and forget gates with biases, one per head, a per-head norm and
out_proj, or their fused forms under weight_mode "fused"), RMSNorm and a gated feed-forward. Its own module,
imported the first time its name is asked for."""

from __future__ import annotations

from collections.abc import Mapping

from ...symbolic import Expr, add, mul
from ..base import TensorTemplate
from ..work import Mixer, Work
from .blocks import D_FFN, D_MODEL, HEADS, ONE, TOKEN_PRODUCTS, WORDS, T
from .common import S, flag, size
from .stacks import Kind, stack

D_QK, D_V, D_VH, D_QKH = S("d_qk"), S("d_v"), S("d_vh"), S("d_qkh")
XLSTM_MIXER = Mixer(scan_macs=mul(HEADS, add(mul(2, D_QKH, D_VH), D_QKH)),
                    scan_flops=mul(HEADS, add(mul(3, D_QKH, D_VH), mul(4, D_QKH), D_VH, 13)))
"""transformers' mLSTM step (mlstm_recurrent_step_native, which native_sequence__native loops over a prefill shorter
than chunk_size), per head of d_qkh query/key and d_vh value features: the contractions k·vᵀ (d_qkh·d_vh, a matmul),
q·C (d_qkh·d_vh) and q·n (d_qkh); elementwise, per head, logsigmoid(f) (1), m' = max(log f + m, i) (2),
f' = exp(log f + m − m') (3), i' = exp(i − m') (2), exp(−m') (2), max(|q·n|, exp(−m')) + ε (3): 13; q·d_qkh^−½ (d_qkh),
n' = f'·n + i'·k (3·d_qkh), h = h_num / denominator (d_vh), C' = f'·C + i'·(k·vᵀ) (3·d_qkh·d_vh). The gates' soft cap,
the multi-head norm and the output gate are not counted."""
XLSTM_ARGS = (size("hidden_size", "d_model"), size("num_heads", "heads"), size("qk_dim", "d_qk"),
              size("v_dim", "d_v"), size("up_proj_dim", "d_ffn"), flag("single", True), flag("fused", False),
              flag("use_bias", False), flag("single_use_bias", False), flag("fused_use_bias", False))


def _xlstm_linear(name: str, out: Expr, role: str, mode: str, bias: str | None = "use_bias",
                  d_in: Expr = D_MODEL) -> tuple[TensorTemplate, ...]:
    weight = T(f"{name}.weight", (out, d_in), role, when=mode)
    if bias is None:
        return (weight, T(f"{name}.bias", (out,), "bias", when=mode))
    return (weight, T(f"{name}.bias", (out,), "bias", when=f"{mode}_{bias}"))


XLSTM_TENSORS = (
    T("norm_mlstm.weight", (D_MODEL,), "scale"), T("norm_mlstm.bias", (D_MODEL,), "shift", when="use_bias"),
    *_xlstm_linear("mlstm_layer.q", D_QK, "query", "single"),
    *_xlstm_linear("mlstm_layer.k", D_QK, "key", "single"),
    *_xlstm_linear("mlstm_layer.v", D_V, "value", "single"),
    *_xlstm_linear("mlstm_layer.ogate_preact", D_V, "output_gate", "single"),
    *_xlstm_linear("mlstm_layer.igate_preact", HEADS, "input_gate", "single", bias=None),
    *_xlstm_linear("mlstm_layer.fgate_preact", HEADS, "forget_gate", "single", bias=None),
    *_xlstm_linear("mlstm_layer.qkv_opreact", add(mul(2, D_QK), mul(2, D_V)), "qkv_o", "fused"),
    *_xlstm_linear("mlstm_layer.ifgate_preact", mul(2, HEADS), "if_gates", "fused", bias=None),
    T("mlstm_layer.multihead_norm.weight", (mul(HEADS, D_VH),), "scale"),
    T("mlstm_layer.multihead_norm.bias", (mul(HEADS, D_VH),), "shift", when="use_bias"),
    T("mlstm_layer.out_proj.weight", (D_MODEL, D_V), "out_proj"),
    T("mlstm_layer.out_proj.bias", (D_MODEL,), "bias", when="use_bias"),
    T("norm_ffn.weight", (D_MODEL,), "scale"), T("norm_ffn.bias", (D_MODEL,), "shift", when="use_bias"),
    *_xlstm_linear("ffn.proj_up_gate", D_FFN, "gate_proj", "single"),
    *_xlstm_linear("ffn.proj_up", D_FFN, "up_proj", "single"),
    *_xlstm_linear("ffn.proj_up_gate_z", mul(2, D_FFN), "up_proj", "fused"),
    T("ffn.proj_down.weight", (D_MODEL, D_FFN), "down_proj"),
    T("ffn.proj_down.bias", (D_MODEL,), "bias", when="use_bias"),
)


def _xlstm_derived(env: Mapping[str, int]) -> Mapping[str, int]:
    return {"d_vh": env["d_v"] // env["heads"]}


def _xlstm_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """The mLSTM's state per layer: the matrix memory C (heads, d_qk/heads, d_v/heads), the normalizer n and
    the stabilizer m."""
    return {"C": (HEADS, S("d_qkh"), D_VH), "n": (HEADS, S("d_qkh")), "m": (HEADS, ONE)}


XLSTM_STACK = stack("xLSTMStack", XLSTM_ARGS, (Kind("L", XLSTM_TENSORS, _xlstm_states),),
                    derived=lambda env: {**_xlstm_derived(env), "d_qkh": env["d_qk"] // env["heads"]}, words=WORDS,
                    notes=("xlstm_block",), work=Work(token_products=TOKEN_PRODUCTS, mixers=(("L", XLSTM_MIXER),)))

LAYERS = {XLSTM_STACK.type_name: XLSTM_STACK}
