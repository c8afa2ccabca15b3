"""IndRNN and QRNN (conventions/blocks/reference.py) against their reference sources, which no package installs:
StefOe/indrnn-pytorch indrnn.py (commit 1a6050d), Sunnydreamrain/IndRNN_pytorch IndRNN_onlyrecurrent.py (commit
278240f) and salesforce/pytorch-qrnn torchqrnn/qrnn.py (commit 0e8afb5). The expected names and sizes are derived
here by hand from those constructors (quoted in the comments), not from rnnparams, and checked on table cases and
100 hypothesis-generated configurations per family."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

FW = "reference"


def tensors(expr: str, shape: tuple[int, ...] | None = None) -> dict[str, list[int]]:
    report = rnnparams.count(expr, FW, shape)
    return {t.name: list(t.shape) for lay in report.layers for t in (*lay.tensors, *lay.buffers)}


def indrnn_expected(i: int, h: int, layers: int, dirs: int, bias: bool, bn: bool) -> dict[str, list[int]]:
    # for i in range(n_layer): in_size = input_size if i == 0 else hidden_size * num_directions;
    #   IndRNNCell: weight_ih (hidden_size, input_size), weight_hh (hidden_size), bias_ih (hidden_size) if bias
    # batch_norm: nn.BatchNorm1d(hidden_size * num_directions) per layer; register_buffer('h0', (H·D,))
    out: dict[str, list[int]] = {}
    for k in range(layers):
        reads = i if k == 0 else h * dirs
        for d in range(dirs):
            out[f"cells.{k}.{d}.weight_ih"] = [h, reads]
            out[f"cells.{k}.{d}.weight_hh"] = [h]
            if bias:
                out[f"cells.{k}.{d}.bias_ih"] = [h]
        if bn:
            for n in ("weight", "bias", "running_mean", "running_var"):
                out[f"bns.{k}.{n}"] = [h * dirs]
            out[f"bns.{k}.num_batches_tracked"] = []
    out["h0"] = [h * dirs]
    return out


def qrnn_expected(i: int, h: int, layers: int, window: int, output_gate: bool) -> dict[str, list[int]]:
    # QRNNLayer(input_size, hidden_size, ...) for every layer (the reference passes input_size to each):
    #   self.linear = nn.Linear(self.window * self.input_size, 3 * hidden_size if output_gate else 2 * hidden_size)
    g = 3 if output_gate else 2
    return {name: shape for k in range(layers) for name, shape in (
        (f"layers.{k}.linear.weight", [g * h, window * i]), (f"layers.{k}.linear.bias", [g * h]))}


@pytest.mark.parametrize("expr, expected", [
    ("IndRNN(10, 20, 2)", indrnn_expected(10, 20, 2, 1, True, False)),  # the reference's docstring example
    ("IndRNN(10, 20, n_layer=3, batch_norm=True, bidirectional=True, bias=False)",
     indrnn_expected(10, 20, 3, 2, False, True)),
    ("IndRNNCell(10, 20)", {"weight_ih": [20, 10], "weight_hh": [20], "bias_ih": [20]}),
    ("IndRNN_onlyrecurrent(20, bidirectional=True)", {"cells.0.weight_hh": [20], "cells.1.weight_hh": [20],
                                                      "h0": [40]}),
    ("QRNN(10, 10, num_layers=2, window=2)", qrnn_expected(10, 10, 2, 2, True)),
    ("QRNNLayer(10, 20, output_gate=False)", {"linear.weight": [40, 10], "linear.bias": [40]}),
])
def test_table(expr: str, expected: dict[str, list[int]]) -> None:
    assert tensors(expr) == expected


def test_shapes() -> None:
    report = rnnparams.count("IndRNN(10, 20, 2, bidirectional=True)", FW, (7, 10))
    assert report.layers[0].output_shape == (7, None, 40)  # time first; the last direction's state (N, H)
    assert report.layers[0].state_shapes == {"h_n": (None, 20)}
    assert rnnparams.count("IndRNN(3, 1)", FW, (5, 3)).layers[0].output_shape == (5, None)  # x.squeeze(2)
    assert rnnparams.count("QRNN(4, 6)", FW, (5, 4)).layers[0].state_shapes == {"h_n": (1, None, 6)}
    assert rnnparams.count("IndRNN_onlyrecurrent(8)", FW, (5, 8)).total_params == 8  # one vector: no W_ih


@pytest.mark.parametrize("expr, words", [
    ("QRNN(4, 4, bidirectional=True)", "Bidirectional QRNN is not yet supported"),
    ("QRNN(4, 4, window=3)", "window of size 1 or size 2"),
    ("QRNNLayer(4)", "hidden_size must be given"),
    ("IndRNN(4, 4, nonlinearity='gelu')", "Unknown nonlinearity: gelu"),
])
def test_refusals(expr: str, words: str) -> None:
    with pytest.raises(rnnparams.RnnParamsError, match=words):
        rnnparams.count(expr, FW)


def test_qrnn_stack_warns_when_it_cannot_run() -> None:
    assert "cannot read" in " ".join(rnnparams.count("QRNN(4, 6, num_layers=2)", FW).warnings)


@settings(max_examples=100, deadline=None)
@given(i=st.integers(1, 50), h=st.integers(1, 50), layers=st.integers(1, 4), bidir=st.booleans(), bias=st.booleans(),
       bn=st.booleans())
def test_random_indrnn(i: int, h: int, layers: int, bidir: bool, bias: bool, bn: bool) -> None:
    expr = f"IndRNN({i}, {h}, n_layer={layers}, bidirectional={bidir}, bias={bias}, batch_norm={bn})"
    expected = indrnn_expected(i, h, layers, 2 if bidir else 1, bias, bn)
    assert tensors(expr) == expected
    report = rnnparams.count(expr, FW)
    assert report.total_params == sum(_size(s) for n, s in expected.items()
                                      if n != "h0" and "running" not in n and "num_batches" not in n)


@settings(max_examples=100, deadline=None)
@given(i=st.integers(1, 50), h=st.integers(1, 50), layers=st.integers(1, 4), window=st.sampled_from([1, 2]),
       gate=st.booleans())
def test_random_qrnn(i: int, h: int, layers: int, window: int, gate: bool) -> None:
    expr = f"QRNN({i}, {h}, num_layers={layers}, window={window}, output_gate={gate})"
    expected = qrnn_expected(i, h, layers, window, gate)
    assert tensors(expr) == expected
    assert rnnparams.count(expr, FW).total_params == sum(_size(s) for s in expected.values())


def _size(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


# ---- inspect: checkpoints holding these modules, with the tensors the reference constructors make ----------


def _inspect(tmp_path: object, tensors_by_name: dict[str, list[int]]) -> rnnparams.Inspection:
    """A safetensors file of these tensors (zeros; names and shapes are all inspect reads), inspected."""
    import json
    import struct
    from pathlib import Path

    header: dict[str, object] = {}
    offset = 0
    for name, shape in tensors_by_name.items():
        size = 4 * _size(shape)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    path = Path(str(tmp_path)) / "m.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
    return rnnparams.inspect(path)


@settings(max_examples=60, deadline=None)
@given(i=st.integers(1, 40), h=st.integers(1, 40), layers=st.integers(1, 3), bidir=st.booleans(),
       bias=st.booleans(), bn=st.booleans())
def test_inspect_recognises_an_indrnn(tmp_path_factory: pytest.TempPathFactory, i: int, h: int, layers: int,
                                      bidir: bool, bias: bool, bn: bool) -> None:
    """Beside an embedding and a head (PyTorch layers), under the attribute `encoder`: every argument read back."""
    dirs = 2 if bidir else 1
    held = {"emb.weight": [30, i], **{f"encoder.{k}": v for k, v in indrnn_expected(i, h, layers, dirs, bias,
                                                                                     bn).items()},
            "head.weight": [3, dirs * h], "head.bias": [3]}
    ins = _inspect(tmp_path_factory.mktemp("indrnn"), held)
    found = {layer.name: layer for layer in ins.layers}
    assert found["encoder"].type == "IndRNN" and not ins.unrecognised
    config = found["encoder"].spec.config
    assert (config["input_size"], config["hidden_size"], config["n_layer"], config["bidirectional"],
            config["bias"], config["batch_norm"]) == (i, h, layers, bidir, bias, bn)
    buffers = sum(_size(s) for n, s in held.items() if n.endswith(("running_mean", "running_var", "h0",
                                                                      "num_batches_tracked")))
    assert ins.total_params + ins.buffers == sum(_size(s) for s in held.values()) and ins.buffers == buffers


def test_inspect_recognises_an_indrnn_onlyrecurrent(tmp_path: object) -> None:
    ins = _inspect(tmp_path, {"rnn.cells.0.weight_hh": [20], "rnn.cells.1.weight_hh": [20], "rnn.h0": [40]})
    assert [(layer.name, layer.type) for layer in ins.layers] == [("rnn", "IndRNN_onlyrecurrent")]
    assert ins.layers[0].spec.config["bidirectional"] is True and ins.total_params == 40


@pytest.mark.parametrize(("i", "h", "layers", "window", "gate"), [
    (16, 16, 3, 1, True), (16, 16, 2, 2, True), (8, 12, 1, 1, True), (10, 10, 2, 1, False), (10, 10, 2, 2, False)])
def test_inspect_recognises_a_qrnn(tmp_path: object, i: int, h: int, layers: int, window: int, gate: bool) -> None:
    """Read back exactly where the shapes decide (a stack runs only with I = H, so its window shows); the note
    says what was assumed."""
    ins = _inspect(tmp_path, {f"qrnn.{k}": v for k, v in qrnn_expected(i, h, layers, window, gate).items()})
    assert [(layer.name, layer.type) for layer in ins.layers] == [("qrnn", "QRNN")]
    config = ins.layers[0].spec.config
    assert (config["input_size"], config["hidden_size"], config["num_layers"], config["window"],
            config["output_gate"]) == (i, h, layers, window, gate)
    assert any("does not fix its gates and window" in note for note in ins.notes)


def test_a_stack_of_linear_only_blocks_is_not_taken_for_a_qrnn(tmp_path: object) -> None:
    """The same tensors under a path that names no RNN stay Linear layers."""
    ins = _inspect(tmp_path, {f"blocks.{k}": v for k, v in qrnn_expected(16, 16, 2, 1, True).items()})
    assert {layer.type for layer in ins.layers} == {"Linear"}
