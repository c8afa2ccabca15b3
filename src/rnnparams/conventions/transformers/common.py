"""What every Hugging Face `transformers` module declaration here is written with: a block is its constructor
arguments (each bound to the symbol its shapes use), its tensors as `state_dict()` names them below the
module's own path (`mixer.in_proj.weight` of `backbone.layers.0`), and the recurrent state it carries between
tokens. One `block()` call declares a module class; the plan binds the symbols and maps (batch, T, d_model)
to (batch, T, d_out)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..._record import record
from ...errors import ConfigError, ShapeError
from ...spec import Shape, Value
from ...symbolic import Expr, Sym
from ..base import (
    BOOL,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..work import Work


@record
class Arg:
    """A constructor argument of the module and the symbol its shapes call it (None: a flag)."""

    name: str
    symbol: str | None
    kind: str = SIZE
    default: Value = None
    optional: bool = False
    """A size only some configurations have (mamba_ssm's Mamba-2 heads, Granite's experts): None leaves its
    symbol unbound, and the tensors that use it are switched off by a flag."""


Derived = Callable[[Mapping[str, int]], Mapping[str, int]]
"""Symbols computed from the arguments' (block_width = lru_width // heads): bound beside them."""
States = Callable[[Mapping[str, int]], Mapping[str, tuple[Expr | int, ...]]]
"""The recurrent state one sequence carries per layer, by name, in the cache's own shapes (without batch)."""
Caches = Callable[[Mapping[str, int]], Mapping[str, tuple[tuple[Expr | int, ...], int | None]]]
"""What one layer caches per token of context, by name: (its shape per token without batch or time axis, the most
tokens kept or None for every one), as transformers' cache layers allocate it (DynamicLayer: every token;
DynamicSlidingWindowLayer: a window)."""


def held_shape(lead: tuple[int | None, ...], dims: tuple[Expr | int, ...], env: Mapping[str, int]) -> Shape:
    """A state's or cache's shape as a plan lists it: the leading axes (batch, and a stack's layers), then its own
    dimensions evaluated in the layer's symbols."""
    return (*lead, *(d if isinstance(d, int) else d.evaluate(env) for d in dims))


def flag(name: str, default: bool) -> Arg:
    return Arg(name, None, BOOL, default)


def size(name: str, symbol: str, default: int | None = None, *, optional: bool = False) -> Arg:
    return Arg(name, symbol, SIZE, default, optional)


def _bound(ctx: LayerContext, args: tuple[Arg, ...], derived: Derived | None) -> dict[str, int]:
    env: dict[str, int] = {}
    for a in args:
        if a.symbol is None:
            continue
        value = ctx.cfg(a.name)
        if value is None and a.optional:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {a.name} must be a positive integer (got {value!r})")
        env[a.symbol] = value
    if derived is not None:
        env.update(derived(env))
    return env


def block(type_name: str, args: tuple[Arg, ...], tensors: tuple[TensorTemplate, ...], *, d_in: str,
          d_out: str, states: States | None = None, derived: Derived | None = None,
          words: Mapping[str, tuple[str, str]] | None = None, notes: tuple[str, ...] = (),
          reads_tokens: bool = False, work: Work | None = None) -> LayerConvention:
    """A module class: `d_in`/`d_out` name the symbols of its input and output features (`reads_tokens`: it
    reads token ids, (batch, T), as an embedding does)."""
    flags = tuple(a.name for a in args if a.symbol is None)

    def plan(ctx: LayerContext) -> LayerPlan:
        env = _bound(ctx, args, derived)
        shape: Shape = ctx.in_shape if ctx.in_shape is not None else ((None, None) if reads_tokens else
                                                                       (None, None, env[d_in]))
        if reads_tokens:
            if len(shape) != 2:
                raise ShapeError(f"{ctx.name} ({type_name}) reads token ids (batch, T); it receives "
                                 f"{fmt_shape(shape)}")
            out: Shape = (*shape, env[d_out])
        else:
            if len(shape) != 3 or shape[-1] not in (None, env[d_in]):
                raise ShapeError(f"{ctx.name} ({type_name}) reads (batch, T, {env[d_in]}); it receives "
                                 f"{fmt_shape(shape)}")
            out = (*shape[:-1], env[d_out])
        made = expand(tensors, flags={f: bool(ctx.cfg(f)) for f in flags})
        state = {} if states is None else {k: held_shape((shape[0],), v, env) for k, v in states(env).items()}
        return LayerPlan(tuple(made), freeze(env), shape, out, freeze(state), features=(d_in, Sym(d_out)),
                         notes=notes, time_axis=None if reads_tokens else 1)

    params = tuple(Param(a.name, a.default, a.kind, positional=False) for a in args)
    return LayerConvention(type_name, params, plan, type_name, work=work or Work(),
                           words=MappingProxyType(dict(words or {})))


S = Sym
"""Symbols are written out (`d_model`, `d_state`): the formula reads in the block's own terms."""
