"""The web's work without the web: limits on the parsed model, messages for invalid requests, the answer cache,
and a grammar fuzz (models that look like real ones, which schemathesis's random strings rarely reach): no
model text makes `answer` raise, that is, no request is a 500."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pydantic", reason="the web extra is not installed: pip install 'rnnparams[web]'")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnparams import api
from rnnparams.inputs.expression import parse_expression
from rnnparams.web import service


def answer(verb: str, payload: object) -> tuple[int, dict[str, object]]:
    status, body = service.answer(verb, json.dumps(payload).encode())
    return status, json.loads(body)


def test_layer_count_counts_stacked_and_wrapped_layers() -> None:
    spec = parse_expression("nn.LSTM(8, 8, num_layers=3); nn.Linear(8, 2)")
    assert [service.layer_count(layer) for layer in spec.layers] == [3, 1]
    spec = parse_expression("Sequential([Input((5, 3)), Bidirectional(LSTM(4)), TimeDistributed(Dense(2))])")
    assert [service.layer_count(layer) for layer in spec.layers] == [1, 1]


def test_limits_are_exact() -> None:
    ok = parse_expression("nn.LSTM(8, 8, num_layers=1000)")
    service.enforce_limits(ok, "count")
    with pytest.raises(service.WebError, match="1,001 layers"):  # one stack holds at most MAX_STACKED_LAYERS
        service.enforce_limits(parse_expression("nn.LSTM(8, 8, num_layers=1000); nn.Linear(8, 2)"), "count")
    service.enforce_limits(parse_expression("nn.Linear(10**9, 1)"), "count")
    with pytest.raises(service.WebError, match="in_features = 1,000,000,001"):
        service.enforce_limits(parse_expression("nn.Linear(10**9 + 1, 1)"), "count")
    with pytest.raises(service.WebError, match=r"LSTM\.units"):
        service.enforce_limits(parse_expression("Sequential([Input((5, 3)), Bidirectional(LSTM(2*10**9))])"),
                               "count")


def test_messages_name_the_field_and_what_it_takes() -> None:
    assert answer("estimate", {"model": "nn.LSTM(1, 2)"}) == (
        422, {"error": "invalid request: batch is required: a positive whole number (at most 1,000,000,000)"})
    status, body = answer("check", {"model": "nn.LSTM(1, 2)", "claimed": 2.5})
    assert status == 422 and body["error"] == ("invalid request: claimed: expected a whole number such as 366592, "
                                               "or a string such as \"366,592\"")
    status, body = answer("explain", {"model": "nn.LSTM(1, 2)", "lang": "fr"})
    assert status == 422 and "lang" in str(body["error"]) and "\"en\" or \"zh\"" in str(body["error"])
    status, body = answer("count", {"model": "# just a comment"})
    assert status == 422 and "empty" in str(body["error"])


def test_estimate_is_501_without_the_estimate_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(api, "estimate", raising=False)
    status, body = answer("estimate", {"model": "nn.LSTM(1, 2)", "batch": 1, "seq_len": 1})
    assert status == 501 and "not available" in str(body["error"])


def test_the_cache_is_bounded_in_entries_and_bytes() -> None:
    cache = service.AnswerCache(max_entries=3, max_bytes=800)
    for i in range(5):
        cache.put(("count", b"%d" % i), (200, b"x" * 10))
    assert len(cache) == 3 and cache.get(("count", b"0")) is None and cache.get(("count", b"4")) is not None
    cache.put(("count", b"big"), (200, b"x" * 200))  # over an eighth of the budget: not kept
    assert cache.get(("count", b"big")) is None
    for i in range(3):
        cache.put(("count", b"m%d" % i), (200, b"x" * 95))
    assert cache._bytes <= 800


# --- a grammar fuzz -------------------------------------------------------------------------------------

NAMES = ["nn.LSTM", "nn.GRU", "nn.RNN", "nn.LSTMCell", "nn.Linear", "nn.Embedding", "nn.Conv1d", "nn.LayerNorm",
         "nn.BatchNorm1d", "nn.Dropout", "LSTM", "GRU", "SimpleRNN", "Dense", "Embedding", "Conv1D",
         "Bidirectional", "TimeDistributed", "LayerNormalization", "BatchNormalization", "Dropout", "Input",
         "CuDNNLSTM", "CuDNNGRU", "RepeatVector", "Flatten", "GlobalAveragePooling1D", "Sequential", "Foo"]
KEYWORDS = ["num_layers", "bidirectional", "proj_size", "bias", "batch_first", "units", "return_sequences",
            "reset_after", "use_bias", "merge_mode", "input_shape", "padding", "groups", "stride", "kernel_size",
            "normalized_shape", "axis", "p", "rate", "dropout", "padding_idx", "name", "trainable", "x"]
SCALARS = st.one_of(
    st.integers(-3, 12), st.sampled_from(["10**9", "10**9 + 1", "2**31", "0", "-1", "1.5", "1e400", "None",
                                          "True", "False", "'same'", "'valid'", "'sum'", "'x'", "(3,)", "[50, 3]",
                                          "(None, 4)", "()", "(0, 3)", "10**200"]))


@st.composite
def calls(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(st.sampled_from(NAMES))
    values = st.one_of(SCALARS.map(str), calls(depth + 1)) if depth < 2 else SCALARS.map(str)
    args = draw(st.lists(values, max_size=3))
    kwargs = draw(st.lists(st.tuples(st.sampled_from(KEYWORDS), values), max_size=3, unique_by=lambda kv: kv[0]))
    inner = [*args, *(f"{k}={v}" for k, v in kwargs)]
    if name == "Sequential" and depth == 0:
        return f"Sequential([{', '.join(draw(st.lists(calls(depth + 1), max_size=4)))}])"
    return f"{name}({', '.join(inner)})"


MODELS = st.lists(calls(), min_size=1, max_size=4).map("; ".join)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(model=MODELS, verb=st.sampled_from(service.VERBS), framework=st.sampled_from([None, "pytorch", "keras",
                                                                                     "keras2"]),
       shape=st.sampled_from([None, [35, 100], [None, 3], [7]]))
def test_no_model_text_is_a_server_error(model: str, verb: str, framework: str | None,
                                         shape: list[int | None] | None) -> None:
    payload: dict[str, object] = {"model": model, "framework": framework, "input_shape": shape}
    if verb == "check":
        payload["claimed"] = 12345
    if verb == "estimate":
        payload.update(batch=4, seq_len=7)
    status, body = answer(verb, payload)
    assert status in (200, 400, 422, 501), body
    assert ("error" in body) == (status != 200)
