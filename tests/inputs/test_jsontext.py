"""inputs/jsontext.py against the standard library: whatever `json.loads` gives for a text (its value, or its
error and message), `loads` gives too, on generated JSON documents, on arbitrary text and on the cases json treats
specially (constants, a byte-order mark, trailing data, whitespace, deep nesting)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnparams.inputs.jsontext import loads

values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=25)


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        value = parse(text)
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)
    return "value", json.dumps(value, sort_keys=True)  # NaN != NaN: compared as written


@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from([None, 2]), st.sampled_from(["", " ", "\n\t ", "\r\n"]))
def test_a_document_reads_as_json_reads_it(value: Any, indent: int | None, pad: str) -> None:
    text = pad + json.dumps(value, indent=indent, ensure_ascii=bool(indent)) + pad
    assert outcome(loads, text) == outcome(json.loads, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from('{}[]":,0123456789.eE-+ \n\ttruefalsnNIfiy\\u\ufeffx'), max_size=30))
def test_any_text_reads_or_fails_as_json_does(text: str) -> None:
    assert outcome(loads, text) == outcome(json.loads, text)


@pytest.mark.parametrize("text", [
    "", " ", "{", '{"a": 1} x', '{"a": 1}{}', "\ufeff{}", "NaN", "[Infinity, -Infinity]", '{"a": 1,}', "[1 2]",
    '{"a" 1}', '"\x01"', "01", "1e400", '{"a": 1, "a": 2}', "[" * 100_000 + "]" * 100_000, "  [1]  \n",
])
def test_the_special_cases_read_as_json_reads_them(text: str) -> None:
    assert outcome(loads, text) == outcome(json.loads, text)


def test_the_constants_are_floats() -> None:
    value = loads("[NaN, Infinity, -Infinity]")
    assert math.isnan(value[0]) and value[1:] == [math.inf, -math.inf]


def test_reading_does_not_import_json() -> None:
    code = ("import sys; from rnnparams.inputs.jsontext import loads; loads('{\"a\": [1, 2.5, null]}'); "
            "print('json' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_without_the_c_scanner_json_itself_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnparams.inputs import jsontext

    monkeypatch.setattr(jsontext, "_scan", None)
    for text in ('{"a": [1, 2.5, null, true]}', "[1 2]", ""):
        assert outcome(jsontext.loads, text) == outcome(json.loads, text)
