"""`rnnparams inspect` as text: the file's totals, its dtypes, the recognised layers and the tensor list."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.inspect import Inspection, RecognisedLayer
from ..conventions.base import fmt_shape
from .i18n import num

DEFAULT_TENSOR_ROWS = 100


def human_bytes(n: int) -> str:
    """1,023 B, 1.5 KiB, 2.00 GiB: binary units, three significant figures."""
    if n < 1024:
        return f"{n:,} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        value /= 1024
        if value < 1024 or unit == "PiB":
            return f"{value:.2f} {unit}" if value < 10 else f"{value:.1f} {unit}" if value < 100 else \
                f"{value:.0f} {unit}"
    raise AssertionError("unreachable")


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str, indent: str = "  ") -> list[str]:
    """Aligned columns: `align` has one letter per column, l(eft) or r(ight)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return indent + "  ".join(c.rjust(w) if a == "r" else c.ljust(w)
                                  for c, w, a in zip(cells, widths, align, strict=True)).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _summary(ins: Inspection) -> list[str]:
    ck = ins.checkpoint
    out = [f"{ck.path}: {ck.description}, {human_bytes(ck.file_size)} ({num(ck.file_size)} bytes)"]
    meta = ", ".join(f"{k} {v}" for k, v in ck.metadata.items() if k != "model_name")
    if meta:
        out.append(f"  {meta}")
    derived = " (derived from the model config)" if ins.derived else ""
    out.append(f"Parameters:   {num(ins.total_params)}{derived}")
    if ins.buffers:
        out.append(f"Buffers:      {num(ins.buffers)} (non-parameter state such as BatchNorm running statistics)")
    out.append(f"Tensors:      {num(len(ins.tensors))}")
    line = f"Tensor data:  {human_bytes(ins.tensor_bytes)} ({num(ins.tensor_bytes)} bytes)"
    if ck.stored_bytes is not None and not ins.derived:
        line += f", {_share(ck.stored_bytes, ck.file_size)} of the file"
        overhead = ck.file_size - ck.stored_bytes
        if overhead >= 0:
            line += f" (headers and metadata: {human_bytes(overhead)})"
    out.append(line)
    return out


def _dtypes(ins: Inspection) -> list[str]:
    rows = [(d, num(n), num(p), human_bytes(b)) for d, n, p, b in ins.by_dtype()]
    if not rows:
        return []
    return ["", "By dtype", *table(("dtype", "tensors", "elements", "bytes"), rows, "lrrr")]


def _flag(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


def _layer_type(layer: RecognisedLayer) -> str:
    cell = layer.summary.get("cell")
    return f"{layer.type}({cell})" if cell else layer.type


def _recurrent(ins: Inspection) -> list[str]:
    layers = ins.recurrent_layers
    if not layers:
        return []
    header = ("layer", "type", "input", "hidden", "layers", "directions", "proj", "bias", "params", "from")
    rows = []
    for x in layers:
        s = x.summary
        proj = s.get("proj_size")
        rows.append((x.name or "(root)", _layer_type(x), _flag(s.get("input_size")), _flag(s.get("hidden_size")),
                     _flag(s.get("num_layers")), _flag(s.get("directions")), _flag(proj) if proj else "-",
                     _flag(s.get("bias")), num(x.params), _source(x)))
    out = ["", "Recurrent layers", *table(header, rows, "llrrrrrlrl")]
    extras = []
    for x in layers:
        more = {k: v for k, v in x.summary.items() if k in ("reset_after", "merge_mode", "linear_before_reset",
                                                            "onnx_nodes")}
        if more:
            extras.append(f"  {x.name}: " + ", ".join(f"{k}={_extra(v)}" for k, v in more.items()))
    return out + extras


def _extra(value: object) -> str:
    if isinstance(value, tuple):
        return "+".join(str(v) for v in value)
    return _flag(value)


def _source(layer: RecognisedLayer) -> str:
    where = "config" if layer.source == "config" else layer.evidence
    return f"{layer.framework} {where}"


def _others(ins: Inspection) -> list[str]:
    layers = [x for x in ins.layers if not x.recurrent]
    if not layers:
        return []
    rows = [(x.name or "(root)", x.type, num(x.params), num(x.buffers) if x.buffers else "-", _source(x))
            for x in layers]
    return ["", "Other layers", *table(("layer", "type", "params", "buffers", "from"), rows, "llrrl")]


def _tensors(ins: Inspection, limit: int | None) -> list[str]:
    if not ins.tensors:
        return []
    unrecognised = set(ins.unrecognised)
    shown = ins.tensors if limit is None else ins.tensors[:limit]
    rows = []
    for t in shown:
        mark = " (buffer)" if t.name in ins.buffer_names else ""
        mark += f" (= {t.alias_of})" if t.alias_of else ""
        mark += " (unrecognised)" if t.name in unrecognised else ""
        rows.append((t.name + mark, fmt_shape(t.shape), t.dtype, num(t.numel), human_bytes(t.nbytes)))
    title = "Tensors (derived from the model config)" if ins.derived else "Tensors"
    out = ["", title, *table(("name", "shape", "dtype", "elements", "bytes"), rows, "lllrr")]
    if len(shown) < len(ins.tensors):
        out.append(f"  … {num(len(ins.tensors) - len(shown))} more (--all-tensors lists them all)")
    return out


def _verdict(ins: Inspection) -> list[str]:
    out = [""]
    ck = ins.checkpoint
    if ins.spec is None or ins.spec_report is None:
        out.append("Spec: no layer is recognised, so there is no spec to write.")
    else:
        total = ins.spec_report.total_params
        line = (f"Spec: {len(ins.spec.layers)} layer(s), {ins.spec.framework}, counting {num(total)} parameters"
                + (f" and {num(ins.spec_report.buffers)} buffer elements" if ins.spec_report.buffers else ""))
        difference = ins.spec_difference or 0
        if difference == 0:
            out.append(line + ": equal to the checkpoint's total.")
        elif difference > 0:
            out.append(line + f": {num(difference)} fewer than the checkpoint's total.")
        else:
            tied = sum(t.numel for t in ins.tensors if t.alias_of is not None)
            out.append(line + f": {num(-difference)} more than the checkpoint's total"
                       + (f" (tied tensors, {num(tied)} elements, are stored and counted once in the checkpoint; "
                          "the spec has each layer hold its own)." if tied else "."))
        out.append(f"  rnnparams inspect {ck.path} --as-spec > model.json   then   rnnparams count model.json")
    if ins.unrecognised:
        elements = sum(t.numel for t in ins.tensors if t.name in set(ins.unrecognised) and t.alias_of is None)
        out.append(f"Unrecognised: {num(len(ins.unrecognised))} tensor(s), {num(elements)} elements, belong to no "
                   "recognised layer (marked in the tensor list); the spec leaves them out.")
    if ins.left_out:
        out.append(f"Left out of the spec: {', '.join(ins.left_out)}")
    if ins.notes:
        out.append("Notes:")
        out.extend(f"  - {n}" for n in ins.notes)
    return out


def render_inspect(ins: Inspection, *, tensor_rows: int | None = DEFAULT_TENSOR_ROWS) -> str:
    """The inspection as text; `tensor_rows` caps the tensor list (None: every tensor)."""
    lines = [*_summary(ins), *_dtypes(ins), *_recurrent(ins), *_others(ins), *_tensors(ins, tensor_rows),
             *_verdict(ins)]
    return "\n".join(lines)
