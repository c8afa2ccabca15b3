"""minGRU and minLSTM ("Were RNNs All We Needed?", Feng et al. 2024) as `minGRU-pytorch` (lucidrains) builds them.

`minGRU(dim, expansion_factor=1., proj_out=None)`: d_h = int(dim · expansion_factor) hidden units; one
bias-free Linear `to_hidden_and_gate.weight` (2·d_h, d) computes the candidate h̃ and the update gate z from
x_t alone (no recurrent weights: the recurrence h_t = (1 − z_t)⊙h_{t−1} + z_t⊙h̃_t is a parallel scan);
`proj_out` (default: expansion_factor != 1) adds `to_out.weight` (d, d_h) back to d. minLSTM's Linear
`to_hidden_and_f_i_gate.weight` (3·d_h, d) computes h̃, the forget gate f and the input gate i. Both read
(N, T, d) and return the sequence and, with return_next_prev_hidden=True, the last hidden state (N, 1, d_h).
"""

from __future__ import annotations

from collections.abc import Callable

from ..._record import replace
from ...spec import Shape
from ...symbolic import Expr, Sym, mul
from ..base import (
    ANY,
    FLOAT,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorTemplate,
    expand,
    freeze,
)
from ..recognise import torch_path
from ..work import SEQUENCE_RUNTIME, Mixer, Work
from .common import entry, number, sequence_input

d, DH = Sym("d"), Sym("d_h")
GATES = {"minGRU": ("h", "z"), "minLSTM": ("h", "f", "i")}
FUSED = {"minGRU": "to_hidden_and_gate", "minLSTM": "to_hidden_and_f_i_gate"}


def templates(kind: str) -> tuple[TensorTemplate, ...]:
    gates = GATES[kind]
    return (
        TensorTemplate(FUSED[kind] + ".weight", (mul(len(gates), DH), d), "input_weights"),
        TensorTemplate("to_out.weight", (d, DH), "projection", when="proj_out"),
    )


TENSORS = {kind: templates(kind) for kind in GATES}
PRODUCTS = frozenset({"input_weights", "projection"})
"""Both Linear layers multiply once per token (the fused candidate and gates, the output projection)."""
MIXERS = {
    "minGRU": Mixer(scan_flops=mul(7, DH)),
    "minLSTM": Mixer(scan_flops=mul(12, DH)),
}
"""The recurrence per token and hidden unit, in its sequential form (forward with seq_len 1 and prev_hidden: the
step a decoding runs), one FLOP per operation as minGRU-pytorch 0.2.1 writes it. g(x) = where(x ≥ 0, x + 0.5,
σ(x)): the comparison, x + 0.5 and σ(x) (3; where() selects). minGRU: g(h̃) (3), σ(z) (1), lerp(h_{t−1}, h̃, z) =
h_{t−1} + z·(h̃ − h_{t−1}) (3) = 7. minLSTM: g(h̃) (3), σ(f), σ(i) (2), f/(f + i) and i/(f + i) (4: the code
adds f + i twice), h_{t−1}·f′ + h̃·i′ (3) = 12. A prefill counts T such steps; the package's parallel path
(seq_len > 1) computes the same h_t in log space instead (softplus, log_g, cumsum, logcumsumexp, exp:
docs/estimates.md says what it costs besides)."""


def plan_min(ctx: LayerContext) -> LayerPlan:
    kind = ctx.spec.type
    dim = ctx.int("dim")
    factor = number(ctx, "expansion_factor")
    inner = int(dim * factor)
    proj = ctx.cfg("proj_out")
    proj_out = factor != 1 if proj is None else bool(proj)
    shape: Shape = sequence_input(ctx, dim, "dim", (None, None, dim))
    tensors = expand(TENSORS[kind], flags={"proj_out": proj_out})
    out_features: Expr = d if proj_out else DH
    out = (shape[0], shape[1], dim if proj_out else inner)
    states = {"next_prev_hidden": (shape[0], 1, inner)}
    return LayerPlan(tuple(tensors), freeze({"d": dim, "d_h": inner}), shape, out, freeze(states),
                     features=("d", out_features), time_axis=1, notes=(f"{kind}_form",))


_PARAMS = (Param("dim", kind=SIZE), Param("expansion_factor", 1.0, FLOAT), Param("proj_out", None, ANY))
WORDS = {
    "d": ("model width (dim)", "模型宽度（dim）"),
    "d_h": ("hidden units, int(dim × expansion_factor)", "隐藏单元数，int(dim × expansion_factor)"),
    "input_weights": ("Candidate and gates from x_t (one bias-free Linear; no recurrent weights)",
                      "由 x_t 计算候选状态和各门（一个无偏置的 Linear；没有循环权重）"),
    "projection": ("Output projection back to dim (to_out)", "投影回 dim 的输出层（to_out）"),
    "minGRU_form": (
        "minGRU keeps no recurrent weights: one bias-free Linear maps x_t to [h̃_t, z_t] (2 blocks of d_h = "
        "{d_h} rows), and h_t = (1 − z_t)⊙h_{{t−1}} + z_t⊙h̃_t runs as a parallel scan over time.",
        "minGRU 没有循环权重：一个无偏置的 Linear 把 x_t 映射为 [h̃_t, z_t]（2 块，每块 d_h = {d_h} 行），"
        "h_t = (1 − z_t)⊙h_{{t−1}} + z_t⊙h̃_t 沿时间用并行扫描计算。"),
    "minLSTM_form": (
        "minLSTM keeps no recurrent weights: one bias-free Linear maps x_t to [h̃_t, f_t, i_t] (3 blocks of "
        "d_h = {d_h} rows); f and i are normalised to sum to 1 and the recurrence runs as a parallel scan.",
        "minLSTM 没有循环权重：一个无偏置的 Linear 把 x_t 映射为 [h̃_t, f_t, i_t]（3 块，每块 d_h = {d_h} 行），"
        "f 与 i 归一化为和为 1，循环沿时间用并行扫描计算。"),
}
def recogniser(kind: str) -> Callable[[TensorGroup], Recognised | None]:
    """A minGRU/minLSTM with its output projection (a module of two tensors: `inspect` offers subtrees of at least
    two): dim from to_out, d_h from it too, expansion_factor = d_h / dim (int() of the product gives d_h back)."""
    fused = FUSED[kind] + ".weight"

    def recognise(group: TensorGroup) -> Recognised | None:
        w, out = group.leaves.get(fused), group.leaves.get("to_out.weight")
        if set(group.leaves) != {fused, "to_out.weight"} or w is None or out is None or len(w) != 2 or len(out) != 2:
            return None
        dim, inner = out
        if w != (len(GATES[kind]) * inner, dim) or int(dim * (inner / dim)) != inner:
            return None
        return Recognised({"dim": dim, "expansion_factor": inner / dim, "proj_out": True})
    return recognise


LAYERS = {c.type_name: replace(c, recognise=recogniser(c.type_name))
          for c in (entry(kind, _PARAMS, plan_min, words=WORDS,
                          work=Work(token_products=PRODUCTS, mixers=((None, MIXERS[kind]),))) for kind in GATES)}

MINGRU = FrameworkConvention(
    id="mingru", display="minGRU-pytorch", layers=LAYERS, runtime=SEQUENCE_RUNTIME,
    prefixes=("minGRU_pytorch.minGRU.", "minGRU_pytorch.minLSTM.", "minGRU_pytorch."),
    naming="index", verified_with=(("minGRU-pytorch", "0.2.1"), ("torch", "2.13.0")),
    syntax="minGRU(512, expansion_factor=1.5)", short="minGRU-pytorch", write_prefix="",
    checkpoint_path=torch_path,
)

__all__ = ["LAYERS", "MINGRU", "TENSORS"]
