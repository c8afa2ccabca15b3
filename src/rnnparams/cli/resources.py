"""The commands about what a model costs: estimate, solve, sweep and state."""

from __future__ import annotations

import argparse

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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..spec import ModelSpec


def setup_estimate(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_file_arguments(p)
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
    from ..api import estimate, is_sequence_model

    _check_plot_path(args)
    model = model_of(args)
    if is_sequence_model(model, args.framework, args.input_shape):
        return _run_sequence_estimate(args, model)
    est = estimate(model, args.framework, args.input_shape, batch=args.batch, seq_len=args.seq_len,
                   dtype=args.dtype, optimizer=args.optimizer, mixed_precision=args.mixed_precision,
                   mode=args.mode, device=args.device, cpu_kernels=args.cpu_kernels,
                   checkpointing=args.checkpointing, autocast=args.autocast)
    print_warnings(est.warnings)
    if args.json:
        from ..render.json import dumps

        print(dumps(est.to_dict()))
    else:
        from ..render.estimate import render_estimate

        print(render_estimate(est, args.lang))
    if args.plot:
        from ..render.design import estimate_groups

        _plot(args, estimate_groups(est, args.lang), args.model.strip().splitlines()[0][:80])
    return 0


def _run_sequence_estimate(args: argparse.Namespace, model: str | ModelSpec) -> int:
    """A sequence model (transformers, mamba.py, the block packages): prefill, decoding and the state."""
    from ..api import estimate_sequence
    from ..errors import UsageError

    if args.plot:
        raise UsageError("--plot draws the per-layer memory of PyTorch and Keras estimates; a sequence model's "
                         "estimate has no activation lines to draw (drop --plot)")
    est = estimate_sequence(model, args.framework, args.input_shape, batch=args.batch, seq_len=args.seq_len,
                            dtype=args.dtype, optimizer=args.optimizer, mixed_precision=args.mixed_precision,
                            mode=args.mode, device=args.device, cpu_kernels=args.cpu_kernels,
                            checkpointing=args.checkpointing)
    print_warnings(est.warnings)
    if args.json:
        from ..render.json import dumps

        print(dumps(est.to_dict()))
    else:
        from ..render.sequence import render_sequence_estimate

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
    add_file_arguments(p)
    _estimate_arguments(p)
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_solve(args: argparse.Namespace) -> int:
    from ..api import solve

    sol = solve(args.model, args.vary, params=args.params, memory=args.memory, flops=args.flops,
                smallest=args.smallest, multiple_of=args.multiple_of, framework=args.framework,
                input_shape=args.input_shape, **_estimate_kwargs(args))  # type: ignore[arg-type]
    if args.json:
        from ..render.json import dumps

        print(dumps(sol.to_dict()))
    else:
        from ..render.design import render_solution

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
    add_file_arguments(p)
    _estimate_arguments(p)
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language of the chart: en or zh")


def run_sweep(args: argparse.Namespace) -> int:
    from ..analysis.design import Sweep
    from ..api import sweep

    parts = [sweep(model, args.vary, metric=args.metric, compare=args.compare, framework=args.framework,
                   input_shape=args.input_shape, **_estimate_kwargs(args))  # type: ignore[arg-type]
             for model in [args.model, *args.more_models]]
    result = Sweep(parts[0].variable, parts[0].metric, tuple(s for part in parts for s in part.series))
    print_warnings(list(dict.fromkeys(w for s in result.series for p in s.points for w in p.warnings)))
    from ..render import design

    if args.chart:
        design.write_sweep_chart(result, args.chart, args.lang)
    if args.json:
        from ..render.json import dumps

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
    add_file_arguments(p)
    p.add_argument("-b", "--batch", type=_positive_int, default=1, metavar="B", help="sequences in the batch (1)")
    p.add_argument("--dtype", choices=("float32", "float16", "bfloat16", "int8"), default="float32",
                   help="bytes per number of the weights and the state (float32)")
    p.add_argument("-T", "--seq-len", type=_positive_int, metavar="T",
                   help="tokens of context: a hybrid's attention KV cache after T tokens (without it: per token)")
    p.add_argument("-l", "--lang", choices=("en", "zh"), default="en", help="language: en (default) or zh (中文)")


def run_state(args: argparse.Namespace) -> int:
    from ..api import recurrent_state

    st = recurrent_state(model_of(args), args.framework, args.input_shape, batch=args.batch, dtype=args.dtype,
                         seq_len=args.seq_len)
    if args.json:
        from ..render.json import dumps

        print(dumps(st.to_dict()))
    else:
        from ..render.state import render_state

        print(render_state(st, args.lang))
    return 0
