"""What is not a layer: a module's own tensor (`self.v = nn.Parameter(torch.rand(H))`), read from .py files and
counted like a layer, named by its attribute alone; and the classes of torch.nn that are refused as layers, each
with the reason the user is told (containers, whose layers are counted; base classes; an options record)."""

from __future__ import annotations

from ...errors import ConfigError
from ...symbolic import Sym
from ..base import BOOL, SHAPE, LayerContext, LayerPlan, Param, TensorSpec, freeze
from ..work import Work
from .common import layer


def plan_parameter(ctx: LayerContext) -> LayerPlan:
    """A tensor assigned to a module as `nn.Parameter(torch.zeros(*shape))`, or registered as a buffer
    (`_buffer`): named by its attribute alone."""
    raw = ctx.cfg("shape")
    dims = (raw,) if isinstance(raw, int) else raw
    sizes = [d for d in dims if isinstance(d, int) and not isinstance(d, bool) and d >= 0] \
        if isinstance(dims, tuple) else []
    if not isinstance(dims, tuple) or len(sizes) != len(dims):
        raise ConfigError(f"{ctx.name} (Parameter): shape must be a tuple of sizes (got {raw!r}).")
    syms = (Sym("A"),) if len(sizes) == 1 else tuple(Sym(f"A{k}") for k in range(len(sizes)))
    if ctx.spec.get("_buffer"):  # `self.register_buffer("pe", torch.zeros(...))`: state, not a parameter
        tensor = TensorSpec("", syms, "buffer", trainable=False, buffer=True)
    else:
        tensor = TensorSpec("", syms, "weight", trainable=bool(ctx.cfg("requires_grad")))
    bindings = freeze({s.name: d for s, d in zip(syms, sizes, strict=True)})
    return LayerPlan((tensor,), bindings, (), tuple(sizes))


CONVENTIONS = (
    layer("Parameter", (Param("shape", kind=SHAPE), Param("requires_grad", True, BOOL),
                        Param("_buffer", False, BOOL, positional=False)), plan_parameter, work=Work(),
          ignored=frozenset()),
)

CONTAINER = ("a container: its layers are counted. In an expression chain layers with ';' or write "
             "nn.Sequential(...); in a .py file the code reader follows {name} and counts what it holds")
REFUSED: dict[str, str] = {
    **{name: CONTAINER.format(name=f"nn.{name}") for name in ("Sequential", "ModuleList", "ModuleDict",
                                                             "ParameterList", "ParameterDict")},
    "Module": ("the base class of every model, not a layer: in a .py file the code reader follows your nn.Module "
               "subclasses and counts their layers"),
    "Container": "a container (deprecated since torch 1.0, use nn.Module): its layers are counted",
    "RNNBase": ("the base class of nn.RNN, nn.LSTM and nn.GRU: write one of those (nn.RNNBase('LSTM', 10, 20) is "
                "nn.LSTM(10, 20))"),
    "RNNCellBase": "the base class of nn.RNNCell, nn.LSTMCell and nn.GRUCell: write one of those",
    "LinearCrossEntropyOptions": ("not a module: the options of nn.LinearCrossEntropyLoss (chunking, accumulation), "
                                  "which hold no tensors"),
}
"""torch.nn classes that are not counted as layers, with the reason shown instead of "unknown layer"."""

__all__ = ["CONVENTIONS", "REFUSED"]
