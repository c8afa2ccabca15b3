"""torch.autocast on CPU (issue #19 point 6): with `--autocast bf16|fp16` the activation bytes `estimate` gives equal,
to the byte, what autograd saves (saved_tensors_hooks, distinct storages, parameters left out) for one forward pass
of float32 parameters under torch.autocast("cpu", dtype): 16-bit activations, and the 16-bit weight copies autocast
makes and the backward needs (a matmul's cast weight for its input's gradient; all of oneDNN's LSTM weights and
biases). Layers autocast runs in float32 or in mixed dtypes are refused, and so is the case where torch crashes."""

from __future__ import annotations

import warnings

import pytest

import rnnparams
from rnnparams.analysis.estimate import Estimate
from rnnparams.errors import UsageError

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore:TF32 acceleration")]
torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from validate_memory_module import validate_memory  # noqa: E402

vm = validate_memory()
BF16_ONEDNN: bool = vm.BF16_ONEDNN  # type: ignore[attr-defined]
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def compare(model: str, batch: int, seq_len: int | None, cast: str,
            input_shape: tuple[int, ...] | None = None, kernels: str = "onednn") -> tuple[int, int]:
    """(estimated activation bytes, bytes autograd saved under torch.autocast("cpu", dtype)); `kernels` "native" is
    torch with oneDNN off, as `--cpu-kernels native` says."""
    est = rnnparams.estimate(model, batch=batch, seq_len=seq_len, input_shape=input_shape, autocast=cast,
                             cpu_kernels=kernels)
    return est.memory_line("activations").value, measure(model, est, cast, kernels)


def measure(model: str, est: Estimate, cast: str, kernels: str) -> int:
    torch.manual_seed(0)
    chain = vm.build(model)  # type: ignore[attr-defined]
    with warnings.catch_warnings(), torch.autocast("cpu", dtype=DTYPES[cast]), \
            torch.backends.mkldnn.flags(enabled=kernels == "onednn"):
        warnings.simplefilter("ignore")
        measured, _, _ = vm.saved_bytes(chain, vm.make_input(est))  # type: ignore[attr-defined]
    return int(measured)


def kernels_here(model: str, cast: str, kernels: str) -> str:
    """The kernels torch takes here: a bfloat16 LSTM runs oneDNN only where torch's bf16 device check passes (this
    kind of CPU: AVX-512); elsewhere the oracle compares the step-by-step path (oneDNN off)."""
    return "native" if cast == "bf16" and "LSTM" in model and not BF16_ONEDNN else kernels


def lstm_given_float32(model: str) -> bool:
    """An nn.LSTM without projection given float32 (no Linear before it): torch hands it to oneDNN whatever the CPU."""
    return "nn.LSTM(" in model and "proj_size" not in model and "nn.Linear" not in model.split("nn.LSTM(")[0]


TABLE = (  # (model, batch, steps, input shape, dtype, kernels, bytes autograd saved on this CPU: torch 2.13, AVX-512
    # bf16, saved_tensors_hooks over one forward under torch.autocast("cpu", dtype), distinct storages, no parameters)
    ("nn.Linear(8, 16); nn.ReLU(); nn.Linear(16, 4)", 4, None, None, "bf16", "onednn", 320),
    ("nn.RNN(20, 40)", 4, 10, None, "bf16", "onednn", 8_320),
    ("nn.Linear(5, 20); nn.RNN(20, 40, num_layers=2)", 4, None, (10, 5), "bf16", "onednn", 23_440),
    ("nn.LSTM(20, 40)", 4, 10, None, "bf16", "onednn", 128_320),
    ("nn.Embedding(30, 20); nn.LSTM(20, 40, batch_first=True); nn.Dropout(0.2); nn.Linear(40, 3)", 4, 10, None,
     "bf16", "onednn", 135_280),
    # refused before this commit (bidirectional, GRU, step-by-step and projected LSTMs, cells):
    ("nn.RNN(20, 40, bidirectional=True)", 4, 10, None, "bf16", "onednn", 16_640),
    ("nn.LSTM(20, 40, bidirectional=True)", 4, 10, None, "bf16", "onednn", 256_640),
    ("nn.GRU(8, 16)", 4, 5, None, "bf16", "onednn", 6_976),
    ("nn.LSTM(8, 16)", 4, 5, None, "fp16", "native", 8_128),
    ("nn.LSTM(8, 16, proj_size=4)", 4, 5, None, "bf16", "onednn", 7_392),
    ("nn.Linear(3, 8); nn.LSTM(8, 16)", 4, None, (5, 3), "fp16", "onednn", 7_992),
    ("nn.Embedding(1000, 32); nn.GRU(32, 64, bidirectional=True, batch_first=True); nn.Linear(128, 5)", 8, 20, None,
     "bf16", "onednn", 465_408),
    ("nn.Embedding(50, 16); nn.LSTM(16, 32, num_layers=2, bidirectional=True, dropout=0.2, batch_first=True); "
     "nn.Linear(64, 3)", 4, 6, None, "bf16", "native", 146_496),
    ("nn.GRUCell(8, 16)", 4, None, (8,), "bf16", "onednn", 1_088),
    # wrong before (38 and 2,680 B): one row makes the transposed view contiguous, so the RNN shares the ReLU's saved
    # output; a batch_first RNN's transposed output stays transposed through Tanh, so the Linear copies it
    ("nn.Linear(3, 2); nn.ReLU(); nn.RNN(2, 3, batch_first=True, nonlinearity='relu')", 1, None, (1, 3), "bf16",
     "onednn", 34),
    ("nn.Linear(3, 8); nn.RNN(8, 16, batch_first=True); nn.Tanh(); nn.Linear(16, 2)", 4, None, (5, 3), "bf16",
     "onednn", 3_320),
)


@pytest.mark.parametrize(("model", "batch", "steps", "shape", "cast", "kernels", "expected"), TABLE,
                         ids=[f"{t[0][:40]}-{t[4]}-{t[5]}" for t in TABLE])
def test_autocast_table(model: str, batch: int, steps: int | None, shape: tuple[int, ...] | None, cast: str,
                        kernels: str, expected: int) -> None:
    """By hand: nn.RNN(20, 40), 4 × 10: the input cast to bf16 (10·4·20·2 = 1,600), h_0 (4·40·2 = 320), the tanh
    output of every step (10·4·40·2 = 3,200) and the bf16 copy of W_hh its input gradient needs (40·40·2 = 3,200):
    8,320 (W_ih's copy is not kept: the input needs no gradient); bidirectional, each direction casts the float32
    input and keeps its own: 2 × 8,320. nn.GRU(8, 16), 4 × 5: the input (5·4·8·2 = 320), h_{t−1} cast every step
    (5·4·16·2 = 640), the gate buffers (5·4·48·2 = 1,920), tanh(n) and r's product (2·5·4·16·2 = 1,280), h − n in
    float32 (h_0 is float32 like the input: 5·4·16·4 = 1,280), W_hh's copy (16·48·2 = 1,536): 6,976.
    A bfloat16 LSTM given float32 input takes oneDNN's bf16 kernel only where torch's bf16 device check passes;
    elsewhere torch crashes there (checked, not skipped) and the step-by-step path is compared instead, whose bytes
    differ from this CPU's oneDNN ones."""
    here = kernels_here(model, cast, kernels)
    if here != kernels:
        if lstm_given_float32(model):
            with pytest.raises(RuntimeError):
                compare(model, batch, steps, cast, shape, kernels)
        ours, measured = compare(model, batch, steps, cast, shape, here)
        assert ours == measured
        return
    ours, measured = compare(model, batch, steps, cast, shape, kernels)
    assert measured == expected
    assert ours == measured
    if model == "nn.RNN(20, 40)":
        assert ours == 1_600 + 320 + 3_200 + 3_200
    if model == "nn.RNN(20, 40, bidirectional=True)":
        assert ours == 2 * (1_600 + 320 + 3_200 + 3_200)
    if model == "nn.GRU(8, 16)":
        assert ours == 320 + 640 + 1_920 + 1_280 + 1_280 + 1_536


HEADS = ("none", "embedding", "embedding-dropout", "linear", "linear-relu")
"""What feeds the recurrent layer: the float32 batch itself, an embedding's float32 lookup (through a float32
dropout), or a Linear's 16-bit output (through a 16-bit ReLU)."""


@st.composite
def autocast_models(draw: st.DrawFn) -> tuple[str, int, int | None, str, tuple[int, ...] | None, str]:
    """A recurrent layer (every kind, stacked, bidirectional, batch_first, projected, with dropout between layers)
    behind each kind of head and before an optional activation and Linear; a cell; or a small MLP."""
    cast = draw(st.sampled_from(["bf16", "fp16"]))
    kind = draw(st.sampled_from(["RNN", "GRU", "LSTM", "LSTM", "MLP", "RNNCell", "GRUCell", "LSTMCell"]))
    i, h, batch = draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 4))
    act = draw(st.sampled_from(["nn.ReLU()", "nn.GELU()", "nn.Tanh()", "nn.Sigmoid()", "nn.Dropout(0.3)"]))
    if kind == "MLP":
        return f"nn.Linear({i}, {h}); {act}; nn.Linear({h}, 3)", batch, None, cast, None, "onednn"
    if kind.endswith("Cell"):  # one step, fed the float32 batch or a Linear's 16-bit output
        linear = draw(st.booleans())
        parts = [f"nn.Linear(3, {i})"] * linear + [f"nn.{kind}({i}, {h}, bias={draw(st.booleans())})"]
        if draw(st.booleans()):
            parts += [act, f"nn.Linear({h}, 2)"]
        return "; ".join(parts), batch, None, cast, (3,) if linear else (i,), "onednn"
    parts: list[str] = []
    head = draw(st.sampled_from(HEADS))
    steps = draw(st.integers(1, 6))
    shape: tuple[int, ...] | None = None
    if head.startswith("embedding"):
        parts += [f"nn.Embedding(15, {i})"] + (["nn.Dropout(0.2)"] if head == "embedding-dropout" else [])
    elif head.startswith("linear"):
        parts += [f"nn.Linear(3, {i})"] + (["nn.ReLU()"] if head == "linear-relu" else [])
        shape = (steps, 3)
    layers, two = draw(st.integers(1, 3)), draw(st.booleans())
    args = f"{i}, {h}, num_layers={layers}, bidirectional={two}, batch_first={draw(st.booleans())}, " \
           f"bias={draw(st.booleans())}"
    if layers > 1 and draw(st.booleans()):
        args += ", dropout=0.25"
    if kind == "RNN" and draw(st.booleans()):
        args += ", nonlinearity='relu'"
    out = h
    if kind == "LSTM" and draw(st.booleans()):
        out = draw(st.integers(1, h - 1)) if h > 1 else 0
        args += f", proj_size={out}" if out else ""
        out = out or h
    parts.append(f"nn.{kind}({args})")
    if draw(st.booleans()):
        parts += [act, f"nn.Linear({out * (2 if two else 1)}, 2)"]
    kernels = draw(st.sampled_from(["onednn", "native"])) if kind == "LSTM" else "onednn"
    model = "; ".join(parts)
    return model, batch, None if shape else steps, cast, shape, kernels_here(model, cast, kernels)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(autocast_models())
def test_autocast_hypothesis(case: tuple[str, int, int | None, str, tuple[int, ...] | None, str]) -> None:
    """Exact to the byte; where the estimate refuses (an LSTM given float32 input under float16 autocast through
    oneDNN), torch crashes too."""
    model, batch, steps, cast, shape, kernels = case
    try:
        ours, measured = compare(model, batch, steps, cast, shape, kernels)
    except UsageError as refused:
        assert "torch crashes" in str(refused), case
        est = rnnparams.estimate(model, batch=batch, seq_len=steps, input_shape=shape, cpu_kernels="native",
                                 autocast=cast)
        with pytest.raises(RuntimeError, match="primitive descriptor"):
            measure(model, est, cast, kernels)
        return
    assert ours == measured, case


@pytest.mark.parametrize(("model", "cast", "why"), [
    ("nn.Conv1d(8, 8, 3)", "bf16", "not measured"),
    ("nn.LSTM(8, 16)", "fp16", "torch crashes"),
    ("nn.Linear(8, 8); nn.LayerNorm(8)", "bf16", "not measured"),
    ("Sequential([Input((5, 8)), LSTM(16)])", "bf16", "PyTorch models only"),
])
def test_autocast_refusals(model: str, cast: str, why: str) -> None:
    """What torch does there (measured, docs/estimates.md): a float16 LSTM given float32 input raises through oneDNN;
    LayerNorm keeps float32 tensors beside the 16-bit ones, convolutions are not measured yet; the error says why
    and what is modelled."""
    with pytest.raises(UsageError, match=why):
        rnnparams.estimate(model, batch=2, seq_len=5, autocast=cast)
    if model == "nn.LSTM(8, 16)":
        with pytest.raises(RuntimeError, match="primitive descriptor"), torch.autocast("cpu", dtype=torch.float16):
            vm.build(model)(torch.randn(5, 2, 8))  # type: ignore[attr-defined]


def test_autocast_frozen_recurrent_weight_refused() -> None:
    """A frozen W_hh is cast again at every step (autocast caches the casts of leaves that need a gradient only) and
    each copy is kept where h_{t−1} needs a gradient: nn.Linear(3, 8); nn.RNN(8, 16) on (4, 5, 3), read time-major
    (T = 4, B = 5), keeps the input's cast (4·5·3·2 = 120), the Linear's output (4·5·8·2 = 320), W_ih's copy
    (8·16·2 = 256), the tanh outputs (4·5·16·2 = 640) and W_hh's copy at steps 2..4 (3·16·16·2 = 1,536), and not
    h_{t−1} (no weight gradient reads it): 2,872, measured. Refused, with the reason."""
    from rnnparams._record import replace
    from rnnparams.api import to_spec

    spec = to_spec("nn.Linear(3, 8); nn.RNN(8, 16)", None, (5, 3))
    frozen = replace(spec, layers=(spec.layers[0], replace(spec.layers[1], frozen=("weight_hh_l0",))))
    with pytest.raises(UsageError, match="frozen weight again"):
        rnnparams.estimate(frozen, batch=4, seq_len=None, autocast="bf16")
    torch.manual_seed(0)
    chain = vm.build("nn.Linear(3, 8); nn.RNN(8, 16)")  # type: ignore[attr-defined]
    chain.layers[1].weight_hh_l0.requires_grad_(False)
    with warnings.catch_warnings(), torch.autocast("cpu", dtype=torch.bfloat16):
        warnings.simplefilter("ignore")
        measured, _, _ = vm.saved_bytes(chain, torch.randn(4, 5, 3))  # type: ignore[attr-defined]
    assert measured == 120 + 320 + 256 + 640 + 3 * 512
