"""ONNX models, read from the protobuf wire format directly: no `onnx` package, and no tensor data read.

An ONNX file is a `ModelProto`; its `graph` (field 7) holds `node`s (field 1) and `initializer`s (field 5,
`TensorProto`: dims, data_type, name, and the data in raw_data or a typed field). This reader walks those
messages with a small streaming decoder that reads the few metadata fields and *seeks past* every data
field, so a multi-gigabyte model costs a few reads. Each node that takes an initializer becomes a
`DeclaredLayer` (op type, attributes, inputs, outputs), which is how RNN/LSTM/GRU and Gemm weights are
recognised later.
"""

from __future__ import annotations

import struct

from .model import Checkpoint, CheckpointError, CheckpointTensor, DeclaredLayer, check_shape, short, tensor_bytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

# TensorProto.DataType -> our dtype names
DATA_TYPES = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool",
    10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
    17: "float8_e4m3fn", 18: "float8_e4m3fnuz", 19: "float8_e5m2", 20: "float8_e5m2fnuz", 21: "uint4", 22: "int4",
    23: "float4_e2m1fn", 24: "float8_e8m0fnu", 25: "uint2", 26: "int2",
}
MAX_STRING = 1 << 20
MAX_ITEMS = 10_000_000
_DATA_FIELDS = (4, 5, 6, 7, 9, 10, 11)  # float_data, int32_data, string_data, int64_data, raw_data, double, uint64


class _Stream:
    """Protobuf wire-format reading over a seekable file: varints and short strings are read through a small
    buffer; long fields are skipped with a seek. Every read is checked against the end of its message."""

    def __init__(self, fh: BinaryIO, size: int, path: str) -> None:
        self.fh = fh
        self.size = size
        self.path = path
        self.buf = b""
        self.buf_start = 0
        self.pos = 0
        self.items = 0

    def fail(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.path}: not a valid ONNX model ({what} at byte {self.pos:,}); the file is "
                               "truncated, corrupted, or not ONNX")

    def _fill(self, n: int) -> None:
        offset = self.pos - self.buf_start
        if offset + n <= len(self.buf):
            return
        self.fh.seek(self.pos)
        self.buf = self.fh.read(max(n, 65536))
        self.buf_start = self.pos
        if len(self.buf) < n:
            raise self.fail("unexpected end of file")

    def byte(self) -> int:
        self._fill(1)
        b = self.buf[self.pos - self.buf_start]
        self.pos += 1
        return b

    def varint(self) -> int:
        result = 0
        for shift in range(0, 70, 7):
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
        raise self.fail("a varint longer than 10 bytes")

    def read(self, n: int) -> bytes:
        self._fill(n)
        start = self.pos - self.buf_start
        self.pos += n
        return self.buf[start:start + n]

    def skip(self, n: int, end: int) -> None:
        if self.pos + n > end:
            raise self.fail(f"a field of {n:,} bytes that runs past the end of its message")
        self.pos += n

    def fields(self, end: int) -> Any:
        """Yield (field number, wire type) until `end`; the caller reads or skips each value."""
        while self.pos < end:
            self.items += 1
            if self.items > MAX_ITEMS:
                raise self.fail(f"more than {MAX_ITEMS:,} protobuf fields")
            key = self.varint()
            field, wire = key >> 3, key & 7
            if field == 0 or wire not in (0, 1, 2, 5):
                raise self.fail(f"an invalid field key {key}")
            yield field, wire
        if self.pos != end:
            raise self.fail("a field that runs past the end of its message")

    def length(self, end: int) -> int:
        n = self.varint()
        if self.pos + n > end:
            raise self.fail(f"a field of {n:,} bytes that runs past the end of its message")
        return n

    def skip_value(self, wire: int, end: int) -> None:
        if wire == 0:
            self.varint()
        elif wire == 1:
            self.skip(8, end)
        elif wire == 5:
            self.skip(4, end)
        else:
            self.skip(self.length(end), end)

    def string(self, wire: int, end: int) -> str:
        if wire != 2:
            raise self.fail("a string field with a non-length wire type")
        n = self.length(end)
        if n > MAX_STRING:
            raise self.fail(f"a {n:,}-byte name")
        return self.read(n).decode("utf-8", "replace")

    def ints(self, wire: int, end: int) -> list[int]:
        """A repeated int64 field, packed or not (two's complement for negatives)."""
        if wire == 0:
            return [_signed(self.varint())]
        if wire != 2:
            raise self.fail("an integer field with a fixed-size wire type")
        stop = self.length(end) + self.pos
        out = []
        while self.pos < stop:
            out.append(_signed(self.varint()))
        if self.pos != stop:
            raise self.fail("a packed integer list that runs past its end")
        return out


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def read_onnx(path: str, size: int) -> Checkpoint:
    with open(path, "rb") as fh:
        s = _Stream(fh, size, path)
        meta: dict[str, str] = {}
        graph: tuple[list[CheckpointTensor], list[DeclaredLayer], int, list[str]] | None = None
        try:
            for field, wire in s.fields(size):
                if field == 7 and wire == 2:
                    n = s.length(size)
                    graph = _graph(s, s.pos + n)
                elif field in (2, 3, 4) and wire == 2:
                    meta[{2: "producer_name", 3: "producer_version", 4: "domain"}[field]] = s.string(wire, size)
                elif field == 1 and wire == 0:
                    meta["ir_version"] = str(s.varint())
                else:
                    s.skip_value(wire, size)
        except UnicodeDecodeError:
            raise s.fail("a string that is not UTF-8") from None
    if graph is None:
        raise CheckpointError(f"{path}: not an ONNX model: no graph found (an .onnx file is a protobuf ModelProto "
                              "with a graph); the file is truncated, corrupted, or not ONNX")
    tensors, nodes, stored, notes = graph
    from .onnx_layers import onnx_claims

    claims, more = onnx_claims(nodes, {t.name: t for t in tensors})
    return Checkpoint(path, "onnx", size, tuple(tensors), framework="onnx", metadata=meta, stored_bytes=stored,
                      notes=tuple(notes + more), claims=tuple(claims),
                      spec_note="the spec is the PyTorch equivalent of the ONNX graph (same parameter counts: ONNX "
                                "LSTM/GRU/RNN keep two bias vectors, like PyTorch)")


def _graph(s: _Stream, end: int) -> tuple[list[CheckpointTensor], list[DeclaredLayer], int, list[str]]:
    tensors: list[CheckpointTensor] = []
    nodes: list[DeclaredLayer] = []
    stored = 0
    notes: list[str] = []
    external = 0
    for field, wire in s.fields(end):
        if field == 5 and wire == 2:
            stop = s.length(end) + s.pos
            tensor, data, is_external = _tensor(s, stop, len(tensors))
            tensors.append(tensor)
            stored += data
            external += is_external
        elif field == 1 and wire == 2:
            stop = s.length(end) + s.pos
            nodes.append(_node(s, stop, len(nodes)))
        elif field == 15 and wire == 2:
            notes.append("the graph has sparse initializers, which are not listed")
            s.skip_value(wire, end)
        else:
            s.skip_value(wire, end)
    if external:
        notes.append(f"{external:,} initializers keep their data in external files (not read); their shapes "
                     "come from this file")
    names = {t.name for t in tensors}
    layers = [n for n in nodes if any(i in names for i in n.config["inputs"])]
    layers = [DeclaredLayer(n.name, n.type, "onnx", n.config, tuple(i for i in n.config["inputs"] if i in names))
              for n in layers]
    return tensors, layers, stored, notes


def _tensor(s: _Stream, end: int, index: int) -> tuple[CheckpointTensor, int, int]:
    dims: list[int] = []
    dtype_code = 0
    name = f"initializer_{index}"
    data = 0
    external = 0
    for field, wire in s.fields(end):
        if field == 1:
            dims.extend(s.ints(wire, end))
            if len(dims) > 64:
                raise s.fail("a tensor with more than 64 dimensions")
        elif field == 2 and wire == 0:
            dtype_code = s.varint()
        elif field == 8 and wire == 2:
            name = s.string(wire, end)
        elif field in _DATA_FIELDS and wire == 2:
            n = s.length(end)
            data += n
            s.skip(n, end)
        elif field == 14 and wire == 0:
            external = int(s.varint() == 1)
        else:
            s.skip_value(wire, end)
    if dtype_code not in DATA_TYPES:
        raise s.fail(f"initializer {short(name)} has an unknown data type {dtype_code}")
    shape = check_shape(dims, f"initializer {short(name)}", s.path)
    dtype = DATA_TYPES[dtype_code]
    return CheckpointTensor(name, shape, dtype, tensor_bytes(shape, dtype)), data, external


def _node(s: _Stream, end: int, index: int) -> DeclaredLayer:
    inputs: list[str] = []
    outputs: list[str] = []
    name = ""
    op = ""
    attrs: dict[str, object] = {}
    for field, wire in s.fields(end):
        if field == 1:
            inputs.append(s.string(wire, end))
        elif field == 2:
            outputs.append(s.string(wire, end))
        elif field == 3:
            name = s.string(wire, end)
        elif field == 4:
            op = s.string(wire, end)
        elif field == 5 and wire == 2:
            stop = s.length(end) + s.pos
            key, value = _attribute(s, stop)
            if key:
                attrs[key] = value
        else:
            s.skip_value(wire, end)
    config = {"inputs": inputs, "outputs": outputs, **{k: v for k, v in attrs.items() if k not in ("inputs",
                                                                                                   "outputs")}}
    return DeclaredLayer(name or f"{op or 'node'}_{index}", op, "onnx", config)


def _attribute(s: _Stream, end: int) -> tuple[str, object]:
    name = ""
    value: object = None
    ints: list[int] = []
    floats: list[float] = []
    strings: list[str] = []
    for field, wire in s.fields(end):
        if field == 1:
            name = s.string(wire, end)
        elif field == 2 and wire == 5:
            (value,) = struct.unpack("<f", s.read(4))
        elif field == 3 and wire == 0:
            value = _signed(s.varint())
        elif field == 4 and wire == 2:
            value = s.string(wire, end)
        elif field == 8:
            ints.extend(s.ints(wire, end))
        elif field == 7 and wire == 5:
            floats.append(struct.unpack("<f", s.read(4))[0])
        elif field == 7 and wire == 2:
            n = s.length(end)
            if n % 4:
                raise s.fail("a packed float list whose length is not a multiple of 4")
            if n > MAX_STRING:
                s.skip(n, end)
            else:
                floats.extend(struct.unpack(f"<{n // 4}f", s.read(n)))
        elif field == 9 and wire == 2:
            strings.append(s.string(wire, end))
        else:
            s.skip_value(wire, end)
    if value is None:
        value = ints or floats or strings or None
    return name, value
