"""docs/layers.md: every class of each framework's layer module, counted or refused (and why), with what rnnparams
derives for it, generated from the conventions alone (no framework is imported):

    python -m rnnparams.conventions.coverage > docs/layers.md

A framework gets a section by naming the module its conventions are checked against
(`FrameworkConvention.coverage`); tests/conventions/test_coverage_*.py enumerate the real module's classes and
tests/conventions/test_coverage_doc.py fails when docs/layers.md is stale.
"""

from __future__ import annotations

from . import FRAMEWORKS
from .base import FrameworkConvention, LayerConvention

HEADER = """# Layers: what rnnparams counts, class by class

Generated from the conventions by `python -m rnnparams.conventions.coverage > docs/layers.md` (do not edit by
hand: `tests/conventions/test_coverage_doc.py` fails when this file is stale). For each framework, every public
class of its layer module is either counted (its tensors exactly as the framework names them, and its output
shapes) or refused with the reason the user is told instead of "unknown layer".

Columns: **estimate**: memory and FLOPs are modelled (`rnnparams estimate`, docs/estimates.md); **compare**:
the neutral family it writes (`rnnparams compare` translates other frameworks' layers into it), "reads" when it
reads into a family another class writes, — when it has none (a layer without parameters then translates as
nothing); **checkpoints**: `rnnparams inspect` recognises it from its tensors' names and shapes (by its path
where the shapes cannot tell it from another layer); **verified**: how the class is checked against the real
package.
"""


def _family(conv: LayerConvention) -> str:
    writes = ", ".join(conv.equivalent.writes)
    if conv.equivalent.read is None:
        return "—"
    return writes or "reads"


def _row(fw: FrameworkConvention, conv: LayerConvention) -> str:
    estimate = "yes" if fw.runtime is not None else "—"
    recognised = "yes" if conv.recognise is not None else "—"
    package = ", ".join(f"{name} {version}" for name, version in fw.verified_with) or "its documentation"
    verified = f"oracle against {package}" if fw.verified else "from its documentation"
    return f"| {conv.type_name} | counted | {estimate} | {_family(conv)} | {recognised} | {verified} |"


def section(fw: FrameworkConvention) -> str:
    """One framework's table: its layers and its refused classes, in alphabetical order."""
    counted = {name: conv for name, conv in fw.layers.items() if name != "Parameter"}
    rows = {name: _row(fw, conv) for name, conv in counted.items()}
    for name, reason in fw.refused.items():
        rows[name] = f"| {name} | refused: {reason.replace('|', '/')} | — | — | — | the refusal (coverage test) |"
    lines = [f"## {fw.display} (`{fw.coverage}`)", "",
             f"{len(counted)} classes counted, {len(fw.refused)} refused. `nn.Parameter` attributes of a module are "
             "counted too, by the code reader." if "Parameter" in fw.layers else
             f"{len(counted)} classes counted, {len(fw.refused)} refused.", "",
             "| class | counted | estimate | compare | checkpoints | verified |", "|---|---|---|---|---|---|"]
    lines += [rows[name] for name in sorted(rows, key=str.lower)]
    if fw.aliases:
        ordered = sorted(fw.aliases.items(), key=lambda a: a[0].lower())
        names = ", ".join(f"`{alias}` ({name})" for alias, name in ordered)
        lines += ["", f"Also read under their other names: {names}."]
    return "\n".join(lines)


def render() -> str:
    sections = [section(FRAMEWORKS[fw_id]) for fw_id in FRAMEWORKS if FRAMEWORKS[fw_id].coverage]
    return HEADER + "\n" + "\n\n".join(sections) + "\n"


if __name__ == "__main__":
    print(render(), end="")
