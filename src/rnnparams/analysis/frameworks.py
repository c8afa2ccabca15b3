"""The framework conventions as a list: what `rnnparams frameworks` shows (all of it read off the conventions)."""

from __future__ import annotations

from .._record import record
from ..conventions import FRAMEWORKS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class FrameworkInfo:
    id: str
    display: str
    verified: bool
    verified_with: tuple[tuple[str, str], ...]
    layers: tuple[str, ...]
    prefixes: tuple[str, ...]
    syntax: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.display, "verified": self.verified,
                "verified_with": {package: version for package, version in self.verified_with},
                "layers": list(self.layers), "prefixes": list(self.prefixes), "syntax": self.syntax}


def list_frameworks() -> tuple[FrameworkInfo, ...]:
    return tuple(FrameworkInfo(fw.id, fw.display, fw.verified, fw.verified_with, tuple(fw.layers), fw.prefixes,
                               fw.syntax) for fw in (FRAMEWORKS[f] for f in FRAMEWORKS))
