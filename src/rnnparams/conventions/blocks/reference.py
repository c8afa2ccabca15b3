"""IndRNN and QRNN as their reference implementations define them; no package of them installs from PyPI
(`indrnn`, `torchqrnn` are not published), so these are read from the reference sources (docs/frameworks.md
names the repositories and commits) and checked against derivations from that code, not run.

IndRNN (Li et al. 2018; StefOe/indrnn-pytorch `indrnn.py`, which the authors' IndRNN_pytorch builds on):
`IndRNN(input_size, hidden_size, n_layer=1, batch_norm=False, batch_first=False, bidirectional=False, bias=True,
nonlinearity='relu')`: per layer i and direction d, `cells.{i}.{d}.weight_ih` (H, I_i), the recurrent weight
`weight_hh` a vector (H) (h_t = σ(W x_t + b + u ⊙ h_{t−1})), `bias_ih` (H); batch_norm adds `bns.{i}` (a
BatchNorm1d of D·H, with its running statistics); the buffer `h0` (D·H). Output (T, N, D·H), squeezed on its
feature axis when D·H = 1 (`x.squeeze(2)`), and the last direction's final state (N, H). `IndRNNCell`: one step.
`IndRNN_onlyrecurrent(hidden_size, batch_first=False, bidirectional=False)` (Sunnydreamrain/IndRNN_pytorch):
only the vectors `cells.{d}.weight_hh` (H) and the buffer h0; its input is already W x_t + b (H features).

QRNN (Bradbury et al. 2017; salesforce/pytorch-qrnn `torchqrnn/qrnn.py`): `QRNN(input_size, hidden_size,
num_layers=1, ..., window=1, output_gate=True)`: every layer `layers.{i}.linear` is Linear(window·I, G·H) + bias,
G = 3 (Z, F, O; 2 without the output gate), all built with the model's input_size (so a stack with I ≠ H builds
but cannot run past layer 0); `QRNNLayer(input_size, hidden_size)`: one. Input (T, N, I); output (T, N, H),
h_n (L, N, H).
"""

from __future__ import annotations

from ..._record import replace as _replace
from ...errors import ConfigError
from ...spec import LayerSpec, Shape
from ...symbolic import Const, Expr, Sym, add, mul
from ..base import (
    ANY,
    BOOL,
    FLOAT,
    MAX_STACKED_LAYERS,
    SIZE,
    FrameworkConvention,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    TensorTemplate,
    check_features,
    expand,
    fmt_shape,
    freeze,
    require_rank,
)
from ..recognise import torch_path
from ..work import SEQUENCE_RUNTIME, Mixer, Work
from .common import entry

I, H, D, L, W = (Sym(n) for n in ("I", "H", "D", "L", "w"))
IN = Sym("I_l")

INDRNN_CELL = (
    TensorTemplate("{at}weight_ih", (H, IN), "input_weights"),
    TensorTemplate("{at}weight_hh", (H,), "vector_recurrence"),
    TensorTemplate("{at}bias_ih", (H,), "bias", when="bias"),
)
BN = (TensorTemplate("bns.{i}.weight", (mul(D, H),), "scale"), TensorTemplate("bns.{i}.bias", (mul(D, H),), "shift"),
      TensorTemplate("bns.{i}.running_mean", (mul(D, H),), "running_mean", trainable=False, buffer=True),
      TensorTemplate("bns.{i}.running_var", (mul(D, H),), "running_var", trainable=False, buffer=True),
      TensorTemplate("bns.{i}.num_batches_tracked", (), "counter", trainable=False, buffer=True))
H0 = (TensorTemplate("h0", (mul(D, H),), "initial_state", trainable=False, buffer=True),)
QRNN_LAYER = (TensorTemplate("{at}linear.weight", (mul(Sym("G"), H), mul(W, I)), "input_weights"),
              TensorTemplate("{at}linear.bias", (mul(Sym("G"), H),), "bias"))


def _time_first(ctx: LayerContext, features: int, what: str, batch_first: bool = False) -> tuple[Shape, int | None,
                                                                                                  int | None]:
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None, features)
    from ..._record import replace

    require_rank(replace(ctx, in_shape=shape), (3,), "3-D (sequence)")
    check_features(ctx, features, shape[-1], what)
    return shape, (shape[0] if batch_first else shape[1]), (shape[1] if batch_first else shape[0])


def _nonlinearity(ctx: LayerContext) -> None:
    if ctx.cfg("nonlinearity") not in ("tanh", "relu"):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): Unknown nonlinearity: {ctx.cfg('nonlinearity')}")


def plan_indrnn(ctx: LayerContext) -> LayerPlan:
    i, h, layers = ctx.int("input_size"), ctx.int("hidden_size"), ctx.int("n_layer")
    _nonlinearity(ctx)
    dirs = 2 if ctx.cfg("bidirectional") else 1
    flags = {"bias": bool(ctx.cfg("bias"))}
    bn = bool(ctx.cfg("batch_norm"))
    tensors: list[TensorSpec] = []
    family: list[tuple[Expr, tuple[TensorSpec, ...]]] = []
    for k in range(layers):
        reads: Expr = I if k == 0 else mul(D, H)
        for d in range(dirs):
            tensors += expand(INDRNN_CELL, flags=flags, subs={"I_l": reads}, at=f"cells.{k}.{d}.")
        if k < 2:
            one = expand(INDRNN_CELL, flags=flags, subs={"I_l": reads}, at=f"cells.{k}.0.")
            family.append((D if k == 0 else mul(add(L, -1), D), tuple(one)))
    if bn:
        for k in range(layers):
            tensors += expand(BN, flags={}, i=k)
        family.append((L, tuple(t for t in expand(BN, flags={}, i=0) if not t.buffer)))
    tensors += expand(H0, flags={})
    batch_first = bool(ctx.cfg("batch_first"))
    shape, n, t = _time_first(ctx, i, "input_size", batch_first)
    width = dirs * h
    out: Shape = (n, t, width) if batch_first else (t, n, width)
    if width == 1:
        out = out[:2]
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h, "D": dirs, "L": layers}), shape, out,
                     freeze({"h_n": (n, h)}), family=tuple(family), features=("I", mul(D, H)),
                     time_axis=1 if batch_first else 0, notes=("indrnn_form",), counts=("L",))


def plan_indrnn_cell(ctx: LayerContext) -> LayerPlan:
    i, h = ctx.int("input_size"), ctx.int("hidden_size")
    _nonlinearity(ctx)
    shape = ctx.in_shape if ctx.in_shape is not None else (None, i)
    if len(shape) != 2:
        raise ConfigError(f"{ctx.name} (IndRNNCell) takes one step (N, input_size), not {fmt_shape(shape)}.")
    check_features(ctx, i, shape[-1], "input_size")
    tensors = expand(INDRNN_CELL, flags={"bias": bool(ctx.cfg("bias"))}, subs={"I_l": I}, at="")
    return LayerPlan(tuple(tensors), freeze({"I": i, "H": h}), shape, (shape[0], h), freeze({"h": (shape[0], h)}),
                     features=("I", H), notes=("indrnn_form",))


def plan_only_recurrent(ctx: LayerContext) -> LayerPlan:
    h = ctx.int("hidden_size")
    dirs = 2 if ctx.cfg("bidirectional") else 1
    tensors = [t for d in range(dirs) for t in expand(INDRNN_CELL[1:2], flags={}, at=f"cells.{d}.")]
    tensors += expand(H0, flags={})
    batch_first = bool(ctx.cfg("batch_first"))
    shape, n, t = _time_first(ctx, h, "hidden_size (its input is W·x + b, one number per unit)", batch_first)
    out: Shape = (n, t, dirs * h) if batch_first else (t, n, dirs * h)
    if dirs * h == 1:
        out = out[:2]
    family = ((D, tuple(expand(INDRNN_CELL[1:2], flags={}, at="cells.0."))),)
    return LayerPlan(tuple(tensors), freeze({"H": h, "D": dirs}), shape, out, family=family, features=("H", mul(D, H)),
                     time_axis=1 if batch_first else 0, notes=("indrnn_form",))


def plan_qrnn(ctx: LayerContext) -> LayerPlan:
    layer = ctx.spec.type == "QRNNLayer"
    i = ctx.int("input_size")
    h = ctx.cfg("hidden_size")
    if not isinstance(h, int) or isinstance(h, bool) or h <= 0:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): hidden_size must be given (the reference's default "
                          f"`hidden_size if hidden_size else hidden_size` leaves it None; got {h!r}).")
    window = ctx.cfg("window")
    if window not in (1, 2):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): This QRNN implementation currently only handles "
                          "convolutional window of size 1 or size 2")
    if not layer:
        for key, ok, what in (("bidirectional", False, "Bidirectional QRNN is not yet supported"),
                              ("batch_first", False, "Batch first mode is not yet supported"),
                              ("bias", True, "Removing underlying bias is not yet supported")):
            if bool(ctx.cfg(key)) != ok:
                raise ConfigError(f"{ctx.name} (QRNN): {what}")
    layers = 1 if layer else ctx.int("num_layers")
    gates = 3 if ctx.cfg("output_gate") else 2
    tensors: list[TensorSpec] = []
    for k in range(layers):
        tensors += expand(QRNN_LAYER, flags={}, at="" if layer else f"layers.{k}.")
    shape, n, t = _time_first(ctx, i, "input_size")
    warnings: tuple[str, ...] = ()
    if layers > 1 and i != h:
        warnings = (f"{ctx.name} (QRNN): the reference builds every layer with input_size={i}, so with "
                    f"hidden_size={h} the model builds but its second layer cannot read the first one's output.",)
    family = ((Const(1) if layer else L, tuple(expand(QRNN_LAYER, flags={}, at="" if layer else "layers.0."))),)
    assert isinstance(window, int)
    env = {"I": i, "H": h, "G": gates, "w": window, **({} if layer else {"L": layers})}
    return LayerPlan(tuple(tensors), freeze(env), shape, (t, n, h), freeze({"h_n": (layers, n, h)}), warnings,
                     family=family, features=("I", H), time_axis=0, notes=("qrnn_form",),
                     counts=() if layer else ("L",))


_QRNN_KW = (Param("save_prev_x", False, BOOL), Param("zoneout", 0, FLOAT), Param("window", 1, ANY),
            Param("output_gate", True, BOOL), Param("use_cuda", True, BOOL))
_IND_KW = (Param("bias", True, BOOL), Param("nonlinearity", "relu", ANY), Param("hidden_min_abs", 0, FLOAT),
           Param("hidden_max_abs", None, FLOAT), Param("hidden_init", None, ANY), Param("recurrent_init", None, ANY),
           Param("gradient_clip", None, ANY))
WORDS = {
    "G": ("gate blocks: Z, F, O (2 without the output gate)", "门块数：Z、F、O（没有输出门时为 2）"),
    "w": ("convolution window over time (window: 1 or 2)", "时间方向的卷积窗口（window：1 或 2）"),
    "vector_recurrence": ("Recurrent weight: one number per unit (u ⊙ h_{t−1})",
                          "循环权重：每个单元一个数（u ⊙ h_{t−1}）"),
    "initial_state": ("Initial state h0 (buffer)", "初始状态 h0（缓冲区）"),
    "indrnn_form": (
        "IndRNN's recurrent weight is a vector: each unit only sees its own previous state (u ⊙ h_{{t−1}}), so the "
        "recurrence costs H numbers, not H × H.",
        "IndRNN 的循环权重是一个向量：每个单元只看自己上一时刻的状态（u ⊙ h_{{t−1}}），"
        "所以循环部分只有 H 个参数，而不是 H × H。"),
    "qrnn_form": (
        "QRNN has no recurrent weights: one Linear over a window of w steps gives Z, F (and O) for all steps at "
        "once; the recurrence c_t = f_t ⊙ c_{{t−1}} + (1 − f_t) ⊙ z_t is elementwise.",
        "QRNN 没有循环权重：一个作用于 w 个时间步窗口的 Linear 一次算出所有时间步的 Z、F（和 O）；"
        "循环 c_t = f_t ⊙ c_{{t−1}} + (1 − f_t) ⊙ z_t 只做逐元素运算。"),
}
def recognise_indrnn(group: TensorGroup) -> Recognised | None:
    """An IndRNN from `cells.{k}.{d}.` tensors: its recurrent weight is a vector (H), which no other layer of
    `cells.*` has; bns.{k} say batch_norm, cells.0.1 bidirectional."""
    leaves = group.leaves
    hh, ih = leaves.get("cells.0.0.weight_hh"), leaves.get("cells.0.0.weight_ih")
    if hh is None or ih is None or len(hh) != 1 or len(ih) != 2 or "h0" not in leaves:
        return None
    layers = 0
    while f"cells.{layers}.0.weight_ih" in leaves:
        layers += 1
    if any(not n.startswith(("cells.", "bns.")) and n != "h0" for n in leaves):
        return None
    return Recognised({"input_size": ih[1], "hidden_size": hh[0], "n_layer": layers,
                       "bidirectional": "cells.0.1.weight_ih" in leaves, "bias": "cells.0.0.bias_ih" in leaves,
                       "batch_norm": "bns.0.weight" in leaves})


def recognise_only_recurrent(group: TensorGroup) -> Recognised | None:
    """IndRNN_onlyrecurrent: only the vectors cells.{d}.weight_hh (H) and the buffer h0."""
    leaves = group.leaves
    hh = leaves.get("cells.0.weight_hh")
    if hh is None or len(hh) != 1 or set(leaves) - {"cells.0.weight_hh", "cells.1.weight_hh", "h0"}:
        return None
    return Recognised({"hidden_size": hh[0], "bidirectional": "cells.1.weight_hh" in leaves})


QRNN_NOTE = ("a QRNN's linear weight (G·H, w·I) does not fix its gates and window apart from its sizes: read with "
             "the output gate (G = 3) and window 1 where the shapes allow, else without it or with window 2")


def recognise_qrnn(group: TensorGroup) -> Recognised | None:
    """A QRNN from `layers.{k}.linear` tensors under a path naming an RNN (`rnn`, `qrnn`: a stack of Linear-only
    blocks looks the same). Every layer is Linear(w·I, G·H), all built with the model's input_size."""
    leaves = group.leaves
    weight = leaves.get("layers.0.linear.weight")
    if weight is None or len(weight) != 2 or "rnn" not in group.path.lower().rsplit(".", 1)[-1]:
        return None
    layers = 0
    while f"layers.{layers}.linear.weight" in leaves:
        layers += 1
    if set(leaves) != {f"layers.{k}.linear.{n}" for k in range(layers) for n in ("weight", "bias")}:
        return None
    rows, cols = weight
    gates, window = (3, 1) if rows % 3 == 0 else (2, 1)
    hidden = rows // gates
    if layers > 1 and cols != hidden:  # a stack runs only with I = H (every layer reads input_size): w = 2?
        window = 2 if cols == 2 * hidden else 1
    if cols % window:
        return None
    return Recognised({"input_size": cols // window, "hidden_size": hidden, "num_layers": layers,
                       "window": window, "output_gate": gates == 3}, note=QRNN_NOTE)


PRODUCTS = frozenset({"input_weights"})
"""W·x_t (IndRNN's weight_ih, QRNN's linear over its window of w inputs: a causal convolution over time, whose
(G·H, w·I) weight every token multiplies once). IndRNN_onlyrecurrent has none: its input is W·x + b already."""
INDRNN_STEP = 3
"""IndRNNCell.forward per step and unit: activation(F.linear(x, W, b) + torch.mul(u, h)): u·h (1), the sum (1),
relu or tanh (1) = 3 (IndRNN_onlyrecurrent: the same on its input). Batch normalization between layers is not
counted (as no `Mixer` counts a norm)."""
QRNN_STEP = {True: 8, False: 6}
"""QRNNLayer.forward per step and unit (output_gate: True, False): tanh(Z) and σ(F) (2), CPUForgetMult's
h = f·z + (1 − f)·h_{t−1} (4), and with the output gate σ(O)·c (2). zoneout at inference multiplies F by
1 − zoneout (1 more, not counted: zoneout defaults to 0)."""


def _indrnn_work(units: Expr) -> Work:
    return Work(token_products=PRODUCTS, mixers=((None, Mixer(scan_flops=mul(INDRNN_STEP, units), once=True)),))


QRNN_WORK = Work(token_products=PRODUCTS, mixers=tuple(
    (kind, Mixer(scan_flops=mul(flops, H), when="output_gate" if gate else None))
    for kind in ("L", None) for gate, flops in QRNN_STEP.items()))
"""Per layer (QRNN's blocks are its L layers; QRNNLayer is one block)."""

_LAYERS_MAX = Param("n_layer", 1, SIZE, maximum=MAX_STACKED_LAYERS)
LAYERS = {c.type_name: c for c in (
    entry("IndRNN", (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE), _LAYERS_MAX,
                     Param("batch_norm", False, BOOL), Param("batch_first", False, BOOL),
                     Param("bidirectional", False, BOOL), Param("hidden_inits", None, ANY),
                     Param("recurrent_inits", None, ANY), *_IND_KW), plan_indrnn, words=WORDS,
          work=_indrnn_work(mul(L, D, H))),
    entry("IndRNNCell", (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE), *_IND_KW),
          plan_indrnn_cell, words=WORDS, work=_indrnn_work(H)),
    entry("IndRNN_onlyrecurrent", (Param("hidden_size", kind=SIZE), Param("batch_first", False, BOOL),
                                   Param("bidirectional", False, BOOL), Param("recurrent_inits", None, ANY),
                                   Param("hidden_max_abs", None, FLOAT), Param("recurrent_init", None, ANY)),
          plan_only_recurrent, words=WORDS, work=_indrnn_work(mul(D, H))),
    entry("QRNN", (Param("input_size", kind=SIZE), Param("hidden_size", kind=SIZE),
                   Param("num_layers", 1, SIZE, maximum=MAX_STACKED_LAYERS), Param("bias", True, BOOL),
                   Param("batch_first", False, BOOL), Param("dropout", 0, FLOAT), Param("bidirectional", False, BOOL),
                   Param("layers", None, ANY), *(Param(p.name, p.default, p.kind, positional=False)
                                                 for p in _QRNN_KW)), plan_qrnn, words=WORDS, work=QRNN_WORK),
    entry("QRNNLayer", (Param("input_size", kind=SIZE), Param("hidden_size", None, ANY), *_QRNN_KW), plan_qrnn,
          words=WORDS, work=QRNN_WORK),
)}


LAYERS.update({name: _replace(LAYERS[name], recognise=found) for name, found in (
    ("IndRNN", recognise_indrnn), ("IndRNN_onlyrecurrent", recognise_only_recurrent), ("QRNN", recognise_qrnn))})


def _batch_axis(first: LayerSpec) -> int:
    """Both references read (T, N, F) unless batch_first=True (IndRNN)."""
    return 0 if first.get("batch_first") is True else 1


REFERENCE = FrameworkConvention(
    id="reference", display="reference implementations (IndRNN, QRNN)", layers=LAYERS,
    runtime=SEQUENCE_RUNTIME,
    prefixes=("torchqrnn.", "indrnn."), naming="index", batch_axis=_batch_axis, verified=False, buffers=True,
    syntax="IndRNN(128, 256, n_layer=2, bidirectional=True); QRNN(128, 128, num_layers=2, window=2)",
    short="reference", write_prefix="", checkpoint_path=torch_path,
)

__all__ = ["LAYERS", "REFERENCE"]
