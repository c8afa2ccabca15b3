"""Whether MODEL text is model code (a module to read) or an expression, before anything is read. Kept apart
from the reader: deciding costs only a parse, and one-line text never gets here (`api.is_code`).
"""

from __future__ import annotations

import ast
from itertools import pairwise

from ...errors import UsageError


def looks_like_code(text: str) -> bool:
    """Whether a MODEL string is Python module code rather than an expression: it has imports, classes or
    functions, or several statements (`model = Sequential([...])` then `model.summary()`, as pasted from a
    question). A single expression or a single `model = ...` stays an expression."""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("import ", "from ", "class ", "def ", "@")) and line == stripped:
            return True
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if any(not isinstance(node, ast.Expr | ast.Assign) for node in body):
        return True
    if all(isinstance(node, ast.Expr) for node in body):
        return False  # layer calls one per line (or `a; b`): the expression syntax for a chain of layers
    # An assignment among statements on lines of their own is code; `x = a; b` stays an expression.
    lines = text.splitlines()
    return any(_between(lines, before, after).count(";") == 0 for before, after in pairwise(body))


def refuse_layer_calls(text: str) -> None:
    """--model / --set given with text that is nothing but layer calls (`nn.LSTM(1, 2)`, `a; b`): there is no
    name to pick a model by and no variable to set, so say so rather than "no model found"."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    if body and all(isinstance(node, ast.Expr) for node in body):
        raise UsageError("--model and --set apply to model code (a .py file, or code with assignments); "
                         f"{text.strip()[:60]!r} is an expression: count it without them")


def _between(lines: list[str], before: ast.stmt, after: ast.stmt) -> str:
    """The source text between two statements (where a `;` would separate them)."""
    end_line, end_col = before.end_lineno or before.lineno, before.end_col_offset or 0
    if end_line == after.lineno:
        return lines[end_line - 1][end_col:after.col_offset]
    return "\n".join([lines[end_line - 1][end_col:], *lines[end_line:after.lineno - 1],
                      lines[after.lineno - 1][:after.col_offset]])
