"""A stack of neutral layers (family values, as the web page's builder holds them) written as one framework's
model: each layer by that framework's writer for its family (conventions' equivalents), input sizes left
empty taken from the features the layer before gives, and a sequence layer's `rs` ("auto") set so a layer
that reads a sequence gets one.

Nothing here knows a framework: what a family's writer takes, how a model is strung together and whether its
layers read their input features from the data are the conventions' declarations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._record import replace
from ..conventions import FRAMEWORKS
from ..conventions.equivalents import NoEquivalent
from ..conventions.families import AUTO, BOOL, COUNT, FAMILIES, RATE, SELECT, SIZE, Neutral, neutral
from ..errors import InputError, UsageError
from ..spec import LayerSpec, ModelSpec, Shape, Value
from .count import Chain
from .report import LayerReport
from .translate import writer_for

MAX_BUILD_LAYERS = 200
"""Layers in one built stack: each input size left empty counts the stack below it."""


class BuildError(InputError):
    """A layer of the stack that cannot be written, with where it is (`index`, 0-based; None: the model's input)
    and which field is at fault, so a renderer can say it in the user's language."""

    def __init__(self, message: str, index: int | None, family: str | None, field: str | None,
                 reason: str) -> None:
        super().__init__(message)
        self.index, self.family, self.field, self.reason = index, family, field, reason


def writes(framework: str, family: str) -> tuple[str, ...] | None:
    """The fields the framework's writer of `family` takes, or None when it has none."""
    for conv in FRAMEWORKS[framework].layers.values():
        if family in conv.equivalent.writes:
            return conv.equivalent.writes[family]
    return None


def build_model(framework: str, layers: Sequence[tuple[str, Mapping[str, Value]]],
                timesteps: int | None = None, features: int | None = None) -> ModelSpec:
    """The stack as a ModelSpec of `framework`; `timesteps` and `features` are the model input (one sample),
    used where the framework's layers read their input sizes from the data."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
    if len(layers) > MAX_BUILD_LAYERS:
        raise UsageError(f"the stack has {len(layers):,} layers; the builder takes at most {MAX_BUILD_LAYERS}")
    fw = FRAMEWORKS[framework]
    stack = [_checked(k, family, values) for k, (family, values) in enumerate(layers)]
    input_shape = _model_input(fw.infers_input, stack, timesteps, features)
    specs: list[LayerSpec] = []
    chain: Chain | None = None  # the stack written so far, counted one layer at a time for auto input sizes
    counted = 0
    for k, n in enumerate(stack):
        taken = writes(framework, n.family)
        write = writer_for(framework, n.family)
        if taken is None or write is None:
            raise BuildError(f"layer {k + 1}: {fw.display} has no {n.family} layer", k, n.family, None, "no_writer")
        if "in" in taken and n.size("in") is None:
            if specs:
                if chain is None:
                    chain = Chain(ModelSpec(framework, tuple(specs), input_shape))
                for spec in specs[counted:]:
                    chain.add(spec)
                counted = len(specs)
                size = _features(chain.reports)
            else:
                size = features
            if size is None:
                raise BuildError(f"layer {k + 1}: its input size is required", k, n.family, "in", "required")
            n = replace(n, values={**n.values, "in": size})
        if n.get("rs") == "auto":
            later = any(FAMILIES[m.family].sequence for m in stack[k + 1:])
            n = replace(n, values={**n.values, "rs": "yes" if later else "no"})
        try:
            written, _ = write(n)
        except NoEquivalent as exc:
            raise BuildError(f"layer {k + 1}: {exc}", k, n.family, None, str(exc)) from None
        specs.extend(written)
    return ModelSpec(framework, tuple(specs), input_shape)


def _checked(k: int, family: str, values: Mapping[str, Value]) -> Neutral:
    """The layer's values checked against its family's fields (a page's state is not trusted)."""
    if family not in FAMILIES:
        raise BuildError(f"layer {k + 1}: unknown layer family {family!r}; choose one of: {', '.join(FAMILIES)}",
                         k, None, None, "family")
    fields = FAMILIES[family]
    out: dict[str, Value] = {}
    for name, value in values.items():
        field = fields.field(name)
        if field is None:
            raise BuildError(f"layer {k + 1} ({family}): unknown field {name!r}", k, family, name, "field")
        is_int = isinstance(value, int) and not isinstance(value, bool)
        ok = {AUTO: value is None or (is_int and value > 0), SIZE: is_int and value > 0,  # type: ignore[operator]
              COUNT: is_int and value >= 0, BOOL: isinstance(value, bool),  # type: ignore[operator]
              SELECT: value in field.options,
              RATE: isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1,
              }.get(field.type, False)
        if not ok:
            reason = "required" if value is None or value == "" else "invalid"
            raise BuildError(f"layer {k + 1} ({family}): {name} = {value!r} is not a valid value", k, family, name,
                             reason)
        out[name] = value
    return neutral(family, **out)


def _model_input(infers: bool, stack: list[Neutral], timesteps: int | None, features: int | None) -> Shape | None:
    """The model input where layers read their input sizes from the data: (T, F), or (T,) of token ids."""
    if not infers or not stack:
        return None
    if features is not None:
        return (timesteps, features)
    if FAMILIES[stack[0].family].tokens:
        return (timesteps,)
    raise BuildError("the model input's features are required", None, None, "features", "input")


def _features(layers: Sequence[LayerReport]) -> int | None:
    """The features the stack so far hands on: its last layer's output features, as its plan links them (a
    layer that keeps its input's features hands on the ones before it)."""
    for layer in reversed(layers):
        out = layer.plan.features[1]
        if out is not None:
            return out.evaluate(dict(layer.plan.bindings))
    return None


__all__ = ["MAX_BUILD_LAYERS", "BuildError", "build_model", "writes"]
