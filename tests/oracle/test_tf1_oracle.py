"""TensorFlow 1 oracle: conventions/tf1.py against tf.compat.v1 cells in graph mode (tensorflow-cpu 2.21 with
tf-keras, in .venv-tf1: TensorFlow pins h5py < 3.15, which the test extra does not allow)."""

from __future__ import annotations

import pytest
from fworacle import Worker, check, start
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle, pytest.mark.oracle_tf1]
FW = "tf1"
RC = "tf.compat.v1.nn.rnn_cell."


@pytest.fixture(scope="module")
def tf_worker() -> Worker:
    yield from start("tf1", "tensorflow", "python3 -m venv .venv-tf1 && .venv-tf1/bin/pip install '.[oracle-tf1]' "
                     "&& .venv-tf1/bin/pip install --no-deps tf-keras==2.21.0 (see .ci/run)")


CELLS = [
    "BasicRNNCell(4)", "BasicLSTMCell(4)", "BasicLSTMCell(4, state_is_tuple=False)", "LSTMCell(4)",
    "LSTMCell(4, use_peepholes=True)", "LSTMCell(4, num_proj=2)", "LSTMCell(4, use_peepholes=True, num_proj=6)",
    "LSTMCell(4, num_proj=2, state_is_tuple=False)", "GRUCell(4)",
    "MultiRNNCell([tf.compat.v1.nn.rnn_cell.LSTMCell(4), tf.compat.v1.nn.rnn_cell.GRUCell(5)])",
    "MultiRNNCell([tf.nn.rnn_cell.LSTMCell(4, num_proj=2), tf.nn.rnn_cell.LSTMCell(4), "
    "tf.nn.rnn_cell.BasicRNNCell(3)])",
]


@pytest.mark.parametrize("cell", CELLS)
def test_one_step(tf_worker: Worker, cell: str) -> None:
    check(tf_worker, RC + cell, FW, (3,))


@pytest.mark.parametrize("cell", ["LSTMCell(4, use_peepholes=True, num_proj=2)", "GRUCell(4)",
                                  "MultiRNNCell([tf.nn.rnn_cell.GRUCell(4), tf.nn.rnn_cell.GRUCell(4)])"])
def test_dynamic_rnn(tf_worker: Worker, cell: str) -> None:
    report = check(tf_worker, RC + cell, FW, (5, 3))
    assert all(t.name.startswith("rnn/") for t in report.layers[0].tensors)


def test_the_issue_example(tf_worker: Worker) -> None:
    report = check(tf_worker, RC + "LSTMCell(256, use_peepholes=True, num_proj=64)", FW, (100,))
    assert report.total_params == (100 + 64) * 4 * 256 + 4 * 256 + 3 * 256 + 256 * 64


def test_shards_are_refused(tf_worker: Worker) -> None:
    with pytest.raises(rnnparams.RnnParamsError, match="num_unit_shards"):
        check(tf_worker, RC + "LSTMCell(4, num_unit_shards=2)", FW, (3,))


def test_chains_are_refused() -> None:
    # TF itself would scope a second top-level cell lstm_cell_1; stacks are written as MultiRNNCell
    with pytest.raises(rnnparams.RnnParamsError, match="MultiRNNCell"):
        rnnparams.count(RC + "LSTMCell(4); " + RC + "LSTMCell(4)", FW, (3,))


@st.composite
def tf_cells(draw: st.DrawFn) -> str:
    def one() -> str:
        kind = draw(st.sampled_from(["BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell"]))
        args = [str(draw(st.integers(1, 9)))]
        if kind == "LSTMCell":
            if draw(st.booleans()):
                args.append("use_peepholes=True")
            if draw(st.booleans()):
                args.append(f"num_proj={draw(st.integers(1, 9))}")
        return RC + f"{kind}({', '.join(args)})"

    cells = [one() for _ in range(draw(st.integers(1, 3)))]
    return cells[0] if len(cells) == 1 and draw(st.booleans()) else RC + f"MultiRNNCell([{', '.join(cells)}])"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=tf_cells(), features=st.integers(1, 9), steps=st.sampled_from([None, 1, 3]))
def test_random_cells(tf_worker: Worker, expr: str, features: int, steps: int | None) -> None:
    check(tf_worker, expr, FW, (features,) if steps is None else (steps, features))
