"""Schemathesis over the whole API with every check (issue 21): starts `rnnparams serve` on a free loopback
port, runs `st run --checks all` with the project's configuration (tests/web/schemathesis.toml), and prints one
summary line: cases generated, failures. Bounded: `--max-examples` per operation (300 gives about 2,400 cases,
about two minutes on the 2-core machine). Run by hand, under nice:

    PYTHONPATH=src nice -n 10 python benchmarks/schema_campaign.py --max-examples 300
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/inspect.py is not the stdlib's
sys.path.insert(0, str(HERE.parent / "tests" / "web"))
from web_server import start_server, stop_server  # noqa: E402

CONFIG = Path(__file__).parent.parent / "tests" / "web" / "schemathesis.toml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    server = start_server()
    try:
        out = subprocess.run([st, "--config-file", str(CONFIG), "run", f"{server.url}/openapi.json", "--checks", "all",
                              "-n", str(args.max_examples), "--seed", str(args.seed), "--no-color"],
                             capture_output=True, text=True, timeout=900)
    finally:
        stop_server(server.process)
    text = out.stdout + out.stderr
    generated = re.search(r"(\d+) generated", text)
    failures = re.search(r"(\d+) unique failures", text)
    summary = re.findall(r"❌ (ST\d+ [^:]+): (\d+)", text)
    print(f"schemathesis: {generated.group(1) if generated else '?'} cases, "
          f"{failures.group(1) if failures else 0} failures"
          + (" (" + ", ".join(f"{k}: {v}" for k, v in summary) + ")" if summary else "")
          + f", exit {out.returncode}")
    return out.returncode


if __name__ == "__main__":
    raise SystemExit(main())
