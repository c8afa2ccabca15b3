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
        _jamba),
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
)})
"""Every model_type rnnparams counts, by its name in config.json."""

ALIASES = MappingProxyType({"FalconMambaForCausalLM": "falcon_mamba"})


def with_defaults(family: ModelFamily, given: Config) -> dict[str, object]:
    """The config's values, each key it leaves out at the Config class default (keys it adds are kept)."""
    values: dict[str, object] = {f.name: f.default for f in family.fields}
    values.update(given)
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
