"""Build an rnnparams chain in real torch and compare everything: the test-side oracle of the torch.nn layers.

A chain `a; b; c` is the modules one after the other, each fed the previous output, as rnnparams counts it:
attention and the transformer modules attend to the tensor they receive (query = key = value, the decoder's
memory is that tensor too), Bilinear and the distances take it twice, a loss is given a target of the kind it
needs, MaxUnpool the indices of a max pooling that gives its input, and a module that returns a tuple hands
on its first element. Sizes rnnparams leaves free (the batch, and time when nothing fixes it) are filled with
BATCH and TIME."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest

import rnnparams
from rnnparams.analysis.report import Report
from rnnparams.errors import RnnParamsError

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional
BATCH, TIME = 2, 3
TORCH_ERRORS = (ValueError, RuntimeError, TypeError, AssertionError, IndexError, NotImplementedError)
INTEGER_INPUT = (nn.Embedding, nn.EmbeddingBag)
TWICE = (nn.Bilinear, nn.CosineSimilarity, nn.PairwiseDistance, nn.Transformer, nn.TransformerDecoder,
         nn.TransformerDecoderLayer, nn.MarginRankingLoss, nn.CosineEmbeddingLoss)


def build(expr: str) -> list[Any]:
    parts = [p.strip() for p in expr.split(";") if p.strip()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [eval(p, {"nn": nn, "torch": torch, "F": F}) for p in parts]  # test-side oracle only


def concrete(shape: tuple[int | None, ...], first: Any) -> tuple[int, ...]:
    """Our input shape with its free sizes filled: the batch where the module reads it, else time."""
    batch_first = getattr(first, "batch_first", None)
    if isinstance(first, (nn.TransformerEncoder, nn.TransformerDecoder)):
        layer = first.layers[0] if len(first.layers) else None
        batch_first = getattr(getattr(layer, "self_attn", None), "batch_first", False)
    time_major = batch_first is False and len(shape) == 3
    out, nones = [], 0
    for d in shape:
        if d is None:
            out.append((TIME if nones == 0 else BATCH) if time_major else (BATCH if nones == 0 else TIME))
            nones += 1
        else:
            out.append(d)
    return tuple(out)


def target_for(loss: Any, x: Any) -> Any:
    """A target of the kind each loss takes, for an input x."""
    classes = (nn.CrossEntropyLoss, nn.NLLLoss, nn.MultiMarginLoss)
    if isinstance(loss, classes):
        c = x.shape[1] if x.dim() > 1 else x.shape[0]
        shape = (x.shape[0], *x.shape[2:]) if x.dim() > 1 else ()
        return torch.randint(0, c, shape)
    if isinstance(loss, nn.MultiLabelMarginLoss):
        return torch.zeros(x.shape, dtype=torch.long)
    if isinstance(loss, (nn.AdaptiveLogSoftmaxWithLoss,)):
        return torch.randint(0, loss.n_classes, x.shape[:-1])
    if isinstance(loss, nn.LinearCrossEntropyLoss):
        return torch.randint(0, loss.num_classes, (*x.shape[:-1], *loss.out_features))
    if isinstance(loss, (nn.BCELoss, nn.MultiLabelSoftMarginLoss)):
        return torch.rand(x.shape)
    if isinstance(loss, (nn.CosineEmbeddingLoss, nn.MarginRankingLoss, nn.HingeEmbeddingLoss, nn.SoftMarginLoss)):
        return torch.ones(x.shape[:1] if isinstance(loss, nn.CosineEmbeddingLoss) else x.shape)
    return torch.randn(x.shape)


def call(module: Any, x: Any) -> Any:
    if isinstance(module, nn.MultiheadAttention):
        return module(x, x, x)
    if isinstance(module, (nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d)):
        dims = int(type(module).__name__[-2])
        k, s, p = module.kernel_size, module.stride, module.padding
        sides = [(n - 1) * si - 2 * pi + ki for n, ki, si, pi in zip(
            x.shape[-dims:], _tuple(k, dims), _tuple(s, dims), _tuple(p, dims), strict=True)]
        pool = getattr(F, f"max_pool{dims}d")
        y, idx = pool(torch.randn(*x.shape[:-dims], *sides), k, s, p, return_indices=True)
        assert tuple(y.shape) == tuple(x.shape)
        return module(x, idx)
    if isinstance(module, (nn.TripletMarginLoss, nn.TripletMarginWithDistanceLoss)):
        return module(x, x, x)
    if isinstance(module, nn.GaussianNLLLoss):
        return module(x, torch.randn(x.shape), torch.ones(x.shape))
    if isinstance(module, nn.CTCLoss):
        t, n, c = x.shape
        return module(x.log_softmax(2), torch.randint(1, c, (n, 2)), torch.full((n,), t), torch.full((n,), 2))
    if isinstance(module, nn.BCELoss):
        return module(torch.sigmoid(x), target_for(module, x))
    if isinstance(module, nn.MarginRankingLoss):
        return module(x, x, target_for(module, x))
    if isinstance(module, nn.CosineEmbeddingLoss):
        return module(x, x, target_for(module, x))
    if isinstance(module, (nn.modules.loss._Loss, nn.AdaptiveLogSoftmaxWithLoss, nn.LinearCrossEntropyLoss)):
        return module(x, target_for(module, x))
    if isinstance(module, TWICE):
        return module(x, x)
    return module(x)


def _tuple(v: Any, n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _filled(shape: Any, like: tuple[int, ...]) -> list[int]:
    """Our output shape with its free sizes taken from torch's (they are the batch and time we gave)."""
    return [t if o is None else o for o, t in zip(shape, like, strict=False)]


def compare(expr: str, input_shape: tuple[int | None, ...] | None = None) -> Report | None:
    """Count `expr` and build it in torch: both refuse it, or everything agrees. Returns our report."""
    try:
        modules = build(expr)
    except TORCH_ERRORS:
        with pytest.raises(RnnParamsError):
            rnnparams.count(expr, "pytorch", input_shape)
        return None
    try:
        report = rnnparams.count(expr, "pytorch", input_shape)
    except RnnParamsError as exc:
        report, ours = None, exc
    if report is not None:
        shape = report.layers[0].input_shape
    elif input_shape is None:
        raise AssertionError(f"{expr}: rnnparams refused what torch builds: {ours}")
    else:
        shape = _with_batch(input_shape, modules[0])
    x_shape = concrete(shape, modules[0])
    x = torch.randint(0, 3, x_shape) if isinstance(modules[0], INTEGER_INPUT) else torch.randn(*x_shape)
    outputs: list[Any] = []
    try:
        # torch's own kernels, not oneDNN's: oneDNN (taken or not depending on threads and kernel size) returns an
        # empty tensor for a transposed convolution whose output side is 0, which torch's kernels refuse (as we do).
        with torch.no_grad(), warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
            warnings.simplefilter("ignore")
            y = x
            for module in modules:
                if isinstance(module, nn.SyncBatchNorm):
                    module.eval()
                out = call(module, y)
                outputs.append(out)
                y = out[0] if isinstance(out, tuple) else out
    except TORCH_ERRORS as exc:
        assert report is None, f"{expr}: torch refuses it on {x_shape} ({type(exc).__name__}: {exc}), we count it"
        return None
    assert report is not None, f"{expr}: torch runs it on {x_shape}, but rnnparams refuses it: {ours}"
    check_report(expr, report, modules, outputs)
    return report


def _with_batch(sample: tuple[int | None, ...], first: Any) -> tuple[int | None, ...]:
    axis = 1 if getattr(first, "batch_first", None) is False else 0
    out = list(sample)
    out.insert(min(axis, len(out)), None)
    return tuple(out)


def check_report(expr: str, report: Report, modules: list[Any], outputs: list[Any]) -> None:
    assert len(report.layers) == len(modules), expr
    total = trainable = buffers = 0
    for module, layer, out in zip(modules, report.layers, outputs, strict=True):
        theirs = [(n, list(p.shape)) for n, p in module.named_parameters()]
        assert [(t.name, list(t.shape)) for t in layer.tensors] == theirs, f"{expr}: {layer.name} tensors"
        assert [t.trainable for t in layer.tensors] == [p.requires_grad for _, p in module.named_parameters()]
        assert [(t.name, list(t.shape)) for t in layer.buffers] == [
            (n, list(b.shape)) for n, b in module.named_buffers()], f"{expr}: {layer.name} buffers"
        total += sum(p.numel() for p in module.parameters())
        trainable += sum(p.numel() for p in module.parameters() if p.requires_grad)
        buffers += sum(b.numel() for b in module.buffers())
        y = out[0] if isinstance(out, tuple) else out
        ours = layer.output_shape
        assert len(ours) == y.dim(), f"{expr}: {layer.name} output {ours} vs {tuple(y.shape)}"  # type: ignore[arg-type]
        assert _filled(ours, tuple(y.shape)) == list(y.shape), f"{expr}: {layer.name} output {ours} vs {tuple(y.shape)}"
        if isinstance(out, tuple) and layer.state_shapes:
            rest = [o for o in out[1:] if isinstance(o, torch.Tensor)]
            for (key, state), tensor in zip(layer.state_shapes.items(), rest, strict=False):
                assert _filled(state, tuple(tensor.shape)) == list(tensor.shape), f"{expr}: {key}"
    assert report.total_params == total, expr
    assert report.trainable_params == trainable, expr
    assert report.buffers == buffers, expr
    assert math.isfinite(total)
