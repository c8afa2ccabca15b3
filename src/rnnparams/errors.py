"""One exception hierarchy. Every error carries a message written for the user, never a traceback."""

from __future__ import annotations


class RnnParamsError(Exception):
    """Base class: `str(err)` is the complete, user-facing message, pointing into the source when known."""

    exit_code = 2

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.col = col
        super().__init__(self._render())

    def at(self, source: str | None, line: int | None, col: int | None) -> RnnParamsError:
        """The same error, pointing at a place in the model text (kept if it already points somewhere)."""
        if self.line is not None or source is None or line is None:
            return self
        return type(self)(self.message, source=source, line=line, col=col)

    def _render(self) -> str:
        if self.source is None or self.line is None:
            return self.message
        lines = self.source.splitlines() or [""]
        text = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        col = max(0, min(self.col or 0, len(text)))
        where = f"line {self.line}, column {col + 1}" if len(lines) > 1 else f"column {col + 1}"
        if len(text) > 120:  # keep the caret readable on long one-line models
            start = max(0, col - 60)
            text, col = ("…" if start else "") + text[start:start + 120], col - start + (1 if start else 0)
        return f"{self.message}\n  at {where}:\n    {text}\n    {' ' * col}^"


class InputError(RnnParamsError):
    """The model text or a value in it is wrong (syntax, unknown layer, bad argument)."""


class ConfigError(RnnParamsError):
    """A layer was given a configuration its framework rejects (mirrors the framework's own error)."""


class ShapeError(RnnParamsError):
    """A layer received a tensor of a shape it cannot take."""


class FeatureMismatch(ShapeError):
    """A layer declared with one input size (`param` of `spec`, its LayerSpec) receives `actual` features: what a
    design search that resized the layer before it may follow (analysis/design.py) rather than stop at."""

    def __init__(self, message: str, spec: object = None, param: str = "", actual: int = 0, *,
                 source: str | None = None, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message, source=source, line=line, col=col)
        self.spec, self.param, self.actual = spec, param, actual

    def at(self, source: str | None, line: int | None, col: int | None) -> RnnParamsError:
        if self.line is not None or source is None or line is None:
            return self
        return FeatureMismatch(self.message, self.spec, self.param, self.actual, source=source, line=line, col=col)


class UsageError(RnnParamsError):
    """The command line or API call itself is wrong (unknown framework, bad --input-shape...)."""
