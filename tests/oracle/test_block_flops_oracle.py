"""FLOPs per token of the block packages (issue 18 point 5): minGRU/minLSTM (minGRU-pytorch), SRU (sru), CfC and LTC
(ncps), IndRNN and QRNN (their reference code), against a real CPU forward over T steps (the prefill) and one step
with the state it left (the decoding), batch 1.

Two counters watch each run:

- torch's FlopCounterMode sees the matrix products: aten.mm/addmm (F.linear, x.mm(W)) equal 2 × our weight MACs
  exactly, prefill and decoding, and it sees nothing else (no convolution, no bmm);
- `Elementwise` below, a TorchDispatchMode, counts every other aten op as the modeling code writes it, one FLOP
  per output number (lerp 3: a + w·(b − a); a sum over an axis: its inputs less its outputs; where(), cat, views and
  copies 0). Our elementwise state update (each `Mixer`'s docstring derives it from the package's code) must equal
  it, plus what the package computes besides, derived here from its code: minGRU's parallel log-space prefill, a
  wired CfC's weight ⊙ mask at every step, the backbone's activations, QRNN's first step without a state.

SRU's inference recurrence runs in its C++ CPU kernel (torch.ops.sru_cpu.cpu_forward, sru/csrc/sru_cpu_impl.cpp),
which a dispatch mode does not see (only the at::zeros and clone inside it): its FLOPs are the derivation on sru.py's
RECURRENCE. With autograd on, sru runs the same recurrence in Python (ops.py elementwise_recurrence_naive), which
the dispatch mode counts: it equals ours plus the differences in how that code writes it (derived in check_sru).

IndRNN and QRNN install from no package (conventions/blocks/reference.py): the oracle is their reference modules'
forward code, transcribed below from StefOe/indrnn-pytorch indrnn.py (commit 1a6050d; F.mul is torch.mul now)
and salesforce/pytorch-qrnn torchqrnn/qrnn.py and forget_mult.py (commit 1634991: its CPUForgetMult keeps the
batch axis that 0e8afb5's squeeze() drops at batch 1; the arithmetic is the same). Neither IndRNN module takes a
state (its forward starts from the buffer h0): the decoding step is its cells' forward with the state, as the
reference's IndRNNCell example runs it.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

torch = pytest.importorskip("torch")
from test_sequence_estimate_oracle import WEIGHT_OPS, total  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

pytestmark = pytest.mark.oracle
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
flags = st.booleans()

ONE = frozenset({"add", "sub", "rsub", "mul", "div", "sigmoid", "tanh", "exp", "log", "softplus", "relu", "abs",
                 "neg", "ge", "silu", "gelu"})
"""Elementwise ops: one FLOP per output number."""
FREE = frozenset({"view", "_unsafe_view", "t", "transpose", "unsqueeze", "squeeze", "slice", "select", "split",
                  "split_with_sizes", "cat", "stack", "expand", "clone", "copy", "where", "zeros", "new_zeros",
                  "empty", "permute", "detach", "alias", "unbind", "as_strided", "_to_copy", "fill", "zero",
                  "lift_fresh", "constant_pad_nd", "mm", "addmm", "t_", "empty_like", "zeros_like", "_reshape_alias",
                  "reshape", "contiguous", "flip", "index_select", "_local_scalar_dense", "item", "mv", "dot",
                  "chunk", "randn"})
"""Ops without arithmetic (the matrix products are FlopCounterMode's)."""
SCANS = frozenset({"cumsum", "logcumsumexp"})
"""Scans over time, tallied apart (minGRU's parallel path)."""


class Elementwise(TorchDispatchMode):
    """FLOPs of the elementwise ops a forward runs (see the module docstring), and the ops it does not know."""

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0
        self.scans: Counter[str] = Counter()
        self.other: Counter[str] = Counter()

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        name = func.overloadpacket.__name__
        base = name[:-1] if name.endswith("_") and not name.startswith("_") else name
        if base in ONE:
            self.flops += out.numel()
        elif base == "lerp":
            self.flops += 3 * out.numel()
        elif base == "sum":
            self.flops += args[0].numel() - out.numel()
        elif base in SCANS:
            self.scans[base] += 1
        elif base not in FREE:
            self.other[base] += 1
        return out


class Counted:
    def __init__(self, fn: Callable[[], Any], grad: bool = False) -> None:
        with warnings.catch_warnings(), torch.set_grad_enabled(grad):
            warnings.simplefilter("ignore")
            with FlopCounterMode(display=False) as products, Elementwise() as elementwise:
                self.result = fn()
        self.ops = {str(k): int(v) for k, v in products.get_flop_counts().get("Global", {}).items()}
        self.products = sum(self.ops.get(op, 0) for op in WEIGHT_OPS)
        self.elementwise = elementwise.flops
        self.scans = dict(elementwise.scans)
        self.other = dict(elementwise.other)


def estimate(expr: str, framework: str, shape: tuple[int, ...], steps: int) -> Any:
    est = rnnparams.estimate_sequence(expr, framework, shape, batch=1, seq_len=steps, mode="inference")
    assert est.compute_modelled, est.warnings
    for phase in ("prefill", "decode"):
        assert total(est, phase, "flops") == 2 * total(est, phase, "macs") + total(est, phase, "scan_flops")
    return est


def check_products(pre: Counted, dec: Counted, est: Any) -> None:
    """The matrix products equal 2 × our weight MACs; FlopCounterMode sees nothing else."""
    assert set(pre.ops) <= set(WEIGHT_OPS) and set(dec.ops) <= set(WEIGHT_OPS), (pre.ops, dec.ops)
    assert pre.products == 2 * total(est, "prefill", "weight_macs")
    assert dec.products == 2 * total(est, "decode", "weight_macs")


# --- minGRU / minLSTM (minGRU-pytorch 0.2.1) ---------------------------------------------------------------------

PARALLEL = {"minGRU": 16, "minLSTM": 23}
"""Elementwise FLOPs per token and hidden unit of the parallel (log-space) prefill, besides its two scans, from
minGRU.forward / minLSTM.forward with seq_len > 1. minGRU: −softplus(gate) (2), −softplus(−gate) (3), log_g(h̃) =
where(x ≥ 0, log(relu(x) + 0.5), −softplus(−x)) (7), their sum (1), and in heinsen_associative_scan_log
log_values − a_star, a_star + …, exp (3) = 16. minLSTM: softplus(−f) − softplus(−i) (5), −softplus(diff) (2),
−softplus(−diff) (3), log_h_0 = −softplus(log_f) (2, computed and not used without prev_hidden), log_g(h̃) (7),
the sum (1), the scan's 3 = 23; each also runs one cumsum and one logcumsumexp over (1, T, d_h)."""


def check_mingru(kind: str, dim: int, factor: float, proj: bool | None, steps: int) -> None:
    from minGRU_pytorch import minGRU
    from minGRU_pytorch.minLSTM import minLSTM

    module = {"minGRU": minGRU, "minLSTM": minLSTM}[kind](dim, expansion_factor=factor, proj_out=proj).eval()
    x = torch.randn(1, steps + 1, dim)
    pre = Counted(lambda: module(x[:, :steps], return_next_prev_hidden=True))
    hidden = pre.result[1]
    dec = Counted(lambda: module(x[:, steps:], prev_hidden=hidden, return_next_prev_hidden=True))
    est = estimate(f"{kind}({dim}, expansion_factor={factor!r}, proj_out={proj!r})", "mingru", (steps, dim), steps)
    check_products(pre, dec, est)
    inner = int(dim * factor)
    assert dec.elementwise == total(est, "decode", "scan_flops")  # the sequential step: what we count
    assert not dec.other and not dec.scans
    assert total(est, "prefill", "scan_flops") == steps * total(est, "decode", "scan_flops")
    assert pre.elementwise == PARALLEL[kind] * steps * inner  # what the parallel path computes instead
    assert pre.scans == {"cumsum": 1, "logcumsumexp": 1} and not pre.other


@pytest.mark.parametrize("kind, dim, factor, proj, steps", [
    ("minGRU", 16, 1.0, None, 4), ("minGRU", 12, 1.5, None, 3), ("minGRU", 7, 2.0, False, 5),
    ("minLSTM", 12, 1.0, True, 4), ("minLSTM", 10, 0.5, None, 2), ("minLSTM", 9, 1.5, False, 6)])
def test_mingru_table(kind: str, dim: int, factor: float, proj: bool | None, steps: int) -> None:
    check_mingru(kind, dim, factor, proj, steps)


@FAST
@given(st.sampled_from(["minGRU", "minLSTM"]), st.integers(1, 24), st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]),
       st.sampled_from([None, True, False]), st.integers(2, 7))
def test_mingru_generated(kind: str, dim: int, factor: float, proj: bool | None, steps: int) -> None:
    if int(dim * factor) == 0:
        return
    check_mingru(kind, dim, factor, proj, steps)


# --- SRU (sru 2.6.0) ---------------------------------------------------------------------------------------------

def check_sru(i: int, h: int, layers: int, bidirectional: bool, proj: int, layer_norm: bool, skip: bool,
              to_hidden: bool, use_tanh: bool, steps: int, rescale: bool = False) -> None:
    import sru

    kwargs = {"num_layers": layers, "bidirectional": bidirectional, "projection_size": proj,
              "layer_norm": layer_norm, "has_skip_term": skip, "proj_input_to_hidden_first": to_hidden,
              "use_tanh": use_tanh, "rescale": rescale}
    module = sru.SRU(i, h, **kwargs).eval()
    x = torch.randn(steps + 1, 1, i)
    pre = Counted(lambda: module(x[:steps]))
    state = pre.result[1]
    dec = Counted(lambda: module(x[steps:], c0=state))
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    est = estimate(f"SRU({i}, {h}, {args})", "sru", (steps, i), steps)
    check_products(pre, dec, est)
    # the recurrence is the C++ kernel's (the derivation on sru.py's RECURRENCE): nothing elementwise is seen but
    # the layer norm's, which no Mixer counts
    assert pre.elementwise == dec.elementwise == 0 and set(pre.other) <= {"native_layer_norm"}
    out = (2 if bidirectional else 1) * h
    per_unit = 14 + (1 if use_tanh else 0)
    assert total(est, "decode", "scan_flops") == per_unit * layers * out
    # With autograd on, the CPU path is ops.py's elementwise_recurrence_naive, in Python, which the dispatch mode
    # sees: the kernel's arithmetic written a little differently. Per step and unit: the biases added to U before the
    # loop (2), each gate's v·c, sum and σ (3 + 3), c = u0 + (c − u0)·f (3), tanh (use_tanh), and
    # h = x′ + (g − x′)·mask_c·r (4; mask_c is the integer 1 without dropout) with the skip term, g·mask_c·r (2)
    # without: one more (with the skip) or one fewer than the kernel's (g − x′)·r + x′; and x′ = x·scale_x with
    # rescale in the layers whose skip is their own input (k = 3: every layer that reads D·H features).
    trained = Counted(lambda: module(x[:steps]), grad=True)
    first_reads = out if to_hidden and i != out else i
    own_skip = sum(1 for k in range(layers) if (first_reads if k == 0 else out) == out) if skip else 0
    assert trained.elementwise == total(est, "prefill", "scan_flops") + steps * (
        layers * out * (1 if skip else -1) + (own_skip * out if rescale else 0))


@pytest.mark.parametrize("args", [
    (8, 16, 2, False, 0, False, True, False, False, 4, False), (16, 16, 1, True, 0, True, True, False, True, 3, True),
    (10, 6, 3, False, 4, False, False, True, False, 5, True), (12, 8, 2, True, 3, True, True, True, True, 2, True),
    (5, 7, 3, False, 0, False, True, False, False, 3, True)])
def test_sru_table(args: tuple[Any, ...]) -> None:
    check_sru(*args)


@FAST
@given(st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 3), flags, st.integers(0, 6), flags, flags,
                 flags, flags, st.integers(1, 6), flags))
def test_sru_generated(args: tuple[Any, ...]) -> None:
    check_sru(*args)


# --- CfC and LTC (ncps 1.0.1) ------------------------------------------------------------------------------------

ACTIVATION = {"lecun_tanh": 3, "tanh": 1, "relu": 1, "silu": 1, "gelu": 1}
"""FLOPs per backbone unit of its activation (LeCun: 1.7159·tanh(0.666·x)), which we do not count."""


def _wiring(kind: str, units: int, out: int) -> tuple[str, Any]:
    from ncps import wirings

    if kind == "AutoNCP":
        return f"AutoNCP({units}, {out})", wirings.AutoNCP(units, out)
    return f"FullyConnected({units}, output_dim={out})", wirings.FullyConnected(units, output_dim=out)


def check_cfc(i: int, units: int | tuple[str, int, int], mode: str, memory: bool, proj: int | None,
              sequences: bool, backbone: tuple[int, int, str] | None, steps: int) -> None:
    from ncps.torch import CfC

    kwargs: dict[str, Any] = {"proj_size": proj, "return_sequences": sequences, "mixed_memory": memory, "mode": mode}
    if backbone is not None:
        kwargs.update(backbone_units=backbone[0], backbone_layers=backbone[1], activation=backbone[2])
    if isinstance(units, tuple):
        written, wiring = _wiring(*units)
        module = CfC(i, wiring, **kwargs).eval()
        wiring.build(i)
        sizes = [len(wiring.get_neurons_of_layer(k)) for k in range(wiring.num_layers)]
        width, out = units[1], wiring.output_dim
    else:
        written, module = str(units), CfC(i, units, **kwargs).eval()
        sizes, width, out = [], units, units
    x = torch.randn(1, steps + 1, i)
    pre = Counted(lambda: module(x[:, :steps]))
    state = pre.result[1]
    dec = Counted(lambda: module(x[:, steps:], state))
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    est = estimate(f"CfC({i}, {written}, {args})", "ncps", (steps, i), steps)
    check_products(pre, dec, est)  # fc reads the last step alone with return_sequences=False: once in a prefill
    if not sequences and proj is not None:
        assert total(est, "prefill", "weight_macs") == steps * (total(est, "decode", "weight_macs") - proj * out) \
            + proj * out
    besides = 0
    if not sizes:  # the backbone's activations (CfC's default: 128 units, 1 layer, lecun_tanh)
        b_units, b_layers, act = backbone if backbone is not None else (128, 1, "lecun_tanh")
        besides += ACTIVATION[act] * b_units * b_layers
    reads = i
    for n in sizes:  # a wired CfCCell masks ff1 (and ff2 in the gated modes) at every step: n_l·(n_{l−1} + n_l)
        besides += (1 if mode == "pure" else 2) * n * (reads + n)
        reads = n
    assert dec.elementwise == total(est, "decode", "scan_flops") + besides
    assert pre.elementwise == total(est, "prefill", "scan_flops") + steps * besides  # every step alike
    assert not pre.other and not dec.other
    assert total(est, "decode", "scan_flops") == width * ({"pure": 9, "no_gate": 7}.get(mode, 9)
                                                          + (14 if memory else 0))


@pytest.mark.parametrize("args", [
    (20, ("AutoNCP", 28, 4), "default", False, None, True, None, 3),
    (5, 12, "default", False, None, True, None, 4),
    (6, 10, "pure", True, 3, False, (16, 2, "tanh"), 3),
    (4, 8, "no_gate", True, 5, True, (8, 1, "gelu"), 2),
    (7, ("FullyConnected", 9, 3), "no_gate", True, None, True, None, 3),
    (2, ("FullyConnected", 6, 6), "default", False, 4, False, None, 4),
    (3, ("AutoNCP", 12, 2), "pure", False, None, False, None, 5),
])
def test_cfc_table(args: tuple[Any, ...]) -> None:
    check_cfc(*args)


@st.composite
def cfc_configs(draw: st.DrawFn) -> tuple[Any, ...]:
    wired = draw(st.sampled_from([None, "AutoNCP", "FullyConnected"]))
    units: int | tuple[str, int, int]
    if wired == "AutoNCP":
        n = draw(st.integers(5, 14))
        units = ("AutoNCP", n, draw(st.integers(1, n - 3)))
    elif wired == "FullyConnected":
        n = draw(st.integers(1, 10))
        units = ("FullyConnected", n, draw(st.integers(1, n)))
    else:
        units = draw(st.integers(1, 12))
    backbone = None if wired else draw(st.one_of(st.none(), st.tuples(
        st.integers(1, 16), st.integers(1, 3), st.sampled_from(sorted(ACTIVATION)))))
    return (draw(st.integers(1, 8)), units, draw(st.sampled_from(["default", "pure", "no_gate"])), draw(flags),
            draw(st.one_of(st.none(), st.integers(1, 6))), draw(flags), backbone, draw(st.integers(1, 5)))


@FAST
@given(cfc_configs())
def test_cfc_generated(args: tuple[Any, ...]) -> None:
    units, proj = args[1], args[4]
    if isinstance(units, tuple) and units[0] == "FullyConnected" and proj is not None and units[2] != units[1]:
        return  # fc reads output_dim features but the wiring's last layer gives all its units: ncps fails too
    check_cfc(*args)


def check_ltc(i: int, units: int | tuple[str, int, int], memory: bool, unfolds: int, in_map: str | None,
              out_map: str | None, implicit: bool, steps: int) -> None:
    from ncps.torch import LTC

    kwargs: dict[str, Any] = {"mixed_memory": memory, "ode_unfolds": unfolds, "input_mapping": in_map,
                              "output_mapping": out_map, "implicit_param_constraints": implicit}
    if isinstance(units, tuple):
        written, wiring = _wiring(*units)
        module = LTC(i, wiring, **kwargs).eval()
    else:
        written, module = str(units), LTC(i, units, **kwargs).eval()
    x = torch.randn(1, steps + 1, i)
    pre = Counted(lambda: module(x[:, :steps]))
    state = pre.result[1]
    dec = Counted(lambda: module(x[:, steps:], state))
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    est = estimate(f"LTC({i}, {written}, {args})", "ncps", (steps, i), steps)
    check_products(pre, dec, est)  # only the mixed-memory LSTMCell multiplies matrices
    assert dec.elementwise == total(est, "decode", "scan_flops")
    assert pre.elementwise == total(est, "prefill", "scan_flops")
    assert not pre.other and not dec.other


@pytest.mark.parametrize("args", [
    (20, 12, False, 6, "affine", "affine", True, 3), (4, 6, True, 3, "linear", None, False, 4),
    (3, ("AutoNCP", 10, 2), False, 2, None, "affine", True, 2), (1, ("FullyConnected", 5, 2), True, 1, "affine",
                                                                  "linear", False, 5)])
def test_ltc_table(args: tuple[Any, ...]) -> None:
    check_ltc(*args)


@st.composite
def ltc_configs(draw: st.DrawFn) -> tuple[Any, ...]:
    units: int | tuple[str, int, int] = draw(st.integers(1, 10))
    if draw(flags):
        n = draw(st.integers(5, 12))
        units = draw(st.sampled_from([("AutoNCP", n, draw(st.integers(1, n - 3))),
                                      ("FullyConnected", n, draw(st.integers(1, n)))]))
    mappings = st.sampled_from(["affine", "linear", None])
    return (draw(st.integers(1, 6)), units, draw(flags), draw(st.integers(1, 6)), draw(mappings), draw(mappings),
            draw(flags), draw(st.integers(1, 5)))


@FAST
@given(ltc_configs())
def test_ltc_generated(args: tuple[Any, ...]) -> None:
    check_ltc(*args)


# --- IndRNN and QRNN: their reference modules' forward code ------------------------------------------------------

class IndRNNCell(nn.Module):
    """indrnn.py IndRNNCell: weight_ih (H, I), weight_hh (H), bias_ih (H); forward as the reference writes it."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "relu") -> None:
        super().__init__()
        self.activation = torch.tanh if nonlinearity == "tanh" else F.relu
        self.weight_ih = nn.Parameter(torch.randn(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.randn(hidden_size))
        self.bias_ih = nn.Parameter(torch.randn(hidden_size)) if bias else None

    def forward(self, input: Any, hx: Any) -> Any:
        return self.activation(F.linear(input, self.weight_ih, self.bias_ih) + torch.mul(self.weight_hh, hx))


class IndRNN(nn.Module):
    """indrnn.py IndRNN (time first): cells per layer and direction, layer i reading I then H·D, the initial state
    the buffer h0, batch norm after each layer; forward as the reference writes it (check_bounds does nothing with
    the default hidden_min_abs=0, hidden_max_abs=None)."""

    def __init__(self, input_size: int, hidden_size: int, n_layer: int = 1, batch_norm: bool = False,
                 bidirectional: bool = False, bias: bool = True, nonlinearity: str = "relu") -> None:
        super().__init__()
        self.hidden_size, self.batch_norm, self.bidirectional = hidden_size, batch_norm, bidirectional
        dirs = 2 if bidirectional else 1
        self.cells = nn.ModuleList(nn.ModuleList(
            IndRNNCell(input_size if i == 0 else hidden_size * dirs, hidden_size, bias, nonlinearity)
            for _ in range(dirs)) for i in range(n_layer))
        if batch_norm:
            self.bns = nn.ModuleList(nn.BatchNorm1d(hidden_size * dirs) for _ in range(n_layer))
        self.register_buffer("h0", torch.zeros(hidden_size * dirs))

    def forward(self, x: Any) -> Any:
        time_index, batch_index = 0, 1
        for i, directions in enumerate(self.cells):
            hx = self.h0.unsqueeze(0).expand(x.size(batch_index), self.hidden_size * len(directions)).contiguous()
            x_n, hiddens = [], []
            for dir, cell in enumerate(directions):
                hx_cell = hx[:, self.hidden_size * dir: self.hidden_size * (dir + 1)]
                outputs = []
                x_t_all = torch.unbind(x, time_index)
                if dir == 1:
                    x_t_all = tuple(reversed(x_t_all))
                for x_t in x_t_all:
                    hx_cell = cell(x_t, hx_cell)
                    outputs.append(hx_cell)
                if dir == 1:
                    outputs = outputs[::-1]
                x_n.append(torch.stack(outputs, time_index))
                hiddens.append(hx_cell)
            x = torch.cat(x_n, -1)
            if self.batch_norm:
                x = self.bns[i](x.permute(batch_index, 2, time_index).contiguous()).permute(2, 0, 1)
        return x, hiddens

    def step(self, x_t: Any, states: list[list[Any]]) -> Any:
        """One decoding step through the cells, each from its state (the module's forward takes none)."""
        for i, directions in enumerate(self.cells):
            x_t = torch.cat([cell(x_t, states[i][d]) for d, cell in enumerate(directions)], -1)
            if self.batch_norm:
                x_t = self.bns[i](x_t)
        return x_t


def check_indrnn(i: int, h: int, layers: int, bn: bool, bidirectional: bool, bias: bool, act: str,
                 steps: int) -> None:
    module = IndRNN(i, h, layers, bn, bidirectional, bias, act).eval()
    x = torch.randn(steps + 1, 1, i)
    states: list[list[Any]] = []

    def prefill() -> Any:  # each layer's final states, for the step (the module's forward returns the last layer's)
        y = x[:steps]
        for k in range(layers):
            sub = IndRNN.__new__(IndRNN)
            nn.Module.__init__(sub)
            sub.hidden_size, sub.batch_norm, sub.bidirectional = h, bn, bidirectional
            sub.cells = nn.ModuleList([module.cells[k]])
            if bn:
                sub.bns = nn.ModuleList([module.bns[k]])
            sub.register_buffer("h0", module.h0)
            y, last = sub(y)
            states.append(last)
        return y

    pre = Counted(prefill)
    dec = Counted(lambda: module.step(x[steps], states))
    expr = f"IndRNN({i}, {h}, n_layer={layers}, batch_norm={bn}, bidirectional={bidirectional}, bias={bias}, " \
           f"nonlinearity={act!r})"
    est = estimate(expr, "reference", (steps, i), steps)
    check_products(pre, dec, est)
    norms = {"_native_batch_norm_legit_no_training", "native_batch_norm", "batch_norm"}
    assert set(pre.other) <= norms and set(dec.other) <= norms, (pre.other, dec.other)
    assert dec.elementwise == total(est, "decode", "scan_flops")
    assert pre.elementwise == total(est, "prefill", "scan_flops")


@pytest.mark.parametrize("args", [
    (10, 20, 2, False, False, True, "relu", 3), (10, 20, 3, True, True, False, "tanh", 4),
    (4, 1, 1, False, True, True, "relu", 2)])
def test_indrnn_table(args: tuple[Any, ...]) -> None:
    check_indrnn(*args)


@FAST
@given(st.tuples(st.integers(1, 10), st.integers(1, 10), st.integers(1, 3), flags, flags, flags,
                 st.sampled_from(["relu", "tanh"]), st.integers(1, 5)))
def test_indrnn_generated(args: tuple[Any, ...]) -> None:
    check_indrnn(*args)


def only_recurrent_step(input: Any, hx: Any, weight_hh: Any) -> Any:
    """Sunnydreamrain/IndRNN_pytorch IndRNN_onlyrecurrent.py (278240f), its cell's forward: the input is W·x + b."""
    return F.relu(input + hx * weight_hh.unsqueeze(0).expand(hx.size(0), len(weight_hh)))


@pytest.mark.parametrize("hidden, bidirectional", [(8, False), (5, True)])
def test_indrnn_cell_and_only_recurrent(hidden: int, bidirectional: bool) -> None:
    """IndRNNCell: one step; IndRNN_onlyrecurrent: the recurrence alone, per direction, from its state."""
    cell = IndRNNCell(6, hidden).eval()
    x, hx = torch.randn(1, 6), torch.randn(1, hidden)
    step = Counted(lambda: cell(x, hx))
    cell_est = estimate(f"IndRNNCell(6, {hidden})", "reference", (6,), 1)
    assert step.products == 2 * total(cell_est, "decode", "weight_macs") == 2 * 6 * hidden
    assert step.elementwise == total(cell_est, "decode", "scan_flops")
    u = torch.randn(hidden)
    dirs = 2 if bidirectional else 1
    only = Counted(lambda: [only_recurrent_step(torch.randn(1, hidden), hx, u) for _ in range(dirs)])
    est = estimate(f"IndRNN_onlyrecurrent({hidden}, bidirectional={bidirectional})", "reference", (4, hidden), 4)
    assert only.products == total(est, "decode", "weight_macs") == 0
    assert only.elementwise == total(est, "decode", "scan_flops")


class QRNNLayer(nn.Module):
    """qrnn.py QRNNLayer: linear = Linear(window·I, G·H), forward with the CPU ForgetMult (use_cuda False), as the
    reference writes it (zoneout 0)."""

    def __init__(self, input_size: int, hidden_size: int, save_prev_x: bool = False, window: int = 1,
                 output_gate: bool = True) -> None:
        super().__init__()
        self.window, self.input_size, self.hidden_size = window, input_size, hidden_size
        self.save_prev_x, self.output_gate, self.prevX = save_prev_x, output_gate, None
        self.linear = nn.Linear(self.window * self.input_size,
                                3 * self.hidden_size if self.output_gate else 2 * self.hidden_size)

    def forward(self, X: Any, hidden: Any = None) -> Any:
        seq_len, batch_size, _ = X.size()
        if self.window == 1:
            source = X
        else:
            Xm1 = [self.prevX if self.prevX is not None else X[:1, :, :] * 0]
            if len(X) > 1:
                Xm1.append(X[:-1, :, :])
            source = torch.cat([X, torch.cat(Xm1, 0)], 2)
        Y = self.linear(source)
        if self.output_gate:
            Z, Fg, O = Y.view(seq_len, batch_size, 3 * self.hidden_size).chunk(3, dim=2)
        else:
            Z, Fg = Y.view(seq_len, batch_size, 2 * self.hidden_size).chunk(2, dim=2)
        Z = torch.tanh(Z).contiguous()
        Fg = torch.sigmoid(Fg).contiguous()
        C = cpu_forget_mult(Fg, Z, hidden)
        H = torch.sigmoid(O) * C if self.output_gate else C
        if self.window > 1 and self.save_prev_x:
            self.prevX = X[-1:, :, :].detach()
        return H, C[-1:, :, :]


def cpu_forget_mult(f: Any, x: Any, hidden_init: Any = None) -> Any:
    """forget_mult.py CPUForgetMult.forward."""
    result = []
    forgets = f.split(1, dim=0)
    prev_h = hidden_init
    for i, h in enumerate((f * x).split(1, dim=0)):
        if prev_h is not None:
            h = h + (1 - forgets[i]) * prev_h
        h = h.view(h.size()[1:])
        result.append(h)
        prev_h = h
    return torch.stack(result)


def check_qrnn(i: int, h: int, layers: int, window: int, output_gate: bool, steps: int) -> None:
    """QRNN.forward: the layers one after another, h_n their last states; every layer reads input_size features
    (0e8afb5; a stack runs with I = H, the generated stacks have it)."""
    stack = [QRNNLayer(i, h, save_prev_x=True, window=window, output_gate=output_gate).eval() for _ in range(layers)]
    for layer in stack:
        nn.init.normal_(layer.linear.weight)
    x = torch.randn(steps + 1, 1, i)

    def run(y: Any, hidden: Any) -> Any:
        out = []
        for k, layer in enumerate(stack):
            y, hn = layer(y, None if hidden is None else hidden[k])
            out.append(hn)
        return y, torch.cat(out, 0).view(layers, *out[0].size()[-2:])

    pre = Counted(lambda: run(x[:steps], None))
    state = pre.result[1]
    dec = Counted(lambda: run(x[steps:], state))
    expr = (f"QRNN({i}, {h}, num_layers={layers}, window={window}, output_gate={output_gate})" if layers > 1 or i == h
            else f"QRNNLayer({i}, {h}, window={window}, output_gate={output_gate})")
    est = estimate(expr, "reference", (steps, i), steps)
    check_products(pre, dec, est)
    assert not pre.other and not dec.other
    assert dec.elementwise == total(est, "decode", "scan_flops")
    # from an empty state, ForgetMult's first step is f·z alone (1 − f, ·h, + skipped: 3·H per layer), and window 2
    # makes x_{−1} = x_0·0 (I per layer)
    assert pre.elementwise == total(est, "prefill", "scan_flops") - 3 * layers * h + (window - 1) * layers * i


@pytest.mark.parametrize("args", [(10, 10, 2, 2, True, 3), (10, 20, 1, 1, False, 4), (6, 6, 3, 1, True, 2),
                                  (5, 7, 1, 2, True, 5)])
def test_qrnn_table(args: tuple[Any, ...]) -> None:
    check_qrnn(*args)


@st.composite
def qrnn_configs(draw: st.DrawFn) -> tuple[Any, ...]:
    layers = draw(st.integers(1, 3))
    i = draw(st.integers(1, 10))
    h = i if layers > 1 else draw(st.integers(1, 10))
    return i, h, layers, draw(st.sampled_from([1, 2])), draw(flags), draw(st.integers(1, 5))


@FAST
@given(qrnn_configs())
def test_qrnn_generated(args: tuple[Any, ...]) -> None:
    check_qrnn(*args)
