"""A module's own tensor (`self.v = nn.Parameter(torch.rand(H))`), read from .py files: not a layer, but
counted like one, named by its attribute alone."""

from __future__ import annotations

from ...errors import ConfigError
from ...symbolic import Sym
from ..base import BOOL, SHAPE, LayerContext, LayerPlan, Param, TensorSpec, freeze
from ..work import Work
from .common import layer


def plan_parameter(ctx: LayerContext) -> LayerPlan:
    """A tensor assigned to a module as `nn.Parameter(torch.zeros(*shape))`: named by its attribute alone."""
    raw = ctx.cfg("shape")
    dims = (raw,) if isinstance(raw, int) else raw
    sizes = [d for d in dims if isinstance(d, int) and not isinstance(d, bool) and d >= 0] \
        if isinstance(dims, tuple) else []
    if not isinstance(dims, tuple) or len(sizes) != len(dims):
        raise ConfigError(f"{ctx.name} (Parameter): shape must be a tuple of sizes (got {raw!r}).")
    syms = (Sym("A"),) if len(sizes) == 1 else tuple(Sym(f"A{k}") for k in range(len(sizes)))
    tensor = TensorSpec("", syms, "weight", trainable=bool(ctx.cfg("requires_grad")))
    bindings = freeze({s.name: d for s, d in zip(syms, sizes, strict=True)})
    return LayerPlan((tensor,), bindings, (), tuple(sizes))


CONVENTIONS = (
    layer("Parameter", (Param("shape", kind=SHAPE), Param("requires_grad", True, BOOL)), plan_parameter,
          work=Work(), ignored=frozenset()),
)

__all__ = ["CONVENTIONS"]
