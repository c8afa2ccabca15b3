"""PyTorch losses and distances. Losses hold no parameters, but a class `weight` (and BCEWithLogitsLoss'
`pos_weight`) given to one is registered as a buffer: saved in the state_dict, listed by `named_buffers()`,
and counted here as one when its size is written (`weight=torch.ones(10)`). nn.AdaptiveLogSoftmaxWithLoss and
nn.LinearCrossEntropyLoss do hold parameters: a head and tail of linear layers, and one linear layer.

In a chain a loss receives the tensor before it (its target is not part of the model): with reduction 'mean'
or 'sum' it returns a scalar; with 'none' one loss per element, per sample, or per position, as torch does.
The distances compare the tensor they receive with itself.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import Shape, Value
from ...symbolic import Const, Expr, Sym
from ..base import (
    ANY,
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    SHAPE,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    TensorSpec,
    check_features,
    fmt_shape,
    freeze,
)
from ..work import Work
from .common import FOR_WEIGHTS, in_or_default, layer

REDUCTION = Param("reduction", "mean", CHOICE, ("none", "mean", "sum"))
LEGACY = (Param("size_average", None, ANY), Param("reduce", None, ANY))
WEIGHT = Param("weight", None, ANY)
TENSOR_MAKERS = frozenset({"zeros", "ones", "rand", "randn", "empty", "full", "tensor", "Tensor", "FloatTensor",
                           "as_tensor", "linspace", "arange"})
WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "loss_buffer": ("Class weights (a buffer)", "类别权重(缓冲区)"),
    "C_weight": ("classes weighted", "加权的类别数"), "C_pos_weight": ("classes weighted (pos_weight)",
                                                                   "正样本加权的类别数")})


def tensor_shape(value: Value) -> tuple[int, ...] | str | None:
    """The shape of a tensor argument as written (`torch.ones(10)`, `torch.tensor([1., 2.])`), None for no
    tensor, "unknown" for one whose size is not written."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "unknown"
    try:
        node = ast.parse(value, mode="eval").body
    except SyntaxError:
        return "unknown"
    if not isinstance(node, ast.Call):
        return "unknown"
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in TENSOR_MAKERS:
        return "unknown"
    if name in ("tensor", "as_tensor", "Tensor", "FloatTensor") and node.args and isinstance(
            node.args[0], (ast.List, ast.Tuple)):
        return _data_shape(node.args[0])
    if name == "arange" and node.args and all(isinstance(a, ast.Constant) and isinstance(a.value, int)
                                              for a in node.args):
        bounds = [a.value for a in node.args]  # type: ignore[attr-defined]
        return (len(range(*bounds)),)
    sizes = node.args[0].elts if name == "full" and node.args and isinstance(node.args[0], (ast.Tuple, ast.List)) \
        else node.args[0].elts if len(node.args) == 1 and isinstance(node.args[0], (ast.Tuple, ast.List)) \
        else node.args
    if name == "linspace":
        sizes = node.args[2:3]
    out = []
    for s in sizes:
        if not (isinstance(s, ast.Constant) and isinstance(s.value, int) and not isinstance(s.value, bool)):
            return "unknown"
        out.append(s.value)
    return tuple(out)


def _data_shape(node: ast.expr) -> tuple[int, ...] | str:
    if isinstance(node, (ast.List, ast.Tuple)):
        inner = [_data_shape(e) for e in node.elts]
        if inner and all(i == inner[0] for i in inner) and not isinstance(inner[0], str):
            return (len(node.elts), *inner[0])
        return (0,) if not inner else "unknown"
    return ()


def loss_buffers(ctx: LayerContext, keys: tuple[str, ...]) -> tuple[list[TensorSpec], dict[str, int], list[str]]:
    """The loss's tensor arguments as buffers (a named shape each), with their bindings and the warnings for
    those whose size is not written."""
    tensors: list[TensorSpec] = []
    bindings: dict[str, int] = {}
    warnings: list[str] = []
    for key in keys:
        shape = tensor_shape(ctx.spec.get(key))
        if shape is None:
            continue
        if isinstance(shape, str):
            warnings.append(f"{ctx.name} ({ctx.spec.type}): its {key} is registered as a buffer of the loss, but "
                            "its size is not written where the loss is made, so it is not counted")
            continue
        syms: tuple[Expr, ...] = tuple(Sym(f"C_{key}{k}" if len(shape) > 1 else f"C_{key}")
                                       for k in range(len(shape)))
        for sym_, d in zip(syms, shape, strict=True):
            bindings[sym_.name] = d  # type: ignore[attr-defined]
        tensors.append(TensorSpec(key, syms, "loss_buffer", trainable=False, buffer=True))
    return tensors, bindings, warnings


# --- output shapes in a chain ---------------------------------------------------------------------------------

ELEMENTWISE, CLASSES, SAMPLES, PER_SAMPLE_VECTOR = "elementwise", "classes", "samples", "vector"


def plan_loss(kind: str, buffers: tuple[str, ...] = ()) -> PlanFn:
    """`kind` says what reduction='none' returns: the input's shape (elementwise), the input without its class
    axis (classes: dim 1, or the only axis of an unbatched input), one loss per sample (samples: the first
    axis), or one per row of the last axis (vector: triplets, cosine embeddings)."""
    def plan(ctx: LayerContext) -> LayerPlan:
        shape = in_or_default(ctx, (None, None))
        reduction = ctx.spec.get("reduction", "mean")
        if ctx.spec.get("reduce") is False or ctx.spec.get("size_average") is not None:
            reduction = "none" if ctx.spec.get("reduce") is False else reduction
        out: Shape = ()
        if reduction == "none":
            if kind == ELEMENTWISE:
                out = shape
            elif kind == CLASSES:
                out = (shape[0], *shape[2:]) if len(shape) >= 2 else ()
            elif kind == SAMPLES:
                out = shape[:1] if len(shape) >= 2 else ()
            else:
                out = shape[:-1]
        tensors, bindings, warnings = loss_buffers(ctx, buffers)
        return LayerPlan(tuple(tensors), freeze(bindings), shape, out, warnings=tuple(warnings))
    return plan


def _loss(name: str, params: tuple[Param, ...], kind: str, buffers: tuple[str, ...] = ()) -> LayerConvention:
    return LayerConvention(name, params, plan_loss(kind, buffers), name.lower(), frozenset(), work=Work(),
                           words=WORDS, stateless=True)


def plan_multimargin(ctx: LayerContext) -> LayerPlan:
    if ctx.cfg("p") not in (1, 2):
        raise ConfigError(f"{ctx.name} (MultiMarginLoss): only p == 1 and p == 2 supported")
    shape = tensor_shape(ctx.spec.get("weight"))
    if isinstance(shape, tuple) and len(shape) != 1:
        raise ConfigError(f"{ctx.name} (MultiMarginLoss): MultiMarginLoss: expected weight to be None or 1D tensor, "
                          f"got {len(shape)}D instead")
    return plan_loss(SAMPLES, ("weight",))(ctx)


# --- losses with parameters -----------------------------------------------------------------------------------

def plan_adaptive_log_softmax(ctx: LayerContext) -> LayerPlan:
    """head: Linear(in_features, shortlist + clusters, bias=head_bias); tail i: Linear(in, h_i, bias=False) then
    Linear(h_i, o_i, bias=False), h_i = in_features // div_value^(i+1), o_i the size of cluster i."""
    name = f"{ctx.name} (AdaptiveLogSoftmaxWithLoss)"
    i, n = ctx.int("in_features"), ctx.int("n_classes")
    raw = ctx.cfg("cutoffs")
    values = list(raw) if isinstance(raw, (tuple, list)) else [raw] if isinstance(raw, int) else []
    if not values:
        raise ConfigError(f"{name}: cutoffs should be a sequence of length larger than 0")
    cutoffs = [c for c in values if isinstance(c, int) and not isinstance(c, bool)]
    if (len(cutoffs) != len(values) or cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0 or max(cutoffs) > n - 1 or len(set(cutoffs)) != len(cutoffs)):
        raise ConfigError(f"{name}: cutoffs should be a sequence of unique, positive integers sorted in an "
                          "increasing order, where each value is between 1 and n_classes-1")
    div = ctx.cfg("div_value")
    assert isinstance(div, (int, float))
    bounds = [*cutoffs, n]
    clusters = len(bounds) - 1
    I_ = Sym("I")
    tensors = [TensorSpec("head.weight", (Const(bounds[0] + clusters), I_), "weight")]
    if ctx.cfg("head_bias"):
        tensors.append(TensorSpec("head.bias", (Const(bounds[0] + clusters),), "bias"))
    for k in range(clusters):
        hidden = int(i // (div ** (k + 1)))
        tensors += [TensorSpec(f"tail.{k}.0.weight", (Const(hidden), I_), "weight"),
                    TensorSpec(f"tail.{k}.1.weight", (Const(bounds[k + 1] - bounds[k]), Const(hidden)), "weight")]
    shape = in_or_default(ctx, (None, i))
    if len(shape) not in (1, 2):
        raise ShapeError(f"{name}: input should be 1D or 2D, got shape {fmt_shape(shape)}")
    check_features(ctx, i, shape[-1], "in_features")
    return LayerPlan(tuple(tensors), freeze({"I": i}), shape, shape[:-1], freeze({"loss": ()}), features=("I", None))


def plan_linear_cross_entropy(ctx: LayerContext) -> LayerPlan:
    """linear: Linear(in_features, num_classes·∏out_features, bias); a class `weight` is a buffer."""
    i, c = ctx.int("in_features"), ctx.int("num_classes")
    raw = ctx.cfg("out_features")
    items = (raw,) if isinstance(raw, int) else tuple(raw) if isinstance(raw, (tuple, list)) else None
    extra = tuple(d for d in items or () if isinstance(d, int) and not isinstance(d, bool) and d > 0)
    if items is None or len(extra) != len(items):
        raise ConfigError(f"{ctx.name} (LinearCrossEntropyLoss): out_features must be a tuple of positive ints "
                          f"(got {raw!r})")
    width = c * math.prod(extra)
    O_ = Sym("O")
    tensors = [TensorSpec("linear.weight", (O_, Sym("I")), "weight")]
    if ctx.cfg("bias"):
        tensors.append(TensorSpec("linear.bias", (O_,), "bias"))
    buffers, bindings, warnings = loss_buffers(ctx, ("weight",))
    shape = in_or_default(ctx, (None, i))
    check_features(ctx, i, shape[-1] if shape else None, "in_features")
    out = (*shape[:-1], *extra) if ctx.cfg("reduction") == "none" else ()
    return LayerPlan((*tensors, *buffers), freeze({"I": i, "O": width, **bindings}), shape, out,
                     warnings=tuple(warnings), features=("I", None))


# --- distances ------------------------------------------------------------------------------------------------

def plan_cosine_similarity(ctx: LayerContext) -> LayerPlan:
    """cos(x1, x2) along `dim`: that axis goes (x1 = x2 = the tensor it receives)."""
    shape = in_or_default(ctx, (None, None))
    dim = ctx.int("dim")
    rank = max(len(shape), 1)
    if not -rank <= dim < rank:
        raise ShapeError(f"{ctx.name} (CosineSimilarity): Dimension out of range (expected to be in range of "
                         f"[{-rank}, {rank - 1}], but got {dim})")
    axis = dim % rank
    return LayerPlan((), freeze(), shape, shape[:axis] + shape[axis + 1:])


def plan_pairwise_distance(ctx: LayerContext) -> LayerPlan:
    """‖x1 − x2 + eps‖_p over the last axis (kept as 1 with keepdim)."""
    shape = in_or_default(ctx, (None, None))
    if not shape:
        raise ShapeError(f"{ctx.name} (PairwiseDistance): expects at least one dimension")
    out = (*shape[:-1], 1) if ctx.cfg("keepdim") else shape[:-1]
    return LayerPlan((), freeze(), shape, out)


CE = (WEIGHT, *LEGACY[:1], Param("ignore_index", -100, INT), LEGACY[1], REDUCTION)

CONVENTIONS = (
    _loss("L1Loss", (*LEGACY, REDUCTION), ELEMENTWISE),
    _loss("MSELoss", (*LEGACY, REDUCTION), ELEMENTWISE),
    _loss("CrossEntropyLoss", (*CE, Param("label_smoothing", 0.0, FLOAT)), CLASSES, ("weight",)),
    _loss("NLLLoss", CE, CLASSES, ("weight",)),
    _loss("NLLLoss2d", CE, CLASSES, ("weight",)),
    _loss("CTCLoss", (Param("blank", 0, INT), REDUCTION, Param("zero_infinity", False, BOOL)), SAMPLES),
    _loss("PoissonNLLLoss", (Param("log_input", True, BOOL), Param("full", False, BOOL), LEGACY[0],
                             Param("eps", 1e-8, FLOAT), LEGACY[1], REDUCTION), ELEMENTWISE),
    _loss("GaussianNLLLoss", (Param("full", False, BOOL, positional=False), Param("eps", 1e-6, FLOAT, positional=False),
                              Param("reduction", "mean", CHOICE, ("none", "mean", "sum"), positional=False)),
          ELEMENTWISE),
    _loss("KLDivLoss", (*LEGACY, REDUCTION, Param("log_target", False, BOOL)), ELEMENTWISE),
    _loss("BCELoss", (WEIGHT, *LEGACY, REDUCTION), ELEMENTWISE, ("weight",)),
    _loss("BCEWithLogitsLoss", (WEIGHT, *LEGACY, REDUCTION, Param("pos_weight", None, ANY)), ELEMENTWISE,
          ("weight", "pos_weight")),
    _loss("MarginRankingLoss", (Param("margin", 0.0, FLOAT), *LEGACY, REDUCTION), ELEMENTWISE),
    _loss("HingeEmbeddingLoss", (Param("margin", 1.0, FLOAT), *LEGACY, REDUCTION), ELEMENTWISE),
    _loss("MultiLabelMarginLoss", (*LEGACY, REDUCTION), SAMPLES),
    _loss("HuberLoss", (REDUCTION, Param("delta", 1.0, FLOAT)), ELEMENTWISE),
    _loss("SmoothL1Loss", (*LEGACY, REDUCTION, Param("beta", 1.0, FLOAT)), ELEMENTWISE),
    _loss("SoftMarginLoss", (*LEGACY, REDUCTION), ELEMENTWISE),
    _loss("MultiLabelSoftMarginLoss", (WEIGHT, *LEGACY, REDUCTION), SAMPLES, ("weight",)),
    _loss("CosineEmbeddingLoss", (Param("margin", 0.0, FLOAT), *LEGACY, REDUCTION), PER_SAMPLE_VECTOR),
    LayerConvention("MultiMarginLoss", (Param("p", 1, INT), Param("margin", 1.0, FLOAT), WEIGHT, *LEGACY, REDUCTION),
                    plan_multimargin, "multimarginloss", frozenset(), work=Work(), words=WORDS, stateless=True),
    _loss("TripletMarginLoss", (Param("margin", 1.0, FLOAT), Param("p", 2.0, FLOAT), Param("eps", 1e-6, FLOAT),
                                Param("swap", False, BOOL), *LEGACY, REDUCTION), PER_SAMPLE_VECTOR),
    _loss("TripletMarginWithDistanceLoss", (
        Param("distance_function", None, ANY, positional=False), Param("margin", 1.0, FLOAT, positional=False),
        Param("swap", False, BOOL, positional=False),
        Param("reduction", "mean", CHOICE, ("none", "mean", "sum"), positional=False)), PER_SAMPLE_VECTOR),
    layer("AdaptiveLogSoftmaxWithLoss", (
        Param("in_features", kind=SIZE), Param("n_classes", kind=SIZE), Param("cutoffs", kind=SHAPE),
        Param("div_value", 4.0, FLOAT), Param("head_bias", False, BOOL)), plan_adaptive_log_softmax,
        work=Work(keeps=(FOR_WEIGHTS,), flattens_input=True)),
    layer("LinearCrossEntropyLoss", (
        Param("in_features", kind=SIZE), Param("num_classes", kind=SIZE),
        Param("out_features", (), SHAPE, positional=False), Param("bias", False, BOOL, positional=False),
        Param("reduction", "mean", CHOICE, ("none", "mean", "sum"), positional=False),
        Param("weight", None, ANY, positional=False), Param("ignore_index", None, INT, positional=False),
        Param("label_smoothing", 0.0, FLOAT, positional=False), Param("options", None, ANY, positional=False)),
        plan_linear_cross_entropy, work=Work(keeps=(FOR_WEIGHTS,), flattens_input=True), words=WORDS),
    LayerConvention("CosineSimilarity", (Param("dim", 1, INT), Param("eps", 1e-8, FLOAT)), plan_cosine_similarity,
                    "cosinesimilarity", frozenset(), work=Work(), stateless=True),
    LayerConvention("PairwiseDistance", (Param("p", 2.0, FLOAT), Param("eps", 1e-6, FLOAT),
                                         Param("keepdim", False, BOOL)), plan_pairwise_distance,
                    "pairwisedistance", frozenset(), work=Work(), stateless=True),
)

__all__ = ["CONVENTIONS", "loss_buffers", "tensor_shape"]
