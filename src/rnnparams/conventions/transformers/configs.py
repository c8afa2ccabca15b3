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
                mamba("MambaStack")),
    ModelFamily("falcon_mamba", "FalconMambaConfig", "FalconMambaForCausalLM", "FalconMambaModel", "backbone.",
                (*_MAMBA_FIELDS, F("mixer_rms_eps", FLOAT, 1e-6)), mamba("FalconMambaStack")),
    ModelFamily("mamba2", "Mamba2Config", "Mamba2ForCausalLM", "Mamba2Model", "backbone.", (
        F("num_heads", INT, 128), F("head_dim", INT, 64), F("vocab_size", INT, 32768), F("hidden_size", INT, 4096),
        F("state_size", INT, 128), F("num_hidden_layers", INT, 64), F("layer_norm_epsilon", FLOAT, 1e-5),
        F("expand", INT, 2), F("conv_kernel", INT, 4), F("n_groups", INT, 8), F("use_bias", BOOL, False),
        F("use_conv_bias", BOOL, True), F("hidden_act", STR, "silu"), F("initializer_range", FLOAT, 0.1),
        F("residual_in_fp32", BOOL, True), F("time_step_rank", INT_OR_AUTO, "auto"),
        F("time_step_min", FLOAT, 0.001), F("time_step_max", FLOAT, 0.1), F("time_step_floor", FLOAT, 1e-4),
        F("rescale_prenorm_residual", BOOL, False), F("use_cache", BOOL, True), F("chunk_size", INT, 256),
        F("tie_word_embeddings", BOOL, False)), mamba2),
    ModelFamily("rwkv", "RwkvConfig", "RwkvForCausalLM", "RwkvModel", "rwkv.", (
        F("vocab_size", INT, 50277), F("context_length", INT, 1024), F("hidden_size", INT, 4096),
        F("num_hidden_layers", INT, 32), F("attention_hidden_size", INT_OR_NONE, None),
        F("intermediate_size", INT_OR_NONE, None), F("layer_norm_epsilon", FLOAT, 1e-5),
        F("rescale_every", INT, 6), F("tie_word_embeddings", BOOL, False), F("use_cache", BOOL, True)),
        rwkv, head="head"),
    ModelFamily("recurrent_gemma", "RecurrentGemmaConfig", "RecurrentGemmaForCausalLM", "RecurrentGemmaModel",
                "model.", (
        F("num_hidden_layers", INT, 26), F("vocab_size", INT, 256000), F("hidden_size", INT, 2560),
        F("intermediate_size", INT, 3 * 2560), F("num_attention_heads", INT, 10), F("lru_width", INT_OR_NONE, None),
        F("attention_window_size", INT, 2048), F("conv1d_width", INT, 4), F("logits_soft_cap", FLOAT, 30.0),
        F("rms_norm_eps", FLOAT, 1e-6), F("use_cache", BOOL, True), F("hidden_activation", STR, "gelu_pytorch_tanh"),
        F("block_types", LIST, ["recurrent", "recurrent", "attention"]), F("attention_dropout", FLOAT, 0.0),
        F("num_key_value_heads", INT_OR_NONE, None), F("attention_bias", BOOL, False),
        F("w_init_variance_scale", FLOAT, 0.01), F("tie_word_embeddings", BOOL, True)), recurrent_gemma),
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
        F("max_inference_chunksize", INT, 16384)), xlstm, ties=False),
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
        jamba, stored=(
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
        F("attention_bias", BOOL, False), F("mlp_bias", BOOL, False)), bamba),
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
        F("mlp_bias", BOOL, False), F("head_dim", INT_OR_NONE, None)), falcon_h1),
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
        F("rescale_prenorm_residual", BOOL, True)), nemotron_h, ties=False, stored=(
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
        F("time_step_limit", LIST, [0.0, float("inf")]), F("head_dim", INT_OR_NONE, None)), granitemoehybrid,
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
        F("head_dim", INT_OR_NONE, None)), lfm2,
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
        F("tie_word_embeddings", BOOL, True)), zamba2),
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
        zamba, renames=MappingProxyType({"layer_types": "layers_block_type", "head_dim": "attention_head_dim"})),
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
        F("mlp_only_layers", LIST, None), F("layer_types", LIST, None)), qwen3_next, stored=(
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
    hidden, vocab = positive_int(values, "hidden_size"), positive_int(values, "vocab_size")
    tied = ("weight",) if family.ties and values.get("tie_word_embeddings") else ()
    head = LayerSpec("Head", MappingProxyType({"hidden_size": hidden, "vocab_size": vocab}), name=family.head,
                     tied=tied)
    return (*layers, head), cls
