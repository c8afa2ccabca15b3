"""`mambapy` (alxndrTL/mamba.py, pure PyTorch): `mambapy.mamba.Mamba(MambaConfig(...))`, a stack of
`ResidualBlock`s, each a selective-SSM `mixer` and an RMSNorm `norm`, named `layers.{k}.mixer.A_log`… in the
order its modules register them (A_log and D first, the norm last). The mixer holds the same tensors as
transformers' Mamba mixer (`inner_layernorms=True` adds RMSNorms of Δ, B and C); `compare` translates it
through the neutral `mamba` family.

Expression form: MambaConfig's fields as keyword arguments, `mambapy.Mamba(d_model=768, n_layers=24)`, or the
package's own call `Mamba(MambaConfig(d_model=768, n_layers=24))` (what model code writes).
"""

from __future__ import annotations

import math

from .._record import replace
from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec
from ..symbolic import Sym
from .base import (
    ANY,
    BOOL,
    FLOAT,
    LAYER,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from .equivalents import Built, Equivalent, make_layer
from .families import Neutral, neutral
from .transformers.blocks import D_CONV, D_INNER, D_MODEL, D_STATE, DT_RANK, MAMBA_WORK, ONE, WORDS
from .work import SEQUENCE_RUNTIME

T = TensorTemplate
MIXER = (
    T("mixer.A_log", (D_INNER, D_STATE), "ssm_a_log"),
    T("mixer.D", (D_INNER,), "ssm_skip"),
    T("mixer.in_proj.weight", (2 * D_INNER, D_MODEL), "in_proj"),
    T("mixer.in_proj.bias", (2 * D_INNER,), "bias", when="bias"),
    T("mixer.conv1d.weight", (D_INNER, ONE, D_CONV), "conv_weight"),
    T("mixer.conv1d.bias", (D_INNER,), "conv_bias", when="conv_bias"),
    T("mixer.x_proj.weight", (DT_RANK + 2 * D_STATE, D_INNER), "x_proj"),
    T("mixer.dt_proj.weight", (D_INNER, DT_RANK), "dt_proj"),
    T("mixer.dt_proj.bias", (D_INNER,), "dt_bias"),
    T("mixer.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
    T("mixer.out_proj.bias", (D_MODEL,), "bias", when="bias"),
    T("mixer.dt_layernorm.weight", (DT_RANK,), "scale", when="inner_layernorms"),
    T("mixer.B_layernorm.weight", (D_STATE,), "scale", when="inner_layernorms"),
    T("mixer.C_layernorm.weight", (D_STATE,), "scale", when="inner_layernorms"),
    T("norm.weight", (D_MODEL,), "scale"),
)


def _size(ctx: LayerContext, key: str) -> int:
    value = ctx.cfg(key)
    if value is None:
        raise ConfigError(f"{ctx.name} (Mamba): {key} is required: Mamba(MambaConfig(d_model=..., n_layers=...)), "
                          "or mambapy.Mamba(d_model=..., n_layers=...)")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{ctx.name} (Mamba): {key} must be a positive integer (got {value!r})")
    return value


def _fields(ctx: LayerContext) -> LayerContext:
    """`Mamba(MambaConfig(...))`: the config's fields, as if they were given as keywords (not both)."""
    config = ctx.cfg("config")
    if config is None:
        return ctx
    if not isinstance(config, LayerSpec) or config.type != "MambaConfig":
        raise ConfigError(f"{ctx.name} (Mamba): config must be a MambaConfig(...) (got {config!r})")
    if ctx.cfg("d_model") is not None or ctx.cfg("n_layers") is not None:
        raise ConfigError(f"{ctx.name} (Mamba): give the sizes in MambaConfig(...) or as keywords, not both")
    return replace(ctx, spec=replace(ctx.spec, config=freeze({**config.config, "config": None})))


def plan_config(ctx: LayerContext) -> LayerPlan:
    raise ConfigError(f"{ctx.spec.type}(...) is a configuration, not a module: pass it to the module it configures "
                      "(Mamba(MambaConfig(d_model=..., n_layers=...))).")


def plan_mamba(ctx: LayerContext) -> LayerPlan:
    ctx = _fields(ctx)
    d_model, layers = _size(ctx, "d_model"), _size(ctx, "n_layers")
    rank = ctx.cfg("dt_rank")
    dt_rank = math.ceil(d_model / 16) if rank == "auto" else rank
    if not isinstance(dt_rank, int) or isinstance(dt_rank, bool) or dt_rank <= 0:
        raise ConfigError(f"{ctx.name} (Mamba): dt_rank must be 'auto' or a positive integer (got {rank!r})")
    env = {"d_model": d_model, "d_inner": _size(ctx, "expand_factor") * d_model, "d_state": _size(ctx, "d_state"),
           "d_conv": _size(ctx, "d_conv"), "dt_rank": dt_rank, "L": layers}
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None, d_model)
    if len(shape) != 3 or shape[-1] not in (None, d_model):
        raise ShapeError(f"{ctx.name} (Mamba) reads (batch, T, {d_model}); it receives {fmt_shape(shape)}")
    one = tuple(t for t in expand(MIXER, flags={f: bool(ctx.cfg(f)) for f in ("bias", "conv_bias", "inner_layernorms")})
                if not (ctx.cfg("mup") and t.role == "scale"))  # mup: its RMSNorms keep no weight
    tensors = tuple(replace(t, name=f"layers.{k}.{t.name}") for k in range(layers) for t in one)
    states = {"conv_state": (shape[0], layers, env["d_inner"], env["d_conv"] - 1),
              "ssm_state": (shape[0], layers, env["d_inner"], env["d_state"])}
    return LayerPlan(tensors, freeze(env), shape, shape, freeze(states), family=((Sym("L"), one),),
                     features=("d_model", Sym("d_model")), notes=("mamba_block",), time_axis=1)


def _read(spec: object, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    roles = {t.role for t in plan.tensors}
    return neutral("mamba", d_model=b["d_model"], d_inner=b["d_inner"], d_state=b["d_state"], d_conv=b["d_conv"],
                   dt_rank=b["dt_rank"], layers=b["L"], bias="bias" in roles, conv_bias="conv_bias" in roles)


def _write(n: Neutral) -> Built:
    from .equivalents import need

    d_model, d_inner = n.int("d_model"), n.int("d_inner")
    need(d_inner % d_model == 0, f"mambapy's d_inner is expand_factor·d_model; {d_inner} is not a multiple of "
                                 f"{d_model}")
    return (make_layer(LAYERS, "Mamba", d_model=d_model, n_layers=n.int("layers"), dt_rank=n.int("dt_rank"),
                       d_state=n.int("d_state"), expand_factor=d_inner // d_model, d_conv=n.int("d_conv"),
                       bias=bool(n.get("bias")), conv_bias=bool(n.get("conv_bias"))),), None


_FIELDS = ("d_model", "d_inner", "d_state", "d_conv", "dt_rank", "layers", "bias", "conv_bias")
FIELDS = (
    Param("d_model", None, SIZE, positional=False), Param("n_layers", None, SIZE, positional=False, maximum=1_000),
    Param("dt_rank", "auto", ANY, positional=False), Param("d_state", 16, SIZE, positional=False),
     Param("expand_factor", 2, SIZE, positional=False), Param("d_conv", 4, SIZE, positional=False),
     Param("bias", False, BOOL, positional=False), Param("conv_bias", True, BOOL, positional=False),
     Param("inner_layernorms", False, BOOL, positional=False), Param("rms_norm_eps", 1e-5, FLOAT, positional=False),
     Param("mup", False, BOOL, positional=False))
"""MambaConfig's fields that change a count (the others are `IGNORED`); d_model and n_layers are required."""
IGNORED = frozenset({"dt_min", "dt_max", "dt_init", "dt_scale", "base_std", "mup_base_width", "pscan", "use_cuda"})
MAMBA = LayerConvention(
    "Mamba", (Param("config", None, LAYER), *FIELDS), plan_mamba, "mamba", ignored=IGNORED,
    equivalent=Equivalent(_read, {"mamba": _FIELDS}, _write), words=WORDS, work=MAMBA_WORK,
)
MAMBA_CONFIG = LayerConvention("MambaConfig", tuple(p if p.name not in ("d_model", "n_layers") else replace(
    p, positional=True) for p in FIELDS), plan_config, "mambaconfig", ignored=IGNORED, argument_only=True)
LAYERS = {"Mamba": MAMBA, "MambaConfig": MAMBA_CONFIG}
MAMBAPY = FrameworkConvention(
    id="mambapy", display="mamba.py (mambapy)", layers=LAYERS, prefixes=("mambapy.",), naming="index",
    verified_with=(("mambapy", "1.2.0"), ("torch", "2.13.0")), short="mambapy", write_prefix="mambapy.",
    runtime=SEQUENCE_RUNTIME,
    syntax="mambapy.Mamba(d_model=768, n_layers=24, d_state=16, expand_factor=2, d_conv=4, dt_rank='auto')",
)

