"""How the code reader words what stops a model from being counted: a value it cannot resolve (with the
`--set` key that gives it), an exception the file raises with the values it has, and the two errors that
carry a failure out of a walk over a model.
"""

from __future__ import annotations

import ast

from ...errors import InputError, RnnParamsError
from .bounds import first_unknown
from .objects import FrameworkLayer, Tensor
from .values import Ext, Raised, describe, dotted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .bounds import Bounded


class EmptyModel(InputError):
    """A model without any layer that holds parameters (a mixin, a base class): not one to list."""


class ReadError(Exception):
    """Carries an error out of a deep walk (an unknown module found while collecting layers)."""

    def __init__(self, error: RnnParamsError) -> None:
        self.error = error


def unresolved(reader: Bounded, value: object, what: str, at: ast.AST) -> InputError:
    """`value` is needed for `what` (a layer argument, a tensor's requires_grad) and is not a plain value:
    say which name it depends on and how to give it."""
    cause = first_unknown(value)
    if cause is None and isinstance(value, Ext):
        text = dotted(at) or describe(at)
        return reader.fail(f"cannot resolve `{text}` for {what} without running the code: it is `{value.path}`, "
                           f"from an import (other modules are not read). Give its value with --set {text}=VALUE",
                           at)
    if cause is None:
        return reader.fail(f"{what}: `{describe(at)}` is {kind_of(value)}, not a plain value (a number, string or "
                           "tuple)", at)
    where = f" (line {cause.line})" if cause.line and cause.line != getattr(at, "lineno", None) else ""
    return reader.fail(f"cannot resolve `{cause.text}`{where} for {what} without running the code: {cause.why}. "
                       f"Give its value with --set {cause.text}=VALUE", at)


def raised(reader: Bounded, exc: Raised, what: str) -> InputError:
    """The file raises (a missing key, its own `raise`) while `what` is built with the values it has."""
    message = f"{what} raises {exc.name}" + (f"({exc.message!r})" if exc.message else "")
    return InputError(f"{reader.source_name}: {message} when read with the values it has; give the values it "
                      "expects with --set NAME=VALUE", source=reader.source, line=exc.line)


def kind_of(value: object) -> str:
    if isinstance(value, FrameworkLayer):
        return f"a layer ({value.base})"
    if isinstance(value, Tensor):
        return "a tensor"
    if isinstance(value, dict):
        return "a dict"
    return f"a {type(value).__name__}"


def at_line(line: int | None) -> ast.AST | None:
    """A node for a line (where an object was made), for errors about it."""
    return None if line is None else ast.Pass(lineno=line, col_offset=0)
