"""The builder's refusals (analysis/build.py BuildError) in the user's language: which layer, which field, and
what it takes."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from rnnparams.analysis.build import BuildError, build_model
from rnnparams.conventions.families import FAMILIES
from rnnparams.render.build import field_label, render_build_error
from rnnparams.spec import Value


def refusal(framework: str, layers: list[tuple[str, Mapping[str, Value]]], lang: str,
            features: int | None = None) -> str:
    with pytest.raises(BuildError) as info:
        build_model(framework, layers, features=features)
    exc = info.value
    requested = layers[exc.index][0] if exc.index is not None else None
    return render_build_error(exc, framework, requested, lang)


@pytest.mark.parametrize("framework, layers, lang, expected", [
    ("pytorch", [("dense", {"units": 10})], "en", "Layer 1 (Dense / Linear): input size is required."),
    ("pytorch", [("dense", {"units": 10})], "zh", "第 1 层（全连接层）：请填写输入维度。"),
    ("keras", [("dense", {"units": 10})], "en", "Give the input's features (or start with an Embedding)."),
    ("keras", [("dense", {"units": 10})], "zh", "请填写输入的特征数（或以 Embedding 层开头）。"),
    ("pytorch", [("embedding", {}), ("lstm", {"units": ""})], "en", "Layer 2 (LSTM): hidden size is required."),
    ("pytorch", [("lstm", {"in": 3, "units": 2.5})], "en",
     "Layer 1 (LSTM): hidden size must be a whole number of at least 1."),
    ("pytorch", [("lstm", {"in": 3, "proj": -1})], "en",
     "Layer 1 (LSTM): projection size must be a whole number of at least 0."),
    ("pytorch", [("dropout", {"rate": 2})], "zh", "第 1 层（Dropout）：丢弃率必须是 0 到 1 之间的数。"),
    ("pytorch", [("lstm", {"in": 3, "merge": "max"})], "en", "Layer 1 (LSTM): merge must be one of concat, sum, mul, "
                                                             "ave."),
    ("pytorch", [("lstm", {"in": 0})], "en",
     "Layer 1 (LSTM): input size must be a whole number of at least 1, or empty (auto)."),
    ("pytorch", [("lstm", {"in": 3, "bidir": "yes"})], "en", "Layer 1 (LSTM): bidirectional must be true or false."),
    ("pytorch", [("lstm", {"colour": 3})], "en",
     "Layer 1 (LSTM): it has no field colour; its fields are: in, units, layers, proj, bidir, merge, bias, bf, rs, "
     "cudnn, peep."),
    ("pytorch", [("lstm", {"in": 3}), ("transformer", {})], "en",
     "Layer 2: there is no layer family transformer; choose one of: " + ", ".join(FAMILIES) + "."),
    ("onnx", [("embedding", {})], "en", "Layer 1 (Embedding): ONNX operators has no such layer (ONNX has no layer for "
                                        "it: a Gemm/MatMul or Gather node with its initializers, not modelled here)."),
    ("pytorch", [("mgu", {"in": 3})], "zh", "第 1 层（MGU）：PyTorch 没有这种层。"),
])
def test_refusals_are_worded(framework: str, layers: list[tuple[str, Mapping[str, Value]]], lang: str,
                             expected: str) -> None:
    assert refusal(framework, layers, lang) == expected


def test_a_writers_own_reason_is_kept() -> None:
    text = refusal("tf1", [("lstm", {"bidir": True})], "en", features=3)
    assert text.startswith("Layer 1 (LSTM): TF 1 runs two cells with tf.compat.v1.nn.bidirectional_dynamic_rnn")
    assert text.endswith(".") and not text.endswith("..")


def test_field_labels_in_a_sentence() -> None:
    assert field_label("lstm", "in", "en") == "input size"
    assert field_label("lstm", "cudnn", "en") == "CuDNN layer"  # a name keeps its capitals
    assert field_label("lstm", "bf", "en") == "batch_first"
    assert field_label("lstm", "in", "zh") == "输入维度"
