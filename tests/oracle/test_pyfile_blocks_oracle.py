"""Model files that build the recurrent-block packages (minGRU-pytorch, sru, xlstm, ncps, fla) beside torch.nn
layers, against the real packages: each file under tests/fixtures/models/blocks is counted by rnnparams without
running it, then (here, in the test) run with the packages on the CPU, and every model's tensors are compared
in `named_parameters()` order: name, shape and trainable flag, with the totals and the buffers `state_dict()` saves
(xLSTM's mLSTM cells also hold a causal mask registered with persistent=False, which rnnparams does not list)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import rnnparams
from rnnparams.analysis.report import Report

pytestmark = pytest.mark.oracle
torch = pytest.importorskip("torch")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "blocks"
CASES = {
    "mingru_readme.py": ("minGRU_pytorch", {"min_gru": 524_288, "min_lstm": 1_572_864}),
    "mingru_min_lm.py": ("minGRU_pytorch", {"model": 0, "lstm_model": 0}),
    "sru_classifier.py": ("sru", {"model": 0, "rnn": 0}),
    "xlstm_readme_stack.py": ("xlstm", {"xlstm_stack": 0, "lm": 0, "Classifier": 0}),
    "ncps_models.py": ("ncps", {"rnn": 0, "ltc": 0, "plain": 0, "ncp_ltc": 0, "atari": 0}),
    "fla_rwkv7.py": ("fla", {"lm": 0, "tiny": 0}),
    "mambapy_lm.py": ("mambapy", {"model": 0, "lm": 0, "mup_model": 0}),
}
"""file -> (the package it needs, its models with the total a source states; 0: the package's own count only)."""


def run(path: Path) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    saved = sys.argv
    sys.argv = ["fixture"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    finally:
        sys.argv = saved
    return namespace


def compare(ours: Report, model: Any) -> None:
    theirs = [(n, tuple(p.shape), p.requires_grad) for n, p in model.named_parameters()]
    mine = [(t.name, t.shape, t.trainable) for layer in ours.layers for t in layer.tensors]
    assert mine == theirs
    assert ours.total_params == sum(p.numel() for p in model.parameters())
    assert ours.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    saved = model.state_dict()
    assert ours.buffers == sum(b.numel() for n, b in model.named_buffers() if n in saved)


def test_every_fixture_is_a_case_with_its_source() -> None:
    assert {f.name for f in FIXTURES.glob("*.py")} == set(CASES)
    sources = (FIXTURES.parent / "SOURCES.md").read_text(encoding="utf-8")
    for f in FIXTURES.glob("*.py"):
        head = f.read_text(encoding="utf-8").splitlines()[:6]
        assert any(line.startswith("# Source: https://") for line in head), f.name
        assert any(line.startswith("# License of the source: ") for line in head), f.name
        assert f"blocks/{f.name}" in sources, f.name


@pytest.mark.parametrize("file", sorted(CASES))
def test_fixture_against_the_package(file: str) -> None:
    package, models = CASES[file]
    pytest.importorskip(package, reason=f"{package} is not installed: pip install '.[test]'")
    path = FIXTURES / file
    listing = rnnparams.models_in_file(str(path))
    found = {m.name: m for m in listing.models}
    assert set(found) == set(models)
    namespace = run(path)
    for name, total in models.items():
        entry = found[name]
        assert entry.report is not None, entry.error
        assert entry.framework == "pytorch"
        real = namespace[name] if entry.kind == "variable" else namespace[name]()
        compare(entry.report, real)
        if total:
            assert entry.report.total_params == total
