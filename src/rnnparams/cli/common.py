"""What every command shares: the help formatter, the model arguments, the chart option, positive numbers and
warnings on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from ..conventions import REGISTRY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..spec import ModelSpec

FRAMEWORK_IDS = tuple(REGISTRY)
Handler = Callable[[argparse.Namespace], int]


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter imports shutil (and with it lzma, bz2...) to read the terminal width; asking
    the OS directly keeps that out of every start-up."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            try:
                width = int(os.environ.get("COLUMNS", "")) - 2
            except ValueError:
                try:
                    width = os.get_terminal_size(sys.__stdout__.fileno()).columns - 2  # type: ignore[union-attr]
                except (OSError, AttributeError, ValueError):
                    width = 78
        super().__init__(prog, indent_increment, max_help_position, width)


def add_model_arguments(p: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    """MODEL, --framework, --input-shape (and --json): shared by every command that reads a model."""
    p.add_argument("model", metavar="MODEL",
                   help="a model expression in the framework's own syntax, e.g. \"nn.LSTM(100, 256)\" or "
                        "\"Sequential([Input((50, 3)), SimpleRNN(2), Dense(1)])\" (';' chains layers), "
                        "or a file: model code (.py, read without running it; FILE.py::NAME picks one model) "
                        "or a spec (.json, .yaml, .toml), or - to read code or an expression from stdin")
    p.add_argument("-f", "--framework", choices=FRAMEWORK_IDS,
                   help="framework convention (default: inferred from the names: nn.* is PyTorch, "
                        "Sequential/Dense/keras.layers.* is Keras, paddle.nn.*, mindspore.nn.*, flax.linen.*, "
                        "nnx.*, onnx.*, tf.compat.v1.nn.rnn_cell.*, mx.gluon.rnn.*; `rnnparams frameworks` lists "
                        "them)")
    p.add_argument("-i", "--input-shape", metavar="T,F",
                   help="shape of one input sample without the batch, e.g. 35,100 (time steps, features); "
                        "None for a free dimension")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _plot_argument(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--plot", nargs="?", const="-", metavar="FILE",
                   help=f"where the {what} go: a bar chart in the terminal, or written to FILE.svg / FILE.png "
                        "(PNG needs matplotlib: pip install 'rnnparams[plot]')")
    if not any(a.dest == "lang" for a in p._actions):
        p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language of the chart: en or zh")


def _check_plot_path(args: argparse.Namespace) -> None:
    """A bad --plot file is said before any counting is printed."""
    if args.plot not in (None, "-") and not args.plot.lower().endswith((".svg", ".png")):
        from ..errors import UsageError

        raise UsageError(f"--plot {args.plot}: a chart is written as FILE.svg or FILE.png (or --plot alone for "
                         "the terminal)")


def _plot(args: argparse.Namespace, groups: Sequence[tuple[str, Sequence[tuple[str, int]]]], title: str) -> None:
    from ..render.design import text_plot, write_plot

    if args.plot == "-":
        print()
        print(text_plot(groups, args.lang))
    else:
        write_plot(groups, title, args.plot)


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {value})")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, not {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600 seconds (got {text})")
    return value


def print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def add_file_arguments(p: argparse.ArgumentParser, *, lists: bool = False) -> None:
    """--model NAME and --set NAME=VALUE: which model of a .py file, and the values a file cannot give (a config
    file's fields too), for every command that reads a model; `lists`: without --model the command lists a file's
    models (count)."""
    p.add_argument("-m", "--model", dest="model_name", metavar="NAME",
                   help="which model of a .py file: a variable, class or function name"
                        + (" (default: list them all)" if lists else ""))
    p.add_argument("-s", "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="a value the code cannot give without running (repeatable): a constant, an __init__ "
                        "argument, args.NAME of argparse, config.NAME of a config dict...; e.g. --set hidden=256; "
                        "or a field of a config.json (--set num_hidden_layers=48)")


def model_of(args: argparse.Namespace) -> str | ModelSpec:
    """The model as the command line gives it: the text, or with --model / --set the spec they pick and set."""
    if getattr(args, "model_name", None) is None and not getattr(args, "overrides", None):
        return str(args.model)
    from ..api import to_spec

    return to_spec(args.model, args.framework, args.input_shape, select=args.model_name, overrides=args.overrides)
