"""What the page's builder is told when its stack cannot be written (analysis/build.py `BuildError`, and the
web's limits on a stack), in the user's language: which layer, which field, what to do."""

from __future__ import annotations

from ..analysis.build import BuildError
from ..conventions import FRAMEWORKS
from ..conventions.families import AUTO, BOOL, COUNT, FAMILIES, RATE, SELECT
from .catalog import family_words, field_words
from .i18n import BUILD_ERRORS, t

INVALID = {AUTO: "invalid_auto", COUNT: "invalid_count", RATE: "invalid_rate", BOOL: "invalid_bool",
           SELECT: "invalid_select"}
"""The sentence that says what a field of each type takes (a size: `invalid_size`)."""


def say(key: str, lang: str, **values: object) -> str:
    text = t(BUILD_ERRORS, key, lang)
    for name, value in values.items():
        text = text.replace("{" + name + "}", f"{value:,}" if isinstance(value, int) and not isinstance(value, bool)
                                                else str(value))
    return text


def family_label(family: str, lang: str) -> str:
    return family_words(FAMILIES[family])[lang] if family in FAMILIES else family


def field_label(family: str, name: str, lang: str) -> str:
    """A field's words inside a sentence: "input size" ("Input size" starts a label, not a sentence); a label
    that starts with a name keeps its capitals (CuDNN layer, batch_first)."""
    field = FAMILIES[family].field(name) if family in FAMILIES else None
    label = field_words(field)[lang] if field is not None else name
    first_word = label.split(" ")[0]
    if lang == "en" and label[:1].isupper() and (first_word[1:].islower() or len(first_word) == 1):
        return label[0].lower() + label[1:]
    return label


def render_build_error(exc: BuildError, framework: str, requested: str | None, lang: str) -> str:
    """`exc` in `lang`; `requested` is the family the request named for the failing layer (an unknown one)."""
    if exc.reason == "input":
        return say("input", lang)
    n = (exc.index or 0) + 1
    if exc.reason == "family":
        return say("family", lang, n=n, family=requested, families=", ".join(FAMILIES))
    family = exc.family or requested or ""
    where = {"n": n, "type": family_label(family, lang)}
    if exc.reason == "field":
        fields = ", ".join(f.name for f in FAMILIES[family].fields) if family in FAMILIES else ""
        return say("field", lang, **where, field=exc.field, fields=fields)
    if exc.reason in ("required", "invalid") and exc.field is not None and family in FAMILIES:
        field = FAMILIES[family].field(exc.field)
        label = field_label(family, exc.field, lang)
        if exc.reason == "required":
            return say("required", lang, **where, field=label)
        kind = INVALID.get(field.type, "invalid_size") if field is not None else "invalid_size"
        options = ", ".join(field.options) if field is not None else ""
        return say(kind, lang, **where, field=label, options=options)
    if exc.reason == "no_writer":
        fw = FRAMEWORKS[framework]
        reason = fw.refusals.get(family)
        return say("no_writer_because" if reason else "no_writer", lang, **where, fw=fw.display, reason=reason)
    return say("refused", lang, **where, reason=exc.reason.rstrip("."))


def render_too_large(index: int, family: str, field: str, value: int, limit: int, lang: str) -> str:
    """A layer's value over the web's bounds (a size over MAX_DIM, more stacked layers than are counted)."""
    return say("too_large", lang, n=index + 1, type=family_label(family, lang), field=field_label(family, field, lang),
               value=value, limit=limit)


__all__ = ["family_label", "field_label", "render_build_error", "render_too_large", "say"]
