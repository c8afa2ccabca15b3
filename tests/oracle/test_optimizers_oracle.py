"""Optimizer state against real optimizers (issue #19): after one real step, the bytes of every tensor in the
optimizer's state (distinct storages: bitsandbytes shares its quantization maps between tensors) equal the
estimate's optimizer line, for torch.optim's SGD (plain, momentum, Nesterov), Adam, AdamW, RMSprop (plain,
centered), Adagrad and Adafactor, bitsandbytes' 8-bit Adam, and Keras' optimizers (their variables)."""

from __future__ import annotations

import math
from typing import Any

import pytest

import rnnparams

pytestmark = pytest.mark.oracle
torch = pytest.importorskip("torch")
nn = torch.nn

MODELS = (
    ("nn.Embedding(300, 16); nn.LSTM(16, 40, num_layers=2, bidirectional=True); nn.Linear(80, 3)", (5,)),
    ("nn.Conv1d(3, 8, 5); nn.BatchNorm1d(8); nn.Flatten(); nn.Linear(8 * 6, 70)", (3, 10)),
    ("nn.GRU(8, 70, bias=False)", None),
)


def torch_optimizer(name: str, params: list[Any]) -> Any:
    if name == "adam8bit":
        bnb = pytest.importorskip("bitsandbytes", reason="bitsandbytes does not install here")
        return bnb.optim.Adam8bit(params, lr=1e-3)
    make = {"sgd": lambda: torch.optim.SGD(params, lr=0.1),
            "momentum": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9),
            "nesterov": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
            "adam": lambda: torch.optim.Adam(params), "adamw": lambda: torch.optim.AdamW(params),
            "rmsprop": lambda: torch.optim.RMSprop(params),
            "rmsprop-centered": lambda: torch.optim.RMSprop(params, centered=True),
            "adagrad": lambda: torch.optim.Adagrad(params), "adafactor": lambda: torch.optim.Adafactor(params)}
    return make[name]()


def state_bytes(opt: Any) -> int:
    seen: dict[int, int] = {}
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, torch.Tensor):
                storage = value.untyped_storage()
                seen[storage.data_ptr()] = storage.nbytes()
    return sum(seen.values())


NAMES = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered", "adagrad", "adafactor",
         "adam8bit")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("model", "shape"), MODELS, ids=("emb-bilstm-linear", "conv-bn-linear", "gru"))
def test_torch_optimizer_state(name: str, model: str, shape: tuple[int, ...] | None) -> None:
    modules = [eval(p, {"nn": nn}) for p in model.split(";")]  # test-side oracle only
    params = [p for m in modules for p in m.parameters() if p.requires_grad]
    opt = torch_optimizer(name, params)
    for p in params:
        p.grad = torch.randn_like(p)
    opt.step()
    est = rnnparams.estimate(model, input_shape=shape, batch=2, seq_len=None if shape else 4, optimizer=name)
    assert est.memory_line("optimizer_state").value == state_bytes(opt)


KERAS_NAMES = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered", "adagrad", "adafactor")


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_keras_optimizer_variables(name: str) -> None:
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((6, 4)), keras.layers.LSTM(8, return_sequences=True),
                              keras.layers.Dense(3)])
    opt = {"sgd": lambda: keras.optimizers.SGD(), "momentum": lambda: keras.optimizers.SGD(momentum=0.9),
           "nesterov": lambda: keras.optimizers.SGD(momentum=0.9, nesterov=True),
           "adam": lambda: keras.optimizers.Adam(), "adamw": lambda: keras.optimizers.AdamW(),
           "rmsprop": lambda: keras.optimizers.RMSprop(),
           "rmsprop-centered": lambda: keras.optimizers.RMSprop(centered=True),
           "adagrad": lambda: keras.optimizers.Adagrad(), "adafactor": lambda: keras.optimizers.Adafactor()}[name]()
    opt.build(model.trainable_variables)
    import numpy as np

    measured = sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in opt.variables)
    est = rnnparams.estimate("Sequential([Input((6, 4)), LSTM(8, return_sequences=True), Dense(3)])", batch=2,
                             seq_len=6, optimizer=name)
    assert est.memory_line("optimizer_state").value == measured


def test_keras_has_no_8bit_adam() -> None:
    with pytest.raises(rnnparams.errors.UsageError, match="adam8bit"):
        rnnparams.estimate("Sequential([Input((6, 4)), LSTM(8)])", batch=2, seq_len=6, optimizer="adam8bit")
