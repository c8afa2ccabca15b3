"""The real console script, the seeds' numbers and scale (DESIGN.md §5); the layering rules are in test_layering.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rnnparams
from rnnparams.errors import RnnParamsError

SRC = Path(rnnparams.__file__).parent
EXE = shutil.which("rnnparams")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [EXE, *args] if EXE else [sys.executable, "-m", "rnnparams", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


# --- acceptance examples through the real console script --------------------------------------------------

def test_lstm_json_total() -> None:
    out = run("count", "nn.LSTM(100, 256)", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["total_params"] == 4 * 256 * (100 + 256 + 2) == 366_592
    assert data == json.loads(json.dumps(rnnparams.count("nn.LSTM(100, 256)").to_dict()))


def test_keras_lstm_with_input_shape() -> None:
    out = run("count", "LSTM(256)", "--framework", "keras", "--input-shape", "35,100", "--json")
    assert json.loads(out.stdout)["total_params"] == 4 * 256 * (100 + 256 + 1) == 365_568


def test_seed_001_table() -> None:
    out = run("count", "SimpleRNN(3, input_shape=[50, 3]); Dense(1)")
    assert out.returncode == 0
    assert "Total params: 25" in out.stdout and "21" in out.stdout and "Trainable params: 25" in out.stdout


def test_projection_acceptance() -> None:
    data = json.loads(run("count", "nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)",
                          "--json").stdout)
    assert data["total_params"] == 802_816
    tensors = {t["name"]: t["shape"] for t in data["layers"][0]["tensors"]}
    assert tensors["weight_hr_l1_reverse"] == [64, 256]
    assert data["layers"][0]["state_shapes"]["h_n"] == [4, None, 64]


def test_seed_002_rows_with_tensors() -> None:
    out = run("count", "Embedding(1000, 64); SimpleRNN(32)", "-t")
    assert "64,000" in out.stdout and "3,104" in out.stdout and "simple_rnn_cell/kernel" in out.stdout


def test_pytorch_buffers_line() -> None:
    out = run("count", "nn.BatchNorm1d(8)")
    assert "Buffers (non-parameter state, not in the total): 17" in out.stdout  # 8 + 8 + 1


@pytest.mark.parametrize(("args", "needle"), [
    (("count", "nn.LTSM(1, 2)"), "LSTM"),
    (("count", "LSTM(4)", "-f", "keras"), "input"),
    (("count", "nn.LSTM(0, 4)"), "positive"),
    (("count", "nn.LSTM(4, 3, proj_size=3)"), "proj_size"),
    (("count", "LSTM(100, 256)"), "ambiguous"),
    (("count", "Dense(4, input_shape=[8]); LSTM(3)", "-f", "keras"), "3-D"),
    (("count", "nn.LSTM(100,, 256)"), "column"),
    (("count", "__import__('os').system('touch /tmp/rnnparams-pwned')"), "error"),
    (("count", "nn.LSTM(2**100000, 3)"), "error"),
    (("count",), "MODEL"),
])
def test_errors_exit_2_without_traceback(args: tuple[str, ...], needle: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert needle.lower() in out.stderr.lower()
    assert not Path("/tmp/rnnparams-pwned").exists()


def test_help() -> None:
    out = run("--help")
    assert out.returncode == 0 and "count" in out.stdout and "explain" in out.stdout


# --- seeds and scale (hand derivations) --------------------------------------------------------------------

def test_seed_003_torch_rnn() -> None:
    """nn.RNN(input_size=1027, hidden_size=256): 256·(1027 + 256 + 2); output (35, N, 256), h (1, N, 256)."""
    report = rnnparams.count("nn.RNN(input_size=1027, hidden_size=256)", input_shape="35,1027")
    assert report.total_params == 256 * (1027 + 256 + 2)
    assert report.layers[0].output_shape == (35, None, 256)
    assert report.layers[0].state_shapes["h_n"] == (1, None, 256)


def test_scale_is_exact_and_immediate() -> None:
    h = 10**6
    assert rnnparams.count(f"nn.LSTM(100, {h})").total_params == 4 * h * (100 + h + 2)
    layers, i, hh = 1000, 32, 64
    expected = 4 * hh * (i + hh + 2) + (layers - 1) * 4 * hh * (hh + hh + 2)
    assert rnnparams.count(f"nn.LSTM({i}, {hh}, num_layers={layers})").total_params == expected
    assert rnnparams.count("Embedding(1000000000, 512)", "keras", "10").total_params == 10**9 * 512
    chain = "; ".join("nn.Linear(8, 8)" for _ in range(1000))
    assert rnnparams.count(chain).total_params == 1000 * (8 * 8 + 8)


def test_code_is_never_executed(tmp_path: Path) -> None:
    sentinel = tmp_path / "ran"
    with pytest.raises(RnnParamsError):
        rnnparams.count(f"open({str(sentinel)!r}, 'w')")
    assert not sentinel.exists()


def test_explain_resources() -> None:
    out = run("explain", "nn.LSTM(100, 256)", "--resources", "-b", "32", "-T", "50")
    assert out.returncode == 0
    # MACs per step = 4·H·(I + H) = 4 × 256 × (100 + 256) = 364,544; weights 366,592 × 4 bytes
    assert "364,544" in out.stdout and "1,466,368" in out.stdout
    missing = run("explain", "nn.LSTM(100, 256)", "--resources")
    assert missing.returncode == 2 and "--batch" in missing.stderr and not missing.stdout


def test_comment_only_model_is_a_clear_error() -> None:
    out = run("count", "# nothing here")
    assert out.returncode == 2 and "no layers" in out.stderr


def test_a_command_uses_argparse_words_as_written_and_puts_gettext_back(capsys: pytest.CaptureFixture[str]) -> None:
    """main() runs argparse with its words untranslated (gettext's first lookup is a twentieth of count's start-up)
    and gives argparse its translators back, in the same process, whether the command succeeds or fails."""
    import argparse
    import gettext

    from rnnparams.cli import main

    assert main(["count", "--json", "nn.LSTM(100, 256)"]) == 0
    with pytest.raises(SystemExit):
        main(["count", "nn.LSTM(1, 1)", "--no-such-option"])
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext  # type: ignore[attr-defined]
    code = ("import sys; from rnnparams.cli import main; main(['count', '--json', 'nn.LSTM(100, 256)']); "
            "print('locale' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"
