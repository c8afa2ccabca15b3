"""Keras merging layers, none with weights: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum and
Dot. They take a list of tensors, so they are written in functional models (`Concatenate()([a, b])`); a
functional model hands them their inputs as several shapes (`common.several`). Output shapes and refusals are
Keras' own (base_merge._compute_elemwise_op_output_shape, Concatenate, Dot)."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ..base import BOOL, SHAPE, LayerContext, LayerPlan, Param, fmt_shape, freeze
from ..work import Work
from .common import Table, inputs_of, int_tuple, layer, missing_input

MERGING = ("Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot")
"""The layers that take a list of tensors (the code reader hands them theirs)."""
FUNCTIONS = {"concatenate": "Concatenate", "add": "Add", "subtract": "Subtract", "multiply": "Multiply",
             "average": "Average", "maximum": "Maximum", "minimum": "Minimum", "dot": "Dot"}
"""keras.layers' functional forms (`layers.concatenate([a, b], axis=-1)`): the layer they make and call."""
WORDS = MappingProxyType({"N_in": ("inputs merged", "合并的输入个数")})
ADD, SUBTRACT = Work(merge=(1, 0, 0, 0)), Work(merge=(1, 0, 0, 1))
MULTIPLY, AVERAGE, EXTREMUM = Work(merge=(1, 0, 2, 0)), Work(merge=(1, 1, 0, 1)), Work(merge=(1, 0, 2, 0))


def merged_inputs(ctx: LayerContext, exactly: int | None = None) -> tuple[Shape, ...]:
    """The list of input shapes a merge layer is called on, refused as Keras refuses a single tensor."""
    if ctx.in_shape is None:
        raise missing_input(ctx)
    shapes = inputs_of(ctx.in_shape)
    name = f"{ctx.name} ({ctx.spec.type})"
    if shapes is None:
        raise ShapeError(f"{name}: a merge layer should be called on a list of inputs, but it receives one tensor "
                         f"of shape {fmt_shape(ctx.in_shape)}. It joins several tensors, so it is written in a "
                         f"functional model: y = {ctx.spec.type}()([a, b]).")
    if exactly is not None and len(shapes) != exactly:
        raise ShapeError(f"{name}: a `{ctx.spec.type}` layer should be called on exactly {exactly} inputs. "
                         f"Received {len(shapes)}.")
    if len({s[0] for s in shapes if s} - {None}) > 1:
        raise ShapeError(f"{name}: Cannot merge tensors with different batch sizes. Received tensors with shapes "
                         f"{', '.join(fmt_shape(s) for s in shapes)}")
    return shapes


def elementwise_shape(name: str, a: Shape, b: Shape) -> Shape:
    """Keras' _compute_elemwise_op_output_shape (without the batch)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[:-len(b)])
    for i, j in zip(a[-len(b):], b, strict=True):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise ShapeError(f"{name}: Inputs have incompatible shapes. Received shapes {fmt_shape(a)} and "
                             f"{fmt_shape(b)}")
        else:
            out.append(i)
    return tuple(out)


def plan_elementwise(exactly: int | None = None) -> Callable[[LayerContext], LayerPlan]:
    def plan(ctx: LayerContext) -> LayerPlan:
        shapes = merged_inputs(ctx, exactly)
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = elementwise_shape(f"{ctx.name} ({ctx.spec.type})", out, s[1:])
        batch = next((s[0] for s in shapes if s[0] is not None), None)
        return LayerPlan((), freeze({"N_in": len(shapes)}), shapes[0], (batch, *out))
    return plan


def plan_concatenate(ctx: LayerContext) -> LayerPlan:
    shapes = merged_inputs(ctx)
    axis = ctx.cfg("axis")
    name = f"{ctx.name} (Concatenate)"
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise ConfigError(f"{name}: axis must be an integer (got {axis!r}).")
    ranks = {len(s) for s in shapes}
    rank = len(shapes[0])
    if len(ranks) != 1 or not -rank <= axis < rank or axis % rank == 0:
        raise ShapeError(f"{name}: A `Concatenate` layer requires inputs with matching shapes except for the "
                         f"concatenation axis. Received: input_shape={[fmt_shape(s) for s in shapes]}")
    at = axis % rank
    for k in range(1, rank):
        sizes = {s[k] for s in shapes} - {None}
        if k != at and len(sizes) > 1:
            raise ShapeError(f"{name}: A `Concatenate` layer requires inputs with matching shapes except for the "
                             f"concatenation axis. Received: input_shape={[fmt_shape(s) for s in shapes]}")
    out = list(shapes[0])
    total: int | None = 0
    for s in shapes:
        total = None if total is None or s[at] is None else total + s[at]  # type: ignore[operator]
    out[at] = total
    return LayerPlan((), freeze(), shapes[0], tuple(out))


def plan_dot(ctx: LayerContext) -> LayerPlan:
    a, b = merged_inputs(ctx, 2)
    value = ctx.cfg("axes")
    name = f"{ctx.name} (Dot)"
    if isinstance(value, int) and not isinstance(value, bool):
        axes = (value % len(a), value % len(b)) if value < 0 else (value, value)
    elif (pair := int_tuple(value)) is not None and len(pair) == 2:
        axes = (pair[0] % len(a), pair[1] % len(b))
    else:
        raise ConfigError(f"{name}: Invalid format for argument `axes`: expected an integer or a pair of them. "
                          f"Received: axes={value!r}")
    if not (0 < axes[0] < len(a) and 0 < axes[1] < len(b)):
        raise ShapeError(f"{name}: axes {axes} are not axes of its inputs {fmt_shape(a)} and {fmt_shape(b)} after "
                         "the batch.")
    if a[axes[0]] is not None and b[axes[1]] is not None and a[axes[0]] != b[axes[1]]:
        raise ShapeError(f"{name}: Incompatible input shapes: axis values {a[axes[0]]} (at axis {axes[0]}) != "
                         f"{b[axes[1]]} (at axis {axes[1]}). Full input shapes: {fmt_shape(a)}, {fmt_shape(b)}")
    left = [d for k, d in enumerate(a) if k != axes[0]]
    right = [d for k, d in enumerate(b) if k != axes[1]][1:]
    out = left + right
    if len(out) == 1:
        out.append(1)
    return LayerPlan((), freeze(), a, tuple(out))


def declare(table: Table) -> None:
    table.add(layer("Concatenate", "concatenate", (Param("axis", -1, SHAPE),), plan_concatenate),
              layer("Add", "add", (), plan_elementwise(), work=ADD, words=WORDS),
              layer("Subtract", "subtract", (), plan_elementwise(2), work=SUBTRACT, words=WORDS),
              layer("Multiply", "multiply", (), plan_elementwise(), work=MULTIPLY, words=WORDS),
              layer("Average", "average", (), plan_elementwise(), work=AVERAGE, words=WORDS),
              layer("Maximum", "maximum", (), plan_elementwise(), work=EXTREMUM, words=WORDS),
              layer("Minimum", "minimum", (), plan_elementwise(), work=EXTREMUM, words=WORDS),
              layer("Dot", "dot", (Param("axes", kind=SHAPE), Param("normalize", False, BOOL)), plan_dot))


__all__ = ["FUNCTIONS", "MERGING", "declare", "elementwise_shape", "merged_inputs", "plan_concatenate", "plan_dot",
           "plan_elementwise"]
