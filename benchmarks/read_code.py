"""How fast `rnnparams count model.py` reads model code, and how long the worst input can hold it.

- every real-world fixture under tests/fixtures/models and tests/fixtures/seeds: `models_in_file` in-process
  (median of N calls after one warm-up), and the whole `rnnparams count FILE --json` process (median of 5);
- the bound: a file whose loop runs until the interpreter's step limit (MAX_STEPS) stops it, and a file that
  nests calls of its own functions past MAX_DEPTH: both must end with a clear answer, in about the time given.

Run by hand:  python benchmarks/read_code.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rnnparams
from rnnparams.errors import RnnParamsError
from rnnparams.inputs.code.bounds import MAX_STEPS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "models").glob("*.py")) + sorted(
    (ROOT / "tests" / "fixtures" / "seeds").glob("*.py"))

BUSY = """
total = 0
for i in range(1000):
    for j in range(1000):
        for k in range(1000):
            total += i * j * k
import torch.nn as nn
rnn = nn.LSTM(10, 20)
"""

DEEP = """
def f(n):
    return f(n + 1) + 1
width = f(0)
import torch.nn as nn
rnn = nn.LSTM(10, 20)
"""


def median_ms(fn: object, runs: int) -> float:
    assert callable(fn)
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def process_ms(path: Path, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rnnparams", "count", str(path), "--json"], capture_output=True,
                       check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bounded(code: str) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bound.py"
        path.write_text(code)
        start = time.perf_counter()
        try:
            listing = rnnparams.models_in_file(str(path))
            outcome = f"{len(listing.models)} model(s), totals " + ", ".join(
                f"{m.report.total_params:,}" for m in listing.models if m.report)
        except RnnParamsError as exc:
            outcome = "error: " + str(exc).splitlines()[0][:90]
        return (time.perf_counter() - start) * 1000, outcome


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print(f"{'file':42} {'lines':>5} {'models':>6} {'read ms':>8} {'process ms':>10}")
    reads = []
    for path in FIXTURES:
        listing = rnnparams.models_in_file(str(path))
        read = median_ms(lambda p=path: rnnparams.models_in_file(str(p)), runs)
        reads.append(read)
        lines = len(path.read_text().splitlines())
        print(f"{path.name:42} {lines:5} {len(listing.models):6} {read:8.2f} {process_ms(path):10.0f}")
    print(f"median read over {len(FIXTURES)} files: {statistics.median(reads):.2f} ms, slowest {max(reads):.2f} ms")
    for name, code in (("step limit", BUSY), ("call depth", DEEP)):
        ms, outcome = bounded(code)
        print(f"{name} (MAX_STEPS {MAX_STEPS:,}): {ms:.0f} ms -> {outcome}")


if __name__ == "__main__":
    main()
