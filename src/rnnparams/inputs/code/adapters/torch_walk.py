"""The torch walk: a module's tensors in `named_parameters()` order (a module's own parameters, then its
children depth first; each module and each tensor once, so a shared module or a tied weight is counted where
it is met first), for the code's `parameters()` loops and for the spec a model of the file becomes.
"""

from __future__ import annotations

import ast

from ...._record import replace
from ....errors import RnnParamsError
from ....spec import LayerSpec, MissingPart, ModelSpec, Value
from ..messages import EmptyModel, at_line, unresolved
from ..values import Unknown
from .torch_objects import BlackBox, TensorRef, TorchContainer, TorchLayer, TorchModule, TorchParam

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .torch import TorchAdapter


def named_tensors(adapter: TorchAdapter, root: object,
                  recurse: bool = True) -> list[tuple[str, TensorRef | TorchParam]] | Unknown:
    """What `root.named_parameters()` gives, in its order: each tensor once (a tied or shared one where it is
    met first), as the object the code may set `requires_grad` on; Unknown where a part cannot be known
    (counting the model fails there anyway)."""
    out: list[tuple[str, TensorRef | TorchParam]] = []
    modules: set[int] = set()
    tensors: set[tuple[int, str]] = set()

    def add(path: str, tensor: TensorRef | TorchParam) -> None:
        if isinstance(tensor, TorchParam) and tensor.buffer:  # a buffer: not among the parameters
            return
        key = tensor.root().key() if isinstance(tensor, TensorRef) else (id(tensor), "")
        if key not in tensors:
            tensors.add(key)
            out.append((path, tensor))

    def walk(module: object, prefix: str) -> Unknown | None:
        if module is None or id(module) in modules:
            return None
        if isinstance(module, (TensorRef, TorchParam)):  # an item of nn.ParameterList / nn.ParameterDict
            add(prefix[:-1], module)
            return None
        modules.add(id(module))
        opaque = module.why if isinstance(module, BlackBox) else getattr(module, "tainted", None)
        if opaque or (isinstance(module, TorchLayer) and module.status in ("error", "unsupported")):
            return Unknown(f"{prefix or 'module.'}parameters()", getattr(module, "line", None),
                           f"its parameters cannot be listed: {opaque or 'a layer that is not counted'}")
        children: list[tuple[str, object]] = []
        if isinstance(module, TorchLayer) and module.spec is not None:
            for name in adapter.tensor_names(module.spec):
                ref = module.slots.get(name)
                add(prefix + name, ref.root() if ref is not None else TensorRef(module, name))
        elif isinstance(module, TorchModule):
            for key, param in module.params.items():
                if isinstance(param, (TensorRef, TorchParam)):
                    add(prefix + key, param)
            children = list(module.modules.items())
        elif isinstance(module, TorchContainer):
            children = list(module.children.items())
        for key, child in children if recurse else ():
            failed = walk(child, f"{prefix}{key}.")
            if failed is not None:
                return failed
        return None

    failed = walk(root, "")
    return failed if failed is not None else out


def torch_spec(adapter: TorchAdapter, root: object, name: str) -> ModelSpec:
    """A module, container or layer of the file as a spec: its tensors in `named_parameters()` order."""
    layers: list[LayerSpec] = []
    if isinstance(root, TorchLayer):
        layers.append(torch_layer_spec(adapter, root, None, {}))
        return ModelSpec(adapter.fw.id, tuple(layers), adapter.reader.input_shape, name, adapter.reader.source)
    walker = TorchWalk(adapter)
    walker.walk(root, "")
    reader = adapter.reader
    missing = tuple(walker.missing)
    if not missing and all(adapter.fw.layers[layer.type].stateless for layer in walker.layers):
        raise EmptyModel(f"{reader.source_name}: {name} has no layers with parameters that rnnparams counts")
    if flat_sequential(root, walker.layers) and not missing:  # runs its layers in order: a chain, as `a; b`
        return ModelSpec(adapter.fw.id, tuple(walker.layers), reader.input_shape, name, reader.source)
    return ModelSpec(adapter.fw.id, tuple(walker.layers), None, name, reader.source, chain=False, missing=missing)


def torch_layer_spec(adapter: TorchAdapter, layer: TorchLayer, path: str | None,
                     tied: dict[str, bool]) -> LayerSpec:
    """One layer at its attribute path, with its tied tensors (counted where first met) and the ones the code
    froze."""
    if layer.status in ("error", "unsupported"):
        assert layer.error is not None
        raise layer.error
    assert layer.spec is not None
    spec = replace(layer.spec, name=path, tied=tuple(t for t, drop in tied.items() if drop))
    trainable = adapter.tensor_names(spec, trainable=True) if layer.grad else []
    for name, value in layer.grad.items():
        if not isinstance(value, bool):
            cause = value if isinstance(value, Unknown) else None
            what = f"the requires_grad of `{path}.{name}`" if path else f"the requires_grad of `{name}`"
            raise unresolved(adapter.reader, cause or value, what, at_line(getattr(cause, "line", None)) or
                             at_line(layer.line) or ast.Pass(lineno=1, col_offset=0))
        if value is False and name in trainable and name not in spec.tied:
            spec = replace(spec, frozen=(*spec.frozen, name))
        elif value is True and name not in trainable and spec.type == "Embedding":  # from_pretrained(freeze=True)
            spec = replace(spec, config={**spec.config, "_freeze": False})
    return spec


class TorchWalk:
    """`named_parameters()` order: a module's own parameters, then its children depth-first, each module and
    each tensor once (a shared module or a tied weight is counted where it is met first)."""

    def __init__(self, adapter: TorchAdapter) -> None:
        self.adapter = adapter
        self.reader = adapter.reader
        self.layers: list[LayerSpec] = []
        self.modules: set[int] = set()
        self.tensors: set[tuple[int, str]] = set()
        self.missing: list[MissingPart] = []
        """With --partial: the parts left out, where an error would otherwise stop the count."""

    def unseen(self, path: str, text: str, line: int | None, why: str, message: str) -> None:
        """A part the reader cannot see into: the model's error, or with --partial a part left out."""
        if not self.reader.partial:
            raise self.reader.fail(message + PARTIAL_HINT, at_line(line))
        self.missing.append(MissingPart(path or text, text, line, why))

    def walk(self, module: object, prefix: str) -> None:
        if module is None or id(module) in self.modules:
            return
        self.modules.add(id(module))
        path = prefix[:-1]
        if isinstance(module, BlackBox):
            what = "cannot be known" if module.unknown else "may hold parameters the reader cannot see"
            self.unseen(path, module.text, module.line, module.why,
                        f"`{path or module.text}` ({module.text}, line {module.line}) {what}: {module.why}")
        elif isinstance(module, (TorchParam, TensorRef)):  # an item of nn.ParameterList / nn.ParameterDict
            self.parameter(module, path)
        elif isinstance(module, TorchContainer):
            if module.tainted:
                self.unseen(path, f"nn.{module.kind}", module.line, module.tainted,
                            f"the contents of `{path}` (nn.{module.kind}, line {module.line}) cannot be known: "
                            f"{module.tainted}")
                return
            for key, child in module.children.items():
                self.walk(child, f"{prefix}{key}.")
        elif isinstance(module, TorchModule):
            if module.tainted:
                self.unseen(path, module.label, module.line, module.tainted,
                            f"`{path or module.label}` ({module.label}) cannot be followed: {module.tainted}")
                return
            for key, param in module.params.items():
                self.parameter(param, f"{prefix}{key}")
            for key, child in module.modules.items():
                self.walk(child, f"{prefix}{key}.")
        elif isinstance(module, TorchLayer):
            self.layer(module, path)

    def parameter(self, param: object, path: str) -> None:
        if isinstance(param, TensorRef):  # module.weight = other.weight: the same tensor, counted once
            self.tensors.add(param.root().key())
            return
        assert isinstance(param, TorchParam)
        if (id(param), "") in self.tensors:
            return
        self.tensors.add((id(param), ""))
        if param.error is not None:
            if not self.reader.partial:
                raise param.error
            self.missing.append(MissingPart(path, "nn.Parameter(...)", param.line, _first_line(param.error)))
            return
        assert param.shape is not None
        if not isinstance(param.requires_grad, bool):  # set from a value the reader does not know
            cause = param.requires_grad if isinstance(param.requires_grad, Unknown) else None
            raise unresolved(self.reader, cause or param.requires_grad, f"the requires_grad of `{path}`",
                             at_line(getattr(cause, "line", None)) or ast.Pass(lineno=param.line, col_offset=0))
        config: dict[str, Value] = {"shape": param.shape, "requires_grad": param.requires_grad}
        if param.buffer:
            config.update(requires_grad=False, _buffer=True)
        if "Parameter" not in self.adapter.fw.layers:
            raise self.reader.fail(f"{path}: nn.Parameter attributes are not counted by this version",
                                   at_line(param.line))
        self.layers.append(LayerSpec("Parameter", config, path, param.line, param.col))

    def layer(self, layer: TorchLayer, path: str) -> None:
        if layer.status == "free":
            return
        if layer.status in ("error", "unsupported"):
            assert layer.error is not None
            if not self.reader.partial:
                raise layer.error
            self.missing.append(MissingPart(path or layer.base, f"nn.{layer.base}(...)", layer.line,
                                            _first_line(layer.error)))
            return
        assert layer.spec is not None
        names = self.adapter.tensor_names(layer.spec)
        tied: dict[str, bool] = {}
        for name in names:
            ref = layer.slots.get(name)
            key = ref.root().key() if ref is not None else (id(layer), name)
            tied[name] = key in self.tensors
            self.tensors.add(key)
        self.layers.append(torch_layer_spec(self.adapter, layer, path, tied))


def flat_sequential(root: object, layers: list[LayerSpec]) -> bool:
    """An `nn.Sequential` of plain layers (no nesting, no tied or shared tensors, nothing that reshapes unseen:
    every child a layer of the conventions, so its shape rule is known)."""
    if not (isinstance(root, TorchContainer) and root.kind == "Sequential" and not root.tainted):
        return False
    children = list(root.children.values())
    counted = [c for c in children if isinstance(c, TorchLayer) and c.status != "free"]
    return (all(isinstance(c, TorchLayer) and c.status != "free" for c in children)
            and len({id(c) for c in counted}) == len(counted) == len(layers) and not any(s.tied for s in layers))


PARTIAL_HINT = ("; count what the file defines with --partial (partial=True in Python): a lower bound that lists "
                "the parts left out")


def _first_line(error: RnnParamsError) -> str:
    return error.message.splitlines()[0] if error.message else str(error).splitlines()[0]
