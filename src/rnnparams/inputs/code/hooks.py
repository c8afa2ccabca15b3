"""The interpreter's hooks: where the world outside plain Python gets a meaning. The interpreter calls a hook
wherever a value may be a framework's object (a layer called, a module's attribute set, a container
indexed...); by default an outside value stays unknown, and the code reader (`reader.py`) overrides the
hooks to ask each framework's adapter in turn.

A hook answers `NotImplemented` (or False, or None, as its type says) when it leaves the value to the
interpreter's own rules.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .bounds import Bounded
from .values import Class, Frame, Instance, Unknown


class Hooks(Bounded):
    """Bounded reading, with the default meaning of everything outside the file: unknown."""

    def unknown(self, node: ast.AST, why: str | Callable[[], str], *, module_like: bool = False) -> Unknown:
        return Unknown(node, getattr(node, "lineno", None), why, module_like=module_like)

    def hook_undefined(self, node: ast.Name) -> object:
        return Unknown(node.id, node.lineno, "it is not defined in this file")

    def hook_star_import(self, module: str, frame: Frame) -> None:
        pass

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        return NotImplemented

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        return self.unknown(node, f"{obj.label} has no attribute {name!r} set in this file")

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        return False

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_del_attr(self, obj: object, name: str, node: ast.AST) -> bool:
        return False

    def hook_del_item(self, obj: object, key: object, node: ast.AST) -> bool:
        return False

    def hook_set_item(self, obj: object, key: object, value: object, node: ast.AST) -> bool:
        return False

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return NotImplemented

    def hook_call_unresolved(self, func: object, missing: Unknown, node: ast.Call) -> object:
        return Unknown(node, node.lineno, lambda: missing.why)

    def hook_instantiate(self, cls: Class, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        return NotImplemented

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        return None

    def hook_truth(self, value: object) -> bool | Unknown | None:
        return None

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_inplace(self, current: object, op: ast.operator, value: object, node: ast.AST) -> object:
        return NotImplemented

    def hook_unary(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        return self.unknown(node, "an operation on a value the reader does not know")

    def hook_unpack(self, value: object, count: int, node: ast.AST) -> list[object] | None:
        return None

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> None:
        if isinstance(obj, Instance) and isinstance(node, ast.Attribute):
            obj.attrs[node.attr] = Unknown(node, node.lineno, why)
        elif isinstance(obj, dict) and isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            key = node.slice.value
            if isinstance(key, (int, str)):
                obj[key] = Unknown(node, node.lineno, why)

