"""Coverage is a test: every public class of torch.nn.modules (torch 2.13) is either modelled by the PyTorch
conventions or refused with a reason the user sees, in an expression, a spec file and model code alike."""

from __future__ import annotations

import json

import pytest

import rnnparams
from rnnparams.conventions import FRAMEWORKS
from rnnparams.errors import InputError

torch = pytest.importorskip("torch")
PYTORCH = FRAMEWORKS["pytorch"]


def public_classes() -> list[str]:
    import importlib

    module = importlib.import_module(PYTORCH.coverage)
    return [name for name in module.__all__ if isinstance(getattr(module, name), type)]


def test_every_class_is_modelled_or_refused() -> None:
    classes = public_classes()
    assert len(classes) >= 160
    missing = [c for c in classes if c not in PYTORCH.layers and c not in PYTORCH.refused]
    assert missing == []
    assert not set(PYTORCH.layers) & set(PYTORCH.refused)
    assert all(len(reason) > 20 for reason in PYTORCH.refused.values())


def test_nothing_modelled_that_torch_lacks() -> None:
    """Every convention names a class of torch.nn (nn.Parameter: a module's own tensor, read from code)."""
    classes = set(public_classes())
    assert set(PYTORCH.layers) - classes == {"Parameter"}
    assert set(PYTORCH.refused) <= classes


CODE_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Module")
"""What the code reader follows as containers (and nn.Module, every model's base class)."""


@pytest.mark.parametrize("name", sorted(FRAMEWORKS["pytorch"].refused))
def test_a_refused_class_says_why_everywhere(name: str) -> None:
    from rnnparams.inputs.specfile import load_spec

    reason = PYTORCH.refused[name]
    if name not in PYTORCH.containers:  # nn.Sequential(...) is how an expression chains layers
        with pytest.raises(InputError) as err:
            rnnparams.count(f"nn.Linear(2, 2); nn.{name}()")
        assert reason in str(err.value) and "unknown layer" not in str(err.value)
    if name not in CODE_CONTAINERS:
        with pytest.raises(InputError) as err:
            rnnparams.count(f"import torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n"
                            f"        super().__init__()\n        self.x = nn.Linear(2, 2)\n"
                            f"        self.y = nn.{name}('LSTM', 2, 3)\n")
        assert reason in str(err.value)
    spec = json.dumps({"framework": "pytorch", "layers": [{"type": name}]})
    with pytest.raises(InputError) as err:
        load_spec(spec, "json", source_name="m.json")
    assert reason in str(err.value)
