"""The JSON Schema of spec files (`rnnparams schema`), generated from the conventions' own signatures: one
source of truth, so the schema accepts exactly the layers and arguments the loader binds.

Per framework, every layer type is an object with `"type": "<class name>"`, its constructor arguments
(integers >= 1 for sizes, at most 1,000 for num_layers, booleans for flags, the allowed values of a choice,
...), the arguments its framework accepts and ignores, and at the top level of `layers` the keys that are not
arguments: `name`, `inbound_shape`, `tied`, `frozen` (see `specfile.py`). TOML has no null: there a free
dimension is "None".
"""

from __future__ import annotations

from collections.abc import Sequence

from ..conventions import FRAMEWORKS, FrameworkConvention, LayerConvention
from ..conventions.base import (
    ANY,
    BOOL,
    BY_CLASS,
    CHOICE,
    FLOAT,
    INT,
    LAYER,
    LAYERS,
    NONNEG,
    REQUIRED,
    SHAPE,
    SIZE,
    Param,
)
from .specfile import SCHEMA_ID

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DIMENSION: dict[str, Any] = {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}, {"const": "None"}]}
SAMPLE_SHAPE: dict[str, Any] = {"type": "array", "items": DIMENSION,
                                "description": "one sample's shape without the batch, e.g. [35, 100]; null (TOML: "
                                               "\"None\") for a free dimension"}


def spec_schema(frameworks: Sequence[str] | None = None) -> dict[str, Any]:
    ids = list(frameworks) if frameworks is not None else list(FRAMEWORKS)
    defs: dict[str, Any] = {}
    rules = []
    for fw_id in ids:
        fw = FRAMEWORKS[fw_id]
        for type_name, conv in fw.layers.items():
            defs[f"{fw_id}.{type_name}"] = layer_schema(fw_id, fw, conv, top=True)
            defs[f"{fw_id}.{type_name}.nested"] = layer_schema(fw_id, fw, conv, top=False)
        defs[f"{fw_id}.layer"] = {"oneOf": [{"$ref": f"#/$defs/{fw_id}.{t}"} for t in fw.layers]}
        defs[f"{fw_id}.nested"] = {"oneOf": [{"$ref": f"#/$defs/{fw_id}.{t}.nested"} for t in fw.layers]}
        rules.append({"if": {"properties": {"framework": {"const": fw_id}}, "required": ["framework"]},
                      "then": {"properties": {"layers": {"items": {"$ref": f"#/$defs/{fw_id}.layer"}}}}})
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "rnnparams model spec",
        "description": "A model as data: its framework, its input, and its layers with their constructor "
                       "arguments, as `rnnparams count --emit-spec` writes it and `rnnparams count FILE` reads it.",
        "type": "object",
        "required": ["framework", "layers"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "framework": {"enum": ids},
            "name": {"type": ["string", "null"]},
            "input_shape": {"anyOf": [SAMPLE_SHAPE, {"type": "null"}]},
            "chain": {"type": "boolean", "default": True,
                      "description": "false: the layers are not a chain (a functional graph, a module's forward); "
                                     "each is counted on its own inbound_shape"},
            "layers": {"type": "array", "minItems": 1},
        },
        "allOf": rules,
        "$defs": defs,
    }


def layer_schema(fw_id: str, fw: FrameworkConvention, conv: LayerConvention, *, top: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {"type": {"const": conv.type_name}}
    for param in conv.params:
        properties[param.name] = param_schema(fw_id, param)
    for key in sorted(conv.ignored):
        properties.setdefault(key, {"description": "accepted and ignored: it never changes the count"})
    if fw.naming == BY_CLASS:
        properties["name"] = {"type": "string", "minLength": 1, "description": "the layer's name"}
        properties["trainable"] = {"type": "boolean", "default": True}
    elif top:
        properties["name"] = {"type": "string", "minLength": 1,
                              "description": "the layer's attribute path in its module (encoder.rnn)"}
    if top:
        one = {"type": "array", "minItems": 1, "items": DIMENSION}
        properties["inbound_shape"] = {"anyOf": [one, {"type": "array", "minItems": 2, "items": one}],
                                       "description": "what the layer receives, with the batch (models with "
                                                      "chain: false); a list of shapes for a layer that takes "
                                                      "several tensors"}
        properties["tied"] = {"type": "array", "items": {"type": "string", "minLength": 1},
                              "description": "its tensors that are an earlier layer's (weight tying)"}
        properties["frozen"] = {"type": "array", "items": {"type": "string", "minLength": 1},
                                "description": "its tensors set to requires_grad = False (not trainable)"}
    required = ["type", *(p.name for p in conv.params if p.default is REQUIRED)]
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def param_schema(fw_id: str, param: Param) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        SIZE: {"type": "integer", "minimum": 1},
        NONNEG: {"type": "integer", "minimum": 0},
        INT: {"type": ["integer", "null"]},
        BOOL: {"type": "boolean"},
        FLOAT: {"type": ["number", "null"]},
        SHAPE: {"anyOf": [{"type": "integer"}, {"type": "string"},
                          {"type": "array", "items": {"type": ["integer", "null"]}}]},
        LAYER: {"$ref": f"#/$defs/{fw_id}.nested"},
        LAYERS: {"type": "array", "items": {"$ref": f"#/$defs/{fw_id}.nested"}},
        ANY: {},
    }
    if param.kind == CHOICE:
        out: dict[str, Any] = {"enum": [_json(c) for c in param.choices]}
    else:
        out = dict(kinds.get(param.kind, {}))
    if param.maximum is not None and param.kind in (SIZE, NONNEG):
        out["maximum"] = param.maximum
    if param.default is not REQUIRED and param.kind not in (LAYER, LAYERS):
        out["default"] = _json(param.default)
    return out


def _json(value: object) -> Any:
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
