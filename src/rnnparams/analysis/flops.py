"""Compute: MACs and FLOPs per layer, for one step, one sequence and one batch, forward and forward+backward.

Definitions (docs/estimates.md has the why):

- a MAC is one multiply-accumulate of a weight product. A weight of shape (G·H, I) applied to one input
  vector is G·H·I MACs, so the MACs of one step are the sizes of the layer's weight matrices (input,
  recurrent, projection, dense and convolution kernels), read off the conventions' symbolic shapes; an
  embedding lookup is no MAC;
- FLOPs = 2 · MACs (1 MAC = 2 FLOPs) + one addition per bias number + the elementwise work of the cell (gate
  nonlinearities, the cell and hidden updates, normalization, dropout), one FLOP per elementwise operation
  per number, as each layer's convention declares it (`Work`, conventions/work.py);
- forward + backward = 3 × forward.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..symbolic import Const, Expr, Sym, add, factor, mul
from .attention import attention_elementwise, attention_macs
from .layer_env import LayerEnv, feature_symbol, weight_sizes
from .resources import BACKWARD_FACTOR, EstimateLine, line, times

MAC_ROLES = frozenset({"input_weights", "recurrent_weights", "projection", "weight", "qkv_weights", "query_weights",
                       "key_weights", "value_weights"})
BIAS_ROLES = frozenset({"input_bias", "recurrent_bias", "bias", "input_and_recurrent_bias"})
NORM_AFFINE = 2
"""A normalization's scale and shift: one multiplication and one addition per number."""


def _copies(env: LayerEnv) -> Expr:
    """How many layer-directions the cell runs in: Σ of the family's copies (L·D for a PyTorch stack)."""
    bindings = dict(env.bindings)
    copies = [c for c, _ in env.layer.plan.blocks() if c.evaluate(bindings)]
    return factor(add(*copies)) if copies else Const(1)


def elementwise(env: LayerEnv) -> Expr:
    """The elementwise FLOPs of one step, from the layer's declared work: its cell's per-unit arithmetic, an
    output activation, or so many operations per input number."""
    layer, work = env.layer, env.layer.work
    cell = env.cell
    if cell is not None:
        return mul(cell.elementwise, _copies(env), Sym("H"))
    if work.attention:  # the scaled queries and the softmax (attention.py), the norms, the feed-forward activation
        return add(attention_elementwise(env), _norms_and_activations(env))
    train, infer = work.per_number
    affine = any(t.role == "scale" for t in layer.tensors)
    per_number = (train if env.options.training else infer) + (NORM_AFFINE if affine else 0)
    if work.activation is not None and env.config(work.activation) not in (None, "linear"):
        return Sym("O")  # the activation, once per output number
    window = _window(env)
    if not per_number:
        return window
    return add(mul(per_number, _width(env)), window) if window != Const(0) else mul(per_number, _width(env))


def _window(env: LayerEnv) -> Expr:
    """A pooling: every output number reads its window, W FLOPs; per output position, W times its channels."""
    key = env.layer.work.window
    if key is None or key not in env.bindings:
        return Const(0)
    out = env.layer.output_shape
    channels = env.per_sample(out) // max(env.positions, 1)  # type: ignore[arg-type]
    return mul(Sym(key), channels)


def _norms_and_activations(env: LayerEnv) -> Expr:
    """A transformer layer's LayerNorms (6 FLOPs per number, and 2 for their scale and shift) and its feed-forward
    activation (1 per number of linear1's output), read off its tensors, per position."""
    bindings = dict(env.bindings)
    terms: list[Expr] = []
    for copies, tensors in env.layer.plan.blocks():
        if not copies.evaluate(bindings):
            continue
        norms = [t for t in tensors if t.role == "scale"]
        hidden = next((t.shape[0] for t in tensors if t.name.endswith("linear1.weight")), None)
        block = add(*(mul(6 + NORM_AFFINE, t.shape[0]) for t in norms), *((hidden,) if hidden is not None else ()))
        if block != Const(0):
            terms.append(mul(copies, block))
    return add(*terms) if terms else Const(0)


def _width(env: LayerEnv) -> Expr:
    """Numbers per position: the feature symbol when the convention binds it."""
    name = feature_symbol(env)
    if name is not None and name in env.bindings:
        return Sym(name)
    return Const(env.per_sample(env.layer.input_shape) // max(env.positions, 1))


def layer_compute(env: LayerEnv) -> tuple[EstimateLine, ...]:
    """The step lines in the layer's own symbols; the sequence, batch and training lines in terms of them
    (M = MACs per step, F = FLOPs per step), so each derivation stays one line of arithmetic."""
    b = dict(env.bindings)
    macs = weight_sizes(env, MAC_ROLES)
    if env.layer.work.attention:  # queries by keys, weights by values: no weight shape shows them
        macs = add(macs, attention_macs(env))
    bias = weight_sizes(env, BIAS_ROLES)
    elem = _drop_ones(elementwise(env), b)
    step = [line("macs_step", macs, b, "MACs"), line("bias_step", bias, b, "FLOPs"),
            line("elementwise_step", elem, b, "FLOPs")]
    b.update({"M": step[0].value, "Fb": step[1].value, "Fe": step[2].value})
    flops = line("flops_step", add(mul(2, Sym("M")), Sym("Fb"), Sym("Fe")), b, "FLOPs")
    b["F"] = flops.value
    pos = env.positions_expr()
    batch = Sym("B")

    def scaled(expr: Expr, by: Expr) -> Expr:
        return expr if by == Const(1) else times(by, expr)

    out = [*step, flops]
    per_step: tuple[tuple[str, Expr, str], ...] = (("macs", Sym("M"), "MACs"), ("flops", Sym("F"), "FLOPs"))
    for name, expr, unit in per_step:
        out.append(line(f"{name}_sequence", scaled(expr, pos), b, unit))
        out.append(line(f"{name}_batch", times(batch, scaled(expr, pos)), b, unit))
    for scope, expr in (("step", Sym("F")), ("sequence", scaled(Sym("F"), pos)),
                        ("batch", times(batch, scaled(Sym("F"), pos)))):
        out.append(line(f"flops_train_{scope}", times(BACKWARD_FACTOR, expr), b, "FLOPs"))
    return tuple(out)


def _drop_ones(expr: Expr, env: Mapping[str, int]) -> Expr:
    ones = {k: 1 for k in ("L", "D") if env.get(k) == 1}
    return expr.subs(ones) if ones else expr


__all__ = ["BIAS_ROLES", "MAC_ROLES", "layer_compute"]
