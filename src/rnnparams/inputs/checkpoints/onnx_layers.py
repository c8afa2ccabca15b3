"""ONNX nodes as layers: a recurrent node (RNN, LSTM, GRU), a Gemm or MatMul(+Add) with its weight, a Gather of
an embedding table, each claimed as the PyTorch layer of the same sizes (ONNX keeps PyTorch's two biases, so
the counts agree; its layout differs, so `inspect` checks the claim by its total and the shapes node by node).
Consecutive recurrent nodes whose sizes chain are one stacked layer, as torch.onnx exports num_layers > 1."""

from __future__ import annotations

from collections.abc import Mapping

from ..._record import replace
from ...spec import LayerSpec, Value, frozen_mapping
from .binding import Unusable, layer_spec
from .model import CheckpointTensor, DeclaredLayer, LayerClaim

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def onnx_claims(nodes: list[DeclaredLayer], by_name: Mapping[str, CheckpointTensor]) -> tuple[list[LayerClaim],
                                                                                            list[str]]:
    """The layers the graph's nodes are, and notes on the nodes that fit no layer."""
    claims: list[LayerClaim] = []
    notes: list[str] = []
    consumed: set[str] = set()
    for i, node in enumerate(nodes):
        if node.name in consumed:
            continue
        claim = None
        try:
            claim = _onnx_candidate(node, nodes, by_name, consumed, notes)
        except Unusable as exc:
            notes.append(f"ONNX node {node.name} ({node.type}): {exc}")
        if claim is not None:
            claims.append(replace(claim, position=i))
    return _merge_onnx_stacks(claims, notes), notes


def _set(spec: LayerSpec, **changes: Value) -> LayerSpec:
    return replace(spec, config=frozen_mapping({**spec.config, **changes}))


_ONNX_DIRECTIONS = {"forward": 1, "reverse": 1, "bidirectional": 2}


def _onnx_candidate(node: DeclaredLayer, nodes: list[DeclaredLayer], by_name: Mapping[str, CheckpointTensor],
                    consumed: set[str], notes: list[str]) -> LayerClaim | None:
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
        return LayerClaim(node.name, "pytorch", spec, names, extra=frozen_mapping({"onnx_op": "Gemm"}))
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
        op = "MatMul" + ("+Add" if len(found) == 2 else "")
        return LayerClaim(node.name, "pytorch", spec, tuple(found), extra=frozen_mapping({"onnx_op": op}))
    if node.type == "Gather":
        table = init(0)
        if table is None or len(table.shape) != 2:
            return None
        v, e = table.shape
        spec = layer_spec("pytorch", "Embedding", {"num_embeddings": v, "embedding_dim": e})
        return LayerClaim(node.name, "pytorch", spec, (table.name,), extra=frozen_mapping({"onnx_op": "Gather"}))
    return None


def _onnx_recurrent(node: DeclaredLayer, init: Any) -> LayerClaim | None:
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
        raise Unusable(f"W {list(w.shape)} and R {list(r.shape)} do not fit hidden_size={h}, direction={direction}")
    if b is not None and b.shape != (d, 2 * gh):
        raise Unusable(f"B {list(b.shape)} should be {[d, 2 * gh]}")
    if node.type == "LSTM" and init(7) is not None:
        raise Unusable("it has peephole weights (P), which no PyTorch or Keras layer has")
    extra: dict[str, Value] = {"onnx_op": node.type, "onnx_nodes": (node.name,)}
    if node.type == "GRU":
        extra["linear_before_reset"] = int(node.config.get("linear_before_reset", 0) or 0)
    config: dict[str, Value] = {"input_size": i, "hidden_size": h, "bias": b is not None,
                                "bidirectional": d == 2}
    spec = layer_spec("pytorch", node.type, config)
    names = tuple(t.name for t in (w, r, b) if t is not None)
    return LayerClaim(node.name, "pytorch", spec, names, extra=frozen_mapping(extra))


def _merge_onnx_stacks(cands: list[LayerClaim], notes: list[str]) -> list[LayerClaim]:
    """Consecutive ONNX recurrent nodes whose sizes chain (I_l = D·H) are one stacked PyTorch layer, which is
    how torch.onnx exports num_layers > 1."""
    out: list[LayerClaim] = []
    for cand in cands:
        prev = out[-1] if out else None
        if prev is not None and cand.spec.type == prev.spec.type and prev.spec.type in ("LSTM", "GRU", "RNN"):
            p, c = prev.spec.config, cand.spec.config
            dirs = 2 if p["bidirectional"] else 1
            if (c["hidden_size"] == p["hidden_size"] and c["bidirectional"] == p["bidirectional"]
                    and c["bias"] == p["bias"] and c["input_size"] == dirs * p["hidden_size"]
                    and cand.extra.get("linear_before_reset") == prev.extra.get("linear_before_reset")):
                nodes = (*prev.extra["onnx_nodes"], cand.name)
                spec = _set(prev.spec, num_layers=p["num_layers"] + 1)
                out[-1] = replace(prev, spec=spec, tensors=prev.tensors + cand.tensors,
                                  extra=frozen_mapping({**prev.extra, "onnx_nodes": nodes}))
                continue
        out.append(cand)
    for cand in out:
        if cand.extra.get("linear_before_reset") == 0:
            notes.append(f"{cand.name}: ONNX GRU with linear_before_reset=0 applies the reset gate before the "
                         "recurrent product (PyTorch's GRU is linear_before_reset=1); the parameter count is the same")
    return out


__all__ = ["onnx_claims"]
