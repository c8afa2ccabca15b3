"""The recognised layers of a checkpoint chained into one `ModelSpec` that `rnnparams count` takes: in the
file's order, else in another order whose shapes fit, else the largest run that chains; the layers left out
are named in the notes."""

from __future__ import annotations

from ..conventions import FRAMEWORKS
from ..errors import RnnParamsError
from ..inputs.checkpoints.model import Checkpoint
from ..spec import ModelSpec, Shape
from .count import count_model
from .report import Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .inspect import RecognisedLayer

MAX_ORDER_TRIES = 400


def assemble(layers: list[RecognisedLayer], ckpt: Checkpoint,
              notes: list[str]) -> tuple[ModelSpec | None, Report | None, list[str], list[str]]:
    """Chain the recognised layers into one ModelSpec (the file's order, else another order whose shapes
    fit, else the largest run that chains); the layers left out are named."""
    if not layers:
        return None, None, [], []
    frameworks = {layer.spec_framework for layer in layers}
    fw = max(frameworks, key=lambda f: sum(x.params for x in layers if x.spec_framework == f))
    usable = [x for x in layers if x.spec_framework == fw]
    left_out = [x.name for x in layers if x.spec_framework != fw]
    infers = FRAMEWORKS[fw].infers_input  # its layers take their input sizes from the data: give the chain one
    name = ckpt.metadata.get("model_name") or None if infers else None

    def attempt(chain: list[RecognisedLayer]) -> Report | None:
        shape = _input_shape(chain[0], ckpt) if infers else None
        try:
            report = count_model(ModelSpec(fw, tuple(x.spec for x in chain), shape, name))
        except RnnParamsError:
            return None
        except (AssertionError, TypeError, ValueError, KeyError):
            return None
        # Keras layers take their input size from the chain: each must still hold what the file holds.
        same = all(r.params == x.params and r.buffer_count == x.buffers
                   for r, x in zip(report.layers, chain, strict=True))
        return report if same else None

    report = attempt(usable)
    order = usable
    if report is None and len(usable) <= 12:
        found = _search_order(usable, attempt)
        if found is not None:
            order, report = found
            notes.append("the layers are chained in an order that fits their sizes: "
                         + " → ".join(x.name or "(root)" for x in order))
    if report is None:
        order, report, rest = _best_run(usable, attempt)
        left_out += [x.name for x in rest]
        if rest:
            notes.append(f"{len(rest)} recognised layer(s) do not chain with the others (their input and output "
                         f"sizes do not fit one sequence) and are left out of the spec: "
                         f"{', '.join(x.name for x in rest)}")
    if report is None:
        return None, None, [x.name for x in layers], []
    shape = _input_shape(order[0], ckpt) if infers else None
    return ModelSpec(fw, tuple(x.spec for x in order), shape, name), report, left_out, [x.name for x in order]


def _search_order(layers: list[RecognisedLayer], attempt: Any) -> tuple[list[RecognisedLayer], Report] | None:
    tries = 0

    def extend(chain: list[RecognisedLayer], rest: list[RecognisedLayer]) -> tuple[list[RecognisedLayer],
                                                                                   Report] | None:
        nonlocal tries
        for k, nxt in enumerate(rest):
            tries += 1
            if tries > MAX_ORDER_TRIES:
                return None
            trial = [*chain, nxt]
            report = attempt(trial)
            if report is None:
                continue
            if len(rest) == 1:
                return trial, report
            found = extend(trial, rest[:k] + rest[k + 1:])
            if found is not None:
                return found
        return None

    return extend([], layers)


def _best_run(layers: list[RecognisedLayer], attempt: Any
              ) -> tuple[list[RecognisedLayer], Report | None, list[RecognisedLayer]]:
    runs: list[tuple[list[RecognisedLayer], Report]] = []
    current: list[RecognisedLayer] = []
    report: Report | None = None
    for layer in layers:
        trial = attempt([*current, layer]) if current else attempt([layer])
        if trial is not None:
            current, report = [*current, layer], trial
            continue
        if current and report is not None:
            runs.append((current, report))
        alone = attempt([layer])
        current, report = ([layer], alone) if alone is not None else ([], None)
    if current and report is not None:
        runs.append((current, report))
    if not runs:
        return [], None, layers
    best, best_report = max(runs, key=lambda r: r[1].total_params + r[1].buffers)
    return best, best_report, [x for x in layers if x not in best]


def _input_shape(layer: RecognisedLayer, ckpt: Checkpoint) -> Shape | None:
    """The first layer's input: the shape the file recorded, else what its recognition found."""
    for declared in ckpt.layers:
        if declared.name == layer.name and declared.input_shape:
            return declared.input_shape[1:]
    i = layer.summary.get("input_size")
    if isinstance(i, int):
        return (None, i)
    return layer.input_shape


__all__ = ["assemble"]
