"""What the PyTorch group modules share: the symbols their shapes are written in, the arguments every module
takes and ignores (device, dtype), and how an entry is declared."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import Sym
from ..base import (
    LayerContext,
    LayerConvention,
    Param,
    PlanFn,
    Recognised,
    TensorGroup,
)
from ..equivalents import Equivalent
from ..work import INPUT, Keep, Work

I, H, P, D, L = (Sym(n) for n in ("I", "H", "P", "D", "L"))
O, V, E, C, K = (Sym(n) for n in ("O", "V", "E", "C", "K"))
IN, HOUT, GROUPS = Sym("I_l"), Sym("H_out"), Sym("groups")

DEVICE = frozenset({"device", "dtype"})
"""Every torch.nn module with tensors takes `device=` and `dtype=`: they never change the count."""
FOR_WEIGHTS = Keep(INPUT, trainable_only=True)


class _AnyKeyword(frozenset[str]):
    """The keyword arguments of a module that takes any and ignores them (nn.Identity(*args, **kwargs))."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)


ANY_KEYWORD: frozenset[str] = _AnyKeyword()
"""A weight gradient needs the layer's input (a frozen layer's input is needed by nothing)."""


def in_or_default(ctx: LayerContext, default: Shape) -> Shape:
    return default if ctx.in_shape is None else ctx.in_shape


def ints(ctx: LayerContext, key: str, n: int, minimum: int = 1, value: object = None) -> tuple[int, ...]:
    """torch's `_single` / `_pair` / `_triple`: an int for every axis, or one int per axis, each at least
    `minimum`; anything else is refused naming the argument."""
    raw = ctx.cfg(key) if value is None else value
    items = (raw,) * n if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(items, tuple) or len(items) != n or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in items):
        least = "greater than zero" if minimum > 0 else "at least zero" if minimum == 0 else "an integer"
        what = "an int" if n == 1 else f"an int or a tuple of {n} ints"
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be {what} {least} (got {raw!r}).")
    return items


def nonempty(ctx: LayerContext, shape: Shape, dims: int) -> None:
    """torch refuses an empty spatial input (a side of 0, which a transposed convolution can give) to a
    convolution, a pooling or a non-constant padding."""
    if any(n == 0 for n in shape[-dims:]):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Only zero batch or zero channel inputs are supported, but "
                         f"got input shape: {list(shape)}.")


def spatial(n: int) -> str:
    """How a rank is written in torch's messages: 1 -> "1D"."""
    return f"{n}D"


def layer(type_name: str, params: tuple[Param, ...], plan: PlanFn, *, work: Work,
          equivalent: Equivalent | None = None, recognise: Callable[[TensorGroup], Recognised | None] | None = None,
          ignored: frozenset[str] = DEVICE, recurrent: bool = False,
          words: Mapping[str, tuple[str, str]] | None = None, stateless: bool = False) -> LayerConvention:
    """One torch.nn class: auto-named by its lower-case class name when it stands alone."""
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, work=work,
                           equivalent=equivalent or Equivalent(), recognise=recognise,
                           words=MappingProxyType(dict(words or {})), stateless=stateless)


__all__ = [
    "DEVICE",
    "FOR_WEIGHTS",
    "GROUPS",
    "HOUT",
    "IN",
    "C",
    "D",
    "E",
    "H",
    "I",
    "K",
    "L",
    "O",
    "P",
    "V",
    "in_or_default",
    "layer",
]
