"""MXNet Gluon oracle (mxnet 1.9, numpy < 1.24): collect_params() after a first forward pass."""

from __future__ import annotations

import mxnet as mx
import numpy as np
from mxnet.gluon import nn, rnn


def versions() -> dict[str, str]:
    return {"mxnet": mx.__version__, "numpy": np.__version__}


def probe(request: dict) -> dict:
    ns = {"mx": mx, "mxnet": mx, "rnn": rnn, "nn": nn, "gluon": mx.gluon}
    model = eval(request["expr"], ns)
    model.initialize()
    x = mx.nd.ones(request["input"])
    answer: dict = {}
    if not request.get("forward", True):
        pass  # shapes as declared (input_size given): mxnet 1.9.1 corrupts memory running some valid layers
    elif isinstance(model, rnn.rnn_layer._RNNLayer):
        layout = model._layout
        batch = request["input"][0 if layout == "NTC" else 1]
        y, states = model(x, model.begin_state(batch_size=batch))
        answer.update(output=[list(y.shape)], states=[list(s.shape) for s in states])
    else:
        answer.update(output=[list(model(x).shape)], states=[])
    prefix = model.prefix
    answer["params"] = [[name[len(prefix):] if name.startswith(prefix) else name, list(p.shape),
                         p.grad_req != "null"] for name, p in model.collect_params().items()]
    return answer
