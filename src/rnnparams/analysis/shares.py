"""Where the parameters and the memory go: per layer and per tensor role, as plain (label, integer) rows for
charts. Roles are grouped as explanations group them (input weights, recurrent weights, biases, projection,
embedding...), so a chart and `explain` use the same words."""

from __future__ import annotations

from .estimate import Estimate
from .explain import ROLE_GROUPS
from .report import Report

Rows = tuple[tuple[str, int], ...]


def params_by_layer(report: Report) -> Rows:
    return tuple((f"{layer.name} ({layer.type})", layer.params) for layer in report.layers)


HEAD_ROLES = frozenset({"weight", "bias"})


def params_by_role(report: Report) -> Rows:
    """Sums per role group (the group's key; `render/i18n.py` GROUPS words them), largest first, zeros left
    out; a role no group holds is its own row. The last layer of a model of several, when it holds only a
    weight and a bias (a dense / linear output layer), is the `head`."""
    group_of = {role: group for group, roles in ROLE_GROUPS for role in roles}
    sums: dict[str, int] = {}
    last = report.layers[-1] if len(report.layers) > 1 else None
    head = last is not None and bool(last.tensors) and {t.role for t in last.tensors} <= HEAD_ROLES
    for layer in report.layers:
        for t in layer.tensors:
            key = "head" if head and layer is last else group_of.get(t.role, t.role)
            sums[key] = sums.get(key, 0) + t.params
    return tuple(sorted(((k, v) for k, v in sums.items() if v), key=lambda kv: -kv[1]))


def memory_by_kind(est: Estimate) -> Rows:
    """The counted memory lines (weights, gradients, optimizer state, activations, states), total left out."""
    return tuple((item.key, item.value) for item in est.memory if item.key != "total" and item.value)


def weights_by_role(est: Estimate) -> Rows:
    """Bytes of the weights per tensor role: the `weights` line is every parameter at the weights' width, so
    the rows sum to it exactly."""
    return tuple((key, n * est.options.weight_bytes) for key, n in params_by_role(est.report))


def memory_by_layer(est: Estimate) -> Rows:
    """Bytes a layer holds: its weights, the activations it keeps and its states."""
    return tuple((f"{layer.name} ({layer.type})", layer.weights.value + layer.activation_bytes + layer.state_bytes)
                 for layer in est.layers)


__all__ = ["memory_by_kind", "memory_by_layer", "params_by_layer", "params_by_role", "weights_by_role"]
