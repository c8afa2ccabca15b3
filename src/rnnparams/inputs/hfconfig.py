"""Hugging Face config files (config.json): read as JSON (never run), checked, `--set` values applied by the
Config class's field kinds, and turned into the model transformers builds from them (the families and their
defaults are data in conventions/transformers/configs.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import InputError, RnnParamsError, UsageError
from ..spec import ConfigSource, ModelSpec
from .jsontext import loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..conventions.transformers.configs import StoredAs

MAX_CONFIG_BYTES = 1_000_000
"""A config.json is a few kilobytes; a larger file is refused before it is parsed."""


def looks_like_hf_config(text: str) -> bool:
    """A JSON object with a `model_type` and none of a spec file's `layers`: a Hugging Face config; or one with
    mamba_ssm's `d_model` and `n_layer` and no `model_type`: the config.json of a state-spaces/mamba checkpoint."""
    head = text.lstrip()[:1]
    if head != "{" or not ('"model_type"' in text or '"n_layer"' in text):
        return False
    try:
        data = loads(text)
    except (ValueError, RecursionError):
        return False
    if not isinstance(data, dict) or "layers" in data:
        return False
    if "model_type" in data:
        return True
    from ..conventions.mamba_ssm import looks_like  # imported only for a config that names no model_type

    return looks_like(data)


def load_config(text: str, source_name: str = "config.json") -> dict[str, object]:
    if len(text) > MAX_CONFIG_BYTES:
        raise UsageError(f"{source_name}: too large for a config file (more than {MAX_CONFIG_BYTES:,} characters)")
    try:
        data = loads(text)
    except ValueError as exc:
        raise InputError(f"{source_name}: not valid JSON ({exc})") from None
    except RecursionError:
        raise InputError(f"{source_name}: nested too deeply to be a config file") from None
    if not isinstance(data, dict):
        raise InputError(f"{source_name}: a config file is a JSON object, not {type(data).__name__}")
    return data


def _parse(name: str, kind: str, text: str) -> object:
    from ..conventions.transformers.configs import BOOL, FLOAT, INT, INT_OR_AUTO, INT_OR_NONE, LIST

    raw = text.strip()
    try:
        if kind in (INT, INT_OR_AUTO, INT_OR_NONE):
            if kind == INT_OR_AUTO and raw == "auto":
                return raw
            if kind == INT_OR_NONE and raw.lower() in ("none", "null"):
                return None
            return int(raw.replace("_", ""))
        if kind == FLOAT:
            return float(raw)
        if kind == BOOL:
            if raw.lower() in ("true", "1", "yes"):
                return True
            if raw.lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if kind == LIST:
            value = loads(raw)
            if not isinstance(value, list):
                raise ValueError
            return value
    except ValueError:
        want = {INT: "a whole number", INT_OR_AUTO: 'a whole number or "auto"', INT_OR_NONE: "a whole number or "
                "none", FLOAT: "a number", BOOL: "true or false", LIST: 'a JSON list (["recurrent", "attention"])'}
        raise UsageError(f"--set {name}={text}: {name} takes {want.get(kind, kind)}") from None
    return raw


def apply_overrides(family_type: str, values: dict[str, object], overrides: Sequence[str]) -> dict[str, object]:
    """`--set num_hidden_layers=48`: each key must be a field of the family's Config class, typed by it."""
    from ..conventions.transformers.configs import FAMILIES

    family = FAMILIES[family_type]
    out = dict(values)
    for item in overrides:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise UsageError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set num_hidden_layers=48")
        field = family.field(name)
        if field is None:
            raise UsageError(f"--set {name}: {family.config_class} has no field {name!r}; its fields are "
                             + ", ".join(f.name for f in family.fields))
        out[name] = _parse(name, field.kind, text)
    return out


def _mamba_ssm_overrides(data: dict[str, object],
                         overrides: Mapping[str, object] | Sequence[str] | None) -> dict[str, object]:
    """`--set n_layer=48` on a mamba_ssm config: each key a MambaConfig field, typed by its default (ssm_cfg and
    the lists as JSON)."""
    from ..conventions.mamba_ssm import DEFAULTS

    out = dict(data)
    items = [f"{k}={v}" for k, v in overrides.items()] if isinstance(overrides, Mapping) else list(overrides or ())
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise UsageError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set n_layer=48")
        if name not in DEFAULTS:
            raise UsageError(f"--set {name}: MambaConfig has no field {name!r}; its fields are " + ", ".join(DEFAULTS))
        default = DEFAULTS[name]
        try:
            if isinstance(default, bool):
                out[name] = _parse(name, "bool", text)
            elif isinstance(default, int):
                out[name] = int(text.strip().replace("_", ""))
            else:
                value = loads(text)
                if not isinstance(value, type(default)):
                    raise ValueError
                out[name] = value
        except ValueError:
            kind = ("true or false" if isinstance(default, bool) else "a whole number" if isinstance(default, int)
                    else f"a JSON {'object' if isinstance(default, dict) else 'list'}")
            raise UsageError(f"--set {name}={text}: {name} takes {kind}") from None
    return out


def spec_from_config(text: str, source_name: str = "config.json",
                     overrides: Mapping[str, object] | Sequence[str] | None = None) -> ModelSpec:
    """The model transformers builds from this config (with `overrides` applied), as a spec."""
    from ..conventions.transformers.configs import FAMILIES, FRAMEWORK, NOT_COUNTED, model_layers, with_defaults

    data = load_config(text, source_name)
    if "model_type" not in data:  # mamba_ssm's config.json names none: its module is imported for it alone
        from ..conventions import mamba_ssm

        if mamba_ssm.looks_like(data):
            values = _mamba_ssm_overrides(data, overrides)
            try:
                layers = mamba_ssm.model_layers(values, source_name)
            except RnnParamsError as exc:
                raise type(exc)(f"{source_name}: {exc}") from None
            return ModelSpec(mamba_ssm.FRAMEWORK, layers, None, name="MambaLMHeadModel", source=None, chain=False,
                             config=ConfigSource(text, source_name, _items(overrides)))
    model_type = data.get("model_type")
    if isinstance(model_type, str) and model_type in NOT_COUNTED:
        raise InputError(f"{source_name}: model_type {model_type!r} ({NOT_COUNTED[model_type]}) is a recurrent "
                         "family transformers 5.24 ships that rnnparams does not count yet; it counts "
                         + ", ".join(FAMILIES))
    if not isinstance(model_type, str) or model_type not in FAMILIES:
        raise InputError(f"{source_name}: model_type {model_type!r} is not one rnnparams counts; it counts "
                         + ", ".join(FAMILIES))
    family = FAMILIES[model_type]
    items = _items(overrides)
    values = apply_overrides(model_type, with_defaults(family, data), items)
    try:
        layers, cls = model_layers(family, values)
    except RnnParamsError as exc:
        raise type(exc)(f"{source_name}: {exc}") from None
    return ModelSpec(FRAMEWORK, layers, None, name=cls, source=None, chain=False,  # each module on its own widths
                     config=ConfigSource(text, source_name, items))


def _items(overrides: Mapping[str, object] | Sequence[str] | None) -> tuple[str, ...]:
    return tuple(f"{k}={v}" for k, v in overrides.items()) if isinstance(overrides, Mapping) else tuple(overrides or ())


def config_sizes(config: ConfigSource) -> dict[str, tuple[int, int]]:
    """The whole-number fields of the config, with its defaults and overrides applied: name -> (value, the largest
    the reader accepts). What `solve` and `sweep` vary on a config file."""
    data = load_config(config.text, config.name)
    if "model_type" not in data:
        from ..conventions import mamba_ssm

        values = _mamba_ssm_overrides(data, config.overrides)
        return {k: (v, mamba_ssm.MAX_LAYERS if k == "n_layer" else mamba_ssm.MAX_SIZE)
                for k, d in mamba_ssm.DEFAULTS.items()
                if isinstance(d, int) and not isinstance(d, bool)
                and isinstance(v := values.get(k, d), int) and not isinstance(v, bool)}
    from ..conventions.transformers.builders import MAX_LAYERS, MAX_SIZE
    from ..conventions.transformers.configs import (
        FAMILIES,
        INT,
        INT_OR_AUTO,
        INT_OR_NONE,
        with_defaults,
    )

    family = FAMILIES[str(data["model_type"])]
    values = apply_overrides(family.model_type, with_defaults(family, data), config.overrides)
    return {f.name: (v, MAX_LAYERS if f.name == "num_hidden_layers" else MAX_SIZE) for f in family.fields
            if f.kind in (INT, INT_OR_AUTO, INT_OR_NONE) and isinstance(v := values.get(f.name), int)
            and not isinstance(v, bool)}


def stored_layout(text: str) -> tuple[StoredAs, ...]:
    """The rules by which the config's model_type's checkpoint files name and shape its tensors (StoredAs, in
    conventions/transformers/configs.py): empty when the files hold the model's own layout."""
    from ..conventions.transformers.configs import FAMILIES

    data = load_config(text)
    family = FAMILIES.get(str(data.get("model_type")))
    return () if family is None else family.stored
