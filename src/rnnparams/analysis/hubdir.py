"""A model directory as the Hugging Face Hub ships one (config.json beside *.safetensors shards): the count of
the config, checked tensor by tensor against what the files hold — names and shapes read from their headers,
never their data. A tensor the count ties to another (the head shared with the embedding) may be stored as well:
it is told apart, not reported as unexpected."""

from __future__ import annotations

from .._record import record
from ..inputs.checkpoints.model import CheckpointTensor
from ..spec import ModelSpec
from .report import Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Named = tuple[str, tuple[int, ...]]


@record
class DirectoryCheck:
    directory: str
    config: str
    report: Report
    files: tuple[str, ...]
    file_params: int
    """Numbers the files hold (each stored tensor once)."""
    missing: tuple[Named, ...]
    """Counted tensors no file holds."""
    unexpected: tuple[Named, ...]
    """Stored tensors the config's model does not have."""
    mismatched: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]
    """(name, counted shape, stored shape)."""
    tied_stored: tuple[str, ...]
    """Tensors the model ties to another (counted once), stored in the files too."""
    spec: ModelSpec
    """The config's model, as `count` takes it (`--as-spec`)."""

    @property
    def matches(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory, "config": self.config, "model": self.report.name,
            "framework": self.report.framework, "total_params": self.report.total_params,
            "file_params": self.file_params, "files": list(self.files), "matches": self.matches,
            "missing": [{"name": n, "shape": list(s)} for n, s in self.missing],
            "unexpected": [{"name": n, "shape": list(s)} for n, s in self.unexpected],
            "mismatched": [{"name": n, "counted": list(a), "stored": list(b)} for n, a, b in self.mismatched],
            "tied_stored": list(self.tied_stored),
        }


def check_directory(directory: str, config: str, spec: ModelSpec, report: Report, files: tuple[str, ...],
                    stored: tuple[CheckpointTensor, ...]) -> DirectoryCheck:
    counted = {t.name: t.shape for layer in report.layers for t in (*layer.tensors, *layer.buffers)}
    tied = {f"{layer.name}.{name}" for layer in report.layers if layer.spec is not None for name in layer.spec.tied}
    held = {t.name: t.shape for t in stored}
    missing = tuple((n, s) for n, s in counted.items() if n not in held)
    mismatched = tuple((n, s, held[n]) for n, s in counted.items() if n in held and held[n] != s)
    tied_stored = tuple(n for n in held if n in tied and n not in counted)
    unexpected = tuple((n, s) for n, s in held.items() if n not in counted and n not in tied)
    params = sum(t.numel for t in stored if t.alias_of is None)
    return DirectoryCheck(directory, config, report, files, params, missing, unexpected, mismatched, tied_stored,
                          spec)
