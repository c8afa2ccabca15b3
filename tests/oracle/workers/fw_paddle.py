"""PaddlePaddle oracle: named_parameters() (and the cells' own names), stop_gradient, one forward pass."""

from __future__ import annotations

import numpy as np
import paddle


def versions() -> dict[str, str]:
    return {"paddlepaddle": paddle.__version__}


def _shapes(value: object) -> list[list[int]]:
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _shapes(v)]
    return [list(value.shape)]  # type: ignore[attr-defined]


def probe(request: dict) -> dict:
    paddle.seed(0)
    model = eval(request["expr"], {"paddle": paddle, "nn": paddle.nn})
    params = [[n, list(p.shape), not p.stop_gradient] for n, p in model.named_parameters()]
    cells = [[f"{lname}.{pname}", list(p.shape), not p.stop_gradient]
             for lname, sub in model.named_sublayers() for pname, p in sub.named_parameters(include_sublayers=False)]
    answer = {"params": params, "cell_params": cells}
    if request.get("forward"):
        embed = isinstance(model, paddle.nn.Embedding)
        x = paddle.to_tensor(np.zeros(request["input"], "int64") if embed else np.ones(request["input"], "float32"))
        out = model(x)
        if isinstance(out, tuple):
            answer["output"] = [list(out[0].shape)]
            answer["states"] = _shapes(out[1])
        else:
            answer["output"] = [list(out.shape)]
            answer["states"] = []
    return answer
