"""Optimizer state: what each optimizer keeps per trainable parameter tensor after its first step, laid out as the
framework's implementation lays it out (torch.optim, bitsandbytes, keras.optimizers), so the optimizer line equals
the bytes of every tensor in the optimizer's state (deduplicated by storage). docs/estimates.md gives the table
and how each was measured (tests/oracle/test_optimizers_oracle.py runs a real step of each)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..symbolic import Const, Expr, Sym, add, mul

BNB_MIN_8BIT = 4096
"""bitsandbytes keeps 8-bit state only for tensors of at least this many numbers (`min_8bit_size`); smaller ones
get 32-bit state."""
BNB_BLOCK = 256
"""bitsandbytes' blockwise quantization: one float32 absmax per 256 numbers of each 8-bit state."""
BNB_QMAP = 256
"""bitsandbytes' dynamic quantization map: 256 float32 codes per state (qmap1, qmap2), one pair shared by every
tensor of the optimizer."""


@dataclass(frozen=True)
class Optimizer:
    """One optimizer's state layout."""

    slots: int
    """Parameter-sized state tensors per parameter tensor, in the state dtype (Adam's exp_avg and exp_avg_sq: 2)."""
    counts_steps: bool = False
    """PyTorch keeps `step` as a float32 scalar tensor per parameter tensor (the runtime says how many bytes)."""
    factored: bool = False
    """Adafactor: a ≥ 2-D tensor's second moment is kept as a row and a column factor over its last two axes."""
    eight_bit: bool = False
    """bitsandbytes' 8-bit Adam: two uint8 states, blockwise float32 absmax, shared quantization maps."""
    keras_velocity: bool = False
    """Keras' Adafactor keeps a parameter-sized velocity besides its factors."""


OPTIMIZERS: Mapping[str, Optimizer] = MappingProxyType({
    "sgd": Optimizer(0),
    "momentum": Optimizer(1),
    "nesterov": Optimizer(1),
    "adam": Optimizer(2, counts_steps=True),
    "adamw": Optimizer(2, counts_steps=True),
    "rmsprop": Optimizer(1, counts_steps=True),
    "rmsprop-centered": Optimizer(2, counts_steps=True),
    "adagrad": Optimizer(1, counts_steps=True),
    "adafactor": Optimizer(0, counts_steps=True, factored=True),
    "adam8bit": Optimizer(0, eight_bit=True),
})
"""sgd: nothing; momentum, nesterov: momentum_buffer; adam, adamw: exp_avg, exp_avg_sq; rmsprop: square_avg
(centered: and grad_avg); adagrad: sum; adafactor: row_var and col_var (a 1-D tensor: variance), no first moment;
adam8bit: state1 and state2 in uint8 (float32 below 4,096 numbers), absmax1 and absmax2, qmap1 and qmap2."""


def factored_size(shape: Sequence[int], keras: bool = False) -> int:
    """Adafactor's second moment of one tensor: rows (the tensor over its last axis) + columns (over its second
    to last); a 1-D tensor keeps its whole variance in PyTorch, two placeholder scalars in Keras (its velocity
    stands for it)."""
    n = 1
    for d in shape:
        n *= d
    if len(shape) < 2:
        return 2 if keras else n
    return (n // shape[-1] if shape[-1] else 0) + (n // shape[-2] if shape[-2] else 0)


def state_line(name: str, shapes: Sequence[Sequence[int]], state_bytes: int, step_bytes: int, once_bytes: int,
               keras: bool) -> tuple[Expr, dict[str, int]]:
    """The optimizer line's formula and bindings for trainable tensors of these shapes."""
    opt = OPTIMIZERS[name]
    sizes = [_numel(s) for s in shapes]
    m = len(shapes)
    bindings: dict[str, int] = {"n_t": sum(sizes), "s": state_bytes, "m": m}
    terms: list[Expr] = []
    if opt.slots:
        terms.append(mul(opt.slots, Sym("n_t"), Sym("s")))
    if opt.factored:
        bindings["n_f"] = sum(factored_size(s, keras) for s in shapes)
        terms.append(mul(Sym("n_f"), Sym("s")))
        if keras:  # Keras' Adafactor also keeps a parameter-sized velocity
            terms.append(mul(Sym("n_t"), Sym("s")))
    if opt.eight_bit:
        big = [n for n in sizes if n >= BNB_MIN_8BIT]
        bindings.update({"n_8": sum(big), "n_32": sum(sizes) - sum(big),
                         "k_b": sum(-(-n // BNB_BLOCK) for n in big), "q": BNB_QMAP if big else 0})
        terms += [mul(2, Sym("n_8")), mul(8, Sym("n_32")), mul(8, Sym("k_b")), mul(8, Sym("q"))]
    if step_bytes and opt.counts_steps:
        terms.append(mul(step_bytes, Sym("m")))
    if once_bytes:
        terms.append(Const(once_bytes))
    return (add(*terms) if terms else Const(0)), bindings


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


__all__ = ["OPTIMIZERS", "Optimizer", "factored_size", "state_line"]
