"""Evaluate the literal values inside model text with `ast`, never `eval`: numbers, strings, tuples, and
arithmetic on numbers (`10**9`, `4 * 64`) with bounds, so no input can make us compute for long."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from ..errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_POWER_EXPONENT = 256
MAX_INT_BITS = 4096
"""Bits of an integer the model text may write or compute (about 1,233 digits): far past any size, and far
below Python's 4,300-digit limit on printing an integer, which a larger one would hit in every message."""

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}


class Opaque(str):
    """A name, attribute, call or lambda we do not evaluate (`activation=tf.nn.relu`): fine where the value is
    ignored."""


def too_large_number(value: int) -> str:
    """The message for an integer past MAX_INT_BITS, which never prints the integer itself (Python refuses to
    print one of more than 4,300 digits)."""
    digits = int((abs(value).bit_length() - 1) * 0.30103) + 1
    return (f"number too large (about {digits:,} digits): rnnparams reads integers of at most {MAX_INT_BITS:,} "
            f"bits (about {int(MAX_INT_BITS * 0.30103):,} digits)")


def dotted_name(node: ast.expr) -> str | None:
    """`torch.nn.LSTM` -> "torch.nn.LSTM"; None for anything that is not a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def literal(node: ast.expr, source: str, *, allow_opaque: bool = False) -> object:
    """The Python value of a literal node; raises InputError pointing at anything else."""

    def fail(message: str, at: ast.AST) -> InputError:
        return InputError(message, source=source, line=getattr(at, "lineno", None),
                          col=getattr(at, "col_offset", None))

    def ev(n: ast.expr) -> object:
        if isinstance(n, ast.Constant):
            if isinstance(n.value, int) and not isinstance(n.value, bool) and n.value.bit_length() > MAX_INT_BITS:
                raise fail(too_large_number(n.value), n)
            if isinstance(n.value, (int, float, str, bool)) or n.value is None:
                return n.value
            raise fail(f"unsupported literal {n.value!r}", n)
        if isinstance(n, (ast.Tuple, ast.List)):
            return tuple(ev(e) for e in n.elts)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            value = ev(n.operand)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise fail("a sign can only go before a number", n)
            return -value if isinstance(n.op, ast.USub) else value
        if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            left, right = ev(n.left), ev(n.right)
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
                raise fail("arithmetic is only allowed on numbers", n)
            if isinstance(n.op, ast.Pow) and abs(right) > MAX_POWER_EXPONENT:  # type: ignore[arg-type]
                raise fail(f"exponent {right} is too large (at most {MAX_POWER_EXPONENT})", n)
            try:
                result = _BINOPS[type(n.op)](left, right)
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                raise fail(f"cannot compute this value: {exc}", n) from None
            if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
                raise fail(too_large_number(result), n)
            if isinstance(result, complex):
                raise fail("complex numbers are not sizes", n)
            return result
        name = dotted_name(n)
        if name is not None:
            if allow_opaque:
                return Opaque(name)
            raise fail(f"name {name!r} is not defined: an expression holds literal values only. Write the "
                       "number itself (a model .py file can define constants).", n)
        if isinstance(n, (ast.Call, ast.Lambda)) and allow_opaque:  # Lambda(lambda x: x * 2): never evaluated
            return Opaque(ast.unparse(n))
        raise fail(f"expected a literal value (number, string, True/False/None, tuple), got "
                   f"{type(n).__name__} `{ast.unparse(n)}`", n)

    return ev(node)
