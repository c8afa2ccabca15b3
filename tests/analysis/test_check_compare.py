"""check names the mistake behind a wrong count; compare lines frameworks up.

Every mistaken number here is derived by hand from the layer formulas written in the test (PyTorch layer l
of a stack: D·G·H·(I_l + H + 2b) with I_0 = I and I_l = D·H above), never from the tool's own output."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.api import check, compare
from rnnparams.errors import RnnParamsError

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def torch_count(kind: str, i: int, h: int, layers: int, d: int, biases: int, g: int | None = None) -> int:
    """Σ over layers of D·G·H·(I_l + H + biases), I_0 = I, I_l = D·H."""
    g = GATES[kind] if g is None else g
    return sum(d * g * h * ((i if layer == 0 else d * h) + h + biases) for layer in range(layers))


def expr(kind: str, i: int, h: int, layers: int, d: int) -> str:
    return f"nn.{kind}({i}, {h}, num_layers={layers}, bidirectional={d == 2})"


def diagnosed(result: rnnparams.api.CheckResult) -> set[str]:  # type: ignore[name-defined]
    return {key for d in result.diagnoses for key in d.mistakes}


def joined(result: rnnparams.api.CheckResult) -> set[tuple[str, ...]]:  # type: ignore[name-defined]
    return {tuple(sorted(d.mistakes)) for d in result.diagnoses}


stacks = st.tuples(st.sampled_from(list(GATES)), st.integers(1, 400), st.integers(1, 400), st.integers(1, 4),
                   st.sampled_from([1, 2]))


def test_right_claim_exits_zero_and_confirms() -> None:
    result = check("nn.LSTM(100, 256)", "366,592")
    assert result.correct and result.diagnoses == ()


def test_seed_004_gets_a_helpful_answer() -> None:
    """1,109,312 (a chatbot's number) is no known mistake, and not even a multiple of 4·256 = 1,024, which
    divides every tensor of nn.LSTM(100, 256)."""
    result = check("nn.LSTM(100, 256)", 1_109_312)
    assert not result.correct and result.diagnoses == ()
    assert result.common_divisor == 1024 and 1_109_312 % 1024 == 320
    assert result.other_frameworks["keras"] == 4 * 256 * (100 + 256 + 1)
    from rnnparams.render.check import render_check
    text = render_check(result)
    assert "No known mistake" in text and "1,024" in text and "366,592" in text and "365,568" in text


@settings(max_examples=60, deadline=None)
@given(stacks)
def test_biases_forgotten(cfg: tuple[str, int, int, int, int]) -> None:
    kind, i, h, layers, d = cfg
    assert "no_bias" in diagnosed(check(expr(kind, i, h, layers, d), torch_count(kind, i, h, layers, d, 0)))


@settings(max_examples=60, deadline=None)
@given(stacks)
def test_one_bias_instead_of_two(cfg: tuple[str, int, int, int, int]) -> None:
    kind, i, h, layers, d = cfg
    assert "one_bias" in diagnosed(check(expr(kind, i, h, layers, d), torch_count(kind, i, h, layers, d, 1)))


@settings(max_examples=60, deadline=None)
@given(stacks, st.sampled_from([1, 3, 4]))
def test_wrong_gate_multiplier(cfg: tuple[str, int, int, int, int], g: int) -> None:
    kind, i, h, layers, d = cfg
    assume(g != GATES[kind])
    result = check(expr(kind, i, h, layers, d), torch_count(kind, i, h, layers, d, 2, g))
    assert f"gates_{g}" in diagnosed(result)


@settings(max_examples=60, deadline=None)
@given(stacks)
def test_second_direction_forgotten_or_doubled(cfg: tuple[str, int, int, int, int]) -> None:
    kind, i, h, layers, _ = cfg
    forgot = check(expr(kind, i, h, layers, 2), torch_count(kind, i, h, layers, 1, 2))
    assert "forgot_direction" in diagnosed(forgot)
    doubled = check(expr(kind, i, h, layers, 1), 2 * torch_count(kind, i, h, layers, 1, 2))
    assert "double_direction" in diagnosed(doubled)


@settings(max_examples=60, deadline=None)
@given(stacks)
def test_upper_layers_given_input_size(cfg: tuple[str, int, int, int, int]) -> None:
    kind, i, h, layers, d = cfg
    assume(layers > 1 and i != d * h)
    claimed = layers * d * GATES[kind] * h * (i + h + 2)  # every layer as if it read the I inputs
    assert "upper_layers_input" in diagnosed(check(expr(kind, i, h, layers, d), claimed))


@settings(max_examples=60, deadline=None)
@given(stacks)
def test_input_and_hidden_swapped(cfg: tuple[str, int, int, int, int]) -> None:
    kind, i, h, layers, d = cfg
    assume(i != h)
    claimed = torch_count(kind, h, i, layers, d, 2)
    assume(claimed != torch_count(kind, i, h, layers, d, 2))
    assert "swapped_input_hidden" in diagnosed(check(expr(kind, i, h, layers, d), claimed))


@settings(max_examples=40, deadline=None)
@given(stacks, st.integers(1, 1000))
def test_head_included_or_excluded(cfg: tuple[str, int, int, int, int], o: int) -> None:
    kind, i, h, layers, d = cfg
    body = torch_count(kind, i, h, layers, d, 2)
    head = o * (d * h + 1)
    with_head = f"{expr(kind, i, h, layers, d)}; nn.Linear({d * h}, {o})"
    assert "head_excluded" in diagnosed(check(with_head, body))
    result = check(expr(kind, i, h, layers, d), body + head)
    assert any(dg.mistakes == ("head_included",) and dg.values["units"] == o for dg in result.diagnoses)


@settings(max_examples=40, deadline=None)
@given(stacks, st.integers(2, 5000))
def test_embedding_counted_or_not(cfg: tuple[str, int, int, int, int], v: int) -> None:
    kind, i, h, layers, d = cfg
    body = torch_count(kind, i, h, layers, d, 2)
    with_embedding = f"nn.Embedding({v}, {i}); {expr(kind, i, h, layers, d)}"
    assert "embedding_excluded" in diagnosed(check(with_embedding, body))
    result = check(expr(kind, i, h, layers, d), body + v * i)
    assert any(dg.values.get("vocabulary") == v for dg in result.diagnoses if "embedding_included" in dg.mistakes)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(3, 300), st.data())
def test_projection_ignored(i: int, h: int, data: st.DataObject) -> None:
    p = data.draw(st.integers(1, h - 1))
    claimed = 4 * h * (i + h + 2)  # the LSTM without its projection
    assume(claimed != 4 * h * (i + p + 2) + p * h)  # e.g. h = 10, p = 8: both are 520, so nothing is wrong
    assert "projection_ignored" in diagnosed(check(f"nn.LSTM({i}, {h}, proj_size={p})", claimed))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300))
def test_keras_two_biases_is_the_pytorch_convention(i: int, h: int) -> None:
    result = check(f"LSTM({h})", 4 * h * (i + h + 2), "keras", f"10,{i}")
    assert "two_biases" in diagnosed(result)
    assert any(d.mistakes == ("other_framework",) and d.values["framework"] == "pytorch" for d in result.diagnoses)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.booleans())
def test_gru_reset_after_confusion(i: int, h: int, reset_after: bool) -> None:
    claimed = 3 * h * (i + h + (1 if reset_after else 2))  # counted with the other setting
    result = check(f"GRU({h}, reset_after={reset_after})", claimed, "keras", f"10,{i}")
    assert "reset_after" in diagnosed(result)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200), st.integers(2, 4))
def test_pairs_of_mistakes(i: int, h: int, layers: int) -> None:
    """Two mistakes at once: no biases and one direction of a bidirectional stack."""
    claimed = torch_count("LSTM", i, h, layers, 1, 0)
    assume(claimed != torch_count("LSTM", i, h, layers, 2, 2))
    result = check(expr("LSTM", i, h, layers, 2), claimed)
    assume(not any(len(d.mistakes) == 1 for d in result.diagnoses))  # a simpler explanation wins (e.g. h = 1)
    assert ("forgot_direction", "no_bias") in joined(result)


def test_claimed_must_be_a_number() -> None:
    with pytest.raises(RnnParamsError, match="whole number"):
        check("nn.LSTM(1, 2)", "lots")


def test_check_cli_exit_codes() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rnnparams", *args], capture_output=True, text=True, timeout=60)

    ok = run("check", "nn.LSTM(100, 256)", "--claimed", "366592")
    assert ok.returncode == 0 and "✓" in ok.stdout
    wrong = run("check", "nn.LSTM(100, 256)", "--claimed", "365,568", "--lang", "zh")
    assert wrong.returncode == 1 and "Keras" in wrong.stdout and "偏置" in wrong.stdout
    bad = run("check", "nn.LSTM(100, 256)", "--claimed", "abc")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# --- compare --------------------------------------------------------------------------------------------------

def test_compare_lstm_across_frameworks() -> None:
    c = compare("nn.LSTM(100, 256)")
    assert c.totals() == {"pytorch": 4 * 256 * 358, "keras": 4 * 256 * 357, "keras2": 4 * 256 * 357}
    keys = {key for key, _ in c.layers[0].notes}
    assert {"bias_layout", "gate_order", "layout"} <= keys


def test_compare_gru_reset_after_between_keras_versions() -> None:
    c = compare("GRU(32)", ("keras", "keras2", "pytorch"), "keras", "10,64")
    assert c.totals() == {"keras": 3 * 32 * (64 + 32 + 2), "keras2": 3 * 32 * (64 + 32 + 1),
                          "pytorch": 3 * 32 * (64 + 32 + 2)}
    assert "reset_after" in {key for key, _ in c.layers[0].notes}


def test_compare_stacked_bidirectional_becomes_keras_layers() -> None:
    c = compare("nn.GRU(10, 20, num_layers=2, bidirectional=True)")
    keras = c.layers[0].columns[1].report
    assert keras is not None and [layer.type for layer in keras.layers] == ["Bidirectional", "Bidirectional"]
    # Keras 3 GRU (reset_after=True) has PyTorch's bias layout: the same total
    assert c.totals()["keras"] == c.totals()["pytorch"] == torch_count("GRU", 10, 20, 2, 2, 2)


def test_compare_projection_has_no_keras_equivalent() -> None:
    c = compare("nn.LSTM(10, 20, proj_size=5)")
    assert c.totals()["keras"] is None
    assert any(key == "no_equivalent" for key, _ in c.layers[0].notes)


def test_compare_batchnorm_state() -> None:
    c = compare("nn.BatchNorm1d(8)")
    assert c.totals() == {"pytorch": 16, "keras": 32, "keras2": 32}
    assert "bn_state" in {key for key, _ in c.layers[0].notes}


def test_compare_unknown_framework() -> None:
    with pytest.raises(RnnParamsError, match="unknown framework"):
        compare("nn.LSTM(1, 2)", "pytorch,caffe")
