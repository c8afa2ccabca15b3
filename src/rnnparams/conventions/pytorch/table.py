"""The PyTorch layer table, by class name, in the order checkpoint recognisers are tried. A group module is
imported the first time one of its classes is asked for, so counting `nn.LSTM(100, 256)` builds the recurrent
layers' conventions and no others (start-up time is part of the product); iterating the table builds them all.

The writers (`make_layer(LAYERS, "LSTM", ...)`) and the composite layers' plans (a TransformerEncoder plans its
encoder layer) read the table when they run, so no group module imports another's entries.
`tests/conventions/test_coverage_torch.py` checks that INDEX names exactly what the group modules declare.

A package built on torch (minGRU-pytorch, sru, xlstm, ncps, fla, mamba.py, the reference IndRNN/QRNN: the
registry's `checkpoints_like="pytorch"`) builds torch modules, so a PyTorch model may hold one of its classes: the
table finds it by its qualified name `<package id>.<class>` (`mingru.minGRU`), as that package's own entry. Such
names are found, not listed (iterating the table gives torch.nn's classes): a bare `SRU` stays sru's.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from ..._record import replace
from ..base import LayerContext, LayerConvention, LayerPlan

INDEX: tuple[tuple[str, tuple[str, ...]], ...] = (
    ('recurrent', ('RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell',)),
    ('linear', ('Linear', 'Embedding',)),
    ('norm', ('LayerNorm', 'BatchNorm1d',)),
    ('dropout', ('Dropout',)),
    ('conv', ('Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d', 'LazyConv1d',
         'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyConvTranspose3d',)),
    ('containers', ('Parameter',)),
    ('transformer', ('TransformerEncoderLayer', 'TransformerDecoderLayer', 'TransformerEncoder', 'TransformerDecoder',
         'Transformer',)),
    ('attention', ('MultiheadAttention',)),
    ('linear', ('Bilinear', 'Identity', 'LazyLinear', 'EmbeddingBag',)),
    ('norm', ('BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', 'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d',
         'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d', 'LazyInstanceNorm1d', 'LazyInstanceNorm2d',
         'LazyInstanceNorm3d', 'GroupNorm', 'RMSNorm', 'LocalResponseNorm', 'CrossMapLRN2d',)),
    ('dropout', ('Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout',)),
    ('activation', ('ReLU', 'ReLU6', 'LeakyReLU', 'RReLU', 'ELU', 'CELU', 'SELU', 'GELU', 'SiLU', 'Mish', 'Sigmoid',
         'Hardsigmoid', 'Tanh', 'Hardtanh', 'Hardswish', 'Threshold', 'Hardshrink', 'Softshrink', 'Tanhshrink',
         'Softplus', 'Softsign', 'LogSigmoid', 'GLU', 'Softmax', 'LogSoftmax', 'Softmin', 'Softmax2d', 'PReLU',)),
    ('pool', ('MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'LPPool1d', 'LPPool2d',
         'LPPool3d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d',
         'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d', 'FractionalMaxPool2d', 'FractionalMaxPool3d', 'MaxUnpool1d',
         'MaxUnpool2d', 'MaxUnpool3d',)),
    ('shape', ('ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d', 'ConstantPad1d', 'ConstantPad2d', 'ConstantPad3d',
         'ReflectionPad1d', 'ReflectionPad2d', 'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d',
         'ReplicationPad3d', 'CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'Upsample', 'UpsamplingNearest2d',
         'UpsamplingBilinear2d', 'PixelShuffle', 'PixelUnshuffle', 'ChannelShuffle', 'Flatten', 'Unflatten', 'Fold',
         'Unfold',)),
    ('loss', ('L1Loss', 'MSELoss', 'CrossEntropyLoss', 'NLLLoss', 'NLLLoss2d', 'CTCLoss', 'PoissonNLLLoss',
         'GaussianNLLLoss', 'KLDivLoss', 'BCELoss', 'BCEWithLogitsLoss', 'MarginRankingLoss', 'HingeEmbeddingLoss',
         'MultiLabelMarginLoss', 'HuberLoss', 'SmoothL1Loss', 'SoftMarginLoss', 'MultiLabelSoftMarginLoss',
         'CosineEmbeddingLoss', 'MultiMarginLoss', 'TripletMarginLoss', 'TripletMarginWithDistanceLoss',
         'AdaptiveLogSoftmaxWithLoss', 'LinearCrossEntropyLoss', 'CosineSimilarity', 'PairwiseDistance',)),
)
"""(group module, the classes it declares) in table order; a module may appear more than once."""


class Layers(Mapping[str, LayerConvention]):
    """The table: names and membership from INDEX, each entry built by importing its group module."""

    def __init__(self, index: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        self._group = {name: group for group, names in index for name in names}
        self._loaded: dict[str, LayerConvention] = {}

    def __getitem__(self, name: str) -> LayerConvention:
        if name not in self._loaded and name not in self._group:
            found = hosted(name)
            if found is None:
                raise KeyError(name)
            self._loaded[name] = found
        if name not in self._loaded:
            group = self._group[name]
            module = importlib.import_module(f"{__package__}.{group}")
            for conv in (*module.CONVENTIONS, *getattr(module, "MORE", ())):
                self._loaded[conv.type_name] = conv
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._group)

    def __len__(self) -> int:
        return len(self._group)

    def __contains__(self, name: object) -> bool:
        return name in self._group or (isinstance(name, str) and "." in name and hosted(name) is not None)


def hosted(name: str) -> LayerConvention | None:
    """`mingru.minGRU`: the class of a package built on torch, as its own convention declares it, renamed by its
    qualified name; its plan sees the class's own name (the package's plans read their specs by it)."""
    from .. import FRAMEWORKS, hosted_by

    package, dot, cls = name.partition(".")
    if not dot or package not in hosted_by("pytorch") or cls not in FRAMEWORKS[package].layers:
        return None
    conv = FRAMEWORKS[package].layers[cls]

    def plan(ctx: LayerContext) -> LayerPlan:
        return conv.plan(replace(ctx, spec=replace(ctx.spec, type=cls), framework=package))

    read = conv.equivalent.read
    equivalent = conv.equivalent if read is None else replace(
        conv.equivalent, read=lambda spec, p: read(replace(spec, type=cls), p))
    return replace(conv, type_name=name, plan=plan, equivalent=equivalent)


LAYERS: Mapping[str, LayerConvention] = Layers(INDEX)
"""Every PyTorch layer convention by class name."""

__all__ = ["INDEX", "LAYERS", "Layers"]
