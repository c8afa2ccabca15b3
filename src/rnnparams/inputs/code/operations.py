"""Operators on the reader's values: arithmetic, comparisons, truth and iteration, each computed by Python
only once its operands are known, plain and small enough (integers are checked before a product, power or
shift is computed); anything else is handed to the hooks, or is unknown.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .bounds import DATA_TYPES, MAX_INT_BITS, MAX_LOOP, is_data, safe_len
from .builtins import digit_runs, is_number
from .hooks import Hooks
from .values import Ext, Raised, Unknown


class Operations(Hooks):
    """What Python's operators do to the reader's values."""

    def opaque(self, value: object) -> Unknown | None:
        """An imported name used as a value (`range(N)` with `from config import N`): as unknown as can be."""
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Ext):
            return Unknown(value.base, None, f"it is `{value.path}`, from an import (other modules are not read)")
        return None

    def truth(self, value: object) -> bool | Unknown:
        opaque = self.opaque(value)
        if opaque is not None:
            return opaque
        if isinstance(value, DATA_TYPES):
            return bool(value)
        verdict = self.hook_truth(value)
        return verdict if verdict is not None else True

    def binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        for value in (left, right):
            if isinstance(value, (Unknown, Ext)):
                return self.opaque(value)
        result = self.hook_binop(op, left, right, node)
        if result is not NotImplemented:
            return result
        if is_number(left) and is_number(right):
            return self._arith(op, left, right, node)  # type: ignore[arg-type]
        if isinstance(op, ast.Add) and type(left) is type(right) and isinstance(left, (str, list, tuple)):
            self.check_size(len(left) + len(right), node)  # type: ignore[arg-type]
            return left + right  # type: ignore[operator]
        if isinstance(op, ast.Mult) and isinstance(left, (str, list, tuple)) and type(right) is int:
            self.check_size(len(left) * max(right, 0), node)
            return left * right
        if isinstance(op, ast.Mult) and isinstance(right, (str, list, tuple)) and type(left) is int:
            return self.binop(op, right, left, node)
        if isinstance(op, ast.Mod) and isinstance(left, str) and is_data(right) and not isinstance(right, dict):
            if any(len(d) > 3 for d in digit_runs(left)) or "*" in left or not self.small(right, node):
                return self.unknown(node, "a format the reader does not follow")
            try:
                return self.string(left % right, node)
            except (TypeError, ValueError, KeyError, OverflowError):
                return self.unknown(node, "a format the value does not take")
        if isinstance(op, ast.BitOr) and isinstance(left, dict) and isinstance(right, dict):
            return {**left, **right}
        return self.unknown(node, f"an operation on {type(left).__name__} and {type(right).__name__}")

    def _arith(self, op: ast.operator, a: float, b: float, node: ast.AST) -> object:
        if any(isinstance(v, int) and v.bit_length() > MAX_INT_BITS for v in (a, b)):
            return self.unknown(node, "a number too large")
        bits = [v.bit_length() if isinstance(v, int) else 0 for v in (a, b)]
        # what the result would need, checked before it is computed
        if isinstance(op, ast.Pow) and (abs(b) > 256 or (isinstance(a, int) and isinstance(b, int) and b > 0
                                                         and bits[0] * b > MAX_INT_BITS)):
            return self.unknown(node, "a power too large to compute")
        if isinstance(op, ast.Mult) and bits[0] + bits[1] > MAX_INT_BITS + 1:
            return self.unknown(node, "a number too large")
        if isinstance(op, (ast.LShift, ast.RShift)) and (not isinstance(b, int) or b > MAX_INT_BITS or b < 0 or (
                isinstance(op, ast.LShift) and bits[0] + b > MAX_INT_BITS)):
            return self.unknown(node, "a shift the reader does not compute")
        functions: dict[type[ast.operator], Callable[[float, float], object]] = {
            ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
            ast.Div: lambda x, y: x / y, ast.FloorDiv: lambda x, y: x // y, ast.Mod: lambda x, y: x % y,
            ast.Pow: lambda x, y: x ** y, ast.LShift: lambda x, y: int(x) << int(y),
            ast.RShift: lambda x, y: int(x) >> int(y), ast.BitAnd: lambda x, y: int(x) & int(y),
            ast.BitOr: lambda x, y: int(x) | int(y), ast.BitXor: lambda x, y: int(x) ^ int(y),
        }
        fn = functions.get(type(op))
        if fn is None:
            return self.unknown(node, "an operator the reader does not follow")
        try:
            result = fn(a, b)
        except (ZeroDivisionError, OverflowError, ValueError, TypeError) as exc:
            raise Raised(type(exc).__name__, str(exc), getattr(node, "lineno", None)) from None
        if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
            return self.unknown(node, "a number too large")
        if isinstance(result, complex):
            return self.unknown(node, "a complex number")
        return result

    def iterate(self, value: object) -> list[object] | Unknown:
        opaque = self.opaque(value)
        if opaque is not None:
            return opaque
        hooked = self.hook_iterate(value)
        if hooked is not None:
            return hooked
        if isinstance(value, (list, tuple, str, dict, range)):
            if safe_len(value) > MAX_LOOP:
                return Unknown(f"a {type(value).__name__}", None, f"it has more than {MAX_LOOP:,} items")
            return list(value)
        return Unknown(type(value).__name__, None, "it cannot be iterated without running the code")

    def compare(self, op: ast.cmpop, left: object, right: object, node: ast.AST) -> object:
        if isinstance(op, (ast.Is, ast.IsNot)):
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                if left is None or right is None:  # something unknown is still not None
                    other = right if left is None else left
                    if isinstance(other, Unknown) and other.module_like:
                        return isinstance(op, ast.IsNot)
                return left if isinstance(left, Unknown) else right
            same = left is right or (left is None and right is None) or (
                isinstance(left, bool) and isinstance(right, bool) and left == right)
            return same if isinstance(op, ast.Is) else not same
        for value in (left, right):
            if isinstance(value, (Unknown, Ext)):
                return self.opaque(value)
        if not (self.small(left, node) and self.small(right, node)):
            return self.unknown(node, "a comparison of values too large to compare")
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, (list, tuple, str, dict, range)) and (is_data(left) or isinstance(right, dict)):
                try:
                    inside = left in right
                except TypeError:
                    return self.unknown(node, "a membership test the reader cannot decide")
                return inside if isinstance(op, ast.In) else not inside
            return self.unknown(node, "a membership test the reader cannot decide")
        if not (is_data(left) and is_data(right)):
            if isinstance(op, (ast.Eq, ast.NotEq)):  # objects of the file compare by identity
                return (left is right) == isinstance(op, ast.Eq)
            return self.unknown(node, "a comparison of values the reader does not know")
        ops: dict[type[ast.cmpop], Callable[[object, object], object]] = {
            ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,  # type: ignore[operator]
            ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,  # type: ignore[operator]
        }
        try:
            return bool(ops[type(op)](left, right))
        except (TypeError, KeyError):
            return self.unknown(node, "a comparison of values of different kinds")
