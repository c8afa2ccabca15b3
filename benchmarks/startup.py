"""Start-up benchmark: `rnnparams count --json "nn.LSTM(100, 256)"` as a whole process, against a bare
interpreter and against the torch way (import torch, build the module, sum numel()); `rnnparams count FILE.py`
on the largest model file of tests/fixtures/models (the code reader's start-up and work); and a 200-layer mixed
model (convolutions, norms, activations, pooling, dropout, recurrent, attention and transformer layers, a head)
as one expression, whose count must take under 2x the LSTM's (checked on the processes' own CPU time, which
other work on a shared machine does not inflate as it does wall time; both are printed); and a 64-layer
Hugging Face config (Mamba2Config's defaults: 64 blocks), whose count must be as fast as the LSTM's (within
1.25x on CPU time). Median of N runs, the commands taking turns.

Bytecode is compiled first and PYTHONDONTWRITEBYTECODE unset, as after a normal `pip install`.
Run by hand:  python benchmarks/startup.py [runs] [--all-configs]   (--all-configs: every fixture config too)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def measure(cmds: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Each command's median wall time and median CPU time (the child's user + system: what it costs, whatever
    else the machine runs), in ms. The commands take turns, run after run, so a machine that slows down or speeds
    up during the benchmark (a shared host's neighbours, frequency scaling) shifts them all alike and their
    ratios hold."""
    import resource

    wall: dict[str, list[float]] = {name: [] for name in cmds}
    cpu: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True, env=env)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: (statistics.median(wall[name]) * 1000, statistics.median(cpu[name]) * 1000) for name in cmds}


def mixed_model(layers: int = 200) -> str:
    """A chain of `layers` layers of every kind, whose shapes fit: 1-D convolution blocks over (16, 64), then a
    recurrent layer, attention and transformer layers, and a head."""
    block = ["nn.Conv1d(16, 16, 3, padding=1)", "nn.BatchNorm1d(16)", "nn.ReLU()", "nn.Dropout(0.1)",
             "nn.Conv1d(16, 16, 5, padding=2, groups=4)", "nn.GroupNorm(4, 16)", "nn.GELU()",
             "nn.ConstantPad1d(1, 0.0)", "nn.MaxPool1d(3, stride=1)"]
    tail = ["nn.LSTM(64, 32, batch_first=True, bidirectional=True)", "nn.MultiheadAttention(64, 4, batch_first=True)",
            "nn.TransformerEncoderLayer(64, 4, 128, batch_first=True)", "nn.LayerNorm(64)", "nn.Linear(64, 10)"]
    body = (block * (layers // len(block) + 1))[:layers - len(tail)]
    return "; ".join(body + tail)


def main() -> None:
    runs = next((int(a) for a in sys.argv[1:] if a.isdigit()), 21)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    src = Path(__file__).resolve().parent.parent / "src" / "rnnparams"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True, env=env, capture_output=True)
    exe = shutil.which("rnnparams", path=str(Path(sys.executable).parent)) or "rnnparams"
    fixtures = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "models"
    largest = max(fixtures.glob("*.py"), key=lambda p: p.stat().st_size)
    hf_config = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "configs" / "mamba2-defaults.json"
    times = measure({
        "bare": [sys.executable, "-c", "pass"],
        "lstm": [exe, "count", "--json", "nn.LSTM(100, 256)"],
        "code": [exe, "count", "--json", str(largest)],
        "mixed": [exe, "count", "--json", mixed_model(), "--input-shape", "16,64"],
        "hf": [exe, "count", "--json", str(hf_config)],
    }, runs, env)
    (bare, _), (ours, lstm_cpu), (code, _) = times["bare"], times["lstm"], times["code"]
    (mixed, mixed_cpu), (hf, hf_cpu) = times["mixed"], times["hf"]
    torch_cmd = [sys.executable, "-c", "import torch; m = torch.nn.LSTM(100, 256); "
                 "print(sum(p.numel() for p in m.parameters()))"]
    torch_way = measure({"torch": torch_cmd}, max(3, runs // 4), env)["torch"][0]
    print(f"{'command':<46}{'median':>10}")
    print(f"{'python -c pass':<46}{bare:>8.1f} ms")
    print(f"{'rnnparams count --json nn.LSTM(100, 256)':<46}{ours:>8.1f} ms")
    print(f"{'rnnparams count --json ' + largest.name:<46}{code:>8.1f} ms")
    print(f"{'rnnparams count --json <200-layer mixed model>':<46}{mixed:>8.1f} ms")
    print(f"{'rnnparams count --json <64-layer HF config>':<46}{hf:>8.1f} ms")
    print(f"{'python: import torch; LSTM; sum numel()':<46}{torch_way:>8.1f} ms")
    ok = "PASS" if ours <= 2.5 * bare else "MISS"
    print(f"\nrnnparams / bare interpreter: {ours / bare:.2f}x   (target <= 2.5x: {ok})")
    print(f"torch way / rnnparams:        {torch_way / ours:.1f}x  (target >= 30x: "
          f"{'PASS' if torch_way >= 30 * ours else 'MISS'})")
    print(f"200-layer model / LSTM:       {mixed / ours:.2f}x wall, {mixed_cpu / lstm_cpu:.2f}x CPU "
          f"({mixed_cpu:.1f} / {lstm_cpu:.1f} ms)  (target < 2x: {'PASS' if mixed_cpu < 2 * lstm_cpu else 'MISS'}, "
          "on CPU time, which other processes on the machine do not inflate)")
    print(f"64-layer HF config / LSTM:    {hf / ours:.2f}x wall, {hf_cpu / lstm_cpu:.2f}x CPU "
          f"({hf_cpu:.1f} / {lstm_cpu:.1f} ms)  (target <= 1.25x: {'PASS' if hf_cpu <= 1.25 * lstm_cpu else 'MISS'})")
    if "--all-configs" in sys.argv:
        every_config(exe, runs, env)


def every_config(exe: str, runs: int, env: dict[str, str]) -> None:
    """Every real config of tests/fixtures/configs (Jamba, Zamba2-7B's 81 layers, Qwen3-Next's experts...) against
    the LSTM, the commands taking turns: the 64-layer target is not a property of one config."""
    configs = sorted((Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "configs").glob("*.json"))
    cmds = {"lstm": [exe, "count", "--json", "nn.LSTM(100, 256)"]}
    cmds.update({c.name: [exe, "count", "--json", str(c)] for c in configs})
    times = measure(cmds, runs, env)
    lstm_cpu = times["lstm"][1]
    print(f"\n{'config.json':<40}{'CPU':>9}{'/ LSTM':>9}")
    for name in sorted(times, key=lambda n: times[n][1]):
        if name != "lstm":
            print(f"{name:<40}{times[name][1]:>6.1f} ms{times[name][1] / lstm_cpu:>8.2f}x")
    worst = max((n for n in times if n != "lstm"), key=lambda n: times[n][1])
    print(f"slowest config / LSTM: {times[worst][1] / lstm_cpu:.2f}x CPU ({worst})  (target <= 1.25x: "
          f"{'PASS' if times[worst][1] <= 1.25 * lstm_cpu else 'MISS'})")


if __name__ == "__main__":
    main()
