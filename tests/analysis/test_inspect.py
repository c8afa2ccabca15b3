"""`rnnparams inspect`: checkpoints read from their headers only, pickles never run, damaged files refused
clearly. The files here are written by hand (safetensors, ONNX protobuf, zip archives, hostile pickles), so
every expected number comes from the formats' specifications and DESIGN.md's formulas, not from the tool;
files written by the real frameworks are in tests/oracle/test_inspect_oracle.py.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import struct
import subprocess
import sys
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.errors import RnnParamsError, UsageError
from rnnparams.inputs.checkpoints import CheckpointError, read_checkpoint
from rnnparams.inputs.checkpoints.torchzip import UnsafePickleError

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
CLI = [sys.executable, "-m", "rnnparams"]


# ---- writers: each format by its specification -----------------------------------------------------------

def write_safetensors(path: Path, tensors: dict[str, tuple[tuple[int, ...], str]],
                      metadata: dict[str, str] | None = None) -> Path:
    """8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, then zeros."""
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "U8": 1, "F64": 8}
    header: dict[str, object] = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name, (shape, dtype) in tensors.items():
        n = sizes[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
    return path


def torch_rnn_tensors(kind: str, i: int, h: int, layers: int = 1, bidirectional: bool = False,
                      bias: bool = True, proj: int = 0, prefix: str = "rnn.") -> dict[str, tuple[int, ...]]:
    """DESIGN.md §4: weight_ih_l{l} (G·H, I_l), weight_hh_l{l} (G·H, H_out), two biases (G·H), weight_hr (P, H)."""
    g, h_out, d = GATES[kind], proj or h, 2 if bidirectional else 1
    out: dict[str, tuple[int, ...]] = {}
    for layer in range(layers):
        for suffix in ("", "_reverse")[:d]:
            at = f"_l{layer}{suffix}"
            out[f"{prefix}weight_ih{at}"] = (g * h, i if layer == 0 else d * h_out)
            out[f"{prefix}weight_hh{at}"] = (g * h, h_out)
            if bias:
                out[f"{prefix}bias_ih{at}"] = (g * h,)
                out[f"{prefix}bias_hh{at}"] = (g * h,)
            if proj:
                out[f"{prefix}weight_hr{at}"] = (proj, h)
    return out


def torch_rnn_count(kind: str, i: int, h: int, layers: int = 1, bidirectional: bool = False, bias: bool = True,
                    proj: int = 0) -> int:
    g, h_out, d = GATES[kind], proj or h, 2 if bidirectional else 1
    per = [d * (g * h * ((i if layer == 0 else d * h_out) + h_out + 2 * bias) + proj * h) for layer in range(layers)]
    return sum(per)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb(field: int, value: int | bytes | str) -> bytes:
    """One protobuf field: an int is a varint (wire type 0), bytes/str are length-delimited (wire type 2)."""
    if isinstance(value, int):
        return varint(field << 3) + varint(value)
    raw = value.encode() if isinstance(value, str) else value
    return varint(field << 3 | 2) + varint(len(raw)) + raw


def onnx_tensor(name: str, dims: tuple[int, ...]) -> bytes:
    """TensorProto: dims (1), data_type FLOAT=1 (2), name (8), raw_data (9)."""
    n = 4
    for d in dims:
        n *= d
    return b"".join(pb(1, d) for d in dims) + pb(2, 1) + pb(8, name) + pb(9, bytes(n))


def onnx_attr(name: str, value: int | str) -> bytes:
    """AttributeProto: name (1), i (3) with type INT=2, or s (4) with type STRING=3 (type is field 20)."""
    if isinstance(value, int):
        return pb(1, name) + pb(3, value) + pb(20, 2)
    return pb(1, name) + pb(4, value) + pb(20, 3)


def onnx_node(op: str, name: str, inputs: list[str], outputs: list[str], attrs: dict[str, int | str]) -> bytes:
    return (b"".join(pb(1, x) for x in inputs) + b"".join(pb(2, x) for x in outputs) + pb(3, name) + pb(4, op)
            + b"".join(pb(5, onnx_attr(k, v)) for k, v in attrs.items()))


def write_onnx(path: Path, i: int = 10, h: int = 20, d: int = 2, op: str = "LSTM", out: int = 5) -> Path:
    """An ONNX model: an LSTM/GRU/RNN node (W (D, G·H, I), R (D, G·H, H), B (D, 2·G·H)), then a Gemm
    (B (O, D·H) with transB=1, C (O)), as torch.onnx writes them."""
    g = GATES[op]
    direction = "bidirectional" if d == 2 else "forward"
    graph = b"".join([
        pb(1, onnx_node(op, "/rnn/LSTM", ["x", "W", "R", "B"], ["y", "h"], {"hidden_size": h, "direction": direction})),
        pb(1, onnx_node("Gemm", "/fc/Gemm", ["y2", "fc.weight", "fc.bias"], ["z"], {"transB": 1})),
        pb(2, "main"),
        pb(5, onnx_tensor("W", (d, g * h, i))), pb(5, onnx_tensor("R", (d, g * h, h))),
        pb(5, onnx_tensor("B", (d, 2 * g * h))), pb(5, onnx_tensor("fc.weight", (out, d * h))),
        pb(5, onnx_tensor("fc.bias", (out,))),
    ])
    opset = pb(1, "") + pb(2, 17)
    path.write_bytes(pb(1, 8) + pb(2, "handmade") + pb(8, opset) + pb(7, graph))
    return path


def torch_zip(path: Path, data_pkl: bytes, *, storages: dict[str, int] | None = None,
              extra: dict[str, bytes] | None = None, compress: int = zipfile.ZIP_STORED) -> Path:
    """A zip laid out like torch.save's: archive/data.pkl, archive/byteorder, archive/data/<key>, archive/version."""
    with zipfile.ZipFile(path, "w", compression=compress) as zf:
        zf.writestr("archive/data.pkl", data_pkl)
        zf.writestr("archive/byteorder", "little")
        for key, size in (storages or {}).items():
            zf.writestr(f"archive/data/{key}", bytes(size))
        zf.writestr("archive/version", "3\n")
        for name, raw in (extra or {}).items():
            zf.writestr(name, raw)
    return path


class P:
    """A few pickle opcodes (protocol 2), to write what torch.save writes without torch."""

    @staticmethod
    def glob(module: str, name: str) -> bytes:
        return b"c" + module.encode() + b"\n" + name.encode() + b"\n"

    @staticmethod
    def str(text: str) -> bytes:
        raw = text.encode()
        return b"X" + struct.pack("<I", len(raw)) + raw

    @staticmethod
    def int(n: int) -> bytes:
        return b"J" + struct.pack("<i", n)

    @staticmethod
    def tuple(*items: bytes) -> bytes:
        return b"(" + b"".join(items) + b"t"

    @staticmethod
    def call(fn: bytes, *args: bytes) -> bytes:
        return fn + P.tuple(*args) + b"R"

    @staticmethod
    def odict(**items: bytes) -> bytes:
        return P.glob("collections", "OrderedDict") + b")R(" + b"".join(
            P.str(k) + v for k, v in items.items()) + b"u"

    @staticmethod
    def tensor(key: str, shape: tuple[int, ...], storage: str = "FloatStorage", numel: int | None = None) -> bytes:
        n = 1
        for d in shape:
            n *= d
        n = n if numel is None else numel
        strides = [1] * len(shape)
        for k in range(len(shape) - 2, -1, -1):
            strides[k] = strides[k + 1] * shape[k + 1]
        pid = P.tuple(P.str("storage"), P.glob("torch", storage), P.str(key), P.str("cpu"), P.int(n)) + b"Q"
        return P.call(P.glob("torch._utils", "_rebuild_tensor_v2"), pid, P.int(0),
                      P.tuple(*map(P.int, shape)), P.tuple(*map(P.int, strides)), b"\x89", P.odict())

    @staticmethod
    def pickle(body: bytes) -> bytes:
        return b"\x80\x02" + body + b"."


STATE_DICT = P.pickle(P.odict(w=P.tensor("0", (4,))))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


# ---- safetensors --------------------------------------------------------------------------------------------

RNN_CASES = [
    ("LSTM", 100, 256, 1, False, True, 0),
    ("LSTM", 16, 32, 2, True, True, 8),
    ("GRU", 7, 5, 3, True, False, 0),
    ("RNN", 3, 2, 1, False, True, 0),
    ("GRU", 128, 64, 2, False, True, 0),
]


@pytest.mark.parametrize(("kind", "i", "h", "layers", "bidir", "bias", "proj"), RNN_CASES)
def test_safetensors_recurrent_layer_reconstructed(tmp_path: Path, kind: str, i: int, h: int, layers: int,
                                                   bidir: bool, bias: bool, proj: int) -> None:
    shapes = torch_rnn_tensors(kind, i, h, layers, bidir, bias, proj)
    path = write_safetensors(tmp_path / "m.safetensors", {k: (v, "F32") for k, v in shapes.items()})
    ins = rnnparams.inspect(path)
    expected = torch_rnn_count(kind, i, h, layers, bidir, bias, proj)
    assert ins.total_params == expected
    assert ins.tensor_bytes == 4 * expected
    assert ins.checkpoint.stored_bytes == 4 * expected
    (layer,) = ins.recurrent_layers
    assert layer.type == kind and layer.name == "rnn" and layer.source == "tensors"
    assert dict(layer.summary) == {"input_size": i, "hidden_size": h, "num_layers": layers,
                                   "directions": 2 if bidir else 1, "proj_size": proj, "bias": bias}
    assert ins.complete and ins.spec_difference == 0
    assert rnnparams.count(ins.spec).total_params == expected


def test_safetensors_model_with_embedding_norm_and_head(tmp_path: Path) -> None:
    tensors = {"embedding.weight": ((1000, 64), "F16"), **{k: (v, "F16") for k, v in torch_rnn_tensors(
        "GRU", 64, 128, 2, True, prefix="encoder.").items()},
        "norm.weight": ((256,), "F32"), "norm.bias": ((256,), "F32"),
        "head.weight": ((10, 256), "F32"), "head.bias": ((10,), "F32")}
    path = write_safetensors(tmp_path / "m.safetensors", tensors, {"format": "pt"})
    ins = rnnparams.inspect(path)
    gru = torch_rnn_count("GRU", 64, 128, 2, True)
    assert ins.total_params == 1000 * 64 + gru + 2 * 256 + 10 * 256 + 10
    assert [(x.name, x.type) for x in ins.layers] == [("embedding", "Embedding"), ("encoder", "GRU"),
                                                     ("norm", "LayerNorm"), ("head", "Linear")]
    assert ins.by_dtype() == [("float16", 17, 1000 * 64 + gru, 2 * (1000 * 64 + gru)),
                              ("float32", 4, 2 * 256 + 10 * 256 + 10, 4 * (2 * 256 + 10 * 256 + 10))]
    assert dict(ins.checkpoint.metadata) == {"format": "pt"}
    assert ins.spec_report is not None and ins.spec_report.total_params == ins.total_params


def test_unrecognised_tensors_are_reported_and_the_rest_still_specced(tmp_path: Path) -> None:
    tensors = {**{k: (v, "F32") for k, v in torch_rnn_tensors("LSTM", 8, 4).items()},
               "attention.scale": ((3, 3, 3, 3), "F32"), "step": ((), "I64")}
    path = write_safetensors(tmp_path / "m.safetensors", tensors)
    ins = rnnparams.inspect(path)
    assert set(ins.unrecognised) == {"attention.scale", "step"}
    assert ins.total_params == torch_rnn_count("LSTM", 8, 4) + 81 + 1
    assert ins.spec_difference == 82 and not ins.complete
    result = run_cli("inspect", str(path), "--as-spec")
    assert result.returncode == 0
    assert "82 fewer parameters" in result.stderr and "2 unrecognised tensors" in result.stderr
    assert json.loads(result.stdout)["layers"][0]["type"] == "LSTM"
    text = run_cli("inspect", str(path)).stdout
    assert "attention.scale (unrecognised)" in text and "Unrecognised: 2 tensor(s), 82 elements" in text


def test_cli_as_spec_counts_the_checkpoint_total(tmp_path: Path) -> None:
    tensors = {"0.weight": ((500, 32), "F32"),
               **{k: (v, "F32") for k, v in torch_rnn_tensors("LSTM", 32, 48, 2, True, proj=16, prefix="1.").items()},
               "2.weight": ((3, 32), "F32"), "2.bias": ((3,), "F32")}
    path = write_safetensors(tmp_path / "m.safetensors", tensors)
    spec = run_cli("inspect", str(path), "--as-spec")
    assert spec.returncode == 0 and spec.stderr == ""
    (tmp_path / "spec.json").write_text(spec.stdout)
    counted = run_cli("count", str(tmp_path / "spec.json"), "--json")
    assert counted.returncode == 0, counted.stderr
    expected = 500 * 32 + torch_rnn_count("LSTM", 32, 48, 2, True, proj=16) + 3 * 32 + 3
    assert json.loads(counted.stdout)["total_params"] == expected
    toml = run_cli("inspect", "--as-spec", str(path), "--spec-format", "toml")
    assert toml.returncode == 0 and toml.stdout.startswith('framework = "pytorch"')
    (tmp_path / "spec.toml").write_text(toml.stdout)
    assert json.loads(run_cli("count", str(tmp_path / "spec.toml"), "--json").stdout)["total_params"] == expected
    shown = json.loads(run_cli("inspect", str(path), "--json").stdout)
    assert shown["total_params"] == expected and shown["spec"]["matches_checkpoint"] is True
    assert shown["recurrent_layers"][0] | {"tensors": []} == {
        "name": "1", "type": "LSTM", "framework": "pytorch", "spec_framework": "pytorch", "source": "tensors",
        "input_size": 32, "hidden_size": 48, "num_layers": 2, "directions": 2, "proj_size": 16, "bias": True,
        "params": torch_rnn_count("LSTM", 32, 48, 2, True, proj=16), "buffers": 0, "tensors": []}


def test_text_output_is_aligned_with_thousands_separators(tmp_path: Path) -> None:
    shapes = torch_rnn_tensors("LSTM", 100, 256)
    path = write_safetensors(tmp_path / "m.safetensors", {k: (v, "F32") for k, v in shapes.items()})
    result = run_cli("inspect", str(path))
    assert result.returncode == 0
    out = result.stdout
    assert "Parameters:   366,592" in out
    assert "Tensor data:  1.40 MiB (1,466,368 bytes)" in out
    rows = out.split("Recurrent layers\n")[1].splitlines()[:2]
    assert rows[0].split() == ["layer", "type", "input", "hidden", "layers", "directions", "proj", "bias", "params",
                               "from"]
    assert rows[1].split() == ["rnn", "LSTM", "100", "256", "1", "1", "-", "yes", "366,592", "pytorch", "names"]
    assert rows[0].index("params") + len("params") == rows[1].index("366,592") + len("366,592")  # right-aligned


def test_safetensors_never_reads_the_data(tmp_path: Path) -> None:
    """A 64 GiB file (sparse: no disk used) is inspected in well under a second: only the header is read."""
    n = 1 << 34  # float32 elements: 64 GiB
    header = json.dumps({"w": {"dtype": "F32", "shape": [1 << 17, 1 << 17], "data_offsets": [0, 4 * n]}}).encode()
    path = tmp_path / "huge.safetensors"
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header)
        fh.truncate(8 + len(header) + 4 * n)
    start = time.perf_counter()
    ins = rnnparams.inspect(path)
    assert time.perf_counter() - start < 1.0
    assert ins.total_params == n and ins.unrecognised == ("w",)


@pytest.mark.parametrize(("header", "message"), [
    (struct.pack("<Q", 1 << 60), "declares a 1,152,921,504,606,846,976-byte safetensors header"),
    (struct.pack("<Q", 500) + b"{}", "only 2 bytes follow; the file is truncated"),
    (struct.pack("<Q", 4) + b"nope", "does not start with '{'"),
    (struct.pack("<Q", 6) + b'{"a":}', "not valid JSON"),
    (struct.pack("<Q", 2) + b"[]", "safetensors header"),
    (b"\x01\x02", "too short for safetensors"),
])
def test_safetensors_header_errors(tmp_path: Path, header: bytes, message: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(header)
    with pytest.raises(CheckpointError, match=message.replace("(", r"\(").replace("[", r"\[")):
        rnnparams.inspect(path)


@pytest.mark.parametrize(("entry", "message"), [
    ({"dtype": "F99", "shape": [2], "data_offsets": [0, 8]}, "unknown dtype 'F99'; safetensors dtypes are F64"),
    ({"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}, "takes 12 bytes, but data_offsets span 8"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [0, 800]}, "its data ends at byte 800"),
    ({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}, "invalid size -2"),
    ({"dtype": "F32", "shape": [2]}, "needs dtype, shape and data_offsets"),
    ({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}, "not an ascending pair"),
])
def test_safetensors_entry_errors_name_the_tensor(tmp_path: Path, entry: dict[str, object], message: str) -> None:
    raw = json.dumps({"rnn.weight_ih_l0": entry}).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(8))
    with pytest.raises(CheckpointError, match=r"tensor 'rnn\.weight_ih_l0'") as info:
        rnnparams.inspect(path)
    assert message in str(info.value)


def test_safetensors_overlapping_tensors(tmp_path: Path) -> None:
    raw = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(12))
    with pytest.raises(CheckpointError, match="'a' and 'b' overlap"):
        rnnparams.inspect(path)


# ---- ONNX (hand-built protobuf) ---------------------------------------------------------------------------

@pytest.mark.parametrize(("op", "d"), [("LSTM", 2), ("GRU", 1), ("RNN", 2)])
def test_onnx_handmade_model(tmp_path: Path, op: str, d: int) -> None:
    path = write_onnx(tmp_path / "m.onnx", i=10, h=20, d=d, op=op, out=5)
    ins = rnnparams.inspect(path)
    g = GATES[op]
    rnn = d * g * 20 * (10 + 20 + 2)
    assert ins.total_params == rnn + 5 * d * 20 + 5
    assert ins.checkpoint.metadata["producer_name"] == "handmade"
    (layer,) = ins.recurrent_layers
    assert (layer.name, layer.type, layer.framework, layer.spec_framework) == ("/rnn/LSTM", op, "onnx", "pytorch")
    assert layer.summary["input_size"] == 10 and layer.summary["hidden_size"] == 20
    assert layer.summary["directions"] == d and layer.params == rnn
    assert [x.type for x in ins.layers] == [op, "Linear"]
    assert ins.complete and ins.spec_difference == 0


def test_onnx_matches_the_onnx_package(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    path = write_onnx(tmp_path / "m.onnx")
    model = onnx.load(str(path))
    theirs = [(t.name, tuple(t.dims)) for t in model.graph.initializer]
    ours = [(t.name, t.shape) for t in read_checkpoint(path).tensors]
    assert ours == theirs
    assert [n.op_type for n in model.graph.node] == ["LSTM", "Gemm"]


@pytest.mark.parametrize(("raw", "message"), [
    (b"\x00\x01\x02", "invalid field key 0"),
    (pb(7, b"\x0a\xff\x7f"), "runs past the end of its message"),
    (pb(1, 8), "no graph found"),
    (b"\xff" * 12, "a varint longer than 10 bytes"),
])
def test_onnx_malformed(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "bad.onnx"
    path.write_bytes(raw)
    with pytest.raises(CheckpointError, match=message):
        rnnparams.inspect(path)


# ---- hostile pickles: nothing runs ------------------------------------------------------------------------

class _System:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.target}",))


class _Eval:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, ...]:
        return (eval, (f"open({str(self.target)!r}, 'w')",))


class _Nested:
    """A global hidden inside an allowed one's arguments: OrderedDict([(key, getattr(os, 'system')(...))])."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, ...]:
        return (OrderedDict, ([("weight", _System(self.target))],))


HOSTILE = [
    ("os.system", lambda t: _System(t), "system"),
    ("builtins.eval", lambda t: _Eval(t), "builtins.eval"),
    ("nested", lambda t: {"state_dict": OrderedDict(a=1), "x": [_Nested(t)]}, "system"),
]


@pytest.mark.parametrize(("label", "make", "named"), HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_hostile_pickle_is_refused_and_nothing_runs(tmp_path: Path, label: str, make: object, named: str,
                                                    protocol: int) -> None:
    target = tmp_path / "pwned"
    payload = pickle.dumps(make(target), protocol=protocol)  # type: ignore[operator]
    path = torch_zip(tmp_path / "evil.pt", payload)
    with pytest.raises(UnsafePickleError) as info:
        rnnparams.inspect(path)
    message = str(info.value)
    assert named in message and "refusing to load the global" in message and "nothing was loaded or run" in message
    assert not target.exists()
    result = run_cli("inspect", str(path))
    assert result.returncode == 2 and not target.exists()
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr and named in result.stderr


def module(cls: str, state: bytes) -> bytes:
    """torch.save(model): NEWOBJ of the class (found by name), then BUILD with its __dict__."""
    module_name, name = cls.rsplit(".", 1)
    return P.glob(module_name, name) + b")\x81" + state + b"b"


def module_state(params: dict[str, bytes], modules: dict[str, bytes], **attrs: bytes) -> bytes:
    items = [P.str("training") + b"\x88",
             P.str("_parameters") + b"}(" + b"".join(P.str(k) + v for k, v in params.items()) + b"u",
             P.str("_buffers") + b"}", P.str("_non_persistent_buffers_set")
             + P.call(P.glob("__builtin__", "set"), b"]"),
             P.str("_modules") + b"}(" + b"".join(P.str(k) + v for k, v in modules.items()) + b"u",
             *(P.str(k) + v for k, v in attrs.items())]
    return b"}(" + b"".join(items) + b"u"


def test_a_users_own_module_class_is_refused(tmp_path: Path) -> None:
    """torch.save(model) of a class outside torch.nn.modules would need its code: refused, by name."""
    path = torch_zip(tmp_path / "model.pt", P.pickle(module("__main__.Net", module_state({}, {}))))
    with pytest.raises(UnsafePickleError, match=r"__main__\.Net.*torch\.save\(model\.state_dict\(\), path\)"):
        rnnparams.inspect(path)


def test_torch_nn_module_classes_are_placeholders_never_imported(tmp_path: Path) -> None:
    """`torch.nn.modules.linear.Linear` by name: NEWOBJ + BUILD fill an inert placeholder; its attributes give
    the configuration, its _parameters the tensors; torch is never imported."""
    weight = P.call(P.glob("torch._utils", "_rebuild_parameter"), P.tensor("0", (3, 4)), b"\x88", P.odict())
    bias = P.call(P.glob("torch._utils", "_rebuild_parameter"), P.tensor("1", (3,)), b"\x88", P.odict())
    linear = module("torch.nn.modules.linear.Linear",
                    module_state({"weight": weight, "bias": bias}, {}, in_features=P.int(4), out_features=P.int(3)))
    root = module("torch.nn.modules.container.Sequential", module_state({}, {"0": linear}))
    path = torch_zip(tmp_path / "model.pt", P.pickle(root), storages={"0": 48, "1": 12})
    code = ("import sys, rnnparams; r = rnnparams.inspect(sys.argv[1]); "
            "print([t.name for t in r.tensors], [(x.name, x.type, x.source) for x in r.layers], "
            "r.total_params, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "['0.weight', '0.bias'] [('0', 'Linear', 'config')] 15 False", out.stderr


def test_a_pickled_module_with_too_many_stacked_layers_is_noted_not_built(tmp_path: Path) -> None:
    """nn.LSTM's own num_layers attribute is a file's value: above MAX_STACKED_LAYERS it is refused with a note
    (building 10**8 layers would run for hours) and the tensors are still recognised by their names."""
    i, h = 4, 3
    shapes = {"weight_ih_l0": (4 * h, i), "weight_hh_l0": (4 * h, h), "bias_ih_l0": (4 * h,), "bias_hh_l0": (4 * h,)}
    params = {name: P.call(P.glob("torch._utils", "_rebuild_parameter"), P.tensor(str(k), shape), b"\x88", P.odict())
              for k, (name, shape) in enumerate(shapes.items())}
    lstm = module("torch.nn.modules.rnn.LSTM", module_state(
        params, {}, input_size=P.int(i), hidden_size=P.int(h), num_layers=P.int(10**8), bias=b"\x88"))
    storages = {str(k): 4 * math.prod(shape) for k, shape in enumerate(shapes.values())}
    path = torch_zip(tmp_path / "m.pt", P.pickle(module("torch.nn.modules.container.Sequential",
                                                        module_state({}, {"rnn": lstm}))), storages=storages)
    start = time.perf_counter()
    ins = rnnparams.inspect(path)
    assert time.perf_counter() - start < 5
    assert any("num_layers=100000000 is more than rnnparams counts (at most 1,000 stacked layers)" in n
               for n in ins.notes), ins.notes
    assert ins.total_params == 4 * h * (i + h) + 8 * h


def test_hostile_global_inside_a_module_state(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    evil = P.call(P.glob("os", "system"), P.str(f"touch {target}"))
    root = module("torch.nn.modules.rnn.LSTM", module_state({}, {}, hidden_size=evil))
    with pytest.raises(UnsafePickleError, match=r"os\.system"):
        rnnparams.inspect(torch_zip(tmp_path / "m.pt", P.pickle(root)))
    assert not target.exists()


def test_setattr_through_build_cannot_forge_metadata(tmp_path: Path) -> None:
    """BUILD with slot state calls setattr on whatever object the pickle holds; our stand-ins are read-only."""
    forged = P.tensor("0", (4,)) + b"N}" + P.str("shape") + P.str("evil") + b"s\x86b"
    path = torch_zip(tmp_path / "forged.pt", P.pickle(P.odict(w=forged)), storages={"0": 16})
    with pytest.raises(CheckpointError, match="read-only"):
        rnnparams.inspect(path)


def test_legacy_plain_pickle_is_refused_without_unpickling(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    path = tmp_path / "legacy.pt"
    path.write_bytes(pickle.dumps(_System(target), protocol=2))
    with pytest.raises(CheckpointError, match=r"not the zip format torch\.save writes since PyTorch 1\.6"):
        rnnparams.inspect(path)
    assert not target.exists()


@pytest.mark.parametrize(("entries", "message"), [
    ({"archive/constants.pkl": b"", "archive/data.pkl": b"."}, "TorchScript archive"),
    ({"weights/readme.txt": b"hi"}, "not one written by torch.save"),
])
def test_zip_archives_that_are_not_torch_save(tmp_path: Path, entries: dict[str, bytes], message: str) -> None:
    path = tmp_path / "x.pt"
    with zipfile.ZipFile(path, "w") as zf:
        for name, raw in entries.items():
            zf.writestr(name, raw)
    with pytest.raises(CheckpointError, match=message):
        rnnparams.inspect(path)


def test_missing_storage_entry(tmp_path: Path) -> None:
    raw = P.pickle(P.odict(w=P.tensor("7", (4,))))
    path = torch_zip(tmp_path / "m.pt", raw)
    with pytest.raises(CheckpointError, match=r"refers to storage '7', but the archive has no archive/data/7"):
        rnnparams.inspect(path)
    ok = rnnparams.inspect(torch_zip(tmp_path / "ok.pt", raw, storages={"7": 16}))
    assert [(t.name, t.shape, t.dtype, t.nbytes) for t in ok.tensors] == [("w", (4,), "float32", 16)]
    short = torch_zip(tmp_path / "short.pt", raw, storages={"7": 12})
    with pytest.raises(CheckpointError, match="should hold 16 bytes, but the archive's entry holds 12"):
        rnnparams.inspect(short)


def test_a_view_past_its_storage_is_refused(tmp_path: Path) -> None:
    path = torch_zip(tmp_path / "m.pt", P.pickle(P.odict(w=P.tensor("0", (4, 4), numel=4))), storages={"0": 16})
    with pytest.raises(CheckpointError, match="reaches past the end of its storage '0'"):
        rnnparams.inspect(path)


def test_handwritten_state_dict_is_what_torch_load_reads(tmp_path: Path) -> None:
    """The pickle assembler writes what torch.save writes: torch itself loads it (when installed)."""
    torch = pytest.importorskip("torch")
    path = torch_zip(tmp_path / "m.pt", STATE_DICT, storages={"0": 16})
    loaded = torch.load(path, weights_only=True)
    assert list(loaded) == ["w"] and tuple(loaded["w"].shape) == (4,)


def test_zip_bombs_are_not_expanded(tmp_path: Path) -> None:
    big = torch_zip(tmp_path / "declared.pt", bytes(300 << 20), compress=zipfile.ZIP_DEFLATED)
    assert big.stat().st_size < 1 << 20
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match="declares 314,572,800 bytes"):
        rnnparams.inspect(big)
    # the same stream under a central directory that lies about its size: read up to the lie, then refused
    lying = tmp_path / "lying.pt"
    raw = bytearray(big.read_bytes())
    eocd = raw.rfind(b"PK\x05\x06")
    cd = struct.unpack_from("<I", raw, eocd + 16)[0]
    struct.pack_into("<I", raw, cd + 24, 64)  # uncompressed size in the central directory entry of data.pkl
    lying.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        rnnparams.inspect(lying)
    assert time.perf_counter() - start < 10


# ---- Keras without h5py, h5 without h5py -------------------------------------------------------------------

KERAS_CONFIG = {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 35, 100], "name": "input_layer"}},
    {"class_name": "LSTM", "config": {"name": "lstm", "units": 256, "return_sequences": True, "use_bias": True},
     "build_config": {"input_shape": [None, 35, 100]}},
    {"class_name": "Bidirectional", "config": {"name": "bidi", "merge_mode": "concat", "layer": {
        "class_name": "GRU", "config": {"name": "forward_gru", "units": 32, "reset_after": True}}},
     "build_config": {"input_shape": [None, 35, 256]}},
    {"class_name": "Dense", "config": {"name": "head", "units": 10, "activation": "softmax"},
     "build_config": {"input_shape": [None, 64]}},
]}}


def write_keras_zip(path: Path, config: dict[str, object]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(100))
    return path


def test_keras_zip_without_h5py_derives_tensors_from_config(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now raises ImportError
    ins = rnnparams.inspect(write_keras_zip(tmp_path / "m.keras", KERAS_CONFIG))
    lstm = 4 * 256 * (100 + 256 + 1)
    gru = 2 * 3 * 32 * (256 + 32 + 2)
    assert ins.derived and ins.total_params == lstm + gru + 64 * 10 + 10
    assert ins.tensors[0].name == "lstm/lstm_cell/kernel" and ins.tensors[0].shape == (100, 1024)
    assert any("pip install 'rnnparams[h5]'" in n for n in ins.notes)
    assert [(x.name, x.type, x.summary.get("directions")) for x in ins.recurrent_layers] == [
        ("lstm", "LSTM", 1), ("bidi", "Bidirectional", 2)]
    assert ins.spec is not None and ins.spec.input_shape == (35, 100) and ins.spec.name == "seq"
    assert ins.spec_difference == 0


def test_h5_without_h5py_says_which_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "h5py", None)
    path = tmp_path / "m.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(UsageError, match=r"needs h5py.*pip install 'rnnparams\[h5\]'"):
        rnnparams.inspect(path)


def test_keras_config_values_are_checked_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "h5py", None)
    config = json.loads(json.dumps(KERAS_CONFIG))
    config["config"]["layers"][1]["config"]["units"] = "many"
    ins = rnnparams.inspect(write_keras_zip(tmp_path / "m.keras", config))
    assert any("units='many' is not a valid value" in n for n in ins.notes)
    assert [x.name for x in ins.layers] == ["bidi", "head"]


def test_keras2_legacy_h5(tmp_path: Path) -> None:
    """A Keras 2 `model.save("m.h5")` layout, written with h5py: model_config JSON as a root attribute, each layer
    group listing `weight_names` like `lstm/lstm_cell/kernel:0`; CuDNNLSTM keeps one (8H) bias."""
    h5py = pytest.importorskip("h5py")
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "CuDNNLSTM", "config": {"name": "cu_dnnlstm", "units": 32, "return_sequences": True,
                                               "batch_input_shape": [None, 20, 8]}},
        {"class_name": "GRU", "config": {"name": "gru", "units": 16, "reset_after": False, "use_bias": True}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 3, "use_bias": True}}]}}
    weights = {"cu_dnnlstm": [("cu_dnnlstm/kernel:0", (8, 128)), ("cu_dnnlstm/recurrent_kernel:0", (32, 128)),
                              ("cu_dnnlstm/bias:0", (256,))],
               "gru": [("gru/gru_cell/kernel:0", (32, 48)), ("gru/gru_cell/recurrent_kernel:0", (16, 48)),
                       ("gru/gru_cell/bias:0", (48,))],
               "dense": [("dense/kernel:0", (16, 3)), ("dense/bias:0", (3,))]}
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        root = f.create_group("model_weights")
        root.attrs["layer_names"] = [name.encode() for name in weights]
        for layer, items in weights.items():
            group = root.create_group(layer)
            group.attrs["weight_names"] = [n.encode() for n, _ in items]
            for name, shape in items:
                group.create_dataset(name, shape=shape, dtype="float32")
    ins = rnnparams.inspect(path)
    cudnn = 4 * 32 * (8 + 32 + 2)
    gru = 3 * 16 * (32 + 16 + 1)
    assert ins.total_params == cudnn + gru + 16 * 3 + 3
    assert [(x.name, x.type, x.spec_framework) for x in ins.layers] == [
        ("cu_dnnlstm", "CuDNNLSTM", "keras2"), ("gru", "GRU", "keras2"), ("dense", "Dense", "keras2")]
    assert ins.recurrent_layers[1].summary["reset_after"] is False
    assert ins.spec is not None and ins.spec.input_shape == (20, 8) and ins.spec_difference == 0
    assert ins.checkpoint.metadata["keras_version"] == "2.2.4"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.pt"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        rnnparams.inspect(fifo)


# ---- general -------------------------------------------------------------------------------------------------

def test_import_stays_light() -> None:
    code = ("import sys, rnnparams; heavy = {'zipfile', 'pickle', 'json', 'h5py', 'onnx', 'torch'};"
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("missing.pt", None, "no such file"),
    ("empty.safetensors", b"", "the file is empty"),
    ("notes.txt", b"hello world, not a model", "not a checkpoint format rnnparams reads"),
    ("random.pt", b"\x13\x37" * 40, "does not start with the zip signature"),
])
def test_cli_errors_exit_2_without_traceback(tmp_path: Path, name: str, raw: bytes | None, message: str) -> None:
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    result = run_cli("inspect", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr and "Traceback" not in result.stderr


def test_api_rejects_non_paths() -> None:
    with pytest.raises(UsageError, match="file path"):
        rnnparams.inspect(42)  # type: ignore[arg-type]


def test_to_dict_is_plain_json(tmp_path: Path) -> None:
    path = write_onnx(tmp_path / "m.onnx")
    data = rnnparams.inspect(path).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["format"] == "onnx" and data["spec"]["matches_checkpoint"] is True


# ---- damaged files: a clear error or a correct answer, never a crash or a hang -------------------------------

def _damaged_variants(raw: bytes) -> st.SearchStrategy[bytes]:
    cut = st.integers(0, len(raw) - 1).map(lambda n: raw[:n])
    flips = st.lists(st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), min_size=1, max_size=8).map(
        lambda changes: _apply(raw, changes))
    return st.one_of(cut, flips)


def _apply(raw: bytes, changes: list[tuple[int, int]]) -> bytes:
    out = bytearray(raw)
    for at, value in changes:
        out[at] = value
    return bytes(out)


def _check_damaged(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    start = time.perf_counter()
    try:
        ins = rnnparams.inspect(path)
    except RnnParamsError as exc:
        assert str(path) in str(exc)  # every error names the file
    else:
        assert ins.total_params >= 0
        ins.to_dict()
    assert time.perf_counter() - start < 5


def _valid_files(tmp: Path) -> dict[str, bytes]:
    files = {
        "m.safetensors": write_safetensors(tmp / "v.safetensors", {
            k: (v, "F32") for k, v in torch_rnn_tensors("GRU", 6, 5, 2, True).items()}).read_bytes(),
        "m.onnx": write_onnx(tmp / "v.onnx", i=4, h=3).read_bytes(),
        "m.keras": write_keras_zip(tmp / "v.keras", KERAS_CONFIG).read_bytes(),
    }
    files["m.pt"] = torch_zip(tmp / "v.pt", STATE_DICT, storages={"0": 16}).read_bytes()
    return files


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return _valid_files(tmp_path_factory.mktemp("valid"))


@pytest.mark.parametrize("name", ["m.safetensors", "m.onnx", "m.keras", "m.pt"])
def test_damaged_files_fail_clearly(name: str, valid_files: dict[str, bytes],
                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    raw = valid_files[name]
    where = tmp_path_factory.mktemp("damaged") / name

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_damaged_variants(raw))
    def check(data: bytes) -> None:
        _check_damaged(where, data)

    check()


@pytest.mark.parametrize("name", ["m.pt", "m.keras"])
def test_an_entry_flagged_encrypted_is_refused(name: str, valid_files: dict[str, bytes], tmp_path: Path) -> None:
    # bit 0 of the general-purpose flags (local header +6, central directory +8) means "encrypted": zipfile
    # would ask for a password with a RuntimeError; found by the damaged-file fuzzing above
    raw = bytearray(valid_files[name])
    local, central = raw.index(b"PK\x03\x04"), raw.index(b"PK\x01\x02")
    raw[local + 6] |= 1
    raw[central + 8] |= 1
    path = tmp_path / name
    path.write_bytes(bytes(raw))
    with pytest.raises(RnnParamsError, match="marked encrypted") as err:
        rnnparams.inspect(path)
    assert str(path) in str(err.value)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300), st.sampled_from(["x.pt", "x.safetensors", "x.onnx", "x.keras", "x.bin"]))
def test_random_bytes_fail_clearly(tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str) -> None:
    _check_damaged(tmp_path_factory.mktemp("random", numbered=True) / name, data)


@pytest.mark.parametrize("opcode", [b"\x8b", b"T"], ids=["LONG4", "BINSTRING"])
def test_a_negative_length_in_data_pkl_is_a_clear_error(tmp_path: Path, opcode: bytes) -> None:
    """LONG4 and BINSTRING take a signed 4-byte length: a negative one walked the opcode scan backwards, past the
    start of data.pkl (an IndexError traceback; CI's hypothesis draw of the damaged-pickle test)."""
    path = torch_zip(tmp_path / "m.pt", b"\x80\x02" + opcode + b"\x00\x00\x00\x80" + STATE_DICT[2:],
                     storages={"0": 16})
    with pytest.raises(RnnParamsError) as info:
        rnnparams.inspect(path)
    assert str(path) in str(info.value)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_damaged_pickles_inside_a_valid_zip(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    """The zip's CRC catches most damage; here data.pkl itself is damaged and re-zipped with a good CRC, so
    the restricted unpickler meets every kind of broken opcode stream."""
    damaged = data.draw(_damaged_variants(STATE_DICT))
    path = torch_zip(tmp_path_factory.mktemp("pkl", numbered=True) / "m.pt", damaged, storages={"0": 16})
    _check_damaged(path, path.read_bytes())

