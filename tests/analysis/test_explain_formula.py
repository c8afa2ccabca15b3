"""explain and formula: the seeds' derivations verbatim, and formulas that agree with count for any values."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.analysis.formula import model_formula
from rnnparams.api import explain, formula
from rnnparams.render.explain import render_explain

# --- seed derivations ---------------------------------------------------------------------------------------


def test_seed_000_simple_rnn_with_output_layer() -> None:
    """Seed 000: I = 100, H = 64, O = 10: H × (I + H + 1) = 64 × (100 + 64 + 1) = 64 × 165 = 10,560;
    with the output layer O × (H + 1) = 10 × (64 + 1) = 10 × 65 = 650, total 11,210."""
    text = render_explain(explain("SimpleRNN(64, input_shape=[None, 100]); Dense(10)"))
    assert "H × (I + H + 1)" in text
    assert "= 64 × (100 + 64 + 1)" in text
    assert "= 64 × 165" in text
    assert "= 10,560" in text
    assert "O × (I + 1)" in text and "= 10 × (64 + 1)" in text and "= 10 × 65" in text and "= 650" in text
    assert "10,560 + 650 = 11,210" in text


@pytest.mark.parametrize("h", [1, 2, 3, 4])
def test_seed_001_simple_rnn_per_neuron(h: int) -> None:
    """Seed 001: SimpleRNN(h) on [50, 3] has h × (3 + h + 1) = 5, 12, 21, 32; Dense(1) after it 1 × (h + 1)."""
    ex = explain(f"SimpleRNN({h}, input_shape=[50, 3]); Dense(1)")
    rnn, dense = ex.layers
    assert rnn.total.result == h * (3 + h + 1) == {1: 5, 2: 12, 3: 21, 4: 32}[h]
    assert dense.total.result == h + 1
    assert ex.total_params == {1: 7, 2: 15, 3: 25, 4: 37}[h]
    text = render_explain(ex)
    assert f"= {h} × (3 + {h} + 1)" in text


def test_seed_002_numbers() -> None:
    """Seed 002: Embedding 10000 × 64 (and 1000 × 64 = 64,000); SimpleRNN 64·32 + 32·32 + 32 = 3,104;
    LSTM 4(nm + n + n²) with m = 4096, n = 256 = 4,457,472; Conv1D 7·128·32 + 32 = 28,704."""
    ex = explain("Embedding(1000, 64); SimpleRNN(32)")
    assert [layer.total.result for layer in ex.layers] == [64_000, 3_104]
    assert "= 32 × (64 + 32 + 1)" in render_explain(ex)
    assert explain("LSTM(256)", "keras", "16,4096").layers[0].total.result == 4 * (4096 * 256 + 256 + 256**2)
    conv = explain("Conv1D(32, 7)", "keras", "500,128").layers[0]
    assert conv.total.result == 7 * 128 * 32 + 32 == 28_704


def test_seed_004_both_frameworks() -> None:
    """Seed 004: input 100, hidden 256: PyTorch 4·256·(100 + 256 + 2) = 366,592, Keras 4·256·(100 + 256 + 1)."""
    torch_text = render_explain(explain("nn.LSTM(100, 256)"))
    assert "4 × H × (I + H + 2)" in torch_text and "= 4 × 256 × 358" in torch_text and "366,592" in torch_text
    keras_text = render_explain(explain("LSTM(256)", "keras", "35,100"))
    assert "4 × H × (I + H + 1)" in keras_text and "= 4 × 256 × 357" in keras_text and "365,568" in keras_text


def test_gates_named_per_framework() -> None:
    assert explain("nn.LSTM(3, 4)").layers[0].gates == ("i", "f", "g", "o")
    assert explain("LSTM(4)", "keras", "5,3").layers[0].gates == ("i", "f", "c", "o")
    assert explain("nn.GRU(3, 4)").layers[0].gates == ("r", "z", "n")
    assert explain("GRU(4)", "keras", "5,3").layers[0].gates == ("z", "r", "h")


@pytest.mark.parametrize(("model", "framework", "shape", "note"), [
    ("nn.LSTM(3, 4)", None, None, "two_biases"),
    ("LSTM(4)", "keras", "5,3", "one_bias"),
    ("GRU(4)", "keras", "5,3", "reset_after_true"),
    ("GRU(4)", "keras2", "5,3", "reset_after_false"),
    ("CuDNNLSTM(4)", "keras2", "5,3", "cudnn_bias"),
    ("nn.GRU(3, 4, num_layers=2)", None, None, "upper_layers_input"),
    ("nn.GRU(3, 4, bidirectional=True)", None, None, "bidirectional"),
    ("nn.LSTM(3, 4, proj_size=2)", None, None, "projection"),
    ("nn.BatchNorm1d(4)", None, None, "bn_buffers"),
    ("BatchNormalization()", "keras", "5,3", "bn_non_trainable"),
    ("nn.Embedding(10, 3)", None, None, "embedding"),
    ("Dropout(0.1)", "keras", "5,3", "no_params"),
    ("nn.RNN(3, 4, bias=False)", None, None, "no_bias"),
])
def test_convention_notes(model: str, framework: str | None, shape: str | None, note: str) -> None:
    assert note in explain(model, framework, shape).layers[0].notes


def test_notes_absent_where_they_do_not_apply() -> None:
    notes = explain("nn.LSTM(3, 4)").layers[0].notes
    assert "upper_layers_input" not in notes and "bidirectional" not in notes and "projection" not in notes


@pytest.mark.parametrize("model", ["nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)",
                                   "Embedding(1000, 64); Bidirectional(GRU(32, return_sequences=True)); Dense(3)",
                                   "nn.BatchNorm1d(8)"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_every_tensor_and_total_appears(model: str, lang: str, fmt: str) -> None:
    report = rnnparams.count(model)
    text = render_explain(explain(model), lang, fmt)
    for layer in report.layers:
        for tensor in (*layer.tensors, *layer.buffers):
            assert tensor.name in text
    assert f"{report.total_params:,}" in text


def test_chinese_uses_chinese_terms_and_punctuation() -> None:
    text = render_explain(explain("nn.LSTM(100, 256)"), "zh")
    for term in ("输入维度", "隐藏单元数", "偏置", "输入门", "遗忘门", "参数量"):
        assert term in text
    assert "：" in text and "（" in text  # full-width punctuation next to Chinese
    assert "(4·H, I)" in text  # shapes keep ASCII


def test_explain_json_contract() -> None:
    data = explain("nn.GRU(10, 20)").to_dict()
    layer = data["layers"][0]
    assert layer["params"] == 3 * 20 * (10 + 20 + 2)
    assert layer["formula"] == "3·H·(I + H + 2)"
    assert layer["gates"] == ["r", "z", "n"]
    assert {g["group"] for g in layer["groups"]} == {"input_weights", "recurrent_weights", "biases"}


# --- formula: substitute random values and compare with count --------------------------------------------------

def _torch_stack(kind: str, i: int, h: int, layers: int, bidi: bool, proj: int, bias: bool) -> str:
    extra = f", proj_size={proj}" if proj else ""
    return f"nn.{kind}({i}, {h}, num_layers={layers}, bidirectional={bidi}, bias={bias}{extra})"


torch_configs = st.tuples(st.sampled_from(["RNN", "LSTM", "GRU"]), st.integers(1, 300), st.integers(2, 300),
                          st.integers(1, 5), st.booleans(), st.booleans())


@settings(max_examples=150, deadline=None)
@given(a=torch_configs, b=torch_configs)
def test_formula_of_one_config_counts_another(a: tuple, b: tuple) -> None:  # type: ignore[type-arg]
    """The closed form does not depend on the values it was derived from: the formula of configuration A,
    evaluated with B's symbols, is B's count (same layer kind and bias)."""
    kind, _, _, _, _, bias = a
    fa = formula(_torch_stack(kind, *a[1:5], 0, bias))
    expr_b = _torch_stack(kind, *b[1:5], 0, bias)
    fb = formula(expr_b)
    assert fa.formula == fb.formula
    assert fa.formula.evaluate(fb.env) == rnnparams.count(expr_b).total_params


@settings(max_examples=100, deadline=None)
@given(v=st.integers(2, 50_000), e=st.integers(1, 512), h=st.integers(2, 512), h2=st.integers(2, 512),
       o=st.integers(1, 100), merge=st.sampled_from(["concat", "sum"]))
def test_keras_chain_formula_links_layers(v: int, e: int, h: int, h2: int, o: int, merge: str) -> None:
    model = (f"Embedding({v}, {e}); LSTM({h}, return_sequences=True); "
             f"Bidirectional(GRU({h2}), merge_mode='{merge}'); Dense({o})")
    f = formula(model, "keras", "20")
    assert f.formula.evaluate(f.env) == rnnparams.count(model, "keras", "20").total_params
    text = f.formula.render()
    assert "E + H" in text  # the LSTM reads the embedding's E features, not a new input symbol
    assert "I" not in {s.base for s in f.symbols}


def test_formula_text_and_latex() -> None:
    f = formula("nn.LSTM(100, 256, num_layers=2, bidirectional=True)")
    assert f.formula.render() == "4·D·H·(I + H + 2) + 4·(L − 1)·D·H·(D·H + H + 2)"
    assert f.to_dict()["latex"].startswith(r"4 \cdot D \cdot H \cdot \left(I + H + 2\right)")
    # L = 2, D = 2: 2·4·256·(100 + 256 + 2) + 1·2·4·256·(512 + 256 + 2), by hand
    assert f.total == 2 * 4 * 256 * 358 + 2 * 4 * 256 * 770


def test_model_formula_matches_count_for_every_layer_type() -> None:
    for model, fw, shape in [
        ("nn.Embedding(50, 8); nn.Conv1d(8, 16, 3, groups=2); nn.BatchNorm1d(16); nn.Dropout()", None, None),
        ("nn.LayerNorm([4, 5]); nn.Linear(5, 3)", None, None),
        ("Conv1D(8, 3); BatchNormalization(); LayerNormalization(); GlobalMaxPooling1D(); RepeatVector(3); "
         "TimeDistributed(Dense(2)); Flatten(); Dense(1)", "keras", "10,4"),
        ("CuDNNGRU(5, return_sequences=True); CuDNNLSTM(3)", "keras2", "10,4"),
    ]:
        report = rnnparams.count(model, fw, shape)
        f = model_formula(report)
        assert f.formula.evaluate(f.env) == report.total_params
