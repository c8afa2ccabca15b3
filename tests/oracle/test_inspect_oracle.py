"""`inspect` on files the real frameworks write: torch.save (state_dict and whole modules), safetensors,
Keras .keras / .h5 / .weights.h5, and torch.onnx exports. The truth is the framework's own: the module's
attributes, `named_parameters()`, `state_dict()`, `model.count_params()`, `onnx.load`'s initializers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = pytest.mark.oracle
torch = pytest.importorskip("torch")
nn = torch.nn

CLASSES = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}


def unique_params(model: object) -> int:
    return sum(p.numel() for p in model.parameters())  # type: ignore[attr-defined]


def buffer_elements(model: object) -> int:
    return sum(b.numel() for b in model.buffers())  # type: ignore[attr-defined]


def check_against(path: Path, model: object, recurrent: object | None = None) -> rnnparams.api.Inspection:  # type: ignore[name-defined]
    ins = rnnparams.inspect(path)
    state = model.state_dict()  # type: ignore[attr-defined]
    assert [(t.name, t.shape) for t in ins.tensors] == [(k, tuple(v.shape)) for k, v in state.items()]
    assert ins.total_params == unique_params(model)
    assert ins.buffers == buffer_elements(model)
    assert ins.complete and ins.spec_difference == 0
    counted = rnnparams.count(ins.spec)
    assert counted.total_params == unique_params(model) and counted.buffers == buffer_elements(model)
    if recurrent is not None:
        (layer,) = ins.recurrent_layers
        r = recurrent
        assert dict(layer.summary) == {
            "input_size": r.input_size, "hidden_size": r.hidden_size, "num_layers": r.num_layers,  # type: ignore
            "directions": 2 if r.bidirectional else 1, "proj_size": r.proj_size, "bias": r.bias}  # type: ignore
        assert layer.type == type(r).__name__
    return ins


RNN_CONFIGS = [
    ("LSTM", dict(input_size=100, hidden_size=256)),
    ("LSTM", dict(input_size=16, hidden_size=32, num_layers=3, bidirectional=True, proj_size=8)),
    ("LSTM", dict(input_size=5, hidden_size=7, num_layers=2, bias=False, batch_first=True)),
    ("GRU", dict(input_size=12, hidden_size=24, num_layers=2, bidirectional=True)),
    ("GRU", dict(input_size=3, hidden_size=1, bias=False)),
    ("RNN", dict(input_size=9, hidden_size=4, num_layers=4, nonlinearity="relu", bidirectional=True)),
]


@pytest.mark.parametrize(("kind", "kwargs"), RNN_CONFIGS)
@pytest.mark.parametrize("whole", [False, True], ids=["state_dict", "whole_module"])
def test_torch_save_recurrent(tmp_path: Path, kind: str, kwargs: dict[str, object], whole: bool) -> None:
    rnn = CLASSES[kind](**kwargs)
    model = nn.Sequential(rnn) if whole else rnn
    path = tmp_path / "m.pt"
    torch.save(model if whole else model.state_dict(), path)
    ins = check_against(path, model, rnn)
    assert ins.recurrent_layers[0].source == ("config" if whole else "tensors")


class Tagger(nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(500, 32, padding_idx=0)
        self.encoder = nn.LSTM(32, 64, num_layers=2, bidirectional=True, batch_first=True)
        self.norm = nn.LayerNorm(128)
        self.head = nn.Linear(128, 17)


def test_state_dict_of_a_custom_model(tmp_path: Path) -> None:
    model = Tagger()
    torch.save(model.state_dict(), tmp_path / "tagger.pt")
    ins = check_against(tmp_path / "tagger.pt", model, model.encoder)
    assert [(x.name, x.type) for x in ins.layers] == [("embedding", "Embedding"), ("encoder", "LSTM"),
                                                     ("norm", "LayerNorm"), ("head", "Linear")]


def test_whole_custom_model_is_refused_but_its_state_dict_works(tmp_path: Path) -> None:
    model = Tagger()
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(rnnparams.RnnParamsError, match=r"test_inspect_oracle\.Tagger"):
        rnnparams.inspect(tmp_path / "whole.pt")


def test_whole_sequential_with_batchnorm_buffers(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Embedding(100, 16), nn.GRU(16, 16, num_layers=2), nn.Linear(16, 16),
                          nn.BatchNorm1d(16), nn.Dropout(0.1), nn.Linear(16, 4, bias=False))
    torch.save(model, tmp_path / "m.pth")
    ins = check_against(tmp_path / "m.pth", model, model[1])
    assert ins.buffers == 16 + 16 + 1
    assert {t.name for t in ins.tensors if t.buffer} == {"3.running_mean", "3.running_var", "3.num_batches_tracked"}
    assert [x.source for x in ins.layers] == ["config"] * 5


def test_cells(tmp_path: Path) -> None:
    for cls in (nn.LSTMCell, nn.GRUCell, nn.RNNCell):
        cell = cls(10, 20, bias=cls is not nn.GRUCell)
        torch.save(cell.state_dict(), tmp_path / "c.pt")
        ins = rnnparams.inspect(tmp_path / "c.pt")
        assert ins.total_params == unique_params(cell)
        (layer,) = ins.layers
        assert layer.type == cls.__name__ and layer.summary["bias"] == cell.bias


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_dtypes_and_bytes(tmp_path: Path, dtype: str) -> None:
    model = nn.LSTM(8, 16, num_layers=2).to(getattr(torch, dtype))
    torch.save(model.state_dict(), tmp_path / "m.pt")
    ins = rnnparams.inspect(tmp_path / "m.pt")
    size = torch.empty((), dtype=getattr(torch, dtype)).element_size()
    assert ins.by_dtype() == [(dtype, 8, unique_params(model), size * unique_params(model))]
    assert ins.checkpoint.stored_bytes == size * unique_params(model)


def test_tied_weights_are_counted_once(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Embedding(50, 8), nn.LSTM(8, 8), nn.Linear(8, 50))
    model[2].weight = model[0].weight
    torch.save(model.state_dict(), tmp_path / "tied.pt")
    ins = rnnparams.inspect(tmp_path / "tied.pt")
    assert ins.total_params == unique_params(model)  # parameters() yields a shared tensor once
    assert [t.alias_of for t in ins.tensors if t.alias_of] == ["0.weight"]


def test_training_checkpoint_with_optimizer_state(tmp_path: Path) -> None:
    model = nn.GRU(4, 6)
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(3, 2, 4))[0].sum().backward()
    opt.step()
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")
    ins = rnnparams.inspect(tmp_path / "ckpt.pt")
    (layer,) = ins.recurrent_layers
    assert layer.name == "model" and layer.params == unique_params(model)
    assert all(n.startswith("optimizer.") for n in ins.unrecognised)
    assert ins.spec_report is not None and ins.spec_report.total_params == unique_params(model)


def test_legacy_torch_save_format_is_refused(tmp_path: Path) -> None:
    torch.save(nn.LSTM(2, 3).state_dict(), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(rnnparams.RnnParamsError, match=r"[Rr]e-save it"):
        rnnparams.inspect(tmp_path / "old.pt")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(sorted(CLASSES)), i=st.integers(1, 40), h=st.integers(2, 40), layers=st.integers(1, 3),
       bidirectional=st.booleans(), bias=st.booleans(), proj=st.integers(0, 39), whole=st.booleans())
def test_random_recurrent_configs(tmp_path_factory: pytest.TempPathFactory, kind: str, i: int, h: int, layers: int,
                                  bidirectional: bool, bias: bool, proj: int, whole: bool) -> None:
    extra = {"proj_size": proj % h} if kind == "LSTM" else {}  # nn.RNN and nn.GRU refuse the argument
    rnn = CLASSES[kind](i, h, num_layers=layers, bidirectional=bidirectional, bias=bias, **extra)
    path = tmp_path_factory.mktemp("rand", numbered=True) / "m.pt"
    torch.save(nn.Sequential(rnn) if whole else rnn.state_dict(), path)
    check_against(path, nn.Sequential(rnn) if whole else rnn, rnn)


# ---- safetensors -----------------------------------------------------------------------------------------------

def test_safetensors_written_by_the_library(tmp_path: Path) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = Tagger().half()
    safetensors_torch.save_file(model.state_dict(), str(tmp_path / "m.safetensors"), metadata={"format": "pt"})
    ins = rnnparams.inspect(tmp_path / "m.safetensors")
    loaded = safetensors_torch.load_file(str(tmp_path / "m.safetensors"))
    assert {t.name: (t.shape, t.dtype) for t in ins.tensors} == {
        k: (tuple(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in loaded.items()}
    assert ins.total_params == unique_params(model) and ins.spec_difference == 0
    assert dict(ins.checkpoint.metadata) == {"format": "pt"}
    (layer,) = ins.recurrent_layers
    assert layer.summary["directions"] == 2 and layer.summary["num_layers"] == 2


# ---- Keras -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keras() -> object:
    return pytest.importorskip("keras")


def keras_models(keras: object) -> list[tuple[str, object]]:
    layers = keras.layers  # type: ignore[attr-defined]
    seq = keras.Sequential  # type: ignore[attr-defined]
    return [
        ("stack", seq([keras.Input((35, 100)), layers.LSTM(64, return_sequences=True),  # type: ignore[attr-defined]
                       layers.Bidirectional(layers.GRU(32)), layers.Dense(10)])),
        ("text", seq([keras.Input((None,)), layers.Embedding(1000, 16),  # type: ignore[attr-defined]
                      layers.SimpleRNN(8, use_bias=False, return_sequences=True),
                      layers.GRU(5, reset_after=False), layers.BatchNormalization(), layers.Dense(2)])),
        ("conv", seq([keras.Input((50, 3)), layers.Conv1D(8, 3), layers.LSTM(4),  # type: ignore[attr-defined]
                      layers.Dropout(0.2), layers.Dense(1)])),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_keras_files(tmp_path: Path, keras: object, index: int, suffix: str) -> None:
    name, model = keras_models(keras)[index]
    path = tmp_path / f"{name}{suffix}"
    if suffix == ".weights.h5":
        model.save_weights(path)  # type: ignore[attr-defined]
    else:
        model.save(path)  # type: ignore[attr-defined]
    ins = rnnparams.inspect(path)
    assert ins.total_params == model.count_params()  # type: ignore[attr-defined]
    assert len(ins.tensors) == len(model.weights)  # type: ignore[attr-defined]
    ours = sorted(t.shape for t in ins.tensors)
    assert ours == sorted(tuple(w.shape) for w in model.weights)  # type: ignore[attr-defined]
    if suffix == ".weights.h5" and index > 0:
        return  # no config: Embedding, Conv1D and BatchNormalization are not recognised from shapes alone
    assert ins.complete and ins.spec_difference == 0, ins.notes
    recurrent = [x for x in model.layers if "RNN" in type(x).__name__ or type(x).__name__  # type: ignore
                 in ("LSTM", "GRU", "SimpleRNN", "Bidirectional")]
    if suffix == ".weights.h5":  # no config: groups are named after the classes
        assert [x.name.rstrip("_0123456789") for x in ins.recurrent_layers] == [
            type(x).__name__.lower() for x in recurrent]
    else:
        assert [x.name for x in ins.recurrent_layers] == [x.name for x in recurrent]
    for ours_layer, theirs in zip(ins.recurrent_layers, recurrent, strict=True):
        cell = theirs.forward_layer if type(theirs).__name__ == "Bidirectional" else theirs
        assert ours_layer.summary["hidden_size"] == cell.units
        assert ours_layer.summary["directions"] == (2 if cell is not theirs else 1)
        assert ours_layer.summary["bias"] == cell.use_bias
        assert ours_layer.params == theirs.count_params()


def test_keras_functional_model(tmp_path: Path, keras: object) -> None:
    layers = keras.layers  # type: ignore[attr-defined]
    inputs = keras.Input((None, 12))  # type: ignore[attr-defined]
    x = layers.GRU(24, return_sequences=True)(inputs)
    x = layers.LayerNormalization()(x)
    outputs = layers.TimeDistributed(layers.Dense(4))(x)
    model = keras.Model(inputs, outputs)  # type: ignore[attr-defined]
    model.save(tmp_path / "f.keras")
    ins = rnnparams.inspect(tmp_path / "f.keras")
    assert ins.total_params == model.count_params()
    assert [x.type for x in ins.layers] == ["GRU", "LayerNormalization", "TimeDistributed"]
    assert ins.complete and ins.spec_difference == 0


def test_keras_spec_counts_like_keras(tmp_path: Path, keras: object) -> None:
    _, model = keras_models(keras)[0]
    model.save(tmp_path / "m.keras")  # type: ignore[attr-defined]
    spec = subprocess.run([sys.executable, "-m", "rnnparams", "inspect", str(tmp_path / "m.keras"), "--as-spec"],
                          capture_output=True, text=True, timeout=120)
    assert spec.returncode == 0, spec.stderr
    (tmp_path / "spec.json").write_text(spec.stdout)
    counted = subprocess.run([sys.executable, "-m", "rnnparams", "count", str(tmp_path / "spec.json"), "--json"],
                             capture_output=True, text=True, timeout=120)
    assert counted.returncode == 0, counted.stderr
    data = json.loads(counted.stdout)
    assert data["total_params"] == model.count_params()  # type: ignore[attr-defined]
    assert [x["name"] for x in data["layers"]] == [x.name for x in model.layers]  # type: ignore[attr-defined]


def test_keras_trained_model_leaves_optimizer_state_out(tmp_path: Path, keras: object) -> None:
    import numpy as np

    _, model = keras_models(keras)[2]
    model.compile(optimizer="adam", loss="mse")  # type: ignore[attr-defined]
    model.fit(np.zeros((4, 50, 3)), np.zeros((4, 1)), verbose=0, epochs=1)  # type: ignore[attr-defined]
    model.save(tmp_path / "trained.keras")  # type: ignore[attr-defined]
    ins = rnnparams.inspect(tmp_path / "trained.keras")
    assert ins.total_params == model.count_params()  # type: ignore[attr-defined]
    assert any("optimizer state" in n for n in ins.notes)


# ---- ONNX ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "kwargs"), [
    ("LSTM", dict(input_size=10, hidden_size=20, num_layers=2, bidirectional=True)),
    ("GRU", dict(input_size=6, hidden_size=4, num_layers=3)),
    ("RNN", dict(input_size=5, hidden_size=3, bidirectional=True)),
])
def test_onnx_export(tmp_path: Path, kind: str, kwargs: dict[str, object]) -> None:
    onnx = pytest.importorskip("onnx")
    rnn = CLASSES[kind](**kwargs)
    path = tmp_path / "m.onnx"
    torch.onnx.export(rnn, (torch.randn(5, 2, rnn.input_size),), str(path), dynamo=False)
    loaded = onnx.load(str(path))
    ins = rnnparams.inspect(path)
    assert [(t.name, t.shape) for t in ins.tensors] == [(t.name, tuple(t.dims)) for t in loaded.graph.initializer]
    assert ins.total_params == unique_params(rnn)
    (layer,) = ins.recurrent_layers
    assert (layer.type, layer.framework) == (kind, "onnx")
    assert layer.summary["num_layers"] == rnn.num_layers and layer.summary["hidden_size"] == rnn.hidden_size
    assert layer.summary["directions"] == (2 if rnn.bidirectional else 1)
    assert ins.spec_report is not None and ins.spec_report.total_params == unique_params(rnn)


class Classifier(nn.Module):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(100, 8)
        self.rnn = nn.GRU(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x: object) -> object:
        out, _ = self.rnn(self.embedding(x))
        return self.fc(out[:, -1])


def test_onnx_export_of_a_whole_model(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    model = Classifier()
    torch.onnx.export(model, (torch.zeros(2, 7, dtype=torch.long),), str(tmp_path / "c.onnx"), dynamo=False)
    ins = rnnparams.inspect(tmp_path / "c.onnx")
    assert ins.total_params == unique_params(model)
    assert [x.type for x in ins.layers] == ["Embedding", "GRU", "Linear"]
    assert ins.complete and ins.spec_difference == 0
