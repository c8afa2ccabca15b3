"""Golden explanations (English and Chinese), reviewed by eye once, then compared exactly.

Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnnparams.api import check, compare, explain, formula
from rnnparams.render.check import render_check
from rnnparams.render.compare import render_compare
from rnnparams.render.explain import render_explain
from rnnparams.render.formula import render_formula

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

CASES = {
    "explain_seed000_{lang}.txt": lambda lang: render_explain(
        explain("SimpleRNN(64, input_shape=[None, 100]); Dense(10)"), lang),
    "explain_lstm_stack_{lang}.txt": lambda lang: render_explain(
        explain("nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)"), lang),
    "explain_keras_gru_{lang}.md": lambda lang: render_explain(
        explain("Embedding(1000, 64); Bidirectional(GRU(32)); Dense(3)", "keras", "20"), lang, "markdown"),
    "explain_batchnorm_{lang}.txt": lambda lang: render_explain(
        explain("nn.Conv1d(16, 32, 5); nn.BatchNorm1d(32)"), lang),
    "check_seed004_{lang}.txt": lambda lang: render_check(check("nn.LSTM(100, 256)", 1_109_312), lang),
    "check_keras_bias_{lang}.txt": lambda lang: render_check(
        check("LSTM(256)", 366_592, "keras", "35,100"), lang),
    "compare_gru_{lang}.txt": lambda lang: render_compare(compare("nn.GRU(128, 256, num_layers=2)"), lang),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(CASES))
def test_golden(name: str, lang: str) -> None:
    path = GOLDEN / name.format(lang=lang)
    text = CASES[name](lang) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(encoding="utf-8")


def test_golden_formula() -> None:
    path = GOLDEN / "formula_chain.txt"
    text = render_formula(formula("nn.Embedding(10000, 128); nn.LSTM(128, 256, num_layers=2); nn.Linear(256, 10)"))
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8")
