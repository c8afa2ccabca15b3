"""Inspecting checkpoints of many small tensors (issue 21: 10,000 tensors in under 0.5 s, and linear): a
safetensors file whose tensors name no layer, one whose tensors each look like a layer, at two sizes, and the
same as torch.save zips when torch is installed. Files are written to a temporary directory. Run by hand, under
nice:

    PYTHONPATH=src nice -n 10 python benchmarks/inspect_many.py
"""

from __future__ import annotations

import json
import os
import struct
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent.resolve()
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/inspect.py is not the stdlib's

from rnnparams import api  # noqa: E402


def write(path: str, n: int, layers: bool) -> None:
    header, offset = {}, 0
    for i in range(n):
        header[f"layer{i}.weight" if layers else f"t{i}"] = {"dtype": "F32", "shape": [2],
                                                             "data_offsets": [offset, offset + 8]}
        offset += 8
    raw = json.dumps(header).encode()
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw + b"\0" * offset)


def write_torch(path: str, n: int, layers: bool) -> bool:
    """The same tensors as a torch.save state_dict (a zip of data.pkl and one storage file each); False
    without torch."""
    try:
        import torch
    except ImportError:
        return False
    torch.save({f"layer{i}.weight" if layers else f"t{i}": torch.zeros(2) for i in range(n)}, path)
    return True


def main() -> int:
    print(f"load average {os.getloadavg()[0]:.2f}; CPU seconds of api.inspect + to_dict, best of 3")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix, writer in ((".safetensors", write), (".pt", write_torch)):
            for layers in (False, True):
                for n in (2_500, 10_000):
                    path = os.path.join(tmp, f"{n}{suffix}")
                    if writer(path, n, layers) is False:
                        print(f"{suffix}: torch is not installed, skipped")
                        break
                    best = float("inf")
                    for _ in range(3):
                        start = time.process_time()
                        api.inspect(path).to_dict()
                        best = min(best, time.process_time() - start)
                    kind = "each a layer (layer{i}.weight)" if layers else "no layer (t{i})"
                    print(f"{suffix:12s} {n:>6,} tensors, {kind:32s} {best:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
