"""safetensors: an 8-byte little-endian header length, a JSON header, then the raw data (never read here).

The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data
that follows the header) and may hold a `__metadata__` map of strings. Everything is checked against the file
size before it is believed, so a damaged file gives a clear error and never a huge read.
"""

from __future__ import annotations

import json
import struct
from itertools import pairwise

from .model import Checkpoint, CheckpointError, CheckpointTensor, check_shape, numel, short

MAX_HEADER = 100_000_000  # the safetensors library's own limit
DTYPES = {
    "F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
    "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2", "F8_E8M0": "float8_e8m0fnu",
    "F6_E2M3": "float6_e2m3fn", "F6_E3M2": "float6_e3m2fn", "F4": "float4_e2m1fn",
    "C64": "complex64", "C128": "complex128",
    "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8",
    "U64": "uint64", "U32": "uint32", "U16": "uint16", "U8": "uint8", "BOOL": "bool",
}
BITS = {"F64": 64, "F32": 32, "F16": 16, "BF16": 16, "F8_E4M3": 8, "F8_E5M2": 8, "F8_E8M0": 8, "F6_E2M3": 6,
        "F6_E3M2": 6, "F4": 4, "C64": 64, "C128": 128, "I64": 64, "I32": 32, "I16": 16, "I8": 8, "U64": 64,
        "U32": 32, "U16": 16, "U8": 8, "BOOL": 8}


def read_safetensors(path: str, size: int) -> Checkpoint:
    header = _read_header(path, size)
    data_size = size - 8 - len(header)
    try:
        doc = json.loads(header)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{path}: the safetensors header is not valid JSON ({exc}); the file is corrupted"
                              ) from None
    if not isinstance(doc, dict):
        raise CheckpointError(f"{path}: the safetensors header must be a JSON object of tensors "
                              f"(got {type(doc).__name__})")
    metadata = doc.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(f"{path}: __metadata__ must map names to strings (got {short(metadata)})")
    tensors = []
    spans = []
    for name, entry in doc.items():
        tensor, span = _tensor(path, name, entry, data_size)
        tensors.append(tensor)
        if span[1] > span[0]:
            spans.append((*span, name))
    spans.sort()
    for (_, end, first), (begin, _, second) in pairwise(spans):
        if begin < end:
            raise CheckpointError(f"{path}: tensors {first!r} and {second!r} overlap in the data section; the "
                                  "header is corrupted")
    stored = sum(end - begin for begin, end, _ in spans)
    notes: tuple[str, ...] = ()
    if spans and spans[-1][1] < data_size:
        notes = (f"{data_size - spans[-1][1]:,} bytes after the last tensor's data are not indexed by the header",)
    return Checkpoint(path, "safetensors", size, tuple(tensors), framework=None, names_like="pytorch",
                      metadata={str(k): v for k, v in metadata.items()}, stored_bytes=stored, notes=notes)


def _read_header(path: str, size: int) -> bytes:
    if size < 8:
        raise CheckpointError(f"{path}: too short for safetensors ({size} bytes; the header length alone takes 8)")
    with open(path, "rb") as fh:
        (length,) = struct.unpack("<Q", fh.read(8))
        if length > MAX_HEADER:
            raise CheckpointError(f"{path}: declares a {length:,}-byte safetensors header (at most {MAX_HEADER:,}"
                                  "); the file is corrupted or not safetensors")
        if length > size - 8:
            raise CheckpointError(f"{path}: declares a {length:,}-byte safetensors header but only {size - 8:,} "
                                  "bytes follow; the file is truncated")
        header = fh.read(length)
    if len(header) != length:
        raise CheckpointError(f"{path}: the safetensors header was cut short; the file is truncated")
    if not header.lstrip(b" ").startswith(b"{"):
        raise CheckpointError(f"{path}: the safetensors header does not start with '{{'; the file is corrupted "
                              "or not safetensors")
    return header


def _tensor(path: str, name: str, entry: object, data_size: int) -> tuple[CheckpointTensor, tuple[int, int]]:
    where = f"tensor {short(name)}"
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        raise CheckpointError(f"{path}: {where}: each header entry needs dtype, shape and data_offsets "
                              f"(got {short(entry)})")
    dtype = entry["dtype"]
    if dtype not in DTYPES:
        raise CheckpointError(f"{path}: {where}: unknown dtype {short(dtype)}; safetensors dtypes are "
                              f"{', '.join(DTYPES)}")
    shape = check_shape(entry["shape"], where, path)
    offsets = entry["data_offsets"]
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
        raise CheckpointError(f"{path}: {where}: data_offsets must be [begin, end] (got {short(offsets)})")
    begin, end = offsets
    if not 0 <= begin <= end:
        raise CheckpointError(f"{path}: {where}: data_offsets {offsets} are not an ascending pair of offsets")
    if end > data_size:
        raise CheckpointError(f"{path}: {where}: its data ends at byte {end:,} of the data section, which holds "
                              f"only {data_size:,} bytes; the file is truncated")
    bits = numel(shape) * BITS[dtype]
    if bits != (end - begin) * 8:
        raise CheckpointError(f"{path}: {where}: shape {list(shape)} of {dtype} takes {(bits + 7) // 8:,} bytes, "
                              f"but data_offsets span {end - begin:,}; the header is corrupted")
    return CheckpointTensor(name, shape, DTYPES[dtype], end - begin), (begin, end)
