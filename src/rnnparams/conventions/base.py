"""The vocabulary every framework convention is written in.

A convention module declares, per layer class, its constructor signature (`Param`s) and its weights as
`TensorTemplate`s with symbolic shapes, the way a Keras `build()` declares each weight once. A small
`plan` function per layer class binds the symbols for one configuration and computes output shapes;
counting, formulas and explanations are all derived from the resulting `LayerPlan`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType

from .._record import field, record
from ..errors import FeatureMismatch, ShapeError
from ..spec import LayerSpec, Shape, Value
from ..symbolic import Const, Expr, Sym, as_expr
from .families import Neutral
from .work import NOTHING, Runtime, Work


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

# Value kinds a parameter accepts; checked when arguments are bound, so errors name the argument.
SIZE = "size"            # int > 0
NONNEG = "nonneg"        # int >= 0
INT = "int"
BOOL = "bool"
FLOAT = "float"          # int or float
CHOICE = "choice"        # one of `choices`
SHAPE = "shape"          # tuple of ints (or None) or a single int
LAYER = "layer"          # a nested layer call (Bidirectional(LSTM(...)))
LAYERS = "layers"        # a list of nested layer calls (MultiRNNCell([LSTMCell(64), GRUCell(32)]))
LAYER_OR_SIZE = "layer_or_size"  # a size, or a nested call (ncps' CfC(20, 50) or CfC(20, AutoNCP(28, 4)))
ANY = "any"

BY_POSITION = "index"
BY_CLASS = "class"
"""The two naming schemes of `FrameworkConvention.naming`."""

MAX_STACKED_LAYERS = 1_000
"""The most stacked layers (`num_layers`) rnnparams counts. No real model stacks that many, and each layer's
tensors are listed one by one, so the bound keeps every input fast (num_layers=10**8 would otherwise run for
hours) and every reader refuses a larger value with the same message."""

MAX_DIMENSION = 2**63 - 1
"""The largest size (a tensor dimension, a layer's width) rnnparams counts: the largest a framework can hold
(PyTorch, TensorFlow and ONNX store shapes as 64-bit integers). Checked on every layer's bindings and shapes
whatever the reader, so no input makes a count, a formula or an estimate work with integers too large to print."""


@record
class Param:
    name: str
    default: Value | _Required = REQUIRED
    kind: str = ANY
    choices: tuple[Value, ...] = ()
    positional: bool = True
    maximum: int | None = None
    """Largest value rnnparams accepts for a SIZE/NONNEG argument, where the work grows with it (num_layers);
    None: no bound. Checked by every reader (expressions, spec files, checkpoints) and in the JSON schema."""


def above_maximum(param: Param, value: object) -> str | None:
    """Why `value` is too large for `param` ("num_layers=1001 is more than rnnparams counts (at most 1,000
    stacked layers)"), or None when it is within the bound (or not an integer: other checks catch that)."""
    if param.maximum is None or not isinstance(value, int) or isinstance(value, bool) or value <= param.maximum:
        return None
    unit = " stacked layers" if param.name == "num_layers" else ""
    return f"{param.name}={value} is more than rnnparams counts (at most {param.maximum:,}{unit})"


@record
class TensorTemplate:
    """One weight as the framework declares it. `name` is a format string ({layer}, {suffix}, {cell}...)."""

    name: str
    shape: tuple[Expr, ...]
    role: str
    when: str | None = None
    """Name of a flag that must be true for the weight to exist (e.g. "bias")."""
    trainable: bool = True
    buffer: bool = False
    gates: tuple[str, ...] = ()
    """Gate blocks stacked along the gate axis, in the framework's order."""


@record
class TensorSpec:
    """A weight of one configured layer: concrete name, symbolic shape (bound by the plan's bindings)."""

    name: str
    shape: tuple[Expr, ...]
    role: str
    trainable: bool = True
    buffer: bool = False
    gates: tuple[str, ...] = ()


Outputs = Shape | tuple[Shape, ...]


@record
class TokenCache:
    """What a layer caches per token of context (an attention layer's keys or values), which grows with the
    sequence, unlike a state: `shape` per token, the batch axis None and the time axis left out; `cap`: the most
    tokens it keeps (a local-attention window), None: every token of the context."""

    shape: Shape
    cap: int | None = None

    def tokens(self, steps: int) -> int:
        """Tokens held after `steps` tokens of context."""
        return steps if self.cap is None else min(steps, self.cap)


@record
class LayerPlan:
    """What a convention says about one configured layer receiving one input shape."""

    tensors: tuple[TensorSpec, ...]
    bindings: Mapping[str, int]
    input_shape: Shape
    output_shape: Outputs
    state_shapes: Mapping[str, Shape] = field(default_factory=lambda: MappingProxyType({}))
    warnings: tuple[str, ...] = ()
    caches: Mapping[str, TokenCache] = field(default_factory=lambda: MappingProxyType({}))
    """What grows with the context per sequence (attention's keys and values), by name."""
    multi_output: bool = False
    family: tuple[tuple[Expr, tuple[TensorSpec, ...]], ...] = ()
    """The layer in closed form: (how many copies, one copy's tensors) in symbols, e.g. nn.LSTM's
    ((D, layer-0 tensors), ((L - 1)·D, upper-layer tensors)). Empty means one copy of `tensors`."""
    features: tuple[str | None, Expr | None] = (None, None)
    """(symbol of the input features, expression of the output features): how a formula links layers."""
    notes: tuple[str, ...] = ()
    """Keys of framework-specific explanation notes (wording in render/i18n), chosen by the plan."""
    feature_axis: int = -1
    """The axis of the input the weights read (channels first: 1), where the plan knows the layout."""
    time_axis: int | None = None
    """A recurrent layer's time axis in its input (PyTorch: 0, or 1 with batch_first); None: one step (a cell)."""
    counts: tuple[str, ...] = ()
    """Symbols that count stacked copies of a block (L, xLSTM's n_m and n_s): `check` tries each one off by one,
    the miscounted layers behind wrong totals people quote."""

    def blocks(self) -> tuple[tuple[Expr, tuple[TensorSpec, ...]], ...]:
        params = tuple(t for t in self.tensors if not t.buffer)
        return self.family or ((Const(1), params),)


@record
class LayerContext:
    """Everything a plan function may look at."""

    spec: LayerSpec
    name: str
    in_shape: Shape | None
    """Incoming tensor shape with batch; None when nothing upstream fixes it (first layer, no input shape)."""
    framework: str
    inner: LayerPlan | None = None
    inner_name: str | None = None

    def cfg(self, key: str) -> Value:
        return self.spec.config[key]

    def int(self, key: str) -> int:
        value = self.spec.config[key]
        assert isinstance(value, int)
        return value


PlanFn = Callable[[LayerContext], LayerPlan]


Built = tuple[tuple[LayerSpec, ...], Shape | None]
"""Layers written for a family's values, and the input shape (one sample) they take when they stand alone
(None: their arguments fix it): Keras layers read their input features from the data."""
Reader = Callable[[LayerSpec, LayerPlan], Neutral]
Writer = Callable[[Neutral], Built]


@record
class Equivalent:
    """A layer convention's place in the neutral families (families.py): what it reads as, and what it writes
    (equivalents.py has the readers' and writers' helpers)."""

    read: Reader | None = None
    """The configured layer as a family's values (None: a layer with no family, translated only when it has
    no parameters, as nothing)."""
    writes: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """The families this convention writes, each with the fields its writer takes (the page shows those)."""
    write: Writer | None = None


Recogniser = Callable[["TensorGroup"], "Recognised | None"]


@record
class TensorGroup:
    """Tensors of a checkpoint that may be one layer: their names below the layer's own path (`weight_ih_l0`),
    in the file's order, with their shapes."""

    path: str
    leaves: Mapping[str, tuple[int, ...]]
    first: bool = False
    """The file's first group (a first 2-D weight without a bias is an embedding table, not a Linear)."""


@record
class Recognised:
    """What a recogniser reads off a group: the layer's arguments, and the input shape (with batch) it takes
    when its arguments do not fix it (Keras layers). `count` then checks the claim tensor by tensor."""

    config: Mapping[str, object]
    """Arguments as a file's config gives them (a wrapped layer: {"class_name": ..., "config": {...}}); they
    are checked like a file's values."""
    input_shape: Shape | None = None
    note: str = ""
    """What the recogniser had to assume, said in the inspection's notes."""


@record
class LayerConvention:
    """One layer class of a framework, declared once: its signature, its tensors and shape rule (`plan`), what
    it computes and keeps (`work`), what it is in every other framework (`equivalent`) and how its tensors are
    recognised in a checkpoint (`recognise`). Every analysis derives from these; none asks which layer it is."""

    type_name: str
    params: tuple[Param, ...]
    plan: PlanFn
    auto_name: str
    ignored: frozenset[str] = frozenset()
    """Keyword arguments accepted and ignored because they never change parameters or shapes."""
    wraps: bool = False
    recurrent: bool = False
    inner_input: Callable[[LayerContext], Shape | None] | None = None
    """For wrappers: the input shape handed to the wrapped layer."""
    work: Work = NOTHING
    equivalent: Equivalent = field(default_factory=Equivalent)
    words: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """(English, Chinese) meanings of the symbols its shapes use and wording of the notes its plan chooses,
    where render/i18n.py's shared tables have none: a new layer brings its own words."""
    write_prefix: str | None = None
    """The prefix rnnparams writes it with, where it is not the framework's (MXNet's Dense lives in gluon.nn)."""
    recognise: Recogniser | None = None
    """The layer's arguments from a checkpoint's tensor group (names and shapes), or None when the group is not
    this layer; by default derived from the tensor templates (`derive_recogniser`)."""
    stateless: bool = False
    """It never holds a tensor, whatever its arguments (an activation, pooling, padding, a dropout): a code reader
    that cannot resolve its arguments may count it as nothing, as it would count."""
    sublayers: tuple[str, ...] = ()
    """Auto-names of the layers its constructor builds after taking its own name (mingru-keras' MinGRU builds two
    Dense: ("dense", "dense")): Keras names them from the session's counters, so they take `dense`, `dense_1`...
    from the layers after them, and its weights are named below them. The names chosen are its `_sublayers`
    argument."""
    module: str | None = None
    """The import path of a class that a package built on the framework adds (`mingru_keras.MinGRU`): model code
    that imports it is this framework's."""
    argument_only: bool = False
    """A package's configuration or wiring (xLSTMBlockStackConfig, ncps' AutoNCP, fla's RWKV7Config), never a
    module: it exists as the argument of the layer it configures, so a code reader keeps it as a value, not a
    submodule."""
    nested: bool = False
    """A composite layer whose tensors are named below its sub-modules, as `named_parameters()` names them
    (`self_attn.in_proj_weight`, `layers.0.linear1.weight`): `inspect` offers its recogniser every tensor below
    a path (leaves with dots), not only the path's own."""


@record
class FrameworkConvention:
    id: str
    display: str
    layers: Mapping[str, LayerConvention]
    prefixes: tuple[str, ...]
    """Module prefixes the framework's layers are written with (`nn.`, `torch.nn.`, `keras.layers.`)."""
    containers: tuple[str, ...] = ()
    """Call names that hold a list of layers (`Sequential`)."""
    input_calls: tuple[str, ...] = ()
    naming: str = "index"
    """How unnamed layers are named: BY_POSITION (PyTorch nn.Sequential children 0, 1, 2; a layer read from
    code by its attribute path) or BY_CLASS (Keras: snake_case class name, then _1, _2...; such layers also
    take `name=` and `trainable=` arguments)."""
    batch_axis: Callable[[LayerSpec], int] = lambda spec: 0
    """Where the batch dimension goes in the model input, given its first layer."""
    batch_transparent: Callable[[LayerSpec], bool] = lambda spec: False
    """The layer works on its last axis whatever the others hold (PyTorch's Embedding, Linear, Dropout): the model's
    batch axis is that of the first layer that is not (a time-major nn.LSTM after an embedding reads (T, N))."""
    notes: tuple[str, ...] = ()
    verified: bool = True
    """Whether the convention was checked against the real package (oracle tests); False: from its docs."""
    verified_with: tuple[tuple[str, str], ...] = ()
    """(package, version) pairs the oracle tests ran against."""
    syntax: str = ""
    """One line on how a model is written in this framework's expression syntax (for `rnnparams frameworks`)."""
    short: str = ""
    """The name sentences use for the framework family ("PyTorch", "Keras"): a variant shares its base's."""
    write_prefix: str = ""
    """The prefix layers are written with when rnnparams writes an expression (`nn.`; Keras: none)."""
    model_syntax: str = "chain"
    """How a written model strings its layers: "chain" (`a; b; c`) or "sequential" (`Sequential([Input(..), a, b])`)."""
    infers_input: bool = False
    """Its layers read their input features from the data (Keras, Flax linen, TF 1 cells): a model needs an
    input shape."""
    runtime: Runtime | None = None
    """How `estimate` models its kernels and optimizer state; None: counted exactly, not estimated."""
    compared: bool = False
    """Counted beside the others by default in `compare` and `check` (the frameworks people mix up most)."""
    buffers: bool = False
    """It keeps non-parameter state (BatchNorm running statistics) apart from its parameters."""
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Other names of its layers (`GlobalAvgPool1D` for `GlobalAveragePooling1D`)."""
    refusals: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Why families it has no layer for cannot be written (family key -> reason), beyond "not modelled"."""
    checkpoint_path: Callable[[str], tuple[str, str]] | None = None
    """How a checkpoint tensor name splits into (layer path, name within the layer), for its naming rules."""
    code_reader: str | None = None
    """Which adapter of the code reader (`inputs/code/`) follows this framework's model code (`"torch"`,
    `"keras"`); None: the framework is counted from expressions, spec files and checkpoints only."""
    variant_of: str | None = None
    """The framework this one is a variant of (Keras 2 of Keras 3): the same names, other defaults. Code or an
    expression is read as the variant only when it uses a layer the variant alone has (CuDNNLSTM)."""
    coverage: str = ""
    """The framework module whose public layer classes this convention is checked against (`torch.nn.modules`):
    docs/layers.md lists its classes, counted or refused, and a coverage test enumerates the real module's;
    empty: no coverage table."""
    refused: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Classes of the framework that are not counted as layers, each with the reason the user is told instead of
    "unknown layer" (a container: its layers are counted; a base class; an options record); docs/layers.md
    lists them."""


def model_batch_axis(fw: FrameworkConvention, layers: Sequence[LayerSpec]) -> int:
    """Where the batch goes in the model input: the first layer's batch axis, looking through layers that work on
    their last axis only (`batch_transparent`) to the first that fixes it."""
    for spec in layers:
        if not fw.batch_transparent(spec):
            return fw.batch_axis(spec)
    return fw.batch_axis(layers[0]) if layers else 0


_EXPANDED: dict[tuple[object, ...], tuple[object, tuple[TensorSpec, ...]]] = {}
"""expand's answers by (templates object, flags, substitutions, names): a chain of 1,000 equal layers asks the
same question 1,000 times, and building the tensors' symbolic shapes was half of `count`. The templates object
is kept with its answer, so an id cannot be reused by another object while its entry lives; at most
MAX_EXPANDED entries (substitutions may be numbers, which vary without bound)."""
MAX_EXPANDED = 4_096


def expand(templates: Iterable[TensorTemplate], *, flags: Mapping[str, bool],
           subs: Mapping[str, Expr | int] | None = None, **fmt: object) -> list[TensorSpec]:
    """Instantiate templates for one layer (and direction): filter by flags, format names, substitute symbols."""
    key = None
    if isinstance(templates, tuple):  # a convention's declared templates (a list is built for one layer)
        key = (id(templates), tuple(flags.items()), tuple(subs.items()) if subs else None, tuple(fmt.items()))
        try:
            kept, answer = _EXPANDED.get(key, (None, ()))
        except TypeError:  # a substitution that does not hash
            kept, key = None, None
        if kept is templates:
            return list(answer)
    out = []
    for t in templates:
        if t.when is not None and not flags[t.when]:
            continue
        shape = tuple(as_expr(d).subs(subs) if subs else d for d in t.shape)
        out.append(TensorSpec(t.name.format(**fmt), shape, t.role, t.trainable, t.buffer, t.gates))
    if key is not None:
        if len(_EXPANDED) >= MAX_EXPANDED:
            _EXPANDED.clear()
        _EXPANDED[key] = (templates, tuple(out))
    return out


def freeze(items: Mapping[str, T] | None = None) -> Mapping[str, T]:
    """A read-only copy, so plans stay immutable."""
    return MappingProxyType(dict(items or {}))


def sym(*names: str) -> tuple[Sym, ...]:
    return tuple(Sym(n) for n in names)


def known(dim: int | None) -> bool:
    return dim is not None


def require_rank(ctx: LayerContext, ranks: tuple[int, ...], expected: str) -> Shape:
    """Fail like the framework does when a layer gets a tensor of the wrong rank."""
    shape = ctx.in_shape
    assert shape is not None
    if len(shape) not in ranks:
        raise ShapeError(
            f"{ctx.name} ({ctx.spec.type}) expects a {expected} input, "
            f"but receives a {len(shape)}-D tensor of shape {fmt_shape(shape)}."
            + (" Recurrent layers read a sequence: give the time axis too (e.g. --input-shape T,F), or use "
               "return_sequences=True on the recurrent layer before it." if len(shape) == 2 and 3 in ranks
               else "")
        )
    return shape


def fmt_shape(shape: Shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_features(ctx: LayerContext, declared: int, actual: int | None, what: str) -> None:
    if actual is not None and actual != declared:
        raise FeatureMismatch(
            f"{ctx.name} ({ctx.spec.type}) was declared with {what}={declared}, but the tensor it receives has "
            f"{actual} features (shape {fmt_shape(ctx.in_shape or ())}). Make {what} {actual}, or change the "
            "layer before it.", ctx.spec, what, actual)
