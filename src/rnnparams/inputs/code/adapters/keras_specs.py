"""The specs of Keras models: a Sequential (a chain, or its shapes followed layer by layer when a layer
without weights changes them), a functional graph (its layers between the inputs and the outputs, a chain
when the graph is one), a subclassed model (the layers its `call()` used on the input).
"""

from __future__ import annotations

import ast

from ...._record import replace
from ....errors import InputError, RnnParamsError
from ....spec import LayerSpec, ModelSpec, Shape
from ..messages import ReadError, at_line
from ..objects import layer_plan
from ..values import Unknown
from .keras_objects import KApp, KFunctional, KLayer, KModel, KSequential, KTensor
from .keras_shapes import FREE_IDENTITY, free_output, plan_outputs

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .keras import KerasAdapter


def sequential_spec(adapter: KerasAdapter, model: KSequential, name: str) -> ModelSpec:
    if model.tainted:
        raise adapter.reader.fail(f"{name}: the layers of this Sequential cannot be known: {model.tainted}",
                                  at_line(model.line))
    declared = model.input_shape
    if declared is None and model.items and isinstance(model.items[0], KLayer):
        declared = model.items[0].declared_input
    input_shape = adapter.reader.input_shape if adapter.reader.input_shape is not None else declared
    layers = [usable(adapter, item, name) for item in model.items]
    if all(k.status == "layer" or k.base in FREE_IDENTITY for k in layers):
        specs = tuple(k.spec for k in layers if k.status == "layer" and k.spec is not None)
        if not specs:
            raise adapter.reader.fail(f"{name} has no layers with weights", at_line(model.line))
        return ModelSpec(adapter.fw.id, specs, input_shape, model.name or name, adapter.reader.source)
    if input_shape is None:
        raise adapter.reader.fail(f"{name}: give the input shape (Input(shape=...) first, input_shape= on the first "
                                  "layer, or --input-shape T,F) to follow its shapes", at_line(model.line))
    shape: Shape | None = (None, *input_shape)
    placed: list[LayerSpec] = []
    for layer in layers:
        if shape is None:
            raise adapter.reader.fail(f"{name}: the shape after {placed[-1].name if placed else 'the input'} cannot be "
                                      f"followed into {layer.name} ({layer.base})", at_line(layer.line))
        if layer.status == "free":
            shape = free_output(layer.base, layer.options, [shape])
            continue
        assert layer.spec is not None
        try:
            outputs = plan_outputs(layer_plan(adapter.fw, layer.spec, shape))
        except RnnParamsError as exc:
            raise exc.at(adapter.reader.source, layer.line, layer.col) from None
        placed.append(replace(layer.spec, input_shape=shape))
        shape = outputs[0] if len(outputs) == 1 else None
    return ModelSpec(adapter.fw.id, tuple(placed), input_shape, model.name or name, adapter.reader.source, chain=False)


def usable(adapter: KerasAdapter, item: object, model_name: str) -> KLayer:
    if isinstance(item, KLayer):
        if item.status in ("error", "unsupported"):
            assert item.error is not None
            raise item.error
        return item
    what = adapter.type_name(item) if isinstance(item, (KSequential, KFunctional, KModel)) else type(item).__name__
    raise adapter.reader.fail(f"{model_name}: a {what} inside a Sequential is not followed yet; count it on its own",
                              None)


def graph(model: KFunctional) -> list[KApp]:
    """Applications between the model's inputs and outputs, in the order they were made."""
    inputs = {id(t) for t in model.inputs}
    seen: dict[int, KApp] = {}
    stack = list(model.outputs)
    while stack:
        tensor = stack.pop()
        app = tensor.producer
        if id(tensor) in inputs or app is None or id(app) in seen:
            continue
        seen[id(app)] = app
        stack.extend(app.inputs)
    return sorted(seen.values(), key=lambda a: (a.line, a.layer.seq if a.layer else 0))


def functional_spec(adapter: KerasAdapter, model: KFunctional, name: str) -> ModelSpec:
    for tensor in model.outputs:
        if tensor.producer is None and tensor.shape is None:
            message = f"{name}: the outputs of this model cannot be followed: {tensor.why}"
            if tensor.cause is not None:
                message += f". Give it with --set {tensor.cause.text}=VALUE"
            raise adapter.reader.fail(message, at_line(model.line))
    apps = graph(model)
    for app in apps:
        if app.error is not None:
            raise app.error
    layers = keras_order(model)
    counted = [k for k in layers if k.status == "layer" and k.spec is not None]
    if not counted:
        raise adapter.reader.fail(f"{name} has no layers with weights", at_line(model.line))
    input_shape = model.inputs[0].shape[1:] if len(model.inputs) == 1 and model.inputs[0].shape else None
    chain = linear(model, apps)
    if chain:
        specs = tuple(k.spec for k in counted if k.spec is not None)
    else:
        specs = tuple(replace(k.spec, input_shape=k.apps[0].in_shape) for k in counted if k.spec is not None)
    return ModelSpec(adapter.fw.id, specs, input_shape, model.name or name, adapter.reader.source, chain=chain)


def keras_order(model: KFunctional) -> list[KLayer]:
    """The graph's layers in the order Keras lists them (`model.layers`, ops.function.map_graph): by depth from
    the outputs, deepest first, and at one depth in the order a depth-first walk from the outputs first meets
    them (each input of a call in turn)."""
    inputs = {id(t) for t in model.inputs}
    finished: dict[int, KApp] = {}
    order: list[KApp] = []  # calls from the inputs to the outputs
    first_seen: dict[int, int] = {}

    def operation(app: KApp) -> int:
        return id(app.layer) if app.layer is not None else id(app)

    def visit(tensor: KTensor) -> None:
        app = tensor.producer
        if app is None or id(tensor) in inputs or id(app) in finished:
            return
        first_seen.setdefault(operation(app), len(first_seen))
        finished[id(app)] = app
        for parent in app.inputs:
            visit(parent)
        order.append(app)

    for tensor in model.outputs:
        visit(tensor)
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    for app in reversed(order):
        depth = max(node_depth.setdefault(id(app), 0), op_depth.get(operation(app), 0))
        op_depth[operation(app)] = node_depth[id(app)] = depth
        for parent in app.inputs:
            if parent.producer is not None and id(parent.producer) in finished:
                node_depth[id(parent.producer)] = max(depth + 1, node_depth.get(id(parent.producer), 0))
    layers = {id(a.layer): a.layer for a in order if a.layer is not None}
    return sorted(layers.values(), key=lambda k: (-op_depth[id(k)], first_seen[id(k)]))


def linear(model: KFunctional, apps: list[KApp]) -> bool:
    """A graph that is one chain of layers (Input -> a -> b -> c) is written as a chain."""
    if len(model.inputs) != 1 or len(model.outputs) != 1 or model.inputs[0].shape is None:
        return False
    previous = model.inputs[0]
    for app in apps:
        layer = app.layer
        if layer is None or len(layer.apps) != 1 or len(app.inputs) != 1 or app.inputs[0] is not previous:
            return False
        if layer.status != "layer" and layer.base not in FREE_IDENTITY:
            return False
        outputs = [t for t in (model.outputs[0],) if t.producer is app]
        following = outputs[0] if outputs else _output_of(app, apps)
        if following is None:
            return False
        previous = following
    return previous is model.outputs[0]


def subclass_spec(adapter: KerasAdapter, model: KModel, name: str) -> ModelSpec:
    if model.error is not None:
        raise model.error
    if not model.built:
        if adapter.reader.input_shape is None:
            raise adapter.reader.fail(f"{name} is a subclassed Keras model: its weights exist once it is called on an "
                                      "input. Give the input shape with --input-shape T,F (or call "
                                      f"{name}.build((None, T, F)) in the file)", at_line(model.line))
        call = ast.Call(ast.Name(name, ast.Load()), [], [], lineno=model.line, col_offset=0)
        adapter.build_keras_instance(model, (None, *adapter.reader.input_shape), call)
    layers = [k for k in tracked(adapter, model) if isinstance(k, KLayer)]
    for layer in layers:
        for app in layer.apps:
            if app.error is not None:
                raise app.error
    used = [k for k in layers if k.apps and k.status == "layer" and k.spec is not None]
    if not used:
        raise adapter.reader.fail(f"{name} has no layers with weights that its call() uses", at_line(model.line))
    specs = tuple(replace(k.spec, input_shape=k.apps[0].in_shape) for k in used if k.spec is not None)
    return ModelSpec(adapter.fw.id, specs, None, name, adapter.reader.source, chain=False)


def tracked(adapter: KerasAdapter, model: KModel) -> list[object]:
    """Layers a Keras model tracks: its attributes in assignment order, into lists, dicts, sublayers and the
    Sequential models it holds."""
    out: list[object] = []
    seen: set[int] = set()

    def visit(value: object) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, KLayer):
            out.append(value)
        elif isinstance(value, KModel):
            if value.error is not None:
                raise ReadError(value.error)
            for item in value.attrs.values():
                visit(item)
        elif isinstance(value, KSequential):  # a Sequential the model holds (and calls in call())
            for item in value.items:
                visit(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, Unknown) and value.module_like:
            raise ReadError(InputError(f"{adapter.reader.source_name}: `{value.text}` (line {value.line}): {value.why}",
                                       source=adapter.reader.source, line=value.line))

    for item in model.attrs.values():
        visit(item)
    return out


def _output_of(app: KApp, apps: list[KApp]) -> KTensor | None:
    for other in apps:
        for tensor in other.inputs:
            if tensor.producer is app:
                return tensor
    return None
