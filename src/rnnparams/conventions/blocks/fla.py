"""RWKV-7 ("Goose") as flash-linear-attention (`fla`, fla-core 0.6.0) defines it: its time-mix layer
`RWKV7Attention`, channel-mix `RWKV7FeedForward`, and `RWKV7Model` / `RWKV7ForCausalLM` from an `RWKV7Config`.

Time mix (width E, h heads of d_k = E/h keys, value width E_v, d_v = E_v/h): six token-shift mixes x_r, x_w,
x_k, x_v, x_a, x_g (1, 1, E); k_k, k_a (E); r_k (h, d_k); bias-free r_proj, k_proj (E, E), v_proj (E_v, E),
o_proj (E, E_v); four LoRAs `lora.0` (r, E) then `lora.2` (out, r) + bias: w (decay, rank r_w, out E), v (value
residual, rank r_v, out E_v; not in layer 0), a (in-context learning rate, rank r_a, out E), g (gate, rank r_g,
out E_v, no bias); `g_norm` a GroupNorm of E_v with weight and bias. Standalone, a rank left None is
max(32, round(c·√E·d_k/64 / 32)·32) (c = 2.5 for w and a, 1.7 for v; 5·√E without the head factor for g);
RWKV7Config's defaults are 64, 16, 64, 128. Channel mix: x_k (E), key (F, E), value (E, F), F =
intermediate_size or E·hidden_ratio (4) rounded up to a multiple of 32. A block: attn_norm, ffn_norm (LayerNorm
with bias unless norm_bias=False) and, in layer 0 with norm_first, pre_norm. The model: embeddings (V, E),
the blocks, norm; the causal LM adds lm_head (V, E), one tensor with tie_word_embeddings=True. The recurrent
state per sequence and layer is h × d_k × d_v numbers and the last token of each of the two token shifts (E each).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape, Value
from ...symbolic import Const, Expr, Sym, add, mul
from ..base import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    LAYER,
    MAX_STACKED_LAYERS,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    expand,
    freeze,
)
from ..recognise import torch_path
from ..work import SEQUENCE_RUNTIME, Mixer, Work
from .common import entry, sequence_input

E, EV, HD, DK, DV, F, V = (Sym(n) for n in ("E", "E_v", "h", "d_k", "d_v", "F", "V"))
RW, RV, RA, RG, L = (Sym(n) for n in ("r_w", "r_v", "r_a", "r_g", "L"))
ONE = Const(1)


def _lora(name: str, rank: Sym, out: Expr, *, bias: bool = True, when: str | None = None
          ) -> tuple[TensorTemplate, ...]:
    return (TensorTemplate(f"{{at}}{name}_lora.lora.0.weight", (rank, E), "lora", when=when),
            TensorTemplate(f"{{at}}{name}_lora.lora.2.weight", (out, rank), "lora", when=when),
            *((TensorTemplate(f"{{at}}{name}_lora.lora.2.bias", (out,), "lora_bias", when=when),) if bias else ()))


ATTENTION = (
    *(TensorTemplate(f"{{at}}x_{m}", (ONE, ONE, E), "token_shift") for m in "rwkvag"),
    TensorTemplate("{at}k_k", (E,), "key_scale"), TensorTemplate("{at}k_a", (E,), "key_scale"),
    TensorTemplate("{at}r_k", (HD, DK), "key_scale"),
    TensorTemplate("{at}r_proj.weight", (E, E), "weight"), TensorTemplate("{at}k_proj.weight", (E, E), "weight"),
    TensorTemplate("{at}v_proj.weight", (EV, E), "weight"), TensorTemplate("{at}o_proj.weight", (E, EV), "weight"),
    *_lora("w", RW, E), *_lora("v", RV, EV, when="v_lora"), *_lora("a", RA, E), *_lora("g", RG, EV, bias=False),
    TensorTemplate("{at}g_norm.weight", (EV,), "norm", when="affine"),
    TensorTemplate("{at}g_norm.bias", (EV,), "norm", when="affine"),
)
FFN = (TensorTemplate("{at}x_k", (E,), "token_shift"), TensorTemplate("{at}key.weight", (F, E), "weight"),
       TensorTemplate("{at}value.weight", (E, F), "weight"))
NORMS = {n: (TensorTemplate(f"{{at}}{n}.weight", (E,), "norm"),
             TensorTemplate(f"{{at}}{n}.bias", (E,), "norm", when="bias"))
         for n in ("pre_norm", "attn_norm", "ffn_norm", "norm")}

TOKEN_PRODUCTS = frozenset({"weight", "lora", "tied_embedding"})
"""The weights a token multiplies once: r/k/v/o, both matrices of each LoRA, the channel mix's key and value, the head
(a tied head: the embedding's matrix); not the token-shift mixes, the scales, the norms or the embedding lookup."""
RWKV7_MIXER = Mixer(scan_macs=mul(2, HD, DK, DV), scan_flops=add(mul(5, HD, DK, DV), mul(4, HD, DK)),
                    holds=frozenset({"key_scale"}))
"""RWKV-7's state update per token and head (fla's fused_recurrent_rwkv7_fwd_kernel, the path its layer takes for
fewer than 64 tokens without gradients), S a d_k × d_v matrix: the contractions aᵀ·S (`tl.sum(a[:, None] · S, 0)`)
and the readout rᵀ·S (`tl.sum(S · r[:, None], 0)`), d_k·d_v each; elementwise r·scale, a = −kk, b = kk·a and exp(w)
(4 per key), exp(w)·S, b·(aᵀS)ᵀ, their sum, k·vᵀ and its sum (5 per key and value). The token shift, the LoRAs'
activations, the k and output corrections and the group norm are not counted. The layers of a model are layer 0
and L − 1 alike, beside the embedding and the norm: the mixer applies to the blocks holding the time mix."""
WORK = Work(token_products=TOKEN_PRODUCTS, mixers=((None, RWKV7_MIXER),))
FFN_WORK = Work(token_products=TOKEN_PRODUCTS)


def _norm(name: str, at: str, bias: bool) -> list[TensorSpec]:
    """A LayerNorm of E (fla's fused one or torch's: the same tensors), with its bias unless norm_bias=False."""
    return expand(NORMS[name], flags={"bias": bias}, at=at)


def _rank(given: Value, width: int, head_dim: int, c: float, *, per_head: bool = True) -> int:
    if isinstance(given, int) and not isinstance(given, bool):
        return given
    factor = head_dim / 64 if per_head else 1.0
    return max(32, int(round((c * (width ** 0.5)) * factor / 32) * 32))


def attention(ctx: LayerContext, args: Mapping[str, Value], at: str, *, v_lora: bool
              ) -> tuple[list[TensorSpec], dict[str, int]]:
    """RWKV7Attention's tensors for its arguments (`args`: hidden_size, head_dim, num_heads, ranks, value_dim)."""
    e = args["hidden_size"]
    assert isinstance(e, int)
    head_dim, heads = args.get("head_dim"), args.get("num_heads")
    if head_dim is None and heads is None:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): Either `head_dim` or `num_heads` must be specified.")
    for key, given in (("head_dim", head_dim), ("num_heads", heads)):
        if given is not None and (not isinstance(given, int) or isinstance(given, bool) or given <= 0):
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be a positive integer (got {given!r}).")
    if isinstance(head_dim, int):
        if e % head_dim:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): `hidden_size` must be divisible by `head_dim`, got {e} "
                              f"and {head_dim}.")
        heads = e // head_dim
    else:
        assert isinstance(heads, int)
        if e % heads:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): `hidden_size` must be divisible by `num_heads`, got "
                              f"{e} and {heads}.")
        head_dim = e // heads
    value = args.get("value_dim")
    ev = value if isinstance(value, int) else e
    if ev % heads:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): `value_dim` must be divisible by `num_heads`, got {ev} "
                          f"and {heads}.")
    layer = args.get("layer_idx")
    if isinstance(layer, int) and layer != 0 and ev != e:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): value_dim={ev} differs from hidden_size={e} in layer "
                          f"{layer}: fla 0.6.0's initialisation sets v_lora's bias from a vector of hidden_size and "
                          "fails (The size of tensor a must match the size of tensor b).")
    env = {"E": e, "E_v": ev, "h": heads, "d_k": head_dim, "d_v": ev // heads,
           "r_w": _rank(args.get("decay_low_rank_dim"), e, head_dim, 2.5),
           "r_a": _rank(args.get("a_low_rank_dim"), e, head_dim, 2.5),
           "r_g": _rank(args.get("gate_low_rank_dim"), e, head_dim, 5, per_head=False)}
    if v_lora:
        env["r_v"] = _rank(args.get("v_low_rank_dim"), e, head_dim, 1.7)
    flags = {"v_lora": v_lora, "affine": bool(args.get("elementwise_affine", True))}
    return expand(ATTENTION, flags=flags, at=at), env


def feed_forward(ctx: LayerContext, e: int, ratio: Value, size: Value, act: Value, at: str
                 ) -> tuple[list[TensorSpec], dict[str, int]]:
    if act not in ACTIVATIONS:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): hidden_act {act!r} is not one of transformers' "
                          f"activations that RWKV uses ({', '.join(ACTIVATIONS)}).")
    if not isinstance(size, int):
        r = 4 if ratio is None else ratio
        if isinstance(r, bool) or not isinstance(r, (int, float)) or r <= 0:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): hidden_ratio must be a positive number (got {r!r}).")
        size = 32 * ((int(e * r) + 31) // 32)
    return expand(FFN, flags={}, at=at), {"F": size}


ACTIVATIONS = ("sqrelu", "relu", "gelu", "silu", "swish", "tanh", "sigmoid", "relu2")


def plan_attention(ctx: LayerContext) -> LayerPlan:
    if ctx.cfg("mode") not in ("chunk", "fused_recurrent"):
        raise ConfigError(f"{ctx.name} (RWKV7Attention): Not supported mode `{ctx.cfg('mode')}`.")
    layers = ctx.cfg("num_hidden_layers")
    if ctx.cfg("layer_idx") is not None and (not isinstance(layers, int) or layers < 2):
        raise ConfigError(f"{ctx.name} (RWKV7Attention): layer_idx={ctx.cfg('layer_idx')} needs num_hidden_layers "
                          f">= 2 (its initialisation divides by num_hidden_layers - 1; got {layers}).")
    # head_dim defaults to 64 and wins over num_heads (fla divides by head_dim first): num_heads counts only with
    # head_dim=None
    args = {**ctx.spec.config, "head_dim": ctx.cfg("head_dim")}
    tensors, env = attention(ctx, args, "", v_lora=ctx.cfg("layer_idx") != 0)
    shape = sequence_input(ctx, env["E"], "hidden_size", (None, None, env["E"]))
    states = {"state": (shape[0], env["h"], env["d_k"], env["E_v"] // env["h"]),
              "token_shift": (shape[0], env["E"])}  # the last token, which the next one's shift reads
    return LayerPlan(tuple(tensors), freeze(env), shape, shape, freeze(states), features=("E", E), time_axis=1,
                     notes=("rwkv7_attention",))


def plan_ffn(ctx: LayerContext) -> LayerPlan:
    e = ctx.int("hidden_size")
    if ctx.cfg("layer_idx") is None or not ctx.cfg("num_hidden_layers"):
        raise ConfigError(f"{ctx.name} (RWKV7FeedForward): give layer_idx and num_hidden_layers (its "
                          "initialisation divides layer_idx by num_hidden_layers; fla fails without them).")
    tensors, env = feed_forward(ctx, e, ctx.cfg("hidden_ratio"), ctx.cfg("intermediate_size"),
                                ctx.cfg("hidden_act"), "")
    shape = sequence_input(ctx, e, "hidden_size", (None, None, e))
    return LayerPlan(tuple(tensors), freeze({"E": e, **env}), shape, shape, features=("E", E), time_axis=1)


def _value(cfg: LayerSpec, key: str) -> Value:
    if key in cfg.config:
        return cfg.config[key]
    return next(p.default for p in CONFIG if p.name == key)  # type: ignore[return-value]


def plan_model(ctx: LayerContext) -> LayerPlan:
    lm = ctx.spec.type == "RWKV7ForCausalLM"
    cfg = ctx.cfg("config")
    if not isinstance(cfg, LayerSpec) or cfg.type != "RWKV7Config":
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): config must be an RWKV7Config(...) (got {cfg!r}).")
    if _value(cfg, "attn") is not None:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): attn= mixes softmax-attention layers into the stack "
                          "(fla's hybrid models); rnnparams counts the pure RWKV-7 stack only: leave attn=None.")
    e, n, vocab = (_int(ctx, cfg, k) for k in ("hidden_size", "num_hidden_layers", "vocab_size"))
    if n < 2:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): fla 0.6.0 cannot build a model of num_hidden_layers=1 "
                          "(its layer initialisation divides by num_hidden_layers - 1): use at least 2.")
    values = _value(cfg, "value_dim")
    if values is not None and not isinstance(values, (int, tuple)):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): value_dim must be an int or one per layer (got {values!r}).")
    value_dims = [e] * n if values is None else [values] * n if isinstance(values, int) else list(values)
    if len(value_dims) != n or not all(isinstance(v, int) and v >= e and v % e == 0 for v in value_dims):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): value_dim must be an int or one per layer, each at least "
                          f"hidden_size and divisible by it (got {values!r}).")
    bias = bool(_value(cfg, "norm_bias"))
    first = bool(_value(cfg, "norm_first"))
    root = "model." if lm else ""
    args = {k: _value(cfg, k) for k in ("hidden_size", "head_dim", "num_heads", "decay_low_rank_dim",
                                         "gate_low_rank_dim", "a_low_rank_dim", "v_low_rank_dim")}
    tied = lm and bool(_value(cfg, "tie_word_embeddings"))
    tensors = [TensorSpec(f"{root}embeddings.weight", (V, E), "tied_embedding" if tied else "embedding")]
    env: dict[str, int] = {"V": vocab, "L": n}
    family: list[tuple[Expr, tuple[TensorSpec, ...]]] = [(ONE, tuple(tensors))]
    for k in range(n):
        at = f"{root}layers.{k}."
        block: list[TensorSpec] = _norm("pre_norm", at, bias) if first and k == 0 else []
        block += _norm("attn_norm", at, bias)
        attn, attn_env = attention(ctx, {**args, "value_dim": value_dims[k], "layer_idx": k}, at + "attn.",
                                   v_lora=k != 0)
        ffn, ffn_env = feed_forward(ctx, e, _value(cfg, "hidden_ratio"), _value(cfg, "intermediate_size"),
                                    _value(cfg, "hidden_act"), at + "ffn.")
        block += attn + _norm("ffn_norm", at, bias) + ffn
        tensors += block
        env.update(attn_env)
        env.update(ffn_env)
        if k < 2:
            family.append((ONE if k == 0 else add(L, -1), tuple(block)))
    if len(set(value_dims)) > 1:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): a value_dim per layer that differs between layers is not "
                          "modelled (one E_v symbol); give one value_dim.")
    final = _norm("norm", root, bias)
    tensors += final
    family.append((ONE, tuple(final)))
    if lm and not tied:
        head = [TensorSpec("lm_head.weight", (V, E), "weight")]
        tensors += head
        family.append((ONE, tuple(head)))
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    if len(shape) != 2:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}) reads token ids (N, T), not a {len(shape)}-D tensor.")
    out: Shape = (*shape, vocab if lm else e)
    states = {"state": (n, shape[0], env["h"], env["d_k"], env["E_v"] // env["h"]),
              "token_shift": (n, shape[0], e), "ffn_token_shift": (n, shape[0], e)}  # each mix's last token
    return LayerPlan(tuple(tensors), freeze(env), shape, out, freeze(states), family=tuple(family),
                     features=(None, V if lm else E), time_axis=1, notes=("rwkv7_attention",), counts=("L",))


def _int(ctx: LayerContext, cfg: LayerSpec, key: str) -> int:
    value = _value(cfg, key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): RWKV7Config {key} must be a positive integer (got "
                          f"{value!r}).")
    return value


def plan_config(ctx: LayerContext) -> LayerPlan:
    raise ConfigError("RWKV7Config(...) is a configuration, not a module: pass it to RWKV7Model(...) or "
                      "RWKV7ForCausalLM(...).")


def _kw(name: str, default: Value, kind: str = ANY) -> Param:
    return Param(name, default, kind, positional=False)


CONFIG = (
    Param("attn_mode", "chunk", ANY), Param("hidden_size", 2048, SIZE), Param("hidden_ratio", 4, ANY),
    Param("intermediate_size", None, SIZE), Param("num_hidden_layers", 24, SIZE, maximum=MAX_STACKED_LAYERS),
    Param("head_dim", 64, INT),
    Param("num_heads", None, INT), Param("decay_low_rank_dim", 64, SIZE), Param("gate_low_rank_dim", 128, SIZE),
    Param("a_low_rank_dim", 64, SIZE), Param("v_low_rank_dim", 16, SIZE), Param("hidden_act", "sqrelu", ANY),
    Param("max_position_embeddings", 2048, ANY), Param("norm_first", True, BOOL), Param("norm_bias", True, BOOL),
    Param("norm_eps", 1e-5, FLOAT), Param("attn", None, ANY), Param("use_cache", True, BOOL),
    Param("pad_token_id", None, ANY), Param("bos_token_id", 1, ANY), Param("eos_token_id", 2, ANY),
    Param("tie_word_embeddings", False, BOOL), Param("initializer_range", 0.02, FLOAT),
    Param("fuse_norm", True, BOOL), Param("fuse_cross_entropy", True, BOOL),
    Param("fuse_linear_cross_entropy", False, BOOL), Param("use_l2warp", True, BOOL),
    Param("vocab_size", 32000, SIZE), Param("value_dim", None, ANY),
)
ATTENTION_PARAMS = (
    Param("mode", "chunk", ANY), Param("hidden_size", 1024, SIZE), Param("head_dim", 64, INT),
    Param("num_heads", None, INT), Param("decay_low_rank_dim", None, SIZE), Param("gate_low_rank_dim", None, SIZE),
    Param("a_low_rank_dim", None, SIZE), Param("v_low_rank_dim", None, SIZE), Param("elementwise_affine", True, BOOL),
    Param("norm_eps", 1e-5, FLOAT), Param("layer_idx", None, INT), Param("fuse_norm", False, BOOL),
    Param("value_dim", None, SIZE), Param("num_hidden_layers", None, INT),
)
FFN_PARAMS = (Param("hidden_size", kind=SIZE), Param("hidden_ratio", None, ANY), Param("intermediate_size", None, SIZE),
              Param("hidden_act", "sqrelu", ANY), Param("layer_idx", None, INT), Param("num_hidden_layers", None, INT))
WORDS = {
    "E": ("model width (hidden_size)", "模型宽度（hidden_size）"),
    "E_v": ("value width (value_dim; default hidden_size)", "值的宽度（value_dim；默认等于 hidden_size）"),
    "h": ("heads, hidden_size / head_dim", "头数，hidden_size / head_dim"),
    "d_k": ("key size per head (head_dim)", "每头的键维度（head_dim）"),
    "d_v": ("value size per head, E_v / h", "每头的值维度，E_v / h"),
    "F": ("channel-mix width: intermediate_size, or E × hidden_ratio rounded up to a multiple of 32",
          "通道混合的宽度：intermediate_size，或 E × hidden_ratio 向上取整到 32 的倍数"),
    "r_w": ("decay LoRA rank", "衰减 LoRA 的秩"), "r_v": ("value-residual LoRA rank", "值残差 LoRA 的秩"),
    "r_a": ("in-context learning-rate LoRA rank", "上下文学习率 LoRA 的秩"), "r_g": ("gate LoRA rank", "门 LoRA 的秩"),
    "token_shift": ("Token-shift mixing coefficients", "token shift 的混合系数"),
    "key_scale": ("Key and receptance scales (k_k, k_a, r_k)", "键与接收度的缩放（k_k、k_a、r_k）"),
    "lora": ("Low-rank (LoRA) projections of w, v, a, g", "w、v、a、g 的低秩（LoRA）投影"),
    "lora_bias": ("Biases of the w, v, a LoRAs", "w、v、a 三个 LoRA 的偏置"),
    "tied_embedding": ("Token embedding, tied to the head (tie_word_embeddings)",
                       "词嵌入，与输出头共享（tie_word_embeddings）"),
    "rwkv7_attention": (
        "RWKV-7 keeps no attention cache: its state is one d_k × d_v matrix per head and layer, so the state does "
        "not grow with the sequence; layer 0 has no value-residual LoRA (v_lora), every later layer has one.",
        "RWKV-7 没有注意力缓存：它的状态是每层每个头一个 d_k × d_v 的矩阵，不随序列变长；"
        "第 0 层没有值残差 LoRA(v_lora)，之后每层都有。"),
}
LAYER_NOTE = ("an RWKV-7 layer's index only sets initial values, besides layer 0 having no v_lora: read as layer "
              "{k} of 2")


def recognise_attention(group: TensorGroup) -> Recognised | None:
    """An RWKV7Attention from its own tensors: E and E_v from the projections, h × d_k from r_k, the LoRA ranks
    from their first matrices; without v_lora it is layer 0."""
    leaves = group.leaves
    known = {t.name.format(at="") for t in ATTENTION}
    r_k, v = leaves.get("r_k"), leaves.get("v_proj.weight")
    if not set(leaves) <= known or "x_r" not in leaves or r_k is None or v is None or len(r_k) != 2 or len(v) != 2:
        return None
    try:
        ranks = {key: leaves[f"{n}_lora.lora.0.weight"][0] for n, key in (
            ("w", "decay_low_rank_dim"), ("a", "a_low_rank_dim"), ("g", "gate_low_rank_dim"))}
    except KeyError:
        return None
    v_lora = "v_lora.lora.0.weight" in leaves
    if v_lora:
        ranks["v_low_rank_dim"] = leaves["v_lora.lora.0.weight"][0]
    e, ev = v[1], v[0]
    layer = 1 if v_lora else 0
    config = {"hidden_size": e, "head_dim": r_k[1], **ranks, "value_dim": None if ev == e else ev,
              "elementwise_affine": "g_norm.weight" in leaves, "layer_idx": layer, "num_hidden_layers": 2}
    return Recognised(config, note=LAYER_NOTE.format(k=layer))


def recognise_ffn(group: TensorGroup) -> Recognised | None:
    """An RWKV7FeedForward: x_k, key (F, E), value (E, F)."""
    leaves = group.leaves
    key = leaves.get("key.weight")
    if set(leaves) != {"x_k", "key.weight", "value.weight"} or key is None or len(key) != 2:
        return None
    return Recognised({"hidden_size": key[1], "intermediate_size": key[0], "layer_idx": 0, "num_hidden_layers": 1})


LAYERS = {c.type_name: c for c in (
    replace(entry("RWKV7Attention", ATTENTION_PARAMS, plan_attention, words=WORDS, work=WORK),
            recognise=recognise_attention),
    replace(entry("RWKV7FeedForward", FFN_PARAMS, plan_ffn, words=WORDS, recurrent=False, work=FFN_WORK),
            recognise=recognise_ffn),
    *(entry(name, (Param("config", kind=LAYER),), plan_model, words=WORDS, work=WORK) for name in (
        "RWKV7Model", "RWKV7ForCausalLM")),
    entry("RWKV7Config", tuple(Param(p.name, p.default, p.kind, positional=False, maximum=p.maximum) for p in CONFIG),
          plan_config, words=WORDS, recurrent=False, argument_only=True),
)}

FLA = FrameworkConvention(
    id="fla", display="flash-linear-attention (fla)", layers=LAYERS, runtime=SEQUENCE_RUNTIME,
    prefixes=("fla.layers.rwkv7.", "fla.models.rwkv7.", "fla.layers.", "fla.models.", "fla."), naming="index",
    verified_with=(("fla-core", "0.6.0"), ("flash-linear-attention", "0.6.0"), ("torch", "2.13.0")),
    syntax="RWKV7ForCausalLM(RWKV7Config(hidden_size=768, num_hidden_layers=12, vocab_size=65536))",
    short="fla", write_prefix="", checkpoint_path=torch_path,
)

__all__ = ["FLA", "LAYERS"]
