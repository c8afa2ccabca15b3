"""`mamba_ssm` (state-spaces/mamba): the config.json of the original checkpoints (state-spaces/mamba-130m ...
mamba2-2.7b: `{"d_model", "n_layer", "vocab_size", "ssm_cfg", "rms_norm", "pad_vocab_size_multiple",
"tie_embeddings"...}`, no `model_type`) as `MambaLMHeadModel(MambaConfig(**config))` builds it, named as its
`state_dict()` names the tensors: `backbone.embedding.weight`, `backbone.layers.{k}.norm.weight`, `...mixer.*`,
`backbone.norm_f.weight`, `lm_head.weight` (tied to the embedding unless tie_embeddings is false).

Read off mamba_ssm's source (models/config_mamba.py, models/mixer_seq_simple.py, modules/block.py,
modules/mamba_simple.py, modules/mamba2.py, modules/mlp.py; the package needs CUDA and does not install here):

- the vocabulary is padded up to a multiple of pad_vocab_size_multiple (50277 → 50280 with 8);
- each block is `norm` (the Triton RMSNorm, weight only, when rms_norm; else nn.LayerNorm, weight and bias) and
  the `mixer`: ssm_cfg["layer"] "Mamba1" (the default: mamba_simple.Mamba, d_inner = int(expand·d_model),
  dt_rank "auto" = ⌈d_model/16⌉) or "Mamba2" (d_inner = expand·d_model, d_ssm (default d_inner) split in
  d_ssm/headdim heads, in_proj to 2·d_inner + 2·ngroups·d_state + heads, conv over d_ssm + 2·ngroups·d_state,
  D per head (per channel with D_has_hdim), the gated RMSNorm of d_ssm when rmsnorm);
- with d_intermediate > 0 a second norm `norm2` and a GatedMLP `mlp` (fc1 to 2·h, fc2 back, h = d_intermediate
  rounded up to a multiple of 128);
- a module's own parameters come before its children's (Mamba: A_log, D, then in_proj...; Mamba-2: dt_bias,
  A_log, D, then in_proj...), as `state_dict()` lists them.

Attention layers (attn_layer_idx) and "Mamba3" mixers are refused with their name, not miscounted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from .._record import replace
from ..errors import ConfigError
from ..spec import LayerSpec, Value
from ..symbolic import Expr, Sym
from .base import FrameworkConvention, TensorTemplate
from .transformers.blocks import (
    D_CONV,
    D_INNER,
    D_MODEL,
    D_STATE,
    DT_RANK,
    EMBEDDING,
    GROUPS,
    HEAD,
    LAYER_NORM,
    MAMBA2_MIXER,
    MAMBA_MIXER,
    ONE,
    PRODUCTS,
    RMS_NORM,
    WORDS,
)
from .transformers.common import flag, size
from .transformers.stacks import Kind, stack
from .work import SEQUENCE_RUNTIME, Mixer, Work

T = TensorTemplate
FRAMEWORK = "mamba_ssm"
D_SSM, SHEADS, D_MLP = Sym("d_ssm"), Sym("sheads"), Sym("d_mlp")
_CONV2 = D_SSM + 2 * GROUPS * D_STATE
_IN2 = 2 * D_INNER + 2 * GROUPS * D_STATE + SHEADS


def _norm(name: str) -> tuple[TensorTemplate, ...]:
    return (T(f"{name}.weight", (D_MODEL,), "scale"), T(f"{name}.bias", (D_MODEL,), "shift", when="layer_norm"))


MAMBA1 = (
    T("mixer.A_log", (D_INNER, D_STATE), "ssm_a_log", when="mamba1"),
    T("mixer.D", (D_INNER,), "ssm_skip", when="mamba1"),
    T("mixer.in_proj.weight", (2 * D_INNER, D_MODEL), "in_proj", when="mamba1"),
    T("mixer.in_proj.bias", (2 * D_INNER,), "bias", when="mamba1_bias"),
    T("mixer.conv1d.weight", (D_INNER, ONE, D_CONV), "conv_weight", when="mamba1"),
    T("mixer.conv1d.bias", (D_INNER,), "conv_bias", when="mamba1_conv_bias"),
    T("mixer.x_proj.weight", (DT_RANK + 2 * D_STATE, D_INNER), "x_proj", when="mamba1"),
    T("mixer.dt_proj.weight", (D_INNER, DT_RANK), "dt_proj", when="mamba1"),
    T("mixer.dt_proj.bias", (D_INNER,), "dt_bias", when="mamba1"),
    T("mixer.out_proj.weight", (D_MODEL, D_INNER), "out_proj", when="mamba1"),
    T("mixer.out_proj.bias", (D_MODEL,), "bias", when="mamba1_bias"),
)
MAMBA2 = (
    T("mixer.dt_bias", (SHEADS,), "dt_bias", when="mamba2"),
    T("mixer.A_log", (SHEADS,), "ssm_a_log", when="mamba2"),
    T("mixer.D", (SHEADS,), "ssm_skip", when="mamba2_head_d"),
    T("mixer.D", (D_SSM,), "ssm_skip", when="mamba2_channel_d"),
    T("mixer.in_proj.weight", (_IN2, D_MODEL), "in_proj", when="mamba2"),
    T("mixer.in_proj.bias", (_IN2,), "bias", when="mamba2_bias"),
    T("mixer.conv1d.weight", (_CONV2, ONE, D_CONV), "conv_weight", when="mamba2"),
    T("mixer.conv1d.bias", (_CONV2,), "conv_bias", when="mamba2_conv_bias"),
    T("mixer.norm.weight", (D_SSM,), "scale", when="mamba2_rmsnorm"),
    T("mixer.out_proj.weight", (D_MODEL, D_INNER), "out_proj", when="mamba2"),
    T("mixer.out_proj.bias", (D_MODEL,), "bias", when="mamba2_bias"),
)
MLP = (
    *(T(t.name.replace("norm", "norm2", 1), t.shape, t.role, when=("mlp_layer_norm" if t.when else "mlp"))
      for t in _norm("norm")),
    T("mlp.fc1.weight", (2 * D_MLP, D_MODEL), "up_proj", when="mlp"),
    T("mlp.fc2.weight", (D_MODEL, D_MLP), "down_proj", when="mlp"),
)


def _states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """A block's inference cache (allocate_inference_cache): the convolution window and the SSM state."""
    if "sheads" in env:
        return {"conv_state": (_CONV2, D_CONV), "ssm_state": (SHEADS, Sym("headdim"), D_STATE)}
    return {"conv_state": (D_INNER, D_CONV), "ssm_state": (D_INNER, D_STATE)}


SSM_WORDS = {
    **WORDS,
    "d_ssm": ("width the Mamba-2 SSM runs on (ssm_cfg d_ssm, else d_inner)",
              "Mamba-2 SSM 作用的宽度（ssm_cfg 的 d_ssm，默认 d_inner）"),
    "sheads": ("number of Mamba-2 heads (d_ssm / headdim)", "Mamba-2 头数（d_ssm / headdim）"),
    "headdim": ("size of one Mamba-2 head (ssm_cfg headdim)", "每个 Mamba-2 头的维度（ssm_cfg 的 headdim）"),
    "d_mlp": ("width of the gated MLP (d_intermediate rounded up to a multiple of 128)",
              "门控 MLP 的宽度（d_intermediate 向上取整到 128 的倍数）"),
    "mamba_ssm_block": ("A mamba_ssm Block: a norm (RMSNorm, or LayerNorm when rms_norm is false) before the mixer "
                        "(Mamba, or Mamba-2 by ssm_cfg's layer) and, with d_intermediate > 0, a second norm and a "
                        "gated MLP. The head is the embedding's matrix when tie_embeddings is true (the default); the "
                        "vocabulary is padded up to a multiple of pad_vocab_size_multiple.",
                        "mamba_ssm 的 Block：混合层（Mamba，或按 ssm_cfg 的 layer 取 Mamba-2）之前有一个归一化"
                        "（RMSNorm；rms_norm 为 false 时为 LayerNorm），d_intermediate > 0 时还有第二个归一化和"
                        "门控 MLP。tie_embeddings 为 true（默认）时输出头就是嵌入矩阵；词表向上填充到 "
                        "pad_vocab_size_multiple 的倍数。"),
}
_MAMBA2_SYMBOLS = {"heads": SHEADS, "head_dim": Sym("headdim")}
"""transformers' Mamba-2 head symbols as this stack names them (its `heads` is the attention layers')."""
MIXER_FLAGS = ("mamba1", "mamba1_bias", "mamba1_conv_bias", "mamba2", "mamba2_bias", "mamba2_conv_bias",
               "mamba2_head_d", "mamba2_channel_d", "mamba2_rmsnorm")
MAMBA_SSM_STACK = stack(
    "MambaSsmStack",
    (size("d_model", "d_model"), size("d_inner", "d_inner"), size("d_state", "d_state"), size("d_conv", "d_conv"),
     *(size(name, symbol, optional=True) for name, symbol in (
         ("dt_rank", "dt_rank"), ("d_ssm", "d_ssm"), ("heads", "sheads"), ("headdim", "headdim"),
         ("ngroups", "groups"), ("d_mlp", "d_mlp"))),
     *(flag(f, False) for f in ("layer_norm", *MIXER_FLAGS, "mlp", "mlp_layer_norm"))),
    (Kind("L", (*_norm("norm"), *MAMBA1, *MAMBA2, *MLP), _states),), words=SSM_WORDS, notes=("mamba_ssm_block",),
    work=Work(token_products=PRODUCTS.token_products, mixers=(
        ("L", replace(MAMBA_MIXER, when="mamba1")),
        ("L", Mixer(conv_roles=MAMBA2_MIXER.conv_roles, when="mamba2",  # transformers' Mamba-2 in these symbols
                    scan_macs=MAMBA2_MIXER.scan_macs.subs(_MAMBA2_SYMBOLS),
                    scan_flops=MAMBA2_MIXER.scan_flops.subs(_MAMBA2_SYMBOLS))))),
)

SSM_KEYS = frozenset({"d_model", "n_layer"})
"""What tells a mamba_ssm config.json (it has no model_type)."""
DEFAULTS: Mapping[str, object] = MappingProxyType({
    "d_model": 2560, "d_intermediate": 0, "n_layer": 64, "vocab_size": 50277, "ssm_cfg": {}, "attn_layer_idx": [],
    "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True, "fused_add_norm": True, "pad_vocab_size_multiple": 8,
    "tie_embeddings": True})
"""MambaConfig's fields and defaults (models/config_mamba.py)."""
MAMBA1_DEFAULTS: Mapping[str, object] = MappingProxyType({
    "d_state": 16, "d_conv": 4, "expand": 2, "dt_rank": "auto", "conv_bias": True, "bias": False})
MAMBA2_DEFAULTS: Mapping[str, object] = MappingProxyType({
    "d_state": 128, "d_conv": 4, "expand": 2, "headdim": 64, "d_ssm": None, "ngroups": 1, "D_has_hdim": False,
    "rmsnorm": True, "bias": False, "conv_bias": True})
MAX_LAYERS, MAX_SIZE = 1_000, 10**7


def looks_like(data: Mapping[str, object]) -> bool:
    return "model_type" not in data and set(data) >= SSM_KEYS and "layers" not in data


def _int(where: str, value: object, low: int = 1, high: int = MAX_SIZE) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{where} must be a whole number from {low:,} to {high:,} (got {value!r})")
    return value


def _flag(where: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false (got {value!r})")
    return value


def _layer(type_name: str, name: str, **config: Value) -> LayerSpec:
    return LayerSpec(type_name, MappingProxyType(config), name=name)


def _mixer(ssm: Mapping[str, object], d_model: int) -> dict[str, Value]:
    """The mixer's sizes and flags from ssm_cfg, its keys checked against the mixer class's arguments."""
    kind = ssm.get("layer", "Mamba1")
    if kind not in ("Mamba1", "Mamba2"):
        raise ConfigError(f"ssm_cfg layer {kind!r}: rnnparams counts mamba_ssm's Mamba1 and Mamba2 mixers"
                          + (" (Mamba3 is not counted yet)" if kind == "Mamba3" else
                             "; mamba_ssm itself knows Mamba1, Mamba2 and Mamba3"))
    known = MAMBA1_DEFAULTS if kind == "Mamba1" else MAMBA2_DEFAULTS
    ignored = {"dt_min", "dt_max", "dt_init", "dt_scale", "dt_init_floor", "use_fast_path", "conv_init",
               "A_init_range", "norm_before_gate", "dt_limit", "chunk_size", "use_mem_eff_path", "layer"}
    unknown = sorted(set(ssm) - set(known) - ignored)
    if unknown:
        raise ConfigError(f"ssm_cfg: {kind} takes no {', '.join(map(repr, unknown))}; its size arguments are "
                          + ", ".join(known))
    c = {**known, **ssm}
    d_state, d_conv = _int("ssm_cfg d_state", c["d_state"]), _int("ssm_cfg d_conv", c["d_conv"])
    bias, conv_bias = _flag("ssm_cfg bias", c["bias"]), _flag("ssm_cfg conv_bias", c["conv_bias"])
    expand = c["expand"]
    if not isinstance(expand, (int, float)) or isinstance(expand, bool) or expand <= 0:
        raise ConfigError(f"ssm_cfg expand must be a positive number (got {expand!r})")
    d_inner = _int("expand·d_model", int(expand * d_model))
    sizes: dict[str, Value] = {"d_inner": d_inner, "d_state": d_state, "d_conv": d_conv, "dt_rank": None,
                               "d_ssm": None, "heads": None, "headdim": None, "ngroups": None,
                               **dict.fromkeys(MIXER_FLAGS, False)}
    if kind == "Mamba1":
        rank = c["dt_rank"]
        sizes["dt_rank"] = math.ceil(d_model / 16) if rank == "auto" else _int("ssm_cfg dt_rank", rank)
        return {**sizes, "mamba1": True, "mamba1_bias": bias, "mamba1_conv_bias": conv_bias}
    headdim, groups = _int("ssm_cfg headdim", c["headdim"]), _int("ssm_cfg ngroups", c["ngroups"])
    d_ssm = d_inner if c["d_ssm"] is None else _int("ssm_cfg d_ssm", c["d_ssm"])
    if d_ssm % headdim:  # Mamba2.__init__: assert self.d_ssm % self.headdim == 0
        raise ConfigError(f"ssm_cfg: d_ssm ({d_ssm}) must be a multiple of headdim ({headdim})")
    if d_ssm > d_inner:
        raise ConfigError(f"ssm_cfg: d_ssm ({d_ssm}) is wider than expand·d_model ({d_inner})")
    has_hdim = _flag("ssm_cfg D_has_hdim", c["D_has_hdim"])
    return {**sizes, "d_ssm": d_ssm, "heads": d_ssm // headdim, "headdim": headdim, "ngroups": groups,
            "mamba2": True, "mamba2_bias": bias, "mamba2_conv_bias": conv_bias, "mamba2_head_d": not has_hdim,
            "mamba2_channel_d": has_hdim, "mamba2_rmsnorm": _flag("ssm_cfg rmsnorm", c["rmsnorm"])}


def model_layers(given: Mapping[str, object], source: str = "config.json") -> tuple[LayerSpec, ...]:
    """MambaLMHeadModel's modules in `state_dict()` order, from the config's values (MambaConfig defaults filled)."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"{source}: a mamba_ssm config has no {', '.join(map(repr, unknown))}; MambaConfig's "
                          "fields are " + ", ".join(DEFAULTS))
    c = {**DEFAULTS, **given}
    d_model, layers = _int("d_model", c["d_model"]), _int("n_layer", c["n_layer"], high=MAX_LAYERS)
    if c["attn_layer_idx"]:
        raise ConfigError(f"attn_layer_idx {c['attn_layer_idx']!r}: rnnparams does not count mamba_ssm's attention "
                          "(MHA) layers yet; it counts configs whose every layer is a Mamba or Mamba-2 block")
    ssm = c["ssm_cfg"]
    if not isinstance(ssm, dict):
        raise ConfigError(f"ssm_cfg must be a JSON object (got {ssm!r})")
    vocab, multiple = _int("vocab_size", c["vocab_size"]), _int("pad_vocab_size_multiple",
                                                                c["pad_vocab_size_multiple"])
    vocab += (multiple - vocab % multiple) % multiple
    rms = _flag("rms_norm", c["rms_norm"])
    hidden = _int("d_intermediate", c["d_intermediate"], low=0)
    mlp = (hidden + 127) // 128 * 128  # GatedMLP: multiple_of=128
    norm = "RMSNorm" if rms else "LayerNorm"
    head = LayerSpec("Head", MappingProxyType({"hidden_size": d_model, "vocab_size": vocab}), name="lm_head",
                     tied=("weight",) if _flag("tie_embeddings", c["tie_embeddings"]) else ())
    return (_layer("Embedding", "backbone.embedding", num_embeddings=vocab, embedding_dim=d_model),
            _layer("MambaSsmStack", "backbone.layers", d_model=d_model, **_mixer(ssm, d_model), d_mlp=mlp or None,
                   layer_norm=not rms, mlp=hidden > 0, mlp_layer_norm=hidden > 0 and not rms, num_layers=layers),
            _layer(norm, "backbone.norm_f", hidden_size=d_model), head)


LAYERS = {c.type_name: c for c in (EMBEDDING, MAMBA_SSM_STACK, RMS_NORM, LAYER_NORM, HEAD)}
MAMBA_SSM = FrameworkConvention(
    id=FRAMEWORK, display="mamba_ssm (state-spaces/mamba)", layers=LAYERS, prefixes=("mamba_ssm.",),
    naming="index", verified_with=(("mamba_ssm", "source, not installed"),), short="mamba_ssm",
    runtime=SEQUENCE_RUNTIME,
    write_prefix="mamba_ssm.",
    syntax='a mamba_ssm config.json: {"d_model": 768, "n_layer": 24, "vocab_size": 50277, "ssm_cfg": {}}',
)
