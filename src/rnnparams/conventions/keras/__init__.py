"""Keras conventions: `keras` (Keras 3 and tf.keras in TF 2.x) and `keras2` (Keras 2.x / TF 1.x defaults).

One module per layer group of `keras.layers`, each declaring its layers into the framework's table
(`common.Table`): recurrent layers and their wrappers, core, convolution, pooling, normalization,
regularization and reshaping. Tensor names are weight paths relative to the layer, as
`layer.weights[i].path` gives them minus the model and layer prefix.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..base import BY_CLASS, FrameworkConvention, LayerConvention
from ..recognise import keras_path
from ..work import KERAS_RUNTIME
from . import conv, core, normalization, pooling, recurrent, regularization, reshaping
from .common import Table, declare_all

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def build_layers(gru_reset_after: bool, cudnn: bool = False) -> dict[str, LayerConvention]:
    """The layer table: Keras 3's, or with Keras 2's defaults (GRU reset_after=False) and its CuDNN layers.
    Checkpoint recognisers are offered a tensor group in this order."""
    table = Table(keras2=not gru_reset_after or cudnn)
    return declare_all(table, recurrent.declare, core.declare, conv.declare, normalization.declare,
                       regularization.declare, reshaping.declare, pooling.declare, recurrent.declare_cudnn)


ALIASES: Mapping[str, str] = MappingProxyType({
    "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalMaxPool1D": "GlobalMaxPooling1D", "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D"})
_PREFIXES = ("tf.keras.layers.", "keras.layers.", "layers.", "tf.keras.", "keras.")
_CONTAINERS = ("Sequential", "models.Sequential")
_INPUTS = ("Input", "layers.Input", "InputLayer", "layers.InputLayer")
_REFUSALS = MappingProxyType({family: "Keras cells (SimpleRNNCell...) are not modelled here; compare the full layer"
                              for family in ("rnn_cell", "lstm_cell", "gru_cell")})
_COMMON: dict[str, Any] = {
    "prefixes": _PREFIXES, "containers": _CONTAINERS, "input_calls": _INPUTS, "naming": BY_CLASS, "short": "Keras",
    "model_syntax": "sequential", "infers_input": True, "runtime": KERAS_RUNTIME, "compared": True,
    "aliases": ALIASES, "refusals": _REFUSALS, "checkpoint_path": keras_path, "code_reader": "keras"}

KERAS = FrameworkConvention(
    id="keras", display="Keras 3 / tf.keras 2.x", layers=build_layers(gru_reset_after=True),
    verified_with=(("keras", "3.15.1"),), syntax="Sequential([Input((35, 100)), LSTM(256), Dense(10)])", **_COMMON,
)
KERAS2 = FrameworkConvention(
    id="keras2", display="Keras 2.x / TF 1.x", syntax="GRU(64, input_shape=(35, 100)); CuDNNLSTM(32)",
    layers=build_layers(gru_reset_after=False, cudnn=True), variant_of="keras", **_COMMON,
)

__all__ = ["ALIASES", "KERAS", "KERAS2", "build_layers"]
