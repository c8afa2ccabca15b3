"""The Mixer mechanisms the block packages use (conventions/work.py `Mixer`, analysis/sequence.py, state.py), on
counts alone (no package needed; tests/oracle/test_block_flops_oracle.py runs the packages): a condition on an
argument's value and a tuple of conditions (`when`), a layer-wide update counted once (`once`), one FLOP per
number of elementwise tensors (`per_number_roles`), a symbol bound from an argument (`arguments`), and a bias
under a product's role added, not multiplied. Expected values are derived by hand in each case."""

from __future__ import annotations

from typing import Any

import pytest

import rnnparams
from rnnparams.analysis.state import state_report


def decode(expr: str, framework: str, shape: tuple[int, ...], key: str) -> int:
    est = rnnparams.estimate_sequence(expr, framework, shape, batch=1, seq_len=3, mode="inference")
    assert est.compute_modelled
    return sum(layer.value("decode", key) for layer in est.layers)


@pytest.mark.parametrize("args, per_neuron", [
    ("", 9), ("mode='no_gate'", 7), ("mode='pure'", 9),  # "mode=value" conditions
    ("mixed_memory=True", 9 + 14), ("mode='no_gate', mixed_memory=True", 7 + 14),  # tuples of conditions
])
def test_conditions_choose_the_mixer(args: str, per_neuron: int) -> None:
    expr = f"CfC(5, 12, {args})" if args else "CfC(5, 12)"
    assert decode(expr, "ncps", (3, 5), "scan_flops") == per_neuron * 12


def test_a_layer_wide_update_is_counted_once() -> None:
    """SRU with input_to_hidden: 3 blocks (input_to_hidden, layer 0, the other L − 1 layers), one update of
    14 FLOPs per unit in each of the L = 3 layers: 14·3·6."""
    assert decode("SRU(4, 6, num_layers=3, proj_input_to_hidden_first=True)", "sru", (3, 4), "scan_flops") == 252
    # IndRNN with batch norm (a block of its own): 3 per unit and direction of each layer, 3·L·D·H
    assert decode("IndRNN(4, 5, n_layer=2, batch_norm=True, bidirectional=True)", "reference", (3, 4),
                  "scan_flops") == 3 * 2 * 2 * 5


def test_arguments_and_per_number_roles() -> None:
    """LTC(3, 4, ode_unfolds=2, ...) without softplus (s = 0): U·(8·n² + 8·n) + 6·I·n + 2·(I − 1)·n + n
    = 2·(128 + 32) + 72 + 16 + 4 = 412, plus the affine input mapping, one FLOP per number of input_w and input_b
    (3 + 3): 418. ode_unfolds=5: 3·160 more."""
    base = "LTC(3, 4, input_mapping='affine', output_mapping=None, implicit_param_constraints=False, ode_unfolds={})"
    assert decode(base.format(2), "ncps", (3, 3), "scan_flops") == 418
    assert decode(base.format(5), "ncps", (3, 3), "scan_flops") == 418 + 3 * 160


def test_a_bias_is_added_not_multiplied() -> None:
    """CfC(5, 12, backbone_units=8): the backbone Linear 8·(5 + 12) and four heads 12·8 multiply-adds; their biases
    (8 and 4·12) are not products. `state` sums the same."""
    assert decode("CfC(5, 12, backbone_units=8)", "ncps", (3, 5), "weight_macs") == 8 * 17 + 4 * 12 * 8
    report: Any = rnnparams.count("CfC(5, 12, backbone_units=8)", "ncps", (3, 5))
    assert state_report(report).products_per_token == 8 * 17 + 4 * 12 * 8


@pytest.mark.parametrize("sequences, prefill", [(True, 3 * (520 + 36)), (False, 3 * 520 + 36)])
def test_a_product_of_the_last_step_alone(sequences: bool, prefill: int) -> None:
    """CfC(5, 12, backbone_units=8, proj_size=3): 520 multiply-adds per step (above) and fc's 3·12; with
    return_sequences=False fc reads the last step alone: once in a prefill of 3 steps, once in a decoding step."""
    expr = f"CfC(5, 12, backbone_units=8, proj_size=3, return_sequences={sequences})"
    est = rnnparams.estimate_sequence(expr, "ncps", (3, 5), batch=1, seq_len=3, mode="inference")
    assert sum(layer.value("prefill", "weight_macs") for layer in est.layers) == prefill
    assert decode(expr, "ncps", (3, 5), "weight_macs") == 520 + 36


# --- a transformers block written as a call: the work of one block of its stack ----------------------------------

BLOCK_CASES = [
    ("MambaBlock(hidden_size=16, intermediate_size=32, state_size=4, time_step_rank=2)",
     "MambaStack(hidden_size=16, intermediate_size=32, state_size=4, time_step_rank=2, num_layers=1)"),
    ("FalconMambaBlock(hidden_size=8, intermediate_size=24, state_size=3, time_step_rank=1, use_bias=True)",
     "FalconMambaStack(hidden_size=8, intermediate_size=24, state_size=3, time_step_rank=1, use_bias=True, "
     "num_layers=1)"),
    ("Mamba2Block(hidden_size=16, intermediate_size=32, state_size=4, num_heads=4, head_dim=8, n_groups=2)",
     "Mamba2Stack(hidden_size=16, intermediate_size=32, state_size=4, num_heads=4, head_dim=8, n_groups=2, "
     "num_layers=1)"),
    ("RwkvBlock(hidden_size=16, attention_hidden_size=16, intermediate_size=40, pre_ln=True)",
     "RwkvStack(hidden_size=16, attention_hidden_size=16, intermediate_size=40, num_layers=1)"),
    ("RecurrentGemmaRecurrentLayer(hidden_size=16, lru_width=16, num_attention_heads=2, conv1d_width=3, "
     "mlp_width=24)",
     "RecurrentGemmaStack(hidden_size=16, lru_width=16, num_attention_heads=2, conv1d_width=3, mlp_width=24, "
     "num_key_value_heads=1, head_dim=8, num_layers=1, block_types=['recurrent'])"),
    ("RecurrentGemmaAttentionLayer(hidden_size=16, num_attention_heads=2, num_key_value_heads=1, head_dim=8, "
     "mlp_width=24, attention_window_size=4)",
     "RecurrentGemmaStack(hidden_size=16, lru_width=16, num_attention_heads=2, conv1d_width=3, mlp_width=24, "
     "num_key_value_heads=1, head_dim=8, attention_window_size=4, num_layers=1, block_types=['attention'])"),
]


@pytest.mark.parametrize(("block", "stack"), BLOCK_CASES, ids=[b.split("(")[0] for b, _ in BLOCK_CASES])
def test_a_block_call_has_its_stacks_per_token_work(block: str, stack: str) -> None:
    """`transformers.MambaBlock(...)` and the others written alone are estimated per token like the one-block stack
    (whose FLOPs test_sequence_estimate_oracle.py checks against FlopCounterMode): same tensors, same mixer."""
    one = rnnparams.estimate_sequence("transformers." + block, batch=1, seq_len=6, mode="inference")
    ref = rnnparams.estimate_sequence("transformers." + stack, batch=1, seq_len=6, mode="inference")
    assert one.compute_modelled and ref.compute_modelled
    totals = [rnnparams.count("transformers." + m).total_params for m in (block, stack)]
    assert totals[0] == totals[1]
    for phase in ("prefill", "decode"):
        for key in ("macs", "flops"):
            assert one.compute(phase, key) == ref.compute(phase, key), (phase, key)
