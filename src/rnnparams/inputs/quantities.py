"""Budgets and ranges as people write them (`10M`, `8GiB`, `1T`, `64..1024:64`, `1,10,100`), parsed exactly:
integers only, so a budget of 10M is 10,000,000 and never 9,999,999.999."""

from __future__ import annotations

import re

from ..errors import UsageError

DECIMAL = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "B": 10**9, "T": 10**12, "P": 10**15}
"""Counts (parameters, FLOPs): SI prefixes; B (billion) is G."""
BINARY = {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
BYTES_DECIMAL = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
MAX_POINTS = 10_000
"""A sweep on the command line takes at most this many values (the web API: 1,000)."""

_NUMBER = re.compile(r"^\s*(\d+(?:[.,_]\d+)*)\s*([A-Za-z]*)\s*$")


def parse_budget(text: str | int, kind: str) -> int:
    """`kind` "params" or "flops": 10M = 10,000,000, 1.5G, 1T; "bytes": 8GiB (binary), 8GB (decimal), 512MiB,
    or a plain number of bytes. Fractions are allowed where they give a whole number (1.5M)."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise UsageError(f"a budget must be >= 0 (got {text})")
        return text
    if not isinstance(text, str):
        raise UsageError(f"a budget must be a number such as 10M, not {text!r}")
    m = _NUMBER.match(text)
    units = {k: v for k, v in (BINARY | BYTES_DECIMAL).items()} if kind == "bytes" else DECIMAL
    examples = "8GiB, 512MiB, 2GB or 1000000" if kind == "bytes" else "10M, 1.5G, 1T or 10000000"
    if m is None or m.group(2).upper() not in units:
        valid = ", ".join(u for u in (("KiB", "MiB", "GiB", "TiB", "KB", "MB", "GB", "TB") if kind == "bytes"
                                      else ("K", "M", "G (or B)", "T", "P")))
        raise UsageError(f"budget {text!r} is not a {'size in bytes' if kind == 'bytes' else 'count'}; write it "
                         f"like {examples} (units: {valid})")
    digits, unit = m.group(1).replace(",", "").replace("_", ""), m.group(2).upper()
    whole, _, frac = digits.partition(".")
    scale = units[unit]
    numerator = int(whole + frac) * scale
    denominator = 10 ** len(frac)
    if numerator % denominator:
        raise UsageError(f"budget {text!r} is not a whole number of {'bytes' if kind == 'bytes' else 'units'}")
    return int(numerator // denominator)


def parse_values(text: str, what: str = "values") -> tuple[int, ...]:
    """`64..1024:64` (start..stop inclusive, step; default step 1), or a list `1,10,100`; whole numbers >= 0."""
    text = text.strip()
    if ".." in text:
        m = re.fullmatch(r"(\d+)\s*\.\.\s*(\d+)(?:\s*:\s*(\d+))?", text)
        if m is None:
            raise UsageError(f"{what} {text!r}: write a range as START..STOP or START..STOP:STEP "
                             "(64..1024:64), or a list 1,10,100")
        start, stop, step = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
        if step <= 0:
            raise UsageError(f"{what} {text!r}: the step must be positive")
        if stop < start:
            raise UsageError(f"{what} {text!r}: the range ends ({stop}) before it starts ({start})")
        count = (stop - start) // step + 1
        if count > MAX_POINTS:
            raise UsageError(f"{what} {text!r} has {count:,} values; at most {MAX_POINTS:,} (use a larger step)")
        return tuple(range(start, stop + 1, step))
    parts = [p.strip() for p in text.split(",")]
    if not parts or any(not p.isdigit() for p in parts):
        raise UsageError(f"{what} {text!r}: write a list of whole numbers (1,10,100) or a range "
                         "START..STOP:STEP (64..1024:64)")
    if len(parts) > MAX_POINTS:
        raise UsageError(f"{what} {text!r} has {len(parts):,} values; at most {MAX_POINTS:,}")
    return tuple(int(p) for p in parts)


__all__ = ["MAX_POINTS", "parse_budget", "parse_values"]
