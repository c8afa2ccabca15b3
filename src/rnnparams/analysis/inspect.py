"""What a checkpoint holds: its tensors totalled, and its recurrent (and other) layers recognised, with their
configuration reconstructed and proven against our own conventions.

Recognition never guesses on its own authority. Each source of evidence proposes a candidate layer as a
`LayerSpec` in one of our frameworks:
- the file's own description of a layer (Keras `config.json`, a pickled `nn.Module`'s attributes, an ONNX
  LSTM/GRU/RNN/Gemm node), or
- the tensor names and shapes alone (PyTorch `rnn.weight_ih_l1_reverse`, `weight_hr_l0`... give input size,
  hidden size, gate count, layers, directions, projection and bias);
and the candidate is accepted only when counting it with the conventions (`count_model`) produces exactly
the tensors the file holds: the same names and shapes (PyTorch), the same shapes in creation order (Keras),
or the same total with the shapes checked operator by operator (ONNX, whose layout differs from PyTorch's).
The accepted layers are then chained into a `ModelSpec` that `rnnparams count` takes; its count is compared
with the checkpoint's own total, and any difference is explained (tensors no layer claims, layers that do
not chain).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .._record import field, record, replace
from ..conventions import FRAMEWORKS
from ..conventions.base import BOOL, CHOICE, FLOAT, INT, LAYER, NONNEG, REQUIRED, SHAPE, SIZE, Param, above_maximum
from ..errors import RnnParamsError
from ..inputs.checkpoints.model import Checkpoint, CheckpointTensor, DeclaredLayer, tensor_bytes
from ..spec import LayerSpec, ModelSpec, Shape, Value, frozen_mapping
from .count import count_model
from .report import LayerReport, Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RECURRENT_KINDS = ("rnn", "lstm", "gru", "rnn_cell", "lstm_cell", "gru_cell")
GATE_KINDS = {1: "RNN", 3: "GRU", 4: "LSTM"}
MAX_ORDER_TRIES = 400


@record
class RecognisedLayer:
    name: str
    """Its path in the checkpoint (`rnn`, `encoder.0`, `lstm`, the ONNX node name)."""
    type: str
    """Its class in `spec_framework` (`LSTM`, `Bidirectional`, `Linear`...)."""
    framework: str
    """Whose naming its tensors follow in the file: pytorch, keras, onnx."""
    spec_framework: str
    spec: LayerSpec
    tensors: tuple[str, ...]
    params: int
    buffers: int
    recurrent: bool
    source: str
    """config: the file describes the layer itself; tensors: recognised from tensor names and shapes."""
    summary: Mapping[str, Value] = field(default_factory=frozen_mapping)
    """For recurrent layers: input_size, hidden_size, num_layers, directions, proj_size, bias (and extras)."""
    position: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "framework": self.framework,
                               "spec_framework": self.spec_framework, "source": self.source}
        out.update({k: list(v) if isinstance(v, tuple) else v for k, v in self.summary.items()})
        out.update({"params": self.params, "buffers": self.buffers, "tensors": list(self.tensors)})
        return out


@record
class Inspection:
    checkpoint: Checkpoint
    tensors: tuple[CheckpointTensor, ...]
    """The file's tensors, or (when the reader could not list them) the tensors the recognised layers imply."""
    derived: bool
    layers: tuple[RecognisedLayer, ...]
    unrecognised: tuple[str, ...]
    buffer_names: frozenset[str]
    spec: ModelSpec | None
    spec_report: Report | None
    left_out: tuple[str, ...]
    """Recognised layers the spec leaves out because they do not chain with the others."""
    notes: tuple[str, ...] = ()

    def _counted(self) -> list[CheckpointTensor]:
        return [t for t in self.tensors if t.alias_of is None]

    @property
    def total_params(self) -> int:
        """Elements of every tensor that is not a buffer, tied tensors counted once."""
        return sum(t.numel for t in self._counted() if t.name not in self.buffer_names)

    @property
    def buffers(self) -> int:
        return sum(t.numel for t in self._counted() if t.name in self.buffer_names)

    @property
    def tensor_bytes(self) -> int:
        return sum(t.nbytes for t in self._counted())

    @property
    def recurrent_layers(self) -> tuple[RecognisedLayer, ...]:
        return tuple(layer for layer in self.layers if layer.recurrent)

    @property
    def complete(self) -> bool:
        """Every tensor belongs to a recognised layer, and the spec holds them all."""
        return not self.unrecognised and not self.left_out and self.spec is not None

    @property
    def spec_difference(self) -> int | None:
        """The checkpoint's total minus the spec's (parameters and buffers), None without a spec."""
        if self.spec_report is None:
            return None
        return self.total_params + self.buffers - self.spec_report.total_params - self.spec_report.buffers

    def by_dtype(self) -> list[tuple[str, int, int, int]]:
        """(dtype, tensors, elements, bytes), largest first."""
        table: dict[str, list[int]] = {}
        for t in self._counted():
            row = table.setdefault(t.dtype, [0, 0, 0])
            row[0] += 1
            row[1] += t.numel
            row[2] += t.nbytes
        return sorted(((k, *v) for k, v in table.items()), key=lambda r: (-r[3], r[0]))  # type: ignore[misc]

    def to_dict(self) -> dict[str, Any]:
        ck = self.checkpoint
        spec: dict[str, Any] | None = None
        if self.spec is not None and self.spec_report is not None:
            spec = {"framework": self.spec.framework, "total_params": self.spec_report.total_params,
                    "buffers": self.spec_report.buffers, "matches_checkpoint": self.spec_difference == 0,
                    "difference": self.spec_difference, "left_out": list(self.left_out),
                    "layers": [layer.type for layer in self.spec.layers]}
        return {
            "file": ck.path, "format": ck.format, "format_name": ck.description, "framework": ck.framework,
            "file_size": ck.file_size, "total_params": self.total_params, "buffers": self.buffers,
            "tensor_count": len(self.tensors), "tensor_bytes": self.tensor_bytes, "stored_bytes": ck.stored_bytes,
            "tensors_derived": self.derived, "metadata": dict(ck.metadata),
            "by_dtype": [{"dtype": d, "tensors": n, "params": p, "bytes": b} for d, n, p, b in self.by_dtype()],
            "recurrent_layers": [layer.to_dict() for layer in self.recurrent_layers],
            "layers": [layer.to_dict() for layer in self.layers],
            "unrecognised_tensors": list(self.unrecognised), "spec": spec,
            "tensors": [t.to_dict() | ({"buffer": True} if t.name in self.buffer_names else {})
                        for t in self.tensors],
            "notes": list(self.notes),
        }


# ---- candidates ------------------------------------------------------------------------------------------

@record
class _Candidate:
    name: str
    framework: str
    spec_framework: str
    spec: LayerSpec
    tensors: tuple[str, ...]
    match: str
    """names (PyTorch: prefixed names and shapes), order (Keras: shapes in order), total (ONNX), derived."""
    source: str
    input_shape: Shape | None = None
    position: int = 0
    extra: Mapping[str, Value] = field(default_factory=frozen_mapping)


class _Unusable(Exception):
    """A candidate that cannot become a LayerSpec (a value of a kind the convention does not take)."""


def inspect_checkpoint(ckpt: Checkpoint) -> Inspection:
    """Total the checkpoint's tensors, recognise its layers, and assemble the recognised model as a spec."""
    state = _State(ckpt)
    if ckpt.framework == "keras":
        state.keras_declared()
        state.keras_shapes()
    elif ckpt.framework == "onnx":
        state.onnx_nodes()
    else:
        state.pytorch_declared()
        state.pytorch_names()
    return state.finish()


class _State:
    def __init__(self, ckpt: Checkpoint) -> None:
        self.ckpt = ckpt
        self.by_name = {t.name: t for t in ckpt.tensors}
        self.index = {t.name: i for i, t in enumerate(ckpt.tensors)}
        self.claimed: set[str] = set()
        self.layers: list[RecognisedLayer] = []
        self.buffers = {t.name for t in ckpt.tensors if t.buffer}
        self.derived: list[CheckpointTensor] = []
        self.notes: list[str] = list(ckpt.notes)

    # -- verification ------------------------------------------------------------------------------------

    def accept(self, cand: _Candidate, *, quiet: bool = False) -> LayerReport | None:
        """Count the candidate alone; keep it when its tensors are exactly the file's. Returns its report."""
        if any(n in self.claimed for n in cand.tensors):
            return None
        try:
            report = count_model(ModelSpec(cand.spec_framework, (cand.spec,), cand.input_shape))
        except RnnParamsError as exc:
            if not quiet:
                self.notes.append(f"{cand.name}: looks like a {cand.spec.type}, but {exc.message}")
            return None
        except (AssertionError, TypeError, ValueError, KeyError):  # a configuration no user could write
            if not quiet:
                self.notes.append(f"{cand.name}: its configuration is not one rnnparams can count")
            return None
        layer = report.layers[0]
        counted = [*layer.tensors, *layer.buffers]
        files = [self.by_name[n] for n in cand.tensors]
        if cand.match == "names":
            prefix = f"{cand.name}." if cand.name else ""
            expected = {prefix + t.name: t.shape for t in counted}
            ok = expected == {t.name: t.shape for t in files}
            if ok:
                self.buffers.update(prefix + t.name for t in layer.buffers)
        elif cand.match == "order":
            ok = [t.shape for t in counted] == [t.shape for t in files]
        elif cand.match == "total":
            ok = sum(t.params for t in counted) == sum(t.numel for t in files)
        else:  # derived: the file's tensors could not be read; the conventions say what they are
            ok = True
            dtype = _keras_dtype(cand.extra.get("dtype"))
            names = [f"{cand.name}/{t.name}" for t in counted]
            self.derived.extend(CheckpointTensor(n, t.shape, dtype, tensor_bytes(t.shape, dtype))
                                for n, t in zip(names, counted, strict=True))
            cand = replace(cand, tensors=tuple(names))
        if not ok and quiet:
            return None
        if not ok:
            got = ", ".join(f"{t.name} {list(t.shape)}" for t in files[:6]) or "no tensors"
            self.notes.append(f"{cand.name}: {cand.spec.type} as configured would hold "
                              f"{', '.join(f'{t.name} {list(t.shape)}' for t in counted[:6])}, but the file has {got}")
            return None
        self.claimed.update(cand.tensors)
        conv = FRAMEWORKS[cand.spec_framework].layers[cand.spec.type]
        inner = cand.spec.config.get("layer")
        inner_kind = FRAMEWORKS[cand.spec_framework].layers[inner.type].kind if isinstance(inner, LayerSpec) else ""
        recurrent = conv.kind in RECURRENT_KINDS or inner_kind in RECURRENT_KINDS
        summary = _summary(layer, cand) if recurrent else {}
        self.layers.append(RecognisedLayer(
            cand.name, cand.spec.type, cand.framework, cand.spec_framework, cand.spec, cand.tensors,
            layer.params, layer.buffer_count, recurrent, cand.source, frozen_mapping(summary), cand.position))
        return layer

    def position(self, names: tuple[str, ...] | list[str]) -> int:
        return min((self.index.get(n, len(self.index)) for n in names), default=len(self.index))

    # -- PyTorch -----------------------------------------------------------------------------------------

    def pytorch_declared(self) -> None:
        """Layers of a pickled nn.Module, from their own attributes (input_size, hidden_size...)."""
        layers = FRAMEWORKS["pytorch"].layers
        for declared in self.ckpt.layers:
            if declared.type not in layers or not declared.tensors:
                continue
            config = dict(declared.config)
            if not isinstance(config.get("bias"), bool):  # nn.Linear, Conv1d, LayerNorm keep it as a parameter only
                config["bias"] = any(n.rpartition(".")[2] == "bias" for n in declared.tensors)
            try:
                spec = layer_spec("pytorch", declared.type, config)
            except _Unusable as exc:
                self.notes.append(f"{declared.name or '(root)'} ({declared.type}): {exc}")
                continue
            # quiet: what the attributes do not explain, the tensor names may (pytorch_names runs next)
            self.accept(_Candidate(declared.name, "pytorch", "pytorch", spec, declared.tensors, "names", "config",
                                   position=self.position(declared.tensors)), quiet=True)

    def pytorch_names(self) -> None:
        """What is left, recognised from PyTorch's tensor names and shapes (a state_dict or safetensors)."""
        groups: dict[str, dict[str, CheckpointTensor]] = {}
        for t in self.ckpt.tensors:
            if t.name in self.claimed:
                continue
            prefix, _, leaf = t.name.rpartition(".")
            groups.setdefault(prefix, {})[leaf] = t
        first = True
        for prefix, leaves in groups.items():
            cand = _torch_candidate(prefix, leaves, first_group=first)
            first = False
            if cand is not None:
                self.accept(replace(cand, position=self.position(cand.tensors)))

    # -- Keras -------------------------------------------------------------------------------------------

    def keras_declared(self) -> None:
        """Layers from the model config, counted in order so each gets the shape the previous one gives."""
        fw_id = "keras2" if any(d.type.startswith("CuDNN") for d in self.ckpt.layers) else "keras"
        fw = FRAMEWORKS[fw_id]
        from ..conventions.keras import ALIASES

        previous: Shape | None = None
        for i, declared in enumerate(self.ckpt.layers):
            kind = ALIASES.get(declared.type, declared.type)
            if kind not in fw.layers:
                if declared.tensors:
                    self.notes.append(f"{declared.name} ({declared.type}) is not in rnnparams' Keras conventions; its "
                                      f"{len(declared.tensors)} tensors are not recognised")
                else:
                    self.notes.append(f"{declared.name} ({declared.type}) has no weights and is not in rnnparams' "
                                      "Keras conventions; it is left out of the spec")
                previous = None
                continue
            try:
                spec = layer_spec(fw_id, kind, declared.config, name=declared.name)
            except _Unusable as exc:
                self.notes.append(f"{declared.name} ({declared.type}): {exc}")
                previous = None
                continue
            shape = declared.input_shape[1:] if declared.input_shape else previous
            if shape is None:
                shape = self._keras_input_from_kernel(declared)
            complete = self.ckpt.tensors_complete
            match = "order" if complete else "derived"
            cand = _Candidate(declared.name, "keras", fw_id, spec, declared.tensors, match, "config", shape, i,
                              frozen_mapping({"dtype": _policy(declared.config.get("dtype"))}))
            report = self.accept(cand)
            previous = None
            if report is not None and not report.multi_output and isinstance(report.output_shape, tuple):
                previous = report.output_shape[1:]  # type: ignore[assignment]

    def _keras_input_from_kernel(self, declared: DeclaredLayer) -> Shape | None:
        """Without a recorded input shape, the first weight (a kernel (I, ...)) gives the input features."""
        if not declared.tensors or declared.tensors[0] not in self.by_name:
            return None
        kernel = self.by_name[declared.tensors[0]]
        if len(kernel.shape) != 2:
            return None
        kind = declared.type
        inner = declared.config.get("layer")
        if isinstance(inner, dict):
            kind = str(inner.get("class_name", kind))
        return (None, kernel.shape[0]) if kind in ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU") else (
            kernel.shape[0],)

    def keras_shapes(self) -> None:
        """Weights-only Keras files (no config): recurrent cells and dense layers from their shapes."""
        if not self.ckpt.tensors_complete:
            return
        groups: dict[str, list[CheckpointTensor]] = {}
        for t in self.ckpt.tensors:
            if t.name not in self.claimed:
                groups.setdefault(_keras_owner(t.name), []).append(t)
        found = False
        for owner, tensors in groups.items():
            cand = _keras_candidate(owner, tensors)
            if cand is None:
                continue
            if cand.spec.type != "Dense":  # not stored without a config; a stack passes sequences on
                cand = replace(cand, spec=_returning_sequences(cand.spec))
                found = True
            self.accept(replace(cand, position=self.position(cand.tensors)))
        if found:
            self.notes.append("the file has no model config, so return_sequences is unknown: the spec has every "
                              "recurrent layer return sequences (this changes output shapes, not parameters)")

    # -- ONNX --------------------------------------------------------------------------------------------

    def onnx_nodes(self) -> None:
        cands: list[_Candidate] = []
        consumed: set[str] = set()
        nodes = list(self.ckpt.layers)
        for i, node in enumerate(nodes):
            if node.name in consumed:
                continue
            cand = None
            try:
                cand = _onnx_candidate(node, nodes, self.by_name, consumed, self.notes)
            except _Unusable as exc:
                self.notes.append(f"ONNX node {node.name} ({node.type}): {exc}")
            if cand is not None:
                cands.append(replace(cand, position=i))
        for cand in _merge_onnx_stacks(cands, self.notes):
            self.accept(cand)

    # -- the result ------------------------------------------------------------------------------------------

    def finish(self) -> Inspection:
        tensors = self.ckpt.tensors if self.ckpt.tensors_complete else tuple(self.derived)
        derived = not self.ckpt.tensors_complete
        missing = [d.name for d in self.ckpt.layers if d.name not in {x.name for x in self.layers}]
        if derived and missing:
            self.notes.append(f"the totals cover the recognised layers only: the weights of {', '.join(missing)} "
                              "are unknown without reading model.weights.h5")
        unrecognised = tuple(t.name for t in tensors if t.name not in self.claimed and t.alias_of is None
                             and not derived)
        layers = sorted(self.layers, key=lambda layer: layer.position)
        spec, report, left_out, chained = _assemble(layers, self.ckpt, self.notes)
        rank = {name: k for k, name in enumerate(chained)}  # the chain's order, when it had to be searched for
        layers.sort(key=lambda layer: rank.get(layer.name, len(rank)))
        if self.ckpt.framework == "onnx" and spec is not None:
            self.notes.append("the spec is the PyTorch equivalent of the ONNX graph (same parameter counts: ONNX "
                              "LSTM/GRU/RNN keep two bias vectors, like PyTorch)")
        return Inspection(self.ckpt, tuple(tensors), derived, tuple(layers), unrecognised,
                          frozenset(self.buffers), spec, report, tuple(left_out), tuple(_unique(self.notes)))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---- building LayerSpecs from a file's values ------------------------------------------------------------------

def layer_spec(fw_id: str, type_name: str, raw: Mapping[str, Any], name: str | None = None) -> LayerSpec:
    """A LayerSpec with the convention's defaults filled in, taking from `raw` only the arguments the
    convention knows, each checked for the kind of value it must be (a file's values are not trusted)."""
    conv = FRAMEWORKS[fw_id].layers[type_name]
    config: dict[str, Value] = {}
    for p in conv.params:
        if p.name in raw:
            config[p.name] = _value(fw_id, p, raw[p.name], type_name)
        elif p.default is REQUIRED:
            raise _Unusable(f"its configuration lacks {p.name}")
        else:
            config[p.name] = p.default  # type: ignore[assignment]
    if raw.get("trainable") is False and FRAMEWORKS[fw_id].naming == "keras":
        config["trainable"] = False
    return LayerSpec(type_name, frozen_mapping(config), name)


def _value(fw_id: str, p: Param, value: Any, type_name: str) -> Value:
    is_int = isinstance(value, int) and not isinstance(value, bool)
    bad = _Unusable(f"{type_name} {p.name}={str(value)[:40]!r} is not a valid value")
    if p.kind in (SIZE, NONNEG):
        if not (is_int and value >= (1 if p.kind == SIZE else 0)):
            raise bad
        too_large = above_maximum(p, value)
        if too_large is not None:  # e.g. num_layers: each stacked layer's tensors would be built
            raise _Unusable(f"{type_name} {too_large}")
    elif p.kind == INT:
        if value is not None and not is_int:
            raise bad
    elif p.kind == BOOL:
        if not isinstance(value, bool):
            raise bad
    elif p.kind == FLOAT:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise bad
    elif p.kind == CHOICE:
        if value not in p.choices:
            raise bad
    elif p.kind == SHAPE:
        if isinstance(value, list):
            value = tuple(value)
        if not (is_int or isinstance(value, str) or (isinstance(value, tuple) and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value))):
            raise bad
    elif p.kind == LAYER:
        if not isinstance(value, dict) or not isinstance(value.get("class_name"), str) or not isinstance(
                value.get("config"), dict):
            raise bad
        inner = value["class_name"]
        if inner not in FRAMEWORKS[fw_id].layers:
            raise _Unusable(f"it wraps {inner}, which is not in rnnparams' conventions")
        return layer_spec(fw_id, inner, value["config"])
    elif not (value is None or isinstance(value, (str, int, float, bool))):
        return p.default if p.default is not REQUIRED else None  # type: ignore[return-value]
    return value  # type: ignore[no-any-return]


def _set(spec: LayerSpec, **changes: Value) -> LayerSpec:
    return replace(spec, config=frozen_mapping({**spec.config, **changes}))


def _returning_sequences(spec: LayerSpec) -> LayerSpec:
    inner = spec.config.get("layer")
    if isinstance(inner, LayerSpec):
        return _set(spec, layer=_set(inner, return_sequences=True))
    return _set(spec, return_sequences=True)


def _policy(raw: Any) -> str:
    if isinstance(raw, dict):
        raw = (raw.get("config") or {}).get("name") if isinstance(raw.get("config"), dict) else None
    return raw if isinstance(raw, str) else "float32"


def _keras_dtype(policy: Value) -> str:
    name = policy if isinstance(policy, str) else "float32"
    if name.startswith("mixed_"):
        return "float32"  # mixed precision keeps its variables in float32
    return name if name in ("float16", "bfloat16", "float64", "float32") else "float32"


def _summary(layer: LayerReport, cand: _Candidate) -> dict[str, Value]:
    b = layer.plan.bindings
    out: dict[str, Value] = {
        "input_size": b.get("I"), "hidden_size": b.get("H"), "num_layers": b.get("L", 1),
        "directions": b.get("D", 1), "proj_size": b.get("P", 0),
        "bias": any("bias" in t.role for t in layer.tensors),
    }
    spec = cand.spec
    inner = spec.config.get("layer")
    holder = inner if isinstance(inner, LayerSpec) else spec
    if holder.type == "GRU" and "reset_after" in holder.config:
        out["reset_after"] = holder.config["reset_after"]
    if isinstance(inner, LayerSpec):
        out["cell"] = inner.type
        out["merge_mode"] = spec.config.get("merge_mode")
    out.update(cand.extra)
    out.pop("dtype", None)
    return out


# ---- PyTorch names ----------------------------------------------------------------------------------------

_RNN_LEAF = re.compile(r"^(weight|bias)_(ih|hh|hr)_l(\d+)(_reverse)?$")
_CELL_LEAVES = frozenset({"weight_ih", "weight_hh", "bias_ih", "bias_hh"})
_EMBEDDING_HINTS = ("emb", "word", "token", "lookup", "vocab")


def _torch_candidate(prefix: str, leaves: dict[str, CheckpointTensor], *, first_group: bool) -> _Candidate | None:
    try:
        found = _torch_recurrent(leaves) or _torch_cell(leaves) or _torch_other(prefix, leaves, first_group)
    except _Unusable:
        return None
    if found is None:
        return None
    kind, config = found
    try:
        spec = layer_spec("pytorch", kind, config)
    except _Unusable:
        return None
    names = tuple(f"{prefix}.{leaf}" if prefix else leaf for leaf in leaves)
    return _Candidate(prefix, "pytorch", "pytorch", spec, names, "names", "tensors")


def _torch_recurrent(leaves: Mapping[str, CheckpointTensor]) -> tuple[str, dict[str, Value]] | None:
    matches = [_RNN_LEAF.match(leaf) for leaf in leaves]
    if not leaves or not all(matches) or "weight_ih_l0" not in leaves or "weight_hh_l0" not in leaves:
        return None
    w_ih, w_hh = leaves["weight_ih_l0"], leaves["weight_hh_l0"]
    if len(w_ih.shape) != 2 or len(w_hh.shape) != 2:
        return None
    gh, i = w_ih.shape
    h_out = w_hh.shape[1]
    hr = leaves.get("weight_hr_l0")
    if hr is not None:
        if len(hr.shape) != 2:
            return None
        proj, h = hr.shape
    else:
        proj, h = 0, h_out
    if h <= 0 or gh % h or gh // h not in GATE_KINDS:
        return None
    layers = 1 + max(int(m.group(3)) for m in matches if m)
    config: dict[str, Value] = {"input_size": i, "hidden_size": h, "num_layers": layers,
                                "bias": "bias_ih_l0" in leaves, "bidirectional": any(m.group(4) for m in matches if m),
                                "proj_size": proj}
    return GATE_KINDS[gh // h], config


def _torch_cell(leaves: Mapping[str, CheckpointTensor]) -> tuple[str, dict[str, Value]] | None:
    if not leaves.keys() <= _CELL_LEAVES or not {"weight_ih", "weight_hh"} <= leaves.keys():
        return None
    w_ih, w_hh = leaves["weight_ih"], leaves["weight_hh"]
    if len(w_ih.shape) != 2 or len(w_hh.shape) != 2:
        return None
    (gh, i), h = w_ih.shape, w_hh.shape[1]
    if h <= 0 or gh % h or gh // h not in GATE_KINDS:
        return None
    return GATE_KINDS[gh // h] + "Cell", {"input_size": i, "hidden_size": h, "bias": "bias_ih" in leaves}


def _torch_other(prefix: str, leaves: Mapping[str, CheckpointTensor],
                 first_group: bool) -> tuple[str, dict[str, Value]] | None:
    keys = set(leaves)
    weight = leaves.get("weight")
    if {"running_mean", "running_var"} <= keys:
        c = leaves["running_mean"].shape
        if len(c) != 1:
            return None
        return "BatchNorm1d", {"num_features": c[0], "affine": "weight" in keys}
    if weight is None or not keys <= {"weight", "bias"}:
        return None
    bias = "bias" in keys
    if len(weight.shape) == 2 and not bias:
        v, e = weight.shape
        if any(h in prefix.lower() for h in _EMBEDDING_HINTS) or first_group:
            return "Embedding", {"num_embeddings": v, "embedding_dim": e}
        return "Linear", {"in_features": e, "out_features": v, "bias": False}
    if len(weight.shape) == 2:
        o, i = weight.shape
        return "Linear", {"in_features": i, "out_features": o, "bias": True}
    if len(weight.shape) == 1:
        return "LayerNorm", {"normalized_shape": weight.shape[0], "bias": bias}
    if len(weight.shape) == 3:
        out_channels, channels, width = weight.shape
        return "Conv1d", {"in_channels": channels, "out_channels": out_channels, "kernel_size": width, "bias": bias}
    return None


# ---- Keras shapes ---------------------------------------------------------------------------------------------

def _keras_owner(name: str) -> str:
    parts = name.split("/")
    if parts[0] in ("layers", "model_weights") and len(parts) > 1:
        return parts[1]
    return parts[0]


def _keras_candidate(owner: str, tensors: list[CheckpointTensor]) -> _Candidate | None:
    """A recurrent layer (kernel (I, G·H), recurrent_kernel (H, G·H), bias), a bidirectional pair of them,
    or a dense layer (kernel (I, O), bias (O))."""
    shapes = [t.shape for t in tensors]
    names = tuple(t.name for t in tensors)
    cell = _keras_cell(shapes)
    if cell is not None:
        kind, units, bias, reset_after, i = cell
        spec = _keras_rnn(kind, units, bias, reset_after)
        return _Candidate(owner, "keras", "keras", replace(spec, name=owner), names, "order", "tensors", (None, i))
    half = len(shapes) // 2
    if len(shapes) in (4, 6) and shapes[:half] == shapes[half:]:
        cell = _keras_cell(shapes[:half])
        if cell is not None:
            kind, units, bias, reset_after, i = cell
            spec = LayerSpec("Bidirectional", frozen_mapping({
                "layer": _keras_rnn(kind, units, bias, reset_after), "merge_mode": "concat", "weights": None,
                "backward_layer": None}), owner)
            return _Candidate(owner, "keras", "keras", spec, names, "order", "tensors", (None, i))
    if len(shapes) in (1, 2) and len(shapes[0]) == 2 and (len(shapes) == 1 or shapes[1] == (shapes[0][1],)):
        i, o = shapes[0]
        spec = LayerSpec("Dense", frozen_mapping({"units": o, "activation": None, "use_bias": len(shapes) == 2}),
                         owner)
        return _Candidate(owner, "keras", "keras", spec, names, "order", "tensors", (i,))
    return None


def _keras_cell(shapes: list[tuple[int, ...]]) -> tuple[str, int, bool, bool, int] | None:
    if len(shapes) not in (2, 3) or len(shapes[0]) != 2 or len(shapes[1]) != 2:
        return None
    (i, gh), (h, gh2) = shapes[0], shapes[1]
    if gh != gh2 or h <= 0 or gh % h or gh // h not in GATE_KINDS:
        return None
    kind = {1: "SimpleRNN", 3: "GRU", 4: "LSTM"}[gh // h]
    reset_after = False
    if len(shapes) == 3:
        if shapes[2] == (2, gh) and kind == "GRU":
            reset_after = True
        elif shapes[2] != (gh,):
            return None
    return kind, h, len(shapes) == 3, reset_after, i


def _keras_rnn(kind: str, units: int, bias: bool, reset_after: bool) -> LayerSpec:
    config: dict[str, Any] = {"units": units, "use_bias": bias}
    if kind == "GRU":
        config["reset_after"] = reset_after
    return layer_spec("keras", kind, config)


# ---- ONNX ----------------------------------------------------------------------------------------------------

_ONNX_DIRECTIONS = {"forward": 1, "reverse": 1, "bidirectional": 2}


def _onnx_candidate(node: DeclaredLayer, nodes: list[DeclaredLayer], by_name: Mapping[str, CheckpointTensor],
                    consumed: set[str], notes: list[str]) -> _Candidate | None:
    inputs = [str(i) for i in node.config.get("inputs", [])]

    def init(position: int) -> CheckpointTensor | None:
        return by_name.get(inputs[position]) if position < len(inputs) and inputs[position] else None

    if node.type in ("LSTM", "GRU", "RNN"):
        return _onnx_recurrent(node, init)
    if node.type == "Gemm":
        w, c = init(1), init(2)
        if w is None or len(w.shape) != 2 or node.config.get("transA", 0):
            return None
        o, i = w.shape if node.config.get("transB", 0) else w.shape[::-1]
        if c is not None and c.shape != (o,):
            return None
        names = tuple(t.name for t in (w, c) if t is not None)
        spec = layer_spec("pytorch", "Linear", {"in_features": i, "out_features": o, "bias": c is not None})
        return _Candidate(node.name, "onnx", "pytorch", spec, names, "total", "config",
                          extra=frozen_mapping({"onnx_op": "Gemm"}))
    if node.type == "MatMul":
        w = init(1)
        if w is None or len(w.shape) != 2:
            return None
        i, o = w.shape
        found = [w.name]
        output = (node.config.get("outputs") or [""])[0]
        for other in nodes:  # MatMul then Add(bias): how exporters write a Linear on a sequence
            other_inputs = [str(x) for x in other.config.get("inputs", [])]
            if other.type == "Add" and output in other_inputs and len(other_inputs) == 2:
                bias = by_name.get(other_inputs[1 - other_inputs.index(output)])
                if bias is not None and bias.shape == (o,):
                    found.append(bias.name)
                    consumed.add(other.name)
                break
        spec = layer_spec("pytorch", "Linear", {"in_features": i, "out_features": o, "bias": len(found) == 2})
        return _Candidate(node.name, "onnx", "pytorch", spec, tuple(found), "total", "config",
                          extra=frozen_mapping({"onnx_op": "MatMul" + ("+Add" if len(found) == 2 else "")}))
    if node.type == "Gather":
        table = init(0)
        if table is None or len(table.shape) != 2:
            return None
        v, e = table.shape
        spec = layer_spec("pytorch", "Embedding", {"num_embeddings": v, "embedding_dim": e})
        return _Candidate(node.name, "onnx", "pytorch", spec, (table.name,), "total", "config",
                          extra=frozen_mapping({"onnx_op": "Gather"}))
    return None


def _onnx_recurrent(node: DeclaredLayer, init: Any) -> _Candidate | None:
    """ONNX W (D, G·H, I), R (D, G·H, H), B (D, 2·G·H): PyTorch's tensors stacked per direction, so the
    PyTorch layer of the same sizes has the same count."""
    w, r, b = init(1), init(2), init(3)
    if w is None or r is None or len(w.shape) != 3 or len(r.shape) != 3:
        return None
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[node.type]
    d, gh, i = w.shape
    h = node.config.get("hidden_size")
    if not isinstance(h, int) or h <= 0:
        h = r.shape[2]
    direction = node.config.get("direction", "forward")
    if gh != gates * h or r.shape != (d, gh, h) or _ONNX_DIRECTIONS.get(str(direction), 0) != d:
        raise _Unusable(f"W {list(w.shape)} and R {list(r.shape)} do not fit hidden_size={h}, direction={direction}")
    if b is not None and b.shape != (d, 2 * gh):
        raise _Unusable(f"B {list(b.shape)} should be {[d, 2 * gh]}")
    if node.type == "LSTM" and init(7) is not None:
        raise _Unusable("it has peephole weights (P), which no PyTorch or Keras layer has")
    extra: dict[str, Value] = {"onnx_op": node.type, "onnx_nodes": (node.name,)}
    if node.type == "GRU":
        extra["linear_before_reset"] = int(node.config.get("linear_before_reset", 0) or 0)
    config: dict[str, Value] = {"input_size": i, "hidden_size": h, "bias": b is not None,
                                "bidirectional": d == 2}
    spec = layer_spec("pytorch", node.type, config)
    names = tuple(t.name for t in (w, r, b) if t is not None)
    return _Candidate(node.name, "onnx", "pytorch", spec, names, "total", "config", extra=frozen_mapping(extra))


def _merge_onnx_stacks(cands: list[_Candidate], notes: list[str]) -> list[_Candidate]:
    """Consecutive ONNX recurrent nodes whose sizes chain (I_l = D·H) are one stacked PyTorch layer, which is
    how torch.onnx exports num_layers > 1."""
    out: list[_Candidate] = []
    for cand in cands:
        prev = out[-1] if out else None
        if prev is not None and cand.spec.type == prev.spec.type and prev.spec.type in GATE_KINDS.values():
            p, c = prev.spec.config, cand.spec.config
            dirs = 2 if p["bidirectional"] else 1
            if (c["hidden_size"] == p["hidden_size"] and c["bidirectional"] == p["bidirectional"]
                    and c["bias"] == p["bias"] and c["input_size"] == dirs * p["hidden_size"]  # type: ignore[operator]
                    and cand.extra.get("linear_before_reset") == prev.extra.get("linear_before_reset")):
                nodes = (*prev.extra["onnx_nodes"], cand.name)  # type: ignore[misc]
                spec = _set(prev.spec, num_layers=p["num_layers"] + 1)  # type: ignore[operator]
                out[-1] = replace(prev, spec=spec, tensors=prev.tensors + cand.tensors,
                                  extra=frozen_mapping({**prev.extra, "onnx_nodes": nodes}))
                continue
        out.append(cand)
    for cand in out:
        if cand.extra.get("linear_before_reset") == 0:
            notes.append(f"{cand.name}: ONNX GRU with linear_before_reset=0 applies the reset gate before the "
                         "recurrent product (PyTorch's GRU is linear_before_reset=1); the parameter count is the same")
    return out


# ---- the spec -------------------------------------------------------------------------------------------

def _assemble(layers: list[RecognisedLayer], ckpt: Checkpoint,
              notes: list[str]) -> tuple[ModelSpec | None, Report | None, list[str], list[str]]:
    """Chain the recognised layers into one ModelSpec (the file's order, else another order whose shapes
    fit, else the largest run that chains); the layers left out are named."""
    if not layers:
        return None, None, [], []
    frameworks = {layer.spec_framework for layer in layers}
    fw = max(frameworks, key=lambda f: sum(x.params for x in layers if x.spec_framework == f))
    usable = [x for x in layers if x.spec_framework == fw]
    left_out = [x.name for x in layers if x.spec_framework != fw]
    keras = fw in ("keras", "keras2")
    name = ckpt.metadata.get("model_name") or None if keras else None

    def attempt(chain: list[RecognisedLayer]) -> Report | None:
        shape = _input_shape(chain[0], ckpt) if keras else None
        try:
            report = count_model(ModelSpec(fw, tuple(x.spec for x in chain), shape, name))
        except RnnParamsError:
            return None
        except (AssertionError, TypeError, ValueError, KeyError):
            return None
        # Keras layers take their input size from the chain: each must still hold what the file holds.
        same = all(r.params == x.params and r.buffer_count == x.buffers
                   for r, x in zip(report.layers, chain, strict=True))
        return report if same else None

    report = attempt(usable)
    order = usable
    if report is None and len(usable) <= 12:
        found = _search_order(usable, attempt)
        if found is not None:
            order, report = found
            notes.append("the layers are chained in an order that fits their sizes: "
                         + " → ".join(x.name or "(root)" for x in order))
    if report is None:
        order, report, rest = _best_run(usable, attempt)
        left_out += [x.name for x in rest]
        if rest:
            notes.append(f"{len(rest)} recognised layer(s) do not chain with the others (their input and output "
                         f"sizes do not fit one sequence) and are left out of the spec: "
                         f"{', '.join(x.name for x in rest)}")
    if report is None:
        return None, None, [x.name for x in layers], []
    shape = _input_shape(order[0], ckpt) if keras else None
    return ModelSpec(fw, tuple(x.spec for x in order), shape, name), report, left_out, [x.name for x in order]


def _search_order(layers: list[RecognisedLayer], attempt: Any) -> tuple[list[RecognisedLayer], Report] | None:
    tries = 0

    def extend(chain: list[RecognisedLayer], rest: list[RecognisedLayer]) -> tuple[list[RecognisedLayer],
                                                                                   Report] | None:
        nonlocal tries
        for k, nxt in enumerate(rest):
            tries += 1
            if tries > MAX_ORDER_TRIES:
                return None
            trial = [*chain, nxt]
            report = attempt(trial)
            if report is None:
                continue
            if len(rest) == 1:
                return trial, report
            found = extend(trial, rest[:k] + rest[k + 1:])
            if found is not None:
                return found
        return None

    return extend([], layers)


def _best_run(layers: list[RecognisedLayer], attempt: Any
              ) -> tuple[list[RecognisedLayer], Report | None, list[RecognisedLayer]]:
    runs: list[tuple[list[RecognisedLayer], Report]] = []
    current: list[RecognisedLayer] = []
    report: Report | None = None
    for layer in layers:
        trial = attempt([*current, layer]) if current else attempt([layer])
        if trial is not None:
            current, report = [*current, layer], trial
            continue
        if current and report is not None:
            runs.append((current, report))
        alone = attempt([layer])
        current, report = ([layer], alone) if alone is not None else ([], None)
    if current and report is not None:
        runs.append((current, report))
    if not runs:
        return [], None, layers
    best, best_report = max(runs, key=lambda r: r[1].total_params + r[1].buffers)
    return best, best_report, [x for x in layers if x not in best]


def _input_shape(layer: RecognisedLayer, ckpt: Checkpoint) -> Shape | None:
    for declared in ckpt.layers:
        if declared.name == layer.name and declared.input_shape:
            return declared.input_shape[1:]
    spec = layer.spec
    inner = spec.config.get("layer")
    holder = inner if isinstance(inner, LayerSpec) else spec
    i = layer.summary.get("input_size")
    if isinstance(i, int):
        return (None, i)
    if holder.type == "Dense" and layer.tensors:
        kernel = next((t for t in ckpt.tensors if t.name == layer.tensors[0]), None)
        if kernel is not None and len(kernel.shape) == 2:
            return (kernel.shape[0],)
    return None

