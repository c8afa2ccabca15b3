"""The models of one .py file, each counted (or with the reason it cannot be): what `rnnparams count
model.py` shows when the file defines several."""

from __future__ import annotations

from collections.abc import Sequence

from .._record import record
from ..errors import RnnParamsError
from .count import count_model
from .report import Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..inputs.code.reader import FileModel


@record
class ModelListing:
    name: str
    kind: str
    """"variable", "class" (built with its default arguments) or "function" (called with its defaults)."""
    line: int
    type: str
    framework: str | None
    report: Report | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "line": self.line, "type": self.type,
                               "framework": self.framework}
        if self.report is not None:
            out.update({"total_params": self.report.total_params,
                        "trainable_params": self.report.trainable_params,
                        "non_trainable_params": self.report.non_trainable_params,
                        "buffers": self.report.buffers, "layers": len(self.report.layers)})
            if self.report.lower_bound:
                out.update(lower_bound=True, missing=self.report.to_dict()["missing"])
        else:
            out["error"] = self.error
        return out


@record
class FileListing:
    source: str
    models: tuple[ModelListing, ...]

    @property
    def counted(self) -> tuple[ModelListing, ...]:
        return tuple(m for m in self.models if m.report is not None)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.source, "models": [m.to_dict() for m in self.models]}


def list_models(source: str, found: Sequence[FileModel]) -> FileListing:
    listed = []
    for model in found:
        report: Report | None = None
        error = None if model.error is None else str(model.error)
        if model.spec is not None:
            try:
                report = count_model(model.spec)
            except RnnParamsError as exc:
                error = str(exc)
        listed.append(ModelListing(model.name, model.kind, model.line, model.type_name, model.framework, report,
                                   error))
    return FileListing(source, tuple(listed))
