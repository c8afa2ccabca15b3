"""A model directory as the Hugging Face Hub ships one (config.json beside *.safetensors shards): the count of
the config, checked tensor by tensor against what the files hold — names and shapes read from their headers,
never their data. A tensor the count ties to another (the head shared with the embedding) may be stored as well:
it is told apart, not reported as unexpected."""

from __future__ import annotations

import re

from .._record import record
from ..conventions.transformers.configs import StoredAs
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
    stored_layout: bool = False
    """The files hold the family's checkpoint layout (StoredAs: per-expert tensors, older names), compared as such."""

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
            "tied_stored": list(self.tied_stored), "stored_layout": self.stored_layout,
        }


def as_stored(counted: dict[str, tuple[int, ...]], rules: tuple[StoredAs, ...]) -> dict[str, tuple[int, ...]]:
    """The counted tensors as the files hold them, rule after rule (a family's StoredAs data: renamed, or split
    into one tensor per expert)."""
    out = dict(counted)
    for rule in rules:
        pattern = re.compile(rule.pattern)
        moved: dict[str, tuple[int, ...]] = {}
        for name, shape in out.items():
            if not pattern.search(name):
                moved[name] = shape
            elif not rule.experts:
                moved[pattern.sub(rule.names[0], name, count=1)] = shape
            elif len(shape) == 3 and shape[1] % len(rule.names) == 0:
                part = (shape[1] // len(rule.names), shape[2])
                for e in range(shape[0]):
                    for target in rule.names:
                        moved[pattern.sub(target.replace("{e}", str(e)), name, count=1)] = part
            else:
                moved[name] = shape
        out = moved
    return out


def check_directory(directory: str, config: str, spec: ModelSpec, report: Report, files: tuple[str, ...],
                    stored: tuple[CheckpointTensor, ...], layout: tuple[StoredAs, ...] = ()) -> DirectoryCheck:
    """`layout`: how the family's files hold its tensors where that differs from the model (the Hub's files
    and save_pretrained's keep the older layout transformers converts on load); the files are compared with
    whichever of the two layouts they fit better."""
    own = {t.name: t.shape for layer in report.layers for t in (*layer.tensors, *layer.buffers)}
    held = {t.name: t.shape for t in stored}
    counted = own
    if layout:
        converted = as_stored(own, layout)
        if _misfits(converted, held) < _misfits(own, held):
            counted = converted
    tied_model = {f"{layer.name}.{name}" for layer in report.layers if layer.spec is not None
                  for name in layer.spec.tied}
    tied = set(as_stored(dict.fromkeys(tied_model, (1,)), layout)) if counted is not own else tied_model
    missing = tuple((n, s) for n, s in counted.items() if n not in held)
    mismatched = tuple((n, s, held[n]) for n, s in counted.items() if n in held and held[n] != s)
    tied_stored = tuple(n for n in held if n in tied and n not in counted)
    unexpected = tuple((n, s) for n, s in held.items() if n not in counted and n not in tied)
    params = sum(t.numel for t in stored if t.alias_of is None)
    return DirectoryCheck(directory, config, report, files, params, missing, unexpected, mismatched, tied_stored,
                          spec, counted is not own)


def _misfits(counted: dict[str, tuple[int, ...]], held: dict[str, tuple[int, ...]]) -> int:
    return sum(1 for n, s in counted.items() if held.get(n) != s) + sum(1 for n in held if n not in counted)
