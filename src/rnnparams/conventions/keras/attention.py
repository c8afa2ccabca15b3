"""Keras attention layers, as their `build()` declares the weights (query, value and optional key inputs, in
that order; a functional model hands them all, `common.several`; in a chain an attention layer attends over its
own input, query = value = key):

- MultiHeadAttention(num_heads=N_h, key_dim=d_k): query/kernel (E_q, N_h, d_k), key/kernel (E_k, N_h, d_k),
  value/kernel (E_v, N_h, d_v), attention_output/kernel (N_h, d_v, E_o), each with its bias (use_bias), and
  with use_gate a gate/kernel (E_q, N_h, d_v) between key and value; E_o is output_shape or E_q;
- GroupQueryAttention(head_dim=d, num_query_heads=N_q, num_key_value_heads=N_kv): query (E_q, N_q, d), key
  (E_k, N_kv, d), [gate (E_q, N_q, d)], value (E_v, N_kv, d), attention_output (N_q, d, E_q);
- Attention: a scalar `scale` (use_scale) and a scalar `concat_score_weight` (score_mode='concat');
  AdditiveAttention: `scale` (E_q) with use_scale (the default).
"""

from __future__ import annotations

from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape
from ...symbolic import Const, Expr, Sym
from ..base import BOOL, CHOICE, FLOAT, SHAPE, SIZE, LayerContext, LayerPlan, Param, TensorSpec, fmt_shape, freeze
from ..equivalents import Built, Equivalent, NoEquivalent, has_bias, make_layer, need, neutral
from ..families import Neutral
from ..work import Work
from .common import FOR_WEIGHTS, KERNEL_IGNORED, Table, inputs_of, layer, missing_input

ATTENTION = ("MultiHeadAttention", "GroupQueryAttention", "Attention", "AdditiveAttention")
"""The layers that take a query, a value and an optional key (the code reader hands them theirs)."""
E_Q, E_K, E_V, E_O = Sym("E_q"), Sym("E_k"), Sym("E_v"), Sym("E_o")
N_H, D_K, D_V, N_Q, N_KV, D_H = Sym("N_h"), Sym("d_k"), Sym("d_v"), Sym("N_q"), Sym("N_kv"), Sym("d")
WORDS = MappingProxyType({
    "E_q": ("query features", "查询的特征数"), "E_k": ("key features", "键的特征数"),
    "E_v": ("value features", "值的特征数"), "E_o": ("output features", "输出特征数"),
    "N_h": ("attention heads", "注意力头数"), "d_k": ("key size per head", "每个头的键维度"),
    "d_v": ("value size per head", "每个头的值维度"), "N_q": ("query heads", "查询头数"),
    "N_kv": ("key/value heads", "键/值头数"), "d": ("size per head", "每个头的维度"),
    "slope": ("Score scales", "分数缩放因子"),
    "self_attention": ("In a chain the layer attends over its own input: query, key and value are the tensor the "
                       "layer before gives.", "在链式模型中,该层对自身输入做注意力:查询、键、值都是上一层的输出。")})
WORK = Work(keeps=(FOR_WEIGHTS,))
GQA_WORK = Work(keeps=(FOR_WEIGHTS,), scores=(("N_q", "d"), ("N_q", "d")))
"""Every query head by the keys and its weights by the values (the key/value heads repeated to the query heads)."""
DOT_WORK = Work(keeps=(FOR_WEIGHTS,), scores=(("E_k",), ("E_v",)))
"""Attention and AdditiveAttention: queries by keys (E_k is bound only for score_mode='dot': the additive and
'concat' scores are elementwise, tanh of sums) and the weights by the values (E_v) at every key position."""
MHA_WORK = Work(keeps=(FOR_WEIGHTS,), scores=(("N_h", "d_k"), ("N_h", "d_v")))
"""Queries by keys and weights by values at every key position (the projections are read off the kernels)."""


def attention_inputs(ctx: LayerContext) -> tuple[Shape, Shape, Shape, bool]:
    """(query, value, key, given separately) of the layer's inputs; one tensor is attended over itself."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shapes = inputs_of(ctx.in_shape)
    if shapes is None:
        return ctx.in_shape, ctx.in_shape, ctx.in_shape, False
    if len(shapes) not in (2, 3):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the layer accepts inputs of length 2 or 3, namely [query, "
                         f"value] or [query, value, key]. Received length: {len(shapes)}.")
    return shapes[0], shapes[1], shapes[-1], True


def _features(ctx: LayerContext, shape: Shape, what: str) -> int:
    if len(shape) < 3:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): its {what} must be at least 3-D (batch, steps, features); "
                         f"got shape {fmt_shape(shape)}.")
    last = shape[-1]
    if last is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the last dimension of its {what} must be defined; got "
                         f"shape {fmt_shape(shape)}.")
    return last


def _same_steps(ctx: LayerContext, value: Shape, key: Shape) -> None:
    if value[1:-1] != key[1:-1]:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): All dimensions of `value` and `key`, except the last one, "
                         f"must be equal. Received: value_shape={fmt_shape(value)} and key_shape={fmt_shape(key)}")


def _projection(name: str, dims: tuple[Expr, ...], bias: tuple[Expr, ...], use_bias: bool) -> list[TensorSpec]:
    out = [TensorSpec(f"{name}/kernel", dims, "weight")]
    if use_bias:
        out.append(TensorSpec(f"{name}/bias", bias, "bias"))
    return out


def plan_multi_head(ctx: LayerContext) -> LayerPlan:
    query, value, key, separate = attention_inputs(ctx)
    e_q, e_v, e_k = _features(ctx, query, "query"), _features(ctx, value, "value"), _features(ctx, key, "key")
    _same_steps(ctx, value, key)
    heads, d_k = ctx.int("num_heads"), ctx.int("key_dim")
    d_v = d_k if ctx.cfg("value_dim") is None else ctx.int("value_dim")
    given = ctx.cfg("output_shape")
    if given is not None and not isinstance(given, (int, tuple)):
        raise ConfigError(f"{ctx.name} (MultiHeadAttention): Invalid `output_shape`: {given!r}. When specified, "
                          "the `output_shape` should be of type tuple, list, or int.")
    outs: tuple[int, ...] = (e_q,) if given is None else (given,) if isinstance(given, int) else given  # type: ignore
    out_dims: tuple[Expr, ...] = (E_O,) if len(outs) == 1 else tuple(Const(d) for d in outs)
    bias = bool(ctx.cfg("use_bias"))
    tensors = _projection("query", (E_Q, N_H, D_K), (N_H, D_K), bias) + _projection(
        "key", (E_K, N_H, D_K), (N_H, D_K), bias)
    if ctx.spec.get("use_gate"):
        tensors += _projection("gate", (E_Q, N_H, D_V), (N_H, D_V), bias)
    tensors += _projection("value", (E_V, N_H, D_V), (N_H, D_V), bias) + _projection(
        "attention_output", (N_H, D_V, *out_dims), out_dims, bias)
    bindings = {"E_q": e_q, "E_k": e_k, "E_v": e_v, "N_h": heads, "d_k": d_k, "d_v": d_v,
                **({"E_o": outs[0]} if len(outs) == 1 else {})}
    out = (*query[:-1], *outs)
    return LayerPlan(tuple(tensors), freeze(bindings), query, out, features=("E_q", E_O if len(outs) == 1 else None),
                     notes=() if separate else ("self_attention",))


def plan_group_query(ctx: LayerContext) -> LayerPlan:
    query, value, key, separate = attention_inputs(ctx)
    name = f"{ctx.name} (GroupQueryAttention)"
    for what, shape in (("query", query), ("value", value), ("key", key)):
        if len(shape) != 3:
            raise ShapeError(f"{name}: its {what} must be 3-D (batch, steps, features); got shape {fmt_shape(shape)}.")
    e_q, e_v, e_k = _features(ctx, query, "query"), _features(ctx, value, "value"), _features(ctx, key, "key")
    _same_steps(ctx, value, key)
    if e_q != e_v:
        raise ShapeError(f"{name}: The last dimension of `query_shape` and `value_shape` must be equal, but are "
                         f"{e_q}, {e_v}. Received: query_shape={fmt_shape(query)}, value_shape={fmt_shape(value)}")
    n_q, n_kv, d = ctx.int("num_query_heads"), ctx.int("num_key_value_heads"), ctx.int("head_dim")
    if n_q % n_kv:
        raise ConfigError(f"{name}: `num_query_heads` must be divisible by `num_key_value_heads`.")
    bias = bool(ctx.cfg("use_bias"))
    tensors = _projection("query", (E_Q, N_Q, D_H), (N_Q, D_H), bias) + _projection(
        "key", (E_K, N_KV, D_H), (N_KV, D_H), bias)
    if ctx.spec.get("use_gate"):
        tensors += _projection("gate", (E_Q, N_Q, D_H), (N_Q, D_H), bias)
    tensors += _projection("value", (E_V, N_KV, D_H), (N_KV, D_H), bias) + _projection(
        "attention_output", (N_Q, D_H, E_Q), (E_Q,), bias)
    bindings = {"E_q": e_q, "E_k": e_k, "E_v": e_v, "N_q": n_q, "N_kv": n_kv, "d": d}
    return LayerPlan(tuple(tensors), freeze(bindings), query, query, features=("E_q", E_Q),
                     notes=() if separate else ("self_attention",))


def plan_dot_attention(ctx: LayerContext) -> LayerPlan:
    """Attention: scores query·keyᵀ (the widths must agree when it runs), output (*query[:-1], E_v)."""
    query, value, key, separate = attention_inputs(ctx)
    e_q, e_v, e_k = _features(ctx, query, "query"), _features(ctx, value, "value"), _features(ctx, key, "key")
    if e_q != e_k:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the query ({e_q} features) and the key ({e_k} features) "
                         "must have the same width to be scored against each other.")
    tensors: list[TensorSpec] = []
    additive = ctx.spec.type == "AdditiveAttention"
    # the scales multiply scores (or, additive, the tanh of each query-key sum): no weight products
    if ctx.cfg("use_scale"):
        tensors.append(TensorSpec("scale", (E_Q,) if additive else (), "slope"))
    dot = not additive and ctx.spec.get("score_mode", "dot") == "dot"
    if not dot and not additive:
        tensors.append(TensorSpec("concat_score_weight", (), "slope"))
    return LayerPlan(tuple(tensors), freeze({"E_q": e_q, "E_v": e_v, **({"E_k": e_k} if dot else {})}), query,
                     (*query[:-1], e_v), notes=() if separate else ("self_attention",))


# --- equivalents: the attention family (torch's MultiheadAttention(E, h) is MultiHeadAttention(h, E // h)) ----

def _read_multi_head(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    e, heads = b["E_q"], b["N_h"]
    need_same = b["d_k"] * heads == e and b["d_v"] == b["d_k"] and b.get("E_o") == e and not spec.get("use_gate")
    if not need_same:
        raise NoEquivalent("only MultiHeadAttention with key_dim = value_dim = query features / num_heads, no "
                           "output_shape and no gate has an equivalent (PyTorch's MultiheadAttention(E, h))")
    return neutral("attention", **{"in": e}, heads=heads, kdim=None if b["E_k"] == e else b["E_k"],
                   vdim=None if b["E_v"] == e else b["E_v"], bias=has_bias(plan))


def declare(table: Table) -> None:
    def attention(n: Neutral) -> Built:
        e, heads = n.size("in"), n.int("heads")
        need(e is not None and e % heads == 0, f"the query features ({e}) must divide into {heads} heads")
        need(n.get("kdim") in (None, e) and n.get("vdim") in (None, e),
             "keys or values of another width than the query need a functional model (query, value, key inputs); "
             "a chain attends over one input")
        assert e is not None
        return (make_layer(table.layers, "MultiHeadAttention", num_heads=heads, key_dim=e // heads,
                           use_bias=n.flag("bias")),), (None, e)

    table.writers["attention"] = attention
    common = (Param("dropout", 0.0, FLOAT), Param("use_bias", True, BOOL))
    flash = (Param("sliding_window", None, SIZE), Param("flash_attention", None))
    gate = Param("use_gate", False, BOOL, positional=False)
    table.add(
        layer("MultiHeadAttention", "multi_head_attention", (
            Param("num_heads", kind=SIZE), Param("key_dim", kind=SIZE), Param("value_dim", None, SIZE), *common,
            Param("output_shape", None, SHAPE), Param("attention_axes", None, SHAPE), *flash, gate), plan_multi_head,
            KERNEL_IGNORED, work=MHA_WORK, words=WORDS,
            equivalent=Equivalent(_read_multi_head, {"attention": ("heads", "bias")}, table.write)),
        layer("GroupQueryAttention", "grouped_query_attention", (
            Param("head_dim", kind=SIZE), Param("num_query_heads", kind=SIZE), Param("num_key_value_heads", kind=SIZE),
            *common, *flash, gate), plan_group_query, KERNEL_IGNORED, work=GQA_WORK, words=WORDS),
        layer("Attention", "attention", (
            Param("use_scale", False, BOOL), Param("score_mode", "dot", CHOICE, ("dot", "concat")),
            Param("dropout", 0.0, FLOAT), Param("seed", None)), plan_dot_attention, work=DOT_WORK, words=WORDS),
        layer("AdditiveAttention", "additive_attention", (
            Param("use_scale", True, BOOL), Param("dropout", 0.0, FLOAT)), plan_dot_attention, work=DOT_WORK,
            words=WORDS),
    )


__all__ = ["ATTENTION", "attention_inputs", "declare", "plan_dot_attention", "plan_group_query", "plan_multi_head"]
