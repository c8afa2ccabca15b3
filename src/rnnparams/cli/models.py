"""The commands that read one model and answer about its parameters: count, explain, formula, check, compare."""

from __future__ import annotations

import argparse
import sys

from .common import (
    _check_plot_path,
    _plot,
    _plot_argument,
    _positive_int,
    add_file_arguments,
    add_model_arguments,
    model_of,
    print_warnings,
)


def setup_count(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("-t", "--tensors", action="store_true", help="list every tensor in the table")
    p.add_argument("--emit-spec", metavar="FORMAT", choices=("json", "yaml", "toml"),
                   help="print the model as a spec file (json, yaml or toml) instead of counting it")
    add_file_arguments(p, lists=True)
    p.add_argument("--partial", action="store_true",
                   help="for a .py file whose model has parts the reader cannot see into (a backbone from "
                        "torchvision or timm...): count what the file defines, list each part left out with its "
                        "line, and exit 1: the total is a lower bound")
    _plot_argument(p, "parameters, per layer and per tensor role (input and recurrent weights, biases...)")


def run_count(args: argparse.Namespace) -> int:
    from ..api import count, is_code, looks_like_path, to_spec

    _check_plot_path(args)
    if args.model == "-":
        args.model = sys.stdin.read()
    path = args.model.strip()
    is_py = is_code(args.model) or (looks_like_path(path) and path.lower().endswith(".py"))
    if is_py and args.model_name is None:
        from ..api import models_in_file

        listing = models_in_file(path, args.framework, args.input_shape, overrides=args.overrides,
                                 partial=args.partial)
        if len(listing.models) > 1:
            if args.emit_spec:
                from ..errors import UsageError

                raise UsageError(f"{listing.source} defines {len(listing.models)} models "
                                 f"({', '.join(m.name for m in listing.models)}); choose one with --model NAME")
            if args.json:
                from ..render.json import dumps

                print(dumps(listing.to_dict()))
            else:
                from ..render.listing import render_listing

                print(render_listing(listing))
            if not listing.counted:
                return 2
            return 1 if any(m.report is not None and m.report.lower_bound for m in listing.models) else 0
    if args.emit_spec:
        from ..inputs.specfile import dump_spec

        spec = to_spec(args.model, args.framework, args.input_shape, select=args.model_name,
                       overrides=args.overrides)
        count(spec)  # a spec is only worth writing if it counts
        print(dump_spec(spec, args.emit_spec), end="")
        return 0
    report = count(args.model, args.framework, args.input_shape, select=args.model_name, overrides=args.overrides,
                   partial=args.partial)
    print_warnings(report.warnings)
    if args.json:
        from ..render.json import render_json

        print(render_json(report))
    else:
        from ..render.table import render_table

        print(render_table(report, tensors=args.tensors))
    if args.plot:
        from ..render.design import count_groups

        _plot(args, count_groups(report, args.lang), report.name or args.model.strip().splitlines()[0][:80])
    return 1 if report.lower_bound else 0


def setup_explain(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_file_arguments(p)
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
    from ..api import explain

    if args.resources and args.batch is None:
        from ..errors import UsageError

        raise UsageError("--resources needs --batch B (and --seq-len T unless the input shape fixes it)")

    ex = explain(model_of(args), args.framework, args.input_shape)
    if args.json:
        from ..render.json import dumps

        print(dumps(ex.to_dict()))
    else:
        from ..render.explain import render_explain

        print(render_explain(ex, args.lang, args.fmt))
    if args.svg:
        from ..render.cell import cell_svg
        from ..render.chart import write_chart

        if not args.svg.lower().endswith(".svg"):
            from ..errors import UsageError

            raise UsageError(f"{args.svg}: the cell diagram is written as an .svg file")
        write_chart(args.svg, cell_svg(ex, args.lang), None)
    if args.resources:
        from ..api import estimate
        from ..render.estimate import render_resources

        est = estimate(model_of(args), args.framework, args.input_shape, batch=args.batch, seq_len=args.seq_len,
                       optimizer=args.optimizer)
        print()
        print(render_resources(est, args.lang))
    return 0


def setup_formula(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_file_arguments(p)
    p.add_argument("--latex", action="store_true", help="print only the LaTeX formula")


def run_formula(args: argparse.Namespace) -> int:
    from ..api import formula

    f = formula(model_of(args), args.framework, args.input_shape)
    if args.json:
        from ..render.json import dumps

        print(dumps(f.to_dict()))
    else:
        from ..render.formula import render_formula

        print(render_formula(f, latex_only=args.latex))
    return 0


def setup_check(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_file_arguments(p)
    p.add_argument("-c", "--claimed", required=True, metavar="N",
                   help="the parameter count to check, e.g. 1109312 or 1,109,312")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_check(args: argparse.Namespace) -> int:
    from ..api import check

    result = check(model_of(args), args.claimed, args.framework, args.input_shape)
    if args.json:
        from ..render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from ..render.check import render_check

        print(render_check(result, args.lang))
    return 0 if result.correct else 1


def setup_compare(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_file_arguments(p)
    from ..conventions import FRAMEWORKS

    compared = ",".join(f for f in FRAMEWORKS if FRAMEWORKS[f].compared)
    p.add_argument("--frameworks", default=None, metavar="F1,F2,...",
                   help=f"frameworks to compare, comma-separated, or all (default: {compared})")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_compare(args: argparse.Namespace) -> int:
    from ..api import compare

    result = compare(model_of(args), args.frameworks, args.framework, args.input_shape)
    if args.json:
        from ..render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from ..render.compare import render_compare

        print(render_compare(result, args.lang))
    return 0
