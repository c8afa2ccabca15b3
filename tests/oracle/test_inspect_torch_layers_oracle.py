"""Checkpoints of the torch.nn layers of issue #17, written by real torch (safetensors and torch.save): every
tensor recognised by the conventions' naming rules (composites whole, by the names below their sub-modules),
each recognised layer proven by counting it, and the totals the file's."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import rnnparams

torch = pytest.importorskip("torch")
nn = torch.nn
pytestmark = pytest.mark.oracle


class Everything(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.bag = nn.EmbeddingBag(50, 8)
        self.conv = nn.Conv3d(2, 4, 3)
        self.up = nn.ConvTranspose2d(4, 6, 3, groups=2)
        self.deconv = nn.ConvTranspose1d(4, 4, 3, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.attn = nn.MultiheadAttention(16, 4, kdim=8, vdim=8)
        self.self_attn_only = nn.MultiheadAttention(16, 2, add_bias_kv=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32), 2, norm=nn.LayerNorm(16))
            self.t = nn.Transformer(16, 2, 1, 1, 24)
        self.dec_layer = nn.TransformerDecoderLayer(16, 2, 20, bias=False)
        self.groupnorm = nn.GroupNorm(2, 4)
        self.rms = nn.RMSNorm(16)
        self.prelu = nn.PReLU(4)
        self.bilinear = nn.Bilinear(4, 5, 3)
        self.head = nn.Linear(16, 3)


EXPECTED = {"emb": "Embedding", "bag": "EmbeddingBag", "conv": "Conv3d", "up": "ConvTranspose2d",
            "deconv": "ConvTranspose1d", "bn": "BatchNorm1d", "attn": "MultiheadAttention",
            "self_attn_only": "MultiheadAttention", "enc": "TransformerEncoder", "t": "Transformer",
            "dec_layer": "TransformerDecoderLayer", "groupnorm": "GroupNorm", "rms": "RMSNorm", "prelu": "PReLU",
            "bilinear": "Bilinear", "head": "Linear"}
"""What each is recognised as (a BatchNorm2d holds what a BatchNorm1d holds: counted as one)."""


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_every_tensor_recognised(tmp_path: Path, suffix: str) -> None:
    model = Everything()
    path = tmp_path / f"everything{suffix}"
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if suffix == ".pt":
        torch.save(state, path)
    else:
        from safetensors.torch import save_file

        save_file(state, str(path))
    ins = rnnparams.inspect(path)
    assert not ins.unrecognised
    assert {x.name: x.type for x in ins.layers} == EXPECTED
    assert ins.total_params == sum(p.numel() for p in model.parameters())
    assert ins.buffers == sum(b.numel() for b in model.buffers())
    assert any("num_heads=1" in note for note in ins.notes)
