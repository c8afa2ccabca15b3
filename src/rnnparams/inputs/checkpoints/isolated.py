"""HDF5 files read in a child process with a clock: the HDF5 library is C code that holds the interpreter's lock,
so a file built to make it loop (a fuzzer found one: a damaged variable-length string attribute kept h5py
reading for ever) could hang the reader, and no thread or signal can stop it. The child is a fork of this
process (no start-up cost), bounded in wall clock and address space; it sends back the `Checkpoint` it read,
which the parent unpickles allowing only the checkpoint's own record classes. Where `fork` is missing (Windows),
the file is read in-process, unbounded."""

from __future__ import annotations

import io
import os
import pickle
import select
import signal
import time
from collections.abc import Callable

from ...errors import RnnParamsError, UsageError
from .model import Checkpoint, CheckpointError

MAX_SECONDS = 5.0
"""Wall clock for reading one HDF5 file (a real one takes well under a second)."""
MAX_CHILD_BYTES = 4 << 30
"""Address space of the child that reads it."""


def read_isolated(read: Callable[[], Checkpoint], path: str) -> Checkpoint:
    """`read()` in a forked child, stopped after MAX_SECONDS; its errors come back as they were raised."""
    if not hasattr(os, "fork"):
        return read()
    _preload()
    out, into = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send the result, leave without running the parent's exit handlers
        os.close(out)
        try:
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (MAX_CHILD_BYTES, MAX_CHILD_BYTES))
            except (ImportError, ValueError, OSError):
                pass
            try:
                payload = pickle.dumps(("ok", read()))
            except RnnParamsError as exc:
                payload = pickle.dumps((type(exc).__name__, exc.message))
            except MemoryError:
                payload = pickle.dumps(("CheckpointError", f"{path}: reading it needs more than "
                                        f"{MAX_CHILD_BYTES >> 30} GiB of memory; the file is corrupted"))
            except Exception as exc:
                payload = pickle.dumps(("CheckpointError", f"{path}: not a readable HDF5 file "
                                        f"({type(exc).__name__}); the file is truncated or corrupted"))
            with os.fdopen(into, "wb") as fh:
                fh.write(payload)
        finally:
            os._exit(0)
    os.close(into)
    data = _collect(out, pid, path)
    kind, value = _Restricted(io.BytesIO(data)).load()
    if kind != "ok":
        raise (UsageError if kind == "UsageError" else CheckpointError)(str(value))
    assert isinstance(value, Checkpoint)
    return value


def _preload() -> None:
    """Import h5py here, before the fork: a child that imports it pays ~0.4 s per file, which a process reading
    many files (the server, a fuzz campaign) would pay every time. Importing runs no HDF5 code on the file."""
    import contextlib
    import importlib

    with contextlib.suppress(ImportError):  # without h5py the child says so, in the reader's own words
        importlib.import_module("h5py")


def _collect(fd: int, pid: int, path: str) -> bytes:
    chunks: list[bytes] = []
    deadline = time.monotonic() + MAX_SECONDS
    try:
        while True:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise CheckpointError(f"{path}: reading it took more than {MAX_SECONDS:g} seconds and was stopped: "
                                      "the HDF5 library loops on this file, which is corrupted or built to hang a "
                                      "reader")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        why = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
        raise CheckpointError(f"{path}: the HDF5 library failed reading it ({why}); the file is corrupted")
    return b"".join(chunks)


class _Restricted(pickle.Unpickler):
    """The child's answer: a Checkpoint of plain data, nothing else."""

    ALLOWED = frozenset({("builtins", "frozenset"), ("builtins", "set")})

    def find_class(self, module: str, name: str) -> object:
        if module == "rnnparams.inputs.checkpoints.model" or (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} from the HDF5 reader")
