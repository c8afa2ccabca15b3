"""Build a model of one of the standalone recurrent packages (minGRU-pytorch, sru, xlstm, ncps) from the same
expression rnnparams counts, in this process (they are torch modules), and compare everything: tensor names,
shapes and trainable flags from `state_dict()` and `named_parameters()`, totals, and the output and state
shapes of one real forward pass."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import rnnparams

BATCH = 2


def filled(shape: object) -> list[int]:
    assert isinstance(shape, (tuple, list))
    return [BATCH if d is None else d for d in shape]


def real_tensors(module: Any) -> list[tuple[str, list[int], bool]]:
    """Every parameter `named_parameters()` lists (a tied tensor once, under its first name) with its
    requires_grad, and every buffer `state_dict()` saves (trainable: False)."""
    params = dict(module.named_parameters())
    buffers = {name for name, _ in module.named_buffers()} & set(module.state_dict())
    return sorted([(name, list(t.shape), bool(t.requires_grad)) for name, t in params.items()]
                  + [(name, list(module.state_dict()[name].shape), False) for name in buffers])


def ours(report: rnnparams.Report) -> list[tuple[str, list[int], bool]]:
    return sorted((t.name, list(t.shape), t.trainable) for lay in report.layers
                  for t in (*lay.tensors, *lay.buffers))


def build(expr: str, namespace: Mapping[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(expr, {"__builtins__": {}}, dict(namespace))


def check(expr: str, framework: str, namespace: Mapping[str, Any], input_shape: tuple[int | None, ...] | None = None,
          *, forward: bool = True, states: bool = True, run: Any = None) -> rnnparams.Report:
    """Count `expr` with rnnparams and build it with the real package; everything must agree. `run(module, x)`
    returns (output, [state tensors]) where the module's forward needs more than `module(x)`."""
    import torch

    report = rnnparams.count(expr, framework, input_shape)
    module = build(expr, namespace)
    theirs = real_tensors(module)
    assert ours(report) == theirs, f"{expr}: tensors differ\n ours:   {ours(report)}\n theirs: {theirs}"
    assert report.total_params == sum(p.numel() for p in module.parameters())
    assert report.trainable_params == sum(p.numel() for p in module.parameters() if p.requires_grad)
    if forward:
        layer = report.layers[0]
        x = torch.randn(*filled(layer.input_shape))
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, rest = run(module, x) if run is not None else _split(module(x))
        last = report.layers[-1]
        assert list(out.shape) == filled(last.output_shape), f"{expr}: output {list(out.shape)}"
        if states:
            assert [list(s.shape) for s in rest] == [filled(s) for s in last.state_shapes.values()], \
                f"{expr}: states {[list(s.shape) for s in rest]} vs {last.state_shapes}"
    return report


def _split(result: Any) -> tuple[Any, list[Any]]:
    if isinstance(result, tuple):
        return result[0], list(result[1:])
    return result, []


def size(shape: list[int]) -> int:
    return math.prod(shape)
