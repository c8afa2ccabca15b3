"""Design tools: vary one size of a model and watch its count, memory or FLOPs (sweep), or find the largest
(smallest) size within a budget (solve).

Every point is counted exactly by the same path as `count` / `estimate` (the conventions' plans evaluated at
the new value), so a solved value is proven at the value and at its neighbour: the search is an integer
search (galloping, then bisection) on those exact totals, never a float root of a formula. It relies on the
total not decreasing as the size grows, which every probe checks: a probe that contradicts it stops the
search with an error rather than a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from .._record import replace as replace_record
from ..conventions import FRAMEWORKS
from ..conventions.base import INT, NONNEG, SHAPE, SIZE, Param, above_maximum
from ..errors import FeatureMismatch, RnnParamsError, UsageError
from ..spec import ConfigSource, LayerSpec, ModelSpec, Value
from .count import count_model
from .estimate import Estimate, estimate_report, with_sequence_length
from .report import LayerReport, Report
from .resources import EstimateOptions
from .sequence import SequenceEstimate, check_sequence_options, is_sequence_framework, sequence_estimate

OPTIONS = ("batch", "seq_len")
"""Inputs of an estimate that a sweep may vary besides the constructor arguments."""
METRICS = ("params", "memory", "flops")
CAP = 2**40
"""Largest value searched for a size without a declared maximum."""
Path = tuple[str | int, ...]


class NoFit(UsageError):
    """No value of the variable meets the budget."""


@dataclass(frozen=True)
class Variable:
    """One size of a model: a constructor argument at one or more places, or an estimate option."""

    text: str
    """As the user wrote it: hidden_size, lstm_1.units, *.units, seq_len."""
    param: str
    places: tuple[tuple[int, Path], ...] = ()
    """Top-level layer index and the path of config keys (and list indices) to the nested layer holding it."""
    layers: tuple[str, ...] = ()
    """The counted names of the layers it sets."""
    minimum: int = 1
    maximum: int | None = None
    current: int | None = None
    input_axis: int | None = None
    """`input.K`: the K-th dimension of the model input (one sample, no batch), as --input-shape gives it."""
    config_key: str | None = None
    """A field of the config file the model was built from (`ModelSpec.config`): the model is built again from the
    file with that field set, as transformers builds it from the edited file."""

    @property
    def option(self) -> bool:
        return not self.places and self.input_axis is None and self.config_key is None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.text, "argument": self.param, "layers": list(self.layers), "current": self.current}


def _param(spec: LayerSpec, fw: str, name: str) -> Param | None:
    conv = FRAMEWORKS[fw].layers.get(spec.type)
    if conv is None:
        return None
    found = next((p for p in conv.params if p.name == name), None)
    value = spec.config.get(name)
    if found is None or isinstance(value, bool) or not isinstance(value, int):
        return None
    return found if found.kind in (SIZE, NONNEG, INT, SHAPE) else None


def _places(spec: LayerSpec, fw: str, name: str, path: Path = ()) -> list[tuple[Path, Param, int]]:
    out: list[tuple[Path, Param, int]] = []
    param = _param(spec, fw, name)
    if param is not None:
        out.append((path, param, spec.config[name]))  # type: ignore[arg-type]
    for key, value in spec.config.items():
        if isinstance(value, LayerSpec):
            out.extend(_places(value, fw, name, (*path, key)))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, LayerSpec):
                    out.extend(_places(item, fw, name, (*path, key, i)))
    return out


def resolve_variable(spec: ModelSpec, report: Report, text: str, *, options: bool = False) -> Variable:
    """The size `text` names: NAME (one layer has it), LAYER.NAME (by the layer's counted name, its index or
    its class), *.NAME (every layer that has it, set together), or batch / seq_len when `options`."""
    text = text.strip()
    if options and text in OPTIONS:
        return Variable(text, text)
    if spec.config is not None:
        return _config_variable(spec.config, text, options)
    if text.startswith("input.") and text[6:].isdigit():
        axis, shape = int(text[6:]), spec.input_shape or ()
        if axis >= len(shape) or shape[axis] is None:
            given = "no input shape" if not shape else f"input shape {list(shape)}"
            raise UsageError(f"--vary {text!r}: the model has {given}; input.K varies a fixed dimension K "
                             "(0-based) of --input-shape")
        return Variable(text, "input", minimum=1, current=shape[axis], input_axis=axis)
    layer_name, dot, name = text.rpartition(".")
    if not dot:
        layer_name, name = "", text
    if not name.isidentifier():
        raise UsageError(f"--vary {text!r}: name a constructor argument such as hidden_size or units, or "
                         "LAYER.NAME (lstm_1.units)")
    found: list[tuple[int, Path, Param, int]] = []
    for i, layer in enumerate(spec.layers):
        counted = report.layers[i].name if i < len(report.layers) else str(i)
        if layer_name and layer_name not in ("*", counted, str(i)) and layer_name.lower() != layer.type.lower():
            continue
        found.extend((i, path, param, value) for path, param, value in _places(layer, spec.framework, name))
    names = tuple(dict.fromkeys(report.layers[i].name for i, *_ in found))
    if not found:
        having = sorted({p.name for layer in spec.layers for p in FRAMEWORKS[spec.framework].layers[layer.type].params
                         if p.kind in (SIZE, NONNEG, INT) and isinstance(layer.config.get(p.name), int)})
        where = f"layer {layer_name!r}" if layer_name else "the model"
        extra = f"; {' and '.join(OPTIONS)} with an estimate" if options else ""
        raise UsageError(f"--vary {text!r}: no layer of {where} has an integer argument {name!r}; the model's are: "
                         f"{', '.join(having) or 'none'}{extra}")
    if len(names) > 1 and layer_name != "*":
        raise UsageError(f"--vary {text!r}: {len(names)} layers have {name!r} ({', '.join(names)}); say which "
                         f"with LAYER.{name} ({names[0]}.{name}), or *.{name} to set them all together")
    maxima = [p.maximum for *_, p, _ in found if p.maximum is not None]
    values = {v for *_, v in found}
    # 0 often means "none" (proj_size=0: no projection), a different model: search from 1 unless it is 0 now
    minimum = 1 if any(p.kind in (SIZE, SHAPE) for *_, p, _ in found) or min(values) > 0 else 0
    return Variable(text, name, tuple((i, path) for i, path, *_ in found), names, minimum,
                    min(maxima) if maxima else None, values.pop() if len(values) == 1 else None)


def _config_variable(config: ConfigSource, text: str, options: bool) -> Variable:
    """A whole-number field of the config file: the layers follow from the file (a hidden size reaches the
    embedding, every block, the norm and the head), so the model's own layer arguments are not varied apart."""
    from ..inputs.hfconfig import config_sizes

    sizes = config_sizes(config)
    if text not in sizes:
        extra = f"; {' and '.join(OPTIONS)} with an estimate" if options else ""
        raise UsageError(f"--vary {text!r}: {config.name} has no whole-number field {text!r}; a config file's "
                         f"fields are varied (with its defaults): {', '.join(sorted(sizes)) or 'none'}{extra}")
    current, maximum = sizes[text]
    return Variable(text, text, layers=(config.name,), minimum=0 if current == 0 else 1, maximum=maximum,
                    current=current, config_key=text)


def variables(spec: ModelSpec, report: Report) -> tuple[tuple[str, int], ...]:
    """Every size `--vary` takes for this model with its current value: NAME where one layer has the argument,
    LAYER.NAME where several do (in layer order); a config file's whole-number fields for a model built from one."""
    if spec.config is not None:
        from ..inputs.hfconfig import config_sizes

        return tuple((name, value) for name, (value, _) in config_sizes(spec.config).items())
    found: list[tuple[str, str, int]] = []
    for i, layer in enumerate(spec.layers):
        name = report.layers[i].name if i < len(report.layers) else str(i)
        held = [layer, *(v for v in layer.config.values() if isinstance(v, LayerSpec))]  # Bidirectional(LSTM(64))
        for owner in held:
            conv = FRAMEWORKS[spec.framework].layers.get(owner.type)
            for p in conv.params if conv is not None else ():
                current = owner.config.get(p.name)
                if p.kind in (SIZE, NONNEG) and _param(owner, spec.framework, p.name) is not None \
                        and isinstance(current, int):
                    found.append((name, p.name, current))
    inputs = [(f"input.{k}", d) for k, d in enumerate(spec.input_shape or ()) if d is not None]
    seen: dict[str, int] = {}
    for _, param, _ in found:
        seen[param] = seen.get(param, 0) + 1
    out = [(param if seen[param] == 1 else f"{layer}.{param}", value) for layer, param, value in found]
    return tuple(dict.fromkeys(out + inputs))


def _set(layer: LayerSpec, path: Path, name: str, value: int) -> LayerSpec:
    config = dict(layer.config)
    if not path:
        config[name] = value
    else:
        key, rest = path[0], path[1:]
        inner = config[key]  # type: ignore[index]
        if isinstance(inner, tuple):
            i, rest = rest[0], rest[1:]
            items: list[Value] = list(inner)
            items[i] = _set(items[i], rest, name, value)  # type: ignore[index, arg-type]
            config[key] = tuple(items)  # type: ignore[index]
        else:
            config[key] = _set(inner, rest, name, value)  # type: ignore[index, arg-type]
    return replace_record(layer, config=MappingProxyType(config))


def with_value(spec: ModelSpec, var: Variable, value: int) -> ModelSpec:
    """The spec with the variable set to `value`, checked as a reader checks a written argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value < var.minimum:
        raise UsageError(f"{var.text}={value!r}: must be an integer >= {var.minimum}")
    if var.input_axis is not None and spec.input_shape is not None:
        dims = list(spec.input_shape)
        dims[var.input_axis] = value
        return replace_record(spec, input_shape=tuple(dims))
    if var.maximum is not None and value > var.maximum:
        why = above_maximum(Param(var.param, kind=SIZE, maximum=var.maximum), value)
        raise UsageError(f"{var.text}={value}: {why}")
    if var.config_key is not None and spec.config is not None:
        from ..inputs.hfconfig import spec_from_config

        config = spec.config
        return spec_from_config(config.text, config.name, (*config.overrides, f"{var.config_key}={value}"))
    layers = list(spec.layers)
    for i, path in var.places:
        layers[i] = _set(layers[i], path, var.param, value)
    return replace_record(spec, layers=tuple(layers))


def _locate(spec: ModelSpec, target: object) -> tuple[int, Path] | None:
    """Where the LayerSpec `target` (the very object) sits in `spec`: top-level index and nested path."""
    def search(layer: LayerSpec, path: Path) -> Path | None:
        if layer is target:
            return path
        for key, value in layer.config.items():
            items = value if isinstance(value, tuple) else (value,)
            for j, item in enumerate(items):
                if isinstance(item, LayerSpec):
                    found = search(item, (*path, key, j) if isinstance(value, tuple) else (*path, key))
                    if found is not None:
                        return found
        return None
    for i, layer in enumerate(spec.layers):
        found = search(layer, ())
        if found is not None:
            return i, found
    return None


def count_following(spec: ModelSpec) -> tuple[ModelSpec, Report, tuple[str, ...]]:
    """Count `spec`; where a layer declared with an input size (in_features, input_size, in_channels...) no longer
    receives it because a size before it was changed, give it what it receives, as whoever resizes the model by
    hand does, and count again. The conventions say which argument it is (errors.FeatureMismatch). Returns the
    model counted, its report, and each argument that followed ("1.in_features=512")."""
    followed: list[tuple[int, Path, str, int]] = []
    done: set[tuple[int, Path, str]] = set()
    while True:
        try:
            report = count_model(spec)
        except FeatureMismatch as exc:
            where = _locate(spec, exc.spec)
            if where is None or (*where, exc.param) in done:
                raise
            done.add((*where, exc.param))
            i, path = where
            layers = list(spec.layers)
            layers[i] = _set(layers[i], path, exc.param, exc.actual)
            spec = replace_record(spec, layers=tuple(layers))
            followed.append((i, path, exc.param, exc.actual))
            continue
        names = [layer.name for layer in report.layers]
        return spec, report, tuple(
            f"{names[i] if i < len(names) else i}.{'.'.join(map(str, (*path, param)))}={actual}"
            for i, path, param, actual in followed)


@dataclass(frozen=True)
class Point:
    """The model at one value: its count, and its estimate when options were given."""

    value: int
    report: Report
    estimate: Estimate | SequenceEstimate | None = None
    """A sequence model's (transformers, mamba.py, the block packages) is its `SequenceEstimate`."""
    followed: tuple[str, ...] = ()
    """Input sizes of later layers set to what they receive at this value (count_following)."""

    def measure(self, metric: str) -> int:
        """params: the total count; memory: the estimate's total (a sequence model's leaves its activations out);
        flops: the batch's FLOPs (forward + backward when training; a sequence model's: B × the prefill over T
        tokens, inference only)."""
        if metric == "params":
            return self.report.total_params
        if self.estimate is None:
            raise UsageError(f"{metric} needs an estimate: give --batch (and --seq-len)")
        if metric == "memory":
            return self.estimate.total_bytes
        if isinstance(self.estimate, SequenceEstimate):
            flops = sequence_flops(self.estimate)
            assert flops is not None  # refused by sequence_flops
            return flops
        key = "flops_train_batch" if self.estimate.options.training else "flops_batch"
        return self.estimate.compute_line(key).value

    def batch_flops(self) -> tuple[int | None, int | None]:
        """The batch's forward FLOPs and its training step's (None: not modelled), for a sweep's columns."""
        est = self.estimate
        if est is None:
            return None, None
        if isinstance(est, SequenceEstimate):
            return est.batch_flops("prefill"), None
        return est.compute_line("flops_batch").value, est.compute_line("flops_train_batch").value

    @property
    def warnings(self) -> tuple[str, ...]:
        return () if self.estimate is None else tuple(self.estimate.warnings)

    def to_dict(self, var: Variable) -> dict[str, Any]:
        out: dict[str, Any] = {"variable": var.text, "value": self.value, **self.report.to_dict()}
        if self.followed:
            out["followed"] = list(self.followed)
        if self.estimate is not None:
            out["estimate"] = self.estimate.to_dict()
        return out


def sequence_flops(est: SequenceEstimate) -> int | None:
    """A sequence model's FLOPs measure: the prefill of the batch (B × a forward over T tokens from an empty state),
    the figure `estimate` prints. Refused where it is not what a FLOPs budget means: a training step (its backward
    is not modelled) or a model whose layers declare no per-token work."""
    fw = FRAMEWORKS[est.framework].display
    if est.options.training:
        raise _no_training_flops(est.framework)
    flops = est.batch_flops("prefill")
    if flops is None:
        missing = sorted({layer.type for layer in est.report.layers if not layer.work.token_products})
        raise UsageError(f"FLOPs are not modelled for {fw}" + (f" ({', '.join(missing)} declare no per-token work)"
                         if missing else "") + ": measure --params or --memory instead")
    return flops


def check_options(spec: ModelSpec, var: Variable, metric: str, options: EstimateOptions | None) -> None:
    """Refuse, before any search, an estimate the model's framework does not make: a sequence model's options
    (its sequence length, unless it is the variable), and a FLOPs measure of a training step, which no sequence
    model has."""
    if options is None or not is_sequence_framework(spec.framework):
        return
    varied = var.option and var.param == "seq_len"
    check_sequence_options(spec.framework, options, var.minimum if varied else options.seq_len)
    if metric == "flops" and options.training:
        raise _no_training_flops(spec.framework)


def _no_training_flops(framework: str) -> UsageError:
    return UsageError(f"the FLOPs of a training step (forward and backward) are not modelled for "
                      f"{FRAMEWORKS[framework].display}: give --mode inference to measure the forward over the batch "
                      "(B × the prefill of T tokens, as `rnnparams estimate` prints it), or measure --params or "
                      "--memory")


def evaluate(spec: ModelSpec, var: Variable, value: int, options: EstimateOptions | None = None,
             limit: Callable[[ModelSpec], None] | None = None) -> Point:
    """Count (and estimate) the model with the variable at `value`; `limit` may refuse the model first (the
    web's bounds on layers and sizes), raising an RnnParamsError, which a search takes as a value not valid."""
    if var.option:
        if options is None:
            raise UsageError(f"varying {var.param} needs an estimate: give --batch (and --seq-len)")
        if value < 1:
            raise UsageError(f"{var.param}={value}: must be a positive integer")
        options = replace_dataclass(options, **{var.param: value})
    else:
        spec = with_value(spec, var, value)
    if limit is not None:
        limit(spec)
    spec, report, followed = count_following(spec)
    if options is None:
        return Point(value, report, followed=followed)
    if is_sequence_framework(report.framework):  # the figures `estimate` prints for it (analysis/sequence.py)
        return Point(value, report, sequence_estimate(report, options, options.seq_len), followed)
    filled, steps = with_sequence_length(spec, report, options.seq_len)
    if filled is not spec:
        report = count_model(filled)
    return Point(value, report, estimate_report(report, options, steps), followed)


def replace_dataclass(obj: EstimateOptions, **changes: object) -> EstimateOptions:
    from dataclasses import replace

    return replace(obj, **changes)  # type: ignore[arg-type]


# --- solve -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Solution:
    variable: Variable
    metric: str
    budget: int
    largest: bool
    """True: the largest value whose measure is <= budget; False: the smallest whose measure is >= budget."""
    multiple_of: int
    point: Point
    next_point: Point | None
    next_reason: str | None
    """Why there is no neighbour: the value is the first or the last one rnnparams takes, or it is invalid."""
    probes: int = field(default=0)

    @property
    def value(self) -> int:
        return self.point.value

    def to_dict(self) -> dict[str, Any]:
        nxt = self.next_point
        out: dict[str, Any] = {
            "value": self.value, "total_params": self.point.report.total_params,
            "next_value": None if nxt is None else nxt.value,
            "next_total_params": None if nxt is None else nxt.report.total_params,
            "metric": self.metric, "budget": self.budget, "bound": "max" if self.largest else "min",
            "measure": self.point.measure(self.metric),
            "next_measure": None if nxt is None else nxt.measure(self.metric),
            "next_reason": self.next_reason, "multiple_of": self.multiple_of,
            "variable": self.variable.to_dict(), "framework": self.point.report.framework,
            "trainable_params": self.point.report.trainable_params, "probes": self.probes,
            "followed": list(self.point.followed),
        }
        if self.point.estimate is not None:
            out["options"] = self.point.estimate.options.to_dict()
        return out


class _Probe:
    """Evaluations by multiple index k (value k·m), cached, each checked against the ones before for order."""

    def __init__(self, at: Callable[[int], Point], metric: str, var: Variable, m: int) -> None:
        self.at, self.metric, self.var, self.m = at, metric, var, m
        self.seen: dict[int, Point | RnnParamsError] = {}

    def __call__(self, k: int) -> Point | RnnParamsError:
        if k not in self.seen:
            try:
                self.seen[k] = self.at(k * self.m)
            except RnnParamsError as exc:
                self.seen[k] = exc
            self._check_order()
        return self.seen[k]

    def _check_order(self) -> None:
        valid = sorted((k, p.measure(self.metric)) for k, p in self.seen.items() if isinstance(p, Point))
        for (k0, a), (k1, b) in pairwise(valid):
            if b < a:
                raise UsageError(f"solve needs a total that does not shrink as {self.var.text} grows, but "
                                 f"{self.var.text}={k0 * self.m} gives {a:,} and {self.var.text}={k1 * self.m} "
                                 f"gives {b:,}; use `rnnparams sweep` to look at it")


def solve(spec: ModelSpec, var: Variable, metric: str, budget: int, *, largest: bool = True,
          multiple_of: int = 1, options: EstimateOptions | None = None,
          limit: Callable[[ModelSpec], None] | None = None) -> Solution:
    """The largest value (multiple of `multiple_of`) whose measure is within `budget`, or with `largest=False`
    the smallest whose measure reaches it; the neighbouring value beside it."""
    if metric not in METRICS:
        raise UsageError(f"unknown measure {metric!r}; choose one of: {', '.join(METRICS)}")
    if multiple_of < 1:
        raise UsageError(f"--multiple-of must be a positive integer (got {multiple_of})")
    if metric != "params" and options is None:
        raise UsageError(f"a {metric} budget needs an estimate: give --batch (and --seq-len)")
    check_options(spec, var, metric, options if metric != "params" else None)
    m = multiple_of
    probe = _Probe(lambda v: evaluate(spec, var, v, options if metric != "params" else None, limit), metric, var, m)
    k_lo = -(-var.minimum // m)
    k_hi = (var.maximum if var.maximum is not None else CAP) // m
    if k_hi < k_lo:
        raise NoFit(f"no multiple of {m} lies between {var.minimum} and {var.maximum} for {var.text}")

    def below(k: int) -> bool:
        """On k_lo's side of the answer: valid and within the budget (largest), or valid and short of it
        (smallest). Values not valid lie beyond the answer either way: the valid ones end there."""
        p = probe(k)
        if isinstance(p, RnnParamsError):
            return False
        return p.measure(metric) <= budget if largest else p.measure(metric) < budget

    first = probe(k_lo)
    if isinstance(first, RnnParamsError):
        raise UsageError(f"{var.text}={k_lo * m}, the smallest value, is not valid: {first.message}")
    what = {"params": "parameters", "memory": "bytes", "flops": "FLOPs"}[metric]
    if not below(k_lo):
        if largest:
            raise NoFit(f"no value of {var.text} fits: even {var.text}={k_lo * m} gives "
                        f"{first.measure(metric):,} {what}, more than the budget of {budget:,}")
        return _solution(spec, var, metric, budget, largest, m, probe, k_lo, None, "the smallest value")
    k = k_lo  # gallop up while below, then bisect between the last value below and the first beyond
    while True:
        nk = min(max(2 * k, k + 1), k_hi)
        if not below(nk) or nk == k_hi:
            break
        k = nk
    if below(nk):  # never crossed up to the cap
        last = probe(nk)
        assert isinstance(last, Point)
        if not largest:
            raise NoFit(f"no value of {var.text} reaches {budget:,} {what}: {var.text}={nk * m:,} gives "
                        f"{last.measure(metric):,}")
        if nk > k_lo and last.measure(metric) == first.measure(metric):
            raise UsageError(f"{var.text} does not change the {what} ({first.measure(metric):,} from "
                             f"{var.text}={k_lo * m} to {nk * m:,}), so no budget bounds it")
        return _solution(spec, var, metric, budget, largest, m, probe, nk, None, "the largest value rnnparams takes")
    lo, hi = k, nk  # below(lo), not below(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if below(mid):
            lo = mid
        else:
            hi = mid
    if largest:
        return _solution(spec, var, metric, budget, largest, m, probe, lo, hi, None)
    beyond = probe(hi)
    if isinstance(beyond, RnnParamsError):
        low = probe(lo)
        assert isinstance(low, Point)
        raise NoFit(f"no valid value of {var.text} reaches {budget:,} {what}: {var.text}={lo * m:,} gives "
                    f"{low.measure(metric):,} and {var.text}={hi * m:,} is not valid ({beyond.message})")
    return _solution(spec, var, metric, budget, largest, m, probe, hi, lo, None)


def _solution(spec: ModelSpec, var: Variable, metric: str, budget: int, largest: bool, m: int, probe: _Probe,
              k: int, k_next: int | None, reason: str | None) -> Solution:
    point = probe(k)
    assert isinstance(point, Point)
    nxt = None if k_next is None else probe(k_next)
    if isinstance(nxt, RnnParamsError):
        reason, nxt = f"{var.text}={k_next * m if k_next is not None else ''} is not valid: {nxt.message}", None
    return Solution(var, metric, budget, largest, m, point, nxt, reason, len(probe.seen))


# --- sweep -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    """One model in one framework over the values of a sweep."""

    label: str
    framework: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Sweep:
    variable: Variable
    metric: str
    series: tuple[Series, ...]

    def to_dict(self) -> list[dict[str, Any]]:
        """One record per point (of every series): the variable, its value, the series' model label, and the
        fields of `count --json` (with `estimate` when one was made)."""
        return [{"model": s.label, **p.to_dict(self.variable)} for s in self.series for p in s.points]


def sweep(spec: ModelSpec, var: Variable, values: Sequence[int], *, metric: str = "params",
          options: EstimateOptions | None = None, label: str = "", frameworks: Sequence[str] = ()) -> Sweep:
    """The model at every value; `frameworks`: also the same architecture translated into each of them
    (parameters only: a translation is counted, not estimated)."""
    if metric not in METRICS:
        raise UsageError(f"unknown measure {metric!r}; choose one of: {', '.join(METRICS)}")
    if metric != "params" and options is None:
        raise UsageError(f"a {metric} sweep needs an estimate: give --batch (and --seq-len)")
    check_options(spec, var, metric, options)
    points = []
    for v in values:
        try:
            points.append(evaluate(spec, var, v, options))
            points[-1].measure(metric)  # a measure not modelled is refused here, not when drawn
        except RnnParamsError as exc:
            raise type(exc)(f"at {var.text}={v}: {exc}") from None
    series = [Series(label, spec.framework, tuple(points))]
    others = [f for f in frameworks if f != spec.framework]
    if others and metric != "params":
        raise UsageError("comparing frameworks sweeps parameters (a translated model is counted, not estimated)")
    for target in others:
        if target not in FRAMEWORKS:
            raise UsageError(f"unknown framework {target!r}; `rnnparams frameworks` lists them")
        series.append(Series(label, target, tuple(_translated(p, target) for p in points)))
    return Sweep(var, metric, tuple(series))


def _translated(point: Point, target: str) -> Point:
    from .translate import translate_report

    layers: list[LayerReport] = []
    for t in translate_report(point.report, target):
        if t.report is None:
            raise UsageError(f"{t.source.name} ({t.source.type}) has no {FRAMEWORKS[target].display} equivalent: "
                             f"{t.reason}")
        layers.extend(t.report.layers)
    return Point(point.value, Report(target, tuple(layers), point.report.input_shape))


__all__ = ["METRICS", "OPTIONS", "NoFit", "Point", "Series", "Solution", "Sweep", "Variable", "evaluate",
           "resolve_variable", "solve", "sweep", "variables", "with_value"]
