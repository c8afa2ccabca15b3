"""Every modelled class of torch.nn.modules against real torch 2.13: parameters (names, shapes, trainable), buffers,
output shapes from a real forward pass (unbatched inputs where torch takes them), and torch's own refusals, over
table cases (this file) and hypothesis-generated mixed models (test_torch_mixed_oracle.py)."""

from __future__ import annotations

import pytest
from torch_chain import compare

pytestmark = pytest.mark.oracle

S = tuple[int | None, ...] | None
CASES: list[tuple[str, S]] = [
    # activations
    *((f"nn.{a}()", (3, 4)) for a in (
        "ReLU", "ReLU6", "LeakyReLU", "RReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid",
        "Hardsigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardshrink", "Softshrink", "Tanhshrink", "Softplus",
        "Softsign", "LogSigmoid", "GLU", "Softmax", "LogSoftmax", "Softmin", "PReLU", "Identity")),
    ("nn.ReLU(inplace=True)", (5,)), ("nn.LeakyReLU(0.2, True)", (2, 3, 4)), ("nn.GELU(approximate='tanh')", (6,)),
    ("nn.GELU(approximate='exact')", (6,)), ("nn.Threshold(0.1, 20.0)", (3, 4)), ("nn.Hardtanh(-2.0, 2.0)", (4,)),
    ("nn.Hardtanh(1.0, -1.0)", (4,)), ("nn.Softplus(beta=2, threshold=10)", (3,)),
    ("nn.GLU(dim=1)", (4, 3)), ("nn.GLU(dim=0)", (3, 4)), ("nn.GLU(dim=3)", (3, 4)),
    ("nn.Softmax(dim=1)", (3, 4)), ("nn.Softmax(dim=-1)", (2, 3, 4)), ("nn.Softmax(dim=3)", (3, 4)),
    ("nn.LogSoftmax(1)", (5,)), ("nn.Softmin(dim=0)", (4,)), ("nn.Softmax2d()", (3, 4, 5)), ("nn.Softmax2d()", (4, 5)),
    ("nn.PReLU(3)", (3, 5)), ("nn.PReLU(4, init=0.1)", (4,)), ("nn.PReLU(3)", (4, 5)), ("nn.PReLU(2)", (2, 3, 3)),
    # linear
    ("nn.Linear(4, 3)", (5, 4)), ("nn.Linear(4, 3, bias=False)", (4,)), ("nn.Bilinear(4, 4, 3)", (4,)),
    ("nn.Bilinear(4, 4, 3, bias=False)", (2, 4)), ("nn.Identity(54, unused=0.1)", (3,)),
    ("nn.LazyLinear(5)", (3, 4)), ("nn.LazyLinear(5, bias=False)", (7,)),
    ("nn.Embedding(10, 3)", (4,)), ("nn.EmbeddingBag(10, 3)", (4,)), ("nn.EmbeddingBag(10, 3, mode='max')", (5,)),
    ("nn.EmbeddingBag(10, 3, mode='sum', padding_idx=0)", (2,)),
    # convolutions
    ("nn.Conv1d(2, 4, 3)", (2, 7)), ("nn.Conv1d(2, 4, 3, padding=1)", (2, 7)),
    ("nn.Conv3d(2, 4, 3)", (2, 5, 6, 7)), ("nn.Conv3d(2, 4, (1, 2, 3), stride=(1, 2, 1), padding=1)", (2, 4, 5, 6)),
    ("nn.Conv3d(4, 4, 3, groups=2, dilation=2, bias=False)", (4, 6, 6, 6)), ("nn.Conv3d(2, 4, 3, padding='same')",
                                                                                (2, 4, 4, 4)),
    ("nn.Conv3d(2, 4, 3)", (2, 2, 6, 6)), ("nn.Conv3d(2, 4, 3, groups=3)", (2, 5, 5, 5)),
    ("nn.ConvTranspose1d(3, 4, 3)", (3, 5)), ("nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=1)", (3, 5)),
    ("nn.ConvTranspose1d(4, 6, 2, groups=2, bias=False, dilation=2)", (4, 5)),
    ("nn.ConvTranspose2d(3, 4, 3)", (3, 5, 5)), ("nn.ConvTranspose2d(3, 4, (3, 2), stride=2, padding=1)", (3, 5, 6)),
    ("nn.ConvTranspose2d(4, 4, 3, groups=4, output_padding=(1, 0), stride=(2, 1))", (4, 3, 3)),
    ("nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)", (3, 4, 4)),
    ("nn.ConvTranspose2d(3, 4, 3, padding_mode='reflect')", (3, 4, 4)),
    ("nn.ConvTranspose2d(3, 4, 3, padding=3)", (3, 2, 2)),
    ("nn.ConvTranspose3d(2, 3, 2)", (2, 3, 3, 3)), ("nn.ConvTranspose3d(2, 4, 3, stride=2, groups=2)", (2, 2, 3, 2)),
    ("nn.LazyConv1d(4, 3)", (2, 7)), ("nn.LazyConv2d(4, 3, groups=2)", (4, 6, 6)),
    ("nn.LazyConv3d(2, 2)", (3, 3, 3, 3)),
    ("nn.LazyConvTranspose1d(4, 3)", (2, 5)), ("nn.LazyConvTranspose2d(4, 3, stride=2)", (3, 4, 4)),
    ("nn.LazyConvTranspose3d(2, 2)", (1, 2, 2, 2)),
    # pooling
    ("nn.MaxPool1d(2)", (3, 8)), ("nn.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True)", (3, 9)),
    ("nn.MaxPool2d(2)", (3, 8, 8)), ("nn.MaxPool2d((2, 3), stride=(1, 2), padding=1, ceil_mode=True)", (2, 7, 9)),
    ("nn.MaxPool2d(3, return_indices=True)", (2, 6, 6)), ("nn.MaxPool2d(3, padding=2)", (2, 6, 6)),
    ("nn.MaxPool2d(4)", (2, 3, 3)), ("nn.MaxPool3d(2)", (2, 4, 4, 4)),
    ("nn.MaxPool3d(2, ceil_mode=True)", (1, 3, 5, 5)),
    ("nn.AvgPool1d(3, 2, 1)", (2, 7)), ("nn.AvgPool2d(3, 2, 1, ceil_mode=True)", (2, 8, 9)),
    ("nn.AvgPool2d(2, divisor_override=3)", (1, 4, 4)), ("nn.AvgPool3d((1, 2, 2))", (2, 3, 4, 4)),
    ("nn.LPPool1d(2, 3)", (2, 7)), ("nn.LPPool2d(2, (2, 3), stride=1)", (2, 5, 6)),
    ("nn.LPPool3d(1.5, 2)", (1, 4, 4, 4)),
    ("nn.AdaptiveAvgPool1d(3)", (2, 8)), ("nn.AdaptiveAvgPool2d((2, None))", (2, 5, 7)),
    ("nn.AdaptiveAvgPool3d(2)", (2, 3, 4, 5)), ("nn.AdaptiveMaxPool1d(4, return_indices=True)", (2, 9)),
    ("nn.AdaptiveMaxPool2d(3)", (2, 6, 6)), ("nn.AdaptiveMaxPool3d((1, 2, 3))", (1, 4, 4, 4)),
    ("nn.FractionalMaxPool2d(2, output_size=3)", (2, 8, 8)), ("nn.FractionalMaxPool2d(3, output_ratio=0.5)", (2, 9, 8)),
    ("nn.FractionalMaxPool2d(2)", (2, 8, 8)), ("nn.FractionalMaxPool3d(2, output_size=(2, 3, 2))", (1, 4, 5, 4)),
    ("nn.MaxUnpool1d(2)", (2, 4)), ("nn.MaxUnpool2d(3, stride=2, padding=1)", (2, 3, 4)),
    ("nn.MaxUnpool3d(2)", (1, 2, 2, 2)),
    # padding, upsampling, shuffles, flatten, fold
    ("nn.ZeroPad1d(2)", (3, 4)), ("nn.ZeroPad2d((1, 2, 0, 3))", (2, 3, 4)), ("nn.ZeroPad3d(1)", (1, 2, 2, 2)),
    ("nn.ZeroPad2d(-1)", (2, 4, 4)), ("nn.ConstantPad1d((3, 1), 0.5)", (2, 4)), ("nn.ConstantPad2d(1, -1.0)", (3, 3)),
    ("nn.ConstantPad3d((1, 0, 2, 0, 0, 1), 2.0)", (1, 2, 3, 4)), ("nn.ReflectionPad1d(2)", (2, 4)),
    ("nn.ReflectionPad1d(4)", (2, 4)), ("nn.ReflectionPad2d((1, 1, 2, 0))", (1, 3, 3)),
    ("nn.ReflectionPad3d(1)", (1, 3, 3, 3)), ("nn.ReplicationPad1d((2, 3))", (2, 4)),
    ("nn.ReplicationPad2d(2)", (1, 2, 2)), ("nn.ReplicationPad3d(1)", (2, 1, 2, 2, 2)), ("nn.CircularPad1d(2)", (2, 4)),
    ("nn.CircularPad2d((1, 0, 2, 1))", (2, 3, 4)), ("nn.CircularPad3d(1)", (1, 2, 2, 2)),
    ("nn.Upsample(scale_factor=2)", (2, 3, 4)), ("nn.Upsample(size=(5, 7), mode='bilinear')", (2, 3, 4)),
    ("nn.Upsample(scale_factor=1.5, mode='linear', align_corners=True)", (2, 5)),
    ("nn.Upsample(scale_factor=(2, 1.5, 1), mode='trilinear')", (1, 2, 4, 3)),
    ("nn.Upsample(size=6, mode='bicubic')", (1, 3, 3)), ("nn.Upsample(scale_factor=2, mode='bilinear')", (2, 5)),
    ("nn.Upsample(scale_factor=2, align_corners=True)", (2, 5)), ("nn.Upsample(size=4, mode='area')", (2, 7)),
    ("nn.UpsamplingNearest2d(scale_factor=3)", (2, 2, 3)), ("nn.UpsamplingBilinear2d(size=(4, 5))", (1, 2, 3)),
    ("nn.PixelShuffle(2)", (8, 3, 4)), ("nn.PixelShuffle(2)", (6, 3, 4)), ("nn.PixelUnshuffle(2)", (2, 4, 6)),
    ("nn.PixelUnshuffle(3)", (1, 6, 5)), ("nn.ChannelShuffle(2)", (4, 3, 3)), ("nn.ChannelShuffle(3)", (4, 3)),
    ("nn.Flatten()", (2, 3, 4)), ("nn.Flatten(0, 1)", (2, 3)), ("nn.Flatten(2)", (2, 3, 4)),
    ("nn.Unflatten(1, (2, 3))", (6,)), ("nn.Unflatten(-1, (2, -1))", (3, 8)), ("nn.Unflatten(1, (2, 4))", (6,)),
    ("nn.Fold((4, 5), 2)", (12, 12)), ("nn.Fold(4, 2, stride=2)", (8, 4)), ("nn.Fold((4, 5), 2)", (12, 10)),
    ("nn.Unfold(2)", (3, 4, 5)), ("nn.Unfold((2, 3), dilation=1, padding=1, stride=2)", (2, 5, 5)),
    # normalization
    ("nn.BatchNorm1d(3)", (3,)), ("nn.BatchNorm1d(3, bias=False)", (3, 4)), ("nn.BatchNorm1d(3, affine=False)", (3,)),
    ("nn.BatchNorm2d(3)", (3, 4, 4)), ("nn.BatchNorm2d(3, track_running_stats=False)", (3, 2, 2)),
    ("nn.BatchNorm2d(3)", (3, 4)), ("nn.BatchNorm3d(2, momentum=None)", (2, 2, 2, 2)),
    ("nn.SyncBatchNorm(3)", (3, 4)), ("nn.SyncBatchNorm(3, affine=False)", (3,)),
    ("nn.LazyBatchNorm1d()", (4,)), ("nn.LazyBatchNorm2d(affine=False)", (3, 2, 2)),
    ("nn.LazyBatchNorm3d()", (2, 2, 2, 2)),
    ("nn.InstanceNorm1d(3)", (3, 5)), ("nn.InstanceNorm1d(3, affine=True)", (2, 3, 5)),
    ("nn.InstanceNorm2d(3, affine=True, track_running_stats=True)", (3, 4, 4)),
    ("nn.InstanceNorm2d(3, affine=True, bias=False)", (3, 2, 3)), ("nn.InstanceNorm2d(3)", (4, 2, 3)),
    ("nn.InstanceNorm2d(3, affine=True)", (4, 2, 3)), ("nn.InstanceNorm3d(2, track_running_stats=True)", (2, 2, 2, 2)),
    ("nn.LazyInstanceNorm1d()", (3, 5)), ("nn.LazyInstanceNorm2d(affine=False)", (2, 3, 3)),
    ("nn.LazyInstanceNorm3d()", (1, 2, 2, 2)),
    ("nn.GroupNorm(2, 4)", (4, 3)), ("nn.GroupNorm(1, 3, affine=False)", (3, 2, 2)), ("nn.GroupNorm(2, 4, bias=False)",
                                                                                         (4,)),
    ("nn.GroupNorm(3, 4)", (4, 2)), ("nn.GroupNorm(2, 4)", (6, 2)),
    ("nn.LayerNorm(4)", (3, 4)), ("nn.RMSNorm(4)", (3, 4)), ("nn.RMSNorm([3, 4], elementwise_affine=False)", (3, 4)),
    ("nn.RMSNorm((2, 3))", (5, 2, 3)), ("nn.RMSNorm(3)", (3, 4)),
    ("nn.LocalResponseNorm(2)", (3, 4, 4)), ("nn.LocalResponseNorm(3)", (4,)), ("nn.CrossMapLRN2d(3)", (3, 4, 4)),
    ("nn.CrossMapLRN2d(3)", (3, 4)),
    # dropout
    ("nn.Dropout(0.3)", (3, 4)), ("nn.Dropout1d(0.2)", (3, 4)), ("nn.Dropout1d()", (2, 3, 4, 5)),
    ("nn.Dropout2d()", (3, 4, 4)), ("nn.Dropout2d(0.1)", (3, 4)), ("nn.Dropout3d()", (2, 2, 2, 2)),
    ("nn.AlphaDropout(0.2)", (5,)), ("nn.FeatureAlphaDropout(0.2)", (3, 4, 4)), ("nn.Dropout1d(1.5)", (3, 4)),
    # attention and transformers
    ("nn.MultiheadAttention(8, 2)", (5, 8)), ("nn.MultiheadAttention(8, 2, batch_first=True)", (5, 8)),
    ("nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, add_zero_attn=True)", (4, 8)),
    ("nn.MultiheadAttention(8, 4, kdim=8, vdim=8)", (3, 8)), ("nn.MultiheadAttention(6, 4)", (3, 6)),
    ("nn.MultiheadAttention(8, 2, dropout=0.1)", (3, 8)),
    ("nn.TransformerEncoderLayer(8, 2, 16)", (5, 8)), ("nn.TransformerEncoderLayer(8, 2, 16, batch_first=True, "
                                                       "norm_first=True, bias=False)", (4, 8)),
    ("nn.TransformerEncoderLayer(8, 2, 16, activation='gelu')", (3, 8)),
    ("nn.TransformerEncoderLayer(8, 2, 16, activation=nn.PReLU())", (3, 8)),
    ("nn.TransformerEncoderLayer(8, 2, 16, activation='tanh')", (3, 8)),
    ("nn.TransformerDecoderLayer(8, 2, 16)", (5, 8)), ("nn.TransformerDecoderLayer(8, 4, 12, bias=False, "
                                                       "batch_first=True)", (3, 8)),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)", (5, 8)),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 3, norm=nn.LayerNorm(8))", (5, 8)),
    ("nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8, bias=False))", (4, 8)),
    ("nn.Transformer(8, 2, 1, 2, 16)", (5, 8)),
    ("nn.Transformer(8, 2, 2, 1, 12, batch_first=True, bias=False)", (3, 8)),
    ("nn.Transformer(6, 4)", (3, 6)),
    # distances and losses
    ("nn.CosineSimilarity()", (4, 3)), ("nn.CosineSimilarity(dim=0)", (4,)), ("nn.PairwiseDistance()", (4, 3)),
    ("nn.PairwiseDistance(keepdim=True)", (2, 3)),
    ("nn.L1Loss()", (3, 4)), ("nn.MSELoss(reduction='none')", (3, 4)), ("nn.CrossEntropyLoss()", (5,)),
    ("nn.CrossEntropyLoss(weight=torch.ones(5), reduction='none')", (5, 2)), ("nn.NLLLoss(reduction='sum')", (4,)),
    ("nn.NLLLoss(weight=torch.rand(4), reduction='none')", (4,)), ("nn.NLLLoss2d()", (3, 2, 2)),
    ("nn.PoissonNLLLoss()", (3,)), ("nn.GaussianNLLLoss(reduction='none')", (3,)), ("nn.KLDivLoss(reduction='none')",
                                                                                      (3,)),
    ("nn.BCELoss(weight=torch.ones(3))", (3,)), ("nn.BCEWithLogitsLoss(pos_weight=torch.ones(3), reduction='none')",
                                                 (3,)),
    ("nn.BCEWithLogitsLoss(weight=torch.ones(3), pos_weight=torch.tensor([1.0, 2.0, 3.0]))", (3,)),
    ("nn.MarginRankingLoss()", (3,)), ("nn.HingeEmbeddingLoss(reduction='none')", (4,)),
    ("nn.MultiLabelMarginLoss(reduction='none')", (4,)), ("nn.HuberLoss(delta=2.0)", (3,)),
    ("nn.SmoothL1Loss(reduction='none')", (2, 3)), ("nn.SoftMarginLoss()", (3,)),
    ("nn.MultiLabelSoftMarginLoss(weight=torch.ones(4), reduction='none')", (4,)),
    ("nn.CosineEmbeddingLoss(reduction='none')", (3,)), ("nn.MultiMarginLoss(weight=torch.ones(4))", (4,)),
    ("nn.MultiMarginLoss(p=3)", (4,)), ("nn.TripletMarginLoss(reduction='none')", (3,)),
    ("nn.TripletMarginWithDistanceLoss(margin=0.5)", (3,)), ("nn.CTCLoss(reduction='none')", (5, 4)),
    ("nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10], head_bias=True)", (16,)),
    ("nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 4])", (8,)), ("nn.AdaptiveLogSoftmaxWithLoss(8, 10, (2, 5), 2.0)", (8,)),
    ("nn.LinearCrossEntropyLoss(8, 5)", (8,)), ("nn.LinearCrossEntropyLoss(8, 5, bias=True, weight=torch.ones(5), "
                                                "reduction='none')", (8,)),
    ("nn.LinearCrossEntropyLoss(8, 5, out_features=(2, 3), bias=True, reduction='none')", (8,)),
]


@pytest.mark.parametrize("expr, shape", CASES, ids=[f"{e}@{s}" for e, s in CASES])
def test_layer_against_torch(expr: str, shape: S) -> None:
    compare(expr, shape)


CHAINS = [
    ("nn.Conv2d(1, 8, 3, padding=1); nn.BatchNorm2d(8); nn.ReLU(); nn.MaxPool2d(2); nn.Conv2d(8, 16, 3); "
     "nn.GroupNorm(4, 16); nn.GELU(); nn.AdaptiveAvgPool2d((1, None)); nn.Flatten(1, 2); nn.Dropout(0.1)", (1, 16, 20)),
    ("nn.Conv1d(4, 8, 5, padding=2); nn.InstanceNorm1d(8, affine=True); nn.PReLU(8); nn.AvgPool1d(2); "
     "nn.LSTM(6, 16, batch_first=True); nn.MultiheadAttention(16, 4, batch_first=True); nn.Linear(16, 3)", (4, 12)),
    ("nn.Embedding(50, 16); nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 2); "
     "nn.LayerNorm(16); nn.Linear(16, 50); nn.LogSoftmax(dim=-1)", (7,)),
    ("nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1); nn.Upsample(scale_factor=2); nn.ReflectionPad2d(1); "
     "nn.Conv2d(2, 4, 3); nn.PixelUnshuffle(2); nn.Flatten(); nn.LazyLinear(5)", (4, 3, 3)),
]


@pytest.mark.parametrize("expr, shape", CHAINS)
def test_chains_against_torch(expr: str, shape: S) -> None:
    assert compare(expr, shape) is not None
