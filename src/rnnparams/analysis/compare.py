"""One architecture side by side across frameworks, per tensor, with the differences named.

Which differences apply is read off the tensors of each column (roles, gate letters, shapes); the
wording is in render/i18n."""

from __future__ import annotations

from .._record import record
from ..conventions import FRAMEWORKS
from ..errors import UsageError
from .report import LayerReport, Report, TensorReport
from .translate import Translation, translate_layer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class LayerComparison:
    source: LayerReport
    columns: tuple[Translation, ...]
    notes: tuple[tuple[str, dict[str, str]], ...]
    """(note key, values to quote) for each difference found between the columns."""


@record
class Comparison:
    source: Report
    frameworks: tuple[str, ...]
    layers: tuple[LayerComparison, ...]

    def totals(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for k, fw in enumerate(self.frameworks):
            params = [row.columns[k].params for row in self.layers]
            out[fw] = None if any(p is None for p in params) else sum(p for p in params if p is not None)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_framework": self.source.framework, "frameworks": list(self.frameworks),
            "total_params": self.totals(),
            "layers": [{
                "name": row.source.name, "type": row.source.type,
                "frameworks": {col.framework: _column_dict(col) for col in row.columns},
                "notes": [{"key": key, **values} for key, values in row.notes],
            } for row in self.layers],
        }


def _column_dict(col: Translation) -> dict[str, Any]:
    if col.report is None:
        return {"params": None, "reason": col.reason}
    return {"params": col.report.total_params,
            "layers": [{"name": layer.name, "type": layer.type} for layer in col.report.layers],
            "tensors": [t.to_dict() for layer in col.report.layers for t in layer.tensors]}


def compare_report(report: Report, frameworks: tuple[str, ...]) -> Comparison:
    for fw in frameworks:
        if fw not in FRAMEWORKS:
            raise UsageError(f"unknown framework {fw!r}; choose from: {', '.join(FRAMEWORKS)}")
    if len(set(frameworks)) != len(frameworks) or not frameworks:
        raise UsageError("give each framework once, e.g. --frameworks pytorch,keras,keras2")
    rows = []
    for layer in report.layers:
        columns = tuple(
            Translation(layer, fw, Report(fw, (layer,), None)) if fw == report.framework
            else translate_layer(layer, report.framework, fw) for fw in frameworks)
        rows.append(LayerComparison(layer, columns, differences(columns)))
    return Comparison(report, frameworks, tuple(rows))


def _tensors(col: Translation) -> list[TensorReport]:
    if col.report is None:
        return []
    return [t for layer in col.report.layers for t in (*layer.tensors, *layer.buffers)]


def differences(columns: tuple[Translation, ...]) -> tuple[tuple[str, dict[str, str]], ...]:
    notes: list[tuple[str, dict[str, str]]] = []
    present = [c for c in columns if c.report is not None and c.report.layers]
    roles = {c.framework: {t.role for t in _tensors(c)} for c in present}
    params = {c.params for c in present}

    def add(key: str, **values: str) -> None:
        if (key, values) not in notes:
            notes.append((key, values))

    def sized(c: Translation, role: str) -> int:
        return sum(t.params for t in _tensors(c) if t.role == role)

    # two bias vectors of the same size (b_ih, b_hh; or both in one tensor, ONNX's B and CuDNN's), one (Keras,
    # TF 1, Flax LSTMs), or Keras GRU's reset_after=True (2, 3H) tensor: one row per bias
    def split(t: TensorReport) -> bool:
        return t.role == "input_and_recurrent_bias" and len(t.shape) == 2 and t.symbolic_shape[:1] == ("2",)

    two = [c.framework for c in present if sized(c, "input_bias") == sized(c, "recurrent_bias") > 0
           or any(t.role == "input_and_recurrent_bias" and not split(t) for t in _tensors(c))]
    one = [fw for fw, r in roles.items() if "bias" in r and ("recurrent_weights" in r
                                                              or "input_and_recurrent_weights" in r)]
    halves = [c.framework for c in present if any(split(t) for t in _tensors(c))]
    if two and (one or halves):
        add("bias_layout", two=", ".join(two), one=", ".join(one or halves))
    if halves and one:
        add("reset_after", true=", ".join(halves), false=", ".join(one))
    gates = {c.framework: next((t.gates for t in _tensors(c) if len(t.gates) > 1), ()) for c in present}
    orders = {g for g in gates.values() if g}
    if len(orders) > 1:
        add("gate_order", orders="; ".join(f"{fw}: {','.join(g)}" for fw, g in gates.items() if g))
    orientation: dict[str, str] = {}  # which axis reads the input: (out, in) or (in, out)
    for c in present:
        w = next((t for t in _tensors(c) if t.role in ("input_weights", "input_and_recurrent_weights")), None)
        if w is not None and len(w.symbolic_shape) >= 2 and "I" in " ".join(w.symbolic_shape):
            orientation[c.framework] = "inout" if w.symbolic_shape[0].startswith("I") else "outin"
    if len(set(orientation.values())) > 1:
        sides = {side: [fw for fw, o in orientation.items() if o == side] for side in ("outin", "inout")}
        bases = {side: {FRAMEWORKS[fw].variant_of or fw for fw in fws} for side, fws in sides.items()}
        if all(len(b) == 1 for b in bases.values()):  # one framework (and its variants) each way
            add("layout", out_in=FRAMEWORKS[next(iter(bases["outin"]))].short,
                in_out=FRAMEWORKS[next(iter(bases["inout"]))].short)
        else:
            add("layout_many", outin=", ".join(sides["outin"]), inout=", ".join(sides["inout"]))
    counts = {c.framework: len(c.report.layers) for c in present if c.report is not None}
    if len(set(counts.values())) > 1:
        add("stacking")
    statistics = {c.framework: any(t.buffer for t in _tensors(c)) for c in present
                  if any(t.role == "running_mean" for t in _tensors(c))}
    if len(set(statistics.values())) > 1:
        add("bn_state")
    for c in columns:
        if c.report is None:
            add("no_equivalent", framework=c.framework, reason=c.reason or "")
    if len(params) == 1 and len(present) > 1 and not notes:
        add("same")
    return tuple(notes)
