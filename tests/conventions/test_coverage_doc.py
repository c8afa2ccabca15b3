"""docs/layers.md is generated from the conventions (rnnparams.conventions.coverage) and must not go stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rnnparams.conventions.coverage import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "layers.md"


def test_docs_layers_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/layers.md is stale: run  python -m rnnparams.conventions.coverage > docs/layers.md")


def test_the_generator_imports_no_framework() -> None:
    code = ("import sys; from rnnparams.conventions.coverage import render; render(); "
            "print(sorted(m for m in ('torch', 'keras', 'tensorflow', 'jax', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_every_refused_class_has_its_reason_in_the_table() -> None:
    from rnnparams.conventions import FRAMEWORKS

    text = render()
    for fw_id in FRAMEWORKS:
        fw = FRAMEWORKS[fw_id]
        for name in fw.refused if fw.coverage else ():
            assert f"| {name} | refused: " in text


def assert_index_is(index: tuple[tuple[str, tuple[str, ...]], ...], declared: dict[str, str]) -> None:
    """A lazy table's INDEX (module, names) names each name once, in the module that declares it, and none else."""
    indexed = {name: module for module, names in index for name in names}
    assert sum(len(names) for _, names in index) == len(indexed)
    assert indexed == declared


def modules_loaded(code: str, package: str) -> list[str]:
    """The modules of `package` a fresh interpreter has imported after running `code` (from the project root)."""
    code += f"; print(sorted(m for m in sys.modules if m.startswith('{package}.')))"
    out = subprocess.run([sys.executable, "-c", f"import sys, rnnparams; {code}"], capture_output=True, text=True,
                         timeout=60, check=True, cwd=Path(__file__).resolve().parents[2])
    return [m.rsplit(".", 1)[1] for m in eval(out.stdout.strip())]  # the list this test printed itself


def test_the_lazy_table_index_names_what_each_group_declares() -> None:
    """conventions/pytorch/table.py INDEX: each class in the group module that declares it, none twice or left out."""
    import importlib

    from rnnparams.conventions.pytorch.table import INDEX

    declared: dict[str, str] = {}
    for group in dict.fromkeys(g for g, _ in INDEX):
        module = importlib.import_module(f"rnnparams.conventions.pytorch.{group}")
        for conv in (*module.CONVENTIONS, *getattr(module, "MORE", ())):
            assert conv.type_name not in declared, conv.type_name
            declared[conv.type_name] = group
    assert_index_is(INDEX, declared)


def test_counting_an_lstm_builds_only_the_recurrent_conventions() -> None:
    loaded = modules_loaded("rnnparams.count('nn.LSTM(100, 256)')", "rnnparams.conventions.pytorch")
    assert loaded == ["common", "containers", "recurrent", "table"]


def test_the_transformers_table_index_names_what_each_module_declares() -> None:
    """conventions/transformers/__init__.py INDEX: each name in the module whose LAYERS declares it, none twice or
    left out, and every module of the package that declares layers is in it."""
    import importlib
    import pkgutil

    import rnnparams.conventions.transformers as package
    from rnnparams.conventions.transformers import INDEX

    declared: dict[str, str] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name in getattr(module, "LAYERS", {}):
            assert name not in declared, name
            declared[name] = info.name
    assert_index_is(INDEX, declared)


def test_counting_a_mamba2_config_builds_only_the_mamba_blocks() -> None:
    loaded = modules_loaded("rnnparams.count('tests/fixtures/configs/mamba2-defaults.json')",
                            "rnnparams.conventions.transformers")
    assert loaded == ["blocks", "builders", "common", "configs", "stacks"]
