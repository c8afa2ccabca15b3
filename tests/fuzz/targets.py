"""The fuzz targets: one function per entry point, taking the fuzzer's bytes. Each returns normally when the input
got an answer or a project error (RnnParamsError, exit 2, a 4xx); anything else is a finding, classified by
`classify`: a non-project exception, a hang (over 1 s; 5 s for model code), or something executed (the marker
file appeared). benchmarks/fuzz.py drives them with atheris (coverage-guided) or, without it, with the simple
mutator below; tests/fuzz/test_fuzz.py replays the corpus and runs a short budget of each."""

from __future__ import annotations

import contextlib
import io
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

MARKER = "RNNPARAMS_EXECUTED"
CORPUS = Path(__file__).parent / "corpus"
FIXTURES = Path(__file__).parent.parent / "fixtures"
HANG_SECONDS = {"code": 5.0}
"""Seconds an input may take before it is a hang: 1 s, or this for the target (the code reader's own clock is 5 s)."""


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def expression(data: bytes) -> None:
    from rnnparams import api

    text = _text(data)
    report = api.count(text)
    report.to_dict()
    if len(report.layers) <= 50:
        api.explain(text)
        api.formula(text)


def code(data: bytes) -> None:
    from rnnparams.inputs.code.reader import read_models

    read_models(_text(data), source_name="fuzz.py", framework=None, input_shape=None, overrides={}, partial=True)


def _spec(fmt: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        from rnnparams.analysis.count import count_model
        from rnnparams.inputs.specfile import load_spec

        count_model(load_spec(_text(data), fmt, source_name=f"fuzz.{fmt}"))

    target.__name__ = f"spec_{fmt}"
    return target


_SCRATCH: list[str] = []


def _scratch() -> str:
    if not _SCRATCH:
        _SCRATCH.append(tempfile.mkdtemp(prefix="rnnparams-fuzz-files-"))
    return _SCRATCH[0]


def _checkpoint(suffix: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        from rnnparams import api

        path = os.path.join(_scratch(), f"fuzz{suffix}")  # one file, rewritten: a directory per input is slow
        with open(path, "wb") as fh:
            fh.write(data)
        api.inspect(path).to_dict()

    target.__name__ = f"checkpoint{suffix.replace('.', '_')}"
    return target


def cli(data: bytes) -> None:
    """The command line's argument handling: the bytes are argv, split on NUL (a model text may hold spaces)."""
    from rnnparams.cli import main

    argv = [a for a in _text(data).split("\0") if a][:12]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            code = exc.code if isinstance(exc.code, int) else 2
    if code not in (0, 1, 2) or "internal error" in err.getvalue():
        raise AssertionError(f"exit {code}: {err.getvalue()[-300:]}")


def api_body(data: bytes) -> None:
    """Each API endpoint's body: the first byte picks the verb, the rest is the body."""
    from rnnparams.web import service

    verbs = [*service.VERBS, "build"]
    verb = verbs[data[0] % len(verbs)] if data else "count"
    status, body = service.answer(verb, data[1:])
    if status >= 500 and not (status == 501 and verb == "estimate"):
        raise AssertionError(f"/api/{verb} answered {status}: {body[:300]!r}")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "expression": expression, "code": code, "spec_json": _spec("json"), "spec_yaml": _spec("yaml"),
    "spec_toml": _spec("toml"), "safetensors": _checkpoint(".safetensors"), "torch_zip": _checkpoint(".pt"),
    "keras": _checkpoint(".keras"), "h5": _checkpoint(".h5"), "onnx": _checkpoint(".onnx"), "cli": cli,
    "api": api_body,
}
READERS = ("safetensors", "torch_zip", "keras", "h5", "onnx")
ISOLATED = ("keras", "h5")
"""The readers the product runs in a forked child with a clock (HDF5: inputs/checkpoints/isolated.py)."""


def classify(target: str, data: bytes) -> str | None:
    """None when the input is handled as the project promises; else the kind of failure."""
    from rnnparams.errors import RnnParamsError

    for _ in range(2):  # a slow input is run again: it is a hang only if it is slow twice
        start = time.process_time()  # CPU time: the machine's other work does not make an input slow
        try:
            TARGETS[target](data)
        except RnnParamsError:
            pass
        except RecursionError:
            return "non-project exception: RecursionError"
        except Exception as exc:
            return f"non-project exception: {type(exc).__name__}"
        if os.path.exists(MARKER):
            return "executed"
        if time.process_time() - start <= HANG_SECONDS.get(target, 1.0):
            return None
    return "hang"


# --- seeds and a mutator for runs without atheris --------------------------------------------------------

def seeds(target: str, findings: bool = True) -> list[bytes]:
    """The fixtures a target starts from, and (with `findings`) the inputs campaigns found and kept for it."""
    out: list[bytes] = []
    if target == "code":
        out += [p.read_bytes() for p in sorted((FIXTURES / "models").glob("*.py"))]
    elif target == "expression":
        out += [b"nn.LSTM(100, 256, num_layers=2)", b"Sequential([Input((50, 3)), SimpleRNN(2), Dense(1)])",
                b"nn.Embedding(1000, 64); nn.GRU(64, 128, bidirectional=True)", b"LSTM(64, return_sequences=True)"]
    elif target.startswith("spec_"):
        from rnnparams import api
        from rnnparams.inputs.specfile import dump_spec

        for model in ("nn.LSTM(10, 20, num_layers=2)", "Sequential([Input((5, 3)), GRU(4), Dense(1)])"):
            out.append(dump_spec(api.to_spec(model), target.removeprefix("spec_")).encode())
    elif target == "cli":
        out += [b"count\0nn.LSTM(10, 20)", b"explain\0--lang\0zh\0nn.GRU(3, 4)", b"check\0nn.LSTM(1, 1)\0024",
                b"estimate\0nn.LSTM(10, 20)\0--batch\0002\0--seq-len\0005", b"compare\0LSTM(4)\0--input-shape\0005,3"]
    elif target == "api":
        out += [b"\0" + b'{"model": "nn.LSTM(100, 256)"}', b"\3" + b'{"model": "nn.LSTM(1, 1)", "claimed": 24}']
    if (CORPUS / target).is_dir():
        out += [p.read_bytes() for p in sorted((CORPUS / target).iterdir())
                if findings or not p.name.startswith("finding")]
    return out or [b""]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few byte-level edits (flip, insert, delete, duplicate a slice, splice an interesting value)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at:at] = bytes([rng.randrange(256)])
        elif op == 2 and buf:
            del buf[at:at + rng.randint(1, 8)]
        elif op == 3 and buf:
            end = min(len(buf), at + rng.randint(1, 64))
            buf[at:at] = buf[at:end] * rng.randint(1, 8)
        elif op == 4:
            buf[at:at] = rng.choice([b"9" * 40, b"-1", b"0", b"[", b"{", b"(", b"**", b"\xff\xff\xff\x7f", b"None",
                                     b"1e308", b"\0"])
        else:
            buf = buf[:at]
    return bytes(buf[:1 << 20])


def warm(target: str) -> None:
    """Run the seeds once, unjudged: the first input of a process pays for lazy imports, which is no hang."""
    from rnnparams.errors import RnnParamsError

    for data in seeds(target, findings=False):  # (a kept finding may be slow by nature: an HDF5 loop is 5 s)
        with contextlib.suppress(RnnParamsError, Exception):
            TARGETS[target](data)


def run_budget(target: str, seconds: float, seed: int = 0) -> Iterator[tuple[bytes, str]]:
    """Mutate the seeds for `seconds`, yielding (input, failure kind) for each finding."""
    rng = random.Random(seed)
    pool = seeds(target)
    warm(target)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = mutate(rng.choice(pool), rng)
        kind = classify(target, data)
        if kind is not None:
            yield data, kind
