"""Activations against autograd (issue #19): the bytes `estimate` says training keeps equal, to the byte, the
storages autograd saves during the forward pass (saved_tensors_hooks, distinct storages, parameters and buffers
left out; benchmarks/validate_memory.py), over hypothesis-generated recurrent models in float32, float16 and
bfloat16, with and without batch_first, projections, dropout, bidirectional stacks feeding a head."""

from __future__ import annotations

import warnings

import pytest

import rnnparams

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore:TF32 acceleration")]
torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from validate_memory_module import validate_memory  # noqa: E402

vm = validate_memory()
BF16_ONEDNN: bool = vm.BF16_ONEDNN  # type: ignore[attr-defined]
model_kernels = vm.cpu_kernels_for  # type: ignore[attr-defined]
"""The kernel path torch takes on this machine, as `--cpu-kernels` names it: the model each case is compared with."""


def saved(model: str, batch: int, seq_len: int | None, dtype: str = "float32",
          input_shape: tuple[int, ...] | None = None, kernels: str = "onednn") -> tuple[int, int]:
    """(estimated activation bytes, bytes autograd saved) for one forward pass in training mode; kernels
    "native": oneDNN disabled, as torch.backends.mkldnn.flags(enabled=False) runs it."""
    est = rnnparams.estimate(model, input_shape=input_shape, batch=batch, seq_len=seq_len, dtype=dtype,
                             cpu_kernels=model_kernels(dtype, kernels))
    torch.manual_seed(0)
    chain = vm.build(model).to(vm.TORCH_DTYPES[dtype])  # type: ignore[attr-defined]
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=kernels == "onednn"):
        warnings.simplefilter("ignore")
        measured, _, _ = vm.saved_bytes(chain, vm.make_input(est))  # type: ignore[attr-defined]
    return est.memory_line("activations").value, measured


def test_issue_time_major_embedding_bilstm_head() -> None:
    """Issue #19: the tool said 1,602,816 B (it ran the LSTM over 8 steps of 20), autograd keeps 1,496,320."""
    ours, measured = saved("nn.Embedding(1000, 32); nn.LSTM(32, 64, bidirectional=True); nn.Linear(128, 5)", 8, 20)
    assert measured == 1_496_320
    assert ours == measured


def test_issue_bfloat16_lstm_onednn_workspace() -> None:
    """Issue #19: a bfloat16 nn.LSTM on CPU, "the tool said 24,000 bytes of activations, autograd kept 108,480".
    nn.LSTM(20, 40), 10 steps, batch 4 is such a case (so is nn.LSTM(10, 70), 6 steps, batch 4). By hand:

    - native cell: 2·T·B·(I + 7·H) = 2·10·4·300 = 24,000 (input, the 4H gate buffer, tanh(c_t), h_{t−1} and
      c_{t−1} for T − 1 steps, h_0 and c_0);
    - oneDNN bf16: input 1,600, zero h_0, c_0 640, output 3,200, h_T, c_T 640, and the workspace, its bf16
      widths padded to 32 numbers (g = 160, h = w = 64) and its float32 diff states to 16 (v = 48), each region
      on a 4 KiB page: gates 10·4·160·2 = 12,800 (at 0), h_t 10·4·64·2 = 5,120 (at 16,384), states
      2·11·4·64·2 = 11,264 (at 24,576), c 2·11·4·40·2 = 7,040 (at 36,864), two diff states 2·11·4·48·4 = 16,896
      (at 45,056 and 65,536), diff c 2·11·4·40·4 = 14,080 (at 86,016, ending at 100,096): 25 pages, 102,400;
      in all 108,480."""
    model, batch, steps = "nn.LSTM(20, 40)", 4, 10
    native = rnnparams.estimate(model, batch=batch, seq_len=steps, dtype="bfloat16", cpu_kernels="native")
    onednn = rnnparams.estimate(model, batch=batch, seq_len=steps, dtype="bfloat16", cpu_kernels="onednn")
    assert native.memory_line("activations").value == 2 * steps * batch * (20 + 7 * 40) == 24_000
    assert {a.key: a.value for a in onednn.layers[0].activations}["workspace"] == 25 * 4096
    assert onednn.memory_line("activations").value == 1_600 + 640 + 3_200 + 640 + 102_400 == 108_480
    assert onednn.layers[0].activation_model == "onednn"
    assert any("--cpu-kernels native" in w for w in onednn.warnings)
    ours, measured = saved(model, batch, steps, "bfloat16", kernels="onednn")  # the path torch takes here
    assert measured == (108_480 if BF16_ONEDNN else 24_000)
    assert ours == measured


@st.composite
def models(draw: st.DrawFn) -> tuple[str, int, int | None, str, tuple[int, ...] | None, str]:
    dtype = draw(st.sampled_from(["float32", "float16", "bfloat16"]))
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell"]))
    i, h = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    parts: list[str] = []
    head = draw(st.sampled_from(["none", "embedding", "frozen-embedding", "linear"]))
    batch = draw(st.integers(1, 4))
    if kind.endswith("Cell"):
        if head == "linear":
            parts.append(f"nn.Linear(3, {i})")
        parts.append(f"nn.{kind}({i}, {h}, bias={draw(st.booleans())})")
        width, seq_len, shape = h, None, None
    else:
        if head == "embedding":
            parts.append(f"nn.Embedding(20, {i})")
        elif head == "frozen-embedding":
            parts.append(f"nn.Embedding(20, {i}, _freeze=True)")
        elif head == "linear":
            parts.append(f"nn.Linear(3, {i})")
        layers, bi, bf = draw(st.integers(1, 3)), draw(st.booleans()), draw(st.booleans())
        args = f"{i}, {h}, num_layers={layers}, bidirectional={bi}, batch_first={bf}, bias={draw(st.booleans())}"
        if layers > 1 and draw(st.booleans()):
            args += ", dropout=0.25"
        proj = draw(st.integers(1, h - 1)) if kind == "LSTM" and h > 1 and draw(st.booleans()) else 0
        if proj:
            args += f", proj_size={proj}"
        parts.append(f"nn.{kind}({args})")
        width = (2 if bi else 1) * (proj or h)
        seq_len = draw(st.integers(1, 6))
        shape = (seq_len, 3) if head == "linear" else None
        if shape is not None:
            seq_len = None
    tail = draw(st.sampled_from(["none", "linear", "dropout-linear", "layernorm-linear"]))
    if tail == "dropout-linear":
        parts.append("nn.Dropout(0.2)")
    if tail == "layernorm-linear":
        parts.append(f"nn.LayerNorm({width})")
    if tail != "none":
        parts.append(f"nn.Linear({width}, 2)")
    return "; ".join(parts), batch, seq_len, dtype, shape, draw(st.sampled_from(["onednn", "native"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_activation_bytes_hypothesis(case: tuple[str, int, int | None, str, tuple[int, ...] | None, str]) -> None:
    model, batch, seq_len, dtype, shape, kernels = case
    ours, measured = saved(model, batch, seq_len, dtype, shape, kernels)
    assert ours == measured, case


@st.composite
def onednn_lstms(draw: st.DrawFn) -> tuple[str, int, int, str]:
    """nn.LSTM stacks on the oneDNN path, widths drawn across oneDNN's padding steps (32 bf16 numbers, 16 floats,
    the nudge off multiples of 256), bfloat16 weighted twice: the workspace layout differs by dtype."""
    i, h = draw(st.integers(1, 300)), draw(st.integers(1, 140))
    args = (f"{i}, {h}, num_layers={draw(st.integers(1, 2))}, bidirectional={draw(st.booleans())}, "
            f"batch_first={draw(st.booleans())}, bias={draw(st.booleans())}")
    tail = f"; nn.Linear({h * (2 if 'bidirectional=True' in args else 1)}, 3)" if draw(st.booleans()) else ""
    return (f"nn.LSTM({args}){tail}", draw(st.integers(1, 5)), draw(st.integers(1, 6)),
            draw(st.sampled_from(["bfloat16", "bfloat16", "float32"])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(onednn_lstms())
def test_onednn_lstm_bytes_hypothesis(case: tuple[str, int, int, str]) -> None:
    """On a CPU without torch's bf16 device check the bfloat16 cases run (and are compared as) the native cell."""
    model, batch, seq_len, dtype = case
    ours, measured = saved(model, batch, seq_len, dtype, kernels="onednn")
    assert ours == measured, case


def _unwrap(layer: object, x: object) -> object:
    out = layer(x)  # type: ignore[operator]
    return out[0] if isinstance(out, tuple) else out


def checkpointed(model: str, batch: int, seq_len: int | None) -> tuple[int, int]:
    """(estimated, measured) activation bytes with every layer checkpointed (torch.utils.checkpoint, not
    reentrant): measured as what the checkpointed forward leaves allocated (the CPU allocator's events under
    torch.profiler(profile_memory=True)), less the output, plus the model input the first checkpoint holds."""
    from torch.profiler import ProfilerActivity, profile
    from torch.utils.checkpoint import checkpoint

    est = rnnparams.estimate(model, batch=batch, seq_len=seq_len, checkpointing=True)
    torch.manual_seed(0)
    chain = vm.build(model)  # type: ignore[attr-defined]
    x = vm.make_input(est)  # type: ignore[attr-defined]
    with warnings.catch_warnings(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        warnings.simplefilter("ignore")
        y = x
        for layer in chain.layers:
            y = checkpoint(_unwrap, layer, y, use_reentrant=False)
    live = sum(e.nbytes() for e in prof.profiler.kineto_results.events() if e.name() == "[memory]")
    measured = live - y.numel() * y.element_size() + x.numel() * x.element_size()
    return est.memory_line("activations").value, measured


CHECKPOINTED = (
    ("nn.LSTM(16, 32, num_layers=2)", 4, 10),
    ("nn.Embedding(50, 8); nn.GRU(8, 16, batch_first=True, bidirectional=True); nn.Dropout(0.2); nn.Linear(32, 3)",
     4, 10),
    ("nn.LSTMCell(8, 16); nn.Linear(16, 2)", 5, None),
)


@pytest.mark.parametrize(("model", "batch", "seq_len"), CHECKPOINTED, ids=[c[0] for c in CHECKPOINTED])
def test_checkpointing_keeps_inputs_and_generator_state(model: str, batch: int, seq_len: int | None) -> None:
    ours, measured = checkpointed(model, batch, seq_len)
    assert ours == measured
