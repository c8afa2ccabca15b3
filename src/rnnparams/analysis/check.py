"""Check a claimed parameter count, and when it is wrong, find the mistake that produces it.

Each mistake in the catalogue is a rewrite of how one layer is counted: drop some tensors, scale the gated
ones, evaluate the conventions' symbolic shapes with the wrong symbols, or leave a layer out. They are
applied to every layer they fit, alone and in pairs; a claimed number that one of these reproduces is
diagnosed with that mistake. Nothing here knows a formula: every count comes from the plans' tensors.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from fractions import Fraction

from .._record import field, record, replace
from ..conventions import FRAMEWORKS
from ..symbolic import Const, Sym
from .report import LayerReport, Report
from .translate import translate_report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BIAS_ROLES = ("input_bias", "recurrent_bias", "bias", "input_and_recurrent_bias")
MAX_HEAD_UNITS = 1_000_000


@record
class Counting:
    """How one layer is counted, mistakes included: evaluating the plan's blocks under these settings gives
    the number a person making those mistakes arrives at. Mistakes compose because each changes one setting."""

    env: Mapping[str, int]
    drop: frozenset[str] = frozenset()
    """Tensor roles left out."""
    gates: int | None = None
    """A wrong gate multiplier (gated tensors are G·H wide)."""
    copies: int = 1
    bias_factor: Fraction = Fraction(1)
    """Applied to the single-bias (2: a second vector) and split-bias (1/2: only one) tensors."""
    like_first: bool = False
    """Every stacked layer counted like layer 0 (with the model's input size)."""
    dropped: bool = False

    def evaluate(self, layer: LayerReport) -> int:
        if self.dropped:
            return 0
        blocks = layer.plan.blocks()
        if self.like_first:
            blocks = ((Const(self.env["L"]) * Sym("D"), blocks[0][1]),)
        total = 0
        env = self.env
        for copies, tensors in blocks:
            n = copies.evaluate(env)
            for t in tensors:
                if t.role in self.drop:
                    continue
                size = math.prod(d.evaluate(env) for d in t.shape)  # integers throughout: a long chain is
                num, den = 1, 1                                         # evaluated a hundred times over
                if t.role in ("bias", "input_and_recurrent_bias") and t.gates:
                    num, den = self.bias_factor.numerator, self.bias_factor.denominator
                if t.gates and self.gates:
                    num, den = num * self.gates, den * len(t.gates)
                total += n * (size * num // den)
        return total * self.copies


Rewrite = Callable[[Report, int, Counting], "Counting | None"]
"""(report, layer index, how it is counted so far) -> counted with the mistake, or None where it does not fit."""


@record
class Mistake:
    key: str
    stage: int
    """Order of application: 0 the symbols, 1 the tensors, 2 the layers."""
    rewrite: Rewrite


def _recurrent(layer: LayerReport) -> bool:
    return any(t.role == "recurrent_weights" for t in layer.tensors)


def _gates(layer: LayerReport) -> int:
    return next((len(t.gates) for t in layer.tensors if t.role == "recurrent_weights"), 0)


def _roles(layer: LayerReport) -> set[str]:
    return {t.role for t in layer.tensors}


def _forgot_direction(report: Report, k: int, c: Counting) -> Counting | None:
    if c.env.get("D") != 2 or not _recurrent(report.layers[k]):
        return None
    return replace(c, env={**c.env, "D": 1})


def _double_direction(report: Report, k: int, c: Counting) -> Counting | None:
    if c.env.get("D", 1) != 1 or not _recurrent(report.layers[k]):
        return None
    return replace(c, copies=2 * c.copies)


def _upper_layers_see_input(report: Report, k: int, c: Counting) -> Counting | None:
    """Upper layers of a stack counted with the model's input size I instead of D·H (or the layer below's H)."""
    layer = report.layers[k]
    if not _recurrent(layer):
        return None
    if c.env.get("L", 1) > 1:  # nn.LSTM(num_layers=L): every layer counted like layer 0
        return replace(c, like_first=True)
    span = _recurrent_span(report)
    assert span is not None  # this layer is recurrent
    first = span[0]
    model_i = dict(report.layers[first].plan.bindings).get("I")
    if k == first or model_i is None or model_i == c.env.get("I"):
        return None
    return replace(c, env={**c.env, "I": model_i})


def _swapped(report: Report, k: int, c: Counting) -> Counting | None:
    if not _recurrent(report.layers[k]) or "I" not in c.env or c.env["I"] == c.env["H"]:
        return None
    return replace(c, env={**c.env, "I": c.env["H"], "H": c.env["I"]})


def _no_projection(report: Report, k: int, c: Counting) -> Counting | None:
    if "P" not in c.env:
        return None
    return replace(c, env={**c.env, "P": c.env["H"]}, drop=c.drop | {"projection"})


def _no_bias(report: Report, k: int, c: Counting) -> Counting | None:
    if not _roles(report.layers[k]) & set(BIAS_ROLES):
        return None
    return replace(c, drop=c.drop | set(BIAS_ROLES))


def _one_bias(report: Report, k: int, c: Counting) -> Counting | None:
    if "recurrent_bias" not in _roles(report.layers[k]):
        return None
    return replace(c, drop=c.drop | {"recurrent_bias"})


def _two_biases(report: Report, k: int, c: Counting) -> Counting | None:
    layer = report.layers[k]
    if "bias" not in _roles(layer) or not _recurrent(layer):
        return None
    return replace(c, bias_factor=c.bias_factor * 2)


def _reset_after_flip(report: Report, k: int, c: Counting) -> Counting | None:
    layer = report.layers[k]
    roles = _roles(layer)
    if _gates(layer) != 3 or "recurrent_bias" in roles:
        return None  # Keras GRU only (PyTorch's two bias vectors are the one_bias mistake)
    if "input_and_recurrent_bias" in roles:
        return replace(c, bias_factor=c.bias_factor / 2)
    return replace(c, bias_factor=c.bias_factor * 2) if "bias" in roles else None


def _gate_multiplier(g: int) -> Rewrite:
    def rewrite(report: Report, k: int, c: Counting) -> Counting | None:
        gates = _gates(report.layers[k])
        return None if not gates or gates == g else replace(c, gates=g)
    return rewrite


def _dense(layer: LayerReport) -> bool:
    """One 2-D weight matrix (and a bias): a dense layer, whatever its framework calls it."""
    weights = [t for t in layer.tensors if t.role == "weight"]
    return len(weights) == 1 and len(weights[0].shape) == 2 and _roles(layer) <= {"weight", *BIAS_ROLES}


def _embedding(layer: LayerReport) -> bool:
    return "embedding" in _roles(layer)


_SPAN: list[tuple[Report, tuple[int, int] | None]] = []
"""The last report's recurrent span (one entry): the rewrites ask it of every layer, so a long chain finds it
once, not once a layer (which made `check` quadratic: 13 s on 1,000 stacked LSTMs)."""


def _recurrent_span(report: Report) -> tuple[int, int] | None:
    """The positions of the first and the last recurrent layer, or None when there is none."""
    cached = _SPAN[0] if _SPAN else None
    if cached is not None and cached[0] is report:
        return cached[1]
    where = [i for i, lay in enumerate(report.layers) if _recurrent(lay)]
    span = (where[0], where[-1]) if where else None
    _SPAN[:] = [(report, span)]
    return span


def _is_head(report: Report, k: int) -> bool:
    span = _recurrent_span(report)
    last_rnn = None if span is None else span[1]
    return last_rnn is not None and k > last_rnn and _dense(report.layers[k])


def _no_head(report: Report, k: int, c: Counting) -> Counting | None:
    return replace(c, dropped=True) if _is_head(report, k) else None


def _no_embedding(report: Report, k: int, c: Counting) -> Counting | None:
    return replace(c, dropped=True) if _embedding(report.layers[k]) else None


def _miscounted(delta: int) -> Rewrite:
    """A stack's count symbol (the plan's `counts`) one off: a layer or block forgotten, or one counted twice."""
    def rewrite(report: Report, k: int, c: Counting) -> Counting | None:
        counts = [s for s in report.layers[k].plan.counts if c.env.get(s, 0) + delta >= 1]
        if not counts:
            return None
        return replace(c, env={**c.env, **{s: c.env[s] + delta for s in counts[:1]}})
    return rewrite


CATALOGUE: tuple[Mistake, ...] = (
    Mistake("forgot_direction", 0, _forgot_direction),
    Mistake("one_layer_fewer", 0, _miscounted(-1)),
    Mistake("one_layer_more", 0, _miscounted(1)),
    Mistake("upper_layers_input", 0, _upper_layers_see_input),
    Mistake("swapped_input_hidden", 0, _swapped),
    Mistake("projection_ignored", 0, _no_projection),
    Mistake("no_bias", 1, _no_bias),
    Mistake("one_bias", 1, _one_bias),
    Mistake("two_biases", 1, _two_biases),
    Mistake("reset_after", 1, _reset_after_flip),
    Mistake("gates_1", 1, _gate_multiplier(1)),
    Mistake("gates_3", 1, _gate_multiplier(3)),
    Mistake("gates_4", 1, _gate_multiplier(4)),
    Mistake("double_direction", 1, _double_direction),
    Mistake("head_excluded", 2, _no_head),
    Mistake("embedding_excluded", 2, _no_embedding),
)
BY_KEY = {m.key: m for m in CATALOGUE}


@record
class Baseline:
    """Each layer counted without a mistake, made once per check: the hundred-odd trials reuse it, and a
    layer a trial leaves alone adds its known total instead of being evaluated again."""

    countings: tuple[Counting, ...]
    totals: tuple[int, ...]
    kinds: tuple[int, ...] = ()
    """Layers whose plans have the same blocks share a number: a counting evaluates to the same total on each."""
    memo: dict[tuple[object, ...], int] = field(default_factory=dict)
    """(kind, counting) -> total, filled as the trials go: a chain of 1,000 equal layers is evaluated once a
    trial, not 1,000 times (every trial evaluated each layer it changed: 22,000 evaluations for 1,000 LSTMs)."""

    def evaluate(self, k: int, c: Counting, layer: LayerReport) -> int:
        key = (self.kinds[k], frozenset(c.env.items()), c.drop, c.gates, c.copies, c.bias_factor, c.like_first,
               c.dropped)
        total = self.memo.get(key)
        if total is None:
            total = self.memo[key] = c.evaluate(layer)
        return total


def baseline(report: Report) -> Baseline:
    countings = tuple(Counting(dict(layer.plan.bindings)) for layer in report.layers)
    blocks: dict[object, int] = {}
    kinds = tuple(blocks.setdefault(layer.plan.blocks(), len(blocks)) for layer in report.layers)
    base = Baseline(countings, (), kinds)
    return replace(base, totals=tuple(base.evaluate(k, c, layer)
                                      for k, (c, layer) in enumerate(zip(countings, report.layers, strict=True))))


def apply(report: Report, mistakes: tuple[Mistake, ...], base: Baseline | None = None) -> int | None:
    """The total with the mistakes made on every layer they fit; None when one of them fits no layer."""
    base = base or baseline(report)
    countings = list(base.countings)
    for mistake in sorted(mistakes, key=lambda m: m.stage):
        hit = False
        for k, c in enumerate(countings):
            new = mistake.rewrite(report, k, c)
            if new is not None:
                hit, countings[k] = True, new
        if not hit:
            return None
    return sum(total if c is same else base.evaluate(k, c, layer) for k, (c, same, total, layer)
               in enumerate(zip(countings, base.countings, base.totals, report.layers, strict=True)))


@record
class Diagnosis:
    mistakes: tuple[str, ...]
    """Catalogue keys, or "other_framework" / "head_included" / "embedding_included"."""
    total: int
    values: Mapping[str, Any]
    """Numbers the explanation quotes (framework, units of a head, vocabulary of an embedding)."""


@record
class CheckResult:
    report: Report
    claimed: int
    diagnoses: tuple[Diagnosis, ...]
    other_frameworks: Mapping[str, int | None]
    common_divisor: int
    """Every tensor of the model has a size divisible by this; a claim that is not cannot be a sum of them."""

    @property
    def correct(self) -> bool:
        return self.claimed == self.report.total_params

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.report.framework, "claimed": self.claimed, "total_params": self.report.total_params,
            "correct": self.correct, "difference": self.claimed - self.report.total_params,
            "diagnoses": [{"mistakes": list(d.mistakes), "gives": d.total, **d.values} for d in self.diagnoses],
            "other_frameworks": dict(self.other_frameworks),
        }


def check_report(report: Report, claimed: int) -> CheckResult:
    others = {fw: _total(report, fw) for fw in FRAMEWORKS if FRAMEWORKS[fw].compared and fw != report.framework}
    divisor = 0
    for layer in report.layers:
        for t in layer.tensors:
            divisor = math.gcd(divisor, t.params)
    if claimed == report.total_params:
        return CheckResult(report, claimed, (), others, divisor)
    found: list[Diagnosis] = []
    base = baseline(report)
    for fw, total in others.items():
        if total == claimed:
            found.append(Diagnosis(("other_framework",), total, {"framework": fw}))
    for m in CATALOGUE:  # one mistake
        if apply(report, (m,), base) == claimed:
            found.append(Diagnosis((m.key,), claimed, {}))
    found += _extra_layer(report, claimed, report.total_params, ())
    found += _whole_model(report, claimed)
    if not found:  # two mistakes
        for a, b in itertools.combinations(CATALOGUE, 2):
            if a.key.split("_")[0] != b.key.split("_")[0] and apply(report, (a, b), base) == claimed:
                found.append(Diagnosis((a.key, b.key), claimed, {}))
        for m in CATALOGUE:
            with_one = apply(report, (m,), base)
            if with_one is not None:
                found += _extra_layer(report, claimed, with_one, (m.key,))
    return CheckResult(report, claimed, tuple(found), others, divisor)


def _extra_layer(report: Report, claimed: int, base: int, mistakes: tuple[str, ...]) -> list[Diagnosis]:
    """A claim above the count by exactly a Dense head or an Embedding table the model does not have."""
    extra = claimed - base
    if extra <= 0:
        return []
    last = report.layers[-1].output_shape
    features = last[-1] if isinstance(last, tuple) and last and isinstance(last[-1], int) else None
    out = []
    if features and not any(_is_head(report, k) for k in range(len(report.layers))):
        for bias in (True, False):
            units, rest = divmod(extra, features + (1 if bias else 0))
            if not rest and 0 < units <= MAX_HEAD_UNITS and bias:
                out.append(Diagnosis((*mistakes, "head_included"), claimed,
                                     {"units": units, "features": features, "bias": bias}))
                break
    first = next((lay for lay in report.layers if _recurrent(lay)), None)
    if first is not None and not _embedding(report.layers[0]):
        width = dict(first.plan.bindings).get("I")
        if width and extra % width == 0:
            out.append(Diagnosis((*mistakes, "embedding_included"), claimed,
                                 {"vocabulary": extra // width, "embedding": width}))
    return out


MAX_VOCAB_SHIFT = 128
"""A vocabulary off by fewer tokens than this is a padding question (50277 padded to 50280, a multiple of 8)."""


def _whole_model(report: Report, claimed: int) -> list[Diagnosis]:
    """Three mistakes of whole-model counts: another number of stacked blocks (each symbol of a plan's
    `counts`: L, a hybrid's L_att and L_mamba, xLSTM's n_m), a tied tensor counted a second time, the vocabulary
    V taken a few tokens off (its padding forgotten, or added where the model has none). Each is read off the
    plans: a layer's count under another value of its symbol."""
    out: list[Diagnosis] = []
    total = report.total_params
    for layer in report.layers:
        env = dict(layer.plan.bindings)
        for sym in layer.plan.counts:
            if sym not in env or not any(sym in c.symbols() for c, _ in layer.plan.blocks()):
                continue
            one, two = (Counting({**env, sym: n}).evaluate(layer) for n in (1, 2))
            rest, slope = claimed - (total - layer.params), two - one
            if slope > 0 and (rest - one) % slope == 0:
                layers = 1 + (rest - one) // slope
                if 0 < layers <= MAX_STACKED and layers != env[sym]:
                    out.append(Diagnosis(("layers_miscounted",), claimed,
                                         {"layers": layers, "actual": env[sym], "layer": layer.name,
                                          "symbol": sym}))
        if layer.spec is not None and layer.spec.tied and claimed - total == tied_size(report, layer):
            out.append(Diagnosis(("tied_counted_twice",), claimed,
                                 {"layer": layer.name, "tensors": ", ".join(layer.spec.tied)}))
    slope = sum(Counting({**dict(lay.plan.bindings), "V": dict(lay.plan.bindings)["V"] + 1}).evaluate(lay)
                - lay.params for lay in report.layers if "V" in lay.plan.bindings)
    vocab = next((dict(lay.plan.bindings)["V"] for lay in report.layers if "V" in lay.plan.bindings), None)
    if slope > 0 and vocab is not None and (claimed - total) % slope == 0:
        shift = (claimed - total) // slope
        if 0 < abs(shift) < MAX_VOCAB_SHIFT and vocab + shift > 0:
            out.append(Diagnosis(("vocabulary_padding",), claimed, {"vocabulary": vocab + shift, "actual": vocab}))
    return out


MAX_STACKED = 1_000


def tied_size(report: Report, layer: LayerReport) -> int:
    """How many numbers the layer's tied tensors hold: the layer counted on its own input without the tying."""
    from ..spec import ModelSpec
    from .count import count_model

    assert layer.spec is not None
    alone = replace(layer.spec, tied=(), input_shape=layer.input_shape)
    return count_model(ModelSpec(report.framework, (alone,), chain=False)).total_params - layer.params


def _total(report: Report, framework: str) -> int | None:
    columns = translate_report(report, framework)
    if any(c.params is None for c in columns):
        return None
    return sum(c.params or 0 for c in columns)


__all__ = ["CATALOGUE", "Baseline", "CheckResult", "Diagnosis", "apply", "baseline", "check_report"]
