"""Flax oracle: conventions/flax.py (linen and nnx) against the real flax and jax (a worker process): the
parameter tree after init, the output and the final carry."""

from __future__ import annotations

import pytest
from fworacle import Worker, check, start
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle, pytest.mark.oracle_flax]


@pytest.fixture(scope="module")
def flax_worker() -> Worker:
    yield from start("flax", "flax", "pip install -e '.[frameworks]'")


LINEN = [
    ("flax.linen.SimpleCell(4)", (3,)), ("flax.linen.LSTMCell(4)", (3,)), ("flax.linen.OptimizedLSTMCell(4)", (3,)),
    ("flax.linen.GRUCell(4)", (3,)), ("flax.linen.MGUCell(4)", (3,)), ("flax.linen.MGUCell(4, reset_gate=False)", (3,)),
    ("flax.linen.RNN(flax.linen.LSTMCell(4))", (5, 3)),
    ("flax.linen.RNN(nn.OptimizedLSTMCell(features=4), time_major=True)", (5, 3)),
    ("flax.linen.RNN(nn.GRUCell(4), return_carry=True)", (5, 3)),
    ("flax.linen.RNN(nn.LSTMCell(4), return_carry=True)", (5, 3)),
    ("flax.linen.Bidirectional(nn.RNN(nn.GRUCell(4)), nn.RNN(nn.GRUCell(4)))", (5, 3)),
    ("flax.linen.Bidirectional(nn.RNN(nn.LSTMCell(4)), nn.RNN(nn.SimpleCell(6)))", (5, 3)),
    ("flax.linen.Bidirectional(nn.RNN(nn.LSTMCell(4)), nn.RNN(nn.LSTMCell(4)), return_carry=True)", (5, 3)),
    ("flax.linen.Dense(4)", (3,)), ("flax.linen.Dense(4, use_bias=False)", (5, 3)), ("flax.linen.Embed(10, 4)", (5,)),
]


@pytest.mark.parametrize("expr, shape", LINEN)
def test_linen(flax_worker: Worker, expr: str, shape: tuple[int, ...]) -> None:
    check(flax_worker, expr, "flax", shape)


NNX = [
    "nnx.SimpleCell(3, 4, rngs=nnx.Rngs(0))", "nnx.LSTMCell(3, 4, rngs=nnx.Rngs(0))",
    "nnx.OptimizedLSTMCell(3, 4, rngs=nnx.Rngs(0))", "nnx.GRUCell(3, 4, rngs=nnx.Rngs(0))",
    "nnx.Linear(3, 4, rngs=nnx.Rngs(0))", "nnx.Linear(3, 4, use_bias=False, rngs=nnx.Rngs(0))",
]


@pytest.mark.parametrize("expr", NNX)
def test_nnx_step(flax_worker: Worker, expr: str) -> None:
    check(flax_worker, expr, "flax-nnx", (3,))


@pytest.mark.parametrize("expr", [
    "nnx.RNN(nnx.LSTMCell(3, 4, rngs=nnx.Rngs(0)))",
    "flax.nnx.RNN(nnx.GRUCell(3, 4, rngs=nnx.Rngs(0)), time_major=True, return_carry=True)",
    "nnx.Bidirectional(nnx.RNN(nnx.OptimizedLSTMCell(3, 4, rngs=nnx.Rngs(0))), "
    "nnx.RNN(nnx.OptimizedLSTMCell(3, 4, rngs=nnx.Rngs(1))))",
])
def test_nnx_sequence(flax_worker: Worker, expr: str) -> None:
    check(flax_worker, expr, "flax-nnx", (5, 3))


def test_nnx_embed(flax_worker: Worker) -> None:
    check(flax_worker, "nnx.Embed(10, 4, rngs=nnx.Rngs(0))", "flax-nnx", (5,))


def test_linen_and_nnx_gru_differ_by_one_bias_vector() -> None:
    linen = rnnparams.count("flax.linen.GRUCell(8)", "flax", (3,)).total_params
    nnx = rnnparams.count("nnx.GRUCell(3, 8, rngs=r)", "flax-nnx").total_params
    assert linen - nnx == 8 == linen - 3 * 8 * (3 + 8 + 1)


@st.composite
def flax_models(draw: st.DrawFn) -> tuple[str, str, int]:
    nnx = draw(st.booleans())
    i, h = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    cells = ["SimpleCell", "LSTMCell", "OptimizedLSTMCell", "GRUCell"] + ([] if nnx else ["MGUCell"])
    kind = draw(st.sampled_from(cells))

    def cell() -> str:
        return f"nnx.{kind}({i}, {h}, rngs=nnx.Rngs(0))" if nnx else f"nn.{kind}({h})"

    ns = "nnx" if nnx else "flax.linen"
    wrap = draw(st.sampled_from(["cell", "rnn", "bidirectional"]))
    carry = ", return_carry=True" if draw(st.booleans()) else ""
    if wrap == "cell":
        expr = cell().replace("nn.", "flax.linen.", 1) if not nnx else cell()
    elif wrap == "rnn":
        expr = f"{ns}.RNN({cell()}, time_major={draw(st.booleans())}{carry})"
    else:
        expr = f"{ns}.Bidirectional({ns}.RNN({cell()}), {ns}.RNN({cell()}){carry})"
    return expr, "flax-nnx" if nnx else "flax", i


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=flax_models(), steps=st.integers(1, 4))
def test_random_models(flax_worker: Worker, case: tuple[str, str, int], steps: int) -> None:
    expr, framework, i = case
    shape = (i,) if "RNN" not in expr else (steps, i)
    check(flax_worker, expr, framework, shape)
