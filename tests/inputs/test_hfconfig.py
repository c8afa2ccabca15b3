"""Hugging Face config files without transformers: what is read, the defaults a file leaves out, --set, and
every bad input answered with a clear error (exit 2), never a traceback. The counts themselves are proven
against transformers in tests/oracle/test_transformers_oracle.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import rnnparams
from rnnparams.cli import main
from rnnparams.errors import RnnParamsError

CONFIGS = Path(__file__).parent.parent / "fixtures" / "configs"
MAMBA = CONFIGS / "mamba-130m-hf.json"


def _write(tmp_path: Path, data: object, name: str = "config.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_counting_a_config_imports_no_framework() -> None:
    code = ("import sys; import rnnparams; r = rnnparams.count(sys.argv[1]); assert r.total_params > 0; "
            "heavy = [m for m in ('torch', 'transformers', 'numpy', 'safetensors') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code, str(MAMBA)], check=True)


def test_set_overrides_are_typed_by_the_config_class(tmp_path: Path) -> None:
    base = rnnparams.count(str(MAMBA))
    more = rnnparams.count(str(MAMBA), overrides=["num_hidden_layers=48"])
    stack = next(layer for layer in base.layers if layer.name == "backbone.layers")
    assert more.total_params - base.total_params == stack.params  # 24 more blocks of the same size
    untied = rnnparams.count(str(MAMBA), overrides=["tie_word_embeddings=false"])
    assert untied.total_params - base.total_params == 50280 * 768
    auto = rnnparams.count(str(MAMBA), overrides=["time_step_rank=auto"])
    assert auto.total_params == base.total_params  # ⌈768 / 16⌉ = 48, as the file says


def test_defaults_fill_what_the_file_leaves_out(tmp_path: Path) -> None:
    """{"model_type": "mamba"} is MambaConfig(): 32 blocks of 768 (hand count of the class defaults)."""
    d, e, n, k, r, layers, v = 768, 1536, 16, 4, 48, 32, 50280
    block = d + e * n + e + e * k + e + 2 * e * d + (r + 2 * n) * e + e * r + e + d * e
    report = rnnparams.count(_write(tmp_path, {"model_type": "mamba"}))
    assert report.total_params == v * d + layers * block + d


@pytest.mark.parametrize(("data", "message"), [
    ("{not json", "not valid JSON"),
    ('{"model_type": "llama"}', "model_type 'llama' is not one rnnparams counts"),
    ({"model_type": "mamba", "hidden_size": "768"}, "'hidden_size' must be a positive integer"),
    ({"model_type": "mamba", "num_hidden_layers": 0}, "'num_hidden_layers' must be a positive integer"),
    ({"model_type": "mamba", "num_hidden_layers": 10**9}, "more than rnnparams counts"),
    ({"model_type": "mamba", "hidden_size": 10**12}, "more than rnnparams counts"),
    ({"model_type": "mamba2", "hidden_size": 64, "num_heads": 3, "head_dim": 5}, "Inconsistent configuration"),
    ({"model_type": "recurrent_gemma", "block_types": ["mamba"]}, "block_types"),
    ({"model_type": "recurrent_gemma", "num_key_value_heads": 20}, "num_key_value_heads"),
    ({"model_type": "zamba2", "num_hidden_layers": 3}, r"`num_hidden_layers` \(3\) must be equal"),  # 54 by default
    ({"model_type": "zamba2", "hidden_size": 6, "num_attention_heads": 4, "num_hidden_layers": 54},
     "even rotary dimension"),
    ({"model_type": "zamba2", "num_hidden_layers": 2, "layers_block_type": ["mamba", "attention"]},
     "'full_attention': each entry must be one of linear_attention, hybrid"),
    ({"model_type": "zamba", "num_hidden_layers": 3}, "single hybrid layer"),  # its default list has one
    ({"model_type": "zamba", "n_mamba_heads": 5}, "divisible by `n_mamba_heads`"),
    ({"model_type": "qwen3_next", "num_experts": -1}, "num_experts"),
    ({"model_type": "qwen3_next", "head_dim": 12}, "even rotary dimension"),
    ({"model_type": "qwen3_next", "mlp_only_layers": "all"}, "mlp_only_layers"),
])
def test_bad_configs_are_refused_clearly(tmp_path: Path, data: object, message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(RnnParamsError, match=message):
        rnnparams.count(path)
    assert main(["count", path]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(("item", "message"), [
    ("num_hidden=48", "MambaConfig has no field 'num_hidden'"),
    ("num_hidden_layers=many", "num_hidden_layers takes a whole number"),
    ("use_bias=maybe", "use_bias takes true or false"),
    ("num_hidden_layers", "write it as NAME=VALUE"),
])
def test_bad_overrides_are_refused_clearly(item: str, message: str) -> None:
    with pytest.raises(RnnParamsError, match=message):
        rnnparams.count(str(MAMBA), overrides=[item])
    assert main(["count", str(MAMBA), "--set", item]) == 2


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"model_type": "mamba", "pad": "' + "x" * 1_100_000 + '"}')
    with pytest.raises(RnnParamsError, match="too large"):
        rnnparams.count(path)


def test_a_spec_file_is_still_a_spec_file(tmp_path: Path) -> None:
    spec = {"framework": "pytorch", "layers": [{"type": "LSTM", "input_size": 10, "hidden_size": 20}]}
    assert rnnparams.count(_write(tmp_path, spec, "model.json")).total_params == 4 * 20 * (10 + 20 + 2)


def test_tensor_names_and_the_tied_head(tmp_path: Path) -> None:
    report = rnnparams.count(str(MAMBA))
    names = [t.name for layer in report.layers for t in layer.tensors]
    assert names[:3] == ["backbone.embeddings.weight", "backbone.layers.0.norm.weight", "backbone.layers.0.mixer.A_log"]
    assert "lm_head.weight" not in names  # tied: named_parameters() lists the embedding's tensor once
    assert names[-1] == "backbone.norm_f.weight"
