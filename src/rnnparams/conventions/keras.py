"""Keras conventions: `keras` (Keras 3 and tf.keras in TF 2.x) and `keras2` (Keras 2.x / TF 1.x defaults).

Recurrent weights live in the layer's cell: `lstm_cell/kernel` (I, G·H), `lstm_cell/recurrent_kernel`
(H, G·H) and ONE bias (G·H), where PyTorch keeps two. GRU with `reset_after=True` (the Keras 3 default)
keeps separate input and recurrent biases, stored as one (2, 3H) tensor. Names are weight paths relative
to the layer, as `layer.weights[i].path` gives them minus the model and layer prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from .._record import replace
from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Const, Sym, mul
from .base import (
    ANY,
    BOOL,
    BY_CLASS,
    CHOICE,
    FLOAT,
    LAYER,
    SHAPE,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Outputs,
    Param,
    PlanFn,
    Recognised,
    TensorGroup,
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from .equivalents import (
    Built,
    Equivalent,
    NoEquivalent,
    Reader,
    Writer,
    conv1d_values,
    has_bias,
    make_layer,
    need,
    neutral,
    norm_values,
    read_dense,
    read_embedding,
    recurrent_values,
    refuse_peepholes,
)
from .families import KERNEL_2D_WORDS, Neutral
from .recognise import keras_path
from .work import (
    CHANNEL_STATS,
    GRU_CELL,
    INDICES,
    INPUT,
    KERAS_RUNTIME,
    LSTM_CELL,
    OUTPUT_POSITIONS,
    RNN_CELL,
    ROW_STATS,
    TOKENS,
    WRAPPER,
    Keep,
    Work,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

I, H, O, V, E, C, K = (Sym(n) for n in ("I", "H", "O", "V", "E", "C", "K"))

GATES = {"SimpleRNN": ("h",), "LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h"),
         "CuDNNLSTM": ("i", "f", "c", "o"), "CuDNNGRU": ("z", "r", "h")}
CELL = {"SimpleRNN": "simple_rnn_cell/", "LSTM": "lstm_cell/", "GRU": "gru_cell/", "CuDNNLSTM": "",
        "CuDNNGRU": ""}


def recurrent_tensors(gates: tuple[str, ...]) -> tuple[TensorTemplate, ...]:
    """Weights of one Keras recurrent layer; which bias layout applies is chosen by flags."""
    gh = mul(len(gates), H)
    return (
        TensorTemplate("{cell}kernel", (I, gh), "input_weights", gates=gates),
        TensorTemplate("{cell}recurrent_kernel", (H, gh), "recurrent_weights", gates=gates),
        TensorTemplate("{cell}bias", (gh,), "bias", when="bias", gates=gates),
        # GRU reset_after=True: row 0 is the input bias, row 1 the recurrent bias.
        TensorTemplate("{cell}bias", (Const(2), gh), "input_and_recurrent_bias", when="split_bias", gates=gates),
        # CuDNNLSTM / CuDNNGRU: cuDNN's two bias vectors, flattened into one tensor.
        TensorTemplate("{cell}bias", (mul(2, gh),), "input_and_recurrent_bias", when="cudnn_bias", gates=gates),
    )


TENSORS = {kind: recurrent_tensors(gates) for kind, gates in GATES.items()}
CONV2D_TENSORS = (TensorTemplate("kernel", (Sym("K_h"), Sym("K_w"), Sym("C_g"), O), "weight"),  # C_g: per group
                  TensorTemplate("bias", (O,), "bias", when="bias"))
DENSE_TENSORS = (TensorTemplate("kernel", (I, O), "weight"), TensorTemplate("bias", (O,), "bias", when="bias"))
EMBEDDING_TENSORS = (TensorTemplate("embeddings", (V, E), "embedding"),)
CONV1D_TENSORS = (TensorTemplate("kernel", (K, Sym("C_g"), O), "weight"),  # C_g: input channels per group
                  TensorTemplate("bias", (O,), "bias", when="bias"))
BATCHNORM_TENSORS = (
    TensorTemplate("gamma", (C,), "scale", when="scale"),
    TensorTemplate("beta", (C,), "shift", when="center"),
    TensorTemplate("moving_mean", (C,), "running_mean", trainable=False),
    TensorTemplate("moving_variance", (C,), "running_var", trainable=False),
)
LAYERNORM_TENSORS = (TensorTemplate("gamma", (C,), "scale", when="scale"),
                     TensorTemplate("beta", (C,), "shift", when="center"))

# Arguments of keras.layers.Layer and of every layer below that never change parameters or shapes.
_BASE_IGNORED = frozenset({"name", "dtype", "trainable", "input_shape", "input_dim", "input_length",
                           "batch_input_shape", "batch_size", "autocast", "activity_regularizer",
                           "weights", "seed", "lora_rank", "lora_alpha"})
_RECURRENT_IGNORED = _BASE_IGNORED | frozenset({
    "activation", "recurrent_activation", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "go_backwards", "stateful",
    "unroll", "use_cudnn", "implementation", "time_major", "zero_output_for_mask"})
_RECURRENT_OUT = (Param("return_sequences", False, BOOL, positional=False),
                  Param("return_state", False, BOOL, positional=False))


def missing_input(ctx: LayerContext) -> ConfigError:
    return ConfigError(
        f"{ctx.name} ({ctx.spec.type}) needs the shape of its input to count its parameters: Keras infers "
        "input features from the data. Give it once: Input(shape=(T, F)) first in the model, "
        "input_shape=(T, F) on the first layer, or --input-shape T,F on the command line."
    )


def _input(ctx: LayerContext, ranks: tuple[int, ...], expected: str) -> Shape:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, ranks, expected)
    if shape[-1] is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the last dimension of its input must be defined to "
                         f"create its weights; got shape {fmt_shape(shape)}.")
    return shape


def plan_recurrent(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    shape = _input(ctx, (3,), "3-D (batch, timesteps, features)")
    i, h = shape[-1], ctx.int("units")
    assert i is not None
    use_bias = bool(ctx.spec.get("use_bias", True))  # CuDNN layers always have their bias
    split = kind == "GRU" and bool(ctx.cfg("reset_after"))
    cudnn = kind.startswith("CuDNN")
    flags = {"bias": use_bias and not split and not cudnn, "split_bias": use_bias and split,
             "cudnn_bias": cudnn}
    tensors = expand(TENSORS[kind], flags=flags, cell=CELL[kind])
    if ctx.spec.get("trainable", True) is False:
        tensors = [replace(t, trainable=False) for t in tensors]
    batch, steps = shape[0], shape[1]
    out = (batch, steps, h) if ctx.cfg("return_sequences") else (batch, h)
    states: dict[str, Shape] = {}
    if ctx.cfg("return_state"):
        states = {"state_h": (batch, h), "state_c": (batch, h)} if "LSTM" in kind else {"state_h": (batch, h)}
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(states), features=("I", H),
                     time_axis=1)


MERGE_MODES = ("concat", "sum", "ave", "mul", None)


def plan_bidirectional(ctx: LayerContext) -> LayerPlan:
    inner = ctx.inner
    assert inner is not None and ctx.inner_name is not None
    inner_spec = ctx.cfg("layer")
    assert isinstance(inner_spec, LayerSpec)
    if inner_spec.type not in GATES:
        raise ConfigError(f"{ctx.name} (Bidirectional): the wrapped layer must be a recurrent layer "
                          f"(SimpleRNN, LSTM, GRU), not {inner_spec.type}.")
    tensors = [replace(t, name=f"{direction}_{ctx.inner_name}/{t.name}")
               for direction in ("forward", "backward") for t in inner.tensors]
    merge = ctx.cfg("merge_mode")
    single = inner.output_shape
    assert isinstance(single, tuple) and all(isinstance(d, (int, type(None))) for d in single)
    h = single[-1]
    assert h is not None
    out: Outputs = (single, single) if merge is None else (*single[:-1], 2 * h if merge == "concat" else h)
    states = {f"{d}_{k}": v for d in ("forward", "backward") for k, v in inner.state_shapes.items()}
    forward = tuple(t for t in tensors if t.name.startswith("forward_"))
    return LayerPlan(tuple(tensors), freeze({**inner.bindings, "D": 2}), inner.input_shape, out, freeze(states),
                     multi_output=merge is None, family=((Sym("D"), forward),),
                     features=(inner.features[0], mul(Sym("D"), H) if merge == "concat" else H),
                     time_axis=inner.time_axis)


def plan_time_distributed(ctx: LayerContext) -> LayerPlan:
    inner = ctx.inner
    assert inner is not None and ctx.inner_name is not None and ctx.in_shape is not None
    tensors = [replace(t, name=f"{ctx.inner_name}/{t.name}") for t in inner.tensors]
    inner_out = inner.output_shape
    assert isinstance(inner_out, tuple)
    out = (ctx.in_shape[0], ctx.in_shape[1], *inner_out[1:])
    return LayerPlan(tuple(tensors), inner.bindings, ctx.in_shape, out, features=inner.features,
                     feature_axis=inner.feature_axis)


def time_distributed_inner_shape(ctx: LayerContext) -> Shape:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    if len(ctx.in_shape) < 3:
        raise ShapeError(f"{ctx.name} (TimeDistributed): TimeDistributed layer should be passed an input with "
                         f"at least 3 dimensions (batch, time, ...); got shape {fmt_shape(ctx.in_shape)}.")
    return (ctx.in_shape[0], *ctx.in_shape[2:])


def plan_dense(ctx: LayerContext) -> LayerPlan:
    shape = _input(ctx, tuple(range(2, 9)), "at least 2-D")
    i, o = shape[-1], ctx.int("units")
    assert i is not None
    tensors = expand(DENSE_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))})
    return LayerPlan(tuple(tensors), freeze({"I": i, "O": o}), shape, (*shape[:-1], o), features=("I", O))


def plan_embedding(ctx: LayerContext) -> LayerPlan:
    v, e = ctx.int("input_dim"), ctx.int("output_dim")
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None)
    return LayerPlan(tuple(expand(EMBEDDING_TENSORS, flags={})), freeze({"V": v, "E": e}), shape, (*shape, e),
                     features=(None, E))


def conv_output_length(length: int | None, k: int, stride: int, dilation: int, padding: str) -> int | None:
    """Keras' compute_conv_output_shape for one spatial axis ('causal' pads left, so it acts as 'same')."""
    if length is None:
        return None
    if padding == "valid":
        return (length - dilation * (k - 1) - 1) // stride + 1
    return (length - 1) // stride + 1


def _int1(ctx: LayerContext, key: str) -> int:
    value = ctx.cfg(key)
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{ctx.name} (Conv1D): {key} must be a positive int or a 1-tuple of one "
                          f"(got {ctx.cfg(key)!r}).")
    return value


def plan_conv1d(ctx: LayerContext) -> LayerPlan:
    shape = _input(ctx, (3,), "3-D (batch, steps, channels)")
    filters, groups = ctx.int("filters"), ctx.int("groups")
    k, stride, dilation = _int1(ctx, "kernel_size"), _int1(ctx, "strides"), _int1(ctx, "dilation_rate")
    padding = str(ctx.cfg("padding")).lower()
    channels_first = ctx.cfg("data_format") == "channels_first"
    c_in, length = (shape[1], shape[2]) if channels_first else (shape[2], shape[1])
    if c_in is None:
        raise ShapeError(f"{ctx.name} (Conv1D): the channel dimension of its input must be defined; got shape "
                         f"{fmt_shape(shape)}.")
    if padding == "causal" and channels_first:
        raise ConfigError(f"{ctx.name} (Conv1D): causal padding is only supported with "
                          "data_format='channels_last'.")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv1D): the number of input channels must be evenly divisible by the "
                          f"number of groups. Received groups={groups}, but the input has {c_in} channels "
                          f"(full input shape is {fmt_shape(shape)}).")
    if filters % groups:
        raise ConfigError(f"{ctx.name} (Conv1D): the number of filters must be evenly divisible by the number "
                          f"of groups. Received: groups={groups}, filters={filters}.")
    if stride > 1 and dilation > 1:
        raise ConfigError(f"{ctx.name} (Conv1D): strides > 1 not supported in conjunction with "
                          f"dilation_rate > 1. Received: strides={stride} and dilation_rate={dilation}.")
    out_len = conv_output_length(length, k, stride, dilation, padding)
    if out_len is not None and out_len <= 0:
        raise ShapeError(f"{ctx.name} (Conv1D): computed output size would be negative ({out_len}): input length "
                         f"{length}, kernel_size={k}, dilation_rate={dilation}, padding='{padding}'.")
    tensors = expand(CONV1D_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": filters, "K": k, **({"C_g": c_in // groups} if groups > 1 else {})})
    out = (shape[0], filters, out_len) if channels_first else (shape[0], out_len, filters)
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O), feature_axis=1 if channels_first else -1)


def _int2(ctx: LayerContext, key: str) -> tuple[int, int]:
    value = ctx.cfg(key)
    pair = (value, value) if isinstance(value, int) else value
    if not isinstance(pair, tuple) or len(pair) != 2 or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in pair):
        raise ConfigError(f"{ctx.name} (Conv2D): {key} must be a positive int or a tuple of 2 positive ints "
                          f"(got {value!r}).")
    return pair  # type: ignore[return-value]


def plan_conv2d(ctx: LayerContext) -> LayerPlan:
    """kernel (K_h, K_w, C/groups, filters), bias (filters); input (batch, H, W, C), or (batch, C, H, W) with
    data_format='channels_first'; each output side as Keras' compute_conv_output_shape."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, (4,), "4-D (batch, height, width, channels)")
    filters, groups = ctx.int("filters"), ctx.int("groups")
    kernel, stride, dilation = _int2(ctx, "kernel_size"), _int2(ctx, "strides"), _int2(ctx, "dilation_rate")
    padding = str(ctx.cfg("padding")).lower()
    channels_first = ctx.cfg("data_format") == "channels_first"
    c_in, sides = (shape[1], shape[2:]) if channels_first else (shape[3], shape[1:3])
    if c_in is None:
        raise ShapeError(f"{ctx.name} (Conv2D): the channel dimension of its input must be defined; got shape "
                         f"{fmt_shape(shape)}.")
    if c_in % groups:
        raise ConfigError(f"{ctx.name} (Conv2D): the number of input channels must be evenly divisible by the "
                          f"number of groups. Received groups={groups}, but the input has {c_in} channels "
                          f"(full input shape is {fmt_shape(shape)}).")
    if filters % groups:
        raise ConfigError(f"{ctx.name} (Conv2D): the number of filters must be evenly divisible by the number "
                          f"of groups. Received: groups={groups}, filters={filters}.")
    if max(stride) > 1 and max(dilation) > 1:
        raise ConfigError(f"{ctx.name} (Conv2D): strides > 1 not supported in conjunction with dilation_rate > 1. "
                          f"Received: strides={stride} and dilation_rate={dilation}.")
    out_sides = tuple(conv_output_length(n, k, s, d, padding)
                      for n, k, s, d in zip(sides, kernel, stride, dilation, strict=True))
    if any(n is not None and n <= 0 for n in out_sides):
        raise ShapeError(f"{ctx.name} (Conv2D): computed output size would be negative: input {fmt_shape(shape)}, "
                         f"kernel_size={kernel}, dilation_rate={dilation}, padding='{padding}'.")
    tensors = expand(CONV2D_TENSORS, flags={"bias": bool(ctx.cfg("use_bias"))},
                     subs=None if groups > 1 else {"C_g": C})
    bindings = freeze({"C": c_in, "O": filters, "K_h": kernel[0], "K_w": kernel[1],
                       **({"C_g": c_in // groups} if groups > 1 else {})})
    out = (shape[0], filters, *out_sides) if channels_first else (shape[0], *out_sides, filters)
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O), feature_axis=1 if channels_first else -1)


def _norm_axis(ctx: LayerContext, shape: Shape) -> tuple[int, int]:
    """(the normalized axis, its size)."""
    axis = ctx.cfg("axis")
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int) or not -len(shape) <= axis < len(shape) or axis in (0, -len(shape)):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): axis={ctx.cfg('axis')!r} is not a valid feature axis "
                          f"for an input of shape {fmt_shape(shape)}.")
    c = shape[axis]
    if c is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): axis {axis} of its input must have a defined "
                         f"dimension; got shape {fmt_shape(shape)}.")
    return axis, c


def plan_batchnorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    axis, c = _norm_axis(ctx, ctx.in_shape)
    tensors = expand(BATCHNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")),
                                               "center": bool(ctx.cfg("center"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C),
                     feature_axis=axis)


def plan_layernorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    axis, c = _norm_axis(ctx, ctx.in_shape)
    rms = bool(ctx.cfg("rms_scaling"))
    tensors = expand(LAYERNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")) or rms,
                                               "center": bool(ctx.cfg("center")) and not rms})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C),
                     feature_axis=axis)


def plan_dropout(ctx: LayerContext) -> LayerPlan:
    rate = ctx.cfg("rate")
    assert isinstance(rate, (int, float))
    if not 0 <= rate <= 1:
        raise ConfigError(f"{ctx.name} (Dropout): Invalid value received for argument `rate`. Expected a float "
                          f"value between 0 and 1. Received: rate={rate}.")
    if ctx.in_shape is None:
        raise missing_input(ctx)
    return LayerPlan((), freeze(), ctx.in_shape, ctx.in_shape)


def plan_flatten(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    rest = ctx.in_shape[1:]
    size: int | None = 1
    for d in rest:
        size = None if d is None or size is None else size * d
    return LayerPlan((), freeze(), ctx.in_shape, (ctx.in_shape[0], size))


def plan_global_pool(ctx: LayerContext) -> LayerPlan:
    shape = _input(ctx, (3,), "3-D (batch, steps, features)")
    channels_first = ctx.cfg("data_format") == "channels_first"
    c = shape[1] if channels_first else shape[2]
    if ctx.cfg("keepdims"):
        out: Shape = (shape[0], c, 1) if channels_first else (shape[0], 1, c)
    else:
        out = (shape[0], c)
    return LayerPlan((), freeze(), shape, out)


def plan_repeat_vector(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, (2,), "2-D (batch, features)")
    return LayerPlan((), freeze(), shape, (shape[0], ctx.int("n"), shape[1]))


# --- equivalents ---------------------------------------------------------------------------------------------

NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}
CUDNN_NAMES = {"lstm": "CuDNNLSTM", "gru": "CuDNNGRU"}
_SEQUENCE_FIELDS = ("units", "layers", "bidir", "merge", "bias", "rs")


def _read_recurrent(family: str, layers: Mapping[str, LayerConvention]) -> Reader:
    """Units and bias; a GRU's reset_after only when the layer chose it (a default stays the target's default,
    so a Keras 3 GRU becomes a Keras 2 GRU with Keras 2's default, which is the point of comparing them)."""
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        extra: dict[str, Value] = {}
        if family == "gru" and "reset_after" in spec.config:
            default = next(p.default for p in layers[spec.type].params if p.name == "reset_after")
            if spec.config["reset_after"] != default:
                extra["ra"] = "yes" if spec.config["reset_after"] else "no"
        return recurrent_values(family, plan, **extra)
    return read


def _read_wrapped(layers: Mapping[str, LayerConvention]) -> Reader:
    """Bidirectional and TimeDistributed read as the layer they wrap (the plan's bindings are the wrapped
    layer's, with D = 2 for Bidirectional)."""
    def read(spec: LayerSpec, plan: LayerPlan) -> Neutral:
        inner = spec.config.get("layer")
        if not isinstance(inner, LayerSpec):
            raise NoEquivalent(f"{spec.type} without its wrapped layer")
        reader = layers[inner.type].equivalent.read
        if reader is None:
            raise NoEquivalent(f"no equivalent of {inner.type} is modelled")
        read_inner = reader(inner, plan)
        if spec.type == "Bidirectional":
            return replace(read_inner, values=freeze({**read_inner.values, "merge": spec.get("merge_mode")}))
        return read_inner
    return read


def _writers(layers: dict[str, LayerConvention], cudnn: bool) -> dict[str, Writer]:
    """Keras layers for each family; `layers` is the framework's table (filled once it is built)."""
    def recurrent(n: Neutral) -> Built:
        refuse_peepholes(n)
        need(not n.int("proj"), "proj_size (an LSTM projection) has no Keras equivalent")
        use_cudnn = cudnn and n.flag("cudnn") and n.family in CUDNN_NAMES
        options: dict[str, Value] = {"units": n.int("units")}
        if not use_cudnn:
            options["use_bias"] = n.flag("bias")
            if n.family == "gru" and n.get("ra") != "default":
                options["reset_after"] = n.get("ra") == "yes"
        name = CUDNN_NAMES[n.family] if use_cudnn else NAMES[n.family]
        stacked = n.int("layers")
        out: list[LayerSpec] = []
        for k in range(stacked):
            cell = make_layer(layers, name, **options,
                              return_sequences=k < stacked - 1 or n.get("rs") == "yes")
            out.append(make_layer(layers, "Bidirectional", layer=cell, merge_mode=n.get("merge"))
                       if n.flag("bidir") else cell)
        return tuple(out), (None, n.size("in"))

    def dense(n: Neutral) -> Built:
        return (make_layer(layers, "Dense", units=n.int("units"), use_bias=n.flag("bias")),), (n.size("in"),)

    def embedding(n: Neutral) -> Built:
        return (make_layer(layers, "Embedding", input_dim=n.int("vocab"), output_dim=n.int("dim")),), (None,)

    def conv1d(n: Neutral) -> Built:
        return (make_layer(layers, "Conv1D", filters=n.int("filters"), kernel_size=n.int("kernel"),
                           strides=n.int("stride"), padding=n.get("pad"), groups=n.int("groups"),
                           use_bias=n.flag("bias")),), (None, n.size("in"))

    def conv2d(n: Neutral) -> Built:
        strides = (n.int("sh"), n.int("sw"))
        return (make_layer(layers, "Conv2D", filters=n.int("filters"), kernel_size=(n.int("kh"), n.int("kw")),
                           strides=strides if strides != (1, 1) else 1, padding=n.get("pad"), groups=n.int("groups"),
                           use_bias=n.flag("bias")),), (None, None, n.size("in"))

    def norm(n: Neutral) -> Built:
        name = "BatchNormalization" if n.family == "batchnorm" else "LayerNormalization"
        return (make_layer(layers, name, center=n.flag("center"), scale=n.flag("scale")),), (None, n.size("in"))

    def dropout(n: Neutral) -> Built:
        return (make_layer(layers, "Dropout", rate=n.get("rate")),), (None,)

    return {"rnn": recurrent, "lstm": recurrent, "gru": recurrent, "dense": dense, "embedding": embedding,
            "conv1d": conv1d, "conv2d": conv2d, "layernorm": norm, "batchnorm": norm, "dropout": dropout}


def _write(writers: dict[str, Writer]) -> Writer:
    return lambda n: writers[n.family](n)


# --- checkpoint naming: a weights-only file holds each layer's weights in creation order ------------------------

def _cell_shapes(shapes: list[tuple[int, ...]], gates: int) -> tuple[int, int, bool, bool] | None:
    """(input features, units, use_bias, split bias) of kernel (I, G·H), recurrent_kernel (H, G·H), bias."""
    if len(shapes) not in (2, 3) or len(shapes[0]) != 2 or len(shapes[1]) != 2:
        return None
    (i, gh), (h, gh2) = shapes[0], shapes[1]
    if gh != gh2 or h <= 0 or gh != gates * h:
        return None
    split = False
    if len(shapes) == 3:
        if shapes[2] == (2, gh):
            split = True
        elif shapes[2] != (gh,):
            return None
    return i, h, len(shapes) == 3, split


SEQUENCES_ASSUMED = ("the file has no model config, so return_sequences is unknown: the spec has every recurrent "
                     "layer return sequences (this changes output shapes, not parameters)")


def _recognise_recurrent(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    def recognise(group: TensorGroup) -> Recognised | None:
        found = _cell_shapes(list(group.leaves.values()), len(GATES[kind]))
        if found is None or (found[3] and kind != "GRU"):
            return None
        i, h, bias, split = found
        config: dict[str, Value] = {"units": h, "use_bias": bias, "return_sequences": True}
        if kind == "GRU":
            config["reset_after"] = split
        return Recognised(config, (None, i), SEQUENCES_ASSUMED)
    return recognise


def _recognise_bidirectional(group: TensorGroup) -> Recognised | None:
    shapes = list(group.leaves.values())
    half = len(shapes) // 2
    if len(shapes) not in (4, 6) or shapes[:half] != shapes[half:]:
        return None
    names = list(group.leaves)
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        inner = _recognise_recurrent(kind)(TensorGroup(group.path, {n: group.leaves[n] for n in names[:half]}))
        if inner is not None:  # the wrapped layer as a file's config writes it
            layer = {"class_name": kind, "config": dict(inner.config)}
            return Recognised({"layer": layer, "merge_mode": "concat"}, inner.input_shape, SEQUENCES_ASSUMED)
    return None


def _read_conv2d(spec: LayerSpec, plan: LayerPlan) -> Neutral:
    b = plan.bindings
    strides = spec.get("strides", 1)
    pair = (strides, strides) if isinstance(strides, int) else strides
    sh, sw = pair if isinstance(pair, tuple) and len(pair) == 2 else (1, 1)
    return neutral("conv2d", **{"in": b["C"]}, filters=b["O"], kh=b["K_h"], kw=b["K_w"], sh=sh, sw=sw,
                   pad="same" if spec.get("padding") == "same" else "valid",
                   groups=b["C"] // b["C_g"] if "C_g" in b else 1, bias=has_bias(plan))


def _recognise_conv2d(group: TensorGroup) -> Recognised | None:
    """kernel (K_h, K_w, C, filters) and bias (filters): channels last, the spatial sizes unknown."""
    shapes = list(group.leaves.values())
    if len(shapes) not in (1, 2) or len(shapes[0]) != 4 or (len(shapes) == 2 and shapes[1] != (shapes[0][3],)):
        return None
    kh, kw, c, o = shapes[0]
    return Recognised({"filters": o, "kernel_size": (kh, kw), "use_bias": len(shapes) == 2}, (None, None, c))


def _recognise_dense(group: TensorGroup) -> Recognised | None:
    shapes = list(group.leaves.values())
    if len(shapes) not in (1, 2) or len(shapes[0]) != 2 or (len(shapes) == 2 and shapes[1] != (shapes[0][1],)):
        return None
    i, o = shapes[0]
    return Recognised({"units": o, "use_bias": len(shapes) == 2}, (i,))


def _layer(type_name: str, auto_name: str, params: tuple[Param, ...], plan: PlanFn,
           ignored: frozenset[str] = _BASE_IGNORED, **kw: Any) -> LayerConvention:
    return LayerConvention(type_name, params, plan, auto_name, ignored, **kw)


def _units(use_bias_at: int) -> tuple[Param, ...]:
    """units, then the positional arguments before use_bias (activations), then use_bias."""
    acts = (Param("activation", "tanh", ANY), Param("recurrent_activation", "sigmoid", ANY))
    return (Param("units", kind=SIZE), *acts[:use_bias_at], Param("use_bias", True, BOOL))


_FOR_WEIGHTS = Keep(INPUT, trainable_only=True)
CELLS = {"SimpleRNN": RNN_CELL, "LSTM": LSTM_CELL, "GRU": GRU_CELL, "CuDNNLSTM": LSTM_CELL, "CuDNNGRU": GRU_CELL}
FAMILY = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru", "CuDNNLSTM": "lstm", "CuDNNGRU": "gru"}


def build_layers(gru_reset_after: bool, cudnn: bool = False) -> dict[str, LayerConvention]:
    table: dict[str, LayerConvention] = {}
    writers = _writers(table, cudnn)
    write = _write(writers)
    sequence = (*_SEQUENCE_FIELDS, "cudnn") if cudnn else _SEQUENCE_FIELDS

    def recurrent(type_name: str, auto_name: str, params: tuple[Param, ...], writes: bool) -> LayerConvention:
        family = FAMILY[type_name]
        fields = (*sequence, "ra") if family == "gru" else sequence
        equivalent = Equivalent(_read_recurrent(family, table), {family: fields} if writes else {}, write)
        return _layer(type_name, auto_name, params, plan_recurrent, _RECURRENT_IGNORED, recurrent=True,
                      work=Work(cell=CELLS[type_name]), equivalent=equivalent,
                      recognise=_recognise_recurrent(type_name) if writes else None)

    pool_params = (Param("data_format", "channels_last", CHOICE, ("channels_last", "channels_first", None)),
                   Param("keepdims", False, BOOL))
    layers = (
        recurrent("SimpleRNN", "simple_rnn", (*_units(1), *_RECURRENT_OUT), True),
        recurrent("LSTM", "lstm", (*_units(2), *_RECURRENT_OUT), True),
        recurrent("GRU", "gru", (*_units(2), *_RECURRENT_OUT,
                                 Param("reset_after", gru_reset_after, BOOL, positional=False)), True),
        _layer("Bidirectional", "bidirectional", (
            Param("layer", kind=LAYER), Param("merge_mode", "concat", CHOICE, MERGE_MODES),
            Param("weights", None), Param("backward_layer", None)), plan_bidirectional, wraps=True,
            inner_input=lambda ctx: ctx.in_shape, work=WRAPPER, equivalent=Equivalent(_read_wrapped(table)),
            recognise=_recognise_bidirectional),
        _layer("TimeDistributed", "time_distributed", (Param("layer", kind=LAYER),),
               plan_time_distributed, wraps=True, inner_input=time_distributed_inner_shape, work=WRAPPER,
               equivalent=Equivalent(_read_wrapped(table))),
        _layer("Dense", "dense", (Param("units", kind=SIZE), Param("activation", None),
                                  Param("use_bias", True, BOOL)), plan_dense,
               _BASE_IGNORED | {"kernel_initializer", "bias_initializer", "kernel_regularizer",
                                "bias_regularizer", "kernel_constraint", "bias_constraint"},
               work=Work(keeps=(_FOR_WEIGHTS,), activation="activation", flattens_input=True),
               equivalent=Equivalent(read_dense, {"dense": ("units", "bias")}, write), recognise=_recognise_dense),
        _layer("Embedding", "embedding", (Param("input_dim", kind=SIZE), Param("output_dim", kind=SIZE)),
               plan_embedding, _BASE_IGNORED | {"embeddings_initializer", "embeddings_regularizer",
                                                "embeddings_constraint", "mask_zero", "sparse"},
               work=Work(positions=TOKENS, keeps=(Keep(INDICES, trainable_only=True),)),
               equivalent=Equivalent(read_embedding, {"embedding": ("vocab", "dim")}, write)),
        _layer("Conv1D", "conv1d", (
            Param("filters", kind=SIZE), Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE),
            Param("padding", "valid", CHOICE, ("valid", "same", "causal")),
            Param("data_format", "channels_last", CHOICE, ("channels_last", "channels_first", None)),
            Param("dilation_rate", 1, SHAPE), Param("groups", 1, SIZE), Param("activation", None),
            Param("use_bias", True, BOOL)), plan_conv1d,
            _BASE_IGNORED | {"kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                             "kernel_constraint", "bias_constraint"},
            work=Work(positions=OUTPUT_POSITIONS, keeps=(_FOR_WEIGHTS,)),
            equivalent=Equivalent(conv1d_values,
                                  {"conv1d": ("filters", "kernel", "stride", "pad", "groups", "bias")}, write)),
        _layer("Conv2D", "conv2d", (
            Param("filters", kind=SIZE), Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE),
            Param("padding", "valid", CHOICE, ("valid", "same")),
            Param("data_format", None, CHOICE, ("channels_last", "channels_first", None)),
            Param("dilation_rate", 1, SHAPE), Param("groups", 1, SIZE), Param("activation", None),
            Param("use_bias", True, BOOL)), plan_conv2d,
            _BASE_IGNORED | {"kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                             "kernel_constraint", "bias_constraint"},
            work=Work(positions=OUTPUT_POSITIONS, keeps=(_FOR_WEIGHTS,)),
            equivalent=Equivalent(_read_conv2d, {"conv2d": ("filters", "kh", "kw", "sh", "sw", "pad", "groups",
                                                            "bias")}, write),
            recognise=_recognise_conv2d, words=KERNEL_2D_WORDS),
        _layer("BatchNormalization", "batch_normalization", (
            Param("axis", -1, SHAPE), Param("momentum", 0.99, FLOAT), Param("epsilon", 1e-3, FLOAT),
            Param("center", True, BOOL), Param("scale", True, BOOL)), plan_batchnorm,
            _BASE_IGNORED | {"beta_initializer", "gamma_initializer", "moving_mean_initializer",
                             "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                             "beta_constraint", "gamma_constraint", "synchronized", "renorm",
                             "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                             "adjustment"},
            work=Work(per_number=(6, 0), keeps=(Keep(INPUT), Keep(CHANNEL_STATS))),
            equivalent=Equivalent(lambda spec, plan: norm_values("batchnorm", plan),
                                  {"batchnorm": ("scale", "center")}, write)),
        _layer("LayerNormalization", "layer_normalization", (
            Param("axis", -1, SHAPE), Param("epsilon", 1e-3, FLOAT), Param("center", True, BOOL),
            Param("scale", True, BOOL), Param("rms_scaling", False, BOOL, positional=False)), plan_layernorm,
            _BASE_IGNORED | {"beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                             "beta_constraint", "gamma_constraint"},
            work=Work(per_number=(6, 6), keeps=(Keep(INPUT), Keep(ROW_STATS))),
            equivalent=Equivalent(lambda spec, plan: norm_values("layernorm", plan),
                                  {"layernorm": ("scale", "center")}, write)),
        _layer("Dropout", "dropout", (Param("rate", kind=FLOAT), Param("noise_shape", None),
                                      Param("seed", None)), plan_dropout,
               work=Work(per_number=(1, 0), mask="rate"),
               equivalent=Equivalent(lambda spec, plan: neutral("dropout", rate=spec.get("rate")),
                                     {"dropout": ("rate",)}, write)),
        _layer("Flatten", "flatten", (Param("data_format", None),), plan_flatten),
        _layer("GlobalAveragePooling1D", "global_average_pooling1d", pool_params, plan_global_pool,
               work=Work(per_number=(1, 1))),
        _layer("GlobalMaxPooling1D", "global_max_pooling1d", pool_params, plan_global_pool,
               work=Work(per_number=(1, 1))),
        _layer("RepeatVector", "repeat_vector", (Param("n", kind=SIZE),), plan_repeat_vector),
    )
    table.update((c.type_name, c) for c in layers)
    if cudnn:
        for type_name, auto_name in (("CuDNNLSTM", "cu_dnnlstm"), ("CuDNNGRU", "cu_dnngru")):
            table[type_name] = recurrent(type_name, auto_name, (Param("units", kind=SIZE), *_RECURRENT_OUT), False)
    return table


ALIASES: Mapping[str, str] = MappingProxyType({
    "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalMaxPool1D": "GlobalMaxPooling1D", "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D"})
_PREFIXES = ("tf.keras.layers.", "keras.layers.", "layers.", "tf.keras.", "keras.")
_CONTAINERS = ("Sequential", "models.Sequential")
_INPUTS = ("Input", "layers.Input", "InputLayer", "layers.InputLayer")
_REFUSALS = MappingProxyType({family: "Keras cells (SimpleRNNCell...) are not modelled here; compare the full layer"
                              for family in ("rnn_cell", "lstm_cell", "gru_cell")})
_COMMON: dict[str, Any] = {
    "prefixes": _PREFIXES, "containers": _CONTAINERS, "input_calls": _INPUTS, "naming": BY_CLASS, "short": "Keras",
    "model_syntax": "sequential", "infers_input": True, "runtime": KERAS_RUNTIME, "compared": True,
    "aliases": ALIASES, "refusals": _REFUSALS, "checkpoint_path": keras_path, "code_reader": "keras"}

KERAS = FrameworkConvention(
    id="keras", display="Keras 3 / tf.keras 2.x", layers=build_layers(gru_reset_after=True),
    verified_with=(("keras", "3.15.1"),), syntax="Sequential([Input((35, 100)), LSTM(256), Dense(10)])", **_COMMON,
)
KERAS2 = FrameworkConvention(
    id="keras2", display="Keras 2.x / TF 1.x", syntax="GRU(64, input_shape=(35, 100)); CuDNNLSTM(32)",
    layers=build_layers(gru_reset_after=False, cudnn=True), variant_of="keras", **_COMMON,
)
