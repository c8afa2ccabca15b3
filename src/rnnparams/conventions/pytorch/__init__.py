"""PyTorch (`torch.nn`) conventions, as `named_parameters()` and `named_buffers()` report them.

One module per group of layers (recurrent, linear, conv, norm, dropout, activation, pool, shape, attention,
transformer, loss, containers); this package puts their entries in one table (`table.LAYERS`, in the order
checkpoint recognisers are tried) and declares the framework: how it names layers, where it puts the batch,
what `estimate` models of its kernels, and which torch.nn classes it refuses as layers, and why.
"""

from __future__ import annotations

from types import MappingProxyType

from ...spec import LayerSpec
from ..base import FrameworkConvention
from ..recognise import torch_path
from ..work import TORCH_RUNTIME
from .containers import REFUSED
from .table import LAYERS


def _batch_axis(first: LayerSpec) -> int:
    """nn.RNN/LSTM/GRU, nn.MultiheadAttention and the transformer modules read (T, N, F) unless batch_first=True
    (a stack as its layer does); everything else puts the batch first."""
    inner = first.get("encoder_layer") or first.get("decoder_layer")
    if isinstance(inner, LayerSpec):
        first = inner
    return 1 if first.get("batch_first") is False else 0


TRANSPARENT = frozenset({"Embedding", "Linear", "Bilinear", "Dropout", "AlphaDropout", "LayerNorm", "RMSNorm",
                         "Identity", "ReLU", "ReLU6", "LeakyReLU", "RReLU", "ELU", "CELU", "SELU", "GELU", "SiLU",
                         "Mish", "Sigmoid", "Hardsigmoid", "Tanh", "Hardtanh", "Hardswish", "Threshold", "Hardshrink",
                         "Softshrink", "Tanhshrink", "Softplus", "Softsign", "LogSigmoid"})
"""Layers that act on the last axis (or on every number) whatever the others hold: they leave the batch axis where the
next layer reads it, so `Embedding; LSTM` (time-major) takes (T, N) token ids."""


PYTORCH = FrameworkConvention(
    id="pytorch", display="PyTorch", layers=LAYERS, prefixes=("torch.nn.", "nn."),
    containers=("Sequential",), naming="index", batch_axis=_batch_axis,
    batch_transparent=lambda spec: spec.type in TRANSPARENT, verified_with=(("torch", "2.13.0"),),
    syntax="nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)",
    short="PyTorch", write_prefix="nn.", runtime=TORCH_RUNTIME, compared=True, buffers=True,
    checkpoint_path=torch_path, code_reader="torch", refused=MappingProxyType(REFUSED),
    coverage="torch.nn.modules",
)

__all__ = ["LAYERS", "PYTORCH"]
