"""`rnnparams state` for the hybrids (issue 18): the recurrent state and the attention layers' KV cache after T
tokens, against the cache transformers 5.24 leaves after a real prefill on CPU (batch 2, DynamicCache built from
the model's config, as generate() builds it): every cache layer's keys and values (DynamicLayer: every token;
RecurrentGemma's DynamicSlidingWindowLayer: the last window − 1), conv_states and recurrent_states (Mamba,
Mamba-2, LFM2's short convolution), and RecurrentGemma's recurrent blocks' conv1d_state and RG-LRU state."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.inputs.hfconfig import spec_from_config

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from test_sequence_estimate_oracle import TINY as SEQUENCE_TINY  # noqa: E402
from test_sequence_estimate_oracle import WEIGHT_OPS, build, counted  # noqa: E402
from test_transformers_oracle import SAVED  # noqa: E402

pytestmark = pytest.mark.oracle
BATCH = 2
HYBRIDS = {name: SAVED[name] for name in ("falcon_h1", "nemotron_h", "granitemoehybrid", "lfm2")}
HYBRIDS.update({name: SEQUENCE_TINY[name] for name in ("jamba", "bamba", "recurrent_gemma")})


def real_cache(config: dict[str, Any], steps: int) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """(keys and values shapes, recurrent state shapes) the model holds after a prefill of `steps` tokens."""
    from transformers import DynamicCache

    model = build(config).eval()
    ids = torch.randint(0, int(config["vocab_size"]), (BATCH, steps))
    cache = DynamicCache(config=model.config)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        model(ids, use_cache=True, cache=cache, position_ids=torch.arange(steps)[None].expand(BATCH, -1))
    kv: list[tuple[int, ...]] = []
    states: list[tuple[int, ...]] = []
    for layer in cache.layers:
        for name in ("keys", "values"):
            t = getattr(layer, name, None)
            if isinstance(t, torch.Tensor) and t.numel():
                kv.append(tuple(t.shape))
        for name in ("conv_states", "recurrent_states"):
            held = getattr(layer, name, None)
            if isinstance(held, dict):
                states.extend(tuple(t.shape) for t in held.values() if isinstance(t, torch.Tensor))
    if config["model_type"] == "recurrent_gemma":  # its recurrent blocks keep their state themselves
        for layer in model.model.layers:
            block = layer.temporal_block
            if hasattr(block, "rg_lru"):
                states += [tuple(block.conv1d_state.shape), tuple(block.rg_lru.recurrent_states.shape)]
    return kv, states


def numbers(shape: tuple[int, ...]) -> int:
    out = 1
    for d in shape:
        out *= d
    return out


def check(family: str, steps: int) -> None:
    config = HYBRIDS[family]
    kv, states = real_cache(config, steps)
    st = rnnparams.recurrent_state(spec_from_config(json.dumps(config)), seq_len=steps, batch=BATCH)
    assert kv, family  # every hybrid here has attention layers
    assert st.cache_per_sequence == sum(numbers(s) for s in kv) // BATCH
    assert st.per_sequence == sum(numbers(s) for s in states) // BATCH
    # layer by layer: (batch, kv_heads, tokens, head_dim) for each of the attention layers' keys and values
    expected = sorted((BATCH, c.shape[1], c.tokens, c.shape[2]) for c in st.caches for _ in range(c.shape[0]))
    assert sorted(kv) == expected
    window = config.get("attention_window_size")
    for c in st.caches:
        assert c.tokens == (steps if window is None else min(steps, int(window) - 1))
    without = rnnparams.recurrent_state(spec_from_config(json.dumps(config)))
    assert without.cache_per_sequence is None
    if window is None:  # every token kept: the cache is linear in T
        assert without.cache_per_token * steps == st.cache_per_sequence


@pytest.mark.parametrize("family", sorted(HYBRIDS))
@pytest.mark.parametrize("steps", [2, 11])
def test_state_and_kv_cache_are_what_a_real_prefill_leaves(family: str, steps: int) -> None:
    """T = 11 is beyond RecurrentGemma's tiny window of 8: its cache holds 7 tokens."""
    check(family, steps)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(HYBRIDS)), st.integers(2, 20))
def test_generated_context_lengths(family: str, steps: int) -> None:
    check(family, steps)


def test_the_sequence_estimate_holds_the_cache_of_t_tokens() -> None:
    """estimate's state of the batch is the state plus the KV cache of seq_len tokens (decoding after them)."""
    config = HYBRIDS["jamba"]
    kv, states = real_cache(config, 6)
    est = rnnparams.estimate_sequence(spec_from_config(json.dumps(config)), batch=BATCH, seq_len=6,
                                      mode="inference")
    assert est.memory_line("states").value == 4 * sum(numbers(s) for s in (*kv, *states))


MOE = {"jamba": ("num_experts", 2, lambda c: 3 * c["intermediate_size"] * c["hidden_size"]),
       "granitemoehybrid": ("num_local_experts", 3, lambda c: 3 * c["intermediate_size"] * c["hidden_size"]),
       "nemotron_h": ("n_routed_experts", 1, lambda c: 2 * c["moe_intermediate_size"] * c["hidden_size"])}
"""Per family: its config's number of experts, the layers holding experts in the tiny config (Jamba every other
layer of 4; GraniteMoeHybrid every layer; NemotronH's one E), one expert's multiply-adds per token (a gated MLP:
gate, up and down, 3·d_ffn·d_model; NemotronH's ReLU² expert up and down, 2·d_moe·d_model)."""


@pytest.mark.parametrize("family", sorted(MOE))
@pytest.mark.parametrize("top_k", [1, 2, 3])
def test_moe_products_per_token_are_the_routed_experts(family: str, top_k: int) -> None:
    """`state`'s weight products per token of a mixture of experts: 2 × ours equals what FlopCounterMode counts as
    weight products (mm, addmm, baddbmm) on a real one-token decoding step, the experts' eager loop running top_k
    of them; counting every expert (as `state` did) is more by (experts − top_k) × one expert per expert layer."""
    experts_key, moe_layers, one_expert = MOE[family]
    config = {**HYBRIDS[family], "num_experts_per_tok": top_k}
    _, decode, _, _ = counted(config, 5)
    st = rnnparams.recurrent_state(spec_from_config(json.dumps(config)))
    assert st.products_per_token is not None
    assert 2 * st.products_per_token == sum(decode.get(op, 0) for op in WEIGHT_OPS)
    e = config.get(experts_key) or getattr(transformers.AutoConfig.for_model(config["model_type"]), experts_key)
    every = rnnparams.recurrent_state(spec_from_config(json.dumps({**config, "num_experts_per_tok": e})))
    assert every.products_per_token is not None
    assert every.products_per_token - st.products_per_token == moe_layers * (e - top_k) * one_expert(config)


def test_solve_bounds_the_context_by_the_kv_cache() -> None:
    """A hybrid's memory grows with the context through its KV cache, so a memory budget bounds seq_len: inference,
    float32, batch 1: 4·P + 4·(state + cache per token·T), with P the real model's parameters and the state and the
    cache per token measured from a real prefill; a budget a few bytes over T = 100's is solved as T = 100."""
    from rnnparams import api

    config = HYBRIDS["jamba"]
    params = sum(p.numel() for p in build(config).parameters())
    kv, states = real_cache(config, 1)
    state, per_token = sum(numbers(s) for s in states) // BATCH, sum(numbers(s) for s in kv) // BATCH
    budget = 4 * params + 4 * (state + per_token * 100) + 5
    sol = api.solve(spec_from_config(json.dumps(config)), "seq_len", memory=budget, batch=1, mode="inference")
    assert sol.value == 100 and sol.next_point is not None
    assert sol.next_point.measure("memory") == 4 * params + 4 * (state + per_token * 101) > budget
