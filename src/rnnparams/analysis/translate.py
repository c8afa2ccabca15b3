"""The same architecture in another framework: each counted layer read as a neutral family's values by its own
convention, and written back as the target framework's layers by the target's writer for that family.

A layer is translated from what it *is*, not from how it was spelled: its plan's bindings and tensors are
what the reader looks at. Options left at their framework's default stay at the target's default (so a
Keras 3 GRU becomes a Keras 2 GRU with Keras 2's `reset_after=False`, which is the point of comparing them).
Nothing here knows a layer or a framework: the equivalents are declared with each layer (conventions/).
"""

from __future__ import annotations

from .._record import record, replace
from ..conventions import FRAMEWORKS
from ..conventions.equivalents import Built, NoEquivalent, Writer
from ..conventions.families import Neutral
from ..spec import ModelSpec
from .count import count_model
from .report import LayerReport, Report, same_layer


@record
class Translation:
    """A source layer in the target framework: the counted layers, or why there is no equivalent."""

    source: LayerReport
    framework: str
    report: Report | None
    reason: str | None = None

    @property
    def params(self) -> int | None:
        return None if self.report is None else self.report.total_params


def read_layer(layer: LayerReport, framework: str) -> Neutral | None:
    """The layer as its family's values, or None when its convention places it in no family."""
    reader = FRAMEWORKS[framework].layers[layer.type].equivalent.read
    if reader is None or layer.spec is None:
        return None
    return reader(layer.spec, layer.plan)


def writer_for(framework: str, family: str) -> Writer | None:
    """The target framework's writer of a family (each family has at most one in a framework)."""
    for conv in FRAMEWORKS[framework].layers.values():
        if family in conv.equivalent.writes:
            return conv.equivalent.write
    return None


def translate_layer(layer: LayerReport, source: str, target: str) -> Translation:
    """Count `layer` (from framework `source`) as the equivalent layers of `target`, standing alone."""
    try:
        layers, input_shape = _build(layer, source, target)
    except NoEquivalent as exc:
        return Translation(layer, target, None, str(exc))
    if not layers:
        return Translation(layer, target, Report(target, (), input_shape))
    return Translation(layer, target, count_model(ModelSpec(target, tuple(layers), input_shape)))


def translate_report(report: Report, target: str) -> tuple[Translation, ...]:
    out: list[Translation] = []
    for layer in report.layers:
        if out and same_layer(out[-1].source, layer):  # a stack of equal layers translates as the one before
            out.append(replace(out[-1], source=layer))
        else:
            out.append(translate_layer(layer, report.framework, target))
    return tuple(out)


def _build(layer: LayerReport, source: str, target: str) -> Built:
    values = read_layer(layer, source)
    write = None if values is None else writer_for(target, values.family)
    if values is not None and write is not None:
        return write(values)
    if not layer.tensors:
        return (), None  # reshaping, pooling, a dropout with no counterpart: no parameters anywhere
    fw = FRAMEWORKS[target]
    reason = fw.refusals.get(values.family) if values is not None else None
    raise NoEquivalent(reason or f"no {fw.display} equivalent of {layer.type} is modelled")


__all__ = ["Translation", "read_layer", "translate_layer", "translate_report", "writer_for"]
