"""`rnnparams frameworks` as text: one block per framework convention."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.frameworks import FrameworkInfo


def render_frameworks(rows: Sequence[FrameworkInfo]) -> str:
    width = max(len(r.id) for r in rows)
    out = []
    for r in rows:
        versions = ", ".join(f"{package} {version}" for package, version in r.verified_with)
        status = (f"verified against {versions}" if r.verified and versions else
                  "verified" if r.verified else "NOT verified (implemented from the documentation)")
        out.append(f"{r.id.ljust(width)}  {r.display} · {status}")
        out.append(f"{' ' * width}  layers: {', '.join(r.layers)}")
        if r.prefixes:
            out.append(f"{' ' * width}  written as: {' | '.join(p + '…' for p in r.prefixes)}")
        if r.syntax:
            out.append(f"{' ' * width}  e.g. {r.syntax}")
    return "\n".join(out)
