"""PyTorch (`torch.nn`) conventions, as `named_parameters()` and `named_buffers()` report them.

One module per group of layers (recurrent, linear, conv, norm, dropout, containers); this package puts their
entries in one table (`table.LAYERS`, in the order checkpoint recognisers are tried) and declares the
framework: how it names layers, where it puts the batch, what `estimate` models of its kernels.
"""

from __future__ import annotations

from ...spec import LayerSpec
from ..base import FrameworkConvention
from ..recognise import torch_path
from ..work import TORCH_RUNTIME
from . import containers, conv, dropout, linear, norm, recurrent
from .table import LAYERS

LAYERS.update({c.type_name: c for group in (recurrent, linear, norm, dropout, conv, containers)
               for c in group.CONVENTIONS})


def _batch_axis(first: LayerSpec) -> int:
    """nn.RNN/LSTM/GRU read (T, N, F) unless batch_first=True; everything else puts the batch first."""
    return 1 if first.get("batch_first") is False else 0


PYTORCH = FrameworkConvention(
    id="pytorch", display="PyTorch", layers=LAYERS, prefixes=("torch.nn.", "nn."),
    containers=("Sequential",), naming="index", batch_axis=_batch_axis, verified_with=(("torch", "2.13.0"),),
    syntax="nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)",
    short="PyTorch", write_prefix="nn.", runtime=TORCH_RUNTIME, compared=True, buffers=True,
    checkpoint_path=torch_path, code_reader="torch",
)

__all__ = ["LAYERS", "PYTORCH"]
