"""PyTorch oracle: the same module built in real torch 2.13 — totals, per-layer counts, tensor names and
shapes in order, buffers, and output/state shapes from a real forward pass."""

from __future__ import annotations

import itertools
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.errors import RnnParamsError

torch = pytest.importorskip("torch")
nn = torch.nn
pytestmark = pytest.mark.oracle
torch.set_num_threads(1)
N, T = 3, 5


def build(expr: str) -> torch.nn.Module:
    parts = [p.strip() for p in expr.split(";") if p.strip()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        modules = [eval(p, {"nn": nn, "torch": torch}) for p in parts]  # test-side oracle only
    return modules[0] if len(modules) == 1 else nn.Sequential(*modules)


def fill(shape: list[int | None], first: torch.nn.Module) -> tuple[int, ...]:
    """Our shape with None → concrete batch/time sizes, in the order the module reads them."""
    out, nones = [], 0
    for d in shape:
        if d is None:
            batch_first = getattr(first, "batch_first", True)
            is_rnn = isinstance(first, nn.RNNBase)
            if is_rnn and not batch_first:
                out.append(T if nones == 0 else N)
            else:
                out.append(N if nones == 0 else T)
            nones += 1
        else:
            out.append(d)
    return tuple(out)


def compare(expr: str) -> None:
    module = build(expr)
    report = rnnparams.count(expr)
    params = list(module.named_parameters())
    assert report.total_params == sum(p.numel() for _, p in params)
    assert report.trainable_params == sum(p.numel() for _, p in params if p.requires_grad)
    assert report.buffers == sum(b.numel() for _, b in module.named_buffers())
    children = [module] if not isinstance(module, nn.Sequential) else list(module)
    assert len(children) == len(report.layers)
    for child, layer in zip(children, report.layers, strict=True):
        theirs = [(n, list(p.shape)) for n, p in child.named_parameters()]
        ours = [(t.name, list(t.shape)) for t in layer.tensors]
        assert ours == theirs
        assert [(t.name, list(t.shape)) for t in layer.buffers] == [
            (n, list(b.shape)) for n, b in child.named_buffers()]
    # forward pass with concrete sizes
    first = children[0]
    in_shape = fill(list(report.layers[0].input_shape), first)
    x = torch.randint(0, 2, in_shape) if isinstance(first, nn.Embedding) else torch.randn(*in_shape)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = x
        for child, layer in zip(children, report.layers, strict=True):
            y = child(y)
            states = {}
            if isinstance(y, tuple):
                y, state = y
                states = {"h_n": state[0], "c_n": state[1]} if isinstance(state, tuple) else {"h_n": state}
            elif isinstance(child, nn.RNNCellBase):
                states = {"h_1": y}
            ours = list(layer.output_shape)  # type: ignore[arg-type]
            assert len(y.shape) == len(ours), (layer.name, y.shape, ours)
            if isinstance(child, (nn.RNNBase, nn.RNNCellBase, nn.Embedding)):  # batch and time placed exactly
                assert tuple(y.shape) == fill(ours, first), (layer.name, y.shape, ours)
            else:
                assert [d for d, o in zip(y.shape, ours, strict=True) if o is not None] == [
                    o for o in ours if o is not None]
            if isinstance(child, nn.RNNBase):
                for key, tensor in states.items():
                    assert tuple(tensor.shape) == fill_state(layer.state_shapes[key])


def fill_state(shape: tuple[int | None, ...]) -> tuple[int, ...]:
    return tuple(N if d is None else d for d in shape)


def recurrent_cases() -> list:  # type: ignore[type-arg]
    cases = []
    for kind, (layers, bidi, bias, bf) in itertools.product(
            ["RNN", "LSTM", "GRU"], [(1, False, True, False), (2, False, True, True), (1, True, False, False),
                                      (3, True, True, True), (2, True, False, False), (1, False, False, True)]):
        cases.append(pytest.param(f"nn.{kind}(7, 5, num_layers={layers}, bidirectional={bidi}, bias={bias}, "
                                  f"batch_first={bf})", id=f"{kind}-L{layers}-bi{bidi}-b{bias}-bf{bf}"))
    cases += [
        pytest.param("nn.LSTM(100, 256)", id="seed004"),
        pytest.param("nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)", id="proj-acceptance"),
        pytest.param("torch.nn.LSTM(10, 8, proj_size=3)", id="torch-prefix-proj"),
        pytest.param("nn.LSTM(10, 8, 3, True, True, 0.5, True, 4)", id="lstm-all-positional"),
        pytest.param("nn.GRU(input_size=4, hidden_size=6, num_layers=2, dropout=0.3)", id="gru-keywords-dropout"),
        pytest.param("nn.RNN(6, 4, nonlinearity='relu')", id="rnn-relu"),
        pytest.param("nn.RNN(6, 4, 2, 'relu', False, True, 0.0, True)", id="rnn-positional-all"),
        pytest.param("nn.RNN(1027, 256)", id="seed003"),
        pytest.param("nn.LSTM(5, 7, num_layers=4, proj_size=2, bias=False)", id="proj-nobias-deep"),
        pytest.param("nn.LSTM(5, 7, batch_first=True, proj_size=6)", id="proj-bf"),
    ]
    return cases


OTHER = [
    pytest.param("nn.RNNCell(4, 6)", id="rnncell"), pytest.param("nn.RNNCell(4, 6, False, 'relu')", id="rnncell-nb"),
    pytest.param("nn.LSTMCell(4, 6)", id="lstmcell"), pytest.param("nn.LSTMCell(4, 6, bias=False)", id="lstmcell-nb"),
    pytest.param("nn.GRUCell(4, 6)", id="grucell"), pytest.param("nn.GRUCell(4, 6, bias=False)", id="grucell-nb"),
    pytest.param("nn.Linear(4, 6)", id="linear"), pytest.param("nn.Linear(4, 6, bias=False)", id="linear-nb"),
    pytest.param("nn.Embedding(50, 8)", id="embedding"),
    pytest.param("nn.Embedding(50, 8, padding_idx=0)", id="embedding-pad"),
    pytest.param("nn.LayerNorm(8)", id="layernorm"), pytest.param("nn.LayerNorm([4, 8])", id="layernorm-2d"),
    pytest.param("nn.LayerNorm(8, elementwise_affine=False)", id="layernorm-noaffine"),
    pytest.param("nn.LayerNorm(8, bias=False)", id="layernorm-nobias"),
    pytest.param("nn.BatchNorm1d(8)", id="batchnorm"), pytest.param("nn.BatchNorm1d(8, affine=False)", id="bn-na"),
    pytest.param("nn.BatchNorm1d(8, track_running_stats=False)", id="bn-notrack"),
    pytest.param("nn.Dropout(0.2)", id="dropout"),
    pytest.param("nn.Conv1d(4, 8, 3)", id="conv"), pytest.param("nn.Conv1d(4, 8, 3, stride=2, padding=1)", id="conv-s"),
    pytest.param("nn.Conv1d(4, 8, 3, dilation=2, bias=False)", id="conv-d"),
    pytest.param("nn.Conv1d(4, 8, 3, groups=2)", id="conv-g"),
    pytest.param("nn.Conv1d(4, 8, 5, padding='same')", id="conv-same"),
]
CHAINS = [
    pytest.param("nn.Embedding(1000, 64); nn.LSTM(64, 128, batch_first=True)", id="emb-lstm"),
    pytest.param("nn.Embedding(100, 16); nn.GRU(16, 32, num_layers=2, bidirectional=True, batch_first=True); "
                 "nn.Linear(64, 5)", id="emb-bigru-linear"),
    pytest.param("nn.LSTM(10, 20, batch_first=True); nn.LayerNorm(20); nn.Linear(20, 3)", id="lstm-ln-linear"),
    pytest.param("nn.Linear(6, 12); nn.Dropout(); nn.Linear(12, 2)", id="mlp"),
    pytest.param("nn.Conv1d(4, 8, 3); nn.BatchNorm1d(8); nn.Conv1d(8, 2, 1)", id="conv-bn-conv"),
    pytest.param("nn.Embedding(30, 6); nn.RNN(6, 9, batch_first=True, nonlinearity='relu'); nn.Linear(9, 1)",
                 id="emb-rnn-linear"),
    pytest.param("nn.LSTM(8, 16, proj_size=4, batch_first=True); nn.Linear(4, 2)", id="proj-linear"),
]


@pytest.mark.parametrize("expr", [*recurrent_cases(), *OTHER, *CHAINS])
def test_table(expr: str) -> None:
    compare(expr)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), i=st.integers(1, 24), h=st.integers(2, 24),
       layers=st.integers(1, 3), bidi=st.booleans(), bias=st.booleans(), bf=st.booleans(), data=st.data())
def test_random_recurrent(kind: str, i: int, h: int, layers: int, bidi: bool, bias: bool, bf: bool,
                          data: st.DataObject) -> None:
    proj = data.draw(st.integers(0, h - 1)) if kind == "LSTM" else 0
    head = data.draw(st.sampled_from(["", "linear", "layernorm"]))
    out = (proj or h) * (2 if bidi else 1)
    expr = (f"nn.{kind}({i}, {h}, num_layers={layers}, bidirectional={bidi}, bias={bias}, batch_first={bf}"
            + (f", proj_size={proj})" if kind == "LSTM" else ")"))
    if head == "linear":
        expr += f"; nn.Linear({out}, 3)"
    elif head == "layernorm":
        expr += f"; nn.LayerNorm({out})"
    compare(expr)


@pytest.mark.parametrize("expr", [
    "nn.LSTM(10, 8, proj_size=8)", "nn.LSTM(10, 8, proj_size=9)", "nn.GRU(10, 8, proj_size=2)",
    "nn.RNN(10, 8, proj_size=2)", "nn.LSTM(10, 8, dropout=1.5)", "nn.RNN(10, 8, nonlinearity='sigmoid')",
    "nn.Conv1d(4, 6, 3, groups=4)", "nn.Dropout(2.0)", "nn.GRU(10, 8, proj_size=0)",
])
def test_errors_mirror_torch(expr: str) -> None:
    with pytest.raises((ValueError, RuntimeError)):
        build(expr)
    with pytest.raises(RnnParamsError):
        rnnparams.count(expr)


@pytest.mark.parametrize("expr", ["nn.LSTM(0, 4)", "nn.LSTM(4, 0)", "nn.GRU(4, -1)"])
def test_nonpositive_sizes_refused(expr: str) -> None:
    with pytest.raises(RnnParamsError):
        rnnparams.count(expr)


def test_dropout_warning_mirrored() -> None:
    with pytest.warns(UserWarning, match="dropout"):
        nn.LSTM(4, 5, dropout=0.5)
    report = rnnparams.count("nn.LSTM(4, 5, dropout=0.5)")
    assert any("dropout" in w for w in report.warnings)
    assert not rnnparams.count("nn.LSTM(4, 5, num_layers=2, dropout=0.5)").warnings
