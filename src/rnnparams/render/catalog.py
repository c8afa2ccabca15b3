"""The calculator page's catalogue (GET /api/catalog): every framework with the layer families its writers
offer and the fields each writer takes, every family with its fields, the web's limits, every sentence the page
shows (en, zh) and its example models. One pure function of the conventions and i18n, so the page keeps no
layer table, field table or translation table of its own, and a new framework or family reaches it unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..analysis.build import MAX_BUILD_LAYERS, writes
from ..conventions import FRAMEWORKS, FrameworkConvention
from ..conventions.base import MAX_STACKED_LAYERS, REQUIRED, LayerConvention, Param
from ..conventions.families import FAMILIES, Family, Field
from ..spec import Value
from .i18n import EXAMPLE_LABELS, FAMILY_LABELS, FIELD_LABELS, LANGS, OPTION_LABELS, PAGE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("lstm", "nn.LSTM(100, 256)"),
    ("simple_rnn", "SimpleRNN(4, input_shape=[50, 3]); Dense(1)"),
    ("bigru", "nn.GRU(128, 256, num_layers=2, bidirectional=True)"),
    ("sequential", "Sequential([Input((35, 100)), LSTM(256, return_sequences=True), LSTM(128), Dense(10)])"),
    ("chain", "nn.Embedding(10000, 128); nn.GRU(128, 256, batch_first=True); nn.Linear(256, 10)"),
    ("module", "\n".join([
        "import torch.nn as nn", "", "", "class Encoder(nn.Module):",
        "    def __init__(self, vocab=10000, emb=128, hidden=256, layers=2):",
        "        super().__init__()", "        self.embedding = nn.Embedding(vocab, emb)",
        "        self.rnn = nn.GRU(emb, hidden, num_layers=layers, batch_first=True, bidirectional=True)",
        "        self.fc = nn.Linear(2 * hidden, 2)", ""])),
)
"""The page's example models (paste mode): the key of their label in i18n EXAMPLE_LABELS, and the code."""


def catalog(web_limits: Mapping[str, int]) -> dict[str, Any]:
    """The whole catalogue; `web_limits` are the web's own bounds (body bytes, layers, dimension...), which the
    build limits of the analysis and the conventions join."""
    return {
        "languages": list(LANGS),
        "frameworks": [framework_entry(FRAMEWORKS[f]) for f in FRAMEWORKS],
        "families": [family_entry(f) for f in FAMILIES.values()],
        "limits": {**web_limits, "build_layers": MAX_BUILD_LAYERS, "stacked_layers": MAX_STACKED_LAYERS},
        "words": {lang: {key: pair[k] for key, pair in PAGE.items()} for k, lang in enumerate(LANGS)},
        "examples": [{"label": words(EXAMPLE_LABELS, key), "code": code} for key, code in EXAMPLES],
    }


def words(table: Mapping[str, tuple[str, str]], key: str) -> dict[str, str]:
    """A key's words in every language; a key without words is a mistake the catalogue's tests catch."""
    if key not in table:
        raise LookupError(f"render/i18n.py has no words for {key!r}")
    return dict(zip(LANGS, table[key], strict=True))


def framework_entry(fw: FrameworkConvention) -> dict[str, Any]:
    offered = {key: writes(fw.id, key) for key in FAMILIES}
    return {
        "id": fw.id,
        "display": fw.display,
        "short": fw.short,
        "infers_input": fw.infers_input,
        "estimated": fw.runtime is not None,
        "verified": fw.verified,
        "families": [{"key": key, "fields": list(fields)} for key, fields in offered.items() if fields is not None],
        "refusals": {key: reason for key, reason in fw.refusals.items() if offered.get(key) is None},
        "layers": [layer_entry(conv) for conv in fw.layers.values()],
    }


def layer_entry(conv: LayerConvention) -> dict[str, Any]:
    return {"type": conv.type_name, "params": [param_entry(p) for p in conv.params]}


def param_entry(p: Param) -> dict[str, Any]:
    required = p.default is REQUIRED
    return {"name": p.name, "kind": p.kind, "required": required,
            "default": None if required else plain(p.default),  # type: ignore[arg-type]
            "choices": [plain(c) for c in p.choices], "maximum": p.maximum, "positional": p.positional}


def family_words(family: Family) -> dict[str, str]:
    """A family's name in every language: render/i18n.py's, else the words the family brings (a kind the shared
    tables do not name)."""
    if family.key not in FAMILY_LABELS and family.words is not None:
        return dict(zip(LANGS, family.words, strict=True))
    return words(FAMILY_LABELS, family.key)


def field_words(field: Field) -> dict[str, str]:
    """A field's label in every language: render/i18n.py's under its `label` key, else its own words."""
    if field.label not in FIELD_LABELS and field.words is not None:
        return dict(zip(LANGS, field.words, strict=True))
    return words(FIELD_LABELS, field.label)


def family_entry(family: Family) -> dict[str, Any]:
    return {"key": family.key, "label": family_words(family), "sequence": family.sequence,
            "tokens": family.tokens, "fields": [field_entry(f) for f in family.fields]}


def field_entry(field: Field) -> dict[str, Any]:
    return {
        "name": field.name, "type": field.type, "default": plain(field.default), "short": field.short,
        "label": field_words(field),
        "options": [{"value": o, "label": words(OPTION_LABELS, "o_" + o) if "o_" + o in OPTION_LABELS
                     else dict.fromkeys(LANGS, o)} for o in field.options],
        "shown_if": [[name, plain(value)] for name, value in field.shown_if],
        "hidden_if": [[name, plain(value)] for name, value in field.hidden_if],
    }


def plain(value: Value) -> Any:
    """A convention's value as JSON holds it: tuples as lists (a nested layer has no default to show)."""
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)


__all__ = ["EXAMPLES", "catalog", "family_entry", "family_words", "field_words", "framework_entry", "words"]
