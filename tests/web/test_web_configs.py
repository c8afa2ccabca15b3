"""A Hugging Face config.json pasted into the calculator (POST /api/... with the file's text as `model`): counted as
transformers builds it, `overrides` as its `--set` values, estimated per token (prefill and decoding), varied by
its own fields in solve; wrong requests are 4xx, never 500. Expected totals: the published ones
(tests/fixtures/configs/SOURCES.md) and the hand derivation of a Mamba block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pydantic", reason="the web extra is not installed: pip install 'rnnparams[web]'")
from rnnparams.web import service

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"
MAMBA = (CONFIGS / "mamba-130m-hf.json").read_text()


def answer(verb: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, raw = service.answer(verb, json.dumps(body).encode())
    return status, json.loads(raw)


def mamba_130m(layers: int = 24) -> int:
    """By hand: d 768, d_inner 1536, d_state 16, d_conv 4, dt_rank 48, vocabulary 50280, the head tied."""
    d, e, n, k, r = 768, 1536, 16, 4, 48
    block = d + e * n + e + e * k + e + 2 * e * d + (r + 2 * n) * e + e * r + e + d * e
    return 50280 * d + layers * block + d


@pytest.mark.parametrize(("name", "published"), [("mamba-130m-hf.json", 129_135_360),
                                                 ("rwkv-4-169m-pile.json", 169_342_464),
                                                 ("mamba_ssm/mamba-130m.json", 129_135_360)])
def test_a_pasted_config_counts_as_published(name: str, published: int) -> None:
    status, data = answer("count", {"model": (CONFIGS / name).read_text()})
    assert status == 200, data
    assert data["total_params"] == published


def test_overrides_are_the_configs_set_values() -> None:
    assert mamba_130m() == 129_135_360
    status, data = answer("count", {"model": MAMBA, "overrides": {"num_hidden_layers": 12}})
    assert status == 200 and data["total_params"] == mamba_130m(12)
    status, data = answer("explain", {"model": MAMBA, "lang": "zh"})
    assert status == 200 and data["total_params"] == mamba_130m() and data["text"]


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"overrides": {"no_such_field": 1}}, 400, "MambaConfig has no field 'no_such_field'"),
    ({"overrides": {"num_hidden_layers": "many"}}, 400, "takes a whole number"),
    ({"select": "Model"}, 422, "drop select and input_shape"),
    ({"input_shape": [10, 3]}, 422, "drop select and input_shape"),
    ({"framework": "pytorch"}, 400, "counted as huggingface builds it"),
])
def test_wrong_requests_on_a_config_are_4xx(body: dict[str, Any], status: int, words: str) -> None:
    got, data = answer("count", {"model": MAMBA, **body})
    assert got == status and words in data["error"], data


def test_a_pasted_config_is_estimated_per_token() -> None:
    """Weights of float32 Mamba-130m in inference: 4 bytes × the published 129,135,360; the prefill and a decoding
    step's FLOPs are the sequence estimate's (the page shows them, the text says the activations are left out)."""
    status, data = answer("estimate", {"model": MAMBA, "batch": 2, "seq_len": 16, "mode": "inference"})
    assert status == 200, data
    assert data["activations_modelled"] is False and data["memory"]["weights"] == 4 * 129_135_360
    assert data["compute"]["prefill"]["flops_batch"] > data["compute"]["decode"]["flops_batch"] > 0
    assert "not modelled" in data["text"] or "without activations" in data["text"]
    for body, words in [({"batch": 2}, "\"seq_len\": T"), ({"batch": 2, "seq_len": 4, "device": "cuda"}, "use cpu")]:
        got, error = answer("estimate", {"model": MAMBA, **body})
        assert got == 400 and words in error["error"], error
    status, data = answer("estimate", {"model": "nn.LSTM(100, 256)", "batch": 2, "seq_len": 8})
    assert status == 200 and "activations" in data["memory"]


def test_solve_on_a_pasted_config_varies_its_field() -> None:
    status, data = answer("solve", {"model": MAMBA, "vary": "num_hidden_layers", "params": "100M"})
    assert status == 200, data
    layers = data["value"]
    assert mamba_130m(layers) <= 100_000_000 < mamba_130m(layers + 1)
    status, data = answer("solve", {"model": MAMBA, "vary": "d_inner", "params": "100M"})
    assert status == 400 and "no whole-number field 'd_inner'" in data["error"]
