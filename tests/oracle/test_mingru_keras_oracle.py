"""mingru-keras 0.1.3's MinGRU (conventions/keras/packages.py) against the real package on Keras 3's torch backend:
every weight's path, shape and trainable flag, the totals and the output shape, for models written as an
expression and as model code, in a fresh Keras session each. The MinGRU's two Dense sub-layers take Keras'
"dense" names, so the Dense layers around it are numbered as the session numbers them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
keras = pytest.importorskip("keras")
mingru_keras = pytest.importorskip("mingru_keras", reason="mingru-keras is not installed: pip install '.[test]'")

Layer = tuple[str, int]
"""("MinGRU" | "Dense", units)."""


def real(layers: list[Layer], steps: int, features: int) -> object:
    keras.backend.clear_session()
    made = [mingru_keras.MinGRU(u) if kind == "MinGRU" else keras.layers.Dense(u) for kind, u in layers]
    return keras.Sequential([keras.Input((steps, features)), *made])


def expression(layers: list[Layer], steps: int, features: int) -> str:
    return f"Sequential([Input(({steps}, {features})), {', '.join(f'{k}({u})' for k, u in layers)}])"


def code(layers: list[Layer], steps: int, features: int) -> str:
    made = ",\n    ".join(f"MinGRU({u})" if k == "MinGRU" else f"layers.Dense({u})" for k, u in layers)
    return ("import keras\nfrom keras import layers\nfrom mingru_keras import MinGRU\n\n"
            f"model = keras.Sequential([\n    keras.Input(shape=({steps}, {features})),\n    {made},\n])\n")


def compare(report: rnnparams.Report, model: object) -> None:
    theirs = [(w.path.split("/", 1)[1], tuple(w.shape), w.trainable) for w in model.weights]  # type: ignore[attr-defined]
    ours = [(f"{layer.name}/{t.name}", t.shape, t.trainable) for layer in report.layers for t in layer.tensors]
    assert sorted(ours) == sorted(theirs)
    assert report.total_params == model.count_params()  # type: ignore[attr-defined]
    assert report.layers[-1].output_shape == tuple(model.output_shape)  # type: ignore[attr-defined]


def check(layers: list[Layer], steps: int, features: int) -> None:
    model = real(layers, steps, features)
    compare(rnnparams.count(expression(layers, steps, features), framework="keras"), model)
    compare(rnnparams.count(code(layers, steps, features)), model)


TABLE = [
    [("MinGRU", 32)],
    [("Dense", 16), ("MinGRU", 32), ("MinGRU", 32), ("Dense", 4)],
    [("MinGRU", 8), ("Dense", 8), ("MinGRU", 1), ("Dense", 3), ("Dense", 2)],
]


@pytest.mark.parametrize("layers", TABLE)
def test_table(layers: list[Layer]) -> None:
    check(layers, 10, 6)


def test_a_hand_derived_total() -> None:
    """MinGRU(32) on 16 features: two Dense of 16 × 32 + 32 = 544 each, 1,088 in all."""
    assert rnnparams.count("Sequential([Input((5, 16)), MinGRU(32)])", framework="keras").total_params == 2 * (
        16 * 32 + 32)


@settings(max_examples=40, deadline=None)
@given(layers=st.lists(st.tuples(st.sampled_from(["MinGRU", "Dense"]), st.integers(1, 24)), min_size=1, max_size=5),
       steps=st.integers(1, 6), features=st.integers(1, 12))
def test_random(layers: list[Layer], steps: int, features: int) -> None:
    check(layers, steps, features)
