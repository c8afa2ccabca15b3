"""The bounds of reading one file: no input may make the reader compute for long or build anything large.

Steps and wall-clock time are counted for the whole file; a value is measured (iteratively, and never past a
limit) before Python is asked to compare, hash, print or copy it in one go, outside the step count; integers
are checked before a product, power or shift is computed. Past a limit the reader gives up with a clear
error, or the value becomes unknown (an error only if a model depends on it).
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator

from ...errors import InputError
from .values import Unknown

MAX_STEPS = 1_000_000
"""Expressions and statements evaluated for one file, in all."""
MAX_DEPTH = 40
"""Nested calls of the file's own functions (recursion ends here)."""
MAX_LOOP = 1_000
"""Iterations one loop may take; a longer loop is not followed (what it assigns becomes unknown)."""
MAX_SIZE = 100_000
"""Elements of a list or characters of a string the reader builds."""
MAX_INT_BITS = 4096
"""Bits of an integer the reader computes (about 1,200 digits); a larger one is not computed."""
MAX_SECONDS = 5.0
"""Wall-clock time one file may take to read, whatever it does (the step count bounds most of it)."""

DATA_TYPES = (int, float, str, bool, type(None), tuple, list, dict, range)
"""Plain data: what a layer argument may be, and what Python's own operators are applied to."""


def walk(value: object, limit: int = MAX_SIZE) -> Iterator[object]:
    """Every element of a value, depth first, as Python's own `==`, `hash` and `repr` visit them (a list held
    twice is visited twice). Iterative, so deep nesting cannot exhaust the stack; stops after `limit` visits
    and then yields `_TOO_BIG`, so a value built to be exponential (`a = [a, a]` thirty times) or cyclic costs
    no more than a large one."""
    stack = [value]
    seen = 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limit:
            yield _TOO_BIG
            return
        yield item
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            for k, v in reversed(item.items()):
                stack += (v, k)


_TOO_BIG = object()


def flat_size(value: object, limit: int = MAX_SIZE) -> int:
    """Elements (and characters) a value holds counted as Python walks it; more than `limit` when too big."""
    size = 0
    for item in walk(value, limit):
        size += 1 + (len(item) if isinstance(item, str) else 0)
        if item is _TOO_BIG or size > limit:
            return limit + 1
    return size


def is_data(value: object) -> bool:
    """Plain data all the way down: what a layer argument may be (a value too big to walk is not)."""
    return all(isinstance(v, DATA_TYPES) for v in walk(value))


def first_unknown(value: object) -> Unknown | None:
    for item in walk(value):
        if isinstance(item, Unknown):
            return item
    return None


def safe_len(value: list[object] | tuple[object, ...] | str | dict[object, object] | range) -> int:
    """`len(value)`, or a length past every limit where Python cannot give one (a range of a huge int)."""
    try:
        return len(value)
    except OverflowError:  # range(1 << 4000)
        return MAX_SIZE * MAX_SIZE


def hashable(key: object) -> bool:
    """Whether a value can be a dict key or a set element: plain, and small enough to hash quickly."""
    return all(isinstance(v, DATA_TYPES) and not isinstance(v, (list, dict)) for v in walk(key))


class Bounded:
    """The budget of one file's reading (steps, wall clock, sizes), and the errors that stop it: an error
    points at the node it is about, or at the statement being run when a helper without a node gives up."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.source_name = ""
        """The file's name, which starts every error message (set by the reader of files)."""
        self.at: ast.AST | None = None
        """The statement being run (where an error found by a helper without a node is shown)."""
        self.steps = 0
        self.depth = 0
        """Nested calls of the file's own functions now running (MAX_DEPTH)."""
        self.deadline = time.monotonic() + MAX_SECONDS

    def error(self, message: str, node: ast.AST | None) -> InputError:
        """An error in the file: at `node`, or where the reader was when a helper without a node gave up."""
        if getattr(node, "lineno", None) is None:
            node = self.at
        if self.source_name and not message.startswith(f"{self.source_name}: "):
            message = f"{self.source_name}: {message}"
        return InputError(message, source=self.source, line=getattr(node, "lineno", None),
                          col=getattr(node, "col_offset", None))

    def fail(self, message: str, node: ast.AST | None) -> InputError:
        """An error about a model of the file: its name always first (even when the message starts with a
        model's name that is the file's as well)."""
        return self.error(f"{self.source_name}: {message}", node)

    def tick(self, node: ast.AST, cost: int = 1) -> None:
        """Charge `cost` steps (the clock is read once every 1,024 steps, which keeps it cheap)."""
        if isinstance(node, ast.stmt):
            self.at = node
        before = self.steps
        self.steps += cost
        if self.steps > MAX_STEPS:
            raise self.error(f"the file takes too long to read (more than {MAX_STEPS:,} steps): rnnparams follows "
                             "the code that builds a model, not training loops; put the model in a file of its own",
                             node)
        if before >> 10 != self.steps >> 10 and time.monotonic() > self.deadline:
            raise self.error(f"the file takes too long to read (more than {MAX_SECONDS:g} seconds): rnnparams "
                             "follows the code that builds a model, not training loops; put the model in a file "
                             "of its own", node)

    def small(self, value: object, node: ast.AST) -> bool:
        """Whether Python may compare, hash or print `value` (work it does in one go, outside the step count):
        its elements are counted, and charged as steps."""
        size = flat_size(value)
        self.tick(node, size // 16)
        return size <= MAX_SIZE

    def check_size(self, size: int, node: ast.AST) -> None:
        """A list, dict or string of `size` elements is about to be built: refused past MAX_SIZE."""
        if size > MAX_SIZE:
            raise self.error(f"this builds a value of {size:,} elements; the reader stops at {MAX_SIZE:,}", node)

    def grow(self, items: list[object], extra: int, node: ast.AST) -> None:
        self.check_size(len(items) + extra, node)

    def grow_dict(self, items: dict[object, object], node: ast.AST) -> None:
        self.check_size(len(items) + 1, node)

    def string(self, text: str, node: ast.AST) -> str:
        self.check_size(len(text), node)
        return text

