"""A framework oracle as a subprocess: reads one JSON request per line on stdin, answers one JSON line.

    python worker.py FRAMEWORK        (flax, paddle, mindspore, tf1, mxnet)

Each request is {"expr": "<the model expression>", "framework": "<rnnparams id>", "input": [concrete shape],
"forward": true}; the worker builds the model by evaluating the expression with the real package (tests
are trusted code), initialises it, optionally runs one batch through it, and answers
{"params": [[name, shape, trainable], ...], "output": [shape, ...], "states": [shape, ...]}
or {"error": "<ExceptionType>: <message>"}. Frameworks that cannot share a process with torch (or with
each other, or need another numpy) run here, each in its own interpreter; the framework's logs go to stderr.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("GLOG_v", "3")
os.environ.setdefault("GLOG_minloglevel", "3")


def main() -> int:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # framework chatter must never corrupt the answers
    module = importlib.import_module(f"fw_{sys.argv[1].replace('-', '_')}")
    real_stdout.write(json.dumps({"ready": module.versions()}) + "\n")
    real_stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = module.probe(request)
        except Exception as exc:  # the framework refused the model: the test compares the message
            answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=3)}
        real_stdout.write(json.dumps(answer) + "\n")
        real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
