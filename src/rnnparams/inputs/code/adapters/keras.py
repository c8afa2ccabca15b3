"""Keras model code as the reader follows it, as Keras would build it in a fresh session:

- `Sequential([...])`, `Sequential()` then `model.add(...)`, `Input(...)` / `InputLayer(...)` first;
- functional graphs: `Input`, layer calls, merging layers and their functions (`Concatenate`, `add`...),
  attention layers on a query, a value and a key, tensor operations and slices, `Lambda` functions (followed
  on their input), several inputs, `Model(inputs, outputs)`, whose shapes are followed with the conventions'
  own plans (the layers that take several tensors are the conventions' too: `merging.MERGING`,
  `attention.ATTENTION`);
- subclassed `keras.Model`s (and `keras.layers.Layer`s), built by following `call()` on their input, with the
  layers they hold in attributes, lists, dicts and Sequential models;
- `trainable` set on a layer or a model (passed down to every layer it holds, as Keras does), `model.layers`,
  `get_layer(name)` / `get_layer(index=i)`.

Layer names follow Keras' auto-naming in construction order (`lstm`, `lstm_1`, ...).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable

from ...._record import replace
from ....errors import RnnParamsError
from ....spec import LayerSpec, ModelSpec, Shape
from ...expression import LayerBinder
from ..binding import bind
from ..bounds import first_unknown
from ..messages import unresolved
from ..objects import TensorValue, layer_plan
from ..values import Builtin, Class, Function, Instance, Unknown, describe, why_unknown
from .base import Adapter
from .keras_objects import KERAS_INPUTS, KERAS_MODELS, KApp, KFunctional, KLayer, KModel, KSequential, KTensor
from .keras_shapes import FREE_IDENTITY, broadcast, free_output, op_output, plan_outputs, slice_shape
from .keras_specs import functional_spec, graph, sequential_spec, subclass_spec, tracked

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..reader import Reader


class _Tables:
    """What the Keras conventions say about calling layers (imported on first use: reading PyTorch code builds
    no Keras table)."""

    def __init__(self) -> None:
        from ....conventions.keras import ALIASES
        from ....conventions.keras.attention import ATTENTION
        from ....conventions.keras.common import several
        from ....conventions.keras.merging import FUNCTIONS, MERGING

        self.aliases: Mapping[str, str] = ALIASES
        self.functions: Mapping[str, str] = FUNCTIONS
        self.merging = frozenset(MERGING)
        self.attention = frozenset(ATTENTION)
        self.several = several


_TABLES: list[_Tables] = []


def tables() -> _Tables:
    if not _TABLES:
        _TABLES.append(_Tables())
    return _TABLES[0]


IGNORED_KERAS_METHODS = frozenset({"summary", "compile", "fit", "evaluate", "predict", "save", "save_weights",
                                   "load_weights", "reset_states", "train_on_batch", "fit_generator", "plot_model"})


class KerasAdapter(Adapter):
    """Keras (3, tf.keras and standalone Keras 2): layers, symbolic tensors, Sequential, functional and
    subclassed models."""

    label = "Keras"
    looks_for = "Keras Sequential / functional / subclassed models"
    model_builders = frozenset({"Sequential", "Model"})

    def __init__(self, package: str, reader: Reader) -> None:
        super().__init__(package, reader)
        self.seq = 0
        """Layers made so far (their construction order)."""
        self.keras_names: Counter[str] = Counter()
        """Auto-names given so far, by base name (`lstm`, then `lstm_1`...)."""
        self._packaged: dict[tuple[str, str], str] | None = None

    # -- names -----------------------------------------------------------------------------------------------

    @property
    def import_roots(self) -> frozenset[str]:
        return frozenset({self.package, "tensorflow", "tf_keras", *(root for root, _ in self.packaged())})

    @property
    def hint_names(self) -> frozenset[str]:
        return frozenset({self.package, "tf", "Sequential", "Dense", "SimpleRNN", "Input"})

    @property
    def packages(self) -> frozenset[str]:
        return frozenset({self.package, "tensorflow", "tf", "tf_keras"})

    @property
    def array_packages(self) -> frozenset[str]:
        return frozenset({"tensorflow", "tf"})

    @property
    def implicit_imports(self) -> dict[str, str]:
        return {"tf": "tensorflow", self.package: self.package, "layers": f"{self.package}.layers",
                "K": f"{self.package}.backend"}

    def owns_name(self, name: str) -> bool:
        return (name in self.fw.layers or name in KERAS_MODELS or name in KERAS_INPUTS or name in FREE_IDENTITY
                or name in tables().functions or name in self.fw.aliases)

    def star_names(self, module: str) -> list[str]:
        if self.package in module.split("."):
            return [*self.fw.layers, *self.fw.aliases, *KERAS_MODELS, *KERAS_INPUTS, *FREE_IDENTITY,
                    *tables().functions]
        return []

    def classify(self, parts: list[str]) -> tuple[str, str] | None:
        base = parts[-1]
        packaged = self.packaged().get((parts[0], base))
        if packaged is not None:  # `from mingru_keras import MinGRU`: a layer a package adds to Keras
            return "layer", packaged
        if self.package in parts[:-1]:
            rest = parts[parts.index(self.package) + 1:]
            if len(rest) == 1 and (base[:1].isupper() or base in tables().functions):
                return "layer", base
            if rest[0] in ("layers", "models") and (base[:1].isupper() or base in tables().functions):
                return "layer", base
            if rest[0] in ("ops", "backend", "activations"):
                return "ops", base
            return None
        if parts[0] == "tensorflow" and len(parts) >= 2:
            return "ops", base
        return None

    def packaged(self) -> dict[tuple[str, str], str]:
        """The layers packages add to Keras (`LayerConvention.module`), by (package, class): imported from the
        package or any of its modules (`mingru_keras.MinGRU`, `mingru_keras.core.MinGRU`)."""
        if self._packaged is None:
            self._packaged = {(c.module.split(".")[0], c.module.rsplit(".", 1)[-1]): name
                              for name, c in self.fw.layers.items() if c.module is not None}
        return self._packaged

    def class_role(self, parts: list[str]) -> str | None:
        if self.package in parts or parts[0] == "tensorflow":
            if parts[-1] in KERAS_MODELS:
                return "model"
            if parts[-1] == "Layer":
                return "layer"
        return None

    # -- calls -----------------------------------------------------------------------------------------------

    def call_op(self, base: str, path: str, args: list[object], kwargs: dict[str, object],
                node: ast.Call) -> object:
        tensors = _tensors([*args, *kwargs.values()])
        return self.keras_op(base, path, args, kwargs, tensors, node) if tensors else NotImplemented

    def failed_layer(self, base: str, status: str, error: RnnParamsError, node: ast.Call) -> object:
        self.seq += 1
        return KLayer(base, node.lineno, node.col_offset, self.seq, status=status, error=error)

    def instantiate(self, cls: Class, role: str, args: list[object], kwargs: dict[str, object],
                    node: ast.Call) -> object:
        model = KModel(cls, node.lineno, is_model=role == "model")
        self.reader.construct(model, cls, args, kwargs, node)
        return model

    def layer_argument(self, value: object) -> ast.expr | None:
        if isinstance(value, KLayer) and isinstance(value.call_node, ast.Call):
            return value.call_node
        if isinstance(value, KLayer) and value.error is not None:
            raise value.error
        return None

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if isinstance(func, KLayer):
            return self.apply_layer(func, args, kwargs, node)
        if isinstance(func, KModel):
            return self.call_keras_instance(func, args, kwargs, node)
        if isinstance(func, KSequential) and len(_tensors(args[:1])) == 1 and not func.tainted and all(
                isinstance(item, KLayer) for item in func.items):
            out: object = _tensors(args[:1])[0]  # a Sequential used as a layer: its layers, one after the other
            for item in func.items:
                assert isinstance(item, KLayer)
                out = self.apply_layer(item, [out], {}, node)
            return out
        if isinstance(func, (KSequential, KFunctional)):
            tensors = _tensors([*args, *kwargs.values()])
            if tensors:
                return self.opaque_application(f"a model ({self.type_name(func)}) used as a layer is not followed "
                                               "yet; count it on its own", tensors, node)
            return self.reader.unknown(node, "a model's output on real data, which is not computed")
        if isinstance(func, Unknown) and func.module_like:
            tensors = _tensors([*args, *kwargs.values()])
            if tensors:
                return self.opaque_application(f"`{func.text}` (line {func.line}) comes from outside the file, so "
                                               "its weights cannot be counted", tensors, node)
        return NotImplemented

    # -- the interpreter's hooks -------------------------------------------------------------------------------

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        if name == "trainable" and isinstance(obj, (KLayer, KSequential, KFunctional, KModel)):
            self.set_trainable(obj, value, node)
            return not isinstance(obj, KModel)  # a subclassed model keeps the attribute as well
        return isinstance(obj, KLayer)

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        if isinstance(obj, KLayer):
            return self.keras_layer_attr(obj, name, node)
        if isinstance(obj, KTensor):
            if name == "shape":
                return obj.shape if obj.shape is not None else self.reader.unknown(node, obj.why or "an unknown shape")
            return self.reader.unknown(node, "an attribute of a symbolic tensor")
        if isinstance(obj, KSequential):
            return self.sequential_attr(obj, name, node)
        if isinstance(obj, KFunctional):
            return self.functional_attr(obj, name, node)
        if isinstance(obj, KModel) and name == "layers" and "layers" not in obj.attrs:
            return self.keras_layers(obj)
        return NotImplemented

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        if not isinstance(obj, KModel):
            return NotImplemented
        if name == "build":
            return Builtin(name, lambda shape=None, *a, **k: self.build_keras_instance(obj, shape, node))
        if name in IGNORED_KERAS_METHODS:
            return Builtin(name, lambda *a, **k: None)
        if name == "add_weight":
            def custom_weight(*a: object, **k: object) -> object:
                obj.error = self.reader.fail(f"{obj.label} creates its own weights with add_weight(...) "
                                             f"(line {getattr(node, 'lineno', '?')}); only the layers of the "
                                             "conventions are counted", node)
                return TensorValue(None, "a custom weight")
            return Builtin(name, custom_weight)
        return self.reader.unknown(node, f"{obj.label}.{name}, which is not followed")

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        if isinstance(obj, KTensor):
            shape = slice_shape(obj.shape, key) if obj.shape is not None else None
            app = KApp(None, [obj], None, getattr(node, "lineno", 0))
            return KTensor(shape, app, obj.why or "a slice whose shape is not followed", getattr(node, "lineno", None))
        return NotImplemented

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        return list(value.items) if isinstance(value, KSequential) else None

    def hook_truth(self, value: object) -> bool | Unknown | None:
        if isinstance(value, KTensor):
            return Unknown("tensor", value.line, "the truth of a symbolic tensor")
        return None

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        tensors = [v for v in (left, right) if isinstance(v, KTensor)]
        if not tensors:
            return NotImplemented
        shapes = [v.shape if isinstance(v, KTensor) else () for v in (left, right)
                  if isinstance(v, (KTensor, int, float))]
        app = KApp(None, tensors, None, getattr(node, "lineno", 0))
        if len(shapes) == 2 and all(s is not None for s in shapes):
            shape = broadcast(shapes)  # type: ignore[arg-type]
            if shape is not None:
                return KTensor(shape, app, line=getattr(node, "lineno", None))
        return KTensor(None, app, "an operation on tensors whose shape is not followed", getattr(node, "lineno", None))

    def hook_unary(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        if isinstance(value, KTensor):
            return KTensor(value.shape, KApp(None, [value], None, getattr(node, "lineno", 0)), value.why)
        return NotImplemented

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> bool:
        if isinstance(obj, KSequential):
            obj.tainted = why if isinstance(why, str) else why()
        elif isinstance(obj, KModel) and isinstance(node, ast.Attribute):
            obj.attrs[node.attr] = Unknown(node, node.lineno, why, module_like=True)
        else:
            return False
        return True

    # -- models ----------------------------------------------------------------------------------------------

    def is_model(self, value: object) -> bool:
        if isinstance(value, KModel):
            return value.is_model
        return isinstance(value, (KSequential, KFunctional))

    def type_name(self, value: object) -> str:
        if isinstance(value, KModel) and value.cls is not None:
            return value.cls.name
        return "Sequential" if isinstance(value, KSequential) else "Functional"

    def spec_of(self, value: object, name: str) -> ModelSpec:
        if isinstance(value, KSequential):
            return sequential_spec(self, value, name)
        if isinstance(value, KFunctional):
            return functional_spec(self, value, name)
        assert isinstance(value, KModel)
        return subclass_spec(self, value, name)

    # -- layers and tensors ------------------------------------------------------------------------------------

    def call_layer(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """`X(...)` of Keras: a model, an input, a merge function, a layer (by its alias too), a parameter-free
        layer outside the conventions (its shape rule is followed), or a layer it refuses by name."""
        if base == "Sequential":
            return self.make_sequential(args, kwargs, node)
        if base in ("Model", "Functional"):
            return self.make_functional(args, kwargs, node)
        if base in KERAS_INPUTS:
            return self.make_input(base, args, kwargs, node)
        if base in tables().functions:  # layers.concatenate([a, b], axis=1): the layer it makes, called on the inputs
            inputs = args[0] if args else kwargs.get("inputs")
            made = self.call_layer(tables().functions[base], list(args[1:]),
                                   {k: v for k, v in kwargs.items() if k != "inputs"}, node)
            return self.apply_layer(made, [inputs], {}, node) if isinstance(made, KLayer) else made
        base = self.fw.aliases.get(base, base)
        self.seq += 1
        if base in self.fw.layers:
            layer = self.keras_layer(base, args, kwargs, node)
            if base == "Lambda":  # its function, followed on the tensors it is applied to
                layer.options = {"function": args[0] if args else kwargs.get("function")}
            return layer
        options = {"*args": tuple(args), **kwargs}
        if base in FREE_IDENTITY:
            return KLayer(base, node.lineno, node.col_offset, self.seq, status="free", options=options)
        binder = LayerBinder(self.fw, self.reader.source)
        error = self.reader.fail(binder.unknown_layer_message(base, base), node)
        return KLayer(base, node.lineno, node.col_offset, self.seq, status="unsupported", error=error)

    def keras_layer(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> KLayer:
        conv = self.fw.layers[base]
        name = kwargs.get("name")
        if name is None:
            count = self.keras_names[conv.auto_name]
            self.keras_names[conv.auto_name] += 1
            kwargs = {**kwargs, "name": conv.auto_name if count == 0 else f"{conv.auto_name}_{count}"}
        if conv.sublayers and "_sublayers" not in kwargs:  # the layers its constructor builds take the next names
            names = []
            for sub in conv.sublayers:
                count = self.keras_names[sub]
                self.keras_names[sub] += 1
                names.append(sub if count == 0 else f"{sub}_{count}")
            kwargs = {**kwargs, "_sublayers": tuple(names)}
        layer = KLayer(base, node.lineno, node.col_offset, self.seq)
        try:
            layer.spec, layer.declared_input, layer.call_node = bind(self, base, args, kwargs, node)
        except RnnParamsError as exc:
            layer.status, layer.error = "error", exc
            if base == "Dropout":  # it has no weights: an unknown rate does not matter
                layer.status, layer.error = "free", None
        return layer

    def keras_layer_attr(self, layer: KLayer, name: str, node: ast.AST) -> object:
        if name == "name":
            return layer.name
        if name in ("output", "input") and layer.apps:
            app = layer.apps[0]
            return app.inputs[0] if name == "input" and app.inputs else self.reader.unknown(node, "a layer's output")
        if layer.spec is not None and name in layer.spec.config:
            value = layer.spec.config[name]
            return value if not isinstance(value, LayerSpec) else self.reader.unknown(node, "a wrapped layer")
        if name in ("trainable",):
            return True
        return self.reader.unknown(node, f"the attribute {name!r} of a Keras layer")

    def make_input(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> KTensor:
        shape: object = args[0] if args else kwargs.get("shape", kwargs.get("input_shape"))
        batch: object = kwargs.get("batch_size")
        full = kwargs.get("batch_shape", kwargs.get("batch_input_shape"))
        if shape is None and isinstance(full, (tuple, list)) and full:
            shape, batch = tuple(full[1:]), full[0]
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if isinstance(shape, (tuple, list)) and all(d is None or (isinstance(d, int) and not isinstance(d, bool)
                                                                  and d > 0) for d in shape):
            return KTensor((batch if isinstance(batch, int) else None, *shape), line=node.lineno)
        cause = first_unknown(shape)
        why = why_unknown(cause) if cause else f"the shape given to {base}(...) is not a tuple of sizes"
        return KTensor(None, why=why, line=node.lineno, cause=cause)

    def apply_layer(self, layer: KLayer, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        inputs = self.layer_inputs(layer, args, kwargs, node)
        if isinstance(inputs, Unknown):
            return inputs
        tensors, several = inputs
        taken = {id(t) for t in tensors}
        extra = [t for t in _tensors([*args, *kwargs.values()]) if id(t) not in taken]  # masks, initial states
        if layer.status == "free":
            return self.free_application(layer.base, layer.options, tensors, node, layer, extra)
        error: RnnParamsError | None = None
        outputs: list[Shape] = []
        in_shape: Shape | None = tensors[0].shape if len(tensors) == 1 else None
        if several and all(t.shape is not None for t in tensors):
            in_shape = tables().several([t.shape for t in tensors if t.shape is not None])
        if layer.status != "layer":
            error = layer.error
        elif len(tensors) > 1 and not several:
            error = self.reader.fail(f"{layer.name} ({layer.base}) is applied to {len(tensors)} tensors; it takes "
                                     "one", node)
        else:
            assert layer.spec is not None
            if layer.base == "Lambda" and in_shape is not None:
                self.follow_lambda(layer, tensors[0], node)
            try:
                outputs = plan_outputs(layer_plan(self.fw, layer.spec, in_shape))
            except RnnParamsError as exc:
                unknown = next((t for t in tensors if t.shape is None), tensors[0])
                error = self.shape_error(layer, unknown, exc, node)
            if outputs and kwargs.get("return_attention_scores") is True and layer.base in tables().attention:
                outputs.append(_scores_shape(layer, tensors))
        app = KApp(layer, tensors + extra, in_shape, node.lineno, error)
        layer.apps.append(app)
        if error is not None or not outputs:
            why = f"{layer.name} ({layer.base}) on line {node.lineno} cannot be counted"
            return KTensor(None, app, why, node.lineno)
        results = [KTensor(shape, app, line=node.lineno) for shape in outputs]
        return results[0] if len(results) == 1 else results

    def layer_inputs(self, layer: KLayer, args: list[object], kwargs: dict[str, object],
                     node: ast.Call) -> tuple[list[KTensor], bool] | Unknown:
        """The tensors a layer is called on, in the order it takes them, and whether it takes several (a merging
        layer's list; an attention layer's query, value and key)."""
        t = tables()
        if layer.base in t.attention and layer.base in ("MultiHeadAttention", "GroupQueryAttention"):
            named = [args[k] if len(args) > k else kwargs.get(key) for k, key in enumerate(("query", "value", "key"))]
            found = [x for x in named if isinstance(x, KTensor)]
            if len(found) >= 2 or (found and all(x is None for x in named[1:])):
                return found, len(found) > 1
        source = args[0] if args else kwargs.get("inputs")
        tensors = _tensors([source])
        if not tensors and isinstance(source, TensorValue):
            tensors = [self.from_array(source, node)]
        if not tensors:
            return self.reader.unknown(node, "a layer applied to data, which is not computed")
        takes_list = layer.base in t.merging or layer.base in t.attention
        return tensors, takes_list and isinstance(source, (list, tuple))

    def follow_lambda(self, layer: KLayer, tensor: KTensor, node: ast.Call) -> None:
        """A Lambda's output shape, when its function is the file's own and the reader follows it on the input
        (its operations stay outside the graph: the Lambda is one layer)."""
        assert layer.spec is not None
        function = layer.options.get("function")
        if layer.spec.config.get("output_shape") is not None or not isinstance(function, Function):
            return
        try:
            result = self.reader.call_function(function, [tensor], {}, node)
        except RnnParamsError:
            return
        if isinstance(result, KTensor) and result.shape is not None and tensor.shape is not None and (
                result.shape[:1] == tensor.shape[:1]):
            shape = result.shape[1:]
            layer.spec = replace(layer.spec, config={**layer.spec.config, "output_shape": shape})

    def shape_error(self, layer: KLayer, tensor: KTensor, exc: RnnParamsError, node: ast.Call) -> RnnParamsError:
        if tensor.shape is not None:
            return exc.at(self.reader.source, node.lineno, node.col_offset)
        message = (f"{layer.name} ({layer.base}) needs the shape of its input, and the shape of "
                   f"`{describe(node.args[0]) if node.args else 'its input'}` cannot be followed: {tensor.why}")
        if tensor.cause is not None:
            message += f". Give it with --set {tensor.cause.text}=VALUE"
        return self.reader.fail(message, node)

    def free_application(self, base: str, options: dict[str, object], tensors: list[KTensor], node: ast.Call,
                         layer: KLayer | None = None, extra: list[KTensor] | None = None) -> object:
        shapes = [t.shape for t in tensors]
        known = [s for s in shapes if s is not None]
        out = free_output(base, options, known) if known and len(known) == len(shapes) else None
        app = KApp(layer, tensors + (extra or []), shapes[0] if len(shapes) == 1 else None, node.lineno)
        if layer is not None:
            layer.apps.append(app)
        if out is None:
            cause = next((t for t in tensors if t.shape is None), None)
            why = cause.why if cause is not None else f"the shape {base} gives is not followed"
            return KTensor(None, app, why, node.lineno, cause.cause if cause is not None else None)
        return KTensor(out, app, line=node.lineno)

    def keras_op(self, name: str, path: str, args: list[object], kwargs: dict[str, object], tensors: list[KTensor],
                 node: ast.Call) -> KTensor:
        shape = op_output(name, args, kwargs)
        app = KApp(None, tensors, None, node.lineno)
        if shape is None:
            cause = next((t for t in tensors if t.shape is None), None)
            why = cause.why if cause else f"`{describe(node)}` ({path}) is an operation whose shape is not followed"
            return KTensor(None, app, why, node.lineno, cause.cause if cause else None)
        return KTensor(shape, app, line=node.lineno)

    def opaque_application(self, why: str, tensors: list[KTensor], node: ast.Call) -> KTensor:
        app = KApp(None, tensors, None, node.lineno, self.reader.fail(why, node))
        return KTensor(None, app, why, node.lineno)

    def from_array(self, array: TensorValue, node: ast.AST) -> KTensor:
        if array.shape is None or not array.shape:
            return KTensor(None, why=array.why or "data of unknown shape", line=getattr(node, "lineno", None))
        return KTensor((None, *array.shape[1:]), line=getattr(node, "lineno", None))

    # -- trainable and model.layers ------------------------------------------------------------------------

    def set_trainable(self, obj: object, value: object, node: ast.AST) -> None:
        """Keras' `trainable` setter: a model or layer passes the value down to every layer it holds."""
        if isinstance(obj, KLayer) and obj.spec is not None:
            if not isinstance(value, bool):
                obj.status, obj.error = "error", unresolved(self.reader, value, f"`{obj.name}.trainable`", node)
            else:
                obj.spec = replace(obj.spec, config={**obj.spec.config, "trainable": value})
        elif isinstance(obj, (KSequential, KFunctional, KModel)):
            for layer in self.keras_layers(obj):
                self.set_trainable(layer, value, node)

    def keras_layers(self, model: KSequential | KFunctional | KModel) -> list[object]:
        """`model.layers`: what a Sequential holds, a functional graph's layers, a subclassed model's tracked
        layers."""
        if isinstance(model, KSequential):
            return list(model.items)
        if isinstance(model, KFunctional):
            return [a.layer for a in graph(model) if a.layer is not None]
        return [v for v in tracked(self, model) if isinstance(v, KLayer)]

    def get_layer(self, model: KSequential | KFunctional, node: ast.AST) -> Builtin:
        def get_layer(name: object = None, index: object = None) -> object:
            layers = self.keras_layers(model)
            if isinstance(index, int) and not isinstance(index, bool):
                if not -len(layers) <= index < len(layers):
                    raise ValueError(f"was asked to retrieve layer at index {index} but model only has "
                                     f"{len(layers)} layers")
                return layers[index]
            for layer in layers:
                if isinstance(name, str) and isinstance(layer, KLayer) and layer.name == name:
                    return layer
            if isinstance(name, str) and all(isinstance(layer, KLayer) for layer in layers):
                raise ValueError(f"No such layer: {name}")
            return self.reader.unknown(node, f"get_layer({name!r}), a layer the reader cannot find")
        return Builtin("get_layer", get_layer)

    # -- models ----------------------------------------------------------------------------------------------

    def make_sequential(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> KSequential:
        name = kwargs.get("name")
        model = KSequential(node.lineno, name if isinstance(name, str) else None)
        items = args[0] if args else kwargs.get("layers")
        if items is None:
            return model
        listed = self.reader.iterate(items)
        if isinstance(listed, Unknown):
            model.tainted = why_unknown(listed)
            return model
        for item in listed:
            self.sequential_add(model, item, node)
        return model

    def sequential_add(self, model: KSequential, item: object, node: ast.AST) -> None:
        if isinstance(item, KTensor):
            if model.items:
                raise self.reader.fail("Input(...) must come first in a Sequential, before the layers", node)
            if item.shape is None:
                model.tainted = item.why + (f". Give it with --set {item.cause.text}=VALUE" if item.cause else "")
            else:
                model.input_shape = item.shape[1:]
            return
        if isinstance(item, Unknown):
            model.tainted = why_unknown(item)
            return
        model.items.append(item)

    def sequential_attr(self, model: KSequential, name: str, node: ast.AST) -> object:
        def build(shape: object = None, *a: object, **k: object) -> None:
            shape = k.get("input_shape", shape)
            if isinstance(shape, (tuple, list)) and shape:
                model.input_shape = tuple(d if isinstance(d, int) else None for d in shape[1:])

        def pop(*a: object) -> object:
            return model.items.pop() if model.items else None

        methods: dict[str, Callable[..., object]] = {
            "add": lambda item, *a, **k: self.sequential_add(model, item, node), "build": build, "pop": pop}
        if name in methods:
            return Builtin(name, methods[name])
        if name in IGNORED_KERAS_METHODS:
            return Builtin(name, lambda *a, **k: None)
        if name == "layers":
            return self.keras_layers(model)
        if name == "get_layer":
            return self.get_layer(model, node)
        return self.reader.unknown(node, f"the attribute {name!r} of a Sequential model")

    def make_functional(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        name = kwargs.get("name")
        if inputs is None and outputs is None:
            return self.reader.unknown(node, "a keras.Model built without inputs and outputs")
        ins, outs = _tensors([inputs]), _tensors([outputs])
        if not outs:
            cause = first_unknown(outputs)
            model = KFunctional(ins, [], node.lineno, name if isinstance(name, str) else None)
            model.outputs = [KTensor(None, None, why_unknown(cause) if cause else "its outputs are not known tensors",
                                     node.lineno, cause)]
            return model
        return KFunctional(ins, outs, node.lineno, name if isinstance(name, str) else None)

    def functional_attr(self, model: KFunctional, name: str, node: ast.AST) -> object:
        if name in ("input", "inputs"):
            return model.inputs[0] if name == "input" and len(model.inputs) == 1 else list(model.inputs)
        if name in ("output", "outputs"):
            return model.outputs[0] if name == "output" and len(model.outputs) == 1 else list(model.outputs)
        if name == "layers":
            return self.keras_layers(model)
        if name == "get_layer":
            return self.get_layer(model, node)
        if name in IGNORED_KERAS_METHODS:
            return Builtin(name, lambda *a, **k: None)
        return self.reader.unknown(node, f"the attribute {name!r} of a functional model")

    def call_keras_instance(self, obj: KModel, args: list[object], kwargs: dict[str, object],
                            node: ast.Call) -> object:
        """`model(x)` on one of the file's keras.Model / Layer subclasses: follow its `call()`."""
        source = args[0] if args else kwargs.get("inputs")
        if isinstance(source, TensorValue):
            args = [self.from_array(source, node), *args[1:]]
        elif not _tensors([source]):
            return self.reader.unknown(node, "a model's output on real data, which is not computed")
        found, method = obj.cls.find("call") if obj.cls is not None else (False, None)
        if not found or not isinstance(method, Function):
            return self.opaque_application(f"{obj.label} has no call() method to follow", _tensors(args), node)
        obj.built = True
        return self.reader.call_function(method, [obj, *args], kwargs, node)

    def build_keras_instance(self, obj: KModel, shape: object, node: ast.AST) -> None:
        if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape) and shape:
            tensor = KTensor((None, *(d if isinstance(d, int) else None for d in shape[1:])),
                             line=getattr(node, "lineno", None))
            call = node if isinstance(node, ast.Call) else ast.Call(ast.Name("build", ast.Load()), [], [],
                                                                    lineno=obj.line, col_offset=0)
            self.call_keras_instance(obj, [tensor], {}, call)


def _scores_shape(layer: KLayer, tensors: list[KTensor]) -> Shape:
    """The attention scores a layer returns with return_attention_scores=True: (batch, heads, T_q, T_k) for the
    multi-head layers, (batch, T_q, T_v) for Attention and AdditiveAttention."""
    query: Shape = tensors[0].shape or (None, None)
    keys: Shape = (tensors[-1].shape if len(tensors) > 1 else None) or query
    assert layer.spec is not None
    heads = layer.spec.config.get("num_heads", layer.spec.config.get("num_query_heads"))
    if isinstance(heads, int):
        return (query[0], heads, query[1], keys[1])
    return (query[0], query[1], keys[1])


def _tensors(values: list[object]) -> list[KTensor]:
    out: list[KTensor] = []
    for value in values:
        if isinstance(value, KTensor):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out += _tensors(list(value))
        elif isinstance(value, dict):
            out += _tensors(list(value.values()))
    return out


ADAPTER = KerasAdapter
