"""How fast and how light `rnnparams inspect` is on big checkpoints, against `torch.load`.

Writes an nn.LSTM state_dict of about 2 GiB (nn.LSTM(4096, 4096, num_layers=4), float32) and one of about
200 MiB (nn.LSTM(1024, 1024, num_layers=6)) with torch.save, plus the same tensors as .safetensors, into a
temporary directory (scaled down, with a note, when the disk has less than 6 GiB free). Each measurement
runs in a fresh interpreter:

- `rnnparams.inspect(path)`: the first call (cold: it imports zipfile, pickle and the readers) and the
  median of 20 more (warm), the peak of Python allocations during one call (tracemalloc) and the growth of
  the process's peak RSS (ru_maxrss);
- `torch.load(path, weights_only=True, mmap=False)` (median of 3, the file already in the page cache);
- `rnnparams inspect FILE --json` end to end, interpreter start-up included (median of 5).

Targets (issue #9): inspect <= 50 ms and >= 50x faster than torch.load on the 2 GiB file; memory independent
of the file size. Run by hand: python benchmarks/inspect.py [--keep DIR]
"""

from __future__ import annotations

import os
import sys

if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)  # this file is named like the standard library's `inspect`, which torch imports

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

GIB = 1 << 30
NEEDED_FREE = 6 * GIB
MODELS = {  # name -> (input_size, hidden_size, num_layers): float32 bytes = 16·H·(I + H + 2)·L
    "lstm-2GiB": (4096, 4096, 4),
    "lstm-200MiB": (1024, 1024, 6),
}
SMALL_MODELS = {"lstm-256MiB": (2048, 2048, 2), "lstm-25MiB": (640, 640, 2)}

PEAK_RSS = r"""
def peak_rss():
    # VmHWM: this process's own peak (ru_maxrss survives exec, so it would start at the parent's peak)
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
"""

INSPECT_CHILD = PEAK_RSS + r"""
import json, statistics, sys, time, tracemalloc
import rnnparams
path = sys.argv[1]
base = peak_rss()
t0 = time.perf_counter(); result = rnnparams.inspect(path); cold = time.perf_counter() - t0
times = []
for _ in range(20):
    t0 = time.perf_counter(); rnnparams.inspect(path); times.append(time.perf_counter() - t0)
tracemalloc.start(); rnnparams.inspect(path); _, peak = tracemalloc.get_traced_memory(); tracemalloc.stop()
grown = peak_rss() - base
print(json.dumps({"cold": cold, "warm": statistics.median(times), "traced_peak": peak, "rss_growth": grown,
                  "params": result.total_params, "tensors": len(result.tensors),
                  "spec_params": result.spec_report.total_params if result.spec_report else None}))
"""

TORCH_CHILD = PEAK_RSS + r"""
import json, statistics, sys, time
import torch
path = sys.argv[1]
base = peak_rss()
times = []
for _ in range(3):
    t0 = time.perf_counter()
    sd = torch.load(path, weights_only=True, mmap=False)
    times.append(time.perf_counter() - t0)
    params = sum(t.numel() for t in sd.values()); del sd
grown = peak_rss() - base
print(json.dumps({"time": statistics.median(times), "rss_growth": grown, "params": params}))
"""


ENV: dict[str, str] = {}


def child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, timeout=900,
                         env=ENV)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cli_time(path: Path) -> float:
    import time

    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rnnparams", "inspect", str(path), "--json"], capture_output=True,
                       check=True, timeout=120, env=ENV)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


WRITE_CHILD = r"""
import json, sys
from pathlib import Path
import torch
directory, models = Path(sys.argv[1]), json.loads(sys.argv[2])
paths = []
for name, (i, h, layers) in models.items():
    state = {}
    for layer in range(layers):  # zeros: only the size matters, and calloc'd zeros are quick to make
        state[f"rnn.weight_ih_l{layer}"] = torch.zeros(4 * h, i if layer == 0 else h)
        state[f"rnn.weight_hh_l{layer}"] = torch.zeros(4 * h, h)
        state[f"rnn.bias_ih_l{layer}"] = torch.zeros(4 * h)
        state[f"rnn.bias_hh_l{layer}"] = torch.zeros(4 * h)
    torch.save(state, directory / f"{name}.pt")
    paths.append(str(directory / f"{name}.pt"))
    try:
        from safetensors.torch import save_file
    except ImportError:
        continue
    save_file(state, str(directory / f"{name}.safetensors"))
    paths.append(str(directory / f"{name}.safetensors"))
print(json.dumps(paths))
"""


def write_checkpoints(directory: Path, models: dict[str, tuple[int, int, int]]) -> list[Path]:
    """In a child process, so this one stays small (a child inherits nothing of it but its environment)."""
    out = subprocess.run([sys.executable, "-c", WRITE_CHILD, str(directory), json.dumps(models)],
                         capture_output=True, text=True, check=True, timeout=1800, env=ENV)
    return [Path(p) for p in json.loads(out.stdout.strip().splitlines()[-1])]


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="write the checkpoints here and keep them")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="rnnparams-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    models = MODELS
    if free < NEEDED_FREE:
        models = SMALL_MODELS
        print(f"note: only {human(free)} free in {directory} (6 GiB wanted); using smaller checkpoints\n")
    # Byte-compiled modules cached (as after pip install), in the temporary directory, not the source tree.
    ENV.update(os.environ)
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(directory / "pycache")
    try:
        paths = write_checkpoints(directory, models)
        child(INSPECT_CHILD, str(paths[0]))  # fills the bytecode cache
        rows = []
        for path in paths:
            ours = child(INSPECT_CHILD, str(path))
            theirs = child(TORCH_CHILD, str(path)) if path.suffix == ".pt" else None
            if theirs is not None:
                assert theirs["params"] == ours["params"] == ours["spec_params"], (theirs, ours)
            rows.append((path, path.stat().st_size, ours, theirs, cli_time(path)))
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)
    header = ("file", "size", "tensors", "parameters", "inspect (warm)", "inspect (cold)", "CLI end to end",
              "torch.load", "speed-up (warm/cold)", "inspect peak alloc", "inspect RSS growth",
              "torch.load RSS growth")
    table = [header]
    for path, size, ours, theirs, cli in rows:
        table.append((
            path.name, human(size),
            str(int(ours["tensors"])), f"{int(ours['params']):,}", ms(ours["warm"]), ms(ours["cold"]), ms(cli),
            ms(theirs["time"]) if theirs else "-",
            f"{theirs['time'] / ours['warm']:,.0f}x / {theirs['time'] / ours['cold']:,.0f}x" if theirs else "-",
            human(ours["traced_peak"]), human(ours["rss_growth"]),
            human(theirs["rss_growth"]) if theirs else "-"))
    widths = [max(len(r[k]) for r in table) for k in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths,
                                                                                            strict=True))))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\npython {sys.version.split()[0]}, {sys.platform}; times are medians with the files in the page cache and "
          "bytecode cached; cold = the first call in a fresh process (imports included); peak alloc = tracemalloc "
          "peak of one warm call; RSS growth = VmHWM after the calls minus before")
    return 0


if __name__ == "__main__":
    sys.exit(main())
