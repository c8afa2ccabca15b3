"""POST /api/build without the web framework: the page's neutral stack written as one framework's expression
(analysis/build.py and render/expression.py), within the web's limits, its refusals worded in the request's
language (render/build.py). The other endpoints then take the answer's `model`, `framework` and `input_shape`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..analysis.build import BuildError, build_model, writes
from ..analysis.count import count_model
from ..conventions import FRAMEWORKS
from ..conventions.base import MAX_STACKED_LAYERS
from ..conventions.families import FAMILIES
from ..errors import RnnParamsError
from ..render.build import render_build_error, render_too_large, say
from ..render.expression import model_text
from ..spec import ModelSpec, Value
from .schemas import MAX_DIM, MAX_MODEL_CHARS, BuildRequest

Stack = Sequence[tuple[str, Mapping[str, Value]]]


class BuildRefused(Exception):
    """A stack the web does not write: status and message (in the request's language)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def run_build(request: BuildRequest, max_layers: int) -> dict[str, Any]:
    """The answer of /api/build; `max_layers` is the web's bound on a model's layers (stacked ones counted)."""
    framework, lang = request.framework, request.lang
    if framework not in FRAMEWORKS:
        raise BuildRefused(400, f"unknown framework {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
    stack = [(layer.family, dict(layer.values)) for layer in request.layers]
    enforce_build_limits(stack, max_layers, lang)
    try:
        spec = build_model(framework, stack, request.timesteps, request.features)
    except BuildError as exc:
        requested = stack[exc.index][0] if exc.index is not None else None
        raise BuildRefused(422, render_build_error(exc, framework, requested, lang)) from None
    text = model_text(spec)
    if len(text) > MAX_MODEL_CHARS:
        raise BuildRefused(422, say("too_long", lang, count=len(text), limit=MAX_MODEL_CHARS))
    return {"model": text, "framework": framework,
            "input_shape": None if spec.input_shape is None else list(spec.input_shape),
            "stack": written_layers(framework, stack, spec)}


def enforce_build_limits(stack: Stack, max_layers: int, lang: str) -> None:
    """Sizes within MAX_DIM, stacked layers within what is counted, and the whole stack within the web's model
    limit, checked before anything is written (a stack of 10**8 Keras layers would be written one by one)."""
    total = 0
    for k, (family, values) in enumerate(stack):
        if family not in FAMILIES:
            continue  # build_model says so, naming the families
        for name, value in values.items():
            if not isinstance(value, int) or isinstance(value, bool) or FAMILIES[family].field(name) is None:
                continue
            limit = MAX_STACKED_LAYERS if name == "layers" else MAX_DIM
            if value > limit:
                raise BuildRefused(422, render_too_large(k, family, name, value, limit, lang))
        stacked = values.get("layers", 1)
        total += stacked if isinstance(stacked, int) and not isinstance(stacked, bool) and stacked > 1 else 1
    if total > max_layers:
        raise BuildRefused(422, say("too_many", lang, count=total, limit=max_layers))


def written_layers(framework: str, stack: Stack, spec: ModelSpec) -> list[dict[str, int | None]]:
    """For each layer of the stack: how many layers of `spec` it wrote, and the input size it reads (what an
    empty input size became, shown beside the field as "auto (128)"), read off the counted model."""
    try:
        report = count_model(spec)
    except RnnParamsError:  # the other endpoints say why; the sizes are then unknown
        report = None
    out: list[dict[str, int | None]] = []
    at = 0
    for family, values in stack:
        taken = writes(framework, family) or ()
        alone = {**values, "in": 1} if "in" in taken else values
        span = len(build_model(framework, [(family, alone)], features=1).layers)
        size = None
        if "in" in taken and report is not None and at < len(report.layers):
            plan = report.layers[at].plan
            symbol = plan.features[0]
            size = plan.bindings.get(symbol) if symbol is not None else None
        out.append({"layers": span, "input_size": size})
        at += span
    return out


__all__ = ["BuildRefused", "enforce_build_limits", "run_build", "written_layers"]
