"""PaddlePaddle oracle: every convention in conventions/paddle.py against the real paddle (a worker process)."""

from __future__ import annotations

import pytest
from fworacle import Worker, check, refused, start
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle, pytest.mark.oracle_paddle]
FW = "paddle"


@pytest.fixture(scope="module")
def paddle_worker() -> Worker:
    yield from start("paddle", "paddle", "pip install -e '.[frameworks]'")


SEQUENCE_CASES = [
    "paddle.nn.SimpleRNN(3, 4)",
    "paddle.nn.SimpleRNN(3, 4, num_layers=2, direction='bidirect', activation='relu')",
    "paddle.nn.SimpleRNN(3, 4, time_major=True)",
    "paddle.nn.LSTM(3, 4)",
    "paddle.nn.LSTM(3, 4, num_layers=3, direction='bidirectional')",
    "paddle.nn.LSTM(3, 4, 2, 'bidirect', True)",
    "paddle.nn.GRU(3, 4, num_layers=2, dropout=0.5)",
    "paddle.nn.GRU(3, 4, weight_hh_attr=False)",
    "paddle.nn.LSTM(3, 4, weight_ih_attr=paddle.ParamAttr(name='w'))",
]


@pytest.mark.parametrize("expr", SEQUENCE_CASES)
def test_sequence_layers(paddle_worker: Worker, expr: str) -> None:
    check(paddle_worker, expr, FW, (5, 3))


@pytest.mark.parametrize("expr", [
    "paddle.nn.LSTM(3, 4, proj_size=2)",
    "paddle.nn.LSTM(3, 4, num_layers=2, direction='bidirect', proj_size=3)",
])
def test_projection_uses_the_cells_names(paddle_worker: Worker, expr: str) -> None:
    report = check(paddle_worker, expr, FW, (5, 3), names="cell_params")
    assert any(t.name.endswith("weight_ho") and t.shape == (4, int(expr.split("proj_size=")[1][0]))
               for t in report.layers[0].tensors)
    assert report.warnings  # paddle's own flat names are shifted: said so


@pytest.mark.parametrize("expr", [
    "paddle.nn.GRU(3, 4, bias_ih_attr=False)",
    "paddle.nn.SimpleRNN(3, 4, bias_ih_attr=False, bias_hh_attr=False)",
    "paddle.nn.LSTM(3, 4, num_layers=2, bias_ih_attr=False)",
    "paddle.nn.LSTM(3, 4, direction='bidirect', bias_hh_attr=False, proj_size=2)",
])
def test_bias_attr_false_keeps_a_frozen_tensor(paddle_worker: Worker, expr: str) -> None:
    # paddle 3.3.1's fused CPU kernel crashes (SIGSEGV) running such a layer, so no forward pass here
    report = check(paddle_worker, expr, FW, (5, 3), names="cell_params", forward=False)
    assert report.non_trainable_params > 0


@pytest.mark.parametrize("expr", [
    "paddle.nn.SimpleRNNCell(3, 4)", "paddle.nn.SimpleRNNCell(3, 4, activation='relu')",
    "paddle.nn.LSTMCell(3, 4)", "paddle.nn.GRUCell(3, 4)",
    "paddle.nn.Linear(3, 4)", "paddle.nn.Linear(3, 4, bias_attr=False)",
])
def test_cells_and_linear(paddle_worker: Worker, expr: str) -> None:
    check(paddle_worker, expr, FW, (3,))


def test_cell_projection(paddle_worker: Worker) -> None:
    # paddle 3.3.1's LSTMCell(proj_size) makes default initial states of the wrong sizes (h: hidden_size,
    # c: proj_size), so calling it without states fails in matmul: only the parameters are compared
    check(paddle_worker, "paddle.nn.LSTMCell(3, 4, proj_size=2)", FW, (3,), forward=False)


def test_embedding(paddle_worker: Worker) -> None:
    check(paddle_worker, "paddle.nn.Embedding(10, 4)", FW, (5,))


@pytest.mark.parametrize("expr, words", [
    ("paddle.nn.LSTM(3, 4, direction='backward')", "direction should be forward or bidirect"),
    ("paddle.nn.LSTM(3, 4, proj_size=4)", "proj_size must be smaller than hidden_size"),
    ("paddle.nn.SimpleRNN(3, 4, activation='sigmoid')", "Unknown activation 'sigmoid'"),
    ("paddle.nn.GRU(3, 4, proj_size=2)", "unexpected keyword argument 'proj_size'"),
    ("paddle.nn.SimpleRNN(3, 4, num_layers=2, bias_ih_attr=False, bias_hh_attr=False)",
     "list assignment index out of range"),
])
def test_refusals_mirror_paddle(paddle_worker: Worker, expr: str, words: str) -> None:
    ours, theirs = refused(paddle_worker, expr, FW, (5, 3))
    assert words in ours and words in theirs


@st.composite
def paddle_layers(draw: st.DrawFn) -> tuple[str, bool]:
    kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
    i, h = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    args = [f"{i}", f"{h}", f"num_layers={draw(st.integers(1, 3))}",
            f"direction={draw(st.sampled_from(['forward', 'bidirect', 'bidirectional']))!r}",
            f"time_major={draw(st.booleans())}"]
    frozen = False
    for attr in ("weight_ih_attr", "weight_hh_attr", "bias_ih_attr", "bias_hh_attr"):
        if draw(st.integers(0, 5)) == 0:
            args.append(f"{attr}=False")
            frozen = frozen or attr.startswith("bias")
    if kind == "LSTM" and h > 1 and draw(st.booleans()):
        args.append(f"proj_size={draw(st.integers(1, h - 1))}")
        frozen = frozen or "weight_hh_attr=False" in args  # then paddle builds no weight_ho: it cannot run
    if kind == "SimpleRNN":
        args.append(f"activation={draw(st.sampled_from(['tanh', 'relu']))!r}")
    return f"paddle.nn.{kind}({', '.join(args)})", frozen


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=paddle_layers(), steps=st.integers(1, 4))
def test_random_configurations(paddle_worker: Worker, case: tuple[str, bool], steps: int) -> None:
    expr, frozen = case
    i = int(expr.split("(")[1].split(",")[0])
    try:
        rnnparams.count(expr, FW, (steps, i))
    except rnnparams.RnnParamsError:  # paddle cannot build some stacks with a bias attr False: neither can we
        ours, theirs = refused(paddle_worker, expr, FW, (steps, i))
        assert "list assignment index out of range" in ours and "list assignment index out of range" in theirs
        return
    report = rnnparams.count(expr, FW, (steps, i))
    shifted = any("." in t.name for t in report.layers[0].tensors)
    check(paddle_worker, expr, FW, (steps, i), names="cell_params" if shifted else "params", forward=not frozen)
