"""Every layer class the Keras conventions model, against real Keras 3 (torch backend): table cases built as a
Sequential (through the expression parser) or as functional code (through the code reader), and Keras' own
refusals as clear errors. keras_models.compare says what must agree."""

from __future__ import annotations

import pytest
from keras_models import code_case, sequential_case

from rnnparams.conventions import FRAMEWORKS

pytestmark = pytest.mark.oracle

SEQUENTIAL = [
    # convolutions
    ("Conv3D(4, 3)", (5, 6, 7, 2)),
    ("Conv3D(4, (1, 2, 3), groups=2, strides=2, padding='same')", (5, 6, 7, 2)),
    ("Conv3D(4, 3, data_format='channels_first', use_bias=False)", (2, 5, 6, 7)),
    ("Conv1D(4, 3, padding='causal', data_format='channels_first')", (3, 10)),
    ("Conv1D(4, 3, padding='causal', strides=2)", (10, 3)),
    ("Conv1DTranspose(4, 3)", (10, 2)),
    ("Conv1DTranspose(4, 3, strides=2, padding='same', output_padding=1)", (10, 2)),
    ("Conv1DTranspose(4, 3, dilation_rate=2, use_bias=False)", (10, 2)),
    ("Conv2DTranspose(4, 3, strides=2)", (10, 9, 2)),
    ("Conv2DTranspose(4, (3, 2), strides=(2, 3), output_padding=(1, 2), padding='same')", (5, 6, 2)),
    ("Conv2DTranspose(4, 3, data_format='channels_first')", (2, 10, 9)),
    ("Conv3DTranspose(4, 3, strides=(1, 2, 3), padding='same')", (4, 5, 6, 2)),
    ("SeparableConv1D(4, 3, depth_multiplier=2)", (10, 3)),
    ("SeparableConv2D(4, 3, depth_multiplier=2, use_bias=False)", (10, 9, 3)),
    ("SeparableConv2D(4, 3, strides=2, dilation_rate=2)", (10, 10, 2)),
    ("DepthwiseConv1D(3, depth_multiplier=2)", (10, 3)),
    ("DepthwiseConv1D(3, strides=2, data_format='channels_first')", (2, 10)),
    ("DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding='same')", (10, 9, 3)),
    ("DepthwiseConv2D(3, dilation_rate=2)", (10, 9, 3)),
    ("Convolution3D(2, 2)", (3, 3, 3, 1)),
    ("Conv2DTranspose(4, 3, strides=2, dilation_rate=2)", (10, 10, 2)),      # refused by Keras
    ("Conv1DTranspose(4, 3, strides=2, output_padding=2)", (10, 2)),         # output_padding >= strides
    ("SeparableConv1D(4, 3, padding='causal')", (10, 3)),                    # causal: Conv1D only
    ("DepthwiseConv1D(30)", (10, 2)),                                        # negative output
    ("Conv3D(4, 3)", (5, 6, 2)),                                             # wrong rank
    # pooling
    ("MaxPooling1D()", (10, 3)),
    ("MaxPooling1D(3, strides=2, padding='same')", (10, 3)),
    ("AveragePooling1D(2, data_format='channels_first')", (3, 10)),
    ("MaxPooling2D((2, 3))", (10, 9, 3)),
    ("AveragePooling2D(3, strides=1, padding='same')", (10, 9, 3)),
    ("MaxPooling3D()", (4, 6, 8, 2)),
    ("AveragePooling3D(2, data_format='channels_first')", (2, 4, 6, 8)),
    ("MaxPool2D(); AvgPool1D()", (4, 6, 3)),
    ("GlobalAveragePooling2D()", (4, 5, 3)),
    ("GlobalMaxPooling2D(keepdims=True)", (4, 5, 3)),
    ("GlobalAveragePooling3D(data_format='channels_first')", (2, 4, 5, 3)),
    ("GlobalMaxPooling3D(keepdims=True)", (4, 5, 3, 2)),
    ("GlobalAvgPool2D(); GlobalMaxPool3D", (4, 5, 3)),
    ("AdaptiveAveragePooling1D(4)", (10, 3)),
    ("AdaptiveMaxPooling1D(2)", (10, 3)),
    ("AdaptiveMaxPooling2D((2, 3))", (10, 9, 3)),
    ("AdaptiveAveragePooling2D(3, data_format='channels_first')", (3, 10, 9)),
    ("AdaptiveAveragePooling3D(2)", (4, 6, 8, 2)),
    ("AdaptiveMaxPooling3D((1, 2, 3))", (4, 6, 8, 2)),
    ("MaxPooling1D(20)", (10, 3)),
    # reshaping
    ("Reshape((6, 5))", (10, 3)),
    ("Reshape((-1, 5))", (10, 3)),
    ("Reshape((7, 5))", (10, 3)),
    ("Permute((2, 1))", (10, 3)),
    ("Permute((3, 1, 2))", (4, 5, 6)),
    ("Cropping1D((2, 3))", (10, 3)),
    ("Cropping1D(5)", (10, 3)),
    ("Cropping2D(((1, 2), (0, 3)))", (10, 9, 3)),
    ("Cropping2D(1, data_format='channels_first')", (3, 10, 9)),
    ("Cropping3D()", (4, 6, 8, 2)),
    ("ZeroPadding1D((1, 2))", (10, 3)),
    ("ZeroPadding2D((1, 2))", (10, 9, 3)),
    ("ZeroPadding2D(((1, 2), (3, 4)))", (10, 9, 3)),
    ("ZeroPadding3D(1)", (4, 6, 8, 2)),
    ("UpSampling1D(3)", (10, 3)),
    ("UpSampling2D((2, 3))", (5, 4, 3)),
    ("UpSampling2D(2, data_format='channels_first', interpolation='bilinear')", (3, 5, 4)),
    ("UpSampling3D()", (2, 3, 4, 2)),
    ("Flatten(); RepeatVector(3)", (4, 5)),
    # activations
    ("Activation('relu'); ReLU(max_value=6.0); LeakyReLU(0.2); ELU(); Softmax(axis=1)", (5, 3)),
    ("PReLU()", (5, 4)),
    ("PReLU(shared_axes=[1])", (5, 4)),
    ("PReLU(shared_axes=[1, 2])", (5, 4, 3)),
    ("PReLU()", (None, 4)),                                                  # alpha needs every axis
    ("ReLU(max_value=-1.0)", (5, 3)),
    # normalization
    ("BatchNormalization(renorm=True)", (5, 4)),
    ("BatchNormalization(axis=1, trainable=False)", (5, 4)),
    ("LayerNormalization(axis=[1, 2])", (5, 4)),
    ("LayerNormalization(axis=(1, 2), center=False)", (5, 4)),
    ("GroupNormalization(groups=2)", (5, 4)),
    ("GroupNormalization(groups=-1, center=False)", (5, 4)),
    ("GroupNormalization(groups=2, axis=1)", (4, 6)),
    ("GroupNormalization(groups=3)", (5, 4)),
    ("UnitNormalization(); RMSNormalization()", (5, 4)),
    ("RMSNormalization(axis=[1, 2])", (5, 4)),
    ("SpectralNormalization(Dense(3))", (5, 4)),
    ("SpectralNormalization(Conv2D(3, 2))", (5, 4, 2)),
    ("SpectralNormalization(Embedding(10, 3))", (5,)),
    ("SpectralNormalization(Dense(3, use_bias=False), power_iterations=2)", (4,)),
    # regularization, core
    ("Masking(0.5); SpatialDropout1D(0.3); GaussianNoise(0.1); GaussianDropout(0.2); AlphaDropout(0.2); "
     "ActivityRegularization(l1=0.1)", (5, 3)),
    ("SpatialDropout2D(0.3, data_format='channels_first')", (3, 5, 4)),
    ("SpatialDropout3D(0.3)", (3, 5, 4, 2)),
    ("SpatialDropout1D(1.5)", (5, 3)),
    ("EinsumDense('ab,bc->ac', output_shape=4, bias_axes='c')", (3,)),
    ("EinsumDense('abc,cd->abd', output_shape=(None, 4), bias_axes='d')", (5, 3)),
    ("EinsumDense('abc,cde->abde', output_shape=(None, 2, 4), bias_axes='de')", (5, 3)),
    ("EinsumDense('...b,bc->...c', output_shape=4)", (5, 6, 3)),
    ("EinsumDense('ab...,bc->ac...', output_shape=4)", (3, 5)),
    ("EinsumDense('abc,cd->abd', output_shape=(7, 4))", (5, 3)),
    ("Identity(); Lambda(lambda x: x * 2, output_shape=(5, 3)); Dense(2)", (5, 3)),
    ("ReversibleEmbedding(10, 3, tie_weights=False)", (5,)),
    ("ReversibleEmbedding(10, 3); Flatten()", (5,)),
    # recurrent
    ("ConvLSTM1D(4, 3)", (6, 10, 2)),
    ("ConvLSTM1D(4, 3, return_sequences=True, padding='same', strides=2)", (6, 10, 2)),
    ("ConvLSTM2D(4, (3, 2), data_format='channels_first', dilation_rate=2)", (6, 2, 10, 9)),
    ("ConvLSTM2D(2, 3, use_bias=False, return_sequences=True); ConvLSTM2D(3, 1)", (3, 6, 5, 2)),
    ("ConvLSTM3D(4, 3)", (4, 5, 5, 5, 2)),
    ("ConvLSTM2D(4, 3, strides=2, dilation_rate=2)", (6, 10, 9, 2)),
    ("RNN(LSTMCell(4))", (6, 3)),
    ("RNN(LSTMCell(4), return_sequences=True); RNN(GRUCell(3))", (6, 3)),
    ("RNN(GRUCell(4, reset_after=False))", (6, 3)),
    ("RNN(SimpleRNNCell(4, use_bias=False))", (6, 3)),
    ("RNN(StackedRNNCells([LSTMCell(4), GRUCell(5)]))", (6, 3)),
    ("RNN(StackedRNNCells([LSTMCell(4), LSTMCell(5), SimpleRNNCell(2)]), return_sequences=True)", (6, 3)),
    ("Bidirectional(RNN(LSTMCell(4))); Dense(2)", (6, 3)),
    ("TimeDistributed(Conv2D(4, 3)); TimeDistributed(MaxPooling2D()); TimeDistributed(Flatten())", (6, 8, 8, 2)),
    ("MultiHeadAttention(2, 4)", (5, 3)),                                     # a Sequential cannot call it
    # preprocessing
    ("Normalization()", (5, 4)),
    ("Normalization(axis=None)", (5, 4)),
    ("Normalization(axis=(1, 2))", (5, 4)),
    ("Normalization(mean=2.0, variance=1.0)", (5, 4)),
    ("Rescaling(0.5); Resizing(4, 5); CenterCrop(3, 3); RandomCrop(2, 2)", (8, 8, 3)),
    ("RandomFlip(); RandomRotation(0.1); RandomZoom(0.1); RandomTranslation(0.1, 0.1); RandomContrast(0.1); "
     "RandomBrightness(0.1)", (8, 8, 3)),
    ("AutoContrast(); Solarization(); RandomGrayscale(); RandomHue(0.1); RandomSaturation(0.1); "
     "RandomSharpness(0.1); RandomShear(0.1); RandomPosterization(4); RandomInvert(); RandomErasing()", (8, 8, 3)),
    ("RandomGaussianBlur(); RandomPerspective(); RandomElasticTransform(); RandomColorDegeneration(0.1); "
     "RandomColorJitter(); AugMix(); CutMix(); MixUp(); RandAugment(); MaxNumBoundingBoxes(3)", (8, 8, 3)),
    ("ContrastLimitedAdaptiveHistogramEqualization()", (8, 8, 3)),
    ("CategoryEncoding(num_tokens=4)", (3,)),
    ("CategoryEncoding(num_tokens=4, output_mode='one_hot')", (1,)),
    ("Discretization(bin_boundaries=[0.0, 1.0])", (5,)),
    ("MelSpectrogram(fft_length=256, sequence_stride=128, num_mel_bins=40)", (1600,)),
    ("STFTSpectrogram()", (1600, 1)),
    ("STFTSpectrogram(frame_length=64, frame_step=32, fft_length=64, mode='real')", (1600, 2)),
    ("STFTSpectrogram(frame_length=64, expand_dims=True, mode='stft')", (1600, 2)),
    ("STFTSpectrogram(frame_length=64, frame_step=100)", (1600, 1)),
]
ACCEPTED_WHERE_KERAS_REFUSES = {"MultiHeadAttention(2, 4)"}
"""In a chain an attention layer attends over its input (rnnparams' documented reading; a Sequential of Keras
cannot call it): checked by the functional cases below."""


@pytest.mark.parametrize(("expr", "shape"), [c for c in SEQUENTIAL if c[0] not in ACCEPTED_WHERE_KERAS_REFUSES])
def test_sequential(expr: str, shape: tuple[int | None, ...]) -> None:
    sequential_case(expr, shape)


HEADER = "import keras\nfrom keras import layers\n"
FUNCTIONAL = {
    "merging": """
a = keras.Input((6, 4))
b = keras.Input((6, 3))
c = keras.Input((1, 4))
x = layers.Concatenate()([a, b])
y = layers.Add()([a, c])
z = layers.Subtract()([layers.Dense(4)(x), y])
m = layers.maximum([layers.Multiply()([z, a]), layers.Average()([z, c]), layers.Minimum()([a, a])])
d = layers.Dot(axes=(2, 2))([m, b]) if False else layers.Dot(axes=2)([m, a])
model = keras.Model([a, b, c], layers.Dense(2)(layers.concatenate([layers.Flatten()(d), layers.Flatten()(m)], axis=1)))
""",
    "dot-normalize": """
a = keras.Input((5,))
b = keras.Input((5,))
model = keras.Model([a, b], layers.Dot(axes=1, normalize=True)([a, b]))
""",
    "subtract-three": """
a = keras.Input((5,))
model = keras.Model(a, layers.Subtract()([a, a, a]))
""",
    "concatenate-mismatch": """
a = keras.Input((5, 3))
b = keras.Input((4, 3))
model = keras.Model([a, b], layers.Concatenate()([a, b]))
""",
    "mha-cross": """
q = keras.Input((5, 3))
v = keras.Input((8, 9))
k = keras.Input((8, 10))
out = layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=6, output_shape=7)(q, v, k)
model = keras.Model([q, v, k], out)
""",
    "mha-self-gated-scores": """
x = keras.Input((5, 6))
out, scores = layers.MultiHeadAttention(3, 2, use_gate=True, use_bias=False)(x, x, return_attention_scores=True)
model = keras.Model(x, [out, scores])
""",
    "mha-4d-output-shape": """
x = keras.Input((4, 5, 6))
model = keras.Model(x, layers.MultiHeadAttention(2, 3, output_shape=(2, 3), attention_axes=(2,))(x, x))
""",
    "gqa": """
x = keras.Input((5, 8))
k = keras.Input((5, 3))
out = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(x, x, k)
model = keras.Model([x, k], out)
""",
    "gqa-key-steps": """
x = keras.Input((5, 8))
k = keras.Input((7, 3))
model = keras.Model([x, k], layers.GroupQueryAttention(4, 4, 2)(x, x, k))
""",
    "gqa-gated": """
x = keras.Input((5, 8))
model = keras.Model(x, layers.GroupQueryAttention(2, 6, 3, use_gate=True, use_bias=False)(x, x))
""",
    "attention": """
q = keras.Input((5, 3))
v = keras.Input((8, 3))
k = keras.Input((8, 3))
a = layers.Attention(use_scale=True, score_mode="concat")([q, v, k])
b = layers.AdditiveAttention()([q, v])
c = layers.Attention()([q, v])
model = keras.Model([q, v, k], layers.concatenate([a, b, c]))
""",
    "additive-no-scale-scores": """
q = keras.Input((5, 3))
v = keras.Input((8, 3))
out, scores = layers.AdditiveAttention(use_scale=False)([q, v], return_attention_scores=True)
model = keras.Model([q, v], [out, scores])
""",
    "seq2seq-attention": """
src = keras.Input((None,), dtype="int32")
tgt = keras.Input((None,), dtype="int32")
enc = layers.Embedding(50, 8)(src)
enc_out, h, c = layers.LSTM(6, return_sequences=True, return_state=True)(enc)
dec = layers.LSTM(6, return_sequences=True)(layers.Embedding(40, 8)(tgt), initial_state=[h, c])
ctx = layers.Attention()([dec, enc_out])
model = keras.Model([src, tgt], layers.Dense(40)(layers.Concatenate()([dec, ctx])))
""",
    "lambda-followed": """
x = keras.Input((6, 4))
y = layers.Lambda(lambda t: t[:, -1, :])(layers.GRU(5, return_sequences=True)(x))
model = keras.Model(x, layers.Dense(2)(y))
""",
    "conv-lstm-states": """
x = keras.Input((4, 6, 6, 2))
out, h, c = layers.ConvLSTM2D(3, 3, return_state=True)(x)
model = keras.Model(x, layers.Add()([out, h, c]))
""",
}


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional(name: str) -> None:
    code_case(HEADER + FUNCTIONAL[name])


def test_every_modelled_class_has_a_case() -> None:
    """Each class of the Keras table (Keras 2's CuDNN layers aside: their own suite checks them by hand) is
    in a table case here or in the older suites' (test_keras_core_oracle, test_conv2d_oracle)."""
    text = " ".join(e for e, _ in SEQUENTIAL) + " ".join(FUNCTIONAL.values())
    older = {"SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed", "Dense", "Embedding", "Conv1D", "Conv2D",
             "BatchNormalization", "LayerNormalization", "Dropout", "Flatten", "GlobalAveragePooling1D",
             "GlobalMaxPooling1D", "RepeatVector"}
    import re

    named = set(re.findall(r"\b([A-Z][A-Za-z0-9]+)\(", text)) | {n.capitalize() for n in re.findall(
        r"layers\.([a-z]+)\(", text)}
    elsewhere = {"MinGRU"}  # mingru-keras' layer: tests/oracle/test_mingru_keras_oracle.py runs the package's own
    missing = set(FRAMEWORKS["keras"].layers) - older - named - elsewhere
    assert missing == NOT_RUNNABLE, sorted(missing)


NOT_RUNNABLE = {"Hashing", "HashedCrossing", "IntegerLookup", "StringLookup", "TextVectorization", "Equalization"}
"""Layers keras 3.15 cannot run on the torch backend: the lookups and hashing need TensorFlow, Equalization fails
to build a graph ("part of a cycle"). Their conventions are checked by hand in
tests/conventions/test_keras_layers.py."""
