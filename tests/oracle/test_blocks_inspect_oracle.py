"""inspect on safetensors files written from the real packages' state_dicts: SRU stacks and minGRU/minLSTM
(with their output projection) are recognised below any module path, with the package's own arguments, and the
count of each recognised layer is checked against the file's tensors (conventions/blocks/ recognisers)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
torch = pytest.importorskip("torch")
sru = pytest.importorskip("sru", reason="sru is not installed: pip install '.[test]'")
mingru = pytest.importorskip("minGRU_pytorch", reason="minGRU-pytorch is not installed: pip install '.[test]'")
safetensors_torch = pytest.importorskip("safetensors.torch")

from minGRU_pytorch.minLSTM import minLSTM  # noqa: E402


def save(modules: dict[str, Any], path: Path) -> int:
    model = torch.nn.Module()
    for name, module in modules.items():
        model.add_module(name, module)
    safetensors_torch.save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return sum(p.numel() for p in model.parameters())


def test_a_model_mixing_packages(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = save({"emb": torch.nn.Embedding(100, 16), "rnn": sru.SRU(16, 32, num_layers=3, layer_norm=True),
                      "mix": minLSTM(32, expansion_factor=1.5), "head": torch.nn.Linear(32, 5)}, tmp_path / "m.st")
    ins = rnnparams.inspect(tmp_path / "m.st")
    by_name = {layer.name: layer for layer in ins.layers}
    assert by_name["rnn"].type == "SRU" and by_name["mix"].type == "minLSTM"
    assert sum(layer.params for layer in ins.layers) == total


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(i=st.integers(1, 12), h=st.integers(1, 12), layers=st.integers(1, 3), proj=st.integers(0, 8),
       ln=st.booleans(), after=st.booleans(), skip=st.booleans(), first=st.booleans(),
       kind=st.sampled_from(["minGRU", "minLSTM"]), dim=st.integers(1, 12), factor=st.sampled_from([0.5, 1.5, 2.0]))
def test_random(tmp_path: Path, i: int, h: int, layers: int, proj: int, ln: bool, after: bool, skip: bool,
                first: bool, kind: str, dim: int, factor: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rnn = sru.SRU(i, h, num_layers=layers, projection_size=proj, layer_norm=ln, normalize_after=after,
                      has_skip_term=skip, proj_input_to_hidden_first=first)
        mix = (mingru.minGRU if kind == "minGRU" else minLSTM)(dim, expansion_factor=factor, proj_out=True)
    if int(dim * factor) == 0:
        return
    total = save({"encoder": rnn, "mixer": mix}, tmp_path / "r.st")
    ins = rnnparams.inspect(tmp_path / "r.st")
    assert {layer.name: layer.type for layer in ins.layers} == {"encoder": "SRU", "mixer": kind}
    assert sum(layer.params for layer in ins.layers) == total
