"""Framework conventions, one module per framework, registered by id (the single source of truth).

The registry imports a framework's module the first time that framework is asked for, so counting a
PyTorch model never builds the Keras tables (start-up time is part of the product)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from .._record import record
from .base import FrameworkConvention, LayerConvention, LayerPlan, TensorSpec


@record
class Entry:
    """What the registry knows of a framework without importing its conventions: where they are, and how a
    model names it (so inferring the framework of `nn.LSTM(100, 256)` builds no other framework's tables)."""

    module: str
    name: str
    marks: tuple[str, ...] = ()
    """Module prefixes that name this framework whatever follows (`paddle.`, `flax.linen.`)."""
    bare: bool = False
    """Bare layer names (`LSTM(...)`) may mean this framework: inferred from the names its layers take."""
    checkpoints_like: str | None = None
    """The framework whose checkpoint naming its modules share (the recurrent-block packages build torch modules:
    "pytorch"): `inspect` offers their recognisers in that framework's files too."""


_KERAS_MARKS = ("keras.", "tf.keras.", "layers.", "tf.compat.v1.keras.")
REGISTRY: Mapping[str, Entry] = MappingProxyType({
    "pytorch": Entry(".pytorch", "PYTORCH", ("nn.", "torch.nn."), bare=True),
    "keras": Entry(".keras", "KERAS", _KERAS_MARKS, bare=True),
    "keras2": Entry(".keras", "KERAS2", _KERAS_MARKS, bare=True),
    "flax": Entry(".flax", "FLAX", ("flax.linen.", "linen.")),
    "flax-nnx": Entry(".flax", "FLAX_NNX", ("flax.nnx.", "nnx.")),
    "paddle": Entry(".paddle", "PADDLE", ("paddle.",)),
    "mindspore": Entry(".mindspore", "MINDSPORE", ("mindspore.", "ms.nn.")),
    "onnx": Entry(".onnx", "ONNX", ("onnx.",)),
    "tf1": Entry(".tf1", "TF1", ("tf.compat.v1.nn.", "tf.nn.rnn_cell.", "tf.contrib.rnn.", "rnn_cell.")),
    "mxnet": Entry(".mxnet", "MXNET", ("mxnet.", "mx.", "gluon.")),
    "huggingface": Entry(".transformers", "TRANSFORMERS", ("transformers.",)),
    "mambapy": Entry(".mambapy", "MAMBAPY", ("mambapy.",), checkpoints_like="pytorch"),
    "mamba_ssm": Entry(".mamba_ssm", "MAMBA_SSM", ("mamba_ssm.",)),
    "mingru": Entry(".blocks.mingru", "MINGRU", ("minGRU_pytorch.",), bare=True, checkpoints_like="pytorch"),
    "sru": Entry(".blocks.sru", "SRU", ("sru.",), bare=True, checkpoints_like="pytorch"),
    "xlstm": Entry(".blocks.xlstm", "XLSTM", ("xlstm.",), bare=True, checkpoints_like="pytorch"),
    "ncps": Entry(".blocks.ncps", "NCPS", ("ncps.",), bare=True, checkpoints_like="pytorch"),
    "fla": Entry(".blocks.fla", "FLA", ("fla.",), bare=True, checkpoints_like="pytorch"),
    "reference": Entry(".blocks.reference", "REFERENCE", ("torchqrnn.", "indrnn."), bare=True,
                       checkpoints_like="pytorch"),
})
"""Every framework convention by id, in the order they are listed."""


class _Frameworks(Mapping[str, FrameworkConvention]):
    def __init__(self, registry: Mapping[str, Entry]) -> None:
        self._registry = registry
        self._loaded: dict[str, FrameworkConvention] = {}

    def __getitem__(self, framework_id: str) -> FrameworkConvention:
        if framework_id not in self._loaded:
            entry = self._registry[framework_id]
            self._loaded[framework_id] = getattr(importlib.import_module(entry.module, __name__), entry.name)
        return self._loaded[framework_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)

    def __contains__(self, framework_id: object) -> bool:
        return framework_id in self._registry


FRAMEWORKS: Mapping[str, FrameworkConvention] = _Frameworks(REGISTRY)


def hosted_by(framework_id: str) -> dict[str, tuple[str, ...]]:
    """The packages whose modules are that framework's modules (`checkpoints_like`: minGRU-pytorch, sru, xlstm...
    build torch modules), each with the import prefixes that name it: a PyTorch model may hold their layers, as
    `<package id>.<class>` (`mingru.minGRU`, conventions/pytorch/table.py)."""
    return {f: entry.marks for f, entry in REGISTRY.items() if entry.checkpoints_like == framework_id}


__all__ = ["FRAMEWORKS", "REGISTRY", "Entry", "FrameworkConvention", "LayerConvention", "LayerPlan", "TensorSpec",
           "hosted_by"]
