"""nn.MultiheadAttention, as `named_parameters()` gives it: its own tensors first, then its out_proj's.

- `in_proj_weight` (3E, E): the query, key and value projections stacked, when kdim and vdim are the
  embedding size E; else `q_proj_weight` (E, E), `k_proj_weight` (E, kdim), `v_proj_weight` (E, vdim);
- `in_proj_bias` (3E) with bias; `bias_k`, `bias_v` (1, 1, E) with add_bias_kv (a learned key and value
  appended to every sequence);
- `out_proj.weight` (E, E) and `out_proj.bias` (E).

In a chain it attends to the tensor it receives (query = key = value): (L, N, E), (N, L, E) with batch_first,
or unbatched (L, E), and it returns the attention output of the same shape and, as torch does by default, the
attention weights averaged over the heads, (N, L, S), S the key positions (L, one more with add_bias_kv, one
more with add_zero_attn). The transformer layers (transformer.py) are built from `attention_tensors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape
from ...symbolic import Const, Sym, mul
from ..base import (
    BOOL,
    FLOAT,
    INT,
    SIZE,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    check_features,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, has_bias, make_layer, need
from ..families import Neutral, neutral
from ..work import Work
from .common import E, layer
from .table import LAYERS

E_K, E_V, HEADS = Sym("E_k"), Sym("E_v"), Sym("h")
ATTENTION_TENSORS = (
    TensorTemplate("in_proj_weight", (mul(3, E), E), "qkv_weights", when="packed"),
    TensorTemplate("q_proj_weight", (E, E), "query_weights", when="separate"),
    TensorTemplate("k_proj_weight", (E, E_K), "key_weights", when="separate"),
    TensorTemplate("v_proj_weight", (E, E_V), "value_weights", when="separate"),
    TensorTemplate("in_proj_bias", (mul(3, E),), "bias", when="bias"),
    TensorTemplate("bias_k", (Const(1), Const(1), E), "attention_bias", when="bias_kv"),
    TensorTemplate("bias_v", (Const(1), Const(1), E), "attention_bias", when="bias_kv"),
    TensorTemplate("out_proj.weight", (E, E), "weight"),
    TensorTemplate("out_proj.bias", (E,), "bias", when="bias"),
)
WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "E": ("embedding size (embed_dim, d_model)", "嵌入维度(embed_dim、d_model)"),
    "E_k": ("key features (kdim)", "键的维度(kdim)"), "E_v": ("value features (vdim)", "值的维度(vdim)"),
    "h": ("attention heads", "注意力头数"),
    "qkv_weights": ("Query, key and value projections (in_proj_weight)", "查询、键、值投影(in_proj_weight)"),
    "query_weights": ("Query projection", "查询投影"), "key_weights": ("Key projection", "键投影"),
    "value_weights": ("Value projection", "值投影"),
    "attention_bias": ("Learned key and value (add_bias_kv)", "可学习的键和值(add_bias_kv)"),
})
ATTENTION_WORK = Work(attention=True)


def attention_tensors(e: int, kdim: int, vdim: int, bias: bool, bias_kv: bool,
                      prefix: str = "") -> list[TensorSpec]:
    """One attention block's tensors, in `named_parameters()` order, named below `prefix` (`self_attn.`)."""
    separate = kdim != e or vdim != e
    tensors = expand(ATTENTION_TENSORS, flags={"packed": not separate, "separate": separate, "bias": bias,
                                               "bias_kv": bias_kv},
                     subs=None if separate else {"E_k": E, "E_v": E})
    return [replace(t, name=prefix + t.name) for t in tensors]


def heads_of(ctx: LayerContext, e: int, key: str) -> int:
    h = ctx.int(key)
    if e % h:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): embed_dim must be divisible by num_heads (embed_dim={e}, "
                          f"num_heads={h}).")
    return h


def dropout_of(ctx: LayerContext, key: str = "dropout") -> float:
    p = ctx.cfg(key)
    assert isinstance(p, (int, float))
    if not 0 <= p <= 1:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): dropout probability has to be between 0 and 1, but got {p}.")
    return float(p)


def sequence(ctx: LayerContext, e: int, batch_first: bool) -> tuple[Shape, int]:
    """The input of an attention layer in a chain, checked: (L, N, E), (N, L, E) or (L, E); and where L is."""
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None, e)
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): query should be unbatched 2D or batched 3D tensor but "
                         f"received {len(shape)}-D query tensor (shape {fmt_shape(shape)}).")
    check_features(ctx, e, shape[-1], "embed_dim" if ctx.spec.type == "MultiheadAttention" else "d_model")
    return shape, 1 if batch_first and len(shape) == 3 else 0


def plan_attention(ctx: LayerContext) -> LayerPlan:
    e = ctx.int("embed_dim")
    h = heads_of(ctx, e, "num_heads")
    dropout_of(ctx)
    kdim, vdim = ctx.cfg("kdim"), ctx.cfg("vdim")
    k = e if kdim is None else kdim
    v = e if vdim is None else vdim
    assert isinstance(k, int) and isinstance(v, int)
    bias_kv = bool(ctx.cfg("add_bias_kv"))
    tensors = attention_tensors(e, k, v, bool(ctx.cfg("bias")), bias_kv)
    shape, axis = sequence(ctx, e, bool(ctx.cfg("batch_first")))
    length = shape[axis]
    keys = None if length is None else length + int(bias_kv) + int(bool(ctx.cfg("add_zero_attn")))
    weights = (shape[1 - axis], length, keys) if len(shape) == 3 else (length, keys)
    bindings = {"E": e, "h": h, **({"E_k": k, "E_v": v} if k != e or v != e else {})}
    return LayerPlan(tuple(tensors), freeze(bindings), shape, shape, freeze({"attn_output_weights": weights}),
                     features=("E", E))


# --- equivalents --------------------------------------------------------------------------------------------

def read_attention(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    need(not any(t.role == "attention_bias" for t in plan.tensors),
         "add_bias_kv (a learned key and value appended to the sequence) has no equivalent in the attention family")
    return neutral("attention", **{"in": b["E"]}, heads=b["h"], kdim=b.get("E_k"), vdim=b.get("E_v"),
                   bias=has_bias(plan))


def write_attention(n: Neutral) -> Built:
    need(n.size("in") is not None, "PyTorch's MultiheadAttention needs its embedding size (embed_dim)")
    return (make_layer(LAYERS, "MultiheadAttention", embed_dim=n.int("in"), num_heads=n.int("heads"),
                       bias=n.flag("bias"), kdim=n.size("kdim"), vdim=n.size("vdim")),), None


# --- checkpoint naming --------------------------------------------------------------------------------------

def attention_config(group: TensorGroup, prefix: str = "") -> dict[str, object] | None:
    """MultiheadAttention's arguments from its tensors below `prefix`; the number of heads is in none of them
    (read as 1)."""
    leaves = group.leaves
    packed, query = leaves.get(prefix + "in_proj_weight"), leaves.get(prefix + "q_proj_weight")
    out = leaves.get(prefix + "out_proj.weight")
    if out is None or len(out) != 2 or (packed is None) == (query is None):
        return None
    e = out[0]
    config: dict[str, object] = {"embed_dim": e, "num_heads": 1, "bias": prefix + "in_proj_bias" in leaves,
                                 "add_bias_kv": prefix + "bias_k" in leaves}
    if query is not None:
        k, v = leaves.get(prefix + "k_proj_weight"), leaves.get(prefix + "v_proj_weight")
        if k is None or v is None or len(k) != 2 or len(v) != 2:
            return None
        config.update(kdim=k[1], vdim=v[1])
    return config


HEADS_NOTE = ("the number of attention heads is in none of the tensors (the count does not depend on it): read "
              "as num_heads=1")


def recognise_attention(group: TensorGroup) -> Recognised | None:
    names = {n for n in group.leaves if "." not in n or n.startswith("out_proj.")}
    if names != set(group.leaves):
        return None
    config = attention_config(group)
    return None if config is None else Recognised(config, note=f"{group.path or '(root)'}: {HEADS_NOTE}")


CONVENTIONS = (
    replace(layer("MultiheadAttention", (
        Param("embed_dim", kind=SIZE), Param("num_heads", kind=SIZE), Param("dropout", 0.0, FLOAT),
        Param("bias", True, BOOL), Param("add_bias_kv", False, BOOL), Param("add_zero_attn", False, BOOL),
        Param("kdim", None, INT), Param("vdim", None, INT), Param("batch_first", False, BOOL)), plan_attention,
        work=ATTENTION_WORK,
        equivalent=Equivalent(read_attention, {"attention": ("in", "heads", "kdim", "vdim", "bias")},
                              write_attention),
        recognise=recognise_attention, words=WORDS), nested=True),
)

__all__ = ["ATTENTION_TENSORS", "CONVENTIONS", "HEADS_NOTE", "WORDS", "attention_config", "attention_tensors",
           "dropout_of", "heads_of", "sequence"]
