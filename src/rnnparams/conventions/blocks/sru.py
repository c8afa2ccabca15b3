"""SRU (Simple Recurrent Unit, Lei et al. 2018) as the `sru` package (asappresearch, 2.6.0) builds it.

`SRU(input_size, hidden_size, num_layers=2, ..., bidirectional=False, projection_size=0, layer_norm=False,
has_skip_term=True, proj_input_to_hidden_first=False, normalize_after=False)`: layer k (`rnn_lst.{k}.`)
reads I_k features (I, then O = D·H) and keeps `weight` (I_k, m·O): m = 3 matrices (candidate, forget and
reset gates), 4 when the skip term needs its own projection (has_skip_term and I_k != O); with
0 < P < I_k and P < O (`projection_size`) it is factorised into `weight_proj` (I_k, P) and `weight`
(P, m·O). `weight_c` and `bias` (2·O) are the forget and reset gates' vector recurrence and biases, the buffer
`scale_x` (1) the highway rescaling constant. layer_norm=True adds a LayerNorm of I_k (O with
normalize_after=True). proj_input_to_hidden_first=True with I != O maps the input to O first
(`input_to_hidden.weight` (O, I)). Input (T, N, I); output (T, N, O), last cell states c (L, N, O).
"""

from __future__ import annotations

from ..._record import replace
from ...errors import ConfigError
from ...spec import LayerSpec
from ...symbolic import Const, Expr, Sym, add, mul
from ..base import (
    ANY,
    BOOL,
    FLOAT,
    MAX_STACKED_LAYERS,
    NONNEG,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    expand,
    freeze,
)
from ..recognise import torch_path
from ..work import SEQUENCE_RUNTIME, Mixer, Work
from .common import entry, number, refuse_module, sequence_input

I, H, D, L, P = (Sym(n) for n in ("I", "H", "D", "L", "P"))
IN, M, O = Sym("I_k"), Sym("m_k"), mul(Sym("D"), Sym("H"))

CELL = (
    TensorTemplate("{at}weight_proj", (IN, P), "projection", when="proj"),
    TensorTemplate("{at}weight", (Sym("W_in"), mul(M, O)), "input_weights"),
    TensorTemplate("{at}weight_c", (mul(2, O),), "vector_recurrence"),
    TensorTemplate("{at}bias", (mul(2, O),), "bias"),
    TensorTemplate("{at}scale_x", (Const(1),), "highway_scale", trainable=False, buffer=True),
    TensorTemplate("{at}layer_norm.weight", (Sym("N"),), "norm", when="ln"),
    TensorTemplate("{at}layer_norm.bias", (Sym("N"),), "norm", when="ln"),
)
TO_HIDDEN = (TensorTemplate("input_to_hidden.weight", (O, I), "weight"),)


def _cell(at: str, reads: Expr, reads_n: int, out: int, *, skip: bool, proj: int, ln: bool, after: bool
          ) -> tuple[list[TensorSpec], bool]:
    """One SRUCell's tensors reading `reads` features (value `reads_n`), and whether it factorises its weight."""
    factorised = 0 < proj < reads_n and proj < out
    m = 4 if skip and reads_n != out else 3
    subs: dict[str, Expr | int] = {"I_k": reads, "m_k": m, "W_in": P if factorised else reads,
                                   "N": O if after else reads}
    return expand(CELL, flags={"proj": factorised, "ln": ln}, subs=subs, at=at), factorised


def plan_sru(ctx: LayerContext) -> LayerPlan:
    cell = ctx.spec.type == "SRUCell"
    i, h = ctx.int("input_size"), ctx.int("hidden_size")
    layers = 1 if cell else ctx.int("num_layers")
    refuse_module(ctx, "custom_m", "the weight of every layer")
    for key in ("dropout", "rnn_dropout"):
        rate = number(ctx, key)
        if not 0 <= rate <= 1:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be in [0, 1] (got {rate}).")
    dirs = 2 if ctx.cfg("bidirectional") else 1
    out = dirs * h
    proj = ctx.int("n_proj" if cell else "projection_size")
    skip, ln, after = bool(ctx.cfg("has_skip_term")), bool(ctx.cfg("layer_norm")), bool(ctx.cfg("normalize_after"))
    shape = sequence_input(ctx, i, "input_size", (None, None, i))
    to_hidden = not cell and bool(ctx.cfg("proj_input_to_hidden_first")) and i != out
    tensors: list[TensorSpec] = expand(TO_HIDDEN, flags={}) if to_hidden else []
    first_in: Expr = O if to_hidden else I
    first_n = out if to_hidden else i

    def at(k: int) -> str:
        return "" if cell else f"rnn_lst.{k}."

    first, factorised = _cell(at(0), first_in, first_n, out, skip=skip, proj=proj, ln=ln, after=after)
    tensors += first
    upper: list[TensorSpec] = []
    for k in range(1, layers):
        upper = _cell(at(k), O, out, out, skip=skip, proj=proj, ln=ln, after=after)[0]
        tensors += upper
    family: list[tuple[Expr, tuple[TensorSpec, ...]]] = []
    if to_hidden:
        family.append((Const(1), tuple(expand(TO_HIDDEN, flags={}))))
    family.append((Const(1), tuple(t for t in first if not t.buffer)))
    if layers > 1:
        one = _cell(at(1), O, out, out, skip=skip, proj=proj, ln=ln, after=after)[0]
        family.append((add(L, -1), tuple(t for t in one if not t.buffer)))
    t_len, n = shape[0], shape[1]
    bindings = {"I": i, "H": h, "D": dirs, **({} if cell else {"L": layers})}
    if factorised or (layers > 1 and 0 < proj < out):
        bindings["P"] = proj
    states = {"c": (n, out) if cell else (layers, n, out)}
    if not cell and ctx.cfg("nn_rnn_compatible_return"):
        states = {"c": (layers * dirs, n, h)}
    return LayerPlan(tuple(tensors), freeze(bindings), shape, (t_len, n, out), freeze(states),
                     family=tuple(family), features=("I", O), time_axis=0, notes=("sru_form",),
                     counts=() if cell else ("L",))


_FLAGS = (Param("rescale", True, BOOL), Param("v1", False, BOOL), Param("custom_m", None, ANY),
          Param("amp_recurrence_fp16", False, BOOL), Param("normalize_after", False, BOOL),
          Param("weight_c_init", None, ANY))
SRU_PARAMS = (
    Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
    Param("num_layers", 2, SIZE, maximum=MAX_STACKED_LAYERS), Param("dropout", 0.0, FLOAT),
    Param("rnn_dropout", 0.0, FLOAT), Param("bidirectional", False, BOOL), Param("projection_size", 0, NONNEG),
    Param("use_tanh", False, BOOL), Param("layer_norm", False, BOOL), Param("highway_bias", 0.0, FLOAT),
    Param("has_skip_term", True, BOOL), Param("rescale", False, BOOL), Param("v1", False, BOOL),
    Param("nn_rnn_compatible_return", False, BOOL), Param("custom_m", None, ANY),
    Param("proj_input_to_hidden_first", False, BOOL), Param("amp_recurrence_fp16", False, BOOL),
    Param("normalize_after", False, BOOL), Param("weight_c_init", None, ANY),
)
CELL_PARAMS = (
    Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE), Param("dropout", 0.0, FLOAT),
    Param("rnn_dropout", 0.0, FLOAT), Param("bidirectional", False, BOOL), Param("n_proj", 0, NONNEG),
    Param("use_tanh", False, BOOL), Param("highway_bias", 0.0, FLOAT), Param("has_skip_term", True, BOOL),
    Param("layer_norm", False, BOOL), *_FLAGS,
)
WORDS = {
    "I_k": ("features layer k reads (I, then D·H)", "第 k 层读入的特征数（先是 I，之后是 D·H）"),
    "m_k": ("matrices in layer k's weight: 3 (candidate, forget, reset), 4 with the skip term's own projection",
            "第 k 层 weight 中的矩阵数：3(候选、遗忘门、重置门)，跳连需要单独投影时为 4"),
    "input_weights": ("The layer's one matrix product (weight: U = x·W)", "每层唯一的矩阵乘法（weight:U = x·W）"),
    "vector_recurrence": ("Vector recurrence of the forget and reset gates (weight_c)",
                          "遗忘门和重置门的逐元素循环权重（weight_c）"),
    "highway_scale": ("Highway rescaling constant (buffer scale_x)", "高速连接的缩放常数（缓冲区 scale_x）"),
}
WORDS["sru_form"] = (
    "SRU's only matrix product reads x_t: U = x_t·W gives the candidate, the forget and reset gates' inputs "
    "(and the skip term's projection when I_k ≠ D·H), all time steps at once; the recurrence is elementwise, "
    "through the vectors weight_c (v_f, v_r) and the biases (b_f, b_r), so it has no H×H matrix.",
    "SRU 唯一的矩阵乘法读入 x_t：U = x_t·W 一次算出所有时间步的候选值、遗忘门和重置门的输入"
    "（I_k ≠ D·H 时还有跳连的投影）；"
    "循环部分只做逐元素运算，使用向量 weight_c（v_f、v_r）和偏置（b_f、b_r），没有 H×H 的矩阵。")
def recognise_sru(group: TensorGroup) -> Recognised | None:
    """An SRU stack from `rnn_lst.{k}.` tensors. Its shapes fix D·H but not D and H apart (a bidirectional SRU of H
    and a unidirectional one of 2·H hold the same tensors): read as unidirectional, and said so."""
    leaves = group.leaves
    layers = 0
    while f"rnn_lst.{layers}.weight_c" in leaves:
        layers += 1
    if not layers or any(not n.startswith(("rnn_lst.", "input_to_hidden.")) for n in leaves):
        return None
    c = leaves["rnn_lst.0.weight_c"]
    weight, proj = leaves.get("rnn_lst.0.weight"), leaves.get("rnn_lst.0.weight_proj")
    if len(c) != 1 or c[0] % 2 or weight is None or len(weight) != 2:
        return None
    out = c[0] // 2
    first = leaves.get("input_to_hidden.weight")
    reads = proj[0] if proj is not None else weight[0]
    i = first[1] if first is not None else reads
    norm = leaves.get("rnn_lst.0.layer_norm.weight")
    projs = [leaves[f"rnn_lst.{k}.weight_proj"] for k in range(layers) if f"rnn_lst.{k}.weight_proj" in leaves]
    config: dict[str, object] = {
        "input_size": i, "hidden_size": out, "num_layers": layers,
        "projection_size": projs[0][1] if projs else 0, "layer_norm": norm is not None,
        "normalize_after": norm is not None and norm[0] == out and reads != out,
        "has_skip_term": weight[1] == 4 * out or reads == out, "proj_input_to_hidden_first": first is not None,
    }
    return Recognised(config, note="an SRU's tensors fix D·H, not D and H apart: read as unidirectional "
                                   "(bidirectional=True with half the hidden_size holds the same tensors)")


PRODUCTS = frozenset({"weight", "projection", "input_weights"})
"""input_to_hidden, weight_proj and weight multiply once per token (U = x·W: every step's inputs at once)."""
RECURRENCE = 14
"""The elementwise recurrence per step and output unit, as the CPU kernel the inference path runs writes it
(sru/csrc/sru_cpu_impl.cpp cpu_forward, reached through sru/ops.py elementwise_recurrence_inference):
f = σ(u1 + v_f·c + b_f) and r = σ(u2 + v_r·c + b_r) (4 each), c = (c − u0)·f + u0 (3), h = (g(c) − x′)·r + x′ (3;
x′ = 0 without the skip term, the kernel still writes the two operations) = 14, and g = tanh with use_tanh=True
(1 more). The kernel also multiplies a skip input that is the layer's own input by scale_x (1.0 unless rescale):
not counted (docs/estimates.md). The Python path autograd runs (ops.py elementwise_recurrence_naive) writes the
same recurrence with h = x′ + (g − x′)·mask_c·r: tests/oracle/test_block_flops_oracle.py counts it."""


def _work(units: Expr) -> Work:
    """SRU's work: its products, and the recurrence over `units` (L·D·H for the stack, D·H for one cell) once."""
    return Work(token_products=PRODUCTS, mixers=(
        (None, Mixer(scan_flops=mul(RECURRENCE + 1, units), when="use_tanh", once=True)),
        (None, Mixer(scan_flops=mul(RECURRENCE, units), once=True))))


LAYERS = {c.type_name: c for c in (
    replace(entry("SRU", SRU_PARAMS, plan_sru, words=WORDS, work=_work(mul(L, O))), recognise=recognise_sru),
    entry("SRUCell", CELL_PARAMS, plan_sru, words=WORDS, work=_work(O)))}


def _batch_axis(first: LayerSpec) -> int:
    """SRU reads (length, batch, features)."""
    return 1


SRU = FrameworkConvention(
    id="sru", display="SRU (sru)", layers=LAYERS, runtime=SEQUENCE_RUNTIME,
    prefixes=("sru.modules.", "sru."), naming="index",
    batch_axis=_batch_axis, verified_with=(("sru", "2.6.0"), ("torch", "2.13.0")), buffers=True,
    syntax="SRU(128, 256, num_layers=2, bidirectional=True)", short="SRU", write_prefix="sru.",
    checkpoint_path=torch_path,
)

__all__ = ["LAYERS", "SRU"]
