"""The code reader on the torch.nn layers of issue #17, against real torch: each snippet is read without running
it, then executed here (the test runs it, never the library) and its `named_parameters()` and `named_buffers()`
compared name by name. Also what cannot be read: backbones from other packages name their import, and
--partial counts the rest as a lower bound."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

import rnnparams
from rnnparams.errors import InputError, RnnParamsError

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.oracle


def real(code: str, name: str) -> Any:
    namespace: dict[str, Any] = {"__name__": "snippet"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "<snippet>", "exec"), namespace)  # test-side oracle only
    value = namespace[name]
    return value() if isinstance(value, type) else value


def agree(code: str, name: str, **kwargs: Any) -> rnnparams.Report:
    code = textwrap.dedent(code)
    report = rnnparams.count(code, select=name, **kwargs)
    model = real(code, name)
    if "input_shape" in kwargs:  # a forward pass gives the Lazy* modules their tensors
        with torch.no_grad():
            model(torch.zeros(2, *kwargs["input_shape"]))
    assert [(t.name, t.shape) for layer in report.layers for t in layer.tensors] == [
        (n, tuple(p.shape)) for n, p in model.named_parameters()]
    assert [(t.name, t.shape) for layer in report.layers for t in layer.buffers] == [
        (n, tuple(b.shape)) for n, b in model.named_buffers()]
    assert report.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    return report


def test_conv_blocks_built_in_a_loop() -> None:
    report = agree("""
        import torch.nn as nn

        def block(c_in, c_out, pool=True):
            layers = [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            if pool:
                layers.append(nn.MaxPool2d(2))
            return nn.Sequential(*layers)

        class VGGish(nn.Module):
            def __init__(self, channels=(1, 16, 32, 64), classes=10):
                super().__init__()
                self.features = nn.Sequential(*[block(a, b, i < 2) for i, (a, b) in
                                                enumerate(zip(channels[:-1], channels[1:]))])
                self.pool = nn.AdaptiveAvgPool2d(1)
                self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(channels[-1], classes))
        """, "VGGish")
    assert [layer.type for layer in report.layers][:4] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d"]


def test_layers_passed_as_constructor_arguments() -> None:
    agree("""
        import torch
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, conv, norm_layer=nn.BatchNorm1d, act=nn.GELU):
                super().__init__()
                self.conv = conv
                self.norm = norm_layer(conv.out_channels)
                self.act = act()

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Block(nn.Conv1d(4, 8, 3))
                self.b = Block(nn.Conv1d(8, 8, 5, groups=2), norm_layer=nn.InstanceNorm1d, act=nn.PReLU)
                layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8))
                self.attn = nn.MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True)
                self.criterion = nn.CrossEntropyLoss(weight=torch.ones(5))
                self.scales = nn.ParameterList([nn.Parameter(torch.ones(3)), torch.zeros(2, 2)])
                self.extra = nn.ParameterDict({"alpha": nn.Parameter(torch.zeros(4))})
        """, "Net")


def test_every_kind_of_module_in_one_file() -> None:
    agree("""
        import torch.nn as nn

        class Everything(nn.Module):
            def __init__(self):
                super().__init__()
                self.up = nn.ConvTranspose2d(4, 2, 4, stride=2, padding=1)
                self.conv3 = nn.Conv3d(2, 4, 3, bias=False)
                self.gn = nn.GroupNorm(2, 4)
                self.rms = nn.RMSNorm(16)
                self.bag = nn.EmbeddingBag(100, 16, mode="sum")
                self.bil = nn.Bilinear(16, 16, 4)
                self.t = nn.Transformer(16, 4, 1, 1, 32)
                self.dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, 32), 2)
                self.asm = nn.AdaptiveLogSoftmaxWithLoss(16, 50, [10, 20])
                self.pool = nn.Sequential(nn.MaxPool2d(2), nn.ZeroPad2d(1), nn.PixelShuffle(2),
                                          nn.Upsample(scale_factor=2))
        """, "Everything")


def test_a_flat_sequential_through_pooling_is_a_chain() -> None:
    code = """
        import torch.nn as nn
        net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.LazyLinear(10))
        """
    report = agree(code, "net", input_shape=(1, 10, 10))
    assert report.layers[-1].tensors[0].shape == (10, 4 * 4 * 4)
    with pytest.raises(RnnParamsError, match="infers in_features from its first input"):
        rnnparams.count(textwrap.dedent(code), select="net")


BACKBONE = """
import torch.nn as nn
import torchvision
from timm import create_model


class Classifier(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.backbone = torchvision.models.resnet18(weights=None)
        self.neck = create_model("resnet50", pretrained=False)
        self.head = nn.Linear(512, classes)
"""


def test_a_backbone_from_another_package_names_its_import() -> None:
    with pytest.raises(InputError) as err:
        rnnparams.count(BACKBONE)
    message = str(err.value)
    assert "`backbone` (torchvision.models.resnet18(weights=None), line 10)" in message
    assert "a torchvision model (imported on line 3)" in message and "--partial" in message


def test_partial_counts_a_lower_bound_and_lists_the_parts(tmp_path: Path) -> None:
    report = rnnparams.count(BACKBONE, partial=True)
    assert report.lower_bound and report.total_params == 512 * 10 + 10
    assert [(m.path, m.line) for m in report.missing] == [("backbone", 10), ("neck", 11)]
    assert "a timm model (imported on line 4)" in report.missing[1].why
    path = tmp_path / "classifier.py"
    path.write_text(BACKBONE)
    run = [sys.executable, "-m", "rnnparams", "count", str(path), "--partial"]
    table = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert table.returncode == 1 and "(a lower bound" in table.stdout and "backbone (line 10)" in table.stdout
    data = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True, timeout=120).stdout)
    assert data["lower_bound"] is True and [m["path"] for m in data["missing"]] == ["backbone", "neck"]
    assert subprocess.run(run[:-1], capture_output=True, text=True, timeout=120).returncode == 2


def test_refused_classes_say_why() -> None:
    with pytest.raises(InputError, match=r"RNNCellBase is not counted as a layer: the base class of nn\.RNNCell"):
        rnnparams.count("import torch.nn as nn\n\nm = nn.Sequential(nn.RNNCellBase(3, 4, True, 1))\n")
