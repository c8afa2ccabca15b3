"""The JSON API against a real server subprocess: the same JSON as the CLI's --json, and every bad request a
4xx with {"error": ...}."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'rnnparams[web]'")
pytest.importorskip("uvicorn", reason="the web extra is not installed: pip install 'rnnparams[web]'")

from web_server import Server, start_server, stop_server

from rnnparams.web import service

STATIC = Path(service.__file__).parent / "static"
SEED_001 = "SimpleRNN({h}, input_shape=[50, 3]); Dense(1)"


def cli_json(*args: str) -> object:
    out = subprocess.run([sys.executable, "-m", "rnnparams", *args, "--json"], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def cli_text(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "rnnparams", *args], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode in (0, 1), out.stderr
    return out.stdout


# --- the same answers as the CLI ------------------------------------------------------------------------

@pytest.mark.parametrize("model, framework, shape", [
    ("nn.LSTM(100, 256)", None, None),
    ("nn.Embedding(1000, 64); nn.LSTM(64, 128, batch_first=True)", None, None),
    ("Sequential([Input((35, 100)), LSTM(256)])", None, None),
    ("LSTM(256)", "keras", [35, 100]),
    ("nn.Linear(3, 4); nn.BatchNorm1d(4)", None, None),
])
def test_count_is_the_cli_json(server: Server, model: str, framework: str | None, shape: list[int] | None) -> None:
    args = ["count", model]
    if framework:
        args += ["--framework", framework]
    if shape:
        args += ["--input-shape", ",".join(map(str, shape))]
    status, body = server.post("count", {"model": model, "framework": framework, "input_shape": shape})
    assert status == 200
    assert body == cli_json(*args)


def test_lstm_100_256(server: Server) -> None:
    status, body = server.post("count", {"model": "nn.LSTM(100, 256)"})
    assert status == 200
    assert body["total_params"] == 366_592
    assert [t["name"] for t in body["layers"][0]["tensors"]] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0",
                                                                 "bias_hh_l0"]
    assert body["layers"][0]["state_shapes"] == {"h_n": [1, None, 256], "c_n": [1, None, 256]}


@pytest.mark.parametrize("h, total", [(1, 7), (2, 15), (3, 25), (4, 37)])
def test_seed_001(server: Server, h: int, total: int) -> None:
    status, body = server.post("count", {"model": SEED_001.format(h=h)})
    assert (status, body["total_params"]) == (200, total)


def test_explain_json_and_text_in_both_languages(server: Server) -> None:
    model = "nn.GRU(128, 256, num_layers=2, bidirectional=True)"
    for lang in ("en", "zh"):
        status, body = server.post("explain", {"model": model, "lang": lang})
        assert status == 200
        text, markdown = body.pop("text"), body.pop("markdown")
        cell_svg, variables = body.pop("cell_svg"), body.pop("variables")  # the page's diagram and size lists
        assert cell_svg.startswith("<svg") and "weight_hh_l1_reverse" in cell_svg
        assert {"name": "hidden_size", "value": 256} in variables
        assert body.pop("lang") == lang
        assert body == cli_json("explain", model)
        assert text == cli_text("explain", model, "--lang", lang).rstrip("\n")
        assert markdown == cli_text("explain", model, "--lang", lang, "--format", "markdown")[:-1]
    assert "模型总参数量" in text


def test_check_compare_formula_estimate_are_the_cli_json(server: Server) -> None:
    model = "nn.LSTM(100, 256)"
    status, body = server.post("check", {"model": model, "claimed": "365,568", "lang": "zh"})
    assert status == 200 and body["correct"] is False
    assert "365,568" in body.pop("text")
    body.pop("lang")
    assert body == cli_json("check", model, "--claimed", "365568")

    status, body = server.post("compare", {"model": model, "frameworks": ["pytorch", "keras"]})
    assert status == 200 and body["total_params"] == {"pytorch": 366_592, "keras": 365_568}
    body.pop("text"), body.pop("lang")
    assert body == cli_json("compare", model, "--frameworks", "pytorch,keras")

    status, body = server.post("formula", {"model": model})
    assert status == 200 and body == cli_json("formula", model)

    if not service.estimate_available():
        status, body = server.post("estimate", {"model": model, "batch": 32, "seq_len": 50})
        assert status == 501 and "error" in body
        return
    status, body = server.post("estimate", {"model": model, "batch": 32, "seq_len": 50, "optimizer": "sgd"})
    assert status == 200
    assert "Resource estimate" in body.pop("text")
    body.pop("lang")
    assert body == cli_json("estimate", model, "--batch", "32", "--seq-len", "50", "--optimizer", "sgd")


def test_a_json_spec_is_a_model(server: Server) -> None:
    spec = subprocess.run([sys.executable, "-m", "rnnparams", "count", "nn.GRU(10, 20)", "--emit-spec", "json"],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    status, body = server.post("count", {"model": spec})
    assert (status, body["total_params"]) == (200, 3 * 20 * (10 + 20 + 2))


SEEDS = Path(__file__).parent.parent / "fixtures" / "seeds"


def test_pasted_code_is_counted_and_one_model_is_picked_with_select(server: Server) -> None:
    # Seed 001 as a user pastes it: four Sequential models and summary() calls, no imports.
    code = "\n".join(line for line in (SEEDS / "seed001_keras_simple_rnn.py").read_text().splitlines()
                      if not line.startswith(("#", "from ")))
    status, body = server.post("count", {"model": code})
    assert status == 400 and "4 models (model, model2, model3, model4)" in body["error"]
    assert 'choose one with "select"' in body["error"] and "--model" not in body["error"]
    for name, total in [("model", 7), ("model2", 15), ("model3", 25), ("model4", 37)]:
        status, body = server.post("count", {"model": code, "select": name})
        assert (status, body["total_params"]) == (200, total), body
    status, body = server.post("count", {"model": code, "select": "model9"})
    assert status == 400 and "model9" in body["error"]


def test_a_pytorch_module_with_overrides(server: Server) -> None:
    code = ("import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self, hidden):\n"
            "        super().__init__()\n        self.rnn = nn.LSTM(100, hidden)\n")
    status, body = server.post("count", {"model": code})
    assert status == 422, body
    assert '"overrides": {"hidden": VALUE}' in body["error"] and "--set" not in body["error"]
    status, body = server.post("count", {"model": code, "overrides": {"hidden": 256}})
    assert status == 200, body
    # 4 gates x 256 x (100 + 256 + 2 biases): seed 004's 366,592.
    assert body["total_params"] == 4 * 256 * (100 + 256 + 2) == 366_592
    assert [t["name"] for t in body["layers"][0]["tensors"]][:2] == ["rnn.weight_ih_l0", "rnn.weight_hh_l0"]


def test_code_is_never_run_by_the_server(server: Server, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    code = (f"import os\nos.system('touch {marker}')\nopen({str(marker)!r}, 'w').write('x')\n"
            "import torch.nn as nn\nrnn = nn.GRU(10, 20)\n")
    status, body = server.post("count", {"model": code})
    assert (status, body["total_params"]) == (200, 3 * 20 * (10 + 20 + 2))
    assert not marker.exists()


@pytest.mark.parametrize("payload, words", [
    ({"model": "nn.GRU(10, 20)\nnn.LSTM(1, 2)", "select": "x" * 201}, "select"),
    ({"model": '{"framework": "pytorch", "layers": []}', "select": "a"}, "not to a JSON spec"),
    ({"model": "x = 1", "overrides": {"": 1}}, "overrides"),
    ({"model": "x = 1", "overrides": {"a": [1]}}, "overrides"),
    ({"model": "x = 1", "overrides": {f"k{i}": i for i in range(51)}}, "overrides"),
    ({"model": "import os\nx = 1\n"}, "no model"),
])
def test_bad_code_requests_are_422(server: Server, payload: object, words: str) -> None:
    status, body = server.post("count", payload)
    assert status == 422, body
    assert words in body["error"]


def test_select_needs_code(server: Server) -> None:
    status, body = server.post("count", {"model": "nn.LSTM(100, 256)", "select": "rnn"})
    assert status == 400 and '"select" and "overrides" apply to model code' in body["error"], body


# --- errors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, status, words", [
    ({"model": "nn.LSTM(100)"}, 422, "hidden_size"),
    ({"model": "nn.LSTM(100, 256"}, 422, "syntax error"),
    ({"model": "LSTM(100, 256)"}, 422, "framework"),
    ({"model": "nn.LSTM(100, 256)", "framework": "caffe"}, 400, "unknown framework"),
    ({"model": "model.json"}, 422, "expected a layer call"),
    ({"model": "/etc/passwd"}, 422, ""),
    ({"model": ""}, 422, "model"),
    ({}, 422, "model is required"),
    ({"model": 3}, 422, "model"),
    ({"model": "nn.LSTM(1, 2)", "frameworks": ["keras"]}, 422, "unknown field 'frameworks'"),
    ({"model": "nn.LSTM(1, 2)", "input_shape": [0, 3]}, 422, "input_shape"),
    ({"model": "nn.LSTM(1, 2)", "input_shape": "35,100"}, 422, "input_shape"),
    ([1, 2], 422, "JSON object"),
    ({"model": "nn.LSTM(100, 10**10)"}, 422, "at most 1,000,000,000"),
    ({"model": "nn.Embedding(2*10**9, 8)"}, 422, "num_embeddings = 2,000,000,000"),
    ({"model": "nn.LSTM(8, 8, num_layers=1001)"}, 422, "at most 1,000"),
    ({"model": "nn.LSTM(8, 8, num_layers=10**8)"}, 422, "num_layers=100000000 is more than rnnparams counts"),
    ({"model": "; ".join(["nn.Linear(4, 4)"] * 1001)}, 422, "1,001 layers"),
    ({"model": "Sequential([Input((10**10, 3)), LSTM(2)])"}, 422, "10,000,000,000"),
])
def test_bad_requests_are_4xx_with_a_message(server: Server, payload: object, status: int, words: str) -> None:
    got, body = server.post("count", payload)
    assert got == status, body
    assert set(body) == {"error"} and words in body["error"]


def test_check_has_a_lower_layer_limit(server: Server) -> None:
    model = "; ".join(["nn.Linear(4, 4)"] * 201)
    status, body = server.post("check", {"model": model, "claimed": 1})
    assert status == 422 and "at most 200 for check" in body["error"]
    status, body = server.post("count", {"model": model})
    assert status == 200


@pytest.mark.parametrize("claimed", ["12x", "²", "-5", 1.5, True, 10**31])
def test_check_refuses_claims_that_are_not_counts(server: Server, claimed: object) -> None:
    status, body = server.post("check", {"model": "nn.LSTM(1, 2)", "claimed": claimed})
    assert status in (400, 422) and "claimed" in body["error"]


def test_invalid_json_is_400(server: Server) -> None:
    status, _, data = server.request("POST", "/api/count", b"{nope", {"content-type": "application/json"})
    assert status == 400 and "not valid JSON" in json.loads(data)["error"]


def test_large_bodies_are_413(server: Server) -> None:
    big = json.dumps({"model": "nn.LSTM(1, 2)" + " " * 70_000}).encode()
    status, _, data = server.request("POST", "/api/count", big, {"content-type": "application/json"})
    assert status == 413 and "at most 65,536 bytes" in json.loads(data)["error"]
    # without a Content-Length (chunked), the limit holds as the body arrives
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        chunk = b"x" * 40_000
        sock.sendall(b"POST /api/count HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                     b"Content-Type: application/json\r\n\r\n")
        sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) * 2)
        reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply


def test_routes_and_methods(server: Server) -> None:
    status, _, data = server.request("GET", "/api/count")
    assert status == 405 and json.loads(data) == {"error": "/api/count takes POST, not GET"}
    status, _, data = server.request("GET", "/nothing/here")
    assert status == 404 and "no such page" in json.loads(data)["error"]
    status, _, data = server.request("POST", "/api/nothing", b"{}")
    assert status in (404, 405) and "error" in json.loads(data)


def test_only_loopback_host_names(server: Server) -> None:
    status, _, data = server.request("GET", "/api/info", headers={"host": "rebound.example.com"})
    assert status == 421 and "loopback" in json.loads(data)["error"]
    assert server.request("GET", "/api/info", headers={"host": f"localhost:{server.port}"})[0] == 200


def test_openapi_and_info(server: Server) -> None:
    status, _, data = server.request("GET", "/openapi.json")
    schema = json.loads(data)
    assert status == 200
    for verb in ("count", "explain", "formula", "check", "compare", "estimate"):
        operation = schema["paths"][f"/api/{verb}"]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["required"][0] == "model"
        assert {"200", "400", "413", "422"} <= set(operation["responses"])
    status, _, data = server.request("GET", "/api/info")
    info = json.loads(data)
    assert info["limits"] == {"body_bytes": 65_536, "layers": 1000, "check_layers": 200, "dimension": 10**9}
    assert {"id": "pytorch", "name": "PyTorch"} in info["frameworks"]


def test_the_page_and_its_assets(server: Server) -> None:
    status, headers, page = server.request("GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b'<script src="/static/app.js" defer></script>' in page
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    for name in ("app.js", "app.css", "favicon.svg"):
        status, headers, _ = server.request("GET", f"/static/{name}")
        assert status == 200
        etag = headers["etag"]
        assert server.request("GET", f"/static/{name}", headers={"if-none-match": etag})[0] == 304
    assert server.request("GET", "/static/..%2f__init__.py")[0] == 404
    assert server.request("GET", "/static/nope.js")[0] == 404


def test_the_page_loads_nothing_from_elsewhere() -> None:
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "https://" not in text and "//cdn" not in text, path
        # the SVG namespace is a name, not a request (in .svg files and in design.js, which draws SVG)
        assert "http://" not in text.replace('"http://www.w3.org/2000/svg"', "") or path.suffix == ".svg", path


# --- the command ----------------------------------------------------------------------------------------

def test_serve_binds_loopback_by_default(server: Server) -> None:
    assert server.host == "127.0.0.1"
    assert "serving the calculator on http://127.0.0.1:" in server.banner


def test_serve_says_when_the_port_is_taken(server: Server) -> None:
    out = subprocess.run([sys.executable, "-m", "rnnparams", "serve", "--port", str(server.port)],
                         capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 2
    assert f"cannot listen on 127.0.0.1:{server.port}" in out.stderr and "Traceback" not in out.stderr


def test_serve_without_the_web_extra() -> None:
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name in ('fastapi', 'uvicorn'):\n"
            "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "from rnnparams.cli import main\n"
            "sys.exit(main(['serve']))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 2
    assert "pip install 'rnnparams[web]'" in out.stderr and "Traceback" not in out.stderr


def test_import_rnnparams_stays_light() -> None:
    code = ("import sys, rnnparams, rnnparams.cli\n"
            "rnnparams.cli.build_parser()\n"
            "heavy = sorted(m for m in ('fastapi', 'pydantic', 'starlette', 'uvicorn', 'rnnparams.web.app') "
            "if m in sys.modules)\n"
            "print(heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert out.stdout.strip() == "[]"


def test_a_second_server_on_another_port() -> None:
    other = start_server()
    try:
        assert other.post("count", {"model": "nn.GRU(1, 1)"})[1]["total_params"] == 12
    finally:
        stop_server(other.process)
