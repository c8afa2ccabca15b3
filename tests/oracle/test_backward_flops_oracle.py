"""Training FLOPs against torch (issue #19): the matrix-product MACs of a forward and a backward pass, op by op,
equal to what torch.utils.flop_counter.FlopCounterMode counts on one training step of the same model, the
recurrent modules rebuilt from explicit products (torch_rebuild.py: FlopCounterMode counts nothing inside
nn.LSTM on CPU). Input gradients are skipped where autograd skips them: the first trainable layer's input, a
frozen embedding's output, the zero initial state of a recurrent layer's first step."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore:TF32 acceleration")]
torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch_rebuild import explicit_forward, matmul_flops  # noqa: E402
from validate_memory_module import validate_memory  # noqa: E402

vm = validate_memory()


def check(model: str, batch: int, seq_len: int | None, input_shape: tuple[int, ...] | None = None) -> None:
    cfg = vm.Config("x", model, batch, seq_len, input_shape=input_shape)  # type: ignore[attr-defined]
    est = vm.estimate_of(cfg)  # type: ignore[attr-defined]
    torch.manual_seed(0)
    chain = vm.build(model)  # type: ignore[attr-defined]
    x = vm.make_input(est)  # type: ignore[attr-defined]
    torch.manual_seed(1)
    with torch.no_grad():  # the rebuild computes what the modules compute (dropout off to compare)
        chain.eval()
        assert torch.allclose(explicit_forward(chain.layers, x), chain(x), atol=1e-5, rtol=1e-4), model
        chain.train()
    forward, backward = matmul_flops(chain.layers, x)
    assert forward == 2 * est.compute_line("macs_batch").value, model
    ours = sum(layer.compute_line("macs_backward_batch").value for layer in est.layers)
    assert backward == 2 * ours, (model, backward // 2, ours)


TABLE = (
    ("nn.LSTM(6, 8)", 3, 5),  # the first layer: no input gradient
    ("nn.LSTM(6, 8, num_layers=2, bidirectional=True, batch_first=True)", 2, 4),
    ("nn.LSTM(6, 8, proj_size=3, num_layers=2)", 2, 3),
    ("nn.GRU(5, 7, bias=False); nn.Linear(7, 2)", 2, 4),
    ("nn.RNN(4, 6, nonlinearity='relu', num_layers=3, dropout=0.5)", 2, 3),
    ("nn.Embedding(30, 6); nn.LSTM(6, 8, bidirectional=True); nn.Linear(16, 5)", 2, 4),  # time-major tokens
    ("nn.Embedding(30, 6, _freeze=True); nn.GRU(6, 8, batch_first=True)", 2, 4),  # frozen: no gradient reaches it
    ("nn.Linear(6, 6); nn.LSTM(6, 8)", 2, None, (1, 6)),  # one step: h_0 needs no gradient
    ("nn.LSTMCell(6, 8); nn.Linear(8, 3)", 4, None),
    ("nn.Linear(5, 6); nn.GRUCell(6, 4)", 4, None),
)


@pytest.mark.parametrize("case", TABLE, ids=[t[0] for t in TABLE])
def test_backward_macs_table(case: tuple[object, ...]) -> None:
    check(*case)  # type: ignore[arg-type]


def test_layers_backward_macs() -> None:
    """Convolutions, pooling, norms and attention: FlopCounterMode sees their products directly."""
    check("nn.Conv1d(3, 4, 3); nn.ReLU(); nn.Conv1d(4, 2, 2, stride=2)", 2, None, (3, 11))
    check("nn.Conv2d(2, 3, 3, padding=1); nn.BatchNorm2d(3); nn.MaxPool2d(2); nn.Flatten(); nn.Linear(12, 2)",
          2, None, (2, 4, 4))
    check("nn.Linear(8, 8); nn.MultiheadAttention(8, 2, batch_first=True)", 2, None, (5, 8))
    check("nn.Linear(8, 8); nn.LayerNorm(8); nn.Linear(8, 3)", 3, None, (4, 8))


@st.composite
def recurrent_chains(draw: st.DrawFn) -> tuple[str, int, int | None]:
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell"]))
    i, h = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    parts: list[str] = []
    head = draw(st.sampled_from(["none", "embedding", "frozen-embedding", "linear"]))
    if head == "embedding":
        parts.append(f"nn.Embedding(20, {i})")
    elif head == "frozen-embedding":
        parts.append(f"nn.Embedding(20, {i}, _freeze=True)")
    elif head == "linear":
        parts.append(f"nn.Linear(3, {i})")
    bias = draw(st.booleans())
    if kind.endswith("Cell"):
        if head in ("embedding", "frozen-embedding"):
            parts = [f"nn.Linear(3, {i})"]
        parts.append(f"nn.{kind}({i}, {h}, bias={bias})")
        width = h
        seq_len = None
    else:
        layers, bi, bf = draw(st.integers(1, 3)), draw(st.booleans()), draw(st.booleans())
        args = f"{i}, {h}, num_layers={layers}, bidirectional={bi}, batch_first={bf}, bias={bias}"
        if layers > 1 and draw(st.booleans()):
            args += ", dropout=0.3"
        proj = draw(st.integers(1, h - 1)) if kind == "LSTM" and h > 1 and draw(st.booleans()) else 0
        if proj:
            args += f", proj_size={proj}"
        parts.append(f"nn.{kind}({args})")
        width = (2 if bi else 1) * (proj or h)
        seq_len = draw(st.integers(1, 4))
    if draw(st.booleans()):
        parts.append(f"nn.Linear({width}, 2)")
    return "; ".join(parts), draw(st.integers(1, 3)), seq_len


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recurrent_chains())
def test_backward_macs_hypothesis(case: tuple[str, int, int | None]) -> None:
    model, batch, seq_len = case
    if model.startswith("nn.Linear(3") and seq_len is not None:  # a Linear first: the input shape fixes time
        check(model, batch, None, (seq_len, 3))
    else:
        check(model, batch, seq_len)


@pytest.mark.parametrize("case", TABLE[:3] + TABLE[5:6], ids=[t[0] for t in TABLE[:3] + TABLE[5:6]])
def test_checkpointing_runs_the_forward_again(case: tuple[object, ...]) -> None:
    """With every layer checkpointed, FlopCounterMode's backward holds the forward once more (the whole forward:
    checkpoint's early stop, on by default, skips a layer's last products when no saved tensor needs them, e.g. a
    final Linear's matmul, so it is turned off here; docs/estimates.md)."""
    from torch.utils.checkpoint import checkpoint, set_checkpoint_early_stop
    from torch.utils.flop_counter import FlopCounterMode

    model, batch, seq_len = case[:3]
    est = vm.estimate_of(vm.Config("x", model, batch, seq_len))  # type: ignore[attr-defined]
    ours = rnnparams_estimate(model, batch, seq_len)
    chain = vm.build(model)  # type: ignore[attr-defined]
    y = vm.make_input(est)  # type: ignore[attr-defined]
    with set_checkpoint_early_stop(False):
        for layer in chain.layers:
            y = checkpoint(lambda m, t: explicit_forward([m], t), layer, y, use_reentrant=False)
    with FlopCounterMode(display=False) as counter:
        y.float().pow(2).mean().backward()
    forward = est.compute_line("macs_batch").value
    backward = sum(layer.compute_line("macs_backward_batch").value for layer in est.layers)
    assert counter.get_total_flops() == 2 * (forward + backward)
    assert ours - est.compute_line("flops_train_batch").value == est.compute_line("flops_batch").value


def rnnparams_estimate(model: object, batch: object, seq_len: object) -> int:
    import rnnparams

    est = rnnparams.estimate(model, batch=batch, seq_len=seq_len, checkpointing=True)  # type: ignore[arg-type]
    return est.compute_line("flops_train_batch").value


def test_flop_counter_counts_nothing_in_onednn_lstm() -> None:
    """docs/estimates.md: FlopCounterMode counts 0 for a float32 nn.LSTM on CPU (oneDNN's one kernel)."""
    from torch.utils.flop_counter import FlopCounterMode

    lstm = nn_module("nn.LSTM(8, 16)")
    with FlopCounterMode(display=False) as counter:
        lstm(torch.randn(5, 2, 8))[0].sum().backward()
    assert counter.get_total_flops() == 0


def nn_module(expr: str) -> object:
    return vm.build(expr).layers[0]  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recurrent_chains())
def test_native_modules(case: tuple[str, int, int | None]) -> None:
    """With oneDNN off every torch RNN runs its native cells, whose products FlopCounterMode counts directly: the
    real modules' forward and backward MACs equal ours, no rebuild."""
    from torch.utils.flop_counter import FlopCounterMode

    model, batch, seq_len = case
    shape = (seq_len, 3) if model.startswith("nn.Linear(3") and seq_len is not None else None
    est = vm.estimate_of(vm.Config("x", model, batch, None if shape else seq_len, input_shape=shape))  # type: ignore[attr-defined]
    chain = vm.build(model)  # type: ignore[attr-defined]
    x = vm.make_input(est)  # type: ignore[attr-defined]
    with torch.backends.mkldnn.flags(enabled=False), FlopCounterMode(display=False) as counter:
        chain(x).float().pow(2).mean().backward()
    backward = sum(layer.compute_line("macs_backward_batch").value for layer in est.layers)
    assert counter.get_total_flops() == 2 * (est.compute_line("macs_batch").value + backward)


KERAS_FORWARD = (
    ("Sequential([Input((5, 8, 8, 3)), ConvLSTM2D(4, 3, padding='same')])", 1),
    ("Sequential([Input((5, 8, 8, 3)), ConvLSTM2D(4, 3, return_sequences=True)])", 1),
    ("Sequential([Input((5, 8)), SimpleRNN(16)])", 1),
    ("Sequential([Input((5, 8)), LSTM(16)])", 0),
    ("Sequential([Input((5, 8)), GRU(16, return_sequences=True)])", 0),
    ("Sequential([Input((10, 16)), Dense(16), PReLU()])", 0),
)


@pytest.mark.parametrize(("expr", "extra_steps"), KERAS_FORWARD, ids=[k[0][21:60] for k in KERAS_FORWARD])
def test_keras_forward_macs_on_the_torch_backend(expr: str, extra_steps: int) -> None:
    """Keras on the torch backend, measured the same way: a ConvLSTM applies its kernels at every position of every
    step (positions × time), PReLU's slopes are no weight product. The torch backend's generic rnn() runs the
    first step once more to learn the output's structure (keras/src/backend/torch/rnn.py, `output_time_zero`), so
    SimpleRNN and ConvLSTM count one step above ours; LSTM and GRU take its fused path."""
    keras = pytest.importorskip("keras")
    from torch.utils.flop_counter import FlopCounterMode

    import rnnparams

    model = eval(expr, {**{k: getattr(keras.layers, k) for k in dir(keras.layers)}, "Sequential": keras.Sequential,
                        "Input": keras.Input})  # test-side oracle only
    est = rnnparams.estimate(expr, batch=2, seq_len=None)
    x = torch.randn(2, *model.inputs[0].shape[1:])
    with FlopCounterMode(display=False) as counter:
        model(x)
    ours = est.compute_line("macs_batch").value
    steps = model.inputs[0].shape[1]
    assert counter.get_total_flops() // 2 == ours + extra_steps * (est.layers[-1].compute_line("macs_batch").value
                                                                    // steps)


@pytest.mark.parametrize("value_dim", [None, 4])
def test_keras_multi_head_attention_score_products(value_dim: int | None) -> None:
    """Keras' MultiHeadAttention attending to its own input: the projections and the score products (queries by
    keys, N_h·d_k, and weights by values, N_h·d_v, at every key position) equal FlopCounterMode on the torch
    backend. With value_dim = key_dim Keras calls torch's fused scaled_dot_product_attention, whose CPU kernel
    FlopCounterMode does not count (as for torch's transformer layers): there it sees the projections only."""
    keras = pytest.importorskip("keras")
    from torch.utils.flop_counter import FlopCounterMode

    import rnnparams

    inp = keras.Input((10, 16))
    model = keras.Model(inp, keras.layers.MultiHeadAttention(2, 8, value_dim=value_dim)(inp, inp))
    with FlopCounterMode(display=False) as counter:
        model(torch.randn(3, 10, 16))
    est = rnnparams.estimate(f"Sequential([Input((10, 16)), MultiHeadAttention(2, 8, value_dim={value_dim})])",
                             batch=3, seq_len=None)
    scores = 3 * 10 * 10 * 2 * (8 + (value_dim or 8))  # B·T·S·N_h·(d_k + d_v)
    fused = value_dim is None
    assert counter.get_total_flops() // 2 == est.compute_line("macs_batch").value - (scores if fused else 0)


KERAS_SCORES = ("Attention()", "Attention(use_scale=True)", "Attention(score_mode='concat')", "AdditiveAttention()",
                "AdditiveAttention(use_scale=False)", "GroupQueryAttention(8, 4, 2)", "GroupQueryAttention(4, 4, 4)",
                "GroupQueryAttention(8, 2, 1, use_bias=False)")


@pytest.mark.parametrize("layer", KERAS_SCORES)
def test_keras_attention_score_products(layer: str) -> None:
    """Keras Attention, AdditiveAttention and GroupQueryAttention after a Dense, attending to its output: their
    projections and score products, forward and forward + backward, equal FlopCounterMode on the torch backend
    with scaled_dot_product_attention on its math kernel (the CPU flash kernel, which GroupQueryAttention calls,
    is invisible to FlopCounterMode). Attention's dot scores are S·E_k MACs per query position, the additive and
    'concat' scores elementwise (no product); all multiply the weights by the values (S·E_v); GroupQueryAttention
    repeats its key/value heads, S·N_q·d twice; the scales are no weight product."""
    keras = pytest.importorskip("keras")
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    import rnnparams

    inp = keras.Input((10, 16))
    hidden = keras.layers.Dense(16)(inp)
    attend = eval(f"keras.layers.{layer}", {"keras": keras})  # test-side oracle only
    model = keras.Model(inp, attend(hidden, hidden) if "Group" in layer else attend([hidden, hidden]))
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as forward:
        out = model(torch.randn(3, 10, 16))
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as backward:
        out.pow(2).mean().backward()
    est = rnnparams.estimate(f"Sequential([Input((10, 16)), Dense(16), {layer}])", batch=3, seq_len=None)
    assert forward.get_total_flops() // 2 == est.compute_line("macs_batch").value
    assert backward.get_total_flops() // 2 == est.compute_line("macs_backward_batch").value


MERGES = (("Add", 3), ("Subtract", 2), ("Multiply", 3), ("Average", 4), ("Maximum", 2), ("Minimum", 3),
          ("Concatenate", 3))


@pytest.mark.parametrize(("merge", "inputs"), MERGES, ids=[m[0] for m in MERGES])
def test_keras_merge_elementwise_work(merge: str, inputs: int, tmp_path: Path) -> None:
    """The elementwise work of Keras' merges, counted on the torch backend: every arithmetic aten op the merge
    dispatches (add, sub, mul, div, maximum, minimum), one FLOP per number of its output (a TorchDispatchMode
    over the merge alone), equals our forward elementwise line; no matrix product (FlopCounterMode: 0)."""
    keras = pytest.importorskip("keras")
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import FlopCounterMode

    import rnnparams

    arithmetic = {"add", "sub", "mul", "div", "maximum", "minimum"}

    class Count(TorchDispatchMode):
        flops = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
            out = func(*args, **(kwargs or {}))
            if func.overloadpacket.__name__.rstrip("_") in arithmetic:
                Count.flops += out.numel()
            return out

    layer = getattr(keras.layers, merge)()
    tensors = [torch.randn(2, 5, 8) for _ in range(inputs)]
    with Count(), FlopCounterMode(display=False) as counter:
        layer(tensors)
    code = tmp_path / "merge.py"
    code.write_text(f"import keras\nfrom keras.layers import Input, Dense, {merge}\nx = Input((5, 4))\n"
                    f"y = {merge}()([{', '.join(['Dense(8)(x)'] * inputs)}])\nmodel = keras.Model(x, y)\n")
    est = rnnparams.estimate(str(code), batch=2, seq_len=None)
    ours = next(layer for layer in est.layers if layer.type == merge)
    assert counter.get_total_flops() == 0 == ours.compute_line("macs_batch").value
    assert Count.flops == 2 * ours.positions * ours.compute_line("elementwise_step").value
