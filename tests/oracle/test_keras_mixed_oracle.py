"""Hypothesis-generated Keras models against real Keras 3 (torch backend): a convolutional front end (1-D, or 2-D
then reshaped into a sequence, CRNN style), recurrent layers, attention and a head, written as a Sequential
(counted from its expression and from its code) and as a functional model (counted by the code reader), 300
models per run in all. keras_models.compare says what must agree."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from keras_models import code_case, sequential_case

pytestmark = pytest.mark.oracle
EXAMPLES = int(os.environ.get("RNNPARAMS_MIXED_EXAMPLES", "100"))
"""Per test (three tests): small sizes keep one model well under a second."""

sizes = st.integers(1, 5)


@st.composite
def front_1d(draw: st.DrawFn) -> list[str]:
    layers = []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["Conv1D", "SeparableConv1D", "DepthwiseConv1D", "Conv1DTranspose"]))
        k = draw(st.integers(1, 3))
        pad = draw(st.sampled_from(["same", "valid"]))
        bias = draw(st.booleans())
        if kind == "DepthwiseConv1D":
            layers.append(f"DepthwiseConv1D({k}, padding='{pad}', depth_multiplier={draw(sizes)}, use_bias={bias})")
        elif kind == "Conv1D":
            pad = draw(st.sampled_from(["same", "valid", "causal"]))
            layers.append(f"Conv1D({draw(sizes)}, {k}, padding='{pad}', dilation_rate={draw(st.integers(1, 2))}, "
                          f"use_bias={bias})")
        else:
            layers.append(f"{kind}({draw(sizes)}, {k}, padding='{pad}', use_bias={bias})")
        extra = draw(st.sampled_from(["", "BatchNormalization()", "MaxPooling1D(2, padding='same')", "PReLU()",
                                      "Activation('relu')", "SpatialDropout1D(0.1)", "LayerNormalization()",
                                      "ZeroPadding1D(1)", "UpSampling1D(2)"]))
        if extra:
            layers.append(extra)
    return layers


@st.composite
def front_2d(draw: st.DrawFn) -> list[str]:
    """Images (H, W, C) through a 2-D convolution, reshaped into a sequence of their positions."""
    kind = draw(st.sampled_from(["Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose"]))
    k = draw(st.integers(1, 3))
    conv = (f"DepthwiseConv2D({k}, padding='same', depth_multiplier={draw(sizes)})" if kind == "DepthwiseConv2D"
            else f"{kind}({draw(sizes)}, {k}, padding='same', use_bias={draw(st.booleans())})")
    pool = draw(st.sampled_from(["", "MaxPooling2D(2, padding='same')", "AveragePooling2D((1, 2), padding='same')",
                                 "GroupNormalization(groups=1)", "Cropping2D(((0, 1), (0, 0)))"]))
    return [conv, *([pool] if pool else []), "Reshape((-1, {c}))"]


@st.composite
def recurrent(draw: st.DrawFn, last: bool) -> str:
    units = draw(sizes)
    kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU", "RNN", "Stacked"]))
    seq = "True" if not last else str(draw(st.booleans()))
    bias = draw(st.booleans())
    if kind == "RNN":
        cell = draw(st.sampled_from(["SimpleRNNCell", "LSTMCell", "GRUCell"]))
        layer = f"RNN({cell}({units}, use_bias={bias}), return_sequences={seq})"
    elif kind == "Stacked":
        cells = ", ".join(f"{draw(st.sampled_from(['LSTMCell', 'GRUCell', 'SimpleRNNCell']))}({draw(sizes)})"
                          for _ in range(draw(st.integers(1, 3))))
        layer = f"RNN(StackedRNNCells([{cells}]), return_sequences={seq})"
    else:
        extra = f", reset_after={draw(st.booleans())}" if kind == "GRU" else ""
        layer = f"{kind}({units}, use_bias={bias}, return_sequences={seq}{extra})"
    if kind != "Stacked" and draw(st.booleans()):
        layer = f"Bidirectional({layer}, merge_mode='{draw(st.sampled_from(['concat', 'sum', 'ave', 'mul']))}')"
    return layer


def _fill(layers: list[str], channels: int) -> list[str]:
    """A Reshape((-1, {c})) reads the channels the layers before it give."""
    return [part.format(c=channels) for layer in layers for part in layer.split("; ")]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_sequential_models(data: st.DataObject) -> None:
    """Conv front end -> recurrent layers -> head, as a Sequential: expression and code."""
    channels = data.draw(st.integers(1, 4))
    two_d = data.draw(st.booleans())
    layers = data.draw(front_2d()) if two_d else data.draw(front_1d())
    shape: tuple[int, ...] = (data.draw(st.integers(3, 6)), data.draw(st.integers(3, 6)), channels) if two_d else (
        data.draw(st.integers(4, 9)), channels)
    depth = data.draw(st.integers(1, 2))
    layers += [data.draw(recurrent(last=k == depth - 1)) for k in range(depth)]
    head = data.draw(st.sampled_from(["Dense(2)", "Flatten(); Dense(3, use_bias=False)", "Dropout(0.2); Dense(1)"]))
    layers.append(head)
    c = _last_channels(layers, channels)
    expr = "; ".join(_fill(layers, c))
    report = sequential_case(expr, shape)
    event("refused by Keras and rnnparams" if report is None else "counted")
    if report is not None:
        code = ("import keras\nfrom keras.layers import *\nmodel = keras.Sequential([keras.Input("
                f"{shape!r}), {', '.join(expr.split('; '))}])\n")
        again = code_case(code)
        assert again is not None and again.total_params == report.total_params


def _last_channels(layers: list[str], channels: int) -> int:
    """The channels a Reshape((-1, c)) reads: each layer's output width, as far as it is written in its call
    (convolutions' filters, a depthwise one's multiplier), before the first recurrent layer."""
    import re

    c = channels
    for layer in layers:
        if layer.startswith(("Reshape", "RNN", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "ConvLSTM")):
            break
        if layer.startswith("DepthwiseConv"):
            c *= int(re.search(r"depth_multiplier=(\d+)", layer).group(1))  # type: ignore[union-attr]
        elif layer.startswith(("Conv", "SeparableConv")):
            c = int(re.match(r"\w+\((\d+)", layer).group(1))  # type: ignore[union-attr]
    return c


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_functional_models(data: st.DataObject) -> None:
    """Conv front end -> recurrent layer -> attention (multi-head, dot or additive, self or over a second input)
    -> a residual merge -> head, as functional code."""
    steps, channels = data.draw(st.integers(4, 8)), data.draw(st.integers(1, 4))
    lines = ["import keras", "from keras import layers", f"x = keras.Input(({steps}, {channels}))", "h = x"]
    for layer in data.draw(front_1d()):
        lines.append(f"h = layers.{layer}(h)")
    units = data.draw(sizes)
    rnn = data.draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
    lines.append(f"h = layers.{rnn}({units}, return_sequences=True)(h)")
    second = data.draw(st.booleans())
    inputs = "x"
    other = "h"
    if second:
        lines.append(f"y = keras.Input(({data.draw(st.integers(2, 6))}, {data.draw(sizes)}))")
        lines.append(f"k = layers.Dense({units})(y)")
        inputs, other = "[x, y]", "k"
    attention = data.draw(st.sampled_from(["mha", "gqa", "dot", "additive"]))
    if attention == "mha":
        value_dim = data.draw(st.sampled_from(["None", "2", "3"]))
        lines.append(f"a = layers.MultiHeadAttention({data.draw(sizes)}, {data.draw(sizes)}, value_dim={value_dim}, "
                     f"use_bias={data.draw(st.booleans())})(h, {other})")
    elif attention == "gqa":  # query and value of one width, and of one length with the key
        kv = data.draw(st.integers(1, 2))
        lines.append(f"a = layers.GroupQueryAttention({data.draw(sizes)}, {kv * data.draw(st.integers(1, 2))}, "
                     f"{kv})(h, h)")
    else:
        kind = "Attention" if attention == "dot" else "AdditiveAttention"
        lines.append(f"a = layers.{kind}(use_scale={data.draw(st.booleans())})([h, {other}])")
    merge = data.draw(st.sampled_from(["add", "concatenate", "multiply", "average", "none"]))
    lines.append("m = a" if merge == "none" else f"m = layers.{merge}([h, a])")
    head = data.draw(st.sampled_from(["layers.GlobalAveragePooling1D()(m)", "layers.GlobalMaxPooling1D()(m)",
                                      "layers.Flatten()(m)", "layers.Lambda(lambda t: t[:, -1, :])(m)",
                                      "layers.LayerNormalization()(m)"]))
    lines.append(f"model = keras.Model({inputs}, layers.Dense({data.draw(sizes)})({head}))")
    event("refused by Keras and rnnparams" if code_case("\n".join(lines) + "\n") is None else "counted")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_crnn_models(data: st.DataObject) -> None:
    """A CRNN: 2-D convolutions over an image, pooled, its width read as time, a bidirectional recurrent layer and
    a per-step classifier (functional code)."""
    h, w, c = data.draw(st.integers(4, 8)), data.draw(st.integers(4, 10)), data.draw(st.integers(1, 3))
    lines = ["import keras", "from keras import layers", f"x = keras.Input(({h}, {w}, {c}))", "z = x"]
    for _ in range(data.draw(st.integers(1, 2))):
        kind = data.draw(st.sampled_from(["Conv2D", "SeparableConv2D"]))
        lines.append(f"z = layers.{kind}({data.draw(sizes)}, 3, padding='same', activation='relu')(z)")
        lines.append(f"z = layers.{data.draw(st.sampled_from(['MaxPooling2D', 'AveragePooling2D']))}((2, 1), "
                     "padding='same')(z)")
        if data.draw(st.booleans()):
            lines.append("z = layers.BatchNormalization()(z)")
    lines.append("z = layers.Permute((2, 1, 3))(z)")
    lines.append("z = layers.Reshape((z.shape[1], z.shape[2] * z.shape[3]))(z)")
    rnn = data.draw(st.sampled_from(["LSTM", "GRU"]))
    lines.append(f"z = layers.Bidirectional(layers.{rnn}({data.draw(sizes)}, return_sequences=True))(z)")
    lines.append(f"model = keras.Model(x, layers.TimeDistributed(layers.Dense({data.draw(sizes)}))(z))")
    event("refused by Keras and rnnparams" if code_case("\n".join(lines) + "\n") is None else "counted")
