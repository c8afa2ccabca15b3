"""What a checkpoint holds: its tensors totalled, and its recurrent (and other) layers recognised, with their
configuration reconstructed and proven against our own conventions.

Recognition never guesses on its own authority. Each source of evidence proposes a candidate layer as a
`LayerSpec` in one of our frameworks:
- the file's own description of a layer (Keras `config.json`, a pickled `nn.Module`'s attributes), or a
  layer its reader derived from it (an ONNX LSTM/GRU/RNN/Gemm node, inputs/checkpoints/onnx_layers.py), or
- the tensor names and shapes alone, read by each layer convention's recogniser (conventions/: PyTorch
  `rnn.weight_ih_l1_reverse`, `weight_hr_l0`... give input size, hidden size, layers, directions,
  projection and bias);
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
from ..conventions import FRAMEWORKS, REGISTRY
from ..conventions.base import BY_POSITION, LayerConvention, Recognised, TensorGroup
from ..errors import RnnParamsError
from ..inputs.checkpoints.binding import Unusable, layer_spec
from ..inputs.checkpoints.model import Checkpoint, CheckpointTensor, DeclaredLayer, tensor_bytes
from ..spec import LayerSpec, ModelSpec, Shape, Value, frozen_mapping
from .assemble import assemble
from .count import count_model, spec_key
from .report import LayerReport, Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any



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
    evidence: str = ""
    """What proved it: "config" (the file's own description), "names" (tensor names and shapes), "shapes"
    (shapes in creation order), "total" (a claimed layer's parameter total)."""
    input_shape: Shape | None = None
    """The input (one sample) it was counted on, when its arguments do not fix it."""

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
            difference = self.spec_difference
            spec = {"framework": self.spec.framework, "total_params": self.spec_report.total_params,
                    "buffers": self.spec_report.buffers, "matches_checkpoint": difference == 0,
                    "difference": difference, "left_out": list(self.left_out),
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

NAMES, ORDER, TOTAL, DERIVED = "names", "order", "total", "derived"
_DIGITS = re.compile(r"\d+")


@record
class _Candidate:
    name: str
    framework: str
    """Whose naming the file's tensors follow (the checkpoint's framework)."""
    spec_framework: str
    spec: LayerSpec
    tensors: tuple[str, ...]
    match: str
    """names (prefixed names and shapes), order (shapes in order), total (a claim), derived (no tensors read)."""
    source: str
    input_shape: Shape | None = None
    position: int = 0
    extra: Mapping[str, Value] = field(default_factory=frozen_mapping)


def inspect_checkpoint(ckpt: Checkpoint) -> Inspection:
    """Total the checkpoint's tensors, recognise its layers, and assemble the recognised model as a spec."""
    state = _State(ckpt)
    state.declared()
    state.claimed_by_reader()
    state.by_tensors()
    return state.finish()


def _variant(fw_id: str, types: set[str]) -> str:
    """The framework's variant when the file uses a layer only the variant has (Keras 2's CuDNNLSTM)."""
    for other in FRAMEWORKS:
        conv = FRAMEWORKS[other]
        if conv.variant_of == fw_id and types & (set(conv.layers) - set(FRAMEWORKS[fw_id].layers)):
            return other
    return fw_id


class _State:
    def __init__(self, ckpt: Checkpoint) -> None:
        self.ckpt = ckpt
        self.by_name = {t.name: t for t in ckpt.tensors}
        self.index = {t.name: i for i, t in enumerate(ckpt.tensors)}
        self.claimed: set[str] = set()
        self.layers: list[RecognisedLayer] = []
        self.buffers = {t.name for t in ckpt.tensors if t.buffer}
        self.derived: list[CheckpointTensor] = []
        self.reports: dict[object, Report] = {}
        self.notes: list[str] = list(ckpt.notes)
        named = ckpt.framework or ckpt.names_like
        fw_id = named if named in FRAMEWORKS else None
        self.fw_id = _variant(fw_id, {d.type for d in ckpt.layers}) if fw_id is not None else None

    # -- verification ------------------------------------------------------------------------------------

    def counted(self, cand: _Candidate) -> Report:
        """The candidate counted alone; a file of many alike layers (a stack of blocks) counts each kind once."""
        spec = cand.spec
        key = spec_key(spec, spec.name, cand.spec_framework, cand.input_shape)
        if key is None:  # an argument that is a layer or a list: by its text
            key = (cand.spec_framework, repr(spec), cand.input_shape)
        report = self.reports.get(key)
        if report is None:
            report = self.reports[key] = count_model(ModelSpec(cand.spec_framework, (cand.spec,), cand.input_shape))
        return report

    def accept(self, cand: _Candidate, *, quiet: bool = False) -> LayerReport | None:
        """Count the candidate alone; keep it when its tensors are exactly the file's. Returns its report."""
        if any(n in self.claimed for n in cand.tensors):
            return None
        try:
            report = self.counted(cand)
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
        if cand.match == NAMES:
            prefix = f"{cand.name}." if cand.name else ""
            expected = {prefix + t.name: t.shape for t in counted}
            ok = expected == {t.name: t.shape for t in files}
            if ok:
                self.buffers.update(prefix + t.name for t in layer.buffers)
        elif cand.match == ORDER:
            ok = [t.shape for t in counted] == [t.shape for t in files]
        elif cand.match == TOTAL:
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
        layers = FRAMEWORKS[cand.spec_framework].layers
        inner = cand.spec.config.get("layer")
        recurrent = layers[cand.spec.type].recurrent or (isinstance(inner, LayerSpec) and layers[inner.type].recurrent)
        summary = _summary(layer, cand) if recurrent else {}
        evidence = "config" if cand.source == "config" else NAMES if cand.match == NAMES else "shapes"
        self.layers.append(RecognisedLayer(
            cand.name, cand.spec.type, cand.framework, cand.spec_framework, cand.spec, cand.tensors,
            layer.params, layer.buffer_count, recurrent, cand.source, frozen_mapping(summary), cand.position,
            evidence, cand.input_shape))
        return layer

    def position(self, names: tuple[str, ...] | list[str]) -> int:
        return min((self.index.get(n, len(self.index)) for n in names), default=len(self.index))

    # -- the layers the file describes -------------------------------------------------------------------

    def declared(self) -> None:
        """Layers the file describes with their own configuration (a Keras model config, a pickled module's
        attributes). Layers that read their input size from the data (Keras) are counted in order, each on
        the shape the previous one gives; layers named by path (PyTorch) are matched by their tensors' names."""
        if self.fw_id is None or not self.ckpt.layers:
            return
        fw = FRAMEWORKS[self.fw_id]
        chained = fw.infers_input
        previous: Shape | None = None
        for i, declared in enumerate(self.ckpt.layers):
            type_name = fw.aliases.get(declared.type, declared.type)
            if type_name not in fw.layers or not (chained or declared.tensors):
                if chained:
                    self.notes.append(_unknown_type_note(declared, fw.short))
                previous = None
                continue
            try:
                spec = layer_spec(self.fw_id, type_name, declared.config, name=declared.name if chained else None)
            except Unusable as exc:
                self.notes.append(f"{declared.name or '(root)'} ({declared.type}): {exc}")
                previous = None
                continue
            if not chained:  # what the attributes do not explain, the tensor names may (by_tensors runs next)
                self.accept(_Candidate(declared.name, self.fw_id, self.fw_id, spec, declared.tensors, NAMES,
                                       "config", position=self.position(declared.tensors)), quiet=True)
                continue
            shape = declared.input_shape[1:] if declared.input_shape else previous
            if shape is None:
                shape = self._input_from_kernel(declared)
            match = ORDER if self.ckpt.tensors_complete else DERIVED
            dtype = frozen_mapping({"dtype": _policy(declared.config.get("dtype"))})
            cand = _Candidate(declared.name, self.ckpt.framework or self.fw_id, self.fw_id, spec, declared.tensors,
                              match, "config", shape, i, dtype)
            report = self.accept(cand)
            previous = None
            if report is not None and not report.multi_output and isinstance(report.output_shape, tuple):
                previous = report.output_shape[1:]  # type: ignore[assignment]

    def _input_from_kernel(self, declared: DeclaredLayer) -> Shape | None:
        """Without a recorded input shape, the first weight (a kernel (I, ...)) gives the input features: a
        recurrent layer reads a sequence of them."""
        if not declared.tensors or declared.tensors[0] not in self.by_name or self.fw_id is None:
            return None
        kernel = self.by_name[declared.tensors[0]]
        if len(kernel.shape) != 2:
            return None
        layers = FRAMEWORKS[self.fw_id].layers
        kind = declared.type
        inner = declared.config.get("layer")
        if isinstance(inner, dict):
            kind = str(inner.get("class_name", kind))
        recurrent = kind in layers and layers[kind].recurrent
        return (None, kernel.shape[0]) if recurrent else (kernel.shape[0],)

    def claimed_by_reader(self) -> None:
        """Layers the reader derived from the file's description (ONNX nodes), checked by their total."""
        for claim in self.ckpt.claims:
            self.accept(_Candidate(claim.name, self.ckpt.framework or claim.spec_framework, claim.spec_framework,
                                   claim.spec, claim.tensors, TOTAL, "config", position=claim.position,
                                   extra=frozen_mapping(claim.extra)))

    # -- the rest, from the tensors' names and shapes ----------------------------------------------------------

    def by_tensors(self) -> None:
        """Tensors no layer holds yet, grouped by layer path, each group offered to the layer conventions'
        recognisers (their checkpoint naming rules) in the framework's order; the first that claims a group
        proposes the candidate."""
        if self.fw_id is None or not self.ckpt.tensors_complete:
            return
        fw = FRAMEWORKS[self.fw_id]
        if fw.checkpoint_path is None:
            return
        self.by_subtrees()
        groups: dict[str, dict[str, CheckpointTensor]] = {}
        for t in self.ckpt.tensors:
            if t.name not in self.claimed:
                path, leaf = fw.checkpoint_path(t.name)
                groups.setdefault(path, {})[leaf] = t
        notes: list[str] = []
        recognisers = [conv for conv in fw.layers.values() if conv.recognise is not None]  # once, not per group
        alike: dict[object, tuple[Recognised, LayerSpec] | None] = {}
        for k, (path, leaves) in enumerate(groups.items()):
            shapes = {leaf: t.shape for leaf, t in leaves.items()}
            names = tuple(t.name for t in leaves.values())
            # Recognisers read a group's leaf names and shapes, and words in its path (`emb`, `rms`, `deconv`),
            # never its numbers: `layer7` is recognised as `layer3` was. Kept only where no note names the path.
            key = (_DIGITS.sub("#", path), tuple(shapes.items()), k == 0)
            if key in alike:
                known = alike[key]
            else:
                known = alike[key] = self._recognised(recognisers, TensorGroup(path, shapes, first=k == 0))
                if known is not None and known[0].note:
                    del alike[key]
            if known is not None:
                found, spec = known
                if fw.naming == BY_POSITION:
                    cand = _Candidate(path, self.fw_id, self.fw_id, spec, names, NAMES, "tensors",
                                      position=self.position(names))
                else:  # weights listed per layer in creation order: matched by their shapes
                    cand = _Candidate(path, self.fw_id, self.fw_id, replace(spec, name=path), names, ORDER, "tensors",
                                      found.input_shape, self.position(names))
                if self.accept(cand) is not None and found.note:
                    notes.append(found.note)
        self.notes.extend(notes)

    def _recognised(self, recognisers: list[LayerConvention],
                    group: TensorGroup) -> tuple[Recognised, LayerSpec] | None:
        """The first recogniser's claim on the group, with the layer it describes; None when none claims it or
        the one that does cannot make a layer of it."""
        assert self.fw_id is not None
        for conv in recognisers:
            found = conv.recognise(group)  # type: ignore[misc]
            if found is None:
                continue
            try:
                return found, layer_spec(self.fw_id, conv.type_name, found.config)
            except Unusable:
                return None
        return None

    def by_subtrees(self) -> None:
        """Composite layers (a transformer layer, a MultiheadAttention: conventions marked `nested`) name their
        tensors below sub-modules, so each is offered every tensor below a path, shallowest path first (a whole
        nn.Transformer before its layers); a subtree part of which is claimed is offered no more."""
        assert self.fw_id is not None
        fw = FRAMEWORKS[self.fw_id]
        split = fw.checkpoint_path
        alike = [self.fw_id, *(f for f, entry in REGISTRY.items() if entry.checkpoints_like == self.fw_id)]
        composites = [(f, conv) for f in alike for conv in FRAMEWORKS[f].layers.values()
                      if conv.nested and conv.recognise is not None]
        if not composites or split is None:
            return
        subtrees: dict[str, dict[str, CheckpointTensor]] = {}
        depth: dict[str, int] = {}
        for t in self.ckpt.tensors:
            if t.name in self.claimed:
                continue
            path = split(t.name)[0]
            chain = []
            while True:
                chain.append(path)
                subtrees.setdefault(path, {})[t.name[len(path) + 1:] if path else t.name] = t
                if not path:
                    break
                path = split(path)[0]
            for k, p in enumerate(reversed(chain)):  # the root has depth 0
                depth.setdefault(p, k)
        offered = [p for p, tensors in subtrees.items() if len(tensors) >= 2]  # a composite holds two at least
        for path in sorted(offered, key=lambda p: (depth[p], self.position([t.name for t in subtrees[p].values()]))):
            tensors = subtrees[path]
            if any(t.name in self.claimed for t in tensors.values()):
                continue
            group = TensorGroup(path, {leaf: t.shape for leaf, t in tensors.items()})
            names = tuple(t.name for t in tensors.values())
            for spec_fw, conv in composites:
                found = conv.recognise(group)  # type: ignore[misc]
                if found is None:
                    continue
                try:
                    spec = layer_spec(spec_fw, conv.type_name, found.config)
                except Unusable:
                    break
                cand = _Candidate(path, self.fw_id, spec_fw, spec, names, NAMES, "tensors",
                                  position=self.position(names))
                if self.accept(cand) is not None and found.note:
                    self.notes.append(found.note)
                break

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
        spec, report, left_out, chained = assemble(layers, self.ckpt, self.notes)
        rank = {name: k for k, name in enumerate(chained)}  # the chain's order, when it had to be searched for
        layers.sort(key=lambda layer: rank.get(layer.name, len(rank)))
        if self.ckpt.spec_note and spec is not None:
            self.notes.append(self.ckpt.spec_note)
        return Inspection(self.ckpt, tuple(tensors), derived, tuple(layers), unrecognised,
                          frozenset(self.buffers), spec, report, tuple(left_out), tuple(_unique(self.notes)))


def _unknown_type_note(declared: DeclaredLayer, framework: str) -> str:
    if declared.tensors:
        return (f"{declared.name} ({declared.type}) is not in rnnparams' {framework} conventions; its "
                f"{len(declared.tensors)} tensors are not recognised")
    return (f"{declared.name} ({declared.type}) has no weights and is not in rnnparams' {framework} conventions; it "
            "is left out of the spec")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


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
    if "reset_after" in holder.config:
        out["reset_after"] = holder.config["reset_after"]
    if isinstance(inner, LayerSpec):
        out["cell"] = inner.type
        out["merge_mode"] = spec.config.get("merge_mode")
    out.update(cand.extra)
    out.pop("dtype", None)
    return out


__all__ = ["Inspection", "RecognisedLayer", "inspect_checkpoint"]
