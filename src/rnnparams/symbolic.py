"""Tiny symbolic arithmetic for tensor shapes.

Conventions describe shapes with symbols (`4 * H`, `I`), so that counting, formulas and explanations
all come from the same data: evaluate with bindings to count, render to explain. Only what shapes need
is here: integer constants, named symbols, sums and products.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from ._record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    Operand = Union["Expr", int]  # noqa: UP007 (a forward reference)


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


@record
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


@record
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


@record
class Add(Expr):
    terms: tuple[Expr, ...]

    def evaluate(self, env: Mapping[str, int]) -> int:
        return sum(t.evaluate(env) for t in self.terms)

    def subs(self, env: Mapping[str, Operand]) -> Expr:
        return add(*(t.subs(env) for t in self.terms))

    def symbols(self) -> frozenset[str]:
        return frozenset().union(*(t.symbols() for t in self.terms))

    def render(self, times: str = "·") -> str:
        out = self.terms[0].render(times)
        for t in self.terms[1:]:
            negative = isinstance(t, Const) and t.value < 0
            out += f" − {-t.value}" if negative else f" + {t.render(times)}"  # type: ignore[attr-defined]
        return out


@record
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


# --- Polynomials: to simplify a sum of tensor sizes into the factored form people write by hand --------------

Monomial = tuple[tuple[str, int], ...]
"""Symbols with their powers, in first-appearance order."""


def to_poly(expr: Expr) -> dict[Monomial, int]:
    """Expand into {monomial: coefficient}, keeping terms in the order they first appear."""
    if isinstance(expr, Const):
        return {(): expr.value} if expr.value else {}
    if isinstance(expr, Sym):
        return {((expr.name, 1),): 1}
    if isinstance(expr, Add):
        out: dict[Monomial, int] = {}
        for t in expr.terms:
            for m, c in to_poly(t).items():
                out[m] = out.get(m, 0) + c
        return {m: c for m, c in out.items() if c}
    if isinstance(expr, Mul):
        acc: dict[Monomial, int] = {(): 1}
        for f in expr.factors:
            nxt: dict[Monomial, int] = {}
            for m1, c1 in acc.items():
                for m2, c2 in to_poly(f).items():
                    m = _mono_mul(m1, m2)
                    nxt[m] = nxt.get(m, 0) + c1 * c2
            acc = {m: c for m, c in nxt.items() if c}
        return acc
    raise TypeError(type(expr).__name__)


SYMBOL_ORDER = ("L", "D", "G", "K", "C", "C_g", "V", "E", "N", "I", "O", "H", "P")
"""How symbols are ordered inside a product, so equal monomials compare equal and read naturally (D·H)."""


def _symbol_key(name: str) -> tuple[int, str]:
    base = name.split("_")[0] if name not in SYMBOL_ORDER else name
    return (SYMBOL_ORDER.index(base) if base in SYMBOL_ORDER else len(SYMBOL_ORDER), name)


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    powers = dict(a)
    for name, p in b:
        powers[name] = powers.get(name, 0) + p
    return tuple(sorted(powers.items(), key=lambda item: _symbol_key(item[0])))


def _mono_expr(m: Monomial) -> list[Expr]:
    return [Sym(name) for name, p in m for _ in range(p)]


def from_poly(poly: dict[Monomial, int]) -> Expr:
    """A sum of terms, constants last (`I + H + 2`)."""
    terms = [mul(c, *_mono_expr(m)) for m, c in poly.items() if m]
    constant = poly.get((), 0)
    return add(*terms, constant) if constant else add(*terms)


def factor(expr: Expr) -> Expr:
    """Pull out the common factor of all terms: 4·H·I + 4·H·H + 8·H → 4·H·(I + H + 2)."""
    poly = to_poly(expr)
    if len(poly) <= 1:
        return from_poly(poly)
    g = 0
    for c in poly.values():
        g = math.gcd(g, c)
    if all(c < 0 for c in poly.values()):
        g = -g
    common: dict[str, int] = {}
    first = next(iter(poly))
    for name, _ in first:
        common[name] = min(dict(m).get(name, 0) for m in poly)
    common = {k: v for k, v in common.items() if v}
    rest: dict[Monomial, int] = {}
    for m, c in poly.items():
        reduced = tuple((n, p - common.get(n, 0)) for n, p in m if p - common.get(n, 0))
        rest[reduced] = c // g
    outer = [Sym(n) for n, p in common.items() for _ in range(p)]
    return mul(g, *outer, from_poly(rest))


# --- Rendering with numbers: the "formula = numbers = partial result = result" chain of an explanation -------

def render_values(expr: Expr, env: Mapping[str, int], times: str = " × ", fmt: Callable[[int], str] = str) -> str:
    """The expression with every symbol replaced by its value, structure kept: `64 × (100 + 64 + 1)`."""
    if isinstance(expr, Const):
        return fmt(expr.value)
    if isinstance(expr, Sym):
        return fmt(env[expr.name])
    if isinstance(expr, Add):
        out = render_values(expr.terms[0], env, times, fmt)
        for t in expr.terms[1:]:
            out += f" − {fmt(-t.value)}" if isinstance(t, Const) and t.value < 0 else \
                f" + {render_values(t, env, times, fmt)}"
        return out
    assert isinstance(expr, Mul)
    return times.join(f"({render_values(f, env, times, fmt)})" if isinstance(f, Add)
                      else render_values(f, env, times, fmt) for f in expr.factors)


def fold_sums(expr: Expr, env: Mapping[str, int]) -> Expr:
    """One step of working out: every parenthesised sum becomes its value (`64 × 165`)."""
    if isinstance(expr, Mul):
        return Mul(tuple(Const(f.evaluate(env)) if isinstance(f, Add) else fold_sums(f, env) for f in expr.factors))
    if isinstance(expr, Add):
        return Add(tuple(fold_sums(t, env) for t in expr.terms))
    return expr.subs(env)


def has_inner_sum(expr: Expr) -> bool:
    """True when working the expression out takes a step: some sum sits inside a product."""
    if isinstance(expr, Mul):
        return any(isinstance(f, Add) or has_inner_sum(f) for f in expr.factors)
    if isinstance(expr, Add):
        return any(has_inner_sum(t) for t in expr.terms)
    return False


def render_latex(expr: Expr) -> str:
    """LaTeX: `4 \\cdot H \\cdot \\left(I + H + 2\\right)`, subscripts for names like H_2."""
    if isinstance(expr, Const):
        return str(expr.value)
    if isinstance(expr, Sym):
        base, _, sub = expr.name.partition("_")
        return f"{base}_{{{sub}}}" if sub else base
    if isinstance(expr, Add):
        out = render_latex(expr.terms[0])
        for t in expr.terms[1:]:
            out += f" - {-t.value}" if isinstance(t, Const) and t.value < 0 else f" + {render_latex(t)}"
        return out
    assert isinstance(expr, Mul)
    return r" \cdot ".join(rf"\left({render_latex(f)}\right)" if isinstance(f, Add) else render_latex(f)
                           for f in expr.factors)
