"""The hostile-file corpus (tests/reliability/hostile/make_corpus.py): checkpoints built to run code, to make the
reader open other files, or to exhaust its time or memory. Each is inspected from an empty working directory;
each ends in one clear error naming the file (or an honest inspection), quickly, within bounded memory; no
marker file appears (nothing ran), and no file but the one given is opened by Python (an audit hook watches
every `open`), nor listed from an HDF5 external link."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnnparams import api
from rnnparams.errors import RnnParamsError

HERE = Path(__file__).parent / "hostile"
FILES = sorted((HERE / "files").iterdir())
sys.path.insert(0, str(HERE))
from make_corpus import MARKER, PICKLES  # noqa: E402

MAX_SECONDS = 2.0
"""CPU seconds one file may take."""
MAX_WALL_SECONDS = 10.0
"""Wall clock, whatever the load: an HDF5 file is read in a child stopped at 5 s."""
MAX_RSS_BYTES = 512 << 20
"""Peak resident memory of a process that reads the whole corpus (the largest: a 4 MiB data.pkl of two million
empty lists, about 170 MiB)."""

RUNS_CODE = {"global_os_system", "global_posix_system", "stack_global_os_system", "builtins_eval", "builtins_exec",
             "builtins_getattr", "subprocess_call", "subprocess_popen", "importlib_import", "dunder_import",
             "torch_load_nested", "numpy_reconstruct", "inst_os_system", "obj_os_system", "newobj_subprocess",
             "build_setstate", "persid_os_system"}
EXPECTED = {
    **{f"pickle_{name}.pt": "refusing to load the global" for name in RUNS_CODE},
    "zip_bomb_declared.pt": "declares 314,572,800 bytes",
    "st_header_2_63.safetensors": "safetensors header (at most 100,000,000)",
    "st_overlap.safetensors": "overlap in the data section",
    "onnx_huge_dims.onnx": "has an invalid size",
    "zip_torchscript.pt": "TorchScript",
    "pickle_rebuild_past_storage.pt": "reaches past the end of its storage",
    "pickle_rebuild_negative_offset.pt": "storage_offset must be a whole number >= 0",
    "zip_list_bomb_under_limit.pt": "data.pkl holds more than 1,000,000 objects",
    "zip_list_bomb_over_limit.pt": "data.pkl makes more than 3,000,000 objects",
    "pickle_memo_huge_put.pt": "stores into memo slot 2,147,483,647 (at most 3,000,000)",
}

_opened: list[str] | None = None
_warmed: list[bool] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], (str, bytes, Path)):
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # an audit hook cannot be removed: it records only while a test sets _opened


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    global _opened
    monkeypatch.chdir(tmp_path)
    if not _warmed:  # the readers' own imports are not the file's doing
        for name in ("h5_link_target.h5", "pickle_build_dict_dunder.pt", "onnx_external_data.onnx"):
            api.inspect(str(HERE / "files" / name))
        _warmed.append(True)
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None
    assert not (tmp_path / MARKER).exists() and not Path("/tmp", MARKER).exists(), "a payload ran"
    assert list(tmp_path.iterdir()) == [], "the reader wrote into the working directory"


def test_the_corpus_covers_what_the_issue_lists() -> None:
    names = {f.name for f in FILES}
    assert len(PICKLES) >= 30 and {f"pickle_{n}.pt" for n in PICKLES} <= names
    for kind in ("zip_bomb", "zip_slip", "st_header_2_63", "st_overlap", "h5_external_link", "keras_lambda",
                 "onnx_huge_dims", "onnx_external_data", "pickle_memo", "pickle_persid", "pickle_rebuild"):
        assert any(n.startswith(kind) for n in names), kind
    assert sum(f.stat().st_size for f in FILES) < 2 << 20, "the corpus stays small"


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_a_hostile_file_is_a_clear_error_or_an_honest_inspection(path: Path, watched: list[str]) -> None:
    start, wall = time.process_time(), time.perf_counter()  # CPU time: the machine's other work is not the file's
    try:
        result = api.inspect(str(path))
        message = None
    except RnnParamsError as exc:
        message = str(exc)
    elapsed = time.process_time() - start
    assert elapsed < MAX_SECONDS, f"{elapsed:.2f} s of CPU"
    assert time.perf_counter() - wall < MAX_WALL_SECONDS
    others = [p for p in watched if Path(p).name != path.name and not p.endswith((".py", ".pyc", ".so"))]
    assert others == [], f"opened besides the file: {others}"
    if message is not None:
        assert message.startswith(str(path)), message
        assert "Traceback" not in message and "internal error" not in message
    else:
        assert result.tensors is not None
    if path.name in EXPECTED:
        assert message is not None and EXPECTED[path.name] in message, message


def test_an_hdf5_external_link_is_not_followed(watched: list[str]) -> None:
    try:
        inspection = api.inspect(str(HERE / "files" / "h5_external_link.h5"))
    except RnnParamsError as exc:
        assert "secret" not in str(exc) and "passwd" not in str(exc)
        return
    assert all("secret" not in t.name and "passwd" not in t.name for t in inspection.tensors)


def test_onnx_external_data_is_counted_from_the_header_not_read(watched: list[str]) -> None:
    inspection = api.inspect(str(HERE / "files" / "onnx_external_data.onnx"))
    assert [t.name for t in inspection.tensors] == ["ext0", "ext1", "ext2", "ext3"]
    assert all(t.shape == (4,) for t in inspection.tensors)
    assert any("external files (not read)" in note for note in inspection.notes)


def test_zip_slip_names_are_never_extracted(watched: list[str], tmp_path: Path) -> None:
    for name in ("zip_slip_parent.pt", "zip_slip_absolute.pt", "zip_slip_nested.pt"):
        with contextlib.suppress(RnnParamsError):
            api.inspect(str(HERE / "files" / name))
    assert not (tmp_path.parent / MARKER).exists() and not (tmp_path.parent.parent / MARKER).exists()


def test_reading_the_whole_corpus_stays_within_bounded_memory(tmp_path: Path) -> None:
    """One process inspects every file; its peak resident memory (which only grows) bounds each file's. The peak
    is VmHWM of /proc/self/status, not getrusage's ru_maxrss: Linux keeps ru_maxrss across execve, so a child of
    this pytest process would report pytest's own peak (1.6 GiB after the framework oracles ran)."""
    script = ("import contextlib, sys\nfrom rnnparams import api\nfrom rnnparams.errors import "
              "RnnParamsError\nfor path in sys.argv[1:]:\n    with contextlib.suppress(RnnParamsError):\n"
              "        api.inspect(path)\nstatus = open('/proc/self/status').read().split('VmHWM:')[1]\n"
              "print(int(status.split()[0]) * 1024)\n")
    out = subprocess.run([sys.executable, "-c", script, *map(str, FILES)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.returncode == 0, out.stderr[-2000:]
    peak = int(out.stdout.split()[-1])
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak / 2**20:.0f} MiB"
    assert not (tmp_path / MARKER).exists()
