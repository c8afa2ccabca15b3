"""Checkpoint naming rules, derived from the tensor templates the conventions declare.

A checkpoint holds tensors by name; `inspect` splits each name into a layer path and a name within the layer
(the framework's `checkpoint_path`), groups them, and asks each layer convention's recogniser whether a group
is that layer. The recognisers are written beside the templates and use these helpers, so the names they
accept are the names the templates declare: `weight_ih{at}` becomes the pattern `weight_ih_l(\\d+)(_reverse)?`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .base import TensorGroup, TensorTemplate

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re


_NAMES: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[object, frozenset[str]]] = {}
"""leaf_names by (templates object, fmt), the object kept with its answer so that its id stays its own: every
group of a checkpoint asks each recogniser's names again (10,000 layers, 50,000 times)."""


def leaf_names(templates: Iterable[TensorTemplate], **fmt: str) -> frozenset[str]:
    """The names a layer's tensors take (formatted with `fmt`, e.g. no cell prefix)."""
    if not isinstance(templates, tuple):
        return frozenset(t.name.format(**fmt) for t in templates)
    key = (id(templates), tuple(fmt.items()))
    kept, names = _NAMES.get(key, (None, frozenset()))
    if kept is not templates:
        names = frozenset(t.name.format(**fmt) for t in templates)
        if len(_NAMES) >= 1_024:
            _NAMES.clear()
        _NAMES[key] = (templates, names)
    return names


def only(group: TensorGroup, templates: Iterable[TensorTemplate], required: Iterable[str], **fmt: str) -> bool:
    """The group holds only names the templates declare, and at least the required ones."""
    names = leaf_names(templates, **fmt)
    return bool(group.leaves) and set(group.leaves) <= names and set(required) <= set(group.leaves)


def stacked_pattern(templates: Iterable[TensorTemplate], placeholder: str, suffix: str) -> re.Pattern[str]:
    """A pattern matching every name of a stacked layer: the templates' names end with `{placeholder}`, which
    becomes the framework's per-layer (and per-direction) suffix pattern; the suffix's groups are the
    pattern's groups (`_l(\\d+)(_reverse)?`: group 1 the layer, group 2 the direction)."""
    import re

    mark = "{" + placeholder + "}"
    names = {t.name for t in templates}
    assert all(n.endswith(mark) for n in names), names
    stems = sorted((re.escape(n[:-len(mark)]) for n in names), key=len, reverse=True)
    return re.compile("^(?:" + "|".join(stems) + ")" + suffix + "$")


def rank(group: TensorGroup, name: str, n: int) -> tuple[int, ...] | None:
    """The shape of `name` if it has `n` axes, else None."""
    shape = group.leaves.get(name)
    return shape if shape is not None and len(shape) == n else None


def torch_path(name: str) -> tuple[str, str]:
    """PyTorch names a tensor by its module's attribute path: `encoder.rnn.weight_ih_l0`."""
    path, _, leaf = name.rpartition(".")
    return path, leaf


def keras_path(name: str) -> tuple[str, str]:
    """Keras weight paths start with the layer (`lstm/lstm_cell/kernel`), in .h5 files under `layers/` or
    `model_weights/`."""
    parts = name.split("/")
    if parts[0] in ("layers", "model_weights") and len(parts) > 1:
        return parts[1], "/".join(parts[2:])
    return parts[0], "/".join(parts[1:])


__all__ = ["keras_path", "leaf_names", "only", "rank", "stacked_pattern", "torch_path"]
