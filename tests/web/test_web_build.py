"""GET /api/catalog and POST /api/build: the page's catalogue as the server gives it, every framework writing a
few stacks that count (through the expression) exactly as the writers' own layers do, and every refusal a 4xx
worded in the request's language."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_server import Server

import rnnparams
from rnnparams.analysis.build import build_model, writes
from rnnparams.analysis.count import count_model
from rnnparams.conventions import FRAMEWORKS
from rnnparams.conventions.families import FAMILIES
from rnnparams.errors import RnnParamsError
from rnnparams.render.catalog import catalog
from rnnparams.spec import Value
from rnnparams.web import service


def build(payload: object) -> tuple[int, dict[str, Any]]:
    status, body = service.answer("build", json.dumps(payload).encode())
    return status, json.loads(body)


# --- the catalogue ----------------------------------------------------------------------------------------

def test_the_catalog_is_served_and_cacheable(server: Server) -> None:
    status, headers, data = server.request("GET", "/api/catalog")
    assert status == 200 and headers["content-type"].startswith("application/json")
    body = json.loads(data)
    assert body == json.loads(json.dumps(catalog(service.LIMITS)))
    assert body["limits"] == {"body_bytes": 65_536, "layers": 1000, "check_layers": 200, "dimension": 10**9,
                              "model_chars": 60_000, "build_layers": 200, "stacked_layers": 1000}
    assert headers["cache-control"] == "no-cache" and headers["etag"]
    status, headers, data = server.request("GET", "/api/catalog", headers={"if-none-match": headers["etag"]})
    assert status == 304 and not data
    assert server.request("POST", "/api/catalog", b"{}")[0] == 405


def test_the_api_is_documented(server: Server) -> None:
    schema = json.loads(server.request("GET", "/openapi.json")[2])
    build_op = schema["paths"]["/api/build"]["post"]
    body = build_op["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"framework", "layers"} and "$ref" not in json.dumps(body)
    assert {"200", "400", "413", "422"} <= set(build_op["responses"])
    assert "200" in schema["paths"]["/api/catalog"]["get"]["responses"]


# --- every framework writes stacks that count ---------------------------------------------------------------

STACKS: list[list[tuple[str, dict[str, Value]]]] = [
    [("lstm", {"in": 100, "units": 64})],
    [("embedding", {"vocab": 1000, "dim": 32}), ("gru", {"units": 48, "bidir": True}), ("dense", {"units": 10})],
    [("rnn", {"in": 20, "units": 16, "layers": 2}), ("lstm", {"units": 8, "proj": 4}), ("gru", {"units": 8})],
    [("lstm_cell", {"in": 12, "units": 6})],
    [("gru", {"in": 8, "units": 16}), ("layernorm", {}), ("dropout", {"rate": 0.1}),
     ("dense", {"units": 4})],
    [("conv1d", {"in": 8, "filters": 16, "kernel": 3}), ("batchnorm", {}), ("mgu", {"units": 5})],
]


def as_the_page_sends(framework: str, stack: list[tuple[str, dict[str, Value]]]) -> list[tuple[str, dict[str, Value]]]:
    """The layers the framework can write, each with the values of the fields its writer takes."""
    out = []
    for family, values in stack:
        taken = writes(framework, family)
        if taken is not None:
            out.append((family, {k: v for k, v in values.items() if k in taken}))
    return out


CASES = [(fw, k) for fw in FRAMEWORKS for k in range(len(STACKS)) if as_the_page_sends(fw, STACKS[k])]
FEATURES = 10
UNCOUNTABLE = {("tf1", 2): "TF 1 cells are not chained with ';'"}
"""Stacks a framework writes but cannot count: TF 1 writes each recurrent layer of the stack as a cell of its own
and refuses to chain cells with ';' (they would share a variable scope); the page shows count's message."""


@pytest.mark.parametrize("framework, k", CASES, ids=[f"{fw}-{k}" for fw, k in CASES])
def test_every_framework_builds_what_it_counts(framework: str, k: int) -> None:
    stack = as_the_page_sends(framework, STACKS[k])
    infers = FRAMEWORKS[framework].infers_input
    first, values = stack[0]
    if "in" in (writes(framework, first) or ()) and "in" not in values:
        stack[0] = (first, {**values, "in": FEATURES})  # its input size was the layer before, now taken out
    tokens = FAMILIES[first].tokens
    payload = {"framework": framework, "layers": [{"family": f, "values": v} for f, v in stack],
               "timesteps": 7 if infers else None, "features": FEATURES if infers and not tokens else None}
    status, body = build(payload)
    assert status == 200, body
    spec = build_model(framework, stack, payload["timesteps"], payload["features"])
    if (framework, k) in UNCOUNTABLE:
        with pytest.raises(RnnParamsError, match=UNCOUNTABLE[framework, k]):
            count_model(spec)
        assert body["stack"][0]["input_size"] is None  # nothing to read the sizes off
        return
    direct = count_model(spec)
    counted = rnnparams.count(body["model"], framework, body["input_shape"])
    assert counted.total_params == direct.total_params
    assert [layer.type for layer in counted.layers] == [layer.type for layer in direct.layers]
    assert sum(s["layers"] for s in body["stack"]) == len(counted.layers)
    # an empty input size became the one reported: writing it explicitly writes the same model
    explicit = [(f, {**v, "in": s["input_size"]} if s["input_size"] is not None else v)
                for (f, v), s in zip(stack, body["stack"], strict=True)]
    assert build({**payload, "layers": [{"family": f, "values": v} for f, v in explicit]})[1]["model"] == body["model"]


def test_the_pages_example_stack_in_pytorch_and_keras() -> None:
    layers = [{"family": "embedding", "values": {"vocab": 10000, "dim": 128}},
              {"family": "gru", "values": {"units": 256, "bidir": True, "merge": "sum"}},
              {"family": "dense", "values": {"units": 10}}]
    status, body = build({"framework": "keras", "layers": layers, "timesteps": 35})
    assert status == 200 and body["model"] == ('Sequential([Input((35,)), Embedding(10000, 128), '
                                               'Bidirectional(GRU(256), merge_mode="sum"), Dense(10)])')
    assert body["input_shape"] == [35] and body["framework"] == "keras"
    layers[1]["values"] = {"in": None, "units": 256, "bidir": True}
    status, body = build({"framework": "pytorch", "layers": layers})
    assert body["model"] == ("nn.Embedding(10000, 128); nn.GRU(128, 256, batch_first=True, bidirectional=True); "
                             "nn.Linear(512, 10)")
    assert body["input_shape"] is None
    assert body["stack"] == [{"layers": 1, "input_size": None}, {"layers": 1, "input_size": 128},
                             {"layers": 1, "input_size": 512}]


def test_paddle_lstm_by_hand() -> None:
    status, body = build({"framework": "paddle", "layers": [{"family": "lstm", "values": {"in": 100, "units": 256}}]})
    assert (status, body["model"]) == (200, "paddle.nn.LSTM(100, 256)")
    assert rnnparams.count(body["model"], "paddle").total_params == 4 * 256 * (100 + 256 + 2)


def test_the_answer_is_what_the_other_verbs_take(server: Server) -> None:
    status, built = server.post("build", {"framework": "flax", "features": 100, "layers": [
        {"family": "lstm", "values": {"units": 256}}, {"family": "dense", "values": {"units": 10}}]})
    assert status == 200, built
    status, counted = server.post("count", {k: built[k] for k in ("model", "framework", "input_shape")})
    # Flax linen LSTMCell: 4 input Dense without bias and 4 hidden Dense with bias, 4·H·(I + H + 1); Dense H·10 + 10
    assert (status, counted["total_params"]) == (200, 4 * 256 * (100 + 256 + 1) + 256 * 10 + 10)


# --- refusals ---------------------------------------------------------------------------------------------

def test_the_pages_messages(server: Server) -> None:
    dense = [{"family": "dense", "values": {"in": None, "units": 10}}]
    assert server.post("build", {"framework": "pytorch", "layers": dense}) == (
        422, {"error": "Layer 1 (Dense / Linear): input size is required."})
    assert server.post("build", {"framework": "pytorch", "layers": dense, "lang": "zh"}) == (
        422, {"error": "第 1 层（全连接层）：请填写输入维度。"})
    assert server.post("build", {"framework": "keras", "layers": [{"family": "dense", "values": {"units": 10}}]}) == (
        422, {"error": "Give the input's features (or start with an Embedding)."})


@pytest.mark.parametrize("payload, status, words", [
    ({"framework": "caffe", "layers": [{"family": "lstm"}]}, 400, "unknown framework 'caffe'; choose one of: pytorch"),
    ({"framework": "pytorch", "layers": [{"family": "transformer"}]}, 422,
     "Layer 1: there is no layer family transformer"),
    ({"framework": "paddle", "layers": [{"family": "attention"}], "lang": "zh"}, 422,
     "第 1 层（多头注意力）：PaddlePaddle 没有这种层。"),
    # nn.MultiheadAttention(embed_dim, num_heads) has no default embed_dim: the first layer's must be given
    ({"framework": "pytorch", "layers": [{"family": "attention"}], "lang": "zh"}, 422,
     "第 1 层（多头注意力）：请填写输入维度。"),
    ({"framework": "pytorch", "layers": [{"family": "lstm", "values": {"colour": 1}}]}, 422, "it has no field colour"),
    ({"framework": "onnx", "layers": [{"family": "embedding"}]}, 422, "Layer 1 (Embedding): ONNX operators has no "
                                                                      "such layer"),
    ({"framework": "tf1", "layers": [{"family": "dense"}], "features": 3, "lang": "zh"}, 422,
     "第 1 层（全连接层）：TensorFlow 1"),
    ({"framework": "pytorch", "layers": [{"family": "lstm", "values": {"in": 3, "units": 2 * 10**9}}]}, 422,
     "Layer 1 (LSTM): hidden size = 2,000,000,000 is larger than the web calculator allows (at most 1,000,000,000)"),
    ({"framework": "keras", "layers": [{"family": "lstm", "values": {"layers": 10**8}}]}, 422,
     "stacked layers = 100,000,000 is larger than the web calculator allows (at most 1,000)"),
    ({"framework": "keras", "features": 3, "layers": [{"family": "lstm", "values": {"layers": 600}}] * 2}, 422,
     "The stack has 1,200 layers, counting stacked ones; the web calculator takes at most 1,000."),
    ({"framework": "keras", "features": 3, "lang": "zh", "layers": [{"family": "lstm", "values": {"layers": 600}}] * 2},
     422, "这个堆叠共有 1,200 层"),
    ({"framework": "pytorch", "layers": [{"family": "lstm", "values": {"in": 3}}] * 201}, 422, "at most 200 items"),
    ({"framework": "pytorch", "layers": []}, 422, "layers"),
    ({"framework": "pytorch"}, 422, "layers is required"),
    ({"layers": [{"family": "lstm"}]}, 422, "framework is required"),
    ({"framework": "pytorch", "layers": [{"family": "lstm", "values": {"in": [3]}}]}, 422, "layers"),
    ({"framework": "pytorch", "layers": [{"family": "lstm"}], "features": 0}, 422, "features"),
    ({"framework": "pytorch", "layers": [{"family": "lstm"}], "lang": "fr"}, 422, "lang"),
    ({"framework": "pytorch", "layers": [{"family": "lstm"}], "model": "x"}, 422, "unknown field 'model'"),
    ([1], 422, "JSON object such as {\"framework\""),
])
def test_refusals_are_4xx_with_a_message(payload: object, status: int, words: str) -> None:
    got, body = build(payload)
    assert got == status, body
    assert set(body) == {"error"} and words in body["error"], body


def test_bodies_are_bounded(server: Server) -> None:
    layers = [{"family": "lstm", "values": {"in": 3, "units": 4}}] * 2000
    status, _, data = server.request("POST", "/api/build", json.dumps({"framework": "pytorch", "layers": layers})
                                     .encode(), {"content-type": "application/json"})
    assert status == 413 and "at most 65,536 bytes" in json.loads(data)["error"]
    status, _, data = server.request("POST", "/api/build", b"{nope", {"content-type": "application/json"})
    assert status == 400 and "not valid JSON" in json.loads(data)["error"]


# --- a fuzz of stacks: no stack is a server error ---------------------------------------------------------------

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 300), st.sampled_from([0.5, 1.5, 10**12, 1001]),
                   st.sampled_from(["", "auto", "yes", "no", "sum", "same", "x", "default"]))


@st.composite
def layers(draw: st.DrawFn) -> dict[str, Any]:
    family = draw(st.sampled_from([*FAMILIES, "transformer"]))
    names = [f.name for f in FAMILIES[family].fields] if family in FAMILIES else ["units"]
    values = draw(st.dictionaries(st.sampled_from([*names, "x"]), VALUES, max_size=4))
    return {"family": family, "values": values}


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(framework=st.sampled_from(list(FRAMEWORKS)), stack=st.lists(layers(), min_size=1, max_size=4),
       timesteps=st.sampled_from([None, 7]), features=st.sampled_from([None, 3]), lang=st.sampled_from(["en", "zh"]))
def test_no_stack_is_a_server_error(framework: str, stack: list[Mapping[str, Any]], timesteps: int | None,
                                    features: int | None, lang: str) -> None:
    status, body = build({"framework": framework, "layers": stack, "timesteps": timesteps, "features": features,
                          "lang": lang})
    assert status in (200, 422), body
    if status == 200:
        assert set(body) == {"model", "framework", "input_shape", "stack"}
    else:
        assert set(body) == {"error"} and body["error"]
