"""A model's `nn.ModuleList` of decoder blocks as one layer: `backbone.layers` holding `num_layers` copies of a
block, named `0.mixer.A_log`, `1.mixer.A_log`... as `state_dict()` names them. Declared once, from the
blocks' own tensor templates, so the closed form reads `L·(block)` (and RecurrentGemma's `L_rec·(recurrent
layer) + L_att·(attention layer)`), `check` can recount it with another number of layers, and a 64-layer
model is planned once, not 64 times."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..._record import record, replace
from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import Const, Sym
from ..base import (
    SIZE,
    Equivalent,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    TensorSpec,
    TensorTemplate,
    TokenCache,
    expand,
    fmt_shape,
    freeze,
)
from ..work import Work
from .common import Arg, Caches, Derived, States, _bound, held_shape


@record
class Kind:
    """One kind of block in the stack: the symbol counting its copies (None: the first block only, once), its
    tensors (names below the block) and the state each copy carries."""

    count: str | None
    tensors: tuple[TensorTemplate, ...]
    states: States | None = None
    caches: Caches | None = None
    """What each copy caches per token of context (attention's keys and values)."""


Layout = Callable[[LayerContext], tuple[tuple[int, ...], ...]]
"""Per block, the kinds it holds (indices into the stack's kinds), from the layer's arguments."""


def uniform(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    """`num_layers` blocks of kind 0 (a kind 1 in the first block only, when the stack declares one)."""
    return tuple((0,) for _ in range(ctx.int("num_layers")))


def first_extra(ctx: LayerContext) -> tuple[tuple[int, ...], ...]:
    """Kind 0 (the first block's extra tensors: RWKV's pre_ln) before kind 1 in block 0; kind 1 elsewhere."""
    return tuple(((0, 1) if k == 0 else (1,)) for k in range(ctx.int("num_layers")))


def stack(type_name: str, args: tuple[Arg, ...], kinds: tuple[Kind, ...], *, layout: Layout = uniform,
          derived: Derived | None = None, words: Mapping[str, tuple[str, str]] | None = None,
          notes: tuple[str, ...] = (), extra: tuple[Param, ...] = (),
          equivalent: Equivalent | None = None, work: Work | None = None) -> LayerConvention:
    flags = tuple(a.name for a in args if a.symbol is None)

    def plan(ctx: LayerContext) -> LayerPlan:
        layers = layout(ctx)
        if not layers:
            raise ConfigError(f"{ctx.name} ({type_name}): a stack holds at least one block")
        env = _bound(ctx, args, derived)
        for i, kind in enumerate(kinds):
            if kind.count is not None:
                env[kind.count] = sum(1 for held in layers if i in held)
        d = env["d_model"]
        shape: Shape = ctx.in_shape if ctx.in_shape is not None else (None, None, d)
        if len(shape) != 3 or shape[-1] not in (None, d):
            raise ShapeError(f"{ctx.name} ({type_name}) reads (batch, T, {d}); it receives {fmt_shape(shape)}")
        on = {f: bool(ctx.cfg(f)) for f in flags}
        one = [tuple(expand(kind.tensors, flags=on)) for kind in kinds]
        tensors = [replace(t, name=f"{k}.{t.name}") for k, held in enumerate(layers) for i in held for t in one[i]]
        params = [tuple(t for t in ts if not t.buffer) for ts in one]  # the closed form counts parameters
        family = tuple((Sym(kind.count) if kind.count is not None else Const(1), params[i])
                       for i, kind in enumerate(kinds) if kind.count is None or env[kind.count])
        counts = tuple(kind.count for kind in kinds if kind.count is not None and env[kind.count])
        folded = _fold_shared(kinds, layers, params)
        if folded is not None:
            family = tuple((Sym(c), ts) for c, ts in folded)
            counts = tuple(c for c, _ in folded)
        states: dict[str, Shape] = {}
        for kind in kinds:
            if kind.states is None or kind.count is None or not env[kind.count]:
                continue
            for name, dims in kind.states(env).items():
                states[name] = held_shape((shape[0], env[kind.count]), dims, env)
        caches: dict[str, TokenCache] = {}
        for kind in kinds:
            if kind.caches is None or kind.count is None or not env[kind.count]:
                continue
            for name, (dims, cap) in kind.caches(env).items():
                caches[name] = TokenCache(held_shape((shape[0], env[kind.count]), dims, env), cap)
        return LayerPlan(tuple(tensors), freeze(env), shape, shape, freeze(states), family=family,
                         features=("d_model", Sym("d_model")), notes=notes, time_axis=1, counts=counts,
                         caches=freeze(caches))

    params = (*(Param(a.name, a.default, a.kind, positional=False) for a in args),
              Param("num_layers", 1, SIZE, positional=False, maximum=1_000), *extra)
    return LayerConvention(type_name, params, plan, type_name, work=work or Work(),
                           words=MappingProxyType(dict(words or {})), equivalent=equivalent or Equivalent())


def _fold_shared(kinds: tuple[Kind, ...], layers: tuple[tuple[int, ...], ...],
                 one: list[tuple[TensorSpec, ...]]) -> tuple[tuple[str, tuple[TensorSpec, ...]], ...] | None:
    """A hybrid whose every layer holds one shared kind (its norms, its MLP) and exactly one other (Bamba: Mamba-2
    or attention; LFM2: a convolution or attention) reads, in closed form, as whole layers of each other kind:
    `L_att·(attention + MLP) + L_mamba·(Mamba-2 + MLP)`. `check` then recounts a stack with one attention layer
    more as what it is (one more whole layer), by that kind's own symbol. None when the layout is not of that
    shape (Jamba's layers each hold a mixer and a feed-forward kind; a uniform stack has one kind)."""
    if len(kinds) < 3 or any(k.count is None for k in kinds):
        return None
    shared = [i for i in range(len(kinds)) if all(i in held for held in layers)]
    if len(shared) != 1 or any(len(held) != 2 for held in layers):
        return None
    s = shared[0]
    out = []
    for i, kind in enumerate(kinds):
        first = next((held for held in layers if i in held), None)
        if i == s or first is None:
            continue
        tensors = one[s] + one[i] if first.index(s) < first.index(i) else one[i] + one[s]
        out.append((str(kind.count), tensors))
    return tuple(out)
