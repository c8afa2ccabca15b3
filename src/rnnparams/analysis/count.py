"""Count parameters: walk the chain, ask each layer's convention for its plan, evaluate the shapes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType

from .._record import replace
from ..conventions import FRAMEWORKS, FrameworkConvention, LayerConvention, LayerPlan
from ..conventions.base import (
    BY_CLASS,
    BY_POSITION,
    MAX_DIMENSION,
    LayerContext,
    TensorSpec,
    fmt_shape,
    model_batch_axis,
)
from ..conventions.work import Work
from ..errors import ConfigError, RnnParamsError, ShapeError
from ..spec import LayerSpec, ModelSpec, Shape, frozen_mapping
from .report import LayerReport, Report, TensorReport


class _Namer:
    """Names layers the way the framework auto-names them."""

    def __init__(self, fw: FrameworkConvention, single: bool) -> None:
        self.fw = fw
        self.single = single
        self.seen: Counter[str] = Counter()

    def name(self, spec: LayerSpec, conv: LayerConvention, index: int) -> str:
        if self.fw.naming == BY_POSITION:  # nn.Sequential children are "0", "1", ...; a lone module by its class
            if spec.name is not None:  # its attribute path in a module read from code: "encoder.rnn"
                return spec.name
            return conv.auto_name if self.single else str(index)
        if spec.name is not None:
            return spec.name
        return self.next(conv.auto_name)  # Keras: snake_case class name, then _1, _2 in construction order

    def next(self, base: str) -> str:
        n = self.seen[base]
        self.seen[base] += 1
        return base if n == 0 else f"{base}_{n}"

    def with_sublayers(self, spec: LayerSpec, conv: LayerConvention) -> LayerSpec:
        """The names of the layers its constructor builds after its own (`LayerConvention.sublayers`), taken from
        the same counters, unless the code reader already chose them."""
        if not conv.sublayers or self.fw.naming != BY_CLASS or spec.get("_sublayers") is not None:
            return spec
        names = tuple(self.next(base) for base in conv.sublayers)
        return replace(spec, config=frozen_mapping({**spec.config, "_sublayers": names}))


def model_input(spec: ModelSpec, fw: FrameworkConvention) -> Shape | None:
    """Shape of the model input with batch (None), or None when the model text does not fix it."""
    if spec.input_shape is None:
        return None
    axis = model_batch_axis(fw, spec.layers)
    shape = list(spec.input_shape)
    shape.insert(min(axis, len(shape)), None)
    return tuple(shape)


def evaluate(t: TensorSpec, bindings: dict[str, int] | None,
             memo: dict[int, tuple[int, str]] | None = None,
             shapes: dict[int, tuple[tuple[int, ...], int, tuple[str, ...]]] | None = None) -> TensorReport:
    """The tensor's concrete shape and size. `memo` keeps each symbolic dimension's value and text by identity
    within one layer, `shapes` each shape's (a stack's copies share their shape tuples: a 64-block stack
    evaluates each once)."""
    known = shapes.get(id(t.shape)) if shapes is not None else None
    if known is None:
        env = bindings or {}
        memo = {} if memo is None else memo
        dims = []
        for d in t.shape:
            dim = memo.get(id(d))
            if dim is None:
                dim = memo[id(d)] = (d.evaluate(env), d.render())
            dims.append(dim)
        shape = tuple(v for v, _ in dims)
        numel = 1
        for v in shape:
            numel *= v
        known = (shape, numel, tuple(r for _, r in dims))
        if shapes is not None:
            shapes[id(t.shape)] = known
    return TensorReport(t.name, known[0], known[1], t.trainable, t.role, t.buffer, known[2], t.gates)


class Chain:
    """Counts a model's layers one at a time, each on the previous one's output (or, for a model that is not a
    chain, on its own input shape): `count_model` runs it over a whole spec, the builder layer by layer."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.fw = FRAMEWORKS[spec.framework]
        self.namer = _Namer(self.fw, single=len(spec.layers) == 1)
        self.shape = model_input(spec, self.fw) if spec.layers else None
        self.reports: list[LayerReport] = []
        self.warnings: list[str] = []
        self.equal: dict[object, tuple[LayerReport, LayerPlan]] = {}
        """An earlier layer equal to this one but for its name, with its plan before its name was applied (see
        `_count_layer`): a checkpoint of 10,000 alike layers plans one."""

    def add(self, layer: LayerSpec) -> LayerReport:
        spec, fw, reports = self.spec, self.fw, self.reports
        if not spec.chain:  # a graph or a module's forward: each layer on its own input
            self.shape = layer.input_shape
        elif reports and reports[-1].multi_output:
            prev = reports[-1]
            raise ShapeError(f"{prev.name} ({prev.type}) returns several tensors, so no layer can follow it in a "
                             "chain; use merge_mode='concat' (or sum/ave/mul), or put it last.").at(
                spec.source, layer.line, layer.col)
        if spec.chain and reports and reports[-1].state_shapes and fw.naming == BY_CLASS:
            prev = reports[-1]
            raise ShapeError(f"{prev.name} ({prev.type}) has return_state=True, so it returns a list "
                             "[output, *states] and the next layer of a Sequential cannot take it; drop "
                             "return_state or put the layer last.").at(spec.source, layer.line, layer.col)
        try:
            report = _count_layer(fw, self.namer, layer, len(reports), self.shape, self.equal)
        except RnnParamsError as exc:
            raise exc.at(spec.source, layer.line, layer.col) from None
        reports.append(report)
        self.warnings.extend(report.plan.warnings)
        self.shape = report.output_shape  # type: ignore[assignment]
        return report

    def report(self) -> Report:
        spec = self.spec
        return Report(self.fw.id, tuple(self.reports), spec.input_shape, tuple(self.warnings), spec.name,
                      spec.missing)


def count_model(spec: ModelSpec) -> Report:
    chain = Chain(spec)
    for layer in spec.layers:
        chain.add(layer)
    return chain.report()


def spec_key(spec: LayerSpec, *more: object) -> object:
    """The layer as written but for its name and place (with `more` beside), as a dictionary key; None where an
    argument is not hashable (a layer, a list), so that no key is known cheaply."""
    key = (spec.type, tuple(spec.config.items()), spec.input_shape, spec.tied, spec.frozen, *more)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _equal_key(fw: FrameworkConvention, conv: LayerConvention, spec: LayerSpec, shape: Shape | None) -> object:
    """What makes two layers count alike but for their names, or None where that is not known cheaply: only
    where names are applied after the plan (PyTorch's attribute paths), and the arguments are plain values."""
    if fw.naming != BY_POSITION or conv.wraps:
        return None
    return spec_key(spec, shape)


def _count_layer(fw: FrameworkConvention, namer: _Namer, spec: LayerSpec, index: int,
                 shape: Shape | None, equal: dict[object, tuple[LayerReport, LayerPlan]] | None = None) -> LayerReport:
    conv = fw.layers[spec.type]
    key = _equal_key(fw, conv, spec, shape) if equal is not None else None
    if key is not None and equal is not None and key in equal:
        return _renamed(*equal[key], namer.name(spec, conv, index), spec)
    inner_plan: LayerPlan | None = None
    inner_name: str | None = None
    if conv.wraps:
        inner_spec = spec.config["layer"]
        assert isinstance(inner_spec, LayerSpec)
        inner_conv = fw.layers[inner_spec.type]
        if inner_conv.wraps:
            raise ShapeError(f"{spec.type} cannot wrap another wrapper ({inner_spec.type})")
        inner_name = namer.name(inner_spec, inner_conv, index)  # the wrapped layer is constructed first
    name = namer.name(spec, conv, index)
    spec = namer.with_sublayers(spec, conv)
    ctx = LayerContext(spec, name, shape, fw.id)
    if conv.wraps:
        assert inner_name is not None and conv.inner_input is not None
        inner_spec = spec.config["layer"]
        assert isinstance(inner_spec, LayerSpec)
        inner_ctx = LayerContext(inner_spec, inner_name, conv.inner_input(ctx), fw.id)
        inner_plan = fw.layers[inner_spec.type].plan(inner_ctx)
        ctx = LayerContext(spec, name, shape, fw.id, inner_plan, inner_name)
    plan = conv.plan(ctx)
    if spec.tied:
        plan = _untied(plan, spec)
    if spec.frozen:
        plan = _frozen(plan, spec)
    unscoped = plan
    if fw.naming == BY_POSITION and spec.name is not None:
        plan = _scoped(plan, spec.name)
    if fw.naming == BY_CLASS and spec.config.get("trainable") is False:  # layer.trainable = False: all its weights
        plan = replace(plan, tensors=tuple(replace(t, trainable=False) for t in plan.tensors))
    bindings = dict(plan.bindings)
    _check_sizes(spec, bindings, plan.output_shape)
    memo: dict[int, tuple[int, str]] = {}
    shapes: dict[int, tuple[tuple[int, ...], int, tuple[str, ...]]] = {}  # the plan holds every shape alive
    tensors = tuple(evaluate(t, bindings, memo, shapes) for t in plan.tensors)
    # every dimension of every tensor (the words name the first too large; a stack's copies share their values)
    if any(abs(v) > MAX_DIMENSION for v, _ in memo.values() if isinstance(v, int)):
        for t in tensors:
            for d in t.shape:
                if isinstance(d, int):
                    _check_sizes(spec, {f"a dimension of {t.name}": d}, None)
    report = LayerReport(
        name=name, type=spec.type, input_shape=plan.input_shape,
        output_shape=plan.output_shape, state_shapes=plan.state_shapes,
        tensors=tuple(t for t in tensors if not t.buffer), buffers=tuple(t for t in tensors if t.buffer),
        multi_output=plan.multi_output, plan=plan, spec=spec, work=work_of(fw, spec), words=words_of(fw, spec),
    )
    if key is not None and equal is not None and not plan.warnings:  # a warning names the layer: not reused
        equal[key] = (report, unscoped)
    return report


def _renamed(earlier: LayerReport, unscoped: LayerPlan, name: str, spec: LayerSpec) -> LayerReport:
    """`earlier` under this layer's name: its plan scoped anew (the tensors' attribute paths), nothing replanned.
    Sizes were checked for the earlier one, and a plan with warnings is never kept."""
    if spec.name is None and earlier.spec is not None and earlier.spec.name is None:  # both by the plan's names
        return replace(earlier, name=name, spec=spec)
    plan = _scoped(unscoped, spec.name) if spec.name is not None else unscoped
    names = [t.name for t in plan.tensors]
    evaluated = [*earlier.tensors, *earlier.buffers]
    order = {t.name: k for k, t in enumerate(earlier.plan.tensors)}
    renamed = {t.name: replace(t, name=names[order[t.name]]) for t in evaluated}
    return replace(earlier, name=name, plan=plan, spec=spec,
                   tensors=tuple(renamed[t.name] for t in earlier.tensors),
                   buffers=tuple(renamed[t.name] for t in earlier.buffers))


def _check_sizes(spec: LayerSpec, sizes: Mapping[str, int], shape: object) -> None:
    """Refuse a size past MAX_DIMENSION (in the layer's bindings, a tensor's dimensions or its output shape),
    named without printing it: Python cannot print an integer of more than 4,300 digits."""
    values = [(k if k.startswith("a dimension") else f"size {k}", v) for k, v in sizes.items() if isinstance(v, int)]
    stack = [shape]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
        elif isinstance(item, int):
            values.append(("a dimension of its output", item))
    for what, value in values:
        if abs(value) > MAX_DIMENSION:
            digits = int((abs(value).bit_length() - 1) * 0.30103) + 1
            raise ConfigError(f"{spec.type}: {what} has about {digits:,} digits, more than any framework "
                              f"holds in a tensor dimension (at most 2**63 - 1 = {MAX_DIMENSION:,})")


def words_of(fw: FrameworkConvention, spec: LayerSpec) -> Mapping[str, tuple[str, str]]:
    """The layer's declared words, with those of the layers it wraps."""
    words = dict(fw.layers[spec.type].words)
    for value in spec.config.values():
        if isinstance(value, LayerSpec) and value.type in fw.layers:
            words = {**words_of(fw, value), **words}
    return MappingProxyType(words)


def work_of(fw: FrameworkConvention, spec: LayerSpec) -> Work:
    """The layer's declared work; a wrapper's is the work of the layer it wraps (Bidirectional(LSTM) runs an
    LSTM cell, Flax RNN(cell) its cell)."""
    work = fw.layers[spec.type].work
    seen = 0
    while work.inherit and seen < 8:
        inner = next((v for v in spec.config.values() if isinstance(v, LayerSpec)), None)
        if inner is None or inner.type not in fw.layers:
            break
        spec, work, seen = inner, fw.layers[inner.type].work, seen + 1
    return work


def _untied(plan: LayerPlan, spec: LayerSpec) -> LayerPlan:
    """The plan without the tensors another layer owns (weight tying), which are counted with that layer."""
    _check_names(plan, spec, spec.tied, "tied")
    return replace(plan, tensors=tuple(t for t in plan.tensors if t.name not in spec.tied), family=())


def _frozen(plan: LayerPlan, spec: LayerSpec) -> LayerPlan:
    """The plan with the tensors set to `requires_grad = False` counted as non-trainable."""
    _check_names(plan, spec, spec.frozen, "frozen")
    return replace(plan, tensors=tuple(replace(t, trainable=False) if t.name in spec.frozen else t
                                       for t in plan.tensors))


def _check_names(plan: LayerPlan, spec: LayerSpec, wanted: tuple[str, ...], what: str) -> None:
    names = [t.name for t in plan.tensors if not t.buffer]
    missing = [n for n in wanted if n not in names]
    if missing:
        raise ConfigError(f"{spec.type}: {what} tensor {missing[0]!r} is not one of its tensors "
                          f"({', '.join(names) or 'none'})")


def _scoped(plan: LayerPlan, scope: str) -> LayerPlan:
    """Tensor names prefixed with the layer's attribute path, as `named_parameters()` gives them: a tensor
    with no name of its own (an `nn.Parameter` attribute) is the path itself."""
    def scoped(t: TensorSpec) -> TensorSpec:
        return replace(t, name=f"{scope}.{t.name}" if t.name else scope)

    return replace(plan, tensors=tuple(scoped(t) for t in plan.tensors),
                   family=tuple((n, tuple(scoped(t) for t in ts)) for n, ts in plan.family))


__all__ = ["count_model", "fmt_shape"]
