"""Charts and texts of solve / sweep / --plot: SVGs parse as XML and carry the swept numbers, text charts are
golden (en and zh), PNGs come from matplotlib, and the command line answers as DESIGN.md says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import rnnparams.api as api
from rnnparams.errors import UsageError
from rnnparams.render import chart
from rnnparams.render.design import (
    count_groups,
    estimate_groups,
    render_solution,
    sweep_csv,
    sweep_svg,
    text_plot,
    write_plot,
    write_sweep_chart,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
SVG = "{http://www.w3.org/2000/svg}"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(api.__file__).parents[1])}
    return subprocess.run([sys.executable, "-m", "rnnparams", *args], capture_output=True, text=True, timeout=120,
                          env=env)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_golden_count_plot(lang: str) -> None:
    report = api.count("nn.Embedding(20000, 128); nn.LSTM(128, 256, num_layers=2, proj_size=64); nn.Linear(64, 10)")
    _golden(f"plot_count_{lang}.txt", text_plot(count_groups(report, lang), lang) + "\n")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_golden_solve(lang: str) -> None:
    sol = api.solve("nn.LSTM(100, 256, num_layers=2)", "hidden_size", params="10M", multiple_of=8)
    _golden(f"solve_lstm_{lang}.txt", render_solution(sol, lang) + "\n")


def test_text_bars_are_proportional() -> None:
    # 40 columns for the largest; 10 of 40 = 10 full blocks; 1 of 40 = 1 block; 1/8 column = "▏"
    text = chart.text_bars("t", [("a", 320), ("b", 80), ("c", 8), ("d", 1)], columns=40)
    bars = [line.split("  ")[2].strip() for line in text.splitlines()[1:]]
    assert bars == ["█" * 40, "█" * 10, "█", "▏"]


def test_estimate_plot_groups_sum_to_the_estimate() -> None:
    est = api.estimate("nn.LSTM(100, 256)", batch=32, seq_len=50)
    kinds, layers, roles = estimate_groups(est)
    assert sum(v for _, v in kinds[1]) == est.total_bytes
    assert [label for label, _ in layers[1]] == ["lstm (LSTM)"]
    # float32: 4 bytes a number; W_ih 4·256·100, W_hh 4·256·256, two biases 2·4·256
    assert dict(roles[1]) == {"Input weights": 4 * 102_400, "Recurrent weights": 4 * 262_144, "Biases": 4 * 2048}
    assert sum(v for _, v in roles[1]) == est.memory_line("weights").value


def test_count_plot_roles_sum_to_the_total() -> None:
    report = api.count("Embedding(20000, 128); LSTM(256); Dense(10)", "keras", "20")
    by_layer, by_role = count_groups(report)
    assert sum(v for _, v in by_layer[1]) == sum(v for _, v in by_role[1]) == report.total_params
    roles = dict(by_role[1])
    assert roles["Embedding table"] == 20000 * 128
    assert roles["Recurrent weights"] == 256 * 4 * 256  # Keras recurrent_kernel (H, 4H)


def test_sweep_svg_is_xml_with_one_series_per_framework() -> None:
    result = api.sweep("nn.GRU(32, 64)", "hidden_size=16..128:16", compare="keras,keras2")
    root = ET.fromstring(sweep_svg(result))
    assert root.tag == f"{SVG}svg"
    groups = root.findall(f".//{SVG}g[@class='series']")
    assert [g.get("data-label") for g in groups] == ["pytorch", "keras", "keras2"]
    for g, series in zip(groups, result.series, strict=True):
        points = [(int(c.get("data-x", "")), int(c.get("data-y", ""))) for c in g.findall(f"{SVG}circle")]
        assert points == [(p.value, p.report.total_params) for p in series.points]
    # GRU: PyTorch 3H(I + H + 2), Keras 3 (reset_after) 3H(I + H + 2), Keras 2 (reset_after=False) 3H(I + H + 1)
    keras2 = [int(c.get("data-y", "")) for c in groups[2].findall(f"{SVG}circle")]
    assert keras2 == [3 * h * (32 + h + 1) for h in range(16, 129, 16)]


def test_bars_svg_escapes_and_parses(tmp_path: Path) -> None:
    path = tmp_path / "plot.svg"
    write_plot([("<by> & \"layer\"", [("a<b", 3), ("c&d", 1)])], "title & <more>", str(path))
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    values = [int(r.get("data-value", "")) for r in root.iter(f"{SVG}rect") if r.get("data-value")]
    assert values == [3, 1]


def test_png_through_matplotlib(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = api.sweep("nn.LSTM(10, 20)", "hidden_size=8..64:8")
    write_sweep_chart(result, str(tmp_path / "s.png"))
    write_plot(count_groups(api.count("nn.LSTM(10, 20)")), "t", str(tmp_path / "c.png"))
    for name in ("s.png", "c.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_file_suffix_is_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.svg or \.png"):
        write_sweep_chart(api.sweep("nn.LSTM(10, 20)", "hidden_size=8,16"), str(tmp_path / "s.jpg"))


def test_sweep_csv() -> None:
    text = sweep_csv(api.sweep("nn.LSTM(10, 20)", "hidden_size=8,16"))
    assert text.splitlines() == ["model,framework,hidden_size,total_params,trainable_params",
                                 f"\"nn.LSTM(10, 20)\",pytorch,8,{4 * 8 * (10 + 8 + 2)},{4 * 8 * (10 + 8 + 2)}",
                                 f"\"nn.LSTM(10, 20)\",pytorch,16,{4 * 16 * 28},{4 * 16 * 28}"]


def test_non_monotone_total_stops_the_search() -> None:
    # a longer kernel leaves fewer positions for the Dense after Flatten: 4(8k + 1) + 40(50 - k + 1) + 10 shrinks
    with pytest.raises(UsageError, match="does not shrink as kernel_size grows"):
        api.solve("Conv1D(4, 3); Flatten(); Dense(10)", "kernel_size", params=2046, framework="keras",
                  input_shape="50,8")


def test_cli_solve_json_and_no_fit() -> None:
    out = _cli("solve", "nn.LSTM(100, 256)", "--vary", "hidden_size", "--params", "1M", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    h = data["value"]
    assert 4 * h * (100 + h + 2) == data["total_params"] <= 10**6 < 4 * (h + 1) * (100 + h + 3) == \
        data["next_total_params"]
    bad = _cli("solve", "nn.LSTM(100, 256)", "--vary", "hidden_size", "--params", "100")
    assert bad.returncode == 2 and bad.stderr.startswith("error: no value of hidden_size fits")
    assert "Traceback" not in bad.stderr


def test_cli_sweep_svg_and_count_plot(tmp_path: Path) -> None:
    out = _cli("sweep", "LSTM(8)", "GRU(8)", "-f", "keras", "-i", "10,4", "--vary", "units=4..16:4", "--svg")
    assert out.returncode == 0, out.stderr
    labels = [g.get("data-label") for g in ET.fromstring(out.stdout).iter(f"{SVG}g") if g.get("class") == "series"]
    assert labels == ["LSTM(8)", "GRU(8)"]
    plot = _cli("count", "nn.LSTM(100, 256)", "--plot", str(tmp_path / "c.svg"))
    assert plot.returncode == 0, plot.stderr
    ET.parse(tmp_path / "c.svg")


def test_cli_plot_path_is_checked_before_counting() -> None:
    out = _cli("count", "nn.LSTM(100, 256)", "--plot", "x.txt")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: --plot x.txt: a chart is written as FILE.svg or FILE.png")


def test_cli_explain_svg(tmp_path: Path) -> None:
    out = _cli("explain", "nn.GRU(10, 20, bidirectional=True)", "--svg", str(tmp_path / "cells.svg"))
    assert out.returncode == 0, out.stderr
    names = {g.get("data-name") for g in ET.parse(tmp_path / "cells.svg").iter(f"{SVG}g") if g.get("class") == "tensor"}
    assert {"weight_hh_l0", "weight_hh_l0_reverse"} <= names
