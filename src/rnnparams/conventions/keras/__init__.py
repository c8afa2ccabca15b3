"""Keras conventions: `keras` (Keras 3 and tf.keras in TF 2.x) and `keras2` (Keras 2.x / TF 1.x defaults).

One module per layer group of `keras.layers`, each declaring its layers into the framework's table
(`common.Table`): recurrent layers and their wrappers, convolutional LSTMs, core, convolution, pooling,
normalization, activation, attention, reshaping, merging, regularization and noise, preprocessing. Tensor
names are weight paths relative to the layer, as `layer.weights[i].path` gives them minus the model and layer
prefix. Every public layer class of `keras.layers` (keras 3.15) is one of these or in `REFUSED`, with the
reason a user is shown (tests/conventions/test_coverage_keras.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..base import BY_CLASS, FrameworkConvention, LayerConvention
from ..recognise import keras_path
from ..work import KERAS3_RUNTIME, KERAS_RUNTIME
from . import (
    activation,
    attention,
    conv,
    conv_lstm,
    core,
    merging,
    normalization,
    packages,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
)
from .common import Table, declare_all

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def build_layers(gru_reset_after: bool, cudnn: bool = False) -> dict[str, LayerConvention]:
    """The layer table: Keras 3's, or with Keras 2's defaults (GRU reset_after=False) and its CuDNN layers.
    Checkpoint recognisers are offered a tensor group in this order."""
    table = Table(keras2=not gru_reset_after or cudnn)
    return declare_all(table, recurrent.declare, core.declare, conv.declare, normalization.declare,
                       regularization.declare, reshaping.declare, pooling.declare,  # the layers first modelled
                       conv.declare_more, pooling.declare_more, recurrent.declare_more, conv_lstm.declare,
                       core.declare_more, normalization.declare_more, activation.declare, attention.declare,
                       reshaping.declare_more, merging.declare, regularization.declare_more, preprocessing.declare,
                       recurrent.declare_cudnn, packages.declare)


ALIASES: Mapping[str, str] = MappingProxyType({
    **pooling.ALIASES, "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    **{f"Convolution{n}DTranspose": f"Conv{n}DTranspose" for n in (1, 2, 3)},
    **{f"SeparableConvolution{n}D": f"SeparableConv{n}D" for n in (1, 2)}})
"""Other names keras.layers exports for the same classes."""
_FOREIGN = ("wraps a model of another framework ({}), whose weights are not declared in Keras code; count that "
            "model with its own framework")
REFUSED: Mapping[str, str] = MappingProxyType({
    "Layer": "the base class of every Keras layer: a subclass's weights are whatever its build() creates, which "
             "the code reader follows only through the conventions' layers it uses",
    "Wrapper": "the base class of layer wrappers; use a concrete one (Bidirectional, TimeDistributed, "
               "SpectralNormalization)",
    "Pipeline": "a sequence of preprocessing layers applied to data outside the model's graph; write its layers "
                "in the model instead",
    "FlaxLayer": _FOREIGN.format("a Flax module"), "JaxLayer": _FOREIGN.format("a JAX function and its params"),
    "TorchModuleWrapper": _FOREIGN.format("a torch.nn.Module"),
    "TFSMLayer": _FOREIGN.format("a TensorFlow SavedModel, read from disk"),
})
"""Public classes of keras.layers that are not modelled, each with the reason a user is shown."""
_PREFIXES = ("tf.keras.layers.", "keras.layers.", "layers.", "tf.keras.", "keras.")
_CONTAINERS = ("Sequential", "models.Sequential")
_INPUTS = ("Input", "layers.Input", "InputLayer", "layers.InputLayer")
_REFUSALS = MappingProxyType({family: "a Keras cell (SimpleRNNCell...) is counted inside RNN(cell), over a sequence; "
                              "compare the full layer" for family in ("rnn_cell", "lstm_cell", "gru_cell")})
_COMMON: dict[str, Any] = {
    "prefixes": _PREFIXES, "containers": _CONTAINERS, "input_calls": _INPUTS, "naming": BY_CLASS, "short": "Keras",
    "model_syntax": "sequential", "infers_input": True, "runtime": KERAS_RUNTIME, "compared": True,
    "aliases": ALIASES, "refusals": _REFUSALS, "refused": REFUSED, "checkpoint_path": keras_path,
    "code_reader": "keras"}

KERAS = FrameworkConvention(
    id="keras", display="Keras 3 / tf.keras 2.x", layers=build_layers(gru_reset_after=True),
    verified_with=(("keras", "3.15.1"),), syntax="Sequential([Input((35, 100)), LSTM(256), Dense(10)])",
    coverage="keras.layers", **{**_COMMON, "runtime": KERAS3_RUNTIME},
)
KERAS2 = FrameworkConvention(
    id="keras2", display="Keras 2.x / TF 1.x", syntax="GRU(64, input_shape=(35, 100)); CuDNNLSTM(32)",
    layers=build_layers(gru_reset_after=False, cudnn=True), variant_of="keras", **_COMMON,
)

__all__ = ["ALIASES", "KERAS", "KERAS2", "REFUSED", "build_layers"]
