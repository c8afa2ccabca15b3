"""Command line: argument parsing and dispatch only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__

EPILOG = """examples:
  rnnparams count "nn.LSTM(100, 256)"
  rnnparams count "nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)" --json
  rnnparams count "LSTM(256)" --framework keras --input-shape 35,100
  rnnparams count "SimpleRNN(3, input_shape=[50, 3]); Dense(1)"
  rnnparams count "Embedding(1000, 64); SimpleRNN(32)"
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnparams",
        description="Count the parameters of recurrent networks exactly as PyTorch and Keras count them.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rnnparams {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    count = sub.add_parser(
        "count", help="count parameters, per layer and per tensor", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Count parameters the way the framework does: totals, trainable / non-trainable, PyTorch "
                    "buffers, per-layer output shapes and final states, and (with --json or --tensors) every "
                    "tensor's name and shape.")
    count.add_argument("model", metavar="MODEL",
                       help="a model expression in the framework's own syntax, e.g. \"nn.LSTM(100, 256)\" or "
                            "\"Sequential([Input((50, 3)), SimpleRNN(2), Dense(1)])\"; ';' chains layers")
    count.add_argument("-f", "--framework", choices=("pytorch", "keras", "keras2"),
                       help="framework convention (default: inferred from the names: nn.* is PyTorch, "
                            "Sequential/Dense/keras.layers.* is Keras)")
    count.add_argument("-i", "--input-shape", metavar="T,F",
                       help="shape of one input sample without the batch, e.g. 35,100 (time steps, features); "
                            "None for a free dimension")
    count.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    count.add_argument("-t", "--tensors", action="store_true", help="list every tensor in the table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .errors import RnnParamsError

    try:
        return _dispatch(args)
    except RnnParamsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for the user; say what happened
        print(f"internal error: {type(exc).__name__}: {exc}\nThis is a bug in rnnparams; please report it with "
              "the command you ran.", file=sys.stderr)
        return 3


def _dispatch(args: argparse.Namespace) -> int:
    from .api import count

    report = count(args.model, args.framework, args.input_shape)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        from .render.json import render_json

        print(render_json(report))
    else:
        from .render.table import render_table

        print(render_table(report, tensors=args.tensors))
    return 0
