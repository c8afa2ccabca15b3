"""--model NAME and --set NAME=VALUE on every command that reads a model (explain, formula, check, compare,
estimate, state, besides count, solve and sweep): one model of a .py file, a config.json field. Expected values:
seed 001's totals (h² + 4h + 1 for SimpleRNN(h) on 3 features then Dense(1), as the question quotes them: 7, 15,
25, 37) and a Mamba block derived by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnparams.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SEED = str(FIXTURES / "seeds" / "seed001_keras_simple_rnn.py")
MAMBA = str(FIXTURES / "configs" / "mamba-130m-hf.json")


def mamba_130m(layers: int) -> int:
    d, e, n, k, r = 768, 1536, 16, 4, 48
    block = d + e * n + e + e * k + e + 2 * e * d + (r + 2 * n) * e + e * r + e + d * e
    return 50280 * d + layers * block + d


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(("name", "total"), [("model", 7), ("model2", 15), ("model3", 25), ("model4", 37)])
def test_model_picks_one_of_a_file(capsys: pytest.CaptureFixture[str], name: str, total: int) -> None:
    code, out, _ = run(capsys, "explain", SEED, "--model", name)
    assert code == 0 and f"{total:,}" in out
    code, out, _ = run(capsys, "check", SEED, "-m", name, "-c", str(total))
    assert code == 0
    code, out, _ = run(capsys, "formula", SEED, "-m", name)
    assert code == 0 and f"= {total:,}" in out


def test_set_reaches_every_command_on_a_config(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", MAMBA, "--set", "num_hidden_layers=2", "--json")
    assert code == 0 and json.loads(out)["total_params"] == mamba_130m(2)
    code, out, _ = run(capsys, "check", MAMBA, "-s", "num_hidden_layers=12", "-c", str(mamba_130m(12)))
    assert code == 0
    code, out, _ = run(capsys, "estimate", MAMBA, "-s", "num_hidden_layers=2", "-b", "1", "-T", "8", "--json")
    assert code == 0 and json.loads(out)["memory"]["weights"] == 4 * mamba_130m(2)
    code, out, _ = run(capsys, "state", MAMBA, "-s", "num_hidden_layers=2", "--json")
    data = json.loads(out)
    assert code == 0 and data["state_per_sequence"] == 2 * 1536 * (4 + 16)  # conv (d_inner, d_conv), ssm (d_inner, n)
    code, _, err = run(capsys, "explain", MAMBA, "--set", "bogus=1")
    assert code == 2 and "MambaConfig has no field 'bogus'" in err and "Traceback" not in err
