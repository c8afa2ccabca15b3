"""Estimates of sequence models (transformers' recurrent and hybrid models, mamba.py, the block packages): exact
weights, gradients and optimizer state, the state carried per sequence, and the compute of a prefill over T
tokens and of one decoding step, derived from the layers' declared per-token work (`Work.token_products` and
`Work.mixers`, conventions/work.py). Their activations are not modelled: the estimate says so rather than
guessing. docs/estimates.md defines every line.

Per sequence and layer, with P the weight products per token, C the depthwise convolution's channels·K, S the
state update's contractions per token, A the attention multiply-adds per query and key:

- prefill over T tokens: T·(P + C + S) + A·K_p MACs, K_p = Σ_{t=1..T} min(t, W) keys (W: the window, else t);
- decoding token T + 1 after T tokens of context: P + C + S + A·K_d MACs, K_d = min(T + 1, W);
- FLOPs = 2·MACs + the state update's declared elementwise FLOPs (T of them in a prefill, one in a step).

Each kind of block counts as many times as it runs per token (`state.applications`: its copies, or the symbol its
`Mixer.applied` names — a shared block held once runs at every hybrid layer).
A prefill applies the products that read only the last step's output (`Mixer.last_step`) once, not T times.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..conventions import FRAMEWORKS
from ..errors import UsageError
from ..symbolic import Const, Expr, Sym, add, mul, product
from . import memory
from .report import LayerReport, Report
from .resources import EstimateLine, EstimateOptions, line, total_line
from .state import NO_MIXER, StateReport, applications, block_mixer, block_products, layer_mixers, state_report

T_ = Sym("T")


def prefill_keys(steps: int, window: int | None) -> int:
    """Keys summed over a causal prefill's queries: Σ_{t=1..T} min(t, W)."""
    if window is None or window >= steps:
        return steps * (steps + 1) // 2
    return window * (window + 1) // 2 + (steps - window) * window


def decode_keys(steps: int, window: int | None) -> int:
    """Keys the query of token T + 1 sees: itself and the cached ones, at most W."""
    return steps + 1 if window is None else min(steps + 1, window)


@dataclass(frozen=True)
class LayerTokens:
    """One layer's per-sequence compute: the prefill over T tokens and one decoding step (None: not modelled)."""

    name: str
    type: str
    prefill: tuple[EstimateLine, ...]
    decode: tuple[EstimateLine, ...]

    def value(self, phase: str, key: str) -> int:
        for item in self.prefill if phase == "prefill" else self.decode:
            if item.key == key:
                return item.value
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type,
                "prefill": {i.key: i.value for i in self.prefill}, "decode": {i.key: i.value for i in self.decode},
                "prefill_lines": [i.to_dict() for i in self.prefill],
                "decode_lines": [i.to_dict() for i in self.decode]}


def _modelled(layer: LayerReport) -> bool:
    """Declared: the layer names its per-token products, and a layer carrying a state names its mixers too."""
    work = layer.work
    return bool(work.token_products) and (not layer.state_shapes or bool(work.mixers))


def layer_tokens(report: Report, layer: LayerReport, steps: int) -> LayerTokens:
    from .check import tied_size

    mixers = layer_mixers(layer)
    bindings: dict[str, int] = dict(layer.plan.bindings)
    bindings["T"] = steps
    products: list[Expr] = []
    conv: list[Expr] = []
    scan: list[Expr] = []
    elementwise: list[Expr] = []
    attention_p: list[Expr] = []
    attention_d: list[Expr] = []
    for mixer in mixers.values():
        for symbol, argument in mixer.arguments:
            value = layer.spec.get(argument) if layer.spec is not None else None
            assert isinstance(value, int), (layer.name, argument)
            bindings[symbol] = value

    def roles_size(tensors: tuple[Any, ...], roles: frozenset[str]) -> Expr:
        sizes = [product(tuple(t.shape)) for t in tensors if t.role in roles]
        return add(*sizes) if sizes else Const(0)

    last_roles: frozenset[str] = frozenset()  # products a prefill applies at its last step alone
    for mixer in mixers.values():
        if mixer.last_step is not None and not (layer.spec is not None and layer.spec.get(mixer.last_step[0])):
            last_roles = mixer.last_step[1]
    last: list[Expr] = []
    blocks = [(copies, tensors, block_mixer(mixers, copies, tensors)) for copies, tensors in layer.plan.blocks()]
    once = [mixer for mixer in mixers.values() if mixer.once]
    params = tuple(t for t in layer.plan.tensors if not t.buffer)
    for copies, tensors, mixer in [*((c, t, NO_MIXER if m.once else m) for c, t, m in blocks),
                                   *((Const(1), params, m) for m in once)]:
        if not copies.evaluate(bindings):
            continue
        copies = applications(copies, mixer)  # a shared block runs more times than it is held

        def each(expr: Expr, into: list[Expr], copies: Expr = copies) -> None:
            if expr != Const(0):
                into.append(expr if copies == Const(1) else mul(copies, expr))

        if not mixer.once:  # a layer-wide mixer adds its state update; its blocks hold the products
            each(block_products(tensors, layer.work.token_products - last_roles, mixer), products)
            each(block_products(tensors, layer.work.token_products & last_roles, mixer), last)
        each(roles_size(tensors, mixer.conv_roles), conv)
        each(mixer.scan_macs, scan)
        each(add(mixer.scan_flops, roles_size(tensors, mixer.per_number_roles)), elementwise)
        if mixer.attention is not None:
            window = bindings.get(mixer.window) if mixer.window is not None else None
            suffix = "_w" if window is not None else ""
            bindings["K_p" + suffix] = prefill_keys(steps, window)
            bindings["K_d" + suffix] = decode_keys(steps, window)
            each(mul(mixer.attention, Sym("K_p" + suffix)), attention_p)
            each(mul(mixer.attention, Sym("K_d" + suffix)), attention_d)
    if layer.spec is not None and layer.spec.tied:  # a tied head multiplies by the embedding's matrix
        products.append(Const(tied_size(report, layer)))

    def total(terms: list[Expr]) -> Expr:
        return add(*terms) if terms else Const(0)

    per_token = {"weight_macs": total(products), "conv_macs": total(conv), "scan_macs": total(scan)}
    out: dict[str, tuple[EstimateLine, ...]] = {}
    for phase, attention, tokens in (("prefill", attention_p, T_), ("decode", attention_d, Const(1))):
        items = [line(key, add(expr if tokens == Const(1) else mul(tokens, expr),
                               *(last if key == "weight_macs" else ())), bindings, "MACs")
                 for key, expr in per_token.items() if expr != Const(0) or (key == "weight_macs" and last)]
        if attention:
            items.append(line("attention_macs", total(attention), bindings, "MACs"))
        macs = total_line("macs", items, "MACs")
        scan_flops = line("scan_flops", total(elementwise) if tokens == Const(1) else mul(tokens, total(elementwise)),
                          bindings, "FLOPs") if elementwise else None
        b = {"M": macs.value, "E": scan_flops.value if scan_flops is not None else 0}
        flops = line("flops", add(mul(2, Sym("M")), Sym("E")) if scan_flops is not None else mul(2, Sym("M")), b,
                     "FLOPs")
        out[phase] = (*items, macs, *((scan_flops,) if scan_flops is not None else ()), flops)
    return LayerTokens(layer.name, layer.type, out["prefill"], out["decode"])


@dataclass(frozen=True)
class SequenceEstimate:
    """A sequence model's estimate: memory lines (weights, buffers, master weights, gradients, optimizer state, state,
    total without activations), the state per sequence, and per-layer prefill and decode compute (empty when a layer
    does not declare its per-token work: `compute_modelled` False)."""

    framework: str
    options: EstimateOptions
    seq_len: int
    memory: tuple[EstimateLine, ...]
    state: StateReport
    layers: tuple[LayerTokens, ...]
    compute_modelled: bool
    report: Report = field(repr=False)
    warnings: tuple[str, ...] = ()

    def memory_line(self, key: str) -> EstimateLine:
        for item in self.memory:
            if item.key == key:
                return item
        raise KeyError(key)

    def compute(self, phase: str, key: str) -> int | None:
        """A model total per sequence: macs or flops of the prefill or of one decoding step (None: not modelled)."""
        if not self.compute_modelled:
            return None
        return sum(layer.value(phase, key) for layer in self.layers)

    def batch_flops(self, phase: str) -> int | None:
        """FLOPs of the whole batch in a phase (prefill, decode): batch × per sequence (None: not modelled)."""
        flops = self.compute(phase, "flops")
        return None if flops is None else flops * self.options.batch

    @property
    def total_bytes(self) -> int:
        return self.memory_line("total").value

    def to_dict(self) -> dict[str, Any]:
        compute: dict[str, Any] = {}
        for phase in ("prefill", "decode"):
            macs, flops = self.compute(phase, "macs"), self.compute(phase, "flops")
            compute[phase] = {"macs_per_sequence": macs, "flops_per_sequence": flops,
                              "flops_batch": self.batch_flops(phase)}
        compute["prefill"]["tokens"] = self.seq_len
        compute["decode"]["context"] = self.seq_len
        return {
            "framework": self.framework, **self.options.to_dict(), "seq_len": self.seq_len,
            "definitions": {"mac": "one multiply-accumulate", "flops": "2·MACs + the state update's elementwise FLOPs",
                            "prefill": "a forward over seq_len tokens from an empty state",
                            "decode": "one step for token seq_len + 1, with the state (and cache) of seq_len tokens",
                            "bytes": "exact bytes; human units are binary (1 KiB = 1,024 bytes)"},
            "memory": {item.key: item.value for item in self.memory},
            "memory_lines": [item.to_dict() for item in self.memory],
            "activations": None, "activations_modelled": False,
            "state_per_sequence": self.state.per_sequence,
            "state_bytes_per_sequence": self.state.bytes_per_sequence,
            "cache_per_sequence": self.state.cache_per_sequence,
            "states": [{"layer": i.layer, "name": i.name, "shape": list(i.shape), "numbers": i.numbers}
                       for i in self.state.items],
            "compute_modelled": self.compute_modelled, "compute": compute,
            "layers": [layer.to_dict() for layer in self.layers],
            "warnings": list(self.warnings),
        }


def is_sequence_framework(framework: str) -> bool:
    """Is `framework` estimated per token (this module) rather than by its kernels (analysis/estimate.py)?"""
    runtime = FRAMEWORKS[framework].runtime
    return runtime is not None and runtime.per_token


def check_sequence_options(framework: str, options: EstimateOptions, seq_len: int | None) -> None:
    """Refuse the options a sequence estimate does not take, before any counting (solve and sweep check once)."""
    fw = FRAMEWORKS[framework]
    if seq_len is None:
        raise UsageError("give the sequence length with --seq-len T (seq_len=T in Python): the prefill runs over T "
                         "tokens and the decoding step is token T + 1")
    if options.checkpointing:
        raise UsageError(f"--checkpointing changes the activations, which are not modelled for {fw.display}; drop it")
    if options.device == "cuda" or options.cpu_kernels != "onednn":
        raise UsageError(f"--device and --cpu-kernels choose PyTorch's recurrent kernels; {fw.display}'s figures do "
                         "not depend on them: drop them")


def sequence_estimate(report: Report, options: EstimateOptions, seq_len: int | None) -> SequenceEstimate:
    fw = FRAMEWORKS[report.framework]
    assert is_sequence_framework(report.framework)
    runtime = fw.runtime
    assert runtime is not None
    check_sequence_options(report.framework, options, seq_len)
    assert seq_len is not None
    st = state_report(report, options.dtype if options.dtype != "int8" else "float32", options.batch, seq_len)
    states = line("states", mul(Sym("B"), Sym("n_s"), Sym("s")),
                  {"B": options.batch, "n_s": st.per_sequence, "s": options.activation_bytes}, "bytes")
    cache = st.cache_per_sequence or 0
    caches = line("caches", mul(Sym("B"), Sym("n_c"), Sym("s")),  # attention's keys and values of T tokens
                  {"B": options.batch, "n_c": cache, "s": options.activation_bytes}, "bytes")
    lines = memory.model_memory(report, runtime, options, [], 0,
                                [*([states] if st.per_sequence else []), *([caches] if cache else [])])
    kept = [item for item in lines if item.key not in ("activations", "total")]
    kept.append(replace(total_line("total", kept, "bytes"), note="total_without_activations"))
    modelled = all(_modelled(layer) for layer in report.layers)
    layers = tuple(layer_tokens(report, layer, seq_len) for layer in report.layers) if modelled else ()
    warnings = [*report.warnings]
    if options.training:
        warnings.append(f"activations are not modelled for {fw.display}: the total leaves them out "
                        "(weights, gradients, optimizer state and the state are exact)")
    if not modelled:
        missing = sorted({layer.type for layer in report.layers if not _modelled(layer)})
        warnings.append(f"FLOPs are not modelled for {fw.display} ({', '.join(missing)} declare no per-token work)")
    return SequenceEstimate(report.framework, options, seq_len, tuple(kept), st, layers, modelled, report,
                            tuple(warnings))


__all__ = ["LayerTokens", "SequenceEstimate", "check_sequence_options", "decode_keys", "is_sequence_framework",
           "layer_tokens", "prefill_keys", "sequence_estimate"]
