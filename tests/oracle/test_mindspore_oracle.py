"""MindSpore oracle: conventions/mindspore.py against the real mindspore, in its own virtual environment
(.venv-mindspore: MindSpore's compiled ops need numpy < 2, and it cannot share a process with paddle)."""

from __future__ import annotations

import pytest
from fworacle import Worker, check, refused, start
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle, pytest.mark.oracle_mindspore]
FW = "mindspore"


@pytest.fixture(scope="module")
def ms_worker() -> Worker:
    yield from start("mindspore", "mindspore", "python3 -m venv .venv-mindspore && "
                     ".venv-mindspore/bin/pip install '.[oracle-mindspore]' (see .ci/run)")


@pytest.mark.parametrize("expr", [
    "mindspore.nn.RNN(3, 4)",
    "mindspore.nn.RNN(3, 4, nonlinearity='relu', has_bias=False)",
    "mindspore.nn.LSTM(3, 4)",
    "mindspore.nn.LSTM(3, 4, 2, True, True, 0.0, True)",
    "ms.nn.GRU(3, 4, num_layers=3, bidirectional=True, batch_first=True)",
    "mindspore.nn.GRU(3, 4, num_layers=2, dropout=0.5)",
])
def test_sequence_layers(ms_worker: Worker, expr: str) -> None:
    check(ms_worker, expr, FW, (5, 3))


def test_order_is_by_tensor_list(ms_worker: Worker) -> None:
    report = check(ms_worker, "mindspore.nn.LSTM(3, 4, num_layers=2, bidirectional=True)", FW, (5, 3))
    names = [t.name for t in report.layers[0].tensors]
    theirs = ms_worker.ask(expr="mindspore.nn.LSTM(3, 4, num_layers=2, bidirectional=True)", framework=FW,
                           input=[5, 2, 3], forward=False)["params"]
    assert names == [n for n, _, _ in theirs]  # the same order too: every weight_ih first


@pytest.mark.parametrize("expr", [
    "mindspore.nn.RNNCell(3, 4)", "mindspore.nn.RNNCell(3, 4, nonlinearity='relu')", "mindspore.nn.LSTMCell(3, 4)",
    "mindspore.nn.GRUCell(3, 4, has_bias=False)", "mindspore.nn.Dense(3, 4)",
    "mindspore.nn.Dense(3, 4, has_bias=False)",
])
def test_cells_and_dense(ms_worker: Worker, expr: str) -> None:
    check(ms_worker, expr, FW, (3,))


def test_embedding(ms_worker: Worker) -> None:
    check(ms_worker, "mindspore.nn.Embedding(10, 4)", FW, (5,))


@pytest.mark.parametrize("expr, words", [
    ("mindspore.nn.LSTM(3, 4, dropout=0)", "the type of 'dropout' must be 'float'"),
    ("mindspore.nn.LSTM(3, 4, dropout=1.0)", "must be a number in range [0, 1)"),
    ("mindspore.nn.RNN(3, 4, nonlinearity='sigmoid')", "the 'nonlinearity' must be in ['tanh', 'relu']"),
    ("mindspore.nn.LSTM(3, 4, bias=False)", "unexpected keyword argument 'bias'"),
])
def test_refusals_mirror_mindspore(ms_worker: Worker, expr: str, words: str) -> None:
    ours, theirs = refused(ms_worker, expr, FW, (5, 3), concrete=[5, 2, 3])
    assert words in ours and words in theirs


@st.composite
def ms_layers(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    args = [str(draw(st.integers(1, 9))), str(draw(st.integers(1, 9))), f"num_layers={draw(st.integers(1, 3))}",
            f"has_bias={draw(st.booleans())}", f"batch_first={draw(st.booleans())}",
            f"bidirectional={draw(st.booleans())}"]
    if kind == "RNN" and draw(st.booleans()):
        args.append(f"nonlinearity={draw(st.sampled_from(['tanh', 'relu']))!r}")
    return f"mindspore.nn.{kind}({', '.join(args)})"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=ms_layers(), steps=st.integers(1, 4))
def test_random_configurations(ms_worker: Worker, expr: str, steps: int) -> None:
    i = int(expr.split("(")[1].split(",")[0])
    report = check(ms_worker, expr, FW, (steps, i))
    assert report.total_params == rnnparams.count(expr.replace("mindspore.nn.", "nn."), FW, (steps, i)).total_params
