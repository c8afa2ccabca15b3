"""CPU seconds of every verb on a chain of N stacked layers (issue 21: linear, and under 0.5 s for 1,000), at
two lengths so that the growth shows, with the garbage collector on and off. Run by hand, under nice:

    PYTHONPATH=src nice -n 10 python benchmarks/chains.py            # 250 and 1,000 nn.LSTM(10, 10)
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/inspect.py is not the stdlib's

from rnnparams import api  # noqa: E402
from rnnparams.spec import ModelSpec  # noqa: E402

VERBS: dict[str, Callable[[ModelSpec], object]] = {
    "count": api.count, "explain": api.explain, "formula": api.formula,
    "check": lambda s: api.check(s, 12_345), "compare": api.compare,
    "estimate": lambda s: api.estimate(s, input_shape=(5, 10), batch=1, seq_len=5),
    "to_dict": lambda s: api.count(s).to_dict(),
}


def cpu(verb: Callable[[ModelSpec], object], spec: ModelSpec, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        verb(spec)
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000")
    parser.add_argument("--layer", default="nn.LSTM(10, 10)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f}; CPU seconds, best of 3; {args.layer} × N")
    print(f"{'verb':9s}" + "".join(f"{f'N={n}':>12s}{f'N={n} no gc':>14s}" for n in sizes))
    specs = {n: api.to_spec("nn.Sequential(" + ", ".join([args.layer] * n) + ")") for n in sizes}
    for name, verb in VERBS.items():
        verb(specs[sizes[0]])
        cells = []
        for n in sizes:
            with_gc = cpu(verb, specs[n])
            gc.collect()
            gc.disable()
            try:
                without = cpu(verb, specs[n])
            finally:
                gc.enable()
            cells.append(f"{with_gc:12.3f}{without:14.3f}")
        print(f"{name:9s}" + "".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
