"""docs/reliability.md's table of limits stays true: every row names a constant, and its value is the constant's.
And the limits the errors name: past each, the message says the limit."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from rnnparams import api
from rnnparams.errors import RnnParamsError

DOC = Path(__file__).parents[2] / "docs" / "reliability.md"
ROW = re.compile(r"^\| (?P<what>[^|]+) \| (?P<value>[\d,.]+) \| `(?P<constant>rnnparams\.[\w.]+)` \|$")


def _rows() -> list[tuple[str, str, str]]:
    rows = [(m["what"], m["value"], m["constant"]) for line in DOC.read_text(encoding="utf-8").splitlines()
            if (m := ROW.match(line))]
    assert len(rows) >= 30
    return rows


@pytest.mark.parametrize(("what", "value", "constant"), _rows(), ids=[r[2] for r in _rows()])
def test_the_table_gives_each_constant_its_value(what: str, value: str, constant: str) -> None:
    module, _, name = constant.rpartition(".")
    if module.startswith("rnnparams.web"):
        pytest.importorskip("fastapi", reason="the web extra is not installed")
    actual = getattr(importlib.import_module(module), name)
    written = float(value.replace(",", "")) if "." in value else int(value.replace(",", ""))
    assert actual == written, f"{what}: the table says {value}, {constant} is {actual}"


@pytest.mark.parametrize(("model", "named"), [
    ("nn.LSTM(10, 10, num_layers=1001)", "at most 1,000 stacked layers"),
    ("nn.LSTM(10 ** 300, 10)", "exponent 300 is too large (at most 256)"),
    ("nn.LSTM((2 ** 256) ** 16 * 2, 10)", "at most 4,096 bits"),
    ("nn.Linear(2 ** 63, 1)", "at most 2**63 - 1"),
    ("nn.LSTM(1, 1)" + " " * 200_001, "at most 200,000"),
])
def test_an_input_past_a_limit_is_told_the_limit(model: str, named: str) -> None:
    with pytest.raises(RnnParamsError, match=re.escape(named)):
        api.count(model)
