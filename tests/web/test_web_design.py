"""/api/solve and /api/sweep: the same answers as the library (checked by counting), bounded requests (at most
1,000 values, and a bound on the layers a sweep counts), 4xx for everything wrong."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("pydantic", reason="the web extra is not installed: pip install 'rnnparams[web]'")

from rnnparams import api
from rnnparams.web import service


def answer(verb: str, payload: object) -> tuple[int, dict[str, object]]:
    status, body = service.answer(verb, json.dumps(payload).encode())
    return status, json.loads(body)


def test_solve_answers_what_counting_confirms() -> None:
    status, body = answer("solve", {"model": "LSTM(64)", "framework": "keras", "input_shape": [35, 100],
                                    "vary": "units", "params": "1M", "multiple_of": 8, "lang": "zh"})
    assert status == 200, body
    h = body["value"]
    assert isinstance(h, int) and h % 8 == 0
    assert 4 * h * (100 + h + 1) == body["total_params"] <= 10**6 < body["next_total_params"] == \
        4 * (h + 8) * (100 + h + 8 + 1)
    assert "参数量不超过" in str(body["text"])


@pytest.mark.parametrize(("payload", "status", "message"), [
    ({"model": "nn.LSTM(100, 256)", "vary": "hidden_size", "params": 100}, 400, "no value of hidden_size fits"),
    ({"model": "nn.LSTM(100, 256)", "vary": "units", "params": "1M"}, 400, "no layer of the model has"),
    ({"model": "nn.LSTM(100, 256)", "vary": "hidden_size"}, 400, "exactly one budget"),
    ({"model": "nn.LSTM(100, 256)", "vary": "hidden_size", "params": "1M", "memory": "1GiB"}, 400, "exactly one"),
    ({"model": "nn.LSTM(100, 256)", "vary": "hidden_size", "memory": "1GiB"}, 400, "give --batch"),
    ({"model": "nn.LSTM(100, 256)", "vary": "hidden_size", "params": "1M", "multiple_of": 0}, 422, "multiple_of"),
])
def test_solve_refusals(payload: dict[str, object], status: int, message: str) -> None:
    got, body = answer("solve", payload)
    assert got == status and message in str(body["error"]), body


def test_sweep_records_equal_count_and_the_svg_carries_them() -> None:
    status, body = answer("sweep", {"model": "nn.GRU(16, 32)", "vary": "hidden_size=8..64:8", "compare": ["keras2"]})
    assert status == 200, body
    records = body["records"]
    assert isinstance(records, list) and len(records) == 16
    for record in records[:8]:
        assert record == {"model": "pytorch", "variable": "hidden_size", "value": record["value"],
                          **api.count(f"nn.GRU(16, {record['value']})").to_dict()}
    assert [r["total_params"] for r in records[8:]] == [3 * h * (16 + h + 1) for h in range(8, 65, 8)]  # Keras 2
    root = ET.fromstring(str(body["svg"]))
    labels = [g.get("data-label") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "series"]
    assert labels == ["pytorch", "keras2"]


def test_sweep_estimate_points() -> None:
    status, body = answer("sweep", {"model": "nn.GRU(16, 32)", "vary": "seq_len", "values": [1, 5, 50], "batch": 8,
                                    "metric": "memory"})
    assert status == 200, body
    series = body["series"]
    assert isinstance(series, list)
    assert series[0]["points"] == [[t, api.estimate("nn.GRU(16, 32)", batch=8, seq_len=t).total_bytes]
                                   for t in (1, 5, 50)]


@pytest.mark.parametrize(("payload", "status", "message"), [
    ({"vary": "hidden_size=1..1001"}, 422, "at most 1,000 a request"),
    ({"vary": "hidden_size", "values": list(range(1, 1002))}, 422, "at most 1000 items"),
    ({"vary": "num_layers=1..1000"}, 422, "at most 20,000 a request"),
    ({"vary": "hidden_size"}, 422, "has no values"),
    ({"vary": "hidden_size=1,2", "values": [1]}, 422, "give the values once"),
    ({"vary": "hidden_size=0,1"}, 400, "hidden_size=0: must be an integer >= 1"),
    ({"vary": "seq_len=1,2"}, 400, "needs an estimate"),
    ({"vary": "hidden_size=8", "metric": "memory"}, 400, "needs an estimate"),
])
def test_sweep_refusals(payload: dict[str, object], status: int, message: str) -> None:
    got, body = answer("sweep", {"model": "nn.LSTM(100, 256)", **payload})
    assert got == status and message in str(body["error"]), body


@pytest.mark.parametrize("model", ["Embedding(1000, 64); Bidirectional(GRU(32)); Dense(3)",
                                   "nn.Embedding(100, 16); nn.LSTM(16, 32, num_layers=2); nn.Linear(32, 4)"])
def test_every_variable_the_page_offers_is_one_sweep_takes(model: str) -> None:
    status, body = answer("explain", {"model": model})
    assert status == 200
    offered = body["variables"]
    assert isinstance(offered, list) and offered
    for var in offered:
        got, swept = answer("sweep", {"model": model, "vary": var["name"], "values": [var["value"]]})
        assert got == 200, swept
        records = swept["records"]
        assert isinstance(records, list)
        assert records[0]["total_params"] == api.count(model).total_params  # the model at its own value


def test_solve_stays_within_the_web_limits() -> None:
    status, body = answer("solve", {"model": "nn.LSTM(8, 8)", "vary": "hidden_size", "params": 10**30})
    assert status == 200 and body["value"] == 10**9  # the largest size the web takes in one dimension
    assert "at most 1,000,000,000" in str(body["next_reason"])
    status, body = answer("solve", {"model": "nn.LSTM(8, 8, num_layers=2); nn.LSTM(8, 8, num_layers=2)",
                                    "vary": "*.num_layers", "params": 10**12})
    assert status == 200 and body["value"] == 500  # 2 × 500 stacked layers: the web's 1,000
    assert "takes at most 1,000" in str(body["next_reason"])
