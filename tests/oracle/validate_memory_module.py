"""benchmarks/validate_memory.py as a module, loaded once: the oracle tests reuse its measurement code (a real
training step on CPU, the bytes autograd saves) rather than each carrying a copy of the loader."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "validate_memory.py"


def validate_memory() -> ModuleType:
    if "validate_memory" in sys.modules:
        return sys.modules["validate_memory"]
    spec = importlib.util.spec_from_file_location("validate_memory", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["validate_memory"] = module
    spec.loader.exec_module(module)
    return module
