"""xLSTM (Beck et al. 2024) as the `xlstm` package (NX-AI, 2.0.6) builds it: mLSTM and sLSTM layers, their
pre-norm residual blocks, `xLSTMBlockStack` and `xLSTMLMModel`, configured by the package's dataclasses.

The configs are written as calls, as in Python: `xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block=
mLSTMBlockConfig(mlstm=mLSTMLayerConfig(num_heads=4)), slstm_block=sLSTMBlockConfig(), num_blocks=7,
embedding_dim=128, slstm_at=[1], context_length=256))`. The stack's __post_init__ rules: its embedding_dim,
bias, dropout and context_length overwrite the blocks' own; without an mLSTM block every block is an sLSTM
block. An up-projection of width E·pf is rounded up to a multiple of 64 (`round_proj_up_to_multiple_of`).

mLSTM layer (E → U = up(E, proj_factor=2)): `proj_up` (2·U, E), headwise `q_proj`/`k_proj`/`v_proj`
(Q, b, b) with Q = U // qkv_proj_blocksize heads of b = U/Q, a depthwise causal `conv1d.conv` (U, 1, K) + bias,
the cell's `igate`/`fgate` (h, 3·U) + bias (h) on [q, k, v] and its multi-head norm `outnorm` (U),
`learnable_skip` (U) and `proj_down` (E, U); `bias=True` adds the projections' biases.
sLSTM layer (E, h_s heads of d_s = E/h_s): an optional conv (E, 1, K) + bias, headwise gates
`fgate/igate/zgate/ogate` (h_s, d_s, d_s), the cell's `_recurrent_kernel_` (h_s, 4·d_s, d_s) on the pure-PyTorch
"vanilla" backend ((h_s, d_s, 4·d_s) on "cuda") and `_bias_` (4·E), and `group_norm` (E). The sLSTM block adds a
gated feed-forward: `ffn_norm` (E), `ffn.proj_up` (2·F, E), `ffn.proj_down` (E, F), F = up(E, 1.3).
Every block has `xlstm_norm` (E); the stack `post_blocks_norm` (E); the LM `token_embedding` and `lm_head`
(V, E), one tensor with tie_weights=True. The norms have no bias (the package's LayerNorm(bias=False)).
"""

from __future__ import annotations

import math
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

E, U, Q, B, HM, K, DH = (Sym(n) for n in ("E", "U", "Q", "b", "h", "K", "d_h"))
HS, DS, F, V = (Sym(n) for n in ("h_s", "d_s", "F", "V"))
NM, NS = Sym("n_m"), Sym("n_s")

NORM = TensorTemplate("{at}xlstm_norm.weight", (E,), "norm")
MLSTM = (
    TensorTemplate("{at}{x}learnable_skip", (U,), "skip"),
    TensorTemplate("{at}{x}proj_up.weight", (mul(2, U), E), "weight"),
    TensorTemplate("{at}{x}proj_up.bias", (mul(2, U),), "bias", when="bias"),
    *(t for n in ("q", "k", "v") for t in (
        TensorTemplate(f"{{at}}{{x}}{n}_proj.weight", (Q, B, B), "qkv_weights"),
        TensorTemplate(f"{{at}}{{x}}{n}_proj.bias", (U,), "bias", when="bias"))),
    TensorTemplate("{at}{x}conv1d.conv.weight", (U, Const(1), K), "conv"),
    TensorTemplate("{at}{x}conv1d.conv.bias", (U,), "conv_bias"),
    *(t for n in ("igate", "fgate") for t in (
        TensorTemplate(f"{{at}}{{x}}mlstm_cell.{n}.weight", (HM, mul(3, U)), "gates"),
        TensorTemplate(f"{{at}}{{x}}mlstm_cell.{n}.bias", (HM,), "bias"))),
    TensorTemplate("{at}{x}mlstm_cell.outnorm.weight", (U,), "norm"),
    TensorTemplate("{at}{x}proj_down.weight", (E, U), "weight"),
    TensorTemplate("{at}{x}proj_down.bias", (E,), "bias", when="bias"),
)
SLSTM = (
    TensorTemplate("{at}{x}conv1d.conv.weight", (E, Const(1), Sym("K_s")), "conv", when="conv"),
    TensorTemplate("{at}{x}conv1d.conv.bias", (E,), "conv_bias", when="conv"),
    *(TensorTemplate(f"{{at}}{{x}}{g}gate.weight", (HS, DS, DS), "input_weights") for g in "fizo"),
    TensorTemplate("{at}{x}slstm_cell._recurrent_kernel_", (HS, mul(4, DS), DS), "recurrent_kernel",
                   when="vanilla"),
    TensorTemplate("{at}{x}slstm_cell._recurrent_kernel_", (HS, DS, mul(4, DS)), "recurrent_kernel", when="cuda"),
    TensorTemplate("{at}{x}slstm_cell._bias_", (mul(4, E),), "bias"),
    TensorTemplate("{at}{x}group_norm.weight", (E,), "norm", when="gn"),
)
FFN = (
    TensorTemplate("{at}ffn_norm.weight", (E,), "norm"),
    TensorTemplate("{at}ffn.proj_up.weight", (mul(2, F), E), "ffn"),
    TensorTemplate("{at}ffn.proj_up.bias", (mul(2, F),), "bias", when="ff_bias"),
    TensorTemplate("{at}ffn.proj_down.weight", (E, F), "ffn"),
    TensorTemplate("{at}ffn.proj_down.bias", (E,), "bias", when="ff_bias"),
)
POST = (TensorTemplate("post_blocks_norm.weight", (E,), "norm"),)
LM = (TensorTemplate("token_embedding.weight", (V, E), "embedding", when="untied"),
      TensorTemplate("token_embedding.weight", (V, E), "tied_embedding", when="tied"),
      TensorTemplate("lm_head.weight", (V, E), "weight", when="untied"))

TOKEN_PRODUCTS = frozenset({"weight", "qkv_weights", "gates", "input_weights", "recurrent_kernel", "ffn",
                            "tied_embedding"})
"""The weights a token multiplies once (every projection, the headwise q/k/v and sLSTM gate blocks as stored, the
sLSTM recurrent kernel's h_s blocks, the head; a tied head multiplies by the embedding's matrix); not the
depthwise convolution, the skip, the norms or the embedding lookup."""
CONV = frozenset({"conv"})
MLSTM_MIXER = Mixer(conv_roles=CONV, scan_macs=mul(HM, add(mul(2, DH, DH), DH)),
                    scan_flops=mul(HM, add(mul(3, DH, DH), mul(5, DH), 13)))
"""The mLSTM cell's recurrent step (backends.recurrent_step_stabilized_simple), per head of d_h = U/h: the
contractions k·vᵀ (d_h², a matmul), qᵀ·C (d_h²) and qᵀ·n (d_h); elementwise, per head, logsigmoid(f) (1),
m' = max(log f + m, i) (2), f' = exp(log f + m − m') (3), i' = exp(i − m') (2), exp(−m') (2) and
max(|qᵀn|, exp(−m')) + ε (3): 13; per head and d_h, k/√d_h (1), n' = f'·n + i'·k (3), h = h_num / denominator
(1): 5; per head and d_h², C' = f'·C + i'·(k·vᵀ) (3). The projections and the igate/fgate linears are weight
products; the output norm, the skip and the SiLU gates are not counted."""
SLSTM_MIXER = Mixer(conv_roles=CONV, scan_flops=mul(27, E))
"""The sLSTM cell's pointwise step on the vanilla backend (src/vanilla/slstm.py), per hidden unit: Wx + Ry + b for
four gates (8), m + logsigmoid(f) (2), the n == 0 test (1) and max(i, log f + m) (1; the first step from a zero
state takes i as it is), σ(o) (1), min(exp(i − m'), 1) and min(exp(log f + m − m'), 1) (6), c' = f·c + i·tanh(z) (4),
n' = f·n + i (2), y = o·c'/n' (2): 27. The recurrent kernel R·h (h_s blocks of 4·d_s × d_s) is a weight product."""
STACK_WORK = Work(token_products=TOKEN_PRODUCTS, mixers=(("n_m", MLSTM_MIXER), ("n_s", SLSTM_MIXER)))
MLSTM_WORK = Work(token_products=TOKEN_PRODUCTS, mixers=((None, MLSTM_MIXER),))
SLSTM_WORK = Work(token_products=TOKEN_PRODUCTS, mixers=((None, SLSTM_MIXER),))


# --- the configs: read with the package's defaults and __post_init__ rules ----------------------------------

def value(spec: LayerSpec, key: str) -> Value:
    """An argument of a config call, or the config's default."""
    if key in spec.config:
        return spec.config[key]
    param = next(p for p in LAYERS[spec.type].params if p.name == key)
    return param.default  # type: ignore[return-value]


def integer(spec: LayerSpec, key: str) -> int:
    raw = value(spec, key)
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ConfigError(f"{spec.type}: {key} must be an integer (got {raw!r}).")
    return raw


def nested(spec: LayerSpec, key: str) -> LayerSpec | None:
    inner = value(spec, key)
    return inner if isinstance(inner, LayerSpec) else None


def up_dim(spec: LayerSpec, width: int) -> int:
    """UpProjConfigMixin._set_proj_up_dim: proj_factor · width rounded (up, by default) to a multiple."""
    multiple = integer(spec, "round_proj_up_to_multiple_of")
    factor = value(spec, "proj_factor")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)):
        raise ConfigError(f"{spec.type}: proj_factor must be a number (got {factor!r}).")
    times = factor * width / multiple
    return int((math.ceil(times) if value(spec, "round_proj_up_dim_up") else math.floor(times)) * multiple)


def _fail(ctx: LayerContext, message: str) -> ConfigError:
    return ConfigError(f"{ctx.name} ({ctx.spec.type}): {message}")


def _headwise(ctx: LayerContext, what: str, features: int, heads: int) -> None:
    """LinearHeadwiseExpandConfig's assertions."""
    if heads <= 0 or heads > features or features % heads:
        raise _fail(ctx, f"{what}: {features} features cannot be split into {heads} heads (LinearHeadwiseExpand "
                         "needs 0 < num_heads <= in_features and in_features a multiple of num_heads).")


def mlstm_layer(ctx: LayerContext, cfg: LayerSpec, e: int, *, bias: bool, context: int, at: str, x: str
                ) -> tuple[list[TensorSpec], dict[str, int]]:
    u = up_dim(cfg, e)
    q = u // integer(cfg, "qkv_proj_blocksize")
    _headwise(ctx, f"mLSTM q/k/v projections (U={u}, qkv_proj_blocksize={value(cfg, 'qkv_proj_blocksize')})", u, q)
    kernel = integer(cfg, "conv1d_kernel_size")
    if kernel <= 0:
        raise _fail(ctx, f"the mLSTM layer's CausalConv1d needs conv1d_kernel_size > 0 (got {kernel}; with 0 its "
                         "reset_parameters fails on the missing conv).")
    if context < 0:
        raise _fail(ctx, f"the mLSTM cell's causal mask is (context_length, context_length); give context_length "
                         f">= the sequence length (got {context}).")
    heads = integer(cfg, "num_heads")
    tensors = expand(MLSTM, flags={"bias": bias}, at=at, x=x)
    return tensors, {"U": u, "Q": q, "b": u // q, "h": heads, "d_h": u // heads, "K": kernel}


def slstm_layer(ctx: LayerContext, cfg: LayerSpec, e: int, *, at: str, x: str
                ) -> tuple[list[TensorSpec], dict[str, int]]:
    heads = integer(cfg, "num_heads")
    heads = heads if heads > 0 else 1
    _headwise(ctx, f"sLSTM gates (embedding_dim={e}, num_heads={heads})", e, heads)
    kernel = integer(cfg, "conv1d_kernel_size")
    backend = value(cfg, "backend")
    if backend not in ("vanilla", "cuda"):
        raise _fail(ctx, f'sLSTMCell unknown backend {backend}, choose from ["cuda", "vanilla"]')
    flags = {"conv": kernel > 0, "vanilla": backend == "vanilla", "cuda": backend == "cuda",
             "gn": bool(value(cfg, "group_norm_weight"))}
    return expand(SLSTM, flags=flags, at=at, x=x), {"h_s": heads, "d_s": e // heads, **({"K_s": kernel} if kernel > 0
                                                                                             else {})}


def ffn(cfg: LayerSpec, e: int, at: str) -> tuple[list[TensorSpec], dict[str, int]]:
    act = value(cfg, "act_fn")
    if act not in ACTIVATIONS:
        raise ConfigError(f"FeedForwardConfig: Unknown activation function {act}")
    return expand(FFN, flags={"ff_bias": bool(value(cfg, "bias"))}, at=at), {"F": up_dim(cfg, e)}


def block(ctx: LayerContext, kind: str, cfg: LayerSpec, e: int, *, bias: bool, context: int, at: str
          ) -> tuple[list[TensorSpec], dict[str, int]]:
    """One mLSTM or sLSTM block (pre-norm, residual): its layer config is `cfg.mlstm` / `cfg.slstm`."""
    tensors = expand((NORM,), flags={}, at=at)
    if kind == "m":
        layer = nested(cfg, "mlstm") or DEFAULTS["mLSTMLayerConfig"]
        inner, env = mlstm_layer(ctx, layer, e, bias=bias, context=context, at=at, x="xlstm.")
        return tensors + inner, env
    layer = nested(cfg, "slstm") or DEFAULTS["sLSTMLayerConfig"]
    inner, env = slstm_layer(ctx, layer, e, at=at, x="xlstm.")
    ff = nested(cfg, "feedforward")
    if ff is not None:
        more, ff_env = ffn(ff, e, at)
        inner, env = inner + more, {**env, **ff_env}
    return tensors + inner, env


def block_map(ctx: LayerContext, stack: LayerSpec) -> list[str]:
    """xLSTMBlockStackConfig._create_block_map: "m" everywhere, "s" at slstm_at (all of them without an mLSTM
    block config)."""
    n = value(stack, "num_blocks")
    assert isinstance(n, int)
    at = value(stack, "slstm_at")
    if nested(stack, "mlstm_block") is None or at == "all":
        if nested(stack, "slstm_block") is None:
            raise _fail(ctx, "every block is an sLSTM block (no mlstm_block, or slstm_at='all') but slstm_block is "
                             "None: xLSTMBlockStack would build sLSTMBlock(None) and fail; give slstm_block="
                             "sLSTMBlockConfig(...) or an mlstm_block.")
        return ["s"] * n
    if isinstance(at, int) and not isinstance(at, bool):
        at = (at,)
    positions = [k for k in at if isinstance(k, int) and not isinstance(k, bool)] if isinstance(at, tuple) else []
    if not isinstance(at, tuple) or len(positions) != len(at):
        raise _fail(ctx, f"slstm_at must be a list of block indices or 'all' (got {at!r}).")
    kinds = ["m"] * n
    for k in positions:
        if not -n <= k < n:
            raise _fail(ctx, f"Invalid slstm position {k} (num_blocks={n}).")
        kinds[k] = "s"
    if "s" in kinds and nested(stack, "slstm_block") is None:
        raise _fail(ctx, "slstm_at places sLSTM blocks but slstm_block is None.")
    return kinds


# --- the modules ---------------------------------------------------------------------------------------------

def _config(ctx: LayerContext, *types: str) -> LayerSpec:
    cfg = ctx.cfg("config")
    if not isinstance(cfg, LayerSpec) or cfg.type not in types:
        raise _fail(ctx, f"config must be a {' or '.join(types)}(...) (got {cfg!r}).")
    return cfg


def plan_stack(ctx: LayerContext) -> LayerPlan:
    lm = ctx.spec.type == "xLSTMLMModel"
    stack = _config(ctx, "xLSTMLMModelConfig" if lm else "xLSTMBlockStackConfig", "xLSTMLMModelConfig")
    e, context = integer(stack, "embedding_dim"), integer(stack, "context_length")
    if e <= 0:
        raise _fail(ctx, f"embedding_dim must be positive (got {e}).")
    bias = bool(value(stack, "bias"))
    kinds = block_map(ctx, stack)
    tensors: list[TensorSpec] = []
    env: dict[str, int] = {"E": e}
    firsts: dict[str, list[TensorSpec]] = {}
    for k, kind in enumerate(kinds):
        cfg = nested(stack, "mlstm_block" if kind == "m" else "slstm_block")
        assert cfg is not None or kind == "s"
        part, part_env = block(ctx, kind, cfg or DEFAULTS["sLSTMBlockConfig"], e, bias=bias, context=context,
                               at=f"{'xlstm_block_stack.' if lm else ''}blocks.{k}.")
        tensors += part
        env.update(part_env)
        firsts.setdefault(kind, part)
    post = expand(POST, flags={}, at="") if value(stack, "add_post_blocks_norm") else []
    if lm:
        post = [TensorSpec("xlstm_block_stack." + t.name, t.shape, t.role) for t in post]
    tensors += post
    family: list[tuple[Expr, tuple[TensorSpec, ...]]] = []
    for kind, count in (("m", NM), ("s", NS)):
        if kind in firsts:
            env[count.name] = kinds.count(kind)
            family.append((count, tuple(firsts[kind])))
    if post:
        family.append((Const(1), tuple(post)))
    if lm:
        vocab = integer(stack, "vocab_size")
        if vocab <= 0:
            raise _fail(ctx, f"vocab_size must be positive (got {vocab}): nn.Embedding needs num_embeddings > 0.")
        tied = bool(value(stack, "tie_weights"))
        head = expand(LM, flags={"untied": not tied, "tied": tied})
        tensors += head  # xLSTMLMModel registers its stack first, then token_embedding and lm_head
        family.insert(0, (Const(1), tuple(head)))
        env["V"] = vocab
        shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
        if len(shape) != 2:
            raise ShapeError(f"{ctx.name} (xLSTMLMModel) reads token ids (N, T), not a {len(shape)}-D tensor.")
        out: Shape = (*shape, vocab)
    else:
        shape = sequence_input(ctx, e, "embedding_dim", (None, None, e))
        out = shape
    _context(ctx, kinds, shape[1], context)
    states = _states(env, kinds.count("m"), kinds.count("s"))
    return LayerPlan(tuple(tensors), freeze(env), shape, out, states, warnings=_kernel_one(ctx, env),
                     family=tuple(family),
                     features=(None, V) if lm else ("E", E), time_axis=1, notes=_notes(env),
                     counts=tuple(c.name for c in (NM, NS) if c.name in env))


def _context(ctx: LayerContext, kinds: list[str], steps: int | None, context: int) -> None:
    if "m" in kinds and steps is not None and steps > context:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the mLSTM cell's causal mask covers context_length="
                         f"{context} steps; a sequence of {steps} does not fit (give context_length >= {steps}).")


def plan_block(ctx: LayerContext) -> LayerPlan:
    """mLSTMBlock / sLSTMBlock, and mLSTMLayer / sLSTMLayer (no norm, no feed-forward): their own config's
    embedding_dim, bias and context_length."""
    kind = ctx.spec.type[0]
    layer_only = ctx.spec.type.endswith("Layer")
    want = f"{kind}LSTMLayerConfig" if layer_only else f"{kind}LSTMBlockConfig"
    cfg = _config(ctx, want)
    inner = cfg if layer_only else (nested(cfg, "mlstm" if kind == "m" else "slstm")
                                    or DEFAULTS[f"{kind}LSTMLayerConfig"])
    e = integer(inner, "embedding_dim")
    if e <= 0:
        raise _fail(ctx, f"embedding_dim must be set in the layer config (got {e}).")
    context = integer(inner, "context_length") if kind == "m" else 0
    bias = bool(value(inner, "bias")) if kind == "m" else False
    if layer_only:
        if kind == "m":
            tensors, env = mlstm_layer(ctx, inner, e, bias=bias, context=context, at="", x="")
        else:
            tensors, env = slstm_layer(ctx, inner, e, at="", x="")
    else:
        if value(cfg, "_num_blocks") is None:
            raise _fail(ctx, f"{cfg.type} needs _num_blocks when the block stands alone (xLSTMBlockStack sets it; "
                             "the block's initialisation divides by it): give _num_blocks=1.")
        tensors, env = block(ctx, kind, cfg, e, bias=bias, context=context, at="")
    shape = sequence_input(ctx, e, "embedding_dim", (None, None, e))
    if kind == "m":
        _context(ctx, ["m"], shape[1], context)
    states = _states({"E": e, **env}, int(kind == "m"), int(kind == "s"))
    return LayerPlan(tuple(tensors), freeze({"E": e, **env}), shape, shape, states, warnings=_kernel_one(ctx, env),
                     features=("E", E), time_axis=1, notes=_notes(env))


def _states(env: Mapping[str, int], m: int, s: int) -> Mapping[str, Shape]:
    """What `step` carries per sequence (the batch left free) for m mLSTM and s sLSTM blocks: each mLSTM cell's
    memory C (h, d_h, d_h), normalizer n (h, d_h, 1) and stabilizer m (h, 1, 1) and its conv window (K, U); each
    sLSTM cell's y, c, n, m (4, E) and its conv window (K_s, E) when it has a convolution."""
    states: dict[str, Shape] = {}
    if m:
        h, d = env["h"], env["d_h"]
        states.update({"mlstm_C": (m, None, h, d, d), "mlstm_n": (m, None, h, d, 1), "mlstm_m": (m, None, h, 1, 1),
                       "mlstm_conv": (m, None, env["K"], env["U"])})
    if s:
        states["slstm_state"] = (s, 4, None, env["E"])
        if "K_s" in env:
            states["slstm_conv"] = (s, None, env["K_s"], env["E"])
    return freeze(states)


def _notes(env: Mapping[str, int]) -> tuple[str, ...]:
    return (*(("xlstm_mlstm",) if "U" in env else ()), *(("xlstm_slstm",) if "h_s" in env else ()),
            "xlstm_norms")


def _kernel_one(ctx: LayerContext, env: Mapping[str, int]) -> tuple[str, ...]:
    if 1 not in (env.get("K"), env.get("K_s")):
        return ()
    return (f"{ctx.name} ({ctx.spec.type}): conv1d_kernel_size=1 builds, but xlstm 2.0.6's CausalConv1d then cuts "
            "its output to y[..., :-0], an empty sequence, and the forward pass fails; use 0 (no convolution, "
            "sLSTM) or at least 2.",)


def plan_config(ctx: LayerContext) -> LayerPlan:
    raise ConfigError(f"{ctx.spec.type}(...) is a configuration, not a module: pass it to the module it "
                      "configures (xLSTMBlockStack(xLSTMBlockStackConfig(...)), mLSTMBlock(mLSTMBlockConfig(...))).")


ACTIVATIONS = ("gelu", "relu", "relu^2", "sigmoid", "swish", "selu")
_UP = (Param("round_proj_up_dim_up", True, BOOL, positional=False),
       Param("round_proj_up_to_multiple_of", 64, SIZE, positional=False))


def _kw(name: str, default: Value, kind: str = ANY) -> Param:
    return Param(name, default, kind, positional=False)


_CELL_IGNORED = frozenset({"num_states", "function", "bias_init", "recurrent_weight_init", "num_gates",
                           "gradient_recurrent_cut", "gradient_recurrent_clipval", "forward_clipval", "batch_size",
                           "input_shape", "internal_input_shape", "output_shape", "constants", "dtype", "dtype_b",
                           "dtype_r", "dtype_w", "dtype_g", "dtype_s", "dtype_a", "enable_automatic_mixed_precision",
                           "initial_val", "hidden_size", "_block_idx", "_num_blocks"})
CONFIGS: Mapping[str, tuple[Param, ...]] = {
    "mLSTMLayerConfig": (_kw("proj_factor", 2.0, FLOAT), *_UP, _kw("conv1d_kernel_size", 4, INT),
                         _kw("qkv_proj_blocksize", 4, SIZE), _kw("num_heads", 4, SIZE),
                         _kw("embedding_dim", -1, INT), _kw("bias", False, BOOL), _kw("dropout", 0.0, FLOAT),
                         _kw("context_length", -1, INT)),
    "sLSTMLayerConfig": (_kw("num_heads", 4, INT), _kw("backend", "cuda"), _kw("embedding_dim", -1, INT),
                         _kw("conv1d_kernel_size", 4, INT), _kw("group_norm_weight", True, BOOL),
                         _kw("dropout", 0.0, FLOAT)),
    "FeedForwardConfig": (_kw("proj_factor", 1.3, FLOAT), *_UP, _kw("act_fn", "gelu"),
                          _kw("embedding_dim", -1, INT), _kw("dropout", 0.0, FLOAT), _kw("bias", False, BOOL),
                          _kw("ff_type", "ffn_gated")),
}
DEFAULTS = {name: LayerSpec(name) for name in (*CONFIGS, "mLSTMBlockConfig", "sLSTMBlockConfig")}
_STACK = (Param("mlstm_block", None, LAYER, positional=False), Param("slstm_block", None, LAYER, positional=False),
          _kw("context_length", -1, INT), Param("num_blocks", 1, SIZE, positional=False, maximum=MAX_STACKED_LAYERS),
          _kw("embedding_dim", 128, INT),
          _kw("add_post_blocks_norm", True, BOOL), _kw("bias", False, BOOL), _kw("dropout", 0.0, FLOAT),
          _kw("slstm_at", ()))
CONFIGS = {**CONFIGS,
           "mLSTMBlockConfig": (Param("mlstm", DEFAULTS["mLSTMLayerConfig"], LAYER, positional=False),
                                _kw("_num_blocks", None, INT)),
           "sLSTMBlockConfig": (Param("slstm", DEFAULTS["sLSTMLayerConfig"], LAYER, positional=False),
                                Param("feedforward", DEFAULTS["FeedForwardConfig"], LAYER, positional=False),
                                _kw("_num_blocks", None, INT)),
           "xLSTMBlockStackConfig": _STACK,
           "xLSTMLMModelConfig": (*_STACK, _kw("vocab_size", -1, INT), _kw("tie_weights", False, BOOL),
                                  _kw("weight_decay_on_embedding", False, BOOL),
                                  _kw("add_embedding_dropout", False, BOOL))}
WORDS = {
    "E": ("embedding size (embedding_dim)", "嵌入维度（embedding_dim）"),
    "U": ("mLSTM inner width: up(E · proj_factor) to a multiple of 64",
          "mLSTM 内部宽度：E · proj_factor 向上取整到 64 的倍数"),
    "Q": ("heads of the q/k/v projections, U // qkv_proj_blocksize", "q/k/v 投影的头数，U // qkv_proj_blocksize"),
    "b": ("features per q/k/v projection head, U / Q", "每个 q/k/v 投影头的特征数，U / Q"),
    "h": ("mLSTM cell heads (num_heads)", "mLSTM 单元的头数（num_heads）"),
    "d_h": ("mLSTM cell head size, U / h (its memory C is d_h × d_h per head)",
            "mLSTM 单元每头维度，U / h（每头的记忆 C 为 d_h × d_h）"),
    "K": ("causal convolution kernel (conv1d_kernel_size)", "因果卷积核大小（conv1d_kernel_size）"),
    "h_s": ("sLSTM heads (num_heads)", "sLSTM 头数（num_heads）"),
    "K_s": ("sLSTM causal convolution kernel (conv1d_kernel_size)", "sLSTM 因果卷积核大小（conv1d_kernel_size）"),
    "d_s": ("sLSTM head size, E / h_s", "sLSTM 每头维度，E / h_s"),
    "F": ("feed-forward width: up(E · 1.3) to a multiple of 64", "前馈层宽度：E · 1.3 向上取整到 64 的倍数"),
    "n_m": ("mLSTM blocks", "mLSTM 块数"), "n_s": ("sLSTM blocks", "sLSTM 块数"),
    "skip": ("Learnable skip (learnable_skip)", "可学习的跳连（learnable_skip）"),
    "qkv_weights": ("Headwise q, k, v projections (block-diagonal)", "按头分块的 q、k、v 投影（块对角）"),
    "conv": ("Causal depthwise convolution", "因果逐通道卷积"),
    "conv_bias": ("Causal convolution bias", "因果卷积的偏置"),
    "tied_embedding": ("Token embedding, tied to the head (tie_weights)", "词嵌入，与输出头共享（tie_weights）"),
    "gates": ("Input and forget gates (one per head, from [q, k, v])", "输入门和遗忘门（每头一个，读 [q, k, v]）"),
    "ffn": ("Gated feed-forward", "门控前馈层"),
    "recurrent_kernel": ("sLSTM recurrent kernel (block-diagonal: one d_s × 4·d_s block per head)",
                         "sLSTM 循环核（块对角：每个头一块 d_s × 4·d_s）"),
    "xlstm_mlstm": (
        "mLSTM: proj_up doubles to 2·U = 2 × {U} (the cell's input and the output gate z); U = E · proj_factor "
        "rounded up to a multiple of round_proj_up_to_multiple_of (64 by default), so U is often more than "
        "E · proj_factor. Its memory is a matrix per head, updated without recurrent weights.",
        "mLSTM：proj_up 输出 2·U = 2 × {U}（单元的输入与输出门 z）；U = E · proj_factor 向上取整到 "
        "round_proj_up_to_multiple_of（默认 64）的倍数，所以常常大于 E · proj_factor。"
        "它的记忆是每个头一个矩阵，更新时不用循环权重。"),
    "xlstm_slstm": (
        "sLSTM: the four gates i, f, z, o read x_t through headwise (block-diagonal) maps and h_{{t−1}} through "
        "a recurrent kernel of h_s = {h_s} blocks, so a gate costs 2 × E × d_s, not E × E.",
        "sLSTM：i、f、z、o 四个门通过按头分块（块对角）的映射读 x_t，通过 h_s = {h_s} 块的循环核读 h_{{t−1}}，"
        "所以每个门是 2 × E × d_s 个参数，而不是 E × E。"),
    "xlstm_norms": (
        "The package's LayerNorms keep a weight and no bias (bias=False), stored as an offset from 1.",
        "该包的 LayerNorm 只有权重、没有偏置（bias=False），权重以相对 1 的偏移保存。"),
}
def _factor(width: int, up: int) -> dict[str, object]:
    """proj_factor and rounding that give back `up` from `width` exactly, by up_dim's own arithmetic."""
    factor = up / width
    return {"proj_factor": factor, "round_proj_up_to_multiple_of": 1, "round_proj_up_dim_up": factor * width <= up}


def _call(name: str, config: Mapping[str, object]) -> dict[str, object]:
    return {"class_name": name, "config": dict(config)}


def _mlstm(leaves: Mapping[str, tuple[int, ...]], x: str, e: int) -> dict[str, object] | None:
    down, q, conv, gate = (leaves.get(x + n) for n in ("proj_down.weight", "q_proj.weight", "conv1d.conv.weight",
                                                      "mlstm_cell.igate.weight"))
    if down is None or q is None or conv is None or gate is None or len(down) != 2 or len(q) != 3 or len(conv) != 3:
        return None
    u = down[1]
    if u % q[0]:
        return None
    return {**_factor(e, u), "qkv_proj_blocksize": u // q[0], "conv1d_kernel_size": conv[2], "num_heads": gate[0]}


def _slstm(leaves: Mapping[str, tuple[int, ...]], x: str) -> dict[str, object] | None:
    fgate, kernel = leaves.get(x + "fgate.weight"), leaves.get(x + "slstm_cell._recurrent_kernel_")
    if fgate is None or kernel is None or len(fgate) != 3 or len(kernel) != 3:
        return None
    heads, d = fgate[0], fgate[1]
    conv = leaves.get(x + "conv1d.conv.weight")
    return {"num_heads": heads, "backend": "vanilla" if kernel[1] == 4 * d else "cuda",
            "conv1d_kernel_size": conv[2] if conv is not None and len(conv) == 3 else 0,
            "group_norm_weight": x + "group_norm.weight" in leaves}


def recognise_stack(group: TensorGroup) -> Recognised | None:
    """An xLSTMBlockStack from `blocks.{k}.` (an mLSTM block has `xlstm.proj_up`, an sLSTM block `xlstm.slstm_cell`;
    each kind's config is read off its first block, as the stack builds every block of a kind from one config).
    context_length is not stored (the mLSTM causal mask is persistent=False): read as the shortest one, 1."""
    leaves = group.leaves
    if any(not n.startswith(("blocks.", "post_blocks_norm.")) for n in leaves) or "blocks.0.xlstm_norm.weight" \
            not in leaves:
        return None
    e = leaves["blocks.0.xlstm_norm.weight"][0]
    kinds: list[str] = []
    while f"blocks.{len(kinds)}.xlstm_norm.weight" in leaves:
        at = f"blocks.{len(kinds)}.xlstm."
        kinds.append("m" if at + "proj_up.weight" in leaves else "s" if at + "slstm_cell._bias_" in leaves else "?")
    if "?" in kinds:
        return None
    config: dict[str, object] = {"num_blocks": len(kinds), "embedding_dim": e, "context_length": 1,
                                 "add_post_blocks_norm": "post_blocks_norm.weight" in leaves, "mlstm_block": None,
                                 "slstm_block": None, "slstm_at": [k for k, kind in enumerate(kinds) if kind == "s"]}
    if "m" in kinds:
        first = kinds.index("m")
        layer = _mlstm(leaves, f"blocks.{first}.xlstm.", e)
        if layer is None:
            return None
        config["bias"] = f"blocks.{first}.xlstm.proj_up.bias" in leaves
        config["mlstm_block"] = _call("mLSTMBlockConfig", {"mlstm": _call("mLSTMLayerConfig", layer)})
    else:
        config["slstm_at"] = "all"
    if "s" in kinds:
        first = kinds.index("s")
        layer = _slstm(leaves, f"blocks.{first}.xlstm.")
        if layer is None:
            return None
        block: dict[str, object] = {"slstm": _call("sLSTMLayerConfig", layer), "feedforward": None}
        down = leaves.get(f"blocks.{first}.ffn.proj_down.weight")
        if down is not None and len(down) == 2:
            block["feedforward"] = _call("FeedForwardConfig", {
                **_factor(e, down[1]), "bias": f"blocks.{first}.ffn.proj_up.bias" in leaves})
        config["slstm_block"] = _call("sLSTMBlockConfig", block)
    return Recognised({"config": _call("xLSTMBlockStackConfig", config)},
                      note="xLSTM's context_length is not in its tensors (the mLSTM causal mask is not saved): read "
                           "as 1; the sLSTM feed-forward's act_fn and the blocks' dropout hold no tensors either")


def recognise_lm(group: TensorGroup) -> Recognised | None:
    """An xLSTMLMModel: its `xlstm_block_stack.` read as a stack is, with `token_embedding` (V, E) and `lm_head`
    (absent when tie_weights: the head is the embedding's tensor, which a file holds once)."""
    leaves = group.leaves
    embedding = leaves.get("token_embedding.weight")
    prefix = "xlstm_block_stack."
    rest = {n for n in leaves if not n.startswith(prefix)} - {"token_embedding.weight", "lm_head.weight"}
    if embedding is None or len(embedding) != 2 or rest:
        return None
    stack = recognise_stack(TensorGroup(group.path, {n[len(prefix):]: v for n, v in leaves.items()
                                                     if n.startswith(prefix)}))
    if stack is None:
        return None
    inner = stack.config["config"]
    assert isinstance(inner, dict)
    config = {**inner["config"], "vocab_size": embedding[0], "tie_weights": "lm_head.weight" not in leaves}
    return Recognised({"config": _call("xLSTMLMModelConfig", config)}, note=stack.note)


_MODULE = (Param("config", kind=LAYER),)
LAYERS = {c.type_name: c for c in (
    replace(entry("xLSTMBlockStack", _MODULE, plan_stack, words=WORDS, work=STACK_WORK), recognise=recognise_stack),
    replace(entry("xLSTMLMModel", _MODULE, plan_stack, words=WORDS, work=STACK_WORK), recognise=recognise_lm),
    *(entry(name, _MODULE, plan_block, words=WORDS, work=MLSTM_WORK if name[0] == "m" else SLSTM_WORK)
      for name in ("mLSTMBlock", "sLSTMBlock", "mLSTMLayer", "sLSTMLayer")),
    *(entry(name, params, plan_config, words=WORDS, recurrent=False, argument_only=True,
            ignored=_CELL_IGNORED if name == "sLSTMLayerConfig" else frozenset({"_num_blocks", "_block_idx"}))
      for name, params in CONFIGS.items()),
)}

XLSTM = FrameworkConvention(
    id="xlstm", display="xLSTM (xlstm)", layers=LAYERS, runtime=SEQUENCE_RUNTIME,
    prefixes=("xlstm.blocks.mlstm.layer.", "xlstm.blocks.slstm.layer.", "xlstm.", ), naming="index",
    verified_with=(("xlstm", "2.0.6"), ("torch", "2.13.0")),
    syntax="xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block=mLSTMBlockConfig(), slstm_block=sLSTMBlockConfig(), "
           "num_blocks=7, embedding_dim=128, slstm_at=[1], context_length=256))",
    short="xLSTM", write_prefix="", checkpoint_path=torch_path,
)

__all__ = ["LAYERS", "XLSTM"]
