"""The recurrent modules of torch.nn rebuilt from explicit matrix products, on the modules' own parameters.

torch.utils.flop_counter.FlopCounterMode counts the matrix products (mm, addmm, bmm, convolutions) that run under
it, forward and backward. On CPU it counts 0 for a float32 nn.LSTM without projection: oneDNN runs it in one
kernel (`mkldnn_rnn_layer`) that FlopCounterMode does not know. nn.GRU, nn.RNN, a projected nn.LSTM, the cells and
any RNN with oneDNN disabled run PyTorch's native cells, whose products it does count (test_native_modules).
Rebuilt here the way torch computes them (the zero initial state torch creates, gates in torch's order,
h_t = W_hr·h with proj_size, dropout between layers, the reverse direction over reversed time), every product is
an `mm` autograd differentiates like any other, so FlopCounterMode sees forward and backward op by op: a weight
gradient where the weight requires grad, an input gradient where the input does. The rebuild is the oracle of
`estimate`'s backward MACs; its outputs equal the module's (checked in the test), so it is the same computation."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

RECURRENT = (nn.LSTM, nn.GRU, nn.RNN)
CELLS = (nn.LSTMCell, nn.GRUCell, nn.RNNCell)


def _cell_step(kind: str, x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, w_hr: Any = None,
               nonlinearity: str = "tanh") -> tuple[Any, Any]:
    gi = x @ w_ih.t()
    gh = h @ w_hh.t()
    if b_ih is not None:
        gi = gi + b_ih
        gh = gh + b_hh
    if kind == "LSTM":
        i, f, g, o = (gi + gh).chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.t()
        return h, c
    if kind == "GRU":
        ir, iz, in_ = gi.chunk(3, 1)
        hr, hz, hn = gh.chunk(3, 1)
        r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
        n = torch.tanh(in_ + r * hn)
        return n + z * (h - n), c
    a = gi + gh
    return (torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)), c


def _kind(module: nn.Module) -> str:
    name = type(module).__name__
    return name[:-4] if name.endswith("Cell") else name


def run_recurrent(module: Any, x: Any) -> Any:
    """nn.LSTM / nn.GRU / nn.RNN on x, from explicit products: the output sequence."""
    kind = _kind(module)
    if module.batch_first:
        x = x.transpose(0, 1)
    steps, batch = x.shape[0], x.shape[1]
    dirs = 2 if module.bidirectional else 1
    proj = getattr(module, "proj_size", 0)
    out_width = proj or module.hidden_size
    layer_input = x
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = getattr(module, "weight_ih" + sfx), getattr(module, "weight_hh" + sfx)
            b_ih = getattr(module, "bias_ih" + sfx) if module.bias else None
            b_hh = getattr(module, "bias_hh" + sfx) if module.bias else None
            w_hr = getattr(module, "weight_hr" + sfx) if proj else None
            h = torch.zeros(batch, out_width, dtype=x.dtype)
            c = torch.zeros(batch, module.hidden_size, dtype=x.dtype)
            seq = [None] * steps
            order = range(steps - 1, -1, -1) if d else range(steps)
            for t in order:
                h, c = _cell_step(kind, layer_input[t], h, c, w_ih, w_hh, b_ih, b_hh, w_hr,
                                  getattr(module, "nonlinearity", "tanh"))
                seq[t] = h
            outs.append(torch.stack(seq))  # type: ignore[arg-type]
        layer_input = torch.cat(outs, 2) if dirs == 2 else outs[0]
        if module.dropout and module.training and layer < module.num_layers - 1:
            layer_input = F.dropout(layer_input, module.dropout, True)
    return layer_input.transpose(0, 1) if module.batch_first else layer_input


def run_cell(module: Any, x: Any) -> Any:
    """nn.LSTMCell / nn.GRUCell / nn.RNNCell on x with the zero state torch creates: h'."""
    kind = _kind(module)
    h = torch.zeros(x.shape[0], module.hidden_size, dtype=x.dtype)
    c = torch.zeros_like(h)
    h, _ = _cell_step(kind, x, h, c, module.weight_ih, module.weight_hh, module.bias_ih, module.bias_hh,
                      nonlinearity=getattr(module, "nonlinearity", "tanh"))
    return h


def explicit_forward(layers: Any, x: Any) -> Any:
    """A chain (validate_memory.Chain's semantics) with every recurrent module rebuilt from explicit products."""
    for layer in layers:
        if isinstance(layer, RECURRENT):
            x = run_recurrent(layer, x)
        elif isinstance(layer, CELLS):
            x = run_cell(layer, x)
        elif isinstance(layer, nn.MultiheadAttention):
            x = layer(x, x, x)[0]
        else:
            x = layer(x)
            if isinstance(x, tuple):
                x = x[0]
    return x


def matmul_flops(layers: Any, x: Any) -> tuple[int, int]:
    """(forward, backward) FLOPs FlopCounterMode counts on the explicit rebuild of one training step."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        out = explicit_forward(layers, x)
    forward = int(counter.get_total_flops())
    loss = out.float().pow(2).mean()
    with FlopCounterMode(display=False) as counter:
        loss.backward()
    return forward, int(counter.get_total_flops())
