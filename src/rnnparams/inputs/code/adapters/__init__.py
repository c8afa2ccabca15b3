"""The framework adapters of the code reader, one module per `FrameworkConvention.code_reader` value: the
adapter for `code_reader="torch"` is `torch.py`'s `ADAPTER`. A third framework's code reader is a module
here plus its conventions naming it; the registry below finds it, in the conventions' order.
"""

from __future__ import annotations

import importlib

from ....conventions import FRAMEWORKS
from ..frameworks import code_frameworks
from .base import Adapter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..reader import Reader


def adapter_classes() -> dict[str, type[Adapter]]:
    """`code_reader` value -> adapter class, for the frameworks whose code is read (registry order)."""
    out: dict[str, type[Adapter]] = {}
    for framework in code_frameworks():
        name = FRAMEWORKS[framework].code_reader
        if name is not None and name not in out:
            adapter = importlib.import_module(f".{name}", __name__).ADAPTER
            assert issubclass(adapter, Adapter)
            out[name] = adapter
    return out


def make_adapters(reader: Reader) -> list[Adapter]:
    """One adapter of each framework for a file's reading, in the order they are asked."""
    return [cls(name, reader) for name, cls in adapter_classes().items()]


__all__ = ["Adapter", "adapter_classes", "make_adapters"]
