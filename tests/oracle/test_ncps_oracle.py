"""CfC and LTC (conventions/blocks/ncps.py) against ncps 1.0.1 (`ncps.torch`, its wirings) on CPU: tensors (the
frozen wiring masks as non-trainable parameters), totals, output and state shapes from a real forward, on table
cases and hypothesis-generated configurations."""

from __future__ import annotations

from typing import Any

import pytest
from blocks_oracle import check
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
ncps_torch = pytest.importorskip("ncps.torch", reason="ncps is not installed: pip install '.[test]'")
wirings = pytest.importorskip("ncps.wirings")

NS = {"CfC": ncps_torch.CfC, "LTC": ncps_torch.LTC, **{n: getattr(wirings, n) for n in
                                                      ("FullyConnected", "Random", "NCP", "AutoNCP")}}
FW = "ncps"


def run(module: Any, x: Any) -> tuple[Any, list[Any]]:
    out, hx = module(x)
    return out, list(hx) if isinstance(hx, tuple) else [hx]


@pytest.mark.parametrize("expr, shape", [
    ("CfC(20, 50)", (3, 20)),  # the package's docstring example
    ("CfC(20, AutoNCP(28, 4))", (3, 20)),
    ("CfC(5, 8, proj_size=3, mixed_memory=True, backbone_units=16, backbone_layers=3, backbone_dropout=0.1)",
     (4, 5)),
    ("CfC(5, 8, mode='pure', backbone_layers=0, return_sequences=False)", (4, 5)),
    ("CfC(5, 8, mode='no_gate', batch_first=False, activation='silu')", (4, 5)),
    ("CfC(6, NCP(5, 4, 3, 2, 2, 3, 2), mode='pure', proj_size=2)", (3, 6)),
    ("CfC(6, FullyConnected(7))", (3, 6)),
    ("LTC(20, 50)", (3, 20)),
    ("LTC(20, NCP(10, 10, 8, 6, 6, 4, 6))", (3, 20)),  # the package's docstring example
    ("LTC(6, AutoNCP(12, 3), mixed_memory=True, input_mapping='linear', output_mapping=None)", (3, 6)),
    ("LTC(6, Random(9, 4, sparsity_level=0.5), return_sequences=False)", (3, 6)),
    ("LTC(3, FullyConnected(5, 2), batch_first=False)", (4, 3)),
])
def test_table(expr: str, shape: tuple[int, ...]) -> None:
    check(expr, FW, NS, shape, run=run)


def test_published_example() -> None:
    # CfC(20, 50): backbone Linear(70, 128) + four heads Linear(128, 50), by hand
    assert rnnparams.count("CfC(20, 50)").total_params == (70 * 128 + 128) + 4 * (128 * 50 + 50)


@pytest.mark.parametrize("expr, words", [
    ("CfC(20, AutoNCP(5, 3))", "Output size must be less than"),
    ("CfC(20, AutoNCP(28, 4), backbone_units=64)", "Cannot use backbone_units in wired mode"),
    ("CfC(20, 5, mode='fast')", "mode"),
    ("CfC(20, 5, activation='swish')", "Unknown activation swish"),
    ("LTC(4, NCP(2, 2, 2, 3, 1, 1, 1))", "sensory_fanout is 3 but there are only 2 inter neurons"),
    ("AutoNCP(28, 4)", "is a wiring"),
])
def test_refusals(expr: str, words: str) -> None:
    with pytest.raises(rnnparams.RnnParamsError, match=words):
        rnnparams.count(expr, FW)
    if not expr.startswith("AutoNCP"):
        from blocks_oracle import build

        with pytest.raises(ValueError):
            build(expr, NS)


@st.composite
def wiring(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["int", "FullyConnected", "Random", "AutoNCP", "NCP"]))
    if kind == "int":
        return str(draw(st.integers(1, 9)))
    if kind in ("FullyConnected", "Random"):
        units = draw(st.integers(1, 9))
        out = draw(st.sampled_from([None, units]))
        level = f", sparsity_level={draw(st.sampled_from([0.0, 0.3, 0.6]))}" if kind == "Random" else ""
        return f"{kind}({units}, {out}{level})"
    if kind == "AutoNCP":
        units = draw(st.integers(4, 14))
        level = draw(st.sampled_from([0.1, 0.5, 0.9]))
        return f"AutoNCP({units}, {draw(st.integers(1, units - 3))}, sparsity_level={level})"
    inter, command, motor = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    return (f"NCP({inter}, {command}, {motor}, {draw(st.integers(1, inter))}, {draw(st.integers(1, command))}, "
            f"{draw(st.integers(0, 4))}, {draw(st.integers(1, command))})")


@settings(max_examples=100, deadline=None)
@given(units=wiring(), i=st.integers(1, 6), steps=st.integers(1, 3), seq=st.booleans(), mixed=st.booleans(),
       first=st.booleans(), data=st.data())
def test_random_cfc(units: str, i: int, steps: int, seq: bool, mixed: bool, first: bool, data: st.DataObject) -> None:
    args = [str(i), units, f"return_sequences={seq}", f"mixed_memory={mixed}", f"batch_first={first}",
            f"mode={data.draw(st.sampled_from(['default', 'pure', 'no_gate']))!r}"]
    wired = not units.isdigit()
    if not wired:
        args += [f"backbone_layers={data.draw(st.integers(0, 3))}", f"backbone_units={data.draw(st.integers(1, 9))}",
                 f"backbone_dropout={data.draw(st.sampled_from([0.0, 0.2]))}"]
    if data.draw(st.booleans()) and (not wired or units.startswith(("NCP", "AutoNCP")) or "None" in units):
        args.append(f"proj_size={data.draw(st.integers(1, 5))}")
    check(f"CfC({', '.join(args)})", FW, NS, (steps, i), run=run)


@settings(max_examples=100, deadline=None)
@given(units=wiring(), i=st.integers(1, 6), steps=st.integers(1, 3), seq=st.booleans(), mixed=st.booleans(),
       inmap=st.sampled_from(["affine", "linear", None]), outmap=st.sampled_from(["affine", "linear", None]))
def test_random_ltc(units: str, i: int, steps: int, seq: bool, mixed: bool, inmap: str | None,
                    outmap: str | None) -> None:
    expr = (f"LTC({i}, {units}, return_sequences={seq}, mixed_memory={mixed}, input_mapping={inmap!r}, "
            f"output_mapping={outmap!r}, ode_unfolds=2)")
    check(expr, FW, NS, (steps, i), run=run)
