"""Drive a framework oracle worker (tests/oracle/workers) and compare its answers with rnnparams' counts.

Where a framework's package lives: RNNPARAMS_ORACLE_<NAME>_PYTHON (an interpreter), else the virtual
environment .ci/run makes for it (.venv-tf1, .venv-mindspore, .venv-mxnet at the repository root), else this
interpreter when it can import the package. Without any, the tests skip and say how to install it."""

from __future__ import annotations

import importlib.util
import json
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import rnnparams

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).parent / "workers" / "worker.py"
BATCH = 2
TIMEOUT_S = 300


def find_python(name: str, module: str) -> str | None:
    env = os.environ.get(f"RNNPARAMS_ORACLE_{name.upper()}_PYTHON")
    if env:
        return env
    venv = REPO / f".venv-{name}" / "bin" / "python"
    if venv.exists():
        return str(venv)
    if importlib.util.find_spec(module) is not None:
        return sys.executable
    return None


class Worker:
    def __init__(self, python: str, name: str) -> None:
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (lives as long as the worker; closed in close())
        self.proc = subprocess.Popen([python, str(WORKER), name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, cwd=str(WORKER.parent))
        self.versions = self._read()["ready"]

    def _read(self) -> dict:
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(TIMEOUT_S):
            raise TimeoutError(f"oracle worker silent for {TIMEOUT_S} s\n{self.stderr()}")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"oracle worker died (exit {self.proc.wait()}):\n{self.stderr()}")
        return json.loads(line)

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-4000:]

    def ask(self, **request: object) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def start(name: str, module: str, install: str) -> Iterator[Worker]:
    python = find_python(name, module)
    if python is None:
        pytest.skip(f"{module} is not installed here: {install}")
    worker = Worker(python, name)
    try:
        yield worker
    finally:
        worker.close()


def filled(shape: object) -> list[int]:
    assert isinstance(shape, (tuple, list))
    return [BATCH if d is None else d for d in shape]


def state_list(report: rnnparams.Report) -> list[list[int]]:
    return [filled(s) for s in report.layers[-1].state_shapes.values()]


def check(worker: Worker, expr: str, framework: str, input_shape: tuple[int | None, ...] | None = None, *,
          forward: bool = True, names: str = "params", states: bool = True) -> rnnparams.Report:
    """Count `expr` with rnnparams and build it with the real package; everything must agree."""
    report = rnnparams.count(expr, framework, input_shape)
    layer = report.layers[0]
    concrete = filled(layer.input_shape)
    answer = worker.ask(expr=expr, framework=framework, input=concrete, forward=forward)
    assert "error" not in answer, f"{expr}: the framework refused it: {answer['error']}\n{answer.get('trace')}"
    ours = sorted((t.name, list(t.shape), t.trainable) for lay in report.layers for t in lay.tensors)
    theirs = sorted((n, list(s), bool(tr)) for n, s, tr in answer[names])
    assert ours == theirs, f"{expr}: tensors differ\n ours:   {ours}\n theirs: {theirs}"
    total = sum(_size(s) for _, s, _ in answer[names])
    assert report.total_params == total
    assert report.trainable_params == sum(_size(s) for _, s, tr in answer[names] if tr)
    if forward and "output" in answer:
        assert [filled(report.layers[-1].output_shape)] == answer["output"], f"{expr}: output shape"
        if states:
            assert state_list(report) == answer["states"], f"{expr}: state shapes"
    return report


def refused(worker: Worker, expr: str, framework: str, input_shape: tuple[int | None, ...] | None = None,
            concrete: list[int] | None = None) -> tuple[str, str]:
    """Both refuse the model: (rnnparams' message, the framework's message)."""
    with pytest.raises(rnnparams.RnnParamsError) as ours:
        rnnparams.count(expr, framework, input_shape)
    answer = worker.ask(expr=expr, framework=framework, input=concrete or [BATCH, 5, 3], forward=False)
    assert "error" in answer, f"{expr}: the framework accepted what rnnparams refuses: {answer}"
    return str(ours.value), answer["error"]


def _size(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
