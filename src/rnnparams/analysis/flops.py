"""Compute: MACs and FLOPs per layer, for one step, one sequence and one batch, forward and forward+backward.

Definitions (docs/estimates.md has the why):

- a MAC is one multiply-accumulate of a weight product. A weight of shape (G·H, I) applied to one input
  vector is G·H·I MACs, so the MACs of one step are the sizes of the layer's weight matrices (input,
  recurrent, projection, dense and convolution kernels), read off the conventions' symbolic shapes; an
  embedding lookup is no MAC;
- FLOPs = 2 · MACs (1 MAC = 2 FLOPs) + one addition per bias number + the elementwise work of the cell (gate
  nonlinearities, the cell and hidden updates, normalization, dropout), one FLOP per elementwise operation
  per number, as each layer's convention declares it (`Work`, conventions/work.py);
- backward, op by op as autograd runs it: every weight product is repeated for its weight gradient when the
  weight is trainable, and for its input gradient when that input needs one (not the input of the first
  trainable layer, nor a recurrent layer's zero initial state at its first step); a bias gradient sums its
  rows (one addition per bias number per position); the elementwise backward is the convention's declared
  count (`Cell.backward`, `Work.backward_per_number`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..symbolic import Const, Expr, Sym, add, factor, mul, product
from .attention import attention_elementwise, attention_macs
from .layer_env import LayerEnv, feature_symbol, weight_sizes
from .resources import EstimateLine, line, times

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
    if work.merge is not None:
        return _merge_flops(env, *work.merge[:2])
    train, infer = work.per_number
    affine = any(t.role == "scale" for t in layer.tensors)
    per_number = (train if env.options.training else infer) + (NORM_AFFINE if affine else 0)
    if work.activation is not None and env.config(work.activation) not in (None, "linear"):
        return Sym("O")  # the activation, once per output number
    window = _window(env)
    if not per_number:
        return window
    return add(mul(per_number, _width(env)), window) if window != Const(0) else mul(per_number, _width(env))


def _merge_flops(env: LayerEnv, per_input: int, once: int) -> Expr:
    """A merge's FLOPs per position: per output number, `per_input` for each input beyond the first (Keras folds
    them pairwise) and `once` more."""
    width = Const(env.per_sample(env.layer.output_shape) // max(env.positions, 1))  # type: ignore[arg-type]
    extra = add(Sym("N_in"), -1)
    count = Sym("N_in") if per_input == once == 1 else add(mul(per_input, extra), once) if once else \
        (extra if per_input == 1 else mul(per_input, extra)) if per_input else Const(once)
    return mul(count, width) if count != Const(0) else Const(0)


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


def _trained(env: LayerEnv) -> bool:
    """Autograd records the layer: a gradient reaches its input, or it has a trainable tensor of its own."""
    return env.upstream or any(t.trainable for t in env.layer.tensors)


ZERO_STATE_ROLE = "recurrent_weights"
"""The products that read a recurrent layer's previous state: at its first step, the zero h_0, which needs no
gradient."""


def needs_input_gradient(env: LayerEnv, role: str, first_block: bool, steps: int | None = None) -> bool:
    """Does autograd compute the input gradient of a product of a weight of `role` (so keep what it reads: the
    weight)? Always for a tensor the layer computed; for the layer's own input (`Work.reads_input` roles of its
    first block) only when a gradient reaches it (`upstream`); with `steps`, over that many steps: the recurrent
    product of a single step reads only the zero initial state. backward_macs counts these gradients and
    memory's autocast copies keep these weights: one predicate."""
    if first_block and role in env.layer.work.reads_input and not env.upstream:
        return False
    return steps is None or role != ZERO_STATE_ROLE or steps > 1


def backward_macs(env: LayerEnv) -> tuple[Expr, Expr, Expr]:
    """Per step: (weight-gradient MACs, input-gradient MACs, input-gradient MACs of the first step).

    A product's weight gradient costs its forward MACs when the weight is trainable; its input gradient costs
    them again when its input needs a gradient: always for a tensor the layer computed, for the layer's own
    input (the products of `Work.reads_input` roles in its first block) only when a gradient reaches it. The
    recurrent products of the first step read the zero initial state, which needs no gradient."""
    if not _trained(env):
        return Const(0), Const(0), Const(0)
    bindings = dict(env.bindings)
    weight: list[Expr] = []
    inputs: list[Expr] = []
    first_step: list[Expr] = []
    first = True
    for copies, tensors in env.layer.plan.blocks():
        n = copies.evaluate(bindings)
        if n == 0:
            continue
        products = [t for t in tensors if t.role in MAC_ROLES]
        _block(weight, copies, [t.shape for t in products if t.trainable])
        own = [t.shape for t in products if not needs_input_gradient(env, t.role, first)]
        if own and env.cell is None and n > 1:  # a stack: only its first layer reads the input
            _block(inputs, add(copies, -1), own)
            _block(first_step, add(copies, -1), own)
        needed = [t for t in products if needs_input_gradient(env, t.role, first)]
        _block(inputs, copies, [t.shape for t in needed])
        _block(first_step, copies, [t.shape for t in needed if t.role != ZERO_STATE_ROLE])
        first = False
    if env.layer.work.attention:  # queries by keys and weights by values: both operands need their gradient
        inputs.append(mul(2, attention_macs(env)))
        first_step.append(mul(2, attention_macs(env)))
    if env.layer.work.scores:
        inputs.append(mul(2, score_macs(env)))
        first_step.append(mul(2, score_macs(env)))
    return _sum(weight, bindings), _sum(inputs, bindings), _sum(first_step, bindings)


def _block(terms: list[Expr], copies: Expr, shapes: list[tuple[Expr, ...]]) -> None:
    """copies × (Σ sizes), factored like a layer formula (4·H·(I + H))."""
    if shapes:
        block = factor(add(*(product(shape) for shape in shapes)))
        terms.append(block if copies == Const(1) else mul(copies, block))


def _sum(terms: list[Expr], bindings: Mapping[str, int]) -> Expr:
    return _drop_ones(add(*terms), bindings) if terms else Const(0)


def score_macs(env: LayerEnv) -> Expr:
    """Per query position: the declared score products (`Work.scores`) over the S positions it attends to; a term
    whose symbols the plan leaves unbound is not computed by this configuration (Attention's additive scores)."""
    terms = [term for term in env.layer.work.scores if all(k in env.bindings for k in term)]
    if not terms:
        return Const(0)
    return mul(env.positions_expr(), add(*(mul(*(Sym(k) for k in term)) for term in terms)))


def backward_bias(env: LayerEnv) -> Expr:
    """A trainable bias's gradient sums the gradient of its rows: one addition per bias number per position."""
    if not _trained(env):
        return Const(0)
    bindings = dict(env.bindings)
    terms: list[Expr] = []
    for copies, tensors in env.layer.plan.blocks():
        if copies.evaluate(bindings):
            _block(terms, copies, [t.shape for t in tensors if t.role in BIAS_ROLES and t.trainable])
    return _sum(terms, bindings)


def backward_elementwise(env: LayerEnv, forward: Expr) -> Expr:
    """The declared elementwise backward: a cell's per-unit count, a layer's per input number, or twice the
    forward's where nothing is declared."""
    if not _trained(env):
        return Const(0)
    cell, work = env.cell, env.layer.work
    if cell is not None and cell.backward:
        return mul(cell.backward, _copies(env), Sym("H"))
    if work.merge is not None:
        return _merge_flops(env, *work.merge[2:])
    if work.backward_per_number is not None and cell is None:
        return mul(work.backward_per_number, _width(env)) if work.backward_per_number else Const(0)
    return mul(2, forward) if forward != Const(0) else Const(0)


def layer_compute(env: LayerEnv) -> tuple[EstimateLine, ...]:
    """The step lines in the layer's own symbols; the sequence, batch and training lines in terms of them
    (M = MACs per step, F = FLOPs per step, M_b and F_b their backward), so each derivation stays one line of
    arithmetic."""
    b = dict(env.bindings)
    macs = weight_sizes(env, MAC_ROLES)
    if env.layer.work.attention:  # queries by keys, weights by values: no weight shape shows them
        macs = add(macs, attention_macs(env))
    if env.layer.work.scores:
        macs = add(macs, score_macs(env))
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
    w_grad, x_grad, x_first = backward_macs(env)
    back = [line("macs_weight_grad_step", w_grad, b, "MACs"), line("macs_input_grad_step", x_grad, b, "MACs"),
            line("bias_backward_step", _drop_ones(backward_bias(env), b), b, "FLOPs"),
            line("elementwise_backward_step", _drop_ones(backward_elementwise(env, elem), b), b, "FLOPs")]
    b.update({"M_w": back[0].value, "M_x": back[1].value, "Fb_b": back[2].value, "Fe_b": back[3].value})
    back.append(line("macs_backward_step", add(Sym("M_w"), Sym("M_x")), b, "MACs"))
    b["M_b"] = back[-1].value
    back.append(line("flops_backward_step", add(mul(2, Sym("M_b")), Sym("Fb_b"), Sym("Fe_b")), b, "FLOPs"))
    b["F_b"] = back[-1].value
    forward = mul(2, Sym("F")) if env.options.checkpointing else Sym("F")  # checkpointing runs it again
    train_step = line("flops_train_step", add(forward, Sym("F_b")), b, "FLOPs")
    b["F_t"] = train_step.value
    first = line("macs_input_grad_first_step", x_first, b, "MACs")
    out += back
    if first.value == back[1].value:  # every step alike
        seq, train_seq = scaled(Sym("M_b"), pos), scaled(Sym("F_t"), pos)
    else:  # the first step needs no gradient of the zero initial state
        b["M_x1"] = first.value
        b["M_b1"] = b["M_w"] + b["M_x1"]
        b["F_t1"] = (2 if env.options.checkpointing else 1) * b["F"] + 2 * b["M_b1"] + b["Fb_b"] + b["Fe_b"]
        out += [first, line("macs_backward_first_step", add(Sym("M_w"), Sym("M_x1")), b, "MACs"),
                line("flops_train_first_step", add(forward, mul(2, Sym("M_b1")), Sym("Fb_b"), Sym("Fe_b")), b,
                     "FLOPs")]
        rest = add(pos, -1)
        seq = Sym("M_b1") if rest == Const(0) else add(times(rest, Sym("M_b")), Sym("M_b1"))
        train_seq = Sym("F_t1") if rest == Const(0) else add(times(rest, Sym("F_t")), Sym("F_t1"))
    out += [line("macs_backward_sequence", seq, b, "MACs"), line("macs_backward_batch", times(batch, seq), b, "MACs"),
            train_step, line("flops_train_sequence", train_seq, b, "FLOPs"),
            line("flops_train_batch", times(batch, train_seq), b, "FLOPs")]
    return tuple(out)


def _drop_ones(expr: Expr, env: Mapping[str, int]) -> Expr:
    ones = {k: 1 for k in ("L", "D") if env.get(k) == 1}
    return expr.subs(ones) if ones else expr


__all__ = ["BIAS_ROLES", "MAC_ROLES", "layer_compute"]
