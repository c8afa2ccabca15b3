"""Validate `rnnparams estimate` memory against real PyTorch.

For each configuration: build the model in torch from the same expression, run one real training step
(forward, backward, optimizer step) and compare, byte for byte:

- weights, buffers, gradients (Σ p.grad.numel() · element_size()) and optimizer state (every tensor in
  optimizer.state, Adam's exp_avg, exp_avg_sq and its float32 `step` scalar included): must be EXACT;
- activations: the bytes autograd saves during the forward pass, caught with
  torch.autograd.graph.saved_tensors_hooks and deduplicated by storage (a storage two ops save, or a view
  of one, counts once, at its full size); storages of parameters and buffers are left out (they are the
  weights, counted once there); the model input counts when a layer saves it. Target: within 10 %.

    python benchmarks/validate_memory.py            # CPU, every configuration (a table on stdout)
    python benchmarks/validate_memory.py --cuda     # on a GPU machine: cuDNN activations, and the peak
                                                    # torch.cuda.max_memory_allocated() of a training step
                                                    # against the estimated total (target: within 15 %)

Exit status 1 when an exact part differs or a relative error exceeds its target.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

import rnnparams
from rnnparams.analysis.estimate import Estimate

ACTIVATION_TARGET = 0.10
CUDA_PEAK_TARGET = 0.15
TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass(frozen=True)
class Config:
    name: str
    model: str
    batch: int
    seq_len: int | None
    optimizer: str = "adam"
    dtype: str = "float32"
    check_activations: bool = True
    input_shape: tuple[int, ...] | None = None


CONFIGS = (
    Config("lstm", "nn.LSTM(100, 256)", 32, 50),
    Config("lstm-2layers", "nn.LSTM(100, 256, num_layers=2)", 16, 35, "adamw"),
    Config("lstm-bi", "nn.LSTM(64, 128, bidirectional=True)", 16, 40),
    Config("lstm-3layers-bi", "nn.LSTM(64, 128, num_layers=3, bidirectional=True)", 8, 30, "momentum"),
    Config("lstm-proj", "nn.LSTM(64, 128, proj_size=32)", 16, 30),
    Config("lstm-proj-2layers-bi", "nn.LSTM(64, 128, num_layers=2, proj_size=48, bidirectional=True)", 8, 25),
    Config("lstm-batch-first", "nn.LSTM(32, 64, batch_first=True)", 32, 100, "sgd"),
    Config("lstm-long", "nn.LSTM(16, 32)", 4, 2000),
    Config("lstm-dropout", "nn.LSTM(64, 128, num_layers=2, dropout=0.3)", 16, 30),
    Config("lstm-nobias", "nn.LSTM(50, 100, bias=False)", 20, 25),
    Config("gru", "nn.GRU(100, 256)", 32, 50),
    Config("gru-2layers-bi-bf", "nn.GRU(64, 128, num_layers=2, bidirectional=True, batch_first=True)", 8, 40),
    Config("gru-long-nobias", "nn.GRU(32, 64, bias=False)", 16, 500, "momentum"),
    Config("gru-dropout", "nn.GRU(64, 128, num_layers=3, dropout=0.2)", 16, 30, "adamw"),
    Config("rnn", "nn.RNN(100, 128)", 32, 50),
    Config("rnn-relu-3layers-bi", "nn.RNN(64, 64, num_layers=3, nonlinearity='relu', bidirectional=True)", 16, 30),
    Config("emb-lstm-linear", "nn.Embedding(5000, 128); nn.LSTM(128, 256, batch_first=True); nn.Linear(256, 10)",
           32, 40),
    Config("emb-gru-bi-linear", "nn.Embedding(10000, 64); nn.GRU(64, 128, num_layers=2, bidirectional=True, "
           "batch_first=True); nn.Linear(256, 5)", 16, 30),
    Config("lstm-linear", "nn.LSTM(40, 128); nn.Linear(128, 40)", 16, 50, "sgd"),
    Config("emb-bilstm-dropout-linear", "nn.Embedding(2000, 32); nn.LSTM(32, 64, num_layers=2, bidirectional=True, "
           "batch_first=True); nn.Dropout(0.1); nn.Linear(128, 2)", 16, 60),
    Config("emb-lstm-layernorm-linear", "nn.Embedding(1000, 32); nn.LSTM(32, 64, batch_first=True); "
           "nn.LayerNorm(64); nn.Linear(64, 3)", 16, 40),
    Config("frozen-emb-lstm", "nn.Embedding(3000, 50, _freeze=True); nn.LSTM(50, 100, batch_first=True)", 8, 30),
    Config("lstmcell", "nn.LSTMCell(100, 256)", 64, None),
    Config("grucell-linear", "nn.GRUCell(64, 128); nn.Linear(128, 10)", 64, None, "momentum"),
    Config("lstm-float16", "nn.LSTM(64, 128, num_layers=2)", 8, 20, "adam", "float16"),
    Config("lstm-float16-bi", "nn.LSTM(64, 128, bidirectional=True)", 8, 20, "momentum", "float16"),
    Config("gru-bfloat16", "nn.GRU(64, 128)", 8, 20, "adamw", "bfloat16"),
    Config("lstm-bfloat16", "nn.LSTM(64, 128, num_layers=2)", 8, 20, "adam", "bfloat16"),
    Config("conv-dropout", "nn.Conv1d(16, 32, 5, stride=2); nn.Dropout(0.2)", 8, 50),
    Config("linear-batchnorm-linear", "nn.Linear(20, 32); nn.BatchNorm1d(32); nn.Linear(32, 4)", 16, None, "momentum"),
    Config("rnncell-linear", "nn.RNNCell(32, 64, nonlinearity='relu'); nn.Linear(64, 8)", 16, None, "adamw"),
)
LAYER_CONFIGS = (  # issue #17: convolution, pooling, normalization, attention (input shapes fix every size)
    Config("conv2d-bn-relu-maxpool", "nn.Conv2d(3, 16, 3, padding=1); nn.BatchNorm2d(16); nn.ReLU(); "
           "nn.MaxPool2d(2); nn.Conv2d(16, 8, 3)", 8, None, input_shape=(3, 32, 32)),
    Config("conv2d-groupnorm-gelu-avgpool", "nn.Conv2d(3, 8, 3, stride=2); nn.GroupNorm(2, 8); nn.GELU(); "
           "nn.AvgPool2d(3, 2, 1); nn.Flatten(); nn.Linear(8 * 8 * 8, 10)", 4, None, input_shape=(3, 33, 33)),
    Config("conv1d-instancenorm-prelu-adaptive", "nn.Conv1d(4, 8, 5); nn.InstanceNorm1d(8, affine=True, "
           "track_running_stats=True); nn.PReLU(8); nn.AdaptiveMaxPool1d(6); nn.Flatten(); nn.Linear(48, 2)",
           8, None, input_shape=(4, 40)),
    Config("conv3d-bn3d-sigmoid", "nn.Conv3d(2, 4, 3); nn.BatchNorm3d(4); nn.Sigmoid(); nn.MaxPool3d(2)", 2, None,
           input_shape=(2, 10, 10, 10)),
    Config("convtranspose2d-tanh-lppool", "nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1); nn.Tanh(); "
           "nn.LPPool2d(2, 2); nn.Dropout2d(0.3)", 4, None, input_shape=(8, 8, 8)),
    Config("conv2d-lrn-softmax2d", "nn.Conv2d(3, 6, 3); nn.LocalResponseNorm(3); nn.Softmax2d()", 2, None,
           input_shape=(3, 12, 12), check_activations=False),
    Config("linear-layernorm-rmsnorm-silu", "nn.Linear(16, 32); nn.LayerNorm(32); nn.SiLU(); nn.RMSNorm(32); "
           "nn.Linear(32, 4)", 8, 12, input_shape=(12, 16)),
    Config("mha", "nn.Linear(16, 16); nn.MultiheadAttention(16, 4, batch_first=True)", 4, 10, input_shape=(10, 16)),
    Config("mha-dropout-kdim", "nn.Linear(16, 16); nn.MultiheadAttention(16, 2, dropout=0.1, kdim=16, vdim=16, "
           "batch_first=True)", 4, 10, input_shape=(10, 16)),
    Config("mha-bias-kv", "nn.Linear(16, 16); nn.MultiheadAttention(16, 4, add_bias_kv=True, batch_first=True)", 4,
           10, input_shape=(10, 16)),
    Config("encoder-layer", "nn.Linear(16, 16); nn.TransformerEncoderLayer(16, 4, 32, batch_first=True)", 4, 12,
           input_shape=(12, 16)),
    Config("encoder-layer-gelu-prenorm-nodropout", "nn.Linear(16, 16); nn.TransformerEncoderLayer(16, 4, 32, "
           "dropout=0.0, activation='gelu', norm_first=True, batch_first=True)", 4, 12, input_shape=(12, 16)),
    Config("decoder-layer", "nn.Linear(16, 16); nn.TransformerDecoderLayer(16, 2, 24, dropout=0.0, "
           "batch_first=True)", 4, 9, input_shape=(9, 16)),
    Config("encoder-stack", "nn.Embedding(100, 16); nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, "
           "batch_first=True), 3, norm=nn.LayerNorm(16)); nn.Linear(16, 100)", 4, 15, input_shape=(15,)),
    Config("transformer", "nn.Linear(16, 16); nn.Transformer(16, 4, 2, 2, 32, dropout=0.0, batch_first=True)", 2,
           8, input_shape=(8, 16)),
)


TWICE = (nn.Transformer, nn.TransformerDecoder, nn.TransformerDecoderLayer, nn.Bilinear)


class Chain(nn.Module):
    """rnnparams' chain semantics: each module's output feeds the next; a recurrent module hands on `output`;
    attention attends to the tensor it receives (a decoder's memory is that tensor too)."""

    def __init__(self, modules: list[nn.Module]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            if isinstance(layer, nn.MultiheadAttention):
                x = layer(x, x, x)
            elif isinstance(layer, TWICE):
                x = layer(x, x)
            else:
                x = layer(x)
            if isinstance(x, tuple):
                x = x[0]
        return x


def build(model: str) -> Chain:
    """The torch modules of a `;`-separated chain of our own configuration strings."""
    return Chain([eval(part.strip(), {"nn": nn, "torch": torch}) for part in model.split(";")])


def make_input(est: Estimate, device: str = "cpu") -> torch.Tensor:
    """A batch of the shape the estimate resolved (batch filled in); token indices for an embedding."""
    first = est.report.layers[0]
    shape = tuple(est.options.batch if d is None else d for d in first.input_shape)
    if "V" in first.plan.bindings:  # an embedding reads token ids below its vocabulary
        return torch.randint(0, first.plan.bindings["V"], shape, device=device)
    return torch.randn(shape, device=device, dtype=TORCH_DTYPES[est.options.dtype])


def make_optimizer(name: str, params: Any) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.01)
    if name == "momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)
    if name == "nesterov":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, nesterov=True)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=1e-3)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=1e-3)
    if name == "rmsprop-centered":
        return torch.optim.RMSprop(params, lr=1e-3, centered=True)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=1e-2)
    if name == "adafactor":
        return torch.optim.Adafactor(params, lr=1e-2)
    return torch.optim.Adam(params, lr=1e-3)


def nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


def saved_bytes(model: nn.Module, x: torch.Tensor) -> tuple[int, torch.Tensor, dict[str, int]]:
    """Bytes autograd keeps for backward during model(x): unique storages, parameters and buffers excluded."""
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    weights |= {b.untyped_storage().data_ptr() for b in model.buffers()}
    seen: dict[int, tuple[int, str]] = {}
    held: list[object] = []  # every saved storage stays alive through the forward: a freed one's address reused
    # by a later tensor would otherwise be taken for the same storage and go uncounted (a flaky undercount)

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        key = storage.data_ptr()
        if key and key not in weights and key not in seen:
            seen[key] = (storage.nbytes(), t.grad_fn.name() if t.grad_fn is not None else "leaf/" + str(t.dtype))
            held.append(storage)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    by_op: dict[str, int] = {}
    for size, op in seen.values():
        by_op[op] = by_op.get(op, 0) + size
    return sum(size for size, _ in seen.values()), out, by_op


@dataclass(frozen=True)
class Row:
    config: Config
    estimate: dict[str, int]
    measured: dict[str, int]

    def error(self, key: str) -> float:
        m = self.measured[key]
        return (self.estimate[key] - m) / m if m else 0.0

    @property
    def exact(self) -> bool:
        return all(self.estimate[k] == self.measured[k] for k in ("weights", "buffers", "gradients", "optimizer"))


BF16_ONEDNN = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
"""torch's bf16 device check (x86: AVX-512 BW/VL/DQ): with it, a bfloat16 nn.LSTM trains through oneDNN."""


def cpu_kernels_for(dtype: str, kernels: str = "onednn") -> str:
    """The `--cpu-kernels` path torch takes on this machine: a bfloat16 LSTM runs the native cell where torch's
    bf16 device check fails, whatever oneDNN's switch says."""
    return "native" if dtype == "bfloat16" and not BF16_ONEDNN else kernels


def estimate_of(cfg: Config, device: str = "cpu") -> Estimate:
    seq_len = None if cfg.input_shape is not None else cfg.seq_len
    return rnnparams.estimate(cfg.model, input_shape=cfg.input_shape, batch=cfg.batch, seq_len=seq_len,
                              dtype=cfg.dtype, optimizer=cfg.optimizer, device=device,
                              cpu_kernels=cpu_kernels_for(cfg.dtype))


def measure(cfg: Config) -> Row:
    """One real training step on CPU, against the estimate."""
    torch.manual_seed(0)
    est = estimate_of(cfg)
    model = build(cfg.model).to(TORCH_DTYPES[cfg.dtype])
    opt = make_optimizer(cfg.optimizer, [p for p in model.parameters() if p.requires_grad])
    x = make_input(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        activations, out, _ = saved_bytes(model, x)
    out.float().pow(2).mean().backward()
    opt.step()
    measured = {
        "weights": sum(nbytes(p) for p in model.parameters()),
        "buffers": sum(nbytes(b) for b in model.buffers()),
        "gradients": sum(nbytes(p.grad) for p in model.parameters() if p.grad is not None),
        "optimizer": sum(nbytes(v) for state in opt.state.values() for v in state.values()
                         if isinstance(v, torch.Tensor)),
        "activations": activations,
    }
    memory = {line.key: line.value for line in est.memory}
    estimate = {"weights": memory["weights"], "buffers": memory.get("buffers", 0),
                "gradients": memory["gradients"], "optimizer": memory["optimizer_state"],
                "activations": memory["activations"]}
    return Row(cfg, estimate, measured)


def allocation_peak(fn: Any) -> int:
    """The most bytes allocated at once while fn() runs, above what was live before it, from the CPU
    allocator's own records: torch.profiler with profile_memory=True logs every allocation and free that
    c10's CPU allocator makes (the `[memory]` events, with their signed sizes); their running sum over time is
    the live memory the step added, and its maximum the peak."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                    key=lambda e: e.start_ns())
    live = peak = 0
    for event in events:
        live += event.nbytes()
        peak = max(peak, live)
    return peak


def measure_peaks(cfg: Config) -> dict[str, int]:
    """Peak CPU memory of a steady-state training step (forward, loss, backward, optimizer step, gradients set to
    None after it) and of an inference forward under no_grad with the model in eval mode: what was live before
    (weights, buffers, the optimizer state of the step before, the input batch) plus the allocator's peak during
    it."""
    torch.manual_seed(0)
    est = estimate_of(cfg)
    model = build(cfg.model).to(TORCH_DTYPES[cfg.dtype])
    opt = make_optimizer(cfg.optimizer, [p for p in model.parameters() if p.requires_grad])
    x = make_input(est)

    def step() -> None:
        out = model(x)
        out.float().pow(2).mean().backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step()
        resident = (sum(nbytes(p) for p in model.parameters()) + sum(nbytes(b) for b in model.buffers())
                    + nbytes(x))
        state = sum(nbytes(v) for st in opt.state.values() for v in st.values() if isinstance(v, torch.Tensor))
        train = resident + state + allocation_peak(step)
        model.eval()  # inference: dropout hands its input on, batch norm uses its running statistics
        with torch.no_grad():
            inference = resident + allocation_peak(lambda: model(x))
    return {"train": train, "inference": inference, "sum_of_parts": est.total_bytes}


def estimate_of_mode(cfg: Config, mode: str) -> Estimate:
    seq_len = None if cfg.input_shape is not None else cfg.seq_len
    return rnnparams.estimate(cfg.model, input_shape=cfg.input_shape, batch=cfg.batch, seq_len=seq_len,
                              dtype=cfg.dtype, optimizer=cfg.optimizer, mode=mode,
                              cpu_kernels=cpu_kernels_for(cfg.dtype))


PEAK_TARGET = 0.05
OPTIMIZER_CONFIGS = tuple(  # every optimizer's step temporaries, where the step is the peak and where it is not
    Config(f"{name}-{opt}", model, batch, seq_len, opt)
    for name, model, batch, seq_len in (("linear-linear", "nn.Linear(512, 512); nn.Linear(512, 300)", 2, None),
                                        ("rnncell-linear", "nn.RNNCell(32, 64, nonlinearity='relu'); nn.Linear(64, 8)",
                                         16, None),
                                        ("lstm2-linear", "nn.LSTM(128, 256, num_layers=2); nn.Linear(256, 10)", 1, 3))
    for opt in ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered", "adagrad", "adafactor"))


def peak_rows(configs: tuple[Config, ...]) -> tuple[list[list[str]], bool]:
    """Measured against modelled peaks; a peak not modelled shows the estimate's reason (not checked)."""
    rows, ok = [], True
    for cfg in configs:
        r = measure_peaks(cfg)
        est = estimate_of(cfg)
        cells = [cfg.name, f"{cfg.batch}×{cfg.seq_len or 1}", cfg.dtype, cfg.optimizer]
        for mode in ("train", "inference"):
            peak = est.peak(mode)
            assert peak is not None
            measured = r[mode]
            if peak.value is None:
                cells += [f"{measured:,}", "—", peak.reason]
                continue
            error = (peak.value - measured) / measured
            ok &= abs(error) <= PEAK_TARGET
            cells += [f"{measured:,}", f"{peak.value:,}", f"{100 * error:+.2f}%"]
        rows.append(cells)
    return rows, ok


def run_peaks(configs: tuple[Config, ...]) -> bool:
    rows, ok = peak_rows(configs)
    print(f"torch {torch.__version__}, CPU; peaks from the profiler's allocator events (profile_memory=True); "
          f"target: modelled within {PEAK_TARGET:.0%} of measured")
    print(table(rows, ["config", "B×T", "dtype", "optimizer", "train measured B", "train modelled B", "error",
                       "inference measured B", "inference modelled B", "error"]))
    return ok


def measure_cuda(cfg: Config) -> dict[str, int]:
    """On a GPU: cuDNN's saved bytes, and the peak allocated memory of a steady-state training step."""
    torch.manual_seed(0)
    est = estimate_of(cfg, "cuda")
    model = build(cfg.model).to("cuda", TORCH_DTYPES[cfg.dtype])
    opt = make_optimizer(cfg.optimizer, [p for p in model.parameters() if p.requires_grad])
    x = make_input(est, "cuda")

    def step() -> int:
        activations, out, _ = saved_bytes(model, x)
        out.float().pow(2).mean().backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return activations

    step()  # optimizer state exists from here on, as in every later step
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    activations = step()
    torch.cuda.synchronize()
    return {"activations": activations, "peak": torch.cuda.max_memory_allocated(),
            "est_activations": est.memory_line("activations").value, "est_total": est.total_bytes}


def pct(x: float) -> str:
    return "0 (exact)" if x == 0 else f"{100 * x:+.2f}%"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*header), "  ".join("-" * w for w in widths), *(fmt.format(*r) for r in rows)])


def run_cpu(configs: tuple[Config, ...]) -> bool:
    rows, ok = [], True
    for cfg in configs:
        row = measure(cfg)
        act_ok = not cfg.check_activations or abs(row.error("activations")) <= ACTIVATION_TARGET
        ok &= row.exact and act_ok
        rows.append([cfg.name, f"{cfg.batch}×{cfg.seq_len or 1}", cfg.dtype, cfg.optimizer,
                     f"{row.measured['weights']:,}", f"{row.measured['gradients']:,}",
                     f"{row.measured['optimizer']:,}", "yes" if row.exact else "NO",
                     f"{row.estimate['activations']:,}", f"{row.measured['activations']:,}",
                     pct(row.error("activations")) + ("" if cfg.check_activations else " (not checked)")])
    print(f"torch {torch.__version__}, CPU, oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}, "
          f"bfloat16 LSTM through oneDNN: {'yes' if BF16_ONEDNN else 'no (native cell)'}")
    print(table(rows, ["config", "B×T", "dtype", "optimizer", "weights B", "grads B", "optim B", "exact",
                       "act. est B", "act. saved B", "error"]))
    return ok


def run_cuda(configs: tuple[Config, ...]) -> bool:
    if not torch.cuda.is_available():
        print("no CUDA device: run this on a GPU machine", file=sys.stderr)
        return False
    rows, ok = [], True
    for cfg in configs:
        r = measure_cuda(cfg)
        e_act = (r["est_activations"] - r["activations"]) / r["activations"]
        e_peak = (r["est_total"] - r["peak"]) / r["peak"]
        ok &= abs(e_peak) <= CUDA_PEAK_TARGET
        rows.append([cfg.name, f"{cfg.batch}×{cfg.seq_len or 1}", f"{r['est_activations']:,}",
                     f"{r['activations']:,}", pct(e_act), f"{r['est_total']:,}", f"{r['peak']:,}", pct(e_peak)])
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}, cuDNN {torch.backends.cudnn.version()}")
    print(table(rows, ["config", "B×T", "act. est B", "act. saved B", "error", "peak est B", "peak measured B",
                       "error"]))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cuda", action="store_true", help="validate on a CUDA GPU (cuDNN) instead of the CPU")
    parser.add_argument("--only", metavar="NAME", help="run only the configurations whose name contains NAME")
    parser.add_argument("--layers", action="store_true",
                        help="the convolution, pooling, normalization and attention configurations (issue #17)")
    parser.add_argument("--peaks", action="store_true",
                        help="measure the peak memory of a training step and of inference on CPU (allocator events "
                             "of torch.profiler) against the modelled peaks (target: within 5 %%)")
    args = parser.parse_args(argv)
    chosen = LAYER_CONFIGS if args.layers else CONFIGS + OPTIMIZER_CONFIGS if args.peaks else CONFIGS
    configs = tuple(c for c in chosen if args.only is None or args.only in c.name)
    ok = run_cuda(configs) if args.cuda else run_peaks(configs) if args.peaks else run_cpu(configs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
