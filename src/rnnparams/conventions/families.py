"""The framework-neutral layer families: what an LSTM *is*, whatever a framework calls it.

A family lists the sizes and options that describe such a layer in every framework (`Field`s). Each
framework's layer conventions read a configured layer into a family's values and write those values back
as their own layers (`Equivalent` in equivalents.py), so one description serves `compare` (translate a layer
to another framework) and the web page's builder (write a stack in the chosen framework). Field labels live
in render/i18n.py under their `label` key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._record import record
from ..spec import Value

# Field types (what a control of the page offers; what a value must be)
AUTO = "auto"      # a size that may be left empty: the features the layer before gives
SIZE = "size"      # a whole number > 0
COUNT = "count"    # a whole number >= 0 (0: off)
BOOL = "bool"
SELECT = "select"  # one of `options`
RATE = "rate"      # a number in [0, 1]


@record
class Field:
    name: str
    type: str
    default: Value
    label: str
    """Key of the field's words in render/i18n.py (FIELD_LABELS)."""
    short: str
    """Its key in a shareable link (`u=256`)."""
    options: tuple[str, ...] = ()
    shown_if: tuple[tuple[str, Value], ...] = ()
    """Other fields' values it needs to matter (merge mode only when bidirectional)."""
    hidden_if: tuple[tuple[str, Value], ...] = ()
    """Other fields' values that make it meaningless (a CuDNN layer always has its bias)."""
    words: tuple[str, str] | None = None
    """(English, Chinese) label, for a field whose `label` key render/i18n.py does not have."""


@record
class Family:
    key: str
    fields: tuple[Field, ...]
    sequence: bool = False
    """Reads a sequence: a recurrent layer before it returns its sequence when `rs` is auto."""
    tokens: bool = False
    """Reads token ids (an embedding): a model that starts with it needs no feature count."""
    passes_features: bool = False
    """Keeps its input's feature count (normalization, dropout): auto sizes after it see the one before."""
    words: tuple[str, str] | None = None
    """(English, Chinese) name, for a family render/i18n.py does not name."""

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def defaults(self) -> dict[str, Value]:
        return {f.name: f.default for f in self.fields}


IN = Field("in", AUTO, None, "f_in", "i")
BIAS = Field("bias", BOOL, True, "f_bias", "b", hidden_if=(("cudnn", True),))


PROJ = Field("proj", COUNT, 0, "f_proj", "p")


def _recurrent(*extra: Field, proj: bool = True, cell: bool = False) -> tuple[Field, ...]:
    """The fields of a recurrent layer in the order the page shows them (a cell: one step of one layer)."""
    units = Field("units", SIZE, 64, "f_hidden", "u")
    projection = (PROJ,) if proj else ()
    if cell:
        return (IN, units, BIAS, *projection, *extra)
    return (
        IN, units, Field("layers", SIZE, 1, "f_layers", "n"), *projection,
        Field("bidir", BOOL, False, "f_bidir", "bi"),
        Field("merge", SELECT, "concat", "f_merge", "m", ("concat", "sum", "mul", "ave"), shown_if=(("bidir", True),)),
        BIAS, Field("bf", BOOL, True, "f_bf", "bf"),
        Field("rs", SELECT, "auto", "f_rs", "rs", ("auto", "yes", "no")), *extra,
    )


CUDNN = Field("cudnn", BOOL, False, "f_cudnn", "cu")
PEEPHOLES = Field("peep", BOOL, False, "f_peep", "pe")
RESET_AFTER = Field("ra", SELECT, "default", "f_ra", "ra", ("default", "yes", "no"), hidden_if=(("cudnn", True),))
RESET_GATE = Field("reset_gate", BOOL, True, "f_reset_gate", "rg")
SCALE = Field("scale", BOOL, True, "f_scale", "sc")
CENTER = Field("center", BOOL, True, "f_center", "ce")

KERNEL_2D_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "K_h": ("kernel height", "卷积核高度"), "K_w": ("kernel width", "卷积核宽度")})
"""The symbols of a 2-D kernel, in every framework's convolution."""

def _conv(key: str, dims: int, transposed: bool = False) -> Family:
    """An N-d convolution (or its transpose): channels in and out, a kernel, strides, padding, groups, bias;
    square kernels and strides here (the page's fields), the exact sizes in the layers written."""
    what = ("Transposed conv", "转置卷积") if transposed else ("Conv", "卷积")
    return Family(key, (IN, Field("filters", SIZE, 16, "f_filters", "f"), Field("kernel", SIZE, 3, "f_kernel", "k"),
                        Field("stride", SIZE, 1, "f_stride", "s"),
                        Field("pad", SELECT, "valid", "f_pad", "pad", ("valid", "same")),
                        Field("groups", SIZE, 1, "f_groups", "g"), BIAS),
                  words=(f"{what[0]}{dims}D", f"{dims}维{what[1]}"))


POOL_OPS = ("max", "avg")
ACTIVATIONS = ("relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid",
               "hard_sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign", "hard_swish", "hard_tanh",
               "log_sigmoid", "tanh_shrink", "soft_shrink", "hard_shrink", "linear")
"""Activation functions the frameworks share by name (each framework's writer maps them to its own classes)."""

POOL_FIELDS = (Field("op", SELECT, "max", "f_pool_op", "op", POOL_OPS, words=("Pooling", "池化方式")),
               Field("size", SIZE, 2, "f_pool_size", "ps", words=("Pool size", "池化窗口")),
               Field("stride", COUNT, 0, "f_pool_stride", "s",
                     words=("Stride (0: the pool size)", "步幅(0 表示与窗口相同)")))
ATTENTION_FIELDS = (IN, Field("heads", SIZE, 8, "f_heads", "h", words=("Heads", "注意力头数")),
                    Field("kdim", AUTO, None, "f_kdim", "kd", words=("Key features (default: input)",
                                                                     "键的维度(默认同输入)")),
                    Field("vdim", AUTO, None, "f_vdim", "vd", words=("Value features (default: input)",
                                                                     "值的维度(默认同输入)")), BIAS)

FAMILIES: Mapping[str, Family] = MappingProxyType({f.key: f for f in (
    Family("embedding", (Field("vocab", SIZE, 10000, "f_vocab", "v"), Field("dim", SIZE, 128, "f_dim", "d")),
           tokens=True),
    Family("rnn", _recurrent(), sequence=True),
    Family("lstm", _recurrent(CUDNN, PEEPHOLES), sequence=True),
    Family("gru", _recurrent(RESET_AFTER, CUDNN), sequence=True),
    Family("mgu", _recurrent(RESET_GATE, proj=False), sequence=True),
    Family("dense", (IN, Field("units", SIZE, 10, "f_out", "u"), BIAS)),
    Family("conv1d", (IN, Field("filters", SIZE, 32, "f_filters", "f"), Field("kernel", SIZE, 3, "f_kernel", "k"),
                      Field("stride", SIZE, 1, "f_stride", "s"),
                      Field("pad", SELECT, "valid", "f_pad", "pad", ("valid", "same")),
                      Field("groups", SIZE, 1, "f_groups", "g"), BIAS), sequence=True),
    Family("conv2d", (IN, Field("filters", SIZE, 16, "f_filters", "f"),
                      Field("kh", SIZE, 3, "f_kernel_h", "kh", words=("Kernel height", "卷积核高度")),
                      Field("kw", SIZE, 3, "f_kernel_w", "kw", words=("Kernel width", "卷积核宽度")),
                      Field("sh", SIZE, 1, "f_stride_h", "sh", words=("Stride (height)", "步幅(高)")),
                      Field("sw", SIZE, 1, "f_stride_w", "sw", words=("Stride (width)", "步幅(宽)")),
                      Field("pad", SELECT, "valid", "f_pad", "pad", ("valid", "same")),
                      Field("groups", SIZE, 1, "f_groups", "g"), BIAS), words=("Conv2D", "二维卷积")),
    _conv("conv3d", 3), _conv("conv1d_t", 1, True), _conv("conv2d_t", 2, True), _conv("conv3d_t", 3, True),
    Family("layernorm", (IN, SCALE, CENTER), passes_features=True),
    Family("rmsnorm", (IN, SCALE), passes_features=True, words=("RMSNorm", "RMS 归一化")),
    Family("groupnorm", (IN, Field("groups", SIZE, 4, "f_groups", "g"), SCALE, CENTER), passes_features=True,
           words=("GroupNorm", "分组归一化")),
    Family("prelu", (IN, Field("shared", BOOL, False, "f_shared", "sh", words=("One slope for all channels",
                                                                                 "所有通道共用一个斜率"))),
           passes_features=True, words=("PReLU", "PReLU")),
    Family("attention", ATTENTION_FIELDS, sequence=True, passes_features=True,
           words=("Multi-head attention", "多头注意力")),
    Family("activation", (Field("fn", SELECT, "relu", "f_fn", "fn", ACTIVATIONS, words=("Function", "函数")),),
           passes_features=True, words=("Activation", "激活函数")),
    Family("pool1d", POOL_FIELDS, passes_features=True, sequence=True, words=("Pooling 1D", "一维池化")),
    Family("pool2d", POOL_FIELDS, passes_features=True, words=("Pooling 2D", "二维池化")),
    Family("flatten", (), words=("Flatten", "展平")),
    Family("batchnorm", (IN, SCALE, CENTER), passes_features=True),
    Family("dropout", (Field("rate", RATE, 0.5, "f_rate", "r"),), passes_features=True),
    Family("rnn_cell", _recurrent(cell=True)),
    Family("lstm_cell", _recurrent(PEEPHOLES, cell=True)),
    Family("gru_cell", _recurrent(cell=True)),
    Family("mgu_cell", _recurrent(RESET_GATE, proj=False, cell=True)),
    Family("mamba", (
        Field("d_model", SIZE, 768, "f_d_model", "dm", words=("Model width (d_model)", "模型宽度（d_model）")),
        Field("d_inner", SIZE, 1536, "f_d_inner", "di", words=("Inner width (d_inner)", "内部宽度（d_inner）")),
        Field("d_state", SIZE, 16, "f_d_state", "ds", words=("State size (d_state)", "状态维数（d_state）")),
        Field("d_conv", SIZE, 4, "f_d_conv", "dc", words=("Convolution width (d_conv)", "卷积宽度（d_conv）")),
        Field("dt_rank", SIZE, 48, "f_dt_rank", "dr", words=("Δ rank (dt_rank)", "Δ 的秩（dt_rank）")),
        Field("layers", SIZE, 24, "f_layers", "n"),
        Field("bias", BOOL, False, "f_bias", "b", words=("Projection biases", "投影偏置")),
        Field("conv_bias", BOOL, True, "f_conv_bias", "cb", words=("Convolution bias", "卷积偏置"))),
        words=("Mamba blocks (selective SSM)", "Mamba 块（选择性 SSM）")),
)})
"""Every family, in the order the page offers them. The sequence families' `proj` (LSTM projection) stays
at 0 where a framework has none: its writers refuse a projection, and the page shows the field only where a
writer takes it."""

SEQUENCE_OF_CELL: Mapping[str, str] = MappingProxyType({
    "rnn_cell": "rnn", "lstm_cell": "lstm", "gru_cell": "gru", "mgu_cell": "mgu"})
"""A cell's family and the family of the layer that runs it over a sequence."""


@record
class Neutral:
    """One layer as a family's values: what `compare` translates and the page builds."""

    family: str
    values: Mapping[str, Value]

    def get(self, name: str) -> Value:
        if name in self.values:
            return self.values[name]
        field = FAMILIES[self.family].field(name)
        return None if field is None else field.default

    def size(self, name: str) -> int | None:
        """A size that may be left to the layer before (an auto input size): the number, or None."""
        value = self.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def int(self, name: str) -> int:
        value = self.get(name)
        assert isinstance(value, int) and not isinstance(value, bool), (name, value)
        return value

    def flag(self, name: str) -> bool:
        return bool(self.get(name))


def neutral(family: str, **values: Value) -> Neutral:
    """A family's values with the defaults filled in (unknown names are a mistake in a convention)."""
    fields = FAMILIES[family]
    unknown = [k for k in values if fields.field(k) is None]
    assert not unknown, (family, unknown)
    return Neutral(family, MappingProxyType({**fields.defaults(), **values}))


__all__ = [
    "ACTIVATIONS",
    "AUTO",
    "BOOL",
    "COUNT",
    "FAMILIES",
    "KERNEL_2D_WORDS",
    "POOL_OPS",
    "RATE",
    "SELECT",
    "SEQUENCE_OF_CELL",
    "SIZE",
    "Family",
    "Field",
    "Neutral",
    "neutral",
]
