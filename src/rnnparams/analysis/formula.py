"""Closed-form formulas, derived from the conventions' symbolic shapes (never typed in by hand).

A layer's formula is the sum over its plan's family blocks of `copies × (sum of its tensors' sizes)`, each
block factored the way people write it (`4·H·(I + H + 2)`). A model's formula links layers through their
feature symbols, so that `Embedding(V, E); LSTM(H)` reads `V·E + 4·H·(E + H + 1)` rather than two unrelated
inputs; a symbol that a later layer reuses for a different size gets a subscript (`H_2`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .._record import field, record
from ..conventions.base import LayerPlan, TensorSpec
from ..symbolic import (
    Add,
    Const,
    Expr,
    Mul,
    Sym,
    add,
    factor,
    fold_sums,
    has_inner_sum,
    mul,
    product,
    render_latex,
)
from .report import LayerReport, Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def block_size(tensors: tuple[TensorSpec, ...]) -> Expr:
    """Number of parameters of one block, factored: sum of the products of the tensor shapes."""
    return factor(add(*(product(t.shape) for t in tensors)))


def layer_formula(plan: LayerPlan) -> Expr:
    """The layer's closed form in its own symbols, valid for every value of them (L, D included)."""
    return add(*(mul(copies, block_size(tensors)) for copies, tensors in plan.blocks()))


@record
class Derivation:
    """A formula worked out step by step: symbols, then the same with numbers, then partial results.

    `steps` are expressions built without constant folding, so a renderer can show `64 × 165` verbatim."""

    formula: Expr
    env: Mapping[str, int]
    steps: tuple[Expr, ...]
    result: int


def derive(formula: Expr, env: Mapping[str, int]) -> Derivation:
    steps: list[Expr] = []
    if has_inner_sum(formula):
        steps.append(fold_sums(formula, env))
    if isinstance(formula, Add):
        steps.append(Add(tuple(Const(t.evaluate(env)) for t in formula.terms)))
    return Derivation(formula, env, tuple(steps), formula.evaluate(env))


def concrete_formula(plan: LayerPlan) -> Expr:
    """The layer's formula for this configuration: blocks with no copies are dropped, one copy is implicit.

    Kept unfolded (`D × 4·H·(…)`) so an explanation shows where each factor comes from."""
    terms: list[Expr] = []
    env = dict(plan.bindings)
    for copies, tensors in plan.blocks():
        n = copies.evaluate(env)
        if n == 0 or not tensors:
            continue
        block = block_size(tensors)
        terms.append(block if n == 1 else Mul((copies, block)))
    if not terms:
        return Const(0)
    return terms[0] if len(terms) == 1 else Add(tuple(terms))


@record
class Symbol:
    name: str
    """Name in the model formula (H, H_2...)."""
    base: str
    """The convention's own symbol (H)."""
    value: int
    layer: str
    layer_type: str
    words: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """The words the layer's convention brings (the meaning of a symbol the shared tables lack)."""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "layer": self.layer, "meaning": self.base}


@record
class LayerFormula:
    name: str
    type: str
    formula: Expr
    params: int


@record
class ModelFormula:
    framework: str
    formula: Expr
    symbols: tuple[Symbol, ...]
    layers: tuple[LayerFormula, ...]
    total: int

    @property
    def env(self) -> dict[str, int]:
        return {s.name: s.value for s in self.symbols}

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework, "formula": self.formula.render(), "latex": render_latex(self.formula),
            "symbols": [s.to_dict() for s in self.symbols], "total_params": self.total,
            "layers": [{"name": lf.name, "type": lf.type, "formula": lf.formula.render(),
                        "latex": render_latex(lf.formula), "params": lf.params} for lf in self.layers],
        }


def model_formula(report: Report) -> ModelFormula:
    symbols: dict[str, Symbol] = {}
    feature: Expr | None = None
    layers: list[LayerFormula] = []
    env: dict[str, int] = {}
    taken: dict[str, int] = {}
    for layer in report.layers:
        rename = _rename(layer, feature, symbols, env, taken)
        formula = layer_formula(layer.plan).subs(rename)
        layers.append(LayerFormula(layer.name, layer.type, formula, layer.params))
        feature = _output_feature(layer, feature, rename)
    total = add(*(lf.formula for lf in layers))
    model = ModelFormula(report.framework, total, tuple(symbols.values()), tuple(layers), report.total_params)
    assert total.evaluate(model.env) == report.total_params, "formula and count disagree"
    return model


def _rename(layer: LayerReport, feature: Expr | None, symbols: dict[str, Symbol], env: dict[str, int],
            taken: dict[str, int]) -> dict[str, Expr]:
    """The layer's symbols renamed apart from the earlier layers' (H, then H_2, H_3 ...). `env` (every symbol's
    value) and `taken` (the last suffix each base name got) grow with `symbols`, so that a chain of a thousand
    layers costs a thousand times one layer, not a million."""
    plan = layer.plan
    bindings = dict(plan.bindings)
    linked, _ = plan.features
    rename: dict[str, Expr] = {}
    if linked is not None and feature is not None and feature.evaluate(env) == bindings.get(linked):
        rename[linked] = feature
    for base, value in bindings.items():
        if base in rename:
            continue
        name, n = base, taken.get(base, 0)
        while name in symbols:
            n = max(n, 1) + 1
            name = f"{base}_{n}"
        taken[base] = max(n, 1)
        symbols[name] = Symbol(name, base, value, layer.name, layer.type, layer.words)
        env[name] = value
        rename[base] = Sym(name)
    return rename


def _output_feature(layer: LayerReport, feature: Expr | None, rename: Mapping[str, Expr]) -> Expr | None:
    out = layer.plan.features[1]
    if out is not None:
        return out.subs(rename)
    shape_in, shape_out = layer.input_shape, layer.output_shape
    passthrough = (not layer.multi_output and bool(shape_in) and bool(shape_out)
                   and shape_in[-1] == shape_out[-1])
    return feature if passthrough else None


__all__ = ["Derivation", "ModelFormula", "Sym", "concrete_formula", "derive", "layer_formula", "model_formula"]
