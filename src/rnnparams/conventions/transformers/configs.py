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

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ..._record import record
from ...spec import LayerSpec
from .builders import (
    bamba,
    falcon_h1,
    granitemoehybrid,
    jamba,
    lfm2,
    mamba,
    mamba2,
    nemotron_h,
    positive_int,
    qwen3_next,
    recurrent_gemma,
    rwkv,
    xlstm,
    zamba,
    zamba2,
)

INT, FLOAT, BOOL, STR, LIST, INT_OR_AUTO, INT_OR_NONE = "int", "float", "bool", "str", "list", "int|auto", "int|None"
FRAMEWORK = "huggingface"
"""The framework id: Hugging Face transformers (the package name is `transformers`)."""


@record
class Field:
    """A Config class field: its name, the kind of value it takes (what `--set` parses) and its default."""

    name: str
    kind: str
    default: object


FieldRow = tuple[str, str, object]
"""A field as the tables below write it, (name, kind, default): a plain tuple costs nothing to build, where a
Field record costs a microsecond, 400 of them at every start-up that reads a config."""


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
    table: tuple[FieldRow, ...]
    """The Config class's fields, as rows (`fields` gives them as records)."""
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

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(Field(*row) for row in self.table)

    def field(self, name: str) -> Field | None:
        return next((Field(*row) for row in self.table if row[0] == name), None)


Config = Mapping[str, object]

_MAMBA_FIELDS = (
    ("vocab_size", INT, 50280), ("hidden_size", INT, 768), ("state_size", INT, 16), ("num_hidden_layers", INT, 32),
    ("layer_norm_epsilon", FLOAT, 1e-5), ("expand", INT, 2), ("conv_kernel", INT, 4), ("use_bias", BOOL, False),
    ("use_conv_bias", BOOL, True), ("hidden_act", STR, "silu"), ("initializer_range", FLOAT, 0.1),
    ("residual_in_fp32", BOOL, True), ("time_step_rank", INT_OR_AUTO, "auto"), ("time_step_scale", FLOAT, 1.0),
    ("time_step_min", FLOAT, 0.001), ("time_step_max", FLOAT, 0.1), ("time_step_init_scheme", STR, "random"),
    ("time_step_floor", FLOAT, 1e-4), ("rescale_prenorm_residual", BOOL, False), ("use_cache", BOOL, True),
    ("use_mambapy", BOOL, False), ("tie_word_embeddings", BOOL, True), ("intermediate_size", INT_OR_NONE, None),
)

FAMILIES: Mapping[str, ModelFamily] = MappingProxyType({f.model_type: f for f in (
    ModelFamily("mamba", "MambaConfig", "MambaForCausalLM", "MambaModel", "backbone.", _MAMBA_FIELDS,
                mamba("MambaStack")),
    ModelFamily("falcon_mamba", "FalconMambaConfig", "FalconMambaForCausalLM", "FalconMambaModel", "backbone.",
                (*_MAMBA_FIELDS, ("mixer_rms_eps", FLOAT, 1e-6)), mamba("FalconMambaStack")),
    ModelFamily("mamba2", "Mamba2Config", "Mamba2ForCausalLM", "Mamba2Model", "backbone.", (
        ("num_heads", INT, 128), ("head_dim", INT, 64), ("vocab_size", INT, 32768), ("hidden_size", INT, 4096),
        ("state_size", INT, 128), ("num_hidden_layers", INT, 64), ("layer_norm_epsilon", FLOAT, 1e-5),
        ("expand", INT, 2), ("conv_kernel", INT, 4), ("n_groups", INT, 8), ("use_bias", BOOL, False),
        ("use_conv_bias", BOOL, True), ("hidden_act", STR, "silu"), ("initializer_range", FLOAT, 0.1),
        ("residual_in_fp32", BOOL, True), ("time_step_rank", INT_OR_AUTO, "auto"),
        ("time_step_min", FLOAT, 0.001), ("time_step_max", FLOAT, 0.1), ("time_step_floor", FLOAT, 1e-4),
        ("rescale_prenorm_residual", BOOL, False), ("use_cache", BOOL, True), ("chunk_size", INT, 256),
        ("tie_word_embeddings", BOOL, False)), mamba2),
    ModelFamily("rwkv", "RwkvConfig", "RwkvForCausalLM", "RwkvModel", "rwkv.", (
        ("vocab_size", INT, 50277), ("context_length", INT, 1024), ("hidden_size", INT, 4096),
        ("num_hidden_layers", INT, 32), ("attention_hidden_size", INT_OR_NONE, None),
        ("intermediate_size", INT_OR_NONE, None), ("layer_norm_epsilon", FLOAT, 1e-5),
        ("rescale_every", INT, 6), ("tie_word_embeddings", BOOL, False), ("use_cache", BOOL, True)),
        rwkv, head="head"),
    ModelFamily("recurrent_gemma", "RecurrentGemmaConfig", "RecurrentGemmaForCausalLM", "RecurrentGemmaModel",
                "model.", (
        ("num_hidden_layers", INT, 26), ("vocab_size", INT, 256000), ("hidden_size", INT, 2560),
        ("intermediate_size", INT, 3 * 2560), ("num_attention_heads", INT, 10), ("lru_width", INT_OR_NONE, None),
        ("attention_window_size", INT, 2048), ("conv1d_width", INT, 4), ("logits_soft_cap", FLOAT, 30.0),
        ("rms_norm_eps", FLOAT, 1e-6), ("use_cache", BOOL, True), ("hidden_activation", STR, "gelu_pytorch_tanh"),
        ("block_types", LIST, ["recurrent", "recurrent", "attention"]), ("attention_dropout", FLOAT, 0.0),
        ("num_key_value_heads", INT_OR_NONE, None), ("attention_bias", BOOL, False),
        ("w_init_variance_scale", FLOAT, 0.01), ("tie_word_embeddings", BOOL, True)), recurrent_gemma),
    ModelFamily("xlstm", "xLSTMConfig", "xLSTMForCausalLM", "xLSTMModel", "backbone.", (
        ("vocab_size", INT, 50304), ("hidden_size", INT, 4096), ("embedding_dim", INT_OR_NONE, None),
        ("num_hidden_layers", INT, 32), ("num_blocks", INT_OR_NONE, None), ("num_heads", INT, 8),
        ("use_bias", BOOL, False), ("norm_reduction_force_float32", BOOL, True),
        ("tie_word_embeddings", BOOL, False), ("add_out_norm", BOOL, True), ("norm_eps", FLOAT, 1e-6),
        ("qk_dim_factor", FLOAT, 0.5), ("v_dim_factor", FLOAT, 1.0),
        ("chunkwise_kernel", STR, "chunkwise--native_autograd"), ("sequence_kernel", STR, "native_sequence__native"),
        ("step_kernel", STR, "native"), ("mode", STR, "inference"), ("chunk_size", INT, 64),
        ("return_last_states", BOOL, True), ("autocast_kernel_dtype", STR, "bfloat16"), ("eps", FLOAT, 1e-6),
        ("inference_state_dtype", STR, "float32"), ("ffn_proj_factor", FLOAT, 2.667),
        ("ffn_round_up_to_multiple_of", INT, 64), ("gate_soft_cap", FLOAT, 15.0),
        ("output_logit_soft_cap", FLOAT, 30.0), ("weight_mode", STR, "single"), ("use_cache", BOOL, True),
        ("max_inference_chunksize", INT, 16384)), xlstm, ties=False),
    ModelFamily("jamba", "JambaConfig", "JambaForCausalLM", "JambaModel", "model.", (
        ("vocab_size", INT, 65536), ("tie_word_embeddings", BOOL, False), ("hidden_size", INT, 4096),
        ("intermediate_size", INT, 14336), ("num_hidden_layers", INT, 32), ("num_attention_heads", INT, 32),
        ("num_key_value_heads", INT_OR_NONE, 8), ("hidden_act", STR, "silu"), ("initializer_range", FLOAT, 0.02),
        ("rms_norm_eps", FLOAT, 1e-6), ("use_cache", BOOL, True), ("output_router_logits", BOOL, False),
        ("router_aux_loss_coef", FLOAT, 0.001), ("max_position_embeddings", INT, 262144),
        ("attention_dropout", FLOAT, 0.0), ("num_experts_per_tok", INT, 2), ("num_experts", INT, 16),
        ("expert_layer_period", INT, 2), ("expert_layer_offset", INT, 1), ("attn_layer_period", INT, 8),
        ("attn_layer_offset", INT, 4), ("use_mamba_kernels", BOOL, True), ("mamba_d_state", INT, 16),
        ("mamba_d_conv", INT, 4), ("mamba_expand", INT, 2), ("mamba_dt_rank", INT_OR_AUTO, "auto"),
        ("mamba_conv_bias", BOOL, True), ("mamba_proj_bias", BOOL, False), ("use_mambapy", BOOL, False)),
        jamba, stored=(
            StoredAs(r"feed_forward\.experts\.gate_up_proj$", ("feed_forward.experts.{e}.gate_proj.weight",
                                                              "feed_forward.experts.{e}.up_proj.weight"), True),
            StoredAs(r"feed_forward\.experts\.down_proj$", ("feed_forward.experts.{e}.down_proj.weight",), True))),
    ModelFamily("bamba", "BambaConfig", "BambaForCausalLM", "BambaModel", "model.", (
        ("vocab_size", INT, 128000), ("tie_word_embeddings", BOOL, False), ("hidden_size", INT, 4096),
        ("intermediate_size", INT, 14336), ("num_hidden_layers", INT, 32), ("num_attention_heads", INT, 32),
        ("num_key_value_heads", INT_OR_NONE, 8), ("hidden_act", STR, "silu"), ("initializer_range", FLOAT, 0.02),
        ("rms_norm_eps", FLOAT, 1e-5), ("use_cache", BOOL, True), ("max_position_embeddings", INT, 262144),
        ("attention_dropout", FLOAT, 0.0), ("attn_layer_indices", LIST, None), ("mamba_n_heads", INT, 128),
        ("mamba_d_head", INT_OR_AUTO, "auto"), ("mamba_n_groups", INT, 1), ("mamba_d_state", INT, 256),
        ("mamba_d_conv", INT, 4), ("mamba_expand", INT, 2), ("mamba_chunk_size", INT, 256),
        ("mamba_conv_bias", BOOL, True), ("mamba_proj_bias", BOOL, False), ("z_loss_coefficient", FLOAT, 0.0),
        ("attention_bias", BOOL, False), ("mlp_bias", BOOL, False)), bamba),
    ModelFamily("falcon_h1", "FalconH1Config", "FalconH1ForCausalLM", "FalconH1Model", "model.", (
        ("vocab_size", INT, 128000), ("tie_word_embeddings", BOOL, False), ("hidden_size", INT, 4096),
        ("intermediate_size", INT, 14336), ("num_hidden_layers", INT, 32), ("num_attention_heads", INT, 32),
        ("num_key_value_heads", INT_OR_NONE, 8), ("hidden_act", STR, "silu"), ("initializer_range", FLOAT, 0.02),
        ("rms_norm_eps", FLOAT, 1e-05), ("use_cache", BOOL, True), ("num_logits_to_keep", INT_OR_NONE, 1),
        ("max_position_embeddings", INT, 8192), ("attention_dropout", FLOAT, 0.0),
        ("mamba_d_ssm", INT_OR_NONE, 1024), ("mamba_n_heads", INT_OR_NONE, 128),
        ("mamba_d_head", INT_OR_AUTO, "auto"), ("mamba_n_groups", INT_OR_NONE, 1),
        ("mamba_d_state", INT_OR_NONE, 256), ("mamba_d_conv", INT_OR_NONE, 4), ("mamba_expand", INT_OR_NONE, 2),
        ("mamba_chunk_size", INT_OR_NONE, 256), ("mamba_conv_bias", BOOL, True), ("mamba_proj_bias", BOOL, False),
        ("mamba_norm_before_gate", BOOL, True), ("mamba_rms_norm", BOOL, False),
        ("time_step_limit", LIST, [0.0, float("inf")]), ("projectors_bias", BOOL, False),
        ("lm_head_multiplier", FLOAT, 1.0), ("embedding_multiplier", FLOAT, 1.0), ("mlp_multipliers", LIST, None),
        ("key_multiplier", FLOAT, 1.0), ("attention_out_multiplier", FLOAT, 1.0),
        ("attention_in_multiplier", FLOAT, 1.0), ("ssm_multipliers", LIST, None),
        ("ssm_in_multiplier", FLOAT, 1.0), ("ssm_out_multiplier", FLOAT, 1.0), ("attention_bias", BOOL, False),
        ("mlp_bias", BOOL, False), ("head_dim", INT_OR_NONE, None)), falcon_h1),
    ModelFamily("nemotron_h", "NemotronHConfig", "NemotronHForCausalLM", "NemotronHModel", "model.", (
        ("vocab_size", INT, 131072), ("hidden_size", INT, 4096), ("layers_block_type", LIST, None),
        ("hybrid_override_pattern", STR, None), ("tie_word_embeddings", BOOL, False), ("use_cache", BOOL, True),
        ("num_logits_to_keep", INT, 1), ("num_attention_heads", INT, 32), ("num_key_value_heads", INT_OR_NONE, 8),
        ("head_dim", INT, 128), ("max_position_embeddings", INT, 4096), ("attention_bias", BOOL, False),
        ("attention_dropout", FLOAT, 0.0), ("sliding_window", INT_OR_NONE, None),
        ("intermediate_size", INT, 21504), ("mlp_hidden_act", STR, "relu2"), ("mlp_bias", BOOL, False),
        ("use_mamba_kernels", BOOL, True), ("ssm_state_size", INT, 128), ("mamba_num_heads", INT, 128),
        ("mamba_head_dim", INT, 64), ("mamba_hidden_act", STR, "silu"), ("n_groups", INT, 8),
        ("conv_kernel", INT, 4), ("expand", INT, 2), ("time_step_min", FLOAT, 0.001),
        ("time_step_max", FLOAT, 0.1), ("time_step_limit", LIST, [0.0, float("inf")]),
        ("time_step_floor", FLOAT, 0.0001), ("use_conv_bias", BOOL, True), ("chunk_size", INT, 128),
        ("mamba_proj_bias", BOOL, False), ("mamba_ssm_cache_dtype", STR, "float32"), ("n_routed_experts", INT, 8),
        ("output_router_logits", BOOL, False), ("n_shared_experts", INT, 1), ("moe_intermediate_size", INT, 7688),
        ("moe_shared_expert_intermediate_size", INT, 7688), ("moe_latent_size", INT_OR_NONE, None),
        ("moe_shared_expert_overlap", BOOL, True), ("num_experts_per_tok", INT, 2),
        ("routed_scaling_factor", FLOAT, 1.0), ("n_group", INT, 1), ("topk_group", INT, 1),
        ("norm_topk_prob", BOOL, True), ("num_nextn_predict_layers", INT, 0),
        ("mtp_layers_block_type", LIST, None), ("use_bias", BOOL, False), ("initializer_range", FLOAT, 0.02),
        ("layer_norm_epsilon", FLOAT, 1e-05), ("residual_in_fp32", BOOL, False), ("hidden_dropout", FLOAT, 0.0),
        ("rescale_prenorm_residual", BOOL, True)), nemotron_h, ties=False, stored=(
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
        ("vocab_size", INT, 32000), ("hidden_size", INT, 4096), ("intermediate_size", INT, 11008),
        ("num_hidden_layers", INT, 32), ("num_attention_heads", INT, 32),
        ("num_key_value_heads", INT_OR_NONE, None), ("hidden_act", STR, "silu"),
        ("max_position_embeddings", INT, 2048), ("initializer_range", FLOAT, 0.02), ("rms_norm_eps", FLOAT, 1e-06),
        ("use_cache", BOOL, True), ("tie_word_embeddings", BOOL, False), ("attention_bias", BOOL, False),
        ("attention_dropout", FLOAT, 0.0), ("embedding_multiplier", FLOAT, 1.0), ("logits_scaling", FLOAT, 1.0),
        ("residual_multiplier", FLOAT, 1.0), ("attention_multiplier", FLOAT, 1.0), ("num_local_experts", INT, 8),
        ("num_experts_per_tok", INT_OR_NONE, 2), ("output_router_logits", BOOL, False),
        ("router_aux_loss_coef", FLOAT, 0.001), ("shared_intermediate_size", INT, 1024),
        ("position_embedding_type", STR, None), ("layer_types", LIST, None), ("mamba_n_heads", INT_OR_NONE, 128),
        ("mamba_n_groups", INT_OR_NONE, 1), ("mamba_d_state", INT_OR_NONE, 256),
        ("mamba_d_head", INT_OR_AUTO, "auto"), ("mamba_d_conv", INT_OR_NONE, 4), ("mamba_expand", INT_OR_NONE, 2),
        ("mamba_chunk_size", INT_OR_NONE, 256), ("mamba_conv_bias", BOOL, True), ("mamba_proj_bias", BOOL, False),
        ("time_step_limit", LIST, [0.0, float("inf")]), ("head_dim", INT_OR_NONE, None)), granitemoehybrid,
        renames=MappingProxyType({"layers_block_type": "layer_types"}), stored=(
            StoredAs(r"block_sparse_moe\.experts\.gate_up_proj$", ("block_sparse_moe.input_linear.weight",)),
            StoredAs(r"block_sparse_moe\.experts\.down_proj$", ("block_sparse_moe.output_linear.weight",)),
            StoredAs(r"block_sparse_moe\.router\.weight$", ("block_sparse_moe.router.layer.weight",)))),
    ModelFamily("lfm2", "Lfm2Config", "Lfm2ForCausalLM", "Lfm2Model", "model.", (
        ("vocab_size", INT, 65536), ("hidden_size", INT, 2560), ("intermediate_size", INT, 12288),
        ("num_hidden_layers", INT, 32), ("num_attention_heads", INT, 32), ("num_key_value_heads", INT, 8),
        ("max_position_embeddings", INT, 128000), ("initializer_range", FLOAT, 0.02), ("norm_eps", FLOAT, 1e-05),
        ("use_cache", BOOL, True), ("tie_word_embeddings", BOOL, True), ("conv_bias", BOOL, False),
        ("conv_L_cache", INT, 3), ("block_multiple_of", INT, 256), ("block_ffn_dim_multiplier", FLOAT, 1.0),
        ("block_auto_adjust_ff_dim", BOOL, True), ("full_attn_idxs", LIST, None), ("layer_types", LIST, None),
        ("head_dim", INT_OR_NONE, None)), lfm2,
        renames=MappingProxyType({"block_ff_dim": "intermediate_size", "tie_embedding": "tie_word_embeddings"})),
    ModelFamily("zamba2", "Zamba2Config", "Zamba2ForCausalLM", "Zamba2Model", "model.", (
        ("vocab_size", INT, 32000), ("max_position_embeddings", INT, 4096), ("hidden_size", INT, 2560),
        ("num_hidden_layers", INT, 54), ("layers_block_type", LIST, None), ("mamba_d_state", INT, 64),
        ("mamba_d_conv", INT, 4), ("mamba_expand", INT, 2), ("mamba_ngroups", INT, 1),
        ("time_step_min", FLOAT, 0.001), ("time_step_max", FLOAT, 0.1), ("time_step_floor", FLOAT, 1e-4),
        ("n_mamba_heads", INT, 8), ("use_mamba_kernels", BOOL, True), ("use_conv_bias", BOOL, True),
        ("chunk_size", INT, 256), ("use_mem_eff_path", BOOL, False), ("add_bias_linear", BOOL, False),
        ("intermediate_size", INT_OR_NONE, None), ("hidden_act", STR, "gelu"), ("num_attention_heads", INT, 32),
        ("num_key_value_heads", INT_OR_NONE, None), ("attention_dropout", FLOAT, 0.0),
        ("num_mem_blocks", INT, 1), ("use_shared_attention_adapter", BOOL, False), ("adapter_rank", INT, 128),
        ("use_mem_rope", BOOL, False), ("initializer_range", FLOAT, 0.02), ("rms_norm_eps", FLOAT, 1e-5),
        ("use_cache", BOOL, True), ("num_logits_to_keep", INT, 1), ("use_long_context", BOOL, False),
        ("tie_word_embeddings", BOOL, True)), zamba2),
    ModelFamily("zamba", "ZambaConfig", "ZambaForCausalLM", "ZambaModel", "model.", (
        ("vocab_size", INT, 32000), ("tie_word_embeddings", BOOL, True), ("hidden_size", INT, 3712),
        ("attention_hidden_size", INT_OR_NONE, None), ("intermediate_size", INT, 14848),
        ("num_hidden_layers", INT, 76), ("num_attention_heads", INT, 16), ("attention_head_dim", INT_OR_NONE, None),
        ("num_key_value_heads", INT, 16), ("n_mamba_heads", INT, 2), ("hidden_act", STR, "gelu"),
        ("hidden_mamba_act", STR, "silu"), ("initializer_range", FLOAT, 0.02), ("rms_norm_eps", FLOAT, 1e-5),
        ("use_cache", BOOL, True), ("num_logits_to_keep", INT, 1), ("max_position_embeddings", INT, 4096),
        ("attention_dropout", FLOAT, 0.0), ("attn_layer_period", INT, 6), ("attn_layer_offset", INT, 4),
        ("use_mamba_kernels", BOOL, True), ("mamba_d_state", INT, 16), ("mamba_d_conv", INT, 4),
        ("mamba_expand", INT, 2), ("mamba_dt_rank", INT_OR_AUTO, "auto"), ("use_associative_scan", BOOL, True),
        ("time_step_min", FLOAT, 0.001), ("time_step_max", FLOAT, 0.1), ("time_step_floor", FLOAT, 1e-4),
        ("mamba_conv_bias", BOOL, True), ("mamba_proj_bias", BOOL, False), ("layers_block_type", LIST, None)),
        zamba, renames=MappingProxyType({"layer_types": "layers_block_type", "head_dim": "attention_head_dim"})),
    ModelFamily("qwen3_next", "Qwen3NextConfig", "Qwen3NextForCausalLM", "Qwen3NextModel", "model.", (
        ("vocab_size", INT, 151936), ("hidden_size", INT, 2048), ("intermediate_size", INT, 5632),
        ("num_hidden_layers", INT, 48), ("num_attention_heads", INT, 16), ("num_key_value_heads", INT_OR_NONE, 2),
        ("hidden_act", STR, "silu"), ("max_position_embeddings", INT, 32768), ("initializer_range", FLOAT, 0.02),
        ("rms_norm_eps", FLOAT, 1e-6), ("use_cache", BOOL, True), ("tie_word_embeddings", BOOL, False),
        ("attention_bias", BOOL, False), ("attention_dropout", FLOAT, 0.0), ("head_dim", INT, 256),
        ("linear_conv_kernel_dim", INT, 4), ("linear_key_head_dim", INT, 128), ("linear_value_head_dim", INT, 128),
        ("linear_num_key_heads", INT, 16), ("linear_num_value_heads", INT, 32), ("decoder_sparse_step", INT, 1),
        ("moe_intermediate_size", INT, 512), ("shared_expert_intermediate_size", INT, 512),
        ("num_experts_per_tok", INT, 10), ("num_experts", INT, 512), ("norm_topk_prob", BOOL, True),
        ("output_router_logits", BOOL, False), ("router_aux_loss_coef", FLOAT, 0.001),
        ("mlp_only_layers", LIST, None), ("layer_types", LIST, None)), qwen3_next, stored=(
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
    values: dict[str, object] = {name: default for name, _, default in family.table}
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
    hidden, vocab = positive_int(values, "hidden_size"), positive_int(values, "vocab_size")
    tied = ("weight",) if family.ties and values.get("tie_word_embeddings") else ()
    head = LayerSpec("Head", MappingProxyType({"hidden_size": hidden, "vocab_size": vocab}), name=family.head,
                     tied=tied)
    return (*layers, head), cls
