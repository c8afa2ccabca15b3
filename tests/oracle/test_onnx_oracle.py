"""ONNX oracle: conventions/onnx.py against the ONNX operator spec as enforced by onnx.checker (strict shape
inference) and onnxruntime (which validates W, R, B and P against the attributes and runs the node), and
against torch.onnx.export of the same PyTorch layers (the legacy TorchScript exporter emits LSTM/GRU/RNN
nodes; the dynamo exporter decomposes them)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from fworacle import BATCH, filled
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

pytestmark = [pytest.mark.oracle, pytest.mark.oracle_onnx]
OPSET = 14  # `layout` exists from opset 14
POSITIONS = {"W": 1, "R": 2, "B": 3, "P": 7}  # X, W, R, B, sequence_lens, initial_h, initial_c, P


def build(report: rnnparams.Report) -> tuple[object, dict[str, np.ndarray]]:
    """The node rnnparams describes, as a graph: initializers of exactly the counted shapes."""
    layer = report.layers[0]
    spec = layer.spec
    assert spec is not None
    inputs = ["X", "", "", "", "", "", "", ""]
    inits = []
    rng = np.random.default_rng(0)
    for t in layer.tensors:
        inputs[POSITIONS[t.name]] = t.name
        inits.append(numpy_helper.from_array(rng.standard_normal(t.shape).astype(np.float32), t.name))
    while inputs and not inputs[-1]:
        inputs.pop()
    attrs: dict[str, object] = {"hidden_size": spec.get("hidden_size"), "direction": spec.get("direction"),
                                "layout": spec.get("layout")}
    if layer.type == "GRU":
        attrs["linear_before_reset"] = spec.get("linear_before_reset")
    outputs = ["Y", "Y_h"] + (["Y_c"] if layer.type == "LSTM" else [])
    node = helper.make_node(layer.type, inputs, outputs, **attrs)
    x_shape = filled(layer.input_shape)
    # the outputs are declared with the shapes rnnparams gives: strict shape inference must agree
    shapes = [filled(layer.output_shape), *(filled(s) for s in layer.state_shapes.values())]
    graph = helper.make_graph([node], "rnn", [helper.make_tensor_value_info("X", TensorProto.FLOAT, x_shape)],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape)
                               for o, shape in zip(outputs, shapes, strict=True)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model, {"X": np.ones(x_shape, np.float32)}


def run(expr: str, input_shape: tuple[int, ...] | None = None) -> rnnparams.Report:
    report = rnnparams.count(expr, "onnx", input_shape)
    model, feeds = build(report)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    layer = report.layers[0]
    if layer.spec is not None and layer.spec.get("layout") == 1:  # onnxruntime's CPU kernels refuse layout=1
        from onnx.reference import ReferenceEvaluator

        y, *states = ReferenceEvaluator(model).run(None, feeds)
    else:
        session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        y, *states = session.run(None, feeds)
    assert list(y.shape) == filled(layer.output_shape)
    assert [list(s.shape) for s in states] == [filled(s) for s in layer.state_shapes.values()]
    declared = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.output}
    assert declared["Y"] == list(y.shape)  # ONNX's own shape inference agrees
    return report


CASES = [
    ("onnx.RNN(hidden_size=4, input_size=3)", None),
    ("onnx.RNN(hidden_size=4, input_size=3, direction='reverse', bias=False)", None),
    ("onnx.LSTM(hidden_size=4, input_size=3)", None),
    ("onnx.LSTM(hidden_size=4, input_size=3, direction='bidirectional', peepholes=True)", None),
    ("onnx.LSTM(hidden_size=4, direction='bidirectional', layout=1)", (5, 3)),
    ("onnx.GRU(hidden_size=4, input_size=3, linear_before_reset=1)", None),
    ("onnx.GRU(hidden_size=4, input_size=3, direction='bidirectional', bias=False, layout=1)", None),
    ("onnx.LSTM(hidden_size=256, input_size=100, direction='bidirectional')", None),
]


@pytest.mark.parametrize("expr, shape", CASES)
def test_nodes_run_in_onnxruntime(expr: str, shape: tuple[int, ...] | None) -> None:
    run(expr, shape if shape is not None else (5, 3) if "input_size=3" in expr else None)


def test_a_wrong_shape_is_refused() -> None:
    """The oracle has teeth: one gate block too many in W and onnxruntime refuses the node."""
    report = rnnparams.count("onnx.LSTM(hidden_size=4, input_size=3)", "onnx", (5, 3))
    model, feeds = build(report)
    w = model.graph.initializer[0]
    w.CopyFrom(numpy_helper.from_array(np.zeros((1, 20, 3), np.float32), "W"))
    with pytest.raises(Exception, match="W"):
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), i=st.integers(1, 8), h=st.integers(1, 8),
       direction=st.sampled_from(["forward", "reverse", "bidirectional"]), layout=st.sampled_from([0, 1]),
       bias=st.booleans(), peep=st.booleans(), steps=st.integers(1, 4))
def test_random_nodes(kind: str, i: int, h: int, direction: str, layout: int, bias: bool, peep: bool,
                      steps: int) -> None:
    extra = f", peepholes={peep}" if kind == "LSTM" else ""
    run(f"onnx.{kind}(hidden_size={h}, input_size={i}, direction={direction!r}, layout={layout}, bias={bias}{extra})",
        (steps, i))


torch = pytest.importorskip("torch")


def exported(module: object, x: object) -> list[tuple[str, list[list[int]]]]:
    """(op type, initializer shapes) of each recurrent node torch.onnx.export writes."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x,), buffer, dynamo=False)
    model = onnx.load_from_string(buffer.getvalue())
    inits = {i.name: list(i.dims) for i in model.graph.initializer}
    return [(n.op_type, [inits[name] for name in n.input if name in inits]) for n in model.graph.node
            if n.op_type in ("RNN", "LSTM", "GRU")]


@pytest.mark.parametrize("expr", [
    "nn.LSTM(3, 4)", "nn.LSTM(3, 4, num_layers=2, bidirectional=True)", "nn.GRU(3, 5, num_layers=3)",
    "nn.RNN(3, 4, bidirectional=True)", "nn.GRU(3, 4, bias=False)", "nn.LSTM(6, 2, num_layers=2, bias=False)",
])
def test_torch_export_matches_the_translation(expr: str) -> None:
    module = eval(expr, {"nn": torch.nn})
    nodes = exported(module, torch.randn(5, BATCH, module.input_size))
    comparison = rnnparams.compare(expr, "pytorch,onnx")
    translated = comparison.layers[0].columns[1].report
    assert translated is not None
    ours = [(layer.type, sorted(list(t.shape) for t in layer.tensors)) for layer in translated.layers]
    assert ours == [(op, sorted(shapes)) for op, shapes in nodes]
    assert comparison.totals()["onnx"] == comparison.totals()["pytorch"] == sum(
        int(np.prod(s)) for _, shapes in nodes for s in shapes)
