"""A layer's arguments as a checkpoint gives them, bound to a convention's signature.

A file's values are not trusted: each argument the convention knows is checked for the kind of value it must
be (a size, a flag, one of the choices, a wrapped layer given as a config), defaults fill the rest, and
anything else is refused with the reason, which `inspect` reports as a note."""

from __future__ import annotations

from collections.abc import Mapping

from ...conventions import FRAMEWORKS
from ...conventions.base import (
    BOOL,
    BY_CLASS,
    CHOICE,
    FLOAT,
    INT,
    LAYER,
    LAYER_OR_SIZE,
    LAYERS,
    NONNEG,
    REQUIRED,
    SHAPE,
    SIZE,
    Param,
    above_maximum,
)
from ...spec import LayerSpec, Value, frozen_mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Unusable(Exception):
    """A layer the file describes with a value of a kind the convention does not take."""


def layer_spec(fw_id: str, type_name: str, raw: Mapping[str, Any], name: str | None = None) -> LayerSpec:
    """A LayerSpec with the convention's defaults filled in, taking from `raw` only the arguments the
    convention knows, each checked for the kind of value it must be (a file's values are not trusted)."""
    conv = FRAMEWORKS[fw_id].layers[type_name]
    config: dict[str, Value] = {}
    for p in conv.params:
        if p.name in raw:
            config[p.name] = _value(fw_id, p, raw[p.name], type_name)
        elif p.default is REQUIRED:
            raise Unusable(f"its configuration lacks {p.name}")
        else:
            config[p.name] = p.default  # type: ignore[assignment]
    if raw.get("trainable") is False and FRAMEWORKS[fw_id].naming == BY_CLASS:
        config["trainable"] = False
    return LayerSpec(type_name, frozen_mapping(config), name)


def _value(fw_id: str, p: Param, value: Any, type_name: str) -> Value:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    bad = Unusable(f"{type_name} {p.name}={str(value)[:40]!r} is not a valid value")
    if value is None and p.default is None:  # an optional argument left at its default (output_padding=None)
        return None
    if p.kind in (SIZE, NONNEG):
        if not (is_int and value >= (1 if p.kind == SIZE else 0)):
            raise bad
        too_large = above_maximum(p, value)
        if too_large is not None:  # e.g. num_layers: each stacked layer's tensors would be built
            raise Unusable(f"{type_name} {too_large}")
    elif p.kind == INT:
        if value is not None and not is_int:
            raise bad
    elif p.kind == BOOL:
        if not isinstance(value, bool):
            raise bad
    elif p.kind == FLOAT:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise bad
    elif p.kind == CHOICE:
        if value not in p.choices:
            raise bad
    elif p.kind == SHAPE:
        value = _tuples(value)
        if not (is_int or isinstance(value, str) or _sizes(value)):
            raise bad
    elif p.kind == LAYER_OR_SIZE:  # ncps' units: a number of neurons, or a wiring ({"class_name": ..., "config": ...})
        if isinstance(value, dict):
            return _value(fw_id, Param(p.name, kind=LAYER), value, type_name)
        return _value(fw_id, Param(p.name, kind=SIZE), value, type_name)
    elif p.kind == LAYER and value is None:  # no module there (xLSTM's sLSTMBlockConfig(feedforward=None))
        return None
    elif p.kind == LAYER:
        if not isinstance(value, dict) or not isinstance(value.get("class_name"), str) or not isinstance(
                value.get("config"), dict):
            raise bad
        inner = value["class_name"]
        if inner not in FRAMEWORKS[fw_id].layers:
            raise Unusable(f"it wraps {inner}, which is not in rnnparams' conventions")
        return layer_spec(fw_id, inner, value["config"])
    elif p.kind == LAYERS:  # StackedRNNCells(cells=[{"class_name": "LSTMCell", "config": {...}}, ...])
        if not isinstance(value, list):
            raise bad
        return tuple(_value(fw_id, Param(p.name, kind=LAYER), item, type_name) for item in value)
    elif isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) or v is None for v in value):
        return tuple(value)  # e.g. Normalization(mean=[...]): given values, which decide whether it has weights
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        return p.default if p.default is not REQUIRED else None  # type: ignore[return-value]
    return value  # type: ignore[no-any-return]


def _tuples(value: Any) -> Any:
    """A file's lists as tuples, nested ones too (Cropping2D's ((1, 2), (0, 3)) is [[1, 2], [0, 3]] in JSON)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _sizes(value: Any) -> bool:
    """A tuple of ints or None, or of such tuples."""
    return isinstance(value, tuple) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) or _sizes(v) for v in value)


__all__ = ["Unusable", "layer_spec"]
