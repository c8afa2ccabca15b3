"""Model code that builds the recurrent-block packages (minGRU-pytorch, sru, xlstm, ncps, fla, mamba.py): their
classes are layers of a PyTorch model by their qualified name (`mingru.minGRU`), their configurations and wirings
are values, not models, and a class of theirs that rnnparams does not model is refused by name, never skipped."""

from __future__ import annotations

import pytest

import rnnparams
from rnnparams.errors import RnnParamsError


def count(code: str) -> rnnparams.Report:
    return rnnparams.count(code)


def test_a_lower_case_class_is_counted_not_skipped() -> None:
    """minGRU's name starts in lower case; before, the reader took its call for a plain value and left it out."""
    report = count("import torch.nn as nn\nfrom minGRU_pytorch import minGRU\n"
                   "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                   "        self.emb = nn.Embedding(256, 64)\n        self.rnn = minGRU(64)\n"
                   "        self.head = nn.Linear(64, 256)\n")
    assert [t.name for layer in report.layers for t in layer.tensors] == [
        "emb.weight", "rnn.to_hidden_and_gate.weight", "head.weight", "head.bias"]
    assert report.layers[1].type == "mingru.minGRU"
    assert report.total_params == 256 * 64 + 2 * 64 * 64 + 64 * 256 + 256


def test_a_configuration_is_a_value_not_a_model() -> None:
    code = ("from ncps.torch import CfC\nfrom ncps.wirings import AutoNCP\n"
            "wiring = AutoNCP(28, 4)\nrnn = CfC(20, wiring)\n")
    report = count(code)
    assert report.name == "rnn" and report.layers[0].type == "ncps.CfC"


def test_a_field_of_a_configuration_is_read() -> None:
    code = ("import torch.nn as nn\nfrom mambapy.mamba import Mamba, MambaConfig\n"
            "config = MambaConfig(d_model=16, n_layers=2)\n"
            "class LM(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.mamba = Mamba(config)\n        self.head = nn.Linear(config.d_model, 10)\n"
            "model = LM()\n")
    assert count(code).layers[-1].tensors[0].shape == (10, 16)


def test_a_class_the_package_has_but_rnnparams_does_not_model_is_refused_by_name() -> None:
    code = ("import torch.nn as nn\nfrom minGRU_pytorch.minLM import minLM\n"
            "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            "        self.lm = minLM(num_tokens=256, dim=512, depth=6)\n")
    with pytest.raises(RnnParamsError, match="minGRU-pytorch that rnnparams does not model"):
        count(code)


def test_mamba_takes_its_config_or_keywords_not_both() -> None:
    assert count("mambapy.Mamba(d_model=16, n_layers=2)").total_params == count(
        "from mambapy.mamba import Mamba, MambaConfig\nm = Mamba(MambaConfig(16, 2))\n").total_params
    with pytest.raises(RnnParamsError, match="not both"):
        count("from mambapy.mamba import Mamba, MambaConfig\nm = Mamba(MambaConfig(16, 2), d_model=16)\n")
    with pytest.raises(RnnParamsError, match="d_model is required"):
        count("mambapy.Mamba(n_layers=2)")
