"""Translation to and from the frameworks beyond PyTorch and Keras (Flax, PaddlePaddle, MindSpore, ONNX, TF 1,
MXNet), in the neutral terms of translate.py: a kind (rnn, lstm, gru, their cells, dense, embedding) and the
plan's bindings (I, H, L, D, P), plus whether the layer has biases (and, for LSTMs, peepholes).

`neutral` reads a layer of one of these frameworks into those terms; `build` writes them as the target's
layers, or says why the target has no equivalent."""

from __future__ import annotations

from collections.abc import Callable

from ..conventions import FRAMEWORKS
from ..spec import LayerSpec, Shape, Value
from .report import LayerReport
from .translate import _NoEquivalent, make_layer

Built = tuple[list[LayerSpec], Shape | None]
NEW = ("flax", "flax-nnx", "paddle", "mindspore", "onnx", "tf1", "mxnet")
BIAS_ROLES = ("bias", "input_bias", "recurrent_bias", "input_and_recurrent_bias")
SEQUENCE = {"rnn_cell": "rnn", "lstm_cell": "lstm", "gru_cell": "gru", "mgu_cell": "mgu"}


def _bias(layer: LayerReport) -> bool:
    """Biases that learn: paddle's frozen zero biases (bias_ih_attr=False) are no biases."""
    return any(t.role in BIAS_ROLES and t.trainable for t in layer.tensors)


def neutral(layer: LayerReport, source: str) -> tuple[str, dict[str, int], bool] | None:
    """(kind, bindings, bias) of a layer of a framework added here; None for PyTorch and Keras layers."""
    if source not in NEW:
        return None
    env = {k: v for k, v in layer.plan.bindings.items() if k in ("I", "H", "L", "D", "P", "O", "V", "E")}
    kind = layer.kind
    if any(t.role == "peephole" for t in layer.tensors):
        env["peepholes"] = 1
    spec = layer.spec
    if kind in ("rnn_scan", "bidirectional") and spec is not None:  # flax RNN(cell), Bidirectional(RNN, RNN)
        if "H_b" in layer.plan.bindings:
            raise _NoEquivalent("the two directions use different cells, which no other framework's layer holds")
        rnn = spec.config.get("cell") if kind == "rnn_scan" else spec.config.get("forward_rnn")
        cell = rnn if kind == "rnn_scan" else (rnn.config.get("cell") if isinstance(rnn, LayerSpec) else None)
        assert isinstance(cell, LayerSpec)
        kind = SEQUENCE[FRAMEWORKS[source].layers[cell.type].kind]
    elif kind == "stacked_cells" and spec is not None:  # tf1 MultiRNNCell: a stack of equal cells only
        cells = spec.config.get("cells")
        assert isinstance(cells, tuple)
        first = cells[0]
        assert isinstance(first, LayerSpec)
        if any(not isinstance(c, LayerSpec) or (c.type, dict(c.config)) != (first.type, dict(first.config))
               for c in cells):
            raise _NoEquivalent("a MultiRNNCell of different cells has no single-layer equivalent")
        kind = SEQUENCE[FRAMEWORKS[source].layers[first.type].kind]
        env["L"] = len(cells)
        env = {k: v for k, v in env.items() if "_" not in k}
    elif source in ("tf1",) and kind in SEQUENCE:
        pass
    return kind, env, _bias(layer)


def build(target: str, kind: str, env: dict[str, int], bias: bool) -> Built:
    if kind == "mgu" or kind == "mgu_cell":
        if target == "flax":
            cell = make_layer(target, "MGUCell", features=env["H"])
            return [make_layer(target, "RNN", cell=cell) if kind == "mgu" else cell], (None, env["I"])
        raise _NoEquivalent("the minimal gated unit (MGU) is Flax linen's own cell")
    if env.get("peepholes") and target not in ("onnx", "tf1"):
        raise _NoEquivalent("LSTM peephole connections exist only in ONNX (P) and TF 1 (use_peepholes)")
    builder = BUILDERS.get(target)
    if builder is None:
        raise _NoEquivalent(f"no {FRAMEWORKS[target].display} translation is modelled")
    return builder(kind, env, bias)


def _need(cond: bool, reason: str) -> None:
    if not cond:
        raise _NoEquivalent(reason)


def _stack(env: dict[str, int]) -> tuple[int, int, int, int, int]:
    return env["I"], env["H"], env.get("L", 1), env.get("D", 1), env.get("P", 0)


def _flax(kind: str, env: dict[str, int], bias: bool, nnx: bool) -> Built:
    target = "flax-nnx" if nnx else "flax"
    name = {"rnn": "SimpleCell", "lstm": "LSTMCell", "gru": "GRUCell"}
    if kind == "dense":
        if nnx:
            return [make_layer(target, "Linear", in_features=env["I"], out_features=env["O"], use_bias=bias)], None
        return [make_layer(target, "Dense", features=env["O"], use_bias=bias)], (env["I"],)
    if kind == "embedding":
        return [make_layer(target, "Embed", num_embeddings=env["V"], features=env["E"])], (None,)
    base = SEQUENCE.get(kind, kind)
    _need(base in name, f"no {FRAMEWORKS[target].display} equivalent of a {kind} layer is modelled")
    _need(bias, "Flax cells always have biases (their layout is fixed per cell)")
    i, h, layers, dirs, proj = _stack(env)
    _need(not proj, "Flax has no LSTM projection (proj_size)")

    def cell(features_in: int) -> LayerSpec:
        if nnx:
            return make_layer(target, name[base], in_features=features_in, hidden_features=h)
        return make_layer(target, name[base], features=h)

    if kind in SEQUENCE:  # a cell stays a cell: one step
        return [cell(i)], None if nnx else (i,)
    out: list[LayerSpec] = []
    for k in range(layers):
        width = i if k == 0 else dirs * h
        rnn = make_layer(target, "RNN", cell=cell(width))
        out.append(make_layer(target, "Bidirectional", forward_rnn=rnn, backward_rnn=make_layer(
            target, "RNN", cell=cell(width))) if dirs == 2 else rnn)
    return out, (None, i)


def _paddle(kind: str, env: dict[str, int], bias: bool) -> Built:
    t = "paddle"
    frozen: dict[str, Value] = {} if bias else {"bias_ih_attr": False, "bias_hh_attr": False}
    if kind == "dense":
        return [make_layer(t, "Linear", in_features=env["I"], out_features=env["O"],
                           **({} if bias else {"bias_attr": False}))], None
    if kind == "embedding":
        return [make_layer(t, "Embedding", num_embeddings=env["V"], embedding_dim=env["E"])], None
    i, h, layers, dirs, proj = _stack(env)
    if kind in SEQUENCE:
        name = {"rnn_cell": "SimpleRNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[kind]
        return [make_layer(t, name, input_size=i, hidden_size=h, **frozen,
                           **({"proj_size": proj} if proj else {}))], None
    name = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    return [make_layer(t, name, input_size=i, hidden_size=h, num_layers=layers,
                       direction="bidirect" if dirs == 2 else "forward", **frozen,
                       **({"proj_size": proj} if proj else {}))], None


def _mindspore(kind: str, env: dict[str, int], bias: bool) -> Built:
    t = "mindspore"
    if kind == "dense":
        return [make_layer(t, "Dense", in_channels=env["I"], out_channels=env["O"], has_bias=bias)], None
    if kind == "embedding":
        return [make_layer(t, "Embedding", vocab_size=env["V"], embedding_size=env["E"])], None
    i, h, layers, dirs, proj = _stack(env)
    _need(not proj, "MindSpore's LSTM has no projection (proj_size)")
    if kind in SEQUENCE:
        name = {"rnn_cell": "RNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[kind]
        return [make_layer(t, name, input_size=i, hidden_size=h, has_bias=bias)], None
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    return [make_layer(t, name, input_size=i, hidden_size=h, num_layers=layers, has_bias=bias, batch_first=True,
                       bidirectional=dirs == 2)], None


def _mxnet(kind: str, env: dict[str, int], bias: bool) -> Built:
    t = "mxnet"
    if kind == "dense":
        return [make_layer(t, "Dense", units=env["O"], use_bias=bias, flatten=False, in_units=env["I"])], None
    if kind == "embedding":
        return [make_layer(t, "Embedding", input_dim=env["V"], output_dim=env["E"])], None
    _need(kind not in SEQUENCE, "MXNet Gluon's cells (rnn.LSTMCell...) are not modelled here; compare the layer")
    _need(bias, "MXNet Gluon's recurrent layers always have both biases")
    i, h, layers, dirs, proj = _stack(env)
    extra: dict[str, Value] = {"activation": "tanh"} if kind == "rnn" else {}  # Gluon's RNN defaults to relu
    if proj:
        extra["projection_size"] = proj
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[kind]
    return [make_layer(t, name, hidden_size=h, num_layers=layers, layout="NTC", bidirectional=dirs == 2,
                       input_size=i, **extra)], None


def _onnx(kind: str, env: dict[str, int], bias: bool) -> Built:
    t = "onnx"
    _need(kind not in ("dense", "embedding"), "ONNX has no layer for it: a Gemm/MatMul or Gather node with "
                                              "its initializers, not modelled here")
    i, h, layers, dirs, proj = _stack(env)
    _need(not proj, "the ONNX LSTM operator has no projection (proj_size)")
    base = SEQUENCE.get(kind, kind)
    name = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[base]
    extra: dict[str, Value] = {"peepholes": True} if env.get("peepholes") else {}
    direction = "bidirectional" if dirs == 2 else "forward"
    nodes = [make_layer(t, name, hidden_size=h, input_size=i if k == 0 else dirs * h, direction=direction,
                        bias=bias, **extra) for k in range(layers)]
    return nodes, None


def _tf1(kind: str, env: dict[str, int], bias: bool) -> Built:
    t = "tf1"
    _need(kind not in ("dense", "embedding"), "TF 1's rnn_cell module has only cells; tf.compat.v1.layers are "
                                              "not modelled here")
    i, h, layers, dirs, proj = _stack(env)
    _need(bias, "TF 1 cells always have a bias")
    _need(dirs == 1, "TF 1 runs two cells with tf.compat.v1.nn.bidirectional_dynamic_rnn, a function rather than "
                     "a cell; not modelled here")
    base = SEQUENCE.get(kind, kind)
    _need(not proj or base == "lstm", "only TF 1's LSTMCell has num_proj")
    if base == "lstm":
        options: dict[str, Value] = {"num_proj": proj} if proj else {}
        if env.get("peepholes"):
            options["use_peepholes"] = True
        cell = make_layer(t, "LSTMCell", num_units=h, **options)
    else:
        cell = make_layer(t, {"rnn": "BasicRNNCell", "gru": "GRUCell"}[base], num_units=h)
    if layers > 1:
        return [make_layer(t, "MultiRNNCell", cells=tuple(cell for _ in range(layers)))], (i,)
    return [cell], (i,)


BUILDERS: dict[str, Callable[[str, dict[str, int], bool], Built]] = {
    "flax": lambda kind, env, bias: _flax(kind, env, bias, nnx=False),
    "flax-nnx": lambda kind, env, bias: _flax(kind, env, bias, nnx=True),
    "paddle": _paddle, "mindspore": _mindspore, "mxnet": _mxnet, "onnx": _onnx, "tf1": _tf1,
}
