"""The state a model carries from one token to the next, per sequence: what a recurrent or state-space model
keeps instead of a transformer's KV cache (Mamba's convolution and SSM states, RWKV's five vectors, the RG-LRU
state and a local-attention window). Read off the plans' state shapes: every axis the model leaves free is the
batch (a state has no time axis), so a state's numbers per sequence are the product of its fixed axes."""

from __future__ import annotations

from .._record import record
from .report import Report
from .resources import DTYPE_BYTES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class StateItem:
    layer: str
    name: str
    shape: tuple[int, ...]
    """The state's fixed axes (the batch left out)."""
    numbers: int


@record
class StateReport:
    report: Report
    dtype: str
    batch: int
    items: tuple[StateItem, ...]
    products_per_token: int | None = None
    """Multiply-adds of the weights a decoding step applies once per token (every projection and the head, a
    tied head included: it still multiplies), where every layer declares them (`Work.token_products`)."""

    @property
    def per_sequence(self) -> int:
        return sum(i.numbers for i in self.items)

    @property
    def bytes_per_sequence(self) -> int:
        return self.per_sequence * DTYPE_BYTES[self.dtype]

    @property
    def weight_bytes(self) -> int:
        return self.report.total_params * DTYPE_BYTES[self.dtype]

    def to_dict(self) -> dict[str, Any]:
        return {"framework": self.report.framework, "dtype": self.dtype, "batch": self.batch,
                "total_params": self.report.total_params, "weight_bytes": self.weight_bytes,
                "state_per_sequence": self.per_sequence, "state_bytes_per_sequence": self.bytes_per_sequence,
                "state_bytes": self.bytes_per_sequence * self.batch,
                "weight_macs_per_token": self.products_per_token,
                "weight_flops_per_token": None if self.products_per_token is None else 2 * self.products_per_token,
                "states": [{"layer": i.layer, "name": i.name, "shape": list(i.shape), "numbers": i.numbers}
                           for i in self.items]}


def state_report(report: Report, dtype: str = "float32", batch: int = 1) -> StateReport:
    items = []
    for layer in report.layers:
        for name, shape in layer.state_shapes.items():
            fixed = tuple(d for d in shape if d is not None)
            numbers = 1
            for d in fixed:
                numbers *= d
            items.append(StateItem(layer.name, name, fixed, numbers))
    return StateReport(report, dtype, batch, tuple(items), _products(report))


def _products(report: Report) -> int | None:
    from .check import tied_size

    total = 0
    for layer in report.layers:
        roles = layer.work.token_products
        if not roles:
            return None
        total += sum(t.params for t in layer.tensors if t.role in roles)
        if layer.spec is not None and layer.spec.tied:
            total += tied_size(report, layer)
    return total
