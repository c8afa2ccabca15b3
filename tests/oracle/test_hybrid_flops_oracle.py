"""`estimate`'s FLOPs per token for transformers 5.24's newer hybrids (issue 18 point 5): FalconH1, NemotronH,
GraniteMoeHybrid and LFM2, against torch's FlopCounterMode on the real model on CPU — a prefill of T ≥ 2 tokens
and the next token's decoding step with the DynamicCache the prefill left (eager attention, the experts' eager
loop; `counted` in test_sequence_estimate_oracle.py). What FlopCounterMode counts, derived from the modeling code:

- weight products (aten.mm, addmm, baddbmm): every projection, the router, the top_k experts a token is routed to
  (the eager loop runs `linear` on the tokens routed to each expert) and the head: exactly 2 × our weight MACs,
  prefill and decoding;
- aten.convolution: the depthwise conv1d of each Mamba-2 mixer (d_inner + 2·groups·d_state channels) and of each
  LFM2 short convolution (hidden_size channels), K taps: the prefill's padded causal_conv1d_fn computes
  max(T, K) + K − 1 positions (the cache pads a prefill shorter than K to K, update_conv_state), the decoding
  step's causal_conv1d_update 2 (the K cached inputs and the new one, unpadded); ours, per token, is channels·K,
  summed here over the real model's Conv1d modules;
- aten.bmm: in a decoding step, mamba2_selective_state_update's y = C·h (mheads·mhead_dim·d_state per Mamba-2
  layer) and eager attention over the cached keys and the new one (2·heads·head_dim per key): ours. The
  Mamba-2 hybrids' prefill runs the chunked SSD scan (mamba2_chunk_scan), not the recurrent form we count, so
  their prefill bmm is not compared; LFM2's is (eager attention multiplies every query by every key, T², before
  the causal mask: we count the Σ t keys a query sees);
- the elementwise work (the Mamba-2 state update, LFM2's gates B⊙x and C⊙conv) is invisible to FlopCounterMode:
  checked against the hand derivations on the Mixers (conventions/transformers/ssm_hybrids.py), evaluated here
  with the real modules' own sizes (num_heads, head_dim, ssm_state_size, hidden_size).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

import rnnparams
from rnnparams.analysis.sequence import prefill_keys

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from test_sequence_estimate_oracle import (  # noqa: E402
    WEIGHT_OPS,
    attention_macs_per_key,
    build,
    counted,
    divisors,
    flags,
    ours,
    run_generated,
    spec,
    total,
)
from test_transformers_oracle import SAVED  # noqa: E402

pytestmark = pytest.mark.oracle
FAMILIES = ("falcon_h1", "nemotron_h", "granitemoehybrid", "lfm2")
TINY: dict[str, dict[str, Any]] = {name: SAVED[name] for name in FAMILIES}
CAUSAL = {name: TINY[name]["architectures"][0] for name in FAMILIES}
CONFIGS = Path(__file__).resolve().parents[1] / "fixtures" / "configs"


def real_sizes(model: Any) -> dict[str, int]:
    """Per token, from the real model's modules: the depthwise convolutions' channels·K (and K), the Mamba-2
    mixers' y = C·h contraction and their state update's elementwise FLOPs (blocks.MAMBA2_MIXER's derivation:
    Δ·B·x and h·dA + Δ·B·x, four per head·head_dim·state; dA = exp(Δ·A), two per head; the skip D⊙x, two per
    head·head_dim), and LFM2's gates (B⊙x, C⊙conv: two per channel)."""
    conv = taps = scan = elementwise = 0
    for module in model.modules():
        if isinstance(module, torch.nn.Conv1d):
            assert module.groups == module.in_channels == module.out_channels  # depthwise
            conv += module.in_channels * module.kernel_size[0]
            taps = max(taps, module.kernel_size[0])
        if hasattr(module, "ssm_state_size") and hasattr(module, "A_log"):  # a Mamba-2 mixer
            h, p, n = module.num_heads, module.head_dim, module.ssm_state_size
            scan += h * p * n
            elementwise += 4 * h * p * n + 2 * h + 2 * h * p
        if type(module).__name__ == "Lfm2ShortConv":
            elementwise += 2 * module.conv.in_channels
    return {"conv": conv, "K": taps, "scan": scan, "elementwise": elementwise}


def check_flops(config: dict[str, Any], steps: int) -> None:
    pre, dec, _, model = counted(config, steps)
    est = ours(config, steps)
    assert est.compute_modelled, est.warnings
    assert sum(pre.get(op, 0) for op in WEIGHT_OPS) == 2 * total(est, "prefill", "weight_macs")
    assert sum(dec.get(op, 0) for op in WEIGHT_OPS) == 2 * total(est, "decode", "weight_macs")
    real = real_sizes(model)
    assert total(est, "decode", "conv_macs") == real["conv"]
    assert total(est, "prefill", "conv_macs") == steps * real["conv"]
    k = real["K"]
    assert pre.get("aten.convolution", 0) == 2 * real["conv"] * (max(steps, k) + k - 1)
    assert dec.get("aten.convolution", 0) == 2 * real["conv"] * 2
    assert total(est, "decode", "scan_macs") == real["scan"]
    assert dec.get("aten.bmm", 0) == 2 * (real["scan"] + total(est, "decode", "attention_macs"))
    per_key = attention_macs_per_key(est)
    assert per_key > 0  # every hybrid drawn here holds attention (a cache of recurrent layers alone has no length)
    assert total(est, "decode", "attention_macs") == per_key * (steps + 1)
    assert total(est, "prefill", "attention_macs") == per_key * prefill_keys(steps, None)
    if not real["scan"]:  # LFM2: no chunked scan, the prefill's bmm is eager attention alone
        assert pre.get("aten.bmm", 0) == 2 * per_key * steps * steps
    assert total(est, "decode", "scan_flops") == real["elementwise"]
    assert total(est, "prefill", "scan_flops") == steps * real["elementwise"]
    for phase in ("prefill", "decode"):
        assert total(est, phase, "flops") == 2 * total(est, phase, "macs") + total(est, phase, "scan_flops")


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("steps", [2, 5])
def test_table_flops(family: str, steps: int) -> None:
    config = dict(TINY[family])
    if family != "nemotron_h":  # NemotronH never ties its head
        config["tie_word_embeddings"] = steps == 5
    check_flops(config, steps)


def test_falcon_h1_with_its_gated_norm_and_multipliers() -> None:
    """mamba_rms_norm (the gated RMSNorm instead of the bare z gate), biases everywhere, explicit μP multipliers and a
    mamba_d_ssm apart from expand·hidden_size: the multipliers are elementwise scalings, not in our FLOPs, and
    change no product."""
    config = {**TINY["falcon_h1"], "mamba_rms_norm": True, "mamba_conv_bias": False, "mamba_proj_bias": True,
              "projectors_bias": True, "attention_bias": True, "mlp_bias": True, "mamba_d_ssm": 24,
              "mamba_n_heads": 6, "mamba_n_groups": 3, "ssm_multipliers": [0.5, 2.0, 0.25, 1.5, 3.0],
              "mlp_multipliers": [0.5, 2.0], "key_multiplier": 0.7, "attention_in_multiplier": 1.3,
              "attention_out_multiplier": 0.9, "ssm_in_multiplier": 1.1, "ssm_out_multiplier": 0.8,
              "embedding_multiplier": 2.0, "lm_head_multiplier": 0.5}
    check_flops(config, 6)


def test_nemotron_h_with_latent_experts() -> None:
    """moe_latent_size: the experts read and write d_latent numbers through fc1/fc2_latent_proj (run in full)."""
    check_flops({**TINY["nemotron_h"], "moe_latent_size": 6, "num_experts_per_tok": 2, "mlp_bias": True}, 4)


def test_nemotron_h_attention_has_no_bias_whatever_the_config_says() -> None:
    """NemotronHAttention's projections are built with bias=False; attention_bias true added 2·(heads + kv_heads)·
    head_dim biases per attention layer to our count (48 here) that the real model does not have."""
    config = {**TINY["nemotron_h"], "attention_bias": True}
    assert rnnparams.count(spec(config)).total_params == sum(p.numel() for p in build(config).parameters())
    check_flops(config, 3)


def test_granite_without_experts() -> None:
    """num_local_experts 0: the shared MLP alone (no router, no experts)."""
    check_flops({**TINY["granitemoehybrid"], "num_local_experts": 0}, 3)


def test_granite_of_one_kind_of_layer() -> None:
    """Every layer attention: the experts stay in the stack's shared kind L (no folding into L_att), and still run
    top_k of them (before, `state` counted every expert of such a stack)."""
    check_flops({**TINY["granitemoehybrid"], "num_hidden_layers": 2, "layer_types": ["attention", "attention"]}, 3)


@pytest.mark.parametrize("family, change", [
    ("granitemoehybrid", {"layer_types": None}),  # the config's default: every layer Mamba-2
    ("lfm2", {"layer_types": ["conv", "conv", "conv"]}),
])
def test_stacks_without_attention_over_a_plain_forward(family: str, change: dict[str, Any]) -> None:
    """A stack without attention cannot run transformers 5.24's cached path (the mask asks the cache for a length
    only attention layers hold): a plain forward of T tokens (no cache) multiplies the weights T times, 2·T × our
    weight MACs per token (`state`'s too), and convolves T + K − 1 padded positions."""
    from torch.utils.flop_counter import FlopCounterMode

    config = {**TINY[family], **change}
    steps = 4
    model = build(config).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randint(0, int(config["vocab_size"]), (1, steps)), use_cache=False)
    ops = {str(k): int(v) for k, v in counter.get_flop_counts()["Global"].items()}
    est = ours(config, steps)
    assert sum(ops.get(op, 0) for op in WEIGHT_OPS) == 2 * total(est, "prefill", "weight_macs")
    assert total(est, "prefill", "weight_macs") == steps * rnnparams.recurrent_state(spec(config)).products_per_token
    real = real_sizes(model)
    assert ops.get("aten.convolution", 0) == 2 * real["conv"] * (steps + real["K"] - 1)
    assert total(est, "decode", "scan_flops") == real["elementwise"]


# --- hypothesis configurations (20 per family) --------------------------------------------------------------------

def _kinds(draw: st.DrawFn, other: str, attention: str) -> list[str]:
    """Layer kinds with at least one attention layer."""
    kinds = draw(st.lists(st.sampled_from([other, attention]), min_size=0, max_size=2))
    kinds.insert(draw(st.integers(0, len(kinds))), attention)
    return kinds


def _attention(draw: st.DrawFn) -> dict[str, int]:
    heads = draw(st.integers(1, 3))
    return {"num_attention_heads": heads, "num_key_value_heads": draw(divisors(heads)),
            "hidden_size": heads * 2 * draw(st.integers(1, 3))}  # an even head_dim (RoPE)


@st.composite
def falcon_h1_configs(draw: st.DrawFn) -> dict[str, Any]:
    mheads, mhead_dim = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return {"model_type": "falcon_h1", **_attention(draw), "vocab_size": draw(st.integers(1, 50)),
            "intermediate_size": draw(st.integers(1, 24)), "num_hidden_layers": draw(st.integers(1, 3)),
            "mamba_d_ssm": mheads * mhead_dim, "mamba_n_heads": mheads,
            "mamba_n_groups": draw(st.sampled_from([g for g in (1, 2, 4) if mheads % g == 0])),
            "mamba_d_state": draw(st.integers(1, 6)), "mamba_d_conv": draw(st.integers(1, 4)),
            "mamba_conv_bias": draw(flags), "mamba_proj_bias": draw(flags), "projectors_bias": draw(flags),
            "mamba_rms_norm": draw(flags), "attention_bias": draw(flags), "mlp_bias": draw(flags),
            "tie_word_embeddings": draw(flags)}


@st.composite
def nemotron_h_configs(draw: st.DrawFn) -> dict[str, Any]:
    mheads = draw(st.integers(1, 4))
    heads = draw(st.integers(1, 3))
    pattern = draw(st.lists(st.sampled_from("M*-E"), min_size=0, max_size=3))
    pattern.insert(draw(st.integers(0, len(pattern))), "*")
    experts = draw(st.integers(2, 4))  # the router's group top-2 needs two experts
    return {"model_type": "nemotron_h", "vocab_size": draw(st.integers(1, 50)), "hidden_size": draw(st.integers(1, 16)),
            "num_attention_heads": heads, "num_key_value_heads": draw(divisors(heads)),
            "head_dim": draw(st.integers(1, 6)), "intermediate_size": draw(st.integers(1, 24)),
            "mamba_num_heads": mheads, "mamba_head_dim": draw(st.integers(1, 4)),
            "n_groups": draw(st.sampled_from([g for g in (1, 2, 4) if mheads % g == 0])),
            "ssm_state_size": draw(st.integers(1, 6)), "conv_kernel": draw(st.integers(1, 4)),
            "hybrid_override_pattern": "".join(pattern), "n_routed_experts": experts,
            "num_experts_per_tok": draw(st.integers(1, experts)), "moe_intermediate_size": draw(st.integers(1, 8)),
            "moe_shared_expert_intermediate_size": draw(st.integers(1, 12)),
            "moe_latent_size": draw(st.one_of(st.none(), st.integers(1, 8))), "use_conv_bias": draw(flags),
            "use_bias": draw(flags), "mlp_bias": draw(flags), "attention_bias": draw(flags)}


@st.composite
def granite_configs(draw: st.DrawFn) -> dict[str, Any]:
    attention = _attention(draw)
    expand = draw(st.integers(1, 2))
    inner = expand * attention["hidden_size"]
    mheads = draw(st.sampled_from([h for h in range(1, min(inner, 6) + 1) if inner % h == 0]))
    kinds = _kinds(draw, "mamba", "attention")
    experts = draw(st.integers(0, 3))
    return {"model_type": "granitemoehybrid", **attention, "vocab_size": draw(st.integers(1, 50)),
            "num_hidden_layers": len(kinds), "layer_types": kinds, "mamba_expand": expand, "mamba_n_heads": mheads,
            "mamba_n_groups": draw(st.sampled_from([g for g in (1, 2, 3) if mheads % g == 0])),
            "mamba_d_state": draw(st.integers(1, 6)), "mamba_d_conv": draw(st.integers(1, 4)),
            "num_local_experts": experts, "num_experts_per_tok": draw(st.integers(1, max(experts, 1))),
            "intermediate_size": draw(st.integers(1, 16)), "shared_intermediate_size": draw(st.integers(1, 16)),
            "mamba_conv_bias": draw(flags), "mamba_proj_bias": draw(flags), "attention_bias": draw(flags),
            "tie_word_embeddings": draw(flags)}


@st.composite
def lfm2_configs(draw: st.DrawFn) -> dict[str, Any]:
    kinds = _kinds(draw, "conv", "full_attention")
    return {"model_type": "lfm2", **_attention(draw), "vocab_size": draw(st.integers(1, 50)),
            "num_hidden_layers": len(kinds), "layer_types": kinds, "intermediate_size": draw(st.integers(2, 32)),
            "block_multiple_of": draw(st.integers(1, 8)), "block_auto_adjust_ff_dim": draw(flags),
            "conv_L_cache": draw(st.integers(1, 4)), "conv_bias": draw(flags), "tie_word_embeddings": draw(flags)}


@pytest.mark.parametrize("strategy", [falcon_h1_configs(), nemotron_h_configs(), granite_configs(), lfm2_configs()],
                         ids=list(FAMILIES))
def test_generated_flops(strategy: Any) -> None:
    run_generated(strategy, CAUSAL, check_flops)


# --- the published LFM2-1.2B config -----------------------------------------------------------------------------

def test_lfm2_1_2b_flops_by_hand() -> None:
    """LiquidAI/LFM2-1.2B (tests/fixtures/configs/lfm2-1.2b.json), derived by hand: d_model 2048, 10 short-convolution
    layers (in_proj 3·2048², out_proj 2048², a conv of 2048 channels × 3 taps, the gates 2·2048 FLOPs), 6 attention
    layers (q and o 2048·2048, k and v 2048·512; 2·32·64 multiply-adds per key), 16 SwiGLU feed-forwards of
    3·8192·2048 and the tied head (65536 × 2048), per token; prefill of T = 100 tokens and the decoding step of
    token 101. `rnnparams state` on it still prints (its weight products per token)."""
    from rnnparams.cli import main

    d, v, ffn, conv, att, t = 2048, 65536, 8192, 10, 6, 100
    products = conv * 4 * d * d + att * (2 * d * d + 2 * d * 512) + (conv + att) * 3 * ffn * d + v * d
    per_token = products + conv * 3 * d
    gates = conv * 2 * d
    per_key = att * 2 * 32 * 64
    path = str(CONFIGS / "lfm2-1.2b.json")
    est = rnnparams.estimate_sequence(path, batch=1, seq_len=t, mode="inference")
    assert est.compute("decode", "macs") == per_token + per_key * (t + 1)
    assert est.compute("decode", "flops") == 2 * (per_token + per_key * (t + 1)) + gates
    assert est.compute("prefill", "flops") == 2 * (t * per_token + per_key * t * (t + 1) // 2) + t * gates
    assert rnnparams.recurrent_state(path).products_per_token == products
    assert main(["state", path]) == 0
    assert main(["estimate", path, "-b", "1", "-T", "100", "--mode", "inference", "--lang", "zh"]) == 0
    data = json.loads(json.dumps(est.to_dict()))
    assert data["compute_modelled"] is True
    assert data["compute"]["decode"]["flops_per_sequence"] == est.compute("decode", "flops")
