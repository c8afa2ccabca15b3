"""Every verb's cost grows linearly with the layers of a chain (issue 21: `check` and `formula` were quadratic,
13 s and 1.5 s on 1,000 stacked LSTMs). The test times each verb on 100 and on 400 layers, in CPU time, with
the garbage collector off (its full passes grow with the heap, on any code): four times the layers must cost
well under the sixteen times a quadratic part gives. benchmarks/chains.py prints the figures for 1,000."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator

import pytest

from rnnparams import api
from rnnparams.spec import ModelSpec


def _chain(n: int) -> ModelSpec:
    return api.to_spec("nn.Sequential(" + ", ".join(["nn.LSTM(10, 10)"] * n) + ")")


VERBS: dict[str, Callable[[ModelSpec], object]] = {
    "count": api.count,
    "explain": api.explain,
    "formula": api.formula,
    "check": lambda spec: api.check(spec, 12_345),  # a wrong claim: every mistake, alone and in pairs, is tried
    "compare": api.compare,
    "estimate": lambda spec: api.estimate(spec, input_shape=(5, 10), batch=1, seq_len=5),
    "to_dict": lambda spec: api.count(spec).to_dict(),
}


@pytest.fixture
def no_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cpu(verb: Callable[[ModelSpec], object], spec: ModelSpec, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        verb(spec)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("name", list(VERBS))
def test_cost_grows_linearly_with_the_chain(name: str, no_gc: None) -> None:
    verb = VERBS[name]
    small, large = _chain(60), _chain(240)
    verb(small)  # warm: imports and caches are not the chain's cost
    ratio = _cpu(verb, large, 2) / max(_cpu(verb, small, 3), 1e-4)
    assert ratio < 9, f"{name}: 4× the layers cost {ratio:.1f}× the time (linear: 4, quadratic: 16)"


def test_check_looks_at_each_layer_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deterministic form of the bound: asking "is this layer recurrent?" was done for every layer from every
    layer (8 million calls for 1,000 layers); now about one hundred times a layer (once per mistake tried)."""
    from rnnparams.analysis import check

    calls = 0
    recurrent = check._recurrent

    def counted(layer: object) -> bool:
        nonlocal calls
        calls += 1
        return recurrent(layer)  # type: ignore[arg-type]

    monkeypatch.setattr(check, "_recurrent", counted)
    n = 300
    api.check(_chain(n), 12_345)
    assert calls < 200 * n, calls


def test_the_check_of_a_long_chain_still_finds_the_mistake() -> None:
    """The cached recurrent span must not change a diagnosis: 1,000 LSTMs counted without their second bias
    (PyTorch has b_ih and b_hh, each 4·H), by hand: 1000 × 4·10·(10 + 10 + 1) = 840,000."""
    result = api.check(_chain(1000), 1000 * 4 * 10 * (10 + 10 + 1))
    assert ("one_bias",) in [d.mistakes for d in result.diagnoses]
