"""2-D convolutions on every surface, from their declarations in conventions/pytorch.py and keras.py alone:
count, explain (en, zh), formula, compare, estimate, inspect, code files, spec files. Expected numbers are
derived by hand here: a convolution holds O·(C/groups·K_h·K_w + 1) parameters (without a bias: no + 1), and
applies its C/groups·K_h·K_w·O MACs at every output position. The real frameworks are checked in
tests/oracle/test_conv2d_oracle.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnparams
from rnnparams.render.explain import render_explain


def conv(c: int, o: int, kh: int, kw: int, groups: int = 1, bias: bool = True) -> int:
    return o * (c // groups * kh * kw + (1 if bias else 0))


def side(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def test_count_both_frameworks() -> None:
    torch_report = rnnparams.count("nn.Conv2d(3, 16, (3, 5), stride=2, padding=1, groups=1)", input_shape=(3, 32, 40))
    assert torch_report.total_params == conv(3, 16, 3, 5)
    (layer,) = torch_report.layers
    assert [(t.name, t.shape) for t in layer.tensors] == [("weight", (16, 3, 3, 5)), ("bias", (16,))]
    assert layer.output_shape == (None, 16, side(32, 3, 2, 1), side(40, 5, 2, 1))
    keras_report = rnnparams.count("Sequential([Input((32, 40, 4)), Conv2D(8, 3, groups=2, use_bias=False)])")
    (layer,) = keras_report.layers
    assert keras_report.total_params == conv(4, 8, 3, 3, groups=2, bias=False)
    assert [(t.name, t.shape) for t in layer.tensors] == [("kernel", (3, 3, 2, 8))]
    assert layer.output_shape == (None, 30, 38, 8)


@pytest.mark.parametrize("lang, words", [("en", "kernel height"), ("zh", "卷积核高度")])
def test_explain_and_formula(lang: str, words: str) -> None:
    text = render_explain(rnnparams.explain("nn.Conv2d(4, 8, 3, groups=2)"), lang)
    assert words in text and f"{conv(4, 8, 3, 3, groups=2):,}" in text
    f = rnnparams.formula("nn.Conv2d(3, 16, (3, 5)); nn.Conv2d(16, 4, 1)")
    assert f.total == conv(3, 16, 3, 5) + conv(16, 4, 1, 1)
    assert f.formula.evaluate(f.env) == f.total


def test_compare_translates_both_ways() -> None:
    c = rnnparams.compare("nn.Conv2d(3, 16, (3, 5), stride=(2, 1))")
    assert c.totals() == {"pytorch": conv(3, 16, 3, 5), "keras": conv(3, 16, 3, 5), "keras2": conv(3, 16, 3, 5)}
    keras = c.layers[0].columns[1].report
    assert keras is not None and [(t.name, t.shape) for t in keras.layers[0].tensors] == [
        ("kernel", (3, 5, 3, 16)), ("bias", (16,))]
    back = rnnparams.compare("Sequential([Input((9, 9, 6)), Conv2D(6, 2, groups=3)])", ["keras", "pytorch"])
    torch_col = back.layers[0].columns[1].report
    assert torch_col is not None and torch_col.layers[0].tensors[0].shape == (6, 2, 2, 2)


def test_estimate_by_hand() -> None:
    b, c, o, k, h, w = 4, 3, 16, 3, 32, 24
    est = rnnparams.estimate(f"nn.Conv2d({c}, {o}, {k})", input_shape=(c, h, w), batch=b, seq_len=None)
    positions = side(h, k) * side(w, k)
    macs = c * k * k * o
    layer = est.to_dict()["layers"][0]
    assert layer["macs"] == {"step": macs, "sequence": macs * positions, "batch": b * macs * positions}
    assert layer["flops"]["forward"]["batch"] == b * positions * (2 * macs + o)  # products and bias additions
    assert est.memory_line("activations").value == b * c * h * w * 4  # the input, kept for the weight gradient
    assert est.memory_line("weights").value == conv(c, o, k, k) * 4


def test_inspect_recognises_a_conv2d(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors.torch")
    torch = pytest.importorskip("torch")
    tensors = {"features.0.weight": torch.zeros(16, 3, 3, 3), "features.0.bias": torch.zeros(16),
               "head.weight": torch.zeros(10, 16), "head.bias": torch.zeros(10)}
    path = tmp_path / "m.safetensors"
    safetensors.save_file(tensors, str(path))
    ins = rnnparams.inspect(path)
    assert [(x.name, x.type) for x in ins.layers] == [("features.0", "Conv2d"), ("head", "Linear")]
    assert ins.layers[0].spec.config["kernel_size"] == (3, 3)
    assert ins.total_params == conv(3, 16, 3, 3) + 10 * 16 + 10 and not ins.unrecognised


CRNN = '''
import torch.nn as nn

class CRNN(nn.Module):
    def __init__(self, classes=37, hidden=256):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(1, 64, 3, 1, 1), nn.ReLU(True), nn.MaxPool2d(2, 2),
                                 nn.Conv2d(64, 128, 3, 1, 1))
        self.rnn = nn.LSTM(128, hidden, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)
'''


def test_code_and_spec_files(tmp_path: Path) -> None:
    path = tmp_path / "crnn.py"
    path.write_text(CRNN)
    report = rnnparams.count(str(path))
    lstm = 2 * 4 * 256 * (128 + 256 + 2)
    assert report.total_params == conv(1, 64, 3, 3) + conv(64, 128, 3, 3) + lstm + 37 * (512 + 1)
    assert [layer.name for layer in report.layers][:4] == ["cnn.0", "cnn.1", "cnn.2", "cnn.3"]
    from rnnparams.inputs.schema import spec_schema
    from rnnparams.inputs.specfile import dump_spec

    spec_path = tmp_path / "crnn.json"
    spec_path.write_text(dump_spec(rnnparams.api.to_spec(str(path)), "json"))
    assert rnnparams.count(str(spec_path)).total_params == report.total_params
    assert "Conv2d" in json.dumps(spec_schema())


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(rnnparams.RnnParamsError, match="divisible by groups"):
        rnnparams.count("nn.Conv2d(3, 6, 3, groups=2)")
    with pytest.raises(rnnparams.RnnParamsError, match="not supported for strided"):
        rnnparams.count("nn.Conv2d(3, 6, 3, stride=2, padding='same')")
    with pytest.raises(rnnparams.RnnParamsError, match="kernel_size must be an int or a pair"):
        rnnparams.count("nn.Conv2d(3, 6, (1, 2, 3))")
    with pytest.raises(rnnparams.RnnParamsError, match="4-D"):
        rnnparams.count("Conv2D(4, 3)", "keras", (10, 3))
