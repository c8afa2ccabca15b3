"""PyTorch (`torch.nn`) conventions, as `named_parameters()` and `named_buffers()` report them.

Recurrent layers: for each layer l and direction (suffix `_reverse`), `weight_ih_l{l}` (G·H, I_l),
`weight_hh_l{l}` (G·H, H_out), `bias_ih_l{l}` and `bias_hh_l{l}` (G·H): two bias vectors, where Keras
keeps one. I_0 = I and I_l = D·H_out above, H_out = P with `proj_size=P` (LSTM, adds `weight_hr_l{l}`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from .._record import replace
from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Expr, Sym, add, mul
from .base import (
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    MAX_STACKED_LAYERS,
    NONNEG,
    SHAPE,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    check_features,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from .equivalents import (
    Built,
    Equivalent,
    conv1d_values,
    has_bias,
    make_layer,
    need,
    norm_values,
    read_dense,
    read_embedding,
    read_recurrent,
    refuse_peepholes,
)
from .families import KERNEL_2D_WORDS, Neutral, neutral
from .recognise import only, rank, stacked_pattern, torch_path
from .work import (
    CHANNEL_STATS,
    GRU_CELL,
    INDICES,
    INPUT,
    LSTM_CELL,
    OUTPUT_POSITIONS,
    RNN_CELL,
    ROW_STATS,
    TOKENS,
    TORCH_RUNTIME,
    Cell,
    Keep,
    Work,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

I, H, P, D, L = (Sym(n) for n in ("I", "H", "P", "D", "L"))
O, V, E, C, K = (Sym(n) for n in ("O", "V", "E", "C", "K"))
IN, HOUT, GROUPS = Sym("I_l"), Sym("H_out"), Sym("groups")

GATES = {"RNN": ("h",), "LSTM": ("i", "f", "g", "o"), "GRU": ("r", "z", "n")}


def recurrent_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    """The weights of one layer and direction of nn.RNN/LSTM/GRU (or of one cell: `at` is empty)."""
    gh = mul(len(gates), H)
    return (
        TensorTemplate("weight_ih{at}", (gh, IN), "input_weights", gates=gates),
        TensorTemplate("weight_hh{at}", (gh, HOUT), "recurrent_weights", gates=gates),
        TensorTemplate("bias_ih{at}", (gh,), "input_bias", when="bias", gates=gates),
        TensorTemplate("bias_hh{at}", (gh,), "recurrent_bias", when="bias", gates=gates),
        TensorTemplate("weight_hr{at}", (P, H), "projection", when="proj"),
    )


TENSORS = {kind: recurrent_tensors(gates) for kind, gates in GATES.items()}
LINEAR_TENSORS = (
    TensorTemplate("weight", (O, I), "weight"),
    TensorTemplate("bias", (O,), "bias", when="bias"),
)
EMBEDDING_TENSORS = (TensorTemplate("weight", (V, E), "embedding", when="trainable"),
                     TensorTemplate("weight", (V, E), "embedding", when="frozen", trainable=False))
CONV1D_TENSORS = (
    TensorTemplate("weight", (O, Sym("C_g"), K), "weight"),  # C_g: input channels per group
    TensorTemplate("bias", (O,), "bias", when="bias"),
)
CONV2D_TENSORS = (
    TensorTemplate("weight", (O, Sym("C_g"), Sym("K_h"), Sym("K_w")), "weight"),  # C_g: input channels per group
    TensorTemplate("bias", (O,), "bias", when="bias"),
)
BATCHNORM_TENSORS = (
    TensorTemplate("weight", (C,), "scale", when="affine"),
    TensorTemplate("bias", (C,), "shift", when="affine"),
    TensorTemplate("running_mean", (C,), "running_mean", when="track", trainable=False, buffer=True),
    TensorTemplate("running_var", (C,), "running_var", when="track", trainable=False, buffer=True),
    TensorTemplate("num_batches_tracked", (), "counter", when="track", trainable=False, buffer=True),
)
LAYERNORM_TENSORS = (
    TensorTemplate("weight", (Sym("N"),), "scale", when="affine"),
    TensorTemplate("bias", (Sym("N"),), "shift", when="bias"),
)

_RNN_PARAMS = (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
               Param("num_layers", 1, SIZE, maximum=MAX_STACKED_LAYERS))
_TAIL = (Param("bias", True, BOOL), Param("batch_first", False, BOOL), Param("dropout", 0.0, FLOAT),
         Param("bidirectional", False, BOOL))
_PROJ = Param("proj_size", 0, NONNEG)  # LSTM only: torch's RNN and GRU refuse the argument, even proj_size=0
_DEVICE = frozenset({"device", "dtype"})
_NONLIN = Param("nonlinearity", "tanh", CHOICE, ("tanh", "relu"))


def _in_or_default(ctx: LayerContext, default: Shape) -> Shape:
    return default if ctx.in_shape is None else ctx.in_shape


def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    i, h, layers = ctx.int("input_size"), ctx.int("hidden_size"), ctx.int("num_layers")
    raw_proj = ctx.spec.get("proj_size", 0)
    proj = raw_proj if isinstance(raw_proj, int) else 0
    dropout = ctx.cfg("dropout")
    assert isinstance(dropout, (int, float))
    if not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ConfigError(f"{ctx.name} ({kind}): dropout should be a number in range [0, 1] representing the "
                          f"probability of an element being zeroed (got {dropout}).")
    if proj and kind != "LSTM":
        raise ConfigError(f"{ctx.name} ({kind}): proj_size argument is only supported for LSTM, not RNN or GRU.")
    if proj >= h:
        raise ConfigError(f"{ctx.name} ({kind}): proj_size has to be smaller than hidden_size "
                          f"(got proj_size={proj}, hidden_size={h}).")
    warnings: tuple[str, ...] = ()
    if dropout > 0 and layers == 1:
        warnings = (f"{ctx.name} ({kind}): dropout option adds dropout after all but last recurrent layer, so "
                    f"non-zero dropout expects num_layers greater than 1, but got dropout={dropout} and "
                    f"num_layers={layers}",)
    batch_first = bool(ctx.cfg("batch_first"))
    shape = _in_or_default(ctx, (None, None, i))
    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence)")
    check_features(ctx, i, shape[-1], "input_size")
    dirs = 2 if ctx.cfg("bidirectional") else 1
    hout_sym: Expr = P if proj else H
    hout = proj or h
    tensors = []
    for layer in range(layers):
        layer_in: Expr = I if layer == 0 else mul(D, hout_sym)
        for direction in range(dirs):
            at = f"_l{layer}" + ("_reverse" if direction else "")
            tensors += expand(TENSORS[kind], flags={"bias": bool(ctx.cfg("bias")), "proj": proj > 0},
                              subs={"I_l": layer_in, "H_out": hout_sym}, at=at)
    n, t = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    out = (n, t, dirs * hout) if batch_first else (t, n, dirs * hout)
    states = {"h_n": (dirs * layers, n, hout)}
    if kind == "LSTM":
        states["c_n"] = (dirs * layers, n, h)
    bindings = freeze({"I": i, "H": h, "D": dirs, "L": layers, **({"P": proj} if proj else {})})
    flags = {"bias": bool(ctx.cfg("bias")), "proj": proj > 0}
    family = ((D, tuple(expand(TENSORS[kind], flags=flags, subs={"I_l": I, "H_out": hout_sym}, at="_l0"))),
              (mul(add(L, -1), D), tuple(expand(TENSORS[kind], flags=flags,
                                                subs={"I_l": mul(D, hout_sym), "H_out": hout_sym}, at="_l1"))))
    return LayerPlan(tuple(tensors), bindings, shape, out, freeze(states), warnings, family=family,
                     features=("I", mul(D, hout_sym)), time_axis=1 if batch_first else 0)


def plan_cell(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type.removesuffix("Cell")
    i, h = ctx.int("input_size"), ctx.int("hidden_size")
    shape = _in_or_default(ctx, (None, i))
    if len(shape) not in (1, 2):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): Expected input to be 1D or 2D, got {len(shape)}D "
                         f"instead (shape {fmt_shape(shape)}). A cell takes one time step (N, input_size); "
                         f"use nn.{kind} for a whole sequence.")
    check_features(ctx, i, shape[-1], "input_size")
    tensors = expand(TENSORS[kind], flags={"bias": bool(ctx.cfg("bias")), "proj": False},
                     subs={"I_l": I, "H_out": H}, at="")
    out = (*shape[:-1], h)
    states = {"h_1": out, "c_1": out} if kind == "LSTM" else {"h_1": out}
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(states), features=("I", H))


def plan_linear(ctx: LayerContext) -> LayerPlan:
    i, o = ctx.int("in_features"), ctx.int("out_features")
    shape = _in_or_default(ctx, (None, i))
    check_features(ctx, i, shape[-1], "in_features")
    tensors = expand(LINEAR_TENSORS, flags={"bias": bool(ctx.cfg("bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("num_embeddings"), ctx.int("embedding_dim")
    pad = ctx.cfg("padding_idx")
    if isinstance(pad, int) and not -v <= pad < v:
        raise ConfigError(f"{ctx.name} (Embedding): padding_idx must be within num_embeddings "
                          f"(got padding_idx={pad}, num_embeddings={v}).")
    shape = _in_or_default(ctx, (None, None))
    frozen = bool(ctx.cfg("_freeze"))
    tensors = expand(EMBEDDING_TENSORS, flags={"trainable": not frozen, "frozen": frozen})
    return LayerPlan(tuple(tensors), freeze({"V": v, "E": e}), shape, (*shape, e), features=(None, E))


def plan_layernorm(ctx: LayerContext) -> LayerPlan:
    raw = ctx.cfg("normalized_shape")
    dims = (raw,) if isinstance(raw, int) else raw
    assert isinstance(dims, tuple)
    norm = tuple(d for d in dims if isinstance(d, int))
    if not norm or len(norm) != len(dims) or any(d <= 0 for d in norm):
        raise ConfigError(f"{ctx.name} (LayerNorm): normalized_shape must be a positive int or a tuple of "
                          f"positive ints (got {raw!r}).")
    shape = _in_or_default(ctx, (None, *norm))
    if len(shape) < len(norm) or any(a is not None and a != b for a, b in zip(shape[-len(norm):], norm, strict=True)):
        raise ShapeError(f"{ctx.name} (LayerNorm): normalized_shape={list(norm)} must match the last "
                         f"dimensions of its input, which has shape {fmt_shape(shape)}.")
    affine = bool(ctx.cfg("elementwise_affine"))
    axes: tuple[Expr, ...] = (Sym("N"),) if len(norm) == 1 else tuple(Sym(f"N{k}") for k in range(len(norm)))
    templates = [replace(t, shape=axes) for t in LAYERNORM_TENSORS]  # weight and bias have normalized_shape
    tensors = expand(templates, flags={"affine": affine, "bias": affine and bool(ctx.cfg("bias"))})
    bindings = freeze({"N": norm[0]}) if len(norm) == 1 else freeze({f"N{k}": d for k, d in enumerate(norm)})
    features: tuple[str | None, Expr | None] = ("N", Sym("N")) if len(norm) == 1 else (None, None)
    return LayerPlan(tuple(tensors), bindings, shape, shape, features=features)


def plan_batchnorm(ctx: LayerContext) -> LayerPlan:
    c = ctx.int("num_features")
    shape = _in_or_default(ctx, (None, c))
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} (BatchNorm1d): expected 2D or 3D input (got {len(shape)}D input, "
                         f"shape {fmt_shape(shape)}).")
    if shape[1] is not None and shape[1] != c:
        raise ShapeError(f"{ctx.name} (BatchNorm1d): num_features={c} must equal the size of dimension 1 of "
                         f"its input, (N, C) or (N, C, L); got shape {fmt_shape(shape)}. For a (N, T, F) "
                         "sequence, PyTorch normalizes dimension 1, so transpose it or use nn.LayerNorm.")
    tensors = expand(BATCHNORM_TENSORS, flags={"affine": bool(ctx.cfg("affine")),
                                               "track": bool(ctx.cfg("track_running_stats"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), shape, shape, features=("C", C), feature_axis=1)


def plan_dropout(ctx: LayerContext) -> LayerPlan:
    p = ctx.cfg("p")
    assert isinstance(p, (int, float))
    if not 0 <= p <= 1:
        raise ConfigError(f"{ctx.name} (Dropout): dropout probability has to be between 0 and 1, but got {p}.")
    shape = _in_or_default(ctx, (None,))
    return LayerPlan((), freeze(), shape, shape)


def _one(ctx: LayerContext, key: str) -> int:
    value = ctx.cfg(key)
    if isinstance(value, tuple):
        if len(value) != 1 or not isinstance(value[0], int):
            raise ConfigError(f"{ctx.name} (Conv1d): {key} must be an int or a 1-tuple (got {value!r}).")
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{ctx.name} (Conv1d): {key} must be an int (got {value!r}).")
    return value


def plan_conv1d(ctx: LayerContext) -> LayerPlan:
    c_in, c_out, groups = ctx.int("in_channels"), ctx.int("out_channels"), ctx.int("groups")
    k, stride, dilation = _one(ctx, "kernel_size"), _one(ctx, "stride"), _one(ctx, "dilation")
    for key, v in (("kernel_size", k), ("stride", stride), ("dilation", dilation)):
        if v <= 0:
            raise ConfigError(f"{ctx.name} (Conv1d): {key} must be greater than zero (got {v}).")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv1d): in_channels must be divisible by groups "
                          f"(in_channels={c_in}, groups={groups}).")
    if c_out % groups:
        raise ConfigError(f"{ctx.name} (Conv1d): out_channels must be divisible by groups "
                          f"(out_channels={c_out}, groups={groups}).")
    padding = ctx.cfg("padding")
    if padding == "same" and stride != 1:
        raise ConfigError(f"{ctx.name} (Conv1d): padding='same' is not supported for strided convolutions.")
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise ConfigError(f"{ctx.name} (Conv1d): Invalid padding string {padding!r}, should be one of "
                          "{'valid', 'same'}.")
    shape = _in_or_default(ctx, (None, c_in, None))
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} (Conv1d): Expected 2D (unbatched) or 3D (batched) input to conv1d, but "
                         f"got input of size: {fmt_shape(shape)}.")
    channels, length = shape[-2], shape[-1]
    if channels is not None and channels != c_in:
        raise ShapeError(f"{ctx.name} (Conv1d): expects (N, C, L) input with C = in_channels = {c_in}, but its "
                         f"input has shape {fmt_shape(shape)}. PyTorch convolutions are channels-first: "
                         "transpose a (N, T, F) sequence to (N, F, T).")
    out_len: int | None = None
    if length is not None:
        if padding == "same":
            out_len = length
        else:
            pad = 0 if padding == "valid" else _one(ctx, "padding")
            padded = length + 2 * pad
            out_len = (padded - dilation * (k - 1) - 1) // stride + 1
            if padded < dilation * (k - 1) + 1:
                raise ShapeError(f"{ctx.name} (Conv1d): Calculated padded input size per channel: ({padded}). "
                                 f"Kernel size: ({dilation * (k - 1) + 1}). Kernel size can't be greater than "
                                 "actual input size.")
    tensors = expand(CONV1D_TENSORS, flags={"bias": bool(ctx.cfg("bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": c_out, "K": k, **({"C_g": c_in // groups} if groups > 1 else {})})
    return LayerPlan(tuple(tensors), bindings, shape, (*shape[:-2], c_out, out_len), features=("C", O),
                     feature_axis=1)


def _pair(ctx: LayerContext, key: str, minimum: int = 1) -> tuple[int, int]:
    """nn.Conv2d's int-or-pair arguments (torch's `_pair`)."""
    value = ctx.cfg(key)
    pair = (value, value) if isinstance(value, int) else value
    if not isinstance(pair, tuple) or len(pair) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in pair):
        least = "greater than zero" if minimum else "at least zero"
        raise ConfigError(f"{ctx.name} (Conv2d): {key} must be an int or a pair of ints {least} (got {value!r}).")
    return pair  # type: ignore[return-value]


def plan_conv2d(ctx: LayerContext) -> LayerPlan:
    """weight (O, C/groups, K_h, K_w), bias (O); input (N, C, H, W) or unbatched (C, H, W); each output side
    floor((L + 2·pad − dilation·(K − 1) − 1) / stride) + 1, or L with padding='same'."""
    c_in, c_out, groups = ctx.int("in_channels"), ctx.int("out_channels"), ctx.int("groups")
    kernel, stride, dilation = _pair(ctx, "kernel_size"), _pair(ctx, "stride"), _pair(ctx, "dilation")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv2d): in_channels must be divisible by groups "
                          f"(in_channels={c_in}, groups={groups}).")
    if c_out % groups:
        raise ConfigError(f"{ctx.name} (Conv2d): out_channels must be divisible by groups "
                          f"(out_channels={c_out}, groups={groups}).")
    padding = ctx.cfg("padding")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ConfigError(f"{ctx.name} (Conv2d): Invalid padding string {padding!r}, should be one of "
                              "{'valid', 'same'}.")
        if padding == "same" and stride != (1, 1):
            raise ConfigError(f"{ctx.name} (Conv2d): padding='same' is not supported for strided convolutions.")
    pads = (0, 0) if padding == "valid" or padding == "same" else _pair(ctx, "padding", 0)
    shape = ctx.in_shape if ctx.in_shape is not None else (None, c_in, None, None)
    if len(shape) not in (3, 4):
        raise ShapeError(f"{ctx.name} (Conv2d): Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                         f"input of size: {fmt_shape(shape)}.")
    channels = shape[-3]
    if channels is not None and channels != c_in:
        raise ShapeError(f"{ctx.name} (Conv2d): expects (N, C, H, W) input with C = in_channels = {c_in}, but its "
                         f"input has shape {fmt_shape(shape)}. PyTorch convolutions are channels-first.")
    sides: list[int | None] = []
    for length, k, s, d, p in zip(shape[-2:], kernel, stride, dilation, pads, strict=True):
        if length is None:
            sides.append(None)
        elif padding == "same":
            sides.append(length)
        else:
            if length + 2 * p < d * (k - 1) + 1:
                padded = " x ".join(str(n + 2 * q) if n is not None else "?" for n, q in zip(shape[-2:], pads,
                                                                                              strict=True))
                extent = " x ".join(str(e * (f - 1) + 1) for f, e in zip(kernel, dilation, strict=True))
                raise ShapeError(f"{ctx.name} (Conv2d): Calculated padded input size per channel: ({padded}). "
                                 f"Kernel size: ({extent}). Kernel size can't be greater than actual input size.")
            sides.append((length + 2 * p - d * (k - 1) - 1) // s + 1)
    tensors = expand(CONV2D_TENSORS, flags={"bias": bool(ctx.cfg("bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": c_out, "K_h": kernel[0], "K_w": kernel[1],
                       **({"C_g": c_in // groups} if groups > 1 else {})})
    out = (*shape[:-3], c_out, *sides)
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O), feature_axis=-3)


def plan_parameter(ctx: LayerContext) -> LayerPlan:
    """A tensor assigned to a module as `nn.Parameter(torch.zeros(*shape))`: named by its attribute alone."""
    raw = ctx.cfg("shape")
    dims = (raw,) if isinstance(raw, int) else raw
    sizes = [d for d in dims if isinstance(d, int) and not isinstance(d, bool) and d >= 0] \
        if isinstance(dims, tuple) else []
    if not isinstance(dims, tuple) or len(sizes) != len(dims):
        raise ConfigError(f"{ctx.name} (Parameter): shape must be a tuple of sizes (got {raw!r}).")
    syms = (Sym("A"),) if len(sizes) == 1 else tuple(Sym(f"A{k}") for k in range(len(sizes)))
    tensor = TensorSpec("", syms, "weight", trainable=bool(ctx.cfg("requires_grad")))
    bindings = freeze({s.name: d for s, d in zip(syms, sizes, strict=True)})
    return LayerPlan((tensor,), bindings, (), tuple(sizes))


# --- equivalents: each layer as a family's values, and each family written as PyTorch layers ---------------

def _write_recurrent(n: Neutral) -> Built:
    refuse_peepholes(n)
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[n.family]
    need(not n.int("proj") or n.family == "lstm", "proj_size (an LSTM projection) is LSTM only in PyTorch")
    return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), num_layers=n.int("layers"),
                       bias=n.flag("bias"), batch_first=n.flag("bf"), bidirectional=n.flag("bidir"),
                       **({"proj_size": n.int("proj")} if n.family == "lstm" else {})),), None


def _write_cell(n: Neutral) -> Built:
    refuse_peepholes(n)
    need(not n.get("proj"), "PyTorch's cells have no projection (proj_size)")
    name = {"rnn_cell": "RNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[n.family]
    return (make_layer(LAYERS, name, input_size=n.int("in"), hidden_size=n.int("units"), bias=n.flag("bias")),), None


def _write_dense(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Linear", in_features=n.int("in"), out_features=n.int("units"), bias=n.flag("bias")),
            ), None


def _write_embedding(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Embedding", num_embeddings=n.int("vocab"), embedding_dim=n.int("dim")),), None


def _write_conv1d(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Conv1d", in_channels=n.int("in"), out_channels=n.int("filters"),
                       kernel_size=n.int("kernel"), stride=n.int("stride"),
                       padding=n.get("pad") if n.get("pad") == "same" else 0, groups=n.int("groups"),
                       bias=n.flag("bias")),), None


def _write_conv2d(n: Neutral) -> Built:
    stride = (n.int("sh"), n.int("sw"))
    return (make_layer(LAYERS, "Conv2d", in_channels=n.int("in"), out_channels=n.int("filters"),
                       kernel_size=(n.int("kh"), n.int("kw")), stride=stride if stride != (1, 1) else 1,
                       padding=n.get("pad") if n.get("pad") == "same" else 0, groups=n.int("groups"),
                       bias=n.flag("bias")),), None


def _read_conv2d(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    stride = spec.get("stride", 1)
    pair = (stride, stride) if isinstance(stride, int) else stride
    sh, sw = pair if isinstance(pair, tuple) and len(pair) == 2 else (1, 1)
    return neutral("conv2d", **{"in": b["C"]}, filters=b["O"], kh=b["K_h"], kw=b["K_w"], sh=sh, sw=sw,
                   pad="same" if spec.get("padding") == "same" else "valid",
                   groups=b["C"] // b["C_g"] if "C_g" in b else 1, bias=has_bias(plan))


def _write_layernorm(n: Neutral) -> Built:
    need(n.flag("scale") or not n.flag("center"), "PyTorch LayerNorm cannot shift without scaling")
    return (make_layer(LAYERS, "LayerNorm", normalized_shape=n.int("in"), elementwise_affine=n.flag("scale"),
                       bias=n.flag("center")),), None


def _write_batchnorm(n: Neutral) -> Built:
    need(n.flag("scale") == n.flag("center"),
         "PyTorch BatchNorm1d has scale and shift together (affine) or neither")
    return (make_layer(LAYERS, "BatchNorm1d", num_features=n.int("in"), affine=n.flag("scale")),), None


def _write_dropout(n: Neutral) -> Built:
    return (make_layer(LAYERS, "Dropout", p=n.get("rate")),), None


_SEQUENCE = ("in", "units", "layers", "bidir", "bias", "bf")
_CELL_FIELDS = ("in", "units", "bias")


def _recurrent_equivalent(family: str) -> Equivalent:
    fields = (*_SEQUENCE, "proj") if family == "lstm" else _SEQUENCE
    return Equivalent(read_recurrent(family), {family: fields}, _write_recurrent)


def _cell_equivalent(family: str) -> Equivalent:
    return Equivalent(read_recurrent(family), {family: _CELL_FIELDS}, _write_cell)


# --- checkpoint naming: the names `named_parameters()` and `state_dict()` give -------------------------------

_AT = r"_l(\d+)(_reverse)?"
_EMBEDDING_HINTS = ("emb", "word", "token", "lookup", "vocab")


def _recognise_recurrent(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    """nn.RNN/LSTM/GRU from `weight_ih_l{l}[_reverse]`...: sizes off layer 0, layers and directions off the names."""
    gates = len(GATES[kind])
    patterns: list[re.Pattern[str]] = []  # compiled on first use: counting never needs it

    def recognise(group: TensorGroup) -> Recognised | None:
        if not patterns:
            patterns.append(stacked_pattern(TENSORS[kind], "at", _AT))
        matches = [patterns[0].match(leaf) for leaf in group.leaves]
        w_ih, w_hh = rank(group, "weight_ih_l0", 2), rank(group, "weight_hh_l0", 2)
        if not group.leaves or not all(matches) or w_ih is None or w_hh is None:
            return None
        (gh, i), h_out = w_ih, w_hh[1]
        hr = group.leaves.get("weight_hr_l0")
        if hr is not None and (len(hr) != 2 or kind != "LSTM"):
            return None
        proj, h = hr if hr is not None else (0, h_out)
        if h <= 0 or gh != gates * h:
            return None
        layers = 1 + max(int(m.group(1)) for m in matches if m)
        config: dict[str, Value] = {
            "input_size": i, "hidden_size": h, "num_layers": layers, "bias": "bias_ih_l0" in group.leaves,
            "bidirectional": any(leaf.endswith("_reverse") for leaf in group.leaves)}
        if kind == "LSTM":
            config["proj_size"] = proj
        return Recognised(config)
    return recognise


def _recognise_cell(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    gates = len(GATES[kind])

    def recognise(group: TensorGroup) -> Recognised | None:
        w_ih, w_hh = rank(group, "weight_ih", 2), rank(group, "weight_hh", 2)
        if not only(group, TENSORS[kind], ("weight_ih", "weight_hh"), at="") or w_ih is None or w_hh is None:
            return None
        (gh, i), h = w_ih, w_hh[1]
        if h <= 0 or gh != gates * h:
            return None
        return Recognised({"input_size": i, "hidden_size": h, "bias": "bias_ih" in group.leaves})
    return recognise


def _embedding_like(group: TensorGroup) -> bool:
    """A lone 2-D `weight`: an embedding table when its path says so, or when it comes first in the file."""
    return set(group.leaves) == {"weight"} and (group.first or any(h in group.path.lower() for h in _EMBEDDING_HINTS))


def _recognise_linear(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 2)
    if not only(group, LINEAR_TENSORS, ("weight",)) or weight is None or _embedding_like(group):
        return None
    o, i = weight
    return Recognised({"in_features": i, "out_features": o, "bias": "bias" in group.leaves})


def _recognise_embedding(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 2)
    if weight is None or not _embedding_like(group):
        return None
    return Recognised({"num_embeddings": weight[0], "embedding_dim": weight[1]})


def _recognise_layernorm(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 1)
    if not only(group, LAYERNORM_TENSORS, ("weight",)) or weight is None:
        return None
    return Recognised({"normalized_shape": weight[0], "bias": "bias" in group.leaves})


def _recognise_batchnorm(group: TensorGroup) -> Recognised | None:
    stats = rank(group, "running_mean", 1)
    if not only(group, BATCHNORM_TENSORS, ("running_mean", "running_var")) or stats is None:
        return None
    return Recognised({"num_features": stats[0], "affine": "weight" in group.leaves})


def _recognise_conv1d(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 3)
    if not only(group, CONV1D_TENSORS, ("weight",)) or weight is None:
        return None
    out_channels, channels, width = weight
    return Recognised({"in_channels": channels, "out_channels": out_channels, "kernel_size": width,
                       "bias": "bias" in group.leaves})


def _recognise_conv2d(group: TensorGroup) -> Recognised | None:
    weight = rank(group, "weight", 4)
    if not only(group, CONV2D_TENSORS, ("weight",)) or weight is None:
        return None
    out_channels, channels, kh, kw = weight
    return Recognised({"in_channels": channels, "out_channels": out_channels, "kernel_size": (kh, kw),
                       "bias": "bias" in group.leaves})


def _layer(type_name: str, params: tuple[Param, ...], plan: PlanFn, *, work: Work,
           equivalent: Equivalent | None = None, recognise: Callable[[TensorGroup], Recognised | None] | None = None,
           ignored: frozenset[str] = _DEVICE, recurrent: bool = False,
           words: Mapping[str, tuple[str, str]] | None = None) -> LayerConvention:
    return LayerConvention(type_name, params, plan, type_name.lower(), ignored, recurrent=recurrent, work=work,
                           equivalent=equivalent or Equivalent(), recognise=recognise,
                           words=MappingProxyType(dict(words or {})))


def _cell(type_name: str, kind: str, cell: Cell, extra: tuple[Param, ...] = ()) -> LayerConvention:
    family = kind.lower() + "_cell"
    return _layer(type_name, (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
                              Param("bias", True, BOOL), *extra), plan_cell, work=Work(cell=cell),
                  equivalent=_cell_equivalent(family), recognise=_recognise_cell(kind), recurrent=True)


_FOR_WEIGHTS = Keep(INPUT, trainable_only=True)
LAYERS = {c.type_name: c for c in (
    _layer("RNN", (*_RNN_PARAMS, _NONLIN, *_TAIL), plan_recurrent, work=Work(cell=RNN_CELL),
           equivalent=_recurrent_equivalent("rnn"), recognise=_recognise_recurrent("RNN"), recurrent=True),
    _layer("LSTM", (*_RNN_PARAMS, *_TAIL, _PROJ), plan_recurrent, work=Work(cell=LSTM_CELL),
           equivalent=_recurrent_equivalent("lstm"), recognise=_recognise_recurrent("LSTM"), recurrent=True),
    _layer("GRU", (*_RNN_PARAMS, *_TAIL), plan_recurrent, work=Work(cell=GRU_CELL),
           equivalent=_recurrent_equivalent("gru"), recognise=_recognise_recurrent("GRU"), recurrent=True),
    _cell("RNNCell", "RNN", RNN_CELL, (_NONLIN,)),
    _cell("LSTMCell", "LSTM", LSTM_CELL),
    _cell("GRUCell", "GRU", GRU_CELL),
    _layer("Linear", (Param("in_features", kind=SIZE), Param("out_features", kind=SIZE), Param("bias", True, BOOL)),
           plan_linear, work=Work(keeps=(_FOR_WEIGHTS,), flattens_input=True),
           equivalent=Equivalent(read_dense, {"dense": ("in", "units", "bias")}, _write_dense),
           recognise=_recognise_linear),
    _layer("Embedding", (
        Param("num_embeddings", kind=SIZE), Param("embedding_dim", kind=SIZE), Param("padding_idx", None, INT),
        Param("max_norm", None, FLOAT), Param("norm_type", 2.0, FLOAT), Param("scale_grad_by_freq", False, BOOL),
        Param("sparse", False, BOOL), Param("_weight", None), Param("_freeze", False, BOOL)), plan_embedding,
        work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
        equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, _write_embedding),
        recognise=_recognise_embedding),
    _layer("LayerNorm", (Param("normalized_shape", kind=SHAPE), Param("eps", 1e-5, FLOAT),
                         Param("elementwise_affine", True, BOOL), Param("bias", True, BOOL)), plan_layernorm,
           work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
           equivalent=Equivalent(lambda spec, plan: norm_values("layernorm", plan),
                                 {"layernorm": ("in", "scale", "center")}, _write_layernorm),
           recognise=_recognise_layernorm),
    _layer("BatchNorm1d", (Param("num_features", kind=SIZE), Param("eps", 1e-5, FLOAT), Param("momentum", 0.1, FLOAT),
                           Param("affine", True, BOOL), Param("track_running_stats", True, BOOL)), plan_batchnorm,
           work=Work(per_number=(6, 0), keeps=(Keep(INPUT), Keep(CHANNEL_STATS))),
           equivalent=Equivalent(lambda spec, plan: norm_values("batchnorm", plan),
                                 {"batchnorm": ("in", "scale", "center")}, _write_batchnorm),
           recognise=_recognise_batchnorm),
    _layer("Dropout", (Param("p", 0.5, FLOAT), Param("inplace", False, BOOL)), plan_dropout,
           work=Work(per_number=(1, 0), mask="p"),
           equivalent=Equivalent(lambda spec, plan: _dropout_values(spec), {"dropout": ("rate",)}, _write_dropout),
           ignored=frozenset()),
    _layer("Conv1d", (
        Param("in_channels", kind=SIZE), Param("out_channels", kind=SIZE), Param("kernel_size", kind=SHAPE),
        Param("stride", 1, SHAPE), Param("padding", 0, SHAPE), Param("dilation", 1, SHAPE),
        Param("groups", 1, SIZE), Param("bias", True, BOOL),
        Param("padding_mode", "zeros", CHOICE, ("zeros", "reflect", "replicate", "circular"))), plan_conv1d,
        work=Work(positions=OUTPUT_POSITIONS, keeps=(_FOR_WEIGHTS,)),
        equivalent=Equivalent(conv1d_values,
                              {"conv1d": ("in", "filters", "kernel", "stride", "pad", "groups", "bias")},
                              _write_conv1d),
        recognise=_recognise_conv1d),
    _layer("Conv2d", (
        Param("in_channels", kind=SIZE), Param("out_channels", kind=SIZE), Param("kernel_size", kind=SHAPE),
        Param("stride", 1, SHAPE), Param("padding", 0, SHAPE), Param("dilation", 1, SHAPE),
        Param("groups", 1, SIZE), Param("bias", True, BOOL),
        Param("padding_mode", "zeros", CHOICE, ("zeros", "reflect", "replicate", "circular"))), plan_conv2d,
        work=Work(positions=OUTPUT_POSITIONS, keeps=(_FOR_WEIGHTS,)),
        equivalent=Equivalent(_read_conv2d, {"conv2d": ("in", "filters", "kh", "kw", "sh", "sw", "pad", "groups",
                                                        "bias")}, _write_conv2d),
        recognise=_recognise_conv2d, words=KERNEL_2D_WORDS),
    # Not a layer: a module's own tensor (`self.v = nn.Parameter(torch.rand(H))`), read from .py files.
    _layer("Parameter", (Param("shape", kind=SHAPE), Param("requires_grad", True, BOOL)), plan_parameter,
           work=Work(), ignored=frozenset()),
)}


def _dropout_values(spec: LayerSpec) -> Neutral:
    from .families import neutral

    return neutral("dropout", rate=spec.get("p", 0.5))


def _batch_axis(first: LayerSpec) -> int:
    """nn.RNN/LSTM/GRU read (T, N, F) unless batch_first=True; everything else puts the batch first."""
    return 1 if first.get("batch_first") is False else 0


PYTORCH = FrameworkConvention(
    id="pytorch", display="PyTorch", layers=LAYERS, prefixes=("torch.nn.", "nn."),
    containers=("Sequential",), naming="index", batch_axis=_batch_axis, verified_with=(("torch", "2.13.0"),),
    syntax="nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)",
    short="PyTorch", write_prefix="nn.", runtime=TORCH_RUNTIME, compared=True, buffers=True,
    checkpoint_path=torch_path, code_reader="torch",
)
