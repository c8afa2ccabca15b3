"""Counting reuses an earlier layer equal to this one but for its name (`count.Chain.equal`): a checkpoint of
10,000 alike layers plans one. Every report must be what counting each layer afresh gives — names, tensor
names and shapes, plans, warnings — whatever mixture of named and unnamed, equal and different layers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams._record import replace
from rnnparams.analysis import count
from rnnparams.spec import ModelSpec

LAYERS = ("nn.LSTM(8, 8)", "nn.GRU(8, 8, num_layers=2)", "nn.Linear(8, 8)", "nn.LayerNorm(8)", "nn.ReLU()",
          "nn.Softmax()", "nn.Dropout(0.1)")
"""All take and give 8 features on a (5, 8) input, so any order chains; nn.Softmax() warns (its implicit dim),
naming the layer: such a plan is never reused."""


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(LAYERS), st.sampled_from([None, "enc", "dec", "a.b"])), min_size=1,
                max_size=12))
def test_reused_layers_report_as_counted_afresh(layers: list[tuple[str, str | None]]) -> None:
    specs = tuple(replace(rnnparams.count(text).layers[0].spec, name=name) for text, name in layers)  # type: ignore[arg-type]
    spec = ModelSpec("pytorch", specs, (5, 8))
    reused = count.count_model(spec)
    saved = count._equal_key
    try:
        count._equal_key = lambda *args: None  # type: ignore[assignment]
        fresh = count.count_model(spec)
    finally:
        count._equal_key = saved
    assert reused == fresh
    assert [[t.name for t in layer.plan.tensors] for layer in reused.layers] == \
        [[t.name for t in layer.plan.tensors] for layer in fresh.layers]


def test_a_stack_of_equal_layers_is_planned_once() -> None:
    import pytest

    planned = []
    context = count.LayerContext
    spec = rnnparams.count("nn.LSTM(8, 8)").layers[0].spec
    assert spec is not None
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(count, "LayerContext", lambda *args: planned.append(args[1]) or context(*args))
        report = count.count_model(ModelSpec("pytorch", tuple(replace(spec, name=f"l{i}") for i in range(50)), None))
    assert planned == ["l0", "l1"]  # the first sees the unknown model input, the rest the (T, B, 8) before them
    assert [t.name for t in report.layers[49].tensors][:1] == ["l49.weight_ih_l0"]
