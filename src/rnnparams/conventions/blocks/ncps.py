"""CfC and LTC (liquid networks, Hasani et al.) as the `ncps` package (1.0.1, `ncps.torch`) builds them, with its
wirings (`ncps.wirings`: FullyConnected, Random, NCP, AutoNCP).

`CfC(input_size, units, proj_size=None, return_sequences=True, batch_first=True, mixed_memory=False,
mode="default", activation="lecun_tanh", backbone_units=None, backbone_layers=None, backbone_dropout=None)`:
with an integer `units` H, `rnn_cell` is a CfCCell: a backbone MLP (`backbone.{j}`, first Linear (U_b, I + H),
then B_l − 1 Linear (U_b, U_b); U_b = 128, B_l = 1 by default) and four heads ff1, ff2, time_a, time_b (H, C) +
bias on its C = U_b features (C = I + H without a backbone); mode="pure" keeps ff1 and the vectors w_tau, A
(1, H) instead. With a wiring, `rnn_cell` is a WiredCfCCell: one CfCCell per wiring layer l (`layer_{l}`,
n_l neurons reading the n_{l−1} below, the input I first) without a backbone, each with its frozen
`sparsity_mask` (n_l, n_{l−1} + n_l). mixed_memory adds ncps' own LSTMCell `lstm` (input_map (4H, I) + bias,
recurrent_map (4H, H)); proj_size P adds `fc` (P, O) + bias. `LTC(input_size, units, ..., input_mapping=
"affine", output_mapping="affine")`: n neurons (units, or the wiring's), per neuron gleak, vleak, cm; per
synapse sigma, mu, w, erev (n, n); per sensory synapse sensory_sigma, sensory_mu, sensory_w, sensory_erev (I, n);
the frozen masks sparsity_mask (n, n) and sensory_sparsity_mask (I, n); the affine input_w, input_b (I) and
output_w, output_b (m, the wiring's motor neurons). Masks are parameters with requires_grad=False: counted in
the total, not trainable. Input (N, T, I) (batch_first) or one unbatched (T, I); output the sequence of the last
layer's neurons (or P), or its last step with return_sequences=False; state h (N, n).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..._record import replace
from ...errors import ConfigError, ShapeError
from ...spec import LayerSpec, Shape, Value
from ...symbolic import Const, Expr, Sym, add, mul
from ..base import (
    ANY,
    BOOL,
    CHOICE,
    FLOAT,
    LAYER_OR_SIZE,
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
    check_features,
    expand,
    fmt_shape,
    freeze,
)
from ..recognise import torch_path
from ..work import SEQUENCE_RUNTIME, Mixer, Work
from .common import entry

I, H, UB, BL, P, O = (Sym(n) for n in ("I", "H", "U_b", "B_l", "P", "O"))
N, M = Sym("n"), Sym("m")
C = Sym("C")

HEADS = tuple(t for head in ("ff1", "ff2", "time_a", "time_b") for t in (
    TensorTemplate(f"{{at}}{head}.weight", (Sym("H_l"), C), "heads", when=None if head == "ff1" else "gated"),
    TensorTemplate(f"{{at}}{head}.bias", (Sym("H_l"),), "heads", when=None if head == "ff1" else "gated")))
PURE = (TensorTemplate("{at}w_tau", (Const(1), Sym("H_l")), "time_constants", when="pure"),
        TensorTemplate("{at}A", (Const(1), Sym("H_l")), "time_constants", when="pure"))
MASK = (TensorTemplate("{at}sparsity_mask", (Sym("H_l"), C), "mask", trainable=False),)
LSTM = (TensorTemplate("lstm.input_map.weight", (mul(4, H), I), "memory"),
        TensorTemplate("lstm.input_map.bias", (mul(4, H),), "memory"),
        TensorTemplate("lstm.recurrent_map.weight", (mul(4, H), H), "memory"))
FC = (TensorTemplate("fc.weight", (P, O), "projection"), TensorTemplate("fc.bias", (P,), "projection"))
LTC_CELL = (
    *(TensorTemplate(f"rnn_cell.{n}", (N,), "neurons") for n in ("gleak", "vleak", "cm")),
    *(TensorTemplate(f"rnn_cell.{n}", (N, N), "synapses") for n in ("sigma", "mu", "w", "erev")),
    *(TensorTemplate(f"rnn_cell.sensory_{n}", (I, N), "sensory") for n in ("sigma", "mu", "w", "erev")),
    TensorTemplate("rnn_cell.sparsity_mask", (N, N), "mask", trainable=False),
    TensorTemplate("rnn_cell.sensory_sparsity_mask", (I, N), "mask", trainable=False),
    TensorTemplate("rnn_cell.input_w", (I,), "mapping", when="in_w"),
    TensorTemplate("rnn_cell.input_b", (I,), "mapping", when="in_b"),
    TensorTemplate("rnn_cell.output_w", (M,), "mapping", when="out_w"),
    TensorTemplate("rnn_cell.output_b", (M,), "mapping", when="out_b"),
)


# --- wirings: their layer sizes and outputs, as ncps.wirings computes them ------------------------------------

def _arg(spec: LayerSpec, key: str) -> Value:
    if key in spec.config:
        return spec.config[key]
    return next(p.default for p in LAYERS[spec.type].params if p.name == key)  # type: ignore[return-value]


def _int(spec: LayerSpec, key: str) -> int:
    value = _arg(spec, key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{spec.type}: {key} must be an integer (got {value!r}).")
    return value


def wiring_layers(ctx: LayerContext, wiring: LayerSpec) -> tuple[list[int], int]:
    """(neurons of each wiring layer, output_dim) of a wiring, with the checks its constructor makes."""
    kind = wiring.type
    if kind in ("FullyConnected", "Random"):
        units = _int(wiring, "units")
        out = _arg(wiring, "output_dim")
        if kind == "Random":
            level = _arg(wiring, "sparsity_level")
            if not isinstance(level, (int, float)) or not 0.0 <= level < 1.0:
                raise ConfigError(f"{ctx.name}: Random wiring: Invalid sparsity level '{level}', expected value in "
                                  "range [0,1)")
        return [units], units if out is None else _int(wiring, "output_dim")
    if kind == "AutoNCP":
        units, out = _int(wiring, "units"), _int(wiring, "output_size")
        level = _arg(wiring, "sparsity_level")
        if out >= units - 2:
            raise ConfigError(f"{ctx.name}: AutoNCP: Output size must be less than the number of units-2 (given "
                              f"{units} units, {out} output size)")
        if not isinstance(level, (int, float)) or not 0.1 <= level <= 1.0:
            raise ConfigError(f"{ctx.name}: AutoNCP: Sparsity level must be between 0.0 and 0.9 (given {level})")
        command = max(int(0.4 * (units - out)), 1)
        return [units - out - command, command, out], out
    inter, command, motor = (_int(wiring, k) for k in ("inter_neurons", "command_neurons", "motor_neurons"))
    for fan, have, what in (("motor_fanin", command, "command"), ("sensory_fanout", inter, "inter"),
                            ("inter_fanout", command, "command")):
        if _int(wiring, fan) > have:
            raise ConfigError(f"{ctx.name}: NCP: {fan} is {_int(wiring, fan)} but there are only {have} {what} "
                              "neurons")
    return [inter, command, motor], motor


def _units(ctx: LayerContext) -> tuple[list[int], int, bool]:
    """(layer sizes, output_dim, wired) of `units`: an int, or a wiring."""
    units = ctx.cfg("units")
    if isinstance(units, LayerSpec):
        if units.type not in WIRINGS:
            raise ConfigError(f"{ctx.name} ({ctx.spec.type}): units must be a number or a wiring "
                              f"({', '.join(WIRINGS)}), not {units.type}(...).")
        layers, out = wiring_layers(ctx, units)
        return layers, out, True
    assert isinstance(units, int)
    return [units], units, False


def _sequence(ctx: LayerContext, i: int) -> tuple[Shape, int | None, int | None, bool]:
    """The input, its batch and time sizes, and whether it is batched (3-D) or one unbatched sequence (2-D)."""
    shape = ctx.in_shape if ctx.in_shape is not None else (None, None, i)
    if len(shape) not in (2, 3):
        raise ShapeError(f"{ctx.name} ({ctx.spec.type}) reads (N, T, input_size) or one unbatched (T, input_size) "
                         f"sequence, not a {len(shape)}-D tensor of shape {fmt_shape(shape)}.")
    check_features(ctx, i, shape[-1], "input_size")
    if len(shape) == 2:
        return shape, None, shape[0], False
    first = bool(ctx.cfg("batch_first"))
    return shape, shape[0] if first else shape[1], shape[1] if first else shape[0], True


def _outputs(ctx: LayerContext, shape: Shape, n: int | None, t: int | None, batched: bool, width: int,
             state: int) -> tuple[Shape, dict[str, Shape]]:
    seq = bool(ctx.cfg("return_sequences"))
    first = bool(ctx.cfg("batch_first"))
    if not batched:
        out: Shape = (t, width) if seq else (width,)
        states: dict[str, Shape] = {"h": (state,)}
    else:
        out = ((n, t, width) if first else (t, n, width)) if seq else (n, width)
        states = {"h": (n, state)}
    if ctx.cfg("mixed_memory"):
        states["c"] = states["h"]
    return out, states


def plan_cfc(ctx: LayerContext) -> LayerPlan:
    i = ctx.int("input_size")
    layers, out_dim, wired = _units(ctx)
    mode = ctx.cfg("mode")
    if mode not in ("default", "pure", "no_gate"):
        raise ConfigError(f"{ctx.name} (CfC): Unknown mode '{mode}', valid options are ['default', 'pure', "
                          "'no_gate']")
    flags = {"gated": mode != "pure", "pure": mode == "pure"}
    units = sum(layers)
    env: dict[str, int] = {"I": i, "H": units}
    tensors: list[TensorSpec] = []
    family: list[tuple[Expr, tuple[TensorSpec, ...]]] = []
    if wired:
        for key in ("backbone_units", "backbone_layers", "backbone_dropout"):
            if ctx.cfg(key) is not None:
                raise ConfigError(f"{ctx.name} (CfC): Cannot use {key} in wired mode")
        for index, size in enumerate(layers):
            below: Expr = Sym(f"n_{index - 1}") if index else I
            subs: dict[str, Expr | int] = {"H_l": Sym(f"n_{index}"), "C": add(below, Sym(f"n_{index}"))}
            part = expand(MASK + HEADS + PURE, flags=flags, subs=subs, at=f"rnn_cell.layer_{index}.")
            tensors += part
            family.append((Const(1), tuple(part)))
            env[f"n_{index}"] = size
        width = layers[-1]
    else:
        tensors += _backbone(ctx, env, family)
        cat: Expr = UB if "U_b" in env else add(I, H)
        heads = expand(HEADS + PURE, flags=flags, subs={"H_l": H, "C": cat}, at="rnn_cell.")
        tensors += heads
        family.append((Const(1), tuple(heads)))
        width = units
    extra: list[TensorSpec] = []
    if ctx.cfg("mixed_memory"):
        extra += expand(LSTM, flags={})
    proj = ctx.cfg("proj_size")
    if proj is not None:
        assert isinstance(proj, int)
        if wired and out_dim != width:
            raise ShapeError(f"{ctx.name} (CfC): fc is Linear({out_dim}, {proj}) for the wiring's output_dim, but "
                             f"the last wiring layer gives {width} features: the forward pass fails "
                             f"(mat1 and mat2 shapes cannot be multiplied).")
        extra += expand(FC, flags={})
        env.update({"P": proj, "O": out_dim})
        width = proj
    tensors += extra
    if extra:
        family.append((Const(1), tuple(extra)))
    shape, n, t, batched = _sequence(ctx, i)
    out, states = _outputs(ctx, shape, n, t, batched, width, units)
    return LayerPlan(tuple(tensors), freeze(env), shape, out, freeze(states), family=tuple(family),
                     features=("I", P if proj is not None else Sym(f"n_{len(layers) - 1}") if wired else H),
                     time_axis=(1 if ctx.cfg("batch_first") else 0) if batched else 0,
                     notes=("ncps_masks",) if wired else ())


def _backbone(ctx: LayerContext, env: dict[str, int], family: list[tuple[Expr, tuple[TensorSpec, ...]]]
              ) -> list[TensorSpec]:
    """CfCCell's backbone: nn.Sequential of [Linear, activation] then [Linear, activation, Dropout (when
    backbone_dropout > 0)] per further layer, so the Linear layers sit at indices 0, 2, 5, 8... with dropout."""
    layers = 1 if ctx.cfg("backbone_layers") is None else ctx.int("backbone_layers")
    width = 128 if ctx.cfg("backbone_units") is None else ctx.int("backbone_units")
    dropout = ctx.cfg("backbone_dropout") or 0.0
    if ctx.cfg("activation") not in ("silu", "relu", "tanh", "gelu", "lecun_tanh"):
        raise ConfigError(f"{ctx.name} (CfC): Unknown activation {ctx.cfg('activation')}")
    if layers == 0:
        return []
    env["U_b"] = width
    if layers > 1:
        env["B_l"] = layers
    tensors: list[TensorSpec] = []
    index = 0
    for k in range(layers):
        reads: Expr = add(I, H) if k == 0 else UB
        part = [TensorSpec(f"rnn_cell.backbone.{index}.weight", (UB, reads), "backbone"),
                TensorSpec(f"rnn_cell.backbone.{index}.bias", (UB,), "backbone")]
        tensors += part
        if k < 2:
            family.append((Const(1) if k == 0 else add(BL, -1), tuple(part)))
        index += 2 + (1 if k > 0 and isinstance(dropout, (int, float)) and dropout > 0 else 0)
    return tensors


def plan_ltc(ctx: LayerContext) -> LayerPlan:
    i = ctx.int("input_size")
    layers, motor, _wired = _units(ctx)
    n = sum(layers)
    in_map, out_map = ctx.cfg("input_mapping"), ctx.cfg("output_mapping")
    flags = {"in_w": in_map in ("affine", "linear"), "in_b": in_map == "affine",
             "out_w": out_map in ("affine", "linear"), "out_b": out_map == "affine"}
    tensors = expand(LTC_CELL, flags=flags)
    if ctx.cfg("mixed_memory"):
        tensors += expand(LSTM, flags={}, subs={"H": N})
    shape, batch, t, batched = _sequence(ctx, i)
    out, states = _outputs(ctx, shape, batch, t, batched, motor, n)
    env = {"I": i, "n": n, **({"m": motor} if flags["out_w"] else {})}
    return LayerPlan(tuple(tensors), freeze(env), shape, out, freeze(states), features=("I", M),
                     time_axis=(1 if ctx.cfg("batch_first") else 0) if batched else 0, notes=("ncps_masks",))


def plan_wiring(ctx: LayerContext) -> LayerPlan:
    raise ConfigError(f"{ctx.spec.type}(...) is a wiring, not a module: pass it to a layer as its units "
                      "(CfC(20, AutoNCP(28, 4)), LTC(20, NCP(...))).")


_SEQ = (Param("return_sequences", True, BOOL), Param("batch_first", True, BOOL), Param("mixed_memory", False, BOOL))
WIRINGS = {
    "FullyConnected": (Param("units", kind=SIZE), Param("output_dim", None, SIZE), Param("erev_init_seed", 1111, ANY),
                       Param("self_connections", True, BOOL)),
    "Random": (Param("units", kind=SIZE), Param("output_dim", None, SIZE), Param("sparsity_level", 0.0, FLOAT),
               Param("random_seed", 1111, ANY)),
    "NCP": (*(Param(k, kind=SIZE) for k in ("inter_neurons", "command_neurons", "motor_neurons", "sensory_fanout",
                                            "inter_fanout")),
            Param("recurrent_command_synapses", kind=NONNEG), Param("motor_fanin", kind=SIZE),
            Param("seed", 22222, ANY)),
    "AutoNCP": (Param("units", kind=SIZE), Param("output_size", kind=SIZE), Param("sparsity_level", 0.5, FLOAT),
                Param("seed", 22222, ANY)),
}
WORDS = {
    "I": ("input features (input_size)", "输入特征数（input_size）"),
    "H": ("neurons (units; a wiring's total)", "神经元数（units；接线时为总数）"),
    "U_b": ("backbone width (backbone_units)", "骨干网络宽度（backbone_units）"),
    "B_l": ("backbone layers (backbone_layers)", "骨干网络层数（backbone_layers）"),
    "P": ("projection size (proj_size)", "投影维度（proj_size）"),
    "O": ("the wiring's output size (output_dim)", "接线的输出维度（output_dim）"),
    "n": ("neurons (units; a wiring's total)", "神经元数（units；接线时为总数）"),
    "m": ("motor (output) neurons", "运动（输出）神经元数"),
    "U": ("ODE solver unfolds per time step (ode_unfolds)", "每个时间步 ODE 求解器的展开次数（ode_unfolds）"),
    "n_0": ("neurons of wiring layer 0 (NCP: inter)", "接线第 0 层神经元数（NCP:中间神经元）"),
    "n_1": ("neurons of wiring layer 1 (NCP: command)", "接线第 1 层神经元数（NCP:指令神经元）"),
    "n_2": ("neurons of wiring layer 2 (NCP: motor)", "接线第 2 层神经元数（NCP:运动神经元）"),
    "backbone": ("Backbone MLP on [x, h]", "作用于 [x, h] 的骨干 MLP"),
    "heads": ("CfC heads ff1, ff2, time_a, time_b", "CfC 的四个头 ff1、ff2、time_a、time_b"),
    "time_constants": ("Pure-mode time constants (w_tau, A)", "pure 模式的时间常数（w_tau、A）"),
    "mask": ("Wiring masks (frozen: requires_grad=False)", "接线掩码（冻结：requires_grad=False）"),
    "memory": ("Mixed-memory LSTM cell", "混合记忆的 LSTM 单元"),
    "neurons": ("Per-neuron leak and capacitance (gleak, vleak, cm)",
                "每个神经元的漏电导、漏电位和电容（gleak、vleak、cm）"),
    "synapses": ("Synapses between neurons (sigma, mu, w, erev)", "神经元之间的突触（sigma、mu、w、erev）"),
    "sensory": ("Sensory synapses from the inputs", "来自输入的感觉突触"),
    "mapping": ("Affine input and output mappings", "输入和输出的仿射映射"),
    "ncps_masks": (
        "The wiring's masks are dense parameters with requires_grad=False: parameters() counts them in the total, "
        "but they are not trainable, and a sparse wiring keeps every weight of the dense matrix (the mask zeroes "
        "the missing synapses, it does not remove them).",
        "接线掩码是 requires_grad=False 的稠密参数：parameters() 把它们计入总数，但它们不可训练；稀疏接线"
        "仍保存稠密矩阵的全部权重（掩码把缺失的突触置零，而不是删除它们）。"),
}
_CFC = (Param("input_size", kind=SIZE), Param("units", kind=LAYER_OR_SIZE), Param("proj_size", None, SIZE), *_SEQ,
        Param("mode", "default", CHOICE, ("default", "pure", "no_gate")), Param("activation", "lecun_tanh", ANY),
        Param("backbone_units", None, SIZE), Param("backbone_layers", None, NONNEG, maximum=MAX_STACKED_LAYERS),
        Param("backbone_dropout", None, FLOAT))
_MAPPINGS = ("affine", "linear", None)
_LTC = (Param("input_size", kind=SIZE), Param("units", kind=LAYER_OR_SIZE), *_SEQ,
        Param("input_mapping", "affine", ANY), Param("output_mapping", "affine", ANY), Param("ode_unfolds", 6, SIZE),
        Param("epsilon", 1e-8, FLOAT), Param("implicit_param_constraints", True, BOOL))
WIRING_NOTE = ("a wiring's connections are in its masks' values, not their shapes: read as {wiring} with the same "
               "layer sizes (the count is the same for any wiring of those sizes)")


def _wiring(sizes: list[int], out: int | None) -> dict[str, object]:
    """A wiring whose layers have these sizes, as a file's config gives it: FullyConnected for one layer, NCP for
    three (inter, command, motor; its fan-outs only choose which mask entries are 1)."""
    if len(sizes) == 1:
        return {"class_name": "FullyConnected", "config": {"units": sizes[0], "output_dim": out}}
    inter, command, motor = sizes
    return {"class_name": "NCP", "config": {"inter_neurons": inter, "command_neurons": command, "motor_neurons": motor,
                                            "sensory_fanout": 1, "inter_fanout": 1, "recurrent_command_synapses": 0,
                                            "motor_fanin": 1}}


def _memory_and_projection(leaves: Mapping[str, tuple[int, ...]]) -> tuple[dict[str, object]] | None:
    """mixed_memory's LSTMCell and proj_size's fc, shared by CfC and LTC: their arguments."""
    config: dict[str, object] = {"mixed_memory": "lstm.input_map.weight" in leaves, "proj_size": None}
    fc = leaves.get("fc.weight")
    if fc is not None:
        if len(fc) != 2:
            return None
        config["proj_size"] = fc[0]
    return (config,)


def recognise_cfc(group: TensorGroup) -> Recognised | None:
    """A CfC: with an integer units (`rnn_cell.ff1`, its backbone `rnn_cell.backbone.{j}`), or wired
    (`rnn_cell.layer_{l}.ff1` per wiring layer). mode "no_gate" holds the same tensors as "default"."""
    leaves = group.leaves
    shared = _memory_and_projection(leaves)
    if shared is None:
        return None
    config = shared[0]
    pure = any(n.endswith("w_tau") for n in leaves)
    config["mode"] = "pure" if pure else "default"
    note = ""
    if "rnn_cell.ff1.weight" in leaves:
        ff1 = leaves["rnn_cell.ff1.weight"]
        backbone = sorted(int(n.split(".")[2]) for n in leaves
                          if n.startswith("rnn_cell.backbone.") and n.endswith(".weight"))
        if len(ff1) != 2 or any(not n.startswith(("rnn_cell.", "lstm.", "fc.")) for n in leaves):
            return None
        h = ff1[0]
        if backbone:
            first = leaves["rnn_cell.backbone.0.weight"]
            i = first[1] - h
            dropout = len(backbone) > 2 and backbone[2] - backbone[1] == 3
            config.update(backbone_units=first[0], backbone_layers=len(backbone),
                          backbone_dropout=0.1 if dropout else None)
        else:
            i = ff1[1] - h
            config.update(backbone_layers=0)
        config.update(input_size=i, units=h)
    else:
        sizes: list[int] = []
        while f"rnn_cell.layer_{len(sizes)}.ff1.weight" in leaves:
            sizes.append(leaves[f"rnn_cell.layer_{len(sizes)}.ff1.weight"][0])
        if len(sizes) not in (1, 3) or any(not n.startswith(("rnn_cell.layer_", "lstm.", "fc.")) for n in leaves):
            return None
        fc = leaves.get("fc.weight")
        wiring = _wiring(sizes, fc[1] if fc is not None else None)
        config.update(input_size=leaves["rnn_cell.layer_0.ff1.weight"][1] - sizes[0], units=wiring)
        note = WIRING_NOTE.format(wiring=wiring["class_name"])
    return Recognised(config, note=note) if isinstance(config["input_size"], int) and config["input_size"] > 0 \
        else None


def recognise_ltc(group: TensorGroup) -> Recognised | None:
    """An LTC: n neurons (`rnn_cell.gleak`), I sensory inputs (`rnn_cell.sensory_w` (I, n)), the motor neurons from
    `output_w` (m): a wiring of n neurons and m motors when m < n."""
    leaves = group.leaves
    gleak, sensory = leaves.get("rnn_cell.gleak"), leaves.get("rnn_cell.sensory_w")
    if gleak is None or sensory is None or len(gleak) != 1 or len(sensory) != 2 or any(
            not n.startswith(("rnn_cell.", "lstm.")) for n in leaves):
        return None
    n, i = gleak[0], sensory[0]
    shared = _memory_and_projection(leaves)
    if shared is None:
        return None
    config = shared[0]
    del config["proj_size"]

    def mapping(w: str, b: str) -> str:
        return "affine" if b in leaves else "linear" if w in leaves else "none"

    out = leaves.get("rnn_cell.output_w")
    motor = out[0] if out is not None and len(out) == 1 else n
    config.update(input_size=i, input_mapping=mapping("rnn_cell.input_w", "rnn_cell.input_b"),
                  output_mapping=mapping("rnn_cell.output_w", "rnn_cell.output_b"),
                  units=n if motor == n else _wiring([n], motor))
    return Recognised(config, note=WIRING_NOTE.format(wiring="FullyConnected") if motor != n else "")


# --- per-token work: what one time step computes, per sequence --------------------------------------------------

PRODUCTS = frozenset({"backbone", "heads", "memory", "projection"})
"""The backbone's Linear layers, the heads (ff1, ff2, time_a, time_b), the mixed-memory LSTMCell's maps and fc
multiply once per step (F.linear / nn.Linear: aten.addmm and aten.mm). LTC has no matrix product but its memory
cell's: its synapses are broadcast elementwise products and sums (`LTC_STEP`)."""
CFC_UPDATE = {"default": 9, "no_gate": 7, "pure": 9}
"""CfCCell.forward (ncps 1.0.1) per step and neuron, from the heads' outputs to the new state, one FLOP per
operation as the code writes it. default: tanh(ff1), tanh(ff2) (2), t_a·ts + t_b (2), σ (1), ff1·(1 − t) (2),
t·ff2 (1) and the sum (1) = 9; no_gate: ff1 + t·ff2 replaces the last four (2) = 7; pure: −A, |w_tau|, |ff1|, their
sum, −ts·(…), exp, the products by −A and by ff1, + A = 9. A wired CfC runs one CfCCell per wiring layer: the
same per neuron, over all H of them. Not counted: the backbone's activations (as no other `Mixer` counts an MLP's)
and a wired cell's masking of ff1 and ff2, weight ⊙ sparsity_mask, which it recomputes at every step whatever the
batch (docs/estimates.md)."""
MEMORY_UPDATE = 14
"""ncps' LSTMCell (mixed_memory) per step and unit: input_map(x) + recurrent_map(h) (4), tanh and three σ (4), the
forget gate's + 1.0 (1), c·f + i·g (3), tanh(c)·o (2) = 14."""


def _cfc_mixers() -> tuple[tuple[str | None, Mixer], ...]:
    """One mixer per mode, with and without the mixed-memory cell (the first whose conditions hold is used); fc
    reads every step's output with return_sequences, else the last one's (CfC.forward: `self.fc(h_out)`)."""
    return tuple((None, Mixer(scan_flops=mul(flops + (MEMORY_UPDATE if memory else 0), H), once=True,
                              last_step=("return_sequences", frozenset({"projection"})),
                              when=(f"mode={mode}", "mixed_memory") if memory else f"mode={mode}"))
                 for memory in (True, False) for mode, flops in CFC_UPDATE.items())


U = Sym("U")


def _ltc_step(softplus: int) -> Expr:
    """LTCCell.forward per step, one FLOP per operation as ncps 1.0.1 writes it; `softplus` 1 when
    implicit_param_constraints makes every positive parameter softplus(p) (else nn.Identity: 0). The sensory
    synapses, once per step: softplus(sensory_w), x − μ, σ·(x − μ), sigmoid, the products by w, the mask and erev
    ((6 + s)·I·n) and the two sums over the inputs (2·(I − 1)·n); cm_t = softplus(cm)/(Δt/U) ((1 + s)·n);
    softplus(w) (s·n²); then U = ode_unfolds times: the synapses' sigmoid (3·n²), the products by w, the mask and erev
    (3·n²), the two sums over the presynaptic neurons (2·(n − 1)·n) plus the sensory sums (2·n), softplus(gleak)
    (s·n), the numerator cm_t·v + gleak·vleak + … (4·n), the denominator (2·n), + ε and the division (2·n):
    8·n² + (8 + s)·n per unfold. The affine mappings are one FLOP per number of input_w, input_b, output_w,
    output_b (`per_number_roles`)."""
    n, i = N, I
    return add(mul(U, add(mul(8, n, n), mul(8 + softplus, n))), mul(6 + softplus, i, n), mul(2, add(i, -1), n),
               mul(1 + softplus, n), *((mul(n, n),) if softplus else ()))


def _ltc_mixers() -> tuple[tuple[str | None, Mixer], ...]:
    return tuple((None, Mixer(scan_flops=add(_ltc_step(softplus), *((mul(MEMORY_UPDATE, N),) if memory else ())),
                              per_number_roles=frozenset({"mapping"}), arguments=(("U", "ode_unfolds"),),
                              when=tuple(w for w, on in (("mixed_memory", memory),
                                                         ("implicit_param_constraints", softplus)) if on) or None))
                 for memory in (True, False) for softplus in (True, False))


LAYERS = {c.type_name: c for c in (
    replace(entry("CfC", _CFC, plan_cfc, words=WORDS, work=Work(token_products=PRODUCTS, mixers=_cfc_mixers())),
            recognise=recognise_cfc),
    replace(entry("LTC", _LTC, plan_ltc, words=WORDS, work=Work(token_products=PRODUCTS, mixers=_ltc_mixers())),
            recognise=recognise_ltc),
    *(entry(name, params, plan_wiring, words=WORDS, recurrent=False, argument_only=True)
      for name, params in WIRINGS.items()),
)}

def _batch_axis(first: LayerSpec) -> int:
    """CfC and LTC read (N, T, I) unless batch_first=False."""
    return 1 if first.get("batch_first") is False else 0


NCPS = FrameworkConvention(
    id="ncps", display="ncps (CfC, LTC)", layers=LAYERS, runtime=SEQUENCE_RUNTIME,
    prefixes=("ncps.torch.", "ncps.wirings.", "ncps.", "wirings."), naming="index", batch_axis=_batch_axis,
    verified_with=(("ncps", "1.0.1"), ("torch", "2.13.0")), syntax="CfC(20, AutoNCP(28, 4))", short="ncps",
    write_prefix="", checkpoint_path=torch_path,
)

__all__ = ["LAYERS", "NCPS"]
