"""The framework conventions beyond PyTorch and Keras, without the frameworks: inference from the names,
`rnnparams frameworks`, the JSON flag, compare across all of them, explanations and formulas in both languages.
(The oracle tests under tests/oracle compare each convention with its real package.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import rnnparams
from rnnparams.analysis.formula import model_formula
from rnnparams.conventions import FRAMEWORKS
from rnnparams.render.explain import render_explain

NEW = ("flax", "flax-nnx", "paddle", "mindspore", "onnx", "tf1", "mxnet")
SAMPLES = {  # framework -> (expression, input shape or None, parameters)
    "flax": ("flax.linen.RNN(flax.linen.OptimizedLSTMCell(features=128))", (35, 100), 4 * 128 * (100 + 128 + 1)),
    "flax-nnx": ("nnx.RNN(nnx.GRUCell(100, 128, rngs=nnx.Rngs(0)))", None, 3 * 128 * (100 + 128 + 1)),
    "paddle": ("paddle.nn.LSTM(100, 256, num_layers=2, direction='bidirect')", None,
               2 * 4 * 256 * (100 + 256 + 2) + 2 * 4 * 256 * (512 + 256 + 2)),
    "mindspore": ("mindspore.nn.GRU(100, 256)", None, 3 * 256 * (100 + 256 + 2)),
    "onnx": ("onnx.LSTM(hidden_size=256, input_size=100, direction='bidirectional')", None,
             2 * 4 * 256 * (100 + 256 + 2)),
    "tf1": ("tf.compat.v1.nn.rnn_cell.LSTMCell(256, use_peepholes=True, num_proj=64)", (100,),
            (100 + 64) * 1024 + 1024 + 3 * 256 + 256 * 64),
    "mxnet": ("mx.gluon.rnn.LSTM(256, input_size=100)", None, 4 * 256 * (100 + 256 + 2)),
}


@pytest.mark.parametrize("framework", NEW)
def test_names_say_which_framework(framework: str) -> None:
    expr, shape, params = SAMPLES[framework]
    report = rnnparams.count(expr, input_shape=shape)
    assert report.framework == framework
    assert report.total_params == params
    assert report.to_dict()["framework_verified"] is True


@pytest.mark.parametrize("expr, framework", [
    ("flax.linen.RNN(nn.LSTMCell(4))", "flax"),  # `import flax.linen as nn`: the bare nn. is flax's
    ("linen.Bidirectional(nn.RNN(nn.GRUCell(4)), nn.RNN(nn.GRUCell(4)))", "flax"),
    ("ms.nn.LSTM(3, 4)", "mindspore"),
    ("tf.nn.rnn_cell.GRUCell(4)", "tf1"),
    ("mxnet.gluon.rnn.GRU(4, input_size=3)", "mxnet"),
    ("paddle.nn.Embedding(10, 3); paddle.nn.GRU(3, 4); paddle.nn.Linear(4, 2)", "paddle"),
])
def test_inference_from_prefixes(expr: str, framework: str) -> None:
    assert rnnparams.count(expr, input_shape=(5, 3) if framework in ("flax", "tf1") else None).framework == framework


def test_bare_nn_stays_pytorch_and_other_nn_needs_the_flag() -> None:
    assert rnnparams.count("nn.LSTM(3, 4)").framework == "pytorch"
    assert rnnparams.count("nn.LSTM(3, 4)", "paddle").framework == "paddle"
    assert rnnparams.count("nn.RNN(nn.LSTMCell(4))", "flax", (5, 3)).total_params == 4 * 4 * (3 + 4 + 1)
    with pytest.raises(rnnparams.RnnParamsError, match="mixes frameworks"):
        rnnparams.count("paddle.nn.LSTM(3, 4); keras.layers.Dense(2)")


@pytest.mark.parametrize("framework", NEW)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explanations_and_formulas(framework: str, lang: str) -> None:
    expr, shape, params = SAMPLES[framework]
    text = render_explain(rnnparams.explain(expr, framework, shape), lang)
    assert f"{params:,}" in text
    assert model_formula(rnnparams.count(expr, framework, shape)).total == params


def test_framework_notes_use_their_own_words() -> None:
    text = render_explain(rnnparams.explain("paddle.nn.GRU(3, 4, bias_ih_attr=False)"))
    assert "stop_gradient=True" in text and "PaddlePaddle keeps two bias vectors" in text
    assert "Keras keeps one bias vector" not in render_explain(rnnparams.explain("flax.linen.LSTMCell(4)", "flax",
                                                                                 (3,)))
    onnx = render_explain(rnnparams.explain("onnx.GRU(hidden_size=4, input_size=3)"))
    assert "Wb and Rb" in onnx and "reset_after" not in onnx


def test_compare_all_frameworks() -> None:
    comparison = rnnparams.compare("nn.LSTM(100, 256, num_layers=2, bidirectional=True)", "all")
    totals = comparison.totals()
    assert set(totals) == set(FRAMEWORKS)
    assert totals["paddle"] == totals["mindspore"] == totals["mxnet"] == totals["onnx"] == totals["pytorch"]
    assert totals["flax"] == totals["flax-nnx"] == totals["keras"]
    assert totals["tf1"] is None  # bidirectional: a function in TF 1, not a cell
    notes = dict(comparison.layers[0].notes)
    assert "flax" in notes["layout_many"]["inout"] and "onnx" in notes["layout_many"]["outin"]


@pytest.mark.parametrize("expr, target, reason", [
    ("nn.LSTM(3, 4, proj_size=2)", "flax", "projection"),
    ("nn.GRU(3, 4, bias=False)", "mxnet", "always have both biases"),
    ("nn.Linear(3, 4)", "onnx", "Gemm"),
    ("tf.compat.v1.nn.rnn_cell.LSTMCell(4, use_peepholes=True)", "pytorch", "peephole"),
    ("flax.linen.MGUCell(4)", "paddle", "MGU"),
])
def test_no_equivalent_says_why(expr: str, target: str, reason: str) -> None:
    comparison = rnnparams.compare(expr, target, input_shape=(3,) if "rnn_cell" in expr or "MGU" in expr else None)
    column = comparison.layers[0].columns[-1]
    assert column.report is None and reason in (column.reason or "")


def test_translations_count_like_their_framework() -> None:
    comparison = rnnparams.compare("paddle.nn.GRU(10, 20)", "all")
    totals = comparison.totals()
    assert totals["flax"] == 3 * 20 * (10 + 20 + 1) + 20
    assert totals["flax-nnx"] == totals["keras2"] == totals["tf1"] == 3 * 20 * (10 + 20 + 1)


@pytest.mark.parametrize("expr, framework, shape, words", [
    ("paddle.nn.LSTM(3, 4, direction='backward')", "paddle", None, "direction should be forward or bidirect"),
    ("mindspore.nn.LSTM(3, 4, dropout=0)", "mindspore", None, "the type of 'dropout' must be 'float'"),
    ("onnx.LSTM(hidden_size=4, direction='both', input_size=3)", "onnx", None, "Invalid value for attribute"),
    ("mx.gluon.rnn.LSTM(4)", "mxnet", None, "defers its input size"),
    ("flax.linen.LSTMCell(4)", "flax", None, "needs the shape of its input"),
    ("tf.compat.v1.nn.rnn_cell.LSTMCell(4)", "tf1", None, "needs the shape of its input"),
    ("paddle.nn.LSTM(3, 4)", "paddle", (5, 7), "input_size=3"),
])
def test_errors_name_the_problem(expr: str, framework: str, shape: tuple[int, ...] | None, words: str) -> None:
    with pytest.raises(rnnparams.RnnParamsError, match=words.replace("(", r"\(")):
        rnnparams.count(expr, framework, shape)


def test_frameworks_command() -> None:
    text = subprocess.run([sys.executable, "-m", "rnnparams", "frameworks"], capture_output=True, text=True,
                          check=True).stdout
    for fw in FRAMEWORKS:
        assert f"\n{fw} " in f"\n{text}"
    rows = json.loads(subprocess.run([sys.executable, "-m", "rnnparams", "frameworks", "--json"],
                                     capture_output=True, text=True, check=True).stdout)
    by_id = {row["id"]: row for row in rows}
    assert by_id["mxnet"]["verified_with"] == {"mxnet": "1.9.1", "numpy": "1.23.5"}
    assert all(by_id[fw]["verified"] for fw in NEW)


def test_cli_accepts_the_new_ids() -> None:
    out = subprocess.run([sys.executable, "-m", "rnnparams", "count", "LSTM(hidden_size=4, input_size=3)",
                          "--framework", "onnx", "--json"], capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["total_params"] == 4 * 4 * (3 + 4 + 2)


def test_import_stays_light() -> None:
    """Counting a PyTorch model loads PyTorch's convention module and none of the other frameworks' (the shared
    vocabulary modules of conventions/, base, work, equivalents..., load with any framework)."""
    from rnnparams.conventions import REGISTRY

    framework_modules = sorted({"rnnparams.conventions" + entry.module for entry in REGISTRY.values()})
    code = ("import sys, rnnparams; rnnparams.count('nn.LSTM(3, 4)'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('paddle', 'jax', 'flax', 'mindspore', "
            f"'onnx', 'tensorflow', 'mxnet', 'torch', 'numpy') or m in {framework_modules!r}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['rnnparams.conventions.pytorch']"
