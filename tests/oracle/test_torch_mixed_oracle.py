"""Hypothesis-generated mixed models against real torch 2.13: a convolutional or embedding front-end, then
normalization, activation, pooling and dropout, a recurrent layer, attention or a transformer layer, and a head,
as one nn.Sequential-like chain (reshapes in a module's forward are not layers, so the chain moves from images to
sequences with Flatten and reads the channels as time). Each model: totals, per-layer tensors (names, shapes,
trainable) and buffers, and every output shape from a real forward pass; where torch refuses, rnnparams must
too. 300 models per run (test_mixed_chains) plus 100 convolution-only stacks (test_convolution_stacks)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_chain import compare

pytestmark = pytest.mark.oracle

ACTIVATIONS = ("nn.ReLU()", "nn.GELU()", "nn.SiLU()", "nn.Tanh()", "nn.LeakyReLU(0.1)", "nn.ELU()", "nn.Hardswish()",
               "nn.Mish()", "nn.Softsign()", "nn.Identity()")


def conv_side(n: int, k: int, s: int, p: int, d: int = 1) -> int:
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _activation(data: st.DataObject, channels: int) -> str:
    if data.draw(st.integers(0, 9)) == 0:
        return f"nn.PReLU({data.draw(st.sampled_from([1, channels]))})"
    return data.draw(st.sampled_from(ACTIVATIONS))


def image_front(data: st.DataObject) -> tuple[list[str], tuple[int, ...], int, int]:
    """Conv2d blocks on (C, H, W); returns the layers, the input shape, and the channels and H·W at the end."""
    c = data.draw(st.integers(1, 3))
    h, w = data.draw(st.integers(6, 14)), data.draw(st.integers(6, 14))
    shape = (c, h, w)
    layers: list[str] = []
    for _ in range(data.draw(st.integers(1, 2))):
        groups = data.draw(st.sampled_from([1, 1, c])) if c > 1 else 1
        o = groups * data.draw(st.integers(1, 4))
        k, s = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
        p = data.draw(st.integers(0, k // 2))
        layers.append(f"nn.Conv2d({c}, {o}, {k}, stride={s}, padding={p}, groups={groups}, "
                      f"bias={data.draw(st.booleans())})")
        h, w, c = conv_side(h, k, s, p), conv_side(w, k, s, p), o
        norm = data.draw(st.sampled_from(["", "bn", "gn", "in"]))
        if norm == "bn":
            layers.append(f"nn.BatchNorm2d({c}, affine={data.draw(st.booleans())})")
        elif norm == "gn":
            layers.append(f"nn.GroupNorm({data.draw(st.sampled_from([g for g in (1, 2, 4) if c % g == 0]))}, {c})")
        elif norm == "in":
            layers.append(f"nn.InstanceNorm2d({c}, affine={data.draw(st.booleans())}, "
                          f"track_running_stats={data.draw(st.booleans())})")
        layers.append(_activation(data, c))
        pool = data.draw(st.sampled_from(["", "max", "avg", "adaptive"]))
        if pool == "max" and min(h, w) >= 2:
            layers.append("nn.MaxPool2d(2, ceil_mode=True)")
            h, w = -(-h // 2), -(-w // 2)
        elif pool == "avg" and min(h, w) >= 2:
            layers.append("nn.AvgPool2d(2)")
            h, w = h // 2, w // 2
        elif pool == "adaptive":
            h = data.draw(st.integers(1, 3))
            layers.append(f"nn.AdaptiveAvgPool2d(({h}, None))")
        if data.draw(st.booleans()):
            layers.append(f"nn.Dropout2d({data.draw(st.sampled_from([0.0, 0.2]))})")
    layers.append("nn.Flatten(2)")  # (N, C, H·W): the channels become the sequence
    return layers, shape, c, h * w


def signal_front(data: st.DataObject) -> tuple[list[str], tuple[int, ...], int, int]:
    """Conv1d blocks on (C, L): the channels at the end are the sequence, L the features."""
    c, length = data.draw(st.integers(1, 4)), data.draw(st.integers(6, 20))
    shape = (c, length)
    layers: list[str] = []
    for _ in range(data.draw(st.integers(1, 2))):
        o, k = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 4))
        d = data.draw(st.integers(1, 2))
        same = data.draw(st.booleans())
        padding = "'same'" if same else 0
        layers.append(f"nn.Conv1d({c}, {o}, {k}, dilation={d}, padding={padding})")
        length, c = length if same else conv_side(length, k, 1, 0, d), o
        norm = data.draw(st.sampled_from(["", "bn", "in", "ln"]))
        if norm == "bn":
            layers.append(f"nn.BatchNorm1d({c})")
        elif norm == "in":
            layers.append(f"nn.InstanceNorm1d({c}, affine=True)")
        elif norm == "ln":
            layers.append(f"nn.LayerNorm({length})")
        layers.append(_activation(data, c))
        if data.draw(st.booleans()) and length >= 2:
            kind = data.draw(st.sampled_from(["MaxPool1d", "AvgPool1d", "LPPool1d"]))
            layers.append(f"nn.{kind}(2)" if kind != "LPPool1d" else "nn.LPPool1d(2, 2)")
            length //= 2
    return layers, shape, c, length


def token_front(data: st.DataObject) -> tuple[list[str], tuple[int, ...], int, int]:
    t, e = data.draw(st.integers(2, 8)), 4 * data.draw(st.integers(1, 4))
    return [f"nn.Embedding({data.draw(st.integers(5, 40))}, {e})"], (t,), t, e


def sequence_back(data: st.DataObject, features: int) -> list[str]:
    """A recurrent layer, attention or a transformer layer (batch first), and a head."""
    layers: list[str] = []
    width = features
    if data.draw(st.booleans()):
        kind = data.draw(st.sampled_from(["LSTM", "GRU", "RNN"]))
        hidden = data.draw(st.integers(2, 12))
        bidi = data.draw(st.booleans())
        proj = data.draw(st.integers(0, hidden - 1)) if kind == "LSTM" and data.draw(st.booleans()) else 0
        extra = f", proj_size={proj}" if proj else ""
        layers.append(f"nn.{kind}({width}, {hidden}, num_layers={data.draw(st.integers(1, 2))}, batch_first=True, "
                      f"bidirectional={bidi}{extra})")
        width = (proj or hidden) * (2 if bidi else 1)
    heads = data.draw(st.sampled_from([h for h in (1, 2, 4) if width % h == 0]))
    block = data.draw(st.sampled_from(["", "mha", "encoder", "decoder", "stack"]))
    if block == "mha":
        layers.append(f"nn.MultiheadAttention({width}, {heads}, batch_first=True, "
                      f"add_bias_kv={data.draw(st.booleans())}, bias={data.draw(st.booleans())})")
    elif block in ("encoder", "decoder"):
        kind = "Encoder" if block == "encoder" else "Decoder"
        activation = data.draw(st.sampled_from(["relu", "gelu"]))
        layers.append(f"nn.Transformer{kind}Layer({width}, {heads}, {data.draw(st.integers(2, 16))}, batch_first=True, "
                      f"norm_first={data.draw(st.booleans())}, activation='{activation}')")
    elif block == "stack":
        layers.append(f"nn.TransformerEncoder(nn.TransformerEncoderLayer({width}, {heads}, 8, batch_first=True), "
                      f"{data.draw(st.integers(1, 2))}, norm=nn.LayerNorm({width}))")
    head = data.draw(st.sampled_from(["linear", "norm-linear", "rms", "glu"]))
    if head == "norm-linear":
        layers.append(f"nn.LayerNorm({width})")
    elif head == "rms":
        layers.append(f"nn.RMSNorm({width})")
    elif head == "glu" and width % 2 == 0:
        layers.append("nn.GLU()")
        width //= 2
    layers.append(f"nn.Linear({width}, {data.draw(st.integers(1, 5))})")
    if data.draw(st.booleans()):
        layers.append(data.draw(st.sampled_from(["nn.LogSoftmax(dim=-1)", "nn.Softmax(dim=-1)", "nn.Dropout(0.1)"])))
    return layers


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mixed_chains(data: st.DataObject) -> None:
    front = data.draw(st.sampled_from([image_front, signal_front, token_front]))
    layers, shape, _sequence, features = front(data)
    layers += sequence_back(data, features)
    compare("; ".join(layers), shape)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_convolution_stacks(data: st.DataObject) -> None:
    """Conv3d, transposed convolutions, padding and upsampling one after the other, on small volumes."""
    dims = data.draw(st.sampled_from([1, 2, 3]))
    c = data.draw(st.integers(1, 3))
    shape = (c, *(data.draw(st.integers(2, 6)) for _ in range(dims)))
    layers = []
    for _ in range(data.draw(st.integers(1, 3))):
        o = data.draw(st.integers(1, 4))
        kind = data.draw(st.sampled_from(["conv", "transposed", "pad", "upsample"]))
        k, s = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
        if kind == "conv":
            layers.append(f"nn.Conv{dims}d({c}, {o}, {k}, stride={s}, padding={data.draw(st.integers(0, 1))})")
            c = o
        elif kind == "transposed":
            q = data.draw(st.integers(0, s - 1))
            layers.append(f"nn.ConvTranspose{dims}d({c}, {o}, {k}, stride={s}, output_padding={q}, "
                          f"padding={data.draw(st.integers(0, 1))})")
            c = o
        elif kind == "pad":
            mode = data.draw(st.sampled_from(["Zero", "Replication", "Reflection", "Circular"]))
            layers.append(f"nn.{mode}Pad{dims}d({data.draw(st.integers(0, 2))})")
        else:
            layers.append(f"nn.Upsample(scale_factor={data.draw(st.sampled_from([1, 2]))})")
    compare("; ".join(layers), shape)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_single_layers(data: st.DataObject) -> None:
    """One pooling, padding, normalization or attention layer with random arguments on a random input, valid or
    not: where torch refuses, rnnparams must too (pad above half the kernel, windows larger than the input,
    channels that do not match, heads that do not divide the embedding...)."""
    dims = data.draw(st.sampled_from([1, 2, 3]))
    c = data.draw(st.integers(1, 4))
    shape = (c, *(data.draw(st.integers(1, 7)) for _ in range(dims)))
    k, s, p, d = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2)),
                  data.draw(st.integers(1, 2)))
    ceil = data.draw(st.booleans())
    kind = data.draw(st.sampled_from(["max", "avg", "lp", "adaptive", "pad", "bn", "in", "gn", "mha", "unpool"]))
    if kind == "max":
        expr = f"nn.MaxPool{dims}d({k}, {s}, {p}, dilation={d}, ceil_mode={ceil})"
    elif kind == "avg":
        expr = f"nn.AvgPool{dims}d({k}, {s}, {p}, ceil_mode={ceil}, count_include_pad={data.draw(st.booleans())})"
    elif kind == "lp":
        expr = f"nn.LPPool{dims}d(2, {k}, {s}, ceil_mode={ceil})"
    elif kind == "adaptive":
        expr = f"nn.Adaptive{data.draw(st.sampled_from(['Avg', 'Max']))}Pool{dims}d({data.draw(st.integers(1, 4))})"
    elif kind == "pad":
        expr = f"nn.{data.draw(st.sampled_from(['Zero', 'Reflection', 'Replication', 'Circular']))}Pad{dims}d({p})"
    elif kind == "bn":
        expr = f"nn.BatchNorm{dims}d({data.draw(st.integers(1, 4))})"
    elif kind == "in":
        expr = f"nn.InstanceNorm{dims}d({data.draw(st.integers(1, 4))}, affine={data.draw(st.booleans())})"
    elif kind == "gn":
        expr = f"nn.GroupNorm({data.draw(st.integers(1, 4))}, {c})"
    elif kind == "unpool":
        expr = f"nn.MaxUnpool{dims}d({k}, {s}, {min(p, k // 2)})"
    else:
        e = data.draw(st.integers(1, 8))
        expr = f"nn.MultiheadAttention({e}, {data.draw(st.integers(1, 4))}, batch_first=True)"
        shape = (data.draw(st.integers(1, 5)), e if data.draw(st.integers(0, 4)) else e + 1)
    compare(expr, shape)


@pytest.mark.parametrize("expr, shape", [
    ("nn.ConvTranspose1d(1, 1, 1, padding=1)", (1, 2)),  # (2 - 1) - 2 + 1 = 0: an empty output
    ("nn.ConvTranspose2d(1, 1, 1, padding=1)", (1, 2, 2)),
    ("nn.ConvTranspose3d(1, 1, 2, padding=1)", (1, 1, 1, 1)),  # (1 - 1) - 2 + 2 = 0
    ("nn.ConvTranspose2d(1, 1, 3, padding=1)", (1, 1, 1)),  # (1 - 1) - 2 + 3 = 1: not empty, counted
])
def test_transposed_convolution_to_an_empty_output_is_refused_as_torch_does(expr: str, shape: tuple[int, ...]) -> None:
    """Found by the stacks above: torch's own kernel refuses an output side of 0 ("Output size is too small")."""
    compare(expr, shape)
