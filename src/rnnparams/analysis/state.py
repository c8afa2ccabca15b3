"""The state a model carries from one token to the next, per sequence: what a recurrent or state-space model
keeps instead of a transformer's KV cache (Mamba's convolution and SSM states, RWKV's five vectors, the RG-LRU
state and a local-attention window). Read off the plans' state shapes: every axis the model leaves free is the
batch (a state has no time axis), so a state's numbers per sequence are the product of its fixed axes."""

from __future__ import annotations

from typing import Any

from .._record import record
from ..conventions.work import Mixer
from ..symbolic import Const, Expr, Sym, add, mul, product
from .report import LayerReport, Report
from .resources import DTYPE_BYTES


@record
class StateItem:
    layer: str
    name: str
    shape: tuple[int, ...]
    """The state's fixed axes (the batch left out)."""
    numbers: int


@record
class CacheItem:
    """What one layer caches per token of context (attention's keys or values), and at the context's length."""

    layer: str
    name: str
    shape: tuple[int, ...]
    """Per token: the fixed axes (batch and time left out)."""
    per_token: int
    cap: int | None
    """The most tokens kept (a local-attention window); None: every token."""
    tokens: int | None = None
    """Tokens held after seq_len tokens of context (None: no seq_len given)."""

    @property
    def numbers(self) -> int | None:
        return None if self.tokens is None else self.per_token * self.tokens

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "name": self.name, "shape_per_token": list(self.shape),
                "numbers_per_token": self.per_token, "max_tokens": self.cap, "tokens": self.tokens,
                "numbers": self.numbers}


@record
class StateReport:
    report: Report
    dtype: str
    batch: int
    items: tuple[StateItem, ...]
    products_per_token: int | None = None
    """Multiply-adds of the weights a decoding step applies once per token (every projection and the head, a
    tied head included: it still multiplies), where every layer declares them (`Work.token_products`)."""
    caches: tuple[CacheItem, ...] = ()
    seq_len: int | None = None
    """The context the caches are sized at (None: only their size per token is known)."""

    @property
    def per_sequence(self) -> int:
        """The state of fixed size (the caches that grow with the context are apart: `cache_per_sequence`)."""
        return sum(i.numbers for i in self.items)

    @property
    def bytes_per_sequence(self) -> int:
        return self.per_sequence * DTYPE_BYTES[self.dtype]

    @property
    def cache_per_token(self) -> int:
        """Numbers the caches gain per token of context while no window is full."""
        return sum(c.per_token for c in self.caches)

    @property
    def cache_per_sequence(self) -> int | None:
        """The caches' numbers after seq_len tokens (None without seq_len; 0 for a model with no cache)."""
        if not self.caches:
            return 0
        return None if self.seq_len is None else sum(c.per_token * c.tokens for c in self.caches if c.tokens)

    @property
    def total_per_sequence(self) -> int | None:
        """What a sequence holds between tokens after seq_len tokens: the state and the caches."""
        cache = self.cache_per_sequence
        return None if cache is None else self.per_sequence + cache

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
                           for i in self.items],
                "seq_len": self.seq_len, "cache_per_token": self.cache_per_token,
                "cache_bytes_per_token": self.cache_per_token * DTYPE_BYTES[self.dtype],
                "cache_per_sequence": self.cache_per_sequence,
                "cache_bytes_per_sequence": _bytes(self.cache_per_sequence, self.dtype),
                "total_per_sequence": self.total_per_sequence,
                "total_bytes_per_sequence": _bytes(self.total_per_sequence, self.dtype),
                "total_bytes": None if self.total_per_sequence is None else
                _bytes(self.total_per_sequence * self.batch, self.dtype),
                "caches": [c.to_dict() for c in self.caches]}


def _bytes(numbers: int | None, dtype: str) -> int | None:
    return None if numbers is None else numbers * DTYPE_BYTES[dtype]


def _numbers(shape: tuple[int | None, ...]) -> tuple[tuple[int, ...], int]:
    fixed = tuple(d for d in shape if d is not None)
    numbers = 1
    for d in fixed:
        numbers *= d
    return fixed, numbers


def state_report(report: Report, dtype: str = "float32", batch: int = 1, seq_len: int | None = None) -> StateReport:
    """The state per sequence and, with `seq_len`, the attention caches after seq_len tokens of context (what
    transformers' cache layers hold then: every token, or the last `cap` of a local-attention window)."""
    items = []
    caches = []
    for layer in report.layers:
        for name, shape in layer.state_shapes.items():
            items.append(StateItem(layer.name, name, *_numbers(shape)))
        for name, cache in layer.plan.caches.items():
            fixed, per_token = _numbers(cache.shape)
            caches.append(CacheItem(layer.name, name, fixed, per_token, cache.cap,
                                    None if seq_len is None else cache.tokens(seq_len)))
    return StateReport(report, dtype, batch, tuple(items), _products(report), tuple(caches), seq_len)


NO_MIXER = Mixer()


def kind_of(copies: Expr) -> str | None:
    """The kind of block a plan's copies count (its symbol: L_att, L_moe), which names its `Mixer`."""
    return copies.name if isinstance(copies, Sym) else None


def layer_mixers(layer: LayerReport) -> dict[str | None, Mixer]:
    """Per kind of block, its `Mixer`: the one selection `state`'s products and the sequence estimate both read —
    the first of a kind's mixers whose configuration flag (`Mixer.when`) holds."""
    mixers: dict[str | None, Mixer] = {}
    for kind, mixer in layer.work.mixers:
        if kind not in mixers and _holds(layer, mixer.when):
            mixers[kind] = mixer
    return mixers


def block_mixer(mixers: dict[str | None, Mixer], copies: Expr, tensors: tuple[Any, ...]) -> Mixer:
    """A block's `Mixer`: its kind's, unless the mixer names roles the block holds none of (`Mixer.holds`)."""
    mixer = mixers.get(kind_of(copies), NO_MIXER)
    if mixer.holds and not any(t.role in mixer.holds for t in tensors):
        return NO_MIXER
    return mixer


def applications(copies: Expr, mixer: Mixer) -> Expr:
    """How many times per token a kind's blocks run: its copies, or the symbol its mixer names (`Mixer.applied`: a
    shared block held once runs at every hybrid layer)."""
    return copies if mixer.applied is None else Sym(mixer.applied)


def _holds(layer: LayerReport, when: str | tuple[str, ...] | None) -> bool:
    """A mixer's conditions (`Mixer.when`): each a flag that is true, or an "argument=value" the layer was given."""
    if when is None:
        return True
    spec = layer.spec
    if spec is None:
        return False
    for condition in (when,) if isinstance(when, str) else when:
        key, equals, value = condition.partition("=")
        if not (str(spec.get(key)) == value if equals else spec.get(key)):
            return False
    return True


def block_products(tensors: tuple[Any, ...], roles: frozenset[str], mixer: Mixer) -> Expr:
    """The products one token makes with a block's weights: routed expert tensors count top_k of their experts. A
    tensor of fewer than two axes under a product's role is its bias (ncps names a head's weight and bias alike):
    added, not multiplied."""
    terms: list[Expr] = []
    for t in tensors:
        if t.role not in roles or len(t.shape) < 2:
            continue
        if mixer.routed is not None and t.role in mixer.routed_roles and t.shape[0] == Sym(mixer.routed[0]):
            terms.append(mul(Sym(mixer.routed[1]), product(tuple(t.shape[1:]))))
        else:
            terms.append(product(tuple(t.shape)))
    return add(*terms) if terms else Const(0)


def _products(report: Report) -> int | None:
    """Per token, every block's products (a mixture of experts: the router and top_k experts, not all of them)."""
    from .check import tied_size

    total = 0
    for layer in report.layers:
        roles = layer.work.token_products
        if not roles:
            return None
        mixers = layer_mixers(layer)
        bindings = layer.plan.bindings
        for copies, tensors in layer.plan.blocks():
            if copies.evaluate(bindings):
                mixer = block_mixer(mixers, copies, tensors)
                total += (applications(copies, mixer).evaluate(bindings)
                          * block_products(tensors, roles, mixer).evaluate(bindings))
        if layer.spec is not None and layer.spec.tied:
            total += tied_size(report, layer)
    return total
