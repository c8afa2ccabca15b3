"""Reading model code never runs it (issue #5, point 5), and no input makes the reader work long or build
anything large: each case ends quickly, counted or refused with an RnnParamsError."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import rnnparams
from rnnparams.errors import RnnParamsError

EVIL = '''
import os, shutil, subprocess, importlib
import torch.nn as nn
SENTINEL = {sentinel!r}
os.system("touch " + SENTINEL)
open(SENTINEL, "w").write("x")
__import__("os").system("touch " + SENTINEL)
eval("__import__('os').system('touch ' + SENTINEL)")
exec("open(SENTINEL, 'w')")
compile("open(SENTINEL, 'w')", "f", "exec")
subprocess.run(["touch", SENTINEL])
shutil.copy("/etc/hostname", SENTINEL)
importlib.import_module("os").system("touch " + SENTINEL)
getattr(__builtins__, "open")(SENTINEL, "w")
(lambda: os.system("touch " + SENTINEL))()
globals()["x"] = open(SENTINEL, "w")
breakpoint()
input("never asked")

def side_effect(x=os.system("touch " + SENTINEL)):
    return open(SENTINEL, "w")

side_effect()

@(lambda f: os.system("touch " + SENTINEL) or f)
def decorated():
    pass

class Net(nn.Module):
    os.system("touch " + SENTINEL)
    leaked = open(SENTINEL, "w")
    width = "{{0.__class__.__mro__}}".format(1)

    def __init__(self, hidden=len(str(os.system("touch " + SENTINEL))) or 8):
        super().__init__()
        open(SENTINEL, "w").close()
        os.system("touch " + SENTINEL)
        subprocess.Popen(["touch", SENTINEL])
        setattr(self, "x", eval("1"))
        self.rnn = nn.LSTM(4, 8)

net = Net()
'''


def test_hostile_code_is_counted_without_running_anything(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    model = tmp_path / "evil.py"
    model.write_text(EVIL.format(sentinel=str(sentinel)))
    report = rnnparams.count(str(model))
    assert report.total_params == 4 * 8 * (4 + 8 + 2)
    rnnparams.models_in_file(str(model))
    assert not sentinel.exists()
    out = subprocess.run([sys.executable, "-m", "rnnparams", "count", str(model), "--emit-spec", "yaml"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert not sentinel.exists()


def test_hostile_code_with_no_model_is_refused_without_running(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    code = f"import os\nos.system('touch {sentinel}')\nopen('{sentinel}', 'w')\n"
    with pytest.raises(RnnParamsError, match="no model found"):
        rnnparams.count(code + "import torch\n")
    assert not sentinel.exists()


def _fails_fast(code: str, *, limit: float = 10.0) -> RnnParamsError | None:
    start = time.perf_counter()
    try:
        rnnparams.count(code)
        error = None
    except RnnParamsError as exc:
        error = exc
    assert time.perf_counter() - start < limit
    return error


@pytest.mark.parametrize("code", [
    "import torch.nn as nn\nx = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n",
    "import torch.nn as nn\nx = " + "[" * 10_000 + "]" * 10_000 + "\n",
    "import torch.nn as nn\nx = " + "f(" * 10_000 + ")" * 10_000 + "\n",
    "import torch.nn as nn\n" + "".join(" " * i + "if True:\n" for i in range(10_000)) + " " * 10_000 + "x = 1\n",
    "import torch.nn as nn\nx = " + "+".join(["1"] * 100_000) + "\nrnn = nn.LSTM(x, 4)\n",
    "import torch.nn as nn\nx = " + "-" * 100_000 + "1\n",
    "import torch.nn as nn\nx = " + ".".join(["a"] * 50_000) + "\n",
])
def test_deep_nesting_fails_cleanly(code: str) -> None:
    error = _fails_fast(code)
    assert error is not None


@pytest.mark.parametrize("code", [
    "import torch.nn as nn\ns = 'x' * 10**9\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nl = [0] * 10**9\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nh = 10**10**10\nrnn = nn.LSTM(4, h)\n",
    "import torch.nn as nn\nh = 2 << 10**6\nrnn = nn.LSTM(4, h)\n",
    "import torch.nn as nn\nh = len(list(range(10**12)))\nrnn = nn.LSTM(4, h)\n",
    "import torch.nn as nn\ns = f'{1:>1000000000}'\nh = len(s)\nrnn = nn.LSTM(4, h)\n",
    "import torch.nn as nn\ns = '%1000000000d' % 1\nh = len(s)\nrnn = nn.LSTM(4, h)\n",
    "import torch.nn as nn\nh = int('9' * 100000)\nrnn = nn.LSTM(4, h)\n",
    "import torch.nn as nn\nwhile True:\n    pass\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\ni = 0\nwhile True:\n    i += 1\nrnn = nn.LSTM(4, i)\n",
    "import torch.nn as nn\ndef f(n):\n    return f(n + 1)\nrnn = nn.LSTM(4, f(1))\n",
    "import torch.nn as nn\nx = []\nfor i in range(10**8):\n    x.append(i)\nrnn = nn.LSTM(4, len(x))\n",
    "import torch.nn as nn\nx = ['a']\nfor i in range(60):\n    x = x + x\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nfor i in range(999):\n    for j in range(999):\n        y = i * j\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nlayers = nn.ModuleList([nn.Linear(4, 4) for _ in range(10**6)])\n",
    # values built to be exponential (2**40 elements when walked) that Python would compare, hash or print
    "import torch.nn as nn\na = [1]\nfor _ in range(40):\n    a = [a, a]\nb = a == a\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\na = (1,)\nfor _ in range(40):\n    a = (a, a)\nd = {a: 1}\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\na = [1]\nfor _ in range(40):\n    a = [a, a]\ns = f'{a}'\nrnn = nn.LSTM(4, len(s))\n",
    "import torch.nn as nn\na = [1]\nfor _ in range(40):\n    a = [a, a]\nn = sorted([a, a])\nrnn = nn.LSTM(4, 4)\n",
    # a diamond of classes whose method lookups would walk 2**40 paths
    "import torch.nn as nn\nclass A0: pass\n" + "".join(f"class A{i + 1}(A{i}): pass\nclass B{i + 1}(A{i}): pass\n"
                                                    f"class C{i + 1}(A{i + 1}, B{i + 1}): pass\n" for i in range(40))
    + "x = C40()\nrnn = nn.LSTM(4, 4)\n",
    # widths, digits and products that would build gigabytes or compute for hours
    "import torch.nn as nn\ns = '{:>{}}'.format('a', 10**9)\nrnn = nn.LSTM(4, len(s))\n",
    "import torch.nn as nn\nx = round(5, -(1 << 60))\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nx = 7 ** 1000\nfor _ in range(30):\n    x = x * x\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nx = 3 << 4000\ny = x << 4000\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nn = len(range(1 << 4000))\nrnn = nn.LSTM(4, 4)\n",
    "import torch.nn as nn\nseq = nn.Sequential(nn.Linear(4, 4)) * 10**9\n",
])
def test_expensive_code_is_bounded(code: str) -> None:
    _fails_fast(code)


def test_huge_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text("import torch.nn as nn\n" + "# padding\n" * 1_100_000 + "rnn = nn.LSTM(4, 4)\n")
    assert big.stat().st_size > 10_000_000
    with pytest.raises(RnnParamsError, match="too large"):
        rnnparams.count(str(big))


def test_many_layers_are_fine() -> None:
    report = rnnparams.count("import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n"
                             "        super().__init__()\n"
                             "        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(500)])\nm = M()\n")
    assert len(report.layers) == 500 and report.total_params == 500 * 20
