"""The cell diagram: drawn from the tensors' data for every recurrent kind, with the model's own tensor names
and shapes (expected shapes derived by hand here), valid XML, en and zh."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import rnnparams.api as api
from rnnparams.errors import UsageError
from rnnparams.render.cell import cell_svg

NS = "{http://www.w3.org/2000/svg}"


def _cells(model: str, framework: str | None = None, shape: str | None = None, lang: str = "en") -> list[ET.Element]:
    root = ET.fromstring(cell_svg(api.explain(model, framework, shape), lang))
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "cell"]


def _tensors(cell: ET.Element) -> dict[str, tuple[str, str]]:
    return {g.get("data-name", ""): (g.get("data-role", ""), g.get("data-shape", ""))
            for g in cell.iter(f"{NS}g") if g.get("class") == "tensor"}


def _gates(cell: ET.Element) -> list[str]:
    return [e.get("data-gate", "") for e in cell.iter(f"{NS}text") if e.get("class") == "gate"]


def test_bidirectional_projected_lstm_stack() -> None:
    # I = 100, H = 256, P = 64, L = 2, D = 2: upper layers read D·P = 128; h_{t-1} is the projected P
    cells = _cells("nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)")
    assert len(cells) == 4
    last = _tensors(cells[3])
    assert last == {"weight_ih_l1_reverse": ("input_weights", "1024,128"),
                    "weight_hh_l1_reverse": ("recurrent_weights", "1024,64"),
                    "bias_ih_l1_reverse": ("input_bias", "1024"), "bias_hh_l1_reverse": ("recurrent_bias", "1024"),
                    "weight_hr_l1_reverse": ("projection", "64,256")}
    assert _gates(cells[0]) == ["i", "f", "g", "o"]
    text = ET.tostring(cells[3], encoding="unicode")
    assert "(4·H, P)" in text and "P = projection size" in text and "D·P = 128" in text


@pytest.mark.parametrize(("model", "framework", "shape", "bias_shape", "note"), [
    ("GRU(32)", "keras", "10,8", "2,96", "reset_after=True"),
    ("GRU(32, reset_after=False)", "keras", "10,8", "96", "reset_after=False"),
])
def test_keras_gru_both_reset_after_variants(model: str, framework: str, shape: str, bias_shape: str,
                                             note: str) -> None:
    cells = _cells(model, framework, shape)
    assert len(cells) == 1
    tensors = _tensors(cells[0])
    assert tensors["gru_cell/kernel"] == ("input_weights", "8,96")  # (I, 3·H)
    assert tensors["gru_cell/recurrent_kernel"] == ("recurrent_weights", "32,96")  # (H, 3·H)
    assert tensors["gru_cell/bias"][1] == bias_shape
    assert _gates(cells[0]) == ["z", "r", "h"]
    svg = cell_svg(api.explain(model, framework, shape))
    assert note in svg


def test_pytorch_gru_and_rnn() -> None:
    (gru,) = _cells("nn.GRU(10, 20)")
    assert _gates(gru) == ["r", "z", "n"]
    assert _tensors(gru)["weight_hh_l0"] == ("recurrent_weights", "60,20")  # (3·H, H)
    (rnn,) = _cells("nn.RNN(10, 20)")
    assert _gates(rnn) == ["h"] and _tensors(rnn)["weight_ih_l0"] == ("input_weights", "20,10")


def test_keras_bidirectional_has_a_cell_per_direction_and_zh() -> None:
    cells = _cells("Bidirectional(LSTM(16))", "keras", "10,8", lang="zh")
    assert [sorted(_tensors(c))[0] for c in cells] == ["forward_lstm/lstm_cell/bias", "backward_lstm/lstm_cell/bias"]
    assert "输入 x_t" in ET.tostring(cells[0], encoding="unicode")


def test_no_recurrent_layer() -> None:
    with pytest.raises(UsageError, match="no recurrent layer"):
        cell_svg(api.explain("nn.Linear(3, 4)"))
