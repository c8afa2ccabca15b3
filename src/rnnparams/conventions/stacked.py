"""What the PyTorch-style stacked recurrent layers of several frameworks share (PaddlePaddle, MindSpore,
MXNet Gluon): L layers × D directions, one set of templates per layer and direction, layer 0 reading the
input (I features) and every layer above reading the layer below (D·H_out features).

Each framework module keeps its own templates (names, shapes, order); this only repeats them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..symbolic import Expr, Sym, add, mul
from .base import TensorSpec, TensorTemplate, expand

I, H, P, D, L = (Sym(n) for n in ("I", "H", "P", "D", "L"))
IN, HOUT = Sym("I_l"), Sym("H_out")


def gated(gates: tuple[str, ...]) -> Expr:
    """G·H: the rows of a weight that stacks one block of H per gate."""
    return mul(len(gates), H)


def stack(templates: tuple[TensorTemplate, ...], *, layers: int, dirs: int, flags: Mapping[str, bool],
          hout: Expr, names: Callable[[int, int], Mapping[str, object]],
          by_tensor: bool = False) -> tuple[list[TensorSpec], tuple[tuple[Expr, tuple[TensorSpec, ...]], ...]]:
    """Concrete tensors of a stack, in the framework's order, and the stack's closed form (its family).

    `names(layer, direction)` gives the format values of one layer and direction's names; `by_tensor`
    lists all copies of the first template, then of the second... (MindSpore's ParameterTuples), instead
    of layer by layer."""
    upper_in = mul(D, hout)
    per_copy: list[list[TensorSpec]] = []
    for layer in range(layers):
        for direction in range(dirs):
            subs = {"I_l": I if layer == 0 else upper_in, "H_out": hout}
            per_copy.append(expand(templates, flags=flags, subs=subs, **names(layer, direction)))
    if by_tensor:
        width = max(len(c) for c in per_copy)
        tensors = [c[k] for k in range(width) for c in per_copy if k < len(c)]
    else:
        tensors = [t for c in per_copy for t in c]
    first = tuple(expand(templates, flags=flags, subs={"I_l": I, "H_out": hout}, **names(0, 0)))
    upper = tuple(expand(templates, flags=flags, subs={"I_l": upper_in, "H_out": hout}, **names(min(1, layers - 1), 0)))
    family = ((D, first), (mul(add(L, -1), D), upper))
    return tensors, family
