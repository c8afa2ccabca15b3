"""Attention in the resource models: the products of queries and keys and of weights and values (MACs no weight
shape shows), and what PyTorch's kernels keep for backward in nn.MultiheadAttention and the transformer modules,
per sample, T the query positions, S the key positions, E the embedding, h the heads, D_ff the feed-forward size:

- nn.MultiheadAttention as a module is called with need_weights=True: it keeps its input, the packed q, k, v
  projections (3·T·E; with kdim/vdim, add_bias_kv or add_zero_attn the keys and values, 2·S·E, made anew), the
  scaled queries (T·E), the softmax of the scores (h·T·S), with dropout its mask and the dropped weights (2·h·T·S),
  and the input of out_proj (T·E);
- the transformer layers call it with need_weights=False, through scaled_dot_product_attention: on CPU without
  dropout its flash kernel keeps q, k, v, the log-sum-exp (h·T) and the output (T·E); with dropout in training
  the math path keeps the scaled queries and transposed keys (T·E and S·E), the weights, their mask and the
  dropped weights (3·h·T·S);
- a transformer layer adds the input and the mean and inverse deviation of every LayerNorm (T·E + 2·T), the
  input of linear1 (T·E), what its activation keeps (relu its output, gelu its input: T·D_ff), the input of
  linear2 (T·D_ff, unless it is relu's saved output) and, with dropout, the masks (T·E after each block, T·D_ff in
  the feed-forward). A decoder layer's cross-attention reads the memory (in a chain, the layer's own input).

Measured with saved_tensors_hooks on torch 2.13 (CPU): benchmarks/validate_memory.py, docs/estimates.md.
Everything is read off the layer's tensors (which blocks it has, by the roles and names its convention gives
them) and its arguments; nothing here knows a class name.
"""

from __future__ import annotations

from ..spec import LayerSpec
from ..symbolic import Const, Expr, Sym, add, mul
from .layer_env import LayerEnv

B, s = Sym("B"), Sym("s")
E, HEADS, FF = Sym("E"), Sym("h"), Sym("D_ff")
QUERY_ROLES = frozenset({"qkv_weights", "query_weights"})
"""One tensor of these roles per attention block: its second axis is the block's embedding E."""


def key_positions(env: LayerEnv) -> Expr:
    """S: the key positions each query attends to, the layer's own positions in a chain, one more for each of
    add_bias_kv and add_zero_attn."""
    extra = int(bool(env.config("add_bias_kv"))) + int(bool(env.config("add_zero_attn")))
    positions = env.positions_expr()
    return positions if not extra else add(positions, extra)


def attention_blocks(env: LayerEnv) -> list[tuple[Expr, int]]:
    """(copies, attention blocks in one copy) over the plan's blocks (a TransformerEncoder: L layers of one)."""
    out = []
    bindings = dict(env.bindings)
    for copies, tensors in env.layer.plan.blocks():
        n = sum(1 for t in tensors if t.role in QUERY_ROLES)
        if n and copies.evaluate(bindings):
            out.append((copies, n))
    return out


def attention_macs(env: LayerEnv) -> Expr:
    """Per query position: each block multiplies the query by S keys and S weights by values, 2·S·E MACs."""
    terms = [mul(copies, n * 2, key_positions(env), E) for copies, n in attention_blocks(env)]
    return add(*terms) if terms else Const(0)


def attention_elementwise(env: LayerEnv) -> Expr:
    """Per query position: the scaled query (E) and the softmax over h·S scores (3 FLOPs each: exp, sum,
    division)."""
    terms = [mul(copies, n, add(E, mul(3, HEADS, key_positions(env)))) for copies, n in attention_blocks(env)]
    return add(*terms) if terms else Const(0)


# --- what the kernels keep -----------------------------------------------------------------------------------

def _layer_config(env: LayerEnv) -> LayerSpec | None:
    """The transformer layer's arguments: its own, a stack's encoder or decoder layer's, or nn.Transformer's."""
    spec = env.layer.spec
    if spec is None:
        return None
    inner = spec.get("encoder_layer") or spec.get("decoder_layer")
    return inner if isinstance(inner, LayerSpec) else spec


def attention_items(env: LayerEnv) -> list[tuple[str, Expr]]:
    """(item, bytes formula) of an attention layer in training: a MultiheadAttention module, or transformer
    layers (each plan block a layer or a final norm), as PyTorch's kernels keep them."""
    tensors = env.layer.plan.tensors
    if not any(t.name.startswith(("self_attn.", "layers.", "encoder.", "decoder.")) for t in tensors):
        return _module_items(env)
    config = _layer_config(env)
    p = config.get("dropout", 0.1) if config is not None else 0.1
    dropout = isinstance(p, (int, float)) and p > 0
    activation = config.get("activation", "relu") if config is not None else "relu"
    batch_first = bool(config.get("batch_first", False)) if config is not None else False
    T = env.positions_expr()
    items: dict[str, Expr] = {"input": mul(T, E)}
    bindings = dict(env.bindings)
    layers: list[Expr] = []
    for copies, block in env.layer.plan.blocks():
        if not copies.evaluate(bindings):
            continue
        names = {t.name for t in block}
        if any(n.startswith("self_attn.") for n in names):
            layers.append(copies)
            decoder = any(n.startswith("multihead_attn.") for n in names)
            for key, expr in _layer_items(T, decoder, dropout, activation == "relu", batch_first):
                items[key] = add(items[key], mul(copies, expr)) if key in items else mul(copies, expr)
        else:  # a final norm: its input and statistics
            expr = add(mul(T, E), mul(2, T))
            items["norm_inputs_and_stats"] = add(items.get("norm_inputs_and_stats", Const(0)), mul(copies, expr))
    stacked = add(*layers, -1) if layers else Const(0)
    if stacked.evaluate(bindings) > 0:  # every layer after the first reads the one before (the memory of a
        items["layer_inputs"] = mul(stacked, T, E)  # decoder counts once, its first input is the encoder's)
    return [(key, mul(B, expr, s)) for key, expr in items.items()]


def _module_items(env: LayerEnv) -> list[tuple[str, Expr]]:
    T, S = env.positions_expr(), key_positions(env)
    separate = any(t.role == "query_weights" for t in env.layer.plan.tensors)
    appended = bool(env.config("add_bias_kv")) or bool(env.config("add_zero_attn"))
    p = env.config("dropout", 0.0)
    items: list[tuple[str, Expr]] = [("input", mul(T, E))]
    if separate or appended:
        items.append(("keys_values", mul(2, S, E)))
    else:
        items.append(("projections", mul(3, T, E)))
    items += [("scaled_queries", mul(T, E)), ("attention_weights", mul(HEADS, T, S))]
    if isinstance(p, (int, float)) and p > 0:
        items.append(("attention_dropout", mul(2, HEADS, T, S)))
    items.append(("attention_output", mul(T, E)))
    return [(key, mul(B, expr, s)) for key, expr in items]


def _layer_items(T: Expr, decoder: bool, dropout: bool, relu: bool, batch_first: bool) -> list[tuple[str, Expr]]:
    """One transformer layer (self-attention, [cross-attention,] feed-forward; each with a norm). With batch_first
    the cross-attention projects a transposed copy of the memory, which it keeps (S·E)."""
    S = T  # in a chain, every block attends over the tensor the layer receives; its input is counted apart
    attention = add(mul(4, T, E), mul(HEADS, T)) if not dropout else add(mul(6, T, E), mul(3, HEADS, T, S))
    items: list[tuple[str, Expr]] = [("self_attention", attention)]
    norms = 3 if decoder else 2
    if decoder:
        cross = add(mul(3, T, E), mul(2, S, E), mul(HEADS, T)) if not dropout else \
            add(mul(3, T, E), mul(3, S, E), mul(3, HEADS, T, S))
        if batch_first:
            cross = add(cross, mul(S, E))
        items.append(("cross_attention", cross))
    items.append(("norm_inputs_and_stats", mul(norms, add(mul(T, E), mul(2, T)))))
    linear2_input = Const(0) if relu and not dropout else mul(T, FF)
    items.append(("feed_forward", add(mul(T, E), mul(T, FF), linear2_input)))
    if dropout:
        items.append(("dropout_masks", add(mul(norms, T, E), mul(T, FF))))
    return items


__all__ = ["attention_elementwise", "attention_items", "attention_macs", "key_positions"]
