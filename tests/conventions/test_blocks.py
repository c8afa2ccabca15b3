"""The recurrent-block packages (conventions/blocks/): expressions inferred by their names, explain / formula /
check / compare in English and Chinese, spec files, refusals. Expected totals are derived by hand here; the
oracle suites (tests/oracle/test_*_oracle.py) compare with the real packages."""

from __future__ import annotations

import json

import pytest

import rnnparams
from rnnparams.analysis.formula import model_formula
from rnnparams.render.explain import render_explain

XLSTM_STACK = ("xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block=mLSTMBlockConfig(), num_blocks=4, "
               "context_length=8))")
# one default mLSTM block at E = 128: U = up(2 · 128) = 256, Q = 256 / 4 = 64 heads of b = 4, h = 4, K = 4
MLSTM_BLOCK = (128 + 256 + 2 * 256 * 128 + 3 * 64 * 4 * 4 + (256 * 4 + 256) + 2 * (4 * 3 * 256 + 4) + 256
               + 128 * 256)
CASES = {  # expression -> (framework, total derived by hand)
    "minGRU(512)": ("mingru", 2 * 512 * 512),
    "minLSTM(64, expansion_factor=1.5)": ("mingru", 3 * 96 * 64 + 64 * 96),
    # layer 0: weight (20, 4·64) (I ≠ D·H: the skip term has its own matrix), weight_c and bias 2·64 each;
    # layers 1, 2: (64, 3·64) + 2·128
    "SRU(20, 64, num_layers=3)": ("sru", 20 * 256 + 256 + 2 * (64 * 192 + 256)),
    XLSTM_STACK: ("xlstm", 4 * MLSTM_BLOCK + 128),
    # AutoNCP(28, 4): 4 motor, 9 command (int(0.4 · 24)), 15 inter neurons; per layer 4 heads (n, n_in + n) + n
    # and the frozen mask (n, n_in + n)
    "CfC(20, AutoNCP(28, 4))": ("ncps", sum(n * (5 * (i + n) + 4) for i, n in ((20, 15), (15, 9), (9, 4)))),
    "LTC(20, 50)": ("ncps", 3 * 50 + 4 * 50 * 50 + 4 * 20 * 50 + 50 * 50 + 20 * 50 + 2 * 20 + 2 * 50),
    # E = 64, 4 heads of 16: six mixes (64), k_k, k_a (64), r_k (4, 16), r/k/v/o (64, 64); every default LoRA rank
    # is max(32, ...) = 32 here: w, v, a (32·64 + 64·32 + 64), g without bias; g_norm weight and bias
    "RWKV7Attention(hidden_size=64, head_dim=16)": ("fla", 6 * 64 + 2 * 64 + 4 * 16 + 4 * 64 * 64
                                                     + 3 * (2 * 32 * 64 + 64) + 2 * 32 * 64 + 2 * 64),
    # layer 0: weight_ih (20, 10), weight_hh and bias_ih (20); layer 1 reads 20
    "IndRNN(10, 20, 2)": ("reference", (20 * 10 + 40) + (20 * 20 + 40)),
    # two layers of Linear(window · 10 = 20, 3 · 10) with bias
    "QRNN(10, 10, num_layers=2, window=2)": ("reference", 2 * (30 * 20 + 30)),
}


@pytest.mark.parametrize("expr", list(CASES))
def test_inferred_and_counted(expr: str) -> None:
    framework, total = CASES[expr]
    report = rnnparams.count(expr)
    assert report.framework == framework
    assert report.total_params == total
    assert report.to_dict()["framework_verified"] is (framework != "reference")


@pytest.mark.parametrize("expr", list(CASES))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_and_formula(expr: str, lang: str) -> None:
    _, total = CASES[expr]
    text = render_explain(rnnparams.explain(expr), lang)
    assert f"{total:,}" in text
    assert model_formula(rnnparams.count(expr)).total == total
    if lang == "zh":
        assert "说明" in text or "模型总参数量" in text


@pytest.mark.parametrize("expr, words", [
    ("minGRU(64)", ("no recurrent weights", "没有循环权重")),
    ("SRU(8, 8)", ("only matrix product", "唯一的矩阵乘法")),
    (XLSTM_STACK, ("rounded up to a multiple", "向上取整")),
    ("CfC(20, AutoNCP(28, 4))", ("requires_grad=False", "不可训练")),
    ("RWKV7Attention(hidden_size=64, head_dim=16)", ("no attention cache", "没有注意力缓存")),
    ("IndRNN(4, 4)", ("recurrent weight is a vector", "循环权重是一个向量")),
    ("QRNN(4, 4)", ("no recurrent weights", "没有循环权重")),
])
def test_block_notes(expr: str, words: tuple[str, str]) -> None:
    for lang, phrase in zip(("en", "zh"), words, strict=True):
        assert phrase in render_explain(rnnparams.explain(expr), lang)


def test_check_finds_a_miscounted_stack() -> None:
    # num_blocks=4 counted as 3 blocks: the mistake the users made with Mamba's layers
    result = rnnparams.check(XLSTM_STACK, 3 * MLSTM_BLOCK + 128)
    assert not result.correct
    assert any(d.mistakes == ("one_layer_fewer",) for d in result.diagnoses)
    sru = rnnparams.check("SRU(20, 64, num_layers=3)", 20 * 256 + 256 + 3 * (64 * 192 + 256))
    assert any(d.mistakes == ("one_layer_more",) for d in sru.diagnoses)
    assert rnnparams.check("minGRU(512)", 2 * 512 * 512).correct


def test_compare_says_no_equivalent() -> None:
    column = rnnparams.compare("minGRU(64)", "pytorch").layers[0].columns[-1]
    assert column.report is None and "minGRU" in (column.reason or "")


def test_spec_file_with_a_wiring(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "cfc.json"
    path.write_text(json.dumps({"framework": "ncps", "layers": [
        {"type": "CfC", "input_size": 20, "units": {"type": "AutoNCP", "units": 28, "output_size": 4}}]}))
    assert rnnparams.count(str(path)).total_params == CASES["CfC(20, AutoNCP(28, 4))"][1]


@pytest.mark.parametrize("expr, words", [
    ("SRU(8, 8, custom_m='my_module')", "custom_m= replaces"),
    ("xLSTMBlockStackConfig(num_blocks=2)", "is a configuration"),
    ("xLSTMBlockStack(xLSTMBlockStackConfig(num_blocks=2))", "slstm_block is None"),
    ("CfC(20, LTC(3, 4))", "units must be a number or a wiring"),
    ("CfC(20, 0)", "positive integer"),
    ("minGRU(64)", None),
    ("xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block=mLSTMBlockConfig()))", "context_length"),
])
def test_refusals(expr: str, words: str | None) -> None:
    if words is None:
        rnnparams.count(expr, input_shape=(5, 64))
        with pytest.raises(rnnparams.RnnParamsError, match="dim=64"):
            rnnparams.count(expr, input_shape=(5, 32))
        return
    with pytest.raises(rnnparams.RnnParamsError, match=words):
        rnnparams.count(expr)
