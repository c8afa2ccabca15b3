"""2-D convolutions against the real frameworks: nn.Conv2d in torch 2.13 and Conv2D in Keras 3 (torch backend).
Totals, tensor names and shapes in order, output shapes from a real forward pass, and the frameworks' refusals,
over table cases and hypothesis-generated configurations."""

from __future__ import annotations

import os
import warnings

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.errors import RnnParamsError

os.environ.setdefault("KERAS_BACKEND", "torch")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
nn = torch.nn
pytestmark = pytest.mark.oracle
torch.set_num_threads(1)


def torch_case(args: str, shape: tuple[int, ...]) -> None:
    """Count `nn.Conv2d(args)` on `shape` (one sample, channels first) and build it in torch."""
    expr = f"nn.Conv2d({args})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = eval(expr, {"nn": nn})  # test-side oracle only
            y = module(torch.zeros(2, *shape))
    except (ValueError, RuntimeError):
        with pytest.raises(RnnParamsError):
            rnnparams.count(expr, input_shape=shape)
        return
    report = rnnparams.count(expr, input_shape=shape)
    (layer,) = report.layers
    assert [(t.name, list(t.shape)) for t in layer.tensors] == [(n, list(p.shape))
                                                                 for n, p in module.named_parameters()]
    assert report.total_params == sum(p.numel() for p in module.parameters())
    assert (2, *layer.output_shape[1:]) == tuple(y.shape)  # type: ignore[misc]


def keras_case(args: str, shape: tuple[int, ...]) -> None:
    """Count `Conv2D(args)` on `shape` (one sample) and build it in Keras."""
    keras.backend.clear_session()
    expr = f"Conv2D({args})"
    try:
        model = keras.Sequential([keras.Input(shape), eval(expr, {"Conv2D": keras.layers.Conv2D})])
        y = model(np.zeros((2, *shape), dtype="float32"))
    except ValueError:
        with pytest.raises(RnnParamsError):
            rnnparams.count(expr, "keras", shape)
        return
    report = rnnparams.count(expr, "keras", shape)
    (layer,) = report.layers
    theirs = model.layers[0]
    assert layer.name == theirs.name
    assert [(t.name, list(t.shape)) for t in layer.tensors] == [
        (w.path.split("/")[-1], list(w.shape)) for w in theirs.weights]
    assert report.total_params == model.count_params()
    assert (2, *layer.output_shape[1:]) == tuple(y.shape)  # type: ignore[misc]


@pytest.mark.parametrize("args, shape", [
    ("3, 16, 3", (3, 32, 32)),
    ("1, 64, 3, 1, 1", (1, 32, 100)),          # CRNN's first block
    ("64, 128, (3, 5), stride=(2, 1), padding=(1, 2)", (64, 16, 50)),
    ("8, 8, 3, groups=4, bias=False", (8, 9, 9)),
    ("4, 6, 3, dilation=2", (4, 11, 13)),
    ("4, 6, 3, padding='same'", (4, 7, 7)),
    ("4, 6, (2, 4), padding='same', dilation=(1, 2)", (4, 7, 8)),
    ("4, 6, 3, padding='valid', stride=3", (4, 10, 10)),
    ("4, 6, 5", (4, 3, 3)),                   # kernel larger than the input
    ("4, 6, 3", (5, 8, 8)),                   # wrong channels
    ("4, 6, 3, groups=3", (4, 8, 8)),         # in_channels not divisible
    ("4, 6, 3, stride=2, padding='same'", (4, 8, 8)),
])
def test_torch_table(args: str, shape: tuple[int, ...]) -> None:
    torch_case(args, shape)


@pytest.mark.parametrize("args, shape", [
    ("16, 3", (32, 32, 3)),
    ("32, (3, 5), strides=(2, 1), padding='same'", (28, 28, 1)),
    ("8, 3, groups=2, use_bias=False", (9, 9, 4)),
    ("6, 3, dilation_rate=2", (11, 13, 4)),
    ("6, 3, data_format='channels_first'", (4, 10, 12)),
    ("6, 3, strides=2, dilation_rate=2", (10, 10, 4)),   # refused by Keras
    ("6, 3, groups=3", (8, 8, 4)),                        # channels not divisible
    ("6, 7", (5, 5, 2)),                                  # output would be negative
])
def test_keras_table(args: str, shape: tuple[int, ...]) -> None:
    keras_case(args, shape)


sizes = st.integers(1, 6)
sides = st.integers(1, 12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_torch_random(data: st.DataObject) -> None:
    groups = data.draw(st.sampled_from([1, 1, 2, 3]))
    c_in, c_out = groups * data.draw(sizes), groups * data.draw(sizes)
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    sh, sw, dh, dw = (data.draw(st.integers(1, 3)) for _ in range(4))
    same = data.draw(st.booleans()) and sh == sw == 1
    ph, pw = (0, 0) if same else (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
    padding = "'same'" if same else f"({ph}, {pw})"
    bias = data.draw(st.booleans())
    args = (f"{c_in}, {c_out}, ({kh}, {kw}), stride=({sh}, {sw}), padding={padding}, dilation=({dh}, {dw}), "
            f"groups={groups}, bias={bias}")
    torch_case(args, (c_in, data.draw(sides), data.draw(sides)))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_keras_random(data: st.DataObject) -> None:
    groups = data.draw(st.sampled_from([1, 1, 2]))
    c_in, filters = groups * data.draw(sizes), groups * data.draw(sizes)
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    strided = data.draw(st.booleans())
    sh, sw = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))) if strided else (1, 1)
    dh, dw = (1, 1) if strided else (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    first = data.draw(st.booleans())
    h, w = data.draw(sides), data.draw(sides)
    assume(padding == "same" or (h >= dh * (kh - 1) + 1 and w >= dw * (kw - 1) + 1))
    shape = (c_in, h, w) if first else (h, w, c_in)
    fmt = ", data_format='channels_first'" if first else ""
    args = (f"{filters}, ({kh}, {kw}), strides=({sh}, {sw}), padding='{padding}', dilation_rate=({dh}, {dw}), "
            f"groups={groups}, use_bias={data.draw(st.booleans())}{fmt}")
    keras_case(args, shape)
