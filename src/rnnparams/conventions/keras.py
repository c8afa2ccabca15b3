"""Keras conventions: `keras` (Keras 3 and tf.keras in TF 2.x) and `keras2` (Keras 2.x / TF 1.x defaults).

Recurrent weights live in the layer's cell: `lstm_cell/kernel` (I, G·H), `lstm_cell/recurrent_kernel`
(H, G·H) and ONE bias (G·H), where PyTorch keeps two. GRU with `reset_after=True` (the Keras 3 default)
keeps separate input and recurrent biases, stored as one (2, 3H) tensor. Names are weight paths relative
to the layer, as `layer.weights[i].path` gives them minus the model and layer prefix.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._record import replace
from ..errors import ConfigError, ShapeError
from ..spec import LayerSpec, Shape
from ..symbolic import Const, Sym, mul
from .base import (
    ANY,
    BOOL,
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
    TensorTemplate,
    expand,
    fmt_shape,
    freeze,
    require_rank,
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
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, out, freeze(states), features=("I", H))


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
                     features=(inner.features[0], mul(Sym("D"), H) if merge == "concat" else H))


def plan_time_distributed(ctx: LayerContext) -> LayerPlan:
    inner = ctx.inner
    assert inner is not None and ctx.inner_name is not None and ctx.in_shape is not None
    tensors = [replace(t, name=f"{ctx.inner_name}/{t.name}") for t in inner.tensors]
    inner_out = inner.output_shape
    assert isinstance(inner_out, tuple)
    out = (ctx.in_shape[0], ctx.in_shape[1], *inner_out[1:])
    return LayerPlan(tuple(tensors), inner.bindings, ctx.in_shape, out, features=inner.features)


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
    return LayerPlan(tuple(tensors), bindings, shape, out, features=("C", O))


def _norm_axis(ctx: LayerContext, shape: Shape) -> int:
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
    return c


def plan_batchnorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    c = _norm_axis(ctx, ctx.in_shape)
    tensors = expand(BATCHNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")),
                                               "center": bool(ctx.cfg("center"))})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C))


def plan_layernorm(ctx: LayerContext) -> LayerPlan:
    if ctx.in_shape is None:
        raise missing_input(ctx)
    c = _norm_axis(ctx, ctx.in_shape)
    rms = bool(ctx.cfg("rms_scaling"))
    tensors = expand(LAYERNORM_TENSORS, flags={"scale": bool(ctx.cfg("scale")) or rms,
                                               "center": bool(ctx.cfg("center")) and not rms})
    return LayerPlan(tuple(tensors), freeze({"C": c}), ctx.in_shape, ctx.in_shape, features=("C", C))


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


def _layer(type_name: str, auto_name: str, kind: str, params: tuple[Param, ...], plan: PlanFn,
           ignored: frozenset[str] = _BASE_IGNORED, **kw: Any) -> LayerConvention:
    return LayerConvention(type_name, kind, params, plan, auto_name, ignored, **kw)


def _units(use_bias_at: int) -> tuple[Param, ...]:
    """units, then the positional arguments before use_bias (activations), then use_bias."""
    acts = (Param("activation", "tanh", ANY), Param("recurrent_activation", "sigmoid", ANY))
    return (Param("units", kind=SIZE), *acts[:use_bias_at], Param("use_bias", True, BOOL))


def build_layers(gru_reset_after: bool, extra: tuple[LayerConvention, ...] = ()) -> dict[str, LayerConvention]:
    pool_params = (Param("data_format", "channels_last", CHOICE, ("channels_last", "channels_first", None)),
                   Param("keepdims", False, BOOL))
    layers = (
        _layer("SimpleRNN", "simple_rnn", "rnn", (*_units(1), *_RECURRENT_OUT), plan_recurrent,
               _RECURRENT_IGNORED, recurrent=True),
        _layer("LSTM", "lstm", "lstm", (*_units(2), *_RECURRENT_OUT), plan_recurrent, _RECURRENT_IGNORED,
               recurrent=True),
        _layer("GRU", "gru", "gru", (*_units(2), *_RECURRENT_OUT,
                                     Param("reset_after", gru_reset_after, BOOL, positional=False)),
               plan_recurrent, _RECURRENT_IGNORED, recurrent=True),
        _layer("Bidirectional", "bidirectional", "bidirectional", (
            Param("layer", kind=LAYER), Param("merge_mode", "concat", CHOICE, MERGE_MODES),
            Param("weights", None), Param("backward_layer", None)), plan_bidirectional, wraps=True,
            inner_input=lambda ctx: ctx.in_shape),
        _layer("TimeDistributed", "time_distributed", "time_distributed", (Param("layer", kind=LAYER),),
               plan_time_distributed, wraps=True, inner_input=time_distributed_inner_shape),
        _layer("Dense", "dense", "dense", (Param("units", kind=SIZE), Param("activation", None),
                                           Param("use_bias", True, BOOL)), plan_dense,
               _BASE_IGNORED | {"kernel_initializer", "bias_initializer", "kernel_regularizer",
                                "bias_regularizer", "kernel_constraint", "bias_constraint"}),
        _layer("Embedding", "embedding", "embedding", (Param("input_dim", kind=SIZE), Param("output_dim", kind=SIZE)),
               plan_embedding, _BASE_IGNORED | {"embeddings_initializer", "embeddings_regularizer",
                                                "embeddings_constraint", "mask_zero", "sparse"}),
        _layer("Conv1D", "conv1d", "conv1d", (
            Param("filters", kind=SIZE), Param("kernel_size", kind=SHAPE), Param("strides", 1, SHAPE),
            Param("padding", "valid", CHOICE, ("valid", "same", "causal")),
            Param("data_format", "channels_last", CHOICE, ("channels_last", "channels_first", None)),
            Param("dilation_rate", 1, SHAPE), Param("groups", 1, SIZE), Param("activation", None),
            Param("use_bias", True, BOOL)), plan_conv1d,
            _BASE_IGNORED | {"kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                             "kernel_constraint", "bias_constraint"}),
        _layer("BatchNormalization", "batch_normalization", "batch_norm", (
            Param("axis", -1, SHAPE), Param("momentum", 0.99, FLOAT), Param("epsilon", 1e-3, FLOAT),
            Param("center", True, BOOL), Param("scale", True, BOOL)), plan_batchnorm,
            _BASE_IGNORED | {"beta_initializer", "gamma_initializer", "moving_mean_initializer",
                             "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                             "beta_constraint", "gamma_constraint", "synchronized", "renorm",
                             "renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size",
                             "adjustment"}),
        _layer("LayerNormalization", "layer_normalization", "layer_norm", (
            Param("axis", -1, SHAPE), Param("epsilon", 1e-3, FLOAT), Param("center", True, BOOL),
            Param("scale", True, BOOL), Param("rms_scaling", False, BOOL, positional=False)), plan_layernorm,
            _BASE_IGNORED | {"beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
                             "beta_constraint", "gamma_constraint"}),
        _layer("Dropout", "dropout", "dropout", (Param("rate", kind=FLOAT), Param("noise_shape", None),
                                                 Param("seed", None)), plan_dropout),
        _layer("Flatten", "flatten", "flatten", (Param("data_format", None),), plan_flatten),
        _layer("GlobalAveragePooling1D", "global_average_pooling1d", "pool", pool_params, plan_global_pool),
        _layer("GlobalMaxPooling1D", "global_max_pooling1d", "pool", pool_params, plan_global_pool),
        _layer("RepeatVector", "repeat_vector", "repeat", (Param("n", kind=SIZE),), plan_repeat_vector),
        *extra,
    )
    return {c.type_name: c for c in layers}


def _cudnn(type_name: str, auto_name: str, kind: str) -> LayerConvention:
    return _layer(type_name, auto_name, kind, (Param("units", kind=SIZE), *_RECURRENT_OUT), plan_recurrent,
                  _RECURRENT_IGNORED, recurrent=True)


ALIASES: Mapping[str, str] = {"GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
                              "Convolution1D": "Conv1D"}
_PREFIXES = ("tf.keras.layers.", "keras.layers.", "layers.", "tf.keras.", "keras.")
_CONTAINERS = ("Sequential", "models.Sequential")
_INPUTS = ("Input", "layers.Input", "InputLayer", "layers.InputLayer")


KERAS = FrameworkConvention(
    id="keras", display="Keras 3 / tf.keras 2.x", layers=build_layers(gru_reset_after=True),
    prefixes=_PREFIXES, containers=_CONTAINERS, input_calls=_INPUTS, naming="keras",
    verified_with=(("keras", "3.15.1"),), syntax="Sequential([Input((35, 100)), LSTM(256), Dense(10)])",
    code_reader="keras",
)
KERAS2 = FrameworkConvention(
    id="keras2", display="Keras 2.x / TF 1.x", prefixes=_PREFIXES, containers=_CONTAINERS, input_calls=_INPUTS,
    naming="keras", syntax="GRU(64, input_shape=(35, 100)); CuDNNLSTM(32)", code_reader="keras", variant_of="keras",
    layers=build_layers(gru_reset_after=False, extra=(_cudnn("CuDNNLSTM", "cu_dnnlstm", "lstm"),
                                                       _cudnn("CuDNNGRU", "cu_dnngru", "gru"))),
)

