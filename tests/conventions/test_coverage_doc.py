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
