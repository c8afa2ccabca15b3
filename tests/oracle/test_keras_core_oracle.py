"""Keras oracle (Keras 3, torch backend): the same model built in real keras — totals, trainable split,
layer names, weight paths and shapes in order, output shapes from a real forward pass."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.errors import RnnParamsError

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
pytestmark = pytest.mark.oracle
L = keras.layers
NAMESPACE = {name: getattr(L, name) for name in dir(L) if not name.startswith("_")}
NAMESPACE.update({"keras": keras, "layers": L})


def build(expr: str, shape: tuple[int | None, ...]) -> keras.Model:
    keras.backend.clear_session()
    layers = [eval(p.strip(), NAMESPACE) for p in expr.split(";") if p.strip()]  # test-side oracle only
    return keras.Sequential([keras.Input(shape), *layers])


def compare(expr: str, shape: tuple[int | None, ...], framework: str = "keras") -> None:
    model = build(expr, shape)
    report = rnnparams.count(expr, framework, list(shape))
    assert report.total_params == model.count_params()
    assert report.trainable_params == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert [layer.name for layer in report.layers] == [layer.name for layer in model.layers]
    for theirs, ours in zip(model.layers, report.layers, strict=True):
        prefix = f"{theirs.name}/"
        paths = [w.path.split("/", 1)[1] if w.path.startswith("sequential") else w.path for w in theirs.weights]
        paths = [p[len(prefix):] if p.startswith(prefix) else p for p in paths]
        assert [(t.name, list(t.shape)) for t in ours.tensors] == [
            (p, list(w.shape)) for p, w in zip(paths, theirs.weights, strict=True)]
        assert ours.params == theirs.count_params()
    first = report.layers[0]
    sample = tuple(2 if d is None else d for d in (None, *shape))
    x = np.random.randint(0, 2, sample) if first.type == "Embedding" else np.random.rand(*sample).astype("float32")
    y = model(x)
    expected = tuple(2 if d is None else d for d in report.layers[-1].output_shape)  # type: ignore[union-attr]
    assert tuple(y.shape) == expected


CASES = []
for h in (1, 2, 3, 4):  # seed 001
    CASES.append(pytest.param(f"SimpleRNN({h}, return_sequences=False); Dense(1)", (50, 3), id=f"seed001-{h}"))
CASES += [
    pytest.param("LSTM(256)", (35, 100), id="seed004-keras"),
    pytest.param("Embedding(1000, 64); SimpleRNN(32)", (10,), id="seed002-emb-rnn"),
    pytest.param("LSTM(256)", (16, 4096), id="seed002-lstm"),
    pytest.param("Conv1D(32, 7)", (500, 128), id="seed002-conv"),
]
for kind in ("SimpleRNN", "LSTM", "GRU"):
    for opts in ("", "use_bias=False", "return_sequences=True", "activation='relu', dropout=0.1",
                 "return_sequences=True, use_bias=False"):
        CASES.append(pytest.param(f"{kind}(5{', ' + opts if opts else ''})", (7, 3), id=f"{kind}-{opts or 'plain'}"))
for merge in ("concat", "sum", "ave", "mul"):
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        CASES.append(pytest.param(f"Bidirectional({kind}(4), merge_mode='{merge}')", (6, 3), id=f"bi-{kind}-{merge}"))
CASES += [
    pytest.param("GRU(5, reset_after=False)", (7, 3), id="gru-reset-false"),
    pytest.param("GRU(5, reset_after=False, use_bias=False)", (7, 3), id="gru-reset-false-nobias"),
    pytest.param("LSTM(8, return_sequences=True); LSTM(4); Dense(2)", (9, 5), id="stack"),
    pytest.param("Bidirectional(LSTM(8, return_sequences=True)); Bidirectional(GRU(4)); Dense(3)", (9, 5),
                 id="bi-stack"),
    pytest.param("LSTM(8, return_sequences=True); TimeDistributed(Dense(3))", (9, 5), id="timedistributed"),
    pytest.param("Dense(4); Dense(2, use_bias=False)", (9, 5), id="dense-3d"),
    pytest.param("Dense(4)", (5,), id="dense-2d"),
    pytest.param("Embedding(100, 8, mask_zero=True); LSTM(4)", (12,), id="emb-mask"),
    pytest.param("Conv1D(8, 3, padding='same')", (20, 4), id="conv-same"),
    pytest.param("Conv1D(8, 3, padding='causal', dilation_rate=2)", (20, 4), id="conv-causal"),
    pytest.param("Conv1D(8, 3, strides=2)", (20, 4), id="conv-strides"),
    pytest.param("Conv1D(8, 3, groups=2, use_bias=False)", (20, 4), id="conv-groups"),
    pytest.param("Conv1D(16, 5); GRU(8)", (40, 4), id="conv-gru"),
    pytest.param("BatchNormalization()", (20, 4), id="bn"),
    pytest.param("BatchNormalization(center=False)", (20, 4), id="bn-nocenter"),
    pytest.param("BatchNormalization(scale=False, center=False)", (20, 4), id="bn-none"),
    pytest.param("LayerNormalization()", (20, 4), id="ln"),
    pytest.param("LayerNormalization(center=False)", (20, 4), id="ln-nocenter"),
    pytest.param("LayerNormalization(rms_scaling=True)", (20, 4), id="ln-rms"),
    pytest.param("Dropout(0.3); Flatten(); Dense(2)", (6, 4), id="dropout-flatten"),
    pytest.param("GlobalAveragePooling1D(); Dense(2)", (6, 4), id="gap"),
    pytest.param("GlobalMaxPooling1D(keepdims=True)", (6, 4), id="gmp-keepdims"),
    pytest.param("Dense(4); RepeatVector(3); LSTM(2)", (5,), id="repeat"),
    pytest.param("LSTM(4, trainable=False); Dense(1)", (6, 3), id="frozen"),
    pytest.param("keras.layers.LSTM(4); layers.Dense(2)", (6, 3), id="prefixes"),
    pytest.param("Embedding(50, 8); Bidirectional(LSTM(6, return_sequences=True)); GlobalMaxPooling1D(); "
                 "Dense(1)", (20,), id="sentiment"),
]


@pytest.mark.parametrize(("expr", "shape"), CASES)
def test_table(expr: str, shape: tuple[int, ...]) -> None:
    compare(expr, shape)


def test_keras2_gru_default_is_reset_after_false() -> None:
    model = build("GRU(5, reset_after=False)", (7, 3))
    assert rnnparams.count("GRU(5)", "keras2", "7,3").total_params == model.count_params()


@pytest.mark.parametrize(("kind", "gates"), [("CuDNNLSTM", 4), ("CuDNNGRU", 3)])
def test_cudnn_layers_by_hand(kind: str, gates: int) -> None:
    """CuDNNLSTM: kernel (I, 4H), recurrent_kernel (H, 4H), bias (8H) → 4H(I + H + 2); CuDNNGRU: 3H(I + H + 2)."""
    i, h = 10, 6
    report = rnnparams.count(f"{kind}({h})", "keras2", f"5,{i}")
    assert report.total_params == gates * h * (i + h + 2)
    assert [list(t.shape) for t in report.layers[0].tensors] == [[i, gates * h], [h, gates * h], [2 * gates * h]]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_stacks(data: st.DataObject) -> None:
    depth = data.draw(st.integers(1, 3))
    parts = []
    if data.draw(st.booleans()):
        parts.append(f"Embedding({data.draw(st.integers(2, 40))}, {data.draw(st.integers(1, 8))})")
        shape: tuple[int, ...] = (data.draw(st.integers(1, 6)),)
    else:
        shape = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 8)))
    for k in range(depth):
        kind = data.draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
        units = data.draw(st.integers(1, 16))
        opts = f"{units}, return_sequences={k < depth - 1}, use_bias={data.draw(st.booleans())}"
        if kind == "GRU":
            opts += f", reset_after={data.draw(st.booleans())}"
        layer = f"{kind}({opts})"
        if data.draw(st.booleans()):
            merge = data.draw(st.sampled_from(["concat", "sum", "ave", "mul"]))
            layer = f"Bidirectional({layer}, merge_mode='{merge}')"
        parts.append(layer)
    if data.draw(st.booleans()):
        parts.append(f"Dense({data.draw(st.integers(1, 5))})")
    compare("; ".join(parts), shape)


@pytest.mark.parametrize(("expr", "shape"), [("Dense(4); LSTM(3)", (8,)), ("LSTM(0)", (5, 3))])
def test_errors_mirror_keras(expr: str, shape: tuple[int, ...]) -> None:
    with pytest.raises(Exception):  # noqa: B017 (keras raises ValueError or its own errors)
        build(expr, shape)
    with pytest.raises(RnnParamsError):
        rnnparams.count(expr, "keras", list(shape))


def test_missing_input_says_how_to_give_it() -> None:
    with pytest.raises(RnnParamsError, match="input"):
        rnnparams.count("LSTM(4)", "keras")
