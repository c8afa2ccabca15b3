"""Tiny symbolic arithmetic for tensor shapes.

Conventions describe shapes with symbols (`4 * H`, `I`), so that counting, formulas and explanations
all come from the same data: evaluate with bindings to count, render to explain. Only what shapes need
is here: integer constants, named symbols, sums and products.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

Operand = Union["Expr", int]


class Expr:
    """Base class; subclasses are frozen dataclasses, so expressions hash and compare by value."""

    def __add__(self, other: Operand) -> Expr:
        return add(self, other)

    def __radd__(self, other: Operand) -> Expr:
        return add(other, self)

    def __mul__(self, other: Operand) -> Expr:
        return mul(self, other)

    def __rmul__(self, other: Operand) -> Expr:
        return mul(other, self)

    def evaluate(self, env: Mapping[str, int]) -> int:
        raise NotImplementedError

    def subs(self, env: Mapping[str, Operand]) -> Expr:
        raise NotImplementedError

    def symbols(self) -> frozenset[str]:
        raise NotImplementedError

    def render(self, times: str = "·") -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.render()


@dataclass(frozen=True, eq=True)
class Const(Expr):
    value: int

    def evaluate(self, env: Mapping[str, int]) -> int:
        return self.value

    def subs(self, env: Mapping[str, Operand]) -> Expr:
        return self

    def symbols(self) -> frozenset[str]:
        return frozenset()

    def render(self, times: str = "·") -> str:
        return str(self.value)


@dataclass(frozen=True, eq=True)
class Sym(Expr):
    name: str

    def evaluate(self, env: Mapping[str, int]) -> int:
        try:
            return env[self.name]
        except KeyError:
            raise KeyError(f"no value bound for symbol {self.name!r}") from None

    def subs(self, env: Mapping[str, Operand]) -> Expr:
        return as_expr(env[self.name]) if self.name in env else self

    def symbols(self) -> frozenset[str]:
        return frozenset({self.name})

    def render(self, times: str = "·") -> str:
        return self.name


@dataclass(frozen=True, eq=True)
class Add(Expr):
    terms: tuple[Expr, ...]

    def evaluate(self, env: Mapping[str, int]) -> int:
        return sum(t.evaluate(env) for t in self.terms)

    def subs(self, env: Mapping[str, Operand]) -> Expr:
        return add(*(t.subs(env) for t in self.terms))

    def symbols(self) -> frozenset[str]:
        return frozenset().union(*(t.symbols() for t in self.terms))

    def render(self, times: str = "·") -> str:
        return " + ".join(t.render(times) for t in self.terms)


@dataclass(frozen=True, eq=True)
class Mul(Expr):
    factors: tuple[Expr, ...]

    def evaluate(self, env: Mapping[str, int]) -> int:
        result = 1
        for f in self.factors:
            result *= f.evaluate(env)
        return result

    def subs(self, env: Mapping[str, Operand]) -> Expr:
        return mul(*(f.subs(env) for f in self.factors))

    def symbols(self) -> frozenset[str]:
        return frozenset().union(*(f.symbols() for f in self.factors))

    def render(self, times: str = "·") -> str:
        parts = [f"({f.render(times)})" if isinstance(f, Add) else f.render(times) for f in self.factors]
        return times.join(parts)


def as_expr(value: Operand) -> Expr:
    return Const(value) if isinstance(value, int) else value


def add(*operands: Operand) -> Expr:
    """Sum with flattening and constant folding (zero terms vanish)."""
    terms: list[Expr] = []
    constant = 0
    for op in map(as_expr, operands):
        for t in op.terms if isinstance(op, Add) else (op,):
            if isinstance(t, Const):
                constant += t.value
            else:
                terms.append(t)
    if constant:
        terms.append(Const(constant))
    if not terms:
        return Const(0)
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


def mul(*operands: Operand) -> Expr:
    """Product with flattening and constant folding; the constant leads (`4·H`)."""
    factors: list[Expr] = []
    constant = 1
    for op in map(as_expr, operands):
        for f in op.factors if isinstance(op, Mul) else (op,):
            if isinstance(f, Const):
                constant *= f.value
            else:
                factors.append(f)
    if constant == 0:
        return Const(0)
    if constant != 1 or not factors:
        factors.insert(0, Const(constant))
    return factors[0] if len(factors) == 1 else Mul(tuple(factors))


def product(shape: tuple[Expr, ...]) -> Expr:
    """Number of elements of a symbolic shape."""
    return mul(*shape) if shape else Const(1)
