"""xLSTM (conventions/blocks/xlstm.py) against xlstm 2.0.6 on CPU: its sLSTM cells on the pure-PyTorch "vanilla"
backend (the "cuda" backend's tensor layout from sLSTMCell_cuda built with skip_backend_init=True, which compiles
nothing), tensors, totals and the output shape of a real forward, on table cases and hypothesis-generated stacks."""

from __future__ import annotations

import pytest
from blocks_oracle import check
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
xlstm = pytest.importorskip("xlstm", reason="xlstm is not installed: pip install '.[test]'")

NAMES = ("xLSTMBlockStack", "xLSTMBlockStackConfig", "xLSTMLMModel", "xLSTMLMModelConfig", "mLSTMBlock",
         "mLSTMBlockConfig", "sLSTMBlock", "sLSTMBlockConfig", "mLSTMLayer", "mLSTMLayerConfig", "sLSTMLayer",
         "sLSTMLayerConfig", "FeedForwardConfig")
NS = {name: getattr(xlstm, name) for name in NAMES}
FW = "xlstm"
VANILLA = "sLSTMLayerConfig(backend='vanilla')"


def run_lm(module: object, x: object) -> tuple[object, list[object]]:
    import torch

    ids = torch.randint(0, module.config.vocab_size, tuple(x.shape))  # type: ignore[attr-defined]
    return module(ids), []  # type: ignore[operator]


def stack(blocks: str, **kw: object) -> str:
    args = ", ".join([blocks, *(f"{k}={v!r}" for k, v in kw.items())])
    return f"xLSTMBlockStack(xLSTMBlockStackConfig({args}))"


TABLE = [
    (stack("mlstm_block=mLSTMBlockConfig()", context_length=8, num_blocks=2, embedding_dim=32), (8, 32)),
    (stack(f"mlstm_block=mLSTMBlockConfig(), slstm_block=sLSTMBlockConfig(slstm={VANILLA})", context_length=6,
           num_blocks=3, embedding_dim=64, slstm_at=[1]), (6, 64)),
    (stack(f"slstm_block=sLSTMBlockConfig(slstm={VANILLA}, feedforward=None)", num_blocks=2, embedding_dim=16,
           add_post_blocks_norm=False), (4, 16)),
    (stack("mlstm_block=mLSTMBlockConfig(mlstm=mLSTMLayerConfig(num_heads=2, qkv_proj_blocksize=8, "
           "proj_factor=1.5, conv1d_kernel_size=2))", context_length=5, embedding_dim=48, bias=True), (5, 48)),
    (stack("mlstm_block=mLSTMBlockConfig(), slstm_block=sLSTMBlockConfig(slstm=sLSTMLayerConfig("
           "backend='vanilla', num_heads=2, conv1d_kernel_size=0, group_norm_weight=False), "
           "feedforward=FeedForwardConfig(proj_factor=2.0, act_fn='swish', bias=True))", context_length=4,
           num_blocks=4, embedding_dim=32, slstm_at="all"), (4, 32)),
    ("mLSTMLayer(mLSTMLayerConfig(embedding_dim=32, context_length=4))", (4, 32)),
    ("mLSTMBlock(mLSTMBlockConfig(mlstm=mLSTMLayerConfig(embedding_dim=24, context_length=4, bias=True), "
     "_num_blocks=1))", (3, 24)),
    ("sLSTMLayer(sLSTMLayerConfig(embedding_dim=24, num_heads=3, backend='vanilla'))", (3, 24)),
    ("sLSTMBlock(sLSTMBlockConfig(slstm=sLSTMLayerConfig(embedding_dim=16, backend='vanilla'), _num_blocks=1))",
     (3, 16)),
]


@pytest.mark.parametrize("expr, shape", TABLE)
def test_table(expr: str, shape: tuple[int, ...]) -> None:
    check(expr, FW, NS, shape, states=False)


@pytest.mark.parametrize("tie", [False, True])
def test_language_model(tie: bool) -> None:
    expr = (f"xLSTMLMModel(xLSTMLMModelConfig(mlstm_block=mLSTMBlockConfig(), slstm_block=sLSTMBlockConfig("
            f"slstm={VANILLA}), num_blocks=2, slstm_at=[0], embedding_dim=32, context_length=4, vocab_size=50, "
            f"tie_weights={tie}))")
    report = check(expr, FW, NS, (4,), states=False, run=run_lm)
    assert report.total_params == check(expr.replace(f"tie_weights={tie}", f"tie_weights={not tie}"), FW, NS, (4,),
                                        states=False, run=run_lm).total_params + (50 * 32 if not tie else -50 * 32)


def test_kernel_size_one_warns() -> None:
    """xlstm builds conv1d_kernel_size=1 but cannot run it (its causal cut leaves no steps): counted, with a
    warning."""
    expr = "sLSTMLayer(sLSTMLayerConfig(embedding_dim=16, backend='vanilla', conv1d_kernel_size=1))"
    report = check(expr, FW, NS, (3, 16), forward=False)
    assert "conv1d_kernel_size=1" in " ".join(report.warnings)
    with pytest.raises(RuntimeError):
        import torch
        from blocks_oracle import build
        build(expr, NS)(torch.randn(2, 3, 16))


def test_cuda_backend_layout() -> None:
    """The "cuda" backend keeps the recurrent kernel as (h_s, d_s, 4·d_s); nothing is compiled to see it."""
    from xlstm.blocks.slstm.cell import sLSTMCell_cuda, sLSTMCellConfig

    cell = sLSTMCell_cuda(sLSTMCellConfig(hidden_size=64, num_heads=4), skip_backend_init=True)
    report = rnnparams.count("sLSTMLayer(sLSTMLayerConfig(embedding_dim=64, num_heads=4))", FW)
    ours = {t.name: list(t.shape) for t in report.layers[0].tensors if t.name.startswith("slstm_cell.")}
    assert ours == {"slstm_cell." + k: list(v.shape) for k, v in cell.state_dict().items()}


@pytest.mark.parametrize("expr, words", [
    (stack("mlstm_block=mLSTMBlockConfig()", context_length=8, num_blocks=2, slstm_at=[3]), "Invalid slstm position"),
    (stack("mlstm_block=mLSTMBlockConfig()", num_blocks=1, embedding_dim=32), "context_length"),
    (stack("mlstm_block=mLSTMBlockConfig(mlstm=mLSTMLayerConfig(qkv_proj_blocksize=5))", context_length=4,
           embedding_dim=32), "LinearHeadwiseExpand"),
    (stack("slstm_block=sLSTMBlockConfig(slstm=sLSTMLayerConfig(backend='vanilla', num_heads=3))",
           embedding_dim=32), "3 heads"),
    ("mLSTMBlockConfig()", "is a configuration"),
    ("mLSTMBlock(mLSTMBlockConfig(mlstm=mLSTMLayerConfig(embedding_dim=24, context_length=4)))", "_num_blocks"),
])
def test_refusals(expr: str, words: str) -> None:
    with pytest.raises(rnnparams.RnnParamsError, match=words):
        rnnparams.count(expr, FW)
    with pytest.raises(Exception):  # noqa: B017 (the package refuses it too, each in its own words)
        from blocks_oracle import build

        module = build(expr, NS)
        assert not isinstance(module, type(NS["mLSTMBlockConfig"]())), "a config is not a module"


@st.composite
def stacks(draw: st.DrawFn, kinds: str) -> tuple[str, int, int]:
    e = draw(st.sampled_from([8, 16, 24, 32]))
    n = draw(st.integers(1, 3))
    steps = draw(st.integers(1, 3))
    parts = []
    if "m" in kinds:
        multiple = draw(st.sampled_from([16, 32, 64]))
        bs = draw(st.sampled_from([4, 8, 16]))
        parts.append(f"mlstm_block=mLSTMBlockConfig(mlstm=mLSTMLayerConfig(proj_factor="
                     f"{draw(st.sampled_from([1.0, 1.5, 2.0]))}, round_proj_up_to_multiple_of={multiple}, "
                     f"qkv_proj_blocksize={bs}, num_heads={draw(st.sampled_from([1, 2, 4]))}, "
                     f"conv1d_kernel_size={draw(st.integers(2, 4))}))")
    if "s" in kinds:
        heads = draw(st.sampled_from([h for h in (1, 2, 4, 8) if e % h == 0]))
        ff = ("None" if draw(st.booleans()) else
              f"FeedForwardConfig(proj_factor={draw(st.sampled_from([1.0, 1.3, 2.0]))}, "
              f"bias={draw(st.booleans())}, round_proj_up_to_multiple_of={draw(st.sampled_from([8, 64]))})")
        parts.append(f"slstm_block=sLSTMBlockConfig(slstm=sLSTMLayerConfig(backend='vanilla', num_heads={heads}, "
                     f"conv1d_kernel_size={draw(st.sampled_from([0, 2, 3]))}, "
                     f"group_norm_weight={draw(st.booleans())}), "
                     f"feedforward={ff})")
    at = sorted(draw(st.sets(st.integers(0, n - 1)))) if kinds == "ms" else []
    expr = stack(", ".join(parts), num_blocks=n, embedding_dim=e, context_length=steps + draw(st.integers(0, 2)),
                 bias=draw(st.booleans()), add_post_blocks_norm=draw(st.booleans()), slstm_at=at)
    return expr, steps, e


@pytest.mark.parametrize("kinds", ["m", "s", "ms"])  # 100 mLSTM stacks, 100 sLSTM stacks, 100 mixed
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_random_stacks(kinds: str, data: st.DataObject) -> None:
    expr, steps, e = data.draw(stacks(kinds))
    check(expr, FW, NS, (steps, e), states=False)
