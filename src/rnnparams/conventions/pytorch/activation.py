"""PyTorch activations (`torch.nn.modules.activation`, MultiheadAttention aside): elementwise, so they keep their
input's shape, except GLU, which halves its `dim`. Only PReLU has a parameter: `weight` (num_parameters), one
slope for every channel (dim 1) or one for all.

What each keeps for backward was measured with saved_tensors_hooks (torch 2.13, CPU): ReLU, Sigmoid, Tanh and
the softmaxes their output; most others their input; Softsign, LogSigmoid and RReLU one more input-sized tensor.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError, FeatureMismatch, ShapeError
from ...spec import LayerSpec, Shape, Value
from ...symbolic import Sym
from ..base import (
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    REQUIRED,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    Recognised,
    TensorGroup,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
)
from ..equivalents import Built, Equivalent, make_layer
from ..families import Neutral, neutral
from ..recognise import only, rank
from ..work import INPUT, INPUT_SIZED, OUTPUT, Keep, Work
from .common import in_or_default, layer
from .table import LAYERS

INPLACE = Param("inplace", False, BOOL)
KEEPS_INPUT = Work(per_number=(1, 1), keeps=(Keep(INPUT),), keeps_layout=True, autocast="follow")
KEEPS_OUTPUT = Work(per_number=(1, 1), keeps=(Keep(OUTPUT),), keeps_layout=True, autocast="follow")
KEEPS_TWO = Work(per_number=(1, 1), keeps=(Keep(INPUT), Keep(INPUT_SIZED)))
SOFTMAX_WORK = Work(per_number=(3, 3), keeps=(Keep(OUTPUT),))
"""exp, the sum over the axis, the division (or the log of the sum): 3 FLOPs per number."""

FUNCTIONS: Mapping[str, str] = MappingProxyType({
    "ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "ELU": "elu", "SELU": "selu", "CELU": "celu",
    "GELU": "gelu", "SiLU": "silu", "Mish": "mish", "Sigmoid": "sigmoid", "Hardsigmoid": "hard_sigmoid",
    "Tanh": "tanh", "Softmax": "softmax", "LogSoftmax": "log_softmax", "Softplus": "softplus",
    "Softsign": "softsign", "Hardswish": "hard_swish", "Hardtanh": "hard_tanh", "LogSigmoid": "log_sigmoid",
    "Tanhshrink": "tanh_shrink", "Softshrink": "soft_shrink", "Hardshrink": "hard_shrink", "Identity": "linear"})
"""Each torch activation's name in the neutral `activation` family."""
CLASSES = {fn: cls for cls, fn in FUNCTIONS.items()}

PRELU_TENSORS = (TensorTemplate("weight", (Sym("N_p"),), "slope"),)
PRELU_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "N_p": ("slopes (num_parameters)", "斜率个数(num_parameters)"), "slope": ("Slopes", "斜率")})


def plan_elementwise(ctx: LayerContext) -> LayerPlan:
    """Every number on its own: the output has the input's shape."""
    shape = in_or_default(ctx, (None,))
    return LayerPlan((), freeze(), shape, shape)


def plan_hardtanh(ctx: LayerContext) -> LayerPlan:
    low, high = _number(ctx, "min_value", "min_val"), _number(ctx, "max_value", "max_val")
    if not high > low:  # torch asserts it in __init__
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): max_val must be greater than min_val "
                          f"(got min_val={low}, max_val={high}).")
    return plan_elementwise(ctx)


def _number(ctx: LayerContext, alias: str, key: str) -> float:
    """Hardtanh's min_value / max_value, the deprecated spellings, win over min_val / max_val when given."""
    value = ctx.spec.get(alias)
    value = ctx.cfg(key) if value is None else value
    assert isinstance(value, (int, float))
    return float(value)


def plan_gelu(ctx: LayerContext) -> LayerPlan:
    if ctx.cfg("approximate") not in ("none", "tanh"):
        raise ConfigError(f"{ctx.name} (GELU): approximate argument must be either none or tanh "
                          f"(got {ctx.cfg('approximate')!r}).")
    return plan_elementwise(ctx)


def _axis(ctx: LayerContext, shape: Shape, dim: int) -> int:
    rank = len(shape)
    if not -max(rank, 1) <= dim < max(rank, 1):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Dimension out of range (expected to be in range of "
                         f"[{-max(rank, 1)}, {max(rank, 1) - 1}], but got {dim}): its input has shape "
                         f"{fmt_shape(shape)}.")
    return dim % max(rank, 1)


def plan_softmax(ctx: LayerContext) -> LayerPlan:
    """Softmax, LogSoftmax, Softmin over `dim`; without one torch picks dim 0 for 0-, 1- and 3-D inputs and 1
    otherwise, and warns."""
    shape = in_or_default(ctx, (None, None))
    dim = ctx.cfg("dim")
    warnings: tuple[str, ...] = ()
    if dim is None:
        implicit = 0 if len(shape) in (0, 1, 3) else 1
        warnings = (f"{ctx.name} ({ctx.spec.type}): Implicit dimension choice for {ctx.spec.type.lower()} has been "
                    f"deprecated. Change the call to include dim={implicit} as an argument.",)
    else:
        assert isinstance(dim, int)
        _axis(ctx, shape, dim)
    return LayerPlan((), freeze(), shape, shape, warnings=warnings)


def plan_softmax2d(ctx: LayerContext) -> LayerPlan:
    shape = in_or_default(ctx, (None, None, None, None))
    if len(shape) not in (3, 4):
        raise ShapeError(f"{ctx.name} (Softmax2d): Softmax2d: expected input to be 3D or 4D, got {len(shape)}D "
                         f"instead (shape {fmt_shape(shape)}).")
    return LayerPlan((), freeze(), shape, shape)


def plan_glu(ctx: LayerContext) -> LayerPlan:
    """a ⊗ σ(b), the two halves of `dim`: that axis halves."""
    shape = in_or_default(ctx, (None, None))
    if not shape:
        raise ShapeError(f"{ctx.name} (GLU): glu does not support scalars because halving size must be even.")
    dim = ctx.cfg("dim")
    assert isinstance(dim, int)
    axis = _axis(ctx, shape, dim)
    size = shape[axis]
    if size is not None and size % 2:
        raise ShapeError(f"{ctx.name} (GLU): Halving dimension must be even, but dimension {axis} is size {size} "
                         f"(input shape {fmt_shape(shape)}).")
    out = list(shape)
    out[axis] = None if size is None else size // 2
    return LayerPlan((), freeze(), shape, tuple(out))


def plan_prelu(ctx: LayerContext) -> LayerPlan:
    """weight (num_parameters): one slope per channel of dim 1 (dim 0 of a 1-D input), or one for all."""
    n = ctx.int("num_parameters")
    shape = in_or_default(ctx, (None, n) if n > 1 else (None,))
    if n > 1:
        channels = shape[1] if len(shape) >= 2 else shape[0] if shape else None
        if not shape:
            raise ShapeError(f"{ctx.name} (PReLU): Not allow zero-dim input tensor.")
        if channels is not None and channels != n:
            raise FeatureMismatch(f"{ctx.name} (PReLU): Mismatch of parameter numbers and input channel size. "
                                  f"Found parameter numbers = {n} and channel size = {channels} (input shape "
                                  f"{fmt_shape(shape)}).", ctx.spec, "num_parameters", channels)
    tensors = expand(PRELU_TENSORS, flags={})
    return LayerPlan(tuple(tensors), freeze({"N_p": n}), shape, shape, feature_axis=1 if len(shape) > 1 else -1)


# --- equivalents ---------------------------------------------------------------------------------------------

def _read_activation(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    return neutral("activation", fn=FUNCTIONS[spec.type])


def _write_activation(n: Neutral) -> Built:
    fn = str(n.get("fn"))
    name = CLASSES[fn]
    config: dict[str, Value] = {"dim": -1} if name in ("Softmax", "LogSoftmax") else {}
    return (make_layer(LAYERS, name, **config),), None


ACTIVATION = Equivalent(_read_activation, {}, None)
WRITES_ACTIVATION = Equivalent(_read_activation, {"activation": ("fn",)}, _write_activation)


def _read_prelu(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    n = plan.bindings["N_p"]
    return neutral("prelu", **{"in": None if n == 1 else n}, shared=n == 1)


def _write_prelu(n: Neutral) -> Built:
    shared = n.flag("shared") or n.size("in") is None
    return (make_layer(LAYERS, "PReLU", num_parameters=1 if shared else n.int("in")),), None


def _recognise_prelu(group: TensorGroup) -> Recognised | None:
    """A lone 1-D `weight` under a path that says PReLU (a LayerNorm has a bias beside it, or a 2-D weight
    would be a Linear)."""
    weight = rank(group, "weight", 1)
    if weight is None or not only(group, PRELU_TENSORS, ("weight",)) or "prelu" not in group.path.lower():
        return None
    return Recognised({"num_parameters": weight[0]})


def _act(name: str, params: tuple[Param, ...] = (), plan: PlanFn = plan_elementwise, work: Work = KEEPS_INPUT,
         equivalent: Equivalent | None = None) -> LayerConvention:
    reads = equivalent if equivalent is not None else ACTIVATION if name in FUNCTIONS else None
    return replace(layer(name, params, plan, work=work, equivalent=reads, ignored=frozenset()), stateless=True)


SLOPE = Param("negative_slope", 0.01, FLOAT)
DIM = Param("dim", None, INT)

CONVENTIONS = (
    _act("ReLU", (INPLACE,), work=KEEPS_OUTPUT, equivalent=WRITES_ACTIVATION),
    _act("ReLU6", (INPLACE,)),
    _act("LeakyReLU", (SLOPE, INPLACE)),
    _act("RReLU", (Param("lower", 1 / 8, FLOAT), Param("upper", 1 / 3, FLOAT), INPLACE), work=KEEPS_TWO),
    _act("ELU", (Param("alpha", 1.0, FLOAT), INPLACE)),
    _act("CELU", (Param("alpha", 1.0, FLOAT), INPLACE)),
    _act("SELU", (INPLACE,)),
    _act("GELU", (Param("approximate", "none", CHOICE, ("none", "tanh")),), plan_gelu),
    _act("SiLU", (INPLACE,)),
    _act("Mish", (INPLACE,)),
    _act("Sigmoid", work=KEEPS_OUTPUT),
    _act("Hardsigmoid", (INPLACE,)),
    _act("Tanh", work=KEEPS_OUTPUT),
    _act("Hardtanh", (Param("min_val", -1.0, FLOAT), Param("max_val", 1.0, FLOAT), INPLACE,
                      Param("min_value", None, FLOAT), Param("max_value", None, FLOAT)), plan_hardtanh),
    _act("Hardswish", (INPLACE,)),
    _act("Threshold", (Param("threshold", REQUIRED, FLOAT), Param("value", REQUIRED, FLOAT), INPLACE)),
    _act("Hardshrink", (Param("lambd", 0.5, FLOAT),)),
    _act("Softshrink", (Param("lambd", 0.5, FLOAT),)),
    _act("Tanhshrink", work=Work(per_number=(2, 2), keeps=(Keep(INPUT_SIZED),))),
    _act("Softplus", (Param("beta", 1.0, FLOAT), Param("threshold", 20.0, FLOAT))),
    _act("Softsign", work=KEEPS_TWO),
    _act("LogSigmoid", work=KEEPS_TWO),
    _act("GLU", (Param("dim", -1, INT),), plan_glu),
    _act("Softmax", (DIM,), plan_softmax, SOFTMAX_WORK),
    _act("LogSoftmax", (DIM,), plan_softmax, SOFTMAX_WORK),
    _act("Softmin", (DIM,), plan_softmax, SOFTMAX_WORK),
    _act("Softmax2d", (), plan_softmax2d, SOFTMAX_WORK),
    layer("PReLU", (Param("num_parameters", 1, SIZE), Param("init", 0.25, FLOAT)), plan_prelu,
          work=Work(per_number=(1, 1), keeps=(Keep(INPUT),)),
          equivalent=Equivalent(_read_prelu, {"prelu": ("in", "shared")}, _write_prelu), recognise=_recognise_prelu,
          words=PRELU_WORDS),
)

__all__ = ["CONVENTIONS", "FUNCTIONS", "PRELU_TENSORS"]
