"""The Keras layers of the layers issue on every surface, from their declarations in conventions/keras/ alone:
count, explain (en, zh), formula, compare, estimate, code files, spec files, checkpoints. Numbers are derived by
hand here; tests/oracle/test_keras_layers_oracle.py and test_keras_mixed_oracle.py check them against Keras."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import rnnparams
from rnnparams.analysis.translate import read_layer
from rnnparams.conventions import FRAMEWORKS
from rnnparams.render.explain import render_explain


def count(code: str, **kw: object) -> rnnparams.Report:
    return rnnparams.count(textwrap.dedent(code), **kw)  # type: ignore[arg-type]


def mha(e_q: int, heads: int, key_dim: int, e_kv: int | None = None, bias: bool = True) -> int:
    """query, key, value kernels (E, N_h, d) + biases (N_h, d), the output kernel (N_h, d, E_q) + bias (E_q)."""
    e_kv = e_q if e_kv is None else e_kv
    inner = heads * key_dim
    return (e_q + 2 * e_kv) * inner + inner * e_q + ((3 * inner + e_q) if bias else 0)


def test_counts_by_hand() -> None:
    r = rnnparams.count("SeparableConv2D(8, 3, depth_multiplier=2)", "keras", (10, 10, 4))
    assert [(t.name, t.shape) for t in r.layers[0].tensors] == [
        ("depthwise_kernel", (3, 3, 4, 2)), ("pointwise_kernel", (1, 1, 8, 8)), ("bias", (8,))]
    assert r.total_params == 3 * 3 * 4 * 2 + 8 * 8 + 8 and r.layers[0].output_shape == (None, 8, 8, 8)
    r = rnnparams.count("Conv1DTranspose(6, 3, strides=2)", "keras", (10, 4))
    assert [(t.name, t.shape) for t in r.layers[0].tensors] == [("kernel", (3, 6, 4)), ("bias", (6,))]
    assert r.layers[0].output_shape == (None, (10 - 1) * 2 + 3, 6)
    r = rnnparams.count("ConvLSTM2D(5, 3, return_sequences=True)", "keras", (4, 8, 8, 2))
    assert r.total_params == 4 * 5 * (3 * 3 * (2 + 5) + 1) and r.layers[0].output_shape == (None, 4, 6, 6, 5)
    r = rnnparams.count("PReLU(shared_axes=[1])", "keras", (7, 6))
    assert [(t.name, t.shape) for t in r.layers[0].tensors] == [("alpha", (1, 6))]
    r = rnnparams.count("BatchNormalization(renorm=True)", "keras", (5, 4))
    assert r.total_params == 7 * 4 and r.trainable_params == 2 * 4
    r = rnnparams.count("RNN(StackedRNNCells([LSTMCell(4), GRUCell(3)]))", "keras", (6, 5))
    assert [t.name for t in r.layers[0].tensors][::3] == ["stacked_rnn_cells/lstm_cell/kernel",
                                                           "stacked_rnn_cells/gru_cell/kernel"]
    assert r.total_params == 4 * 4 * (5 + 4 + 1) + 3 * 3 * (4 + 3 + 2)


def test_lookup_and_text_layers_by_hand() -> None:
    """Layers keras 3.15 runs only with TensorFlow: no weights, "int" outputs of the input's shape."""
    assert rnnparams.count("StringLookup(); Embedding(20, 4)", "keras", (7,)).layers[1].output_shape == (None, 7, 4)
    text = rnnparams.count("TextVectorization(output_sequence_length=12); Embedding(100, 8)", "keras", (1,))
    assert text.layers[0].output_shape == (None, 12) and text.total_params == 800
    assert rnnparams.count("Hashing(16, output_mode='one_hot')", "keras", (1,)).layers[0].output_shape == (None, 16)
    with pytest.raises(rnnparams.RnnParamsError, match="adapt"):
        rnnparams.count("IntegerLookup(output_mode='multi_hot')", "keras", (3,))
    with pytest.raises(rnnparams.RnnParamsError, match="pad_to_max_tokens"):
        rnnparams.count("TextVectorization(output_mode='tf_idf')", "keras", (1,))


@pytest.mark.parametrize("lang, words", [("en", "attention heads"), ("zh", "注意力头数")])
def test_explain_words_and_formula(lang: str, words: str) -> None:
    code = """
        import keras
        x = keras.Input((5, 8))
        model = keras.Model(x, keras.layers.MultiHeadAttention(2, 4)(x, x))
        """
    text = render_explain(rnnparams.explain(textwrap.dedent(code)), lang)
    assert words in text and f"{mha(8, 2, 4):,}" in text
    depth = render_explain(rnnparams.explain("Conv3D(2, 3)", "keras", (4, 4, 4, 1)), lang)
    assert ("kernel depth" if lang == "en" else "卷积核深度") in depth
    lam = render_explain(rnnparams.explain("Lambda(lambda x: x, output_shape=(3,)); Dense(2)", "keras", (3,)), lang)
    assert ("is not read" if lang == "en" else "不会被读取") in lam
    f = rnnparams.formula("Conv1D(4, 3); DepthwiseConv1D(3, depth_multiplier=2); GroupNormalization(4); "
                          "Flatten(); Dense(2)", "keras", (12, 3))
    assert f.formula.evaluate(f.env) == f.total == rnnparams.count(
        "Conv1D(4, 3); DepthwiseConv1D(3, depth_multiplier=2); GroupNormalization(4); Flatten(); Dense(2)", "keras",
        (12, 3)).total_params


def test_equivalents() -> None:
    """MultiHeadAttention(h, E // h) reads as the attention family (PyTorch's MultiheadAttention(E, h)), PReLU
    with the time axis shared as prelu(C), a Conv3D as conv3d; each written back counts the same."""
    report = count("""
        import keras
        x = keras.Input((5, 8))
        y = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
        model = keras.Model(x, keras.layers.PReLU(shared_axes=[1])(y))
        """)
    attention, prelu = (read_layer(layer, "keras") for layer in report.layers)
    assert attention is not None and attention.family == "attention"
    assert dict(attention.values) == {"in": 8, "heads": 2, "kdim": None, "vdim": None, "bias": True}
    assert prelu is not None and (prelu.family, prelu.values["in"], prelu.values["shared"]) == ("prelu", 8, False)
    c = rnnparams.compare(rnnparams.api.to_spec(textwrap.dedent("""
        import keras
        x = keras.Input((5, 8))
        y = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
        model = keras.Model(x, keras.layers.PReLU(shared_axes=[1])(y))
        """)), ["keras", "keras2"])
    assert c.totals() == {"keras": report.total_params, "keras2": report.total_params}
    conv = rnnparams.compare("Conv3D(4, (3, 3, 3), strides=2)", ["keras", "keras2"], input_shape=(8, 8, 8, 2))
    assert conv.totals() == {"keras": 4 * (27 * 2 + 1), "keras2": 4 * (27 * 2 + 1)}
    spectral = rnnparams.compare("SpectralNormalization(Dense(3))", ["keras", "pytorch"], input_shape=(4,))
    column = spectral.layers[0].columns[1]
    assert column.report is None and "power-iteration" in (column.reason or "")
    assert FRAMEWORKS["keras"].layers["GroupNormalization"].equivalent.writes == {
        "groupnorm": ("groups", "scale", "center")}


def test_estimate_declared_work() -> None:
    """A transposed convolution applies its kernel at every input position; attention's projections at every
    query position, plus its score products: each query against S keys and S values per head, S·N_h·(d_k + d_v)
    (docs/estimates.md)."""
    est = rnnparams.estimate("Conv1DTranspose(6, 3, strides=2)", "keras", (10, 4), batch=2, seq_len=None)
    layer = est.to_dict()["layers"][0]
    assert layer["macs"]["sequence"] == 10 * 3 * 6 * 4
    code = ("import keras\nx = keras.Input((5, 8))\n"
            "model = keras.Model(x, keras.layers.MultiHeadAttention(2, 4)(x, x))\n")
    est = rnnparams.estimate(code, batch=2, seq_len=None)
    scores = 5 * 2 * (4 + 4)  # S = 5 keys, 2 heads, key_dim = value_dim = 4
    assert est.to_dict()["layers"][0]["macs"]["sequence"] == 5 * (mha(8, 2, 4) - (3 * 8 + 8) + scores)


def test_code_reader_follows_the_new_idioms(tmp_path: Path) -> None:
    sub = count("""
        import keras
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.features = keras.Sequential([keras.layers.Conv1D(8, 3), keras.layers.MaxPooling1D(2)])
                self.blocks = [keras.layers.Dense(6), keras.layers.Dense(4)]
                self.head = keras.layers.Dense(2)
            def call(self, x):
                x = self.features(x)
                for block in self.blocks:
                    x = block(x)
                return self.head(keras.layers.GlobalAveragePooling1D()(x))
        model = Net()
        model.build((None, 20, 3))
        """, select="model")
    assert [layer.name for layer in sub.layers] == ["conv1d", "max_pooling1d", "dense", "dense_1", "dense_2"]
    assert sub.total_params == 3 * 3 * 8 + 8 + 8 * 6 + 6 + 6 * 4 + 4 + 4 * 2 + 2
    graph = count("""
        from tensorflow import keras
        from tensorflow.keras import layers
        a = keras.Input((6, 4))
        b = keras.Input((6, 2))
        x = layers.concatenate([layers.LSTM(3, return_sequences=True)(a), b])
        y = layers.Lambda(lambda t: t[:, -1, :])(x)
        model = keras.Model([a, b], layers.Dense(1)(y))
        """)
    assert [(layer.name, layer.output_shape) for layer in graph.layers] == [
        ("lstm", (None, 6, 3)), ("concatenate", (None, 6, 5)), ("lambda", (None, 5)), ("dense", (None, 1))]
    with pytest.raises(rnnparams.RnnParamsError, match="another framework"):
        count("import keras\nm = keras.Sequential([keras.Input((3,)), keras.layers.TorchModuleWrapper(None)])\n")
    spec = tmp_path / "graph.json"
    from rnnparams.inputs.specfile import dump_spec

    spec.write_text(dump_spec(rnnparams.api.to_spec(textwrap.dedent("""
        import keras
        a = keras.Input((6, 4))
        model = keras.Model(a, keras.layers.Add()([keras.layers.Dense(4)(a), a]))
        """)), "json"))
    assert json.loads(spec.read_text())["layers"][1]["inbound_shape"] == [[None, 6, 4], [None, 6, 4]]
    assert rnnparams.count(str(spec)).total_params == 20


def test_refusals_are_clear() -> None:
    with pytest.raises(rnnparams.RnnParamsError, match="list of inputs"):
        rnnparams.count("Concatenate()", "keras", (5, 3))
    with pytest.raises(rnnparams.RnnParamsError, match="one step of a recurrent layer"):
        rnnparams.count("LSTMCell(4)", "keras", (5, 3))
    with pytest.raises(rnnparams.RnnParamsError, match="output_padding"):
        rnnparams.count("Conv2DTranspose(2, 3, strides=2, output_padding=2)", "keras", (5, 5, 1))
    with pytest.raises(rnnparams.RnnParamsError, match="alpha"):
        rnnparams.count("PReLU()", "keras", (None, 4))
    with pytest.raises(rnnparams.RnnParamsError, match=r"docs/layers\.md"):
        rnnparams.count("Sequential([Input((3,)), Densee(3)])")


def test_inspect_keras_files(tmp_path: Path) -> None:
    """A .keras file (config and weights) and a weights-only .weights.h5 of the new layers: every tensor
    recognised and counted as Keras counts it."""
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    layers = keras.layers
    model = keras.Sequential([keras.Input((16, 1)), layers.Normalization(axis=None), layers.Conv1D(2, 1),
                              layers.Conv1DTranspose(3, 2), layers.SeparableConv1D(4, 3), layers.DepthwiseConv1D(2),
                              layers.BatchNormalization(), layers.Dense(2)])
    # (a depthwise kernel (K, C, 1) and its bias (C) are also a transposed kernel on one channel: the file cannot
    # tell them apart, and the depthwise reading is the one inspect takes)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    full = rnnparams.inspect(tmp_path / "m.keras")
    assert full.complete and full.spec_report is not None and full.spec_report.total_params == model.count_params()
    weights = rnnparams.inspect(tmp_path / "m.weights.h5")
    assert not weights.unrecognised and weights.total_params == model.count_params()
    assert {x.type for x in weights.layers} == {"Normalization", "Conv1DTranspose", "SeparableConv1D",
                                                "DepthwiseConv1D", "Conv1D", "BatchNormalization", "Dense"}
