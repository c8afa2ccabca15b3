"""Hugging Face config files (config.json) as models: per `model_type`, the Config class's fields with their
defaults (copied from transformers 5.24's configuration_*.py, as data: a key the file leaves out takes the
class default), what its `__post_init__` derives, and the modules `...ForCausalLM(config)` (or the bare
`...Model`, when `architectures` names it) builds, named as its `state_dict()` names them.

What transformers does, mirrored here: Mamba's intermediate_size is int(expand·hidden_size) when the file has
none — a value in the file wins (falcon-mamba-7b says expand 16 and intermediate_size 8192: 8192 is built) —
while Mamba-2's mixer always takes int(expand·hidden_size); time_step_rank "auto" is ⌈hidden_size/16⌉; no
family pads the vocabulary (pad_vocab_size_multiple is a mamba_ssm setting transformers ignores: vocab_size
is used as written);
RecurrentGemma's head_dim is hidden_size // num_attention_heads whatever the file says, its MLP is
intermediate_size // 2 wide and its layers follow (block_types · 100)[:num_hidden_layers]; a tied head
(tie_word_embeddings) shares the embedding's tensor, which `named_parameters()` lists once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..._record import record
from ...errors import ConfigError
from ...spec import LayerSpec, Value

INT, FLOAT, BOOL, STR, LIST, INT_OR_AUTO, INT_OR_NONE = "int", "float", "bool", "str", "list", "int|auto", "int|None"
FRAMEWORK = "huggingface"
"""The framework id: Hugging Face transformers (the package name is `transformers`)."""
MAX_LAYERS = 1_000
MAX_SIZE = 10**7
"""Bounds on sizes a config may give (a 10^7-wide layer or 1,000 layers is beyond any real model), so a
hostile file cannot make the count slow."""


@record
class Field:
    """A Config class field: its name, the kind of value it takes (what `--set` parses) and its default."""

    name: str
    kind: str
    default: object


@record
class StoredAs:
    """How the checkpoint files hold a tensor of the model, where they differ: transformers 5 converts the files'
    older layout when it loads them and writes that layout back on save (conversion_mapping.py), so the Hub's
    files and save_pretrained's keep it. `pattern` (a regular expression over the model's tensor name) is
    replaced by each of `names`; with `experts` the tensor (experts, rows, columns) is held as one file tensor per
    expert `{e}` and name, each (rows / len(names), columns) — Jamba's gate_up_proj as each expert's gate_proj
    and up_proj."""

    pattern: str
    names: tuple[str, ...]
    experts: bool = False


@record
class ModelFamily:
    model_type: str
    config_class: str
    causal_lm: str
    base_model: str
    prefix: str
    """Where the base model sits in the causal LM (`backbone.`, `rwkv.`, `model.`)."""
    fields: tuple[Field, ...]
    layers: Callable[[Mapping[str, object], str], tuple[LayerSpec, ...]]
    """The modules built from the config's values (defaults filled), under the given prefix, head excluded."""
    head: str = "lm_head"
    ties: bool = True
    stored: tuple[StoredAs, ...] = ()
    """The files' layout, rule after rule (none: the files hold the model's own names and shapes)."""
    renames: Mapping[str, str] = MappingProxyType({})
    """Keys a file may give under an older name, which __post_init__ (or the Config's attribute_map) moves to
    the field: the older name wins when both are given."""
    """tie_word_embeddings ties the head to the embedding (the causal LM declares _tied_weights_keys; xLSTM's
    does not, so its head is its own matrix whatever the config says)."""

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


Config = Mapping[str, object]


def _int(c: Config, key: str) -> int:
    value = c[key]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"config key {key!r} must be a positive integer (got {value!r})")
    if value > (MAX_LAYERS if key == "num_hidden_layers" else MAX_SIZE):
        bound = MAX_LAYERS if key == "num_hidden_layers" else MAX_SIZE
        raise ConfigError(f"config key {key!r} = {value:,} is more than rnnparams counts (at most {bound:,})")
    return value


def _opt(c: Config, key: str, default: int) -> int:
    return default if c.get(key) is None else _int(c, key)


def _layer(type_name: str, name: str, **config: Value) -> LayerSpec:
    return LayerSpec(type_name, MappingProxyType(config), name=name)


def _stack(c: Config, p: str, block: str, **config: Value) -> tuple[LayerSpec, ...]:
    """The ModuleList of blocks as one layer (`{p}layers`, its tensors `0.mixer.A_log`...)."""
    return (_layer(block, f"{p}layers", num_layers=_int(c, "num_hidden_layers"), **config),)


def _rank(c: Config) -> int:
    rank = c["time_step_rank"]
    if rank == "auto":
        return math.ceil(_int(c, "hidden_size") / 16)
    if isinstance(rank, str) and rank.isdigit():
        rank = int(rank)
    return _int({"time_step_rank": rank}, "time_step_rank")


def _expand(c: Config) -> int:
    expand, hidden = c["expand"], _int(c, "hidden_size")
    if not isinstance(expand, (int, float)) or isinstance(expand, bool) or expand <= 0:
        raise ConfigError(f"config key 'expand' must be a positive number (got {expand!r})")
    inner = int(expand * hidden)
    if not 0 < inner <= MAX_SIZE:
        raise ConfigError(f"expand·hidden_size = {inner:,} must be between 1 and {MAX_SIZE:,}")
    return inner


def _mamba(block: str) -> Callable[[Config, str], tuple[LayerSpec, ...]]:
    def layers(c: Config, p: str) -> tuple[LayerSpec, ...]:
        hidden, inner = _int(c, "hidden_size"), _opt(c, "intermediate_size", _expand(c))
        return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
                *_stack(c, p, block, hidden_size=hidden, intermediate_size=inner,
                        state_size=_int(c, "state_size"), conv_kernel=_int(c, "conv_kernel"),
                        time_step_rank=_rank(c), use_bias=bool(c["use_bias"]), use_conv_bias=bool(c["use_conv_bias"])),
                _layer("RMSNorm", f"{p}norm_f", hidden_size=hidden))
    return layers


def _mamba2(c: Config, p: str) -> tuple[LayerSpec, ...]:
    hidden, heads, head_dim = _int(c, "hidden_size"), _int(c, "num_heads"), _int(c, "head_dim")
    inner = _expand(c)
    if inner != heads * head_dim:  # Mamba2Config.validate_architecture
        raise ConfigError(f"Inconsistent configuration: hidden_size * expand ({inner}) must equal num_heads * "
                          f"head_dim ({heads * head_dim}).")
    return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            *_stack(c, p, "Mamba2Stack", hidden_size=hidden, intermediate_size=inner, state_size=_int(c, "state_size"),
                    conv_kernel=_int(c, "conv_kernel"), num_heads=heads, head_dim=head_dim,
                    n_groups=_int(c, "n_groups"), use_bias=bool(c["use_bias"]), use_conv_bias=bool(c["use_conv_bias"])),
            _layer("RMSNorm", f"{p}norm_f", hidden_size=hidden))


def _rwkv(c: Config, p: str) -> tuple[LayerSpec, ...]:
    hidden = _int(c, "hidden_size")
    att, ffn = _opt(c, "attention_hidden_size", hidden), _opt(c, "intermediate_size", 4 * hidden)
    blocks = (_layer("RwkvStack", f"{p}blocks", hidden_size=hidden, attention_hidden_size=att, intermediate_size=ffn,
                     num_layers=_int(c, "num_hidden_layers")),)
    return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            *blocks, _layer("LayerNorm", f"{p}ln_out", hidden_size=hidden))


GEMMA_KINDS = ("recurrent", "attention")


def _recurrent_gemma(c: Config, p: str) -> tuple[LayerSpec, ...]:
    hidden, heads, n = _int(c, "hidden_size"), _int(c, "num_attention_heads"), _int(c, "num_hidden_layers")
    kv = _opt(c, "num_key_value_heads", heads)
    if kv > heads:
        raise ConfigError("The number of `num_key_value_heads` must be smaller than `num_attention_heads`")
    if hidden // heads == 0:
        raise ConfigError(f"hidden_size ({hidden}) is smaller than num_attention_heads ({heads}): head_dim "
                          "= hidden_size // num_attention_heads would be 0")
    lru = _opt(c, "lru_width", hidden)
    if lru // heads == 0:
        raise ConfigError(f"lru_width ({lru}) is smaller than num_attention_heads ({heads})")
    kinds = c["block_types"]
    if not isinstance(kinds, (list, tuple)) or not kinds or any(k not in GEMMA_KINDS for k in kinds):
        raise ConfigError(f"config key 'block_types' must be a non-empty list of {' or '.join(GEMMA_KINDS)} "
                          f"(got {kinds!r})")
    pattern = (list(kinds) * 100)[:n]
    if len(pattern) < n:
        raise ConfigError(f"RecurrentGemma repeats block_types 100 times: {len(pattern)} layers, not {n}")
    mlp = _int(c, "intermediate_size") // 2
    if mlp == 0:
        raise ConfigError("intermediate_size must be at least 2 (the MLP is intermediate_size // 2 wide)")
    conv = _int(c, "conv1d_width")
    window = _int(c, "attention_window_size")
    blocks = (_layer("RecurrentGemmaStack", f"{p}layers", hidden_size=hidden, lru_width=lru, num_attention_heads=heads,
                     conv1d_width=conv, mlp_width=mlp, num_key_value_heads=kv, head_dim=hidden // heads,
                     attention_bias=bool(c["attention_bias"]), attention_window_size=window, num_layers=n,
                     block_types=tuple(str(k) for k in kinds)),)
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            *blocks, _layer("RMSNorm", f"{p}final_norm", hidden_size=hidden))


def _round_up(x: float, multiple: int) -> int:
    """xLSTM's round_up_to_next_multiple_of, float arithmetic and all: int(((x + m - 1) // m) · m)."""
    return int(((x + multiple - 1) // multiple) * multiple)


def _factor(c: Config, key: str) -> float:
    value = c[key]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 64:
        raise ConfigError(f"config key {key!r} must be a positive number of at most 64 (got {value!r})")
    return float(value)


def _xlstm(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """xLSTMModel: embeddings (vocab_size, embedding_dim), num_blocks mLSTM blocks, out_norm (always built,
    whatever add_out_norm says). __post_init__ fills embedding_dim from hidden_size and num_blocks from
    num_hidden_layers when they are null."""
    hidden, heads = _int(c, "hidden_size"), _int(c, "num_heads")
    embedding = _opt(c, "embedding_dim", hidden)
    blocks = _opt(c, "num_blocks", _int(c, "num_hidden_layers"))
    if blocks > MAX_LAYERS:
        raise ConfigError(f"config key 'num_blocks' = {blocks:,} is more than rnnparams counts "
                          f"(at most {MAX_LAYERS:,})")
    mode = c["weight_mode"]
    if mode not in ("single", "fused"):
        raise ConfigError(f"config key 'weight_mode' must be \"single\" or \"fused\" (got {mode!r})")
    qk, v = int(hidden * _factor(c, "qk_dim_factor")), int(hidden * _factor(c, "v_dim_factor"))
    ffn = _round_up(hidden * _factor(c, "ffn_proj_factor"), _int(c, "ffn_round_up_to_multiple_of"))
    if min(qk, v, ffn) <= 0 or v // heads == 0 or qk // heads == 0:
        raise ConfigError(f"hidden_size {hidden} with these factors gives an empty projection or head (q/k "
                          f"{qk}, v {v}, feed-forward {ffn}, {heads} heads)")
    bias = bool(c["use_bias"])
    return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=embedding),
            _layer("xLSTMStack", f"{p}blocks", hidden_size=hidden, num_heads=heads, qk_dim=qk, v_dim=v,
                   up_proj_dim=ffn, single=mode == "single", fused=mode == "fused", use_bias=bias,
                   single_use_bias=bias and mode == "single", fused_use_bias=bias and mode == "fused",
                   num_layers=blocks),
            _layer("RMSNorm", f"{p}out_norm", hidden_size=hidden))


def _jamba(c: Config, p: str) -> tuple[LayerSpec, ...]:
    hidden, heads = _int(c, "hidden_size"), _int(c, "num_attention_heads")
    kv = _opt(c, "num_key_value_heads", heads)
    periods: dict[str, int] = {}
    for k in ("attn_layer_period", "attn_layer_offset", "expert_layer_period", "expert_layer_offset"):
        v = c[k]
        if not isinstance(v, int) or isinstance(v, bool) or v < (1 if k.endswith("period") else 0):
            raise ConfigError(f"config key {k!r} must be a whole number (at least 1 for a period; got {v!r})")
        periods[k] = v
    for kind in ("attn", "expert"):  # JambaConfig.validate_architecture
        if periods[f"{kind}_layer_offset"] >= periods[f"{kind}_layer_period"]:
            raise ConfigError(f"{kind} layer offset ({periods[f'{kind}_layer_offset']}) must be smaller than "
                              f"{kind} layer period ({periods[f'{kind}_layer_period']})")
    if hidden // heads == 0:
        raise ConfigError(f"hidden_size ({hidden}) is smaller than num_attention_heads ({heads})")
    rank = c["mamba_dt_rank"]
    dt_rank = math.ceil(hidden / 16) if rank == "auto" else _int({"mamba_dt_rank": rank}, "mamba_dt_rank")
    expand = c["mamba_expand"]
    if not isinstance(expand, int) or isinstance(expand, bool) or not 0 < expand * hidden <= MAX_SIZE:
        raise ConfigError(f"config key 'mamba_expand' must be a positive integer (got {expand!r})")
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("JambaStack", f"{p}layers", hidden_size=hidden, mamba_inner=expand * hidden,
                   mamba_d_state=_int(c, "mamba_d_state"), mamba_d_conv=_int(c, "mamba_d_conv"), mamba_dt_rank=dt_rank,
                   num_attention_heads=heads, num_key_value_heads=kv, head_dim=hidden // heads,
                   intermediate_size=_int(c, "intermediate_size"), num_experts=_int(c, "num_experts"),
                   num_experts_per_tok=_int(c, "num_experts_per_tok"),
                   mamba_conv_bias=bool(c["mamba_conv_bias"]), mamba_proj_bias=bool(c["mamba_proj_bias"]),
                   num_layers=_int(c, "num_hidden_layers"), **periods),
            _layer("RMSNorm", f"{p}final_layernorm", hidden_size=hidden))


def _bamba(c: Config, p: str) -> tuple[LayerSpec, ...]:
    hidden, heads, layers = _int(c, "hidden_size"), _int(c, "num_attention_heads"), _int(c, "num_hidden_layers")
    kv = _opt(c, "num_key_value_heads", heads)
    expand, mheads = _int(c, "mamba_expand"), _int(c, "mamba_n_heads")
    inner = expand * hidden
    head = c["mamba_d_head"]
    d_head = inner // mheads if head == "auto" else _int({"mamba_d_head": head}, "mamba_d_head")
    if inner % mheads != 0:  # BambaConfig.validate_architecture
        raise ConfigError("mamba_n_heads must divide mamba_expand * hidden_size")
    if d_head * mheads != inner:
        raise ConfigError("The dimensions for the Mamba head state do not match the model intermediate_size")
    indices = c["attn_layer_indices"] or []
    if not isinstance(indices, list) or any(not isinstance(i, int) or isinstance(i, bool) for i in indices):
        raise ConfigError(f"config key 'attn_layer_indices' must be a list of layer numbers (got {indices!r})")
    head_dim = _opt(c, "head_dim", hidden // heads)  # getattr(config, "head_dim", hidden // heads)
    if head_dim == 0:
        raise ConfigError(f"hidden_size ({hidden}) is smaller than num_attention_heads ({heads})")
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("BambaStack", f"{p}layers", hidden_size=hidden, mamba_inner=inner,
                   mamba_d_state=_int(c, "mamba_d_state"), mamba_d_conv=_int(c, "mamba_d_conv"), mamba_n_heads=mheads,
                   mamba_n_groups=_int(c, "mamba_n_groups"), num_attention_heads=heads, num_key_value_heads=kv,
                   head_dim=head_dim, intermediate_size=_int(c, "intermediate_size"),
                   mamba_conv_bias=bool(c["mamba_conv_bias"]), mamba_proj_bias=bool(c["mamba_proj_bias"]),
                   attention_bias=bool(c["attention_bias"]), mlp_bias=bool(c["mlp_bias"]), num_layers=layers,
                   attn_layer_indices=tuple(indices)),
            _layer("RMSNorm", f"{p}final_layernorm", hidden_size=hidden))


LEGACY_LAYER_TYPES = MappingProxyType({"mamba": "linear_attention", "attention": "full_attention"})
"""PreTrainedConfig renames these layer_types entries on load (remap_legacy_layer_types)."""


def _layer_types(c: Config, key: str, layers: int | None, valid: tuple[str, ...]) -> tuple[str, ...]:
    """A per-layer list of kinds, its legacy names renamed, each checked; `layers`: the length it must have."""
    types = c[key]
    if not isinstance(types, list) or not types or any(not isinstance(t, str) for t in types):
        raise ConfigError(f"config key {key!r} must be a non-empty list of layer kinds (got {types!r})")
    if len(types) > MAX_LAYERS:
        raise ConfigError(f"config key {key!r} lists {len(types):,} layers, more than rnnparams counts "
                          f"(at most {MAX_LAYERS:,})")
    named = tuple(LEGACY_LAYER_TYPES.get(t, t) for t in types)
    wrong = sorted({t for t in named if t not in valid})
    if wrong:
        raise ConfigError(f"config key {key!r} holds {', '.join(map(repr, wrong))}: each entry must be one of "
                          + ", ".join(valid))
    if layers is not None and len(named) != layers:
        raise ConfigError(f"`num_hidden_layers` ({layers}) must be equal to the number of `{key}` ({len(named)})")
    return named


def _mamba2_heads(c: Config, inner: int) -> tuple[int, int]:
    """(mamba_n_heads, mamba_d_head) as __post_init__ and validate_architecture settle them ("auto":
    inner // heads)."""
    heads, head = _int(c, "mamba_n_heads"), c["mamba_d_head"]
    d_head = inner // heads if head == "auto" else _int({"mamba_d_head": head}, "mamba_d_head")
    if inner % heads != 0:
        raise ConfigError("mamba_n_heads must divide mamba_expand * hidden_size")
    if d_head * heads != inner:
        raise ConfigError("The dimensions for the Mamba head state do not match the model intermediate_size")
    return heads, d_head


def _attention(c: Config, rope: bool = True) -> dict[str, int]:
    """Grouped-query attention's sizes: kv heads (None: as many as queries) and head_dim (the file's, else
    hidden_size // num_attention_heads: getattr(config, "head_dim", ...)), which RoPE needs even."""
    hidden, heads = _int(c, "hidden_size"), _int(c, "num_attention_heads")
    kv = _opt(c, "num_key_value_heads", heads)
    if c.get("head_dim") is None and hidden < heads:
        raise ConfigError(f"hidden_size ({hidden}) is smaller than num_attention_heads ({heads})")
    head_dim = _opt(c, "head_dim", hidden // heads)
    if rope and head_dim % 2:
        raise ConfigError(f"RoPE requires an even rotary dimension, but got `head_dim`={head_dim}")
    return {"num_attention_heads": heads, "num_key_value_heads": kv, "head_dim": head_dim}


def _falcon_h1(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """FalconH1Model: embed_tokens, layers (each a Mamba-2 mixer beside attention, then the MLP), final_layernorm.
    The mixer is mamba_d_ssm wide (int(mamba_expand·hidden_size) when null)."""
    hidden = _int(c, "hidden_size")
    inner = _opt(c, "mamba_d_ssm", 0) or _expand({"expand": c["mamba_expand"], "hidden_size": hidden})
    heads, d_head = _mamba2_heads(c, inner)
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("FalconH1Stack", f"{p}layers", hidden_size=hidden, mamba_inner=inner,
                   mamba_d_state=_int(c, "mamba_d_state"), mamba_d_conv=_int(c, "mamba_d_conv"), mamba_n_heads=heads,
                   mamba_d_head=d_head, mamba_n_groups=_int(c, "mamba_n_groups"), **_attention(c),
                   intermediate_size=_int(c, "intermediate_size"), mamba_conv_bias=bool(c["mamba_conv_bias"]),
                   mamba_proj_bias=bool(c["mamba_proj_bias"]), projectors_bias=bool(c["projectors_bias"]),
                   mamba_rms_norm=bool(c["mamba_rms_norm"]), attention_bias=bool(c["attention_bias"]),
                   mlp_bias=bool(c["mlp_bias"]), num_layers=_int(c, "num_hidden_layers")),
            _layer("RMSNorm", f"{p}final_layernorm", hidden_size=hidden))


NEMOTRON_H_KINDS = ("linear_attention", "full_attention", "mlp", "moe")
NEMOTRON_H_PATTERN = MappingProxyType({"M": "linear_attention", "E": "moe", "*": "full_attention", "-": "mlp"})


def _nemotron_h(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """NemotronHModel: embeddings, layers (an RMSNorm and one mixer each, by layers_block_type — from
    hybrid_override_pattern when the file gives that; num_hidden_layers is ignored), norm_f. The Mamba-2 mixer is
    mamba_num_heads·mamba_head_dim wide; the experts read moe_latent_size numbers through two latent projections
    when it is set. The multi-token-prediction layers are not built."""
    hidden = _int(c, "hidden_size")
    key = "layers_block_type"  # layer_types, its attribute_map alias, is renamed to it
    if c.get(key) is None:
        pattern = c.get("hybrid_override_pattern")
        if isinstance(pattern, str) and pattern:
            wrong = sorted(set(pattern) - set(NEMOTRON_H_PATTERN))
            if wrong:
                raise ConfigError(f"config key 'hybrid_override_pattern' holds {', '.join(map(repr, wrong))}: "
                                  "each character must be one of M, *, -, E")
            c = {**c, key: [NEMOTRON_H_PATTERN[ch] for ch in pattern]}
        else:
            c = {**c, key: ["linear_attention", "moe", "full_attention", "mlp"]}
    types = _layer_types(c, key, None, NEMOTRON_H_KINDS)
    heads, d_head = _int(c, "mamba_num_heads"), _int(c, "mamba_head_dim")
    latent = c.get("moe_latent_size")
    d_latent = hidden if latent is None else _int(c, "moe_latent_size")
    mlp_bias = bool(c["mlp_bias"])
    return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("NemotronHStack", f"{p}layers", hidden_size=hidden, mamba_inner=heads * d_head,
                   ssm_state_size=_int(c, "ssm_state_size"), conv_kernel=_int(c, "conv_kernel"),
                   mamba_num_heads=heads, mamba_head_dim=d_head, n_groups=_int(c, "n_groups"),
                   num_attention_heads=_int(c, "num_attention_heads"),
                   num_key_value_heads=_opt(c, "num_key_value_heads", _int(c, "num_attention_heads")),
                   head_dim=_int(c, "head_dim"), intermediate_size=_int(c, "intermediate_size"),
                   n_routed_experts=_int(c, "n_routed_experts"), num_experts_per_tok=_int(c, "num_experts_per_tok"),
                   moe_intermediate_size=_int(c, "moe_intermediate_size"),
                   moe_shared_expert_intermediate_size=_int(c, "moe_shared_expert_intermediate_size"),
                   moe_input=d_latent, use_conv_bias=bool(c["use_conv_bias"]), use_bias=bool(c["use_bias"]),
                   mlp_bias=mlp_bias, latent=latent is not None,
                   latent_mlp_bias=latent is not None and mlp_bias, num_layers=len(types), layer_types=types),
            _layer("RMSNorm", f"{p}norm_f", hidden_size=hidden))


def _granitemoehybrid(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """GraniteMoeHybridModel: embed_tokens, layers (two RMSNorms, the experts when num_local_experts > 0, the
    shared MLP, then a Mamba-2 mixer or attention by layer_types — all Mamba when null), norm."""
    hidden, layers = _int(c, "hidden_size"), _int(c, "num_hidden_layers")
    if c.get("layer_types") is None:
        c = {**c, "layer_types": ["linear_attention"] * layers}
    types = _layer_types(c, "layer_types", layers, ("linear_attention", "full_attention"))
    inner = _expand({"expand": c["mamba_expand"], "hidden_size": hidden})
    heads, d_head = _mamba2_heads(c, inner)
    experts = c["num_local_experts"]
    if not isinstance(experts, int) or isinstance(experts, bool) or experts < 0:
        raise ConfigError(f"config key 'num_local_experts' must be a whole number (got {experts!r})")
    attention = _attention(c)
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("GraniteMoeHybridStack", f"{p}layers", hidden_size=hidden, mamba_inner=inner,
                   mamba_d_state=_int(c, "mamba_d_state"), mamba_d_conv=_int(c, "mamba_d_conv"), mamba_n_heads=heads,
                   mamba_d_head=d_head, mamba_n_groups=_int(c, "mamba_n_groups"), **attention,
                   num_local_experts=experts or None,
                   num_experts_per_tok=_int(c, "num_experts_per_tok") if experts else None,
                   intermediate_size=_int(c, "intermediate_size") if experts else None,
                   shared_intermediate_size=_int(c, "shared_intermediate_size"),
                   mamba_conv_bias=bool(c["mamba_conv_bias"]), mamba_proj_bias=bool(c["mamba_proj_bias"]),
                   attention_bias=bool(c["attention_bias"]), moe=experts > 0, num_layers=layers, layer_types=types),
            _layer("RMSNorm", f"{p}norm", hidden_size=hidden))


def _lfm2_ffn(c: Config) -> int:
    """Lfm2MLP's width: intermediate_size, or with block_auto_adjust_ff_dim int(2/3 of it), times
    block_ffn_dim_multiplier, rounded up to block_multiple_of."""
    width = _int(c, "intermediate_size")
    if c["block_auto_adjust_ff_dim"]:
        width = int(_factor(c, "block_ffn_dim_multiplier") * int(2 * width / 3))
        multiple = _int(c, "block_multiple_of")
        width = multiple * ((width + multiple - 1) // multiple)
    if not 0 < width <= MAX_SIZE:
        raise ConfigError(f"the feed-forward width from intermediate_size {c['intermediate_size']} is {width:,}: "
                          f"it must be between 1 and {MAX_SIZE:,}")
    return width


def _lfm2(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """Lfm2Model: embed_tokens, layers (a short convolution or attention by layer_types — from full_attn_idxs,
    else all attention, when null — and the SwiGLU feed-forward), embedding_norm (the final norm, whatever its
    name)."""
    hidden, layers = _int(c, "hidden_size"), _int(c, "num_hidden_layers")
    if c.get("layer_types") is None:
        full = c.get("full_attn_idxs")
        full = list(range(layers)) if full is None else full
        if not isinstance(full, list):
            raise ConfigError(f"config key 'full_attn_idxs' must be a list of layer numbers (got {full!r})")
        c = {**c, "layer_types": ["full_attention" if i in full else "conv" for i in range(layers)]}
    types = _layer_types(c, "layer_types", layers, ("conv", "full_attention", "sliding_attention"))
    if "sliding_attention" in types:
        types = tuple("full_attention" if t == "sliding_attention" else t for t in types)  # same tensors
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("Lfm2Stack", f"{p}layers", hidden_size=hidden, conv_L_cache=_int(c, "conv_L_cache"),
                   **_attention(c), intermediate_size=_lfm2_ffn(c), conv_bias=bool(c["conv_bias"]),
                   num_layers=layers, layer_types=types),
            _layer("RMSNorm", f"{p}embedding_norm", hidden_size=hidden))


ZAMBA_KINDS = ("linear_attention", "hybrid")
ZAMBA2_LAYERS = (["linear_attention"] + (["linear_attention"] * 5 + ["hybrid"]) * 7 + ["linear_attention"] * 4
                 + ["hybrid"] + ["linear_attention"] * 3 + ["hybrid"] + ["linear_attention"] * 2)
"""Zamba2Config's layers_block_type when the file has none: 54 entries, whatever num_hidden_layers says."""


def _zamba_layers(c: Config, default: list[str]) -> tuple[str, ...]:
    """layers_block_type (a Mamba layer or a hybrid one per entry; the legacy "mamba" renamed), of
    num_hidden_layers entries as validate_layer_type requires."""
    if c.get("layers_block_type") is None:
        c = {**c, "layers_block_type": default}
    return _layer_types(c, "layers_block_type", _int(c, "num_hidden_layers"), ZAMBA_KINDS)


def _zamba_attention(c: Config, att: int, given: bool) -> dict[str, int]:
    """The shared attention's sizes: attention_head_dim is 2·hidden_size // num_attention_heads (Zamba: when
    the file has none, `given`) and the kv heads as many as the queries when null."""
    heads, double = _int(c, "num_attention_heads"), 2 * _int(c, "hidden_size")
    head_dim = _opt(c, "attention_head_dim", double // heads) if given else double // heads
    if head_dim == 0:
        raise ConfigError(f"2·hidden_size ({double}) is smaller than num_attention_heads ({heads}): "
                          "attention_head_dim would be 0")
    return {"attention_hidden_size": att, "num_attention_heads": heads,
            "num_key_value_heads": _opt(c, "num_key_value_heads", heads), "attention_head_dim": head_dim}


def _zamba2(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """Zamba2Model: embed_tokens, layers (Mamba-2 layers and hybrid ones cycling through num_mem_blocks shared
    blocks, by layers_block_type), final_layernorm. __post_init__ sets attention_hidden_size = 2·hidden_size,
    attention_head_dim = 2·hidden_size // num_attention_heads, mamba_headdim = inner // n_mamba_heads and
    intermediate_size = 4·hidden_size when null; the shared blocks are tied with tie_word_embeddings. A file
    that names the list `layer_types` (the attribute_map alias) gets the layers it lists, but adapter lists
    as long as the default list's 9 hybrid layers: __post_init__ ran before the alias was set."""
    hidden = _int(c, "hidden_size")
    slots = None
    if c.get("layers_block_type") is None and c.get("layer_types") is not None:
        # the attribute_map alias is applied after __post_init__ has sized the adapter lists from the default list
        c, slots = {**c, "layers_block_type": c["layer_types"]}, ZAMBA2_LAYERS.count("hybrid")
    types = _zamba_layers(c, ZAMBA2_LAYERS)
    inner = _expand({"expand": c["mamba_expand"], "hidden_size": hidden})
    heads = _int(c, "n_mamba_heads")
    if inner // heads == 0:
        raise ConfigError(f"n_mamba_heads ({heads}) is more than the mixer's width ({inner}): mamba_headdim "
                          "would be 0")
    attention = _zamba_attention(c, 2 * hidden, False)
    if attention["attention_head_dim"] % 2:  # validate_rope, whatever use_mem_rope says
        raise ConfigError("RoPE requires an even rotary dimension, but got `head_dim`="
                          f"{attention['attention_head_dim']} (2·hidden_size // num_attention_heads)")
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("Zamba2Stack", f"{p}layers", hidden_size=hidden, mamba_inner=inner,
                   mamba_d_state=_int(c, "mamba_d_state"), mamba_d_conv=_int(c, "mamba_d_conv"), n_mamba_heads=heads,
                   mamba_headdim=inner // heads, mamba_ngroups=_int(c, "mamba_ngroups"),
                   **attention, intermediate_size=_opt(c, "intermediate_size", 4 * hidden),
                   adapter_rank=_int(c, "adapter_rank"), add_bias_linear=bool(c["add_bias_linear"]),
                   attention_adapters=bool(c["use_shared_attention_adapter"]),
                   num_mem_blocks=_int(c, "num_mem_blocks"), tie_shared=bool(c["tie_word_embeddings"]),
                   layer_types=types, adapter_slots=slots),
            _layer("RMSNorm", f"{p}final_layernorm", hidden_size=hidden))


def _zamba(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """ZambaModel: embed_tokens, layers (Mamba layers and hybrid ones around the one shared block: by
    layers_block_type, else two Mamba layers, a hybrid one, then a hybrid one every attn_layer_period-th from
    attn_layer_offset), final_layernorm. attention_hidden_size is 2·hidden_size and attention_head_dim
    2·hidden_size // num_attention_heads when null; mamba_dt_rank "auto" is ⌈hidden_size/16⌉."""
    hidden, layers = _int(c, "hidden_size"), _int(c, "num_hidden_layers")
    period, offset = _int(c, "attn_layer_period"), c["attn_layer_offset"]
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ConfigError(f"config key 'attn_layer_offset' must be a whole number (got {offset!r})")
    default = ["linear_attention", "linear_attention", "hybrid"] + [
        "hybrid" if i % period == offset else "linear_attention" for i in range(layers - 3)]
    types = _zamba_layers(c, default)
    expand = c["mamba_expand"]
    if not isinstance(expand, int) or isinstance(expand, bool) or not 0 < expand * hidden <= MAX_SIZE:
        raise ConfigError(f"config key 'mamba_expand' must be a positive integer (got {expand!r})")
    inner, heads = expand * hidden, _int(c, "n_mamba_heads")
    if inner % heads:  # ZambaConfig.validate_architecture
        raise ConfigError("`intermediate_size` should be divisible by `n_mamba_heads`.")
    tied = bool(c["tie_word_embeddings"])
    if tied and types.count("hybrid") == 1:
        raise ConfigError("transformers 5.24 cannot build a Zamba whose tied shared block has a single hybrid "
                          "layer (its tie pattern matches no other layer): give two or more hybrid layers, or "
                          "tie_word_embeddings false")
    rank = c["mamba_dt_rank"]
    dt_rank = math.ceil(hidden / 16) if rank == "auto" else _int({"mamba_dt_rank": rank}, "mamba_dt_rank")
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("ZambaStack", f"{p}layers", hidden_size=hidden, mamba_inner=inner,
                   mamba_d_state=_int(c, "mamba_d_state"), mamba_d_conv=_int(c, "mamba_d_conv"),
                   mamba_dt_rank=dt_rank, n_mamba_heads=heads, mamba_head_dim=inner // heads,
                   **_zamba_attention(c, _opt(c, "attention_hidden_size", 2 * hidden), True),
                   intermediate_size=_int(c, "intermediate_size"), mamba_conv_bias=bool(c["mamba_conv_bias"]),
                   mamba_proj_bias=bool(c["mamba_proj_bias"]), num_mem_blocks=1, tie_shared=tied,
                   layer_types=types, adapter_slots=None),
            _layer("RMSNorm", f"{p}final_layernorm", hidden_size=hidden))


def _qwen3_next(c: Config, p: str) -> tuple[LayerSpec, ...]:
    """Qwen3NextModel: embed_tokens, layers (a gated DeltaNet or gated attention by layer_types — when null, full
    attention every full_attention_interval-th layer (4), the rest DeltaNet — then the experts where
    num_experts > 0, (k + 1) % decoder_sparse_step == 0 and k is not in mlp_only_layers, else a dense MLP), norm.
    RoPE turns partial_rotary_factor (0.25) of head_dim: that part must be even."""
    hidden, layers = _int(c, "hidden_size"), _int(c, "num_hidden_layers")
    if c.get("layer_types") is None:
        interval = _int({"full_attention_interval": c.get("full_attention_interval", 4)}, "full_attention_interval")
        c = {**c, "layer_types": ["linear_attention" if (k + 1) % interval else "full_attention"
                                  for k in range(layers)]}
    types = _layer_types(c, "layer_types", layers, ("linear_attention", "full_attention"))
    experts, step, only = c["num_experts"], _int(c, "decoder_sparse_step"), c["mlp_only_layers"] or []
    if not isinstance(experts, int) or isinstance(experts, bool) or experts < 0:
        raise ConfigError(f"config key 'num_experts' must be a whole number (got {experts!r})")
    if not isinstance(only, list) or any(not isinstance(k, int) or isinstance(k, bool) for k in only):
        raise ConfigError(f"config key 'mlp_only_layers' must be a list of layer numbers (got {only!r})")
    moe = tuple(k for k in range(layers) if k not in only and experts > 0 and (k + 1) % step == 0)
    head_dim = _int(c, "head_dim")
    factor = c.get("partial_rotary_factor", 0.25)
    if not isinstance(factor, (int, float)) or isinstance(factor, bool) or int(head_dim * factor) % 2:
        raise ConfigError(f"RoPE requires an even rotary dimension, but got `head_dim`={head_dim} with "
                          f"`partial_rotary_factor`={factor!r}")
    dense = len(moe) < layers
    return (_layer("Embedding", f"{p}embed_tokens", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            _layer("Qwen3NextStack", f"{p}layers", hidden_size=hidden,
                   linear_conv_kernel_dim=_int(c, "linear_conv_kernel_dim"),
                   linear_num_key_heads=_int(c, "linear_num_key_heads"),
                   linear_num_value_heads=_int(c, "linear_num_value_heads"),
                   linear_key_head_dim=_int(c, "linear_key_head_dim"),
                   linear_value_head_dim=_int(c, "linear_value_head_dim"),
                   num_attention_heads=_int(c, "num_attention_heads"),
                   num_key_value_heads=_opt(c, "num_key_value_heads", _int(c, "num_attention_heads")),
                   head_dim=head_dim, num_experts=experts if moe else None,
                   moe_intermediate_size=_int(c, "moe_intermediate_size") if moe else None,
                   shared_expert_intermediate_size=_int(c, "shared_expert_intermediate_size") if moe else None,
                   num_experts_per_tok=_int(c, "num_experts_per_tok") if moe else None,
                   intermediate_size=_int(c, "intermediate_size") if dense else None,
                   attention_bias=bool(c["attention_bias"]), num_layers=layers, layer_types=types, moe_layers=moe),
            _layer("RMSNorm", f"{p}norm", hidden_size=hidden))


def F(name: str, kind: str, default: object) -> Field:
    return Field(name, kind, default)


_MAMBA_FIELDS = (
    F("vocab_size", INT, 50280), F("hidden_size", INT, 768), F("state_size", INT, 16), F("num_hidden_layers", INT, 32),
    F("layer_norm_epsilon", FLOAT, 1e-5), F("expand", INT, 2), F("conv_kernel", INT, 4), F("use_bias", BOOL, False),
    F("use_conv_bias", BOOL, True), F("hidden_act", STR, "silu"), F("initializer_range", FLOAT, 0.1),
    F("residual_in_fp32", BOOL, True), F("time_step_rank", INT_OR_AUTO, "auto"), F("time_step_scale", FLOAT, 1.0),
    F("time_step_min", FLOAT, 0.001), F("time_step_max", FLOAT, 0.1), F("time_step_init_scheme", STR, "random"),
    F("time_step_floor", FLOAT, 1e-4), F("rescale_prenorm_residual", BOOL, False), F("use_cache", BOOL, True),
    F("use_mambapy", BOOL, False), F("tie_word_embeddings", BOOL, True), F("intermediate_size", INT_OR_NONE, None),
)

FAMILIES: Mapping[str, ModelFamily] = MappingProxyType({f.model_type: f for f in (
    ModelFamily("mamba", "MambaConfig", "MambaForCausalLM", "MambaModel", "backbone.", _MAMBA_FIELDS,
                _mamba("MambaStack")),
    ModelFamily("falcon_mamba", "FalconMambaConfig", "FalconMambaForCausalLM", "FalconMambaModel", "backbone.",
                (*_MAMBA_FIELDS, F("mixer_rms_eps", FLOAT, 1e-6)), _mamba("FalconMambaStack")),
    ModelFamily("mamba2", "Mamba2Config", "Mamba2ForCausalLM", "Mamba2Model", "backbone.", (
        F("num_heads", INT, 128), F("head_dim", INT, 64), F("vocab_size", INT, 32768), F("hidden_size", INT, 4096),
        F("state_size", INT, 128), F("num_hidden_layers", INT, 64), F("layer_norm_epsilon", FLOAT, 1e-5),
        F("expand", INT, 2), F("conv_kernel", INT, 4), F("n_groups", INT, 8), F("use_bias", BOOL, False),
        F("use_conv_bias", BOOL, True), F("hidden_act", STR, "silu"), F("initializer_range", FLOAT, 0.1),
        F("residual_in_fp32", BOOL, True), F("time_step_rank", INT_OR_AUTO, "auto"),
        F("time_step_min", FLOAT, 0.001), F("time_step_max", FLOAT, 0.1), F("time_step_floor", FLOAT, 1e-4),
        F("rescale_prenorm_residual", BOOL, False), F("use_cache", BOOL, True), F("chunk_size", INT, 256),
        F("tie_word_embeddings", BOOL, False)), _mamba2),
    ModelFamily("rwkv", "RwkvConfig", "RwkvForCausalLM", "RwkvModel", "rwkv.", (
        F("vocab_size", INT, 50277), F("context_length", INT, 1024), F("hidden_size", INT, 4096),
        F("num_hidden_layers", INT, 32), F("attention_hidden_size", INT_OR_NONE, None),
        F("intermediate_size", INT_OR_NONE, None), F("layer_norm_epsilon", FLOAT, 1e-5),
        F("rescale_every", INT, 6), F("tie_word_embeddings", BOOL, False), F("use_cache", BOOL, True)),
        _rwkv, head="head"),
    ModelFamily("recurrent_gemma", "RecurrentGemmaConfig", "RecurrentGemmaForCausalLM", "RecurrentGemmaModel",
                "model.", (
        F("num_hidden_layers", INT, 26), F("vocab_size", INT, 256000), F("hidden_size", INT, 2560),
        F("intermediate_size", INT, 3 * 2560), F("num_attention_heads", INT, 10), F("lru_width", INT_OR_NONE, None),
        F("attention_window_size", INT, 2048), F("conv1d_width", INT, 4), F("logits_soft_cap", FLOAT, 30.0),
        F("rms_norm_eps", FLOAT, 1e-6), F("use_cache", BOOL, True), F("hidden_activation", STR, "gelu_pytorch_tanh"),
        F("block_types", LIST, ["recurrent", "recurrent", "attention"]), F("attention_dropout", FLOAT, 0.0),
        F("num_key_value_heads", INT_OR_NONE, None), F("attention_bias", BOOL, False),
        F("w_init_variance_scale", FLOAT, 0.01), F("tie_word_embeddings", BOOL, True)), _recurrent_gemma),
    ModelFamily("xlstm", "xLSTMConfig", "xLSTMForCausalLM", "xLSTMModel", "backbone.", (
        F("vocab_size", INT, 50304), F("hidden_size", INT, 4096), F("embedding_dim", INT_OR_NONE, None),
        F("num_hidden_layers", INT, 32), F("num_blocks", INT_OR_NONE, None), F("num_heads", INT, 8),
        F("use_bias", BOOL, False), F("norm_reduction_force_float32", BOOL, True),
        F("tie_word_embeddings", BOOL, False), F("add_out_norm", BOOL, True), F("norm_eps", FLOAT, 1e-6),
        F("qk_dim_factor", FLOAT, 0.5), F("v_dim_factor", FLOAT, 1.0),
        F("chunkwise_kernel", STR, "chunkwise--native_autograd"), F("sequence_kernel", STR, "native_sequence__native"),
        F("step_kernel", STR, "native"), F("mode", STR, "inference"), F("chunk_size", INT, 64),
        F("return_last_states", BOOL, True), F("autocast_kernel_dtype", STR, "bfloat16"), F("eps", FLOAT, 1e-6),
        F("inference_state_dtype", STR, "float32"), F("ffn_proj_factor", FLOAT, 2.667),
        F("ffn_round_up_to_multiple_of", INT, 64), F("gate_soft_cap", FLOAT, 15.0),
        F("output_logit_soft_cap", FLOAT, 30.0), F("weight_mode", STR, "single"), F("use_cache", BOOL, True),
        F("max_inference_chunksize", INT, 16384)), _xlstm, ties=False),
    ModelFamily("jamba", "JambaConfig", "JambaForCausalLM", "JambaModel", "model.", (
        F("vocab_size", INT, 65536), F("tie_word_embeddings", BOOL, False), F("hidden_size", INT, 4096),
        F("intermediate_size", INT, 14336), F("num_hidden_layers", INT, 32), F("num_attention_heads", INT, 32),
        F("num_key_value_heads", INT_OR_NONE, 8), F("hidden_act", STR, "silu"), F("initializer_range", FLOAT, 0.02),
        F("rms_norm_eps", FLOAT, 1e-6), F("use_cache", BOOL, True), F("output_router_logits", BOOL, False),
        F("router_aux_loss_coef", FLOAT, 0.001), F("max_position_embeddings", INT, 262144),
        F("attention_dropout", FLOAT, 0.0), F("num_experts_per_tok", INT, 2), F("num_experts", INT, 16),
        F("expert_layer_period", INT, 2), F("expert_layer_offset", INT, 1), F("attn_layer_period", INT, 8),
        F("attn_layer_offset", INT, 4), F("use_mamba_kernels", BOOL, True), F("mamba_d_state", INT, 16),
        F("mamba_d_conv", INT, 4), F("mamba_expand", INT, 2), F("mamba_dt_rank", INT_OR_AUTO, "auto"),
        F("mamba_conv_bias", BOOL, True), F("mamba_proj_bias", BOOL, False), F("use_mambapy", BOOL, False)),
        _jamba, stored=(
            StoredAs(r"feed_forward\.experts\.gate_up_proj$", ("feed_forward.experts.{e}.gate_proj.weight",
                                                              "feed_forward.experts.{e}.up_proj.weight"), True),
            StoredAs(r"feed_forward\.experts\.down_proj$", ("feed_forward.experts.{e}.down_proj.weight",), True))),
    ModelFamily("bamba", "BambaConfig", "BambaForCausalLM", "BambaModel", "model.", (
        F("vocab_size", INT, 128000), F("tie_word_embeddings", BOOL, False), F("hidden_size", INT, 4096),
        F("intermediate_size", INT, 14336), F("num_hidden_layers", INT, 32), F("num_attention_heads", INT, 32),
        F("num_key_value_heads", INT_OR_NONE, 8), F("hidden_act", STR, "silu"), F("initializer_range", FLOAT, 0.02),
        F("rms_norm_eps", FLOAT, 1e-5), F("use_cache", BOOL, True), F("max_position_embeddings", INT, 262144),
        F("attention_dropout", FLOAT, 0.0), F("attn_layer_indices", LIST, None), F("mamba_n_heads", INT, 128),
        F("mamba_d_head", INT_OR_AUTO, "auto"), F("mamba_n_groups", INT, 1), F("mamba_d_state", INT, 256),
        F("mamba_d_conv", INT, 4), F("mamba_expand", INT, 2), F("mamba_chunk_size", INT, 256),
        F("mamba_conv_bias", BOOL, True), F("mamba_proj_bias", BOOL, False), F("z_loss_coefficient", FLOAT, 0.0),
        F("attention_bias", BOOL, False), F("mlp_bias", BOOL, False)), _bamba),
    ModelFamily("falcon_h1", "FalconH1Config", "FalconH1ForCausalLM", "FalconH1Model", "model.", (
        F("vocab_size", INT, 128000), F("tie_word_embeddings", BOOL, False), F("hidden_size", INT, 4096),
        F("intermediate_size", INT, 14336), F("num_hidden_layers", INT, 32), F("num_attention_heads", INT, 32),
        F("num_key_value_heads", INT_OR_NONE, 8), F("hidden_act", STR, "silu"), F("initializer_range", FLOAT, 0.02),
        F("rms_norm_eps", FLOAT, 1e-05), F("use_cache", BOOL, True), F("num_logits_to_keep", INT_OR_NONE, 1),
        F("max_position_embeddings", INT, 8192), F("attention_dropout", FLOAT, 0.0),
        F("mamba_d_ssm", INT_OR_NONE, 1024), F("mamba_n_heads", INT_OR_NONE, 128),
        F("mamba_d_head", INT_OR_AUTO, "auto"), F("mamba_n_groups", INT_OR_NONE, 1),
        F("mamba_d_state", INT_OR_NONE, 256), F("mamba_d_conv", INT_OR_NONE, 4), F("mamba_expand", INT_OR_NONE, 2),
        F("mamba_chunk_size", INT_OR_NONE, 256), F("mamba_conv_bias", BOOL, True), F("mamba_proj_bias", BOOL, False),
        F("mamba_norm_before_gate", BOOL, True), F("mamba_rms_norm", BOOL, False),
        F("time_step_limit", LIST, [0.0, float("inf")]), F("projectors_bias", BOOL, False),
        F("lm_head_multiplier", FLOAT, 1.0), F("embedding_multiplier", FLOAT, 1.0), F("mlp_multipliers", LIST, None),
        F("key_multiplier", FLOAT, 1.0), F("attention_out_multiplier", FLOAT, 1.0),
        F("attention_in_multiplier", FLOAT, 1.0), F("ssm_multipliers", LIST, None),
        F("ssm_in_multiplier", FLOAT, 1.0), F("ssm_out_multiplier", FLOAT, 1.0), F("attention_bias", BOOL, False),
        F("mlp_bias", BOOL, False), F("head_dim", INT_OR_NONE, None)), _falcon_h1),
    ModelFamily("nemotron_h", "NemotronHConfig", "NemotronHForCausalLM", "NemotronHModel", "model.", (
        F("vocab_size", INT, 131072), F("hidden_size", INT, 4096), F("layers_block_type", LIST, None),
        F("hybrid_override_pattern", STR, None), F("tie_word_embeddings", BOOL, False), F("use_cache", BOOL, True),
        F("num_logits_to_keep", INT, 1), F("num_attention_heads", INT, 32), F("num_key_value_heads", INT_OR_NONE, 8),
        F("head_dim", INT, 128), F("max_position_embeddings", INT, 4096), F("attention_bias", BOOL, False),
        F("attention_dropout", FLOAT, 0.0), F("sliding_window", INT_OR_NONE, None),
        F("intermediate_size", INT, 21504), F("mlp_hidden_act", STR, "relu2"), F("mlp_bias", BOOL, False),
        F("use_mamba_kernels", BOOL, True), F("ssm_state_size", INT, 128), F("mamba_num_heads", INT, 128),
        F("mamba_head_dim", INT, 64), F("mamba_hidden_act", STR, "silu"), F("n_groups", INT, 8),
        F("conv_kernel", INT, 4), F("expand", INT, 2), F("time_step_min", FLOAT, 0.001),
        F("time_step_max", FLOAT, 0.1), F("time_step_limit", LIST, [0.0, float("inf")]),
        F("time_step_floor", FLOAT, 0.0001), F("use_conv_bias", BOOL, True), F("chunk_size", INT, 128),
        F("mamba_proj_bias", BOOL, False), F("mamba_ssm_cache_dtype", STR, "float32"), F("n_routed_experts", INT, 8),
        F("output_router_logits", BOOL, False), F("n_shared_experts", INT, 1), F("moe_intermediate_size", INT, 7688),
        F("moe_shared_expert_intermediate_size", INT, 7688), F("moe_latent_size", INT_OR_NONE, None),
        F("moe_shared_expert_overlap", BOOL, True), F("num_experts_per_tok", INT, 2),
        F("routed_scaling_factor", FLOAT, 1.0), F("n_group", INT, 1), F("topk_group", INT, 1),
        F("norm_topk_prob", BOOL, True), F("num_nextn_predict_layers", INT, 0),
        F("mtp_layers_block_type", LIST, None), F("use_bias", BOOL, False), F("initializer_range", FLOAT, 0.02),
        F("layer_norm_epsilon", FLOAT, 1e-05), F("residual_in_fp32", BOOL, False), F("hidden_dropout", FLOAT, 0.0),
        F("rescale_prenorm_residual", BOOL, True)), _nemotron_h, ties=False, stored=(
        StoredAs(r"^model\.", ("backbone.",)),
        StoredAs(r"mixer\.experts\.up_proj$", ("mixer.experts.{e}.up_proj.weight",), True),
        StoredAs(r"mixer\.experts\.down_proj$", ("mixer.experts.{e}.down_proj.weight",), True)),
        renames=MappingProxyType({
        "layer_types": "layers_block_type", "mamba_n_groups": "n_groups", "mamba_d_conv": "conv_kernel",
        "mamba_expand": "expand", "mamba_dt_min": "time_step_min", "mamba_dt_max": "time_step_max",
        "mamba_dt_limit": "time_step_limit", "mamba_dt_init_floor": "time_step_floor",
        "mamba_conv_bias": "use_conv_bias", "mamba_chunk_size": "chunk_size",
        "num_local_experts": "n_routed_experts"})),
    ModelFamily("granitemoehybrid", "GraniteMoeHybridConfig", "GraniteMoeHybridForCausalLM", "GraniteMoeHybridModel",
                "model.", (
        F("vocab_size", INT, 32000), F("hidden_size", INT, 4096), F("intermediate_size", INT, 11008),
        F("num_hidden_layers", INT, 32), F("num_attention_heads", INT, 32),
        F("num_key_value_heads", INT_OR_NONE, None), F("hidden_act", STR, "silu"),
        F("max_position_embeddings", INT, 2048), F("initializer_range", FLOAT, 0.02), F("rms_norm_eps", FLOAT, 1e-06),
        F("use_cache", BOOL, True), F("tie_word_embeddings", BOOL, False), F("attention_bias", BOOL, False),
        F("attention_dropout", FLOAT, 0.0), F("embedding_multiplier", FLOAT, 1.0), F("logits_scaling", FLOAT, 1.0),
        F("residual_multiplier", FLOAT, 1.0), F("attention_multiplier", FLOAT, 1.0), F("num_local_experts", INT, 8),
        F("num_experts_per_tok", INT_OR_NONE, 2), F("output_router_logits", BOOL, False),
        F("router_aux_loss_coef", FLOAT, 0.001), F("shared_intermediate_size", INT, 1024),
        F("position_embedding_type", STR, None), F("layer_types", LIST, None), F("mamba_n_heads", INT_OR_NONE, 128),
        F("mamba_n_groups", INT_OR_NONE, 1), F("mamba_d_state", INT_OR_NONE, 256),
        F("mamba_d_head", INT_OR_AUTO, "auto"), F("mamba_d_conv", INT_OR_NONE, 4), F("mamba_expand", INT_OR_NONE, 2),
        F("mamba_chunk_size", INT_OR_NONE, 256), F("mamba_conv_bias", BOOL, True), F("mamba_proj_bias", BOOL, False),
        F("time_step_limit", LIST, [0.0, float("inf")]), F("head_dim", INT_OR_NONE, None)), _granitemoehybrid,
        renames=MappingProxyType({"layers_block_type": "layer_types"}), stored=(
            StoredAs(r"block_sparse_moe\.experts\.gate_up_proj$", ("block_sparse_moe.input_linear.weight",)),
            StoredAs(r"block_sparse_moe\.experts\.down_proj$", ("block_sparse_moe.output_linear.weight",)),
            StoredAs(r"block_sparse_moe\.router\.weight$", ("block_sparse_moe.router.layer.weight",)))),
    ModelFamily("lfm2", "Lfm2Config", "Lfm2ForCausalLM", "Lfm2Model", "model.", (
        F("vocab_size", INT, 65536), F("hidden_size", INT, 2560), F("intermediate_size", INT, 12288),
        F("num_hidden_layers", INT, 32), F("num_attention_heads", INT, 32), F("num_key_value_heads", INT, 8),
        F("max_position_embeddings", INT, 128000), F("initializer_range", FLOAT, 0.02), F("norm_eps", FLOAT, 1e-05),
        F("use_cache", BOOL, True), F("tie_word_embeddings", BOOL, True), F("conv_bias", BOOL, False),
        F("conv_L_cache", INT, 3), F("block_multiple_of", INT, 256), F("block_ffn_dim_multiplier", FLOAT, 1.0),
        F("block_auto_adjust_ff_dim", BOOL, True), F("full_attn_idxs", LIST, None), F("layer_types", LIST, None),
        F("head_dim", INT_OR_NONE, None)), _lfm2,
        renames=MappingProxyType({"block_ff_dim": "intermediate_size", "tie_embedding": "tie_word_embeddings"})),
    ModelFamily("zamba2", "Zamba2Config", "Zamba2ForCausalLM", "Zamba2Model", "model.", (
        F("vocab_size", INT, 32000), F("max_position_embeddings", INT, 4096), F("hidden_size", INT, 2560),
        F("num_hidden_layers", INT, 54), F("layers_block_type", LIST, None), F("mamba_d_state", INT, 64),
        F("mamba_d_conv", INT, 4), F("mamba_expand", INT, 2), F("mamba_ngroups", INT, 1),
        F("time_step_min", FLOAT, 0.001), F("time_step_max", FLOAT, 0.1), F("time_step_floor", FLOAT, 1e-4),
        F("n_mamba_heads", INT, 8), F("use_mamba_kernels", BOOL, True), F("use_conv_bias", BOOL, True),
        F("chunk_size", INT, 256), F("use_mem_eff_path", BOOL, False), F("add_bias_linear", BOOL, False),
        F("intermediate_size", INT_OR_NONE, None), F("hidden_act", STR, "gelu"), F("num_attention_heads", INT, 32),
        F("num_key_value_heads", INT_OR_NONE, None), F("attention_dropout", FLOAT, 0.0),
        F("num_mem_blocks", INT, 1), F("use_shared_attention_adapter", BOOL, False), F("adapter_rank", INT, 128),
        F("use_mem_rope", BOOL, False), F("initializer_range", FLOAT, 0.02), F("rms_norm_eps", FLOAT, 1e-5),
        F("use_cache", BOOL, True), F("num_logits_to_keep", INT, 1), F("use_long_context", BOOL, False),
        F("tie_word_embeddings", BOOL, True)), _zamba2),
    ModelFamily("zamba", "ZambaConfig", "ZambaForCausalLM", "ZambaModel", "model.", (
        F("vocab_size", INT, 32000), F("tie_word_embeddings", BOOL, True), F("hidden_size", INT, 3712),
        F("attention_hidden_size", INT_OR_NONE, None), F("intermediate_size", INT, 14848),
        F("num_hidden_layers", INT, 76), F("num_attention_heads", INT, 16), F("attention_head_dim", INT_OR_NONE, None),
        F("num_key_value_heads", INT, 16), F("n_mamba_heads", INT, 2), F("hidden_act", STR, "gelu"),
        F("hidden_mamba_act", STR, "silu"), F("initializer_range", FLOAT, 0.02), F("rms_norm_eps", FLOAT, 1e-5),
        F("use_cache", BOOL, True), F("num_logits_to_keep", INT, 1), F("max_position_embeddings", INT, 4096),
        F("attention_dropout", FLOAT, 0.0), F("attn_layer_period", INT, 6), F("attn_layer_offset", INT, 4),
        F("use_mamba_kernels", BOOL, True), F("mamba_d_state", INT, 16), F("mamba_d_conv", INT, 4),
        F("mamba_expand", INT, 2), F("mamba_dt_rank", INT_OR_AUTO, "auto"), F("use_associative_scan", BOOL, True),
        F("time_step_min", FLOAT, 0.001), F("time_step_max", FLOAT, 0.1), F("time_step_floor", FLOAT, 1e-4),
        F("mamba_conv_bias", BOOL, True), F("mamba_proj_bias", BOOL, False), F("layers_block_type", LIST, None)),
        _zamba, renames=MappingProxyType({"layer_types": "layers_block_type", "head_dim": "attention_head_dim"})),
    ModelFamily("qwen3_next", "Qwen3NextConfig", "Qwen3NextForCausalLM", "Qwen3NextModel", "model.", (
        F("vocab_size", INT, 151936), F("hidden_size", INT, 2048), F("intermediate_size", INT, 5632),
        F("num_hidden_layers", INT, 48), F("num_attention_heads", INT, 16), F("num_key_value_heads", INT_OR_NONE, 2),
        F("hidden_act", STR, "silu"), F("max_position_embeddings", INT, 32768), F("initializer_range", FLOAT, 0.02),
        F("rms_norm_eps", FLOAT, 1e-6), F("use_cache", BOOL, True), F("tie_word_embeddings", BOOL, False),
        F("attention_bias", BOOL, False), F("attention_dropout", FLOAT, 0.0), F("head_dim", INT, 256),
        F("linear_conv_kernel_dim", INT, 4), F("linear_key_head_dim", INT, 128), F("linear_value_head_dim", INT, 128),
        F("linear_num_key_heads", INT, 16), F("linear_num_value_heads", INT, 32), F("decoder_sparse_step", INT, 1),
        F("moe_intermediate_size", INT, 512), F("shared_expert_intermediate_size", INT, 512),
        F("num_experts_per_tok", INT, 10), F("num_experts", INT, 512), F("norm_topk_prob", BOOL, True),
        F("output_router_logits", BOOL, False), F("router_aux_loss_coef", FLOAT, 0.001),
        F("mlp_only_layers", LIST, None), F("layer_types", LIST, None)), _qwen3_next, stored=(
            StoredAs(r"mlp\.experts\.gate_up_proj$", ("mlp.experts.{e}.gate_proj.weight",
                                                      "mlp.experts.{e}.up_proj.weight"), True),
            StoredAs(r"mlp\.experts\.down_proj$", ("mlp.experts.{e}.down_proj.weight",), True))),
)})
"""Every model_type rnnparams counts, by its name in config.json."""

NOT_COUNTED: Mapping[str, str] = MappingProxyType({
    "qwen3_5": "Qwen3.5: gated DeltaNet linear attention beside full attention (a vision-language wrapper)",
    "qwen3_5_text": "Qwen3.5: gated DeltaNet linear attention beside full attention",
    "qwen3_5_moe": "Qwen3.5-MoE: gated DeltaNet linear attention with a mixture of experts",
    "qwen3_5_moe_text": "Qwen3.5-MoE: gated DeltaNet linear attention with a mixture of experts",
    "qwen4_exp": "Qwen4-Exp: gated DeltaNet linear attention (a vision-language wrapper)",
    "qwen4_exp_text": "Qwen4-Exp: gated DeltaNet linear attention",
    "olmo_hybrid": "OLMo-Hybrid: gated DeltaNet linear attention beside attention",
    "lara_mini": "Lara-Mini: gated DeltaNet linear attention",
    "kimi_linear": "Kimi-Linear: Kimi delta attention (linear) beside multi-head latent attention",
    "minimax": "MiniMax: lightning (linear) attention beside softmax attention, with experts",
    "bailing_hybrid": "Bailing-Hybrid: delta (linear) attention beside attention",
    "glm5_next": "GLM-5-Next: linear attention (a vision-language wrapper)",
    "glm5_next_text": "GLM-5-Next: linear attention beside attention",
    "lfm2_moe": "LFM2-MoE: LFM2's short convolutions with a mixture of experts",
    "lfm2_vl": "LFM2-VL: an LFM2 language model inside a vision-language wrapper",
    "lfm3": "LFM3: short convolutions beside attention",
    "lfm3_vl": "LFM3-VL: an LFM3 language model inside a vision-language wrapper",
    "inkling_text": "Inkling: short convolutions beside attention",
    "inkling_mm_model": "Inkling: short convolutions beside attention (a multimodal wrapper)",
    "inkling2": "Inkling2: short convolutions beside full and sliding attention (a multimodal wrapper)",
    "inkling2_text": "Inkling2: short convolutions beside full and sliding attention",
    "inkling2_loop": "Inkling2-Loop: short convolutions with looped layers (a multimodal wrapper)",
    "inkling2_loop_text": "Inkling2-Loop: short convolutions with looped layers",
    "nemotron_h_omni": "Nemotron-H Omni: a NemotronH language model inside a multimodal wrapper",
})
"""model_types of transformers 5.24 that carry a recurrent, state-space, linear-attention or short-convolution
state and that rnnparams does not count yet: a config of one is refused with what it is, never miscounted."""

ALIASES = MappingProxyType({"FalconMambaForCausalLM": "falcon_mamba"})


def with_defaults(family: ModelFamily, given: Config) -> dict[str, object]:
    """The config's values, each key it leaves out at the Config class default (keys it adds are kept)."""
    values: dict[str, object] = {f.name: f.default for f in family.fields}
    values.update(given)
    for old, new in family.renames.items():
        if old in values:
            values[new] = values.pop(old)
    return values


def model_layers(family: ModelFamily, values: Config) -> tuple[tuple[LayerSpec, ...], str]:
    """The model's modules in `state_dict()` order and the class built (the causal LM unless `architectures`
    names the base model)."""
    arch = values.get("architectures")
    base = isinstance(arch, list) and bool(arch) and arch[0] == family.base_model
    cls = family.base_model if base else family.causal_lm
    layers = family.layers(values, "" if base else family.prefix)
    if base:
        return layers, cls
    hidden, vocab = _int(values, "hidden_size"), _int(values, "vocab_size")
    tied = ("weight",) if family.ties and values.get("tie_word_embeddings") else ()
    head = LayerSpec("Head", MappingProxyType({"hidden_size": hidden, "vocab_size": vocab}), name=family.head,
                     tied=tied)
    return (*layers, head), cls
