"""`solve` and `sweep` on a config file vary the file's own fields (ModelSpec.config): every value is the model
transformers 5.24 builds from the file with that field changed (meta device, no weights), so the embedding, every
block, the norm and the head follow one hidden size together. The expected totals here are the real models'."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnparams import api as rnnparams
from rnnparams.errors import UsageError

pytest.importorskip("torch")
pytest.importorskip("transformers")
from test_transformers_oracle import real

pytestmark = pytest.mark.oracle
CONFIGS = Path(__file__).parent.parent / "fixtures" / "configs"


def real_total(path: str, **changes: Any) -> int:
    config = {**json.loads((CONFIGS / path).read_text()), **changes}
    out = 0
    for _, shape in real(config):
        total = 1
        for d in shape:
            total *= d
        out += total
    return out


@pytest.mark.parametrize(("path", "field", "budget"), [
    ("mamba-130m-hf.json", "hidden_size", 200_000_000),  # the embedding and head follow it; intermediate stays
    ("mamba-130m-hf.json", "num_hidden_layers", 200_000_000),
    ("rwkv-4-169m-pile.json", "hidden_size", 300_000_000),
    ("mamba2-780m.json", "num_hidden_layers", 1_000_000_000),
    ("jamba-defaults.json", "num_experts", 30_000_000_000),  # a mixture's width: every expert layer follows it
])
def test_solve_a_config_field_against_transformers(path: str, field: str, budget: int) -> None:
    solution = rnnparams.solve(str(CONFIGS / path), field, params=budget)
    value = solution.value
    assert real_total(path, **{field: value}) <= budget < real_total(path, **{field: value + 1})
    assert solution.point.report.total_params == real_total(path, **{field: value})


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 6), st.integers(8, 64))
def test_sweep_layers_and_width_of_a_config(layers: int, width: int) -> None:
    path = str(CONFIGS / "recurrentgemma-2b.json")
    result = rnnparams.sweep(path, "num_hidden_layers", [layers, layers + 1])
    got = [p.report.total_params for p in result.series[0].points]
    assert got == [real_total("recurrentgemma-2b.json", num_hidden_layers=n) for n in (layers, layers + 1)]
    mamba = rnnparams.sweep(str(CONFIGS / "mamba-130m-hf.json"), "intermediate_size", [width])
    assert mamba.series[0].points[0].report.total_params == real_total("mamba-130m-hf.json", intermediate_size=width)


def test_a_layer_argument_of_a_config_model_is_refused_with_the_fields() -> None:
    """The stack's own d_inner would leave the embedding and the other modules at the file's sizes: a config is
    varied by its fields, and the error lists them."""
    with pytest.raises(UsageError, match=r"no whole-number field 'd_inner'.*hidden_size.*num_hidden_layers"):
        rnnparams.solve(str(CONFIGS / "mamba-130m-hf.json"), "d_inner", params=10**9)


def test_overrides_are_kept_while_a_field_varies() -> None:
    """`--set state_size=8` and `--vary hidden_size`: each candidate keeps the override."""
    path = str(CONFIGS / "mamba-130m-hf.json")
    result = rnnparams.sweep(path, "hidden_size", [512], overrides=["state_size=8"])
    assert result.series[0].points[0].report.total_params == real_total("mamba-130m-hf.json", hidden_size=512,
                                                                          state_size=8)
