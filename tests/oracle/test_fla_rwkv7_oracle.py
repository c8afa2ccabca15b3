"""RWKV-7 (conventions/blocks/fla.py) against flash-linear-attention 0.6.0 (fla-core 0.6.0), built on CPU: tensor
names, shapes, trainable flags and totals of RWKV7Attention, RWKV7FeedForward, RWKV7Model and RWKV7ForCausalLM, on
table cases and 100 hypothesis-generated configurations. fla's kernels are Triton (GPU): no forward runs here, so
output and state shapes are not checked against a real pass (docs/frameworks.md)."""

from __future__ import annotations

import warnings

import pytest
from blocks_oracle import check
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    pytest.importorskip("triton", reason="fla imports triton: pip install '.[test]'")
    fla_layers = pytest.importorskip("fla.layers.rwkv7", reason="flash-linear-attention is not installed")
    fla_models = pytest.importorskip("fla.models")
    from fla.models.rwkv7.modeling_rwkv7 import RWKV7FeedForward

NS = {"RWKV7Attention": fla_layers.RWKV7Attention, "RWKV7FeedForward": RWKV7FeedForward,
      "RWKV7Model": fla_models.RWKV7Model, "RWKV7ForCausalLM": fla_models.RWKV7ForCausalLM,
      "RWKV7Config": fla_models.RWKV7Config}
FW = "fla"


@pytest.mark.parametrize("expr", [
    "RWKV7Attention(hidden_size=64, head_dim=16)",
    "RWKV7Attention('chunk', 128, num_heads=2, head_dim=None, layer_idx=0, value_dim=256, num_hidden_layers=2)",
    "RWKV7Attention(hidden_size=96, head_dim=32, decay_low_rank_dim=8, gate_low_rank_dim=16, a_low_rank_dim=8, "
    "v_low_rank_dim=4, elementwise_affine=False)",
    "RWKV7Attention(hidden_size=256)",  # the default ranks: 2.5·√256 = 40 → 32 (w, a), 1.7·16 → 32, 5·16 → 96
    "RWKV7FeedForward(64, layer_idx=0, num_hidden_layers=1)",
    "RWKV7FeedForward(70, hidden_ratio=3.5, layer_idx=1, num_hidden_layers=4)",
    "RWKV7FeedForward(64, intermediate_size=100, layer_idx=0, num_hidden_layers=2)",
    "RWKV7Model(RWKV7Config(hidden_size=64, num_hidden_layers=2, head_dim=16, vocab_size=100))",
    "RWKV7Model(RWKV7Config(hidden_size=64, num_hidden_layers=3, head_dim=32, vocab_size=50, norm_bias=False, "
    "norm_first=False, fuse_norm=False))",
    "RWKV7ForCausalLM(RWKV7Config(hidden_size=64, num_hidden_layers=2, head_dim=16, vocab_size=100))",
    "RWKV7ForCausalLM(RWKV7Config(hidden_size=64, num_hidden_layers=2, head_dim=16, vocab_size=100, "
    "tie_word_embeddings=True, intermediate_size=96))",
])
def test_table(expr: str) -> None:
    check(expr, FW, NS, forward=False)


def test_refusals() -> None:
    with pytest.raises(rnnparams.RnnParamsError, match="divisible by `head_dim`"):
        rnnparams.count("RWKV7Attention(hidden_size=60, head_dim=16)", FW)
    with pytest.raises(rnnparams.RnnParamsError, match="is a configuration"):
        rnnparams.count("RWKV7Config()", FW)
    with pytest.raises(rnnparams.RnnParamsError, match="value_dim=128 differs"):
        rnnparams.count("RWKV7Model(RWKV7Config(hidden_size=64, num_hidden_layers=2, value_dim=128))", FW)
    with pytest.raises(rnnparams.RnnParamsError, match="num_hidden_layers=1"):
        rnnparams.count("RWKV7Model(RWKV7Config(hidden_size=64, num_hidden_layers=1))", FW)
    with pytest.raises(rnnparams.RnnParamsError, match="give layer_idx and num_hidden_layers"):
        rnnparams.count("RWKV7FeedForward(64)", FW)
    with pytest.raises(rnnparams.RnnParamsError, match="needs num_hidden_layers"):
        rnnparams.count("RWKV7Attention(hidden_size=64, layer_idx=1)", FW)


@st.composite
def models(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from([4, 8, 16]))  # small: fla initialises every layer in Python loops over E
    e = head * draw(st.integers(1, 3))
    args = [f"hidden_size={e}", "num_hidden_layers=2", f"head_dim={head}",
            f"vocab_size={draw(st.integers(2, 40))}", f"norm_bias={draw(st.booleans())}",
            f"norm_first={draw(st.booleans())}", f"fuse_norm={draw(st.booleans())}"]
    for rank in ("decay_low_rank_dim", "gate_low_rank_dim", "a_low_rank_dim", "v_low_rank_dim"):
        if draw(st.booleans()):
            args.append(f"{rank}={draw(st.integers(1, 12))}")
    if draw(st.booleans()):
        args.append(f"intermediate_size={draw(st.integers(1, 90))}")
    elif draw(st.booleans()):
        args.append(f"hidden_ratio={draw(st.sampled_from([1, 2, 3.5]))}")
    if draw(st.booleans()):
        args.append(f"value_dim={e}")  # fla 0.6.0 cannot initialise any other value_dim above layer 0
    kind = draw(st.sampled_from(["RWKV7Model", "RWKV7ForCausalLM"]))
    if kind == "RWKV7ForCausalLM":
        args.append(f"tie_word_embeddings={draw(st.booleans())}")
    return f"{kind}(RWKV7Config({', '.join(args)}))"


@settings(max_examples=100, deadline=None)
@given(expr=models())
def test_random_models(expr: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(expr, FW, NS, forward=False)
