"""Command line: argument parsing and dispatch only. Each command is a `setup_*` (its arguments) and a
`run_*` (call the library, print a renderer's text); heavy or optional modules are imported inside `run_*`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .conventions import REGISTRY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis.hubdir import DirectoryCheck

FRAMEWORK_IDS = tuple(REGISTRY)
EXAMPLES = {
    "count": """examples:
  rnnparams count "nn.LSTM(100, 256)"
  rnnparams count "nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)" --json
  rnnparams count "LSTM(256)" --framework keras --input-shape 35,100
  rnnparams count "SimpleRNN(3, input_shape=[50, 3]); Dense(1)"
  rnnparams count "Embedding(1000, 64); SimpleRNN(32)" --tensors
  rnnparams count model.json            (a spec file: .json, .yaml, .toml)
  rnnparams count model.py              (Keras / PyTorch code, read without running it: lists its models)
  rnnparams count model.py --model Encoder --set hidden_size=512 --set args.nlayers=3
  rnnparams count model.py::Encoder --emit-spec yaml
""",
}
EXAMPLES["explain"] = """examples:
  rnnparams explain "nn.LSTM(100, 256)"
  rnnparams explain "SimpleRNN(64, input_shape=[None, 100]); Dense(10)" --lang zh
  rnnparams explain "nn.GRU(128, 256, num_layers=2, bidirectional=True)" --format markdown
"""
EXAMPLES["formula"] = """examples:
  rnnparams formula "nn.LSTM(100, 256, num_layers=2, bidirectional=True)"
  rnnparams formula "Embedding(10000, 128); LSTM(256); Dense(10)" --latex
"""
EXAMPLES["check"] = """examples:
  rnnparams check "nn.LSTM(100, 256)" --claimed 1109312
  rnnparams check "LSTM(256, input_shape=(35, 100))" --claimed 366,592 --lang zh
exit status: 0 the claim is right, 1 it is wrong, 2 bad input
"""
EXAMPLES["compare"] = """examples:
  rnnparams compare "nn.GRU(128, 256, num_layers=2)"
  rnnparams compare "Embedding(1000, 64); GRU(32); Dense(2)" --frameworks keras,keras2,pytorch
"""
EXAMPLES["inspect"] = """examples:
  rnnparams inspect model.pt                   (torch.save: a state_dict or a whole nn.Module)
  rnnparams inspect model.safetensors --json
  rnnparams inspect model.keras                (also .h5 with h5py: pip install 'rnnparams[h5]')
  rnnparams inspect model.onnx
  rnnparams inspect model.pt --as-spec > model.json && rnnparams count model.json
nothing in the file is run: pickles go through a restricted unpickler that rebuilds tensor metadata only
"""
EXAMPLES["estimate"] = """examples:
  rnnparams estimate "nn.LSTM(100, 256)" --batch 32 --seq-len 50
  rnnparams estimate "nn.Embedding(10000, 128); nn.LSTM(128, 256, batch_first=True); nn.Linear(256, 10)" \\
      --batch 64 --seq-len 100 --optimizer adamw --dtype bfloat16 --mixed-precision
  rnnparams estimate "nn.GRU(64, 128, num_layers=2)" --batch 16 --seq-len 200 --mode inference --json
  rnnparams estimate "Sequential([Input((50, 3)), LSTM(64), Dense(1)])" --batch 32

definitions:
  MAC    one multiply-accumulate of a weight product: a (G·H, I) weight applied to one input vector is G·H·I
         MACs, so one step of a layer costs the sizes of its weight matrices (input, recurrent, projection,
         dense/conv kernels); an embedding lookup costs none.
  FLOPs  2 · MACs (1 MAC = 2 FLOPs) + one addition per bias number + the cell's elementwise work (gate
         nonlinearities, cell and hidden updates: LSTM 9·H, GRU 8·H, RNN 1·H per layer and direction and
         step; normalization, dropout, pooling per number), 1 FLOP per operation per number, so the count
         compares with hand derivations; backward op by op (weight gradients of trainable weights, input
         gradients where autograd needs them, bias gradients, the cell's elementwise backward).
  bytes  exact bytes, also in binary units (1 KiB = 1,024 B). Weights, gradients and optimizer state (Adam:
         exp_avg, exp_avg_sq and a 4-byte float32 `step` per parameter tensor; Keras: + 8 bytes) follow the
         counted tensors exactly; activations are what autograd keeps for backward, modelled per kernel path
         (--device cpu: oneDNN LSTM or PyTorch's step-by-step cells; cuda: cuDNN); with --mixed-precision,
         float16/bfloat16 weights, gradients and activations plus float32 master weights and optimizer state.
  total  the sum of every line, not a peak: a training step's measured CPU peak is 0.9-3x it, for the
         temporaries of the forward and backward kernels (docs/estimates.md, validate_memory.py --peaks).
"""
EXAMPLES["solve"] = """examples:
  rnnparams solve "nn.LSTM(100, 256, num_layers=2)" --vary hidden_size --params 10M
  rnnparams solve "Embedding(20000, 128); LSTM(256); Dense(10)" --vary lstm.units --params 5M --multiple-of 8
  rnnparams solve "nn.GRU(64, 512)" --vary batch --memory 8GiB --seq-len 200
  rnnparams solve "nn.LSTM(100, 256)" --vary hidden_size --flops 1T --batch 64 --seq-len 200 --json
  rnnparams solve "nn.LSTM(100, 256)" --vary num_layers --params 10M --smallest
every candidate is counted exactly; the answer is shown with the value just beyond it. Exit 2 when no value fits.
"""
EXAMPLES["sweep"] = """examples:
  rnnparams sweep "nn.LSTM(100, 256)" --vary hidden_size=64..1024:64
  rnnparams sweep "nn.LSTM(100, 256)" --vary hidden_size=64..512:64 --compare keras,keras2 --chart lstm.svg
  rnnparams sweep "nn.GRU(64, 128)" --vary seq_len=1,10,100,1000 --batch 32 --metric memory --csv
  rnnparams sweep "LSTM(64)" "GRU(64)" --framework keras --input-shape 50,8 --vary units=16..256:16 --json
"""
EXAMPLES["frameworks"] = """examples:
  rnnparams frameworks
  rnnparams frameworks --json
  rnnparams compare "nn.LSTM(100, 256)" --frameworks all
"""
EXAMPLES["serve"] = """examples:
  rnnparams serve                      (http://127.0.0.1:8000/: the calculator page and the JSON API)
  rnnparams serve --port 0             (any free port; the address is printed)
  curl -s localhost:8000/api/count -d '{"model": "nn.LSTM(100, 256)"}'
needs the web extra: pip install 'rnnparams[web]'
"""
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


def setup_count(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("-t", "--tensors", action="store_true", help="list every tensor in the table")
    p.add_argument("--emit-spec", metavar="FORMAT", choices=("json", "yaml", "toml"),
                   help="print the model as a spec file (json, yaml or toml) instead of counting it")
    p.add_argument("-m", "--model", dest="model_name", metavar="NAME",
                   help="which model of a .py file: a variable, class or function name (default: list them all)")
    p.add_argument("-s", "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="a value the code cannot give without running (repeatable): a constant, an __init__ "
                        "argument, args.NAME of argparse, config.NAME of a config dict...; e.g. --set hidden=256")
    p.add_argument("--partial", action="store_true",
                   help="for a .py file whose model has parts the reader cannot see into (a backbone from "
                        "torchvision or timm...): count what the file defines, list each part left out with its "
                        "line, and exit 1: the total is a lower bound")
    _plot_argument(p, "parameters, per layer and per tensor role (input and recurrent weights, biases...)")


def _plot_argument(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--plot", nargs="?", const="-", metavar="FILE",
                   help=f"where the {what} go: a bar chart in the terminal, or written to FILE.svg / FILE.png "
                        "(PNG needs matplotlib: pip install 'rnnparams[plot]')")
    if not any(a.dest == "lang" for a in p._actions):
        p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language of the chart: en or zh")


def _check_plot_path(args: argparse.Namespace) -> None:
    """A bad --plot file is said before any counting is printed."""
    if args.plot not in (None, "-") and not args.plot.lower().endswith((".svg", ".png")):
        from .errors import UsageError

        raise UsageError(f"--plot {args.plot}: a chart is written as FILE.svg or FILE.png (or --plot alone for "
                         "the terminal)")


def _plot(args: argparse.Namespace, groups: Sequence[tuple[str, Sequence[tuple[str, int]]]], title: str) -> None:
    from .render.design import text_plot, write_plot

    if args.plot == "-":
        print()
        print(text_plot(groups, args.lang))
    else:
        write_plot(groups, title, args.plot)


def run_count(args: argparse.Namespace) -> int:
    from .api import count, is_code, looks_like_path, to_spec

    _check_plot_path(args)
    if args.model == "-":
        args.model = sys.stdin.read()
    path = args.model.strip()
    is_py = is_code(args.model) or (looks_like_path(path) and path.lower().endswith(".py"))
    if is_py and args.model_name is None:
        from .api import models_in_file

        listing = models_in_file(path, args.framework, args.input_shape, overrides=args.overrides,
                                 partial=args.partial)
        if len(listing.models) > 1:
            if args.emit_spec:
                from .errors import UsageError

                raise UsageError(f"{listing.source} defines {len(listing.models)} models "
                                 f"({', '.join(m.name for m in listing.models)}); choose one with --model NAME")
            if args.json:
                from .render.json import dumps

                print(dumps(listing.to_dict()))
            else:
                from .render.listing import render_listing

                print(render_listing(listing))
            if not listing.counted:
                return 2
            return 1 if any(m.report is not None and m.report.lower_bound for m in listing.models) else 0
    if args.emit_spec:
        from .inputs.specfile import dump_spec

        spec = to_spec(args.model, args.framework, args.input_shape, select=args.model_name,
                       overrides=args.overrides)
        count(spec)  # a spec is only worth writing if it counts
        print(dump_spec(spec, args.emit_spec), end="")
        return 0
    report = count(args.model, args.framework, args.input_shape, select=args.model_name, overrides=args.overrides,
                   partial=args.partial)
    print_warnings(report.warnings)
    if args.json:
        from .render.json import render_json

        print(render_json(report))
    else:
        from .render.table import render_table

        print(render_table(report, tensors=args.tensors))
    if args.plot:
        from .render.design import count_groups

        _plot(args, count_groups(report, args.lang), report.name or args.model.strip().splitlines()[0][:80])
    return 1 if report.lower_bound else 0


def setup_explain(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")
    p.add_argument("--format", choices=("text", "markdown"), default="text", dest="fmt",
                   help="text (default) or markdown")
    p.add_argument("--resources", action="store_true",
                   help="also derive memory and FLOPs, step by step (needs --batch; see `rnnparams estimate -h`)")
    p.add_argument("-b", "--batch", type=_positive_int, metavar="B", help="sequences per batch (with --resources)")
    p.add_argument("-T", "--seq-len", type=_positive_int, metavar="T", help="time steps (with --resources)")
    p.add_argument("--optimizer", choices=("sgd", "momentum", "adam", "adamw"), default="adam",
                   help="optimizer whose state is counted (with --resources; default adam)")
    p.add_argument("--svg", metavar="FILE",
                   help="also draw each recurrent cell (its tensors' names and shapes, the gate blocks) to FILE.svg")


def run_explain(args: argparse.Namespace) -> int:
    from .api import explain

    if args.resources and args.batch is None:
        from .errors import UsageError

        raise UsageError("--resources needs --batch B (and --seq-len T unless the input shape fixes it)")

    ex = explain(args.model, args.framework, args.input_shape)
    if args.json:
        from .render.json import dumps

        print(dumps(ex.to_dict()))
    else:
        from .render.explain import render_explain

        print(render_explain(ex, args.lang, args.fmt))
    if args.svg:
        from .render.cell import cell_svg
        from .render.chart import write_chart

        if not args.svg.lower().endswith(".svg"):
            from .errors import UsageError

            raise UsageError(f"{args.svg}: the cell diagram is written as an .svg file")
        write_chart(args.svg, cell_svg(ex, args.lang), None)
    if args.resources:
        from .api import estimate
        from .render.estimate import render_resources

        est = estimate(args.model, args.framework, args.input_shape, batch=args.batch, seq_len=args.seq_len,
                       optimizer=args.optimizer)
        print()
        print(render_resources(est, args.lang))
    return 0


def setup_formula(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("--latex", action="store_true", help="print only the LaTeX formula")


def run_formula(args: argparse.Namespace) -> int:
    from .api import formula

    f = formula(args.model, args.framework, args.input_shape)
    if args.json:
        from .render.json import dumps

        print(dumps(f.to_dict()))
    else:
        from .render.formula import render_formula

        print(render_formula(f, latex_only=args.latex))
    return 0


def setup_check(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("-c", "--claimed", required=True, metavar="N",
                   help="the parameter count to check, e.g. 1109312 or 1,109,312")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_check(args: argparse.Namespace) -> int:
    from .api import check

    result = check(args.model, args.claimed, args.framework, args.input_shape)
    if args.json:
        from .render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from .render.check import render_check

        print(render_check(result, args.lang))
    return 0 if result.correct else 1


def setup_compare(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    from .conventions import FRAMEWORKS

    compared = ",".join(f for f in FRAMEWORKS if FRAMEWORKS[f].compared)
    p.add_argument("--frameworks", default=None, metavar="F1,F2,...",
                   help=f"frameworks to compare, comma-separated, or all (default: {compared})")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_compare(args: argparse.Namespace) -> int:
    from .api import compare

    result = compare(args.model, args.frameworks, args.framework, args.input_shape)
    if args.json:
        from .render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from .render.compare import render_compare

        print(render_compare(result, args.lang))
    return 0


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


def setup_estimate(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("-b", "--batch", type=_positive_int, required=True, metavar="B", help="sequences per batch")
    p.add_argument("-T", "--seq-len", type=_positive_int, metavar="T",
                   help="time steps per sequence (needed unless the model's input shape fixes them)")
    p.add_argument("--dtype", choices=("float32", "float16", "bfloat16", "int8"), default="float32",
                   help="number format of weights and activations (default float32; int8: weight-only "
                        "quantized inference, activations float32)")
    p.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop",
                                           "rmsprop-centered", "adagrad", "adafactor", "adam8bit"), default="adam",
                   help="optimizer state per parameter: sgd none, momentum/nesterov 1, adam/adamw 2, rmsprop 1 "
                        "(centered 2), adagrad 1, adafactor row and column factors, adam8bit bitsandbytes' 8-bit "
                        "states (default adam)")
    p.add_argument("--mixed-precision", action="store_true",
                   help="float16/bfloat16 weights, gradients and activations with float32 master weights and "
                        "optimizer state (needs --dtype float16 or bfloat16)")
    p.add_argument("--mode", choices=("train", "inference"), default="train",
                   help="train (default): one training step; inference: forward only")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="PyTorch kernels whose saved activations are modelled: cpu (oneDNN LSTM, step-by-step "
                        "cells; measured exactly) or cuda (cuDNN reserve space; not measured here)")
    p.add_argument("--cpu-kernels", choices=("onednn", "native"), default="onednn",
                   help="PyTorch's CPU RNN kernels: onednn (default: float32 nn.LSTM through oneDNN) or native "
                        "(oneDNN disabled: step-by-step cells)")
    p.add_argument("--checkpointing", action="store_true",
                   help="every layer checkpointed (torch.utils.checkpoint): activations are the layers' inputs, "
                        "the forward runs again in the backward pass")
    p.add_argument("--autocast", choices=("bf16", "fp16"), default=None,
                   help="torch.autocast('cpu', bfloat16 or float16) around the forward of float32 parameters: 16-bit "
                        "activations and weight copies, float32 where torch keeps it (Linear, RNN, GRU, LSTM, their "
                        "cells, Embedding, Dropout, elementwise activations; other layers are refused)")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")
    _plot_argument(p, "bytes of a step (weights, gradients, optimizer state, activations), per kind and per layer,")


def run_estimate(args: argparse.Namespace) -> int:
    from .api import estimate, is_sequence_model

    _check_plot_path(args)
    if is_sequence_model(args.model, args.framework, args.input_shape):
        return _run_sequence_estimate(args)
    est = estimate(args.model, args.framework, args.input_shape, batch=args.batch, seq_len=args.seq_len,
                   dtype=args.dtype, optimizer=args.optimizer, mixed_precision=args.mixed_precision,
                   mode=args.mode, device=args.device, cpu_kernels=args.cpu_kernels,
                   checkpointing=args.checkpointing, autocast=args.autocast)
    print_warnings(est.warnings)
    if args.json:
        from .render.json import dumps

        print(dumps(est.to_dict()))
    else:
        from .render.estimate import render_estimate

        print(render_estimate(est, args.lang))
    if args.plot:
        from .render.design import estimate_groups

        _plot(args, estimate_groups(est, args.lang), args.model.strip().splitlines()[0][:80])
    return 0


def _run_sequence_estimate(args: argparse.Namespace) -> int:
    """A sequence model (transformers, mamba.py, the block packages): prefill, decoding and the state."""
    from .api import estimate_sequence
    from .errors import UsageError

    if args.plot:
        raise UsageError("--plot draws the per-layer memory of PyTorch and Keras estimates; a sequence model's "
                         "estimate has no activation lines to draw (drop --plot)")
    est = estimate_sequence(args.model, args.framework, args.input_shape, batch=args.batch, seq_len=args.seq_len,
                            dtype=args.dtype, optimizer=args.optimizer, mixed_precision=args.mixed_precision,
                            mode=args.mode, device=args.device, cpu_kernels=args.cpu_kernels,
                            checkpointing=args.checkpointing)
    print_warnings(est.warnings)
    if args.json:
        from .render.json import dumps

        print(dumps(est.to_dict()))
    else:
        from .render.sequence import render_sequence_estimate

        print(render_sequence_estimate(est, args.lang))
    return 0


def _estimate_arguments(p: argparse.ArgumentParser, *, batch_required: bool = False) -> None:
    p.add_argument("-b", "--batch", type=_positive_int, required=batch_required, metavar="B",
                   help="sequences per batch (for memory and FLOPs)")
    p.add_argument("-T", "--seq-len", type=_positive_int, metavar="T",
                   help="time steps per sequence (needed unless the model's input shape fixes them)")
    p.add_argument("--dtype", choices=("float32", "float16", "bfloat16", "int8"), default="float32",
                   help="number format (default float32), as in `rnnparams estimate`")
    p.add_argument("--optimizer", choices=("sgd", "momentum", "adam", "adamw"), default="adam",
                   help="optimizer whose state is counted (default adam)")
    p.add_argument("--mixed-precision", action="store_true", help="as in `rnnparams estimate`")
    p.add_argument("--mode", choices=("train", "inference"), default="train",
                   help="train (default): one training step; inference: forward only")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="as in `rnnparams estimate`")


def _file_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-m", "--model", dest="model_name", metavar="NAME",
                   help="which model of a .py file: a variable, class or function name")
    p.add_argument("-s", "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE",
                   help="a value the code cannot give without running (repeatable), as in `rnnparams count`")


def _estimate_kwargs(args: argparse.Namespace) -> dict[str, object]:
    return {"select": args.model_name, "overrides": args.overrides or None,
            "batch": args.batch, "seq_len": args.seq_len, "dtype": args.dtype, "optimizer": args.optimizer,
            "mixed_precision": args.mixed_precision, "mode": args.mode, "device": args.device}


def setup_solve(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("--vary", required=True, metavar="NAME",
                   help="the size to solve for: a constructor argument (hidden_size, units, num_layers, proj_size, "
                        "embedding_dim...), LAYER.NAME when several layers have it (lstm_1.units, 0.hidden_size), "
                        "*.NAME to set them all together, input.K a dimension of --input-shape; batch or seq_len "
                        "with --memory / --flops")
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument("--params", metavar="N", help="parameter budget: 10M, 1.5G, 250K or 10000000")
    budget.add_argument("--memory", metavar="BYTES",
                        help="memory of one step (the estimate's total): 8GiB, 512MiB, 2GB (needs --batch); for a "
                             "sequence model (a Hugging Face config, mamba.py, the block packages) the total without "
                             "activations that `estimate` prints (needs --seq-len)")
    budget.add_argument("--flops", metavar="N",
                        help="FLOPs of one batch (forward + backward when training): 1T, 500G (needs --batch); for a "
                             "sequence model B × the prefill over --seq-len tokens, with --mode inference (its "
                             "training step's FLOPs are not modelled)")
    p.add_argument("--multiple-of", type=_positive_int, default=1, metavar="M",
                   help="only multiples of M (8 for tensor cores)")
    p.add_argument("--smallest", "--minimize", action="store_true", dest="smallest",
                   help="the smallest value that reaches the budget (a lower bound) instead of the largest within it")
    _file_arguments(p)
    _estimate_arguments(p)
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_solve(args: argparse.Namespace) -> int:
    from .api import solve

    sol = solve(args.model, args.vary, params=args.params, memory=args.memory, flops=args.flops,
                smallest=args.smallest, multiple_of=args.multiple_of, framework=args.framework,
                input_shape=args.input_shape, **_estimate_kwargs(args))  # type: ignore[arg-type]
    if args.json:
        from .render.json import dumps

        print(dumps(sol.to_dict()))
    else:
        from .render.design import render_solution

        print(render_solution(sol, args.lang))
    return 0


def setup_sweep(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("more_models", nargs="*", metavar="MODEL",
                   help="more models on the same chart (same framework options)")
    p.add_argument("--vary", required=True, metavar="NAME=VALUES",
                   help="the size and its values: hidden_size=64..1024:64 (START..STOP:STEP, STOP included) or "
                        "seq_len=1,10,100,1000; NAME as in `rnnparams solve` (LAYER.NAME, *.NAME), or batch, "
                        "seq_len with --batch")
    p.add_argument("--metric", choices=("params", "memory", "flops"), default="params",
                   help="what the chart shows: params (default), memory or flops (those need --batch); memory and "
                        "flops as `solve --memory` / `--flops` define them, for sequence models too")
    p.add_argument("--compare", metavar="F1,F2", help="also the same architecture in these frameworks (params)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    out.add_argument("--svg", action="store_true", help="print the chart as SVG")
    p.add_argument("--chart", metavar="FILE", help="write the chart: FILE.svg, or FILE.png (needs matplotlib: "
                                                   "pip install 'rnnparams[plot]')")
    _file_arguments(p)
    _estimate_arguments(p)
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language of the chart: en or zh")


def run_sweep(args: argparse.Namespace) -> int:
    from .analysis.design import Sweep
    from .api import sweep

    parts = [sweep(model, args.vary, metric=args.metric, compare=args.compare, framework=args.framework,
                   input_shape=args.input_shape, **_estimate_kwargs(args))  # type: ignore[arg-type]
             for model in [args.model, *args.more_models]]
    result = Sweep(parts[0].variable, parts[0].metric, tuple(s for part in parts for s in part.series))
    print_warnings(list(dict.fromkeys(w for s in result.series for p in s.points for w in p.warnings)))
    from .render import design

    if args.chart:
        design.write_sweep_chart(result, args.chart, args.lang)
    if args.json:
        from .render.json import dumps

        print(dumps(result.to_dict()))
    elif args.csv:
        print(design.sweep_csv(result), end="")
    elif args.svg:
        print(design.sweep_svg(result, args.lang), end="")
    else:
        print(design.render_sweep(result))
    return 0


def setup_state(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("-b", "--batch", type=_positive_int, default=1, metavar="B", help="sequences in the batch (1)")
    p.add_argument("--dtype", choices=("float32", "float16", "bfloat16", "int8"), default="float32",
                   help="bytes per number of the weights and the state (float32)")
    p.add_argument("-T", "--seq-len", type=_positive_int, metavar="T",
                   help="tokens of context: a hybrid's attention KV cache after T tokens (without it: per token)")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_state(args: argparse.Namespace) -> int:
    from .api import recurrent_state

    st = recurrent_state(args.model, args.framework, args.input_shape, batch=args.batch, dtype=args.dtype,
                         seq_len=args.seq_len)
    if args.json:
        from .render.json import dumps

        print(dumps(st.to_dict()))
    else:
        from .render.state import render_state

        print(render_state(st, args.lang))
    return 0


def setup_inspect(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE",
                   help="a checkpoint: .safetensors, .pt/.pth/.bin (torch.save zip), .keras, .h5, .onnx")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--as-spec", action="store_true",
                   help="print the recognised model as a spec file that `rnnparams count` takes")
    p.add_argument("--spec-format", choices=("json", "yaml", "toml"), default="json",
                   help="the spec's format with --as-spec: json (default), yaml or toml")
    p.add_argument("--all-tensors", action="store_true", help="list every tensor (default: the first 100)")


def run_inspect(args: argparse.Namespace) -> int:
    from .api import inspect

    result = inspect(args.file)
    from .analysis.hubdir import DirectoryCheck

    if isinstance(result, DirectoryCheck):  # a model directory: config.json against its weight files
        return _print_directory(result, args)
    if args.as_spec:
        from .inputs.specfile import dump_spec

        if result.spec is None:
            from .errors import InputError

            raise InputError(f"{args.file}: no layer in it is recognised, so there is no spec to write "
                             f"({len(result.tensors):,} tensors, {result.total_params:,} parameters)")
        if result.spec_difference and result.spec_difference > 0:
            print_warnings([f"the spec counts {result.spec_difference:,} fewer parameters than the checkpoint "
                            f"holds ({len(result.unrecognised):,} unrecognised tensors"
                            + (f"; left out: {', '.join(result.left_out)}" if result.left_out else "") + ")"])
        print(dump_spec(result.spec, args.spec_format), end="")
        return 0
    if args.json:
        from .render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from .render.inspect import render_inspect

        print(render_inspect(result, tensor_rows=None if args.all_tensors else 100))
    return 0


def _print_directory(result: DirectoryCheck, args: argparse.Namespace) -> int:
    if args.as_spec:
        from .inputs.specfile import dump_spec

        print(dump_spec(result.spec, args.spec_format), end="")
        return 0
    if args.json:
        from .render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from .render.hubdir import render_directory

        print(render_directory(result, getattr(args, "lang", "en")))
    return 0 if result.matches else 1


def setup_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--framework", choices=FRAMEWORK_IDS,
                   help="only this framework's layers (default: every framework)")


def run_schema(args: argparse.Namespace) -> int:
    from .inputs.schema import spec_schema
    from .render.json import dumps

    print(dumps(spec_schema(None if args.framework is None else (args.framework,))))
    return 0


def setup_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 exposes it)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    from .web.pool import DEFAULT_WORKERS, REQUEST_CPU_SECONDS

    p.add_argument("--processes", type=_positive_int, default=1, metavar="P",
                   help="server processes sharing the port, each with its own workers and cache (default 1; "
                        "one per core for throughput)")
    p.add_argument("--workers", type=_positive_int, default=DEFAULT_WORKERS, metavar="N",
                   help=f"worker processes for answers that may be heavy (default {DEFAULT_WORKERS})")
    p.add_argument("--request-cpu-seconds", type=_positive_seconds, default=REQUEST_CPU_SECONDS, metavar="S",
                   help="CPU time one uncached answer may take in its worker before it is stopped with a 422 "
                        f"(default {REQUEST_CPU_SECONDS:g})")


def run_serve(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        from .errors import UsageError

        raise UsageError(f"rnnparams serve needs FastAPI and uvicorn ({exc.name} is not installed): "
                         "pip install 'rnnparams[web]'") from None
    from .web.app import serve

    return serve(args.host, args.port, args.workers, args.request_cpu_seconds, args.processes)


def setup_frameworks(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def run_frameworks(args: argparse.Namespace) -> int:
    from .analysis.frameworks import list_frameworks

    rows = list_frameworks()
    if args.json:
        from .render.json import dumps

        print(dumps([row.to_dict() for row in rows]))
    else:
        from .render.frameworks import render_frameworks

        print(render_frameworks(rows))
    return 0


def print_warnings(warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


COMMANDS: dict[str, tuple[str, str, Callable[[argparse.ArgumentParser], None], Handler]] = {
    "count": ("count parameters, per layer and per tensor",
              "Count parameters the way the framework does: totals, trainable / non-trainable, PyTorch buffers, "
              "per-layer output shapes and final states, and (with --json or --tensors) every tensor's name and "
              "shape.", setup_count, run_count),
    "explain": ("explain every number, step by step (English or 中文)",
                "Explain where every parameter comes from: tensors grouped by role, each with its shape, the general "
                "formula, the numbers substituted and the result, then layer and model totals, with the "
                "framework convention notes that matter (bias vectors, gate order, stacked inputs).",
                setup_explain, run_explain),
    "formula": ("the closed-form formula of the whole model (text and LaTeX)",
                "The parameter count of the whole model as one formula in the conventions' symbols "
                "(I input size, H hidden units, L layers, D directions, P projection, V vocabulary, E embedding, "
                "O outputs...), simplified, with the symbols' values and the total.", setup_formula, run_formula),
    "check": ("check a claimed count; diagnose the mistake behind a wrong one",
              "Exit 0 when the claimed count is right. When it is wrong (exit 1), name the mistake that produces "
              "it: biases forgotten, one bias vector instead of two (or the reverse: the other framework's "
              "convention), a wrong gate multiplier, a direction forgotten or doubled, upper layers given I "
              "inputs, input and hidden size swapped, the head or the embedding counted or not, GRU reset_after, "
              "the projection ignored; alone or in pairs.", setup_check, run_check),
    "compare": ("one architecture side by side across frameworks",
                "Count the same architecture in several frameworks, tensor by tensor, and explain the differences "
                "(bias layout, GRU reset_after, gate order, weight layout).", setup_compare, run_compare),
    "estimate": ("memory and FLOPs of a training or inference step",
                 "Estimate the resources of one training (or inference) step on a batch: bytes of weights, "
                 "gradients, optimizer state (and float32 master weights under mixed precision), activations kept "
                 "for backward, recurrent states and the total, in bytes and KiB/MiB/GiB; MACs and FLOPs per layer "
                 "for one time step, one sequence and one batch, forward and forward + backward. 1 MAC = 2 FLOPs; "
                 "FLOPs also count bias additions and the cells' elementwise gate work (definitions below and in "
                 "docs/estimates.md).", setup_estimate, run_estimate),
    "solve": ("the largest size that fits a budget of parameters, memory or FLOPs",
              "Find the largest value of one size (hidden size, layers, embedding or projection size, batch, "
              "sequence length) whose parameters, memory of a step or FLOPs stay within a budget, the other sizes "
              "fixed; every candidate is counted exactly, and the value just beyond the budget is shown beside "
              "the answer.", setup_solve, run_solve),
    "sweep": ("count (or estimate) a model over a range of one size: table, CSV, JSON, chart",
              "Count the model at every value of one size (and estimate it with --batch), as a table, CSV, JSON "
              "(one record per value, the fields of count --json) or a chart (SVG, or PNG with matplotlib); "
              "several models, or the same one in several frameworks (--compare), on one chart.",
              setup_sweep, run_sweep),
    "inspect": ("what a checkpoint holds: parameters and recurrent layers, read safely",
                "Read a checkpoint's headers and metadata only (never its tensor data, never running its code): "
                "total parameters, by dtype, tensor bytes against the file size, every tensor, and the recurrent "
                "layers recognised with their configuration (input size, hidden size, layers, directions, "
                "projection, bias). --as-spec writes the recognised model as a spec that `rnnparams count` "
                "takes. A directory with config.json and *.safetensors (a Hugging Face model) is checked tensor by "
                "tensor against the config's count.", setup_inspect, run_inspect),
    "state": ("the state a model carries between tokens (per sequence) and its weights' memory",
              "The recurrent state per sequence — Mamba's convolution and SSM states, RWKV's vectors, RG-LRU "
              "states, a local-attention window, an LSTM's h and c — read off the layers' state shapes: the number "
              "to compare with a transformer's KV cache; it does not grow with the sequence.", setup_state,
              run_state),
    "frameworks": ("the framework conventions, and the package versions each was verified against",
                   "List every framework convention: its id (for --framework), name, whether it was verified "
                   "against the real package (and which versions), its layers and how a model is written.",
                   setup_frameworks, run_frameworks),
    "schema": ("the JSON Schema of spec files (.json, .yaml, .toml)",
               "Print the JSON Schema (draft 2020-12) that spec files follow: the top-level keys, and for each "
               "framework each layer type with its arguments, their kinds, defaults and allowed values, generated "
               "from the conventions (the same tables that count). Validate a spec with any JSON Schema tool; "
               "`rnnparams count SPEC` checks it the same way and names the key path of an error.",
               setup_schema, run_schema),
    "serve": ("the calculator page and JSON API on localhost (needs the web extra)",
              "Serve a calculator page (build a model from layers or paste one: totals, layers, tensors, the "
              "explanation in English or 中文, the cross-framework comparison, the resource estimate) and a JSON "
              "API with the same answers as --json: POST /api/count, /api/explain, /api/formula, /api/check, "
              "/api/compare, /api/estimate, /api/solve, /api/sweep; schema at /openapi.json. Works offline.",
              setup_serve, run_serve),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (for speed) only the command `only` when the arguments name it."""
    parser = argparse.ArgumentParser(
        prog="rnnparams",
        description="Count, explain and check the parameters of recurrent networks exactly as PyTorch and Keras "
                    "count them.",
        epilog=EXAMPLES["count"], formatter_class=HelpFormatter)
    parser.add_argument("--version", action="version", version=f"rnnparams {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (summary, description, setup, handler) in COMMANDS.items():
        if only is not None and name != only:
            continue
        p = sub.add_parser(name, help=summary, description=description, epilog=EXAMPLES.get(name),
                           formatter_class=HelpFormatter)
        setup(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from .errors import RnnParamsError

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
