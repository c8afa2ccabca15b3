"""Explanations: every tensor's size and every layer's total, as derivations, plus the convention notes
that matter for this model. All of it read off the count report and the conventions' symbolic shapes;
the wording lives in `render/` (English and Chinese)."""

from __future__ import annotations

from collections.abc import Mapping

from .._record import record
from ..symbolic import Expr, product
from .count import count_model
from .formula import Derivation, concrete_formula, derive
from .report import LayerReport, Report, TensorReport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# How tensor roles are grouped in an explanation, in the order the groups are shown.
ROLE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("input_weights", ("input_weights",)),
    ("recurrent_weights", ("recurrent_weights",)),
    ("fused_weights", ("input_and_recurrent_weights",)),
    ("weights", ("weight",)),
    ("embedding", ("embedding",)),
    ("biases", ("input_bias", "recurrent_bias", "bias", "input_and_recurrent_bias")),
    ("projection", ("projection",)),
    ("peepholes", ("peephole",)),
    ("norm", ("scale", "shift")),
    ("statistics", ("running_mean", "running_var", "counter")),
)


@record
class TensorLine:
    """Tensors of one role with the same symbolic shape (e.g. a weight and its `_reverse` twin)."""

    names: tuple[str, ...]
    role: str
    shape: tuple[int, ...]
    symbolic_shape: tuple[Expr, ...]
    size: Derivation
    trainable: bool
    buffer: bool

    @property
    def params(self) -> int:
        return self.size.result * len(self.names)


@record
class RoleGroup:
    group: str
    lines: tuple[TensorLine, ...]

    @property
    def params(self) -> int:
        return sum(line.params for line in self.lines)


@record
class LayerExplanation:
    name: str
    type: str
    framework: str
    bindings: Mapping[str, int]
    gates: tuple[str, ...]
    groups: tuple[RoleGroup, ...]
    total: Derivation
    params: int
    trainable_params: int
    buffers: int
    notes: tuple[str, ...]
    """Keys of convention notes (wording in render/i18n), chosen from what this layer's data shows."""
    note_values: Mapping[str, int]
    """Numbers the notes quote (gate count G, one bias vector G·H, upper-layer input D·H_out)."""
    report: LayerReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "symbols": dict(self.bindings), "gates": list(self.gates),
            "formula": self.total.formula.render(), "params": self.params,
            "trainable_params": self.trainable_params, "buffers": self.buffers, "notes": list(self.notes),
            "groups": [{"group": g.group, "params": g.params, "tensors": [
                {"names": list(line.names), "role": line.role, "shape": list(line.shape),
                 "symbolic_shape": [d.render() for d in line.symbolic_shape],
                 "formula": line.size.formula.render(), "params_each": line.size.result,
                 "params": line.params, "trainable": line.trainable, "buffer": line.buffer}
                for line in g.lines]} for g in self.groups],
        }


@record
class Explanation:
    framework: str
    layers: tuple[LayerExplanation, ...]
    report: Report

    @property
    def total_params(self) -> int:
        return self.report.total_params

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        return {"framework": self.framework, "total_params": r.total_params, "trainable_params": r.trainable_params,
                "non_trainable_params": r.non_trainable_params, "buffers": r.buffers,
                "layers": [layer.to_dict() for layer in self.layers], "warnings": list(r.warnings)}


def explain_report(report: Report) -> Explanation:
    return Explanation(report.framework, tuple(explain_layer(layer, report.framework) for layer in report.layers),
                       report)


def explain_model(spec: Any) -> Explanation:
    return explain_report(count_model(spec))


def explain_layer(layer: LayerReport, framework: str) -> LayerExplanation:
    plan = layer.plan
    env = dict(plan.bindings)
    symbolic = {(t.name, t.buffer): t.shape for t in plan.tensors}
    tensors = (*layer.tensors, *layer.buffers)
    groups = []
    for group, roles in ROLE_GROUPS:
        lines = _lines([t for t in tensors if t.role in roles], symbolic, env)
        if lines:
            groups.append(RoleGroup(group, tuple(lines)))
    grouped = {role for _, roles in ROLE_GROUPS for role in roles}
    for role in dict.fromkeys(t.role for t in tensors if t.role not in grouped):  # a role a layer brings: its group
        groups.append(RoleGroup(role, tuple(_lines([t for t in tensors if t.role == role], symbolic, env))))
    gates = next((t.gates for t in tensors if len(t.gates) > 1), ())
    return LayerExplanation(
        layer.name, layer.type, framework, plan.bindings, gates, tuple(groups),
        derive(concrete_formula(plan), env), layer.params, layer.trainable_params, layer.buffer_count,
        _notes(layer, framework, tensors), _note_values(layer, tensors), layer)


def _lines(tensors: list[TensorReport], symbolic: Mapping[tuple[str, bool], tuple[Expr, ...]],
           env: Mapping[str, int]) -> list[TensorLine]:
    """Tensors of the same role, symbolic shape and kind on one line (a weight and its `_reverse` twin)."""
    lines: list[TensorLine] = []
    for t in tensors:
        shape = symbolic[(t.name, t.buffer)]
        same = next((i for i, line in enumerate(lines) if line.role == t.role and line.symbolic_shape == shape
                     and line.trainable == t.trainable and line.buffer == t.buffer), None)
        if same is None:
            lines.append(TensorLine((t.name,), t.role, t.shape, shape, derive(product(shape), env),
                                    t.trainable, t.buffer))
        else:
            old = lines[same]
            lines[same] = TensorLine((*old.names, t.name), old.role, old.shape, old.symbolic_shape, old.size,
                                     old.trainable, old.buffer)
    return lines


def _note_values(layer: LayerReport, tensors: tuple[TensorReport, ...]) -> dict[str, int]:
    env = dict(layer.plan.bindings)
    values = dict(env)
    gated = next((t for t in tensors if t.role == "recurrent_weights"), None)
    if gated is not None:
        g, h = len(gated.gates), env.get("H", 0)
        values.update(G=g, GH=g * h, Hout=env.get("P", h))
        values["DH"] = env.get("D", 1) * values["Hout"]
    return values


def _notes(layer: LayerReport, framework: str, tensors: tuple[TensorReport, ...]) -> tuple[str, ...]:
    """Which convention notes apply, read off the data (roles present, gate counts, bindings, blocks)."""
    roles = {t.role: t for t in tensors}
    env = dict(layer.plan.bindings)
    notes: list[str] = []
    if "recurrent_weights" in roles:
        gates = len(roles["recurrent_weights"].gates)
        notes.append("shared_over_time")
        if "input_bias" in roles and "recurrent_bias" in roles:
            notes.append("two_biases")
        elif "input_and_recurrent_bias" in roles:  # one (2, 3H) tensor in Keras GRU, one (8H) vector in CuDNN
            notes.append("cudnn_bias" if len(roles["input_and_recurrent_bias"].shape) == 1 else "reset_after_true")
        elif "bias" in roles:
            notes.append("reset_after_false" if gates == 3 else "one_bias")
        else:
            notes.append("no_bias")
        blocks = [c.evaluate(env) for c, _ in layer.plan.blocks()]
        if len(blocks) > 1 and blocks[1] > 0:
            notes.append("upper_layers_input")
        if env.get("D") == 2:
            notes.append("bidirectional")
        if "projection" in roles:
            notes.append("projection")
    if "running_mean" in roles:
        notes.append("bn_buffers" if layer.buffers else "bn_non_trainable")
    if "embedding" in roles:
        notes.append("embedding")
    if not tensors:
        notes.append("no_params")
    elif any(not t.trainable for t in layer.tensors) and "running_mean" not in roles:
        notes.append("frozen")
    notes += [n for n in layer.plan.notes if n not in notes]  # the framework's own (conventions choose them)
    return tuple(notes)
