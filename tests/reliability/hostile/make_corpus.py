"""Write the hostile-file corpus (issue 21): checkpoints built to run code, read other files, or exhaust time or
memory. Each payload that would run code writes the marker file `RNNPARAMS_EXECUTED` in the working directory
(tests/reliability/test_hostile_files.py reads every file from an empty directory and checks no marker appears).

    python tests/reliability/hostile/make_corpus.py     # rewrites tests/reliability/hostile/files/

Pickles are written opcode by opcode (pickletools' names), so nothing here needs torch; the .h5 and .onnx files
need h5py and onnx (the test extra). Every file is small: the zip bomb's entry declares 300 MiB and compresses
to about 300 KB."""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).parent / "files"
MARKER = "RNNPARAMS_EXECUTED"


# --- pickles ---------------------------------------------------------------------------------------------------

def _str(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data  # BINUNICODE


def _global(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"  # GLOBAL


def _stack_global(module: str, name: str) -> bytes:
    return _str(module) + _str(name) + b"\x93"  # STACK_GLOBAL


def _call(func: bytes, *args: bytes) -> bytes:
    return func + b"(" + b"".join(args) + b"tR"  # MARK args TUPLE REDUCE


P = b"\x80\x02"  # PROTO 2
STOP = b"."
TOUCH = f"touch {MARKER}"
WRITE = f"open({MARKER!r}, 'w').write('x')"


def _storage(key: str, numel: int, kind: str = "FloatStorage") -> bytes:
    """A torch.save storage reference: BINPERSID of ('storage', torch.FloatStorage, key, 'cpu', numel)."""
    return b"(" + _str("storage") + _global("torch", kind) + _str(key) + _str("cpu") + b"J" + struct.pack(
        "<i", numel) + b"tQ"


def _rebuild(offset: int, size: tuple[int, ...], stride: tuple[int, ...], numel: int = 4) -> bytes:
    ints = lambda xs: b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", x) for x in xs) + b"t"  # noqa: E731
    return (_global("torch._utils", "_rebuild_tensor_v2") + b"(" + _storage("0", numel) + b"\x8a\x08"
            + struct.pack("<q", offset) + ints(size) + ints(stride) + b"\x89" + _global("collections", "OrderedDict")
            + b")RtR")


PICKLES: dict[str, bytes] = {
    "global_os_system": P + _call(_global("os", "system"), _str(TOUCH)) + STOP,
    "global_posix_system": P + _call(_global("posix", "system"), _str(TOUCH)) + STOP,
    "stack_global_os_system": b"\x80\x04" + _call(_stack_global("os", "system"), _str(TOUCH)) + STOP,
    "builtins_eval": P + _call(_global("builtins", "eval"), _str(WRITE)) + STOP,
    "builtins_exec": P + _call(_stack_global("builtins", "exec"), _str(WRITE)) + STOP,
    "builtins_getattr": P + _call(_global("builtins", "getattr"), _global("os", "system"), _str("x")) + STOP,
    "subprocess_call": P + _call(_global("subprocess", "call"), _str(TOUCH)) + STOP,
    "subprocess_popen": P + _call(_global("subprocess", "Popen"), _str(TOUCH)) + STOP,
    "importlib_import": P + _call(_global("importlib", "import_module"), _str("os")) + STOP,
    "dunder_import": P + _call(_global("builtins", "__import__"), _str("os")) + STOP,
    "torch_load_nested": P + _call(_global("torch", "load"), _str("/etc/passwd")) + STOP,
    "numpy_reconstruct": P + _call(_global("numpy.core.multiarray", "_reconstruct"), _str("x")) + STOP,
    # INST and OBJ build an instance of a named class, calling it: the class lookup must refuse first
    "inst_os_system": P + b"(" + _str(TOUCH) + b"ios\nsystem\n" + STOP,
    "obj_os_system": P + b"(" + _global("os", "system") + _str(TOUCH) + b"o" + STOP,
    "newobj_subprocess": P + _global("subprocess", "Popen") + b"(" + _str(TOUCH) + b"t\x81" + STOP,
    # BUILD on an allowed module placeholder whose state names __setstate__ or __reduce__: plain data, never run
    "build_setstate": P + _global("torch.nn.modules.linear", "Linear") + b")\x81}" + _str("__setstate__")
    + _global("os", "system") + b"sb" + STOP,
    "build_dict_dunder": P + _global("torch.nn.modules.linear", "Linear") + b")\x81}" + _str("__class__")
    + _str("x") + b"sb" + STOP,
    # REDUCE of an allowed function with arguments it does not take
    "reduce_rebuild_bad_args": P + _call(_global("torch._utils", "_rebuild_tensor_v2"), _str("x")) + STOP,
    "reduce_ordereddict_args": P + _call(_global("collections", "OrderedDict"), _str("x"), _str("y")) + STOP,
    # persistent ids that are not storages, or storages with bogus sizes and types
    "persid_not_tuple": P + _str("storage") + b"Q" + STOP,
    "persid_os_system": P + b"(" + _str("storage") + _global("os", "system") + _str("0") + _str("cpu")
    + b"K\x04tQ" + STOP,
    "persid_negative_numel": P + b"(" + _str("storage") + _global("torch", "FloatStorage") + _str("0") + _str("cpu")
    + b"J\xff\xff\xff\xfftQ" + STOP,
    "persid_long_key": P + b"(" + _str("storage") + _global("torch", "FloatStorage") + _str("k" * 10_000)
    + _str("cpu") + b"K\x04tQ" + STOP,
    "persload_pid": P + b"(" + _str("storage") + b"K\x01K\x02K\x03K\x04tQ" + STOP,
    # memo tricks: a GET of a slot never PUT, a huge index, a cycle through the memo
    "memo_missing": P + b"h\x07" + STOP,
    "memo_huge_index": P + b"j\xff\xff\xff\xff" + STOP,
    "memo_huge_put": P + b"]r\xff\xff\xff\x7f" + STOP,  # the C unpickler would allocate up to the slot
    "memo_cycle": P + b"]q\x00h\x00a" * 1 + STOP,
    "memo_dup_bomb": P + b"]" + b"q\x00" + b"(h\x00h\x00h\x00h\x00h\x00h\x00h\x00h\x00l" * 30 + STOP,
    # tensor rebuilds with storages, offsets, sizes and strides no tensor has
    "rebuild_negative_offset": P + _rebuild(-1, (2,), (1,)) + STOP,
    "rebuild_huge_size": P + _rebuild(0, (1 << 62, 1 << 62), (1, 1)) + STOP,
    "rebuild_past_storage": P + _rebuild(3, (4,), (1,)) + STOP,
    "rebuild_negative_stride": P + _rebuild(0, (4,), (-1,)) + STOP,
    "rebuild_many_dims": P + _rebuild(0, (1,) * 100, (1,) * 100) + STOP,
    # damaged streams
    "truncated": P + b"(" + _str("abc"),
    "deep_lists": P + b"(" * 50_000 + STOP,
    "deep_nesting_built": P + b"]" * 100_000 + b"a" * 99_999 + STOP,
}


def torch_zip(data_pkl: bytes, extra: dict[str, bytes] | None = None, prefix: str = "archive/") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(prefix + "data.pkl", data_pkl)
        zf.writestr(prefix + "byteorder", "little")
        zf.writestr(prefix + "version", "3\n")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


LAMBDA_CODE = "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTAKkBTqkAqQHaAXhyAgAAAHICAAAA+gFmAQAAAHMCAAAAAAE="
"""A marshalled code object, as Keras writes a Lambda's function: a reader must never unmarshal it."""


def zips() -> dict[str, bytes]:
    out = {f"pickle_{name}.pt": torch_zip(data, {"archive/data/0": b"\0" * 16}) for name, data in PICKLES.items()}
    bomb = io.BytesIO()  # a data.pkl of 300 MiB of zeros: declared by the entry, compressed to ~300 KB
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("archive/data.pkl", b"\0" * (300 << 20))
        zf.writestr("archive/version", "3\n")
    out["zip_bomb_declared.pt"] = bomb.getvalue()
    small = io.BytesIO()  # 4 MiB of zeros, at the byte limit: read, then refused as a pickle
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("archive/data.pkl", b"\0" * (4 << 20))
    out["zip_bomb_under_limit.pt"] = small.getvalue()
    # two bytes of pickle, one 64-byte list: 2 million lists pass the opcode scan and stop at the objects walked;
    # 4 million (8 MiB, the campaign's 20 s and 1 GiB) are refused by the scan before anything is unpickled
    for name, pairs in (("under", (2 << 20) - 8), ("over", 4 << 20)):
        bomb_zip = io.BytesIO()
        with zipfile.ZipFile(bomb_zip, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            zf.writestr("archive/data.pkl", P + b"]" + b"]a" * pairs + STOP)
            zf.writestr("archive/version", "3\n")
        out[f"zip_list_bomb_{name}_limit.pt"] = bomb_zip.getvalue()
    out["zip_slip_parent.pt"] = torch_zip(P + b"}" + STOP, {"../../" + MARKER: b"x"}, prefix="../")
    out["zip_slip_absolute.pt"] = torch_zip(P + b"}" + STOP, {"/tmp/" + MARKER: b"x"}, prefix="/")
    out["zip_slip_nested.pt"] = torch_zip(P + b"}" + STOP, {"archive/data/../../../" + MARKER: b"x"})
    out["zip_many_entries.pt"] = _many_entries(2_000)
    out["zip_torchscript.pt"] = torch_zip(P + b"}" + STOP, {"archive/constants.pkl": P + b"}" + STOP})
    keras = io.BytesIO()
    lambda_config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 5, 3], "name": "in"}},
        {"class_name": "Lambda", "config": {"name": "evil", "function": {
            "class_name": "__lambda__", "config": {"code": LAMBDA_CODE, "defaults": None, "closure": None}}}},
        {"class_name": "my_package>EvilLayer", "config": {"name": "custom", "units": 4}},
        {"class_name": "LSTM", "module": "os", "registered_name": "system", "config": {"name": "lstm", "units": 4}},
    ]}}
    with zipfile.ZipFile(keras, "w") as zf:
        zf.writestr("config.json", json.dumps(lambda_config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        zf.writestr("model.weights.h5", b"")
    out["keras_lambda_custom.keras"] = keras.getvalue()
    return out


def _many_entries(n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", P + b"}" + STOP)
        for i in range(n):
            zf.writestr(f"archive/data/{i}", b"")
    return buf.getvalue()


# --- safetensors -----------------------------------------------------------------------------------------------

def safetensors() -> dict[str, bytes]:
    def file(header: object, data: bytes = b"", length: int | None = None) -> bytes:
        raw = header if isinstance(header, bytes) else json.dumps(header).encode()
        return struct.pack("<Q", len(raw) if length is None else length) + raw + data

    t = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    return {
        "st_header_2_63.safetensors": file({"a": t}, b"\0" * 8, length=1 << 63),
        "st_header_2_64_minus_1.safetensors": file({"a": t}, b"\0" * 8, length=(1 << 64) - 1),
        "st_overlap.safetensors": file({"a": t, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}},
                                       b"\0" * 12),
        "st_offsets_past_end.safetensors": file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1 << 62]}},
                                                b"\0" * 8),
        "st_negative_offsets.safetensors": file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}),
        "st_huge_shape.safetensors": file({"a": {"dtype": "F32", "shape": [1 << 62, 1 << 62],
                                                 "data_offsets": [0, 8]}}, b"\0" * 8),
        "st_deep_header.safetensors": file(b"{" + b'"a":[' * 5000 + b"]" * 5000 + b"}"),
        "st_metadata_not_strings.safetensors": file({"__metadata__": {"a": {"b": 1}}, "a": t}, b"\0" * 8),
    }


# --- h5 and onnx -----------------------------------------------------------------------------------------------

def h5_files(out: Path) -> None:
    import h5py

    target = out / "h5_link_target.h5"  # a file next to the one given: its dataset must not be read or listed
    with h5py.File(target, "w") as f:
        f.create_dataset("secret/kernel", data=[[1.0, 2.0]])
    with h5py.File(out / "h5_external_link.h5", "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [b"dense"]
        dense = weights.create_group("dense")
        dense.attrs["weight_names"] = [b"dense/kernel:0"]
        dense["dense"] = h5py.ExternalLink(target.name, "/secret")
        f["passwd"] = h5py.ExternalLink("/etc/passwd", "/")
        f["soft_loop"] = h5py.SoftLink("/soft_loop")


def onnx_files(out: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    def save(name: str, initializers: list[onnx.TensorProto]) -> None:
        graph = helper.make_graph([], "g", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                                  initializer=initializers)
        (out / name).write_bytes(helper.make_model(graph).SerializeToString())

    huge = onnx.TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[1 << 62, 1 << 62])
    negative = onnx.TensorProto(name="negative", data_type=TensorProto.FLOAT, dims=[-5, 3])
    save("onnx_huge_dims.onnx", [huge, negative])
    external = []
    for k, location in enumerate(["../../../etc/passwd", "/etc/shadow", MARKER, "h5_link_target.h5"]):
        t = onnx.TensorProto(name=f"ext{k}", data_type=TensorProto.FLOAT, dims=[4])
        t.data_location = TensorProto.EXTERNAL
        t.external_data.add(key="location", value=location)
        t.external_data.add(key="length", value=str(1 << 40))
        external.append(t)
    save("onnx_external_data.onnx", external)


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, data in {**zips(), **safetensors()}.items():
        (OUT / name).write_bytes(data)
    h5_files(OUT)
    onnx_files(OUT)
    files = sorted(OUT.iterdir())
    print(f"{len(files)} files, {sum(f.stat().st_size for f in files):,} bytes in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
