"""MindSpore oracle (numpy < 2): parameters_and_names(), requires_grad, one forward pass."""

from __future__ import annotations

import mindspore
import numpy as np
from mindspore import nn


def versions() -> dict[str, str]:
    return {"mindspore": mindspore.__version__, "numpy": np.__version__}


def _shapes(value: object) -> list[list[int]]:
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _shapes(v)]
    return [list(value.shape)]  # type: ignore[attr-defined]


def probe(request: dict) -> dict:
    model = eval(request["expr"], {"mindspore": mindspore, "ms": mindspore, "nn": nn})
    params = [[n, list(p.shape), bool(p.requires_grad)] for n, p in model.parameters_and_names()]
    answer: dict = {"params": params}
    if request.get("forward"):
        shape = request["input"]
        if isinstance(model, nn.Embedding):
            x = mindspore.Tensor(np.zeros(shape, np.int32))
            answer.update(output=[list(model(x).shape)], states=[])
            return answer
        x = mindspore.Tensor(np.ones(shape, np.float32))
        if isinstance(model, (nn.RNNCell, nn.GRUCell, nn.LSTMCell)):
            h = mindspore.Tensor(np.zeros((shape[0], model.hidden_size), np.float32))
            out = model(x, (h, h)) if isinstance(model, nn.LSTMCell) else model(x, h)
            if isinstance(out, tuple):
                answer.update(output=[list(out[0].shape)], states=_shapes(out))
            else:
                answer.update(output=[list(out.shape)], states=[list(out.shape)])
            return answer
        out = model(x)
        if isinstance(out, tuple):
            answer.update(output=[list(out[0].shape)], states=_shapes(out[1]))
        else:
            answer.update(output=[list(out.shape)], states=[])
    return answer
