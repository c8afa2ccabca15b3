"""minGRU/minLSTM (conventions/blocks/mingru.py) against minGRU-pytorch 0.2.1 and SRU (conventions/blocks/sru.py)
against sru 2.6.0 (its CPU path; the CUDA kernels are not built), on CPU: tensors, totals, output and state
shapes from a real forward, on table cases and hypothesis-generated configurations."""

from __future__ import annotations

import pytest
from blocks_oracle import check
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
mingru = pytest.importorskip("minGRU_pytorch", reason="minGRU-pytorch is not installed: pip install '.[test]'")
sru = pytest.importorskip("sru", reason="sru is not installed: pip install '.[test]'")

from minGRU_pytorch.minLSTM import minLSTM  # noqa: E402

MIN = {"minGRU": mingru.minGRU, "minLSTM": minLSTM}
SRU = {"SRU": sru.SRU, "SRUCell": sru.SRUCell}


def run_min(module: object, x: object) -> tuple[object, list[object]]:
    out, hidden = module(x, return_next_prev_hidden=True)  # type: ignore[operator]
    return out, [hidden]


@pytest.mark.parametrize("expr, shape", [
    ("minGRU(512)", (7, 512)),
    ("minGRU(dim=64, expansion_factor=1.5)", (5, 64)),
    ("minLSTM(64, expansion_factor=2.0, proj_out=False)", (5, 64)),
    ("minLSTM(dim=10, proj_out=True)", (3, 10)),
    ("minGRU(7, 0.5)", (1, 7)),
])
def test_min_table(expr: str, shape: tuple[int, ...]) -> None:
    check(expr, "mingru", MIN, shape, run=run_min)


def test_min_published_forms() -> None:
    # the paper's minGRU: the candidate and the gate are two d×d_h maps of x_t (section 3.1), no biases here
    assert rnnparams.count("minGRU(512)").total_params == 2 * 512 * 512
    # minLSTM with expansion 1.5 and the output projection: 3·d·d_h + d_h·d
    assert rnnparams.count("minLSTM(512, expansion_factor=1.5)").total_params == 4 * 512 * 768


@pytest.mark.parametrize("kind", ["minGRU", "minLSTM"])  # 100 configurations of each
@settings(max_examples=100, deadline=None)
@given(dim=st.integers(2, 24),
       factor=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), proj=st.sampled_from([None, True, False]),
       steps=st.integers(1, 4))
def test_min_random(kind: str, dim: int, factor: float, proj: bool | None, steps: int) -> None:
    check(f"{kind}({dim}, expansion_factor={factor}, proj_out={proj})", "mingru", MIN, (steps, dim), run=run_min)


@pytest.mark.parametrize("expr, shape", [
    ("SRU(10, 8)", (5, 10)),
    ("SRU(8, 8, num_layers=1)", (5, 8)),
    ("SRU(10, 8, num_layers=3, bidirectional=True, projection_size=4, layer_norm=True, "
     "proj_input_to_hidden_first=True)", (5, 10)),
    ("SRU(6, 4, layer_norm=True, normalize_after=True, has_skip_term=False)", (3, 6)),
    ("SRU(6, 4, nn_rnn_compatible_return=True, bidirectional=True)", (3, 6)),
    ("SRU(12, 4, projection_size=20)", (3, 12)),
    ("SRUCell(5, 5)", (3, 5)),
    ("SRUCell(5, 3, bidirectional=True, n_proj=2, layer_norm=True)", (3, 5)),
])
def test_sru_table(expr: str, shape: tuple[int, ...]) -> None:
    check(expr, "sru", SRU, shape)


def test_sru_refuses_a_custom_module() -> None:
    with pytest.raises(rnnparams.RnnParamsError, match="custom_m= replaces"):
        rnnparams.count("SRU(4, 4, custom_m=Linear(4, 12))", "sru")


@settings(max_examples=100, deadline=None)
@given(cell=st.booleans(), i=st.integers(1, 9), h=st.integers(1, 9), layers=st.integers(1, 3),
       bidir=st.booleans(), proj=st.integers(0, 10), ln=st.booleans(), after=st.booleans(), skip=st.booleans(),
       first=st.booleans(), compat=st.booleans(), steps=st.integers(1, 3))
def test_sru_random(cell: bool, i: int, h: int, layers: int, bidir: bool, proj: int, ln: bool, after: bool,
                    skip: bool, first: bool, compat: bool, steps: int) -> None:
    common = f"bidirectional={bidir}, layer_norm={ln}, normalize_after={after}, has_skip_term={skip}"
    expr = (f"SRUCell({i}, {h}, n_proj={proj}, {common})" if cell else
            f"SRU({i}, {h}, num_layers={layers}, projection_size={proj}, {common}, "
            f"proj_input_to_hidden_first={first}, nn_rnn_compatible_return={compat})")
    check(expr, "sru", SRU, (steps, i))
