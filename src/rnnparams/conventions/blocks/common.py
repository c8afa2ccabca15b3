"""What the packages' conventions share: how an entry is declared, and the shape checks their modules make.

Every package here builds torch modules, so a tensor is named by its module path (`rnn_lst.0.weight`), the
batch leads unless the package says otherwise, and `device=`/`dtype=` never change a count."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError
from ...spec import Shape
from ..base import LayerContext, LayerConvention, Param, PlanFn, check_features, require_rank
from ..work import NOTHING, Work

DEVICE = frozenset({"device", "dtype"})


def entry(type_name: str, params: tuple[Param, ...], plan: PlanFn, *, words: Mapping[str, tuple[str, str]],
          ignored: frozenset[str] = DEVICE, recurrent: bool = True, work: Work = NOTHING,
          argument_only: bool = False) -> LayerConvention:
    """One class of a package, auto-named by its lower-case class name when it stands alone; its tensors are
    named below its sub-modules (`to_out.weight`), so `inspect` offers it whole subtrees. `argument_only`: a
    configuration or wiring, passed to the module it configures."""
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, work=work,
                           words=MappingProxyType(dict(words)), nested=not argument_only,
                           argument_only=argument_only)


def sequence_input(ctx: LayerContext, features: int, what: str, default: Shape) -> Shape:
    """The (3-D) sequence a layer reads, checked against the features it was declared with."""
    shape = default if ctx.in_shape is None else ctx.in_shape
    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence)")
    check_features(ctx, features, shape[-1], what)
    return shape


def number(ctx: LayerContext, key: str) -> float:
    value = ctx.cfg(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be a number (got {value!r}).")
    return value


def refuse_module(ctx: LayerContext, key: str, why: str) -> None:
    """An argument that replaces weights by a user's module, which rnnparams cannot see into."""
    if ctx.spec.get(key) is not None:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key}= replaces {why} by a module of your own, whose "
                          f"tensors rnnparams cannot see; count that module separately and leave {key}=None here.")


__all__ = ["DEVICE", "entry", "number", "refuse_module", "sequence_input"]
