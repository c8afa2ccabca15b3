"""Keras activation layers: Activation, ReLU, LeakyReLU, ELU and Softmax have no weights; PReLU learns
`alpha`, of the input's shape without the batch, with 1 on each of `shared_axes` (PReLU(shared_axes=[1]) on
(N, T, C): alpha (1, C), like PyTorch's nn.PReLU(C))."""

from __future__ import annotations

from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Value
from ...symbolic import Const, Expr, Sym
from ..base import ANY, FLOAT, SHAPE, LayerContext, LayerPlan, Param, TensorSpec, fmt_shape, freeze
from ..equivalents import Built, Equivalent, NoEquivalent, make_layer, neutral
from ..families import ACTIVATIONS, Neutral
from ..work import INPUT, Keep, Work
from .common import BASE_IGNORED, Table, given_input, int_tuple, layer

ELEMENTWISE = Work(per_number=(1, 1))
"""One operation per number (the activation); nothing kept besides what the layers around keep."""
WORDS = MappingProxyType({"A": ("alpha size", "alpha 的大小"), **{
    f"A{k}": (f"alpha size (axis {k + 1})", f"alpha 的大小(第 {k + 1} 轴)") for k in range(4)}})


def plan_same(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    return LayerPlan((), freeze(), shape, shape)


def plan_relu(ctx: LayerContext) -> LayerPlan:
    for key in ("max_value", "negative_slope", "threshold"):
        value = ctx.cfg(key)
        if (value is None and key != "max_value") or (isinstance(value, (int, float)) and value < 0):
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} of a ReLU layer cannot be "
                              f"{'None or ' if key != 'max_value' else ''}a negative value. Received: {key}={value}")
    return plan_same(ctx)


def plan_leaky_relu(ctx: LayerContext) -> LayerPlan:
    slope = ctx.cfg("negative_slope")
    if slope is None or (isinstance(slope, (int, float)) and slope < 0):
        raise ConfigError(f"{ctx.name} (LeakyReLU): The negative_slope value of a Leaky ReLU layer cannot be None "
                          f"or negative value. Expected a float. Received: negative_slope={slope}")
    return plan_same(ctx)


def _shared(ctx: LayerContext, rank: int) -> tuple[int, ...]:
    value = ctx.cfg("shared_axes")
    axes = () if value is None else (value,) if isinstance(value, int) else int_tuple(value)
    if axes is None or not all(1 <= a < rank for a in axes):
        raise ConfigError(f"{ctx.name} (PReLU): shared_axes must be axes of the input after the batch (1 to "
                          f"{rank - 1}); got {value!r}.")
    return tuple(axes)


def plan_prelu(ctx: LayerContext) -> LayerPlan:
    """alpha: the input's shape without the batch, 1 on the shared axes; symbols A (one axis) or A0, A1..."""
    shape = given_input(ctx)
    shared = _shared(ctx, len(shape))
    sizes = [1 if k + 1 in shared else d for k, d in enumerate(shape[1:])]
    if any(d is None for d in sizes):
        raise ShapeError(f"{ctx.name} (PReLU): alpha takes the input's shape {fmt_shape(shape)} without the batch, "
                         "so every axis it keeps must be defined; share the free ones (shared_axes=[1] for a "
                         "sequence's time axis).")
    kept = [k for k, d in enumerate(sizes) if k + 1 not in shared]
    names = {k: "A" if len(kept) == 1 else f"A{k}" for k in kept}
    dims: tuple[Expr, ...] = tuple(Sym(names[k]) if k in names else Const(1) for k in range(len(sizes)))
    bindings = {names[k]: d for k in kept if (d := sizes[k]) is not None}
    alpha = TensorSpec("alpha", dims, "slope")  # one multiplication per number, not a weight product
    last = len(sizes) - 1
    return LayerPlan((alpha,), freeze(bindings), shape, shape, feature_axis=-1,
                     features=(names.get(last), Sym(names[last]) if last in names else None))


# --- equivalents: the activation family (by name) and prelu ----------------------------------------------------

def _read_activation(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    kind = spec.type
    fn: Value
    if kind == "Activation":
        fn = spec.get("activation")
    elif kind == "ReLU":
        plain = spec.get("negative_slope") == 0 and spec.get("threshold") == 0
        fn = "relu" if plain and spec.get("max_value") is None else "relu6" if plain and spec.get(
            "max_value") == 6 else None
    else:
        fn = {"LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax"}.get(kind)
    if not isinstance(fn, str) or fn not in ACTIVATIONS:
        raise NoEquivalent(f"{kind}({fn or ''}) is not one of the activations the frameworks share by name")
    return neutral("activation", fn=fn)


def _read_prelu(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    (alpha,) = plan.tensors
    dims = [d.evaluate(dict(plan.bindings)) for d in alpha.shape]
    if all(d == 1 for d in dims):
        return neutral("prelu", **{"in": None}, shared=True)
    if any(d != 1 for d in dims[:-1]):
        raise NoEquivalent("a PReLU alpha over several axes has no one-axis equivalent")
    return neutral("prelu", **{"in": dims[-1]}, shared=False)


def declare(table: Table) -> None:
    layers = table.layers

    def activation(n: Neutral) -> Built:
        return (make_layer(layers, "Activation", activation=n.get("fn")),), (None,)

    def prelu(n: Neutral) -> Built:
        """On a sequence (N, T, C): one slope per channel, shared over time (or one for all)."""
        axes = (1, 2) if n.flag("shared") else (1,)
        return (make_layer(layers, "PReLU", shared_axes=axes),), (None, n.size("in"))

    table.writers.update(activation=activation, prelu=prelu)
    read = Equivalent(_read_activation)
    table.add(
        layer("Activation", "activation", (Param("activation", kind=ANY),), plan_same, work=ELEMENTWISE,
              equivalent=Equivalent(_read_activation, {"activation": ("fn",)}, table.write)),
        layer("ReLU", "re_lu", (Param("max_value", None, FLOAT), Param("negative_slope", 0.0, FLOAT),
                                Param("threshold", 0.0, FLOAT)), plan_relu, work=ELEMENTWISE, equivalent=read),
        layer("LeakyReLU", "leaky_re_lu", (Param("negative_slope", 0.3, FLOAT),), plan_leaky_relu,
              BASE_IGNORED | {"alpha"}, work=ELEMENTWISE, equivalent=read),
        layer("ELU", "elu", (Param("alpha", 1.0, FLOAT),), plan_same, work=ELEMENTWISE, equivalent=read),
        layer("Softmax", "softmax", (Param("axis", -1, SHAPE),), plan_same, work=ELEMENTWISE, equivalent=read),
        layer("PReLU", "p_re_lu", (Param("alpha_initializer", "Zeros"), Param("alpha_regularizer", None),
                                   Param("alpha_constraint", None), Param("shared_axes", None, SHAPE)), plan_prelu,
              work=Work(per_number=(1, 1), keeps=(Keep(INPUT, trainable_only=True),)), words=WORDS,
              equivalent=Equivalent(_read_prelu, {"prelu": ("shared",)}, table.write)),
    )



__all__ = ["declare", "plan_prelu", "plan_relu", "plan_same"]
