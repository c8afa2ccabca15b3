"""The bound on stacked layers (`num_layers`, `Param.maximum`): every stacked layer's tensors are listed, so
num_layers=10**8 would run for hours. Every reader refuses a value above MAX_STACKED_LAYERS at once with the
same message (expressions, `.py` files, spec files; checkpoints in test_inspect.py), the JSON schema says so,
and the bound itself still counts exactly."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import rnnparams
from rnnparams.conventions import FRAMEWORKS
from rnnparams.conventions.base import MAX_STACKED_LAYERS, NONNEG, SIZE
from rnnparams.errors import InputError
from rnnparams.inputs.expression import parse_expression
from rnnparams.inputs.schema import spec_schema
from rnnparams.inputs.specfile import dump_spec, load_spec

CLI = [sys.executable, "-m", "rnnparams"]
STACKED = [  # (model with {n} stacked layers, framework, the message's class name)
    ("nn.LSTM(10, 20, num_layers={n})", "pytorch", "LSTM"),
    ("nn.GRU(10, 20, {n})", "pytorch", "GRU"),  # positional
    ("nn.RNN(10, 20, num_layers={n}, bidirectional=True)", "pytorch", "RNN"),
    ("paddle.nn.LSTM(10, 20, num_layers={n})", "paddle", "LSTM"),
    ("paddle.nn.GRU(10, 20, {n})", "paddle", "GRU"),
    ("mindspore.nn.LSTM(10, 20, num_layers={n})", "mindspore", "LSTM"),
    ("gluon.rnn.LSTM(20, num_layers={n}, input_size=10)", "mxnet", "LSTM"),
    ("gluon.rnn.GRU(20, {n}, input_size=10)", "mxnet", "GRU"),
]


def lstm_total(i: int, h: int, layers: int) -> int:
    """PyTorch nn.LSTM by hand: layer 0 has 4H(I+H) weights and 8H biases (b_ih and b_hh), every further layer
    reads the H outputs below it: 4H(H+H) + 8H."""
    return 4 * h * (i + h) + 8 * h + (layers - 1) * (4 * h * (h + h) + 8 * h)


def test_every_num_layers_param_is_bounded_in_the_conventions() -> None:
    found = [(fw.id, conv.type_name, p) for fw in FRAMEWORKS.values() for conv in fw.layers.values()
             for p in conv.params if p.name == "num_layers"]
    assert {fw for fw, _, _ in found} >= {"pytorch", "paddle", "mindspore", "mxnet"}
    for fw, type_name, p in found:
        assert p.maximum == MAX_STACKED_LAYERS == 1_000, (fw, type_name)
        assert p.kind in (SIZE, NONNEG)


@pytest.mark.parametrize("n", [MAX_STACKED_LAYERS + 1, 100_000_000, 10**30])
@pytest.mark.parametrize(("model", "fw", "type_name"), STACKED, ids=[m.split("(")[0] + f"-{f}" for m, f, _ in STACKED])
def test_too_many_stacked_layers_fail_fast_naming_the_argument(model: str, fw: str, type_name: str, n: int) -> None:
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        rnnparams.count(model.format(n=n), framework=fw)
    assert time.perf_counter() - start < 2
    assert err.value.message == (f"{type_name}(): num_layers={n} is more than rnnparams counts "
                                 "(at most 1,000 stacked layers)")


def test_the_message_points_at_the_value() -> None:
    with pytest.raises(InputError) as err:
        parse_expression("nn.LSTM(10, 20, num_layers=100000000)")
    assert str(err.value) == ("LSTM(): num_layers=100000000 is more than rnnparams counts (at most 1,000 stacked "
                              "layers)\n  at column 28:\n    nn.LSTM(10, 20, num_layers=100000000)\n"
                              "                               ^")


def test_the_bound_itself_still_counts_exactly() -> None:
    start = time.perf_counter()
    report = rnnparams.count("nn.LSTM(10, 20, num_layers=1000)")
    assert time.perf_counter() - start < 5
    assert report.total_params == lstm_total(10, 20, 1000) == 3_359_200
    assert report.total_params == 2560 + 999 * 3360
    for model, fw, _ in STACKED:  # every framework accepts the bound itself
        assert rnnparams.count(model.format(n=MAX_STACKED_LAYERS), framework=fw).total_params > 0


def test_python_files_are_bounded_too(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
                    "        super().__init__()\n        self.rnn = nn.LSTM(4, 3, num_layers=10**8)\n")
    with pytest.raises(InputError, match=r"num_layers=100000000 is more than rnnparams counts \(at most 1,000"):
        rnnparams.count(str(path))


# --- spec files ------------------------------------------------------------------------------------------------

def _spec(num_layers: int) -> dict[str, Any]:
    return {"framework": "pytorch", "layers": [
        {"type": "Embedding", "num_embeddings": 100, "embedding_dim": 10},
        {"type": "LSTM", "input_size": 10, "hidden_size": 20, "num_layers": num_layers}]}


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
def test_spec_file_with_too_many_layers_names_the_key_path(fmt: str) -> None:
    if fmt == "yaml":
        pytest.importorskip("yaml")
    ok = load_spec(json.dumps(_spec(MAX_STACKED_LAYERS)), "json")
    text = dump_spec(ok, fmt).replace("num_layers = 1000", "num_layers = 100000000").replace(
        "num_layers: 1000", "num_layers: 100000000").replace('"num_layers": 1000', '"num_layers": 100000000')
    assert "100000000" in text
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        load_spec(text, fmt, source_name=f"model.{fmt}")
    assert time.perf_counter() - start < 2
    assert str(err.value) == (f"model.{fmt}: layers[1].num_layers: LSTM(): num_layers=100000000 is more than "
                              "rnnparams counts (at most 1,000 stacked layers)")


def test_spec_file_nested_in_a_wrapper_names_the_key_path() -> None:
    data = {"framework": "mxnet", "layers": [{"type": "LSTM", "hidden_size": 8, "num_layers": 1001}]}
    with pytest.raises(InputError, match=r"^m\.json: layers\[0\]\.num_layers: LSTM\(\): num_layers=1001 is more"):
        load_spec(json.dumps(data), "json", source_name="m.json")


# --- the schema ------------------------------------------------------------------------------------------------

def test_schema_bounds_num_layers() -> None:
    schema = spec_schema()
    for key in ("pytorch.LSTM", "pytorch.GRU", "pytorch.RNN", "paddle.LSTM", "mindspore.GRU", "mxnet.LSTM"):
        assert schema["$defs"][key]["properties"]["num_layers"] == {
            "type": "integer", "minimum": 1, "maximum": 1000, "default": 1}, key
    assert "maximum" not in schema["$defs"]["pytorch.LSTM"]["properties"]["hidden_size"]
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    validator = jsonschema_rs.validator_for(schema)
    assert validator.is_valid(_spec(MAX_STACKED_LAYERS))
    assert not validator.is_valid(_spec(MAX_STACKED_LAYERS + 1))


# --- the command line ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", ".json"])
def test_cli_exits_2_without_traceback(tmp_path: Path, suffix: str) -> None:
    model = "nn.LSTM(10,20,num_layers=100000000)"
    if suffix:
        (tmp_path / "m.json").write_text(json.dumps(_spec(100_000_000)))
        model = str(tmp_path / "m.json")
    start = time.perf_counter()
    out = subprocess.run([*CLI, "count", model], capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - start < 30
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert "num_layers=100000000 is more than rnnparams counts (at most 1,000 stacked layers)" in out.stderr
    assert out.stdout == ""
