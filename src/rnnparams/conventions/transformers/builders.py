"""How each Hugging Face family's config becomes its modules: what `...Model(config)`'s `__init__` builds from the
Config's values (defaults filled in, configs.py), as LayerSpecs named as `state_dict()` names them below the base
model's prefix, the head excluded. One function a family (`mamba`, `rwkv`, `zamba2`...), read by configs.FAMILIES."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

from ...errors import ConfigError
from ...spec import LayerSpec, Value

MAX_LAYERS = 1_000
MAX_SIZE = 10**7
"""Bounds on sizes a config may give (a 10^7-wide layer or 1,000 layers is beyond any real model), so a
hostile file cannot make the count slow."""

Config = Mapping[str, object]


def _int(c: Config, key: str) -> int:
    """A positive whole number of the config, within the bounds (what every builder reads sizes with)."""
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


def mamba(block: str) -> Callable[[Config, str], tuple[LayerSpec, ...]]:
    def layers(c: Config, p: str) -> tuple[LayerSpec, ...]:
        hidden, inner = _int(c, "hidden_size"), _opt(c, "intermediate_size", _expand(c))
        return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
                *_stack(c, p, block, hidden_size=hidden, intermediate_size=inner,
                        state_size=_int(c, "state_size"), conv_kernel=_int(c, "conv_kernel"),
                        time_step_rank=_rank(c), use_bias=bool(c["use_bias"]), use_conv_bias=bool(c["use_conv_bias"])),
                _layer("RMSNorm", f"{p}norm_f", hidden_size=hidden))
    return layers


def mamba2(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def rwkv(c: Config, p: str) -> tuple[LayerSpec, ...]:
    hidden = _int(c, "hidden_size")
    att, ffn = _opt(c, "attention_hidden_size", hidden), _opt(c, "intermediate_size", 4 * hidden)
    blocks = (_layer("RwkvStack", f"{p}blocks", hidden_size=hidden, attention_hidden_size=att, intermediate_size=ffn,
                     num_layers=_int(c, "num_hidden_layers")),)
    return (_layer("Embedding", f"{p}embeddings", num_embeddings=_int(c, "vocab_size"), embedding_dim=hidden),
            *blocks, _layer("LayerNorm", f"{p}ln_out", hidden_size=hidden))


GEMMA_KINDS = ("recurrent", "attention")


def recurrent_gemma(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def xlstm(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def jamba(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def bamba(c: Config, p: str) -> tuple[LayerSpec, ...]:
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
    if inner % heads != 0:  # transformers' words, then the numbers: a quote missing mamba_d_ssm lands here
        raise ConfigError(f"mamba_n_heads must divide mamba_expand * hidden_size: {heads} heads do not divide the "
                          f"Mamba width {inner} (mamba_d_ssm where the family has it, else "
                          "mamba_expand * hidden_size)")
    if d_head * heads != inner:
        raise ConfigError("The dimensions for the Mamba head state do not match the model intermediate_size: "
                          f"mamba_n_heads {heads} * mamba_d_head {d_head} must equal the Mamba width {inner}")
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


def falcon_h1(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def nemotron_h(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def granitemoehybrid(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def lfm2(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def zamba2(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def zamba(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


def qwen3_next(c: Config, p: str) -> tuple[LayerSpec, ...]:
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


positive_int = _int
"""The builders' reader of a size, for configs.model_layers (the head's sizes)."""
