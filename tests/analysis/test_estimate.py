"""Resource estimates: every expected number below is derived by hand from the formula written next to it
(PyTorch LSTM: params 4·H·(I + H + 2), MACs per step 4·H·(I + H), ...), never taken from the tool."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.analysis.estimate import Estimate
from rnnparams.errors import RnnParamsError, UsageError
from rnnparams.render.estimate import derivation_text, human_bytes, render_estimate, render_resources

RNNPARAMS = str(Path(sys.executable).with_name("rnnparams"))


def memory(est: Estimate) -> dict[str, int]:
    return {line.key: line.value for line in est.memory}


def ld(width: int) -> int:
    """oneDNN leading dimension: round up to 16 floats, +16 when a multiple of 256."""
    x = -(-width // 16) * 16
    return x + 16 if x % 256 == 0 else x


# --- PyTorch nn.LSTM(100, 256), batch 32, 50 steps: everything by hand ------------------------------------------

I, H, B, T = 100, 256, 32, 50
PARAMS = 4 * H * (I + H + 2)  # 366,592


@pytest.fixture(scope="module")
def lstm() -> Estimate:
    return rnnparams.estimate("nn.LSTM(100, 256)", batch=B, seq_len=T)


def test_parameter_derived_memory_is_exact(lstm: Estimate) -> None:
    m = memory(lstm)
    assert PARAMS == 366_592
    assert m["weights"] == PARAMS * 4
    assert m["gradients"] == PARAMS * 4
    # Adam: exp_avg and exp_avg_sq per parameter, plus a float32 `step` per parameter tensor (4 tensors)
    assert m["optimizer_state"] == 2 * PARAMS * 4 + 4 * 4
    assert "master_weights" not in m and "buffers" not in m


def test_compute_per_step_sequence_batch(lstm: Estimate) -> None:
    layer = lstm.layers[0]
    macs_step = 4 * H * (I + H)  # a (4H, I) and a (4H, H) weight applied to one vector each
    assert macs_step == 364_544
    flops_step = 2 * macs_step + 8 * H + 9 * H  # 2 per MAC, two bias vectors of 4H, 9 elementwise per unit
    values = {line.key: line.value for line in layer.compute}
    assert values["macs_step"] == macs_step
    assert values["bias_step"] == 8 * H
    assert values["elementwise_step"] == 9 * H
    assert values["flops_step"] == flops_step == 733_440
    assert values["macs_sequence"] == T * macs_step
    assert values["macs_batch"] == B * T * macs_step
    assert values["flops_batch"] == B * T * flops_step
    # backward, by hand: the first layer's input needs no gradient, so W_ih is applied once more (its weight
    # gradient) and W_hh twice (weight and input gradient), except at the first step, whose input h_0 is the
    # zero state torch creates (no gradient); bias gradients sum 8·H per step, the cell's backward is 23 per unit
    weight_grad, input_grad = 4 * H * (I + H), 4 * H * H
    assert values["macs_backward_step"] == weight_grad + input_grad
    backward_step = 2 * (weight_grad + input_grad) + 8 * H + 23 * H
    assert values["flops_train_step"] == flops_step + backward_step
    first_step = flops_step + 2 * weight_grad + 8 * H + 23 * H
    assert values["flops_train_batch"] == B * ((T - 1) * (flops_step + backward_step) + first_step)
    assert values["macs_backward_batch"] == B * (T * (weight_grad + input_grad) - input_grad)
    assert lstm.compute_line("macs_batch").value == B * T * macs_step
    assert str(layer.compute_line("macs_step").formula) == "4·H·(I + H)"


def test_explain_style_derivation(lstm: Estimate) -> None:
    text = derivation_text(lstm.layers[0].compute_line("macs_step"))
    assert text == "4·H·(I + H) = 4 × 256 × (100 + 256) = 4 × 256 × 356 = 364,544"
    line = lstm.layers[0].compute_line("macs_step")
    assert dict(line.bindings) == {"H": 256, "I": 100}
    assert line.derivation.result == line.value


def test_onednn_activations_by_hand(lstm: Estimate) -> None:
    items = {a.key: a.value for a in lstm.layers[0].activations}
    assert items["input"] == T * B * I * 4
    assert items["outputs"] == T * B * H * 4
    assert items["final_states"] == 2 * B * H * 4          # h_T and c_T
    assert items["initial_states"] == 2 * B * H * 4        # zero h_0 and c_0
    # oneDNN workspace: gates, h, states, c, 2 diff-states, diff-c, each on a page (these all fill whole pages)
    g, h, w = ld(4 * H), ld(H), ld(max(I, H))
    assert (g, h, w) == (1040, 272, 272)
    workspace = 4 * (T * B * g + T * B * h + 2 * (T + 1) * B * (3 * w + 2 * H))
    assert workspace % 4096 == 0
    assert items["workspace"] == workspace == 25_735_168
    assert memory(lstm)["activations"] == sum(items.values())
    assert lstm.layers[0].activation_model == "onednn"


def test_states_and_total(lstm: Estimate) -> None:
    m = memory(lstm)
    assert m["states"] == 2 * B * H * 4  # h_n and c_n, (1, 32, 256) each
    assert m["total"] == sum(v for k, v in m.items() if k != "total")


# --- Other paths and options -----------------------------------------------------------------------------------

def test_gru_native_activations_by_hand() -> None:
    i, h, layers, d, b, t = 64, 128, 2, 2, 8, 40
    est = rnnparams.estimate(f"nn.GRU({i}, {h}, num_layers={layers}, bidirectional=True)", batch=b, seq_len=t)
    # per layer, direction and step: the (N, 3H) gate buffer, three H-wide intermediates, the previous h
    per_step = 3 * h + 3 * h + h
    expected = t * b * i * 4 + (layers - 1) * t * b * d * h * 4 + layers * d * t * b * per_step * 4
    assert memory(est)["activations"] == expected
    assert est.layers[0].activation_model == "native"


def test_projection_and_cuda_paths_run() -> None:
    est = rnnparams.estimate("nn.LSTM(64, 128, proj_size=32)", batch=4, seq_len=10)
    items = {a.key: a.value for a in est.layers[0].activations}
    assert items["projection_inputs"] == 10 * 4 * 128 * 4
    assert items["hidden_states"] == 10 * 4 * 32 * 4  # the fed-back state is P wide
    cuda = rnnparams.estimate("nn.LSTM(64, 128)", batch=4, seq_len=10, device="cuda")
    assert cuda.layers[0].activation_model == "cudnn"
    reserve = {a.key: a.value for a in cuda.layers[0].activations}["reserve"]
    assert reserve == 10 * 4 * (4 * 128 + 128 + 128) * 4  # gates, h_t, c_t per step


def test_mixed_precision() -> None:
    est = rnnparams.estimate("nn.LSTM(100, 256)", batch=2, seq_len=3, dtype="float16", mixed_precision=True)
    m = memory(est)
    assert m["weights"] == PARAMS * 2
    assert m["master_weights"] == PARAMS * 4
    assert m["gradients"] == PARAMS * 2
    assert m["optimizer_state"] == 2 * PARAMS * 4 + 4 * 4  # float32 slots


def test_optimizers() -> None:
    def opt(name: str) -> int:
        return memory(rnnparams.estimate("nn.GRU(10, 20)", batch=1, seq_len=1, optimizer=name))["optimizer_state"]

    n = 3 * 20 * (10 + 20 + 2)
    assert opt("sgd") == 0
    assert opt("momentum") == n * 4
    assert opt("adam") == opt("adamw") == 2 * n * 4 + 4 * 4


def test_inference_and_int8() -> None:
    est = rnnparams.estimate("nn.LSTM(100, 256)", batch=2, seq_len=3, mode="inference", dtype="int8")
    m = memory(est)
    assert m["weights"] == PARAMS  # one byte per weight
    assert "gradients" not in m and "optimizer_state" not in m
    layer = est.layers[0]
    items = {a.key: a.value for a in layer.activations}
    assert items == {"input": 3 * 2 * 100 * 4, "output": 3 * 2 * 256 * 4, "working": 3 * 2 * 4 * 256 * 4}


def test_buffers_and_frozen_embedding() -> None:
    est = rnnparams.estimate("nn.Embedding(50, 8, _freeze=True); nn.LSTM(8, 4, batch_first=True); nn.LayerNorm(4)",
                             batch=2, seq_len=3)
    m = memory(est)
    lstm, norm = 4 * 4 * (8 + 4 + 2), 2 * 4
    assert m["weights"] == (50 * 8 + lstm + norm) * 4
    assert m["gradients"] == (lstm + norm) * 4  # the frozen table has no gradient
    assert est.layers[0].activations == ()      # and keeps no indices for backward
    bn = memory(rnnparams.estimate("nn.Linear(5, 6); nn.BatchNorm1d(6)", batch=2, seq_len=None))
    assert bn["weights"] == (6 * 5 + 6 + 2 * 6) * 4
    assert bn["buffers"] == 2 * 6 * 4 + 8  # running mean and var, and the int64 counter


def test_keras_parameter_parts_and_compute() -> None:
    est = rnnparams.estimate("SimpleRNN(3, input_shape=[50, 3]); Dense(1)", batch=4, seq_len=None)
    params = 3 * (3 + 3 + 1) + (3 * 1 + 1)
    m = memory(est)
    assert m["weights"] == params * 4
    assert m["optimizer_state"] == 2 * params * 4 + 8  # momentum, velocity; iteration and learning_rate
    rnn, dense = est.layers
    assert rnn.compute_line("macs_step").value == 3 * (3 + 3)
    assert rnn.compute_line("macs_sequence").value == 50 * 3 * (3 + 3)
    assert dense.positions == 1 and dense.compute_line("macs_sequence").value == 3
    assert est.seq_len == 50


def test_keras_bidirectional_and_stacked_formula() -> None:
    est = rnnparams.estimate("Sequential([Input((None, 10)), Bidirectional(LSTM(16))])", batch=2, seq_len=7)
    assert str(est.layers[0].compute_line("macs_step").formula) == "D·4·H·(I + H)"
    assert est.layers[0].compute_line("macs_step").value == 2 * 4 * 16 * (10 + 16)
    stacked = rnnparams.estimate("nn.LSTM(10, 20, num_layers=3, bidirectional=True)", batch=1, seq_len=1)
    line = stacked.layers[0].compute_line("macs_step")
    assert str(line.formula) == "D·4·H·(I + H) + (L − 1)·D·4·H·(D·H + H)"
    assert line.value == 2 * 4 * 20 * (10 + 20) + 2 * 2 * 4 * 20 * (40 + 20)


def test_chain_dedupes_shared_output() -> None:
    est = rnnparams.estimate("nn.LSTM(8, 16); nn.Linear(16, 4)", batch=2, seq_len=5)
    linear_input = est.layers[1].activations[0]
    assert linear_input.key == "input" and not linear_input.counted
    assert est.layers[1].activation_bytes == 0
    bf = rnnparams.estimate("nn.LSTM(8, 16, batch_first=True); nn.Linear(16, 4)", batch=2, seq_len=5)
    assert bf.layers[1].activation_bytes == 2 * 5 * 16 * 4  # nn.Linear copies the transposed view


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(["RNN", "GRU", "LSTM"]), i=st.integers(1, 64), h=st.integers(2, 64),
       layers=st.integers(1, 3), bi=st.booleans(), b=st.integers(1, 9), t=st.integers(1, 30))
def test_every_line_is_its_formula(kind: str, i: int, h: int, layers: int, bi: bool, b: int, t: int) -> None:
    est = rnnparams.estimate(f"nn.{kind}({i}, {h}, num_layers={layers}, bidirectional={bi})", batch=b, seq_len=t)
    g = {"RNN": 1, "GRU": 3, "LSTM": 4}[kind]
    d = 2 if bi else 1
    macs = sum(d * g * h * ((i if layer == 0 else d * h) + h) for layer in range(layers))
    layer = est.layers[0]
    assert layer.compute_line("macs_step").value == macs
    assert layer.compute_line("macs_batch").value == b * t * macs
    for item in (*layer.compute, *layer.activations, *est.memory):
        assert item.formula.evaluate(item.bindings) == item.value
    assert memory(est)["weights"] == 4 * sum(d * g * h * ((i if k == 0 else d * h) + h + 2) for k in range(layers))


# --- Errors ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"batch": 0}, "batch size must be a positive integer"),
    ({"batch": -4}, "batch size must be a positive integer"),
    ({"batch": True}, "batch size must be a positive integer"),
    ({"seq_len": 0}, "sequence length must be a positive integer"),
    ({"dtype": "float8"}, "unknown dtype 'float8'"),
    ({"optimizer": "lion"}, "unknown optimizer 'lion'"),
    ({"mode": "eval"}, "unknown mode 'eval'"),
    ({"device": "tpu"}, "unknown device 'tpu'"),
    ({"dtype": "int8"}, "int8 is an inference format"),
    ({"mixed_precision": True}, "add --dtype float16 or --dtype bfloat16"),
    ({"mixed_precision": True, "dtype": "float16", "mode": "inference"}, "drop it with --mode inference"),
    ({"seq_len": None}, "give it with --seq-len"),
])
def test_bad_options(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"batch": 2, "seq_len": 3, **kwargs}
    with pytest.raises(UsageError, match=message):
        rnnparams.estimate("nn.LSTM(10, 20)", **args)  # type: ignore[arg-type]


def test_fixed_sequence_length_conflict() -> None:
    with pytest.raises(RnnParamsError, match="fixes the sequence length at 50"):
        rnnparams.estimate("SimpleRNN(3, input_shape=[50, 3])", batch=2, seq_len=20)


# --- Rendering -------------------------------------------------------------------------------------------------

def test_human_bytes() -> None:
    assert human_bytes(0) == "0 B"
    assert human_bytes(1023) == "1,023 B"
    assert human_bytes(1536) == "1.50 KiB"
    assert human_bytes(3 * 1024 ** 2) == "3.00 MiB"
    assert human_bytes(5 * 1024 ** 3 // 2) == "2.50 GiB"


def test_table_is_aligned(lstm: Estimate) -> None:
    text = render_estimate(lstm)
    assert re.search(r"Sum of the parts \(not a peak\) +34,075,664  32\.50 MiB", text)  # padded to the widest
    lines = text.splitlines()
    memory_lines = lines[2:lines.index("", 2)]
    assert len({len(line) for line in memory_lines}) == 1  # numbers right-aligned to one edge
    assert "1 MAC (multiply-accumulate) = 2 FLOPs" in text


def test_render_resources_en_and_zh(lstm: Estimate) -> None:
    en = render_resources(lstm, "en")
    assert "MACs per step = 4·H·(I + H) = 4 × 256 × (100 + 256) = 4 × 256 × 356 = 364,544" in en
    assert "Gradients = n_t·s = 366,592 × 4 = 1,466,368 B (1.40 MiB)" in en
    zh = render_resources(lstm, "zh")
    for word in ("显存/内存", "参数", "梯度", "优化器状态", "激活值", "浮点运算次数"):
        assert word in zh
    assert "每步乘加次数 = 4·H·(I + H) = 4 × 256 × (100 + 256)" in zh


def test_to_dict_is_plain_json(lstm: Estimate) -> None:
    d = json.loads(json.dumps(lstm.to_dict()))
    assert d["memory"]["weights"] == PARAMS * 4
    assert d["layers"][0]["macs"]["step"] == 364_544
    assert d["definitions"]["flops_per_mac"] == 2


# --- Command line, through the real console script ------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RNNPARAMS, *args], capture_output=True, text=True, timeout=60)


def test_cli_json() -> None:
    result = run("estimate", "nn.LSTM(100, 256)", "--batch", "32", "--seq-len", "50", "--json")
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)
    assert d["memory"]["weights"] == PARAMS * 4
    assert d["memory"]["optimizer_state"] == 2 * PARAMS * 4 + 16
    # forward 733,440 FLOPs per step; backward per step 2·(W_ih, W_hh weight gradients + W_hh input gradient)
    # + 8·H bias + 23·H elementwise, the first step without W_hh's input gradient (h_0 needs none)
    weight_grad, input_grad = 4 * H * (I + H), 4 * H * H
    backward = 2 * (weight_grad + input_grad) + 31 * H
    first = 733_440 + 2 * weight_grad + 31 * H
    assert d["layers"][0]["flops"]["forward_backward"]["batch"] == B * ((T - 1) * (733_440 + backward) + first)
    assert d["batch"] == 32 and d["seq_len"] == 50 and d["optimizer"] == "adam"


def test_cli_text() -> None:
    result = run("estimate", "nn.GRU(10, 20)", "-b", "4", "-T", "6", "--optimizer", "sgd", "--lang", "zh")
    assert result.returncode == 0, result.stderr
    assert "显存/内存" in result.stdout and "梯度" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--batch", "-3", "--seq-len", "5"], "argument -b/--batch: must be a positive integer (got -3)"),
    (["--batch", "x", "--seq-len", "5"], "argument -b/--batch: must be a positive integer, not 'x'"),
    (["--batch", "2", "--seq-len", "5", "--dtype", "float8"], "invalid choice: 'float8'"),
    (["--batch", "2"], "error: the sequence length is not fixed by the model"),
    (["--batch", "2", "--seq-len", "5", "--mixed-precision"], "error: --mixed-precision keeps float32 master"),
])
def test_cli_bad_input(args: list[str], message: str) -> None:
    result = run("estimate", "nn.LSTM(10, 20)", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_import_stays_light() -> None:
    code = ("import sys, rnnparams; heavy = [m for m in ('rnnparams.analysis.estimate', 'rnnparams.analysis.memory', "
            "'rnnparams.analysis.flops', 'torch', 'numpy') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]"


FRAMEWORK_MODELS = (
    ("flax", "flax.linen.RNN(flax.linen.OptimizedLSTMCell(features=8))", (5, 4)),
    ("flax-nnx", "nnx.RNN(nnx.LSTMCell(4, 8, rngs=nnx.Rngs(0)))", (5, 4)),
    ("paddle", "paddle.nn.LSTM(4, 8)", (5, 4)),
    ("mindspore", "mindspore.nn.LSTM(4, 8, batch_first=True)", (5, 4)),
    ("mxnet", "mx.gluon.rnn.LSTM(8, input_size=4)", (5, 4)),
    ("tf1", "tf.compat.v1.nn.rnn_cell.LSTMCell(8)", (4,)),
)
STEP_STATE = {"flax": (0, 4), "flax-nnx": (0, 4), "paddle": (8, 0), "mindspore": (0, 4), "mxnet": (0, 0),
              "tf1": (0, 8)}
"""Adam's state beyond its two slots, from each framework's documented layout: (bytes per parameter tensor, once):
optax's int32 count, Paddle's beta1_pow_acc and beta2_pow_acc per parameter, MindSpore's int32 global step,
tf.train.AdamOptimizer's beta1_power and beta2_power; MXNet counts in Python."""


@pytest.mark.parametrize(("framework", "model", "shape"), FRAMEWORK_MODELS, ids=[m[0] for m in FRAMEWORK_MODELS])
def test_every_framework_is_estimated(framework: str, model: str, shape: tuple[int, ...]) -> None:
    """Issue #19: all ten conventions estimate (by their documented layouts, with a warning that says so)."""
    est = rnnparams.estimate(model, framework, shape, batch=3, seq_len=None)
    tensors = [t for layer in est.report.layers for t in layer.tensors if t.trainable]
    n = sum(t.params for t in tensors)
    per_tensor, once = STEP_STATE[framework]
    assert est.memory_line("optimizer_state").value == 2 * n * 4 + per_tensor * len(tensors) + once
    assert est.memory_line("gradients").value == 4 * n
    assert any("documented layouts" in w for w in est.warnings)
    assert est.compute_line("flops_train_batch").value > est.compute_line("flops_batch").value


def test_onnx_is_an_inference_format() -> None:
    with pytest.raises(UsageError, match="inference format"):
        rnnparams.estimate("onnx.LSTM(hidden_size=8, input_size=4)", "onnx", None, batch=2, seq_len=5)
    est = rnnparams.estimate("onnx.LSTM(hidden_size=8, input_size=4)", "onnx", None, batch=2, seq_len=5,
                             mode="inference")
    assert est.memory_line("weights").value == 4 * est.report.total_params
