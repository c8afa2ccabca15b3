"""A layer call of the file turned into a `LayerSpec`: the call is rebuilt with the values the reader
resolved, written back as literals, and bound like an expression (`inputs.expression.LayerBinder`: the same
validation and the same errors, pointing into the file). Arguments the count does not depend on may stay
unresolved; the others must be known, or the error names the value to give with --set.
"""

from __future__ import annotations

import ast

from ...conventions.base import ANY, FrameworkConvention, LayerConvention, Param
from ...spec import LayerSpec, Shape
from ..expression import LayerBinder
from .bounds import flat_size
from .messages import unresolved
from .objects import FrameworkLayer
from .values import describe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .adapters.base import Adapter

MAX_ARGUMENT_SIZE = 10_000
"""Elements of one layer argument (a shape, a list of sizes): far more than any layer takes."""
FIRST_INPUT_KEYS = frozenset({"input_shape", "batch_input_shape", "input_dim", "input_length"})
"""Arguments a first layer declares the model input with (Keras): they matter even though the layer ignores
them, as do a layer's `name` and `trainable`."""


def bind(adapter: Adapter, base: str, args: list[object], kwargs: dict[str, object],
         node: ast.Call, fw: FrameworkConvention | None = None) -> tuple[LayerSpec, Shape | None, ast.Call]:
    """The spec of `base(*args, **kwargs)` in the adapter's convention (or `fw`'s: a package built on the
    framework, whose configurations nest by their own names), the input shape the call declares, and the rebuilt
    call (what a wrapper such as Bidirectional binds)."""
    fw = adapter.fw if fw is None else fw
    conv = fw.layers[base]
    positional = [p for p in conv.params if p.positional]
    by_name = {p.name: p for p in conv.params}
    plain = not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords)
    arg_nodes: list[ast.AST] = list(node.args) if plain and len(node.args) == len(args) else [node] * len(args)
    kw_nodes: dict[str, ast.AST] = {k.arg: k.value for k in node.keywords if k.arg}
    new_args = [_argument(adapter, value, positional[i] if i < len(positional) else None, None, conv, arg_nodes[i])
                for i, value in enumerate(args)]
    keywords = [ast.keyword(key, _argument(adapter, value, by_name.get(key), key, conv, kw_nodes.get(key, node)))
                for key, value in kwargs.items()]
    call = ast.Call(ast.Name(base, ast.Load()), new_args, keywords)
    ast.copy_location(call, node)
    ast.fix_missing_locations(call)
    binder = LayerBinder(fw, adapter.reader.source)
    spec = binder.layer(call, first=True)
    return spec, binder.input_shape, call


def _argument(adapter: Adapter, value: object, param: Param | None, key: str | None, conv: LayerConvention,
              at: ast.AST) -> ast.expr:
    built = value_node(adapter, value, at)
    if built is not None:
        return built
    needed = (param is not None and param.kind != ANY and not (param.default is None and value is None)) or (
        key in FIRST_INPUT_KEYS or key in ("name", "trainable"))
    known_key = key is None or param is not None or key in conv.ignored or key in ("name", "trainable")
    if needed and known_key:
        what = f"{conv.type_name}({(param.name if param else key)}=...)"
        raise unresolved(adapter.reader, value, what, at)
    return ast.copy_location(ast.Constant(describe(at)), at)  # an argument that never changes the count


def value_node(adapter: Adapter, value: object, at: ast.AST) -> ast.expr | None:
    """A resolved value written back as the literal a layer argument would be (checked by the binder)."""
    if isinstance(value, (tuple, list)) and flat_size(value, MAX_ARGUMENT_SIZE) > MAX_ARGUMENT_SIZE:
        raise adapter.reader.fail(f"`{describe(at)}` is a value of more than {MAX_ARGUMENT_SIZE:,} elements; no "
                                  "layer takes an argument that large", at)
    node = _literal(adapter, value)
    if node is not None and not isinstance(value, FrameworkLayer):  # a layer's own call keeps its own place
        ast.copy_location(node, at)
        ast.fix_missing_locations(node)
    return node


def _literal(adapter: Adapter, value: object) -> ast.expr | None:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return ast.Constant(value)
    if isinstance(value, (tuple, list)):
        items = [_literal(adapter, v) for v in value]
        if any(i is None for i in items):
            return None
        return ast.Tuple([i for i in items if i is not None], ast.Load())
    return adapter.layer_argument(value)
