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


class Resident:
    """`--resident`: one forked child classifies a campaign's HDF5 inputs in-process, and is killed and forked
    again when an input outlasts `clock`. The product forks a child per file (inputs/checkpoints/isolated.py,
    ~15 ms of CPU for the fork's page faults); this keeps the same reader code and the same bound — an input on
    which libhdf5 loops is stopped, as the product's clock stops it — at ~2 ms an input, so 100,000 inputs take
    minutes. The child's work is not seen by atheris' coverage, as the product's child is not."""

    def __init__(self, target: str, clock: float) -> None:
        self.target, self.clock, self.pid = target, clock, 0
        self.stopped = 0  # inputs the clock stopped (handled: the product answers them with its clock's error)

    def _start(self) -> None:
        import targets as t

        ask_r, self.ask = os.pipe()
        self.answer, answer_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.ask)
            os.close(self.answer)
            from rnnparams.inputs.checkpoints import isolated

            isolated.read_isolated = lambda read, path: read()
            with os.fdopen(ask_r, "rb") as ask, os.fdopen(answer_w, "wb", buffering=0) as answer:
                while head := ask.read(4):
                    data = ask.read(int.from_bytes(head, "little"))
                    kind = t.classify(self.target, data) or ""
                    if not kind and _peak_rss() > MEMORY_LIMIT:
                        kind = "peak memory over 512 MiB"
                    answer.write(kind.encode()[:200].ljust(200))
            os._exit(0)
        os.close(ask_r)
        os.close(answer_w)

    def classify(self, data: bytes) -> str | None:
        import select

        if not self.pid:
            self._start()
        os.write(self.ask, len(data).to_bytes(4, "little") + data)
        if select.select([self.answer], [], [], self.clock)[0]:
            got = os.read(self.answer, 200)
            if len(got) == 200:
                return got.decode().strip() or None
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        os.close(self.ask)
        os.close(self.answer)
        self.pid = 0
        self.stopped += 1
        return None


def _peak_rss() -> int:
    with open("/proc/self/status") as fh:  # VmHWM: this process's own peak (ru_maxrss survives a fork)
        return next((int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM")), 0)


def worker(target: str, seconds: float, stats_path: str, engine: str, runs: int = 0, findings: bool = True,
           resident: bool = False) -> None:
    """Run one target in this process and keep its figures in `stats_path` (rewritten as it goes: libFuzzer
    ends the process itself). `runs` > 0 stops after that many inputs; without `findings` the campaign starts
    from the fixtures only (a kept hang, mutated, mostly hangs again, which spends the budget at 5 s an input)."""
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
    child = Resident(target, clock=2.0) if resident and target in t.ISOLATED else None
    classify = child.classify if child else (lambda data: t.classify(target, data))

    def save() -> None:
        stats["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if child:
            stats["stopped_by_clock"] = child.stopped
        Path(stats_path).write_text(json.dumps(stats))

    def one(data: bytes) -> None:
        kind = classify(data)
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
        for k, seed in enumerate(t.seeds(target, findings)):
            Path(corpus, f"seed{k}").write_bytes(seed)
        timeout = int(t.HANG_SECONDS.get(target, 1.0) * 10)
        atheris.Setup([sys.argv[0], f"-max_total_time={int(seconds)}", f"-timeout={timeout}", "-rss_limit_mb=4096",
                       "-max_len=262144", "-print_final_stats=0", "-close_fd_mask=3",
                       *([f"-runs={runs}"] if runs else []), corpus], one)
        try:
            atheris.Fuzz()
        finally:
            save()
    else:
        for seed in t.seeds(target, findings):
            one(seed)
        deadline = time.monotonic() + seconds
        import random

        rng = random.Random(0)
        pool = t.seeds(target, findings)
        while time.monotonic() < deadline and not (runs and stats["executed"] >= runs):
            one(t.mutate(rng.choice(pool), rng))
        save()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per target")
    parser.add_argument("--only", default="", help="comma-separated targets (default: all)")
    parser.add_argument("--runs", type=int, default=0, help="stop a target after this many inputs (0: the clock)")
    parser.add_argument("--fresh", action="store_true",
                        help="start from the fixtures only, not from the kept findings (tests/fuzz replays those)")
    parser.add_argument("--resident", action="store_true",
                        help="classify .h5 and .keras inputs in one long-lived child, forked again after an input "
                             "outlasts 2 s, instead of the product's child per file: ~2 ms an input instead of "
                             "~15, so 100,000 take minutes (the per-file child is tested with the kept hangs)")
    parser.add_argument("--engine", choices=("auto", "atheris", "mutator"), default="auto")
    parser.add_argument("--json", help="write every target's figures here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "mutator"
    if args.worker:
        worker(args.worker, args.seconds, args.stats, engine, args.runs, not args.fresh, args.resident)
        return 0
    import targets

    chosen = [x for x in args.only.split(",") if x] or list(targets.TARGETS)
    results = []
    for target in chosen:
        stats_path = tempfile.mktemp(suffix=".json")
        # the worker stops itself; the timeout bounds one that cannot (the campaign's ten minutes hold)
        returncode: int | None = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            returncode = subprocess.run([sys.executable, __file__, "--worker", target, "--stats", stats_path,
                            "--seconds", str(args.seconds), "--engine", engine, "--runs", str(args.runs),
                            *(["--fresh"] if args.fresh else []),
                            *(["--resident"] if args.resident else [])], timeout=args.seconds + 40,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode
        try:
            results.append(json.loads(Path(stats_path).read_text()))
            if returncode:  # libFuzzer's own stop: a timeout (a hang in C code) or a crash it caught
                results[-1]["failures"][f"worker stopped (exit {returncode})"] = 1
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
