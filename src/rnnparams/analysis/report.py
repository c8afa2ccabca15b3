"""Result objects of counting: frozen, pure data, with `to_dict()` giving the JSON contract (DESIGN.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._record import field, record, replace
from ..conventions.base import LayerPlan, Outputs
from ..conventions.work import NOTHING, Work
from ..spec import LayerSpec, MissingPart, Shape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class TensorReport:
    name: str
    shape: tuple[int, ...]
    params: int
    trainable: bool
    role: str
    buffer: bool = False
    symbolic_shape: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "params": self.params,
                "trainable": self.trainable, "role": self.role}


@record
class LayerReport:
    name: str
    type: str
    input_shape: Shape
    output_shape: Outputs
    state_shapes: Mapping[str, Shape]
    tensors: tuple[TensorReport, ...]
    """Parameters (and, in Keras, non-trainable weights such as moving_mean) in framework order."""
    buffers: tuple[TensorReport, ...]
    """PyTorch buffers: state that is not a parameter (BatchNorm running statistics)."""
    multi_output: bool
    plan: LayerPlan
    """The convention's symbolic description, for explanations and formulas."""
    spec: LayerSpec | None = None
    """The layer as written (for translating it to another framework)."""
    work: Work = NOTHING
    """What the layer computes and keeps, as its convention declares it (a wrapper: the wrapped layer's)."""
    words: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """The words its convention brings for its symbols and notes (a wrapper: with the wrapped layer's)."""

    @property
    def params(self) -> int:
        return sum(t.params for t in self.tensors)

    @property
    def trainable_params(self) -> int:
        return sum(t.params for t in self.tensors if t.trainable)

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def buffer_count(self) -> int:
        return sum(t.params for t in self.buffers)

    def to_dict(self) -> dict[str, Any]:
        out = self.output_shape
        params, trainable = self.params, self.trainable_params  # each a pass over the tensors: once
        return {
            "name": self.name, "type": self.type, "input_shape": list(self.input_shape),
            "output_shape": [list(s) for s in out] if self.multi_output else list(out),  # type: ignore[arg-type]
            "state_shapes": {k: list(v) for k, v in self.state_shapes.items()},
            "params": params, "trainable_params": trainable,
            "non_trainable_params": params - trainable, "buffers": self.buffer_count,
            "tensors": [t.to_dict() for t in self.tensors],
            "buffer_tensors": [t.to_dict() for t in self.buffers],
        }


def same_layer(a: LayerReport, b: LayerReport) -> bool:
    """The same layer at another place of a chain: equal but for its name and where it was written. What is
    derived from a layer (its estimate, its translation) reads its plan, tensors, shapes, spec and work, never
    its name, so the answer for the layer before serves: 1,000 stacked equal layers are modelled once."""
    if (a.spec is None) != (b.spec is None) or a.type != b.type or a.input_shape != b.input_shape:
        return False
    return replace(a, name=b.name, spec=_placeless(a.spec)) == replace(b, spec=_placeless(b.spec))


def _placeless(spec: LayerSpec | None) -> LayerSpec | None:
    return None if spec is None else replace(spec, line=None, col=None)


@record
class Report:
    framework: str
    layers: tuple[LayerReport, ...]
    input_shape: Shape | None
    warnings: tuple[str, ...] = ()
    name: str | None = None
    missing: tuple[MissingPart, ...] = ()
    """Parts of the model not counted because the reader cannot see into them (`--partial`)."""

    @property
    def lower_bound(self) -> bool:
        """Some parts were left out: the totals are at least these."""
        return bool(self.missing)

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    @property
    def buffers(self) -> int:
        return sum(layer.buffer_count for layer in self.layers)

    def to_dict(self) -> dict[str, Any]:
        from ..conventions import FRAMEWORKS

        layers = [layer.to_dict() for layer in self.layers]
        total, trainable = sum(d["params"] for d in layers), sum(d["trainable_params"] for d in layers)
        out: dict[str, Any] = {
            "framework": self.framework, "framework_verified": FRAMEWORKS[self.framework].verified,
            "total_params": total, "trainable_params": trainable, "non_trainable_params": total - trainable,
            "buffers": sum(d["buffers"] for d in layers), "layers": layers, "warnings": list(self.warnings),
        }
        if self.missing:
            out["lower_bound"] = True
            out["missing"] = [{"path": m.path, "code": m.text, "line": m.line, "why": m.why} for m in self.missing]
        return out
