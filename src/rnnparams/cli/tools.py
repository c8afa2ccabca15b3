"""The commands about files and the tool itself: inspect, schema, serve and frameworks."""

from __future__ import annotations

import argparse

from .common import FRAMEWORK_IDS, _positive_int, _positive_seconds, print_warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis.hubdir import DirectoryCheck


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
    from ..api import inspect

    result = inspect(args.file)
    from ..analysis.hubdir import DirectoryCheck

    if isinstance(result, DirectoryCheck):  # a model directory: config.json against its weight files
        return _print_directory(result, args)
    if args.as_spec:
        from ..inputs.specfile import dump_spec

        if result.spec is None:
            from ..errors import InputError

            raise InputError(f"{args.file}: no layer in it is recognised, so there is no spec to write "
                             f"({len(result.tensors):,} tensors, {result.total_params:,} parameters)")
        if result.spec_difference and result.spec_difference > 0:
            print_warnings([f"the spec counts {result.spec_difference:,} fewer parameters than the checkpoint "
                            f"holds ({len(result.unrecognised):,} unrecognised tensors"
                            + (f"; left out: {', '.join(result.left_out)}" if result.left_out else "") + ")"])
        print(dump_spec(result.spec, args.spec_format), end="")
        return 0
    if args.json:
        from ..render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from ..render.inspect import render_inspect

        print(render_inspect(result, tensor_rows=None if args.all_tensors else 100))
    return 0


def _print_directory(result: DirectoryCheck, args: argparse.Namespace) -> int:
    if args.as_spec:
        from ..inputs.specfile import dump_spec

        print(dump_spec(result.spec, args.spec_format), end="")
        return 0
    if args.json:
        from ..render.json import dumps

        print(dumps(result.to_dict()))
    else:
        from ..render.hubdir import render_directory

        print(render_directory(result, getattr(args, "lang", "en")))
    return 0 if result.matches else 1


def setup_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--framework", choices=FRAMEWORK_IDS,
                   help="only this framework's layers (default: every framework)")


def run_schema(args: argparse.Namespace) -> int:
    from ..inputs.schema import spec_schema
    from ..render.json import dumps

    print(dumps(spec_schema(None if args.framework is None else (args.framework,))))
    return 0


def setup_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 exposes it)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    from ..web.pool import DEFAULT_WORKERS, REQUEST_CPU_SECONDS

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
        from ..errors import UsageError

        raise UsageError(f"rnnparams serve needs FastAPI and uvicorn ({exc.name} is not installed): "
                         "pip install 'rnnparams[web]'") from None
    from ..web.app import serve

    return serve(args.host, args.port, args.workers, args.request_cpu_seconds, args.processes)


def setup_frameworks(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def run_frameworks(args: argparse.Namespace) -> int:
    from ..analysis.frameworks import list_frameworks

    rows = list_frameworks()
    if args.json:
        from ..render.json import dumps

        print(dumps([row.to_dict() for row in rows]))
    else:
        from ..render.frameworks import render_frameworks

        print(render_frameworks(rows))
    return 0
