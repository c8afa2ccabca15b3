"""Comparing rnnparams with a model built in real Keras (3, torch backend): shared by the Keras layer oracles.

Everything must agree: the total and the trainable split, the layers (in `model.layers` order, input layers
aside) and their names, every weight's path (relative to its layer) and shape in `layer.weights` order with its
trainable flag, and the output shapes: Keras' symbolic ones exactly, and a real forward pass's where the
symbolic shape leaves a dimension free."""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest

import rnnparams
from rnnparams.analysis.report import Report
from rnnparams.errors import RnnParamsError

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
L = keras.layers
NAMESPACE: dict[str, Any] = {name: getattr(L, name) for name in dir(L) if not name.startswith("_")}
NAMESPACE.update({"keras": keras, "layers": L, "np": np})
BATCH = 2


def relative_paths(model: Any, layer: Any) -> list[str]:
    """Weight paths below the layer (`lstm/lstm_cell/kernel` -> `lstm_cell/kernel`), model prefix aside."""
    out = []
    for w in layer.weights:
        path = w.path
        if path.startswith(f"{model.name}/"):
            path = path[len(model.name) + 1:]
        prefix = f"{layer.name}/"
        out.append(path[len(prefix):] if path.startswith(prefix) else path)
    return out


def sample(shape: tuple[int | None, ...], integer: bool) -> Any:
    dims = tuple(BATCH if d is None else d for d in shape)
    return np.random.randint(0, 2, dims) if integer else np.random.rand(*dims).astype("float32")


def compare(report: Report, model: Any, inputs: list[tuple[int | None, ...]], integer: bool = False) -> None:
    """`inputs`: the model's input shapes with the batch (None where free)."""
    theirs = [layer for layer in model.layers if not isinstance(layer, L.InputLayer)]
    assert [layer.name for layer in report.layers] == [layer.name for layer in theirs]
    for ours, layer in zip(report.layers, theirs, strict=True):
        assert [(t.name, list(t.shape), t.trainable) for t in ours.tensors] == [
            (p, list(w.shape), bool(w.trainable)) for p, w in zip(relative_paths(model, layer), layer.weights,
                                                                  strict=True)], layer.name
        assert ours.params == layer.count_params(), layer.name
    assert report.total_params == model.count_params()
    assert report.trainable_params == sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    by_name = {layer.name: layer for layer in report.layers}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = model([sample(s, integer) for s in inputs] if len(inputs) > 1 else sample(inputs[0], integer))
    real = real if isinstance(real, (list, tuple)) else [real]
    for tensor, value in zip(model.outputs, real, strict=True):
        history = tensor._keras_history
        ours = by_name[history.operation.name]
        shapes = ours.output_shape if ours.multi_output else (ours.output_shape,)
        produced = [tuple(s) for s in (*shapes, *ours.state_shapes.values())]
        if history.tensor_index >= len(produced):  # attention scores (a call argument's output, not the plan's)
            continue
        mine, symbolic = produced[history.tensor_index], tuple(tensor.shape)
        assert all(d is None or d == r for d, r in zip(mine, value.shape, strict=True)), f"{ours.name}: {mine} vs " \
            f"a real {tuple(value.shape)}"
        if all(d is None or d == r for d, r in zip(symbolic, value.shape, strict=True)):  # Keras' summary shape,
            assert mine == symbolic, f"{ours.name}: {mine} vs Keras {symbolic}"  # where it is the real one


def sequential_case(expr: str, shape: tuple[int | None, ...], framework: str = "keras") -> Report | None:
    """Count `expr` (a `;` chain) on `shape` and build it as a Sequential in Keras; when Keras refuses it,
    rnnparams must refuse it too (None)."""
    keras.backend.clear_session()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = [eval(part.strip(), NAMESPACE) for part in expr.split(";") if part.strip()]  # test-side only
            model = keras.Sequential([keras.Input(shape), *layers])
            model(sample((None, *shape), layers[0].__class__.__name__ == "Embedding"))
    except (ValueError, TypeError) as exc:
        with pytest.raises(RnnParamsError):
            rnnparams.count(expr, framework, list(shape))
        assert str(exc)
        return None
    report = rnnparams.count(expr, framework, list(shape))
    compare(report, model, [(None, *shape)], integer=layers[0].__class__.__name__ == "Embedding")
    return report


def code_case(code: str, name: str = "model") -> Report | None:
    """Count the model `name` of Keras code with the code reader, then run the code for real (test-side only)
    and compare; when Keras refuses the code, the reader must refuse the model too (None)."""
    keras.backend.clear_session()
    namespace: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, "<case>", "exec"), namespace)  # the test runs it; the library never does
    except (ValueError, TypeError):
        with pytest.raises(RnnParamsError):
            rnnparams.count(code, select=name)
        return None
    model = namespace[name]
    report = rnnparams.count(code, select=name)
    compare(report, model, [tuple(t.shape) for t in model.inputs],
            integer=any("int" in str(t.dtype) for t in model.inputs))
    return report


__all__ = ["NAMESPACE", "code_case", "compare", "keras", "np", "sequential_case"]
