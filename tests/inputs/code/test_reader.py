"""Models read from Python code (issue #5): constants, argparse, configs, overrides, several models per file,
PyTorch attribute paths, Keras graphs, clear errors. Nothing here imports torch or keras: expected values are
written out (the oracle suite compares the fixtures with the real frameworks)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import rnnparams
from rnnparams.analysis.report import Report
from rnnparams.errors import InputError, UsageError
from rnnparams.inputs.code.reader import FileModel, parse_overrides, read_models

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"


def models(code: str, **kw: object) -> dict[str, FileModel]:
    return {m.name: m for m in read_models(textwrap.dedent(code), source_name="model.py", **kw)}  # type: ignore[arg-type]


def count(code: str, select: str | None = None, **kw: object) -> Report:
    return rnnparams.count(textwrap.dedent(code), select=select, **kw)  # type: ignore[arg-type]


def tensors(report: Report) -> list[tuple[str, tuple[int, ...]]]:
    return [(t.name, t.shape) for layer in report.layers for t in layer.tensors]


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rnnparams", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


# --- the seeds ------------------------------------------------------------------------------------------------

def test_seed_001_four_models() -> None:
    listing = rnnparams.models_in_file(str(FIXTURES / "seeds" / "seed001_keras_simple_rnn.py"))
    totals = {m.name: m.report.total_params for m in listing.models if m.report}
    assert totals == {"model": 7, "model2": 15, "model3": 25, "model4": 37}
    model2 = next(m for m in listing.models if m.name == "model2").report
    assert model2 is not None and [layer.params for layer in model2.layers] == [12, 3]


def test_seed_002_layers() -> None:
    listing = rnnparams.models_in_file(str(FIXTURES / "seeds" / "seed002_keras_counts.py"))
    layers = {m.name: [(layer.type, layer.params) for layer in m.report.layers] for m in listing.models if m.report}
    assert layers["model"] == [("Embedding", 640_000)]
    assert layers["rnn_model"] == [("Embedding", 64_000), ("SimpleRNN", 3_104)]
    assert layers["lstm_model"] == [("LSTM", 4_457_472)]
    assert layers["conv_model"] == [("Conv1D", 28_704)]


def test_seed_003_needs_values_then_counts() -> None:
    path = str(FIXTURES / "seeds" / "seed003_torch_rnn.py")
    with pytest.raises(InputError) as err:
        rnnparams.count(path)
    assert "`vocab_size`" in str(err.value) and "--set vocab_size=VALUE" in str(err.value)
    assert err.value.line == 6
    report = rnnparams.count(path, overrides=["vocab_size=1027", "num_hiddens=256"])
    assert report.total_params == 256 * (1027 + 256 + 2) == 328_960
    assert [t.name for t in report.layers[0].tensors] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    # the seed prints torch.Size([35, 2, 256]) and torch.Size([1, 2, 256]) for X of (35, 2, 1027): batch 2 is free here
    shaped = rnnparams.count(path, input_shape="35,1027", overrides=["vocab_size=1027", "num_hiddens=256"])
    assert shaped.layers[0].output_shape == (35, None, 256)
    assert shaped.layers[0].state_shapes["h_n"] == (1, None, 256)


def pasted_seed_001() -> str:
    """Seed 001's code as the question shows it: no imports, four models, summary() calls."""
    text = (FIXTURES / "seeds" / "seed001_keras_simple_rnn.py").read_text()
    return "\n".join(line for line in text.splitlines() if not line.startswith(("#", "from ")))


def test_pasted_code_without_imports_is_code() -> None:
    code = pasted_seed_001()
    with pytest.raises(UsageError, match=r"4 models \(model, model2, model3, model4\)"):
        rnnparams.count(code)
    assert [rnnparams.count(code, select=f"model{i}" if i > 1 else "model").total_params
            for i in (1, 2, 3, 4)] == [7, 15, 25, 37]
    listing = rnnparams.models_in_file(code)
    assert listing.source == "<code>" and [m.name for m in listing.models] == ["model", "model2", "model3", "model4"]


@pytest.mark.parametrize("text, is_code", [
    ("nn.Linear(3, 4); nn.Linear(4, 5)", False),       # the expression syntax: ';' chains layers
    ("nn.Linear(3, 4)\nnn.Linear(4, 5)", False),       # one layer per line is still a chain
    ("Sequential([\n  SimpleRNN(2, input_shape=[50, 3]),\n  Dense(1)\n])", False),
    ("model = Sequential([SimpleRNN(2, input_shape=[50, 3]), Dense(1)])", False),
    ("model = Sequential([SimpleRNN(2)])\nmodel.summary()", True),
    ("rnn = nn.LSTM(10, 20)\nfc = nn.Linear(20, 2)", True),
    ("import torch.nn as nn\nnn.LSTM(10, 20)", True),
    ("for i in range(3):\n    pass", True),
    ("nn.LSTM(10, 20", False),                          # a syntax error is the expression parser's to report
])
def test_what_reads_as_code(text: str, is_code: bool) -> None:
    assert rnnparams.api.is_code(text) is is_code


def test_model_and_set_need_code() -> None:
    for kw in ({"select": "rnn"}, {"overrides": ["hidden=3"]}):
        with pytest.raises(UsageError, match="apply to model code"):
            rnnparams.count("nn.LSTM(100, 256)", **kw)  # type: ignore[arg-type]
    assert rnnparams.count("rnn = nn.LSTM(100, 256)", select="rnn").total_params == 4 * 256 * (100 + 256 + 2)


def test_count_reads_stdin() -> None:
    out = subprocess.run([sys.executable, "-m", "rnnparams", "count", "-"], input=pasted_seed_001(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [line.split()[0] for line in out.stdout.splitlines() if line.startswith("model")] == \
        ["model", "model2", "model3", "model4"]
    out = subprocess.run([sys.executable, "-m", "rnnparams", "count", "-", "-m", "model3", "--json"],
                         input=pasted_seed_001(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and json.loads(out.stdout)["total_params"] == 25
    out = subprocess.run([sys.executable, "-m", "rnnparams", "count", "-"], input="nn.GRU(10, 20)\n",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "Total params: 1,920" in out.stdout  # 3 x 20 x (10 + 20 + 2)


def test_a_module_level_sequential_is_a_chain_that_takes_the_input_shape() -> None:
    code = """
        import torch.nn as nn
        m = nn.Sequential(nn.Embedding(100, 8), nn.Dropout(0.1), nn.GRU(8, 16, batch_first=True), nn.ReLU())
        flat = nn.Sequential(nn.Linear(4, 4), nn.Flatten(), nn.Linear(8, 2))
        """
    report = count(code, select="m", input_shape="35")
    assert [(layer.name, layer.input_shape, layer.output_shape) for layer in report.layers] == [
        ("0", (None, 35), (None, 35, 8)), ("1", (None, 35, 8), (None, 35, 8)), ("2", (None, 35, 8), (None, 35, 16)),
        ("3", (None, 35, 16), (None, 35, 16))]
    assert [t.name for t in report.layers[0].tensors] == ["0.weight"]
    # Flatten is a layer of the conventions: the chain follows the shape it gives
    assert [layer.input_shape for layer in count(code, select="flat", input_shape="2,4").layers] == [
        (None, 2, 4), (None, 2, 4), (None, 8)]


# --- constants ------------------------------------------------------------------------------------------------

def test_constants_defaults_and_arithmetic() -> None:
    report = count("""
        import torch.nn as nn
        EMB = 32
        HIDDEN = EMB * 4 + 2 ** 3

        class Net(nn.Module):
            def __init__(self, vocab=1000, hidden=HIDDEN, layers=2 // 1):
                super().__init__()
                self.emb = nn.Embedding(vocab, EMB)
                self.rnn = nn.GRU(EMB, hidden, num_layers=layers, bidirectional=True)
                self.out = nn.Linear(hidden * 2, vocab)

        net = Net(vocab=500)
        """)
    assert tensors(report)[:2] == [("emb.weight", (500, 32)), ("rnn.weight_ih_l0", (408, 32))]
    assert report.layers[-1].tensors[0].shape == (500, 272)


def test_config_dict_dataclass_namespace_and_class_attributes() -> None:
    report = count("""
        from dataclasses import dataclass, field
        from types import SimpleNamespace
        import torch.nn as nn

        config = {"model": {"hidden": 64, "layers": 2}, "vocab": 100}

        @dataclass
        class Options:
            emb: int = 16
            dropout: float = 0.1
            sizes: list = field(default_factory=lambda: [3, 4])

        class Paths:
            n_classes = 5

        ns = SimpleNamespace(extra=7)
        opts = Options(emb=24)

        class Net(nn.Module):
            def __init__(self, cfg, opts):
                super().__init__()
                self.emb = nn.Embedding(cfg["vocab"], opts.emb)
                self.rnn = nn.LSTM(opts.emb, cfg["model"]["hidden"], cfg["model"].get("layers", 1))
                self.out = nn.Linear(cfg["model"]["hidden"] + ns.extra + sum(opts.sizes), Paths.n_classes)

        net = Net(config, opts)
        """)
    assert tensors(report)[0] == ("emb.weight", (100, 24))
    assert report.layers[1].plan.bindings["L"] == 2
    assert report.layers[2].tensors[0].shape == (5, 64 + 7 + 7)


def test_argparse_defaults() -> None:
    code = """
        import argparse
        import torch.nn as nn
        parser = argparse.ArgumentParser()
        parser.add_argument('--hidden-size', type=int, default='256')
        parser.add_argument('--model', default='GRU', choices=['LSTM', 'GRU'])
        group = parser.add_argument_group('model')
        group.add_argument('--layers', '-l', type=int, default=2)
        parser.add_argument('--no-bidirectional', dest='bidirectional', action='store_false')
        parser.add_argument('--tied', action='store_true')
        args = parser.parse_args()
        rnn = getattr(nn, args.model)(10, args.hidden_size, args.layers, bidirectional=args.bidirectional)
        """
    report = count(code)
    assert report.layers[0].type == "GRU" and report.layers[0].plan.bindings == {"I": 10, "H": 256, "D": 2, "L": 2}
    report = count(code, overrides=["args.model=LSTM", "args.bidirectional=False", "args.hidden_size=8"])
    assert report.layers[0].type == "LSTM" and report.total_params == 4 * 8 * (10 + 8 + 2) + 4 * 8 * (8 + 8 + 2)


def test_required_argparse_option_is_named() -> None:
    with pytest.raises(InputError) as err:
        count("""
            import argparse, torch.nn as nn
            p = argparse.ArgumentParser()
            p.add_argument('--hidden', type=int, required=True)
            args = p.parse_args()
            rnn = nn.LSTM(10, args.hidden)
            """)
    message = str(err.value)
    assert "cannot resolve `args.hidden`" in message and "--hidden" in message
    assert "--set args.hidden=VALUE" in message and err.value.line == 6


def test_overrides_apply_to_constants_defaults_and_expressions_not_passed_arguments() -> None:
    code = """
        import torch.nn as nn
        from data import Corpus
        corpus = Corpus('wiki')
        ntokens = len(corpus.dictionary)

        class Block(nn.Module):
            def __init__(self, hidden, width=4):
                super().__init__()
                self.fc = nn.Linear(hidden, width)

        class Net(nn.Module):
            def __init__(self, hidden=8):
                super().__init__()
                self.emb = nn.Embedding(ntokens, hidden)
                self.block = Block(2)

        net = Net()
        """
    with pytest.raises(InputError) as err:
        count(code)
    assert "--set len(corpus.dictionary)=VALUE" in str(err.value)
    report = count(code, overrides={"len(corpus.dictionary)": 50, "hidden": 16})
    # `hidden` is Net's default (overridden) but Block's passed argument (kept: Block(2))
    assert tensors(report) == [("emb.weight", (50, 16)), ("block.fc.weight", (4, 2)), ("block.fc.bias", (4,))]
    assert count(code, overrides=["ntokens=7"]).layers[0].tensors[0].shape == (7, 8)


def test_unused_override_is_an_error() -> None:
    with pytest.raises(UsageError, match="never reads a value named `hiden`"):
        count("import torch.nn as nn\nrnn = nn.LSTM(3, 4)\n", overrides=["hiden=3"])


def test_parse_overrides() -> None:
    assert parse_overrides(["a=1", "b.c=(2, 3)", "d=lstm", "len(x)=5", "f=True", "g=0.5"]) == {
        "a": 1, "b.c": (2, 3), "d": "lstm", "len(x)": 5, "f": True, "g": 0.5}
    with pytest.raises(UsageError):
        parse_overrides(["novalue"])
    with pytest.raises(UsageError):
        parse_overrides(["1x=3"])


def test_imported_constant_names_its_module() -> None:
    with pytest.raises(InputError) as err:
        count("from settings import HIDDEN\nimport torch.nn as nn\nrnn = nn.GRU(3, HIDDEN)\n")
    assert "settings.HIDDEN" in str(err.value) and "--set HIDDEN=VALUE" in str(err.value)


def test_unknown_condition_matters_only_when_a_model_depends_on_it() -> None:
    code = """
        import os, torch, torch.nn as nn
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if os.environ.get('DEBUG'):
            verbose = True
        cell = os.environ['CELL']

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(10, 4)
                if cell == 'lstm':
                    self.rnn = nn.LSTM(4, 8)
                else:
                    self.rnn = nn.GRU(4, 8)
        net = Net()
        """
    with pytest.raises(InputError) as err:
        count(code)
    message = str(err.value)
    assert "`rnn` (self.rnn, line 15) cannot be known" in message and "line 12" in message
    assert "cell == 'lstm'" in message and "--set cell=VALUE" in message
    assert count(code, overrides=["cell=gru"]).layers[1].type == "GRU"


def test_loops_and_comprehensions_build_layers() -> None:
    report = count("""
        import torch.nn as nn
        sizes = [16, 32, 64]

        class Stack(nn.Module):
            def __init__(self, n_layers=3):
                super().__init__()
                self.cells = nn.ModuleList([nn.GRUCell(sizes[i - 1] if i else 8, sizes[i]) for i in range(n_layers)])
                self.heads = nn.ModuleDict({name: nn.Linear(64, k) for name, k in [('tag', 5), ('ner', 9)]})
                blocks = []
                for i in range(2):
                    blocks.append(nn.Linear(64, 64))
                    blocks.append(nn.ReLU())
                self.mlp = nn.Sequential(*blocks)
                self.extra = nn.ModuleList()
                self.extra += [nn.Linear(2, 2)]
        stack = Stack()
        """)
    names = [layer.name for layer in report.layers]
    assert names == ["cells.0", "cells.1", "cells.2", "heads.tag", "heads.ner", "mlp.0", "mlp.1", "mlp.2", "mlp.3",
                     "extra.0"]
    assert report.layers[1].tensors[0].name == "cells.1.weight_ih" and report.layers[1].tensors[0].shape == (96, 16)


def test_unknown_loop_is_reported_with_its_variable() -> None:
    with pytest.raises(InputError) as err:
        count("""
            import torch.nn as nn
            from config import N
            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.ModuleList()
                    for i in range(N):
                        self.layers.append(nn.Linear(4, 4))
            net = Net()
            """)
    assert "`layers` (nn.ModuleList, line 7)" in str(err.value) and "--set N=VALUE decides it" in str(err.value)


# --- PyTorch naming, registration order, sharing --------------------------------------------------------------

def test_named_parameters_order_paths_and_sharing() -> None:
    report = count("""
        import torch
        import torch.nn as nn

        class Attention(nn.Module):
            def __init__(self, h):
                super().__init__()
                self.proj = nn.Linear(h, h)
                self.v = nn.Parameter(torch.rand(h))

        class Seq2Seq(nn.Module):
            def __init__(self, vocab=100, h=8):
                super().__init__()
                self.embedding = nn.Embedding(vocab, h)
                self.encoder = nn.LSTM(h, h, batch_first=True)
                self.attention = Attention(h)
                self.shared = self.attention
                self.decoder = nn.Linear(h, vocab)
                self.decoder.weight = self.embedding.weight
                self.scale = nn.Parameter(torch.ones(1), requires_grad=False)
                self.embedding.weight.requires_grad = False

        model = Seq2Seq()
        """)
    assert [n for n, _ in tensors(report)] == [
        "scale", "embedding.weight", "encoder.weight_ih_l0", "encoder.weight_hh_l0", "encoder.bias_ih_l0",
        "encoder.bias_hh_l0", "attention.v", "attention.proj.weight", "attention.proj.bias", "decoder.bias"]
    assert report.total_params == 1 + 800 + 4 * 8 * (8 + 8 + 2) + 8 + 72 + 100
    assert report.non_trainable_params == 1 + 800


def test_subclass_of_a_layer_and_uninstantiated_classes() -> None:
    found = models("""
        import torch.nn as nn
        class Bottle(nn.Module):
            pass
        class Linear(Bottle, nn.Linear):
            pass
        class Encoder(nn.Module):
            def __init__(self, n_feature, hidden=16):
                super().__init__()
                self.proj = Linear(n_feature, hidden)
                self.rnn = nn.RNN(hidden, hidden, nonlinearity='relu')
        class Free(nn.Module):
            def __init__(self):
                super().__init__()
                self.act = nn.Tanh()
        """)
    assert set(found) == {"Encoder"}
    assert found["Encoder"].kind == "class" and found["Encoder"].spec is None
    assert found["Encoder"].error is not None and "--set n_feature=VALUE" in str(found["Encoder"].error)
    report = count("import torch.nn as nn\nclass Linear(nn.Linear):\n    pass\nfc = Linear(3, 4, bias=False)\n")
    assert tensors(report) == [("weight", (4, 3))]


def test_unknown_outside_module_is_refused_not_skipped() -> None:
    with pytest.raises(InputError) as err:
        count("""
            import torch.nn as nn
            from torchcrf import CRF
            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.lstm = nn.LSTM(4, 4)
                    self.crf = CRF(5)
            tagger = Tagger()
            """)
    assert "crf" in str(err.value) and "parameters the reader cannot see" in str(err.value)


def test_unsupported_layer_is_named() -> None:
    with pytest.raises(InputError) as err:
        count("import torch.nn as nn\nm = nn.Sequential(nn.RNNBase('LSTM', 1, 2), nn.LSTM(4, 4))\n")
    assert "RNNBase is not counted as a layer: the base class of nn.RNN" in str(err.value) and err.value.line == 2


def test_unknown_layer_is_named() -> None:
    with pytest.raises(InputError) as err:
        count("import torch.nn as nn\nm = nn.Sequential(nn.FancyConv(1, 2, 3), nn.LSTM(4, 4))\n")
    assert "FancyConv" in str(err.value) and err.value.line == 2


# --- Keras ----------------------------------------------------------------------------------------------------

def test_keras_graph_with_merges_and_auto_names_in_file_order() -> None:
    found = models("""
        from tensorflow import keras
        from tensorflow.keras import layers
        first = keras.Sequential([layers.Input((5, 3)), layers.LSTM(4), layers.Dense(2)])
        a = keras.Input((10, 8))
        b = keras.Input((10, 4))
        x = layers.Concatenate()([layers.GRU(5, return_sequences=True)(a), b])
        y = layers.Add()([layers.Dense(9)(x), layers.Dense(9)(x)])
        z = layers.MaxPooling1D(2)(y)
        flat = layers.Flatten()(z)
        out = layers.Dense(1, name="score")(flat)
        graph = keras.Model([a, b], out)
        """)
    first, graph = found["first"].spec, found["graph"].spec
    assert first is not None and first.chain and [layer.name for layer in first.layers] == ["lstm", "dense"]
    assert graph is not None and not graph.chain
    assert [(layer.name, layer.input_shape) for layer in graph.layers] == [  # model.layers' order and names
        ("gru", (None, 10, 8)), ("concatenate", ((None, 10, 5), (None, 10, 4))), ("dense_1", (None, 10, 9)),
        ("dense_2", (None, 10, 9)), ("add", ((None, 10, 9), (None, 10, 9))), ("max_pooling1d", (None, 10, 9)),
        ("flatten", (None, 5, 9)), ("score", (None, 45))]
    report = rnnparams.count(graph)
    assert report.total_params == 3 * 5 * (8 + 5 + 2) + 2 * (9 * 9 + 9) + 45 + 1


def test_keras_subclassed_model_needs_its_input() -> None:
    code = """
        import keras
        class Tagger(keras.Model):
            def __init__(self, vocab=100, units=8):
                super().__init__()
                self.emb = keras.layers.Embedding(vocab, 4)
                self.rnn = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True))
                self.out = keras.layers.TimeDistributed(keras.layers.Dense(3))
                self.unused = keras.layers.Dense(1000)
            def call(self, x):
                return self.out(self.rnn(self.emb(x)))
        """
    with pytest.raises(InputError, match="--input-shape"):
        count(code)
    report = count(code, input_shape="20")
    assert [layer.name for layer in report.layers] == ["embedding", "bidirectional", "time_distributed"]
    assert report.layers[2].input_shape == (None, 20, 16)
    built = textwrap.dedent(code) + "m = Tagger(units=2)\nm.build((None, 7))\n"
    assert count(built, select="m").layers[2].input_shape == (None, 7, 4)


def test_keras_multi_input_dict_outputs_and_return_state() -> None:
    report = count("""
        from tensorflow import keras
        from tensorflow.keras import layers
        enc_in = keras.Input(shape=(None, 6))
        _, h, c = layers.LSTM(4, return_state=True)(enc_in)
        dec_in = keras.Input(shape=(None, 5))
        seq = layers.LSTM(4, return_sequences=True)(dec_in, initial_state=[h, c])
        heads = {"a": layers.Dense(2)(seq), "b": layers.Dense(3)(seq)}
        model = keras.Model(inputs=[enc_in, dec_in], outputs=heads)
        """)
    assert [layer.name for layer in report.layers] == ["lstm", "lstm_1", "dense", "dense_1"]
    assert report.total_params == 4 * 4 * (6 + 4 + 1) + 4 * 4 * (5 + 4 + 1) + 10 + 15


def test_keras_unknown_input_shape_is_named() -> None:
    with pytest.raises(InputError) as err:
        count("""
            import keras
            chars = sorted(set(open('corpus.txt').read()))
            model = keras.Sequential([keras.Input(shape=(40, len(chars))), keras.layers.LSTM(8)])
            """)
    assert "--set" in str(err.value)


# --- several models, selection, CLI ---------------------------------------------------------------------------

MULTI = """
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self, vocab=50, hidden=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden)

def build_head(width=8):
    return nn.Sequential(nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 2))

small = Encoder(hidden=4)
rnn = nn.LSTM(3, 5)
"""


def test_listing_finds_variables_classes_and_factories(tmp_path: Path) -> None:
    path = tmp_path / "multi.py"
    path.write_text(MULTI)
    listing = rnnparams.models_in_file(str(path))
    rows = [(m.name, m.kind, m.type, m.report.total_params if m.report else None) for m in listing.models]
    assert rows == [("small", "variable", "Encoder", 50 * 4 + 3 * 4 * (4 + 4 + 2)),
                    ("rnn", "variable", "LSTM", 4 * 5 * (3 + 5 + 2)),
                    ("build_head", "function", "Sequential", 8 * 8 + 8 + 8 * 2 + 2)]
    path.write_text(MULTI.replace("small = Encoder(hidden=4)\n", ""))  # a class no one builds: its defaults
    assert [(m.name, m.kind, m.report.total_params if m.report else None) for m in
            rnnparams.models_in_file(str(path)).models][1] == ("Encoder", "class", 50 * 8 + 3 * 8 * (8 + 8 + 2))
    path.write_text(MULTI)
    assert rnnparams.count(str(path), select="build_head").layers[2].tensors[0].name == "2.weight"
    assert rnnparams.count(f"{path}::rnn").total_params == 200
    with pytest.raises(UsageError, match="choose one with --model NAME"):
        rnnparams.count(str(path))
    with pytest.raises(UsageError, match="the models are: small, rnn, build_head"):
        rnnparams.count(str(path), select="nope")


def test_cli_lists_then_counts_one(tmp_path: Path) -> None:
    path = tmp_path / "multi.py"
    path.write_text(MULTI)
    out = cli("count", str(path))
    assert out.returncode == 0, out.stderr
    assert "3 models" in out.stdout and "build_head (function, default arguments)" in out.stdout
    data = json.loads(cli("count", str(path), "--json").stdout)
    assert [m["name"] for m in data["models"]] == ["small", "rnn", "build_head"]
    assert data["models"][1]["total_params"] == 200
    one = json.loads(cli("count", str(path), "--model", "build_head", "--set", "width=2", "--json").stdout)
    assert one["total_params"] == 2 * 2 + 2 + 2 * 2 + 2
    by_class = json.loads(cli("count", str(path), "--model", "Encoder", "--json").stdout)
    assert [t["name"] for t in by_class["layers"][0]["tensors"]] == ["emb.weight"]
    bad = cli("count", str(path), "--model", "Encoder", "--set", "hiden=2")
    assert bad.returncode == 2 and "never reads" in bad.stderr and "Traceback" not in bad.stderr
    spec = cli("count", str(path), "--model", "small", "--emit-spec", "json")
    assert json.loads(spec.stdout)["chain"] is False
    explained = cli("explain", f"{path}::rnn")
    assert explained.returncode == 0 and "weight_ih_l0" in explained.stdout


def test_pasted_code_is_read_as_a_file() -> None:
    report = rnnparams.count("import torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n"
                             "        super().__init__()\n        self.r = nn.GRU(2, 3)\nm = M()\n")
    assert report.total_params == 3 * 3 * (2 + 3 + 2)


def test_no_model_and_syntax_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no model found"):
        count("import os\nx = 1\ndef f():\n    pass\n")
    broken = tmp_path / "broken.py"
    broken.write_text("import torch.nn as nn\nrnn = nn.LSTM(3,\n")
    with pytest.raises(InputError) as err:
        rnnparams.count(str(broken))
    assert "syntax error" in str(err.value) and err.value.line is not None
    with pytest.raises(UsageError, match="no such file"):
        rnnparams.count(str(tmp_path / "missing.py"))


def test_models_held_by_objects_bare_names_and_star_imports() -> None:
    held = count("""
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 3)
        class Trainer:
            def __init__(self):
                self.model = Net()
                self.lr = 0.1
        trainer = Trainer()
        """, select="trainer.model")
    assert tensors(held) == [("fc.weight", (3, 2)), ("fc.bias", (3,))]
    bare = count("model = Sequential([SimpleRNN(2, input_shape=[50, 3]), Dense(1)])\n")
    assert bare.framework == "keras" and bare.total_params == 15
    star = count("from keras.layers import *\nfrom keras.models import *\n"
                 "m = Sequential([Input((7, 2)), GRU(3, reset_after=False), Dense(1)])\n")
    assert star.total_params == 3 * 3 * (2 + 3 + 1) + 4
    with pytest.raises(InputError, match="ambiguous framework"):
        count("rnn = LSTM(3, 4)\n")
    assert count("rnn = LSTM(3, 4)\n", framework="pytorch").total_params == 4 * 4 * (3 + 4 + 2)


def test_a_sequential_used_as_a_layer_is_followed() -> None:
    report = count("""
        from tensorflow import keras
        from tensorflow.keras import layers
        encoder = keras.Sequential([layers.Embedding(100, 8), layers.Bidirectional(layers.GRU(4))])
        a = keras.Input((None,))
        b = keras.Input((None,))
        siamese = keras.Model([a, b], layers.Dense(1)(layers.concatenate([encoder(a), encoder(b)])))
        """, select="siamese")
    assert [layer.name for layer in report.layers] == ["embedding", "bidirectional", "concatenate", "dense"]
    assert report.total_params == 800 + 2 * 3 * 4 * (8 + 4 + 2) + 17


def test_framework_flag_must_fit_the_code() -> None:
    torch_code = "import torch.nn as nn\nrnn = nn.LSTM(3, 4)\n"
    with pytest.raises(UsageError, match="`rnn` is PyTorch code"):
        count(torch_code, framework="keras")
    with pytest.raises(UsageError, match=r"model code \(\.py\) is read for pytorch, keras, keras2"):
        count(torch_code, framework="paddle")
    keras_code = "import keras\nm = keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3)])\n"
    # Keras 2's GRU defaults to reset_after=False (one bias row), Keras 3's to True (two): 3·3·(2 + 3 + 1) vs + 3·3
    assert count(keras_code, framework="keras2").total_params == 3 * 3 * (2 + 3 + 1)
    assert count(keras_code).total_params == 3 * 3 * (2 + 3 + 2)
