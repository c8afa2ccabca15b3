"""What every Keras layer group module declares with: the layer table being assembled (`Table`), the
arguments of `keras.layers.Layer` that never change parameters or shapes, and the checks of an input that
Keras makes before it creates a layer's weights."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import Sym
from ..base import LayerContext, LayerConvention, Param, PlanFn, fmt_shape, require_rank
from ..equivalents import Built, Writer
from ..families import Neutral
from ..work import INPUT, Keep

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

I, H, O, V, E, C, K = (Sym(n) for n in ("I", "H", "O", "V", "E", "C", "K"))

BASE_IGNORED = frozenset({"name", "dtype", "trainable", "input_shape", "input_dim", "input_length",
                          "batch_input_shape", "batch_size", "autocast", "activity_regularizer",
                          "weights", "seed", "lora_rank", "lora_alpha"})
"""Arguments of keras.layers.Layer (and of every layer below) that never change parameters or shapes."""
KERNEL_IGNORED = BASE_IGNORED | frozenset({"kernel_initializer", "bias_initializer", "kernel_regularizer",
                                           "bias_regularizer", "kernel_constraint", "bias_constraint"})
"""A layer with a kernel and a bias: their initializers, regularizers and constraints."""
FOR_WEIGHTS = Keep(INPUT, trainable_only=True)
"""The input, kept for the weight gradient (of a layer whose weights train)."""


class Table:
    """The layer table of one Keras framework (Keras 3, or Keras 2 with its defaults) while the group modules
    declare into it: the layers, the writer of each family, and which defaults apply."""

    def __init__(self, *, keras2: bool) -> None:
        self.keras2 = keras2
        """Keras 2 defaults (GRU reset_after=False, the CuDNN layers)."""
        self.layers: dict[str, LayerConvention] = {}
        self.writers: dict[str, Writer] = {}

    def write(self, n: Neutral) -> Built:
        """The writer of the values' family (each group module adds its own)."""
        return self.writers[n.family](n)

    def add(self, *layers: LayerConvention) -> None:
        self.layers.update((c.type_name, c) for c in layers)


def layer(type_name: str, auto_name: str, params: tuple[Param, ...], plan: PlanFn,
          ignored: frozenset[str] = BASE_IGNORED, **kw: Any) -> LayerConvention:
    return LayerConvention(type_name, params, plan, auto_name, ignored, **kw)


def missing_input(ctx: LayerContext) -> ConfigError:
    return ConfigError(
        f"{ctx.name} ({ctx.spec.type}) needs the shape of its input to count its parameters: Keras infers "
        "input features from the data. Give it once: Input(shape=(T, F)) first in the model, "
        "input_shape=(T, F) on the first layer, or --input-shape T,F on the command line."
    )


def given_input(ctx: LayerContext) -> Shape:
    """The input shape, which Keras needs before it creates the weights."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    return ctx.in_shape


def keras_input(ctx: LayerContext, ranks: tuple[int, ...], expected: str) -> Shape:
    """An input of one of `ranks`, whose last dimension (the features the weights read) is defined."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shape = require_rank(ctx, ranks, expected)
    if shape[-1] is None:
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}): the last dimension of its input must be defined to "
                         f"create its weights; got shape {fmt_shape(shape)}.")
    return shape


def int_tuple(value: object) -> tuple[int, ...] | None:
    """`value` as a tuple of ints (bools are not ints here), or None when it is not one."""
    if isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return tuple(v for v in value if isinstance(v, int))
    return None


def several(shapes: Sequence[Shape]) -> Shape:
    """Several input tensors as one input shape (a tuple of shapes): how a functional model hands a merging or
    an attention layer its inputs, in the order the layer takes them (a list; query, value, key)."""
    return tuple(shapes)  # type: ignore[arg-type]


def inputs_of(shape: Shape | None) -> tuple[Shape, ...] | None:
    """The input tensors of a layer given several (`several`), or None for one tensor (or none known)."""
    if shape and all(isinstance(d, tuple) for d in shape):
        return tuple(shape)  # type: ignore[arg-type]
    return None


def declare_all(table: Table, *groups: Callable[[Table], None]) -> dict[str, LayerConvention]:
    for declare in groups:
        declare(table)
    return table.layers


__all__ = ["BASE_IGNORED", "FOR_WEIGHTS", "KERNEL_IGNORED", "C", "E", "H", "I", "K", "O", "Table", "V",
           "declare_all", "given_input", "inputs_of", "int_tuple", "keras_input", "layer", "missing_input", "several"]
