"""FLOPs per token of the shared-block hybrids (Zamba, Zamba2) and of Qwen3-Next's gated DeltaNet hybrid (issue 18
point 5) against transformers 5.24 on CPU, in the style of test_sequence_estimate_oracle.py: torch's FlopCounterMode
on a real prefill over T ≥ 2 tokens and on the next token's decoding step (eager attention, the experts' eager loop),
table cases and 20 hypothesis configurations per family. What FlopCounterMode counts, derived from the modeling code:

- weight products (aten.mm, addmm): 2 × our weight MACs — a shared transformer block (held once, or once per
  num_mem_blocks) counted at each of the L_hyb hybrid layers that run it (`Mixer.applied`), each hybrid layer's own
  adapter, never those of the other uses — except Zamba's per-head x_proj and dt_proj, which ZambaMambaMixer
  multiplies as batched products (`x_proj_weight[:, None] @ hidden_states`: aten.bmm), whose MACs per token are
  their weights' elements, read here off the real model;
- the depthwise convolution (aten.convolution): a prefill convolves max(T, K) inputs padded by K − 1 (the cache's
  update_conv_state pads a short prefill to K), a step the K cached inputs and the new one (2 positions);
- aten.bmm: eager attention multiplies every query by every key in a prefill (T², the causal mask applied after) and
  the decoding query by the cached keys and itself (ours); Zamba's scan y = C·h per step (our scan MACs) and its
  x_proj, dt_proj; Zamba2's decoding step y = C·h (torch.bmm in mamba2_selective_state_update; its prefill is the
  chunked SSD, padded to chunk_size: not compared); Qwen3-Next's prefill runs torch_chunk_gated_delta_rule, whose
  products per value head and chunk of 64 are derived below (`chunked_delta_rule_macs`), and its decoding step the
  recurrent rule, written as products and sums (`(S * k).sum(-2)`): elementwise to FlopCounterMode, so its
  decode bmm is attention's alone;
- the state updates' elementwise FLOPs are invisible to FlopCounterMode: they are the hand derivations on the
  Mixer declarations (shared_hybrids.ZAMBA_WORK, ZAMBA2_WORK, delta_hybrids.GATED_DELTA_RULE), checked besides op
  by op (a TorchDispatchMode over the decoding step's state-update function: one FLOP per number an arithmetic op
  writes, a sum one per number it reads) with what the function computes besides our count derived from its code.

flash-linear-attention is installed beside transformers (the `fla` block package), so transformers binds Qwen3-Next's
gated delta rule to fla's Triton kernels, which need a GPU driver: the tests run the reference PyTorch functions
the decorators wrap (`inspect.unwrap`), the CPU path transformers falls back to without fla.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

import rnnparams
from rnnparams.analysis.sequence import prefill_keys

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
from test_sequence_estimate_oracle import (  # noqa: E402
    WEIGHT_OPS,
    attention_macs_per_key,
    build,
    counted,
    divisors,
    ours,
    run_generated,
    spec,
    total,
)
from test_transformers_oracle import CAUSAL, HYBRID_TINY  # noqa: E402

pytestmark = pytest.mark.oracle
CONFIGS = Path(__file__).parent.parent / "fixtures" / "configs"
FAMILIES = ("zamba", "zamba2", "qwen3_next")
CHUNK = 64
"""torch_chunk_gated_delta_rule's chunk_size (Qwen3NextGatedDeltaNet calls it with the default)."""
flags = st.booleans()


@pytest.fixture(autouse=True)
def torch_delta_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers.models.qwen3_next import modeling_qwen3_next as m

    for name in ("torch_chunk_gated_delta_rule", "torch_recurrent_gated_delta_rule"):
        monkeypatch.setattr(m, name, inspect.unwrap(getattr(m, name)))


def batched_weight_macs(model: Any) -> int:
    """Zamba's per-head x_proj and dt_proj per token: a batched matrix-vector product per head, as many MACs as the
    weights have elements (every layer runs a Mamba mixer: the hybrid layers' mamba_decoder too)."""
    return sum(p.numel() for n, p in model.named_parameters() if n.endswith(("x_proj_weight", "dt_proj_weight")))


def chunked_delta_rule_macs(config: Any, steps: int, layers: int) -> int:
    """torch_chunk_gated_delta_rule's matrix products over a prefill of `steps` tokens, padded to n chunks of C = 64,
    per value head (q and k repeated to the value heads): k_β·kᵀ and q·kᵀ per chunk (C²·d_k each), then per chunk
    k_cumdecay·S and q·S (C·d_k·d_v each), intra·v_new (C²·d_v) and kᵀ·v_new (d_k·C·d_v)."""
    d_k, d_v, heads = config.linear_key_head_dim, config.linear_value_head_dim, config.linear_num_value_heads
    chunks = -(-steps // CHUNK)
    per_head = chunks * (2 * CHUNK * CHUNK * d_k + 3 * CHUNK * d_k * d_v + CHUNK * CHUNK * d_v)
    return layers * heads * per_head


def check_flops(config: dict[str, Any], steps: int) -> None:
    pre, dec, _, model = counted(config, steps)
    est = ours(config, steps)
    family = config["model_type"]
    # held once in count and memory: the model's distinct parameters (tied blocks and head counted once)
    assert rnnparams.count(spec(config)).total_params == sum(p.numel() for p in model.parameters())
    batched = batched_weight_macs(model) if family == "zamba" else 0
    assert sum(pre.get(op, 0) for op in WEIGHT_OPS) == 2 * (total(est, "prefill", "weight_macs") - steps * batched)
    assert sum(dec.get(op, 0) for op in WEIGHT_OPS) == 2 * (total(est, "decode", "weight_macs") - batched)
    k = model.config.linear_conv_kernel_dim if family == "qwen3_next" else model.config.mamba_d_conv
    conv = total(est, "decode", "conv_macs")
    assert pre.get("aten.convolution", 0) == 2 * conv * (max(steps, k) + k - 1)
    assert dec.get("aten.convolution", 0) == 2 * conv * 2
    per_key = attention_macs_per_key(est)
    attention_d = total(est, "decode", "attention_macs")
    seen_scan = 0 if family == "qwen3_next" else total(est, "decode", "scan_macs")  # the delta rule: mul and sum
    assert dec.get("aten.bmm", 0) == 2 * (batched + seen_scan + attention_d)
    if family == "zamba":
        assert pre.get("aten.bmm", 0) == 2 * (steps * batched + total(est, "prefill", "scan_macs")
                                              + per_key * steps * steps)
    elif family == "qwen3_next":
        linear = list(model.config.layer_types).count("linear_attention")
        assert pre.get("aten.bmm", 0) == 2 * (chunked_delta_rule_macs(model.config, steps, linear)
                                              + per_key * steps * steps)
    assert total(est, "prefill", "attention_macs") == per_key * prefill_keys(steps, None)
    for phase in ("prefill", "decode"):
        assert total(est, phase, "flops") == 2 * total(est, phase, "macs") + total(est, phase, "scan_flops")
    # `rnnparams state` sums the same weight products per token, from the same mixers
    assert est.state.products_per_token == total(est, "decode", "weight_macs")


FAST_SSD = {"chunk_size": 8}
"""Zamba2's chunked prefill pads to chunk_size (256 by default): a small one keeps the CPU runs short (the prefill's
bmm is not compared; nothing we count depends on it)."""


def tiny(family: str, **change: Any) -> dict[str, Any]:
    return {**HYBRID_TINY[family], "architectures": [CAUSAL[family]], **(FAST_SSD if family == "zamba2" else {}),
            **change}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("steps", [2, 5])
def test_table_flops(family: str, steps: int) -> None:
    check_flops(tiny(family, tie_word_embeddings=steps == 5), steps)


@pytest.mark.parametrize(("family", "change"), [
    # untied: every hybrid layer holds a block and the adapters of all its block number's uses (n_adapters), runs one
    ("zamba2", {"tie_word_embeddings": False}),
    ("zamba2", {"use_shared_attention_adapter": False, "num_mem_blocks": 1, "use_mem_rope": True}),
    ("zamba", {"tie_word_embeddings": False, "num_key_value_heads": 2}),
    ("qwen3_next", {"num_experts_per_tok": 2, "attention_bias": True, "layer_types": [
        "full_attention", "linear_attention", "linear_attention", "full_attention"]}),
])
def test_table_flops_options(family: str, change: dict[str, Any]) -> None:
    check_flops(tiny(family, **change), 3)


def test_a_prefill_of_two_delta_rule_chunks() -> None:
    """A prefill longer than a chunk (70 tokens: two chunks of 64, the second padded)."""
    check_flops(tiny("qwen3_next"), 70)


@st.composite
def zamba_configs(draw: st.DrawFn) -> dict[str, Any]:
    hidden, expand = draw(st.integers(2, 12)), draw(st.integers(1, 2))
    inner, heads = expand * hidden, draw(st.integers(1, 4))
    types = draw(st.lists(st.sampled_from(["mamba", "hybrid"]), min_size=0, max_size=3))
    types.insert(draw(st.integers(0, len(types))), "hybrid")  # a cache of Mamba layers alone has no length
    return {"model_type": "zamba", "vocab_size": draw(st.integers(1, 50)), "hidden_size": hidden,
            "mamba_expand": expand, "n_mamba_heads": draw(st.sampled_from([d for d in range(1, inner + 1)
                                                                            if inner % d == 0])),
            "mamba_d_state": draw(st.integers(1, 6)), "mamba_d_conv": draw(st.integers(1, 4)),
            "mamba_dt_rank": draw(st.one_of(st.just("auto"), st.integers(1, 6))),
            "num_attention_heads": heads, "num_key_value_heads": draw(divisors(heads)),
            "attention_head_dim": 2 * draw(st.integers(1, 4)),
            "intermediate_size": draw(st.integers(1, 24)), "mamba_conv_bias": draw(flags),
            "mamba_proj_bias": draw(flags), "num_hidden_layers": len(types), "layers_block_type": types,
            # transformers cannot tie a single hybrid layer's block to no other
            "tie_word_embeddings": types.count("hybrid") > 1 and draw(flags)}


@st.composite
def zamba2_configs(draw: st.DrawFn) -> dict[str, Any]:
    hidden, expand = draw(st.integers(1, 8)), draw(st.integers(1, 2))
    inner = expand * hidden
    mheads = draw(st.sampled_from([d for d in range(1, inner + 1) if inner % d == 0]))
    heads = draw(st.sampled_from([h for h in range(1, 2 * hidden + 1) if 2 * hidden % h == 0
                                  and 2 * hidden // h % 2 == 0] or [1]))
    types = draw(st.lists(st.sampled_from(["mamba", "hybrid"]), min_size=0, max_size=3))
    types.insert(draw(st.integers(0, len(types))), "hybrid")
    adapters = draw(flags)  # the q/k/v adapters write d_att: k_proj and v_proj must be as wide to run
    return {"model_type": "zamba2", "vocab_size": draw(st.integers(1, 50)), "hidden_size": hidden,
            "mamba_expand": expand, "n_mamba_heads": mheads,
            "mamba_ngroups": draw(st.sampled_from([g for g in range(1, mheads + 1) if mheads % g == 0])),
            "mamba_d_state": draw(st.integers(1, 6)), "mamba_d_conv": draw(st.integers(1, 4)),
            "num_attention_heads": heads, "num_key_value_heads": heads if adapters else draw(divisors(heads)),
            "intermediate_size": draw(st.integers(1, 16)), "num_mem_blocks": draw(st.integers(1, 3)),
            "adapter_rank": draw(st.integers(1, 4)), "use_shared_attention_adapter": adapters,
            "add_bias_linear": draw(flags), "use_mem_rope": draw(flags), "tie_word_embeddings": draw(flags),
            "num_hidden_layers": len(types), "layers_block_type": types, **FAST_SSD}


@st.composite
def qwen3_next_configs(draw: st.DrawFn) -> dict[str, Any]:
    heads, k_heads = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    types = draw(st.lists(st.sampled_from(["linear_attention", "full_attention"]), min_size=0, max_size=3))
    types.insert(draw(st.integers(0, len(types))), "full_attention")
    layers, experts = len(types), draw(st.integers(0, 4))
    config = {"model_type": "qwen3_next", "vocab_size": draw(st.integers(1, 50)),
              "hidden_size": draw(st.integers(1, 16)), "num_hidden_layers": layers, "layer_types": types,
              "num_attention_heads": heads, "num_key_value_heads": draw(divisors(heads)),
              "head_dim": 8 * draw(st.integers(1, 2)),  # RoPE turns a quarter of head_dim: that must be even
              "intermediate_size": draw(st.integers(1, 16)), "linear_conv_kernel_dim": draw(st.integers(1, 4)),
              "linear_num_key_heads": k_heads, "linear_num_value_heads": k_heads * draw(st.integers(1, 2)),
              "linear_key_head_dim": draw(st.integers(1, 5)), "linear_value_head_dim": draw(st.integers(1, 5)),
              "num_experts": experts, "num_experts_per_tok": draw(st.integers(1, max(experts, 1))),
              "moe_intermediate_size": draw(st.integers(1, 8)),
              "shared_expert_intermediate_size": draw(st.integers(1, 8)),
              "decoder_sparse_step": draw(st.integers(1, 2)), "attention_bias": draw(flags),
              "tie_word_embeddings": draw(flags)}
    if draw(flags):
        config["mlp_only_layers"] = draw(st.lists(st.integers(0, layers - 1), unique=True, max_size=layers))
    return config


@pytest.mark.parametrize("strategy", [zamba_configs(), zamba2_configs(), qwen3_next_configs()], ids=FAMILIES)
def test_generated_flops(strategy: Any) -> None:
    run_generated(strategy, CAUSAL, check_flops, st.integers(2, 6))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("steps", [2, 7])
def test_state_and_kv_cache_after_a_real_prefill(family: str, steps: int) -> None:
    """`rnnparams state` against the DynamicCache a real prefill leaves (test_state_cache_oracle's reading of it):
    each hybrid layer's keys and values (Zamba's shared block caches at every layer that runs it) or each gated
    attention layer's, and every layer's conv and recurrent states (the DeltaNet's (v_heads, d_k, d_v))."""
    from test_state_cache_oracle import BATCH, numbers, real_cache

    config = tiny(family)
    kv, states = real_cache(config, steps)
    st = rnnparams.recurrent_state(spec(config), seq_len=steps, batch=BATCH)
    assert kv and st.cache_per_sequence == sum(numbers(s) for s in kv) // BATCH
    assert st.per_sequence == sum(numbers(s) for s in states) // BATCH
    assert sorted(kv) == sorted((BATCH, c.shape[1], c.tokens, c.shape[2]) for c in st.caches
                                for _ in range(c.shape[0]))


# --- The state updates' elementwise FLOPs, counted op by op in a real decoding step -------------------------------

ARITHMETIC = ("mul", "add", "sub", "div", "exp", "rsqrt", "softplus", "silu", "sigmoid", "neg")
"""The arithmetic ops the state-update functions call: one FLOP per number they write; a sum one per number it
reads (x.sum over n numbers: n additions, as our contractions count n multiply-adds). Views, copies, expands and
the batched product (FlopCounterMode's, above) are not arithmetic."""
STEP = {"qwen3_next": ("qwen3_next", "torch_recurrent_gated_delta_rule"),
        "zamba": ("zamba", "mamba_selective_state_update"), "zamba2": ("zamba2", "mamba2_selective_state_update")}


def step_arithmetic(config: dict[str, Any], steps: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Any]:
    """Numbers written by the arithmetic ops of the state-update function in a real decoding step after `steps`
    tokens (every layer's and head's calls summed), and the model."""
    import importlib
    import warnings

    from torch.utils._python_dispatch import TorchDispatchMode
    from transformers import DynamicCache

    class Arithmetic(TorchDispatchMode):
        flops = 0

        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            out = func(*args, **(kwargs or {}))
            name = func.overloadpacket.__name__
            if name == "sum":
                self.flops += args[0].numel()
            elif name in ARITHMETIC:
                self.flops += out.numel()
            return out

    package, function = STEP[config["model_type"]]
    module = importlib.import_module(f"transformers.models.{package}.modeling_{package}")
    update, counter = getattr(module, function), Arithmetic()

    def counted_update(*args: Any, **kwargs: Any) -> Any:
        with counter:
            return update(*args, **kwargs)

    model = build(config).eval()
    ids = torch.randint(0, int(config["vocab_size"]), (1, steps + 1))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        cache = DynamicCache(config=model.config)
        model(ids[:, :steps], use_cache=True, cache=cache, position_ids=torch.arange(steps)[None])
        monkeypatch.setattr(module, function, counted_update)
        model(ids[:, steps:], use_cache=True, cache=cache, position_ids=torch.tensor([[steps]]))
    return counter.flops, model.config


@pytest.mark.parametrize(("family", "change"), [
    ("zamba", {}), ("zamba", {"mamba_d_state": 3, "n_mamba_heads": 4}),
    ("zamba2", {}), ("zamba2", {"mamba_d_state": 5, "mamba_ngroups": 1}),
    ("qwen3_next", {}), ("qwen3_next", {"linear_num_key_heads": 1, "linear_key_head_dim": 3}),
])
def test_state_update_elementwise_flops_as_the_step_computes_them(family: str, change: dict[str, Any],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Our hand-derived state updates (2·scan MACs + scan FLOPs, the Mixers' docstrings) against the arithmetic the
    step's function runs, op by op (TorchDispatchMode), plus what the function computes besides or the module before
    it: Zamba's mamba_selective_state_update adds Δ + dt_bias, its softplus, silu(z) and the product by it (4 per
    channel), Zamba2's the first two (2 per channel), which our count starts after; the gated delta rule's β = σ(b)
    and g = −exp(A_log)·softplus(a + dt_bias) (4 per value head, ours) are computed by the module, outside it. The
    products y = C·h of the Mamba steps are torch.bmm (FlopCounterMode's, above): their 2·scan MACs are left out."""
    config = tiny(family, **change)
    counted_flops, cfg = step_arithmetic(config, 4, monkeypatch)
    est = ours(config, 4)
    scan_macs, scan_flops = total(est, "decode", "scan_macs"), total(est, "decode", "scan_flops")
    if family == "qwen3_next":
        linear = list(cfg.layer_types).count("linear_attention")
        assert counted_flops == 2 * scan_macs + scan_flops - 4 * cfg.linear_num_value_heads * linear
    else:
        channels = cfg.mamba_expand * cfg.hidden_size * cfg.num_hidden_layers
        assert counted_flops == scan_flops + (4 if family == "zamba" else 2) * channels


# --- The published configs: FLOPs modelled, and the weight products per token by hand ---------------------------

def published(name: str) -> Any:
    return rnnparams.estimate_sequence(str(CONFIGS / f"{name}.json"), batch=1, seq_len=16, mode="inference")


def test_zamba_7b_products_by_hand() -> None:
    """Zyphra/Zamba-7B-v1 per token (shapes as test_zamba_7b_by_hand derives them): 76 Mamba mixers (in_proj
    2·7424 × 3712, per-head x_proj 2 × (232 + 32) × 3712 and dt_proj 2 × 3712 × 232, out_proj 3712 × 7424), the one
    shared block run at all 13 hybrid layers (q/k/v 7424 × 7424, o 3712 × 7424, the gated MLP 3·14848 × 3712) with
    each layer's own 3712² linear, and the tied head (32000 × 3712)."""
    d, inner, mh, hd, n, rank, v, ffn, att = 3712, 7424, 2, 3712, 16, 232, 32000, 14848, 7424
    mamba = 2 * inner * d + mh * (rank + 2 * n) * hd + mh * hd * rank + d * inner
    shared = 3 * att * att + d * att + 3 * ffn * d
    expected = 76 * mamba + 13 * (shared + d * d) + v * d
    est = published("zamba-7b-v1")
    assert est.compute_modelled
    assert est.state.products_per_token == total(est, "decode", "weight_macs") == expected
    assert rnnparams.recurrent_state(str(CONFIGS / "zamba-7b-v1.json")).products_per_token == expected


def test_zamba2_1_2b_products_by_hand() -> None:
    """Zyphra/Zamba2-1.2B per token: 38 Mamba-2 mixers (in_proj (2·4096 + 2·128 + 64) × 2048, out_proj 2048 × 4096),
    the shared block at all 6 hybrid layers (q/k/v 4096 × 4096, o 2048 × 4096, gate_up 16384 × 2048, down
    2048 × 8192), each with its own linear (2048²) and its use's rank-128 adapters (q, k, v 4096 → 128 → 4096,
    gate_up 2048 → 128 → 16384), and the tied head (32000 × 2048)."""
    d, inner, n, heads, v, ffn, att, r = 2048, 4096, 128, 64, 32000, 8192, 4096, 128
    mamba = (2 * inner + 2 * n + heads) * d + d * inner
    adapters = 3 * (r * att + att * r) + r * d + 2 * ffn * r
    shared = 3 * att * att + d * att + 2 * ffn * d + d * ffn
    expected = 38 * mamba + 6 * (shared + d * d + adapters) + v * d
    est = published("zamba2-1.2b")
    assert est.compute_modelled
    assert est.state.products_per_token == total(est, "decode", "weight_macs") == expected


def test_qwen3_next_80b_products_by_hand() -> None:
    """Qwen/Qwen3-Next-80B-A3B-Instruct per token: 36 gated DeltaNets (in_proj_qkvz (2·2048 + 2·4096) × 2048,
    in_proj_ba 64 × 2048, out_proj 2048 × 4096), 12 gated attentions (q_proj 2·16·256 × 2048, k and v 2·256 × 2048,
    o 2048 × 4096), 48 mixtures of experts (the router 512 × 2048, 10 experts of 3·512 × 2048, the shared expert
    3·512 × 2048 and its gate 1 × 2048), the untied head (151936 × 2048): the "A3B" of its name, 3.25 B without the
    head."""
    d, v = 2048, 151936
    delta = (2 * 2048 + 2 * 4096) * d + 64 * d + d * 4096
    attention = 2 * 16 * 256 * d + 2 * (2 * 256 * d) + d * 16 * 256
    moe = 512 * d + 10 * 3 * 512 * d + 3 * 512 * d + d
    expected = 36 * delta + 12 * attention + 48 * moe + v * d
    assert 36 * delta + 12 * attention + 48 * moe == 3_251_208_192
    est = published("qwen3-next-80b-a3b-instruct")
    assert est.compute_modelled
    assert est.state.products_per_token == total(est, "decode", "weight_macs") == expected


def test_estimate_text_and_json_for_the_new_families(tmp_path: Path) -> None:
    """The CLI renders the new families' lines in en and zh, and the JSON carries them."""
    from rnnparams.cli import main

    for family in FAMILIES:
        path = tmp_path / f"{family}.json"
        path.write_text(json.dumps(tiny(family)))
        for lang in ("en", "zh"):
            assert main(["estimate", str(path), "-b", "1", "-T", "4", "--lang", lang]) == 0
        data = rnnparams.estimate_sequence(str(path), batch=1, seq_len=4).to_dict()
        assert data["compute_modelled"] and data["compute"]["decode"]["flops_per_sequence"]
