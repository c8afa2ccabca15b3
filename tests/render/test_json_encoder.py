"""Our JSON encoder (render/json.py) against the standard library's parser: whatever it writes parses back to the
value it was given, lists of scalars (shapes) stay on one line, and so does a list's record of scalars (a tensor)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnparams.render.json import dumps

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.tuples(inner, inner),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                      max_leaves=30)


def plain(value: Any) -> Any:
    """The value as the parser gives it back: tuples are lists."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from([2, 4]))
def test_what_is_written_parses_back(value: Any, indent: int) -> None:
    assert json.loads(dumps(value, indent)) == plain(value)


@given(st.lists(st.one_of(st.none(), st.integers(0, 10**12)), max_size=6))
def test_a_shape_stays_on_one_line(shape: list[int | None]) -> None:
    text = dumps({"layers": [{"name": "l", "state_shapes": {"h": shape}, "tensors": []}]})
    line = next(line for line in text.splitlines() if '"h"' in line)
    assert json.loads("{" + line.strip() + "}") == {"h": shape}


rows = st.dictionaries(st.text(max_size=6), st.one_of(scalars, st.lists(scalars, max_size=4)), max_size=5)


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, min_size=1, max_size=4))
def test_a_record_of_scalars_in_a_list_is_one_line(records: list[dict[str, Any]]) -> None:
    """A tensor, as the contract's example writes it: `{"name": "w", "shape": [4, null], ...}` on its own line."""
    text = dumps({"tensors": records})
    lines = text.split("\n")  # not splitlines(): a string may hold U+0085 or U+2028, which it breaks at
    assert len(lines) == len(records) + 4  # {, "tensors": [, a line per record, ], }
    assert [json.loads(line.strip().rstrip(",")) for line in lines[2:-2]] == plain(records)


def test_a_record_holding_a_dict_or_a_list_of_records_is_indented() -> None:
    text = dumps({"layers": [{"name": "l", "state_shapes": {}, "tensors": [{"name": "w", "shape": [2]}]}]})
    assert '      "name": "l",' in text.splitlines()
    assert '        {"name": "w", "shape": [2]}' in text.splitlines()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object()])
def test_what_json_cannot_hold_is_refused(bad: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        dumps({"x": [bad]})
