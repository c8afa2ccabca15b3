"""mambapy oracle: `mambapy.Mamba(...)` counted by rnnparams (conventions/mambapy.py) against the module mambapy
1.2 builds (every parameter's name, shape and order), 100 hypothesis configurations per run; and `compare`
translating it to transformers' Mamba through the neutral `mamba` family, checked against the blocks transformers
builds from the same sizes."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

torch = pytest.importorskip("torch")
mambapy = pytest.importorskip("mambapy.mamba")
transformers = pytest.importorskip("transformers")

pytestmark = pytest.mark.oracle


def _expression(c: dict[str, object]) -> str:
    return "mambapy.Mamba(" + ", ".join(f"{k}={v!r}" for k, v in c.items()) + ")"


@st.composite
def configs(draw: st.DrawFn) -> dict[str, object]:
    return {"d_model": draw(st.integers(1, 40)), "n_layers": draw(st.integers(1, 4)),
            "dt_rank": draw(st.one_of(st.just("auto"), st.integers(1, 12))), "d_state": draw(st.integers(1, 20)),
            "expand_factor": draw(st.integers(1, 3)), "d_conv": draw(st.integers(1, 5)),
            "bias": draw(st.booleans()), "conv_bias": draw(st.booleans()),
            "inner_layernorms": draw(st.booleans())}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_mamba(config: dict[str, object]) -> None:
    with torch.device("meta"):
        model = mambapy.Mamba(mambapy.MambaConfig(**config))
    expected = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
    report = rnnparams.count(_expression(config))
    assert [(t.name, t.shape) for t in report.layers[0].tensors] == expected


@pytest.mark.parametrize("config", [
    {"d_model": 768, "n_layers": 24},
    {"d_model": 64, "n_layers": 3, "bias": True, "conv_bias": False, "dt_rank": 5, "d_state": 8, "expand_factor": 3},
])
def test_compare_with_transformers_mamba(config: dict[str, object]) -> None:
    """The translation's total is what transformers' MambaModel holds in its blocks for the same sizes."""
    result = rnnparams.compare(_expression(config), ["mambapy", "huggingface"])
    d = result.to_dict()
    translated = d["total_params"]["huggingface"]
    cfg = transformers.MambaConfig(hidden_size=config["d_model"], num_hidden_layers=config["n_layers"],
                                   state_size=config.get("d_state", 16), expand=config.get("expand_factor", 2),
                                   conv_kernel=4, use_bias=config.get("bias", False),
                                   use_conv_bias=config.get("conv_bias", True),
                                   time_step_rank=config.get("dt_rank", "auto"), vocab_size=10)
    with warnings.catch_warnings(), torch.device("meta"):
        warnings.simplefilter("ignore")
        blocks = transformers.MambaModel(cfg).layers
    assert translated == sum(p.numel() for p in blocks.parameters()) == d["total_params"]["mambapy"]
