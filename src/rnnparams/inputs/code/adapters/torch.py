"""PyTorch model code as the reader follows it, as `torch` itself would build it:

- `nn.Module` subclasses: their `__init__` is followed with `self` bound, and each attribute assignment
  registers a submodule or an `nn.Parameter` in order, as `nn.Module.__setattr__` does (what
  `named_parameters()` follows); `del self.rnn` unregisters it;
- `nn.Sequential`, `nn.ModuleList`, `nn.ModuleDict`, `nn.ParameterList`, `nn.ParameterDict` and their
  methods (append, extend, insert, pop, update,
  items set and deleted, slices, `+`, `*`), numbered exactly as torch numbers them;
- weight tying (`self.decoder.weight = self.encoder.weight`: one tensor, counted once), `requires_grad` set
  on a tensor, a module or through `parameters()` / `named_parameters()`, `Embedding.from_pretrained`.

Layer names are attribute paths and tensor names those of `named_parameters()` (`encoder.rnn.weight_ih_l0`).
`forward()` is not followed: the parameters do not depend on it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from ...._record import replace
from ....conventions import FRAMEWORKS, hosted_by
from ....errors import RnnParamsError
from ....spec import LayerSpec, ModelSpec
from ...expression import LayerBinder
from ..binding import bind
from ..messages import unresolved
from ..objects import TENSOR_METHODS_SAME, TensorValue, layer_plan
from ..values import Builtin, Class, Ext, Instance, Raised, Unknown, describe, dotted, why_unknown
from .base import Adapter
from .torch_objects import (
    PARAMETER_CONTAINERS,
    TORCH_CONTAINERS,
    BlackBox,
    PackageConfig,
    TensorRef,
    TorchContainer,
    TorchLayer,
    TorchModule,
    TorchParam,
    backbone,
)
from .torch_walk import named_tensors, torch_spec

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..reader import Reader

MODULE_METHODS_RETURNING_SELF = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "share_memory",
    "type", "apply", "to_empty", "xpu", "mps", "ipu",
})
CONTAINER_QUERIES = frozenset({"training", "forward", "state_dict", "buffers", "named_buffers", "children",
                               "named_children", "modules", "named_modules", "extra_repr", "get_submodule",
                               "get_parameter", "register_forward_hook", "register_forward_pre_hook",
                               "register_full_backward_hook", "zero_grad"})
"""Attributes of a torch container that never change which parameters it holds (any other method called on it
may: the container then cannot be known)."""
RECURRENT = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
"""Layers whose `bias` is a flag, not a tensor (their biases are `bias_ih_l0`...)."""


class TorchAdapter(Adapter):
    """PyTorch: `torch.nn` layers, containers and parameters, and the file's `nn.Module` subclasses."""

    label = "PyTorch"
    looks_for = "PyTorch nn.Module subclasses, containers and layers"
    model_builders = frozenset({"Sequential"})

    def __init__(self, package: str, reader: Reader) -> None:
        super().__init__(package, reader)
        self._assigned_by_call: dict[int, bool] | None = None
        self._hosted: dict[str, tuple[str, ...]] | None = None

    def hosted_class(self, path: str) -> tuple[str, str] | None:
        """(package id, class) for an import path into a package built on torch (`minGRU_pytorch.minGRU`,
        `ncps.wirings.AutoNCP`): the package whose import prefix (the registry's marks) is the longest."""
        if self._hosted is None:
            self._hosted = hosted_by(self.fw.id)
        marks = [(len(m), f) for f, ms in self._hosted.items() for m in ms if path.startswith(m)]
        if not marks:
            return None
        return max(marks)[1], path.rsplit(".", 1)[-1]

    # -- names -----------------------------------------------------------------------------------------------

    @property
    def hint_names(self) -> frozenset[str]:
        return frozenset({"nn"})

    @property
    def array_packages(self) -> frozenset[str]:
        return frozenset({self.package})

    @property
    def implicit_imports(self) -> dict[str, str]:
        return {"nn": f"{self.package}.nn", self.package: self.package, "F": f"{self.package}.nn.functional"}

    def owns_name(self, name: str) -> bool:
        return name in self.fw.layers or name in self.fw.refused

    def star_names(self, module: str) -> list[str]:
        if module.startswith(f"{self.package}.nn"):
            return [*self.fw.layers, *self.fw.refused, "Parameter"]
        return []

    def classify(self, parts: list[str]) -> tuple[str, str] | None:
        base = parts[-1]
        if parts[0] == self.package and len(parts) >= 3 and parts[1] == "nn" and (
                len(parts) == 3 or parts[2] in ("modules", "parameter")):
            return ("layer", base) if base[:1].isupper() else None
        hosted = self.hosted_class(".".join(parts))
        if hosted is not None and hosted[1] in FRAMEWORKS[hosted[0]].layers:
            return "layer", ".".join(hosted)  # its qualified name in the PyTorch table (`mingru.minGRU`)
        return None

    def class_role(self, parts: list[str]) -> str | None:
        if parts[-1] == "Module" and ("nn" in parts or parts[0] == self.package or len(parts) == 1):
            return "model"
        return None

    # -- calls -----------------------------------------------------------------------------------------------

    def call_special(self, ext: Ext, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        path = ext.path
        if path.endswith("Embedding.from_pretrained") and (path.startswith(f"{self.package}.nn")
                                                            or path.startswith("?")):
            return self.pretrained_embedding(args, kwargs, node)
        return NotImplemented

    def failed_layer(self, base: str, status: str, error: RnnParamsError, node: ast.Call) -> object:
        return TorchLayer(base, node.lineno, node.col_offset, status=status, error=error)

    def instantiate(self, cls: Class, role: str, args: list[object], kwargs: dict[str, object],
                    node: ast.Call) -> object:
        module = TorchModule(cls, node.lineno)
        self.reader.construct(module, cls, args, kwargs, node)
        return module

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if isinstance(func, (TorchModule, TorchContainer, TorchLayer)):
            return self.reader.unknown(node, "a module's forward pass, which is not run")
        return NotImplemented

    # -- PyTorch layers, containers, parameters -----------------------------------------------------------

    def call_layer(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        """`nn.X(...)`: a container, a parameter, a parameter-free module or a layer of the conventions."""
        if base in TORCH_CONTAINERS:
            return self.torch_container(base, args, node)
        if base == "Parameter":
            return self.torch_parameter(args, kwargs, node)
        if base == "Module":
            return TorchLayer(base, node.lineno, node.col_offset, status="free")
        if base not in self.fw.layers:
            binder = LayerBinder(self.fw, self.reader.source)
            error = self.reader.fail(binder.unknown_layer_message(f"nn.{base}", base), node)
            return TorchLayer(base, node.lineno, node.col_offset, status="unsupported", error=error)
        package, _, own = base.rpartition(".")
        argument_only = self.fw.layers[base].argument_only
        try:
            if package:  # a package's class binds by its own name, so its configurations nest as it declares them
                spec, _declared, call = bind(self, own, args, kwargs, node, FRAMEWORKS[package])
                spec = replace(spec, type=base)
            else:
                spec, _declared, call = bind(self, base, args, kwargs, node)
        except RnnParamsError as exc:
            if argument_only:
                return PackageConfig(base, node.lineno, None, None, exc)
            if self.fw.layers[base].stateless:  # no tensors whatever its arguments: nothing to count
                return TorchLayer(base, node.lineno, node.col_offset, status="free")
            return TorchLayer(base, node.lineno, node.col_offset, status="error", error=exc)
        if argument_only:
            return PackageConfig(base, node.lineno, spec, call)
        layer = TorchLayer(base, node.lineno, node.col_offset, spec=spec)
        layer.call = call
        return layer

    def layer_argument(self, value: object) -> ast.expr | None:
        """A layer passed to another (TransformerEncoder(encoder_layer), norm=nn.LayerNorm(d)) as the call that
        made it; a tensor of known size (a loss's class weights) as `torch.zeros(*size)`."""
        if isinstance(value, (TorchLayer, PackageConfig)):
            if value.error is not None:
                raise value.error
            return value.call
        if isinstance(value, TensorValue) and value.shape is not None:
            zeros = ast.Attribute(ast.Name(self.package, ast.Load()), "zeros", ast.Load())
            return ast.Call(zeros, [ast.Constant(d) for d in value.shape], [])
        return None

    def backbone_of(self, path: str) -> str | None:
        hosted = self.hosted_class(path)
        if hosted is not None and hosted[1] not in FRAMEWORKS[hosted[0]].layers:  # `minGRU_pytorch.minGRULM`
            return f"a class of {FRAMEWORKS[hosted[0]].display} that rnnparams does not model"
        return backbone(path)

    def torch_container(self, kind: str, args: list[object], node: ast.Call) -> object:
        container = TorchContainer(kind, node.lineno)
        items: list[tuple[str, object]] = []
        if kind == "Sequential" and len(args) == 1 and isinstance(args[0], dict):
            items = [(str(k), v) for k, v in args[0].items()]
        elif kind == "Sequential":
            items = [(str(i), v) for i, v in enumerate(args)]
        elif args:
            source = args[0]
            if container.is_dict:
                if isinstance(source, dict):
                    items = [(str(k), v) for k, v in source.items()]
                else:
                    listed = self.reader.iterate(source)
                    if isinstance(listed, Unknown):
                        container.tainted = why_unknown(listed)
                    else:
                        items = [(str(p[0]), p[1]) for p in listed if isinstance(p, (tuple, list)) and len(p) == 2]
            else:
                listed = self.reader.iterate(source)
                if isinstance(listed, Unknown):
                    container.tainted = why_unknown(listed)
                else:
                    items = [(str(i), v) for i, v in enumerate(listed)]
        for key, value in items:
            container.children[key] = self.member(container, value, node)
        return container

    def member(self, container: TorchContainer, value: object, node: ast.AST) -> object:
        """An item put in a container: a module, or for nn.ParameterList / nn.ParameterDict a parameter (a plain
        tensor becomes one, as torch makes it)."""
        if container.kind not in PARAMETER_CONTAINERS:
            return self.as_module(value, node)
        if isinstance(value, (TorchParam, TensorRef)):
            return value
        line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
        if isinstance(value, TensorValue) and value.shape is not None:
            return TorchParam(value.shape, True, line, col)
        why = value.why if isinstance(value, (TensorValue, Unknown)) else f"it is not a tensor ({type(value).__name__})"
        error = self.reader.fail(f"an item of nn.{container.kind}: the size of its tensor cannot be known without "
                                 f"running the code ({why})", node)
        return TorchParam(None, True, line, col, error)

    def as_module(self, value: object, node: ast.AST) -> object:
        if isinstance(value, (TorchLayer, TorchContainer, TorchModule, BlackBox)) or value is None:
            return value
        if isinstance(value, Unknown):
            return BlackBox(value.text, value.line, value.why)
        return BlackBox(describe(node), getattr(node, "lineno", None), f"it is not a module ({type(value).__name__})")

    def torch_parameter(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> TorchParam:
        data = args[0] if args else kwargs.get("data")
        grad = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
        requires_grad = grad if isinstance(grad, bool) else True
        if isinstance(data, TensorValue) and data.shape is not None:
            return TorchParam(data.shape, requires_grad, node.lineno, node.col_offset)
        if isinstance(data, TorchParam):
            return TorchParam(data.shape, requires_grad, node.lineno, node.col_offset, data.error)
        cause = data if isinstance(data, Unknown) else None
        why = data.why if isinstance(data, TensorValue) else "it is not a tensor the reader can size"
        if cause is not None:
            error = unresolved(self.reader, cause, "the size of nn.Parameter(...)", node)
        else:
            error = self.reader.fail(
                f"nn.Parameter({describe(node.args[0]) if node.args else ''}): the size of its tensor cannot be "
                f"known without running the code ({why}); build it with torch.zeros(...)/torch.randn(...) of sizes "
                "the file defines", node)
        return TorchParam(None, requires_grad, node.lineno, node.col_offset, error)

    def pretrained_embedding(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> TorchLayer:
        weights = args[0] if args else kwargs.get("embeddings")
        freeze = args[1] if len(args) > 1 else kwargs.get("freeze", True)
        if isinstance(weights, TensorValue) and weights.shape is not None and len(weights.shape) == 2:
            config = {k: v for k, v in kwargs.items() if k not in ("embeddings", "freeze")}
            config["_freeze"] = freeze
            made = self.call_layer("Embedding", list(weights.shape), config, node)
            assert isinstance(made, TorchLayer)
            return made
        error = self.reader.fail(f"nn.Embedding.from_pretrained({describe(node.args[0]) if node.args else ''}): the "
                                 "size of the pretrained vectors cannot be known without running the code; write "
                                 "nn.Embedding(num_embeddings, embedding_dim) with the sizes instead (and "
                                 "freeze=... is `weight.requires_grad = False`)", node)
        return TorchLayer("Embedding", node.lineno, node.col_offset, status="error", error=error)

    # -- attributes ------------------------------------------------------------------------------------------

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        if isinstance(obj, TorchModule):
            return self.register(obj, name, value, node)
        if isinstance(obj, TorchLayer):
            if isinstance(value, (TensorRef, TorchParam)):  # another tensor in its place: what was set on the
                obj.grad.pop(name, None)                    # old one goes with it
                obj.slots[name] = value.root() if isinstance(value, TensorRef) else TensorRef(value, "")
            return True
        if isinstance(obj, (TensorRef, TorchParam)):
            if name == "requires_grad":
                self.set_requires_grad(obj, value)
            return True
        return False

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        if isinstance(obj, TorchModule):
            if name in obj.params:
                return obj.params[name]
            if name in obj.modules:
                return obj.modules[name]
            return NotImplemented
        if isinstance(obj, TorchLayer):
            return self.torch_layer_attr(obj, name, node)
        if isinstance(obj, TorchContainer):
            return self.container_attr(obj, name, node)
        if isinstance(obj, (TorchParam, TensorRef)):
            return self.tensor_attr(obj, name, node)
        if isinstance(obj, PackageConfig):
            return self.config_attr(obj, name, node)
        return NotImplemented

    def config_attr(self, config: PackageConfig, name: str, node: ast.AST) -> object:
        """A field of a package's configuration as the call set it or its default (`cfg.embedding_dim`); a
        nested configuration or a field the package derives later (its `__post_init__`) is not known."""
        value = config.spec.config.get(name) if config.spec is not None else None
        if isinstance(value, (int, float, str, bool)) or (isinstance(value, tuple) and all(
                isinstance(v, (int, float, str, bool)) for v in value)):
            return value
        return self.reader.unknown(node, f"the field {name!r} of {config.base.rpartition('.')[2]}(...)")

    def tensor_attr(self, obj: TorchParam | TensorRef, name: str, node: ast.AST) -> object:
        """An attribute of a parameter tensor: `requires_grad`, its shape, methods that keep it."""
        if name in ("data", "weight") or name in TENSOR_METHODS_SAME:
            return obj if name == "data" else Builtin(name, lambda *a, **k: obj)
        if name == "requires_grad":
            return self.requires_grad(obj)
        if name == "requires_grad_":
            tensor = obj

            def requires_grad_(requires_grad: object = True) -> object:
                self.set_requires_grad(tensor, requires_grad)
                return tensor
            return Builtin(name, requires_grad_)
        if name in ("shape", "size") and isinstance(obj, TorchParam) and obj.shape is not None:
            shape = obj.shape
            return shape if name == "shape" else Builtin("size", lambda *a: shape if not a else shape[a[0]])
        return self.reader.unknown(node, "an attribute of a parameter tensor")

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        if not isinstance(obj, TorchModule):
            return NotImplemented
        method = self.module_methods(obj, name)
        if method is not None:
            return method
        if name in MODULE_METHODS_RETURNING_SELF:
            return Builtin(name, lambda *a, **k: obj)
        if name in ("add_module", "register_module"):
            return Builtin(name, lambda key, value: self.reader.set_attr(obj, str(key), value, node))
        if name == "register_parameter":
            return Builtin(name, lambda key, value: self.reader.set_attr(obj, str(key), value, node))
        if name == "register_buffer":
            return Builtin(name, lambda key, tensor=None, persistent=True: self.register_buffer(obj, key, tensor, node))
        if name in ("zero_grad", "load_state_dict"):
            return Builtin(name, lambda *a, **k: None)
        return self.reader.unknown(node, f"{obj.label}.{name}, which is not followed")

    def register_buffer(self, module: TorchModule, key: object, tensor: object, node: ast.AST) -> None:
        """`self.register_buffer("pe", pe)`: a buffer of the module, where its size is known (one the reader
        cannot size holds no parameter either, and is left out, as before)."""
        if isinstance(key, str) and isinstance(tensor, TensorValue) and tensor.shape is not None:
            module.params[key] = TorchParam(tensor.shape, False, getattr(node, "lineno", 0),
                                            getattr(node, "col_offset", 0), buffer=True)

    def set_requires_grad(self, tensor: TensorRef | TorchParam, value: object) -> None:
        """`p.requires_grad = value` on the tensor itself (a tied weight is its first owner's): a value the
        reader cannot know is kept, and is an error only if the model is counted."""
        if isinstance(tensor, TensorRef):
            tensor = tensor.root()
            if isinstance(tensor.owner, TorchLayer):
                tensor.owner.grad[tensor.name] = value  # type: ignore[assignment]
                return
            tensor = tensor.owner
        tensor.requires_grad = value  # type: ignore[assignment]

    def requires_grad(self, tensor: TensorRef | TorchParam) -> object:
        if isinstance(tensor, TensorRef):
            tensor = tensor.root()
            if isinstance(tensor.owner, TorchLayer):
                layer = tensor.owner
                if tensor.name in layer.grad:
                    return layer.grad[tensor.name]
                return layer.spec is None or tensor.name in self.tensor_names(layer.spec, trainable=True)
            tensor = tensor.owner
        return tensor.requires_grad

    def module_methods(self, module: object, name: str) -> Builtin | None:
        """`parameters()`, `named_parameters()` and `requires_grad_()` of any torch module (a layer, a
        container, one of the file's nn.Module classes)."""
        if name == "parameters":
            def parameters(recurse: object = True) -> object:
                found = named_tensors(self, module, recurse is not False)
                return found if isinstance(found, Unknown) else [tensor for _, tensor in found]
            return Builtin(name, parameters)
        if name == "named_parameters":
            def named(prefix: object = "", recurse: object = True, remove_duplicate: object = True) -> object:
                found = named_tensors(self, module, recurse is not False)
                lead = f"{prefix}." if isinstance(prefix, str) and prefix else ""
                return found if isinstance(found, Unknown) else [(lead + path, t) for path, t in found]
            return Builtin(name, named)
        if name == "requires_grad_":
            def requires_grad_(requires_grad: object = True) -> object:
                found = named_tensors(self, module)
                for _, tensor in [] if isinstance(found, Unknown) else found:
                    self.set_requires_grad(tensor, requires_grad)
                return module
            return Builtin(name, requires_grad_)
        return None

    def register(self, module: TorchModule, name: str, value: object, node: ast.AST) -> bool:
        """`nn.Module.__setattr__`: parameters and submodules are registered, in order, everything else is a
        plain attribute. Assigning to a registered name keeps its place."""
        if isinstance(value, TorchParam):
            module.modules.pop(name, None)
            module.attrs.pop(name, None)
            module.params[name] = value
            return True
        if isinstance(value, Unknown) and value.module_like:
            value = BlackBox(value.text, value.line, value.why)
        if isinstance(value, (TorchLayer, TorchContainer, TorchModule, BlackBox)):
            module.params.pop(name, None)
            module.attrs.pop(name, None)
            module.modules[name] = value
            return True
        if value is None and name in module.modules:
            module.modules[name] = None
            return True
        if isinstance(value, TensorRef) and name in module.params:  # module.weight = other.weight
            module.params[name] = value
            return True
        return False

    def torch_layer_attr(self, layer: TorchLayer, name: str, node: ast.AST) -> object:
        method = self.module_methods(layer, name)
        if method is not None:
            return method
        if name in MODULE_METHODS_RETURNING_SELF:
            return Builtin(name, lambda *a, **k: layer)
        if name == "flatten_parameters" or name == "reset_parameters":
            return Builtin(name, lambda *a, **k: None)
        if name.startswith(("weight", "bias_")) or (name == "bias" and layer.base not in RECURRENT):
            return TensorRef(layer, name)
        if layer.spec is not None and name in layer.spec.config:
            return layer.spec.config[name]
        return self.reader.unknown(node, f"the attribute {name!r} of nn.{layer.base}")

    def container_attr(self, container: TorchContainer, name: str, node: ast.AST) -> object:
        def append(value: object) -> object:
            container.append(self.member(container, value, node))
            return container

        def extend(values: object) -> object:
            return self.extend_container(container, values, node)

        def add_module(key: object, value: object) -> object:
            container.children[str(key)] = self.member(container, value, node)
            return None

        def insert(index: object, value: object) -> object:
            """torch's own loop: children from `index` on move one key up (ModuleList takes no negative index:
            torch fails on one with a KeyError)."""
            children, n = container.children, len(container.children)
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError("insert() takes an integer index")
            if container.kind == "Sequential":
                if not -n <= index <= n:
                    raise IndexError(f"Index out of range: {index}")
                index += n if index < 0 else 0
            for i in range(n, index, -1):
                if str(i - 1) not in children:
                    raise KeyError(str(i - 1))
                children[str(i)] = children[str(i - 1)]
            children[str(index)] = self.member(container, value, node)
            return container if container.kind == "Sequential" else None

        def pop(key: object) -> object:
            value = self.reader.get_item(container, key, node)
            self.hook_del_item(container, key, node)
            return value

        def update(values: object) -> object:
            pairs = list(values.items()) if isinstance(values, dict) else self.reader.iterate(values)
            if isinstance(pairs, Unknown):
                container.tainted = why_unknown(pairs)
                return None
            for pair in pairs:
                if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str)):
                    raise TypeError("ModuleDict.update() takes a mapping or (name, module) pairs")
                container.children[pair[0]] = self.member(container, pair[1], node)
            return None

        listing: dict[str, Callable[..., object]] = {"append": append, "extend": extend, "insert": insert}
        methods: dict[str, Callable[..., object]] = {
            "add_module": add_module, "register_module": add_module, "pop": pop,
            **({"update": update, "clear": lambda: container.children.clear()} if container.is_dict
               else listing)}
        if name in methods:
            return Builtin(f"{container.kind}.{name}", methods[name])
        method = self.module_methods(container, name)
        if method is not None:
            return method
        if name in MODULE_METHODS_RETURNING_SELF:
            return Builtin(name, lambda *a, **k: container)
        if name in ("keys", "values", "items") and container.is_dict:
            views = {"keys": list(container.children), "values": list(container.children.values()),
                     "items": [tuple(kv) for kv in container.children.items()]}
            return Builtin(name, lambda: views[name])
        if name in container.children:
            return container.children[name]
        if name in CONTAINER_QUERIES:
            return self.reader.unknown(node, f"the attribute {name!r} of nn.{container.kind}")

        def unknown_method(*args: object, **kwargs: object) -> object:  # it may change what the container holds
            call = f"nn.{container.kind}.{name}(...)"
            container.tainted = f"{call} on line {getattr(node, 'lineno', '?')} is not followed"
            return self.reader.unknown(node, f"{call}, which is not followed")
        return Builtin(name, unknown_method)

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        if isinstance(obj, TorchContainer):
            if obj.tainted or isinstance(key, Unknown):
                return self.reader.unknown(node, f"an item of nn.{obj.kind} that is not known")
            if obj.is_dict:
                if not isinstance(key, str) or key not in obj.children:
                    raise Raised("KeyError", repr(key)[:60], getattr(node, "lineno", None))
                return obj.children[key]
            if isinstance(key, int) and not isinstance(key, bool):
                child = self._child_keys(obj, key, node, by_name=obj.is_list)[0]
                if child not in obj.children:
                    raise Raised("KeyError", repr(child), getattr(node, "lineno", None))
                return obj.children[child]
            if isinstance(key, slice):
                # a new container of the same modules: nn.Sequential keeps their keys, nn.ModuleList numbers them
                part = TorchContainer(obj.kind, getattr(node, "lineno", obj.line))
                keys = self._child_keys(obj, key, node)
                part.children = {k if obj.kind == "Sequential" else str(i): obj.children[k] for i, k in enumerate(keys)}
                return part
            return self.reader.unknown(node, f"an item of nn.{obj.kind} that is not known")
        return NotImplemented

    def hook_set_item(self, obj: object, key: object, value: object, node: ast.AST) -> bool:
        if isinstance(obj, TorchContainer):
            if isinstance(key, Unknown):
                obj.tainted = f"a child set on line {getattr(node, 'lineno', '?')} at a position that is not known"
            elif obj.is_dict:
                if not isinstance(key, str):
                    raise Raised("TypeError", f"module name should be a string, got {type(key).__name__}",
                                 getattr(node, "lineno", None))
                obj.children[key] = self.member(obj, value, node)
            else:  # the child at that position is replaced in its place (a ModuleList key torch lacks is added)
                child = self._child_keys(obj, key, node, by_name=obj.is_list)[0]
                obj.children[child] = self.member(obj, value, node)
            return True
        return False

    def hook_del_attr(self, obj: object, name: str, node: ast.AST) -> bool:
        """`del self.rnn`: `nn.Module.__delattr__` unregisters the parameter or submodule."""
        if isinstance(obj, TorchModule) and (name in obj.params or name in obj.modules):
            obj.params.pop(name, None)
            obj.modules.pop(name, None)
            return True
        return False

    def hook_del_item(self, obj: object, key: object, node: ast.AST) -> bool:
        """`del self.layers[0]`: nn.ModuleDict drops the key; nn.Sequential and nn.ModuleList drop the children
        and number the rest from 0 again, as torch does."""
        if not isinstance(obj, TorchContainer):
            return False
        if isinstance(key, Unknown):
            obj.tainted = f"a child deleted on line {getattr(node, 'lineno', '?')} at a position that is not known"
            return True
        if obj.is_dict:
            if not isinstance(key, str) or key not in obj.children:
                raise Raised("KeyError", repr(key)[:60], getattr(node, "lineno", None))
            del obj.children[key]
            return True
        doomed = set(self._child_keys(obj, key, node, by_name=obj.is_list))
        missing = doomed - set(obj.children)
        if missing:
            raise Raised("AttributeError", f"nn.{obj.kind} has no child {min(missing)!r}",
                         getattr(node, "lineno", None))
        kept = [child for k, child in obj.children.items() if k not in doomed]
        obj.children = {str(i): child for i, child in enumerate(kept)}
        return True

    def _child_keys(self, obj: TorchContainer, key: object, node: ast.AST, *, by_name: bool = False) -> list[str]:
        """The keys of nn.Sequential / nn.ModuleList children that `container[key]` names (an index or a
        slice), or torch's IndexError. `by_name`: as nn.ModuleList's item lookups, setting and deleting find
        them, by the index written as a key ("2"), which may not be there; else by position."""
        keys = list(obj.children)
        if isinstance(key, slice) and all(v is None or (isinstance(v, int) and not isinstance(v, bool))
                                          for v in (key.start, key.stop, key.step)) and key.step != 0:
            return [str(i) for i in range(len(keys))[key]] if by_name else keys[key]
        if isinstance(key, int) and not isinstance(key, bool) and -len(keys) <= key < len(keys):
            return [str(key % len(keys))] if by_name else [keys[key]]
        raise Raised("IndexError", f"index {str(key)[:40]} is out of range for nn.{obj.kind} of {len(keys)}",
                     getattr(node, "lineno", None))

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        if isinstance(value, TorchContainer):
            if value.tainted:
                return Unknown(f"nn.{value.kind}", value.line, value.tainted)
            return list(value.children) if value.is_dict else list(value.children.values())
        return None

    def hook_inplace(self, current: object, op: ast.operator, value: object, node: ast.AST) -> object:
        if isinstance(current, TorchContainer) and isinstance(op, ast.Add) and not current.is_dict:
            if current.kind == "Sequential" and not isinstance(value, TorchContainer):
                raise Raised("ValueError", "add operator supports only objects of Sequential class",
                             getattr(node, "lineno", None))
            return self.extend_container(current, value, node)  # `layers += [...]` on a ModuleList
        return NotImplemented

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        if isinstance(left, TorchContainer) and not left.is_dict:
            return self.container_binop(op, left, right, node)
        return NotImplemented

    def container_binop(self, op: ast.operator, left: TorchContainer, right: object, node: ast.AST) -> object:
        """`a + b` (nn.ModuleList with any modules, nn.Sequential with an nn.Sequential) and `seq * n`: a new
        container of the same modules, numbered from 0 (a module repeated is one module, counted once)."""
        line = getattr(node, "lineno", None)
        if isinstance(op, ast.Add) and (left.is_list or isinstance(right, TorchContainer)):
            out = TorchContainer(left.kind, line or left.line)
            out.tainted = left.tainted
            self.extend_container(out, list(left.children.values()), node)
            return self.extend_container(out, right, node)
        if isinstance(op, ast.Mult) and left.kind == "Sequential" and type(right) is int:
            if right <= 0:
                raise Raised("ValueError", f"Non-positive multiplication factor {right}", line)
            self.reader.tick(node, right * len(left.children))
            out = TorchContainer(left.kind, line or left.line)
            out.tainted = left.tainted
            self.extend_container(out, list(left.children.values()) * right, node)
            return out
        return self.reader.unknown(node, f"an operation on nn.{left.kind} that is not followed")

    def extend_container(self, container: TorchContainer, values: object, node: ast.AST) -> TorchContainer:
        """`extend(values)`: each item as a module; values that cannot be listed taint the container. As in torch,
        nn.ModuleList numbers the new items from its length before (a key already there is replaced), while
        nn.Sequential appends them one by one."""
        items = self.reader.iterate(values)
        if isinstance(items, Unknown):
            container.tainted = why_unknown(items)
        else:
            offset = len(container.children)
            for i, item in enumerate(items):
                if container.is_list:
                    container.children[str(offset + i)] = self.member(container, item, node)
                else:
                    container.append(self.member(container, item, node))
        return container

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> bool:
        def text() -> str:
            return why if isinstance(why, str) else why()

        if isinstance(obj, TorchContainer):
            obj.tainted = text()
        elif isinstance(obj, TorchModule) and isinstance(node, ast.Attribute):
            if node.attr in obj.modules or node.attr in obj.params or self._may_build(node):
                obj.params.pop(node.attr, None)
                obj.modules[node.attr] = BlackBox(dotted(node) or node.attr, node.lineno, text(), unknown=True)
            else:
                obj.attrs[node.attr] = Unknown(node, node.lineno, why)
        elif isinstance(obj, TorchModule):
            obj.tainted = text()
        else:
            return False
        return True

    def _may_build(self, target: ast.Attribute) -> bool:
        """Whether the statement assigning `target` calls something (so it may build a module). The file's
        assignments are indexed once: a loop may ask at every iteration."""
        if self._assigned_by_call is None:
            self._assigned_by_call = {}
            for stmt in ast.walk(self.reader.tree):
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    calls = stmt.value is not None and any(isinstance(n, ast.Call) for n in ast.walk(stmt.value))
                    for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                        for part in ast.walk(t):
                            self._assigned_by_call.setdefault(id(part), calls)
        return self._assigned_by_call.get(id(target), True)

    # -- models ----------------------------------------------------------------------------------------------

    def is_model(self, value: object) -> bool:
        if isinstance(value, TorchLayer):  # a lone layer that never holds a tensor (a loss, an activation) is none
            return value.status != "free" and not self.fw.layers[value.base].stateless
        return isinstance(value, (TorchModule, TorchContainer))

    def type_name(self, value: object) -> str:
        if isinstance(value, TorchModule) and value.cls is not None:
            return value.cls.name
        if isinstance(value, TorchLayer):
            return value.base
        if isinstance(value, TorchContainer):
            return value.kind
        return super().type_name(value)

    def spec_of(self, value: object, name: str) -> ModelSpec:
        return torch_spec(self, value, name)

    def tensor_names(self, spec: LayerSpec, *, trainable: bool = False) -> list[str]:
        """A layer's parameters by name, in `named_parameters()` order (only the trainable ones if asked); none
        for a Lazy* module, whose tensors wait for its first input (counting it says so)."""
        try:
            plan = layer_plan(self.fw, spec, None)
        except RnnParamsError:
            return []
        return [t.name for t in plan.tensors if not t.buffer and (t.trainable or not trainable)]


ADAPTER = TorchAdapter
