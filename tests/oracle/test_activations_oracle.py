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


def saved(model: str, batch: int, seq_len: int | None, dtype: str = "float32",
          input_shape: tuple[int, ...] | None = None, kernels: str = "onednn") -> tuple[int, int]:
    """(estimated activation bytes, bytes autograd saved) for one forward pass in training mode; kernels
    "native": oneDNN disabled, as torch.backends.mkldnn.flags(enabled=False) runs it."""
    est = rnnparams.estimate(model, input_shape=input_shape, batch=batch, seq_len=seq_len, dtype=dtype,
                             cpu_kernels=kernels)
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
