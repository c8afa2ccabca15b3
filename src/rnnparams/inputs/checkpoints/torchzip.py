"""`torch.save` files (the zip format, PyTorch >= 1.6), read without torch and without running the pickle.

The archive holds `<name>/data.pkl` (the pickled object, with each tensor's storage as a persistent id
`('storage', storage type, key, location, numel)`), `<name>/data/<key>` (the raw storages, never read here),
and small `byteorder` / `version` entries. `data.pkl` goes through `RestrictedUnpickler`: the only globals it
resolves are the handful `torch.save` itself writes (tensor rebuild functions, storage and dtype names,
`collections.OrderedDict`, `set`), each mapped to an inert stand-in of our own that records metadata (storage
key, dtype, shape, strides), plus `torch.nn.modules.*` classes *by name* (a whole pickled `nn.Module`),
rebuilt as placeholders that only keep their `_parameters` / `_buffers` / `_modules` state. Nothing is ever
imported or called; every other global (`os.system`, `builtins.eval`, a user's own class...) is refused
with an error naming it, before anything of it runs.
"""

from __future__ import annotations

import gc
import io
import pickle
import re
from collections import OrderedDict
from collections.abc import Callable, Mapping

from .model import (
    DTYPE_BITS,
    MAX_DIM,
    Checkpoint,
    CheckpointError,
    CheckpointTensor,
    DeclaredLayer,
    check_shape,
    numel,
    short,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import zipfile
    from typing import Any

MAX_ENTRIES = 1_000_000
MAX_PICKLE_BYTES = 64 << 20
"""Bytes of data.pkl read. A torch.save pickle holds the object graph, not the tensors' data: 100 bytes a tensor
of a state_dict, 200 of a whole pickled model, so 64 MiB is some 300,000 tensors. What the pickle may build is
bounded before it is unpickled (unpickling is C code that cannot be stopped midway) by `scan_pickle`: its
opcodes, the objects they make and the memo slots they ask for."""
MAX_PICKLE_OPS = 12_000_000
"""Opcodes of data.pkl scanned, and so run: a whole pickled model takes about 90 a tensor (100,000 tensors: 8.7
million). Bounds the time of the scan and of unpickling, and the references a pickle can pile into containers
(a two-byte memo get each)."""
MAX_PICKLE_OBJECTS = 3_000_000
"""Objects data.pkl's opcodes make (containers, strings, numbers, calls; not None, booleans, small integers or
the empty tuple, which are shared): about 20 a tensor of a whole pickled model. Bounds memory: two bytes of
pickle make a 64-byte list, and 3,000,000 of them take some 200 MiB (an 8 MiB pickle of 4 million empty lists
took 20 s and 1 GiB before any bound). Also the largest memo slot a PUT may name (the C unpickler allocates up
to the slot)."""
MAX_DEPTH = 200
MAX_OBJECTS = 1_000_000
"""Objects of the unpickled graph walked (a container's length is checked before its items are named)."""

STORAGE_DTYPES = {
    "DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool", "ComplexDoubleStorage": "complex128",
    "ComplexFloatStorage": "complex64", "QInt8Storage": "qint8", "QUInt8Storage": "quint8",
    "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
}
TORCH_DTYPES = frozenset(d for d in DTYPE_BITS if d not in ("string", "float4_e2m1fn", "float6_e2m3fn",
                                                             "float6_e3m2fn", "int4", "int2", "uint4", "uint2"))
ALLOWED_SUMMARY = ("torch._utils._rebuild_tensor_v2/_v3, torch._utils._rebuild_parameter, torch storage and dtype "
                   "names, collections.OrderedDict, builtins.set, and torch.nn.modules classes (by name only)")


class UnsafePickleError(CheckpointError):
    """The pickle asks for a global outside the allowlist: loading it could run code."""


def legacy_error(path: str, head: bytes) -> CheckpointError:
    if head[:1] == b"\x80":
        return CheckpointError(
            f"{path}: a plain pickle, not the zip format torch.save writes since PyTorch 1.6 (a legacy torch.save "
            "file, or pickle.dump). rnnparams reads only the zip format, whose tensors it can list without "
            "unpickling their data. Re-save it with a PyTorch you trust: torch.save(torch.load(old, "
            "weights_only=True), new), or save it as .safetensors")
    return CheckpointError(f"{path}: not a torch.save file: it does not start with the zip signature (PK), and "
                           "torch.save writes a zip archive; the file is corrupted or in another format")


# ---- inert stand-ins for what torch.save pickles -----------------------------------------------------------

class _Inert:
    """Set once in __init__, never after: a pickle's BUILD opcode may call setattr on any object it holds."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def _init(self, **values: object) -> None:
        for key, value in values.items():
            object.__setattr__(self, key, value)


class _StorageType(_Inert):
    __slots__ = ("dtype", "name")
    dtype: str | None  # None: an UntypedStorage (bytes); the tensor then names its dtype
    name: str

    def __init__(self, name: str, dtype: str | None) -> None:
        self._init(name=name, dtype=dtype)


class _Dtype(_Inert):
    __slots__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        self._init(name=name)


class _Storage(_Inert):
    __slots__ = ("dtype", "key", "nbytes", "numel")
    key: str
    dtype: str | None
    numel: int
    nbytes: int

    def __init__(self, key: str, dtype: str | None, numel: int) -> None:
        nbytes = numel if dtype is None else (numel * DTYPE_BITS[dtype] + 7) // 8
        self._init(key=key, dtype=dtype, numel=numel, nbytes=nbytes)


class _Tensor(_Inert):
    __slots__ = ("dtype", "offset", "parameter", "shape", "storage", "stride")
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    dtype: str
    parameter: bool

    def __init__(self, storage: _Storage, offset: int, shape: tuple[int, ...], stride: tuple[int, ...],
                 dtype: str) -> None:
        self._init(storage=storage, offset=offset, shape=shape, stride=stride, dtype=dtype, parameter=False)


class _TensorType(_Inert):
    """torch.Tensor / torch.nn.Parameter named by `_rebuild_from_type_v2`: a name, nothing more."""

    __slots__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        self._init(name=name)


class ModulePlaceholder:
    """A pickled torch.nn module, known by its class name only; BUILD hands it its `__dict__` as state."""

    torch_class = "torch.nn.Module"

    def __init__(self, *args: object) -> None:  # only reached through REDUCE, which torch.save never writes
        self.state: object = None

    def __setstate__(self, state: object) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict state, slots state)
            state = state[0]
        self.state = state

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a placeholder is not picklable")


def _display(module: str, name: str) -> str:
    """The global as a reader knows it: pickle protocol 2 writes `__builtin__`, and os.system is posix.system."""
    module = "builtins" if module == "__builtin__" else module
    text = short(f"{module}.{name}", 120)
    if module in ("posix", "nt"):
        text += f" (os.{short(name, 60)})"
    return text


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_DIM:
        raise CheckpointError(f"{what} must be a whole number >= 0 (got {short(value)})")
    return value


def _shape(value: object, what: str) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)):
        raise CheckpointError(f"{what} must be a tuple of sizes (got {short(value)})")
    return check_shape(list(value), what, "data.pkl")


def _view(storage: object, offset: object, size: object, stride: object, dtype: str | None) -> _Tensor:
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor's storage must be a persistent storage reference (got {short(storage)})")
    dtype = dtype or storage.dtype
    if dtype is None:
        raise CheckpointError("a tensor on an untyped storage does not say its dtype")
    start = _int(offset, "storage_offset")
    shape = _shape(size, "tensor size")
    strides = _shape(stride, "tensor stride")
    if len(strides) != len(shape):
        raise CheckpointError(f"tensor size {list(shape)} and stride {list(strides)} have different lengths")
    if numel(shape):
        last = start + sum((d - 1) * s for d, s in zip(shape, strides, strict=True))
        capacity = storage.numel if storage.dtype is not None else storage.nbytes * 8 // max(DTYPE_BITS[dtype], 1)
        if last >= capacity:
            raise CheckpointError(f"a tensor of size {list(shape)} (offset {start}, stride {list(strides)}) reaches "
                                  f"past the end of its storage {storage.key!r} ({capacity:,} elements)")
    return _Tensor(storage, start, shape, strides, dtype)


def _rebuild_tensor_v2(storage: object, storage_offset: object, size: object, stride: object,
                       requires_grad: object = False, backward_hooks: object = None,
                       metadata: object = None) -> _Tensor:
    return _view(storage, storage_offset, size, stride, None)


def _rebuild_tensor_v3(storage: object, storage_offset: object, size: object, stride: object,
                       requires_grad: object, backward_hooks: object, dtype: object,
                       metadata: object = None) -> _Tensor:
    if not isinstance(dtype, _Dtype):
        raise CheckpointError(f"_rebuild_tensor_v3 needs a torch dtype (got {short(dtype)})")
    return _view(storage, storage_offset, size, stride, dtype.name)


def _rebuild_parameter(data: object, requires_grad: object = True, backward_hooks: object = None,
                       state: object = None) -> _Tensor:
    if not isinstance(data, _Tensor):
        raise CheckpointError(f"a parameter must wrap a tensor (got {short(data)})")
    object.__setattr__(data, "parameter", True)
    return data


_REBUILDERS = (_rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter)


def _rebuild_from_type_v2(func: object, new_type: object, args: object, state: object) -> _Tensor:
    """A tensor with Python attributes or of a subclass: rebuild it plainly (only our own rebuilders run)."""
    if func not in _REBUILDERS or not isinstance(new_type, _TensorType) or not isinstance(args, tuple):
        raise CheckpointError(f"_rebuild_from_type_v2 with an unexpected function or type ({short(func)}, "
                              f"{short(new_type)})")
    result = func(*args)
    assert isinstance(result, _Tensor)
    return result


_FUNCTIONS: Mapping[tuple[str, str], object] = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("collections", "OrderedDict"): OrderedDict,
    ("builtins", "set"): set, ("__builtin__", "set"): set,
    ("builtins", "frozenset"): frozenset, ("__builtin__", "frozenset"): frozenset,
    ("torch", "Size"): tuple,
    ("torch", "Tensor"): _TensorType("torch.Tensor"),
    ("torch._tensor", "Tensor"): _TensorType("torch.Tensor"),
    ("torch.nn.parameter", "Parameter"): _TensorType("torch.nn.Parameter"),
}


class RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds tensor metadata from `data.pkl`; refuses every global outside a short allowlist."""

    def __init__(self, data: bytes, path: str) -> None:
        super().__init__(io.BytesIO(data))
        self.path = path
        self.storages: dict[str, _Storage] = {}
        self.placeholders: dict[tuple[str, str], type[ModulePlaceholder]] = {}

    def find_class(self, module: str, name: str) -> Any:
        fn = _FUNCTIONS.get((module, name))
        if fn is not None:
            return fn
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name, STORAGE_DTYPES[name])
        if module in ("torch", "torch.storage") and name in ("UntypedStorage", "ByteStorage"):
            return _StorageType(name, None if name == "UntypedStorage" else "uint8")
        if module == "torch" and name in TORCH_DTYPES:
            return _Dtype(name)
        if module.startswith("torch.nn.modules.") and name.isidentifier() and all(
                part.isidentifier() for part in module.split(".")):
            return self._placeholder(module, name)
        raise UnsafePickleError(
            f"{self.path}: refusing to load the global {_display(module, name)} that data.pkl asks for: "
            f"loading it could run code. rnnparams rebuilds only tensor metadata ({ALLOWED_SUMMARY}); nothing "
            "was loaded or run. If the file is yours, save the weights alone: torch.save(model.state_dict(), "
            "path) or safetensors")

    def _placeholder(self, module: str, name: str) -> type[ModulePlaceholder]:
        key = (module, name)
        if key not in self.placeholders:
            self.placeholders[key] = type(name, (ModulePlaceholder,), {"torch_class": f"{module}.{name}"})
        return self.placeholders[key]

    def persistent_load(self, pid: object) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise CheckpointError(f"{self.path}: data.pkl has an unknown persistent id {short(pid)}; torch.save "
                                  "writes ('storage', type, key, location, numel)")
        _, kind, key, location, count = pid
        if not isinstance(kind, _StorageType):
            raise CheckpointError(f"{self.path}: a storage reference names {short(kind)} as its type")
        if not isinstance(key, str) or not 0 < len(key) <= 64 or not isinstance(location, str):
            raise CheckpointError(f"{self.path}: a storage reference has a bad key or location: {short(pid)}")
        count = _int(count, f"{self.path}: storage {key!r} size")
        storage = self.storages.get(key)
        if storage is None:
            storage = self.storages[key] = _Storage(key, kind.dtype, count)
        return storage


# Each opcode's argument, as pickletools describes it: a byte count, or how its end is found.
_LINE, _TWO_LINES, _LEN1, _LEN4, _LEN8 = -1, -2, -3, -4, -5
_ARGUMENT: dict[bytes, int] = {
    b"I": _LINE, b"J": 4, b"K": 1, b"M": 2, b"L": _LINE, b"\x8a": _LEN1, b"\x8b": _LEN4, b"S": _LINE,
    b"T": _LEN4, b"U": _LEN1, b"B": _LEN4, b"C": _LEN1, b"\x8e": _LEN8, b"\x96": _LEN8, b"\x97": 0,
    b"\x98": 0, b"N": 0, b"\x88": 0, b"\x89": 0, b"V": _LINE, b"\x8c": _LEN1, b"X": _LEN4, b"\x8d": _LEN8,
    b"F": _LINE, b"G": 8, b"]": 0, b"a": 0, b"e": 0, b"l": 0, b")": 0, b"t": 0, b"\x85": 0, b"\x86": 0,
    b"\x87": 0, b"}": 0, b"d": 0, b"s": 0, b"u": 0, b"\x8f": 0, b"\x90": 0, b"\x91": 0, b"0": 0, b"2": 0,
    b"(": 0, b"1": 0, b"g": _LINE, b"h": 1, b"j": 4, b"p": _LINE, b"q": 1, b"r": 4, b"\x94": 0, b"\x82": 1,
    b"\x83": 2, b"\x84": 4, b"c": _TWO_LINES, b"\x93": 0, b"R": 0, b"b": 0, b"i": _TWO_LINES, b"o": 0,
    b"\x81": 0, b"\x92": 0, b"\x80": 1, b".": 0, b"\x95": 8, b"P": _LINE, b"Q": 0,
}
_MAKES = frozenset(b"IJMLSTUBCVFXGl]td}cRioQP" b"\x8a\x8b\x8e\x96\x8c\x8d\x85\x86\x87\x8f\x91\x82\x83\x84\x93\x81\x92")
"""Opcodes that make a new object (BININT1's small integers, None, the booleans and () are shared)."""
_ARGS = [_ARGUMENT.get(bytes([code])) for code in range(256)]
_NEW = [int(code in _MAKES) for code in range(256)]


def scan_pickle(data: bytes, path: str) -> None:
    """Walk data.pkl's opcodes without running them, and refuse it, naming the limit, when it would run more
    than MAX_PICKLE_OPS opcodes, make more than MAX_PICKLE_OBJECTS objects, or PUT into a memo slot past
    that. Stops at STOP, at an opcode pickle does not have, or at truncated data: the unpickler then fails on
    it with its own error."""
    if len(data) <= MAX_PICKLE_OBJECTS:  # every opcode is a byte at least: only the memo slots need looking at
        _scan_memo_slots(data, path)
    else:
        _scan_opcodes(data, path)


def _scan_opcodes(data: bytes, path: str) -> None:
    """scan_pickle's walk, opcode by opcode, counting opcodes and the objects they make."""
    arg, new = _ARGS, _NEW
    i, end, ops, objects = 0, len(data), 0, 0
    while i < end:
        code = data[i]
        kind = arg[code]
        i += 1
        ops += 1
        objects += new[code]
        if kind is None or code == 0x2E:  # an unknown opcode, or STOP
            break
        i = i + kind if kind >= 0 and code != 0x72 else _past_argument(data, i, code, kind, path)
        if i < 0:
            break
        if ops > MAX_PICKLE_OPS or objects > MAX_PICKLE_OBJECTS:
            what = (f"runs more than {MAX_PICKLE_OPS:,} opcodes" if ops > MAX_PICKLE_OPS else
                    f"makes more than {MAX_PICKLE_OBJECTS:,} objects")
            raise CheckpointError(f"{path}: data.pkl {what}; refusing it")


def _past_argument(data: bytes, i: int, code: int, kind: int, path: str) -> int:
    """Where the argument of the opcode `code` (starting at i) ends, refusing a memo slot past
    MAX_PICKLE_OBJECTS; −1 where the data ends first or a length is negative (the unpickler's own error)."""
    if kind >= 0:
        if code == 0x72 and int.from_bytes(data[i:i + 4], "little") > MAX_PICKLE_OBJECTS:  # LONG_BINPUT
            raise CheckpointError(f"{path}: data.pkl stores into memo slot "
                                  f"{int.from_bytes(data[i:i + 4], 'little'):,} (at most "
                                  f"{MAX_PICKLE_OBJECTS:,}); refusing it")
        return i + kind
    if kind in (_LINE, _TWO_LINES):
        j = data.find(b"\n", i)
        if kind == _TWO_LINES and j >= 0:
            j = data.find(b"\n", j + 1)
        if j < 0:
            return -1
        if code == 0x70 and data[i:j].strip().isdigit() and int(data[i:j]) > MAX_PICKLE_OBJECTS:  # PUT
            raise CheckpointError(f"{path}: data.pkl stores into memo slot {int(data[i:j]):,} (at most "
                                  f"{MAX_PICKLE_OBJECTS:,}); refusing it")
        return j + 1
    width = 1 if kind == _LEN1 else 4 if kind == _LEN4 else 8
    length = int.from_bytes(data[i:i + width], "little", signed=kind == _LEN4 and code in (0x8B, 0x54))
    if length < 0:  # LONG4 or BINSTRING of a negative length: the unpickler refuses it itself
        return -1
    return i + width + length


def _runs_pattern() -> re.Pattern[bytes]:
    """Runs of opcodes that need no look: those without an argument or with one of a fixed size, LONG_BINPUT
    into a slot below MAX_PICKLE_OBJECTS, and strings of a one-byte length (or a four-byte one under 128) —
    built from _ARGUMENT, so the run's opcode boundaries are the walk's. Possessive: a run never backtracks."""
    def codes(which: Callable[[int, int | None], bool]) -> bytes:
        return b"[" + b"".join(re.escape(bytes([c])) for c in range(256) if which(c, _ARGS[c])) + b"]"

    top = (MAX_PICKLE_OBJECTS >> 16) - 1  # LONG_BINPUT's third byte at most this, its fourth 0: below the limit
    alternatives = [codes(lambda c, k: k == 0 and c != 0x2E)]
    alternatives += [codes(lambda c, k, n=n: k == n and c != 0x72) + b".{%d}" % n for n in (1, 2, 4, 8)]  # type: ignore[misc]
    alternatives.append(b"r..[\x00-" + re.escape(bytes([top])) + b"]\x00")
    alternatives.append(codes(lambda c, k: k == _LEN1) + b"(?:" + b"|".join(
        re.escape(bytes([n])) + b".{%d}" % n for n in range(256)) + b")")
    alternatives.append(codes(lambda c, k: k == _LEN4 and c not in (0x8B, 0x54)) + b"(?:" + b"|".join(
        re.escape(bytes([n])) + b"\x00\x00\x00.{%d}" % n for n in range(128)) + b")")
    return re.compile(b"(?:" + b"|".join(alternatives) + b")*+", re.DOTALL)


_RUNS: list[re.Pattern[bytes]] = []


def _scan_memo_slots(data: bytes, path: str) -> None:
    """The walk for a data.pkl too small to pass the opcode and object limits: runs of opcodes that need no look
    are skipped by one regular expression, the rest walked one by one."""
    if not _RUNS:
        _RUNS.append(_runs_pattern())
    run = _RUNS[0].match
    i, end = 0, len(data)
    while i < end:
        i = run(data, i).end()  # type: ignore[union-attr]  # a run may be empty: it always matches
        if i >= end:
            break
        code = data[i]
        kind = _ARGS[code]
        if kind is None or code == 0x2E:
            break
        i = _past_argument(data, i + 1, code, kind, path)
        if i < 0:
            break


def _without_collector(load: Callable[[], object]) -> object:
    """`load()` with the cyclic garbage collector paused: a pickle of millions of small objects otherwise pays
    for full collections that grow with the whole process's heap (2.5 s instead of 0.8 s in a large process)."""
    was = gc.isenabled()
    gc.disable()
    try:
        return load()
    finally:
        if was:
            gc.enable()


def read_torch_zip(path: str, size: int, zf: zipfile.ZipFile) -> Checkpoint:
    infos = {i.filename: i for i in zf.infolist()}
    pickles = [n for n in infos if n.endswith("data.pkl") and n.count("/") <= 1]
    if any(n.endswith("constants.pkl") for n in infos) or any("/code/" in n for n in infos):
        raise CheckpointError(f"{path}: a TorchScript archive (torch.jit.save), whose code rnnparams does not read; "
                              "save the weights with torch.save(model.state_dict(), path) instead")
    if len(pickles) != 1:
        found = ", ".join(sorted(infos)[:5]) + (", …" if len(infos) > 5 else "")
        raise CheckpointError(f"{path}: a zip archive, but not one written by torch.save (expected one "
                              f"<name>/data.pkl; found {len(pickles)} among: {found or 'no entries'})")
    prefix = pickles[0][: -len("data.pkl")]
    byteorder = _small_text(zf, infos.get(prefix + "byteorder"), path)
    if byteorder not in (None, "little", "big"):
        raise CheckpointError(f"{path}: byteorder is {short(byteorder)}; torch.save writes 'little' or 'big'")
    version = _small_text(zf, infos.get(prefix + "version"), path)
    data = _read_entry(zf, infos[pickles[0]], path)
    scan_pickle(data, path)
    unpickler = RestrictedUnpickler(data, path)
    try:
        root = _without_collector(unpickler.load)
    except CheckpointError as exc:  # raised by a stand-in, which does not know the file's name
        if exc.message.startswith(f"{path}: "):
            raise
        inner = exc.message.removeprefix("data.pkl: ")  # a stand-in may have said where already
        raise CheckpointError(f"{path}: data.pkl: {inner}") from None
    except RecursionError:
        raise CheckpointError(f"{path}: data.pkl is nested too deeply to read") from None
    except MemoryError:
        raise CheckpointError(f"{path}: data.pkl asks for more memory than is available; it is corrupted") from None
    except Exception as exc:  # a damaged pickle can fail in any of pickle's own ways
        raise CheckpointError(f"{path}: data.pkl is not a valid torch.save pickle ({type(exc).__name__}: "
                              f"{short(str(exc), 200)}); the file is truncated or corrupted") from None
    try:
        tensors, layers = _Collector(path).collect(root)
    except CheckpointError:
        raise
    except (TypeError, ValueError, AttributeError, RecursionError) as exc:  # an object graph torch never writes
        raise CheckpointError(f"{path}: data.pkl holds objects torch.save never writes ({type(exc).__name__}: "
                              f"{short(str(exc), 200)})") from None
    for storage in unpickler.storages.values():
        info = infos.get(f"{prefix}data/{storage.key}")
        if info is None:
            raise CheckpointError(f"{path}: data.pkl refers to storage {storage.key!r}, but the archive has no "
                                  f"{prefix}data/{storage.key}; the file is truncated or corrupted")
        if info.file_size != storage.nbytes:
            raise CheckpointError(f"{path}: storage {storage.key!r} should hold {storage.nbytes:,} bytes, but the "
                                  f"archive's entry holds {info.file_size:,}; the file is corrupted")
    meta = {"byteorder": byteorder or "little"}
    if version is not None:
        meta["version"] = version
    stored = sum(s.nbytes for s in unpickler.storages.values())
    return Checkpoint(path, "pytorch", size, tuple(tensors), framework="pytorch", layers=tuple(layers),
                      metadata=meta, stored_bytes=stored)


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    if info.file_size > MAX_PICKLE_BYTES:
        raise CheckpointError(f"{path}: {info.filename} declares {info.file_size:,} bytes (at most "
                              f"{MAX_PICKLE_BYTES:,} are read); the file is corrupted or not a checkpoint")
    with zf.open(info) as fh:
        data = fh.read(MAX_PICKLE_BYTES + 1)  # never more, whatever a compressed entry expands to
    if len(data) > MAX_PICKLE_BYTES:
        raise CheckpointError(f"{path}: {info.filename} expands past {MAX_PICKLE_BYTES:,} bytes; refusing it")
    return data


def _small_text(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, path: str) -> str | None:
    if info is None:
        return None
    if info.file_size > 64:
        raise CheckpointError(f"{path}: {info.filename} should be a few bytes, not {info.file_size:,}")
    with zf.open(info) as fh:
        raw = fh.read(65)
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise CheckpointError(f"{path}: {info.filename} is not text ({short(raw)})") from None


_SIMPLE = (int, float, bool, str, type(None))


class _Collector:
    """Walks the unpickled object: tensors get dotted paths (state_dict style); modules give DeclaredLayers."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tensors: list[CheckpointTensor] = []
        self.layers: list[DeclaredLayer] = []
        self.seen_views: dict[tuple[object, ...], str] = {}
        self.visited: set[int] = set()
        self.steps = 0

    def collect(self, root: object) -> tuple[list[CheckpointTensor], list[DeclaredLayer]]:
        stack: list[tuple[str, object, int]] = [("", root, 0)]
        while stack:
            prefix, obj, depth = stack.pop()
            self.steps += 1
            if self.steps > MAX_OBJECTS:
                raise CheckpointError(f"{self.path}: data.pkl holds more than {MAX_OBJECTS:,} objects; refusing it")
            if depth > MAX_DEPTH:
                raise CheckpointError(f"{self.path}: data.pkl is nested more than {MAX_DEPTH} levels deep")
            if isinstance(obj, _Tensor):
                self._tensor(prefix, obj, buffer=False)
                continue
            if isinstance(obj, _SIMPLE) or id(obj) in self.visited:
                continue
            self.visited.add(id(obj))
            children: list[tuple[str, object, int]] = []
            if isinstance(obj, ModulePlaceholder):
                children = self._module(prefix, obj, depth)
            elif isinstance(obj, (dict, list, tuple)):
                if self.steps + len(obj) > MAX_OBJECTS:  # before a name is made for each item
                    raise CheckpointError(f"{self.path}: data.pkl holds more than {MAX_OBJECTS:,} objects; "
                                          "refusing it")
                if isinstance(obj, dict):
                    children = [(_join(prefix, _key(k)), v, depth + 1) for k, v in obj.items()]
                else:
                    children = [(_join(prefix, str(i)), v, depth + 1) for i, v in enumerate(obj)]
            stack.extend(reversed(children))
        return self.tensors, self.layers

    def _tensor(self, name: str, t: _Tensor, *, buffer: bool) -> None:
        view = (t.storage.key, t.offset, t.shape, t.stride, t.dtype)
        alias = self.seen_views.get(view)
        if alias is None:
            self.seen_views[view] = name
        nbytes = (numel(t.shape) * DTYPE_BITS[t.dtype] + 7) // 8
        self.tensors.append(CheckpointTensor(name or "(root)", t.shape, t.dtype, nbytes, buffer, alias))

    def _module(self, prefix: str, module: ModulePlaceholder, depth: int) -> list[tuple[str, object, int]]:
        state = getattr(module, "state", None)  # no BUILD after NEWOBJ: a module without state
        state = state if isinstance(state, dict) else {}
        params = state.get("_parameters")
        buffers = state.get("_buffers")
        modules = state.get("_modules")
        own: list[str] = []
        for group, is_buffer in ((params, False), (buffers, True)):
            if not isinstance(group, dict):
                continue
            for key, value in group.items():
                if isinstance(value, _Tensor):
                    own.append(_join(prefix, _key(key)))
                    self._tensor(own[-1], value, buffer=is_buffer)
        config = {k: _plain(v) for k, v in state.items()
                  if isinstance(k, str) and not k.startswith("_") and k != "training" and _is_plain(v)}
        if not isinstance(config.get("bias"), bool):  # nn.Linear, Conv1d, LayerNorm keep it as a parameter only
            config["bias"] = any(n.rpartition(".")[2] == "bias" for n in own)
        cls = type(module).torch_class
        self.layers.append(DeclaredLayer(prefix, cls.rsplit(".", 1)[-1], "pytorch", config, tuple(own)))
        if not isinstance(modules, dict):
            return []
        return [(_join(prefix, _key(k)), v, depth + 1) for k, v in modules.items() if v is not None]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _key(key: object) -> str:
    return key if isinstance(key, str) else short(key, 40)


def _is_plain(value: object, depth: int = 0) -> bool:
    if isinstance(value, _SIMPLE):
        return not isinstance(value, str) or len(value) <= 200
    if isinstance(value, tuple) and depth < 3 and len(value) <= 64:
        return all(_is_plain(v, depth + 1) for v in value)
    return False


def _plain(value: object) -> Any:
    return [_plain(v) for v in value] if isinstance(value, tuple) else value
