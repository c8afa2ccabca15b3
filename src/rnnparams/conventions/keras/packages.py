"""Layers that packages built on Keras 3 add, as those packages build them: mingru-keras 0.1.3's `MinGRU`
(the minGRU of "Were RNNs All We Needed?", Feng et al. 2024).

`MinGRU(units)` builds two Dense sub-layers in its constructor, `gate` (sigmoid) and `candidate`, each
(I, units) + bias on the input features: no recurrent weights, h_t = h_{t−1} + z_t ⊙ (h̃_t − h_{t−1}) runs as a
scan over time. The sub-layers are named by Keras' session counter for "dense" (`LayerConvention.sublayers`):
a first MinGRU holds `dense/kernel` and `dense_1/kernel`, and the next plain Dense of the session is `dense_2`.
"""

from __future__ import annotations

from ...errors import ConfigError
from ...symbolic import Sym
from ..base import ANY, SIZE, LayerContext, LayerPlan, Param, TensorSpec, freeze
from .common import BASE_IGNORED, I, Table, keras_input, layer

U = Sym("U")
WORDS = {
    "U": ("units of the hidden state", "隐藏状态的单元数"),
    "gate": ("Update gate z_t from x_t (Dense `gate`, sigmoid)", "由 x_t 计算的更新门 z_t（Dense `gate`，sigmoid）"),
    "candidate": ("Candidate state h̃_t from x_t (Dense `candidate`)", "由 x_t 计算的候选状态 h̃_t（Dense `candidate`）"),
    "mingru_keras_form": (
        "MinGRU keeps no recurrent weights: two Dense sub-layers map x_t to z_t and h̃_t, each I × U + U; "
        "h_t = h_{{t−1}} + z_t ⊙ (h̃_t − h_{{t−1}}) runs as a scan over time. Its two sub-layers take Keras' "
        "\"dense\" names, so the Dense layers after it are numbered past them.",
        "MinGRU 没有循环权重：两个 Dense 子层把 x_t 映射为 z_t 和 h̃_t，各 I × U + U 个参数；"
        "h_t = h_{{t−1}} + z_t ⊙ (h̃_t − h_{{t−1}}) 沿时间扫描计算。"
        "它的两个子层占用 Keras 的“dense”名字，其后的 Dense 层编号随之后移。"),
}
DEFAULT_NAMES = ("dense", "dense_1")
"""The sub-layers' names in a fresh session, when no counter chose them (a layer planned on its own)."""


def plan_mingru(ctx: LayerContext) -> LayerPlan:
    shape = keras_input(ctx, (3,), "3-D (batch, time, features)")
    i, units = shape[-1], ctx.int("units")
    names = ctx.cfg("_sublayers") or DEFAULT_NAMES
    if not (isinstance(names, tuple) and len(names) == 2 and all(isinstance(n, str) for n in names)):
        raise ConfigError(f"{ctx.name} (MinGRU): _sublayers must be the names of its two Dense sub-layers")
    gate, candidate = names
    assert i is not None  # keras_input checked the features
    subs = ((gate, "gate"), (candidate, "candidate"))
    tensors = tuple(TensorSpec(f"{sub}/{leaf}", dims, role) for sub, role in subs
                    for leaf, dims in (("kernel", (I, U)), ("bias", (U,))))
    return LayerPlan(tensors, freeze({"I": i, "U": units}), shape, (*shape[:-1], units),
                     features=("I", U), time_axis=1, notes=("mingru_keras_form",))


def declare(table: Table) -> None:
    if table.keras2:  # mingru-keras is written for Keras 3 (keras.ops)
        return
    table.add(layer("MinGRU", "min_gru", (Param("units", kind=SIZE), Param("_sublayers", None, ANY, positional=False)),
                    plan_mingru, BASE_IGNORED, recurrent=True, words=freeze(WORDS), sublayers=("dense", "dense"),
                    module="mingru_keras.MinGRU"))


LAYERS = ("MinGRU",)
"""The classes of this module: they are not in keras.layers (tests/conventions/test_coverage_keras.py)."""
