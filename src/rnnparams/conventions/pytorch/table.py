"""The PyTorch layer table, by class name: filled once by the package (`__init__.py`) from the group modules,
and read by the writers (`make_layer(LAYERS, "LSTM", ...)`) and the composite layers' plans (a
TransformerEncoder plans its encoder layer) when they run, so no group module imports another."""

from __future__ import annotations

from ..base import LayerConvention

LAYERS: dict[str, LayerConvention] = {}
"""Every PyTorch layer convention by class name, in the order recognisers are tried."""

__all__ = ["LAYERS"]
