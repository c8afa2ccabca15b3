"""Command line: argument parsing and dispatch only. Each command is a `setup_*` (its arguments) and a `run_*`
(call the library, print a renderer's text) in the module of its kind (models.py, resources.py, tools.py);
only the named command's module is imported, and heavy or optional modules are imported inside `run_*`."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from .common import HelpFormatter
from .examples import EXAMPLES

COMMANDS: dict[str, tuple[str, str, str]] = {
    "count": ("count parameters, per layer and per tensor",
              "Count parameters the way the framework does: totals, trainable / non-trainable, PyTorch buffers, "
              "per-layer output shapes and final states, and (with --json or --tensors) every tensor's name and "
              "shape.", "models"),
    "explain": ("explain every number, step by step (English or 中文)",
                "Explain where every parameter comes from: tensors grouped by role, each with its shape, the general "
                "formula, the numbers substituted and the result, then layer and model totals, with the "
                "framework convention notes that matter (bias vectors, gate order, stacked inputs).",
                "models"),
    "formula": ("the closed-form formula of the whole model (text and LaTeX)",
                "The parameter count of the whole model as one formula in the conventions' symbols "
                "(I input size, H hidden units, L layers, D directions, P projection, V vocabulary, E embedding, "
                "O outputs...), simplified, with the symbols' values and the total.", "models"),
    "check": ("check a claimed count; diagnose the mistake behind a wrong one",
              "Exit 0 when the claimed count is right. When it is wrong (exit 1), name the mistake that produces "
              "it: biases forgotten, one bias vector instead of two (or the reverse: the other framework's "
              "convention), a wrong gate multiplier, a direction forgotten or doubled, upper layers given I "
              "inputs, input and hidden size swapped, the head or the embedding counted or not, GRU reset_after, "
              "the projection ignored; alone or in pairs.", "models"),
    "compare": ("one architecture side by side across frameworks",
                "Count the same architecture in several frameworks, tensor by tensor, and explain the differences "
                "(bias layout, GRU reset_after, gate order, weight layout).", "models"),
    "estimate": ("memory and FLOPs of a training or inference step",
                 "Estimate the resources of one training (or inference) step on a batch: bytes of weights, "
                 "gradients, optimizer state (and float32 master weights under mixed precision), activations kept "
                 "for backward, recurrent states and the total, in bytes and KiB/MiB/GiB; MACs and FLOPs per layer "
                 "for one time step, one sequence and one batch, forward and forward + backward. 1 MAC = 2 FLOPs; "
                 "FLOPs also count bias additions and the cells' elementwise gate work (definitions below and in "
                 "docs/estimates.md).", "resources"),
    "solve": ("the largest size that fits a budget of parameters, memory or FLOPs",
              "Find the largest value of one size (hidden size, layers, embedding or projection size, batch, "
              "sequence length) whose parameters, memory of a step or FLOPs stay within a budget, the other sizes "
              "fixed; every candidate is counted exactly, and the value just beyond the budget is shown beside "
              "the answer.", "resources"),
    "sweep": ("count (or estimate) a model over a range of one size: table, CSV, JSON, chart",
              "Count the model at every value of one size (and estimate it with --batch), as a table, CSV, JSON "
              "(one record per value, the fields of count --json) or a chart (SVG, or PNG with matplotlib); "
              "several models, or the same one in several frameworks (--compare), on one chart.",
              "resources"),
    "inspect": ("what a checkpoint holds: parameters and recurrent layers, read safely",
                "Read a checkpoint's headers and metadata only (never its tensor data, never running its code): "
                "total parameters, by dtype, tensor bytes against the file size, every tensor, and the recurrent "
                "layers recognised with their configuration (input size, hidden size, layers, directions, "
                "projection, bias). --as-spec writes the recognised model as a spec that `rnnparams count` "
                "takes. A directory with config.json and *.safetensors (a Hugging Face model) is checked tensor by "
                "tensor against the config's count.", "tools"),
    "state": ("the state a model carries between tokens (per sequence) and its weights' memory",
              "The recurrent state per sequence — Mamba's convolution and SSM states, RWKV's vectors, RG-LRU "
              "states, a local-attention window, an LSTM's h and c — read off the layers' state shapes: the number "
              "to compare with a transformer's KV cache; it does not grow with the sequence.", "resources"),
    "frameworks": ("the framework conventions, and the package versions each was verified against",
                   "List every framework convention: its id (for --framework), name, whether it was verified "
                   "against the real package (and which versions), its layers and how a model is written.",
                   "tools"),
    "schema": ("the JSON Schema of spec files (.json, .yaml, .toml)",
               "Print the JSON Schema (draft 2020-12) that spec files follow: the top-level keys, and for each "
               "framework each layer type with its arguments, their kinds, defaults and allowed values, generated "
               "from the conventions (the same tables that count). Validate a spec with any JSON Schema tool; "
               "`rnnparams count SPEC` checks it the same way and names the key path of an error.",
               "tools"),
    "serve": ("the calculator page and JSON API on localhost (needs the web extra)",
              "Serve a calculator page (build a model from layers or paste one: totals, layers, tensors, the "
              "explanation in English or 中文, the cross-framework comparison, the resource estimate) and a JSON "
              "API with the same answers as --json: POST /api/count, /api/explain, /api/formula, /api/check, "
              "/api/compare, /api/estimate, /api/solve, /api/sweep; schema at /openapi.json. Works offline.",
              "tools"),
}
"""Each command: its one-line summary, its description, and the module (of this package) holding its `setup_NAME`
and `run_NAME`."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (for speed) only the command `only` when the arguments name it."""
    parser = argparse.ArgumentParser(
        prog="rnnparams",
        description="Count, explain and check the parameters of recurrent networks exactly as PyTorch and Keras "
                    "count them.",
        epilog=EXAMPLES["count"], formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"rnnparams {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, description, module) in COMMANDS.items():
        if only is not None and name != only:
            continue
        p = sub.add_parser(name, help=summary, description=description, epilog=EXAMPLES.get(name),
                           formatter_class=HelpFormatter)
        commands = importlib.import_module(f".{module}", __name__)
        getattr(commands, f"setup_{name}")(p)
        p.set_defaults(handler=getattr(commands, f"run_{name}"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # The collector's young generation at 20,000 objects, not 700, while a command runs: it imports its modules and
    # their tables (tens of thousands of objects, none of them garbage), and the collector's passes over them were
    # a tenth of `count`'s start-up. It still runs, so cycles a hostile input builds are still collected; a caller
    # in the same process (a test) gets its own thresholds back.
    thresholds = gc.get_threshold()
    gc.set_threshold(20_000, 10, 10)
    # argparse passes its own words ("usage: ", "options") through gettext, whose first lookup (the locale
    # module, a search for catalogues that Python does not ship) was a twentieth of `count`'s start-up: the words
    # are used as they are while a command runs, and put back after it.
    translators = {name: getattr(argparse, name) for name in ("_", "ngettext")}
    setattr(argparse, "_", _as_written)  # noqa: B010 (a private name of argparse's)
    setattr(argparse, "ngettext", _as_written_plural)  # noqa: B010
    try:
        return _dispatch(sys.argv[1:] if argv is None else list(argv))
    finally:
        gc.set_threshold(*thresholds)
        for name, translator in translators.items():
            setattr(argparse, name, translator)


def _as_written(message: str) -> str:
    return message


def _as_written_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _dispatch(argv: list[str]) -> int:
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from ..errors import RnnParamsError

    try:
        return int(args.handler(args))
    except RnnParamsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # never a traceback for the user; say what happened
        print(f"internal error: {type(exc).__name__}: {exc}\nThis is a bug in rnnparams; please report it with "
              "the command you ran.", file=sys.stderr)
        return 3
