"""Cross-framework equivalents, declared with each layer: how a configured layer reads as a neutral family's
values (families.py), and how a framework writes a family's values as its own layers.

`compare` translates a layer by reading it with its own convention and writing the values with the target
framework's writer for that family; the web page builds a stack by writing the values it holds. A layer
that a framework cannot express says why (`NoEquivalent`), in words a user can act on.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import ConfigError
from ..spec import LayerSpec, Value, frozen_mapping
from .base import REQUIRED, Built, Equivalent, LayerConvention, LayerPlan, Reader, Writer
from .families import FAMILIES, Neutral, neutral


class NoEquivalent(Exception):
    """The target framework has no layer for these values; the message says why."""


def make_layer(layers: Mapping[str, LayerConvention], type_name: str, **config: Value) -> LayerSpec:
    """A LayerSpec with the convention's defaults filled in, as the expression parser would build it."""
    conv = layers[type_name]
    full: dict[str, Value] = {}
    for p in conv.params:
        if p.name in config:
            full[p.name] = config.pop(p.name)
        elif p.default is REQUIRED:
            raise ConfigError(f"{type_name} needs {p.name}")
        else:
            full[p.name] = p.default  # type: ignore[assignment]
    full.update(config)
    return LayerSpec(type_name, frozen_mapping(full))


def need(condition: bool, reason: str) -> None:
    """Refuse values the writer's framework cannot express."""
    if not condition:
        raise NoEquivalent(reason)


def has_bias(plan: LayerPlan) -> bool:
    """Whether the layer has bias tensors (frozen or not: `requires_grad = False` keeps a bias a bias)."""
    return any(t.role in BIAS_ROLES for t in plan.tensors if not t.buffer)


BIAS_ROLES = frozenset({"bias", "input_bias", "recurrent_bias", "input_and_recurrent_bias"})


def recurrent_values(family: str, plan: LayerPlan, **extra: Value) -> Neutral:
    """A stacked recurrent layer's values read off its plan's bindings (I, H, L, D, P) and tensors."""
    b = plan.bindings
    values: dict[str, Value] = {"in": b["I"], "units": b["H"], "bias": has_bias(plan)}
    fields = FAMILIES[family]
    if fields.field("layers") is not None:
        values.update(layers=b.get("L", 1), bidir=b.get("D", 1) == 2)
    if b.get("P"):
        values["proj"] = b["P"]
    if any(t.role == "peephole" for t in plan.tensors):
        values["peep"] = True
    values.update(extra)
    return neutral(family, **values)


def read_recurrent(family: str) -> Reader:
    return lambda spec, plan: recurrent_values(family, plan)


def read_dense(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    return neutral("dense", **{"in": plan.bindings["I"]}, units=plan.bindings["O"], bias=has_bias(plan))


def read_embedding(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    return neutral("embedding", vocab=plan.bindings["V"], dim=plan.bindings["E"])


def norm_values(family: str, plan: LayerPlan) -> Neutral:
    """Normalization over one feature axis: its size, and whether it scales and shifts."""
    b = plan.bindings
    size = b.get("C", b.get("N"))
    if size is None:
        raise NoEquivalent("a LayerNorm over several axes has no single-axis Keras equivalent")
    roles = {t.role for t in plan.tensors}
    return neutral(family, **{"in": size}, scale="scale" in roles, center="shift" in roles)


def conv1d_values(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    """A 1-D convolution: channels in and out, kernel width, groups (C / C_g), and the stride and 'same' padding
    when the arguments say so plainly."""
    b = plan.bindings
    stride = spec.get("stride", spec.get("strides", 1))
    stride = stride[0] if isinstance(stride, tuple) and len(stride) == 1 else stride
    pad = "same" if spec.get("padding") == "same" else "valid"
    return neutral("conv1d", **{"in": b["C"]}, filters=b["O"], kernel=b["K"],
                   stride=stride if isinstance(stride, int) and not isinstance(stride, bool) else 1, pad=pad,
                   groups=b["C"] // b["C_g"] if "C_g" in b else 1, bias=has_bias(plan))


def refuse_peepholes(n: Neutral) -> None:
    need(not n.get("peep"), "LSTM peephole connections exist only in ONNX (P) and TF 1 (use_peepholes)")


def one_step(family: str) -> str:
    """The family of a cell's sequence layer, or the family itself."""
    from .families import SEQUENCE_OF_CELL

    return SEQUENCE_OF_CELL.get(family, family)


def as_sequence(cell: Neutral, **values: Value) -> Neutral:
    """A cell's values as the layer that runs it over a sequence (Flax RNN(cell), TF 1 MultiRNNCell)."""
    return neutral(one_step(cell.family), **{**cell.values, **values})


def read_with(layers: Mapping[str, LayerConvention], spec: LayerSpec, plan: LayerPlan) -> Neutral:
    """Read `spec` (a wrapped cell or layer) with its own convention, on the wrapper's plan."""
    reader = layers[spec.type].equivalent.read
    if reader is None:
        raise NoEquivalent(f"no equivalent of {spec.type} is modelled")
    return reader(spec, plan)


__all__ = [
    "BIAS_ROLES",
    "Built",
    "Equivalent",
    "NoEquivalent",
    "Reader",
    "Writer",
    "as_sequence",
    "conv1d_values",
    "has_bias",
    "make_layer",
    "need",
    "neutral",
    "norm_values",
    "one_step",
    "read_dense",
    "read_embedding",
    "read_recurrent",
    "read_with",
    "recurrent_values",
    "refuse_peepholes",
]
