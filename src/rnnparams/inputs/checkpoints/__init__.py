"""Checkpoint readers: what a model file holds (tensor names, shapes, dtypes, layer configurations), read from
its headers and metadata alone. Nothing in a file is ever executed; pickles go through a restricted unpickler
that rebuilds tensor metadata and refuses everything else.

The format is told by the file's first bytes, then its suffix: a zip is `torch.save` (it holds `data.pkl`)
or Keras 3 (`config.json` and `model.weights.h5`), `\\x89HDF` is HDF5, an 8-byte header length followed by `{`
is safetensors, and `.onnx` is ONNX protobuf.
"""

from __future__ import annotations

import os
import stat

from ...errors import UsageError
from .model import Checkpoint, CheckpointError, CheckpointTensor, DeclaredLayer

SUFFIXES = (".safetensors", ".pt", ".pth", ".bin", ".ckpt", ".keras", ".h5", ".hdf5", ".onnx")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def read_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read the tensor list (and any layer configurations) of a checkpoint file without loading its data."""
    path = os.fspath(path)
    try:
        if os.path.isdir(path):
            raise UsageError(f"{path}: is a directory; give a checkpoint file ({', '.join(SUFFIXES)})")
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or a device could block or never end
            raise UsageError(f"{path}: not a regular file; give a checkpoint file ({', '.join(SUFFIXES)})")
        with open(path, "rb") as fh:
            head = fh.read(16)
            size = os.fstat(fh.fileno()).st_size
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    suffix = os.path.splitext(path)[1].lower()
    if size == 0:
        raise CheckpointError(f"{path}: the file is empty")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _read_zip(path, size)
    if head.startswith(HDF5_MAGIC):
        from .isolated import read_isolated
        from .keras_file import read_h5

        return read_isolated(lambda: read_h5(path, size), path)
    if suffix == ".onnx":
        from .onnx_file import read_onnx

        return read_onnx(path, size)
    if (len(head) >= 9 and head[8:9] in (b"{", b" ")) or suffix == ".safetensors":
        from .safetensors import read_safetensors

        return read_safetensors(path, size)
    if head[:1] == b"\x80" or suffix in (".pt", ".pth", ".bin", ".ckpt"):
        from .torchzip import legacy_error

        raise legacy_error(path, head)
    raise UsageError(f"{path}: not a checkpoint format rnnparams reads. It reads .safetensors, torch.save files "
                     "(.pt, .pth, .bin: the zip format), Keras .keras and .h5 files, and .onnx models")


def _read_zip(path: str, size: int) -> Checkpoint:
    import struct
    import zipfile

    from .torchzip import MAX_ENTRIES

    damaged: tuple[type[Exception], ...] = (EOFError, OSError, ValueError, OverflowError, NotImplementedError,
                                            struct.error, *_decompression_errors())
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise CheckpointError(f"{path}: the zip archive lists {len(infos):,} entries (at most "
                                      f"{MAX_ENTRIES:,} are read); it is not a checkpoint")
            locked = [i.filename for i in infos if i.flag_bits & 0x1]
            if locked:
                raise CheckpointError(f"{path}: the zip entry {locked[0]!r} is marked encrypted; torch.save and "
                                      "Keras never encrypt, so the file is corrupted or not a checkpoint")
            names = {i.filename for i in infos}
            if "config.json" in names and "model.weights.h5" in names:
                from .isolated import read_isolated
                from .keras_file import read_keras_zip

                return read_isolated(lambda: read_keras_zip(path, size, zf), path)  # its weights are HDF5
            from .torchzip import read_torch_zip

            return read_torch_zip(path, size, zf)
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{path}: not a readable zip archive ({exc}); the file is truncated or corrupted "
                              "(torch.save and Keras .keras files are zip archives)") from None
    except damaged as exc:
        raise CheckpointError(f"{path}: the zip archive is damaged ({type(exc).__name__}: {exc}); the file is "
                              "truncated or corrupted") from None


__all__ = ["Checkpoint", "CheckpointError", "CheckpointTensor", "DeclaredLayer", "read_checkpoint"]


def _decompression_errors() -> tuple[type[Exception], ...]:
    """What a damaged compressed zip entry raises while it is read: zlib's error (deflate, found by the fuzzer:
    "invalid stored block lengths"), and lzma's where an LZMA entry loaded it. bz2 raises OSError."""
    import sys
    import zlib

    lzma = sys.modules.get("lzma")
    return (zlib.error,) + ((lzma.LZMAError,) if lzma is not None else ())
