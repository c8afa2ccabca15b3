"""`rnnparams inspect DIR/` as text: the config's count against the tensors its safetensors files hold."""

from __future__ import annotations

from ..analysis.hubdir import DirectoryCheck
from ..conventions import FRAMEWORKS
from ..conventions.base import fmt_shape
from .i18n import HUBDIR, cjk_punct, num, t

ROWS = 20


def render_directory(check: DirectoryCheck, lang: str = "en") -> str:
    def w(key: str, **values: object) -> str:
        return t(HUBDIR, key, lang).format(**values)

    r = check.report
    out = [w("title", directory=check.directory, model=r.name or "model", config=check.config,
             framework=FRAMEWORKS[r.framework].display),
           w("totals", total=num(r.total_params), files=", ".join(check.files), stored=num(check.file_params))]
    if check.matches:
        out.append(w("match"))
    else:
        out.append(w("differ"))
        groups = (("missing", [f"{n} {fmt_shape(s)}" for n, s in check.missing]),
                  ("unexpected", [f"{n} {fmt_shape(s)}" for n, s in check.unexpected]),
                  ("mismatched", [f"{n}: " + w("counted_stored", counted=fmt_shape(a), stored=fmt_shape(b))
                                  for n, a, b in check.mismatched]))
        for key, lines in groups:
            if lines:
                out.append("  " + w(key, n=num(len(lines))))
                out += [f"    {line}" for line in lines[:ROWS]]
                if len(lines) > ROWS:
                    out.append("    " + w("more", n=num(len(lines) - ROWS)))
    if check.tied_stored:
        out.append(w("tied", names=", ".join(check.tied_stored)))
    text = "\n".join(out)
    return cjk_punct(text) if lang == "zh" else text
