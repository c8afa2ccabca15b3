"""The public verbs, thin over inputs and analysis."""

from __future__ import annotations

from collections.abc import Sequence

from .analysis.count import count_model
from .analysis.report import Report
from .errors import UsageError
from .inputs.expression import parse_expression
from .spec import ModelSpec, Shape


def normalize_input_shape(input_shape: Sequence[int | None] | str | None) -> Shape | None:
    """Accept (35, 100), [35, 100] or "35,100" ("None" or "?" for a free dimension)."""
    if input_shape is None:
        return None
    if isinstance(input_shape, str):
        parts = [p.strip() for p in input_shape.strip("()[] ").split(",") if p.strip()]
        dims: list[int | None] = []
        for p in parts:
            if p.lower() in ("none", "?", "null"):
                dims.append(None)
            elif p.lstrip("-").isdigit():
                dims.append(int(p))
            else:
                raise UsageError(f"input shape {input_shape!r}: {p!r} is not a size; write it like 35,100 "
                                 "(time steps, features), with None for a free dimension")
        input_shape = dims
    shape = tuple(input_shape)
    if not shape:
        raise UsageError("input shape is empty; write it like 35,100 (time steps, features)")
    for d in shape:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool) or d <= 0):
            raise UsageError(f"input shape {list(shape)}: every size must be a positive integer (got {d!r})")
    return shape


def to_spec(model: str | ModelSpec, framework: str | None = None,
            input_shape: Sequence[int | None] | str | None = None) -> ModelSpec:
    if isinstance(model, ModelSpec):
        return model
    if not isinstance(model, str):
        raise UsageError(f"model must be an expression string or a ModelSpec, not {type(model).__name__}")
    return parse_expression(model, framework, normalize_input_shape(input_shape))


def count(model: str | ModelSpec, framework: str | None = None,
          input_shape: Sequence[int | None] | str | None = None) -> Report:
    """Count the parameters of `model` exactly as `framework` does (inferred from the text when None)."""
    return count_model(to_spec(model, framework, input_shape))
