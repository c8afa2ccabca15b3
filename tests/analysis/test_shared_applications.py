"""`Mixer.applied` (analysis/state.py `applications`): a shared block runs at every hybrid layer however many copies
are held. Without torch: the weight products per token of a Zamba2 stack do not depend on how many blocks are
held (num_mem_blocks, tied or not), while the count does — by exactly the blocks held, derived by hand here."""

from __future__ import annotations

import json

import pytest

import rnnparams
from rnnparams.inputs.hfconfig import spec_from_config

D, FFN, ATT, HEADS_X_DIM = 16, 24, 32, 32  # d_model, intermediate_size, d_att = 2·d_model, heads·head_dim
BLOCK = 3 * HEADS_X_DIM * ATT + D * HEADS_X_DIM + 2 * FFN * D + D * FFN + ATT + D
"""One shared block's tensors (q/k/v from d_att, o, gate_up, down, the two norms)."""
ADAPTER = 128 * D + 2 * FFN * 128
"""One use's gate_up_proj adapter (adapter_rank 128 by default: d_model → 128 → 2·d_ffn), always built."""


def zamba2(blocks: int, tied: bool = True) -> str:
    return json.dumps({"model_type": "zamba2", "vocab_size": 50, "hidden_size": D, "intermediate_size": FFN,
                       "num_hidden_layers": 5, "num_attention_heads": 4, "n_mamba_heads": 4, "mamba_d_state": 8,
                       "layers_block_type": ["mamba", "hybrid", "mamba", "hybrid", "hybrid"],
                       "num_mem_blocks": blocks, "tie_word_embeddings": tied})


@pytest.mark.parametrize(("blocks", "tied", "held", "adapters"), [
    (1, True, 1, 3), (2, True, 2, 3), (3, True, 3, 3),
    # untied, 2 blocks over 3 hybrid layers: each layer holds a block with the adapters of its block number's uses
    # (uses 0 and 2, use 1, uses 0 and 2): 5 adapters held, one run per layer
    (2, False, 3, 5)])
def test_a_shared_block_runs_at_every_hybrid_layer(blocks: int, tied: bool, held: int, adapters: int) -> None:
    one = rnnparams.count(spec_from_config(zamba2(1))).total_params
    report = rnnparams.count(spec_from_config(zamba2(blocks, tied)))
    head = 0 if tied else 50 * D  # untied: the head has its own matrix
    assert report.total_params == one + (held - 1) * BLOCK + (adapters - 3) * ADAPTER + head
    state = rnnparams.recurrent_state(spec_from_config(zamba2(blocks, tied)))
    base = rnnparams.recurrent_state(spec_from_config(zamba2(1)))
    assert state.products_per_token == base.products_per_token  # three hybrid layers run a block each
    est = rnnparams.estimate_sequence(spec_from_config(zamba2(blocks, tied)), batch=1, seq_len=3)
    assert sum(layer.value("decode", "weight_macs") for layer in est.layers) == state.products_per_token
