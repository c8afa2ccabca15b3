"""The torch.nn layers of issue #17 on every surface, from their declarations in conventions/pytorch/ alone,
without torch: explain and formula (en, zh), compare (their families, or why there is none), the page's builder
through the PyTorch writers, spec files, estimates by hand. The real package is checked in tests/oracle
(test_torch_layers_oracle.py, test_torch_mixed_oracle.py, test_estimate_oracle.py, test_inspect_torch_layers_*)."""

from __future__ import annotations

import json

import pytest

import rnnparams
from rnnparams.analysis.build import build_model
from rnnparams.analysis.formula import model_formula
from rnnparams.analysis.translate import read_layer, writer_for
from rnnparams.conventions import FRAMEWORKS
from rnnparams.inputs.specfile import dump_spec, load_spec
from rnnparams.render.explain import render_explain

SAMPLES = [
    ("nn.Conv3d(2, 4, (1, 2, 3), groups=2)", (2, 5, 6, 7)),
    ("nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, output_padding=1)", (4, 5, 5)),
    ("nn.LazyConv1d(8, 3)", (3, 10)),
    ("nn.MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True)", (5, 8)),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8))", (5, 8)),
    ("nn.Transformer(8, 2, 1, 2, 16, activation=nn.PReLU())", (5, 8)),
    ("nn.GroupNorm(2, 4); nn.PReLU(4); nn.MaxPool2d(2); nn.Flatten(); nn.Bilinear(16, 16, 3)", (4, 4, 4)),
    ("nn.BatchNorm2d(3, bias=False); nn.InstanceNorm2d(3, affine=True, track_running_stats=True)", (3, 4, 4)),
    ("nn.RMSNorm(6); nn.EmbeddingBag(10, 6)", None),
    ("nn.CrossEntropyLoss(weight=torch.ones(4))", (4,)),
    ("nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10], head_bias=True)", (16,)),
]


@pytest.mark.parametrize("expr, shape", SAMPLES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_and_formula(expr: str, shape: tuple[int, ...] | None, lang: str) -> None:
    report = rnnparams.count(expr, input_shape=shape)
    text = render_explain(rnnparams.explain(expr, input_shape=shape), lang)
    assert f"{report.total_params:,}" in text
    formula = model_formula(report)
    assert formula.formula.evaluate(formula.env) == report.total_params
    for layer in rnnparams.explain(expr, input_shape=shape).layers:  # every tensor in a group
        assert sum(len(line.names) for g in layer.groups for line in g.lines) == len(layer.report.tensors) + len(
            layer.report.buffers)


def test_symbols_have_words_in_both_languages() -> None:
    text = render_explain(rnnparams.explain("nn.MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True)"), "zh")
    assert "注意力头数" in text and "键的维度" in text and "可学习的键和值" in text
    assert "前馈层维度" in render_explain(rnnparams.explain("nn.TransformerEncoderLayer(8, 2, 16)"), "zh")
    assert "kernel depth" in render_explain(rnnparams.explain("nn.Conv3d(2, 4, 3)"), "en")


FAMILY_OF = {  # a layer, and the family its convention reads it into
    "nn.Conv3d(2, 4, 3, stride=2, padding='valid')": "conv3d",
    "nn.ConvTranspose1d(2, 4, 3, stride=2)": "conv1d_t",
    "nn.ConvTranspose2d(2, 4, 3)": "conv2d_t",
    "nn.ConvTranspose3d(2, 4, 2, groups=2)": "conv3d_t",
    "nn.RMSNorm(8)": "rmsnorm",
    "nn.GroupNorm(2, 8)": "groupnorm",
    "nn.PReLU(8)": "prelu",
    "nn.PReLU()": "prelu",
    "nn.MultiheadAttention(8, 2)": "attention",
    "nn.GELU()": "activation",
    "nn.Softmax(dim=-1)": "activation",
    "nn.MaxPool1d(2)": "pool1d",
    "nn.AvgPool2d(3, stride=1)": "pool2d",
    "nn.Flatten()": "flatten",
    "nn.BatchNorm2d(8)": "batchnorm",
    "nn.Dropout2d(0.3)": "dropout",
}


@pytest.mark.parametrize("expr", FAMILY_OF)
def test_read_into_a_family_and_written_back(expr: str) -> None:
    """Each layer reads as its family's values, and PyTorch's writer of that family writes a layer that reads
    back as the same values (for every family a PyTorch layer writes)."""
    layer = rnnparams.count(expr).layers[0]
    values = read_layer(layer, "pytorch")
    assert values is not None and values.family == FAMILY_OF[expr]
    write = writer_for("pytorch", values.family)
    assert write is not None
    (written, *_), shape = write(values)
    again = rnnparams.count(rnnparams.spec.ModelSpec("pytorch", (written,), shape)).layers[0]
    assert read_layer(again, "pytorch") == values


def test_no_family_says_why_and_parameter_free_layers_translate_as_nothing() -> None:
    comparison = rnnparams.compare("nn.Conv3d(2, 4, (1, 2, 3)); nn.ReLU(); nn.LPPool3d(2, 2)", ["pytorch", "keras"],
                                   input_shape=(2, 5, 6, 7))
    conv, relu, pool = comparison.layers
    keras = conv.columns[1]
    assert keras.report is None and "kernel sizes" in (keras.reason or "")
    assert relu.columns[1].params in (0, None) and pool.columns[1].params == 0
    attention = rnnparams.compare("nn.MultiheadAttention(8, 2, add_bias_kv=True)", ["pytorch", "keras"])
    assert "add_bias_kv" in (attention.layers[0].columns[1].reason or "")


def test_the_builder_writes_the_new_families_as_pytorch_layers() -> None:
    spec = build_model("pytorch", [("conv2d", {"in": 3, "filters": 8}), ("groupnorm", {"groups": 2}),
                                   ("activation", {"fn": "gelu"}), ("pool2d", {"op": "avg", "size": 2}),
                                   ("flatten", {})])
    assert [layer.type for layer in spec.layers] == ["Conv2d", "GroupNorm", "GELU", "AvgPool2d", "Flatten"]
    assert rnnparams.count(spec, input_shape=(3, 10, 10)).total_params == 8 * (3 * 9 + 1) + 2 * 8


def test_nested_layers_round_trip_through_spec_files() -> None:
    expr = "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8)); nn.Linear(8, 2)"
    spec = rnnparams.api.to_spec(expr)
    for fmt in ("json", "toml"):
        again = load_spec(dump_spec(spec, fmt), fmt)
        assert rnnparams.count(again).total_params == rnnparams.count(expr).total_params
    from rnnparams.inputs.schema import spec_schema

    assert "pytorch.TransformerEncoder" in json.dumps(spec_schema())


def test_estimates_by_hand() -> None:
    b = 2
    pool = rnnparams.estimate("nn.Conv2d(3, 3, 1); nn.MaxPool2d(2)", input_shape=(3, 8, 8), batch=b,
                              seq_len=None).layers[1]
    assert pool.compute_line("flops_step").value == 4 * 3  # 4 numbers read per output number, 3 channels
    assert {a.key: a.value for a in pool.activations} == {"input": b * 3 * 8 * 8 * 4, "argmax": b * 3 * 4 * 4 * 8}
    up = rnnparams.estimate("nn.ConvTranspose1d(4, 6, 3, stride=2)", input_shape=(4, 10), batch=b, seq_len=None)
    assert up.layers[0].compute_line("macs_batch").value == b * 10 * 4 * 6 * 3  # the kernel from every input position
    t, e, h = 5, 8, 2
    mha = rnnparams.estimate("nn.MultiheadAttention(8, 2)", input_shape=(t, e), batch=b, seq_len=None).layers[0]
    assert mha.compute_line("macs_step").value == 4 * e * e + 2 * t * e
    assert mha.activation_bytes == b * (6 * t * e + h * t * t) * 4
    first = rnnparams.estimate("nn.ReLU(); nn.Linear(4, 2)", input_shape=(4,), batch=b, seq_len=None)
    assert first.layers[0].activations == ()  # no gradient reaches a layer before every trainable tensor


def test_refusals_and_lazy_layers_are_clear_errors() -> None:
    with pytest.raises(rnnparams.RnnParamsError, match="infers in_channels from its first input"):
        rnnparams.count("nn.LazyConv2d(4, 3)")
    with pytest.raises(rnnparams.RnnParamsError, match="embed_dim must be divisible by num_heads"):
        rnnparams.count("nn.MultiheadAttention(10, 3)")
    with pytest.raises(rnnparams.RnnParamsError, match="Halving dimension must be even"):
        rnnparams.count("nn.GLU()", input_shape=(5,))
    assert FRAMEWORKS["pytorch"].refused["RNNBase"].startswith("the base class")
