"""A bounded fuzzing campaign over every entry point (issue 21), printing one summary line.

Each target of tests/fuzz/targets.py runs in a subprocess of its own for `--seconds`: coverage-guided with atheris
(`pip install 'rnnparams[fuzz]'`) when it is installed, else with the simple byte mutator there. A finding (a
non-project exception, a hang, peak memory past 512 MiB, a marker file written) is saved under
tests/fuzz/corpus/<target>/, which tests/fuzz/test_fuzz.py replays. The default budget (12 targets × 30 s) ends in
under 10 minutes (about 8.5: each worker also starts and warms up). Run it by hand, under nice:

    PYTHONPATH=src nice -n 10 python benchmarks/fuzz.py
    PYTHONPATH=src nice -n 10 python benchmarks/fuzz.py --seconds 120 --only safetensors,onnx --json figures.json
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/inspect.py is not the stdlib's
sys.path.insert(0, str(HERE.parent / "tests" / "fuzz"))
MEMORY_LIMIT = 512 << 20


def worker(target: str, seconds: float, stats_path: str, engine: str) -> None:
    """Run one target in this process and keep its figures in `stats_path` (rewritten as it goes: libFuzzer
    ends the process itself)."""
    os.chdir(tempfile.mkdtemp(prefix="rnnparams-fuzz-"))  # a payload that ran would write its marker here
    stats = {"target": target, "engine": engine, "executed": 0, "failures": {}, "peak_rss": 0, "seconds": seconds}
    state = {"over_memory": False, "last_write": 0.0}

    if engine == "atheris":
        import atheris

        with atheris.instrument_imports(include=["rnnparams"]):
            import targets  # noqa: F401  (the project's modules, instrumented as they load)

            import rnnparams.analysis.count
            import rnnparams.api  # noqa: F401
    import targets as t

    t.warm(target)

    def save() -> None:
        stats["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        Path(stats_path).write_text(json.dumps(stats))

    def one(data: bytes) -> None:
        kind = t.classify(target, data)
        stats["executed"] += 1
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if kind is None and rss > MEMORY_LIMIT and not state["over_memory"]:
            state["over_memory"], kind = True, "peak memory over 512 MiB"
        if kind is not None:
            stats["failures"][kind] = stats["failures"].get(kind, 0) + 1
            folder = t.CORPUS / target
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"finding-{hashlib.sha1(data).hexdigest()[:16]}").write_bytes(data)
            if os.path.exists(t.MARKER):
                os.unlink(t.MARKER)
        now = time.monotonic()
        if kind is not None or now - state["last_write"] > 2:
            state["last_write"] = now
            save()

    if engine == "atheris":
        import atheris

        corpus = tempfile.mkdtemp(prefix="rnnparams-corpus-")
        for k, seed in enumerate(t.seeds(target)):
            Path(corpus, f"seed{k}").write_bytes(seed)
        timeout = int(t.HANG_SECONDS.get(target, 1.0) * 10)
        atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}", f"-timeout={timeout}", "-rss_limit_mb=4096",
                       "-max_len=262144", "-print_final_stats=0", "-close_fd_mask=3", corpus], one)
        try:
            atheris.Fuzz()
        finally:
            save()
    else:
        for seed in t.seeds(target):
            one(seed)
        deadline = time.monotonic() + seconds
        import random

        rng = random.Random(0)
        pool = t.seeds(target)
        while time.monotonic() < deadline:
            one(t.mutate(rng.choice(pool), rng))
        save()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per target")
    parser.add_argument("--only", default="", help="comma-separated targets (default: all)")
    parser.add_argument("--engine", choices=("auto", "atheris", "mutator"), default="auto")
    parser.add_argument("--json", help="write every target's figures here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "mutator"
    if args.worker:
        worker(args.worker, args.seconds, args.stats, engine)
        return 0
    import targets

    chosen = [x for x in args.only.split(",") if x] or list(targets.TARGETS)
    results = []
    for target in chosen:
        stats_path = tempfile.mktemp(suffix=".json")
        # the worker stops itself; the timeout bounds one that cannot (the campaign's ten minutes hold)
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run([sys.executable, __file__, "--worker", target, "--stats", stats_path, "--seconds",
                            str(args.seconds), "--engine", engine], timeout=args.seconds + 40,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        try:
            results.append(json.loads(Path(stats_path).read_text()))
        except (OSError, ValueError):
            results.append({"target": target, "engine": engine, "executed": 0, "failures": {"worker died": 1},
                            "peak_rss": 0})
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    failures = sum(sum(r["failures"].values()) for r in results)
    executed = sum(r["executed"] for r in results)
    each = ", ".join(f"{r['target']} {r['executed']:,}" + (f" ({sum(r['failures'].values())} failing)"
                                                              if r["failures"] else "") for r in results)
    print(f"fuzz ({engine}, {args.seconds:g} s a target): {executed:,} inputs, {failures} failures; {each}")
    return 1 if failures else 0


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
