"""Spec files (issue #5, point 3): `--emit-spec` of any input -- an expression or a model read from a .py file --
loads back to identical counts in JSON, YAML and TOML; the JSON Schema `rnnparams schema` prints is generated from
the conventions and accepts exactly what the loader accepts; errors name the key path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.analysis.count import count_model
from rnnparams.analysis.report import Report
from rnnparams.errors import InputError
from rnnparams.inputs.schema import spec_schema
from rnnparams.inputs.specfile import dump_spec, load_spec, spec_to_data
from rnnparams.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
FORMATS = ("json", "yaml", "toml")
FILE_OVERRIDES = {"seed003_torch_rnn.py": {"vocab_size": 1027, "num_hiddens": 256},
                  "pt_torchaudio_deepspeech.py": {"n_feature": 26}}


def summary(report: Report) -> tuple[Any, ...]:
    return (report.framework, report.total_params, report.trainable_params, report.buffers, tuple(
        (layer.name, layer.type, layer.input_shape, layer.output_shape,
         tuple((t.name, t.shape, t.trainable) for t in (*layer.tensors, *layer.buffers)))
        for layer in report.layers))


def assert_round_trip(spec: ModelSpec) -> None:
    expected = summary(count_model(spec))
    for fmt in FORMATS:
        loaded = load_spec(dump_spec(spec, fmt), fmt, source_name=f"spec.{fmt}")
        assert summary(count_model(loaded)) == expected, fmt
        assert loaded.chain == spec.chain


def fixture_models() -> list[tuple[Path, str]]:
    out = []
    for path in sorted([*FIXTURES.glob("models/*.py"), *FIXTURES.glob("seeds/*.py")]):
        listing = rnnparams.models_in_file(str(path), overrides=FILE_OVERRIDES.get(path.name))
        out += [(path, m.name) for m in listing.models if m.report is not None]
    return out


FIXTURE_MODELS = fixture_models()


@pytest.mark.parametrize(("path", "name"), FIXTURE_MODELS, ids=[f"{p.name}::{n}" for p, n in FIXTURE_MODELS])
def test_every_fixture_model_round_trips(path: Path, name: str) -> None:
    spec = rnnparams.api.to_spec(f"{path}::{name}", overrides=FILE_OVERRIDES.get(path.name))
    assert_round_trip(spec)
    validator = _validator()
    if validator is not None:
        assert validator.is_valid(spec_to_data(spec)), list(validator.iter_errors(spec_to_data(spec)))[:3]


def test_cli_emit_spec_of_a_py_file_counts_the_same(tmp_path: Path) -> None:
    source = FIXTURES / "models" / "pt_seq2seq_attention.py"
    spec = tmp_path / "model.toml"
    out = subprocess.run([sys.executable, "-m", "rnnparams", "count", str(source), "--model", "model",
                          "--emit-spec", "toml"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    spec.write_text(out.stdout)
    again = subprocess.run([sys.executable, "-m", "rnnparams", "count", str(spec), "--json"], capture_output=True,
                           text=True, timeout=60)
    direct = subprocess.run([sys.executable, "-m", "rnnparams", "count", f"{source}::model", "--json"],
                            capture_output=True, text=True, timeout=60)
    assert json.loads(again.stdout) == json.loads(direct.stdout)
    assert json.loads(direct.stdout)["layers"][0]["tensors"][0]["name"] == "encoder.embedding.weight"


# --- hypothesis: random expressions and random model files ----------------------------------------------------

@st.composite
def torch_chain(draw: st.DrawFn) -> str:
    features = draw(st.integers(1, 40))
    calls = []
    if draw(st.booleans()):
        calls.append(f"nn.Embedding({draw(st.integers(2, 500))}, {features})")
    for k in range(draw(st.integers(1, 3))):
        first = k == 0 and not calls  # a sequence comes first: Linear on a 2-D input would end the sequence
        kind = draw(st.sampled_from(["LSTM", "GRU", "RNN"] if first else
                                    ["LSTM", "GRU", "RNN", "Linear", "LayerNorm", "Dropout"]))
        if kind in ("LSTM", "GRU", "RNN"):
            hidden = draw(st.integers(2, 40))
            layers = draw(st.integers(1, 3))
            bidir = draw(st.booleans())
            proj = draw(st.integers(1, hidden - 1)) if kind == "LSTM" and draw(st.booleans()) else 0
            bias = draw(st.booleans())
            calls.append(f"nn.{kind}({features}, {hidden}, num_layers={layers}, bidirectional={bidir}, "
                         f"bias={bias}, batch_first=True" + (f", proj_size={proj})" if proj else ")"))
            features = (2 if bidir else 1) * (proj or hidden)
        elif kind == "Linear":
            out = draw(st.integers(1, 40))
            calls.append(f"nn.Linear({features}, {out}, bias={draw(st.booleans())})")
            features = out
        elif kind == "LayerNorm":
            calls.append(f"nn.LayerNorm({features}, elementwise_affine={draw(st.booleans())})")
        else:
            calls.append(f"nn.Dropout({draw(st.sampled_from([0.0, 0.1, 0.5]))})")
    return "; ".join(calls)


@st.composite
def keras_chain(draw: st.DrawFn) -> str:
    steps, features = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    layers = [f"Input(({steps}, {features}))"]
    count = draw(st.integers(1, 3))
    for k in range(count):
        last = k == count - 1
        kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU", "Bidirectional", "Conv1D", "Dense",
                                     "LayerNormalization"]))
        units = draw(st.integers(1, 30))
        seq = not last or draw(st.booleans())
        if kind in ("SimpleRNN", "LSTM", "GRU"):
            extra = f", reset_after={draw(st.booleans())}" if kind == "GRU" else ""
            layers.append(f"{kind}({units}, return_sequences={seq}, use_bias={draw(st.booleans())}{extra})")
        elif kind == "Bidirectional":
            merge = draw(st.sampled_from(["'concat'", "'sum'", "'ave'", "'mul'"]))
            layers.append(f"Bidirectional(LSTM({units}, return_sequences={seq}), merge_mode={merge})")
        elif kind == "Conv1D" and steps >= 3:
            layers.append(f"Conv1D({units}, 3, padding='same', use_bias={draw(st.booleans())})")
        elif kind == "Dense":
            layers.append(f"Dense({units}, use_bias={draw(st.booleans())})")
        else:
            layers.append("LayerNormalization()")
    return "Sequential([" + ", ".join(layers) + "])"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(torch_chain(), keras_chain()))
def test_random_expressions_round_trip(expression: str) -> None:
    spec = rnnparams.api.to_spec(expression)
    assert_round_trip(spec)


@st.composite
def torch_module_file(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A model file: constants, an argparse default, a config dict, and an nn.Module whose layers are written
    with them; with the expressions that count each layer alone."""
    hidden = draw(st.integers(2, 64))
    vocab = draw(st.integers(2, 1000))
    layers = draw(st.integers(1, 3))
    bidir = draw(st.booleans())
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN"]))
    heads = draw(st.lists(st.integers(1, 9), min_size=0, max_size=3))
    tie = draw(st.booleans())
    code = f"""
import argparse
import torch.nn as nn

VOCAB = {vocab}
config = {{"hidden": {hidden}, "layers": {layers}}}
parser = argparse.ArgumentParser()
parser.add_argument("--cell", default="{kind}")
parser.add_argument("--bidirectional", action="store_{'true' if not bidir else 'false'}")
args = parser.parse_args()

class Model(nn.Module):
    def __init__(self, vocab=VOCAB, cfg=config, heads={heads!r}, tie={tie}):
        super().__init__()
        hidden = cfg["hidden"]
        directions = 2 if args.bidirectional else 1
        self.embed = nn.Embedding(vocab, hidden)
        self.rnn = getattr(nn, args.cell)(hidden, hidden, cfg["layers"], bidirectional=args.bidirectional)
        self.heads = nn.ModuleList([nn.Linear(hidden * directions, k) for k in heads])
        self.decoder = nn.Linear(hidden, vocab)
        if tie:
            self.decoder.weight = self.embed.weight

model = Model()
"""
    d = 2 if bidir else 1
    parts = [f"nn.Embedding({vocab}, {hidden})", f"nn.{kind}({hidden}, {hidden}, {layers}, bidirectional={bidir})",
             *(f"nn.Linear({hidden * d}, {k})" for k in heads), f"nn.Linear({hidden}, {vocab}, bias={not tie})"]
    if tie:
        parts[-1] = f"nn.Linear({hidden}, {vocab})"
        parts.append(f"-{vocab * hidden}")
    return code, parts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(torch_module_file())
def test_random_model_files_count_like_their_layers_and_round_trip(case: tuple[str, list[str]]) -> None:
    code, parts = case
    report = rnnparams.count(code)
    expected = sum(int(p) if p.startswith("-") else rnnparams.count(p).total_params for p in parts)
    assert report.total_params == expected
    assert_round_trip(rnnparams.api.to_spec(code))


# --- the schema ------------------------------------------------------------------------------------------------

def _validator() -> Any:
    jsonschema_rs = _optional("jsonschema_rs")
    if jsonschema_rs is None:
        return None
    return jsonschema_rs.validator_for(spec_schema())


def _optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def test_schema_is_valid_and_generated_from_the_conventions() -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    schema = spec_schema()
    assert jsonschema_rs.meta.is_valid(schema)
    lstm = schema["$defs"]["pytorch.LSTM"]
    assert lstm["properties"]["hidden_size"] == {"type": "integer", "minimum": 1}
    assert lstm["properties"]["proj_size"] == {"type": "integer", "minimum": 0, "default": 0}
    assert set(lstm["required"]) == {"type", "input_size", "hidden_size"}
    merge = schema["$defs"]["keras.Bidirectional"]["properties"]["merge_mode"]
    assert merge["enum"] == ["concat", "sum", "ave", "mul", None]
    out = subprocess.run([sys.executable, "-m", "rnnparams", "schema", "--framework", "keras"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert json.loads(out.stdout)["properties"]["framework"]["enum"] == ["keras"]


BAD_SPECS = [
    ({"framework": "keras", "input_shape": [5, 3], "layers": [{"type": "LSTM", "units": -4}]}, "layers[0].units"),
    ({"framework": "keras", "input_shape": [5, 3], "layers": [
        {"type": "Bidirectional", "layer": {"type": "GRU", "units": 0}}]}, "layers[0].layer.units"),
    ({"framework": "keras", "input_shape": [5, 3], "layers": [
        {"type": "Dense", "units": 3}, {"type": "LSTM", "units": 2, "unitz": 3}]}, "layers[1].unitz"),
    ({"framework": "keras", "input_shape": [5, 3], "layers": [
        {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 2}, "merge_mode": "max"}]},
     "layers[0].merge_mode"),
    ({"framework": "pytorch", "layers": [{"type": "LSTM", "input_size": 4, "hidden_size": 3, "bias": "yes"}]},
     "layers[0].bias"),
    ({"framework": "pytorch", "chain": False, "layers": [
        {"type": "Linear", "in_features": 4, "out_features": 3, "inbound_shape": [None, "x"]}]},
     "layers[0].inbound_shape"),
    ({"framework": "pytorch", "layers": [{"type": "Linear", "in_features": 4, "out_features": 3, "tied": "weight"}]},
     "layers[0].tied"),
    ({"framework": "pytorch", "layers": [{"type": "Linear", "in_features": 4, "out_features": 3, "frozen": [""]}]},
     "layers[0].frozen"),
    ({"framework": "pytorch", "layers": [{"type": "LSTM", "input_size": 4, "hidden_size": [3, None, "x"]}]},
     "layers[0].hidden_size"),
    ({"framework": "pytorch", "chain": "no", "layers": [{"type": "RNN", "input_size": 1, "hidden_size": 1}]},
     "chain"),
    ({"framework": "pytorch", "layers": [{"type": "GRU", "input_size": 4, "hidden_size": 3, "num_layers": 1001}]},
     "layers[0].num_layers"),
]


@pytest.mark.parametrize(("data", "path"), BAD_SPECS, ids=[p for _, p in BAD_SPECS])
def test_bad_specs_name_the_key_path_and_fail_the_schema(data: dict[str, Any], path: str) -> None:
    with pytest.raises(InputError) as err:
        load_spec(json.dumps(data), "json", source_name="bad.json")
    assert str(err.value).startswith(f"bad.json: {path}: ")
    validator = _validator()
    if validator is not None:
        assert not validator.is_valid(data)


def test_tied_and_named_pytorch_layers_load() -> None:
    data = {"framework": "pytorch", "chain": False, "layers": [
        {"type": "Embedding", "name": "encoder", "num_embeddings": 10, "embedding_dim": 4},
        {"type": "Linear", "name": "decoder", "in_features": 4, "out_features": 10, "tied": ["weight"]}]}
    report = count_model(load_spec(json.dumps(data), "json"))
    assert [(t.name, t.shape) for layer in report.layers for t in layer.tensors] == [
        ("encoder.weight", (10, 4)), ("decoder.bias", (10,))]
    data["layers"][1]["tied"] = ["weigth"]
    with pytest.raises(Exception, match="tied tensor 'weigth'"):
        count_model(load_spec(json.dumps(data), "json"))


FROZEN_CODE = """import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(10, 4)
        self.rnn = nn.LSTM(4, 3)
        self.decoder = nn.Linear(3, 10)
        for p in self.encoder.parameters():
            p.requires_grad = False
        self.rnn.bias_hh_l0.requires_grad_(False)


net = Net()
"""


def test_frozen_tensors_round_trip_and_load() -> None:
    spec = rnnparams.api.to_spec(FROZEN_CODE)
    assert [(layer.name, layer.frozen) for layer in spec.layers] == [
        ("encoder", ("weight",)), ("rnn", ("bias_hh_l0",)), ("decoder", ())]
    assert_round_trip(spec)
    validator = _validator()
    if validator is not None:
        assert validator.is_valid(spec_to_data(spec))
    report = count_model(spec)
    # by hand: the embedding's 10 x 4 and the LSTM's 4H = 12 hidden biases are frozen; the rest trains
    total = 10 * 4 + 4 * 3 * (4 + 3 + 2) + 10 * (3 + 1)
    assert (report.total_params, report.trainable_params) == (total, total - 40 - 12)
    data = spec_to_data(spec)
    assert data["layers"][1]["frozen"] == ["bias_hh_l0"]
    data["layers"][1]["frozen"] = ["bias_hh_l9"]
    with pytest.raises(Exception, match="frozen tensor 'bias_hh_l9' is not one of its tensors"):
        count_model(load_spec(json.dumps(data), "json"))
