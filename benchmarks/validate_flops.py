"""Compare `rnnparams estimate` compute with ptflops, thop and fvcore on the same torch modules.

    pip install -e '.[bench]'            # ptflops, thop, fvcore
    python benchmarks/validate_flops.py

For every configuration of validate_memory.py: our forward MACs and FLOPs per batch, and what each tool
reports for one forward pass of the same module on the same batch (ptflops and thop report "MACs", fvcore
reports "flops" that are in fact MACs of the operators it knows; torch's own FlopCounterMode counts 2 FLOPs per
multiply-accumulate of its matrix products and convolutions, shown here halved). A tool that is not installed
is shown as "-"; a tool that fails on a module shows "error". docs/estimates.md explains every difference.

    python benchmarks/validate_flops.py --layers    # the convolution, pooling, norm and attention configurations
    python benchmarks/validate_flops.py --train     # training-step MACs against FlopCounterMode on the rebuild
    python benchmarks/validate_flops.py --side-by-side [--layers]
        # forward and training MACs side by side: ours, FlopCounterMode on the real modules (oneDNN on and off)
        # and on the explicit rebuild, ptflops, thop, fvcore (those three count a forward pass only)

(Run it as `python -P benchmarks/validate_flops.py`: benchmarks/inspect.py would shadow the standard library.)
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_memory import CONFIGS, LAYER_CONFIGS, Config, build, estimate_of, make_input, table


def ptflops_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    from ptflops import get_model_complexity_info

    macs, _ = get_model_complexity_info(model, tuple(x.shape), input_constructor=lambda _: {"x": x},
                                        as_strings=False, print_per_layer_stat=False, backend="pytorch")
    return int(macs or 0)


def thop_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    from thop import profile

    macs, _ = profile(model, inputs=(x,), verbose=False)
    return int(macs)


def fvcore_flops(model: torch.nn.Module, x: torch.Tensor) -> int:
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, (x,))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return int(analysis.total())


def flop_counter_macs(model: torch.nn.Module, x: torch.Tensor) -> int:
    """torch.utils.flop_counter: 2 FLOPs per MAC of mm, addmm, bmm, convolution and the attention kernels it
    registers (not the CPU flash kernel of scaled_dot_product_attention)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        model(x)
    return int(counter.get_total_flops()) // 2


TOOLS: dict[str, Callable[[torch.nn.Module, torch.Tensor], int]] = {
    "FlopCounterMode": flop_counter_macs, "ptflops": ptflops_macs, "thop": thop_macs, "fvcore": fvcore_flops}


def run_tool(tool: Callable[[torch.nn.Module, torch.Tensor], int], cfg: Config, x: torch.Tensor) -> str | int:
    torch.manual_seed(0)
    model = build(cfg.model).float()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            return tool(model, x)
    except ImportError:
        return "-"
    except Exception as exc:  # a tool that cannot handle the module is part of the comparison
        return f"error ({type(exc).__name__})"


def ratio(value: str | int, ours: int) -> str:
    if not isinstance(value, int):
        return value
    return f"{value:,} ({value / ours:.3f}×)" if ours else f"{value:,}"


def _rebuild() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "tests" / "oracle" / "torch_rebuild.py"
    spec = importlib.util.spec_from_file_location("torch_rebuild", path)
    assert spec is not None and spec.loader is not None
    rebuild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rebuild)
    return rebuild


def flop_counter_train_macs(model: torch.nn.Module, x: torch.Tensor, onednn: bool = True) -> tuple[int, int]:
    """(forward, forward + backward) MACs FlopCounterMode counts on one real training step of the torch modules
    themselves, oneDNN on (torch's default: its LSTM kernel is invisible to FlopCounterMode) or off."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.backends.mkldnn.flags(enabled=onednn), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with FlopCounterMode(display=False) as counter:
            out = model(x)
        forward = int(counter.get_total_flops())
        with FlopCounterMode(display=False) as counter:
            out.float().pow(2).mean().backward()
    return forward // 2, (forward + int(counter.get_total_flops())) // 2


def side_by_side(configs: tuple[Config, ...]) -> None:
    """Forward and training-step MACs of every float32 configuration, each tool measured on the same modules and
    batch: the docs' table (docs/estimates.md, "FLOPs: side by side")."""
    rebuild = _rebuild()
    rows = []
    for cfg in configs:
        if cfg.dtype != "float32":
            continue
        est = estimate_of(cfg)
        x = make_input(est)
        fwd = est.compute_line("macs_batch").value
        train = fwd + sum(layer.compute_line("macs_backward_batch").value for layer in est.layers)
        measured: list[str] = []
        for onednn in (True, False):
            torch.manual_seed(0)
            f, t = flop_counter_train_macs(build(cfg.model), x, onednn)
            measured += [f"{f:,}", f"{t:,}"]
        torch.manual_seed(0)
        chain = build(cfg.model)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rf, rb = rebuild.matmul_flops(chain.layers, x)
            rebuilt = [f"{rf // 2:,}", f"{(rf + rb) // 2:,}"]
        except TypeError:  # the rebuild chains one input through each layer: no decoder memory
            rebuilt = ["-", "-"]
        tools = [ratio(run_tool(TOOLS[name], cfg, x), fwd) for name in ("ptflops", "thop", "fvcore")]
        rows.append([cfg.name, f"{fwd:,}", f"{train:,}", *measured, *rebuilt, *tools])
    print(f"torch {torch.__version__}; MACs (FlopCounterMode's FLOPs halved); tool ratios are over our forward MACs")
    print(table(rows, ["config", "ours fwd", "ours train", "FCM fwd", "FCM train", "FCM fwd (no oneDNN)",
                       "FCM train (no oneDNN)", "FCM fwd (rebuild)", "FCM train (rebuild)", "ptflops (fwd)",
                       "thop (fwd)", "fvcore (fwd)"]))


def training(configs: tuple[Config, ...]) -> None:
    """Training step MACs: ours forward and backward (op by op) against FlopCounterMode on one real step of the
    explicit-matmul rebuild (tests/oracle/torch_rebuild.py), and the old flat 3 × forward."""
    rebuild = _rebuild()
    rows = []
    for cfg in configs:
        if cfg.dtype != "float32":
            continue
        est = estimate_of(cfg)
        torch.manual_seed(0)
        chain = build(cfg.model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forward, backward = rebuild.matmul_flops(chain.layers, make_input(est))
        fwd = est.compute_line("macs_batch").value
        bwd = sum(layer.compute_line("macs_backward_batch").value for layer in est.layers)
        rows.append([cfg.name, f"{fwd:,}", f"{bwd:,}", f"{forward // 2:,}", f"{backward // 2:,}",
                     "yes" if (forward // 2, backward // 2) == (fwd, bwd) else "NO", f"{3 * fwd / (fwd + bwd):.3f}×"])
    print(f"torch {torch.__version__}; training-step MACs (forward, backward); FlopCounterMode on the explicit rebuild")
    print(table(rows, ["config", "our fwd MACs", "our bwd MACs", "FlopCounterMode fwd", "FlopCounterMode bwd",
                       "equal", "old 3×fwd / ours"]))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    layers = "--layers" in args
    if "--side-by-side" in args:
        side_by_side(LAYER_CONFIGS if layers else CONFIGS)
        return 0
    if "--train" in args:
        training(LAYER_CONFIGS if layers else CONFIGS)
        return 0
    rows: list[list[str]] = []
    versions: list[str] = []
    for name in TOOLS:
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions.append(f"{name} {version(name)}")
    for cfg in LAYER_CONFIGS if layers else CONFIGS:
        if cfg.dtype != "float32":
            continue
        est = estimate_of(cfg)
        x = make_input(est)
        ours_macs = est.compute_line("macs_batch").value
        ours_flops = est.compute_line("flops_batch").value
        results: dict[str, Any] = {name: run_tool(tool, cfg, x) for name, tool in TOOLS.items()}
        rows.append([cfg.name, f"{ours_macs:,}", f"{ours_flops:,}",
                     *(ratio(results[name], ours_macs) for name in TOOLS)])
    print(f"torch {torch.__version__}; " + ", ".join(versions) + "; ratios are tool / our MACs")
    print(table(rows, ["config", "our MACs", "our FLOPs", "FlopCounterMode MACs", "ptflops MACs", "thop MACs",
                       "fvcore flops"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
