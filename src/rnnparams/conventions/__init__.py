"""Framework conventions, one module per framework, registered by id (the single source of truth).

The registry imports a framework's module the first time that framework is asked for, so counting a
PyTorch model never builds the Keras tables (start-up time is part of the product)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from .base import FrameworkConvention, LayerConvention, LayerPlan, TensorSpec

# framework id -> (module in this package, name of its FrameworkConvention)
REGISTRY: dict[str, tuple[str, str]] = {
    "pytorch": (".pytorch", "PYTORCH"),
    "keras": (".keras", "KERAS"),
    "keras2": (".keras", "KERAS2"),
    "flax": (".flax", "FLAX"),
    "flax-nnx": (".flax", "FLAX_NNX"),
    "paddle": (".paddle", "PADDLE"),
    "mindspore": (".mindspore", "MINDSPORE"),
    "onnx": (".onnx", "ONNX"),
    "tf1": (".tf1", "TF1"),
    "mxnet": (".mxnet", "MXNET"),
}


class _Frameworks(Mapping[str, FrameworkConvention]):
    def __init__(self, registry: Mapping[str, tuple[str, str]]) -> None:
        self._registry = registry
        self._loaded: dict[str, FrameworkConvention] = {}

    def __getitem__(self, framework_id: str) -> FrameworkConvention:
        if framework_id not in self._loaded:
            module, name = self._registry[framework_id]
            self._loaded[framework_id] = getattr(importlib.import_module(module, __name__), name)
        return self._loaded[framework_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)

    def __contains__(self, framework_id: object) -> bool:
        return framework_id in self._registry


FRAMEWORKS: Mapping[str, FrameworkConvention] = _Frameworks(REGISTRY)

__all__ = ["FRAMEWORKS", "REGISTRY", "FrameworkConvention", "LayerConvention", "LayerPlan", "TensorSpec"]
