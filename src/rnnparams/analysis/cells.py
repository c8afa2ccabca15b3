"""The recurrent cells of a counted layer, read off its tensors' data (roles, gates, symbolic and concrete
shapes), for the cell diagram: which tensors one (layer, direction) cell holds, what its input and recurrent
vectors are and how wide, and which axis stacks the gates. Nothing here knows a layer kind or a framework:
a cell begins where a role seen in the current cell comes again, in the framework's own tensor order."""

from __future__ import annotations

from dataclasses import dataclass

from .report import LayerReport, TensorReport

INPUT_ROLES = ("input_weights", "input_and_recurrent_weights")
RECURRENT_ROLES = ("recurrent_weights",)
PROJECTION_ROLES = ("projection",)


@dataclass(frozen=True)
class Axis:
    """One axis of a tensor: its symbol (4·H, I, D·P) and its size."""

    symbol: str
    size: int


@dataclass(frozen=True)
class CellTensor:
    tensor: TensorReport
    gate_axis: int | None
    """The axis that stacks the gate blocks (None: a tensor without gates, such as a projection)."""

    @property
    def other_axis(self) -> Axis | None:
        """The axis the tensor reads (the input or recurrent vector) for a 2-D weight, else None."""
        shape, sym = self.tensor.shape, self.tensor.symbolic_shape
        if len(shape) != 2 or len(sym) != 2:
            return None
        i = 1 - self.gate_axis if self.gate_axis is not None else 1
        return Axis(sym[i], shape[i])


@dataclass(frozen=True)
class Cell:
    """One (layer, direction) cell: its tensors in framework order, grouped by what they do."""

    index: int
    gates: tuple[str, ...]
    tensors: tuple[CellTensor, ...]

    def having(self, roles: tuple[str, ...]) -> tuple[CellTensor, ...]:
        return tuple(t for t in self.tensors if t.tensor.role in roles)

    @property
    def biases(self) -> tuple[CellTensor, ...]:
        return tuple(t for t in self.tensors if "bias" in t.tensor.role)

    @property
    def others(self) -> tuple[CellTensor, ...]:
        known = {*INPUT_ROLES, *RECURRENT_ROLES, *PROJECTION_ROLES}
        return tuple(t for t in self.tensors if t.tensor.role not in known and "bias" not in t.tensor.role)

    @property
    def input(self) -> Axis | None:
        return next((a for t in self.having(INPUT_ROLES) if (a := t.other_axis) is not None), None)

    @property
    def recurrent(self) -> Axis | None:
        return next((a for t in self.having(RECURRENT_ROLES) if (a := t.other_axis) is not None), None)

    @property
    def projection(self) -> CellTensor | None:
        return next(iter(self.having(PROJECTION_ROLES)), None)


def gate_axis(t: TensorReport) -> int | None:
    """The axis whose symbol is `G·…` for G gates (4·H), or for one gate the axis that is not the input's."""
    if not t.gates:
        return None
    n = len(t.gates)
    sym = t.symbolic_shape
    if n > 1:
        return next((i for i, s in enumerate(sym) if s.startswith(f"{n}·")), None)
    if len(sym) != 2:
        return 0
    plain = [i for i, s in enumerate(sym) if s == "H"]
    return plain[0] if len(plain) == 1 else 0


def is_recurrent(layer: LayerReport) -> bool:
    return any(t.role in RECURRENT_ROLES for t in layer.tensors)


def cells(layer: LayerReport) -> tuple[Cell, ...]:
    """The layer's cells in order; a new one begins where a role of the current one repeats."""
    groups: list[list[TensorReport]] = [[]]
    for t in layer.tensors:
        if any(u.role == t.role for u in groups[-1]):
            groups.append([])
        groups[-1].append(t)
    out = []
    for i, group in enumerate(g for g in groups if g):
        gates = next((t.gates for t in group if t.gates), ())
        out.append(Cell(i, gates, tuple(CellTensor(t, gate_axis(t)) for t in group)))
    return tuple(out)


__all__ = ["Axis", "Cell", "CellTensor", "cells", "gate_axis", "is_recurrent"]
