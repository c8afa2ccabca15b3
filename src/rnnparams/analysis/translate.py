"""The same architecture in another framework: each counted layer rewritten as the target framework's layers.

The neutral language is the plan's bindings (I, H, L, D, P, O, V, E, C, K) plus what the tensors show
(bias present or not): a layer is translated from what it *is*, not from how it was spelled. Options left
at their framework's default stay at the target's default (so Keras 3 GRU becomes a Keras 2 GRU with
Keras 2's `reset_after=False`, which is the point of comparing them).
"""

from __future__ import annotations

from .._record import record
from ..conventions import FRAMEWORKS
from ..conventions.base import REQUIRED
from ..errors import ConfigError
from ..spec import LayerSpec, ModelSpec, Shape, Value, frozen_mapping
from .count import count_model
from .report import LayerReport, Report

RECURRENT = {"rnn": ("RNN", "SimpleRNN"), "lstm": ("LSTM", "LSTM"), "gru": ("GRU", "GRU")}
KERAS_IDS = ("keras", "keras2")


@record
class Translation:
    """A source layer in the target framework: the counted layers, or why there is no equivalent."""

    source: LayerReport
    framework: str
    report: Report | None
    reason: str | None = None

    @property
    def params(self) -> int | None:
        return None if self.report is None else self.report.total_params


def make_layer(framework: str, type_name: str, **config: Value) -> LayerSpec:
    """A LayerSpec with the framework's defaults filled in, as the expression parser would build it."""
    conv = FRAMEWORKS[framework].layers[type_name]
    full: dict[str, Value] = {}
    for p in conv.params:
        if p.name in config:
            full[p.name] = config.pop(p.name)
        elif p.default is REQUIRED:
            raise ConfigError(f"{type_name} needs {p.name}")
        else:
            full[p.name] = p.default  # type: ignore[assignment]
    full.update(config)
    return LayerSpec(type_name, frozen_mapping(full))


def translate_layer(layer: LayerReport, source: str, target: str) -> Translation:
    """Count `layer` (from framework `source`) as the equivalent layers of `target`, standing alone."""
    try:
        built = _build(layer, source, target)
    except _NoEquivalent as exc:
        return Translation(layer, target, None, str(exc))
    layers, input_shape = built
    if not layers:
        return Translation(layer, target, Report(target, (), input_shape))
    return Translation(layer, target, count_model(ModelSpec(target, tuple(layers), input_shape)))


def translate_report(report: Report, target: str) -> tuple[Translation, ...]:
    return tuple(translate_layer(layer, report.framework, target) for layer in report.layers)


class _NoEquivalent(Exception):
    pass


def _kept_default(layer: LayerReport, source: str, key: str) -> bool:
    """True when the source layer leaves `key` at its framework's default."""
    spec = layer.spec
    if spec is None:
        return True
    inner = spec.config.get("layer")
    holder = inner if isinstance(inner, LayerSpec) else spec
    conv = FRAMEWORKS[source].layers[holder.type]
    default = next((p.default for p in conv.params if p.name == key), None)
    return holder.config.get(key, default) == default


def _has(layer: LayerReport, *roles: str) -> bool:
    return any(t.role in roles for t in layer.tensors)


def _build(layer: LayerReport, source: str, target: str) -> tuple[list[LayerSpec], Shape | None]:
    from .translate_more import BUILDERS, build, neutral

    env = dict(layer.plan.bindings)
    kind = layer.kind
    bias = _has(layer, "bias", "input_bias", "recurrent_bias", "input_and_recurrent_bias")
    normal = neutral(layer, source)  # a layer of Flax, PaddlePaddle, MindSpore, ONNX, TF 1 or MXNet
    if normal is not None:
        kind, env, bias = normal
    elif kind in ("bidirectional", "time_distributed"):
        kind = _inner_kind(layer, source)
    if target in BUILDERS or kind in ("mgu", "mgu_cell") or env.get("peepholes"):
        return build(target, kind, env, bias)
    if kind.endswith("_cell"):
        if target == "pytorch":
            name = {"rnn_cell": "RNNCell", "lstm_cell": "LSTMCell", "gru_cell": "GRUCell"}[kind]
            return [make_layer(target, name, input_size=env["I"], hidden_size=env["H"], bias=bias)], None
        raise _NoEquivalent("Keras cells (SimpleRNNCell...) are not modelled here; compare the full layer")
    if kind in RECURRENT:
        return _recurrent(layer, source, target, kind, env, bias)
    if kind in ("cudnn_lstm", "cudnn_gru") or layer.type.startswith("CuDNN"):
        base = "lstm" if "LSTM" in layer.type else "gru"
        return _recurrent(layer, source, target, base, env, True)
    if kind == "dense":
        if target == "pytorch":
            return [make_layer(target, "Linear", in_features=env["I"], out_features=env["O"], bias=bias)], None
        return [make_layer(target, "Dense", units=env["O"], use_bias=bias)], (env["I"],)
    if kind == "embedding":
        if target == "pytorch":
            return [make_layer(target, "Embedding", num_embeddings=env["V"], embedding_dim=env["E"])], None
        return [make_layer(target, "Embedding", input_dim=env["V"], output_dim=env["E"])], (None,)
    if kind == "conv1d":
        groups = env["C"] // env["C_g"] if "C_g" in env else 1
        if target == "pytorch":
            return [make_layer(target, "Conv1d", in_channels=env["C"], out_channels=env["O"], kernel_size=env["K"],
                               groups=groups, bias=bias)], None
        return [make_layer(target, "Conv1D", filters=env["O"], kernel_size=env["K"], groups=groups,
                           use_bias=bias)], (None, env["C"])
    if kind in ("batch_norm", "layer_norm"):
        return _norm(layer, target, kind, env)
    if kind == "dropout":
        if target == "pytorch":
            return [make_layer(target, "Dropout")], None
        return [make_layer(target, "Dropout", rate=0.5)], (None,)
    if not layer.tensors:
        return [], None  # reshaping and pooling layers: no parameters anywhere
    raise _NoEquivalent(f"no {FRAMEWORKS[target].display} equivalent of {layer.type} is modelled")


def _inner_kind(layer: LayerReport, source: str) -> str:
    inner = layer.spec.config.get("layer") if layer.spec is not None else None
    if not isinstance(inner, LayerSpec):
        raise _NoEquivalent(f"{layer.type} without its wrapped layer")
    return FRAMEWORKS[source].layers[inner.type].kind


def _recurrent(layer: LayerReport, source: str, target: str, kind: str, env: dict[str, int],
               bias: bool) -> tuple[list[LayerSpec], Shape | None]:
    i, h, stacked, dirs, proj = env["I"], env["H"], env.get("L", 1), env.get("D", 1), env.get("P", 0)
    torch_name, keras_name = RECURRENT[kind]
    if target == "pytorch":
        return [make_layer(target, torch_name, input_size=i, hidden_size=h, num_layers=stacked, bias=bias,
                           batch_first=True, bidirectional=dirs == 2, proj_size=proj)], None
    if proj:
        raise _NoEquivalent("proj_size (an LSTM projection) has no Keras equivalent")
    options: dict[str, Value] = {"units": h, "use_bias": bias, "return_sequences": True}
    if kind == "gru" and source in KERAS_IDS and not _kept_default(layer, source, "reset_after"):
        options["reset_after"] = _has(layer, "input_and_recurrent_bias")  # a choice the user made is kept
    layers = []
    for _ in range(stacked):
        cell = make_layer(target, keras_name, **options)
        layers.append(make_layer(target, "Bidirectional", layer=cell) if dirs == 2 else cell)
    return layers, (None, i)


def _norm(layer: LayerReport, target: str, kind: str, env: dict[str, int]) -> tuple[list[LayerSpec], Shape | None]:
    scale, shift = _has(layer, "scale"), _has(layer, "shift")
    if kind == "batch_norm":
        c = env["C"]
        if target == "pytorch":
            if scale != shift:
                raise _NoEquivalent("PyTorch BatchNorm1d has scale and shift together (affine) or neither")
            return [make_layer(target, "BatchNorm1d", num_features=c, affine=scale)], None
        return [make_layer(target, "BatchNormalization", center=shift, scale=scale)], (None, c)
    if "N" not in env and "C" not in env:
        raise _NoEquivalent("a LayerNorm over several axes has no single-axis Keras equivalent")
    n = env.get("N", env.get("C", 0))
    if target == "pytorch":
        if shift and not scale:
            raise _NoEquivalent("PyTorch LayerNorm cannot shift without scaling")
        return [make_layer(target, "LayerNorm", normalized_shape=n, elementwise_affine=scale, bias=shift)], None
    return [make_layer(target, "LayerNormalization", center=shift, scale=scale)], (None, n)
