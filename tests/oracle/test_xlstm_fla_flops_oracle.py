"""FLOPs per token (issue 18 point 5) of xLSTM as the `xlstm` package (2.0.6) and transformers (5.24) build it,
against torch's FlopCounterMode on a real CPU prefill over T tokens and a real decoding step with the state.

What FlopCounterMode counts is derived here from the packages' code:

- xlstm: every weight product is a matrix product (aten.mm, addmm; the headwise q/k/v and sLSTM gate projections
  are `einsum("...hd,hod->...ho")`, the sLSTM recurrent kernel a head-batched `matmul`: aten.bmm), exactly 2 × our
  weight MACs. The prefill (`forward`) runs the mLSTM cell in its parallel form (parallel_stabilized_simple): per
  mLSTM block q·kᵀ and C·v over T × T positions, 2 · 2·U·T² FLOPs (h heads of d_h, h·d_h = U), which is not the
  recurrent form we count; the decoding step (`step`, recurrent_step_stabilized_simple) multiplies k·vᵀ, q·C and
  q·n: our scan MACs. The causal conv1d of a prefill is an nn.Conv1d padded K − 1 on both sides: T + K − 1 output
  positions of channels·K MACs (we count the T the block keeps); a step's conv1d_step is an elementwise product and
  sum FlopCounterMode does not see. The sLSTM cell runs the vanilla backend (the CUDA one needs a GPU; its recurrent
  kernel holds the same numbers transposed, so the same products).
- transformers' xLSTM (native kernels): a prefill shorter than chunk_size runs native_sequence__native, a loop of
  mlstm_recurrent_step_native, whose k·vᵀ, q·C and q·n matmuls are our scan MACs, T times; a decoding step is one
  such step. The first (T // c)·c tokens of a prefill (c = chunk_size) run chunkwise--native_autograd, a chunked
  parallel form: its bmm is our contractions plus each chunk's c² terms (Q·Kᵀ, (S⊙D)·V), derived in
  check_transformers; the remaining tokens run the recurrent step.
- The state update's elementwise FLOPs are invisible to FlopCounterMode: they are the hand derivations on each
  `Mixer` (conventions/blocks/xlstm.py, conventions/transformers/blocks.py).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.inputs.hfconfig import spec_from_config

torch = pytest.importorskip("torch")
xlstm = pytest.importorskip("xlstm")
transformers = pytest.importorskip("transformers")
import transformers.utils as _tu  # noqa: E402
import transformers.utils.import_utils as _iu  # noqa: E402
from xlstm.components.linear_headwise import LinearHeadwiseExpand  # noqa: E402

_tu.is_xlstm_available = _iu.is_xlstm_available = lambda: False  # type: ignore[attr-defined]

pytestmark = pytest.mark.oracle
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PRODUCT_OPS = ("aten.mm", "aten.addmm", "aten.bmm", "aten.baddbmm")
flags = st.booleans()


def by_op(counter: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in counter.get_flop_counts()["Global"].items()}


def products(ops: dict[str, int]) -> int:
    return sum(ops.get(op, 0) for op in PRODUCT_OPS)


def total(est: Any, phase: str, key: str) -> int:
    return sum(layer.value(phase, key) for layer in est.layers)


def assert_flops_are_macs_and_update(est: Any) -> None:
    for phase in ("prefill", "decode"):
        assert total(est, phase, "flops") == 2 * total(est, phase, "macs") + total(est, phase, "scan_flops")


# --- the xlstm package ---------------------------------------------------------------------------------------

NAMES = ("xLSTMBlockStack", "xLSTMBlockStackConfig", "xLSTMLMModel", "xLSTMLMModelConfig", "mLSTMBlockConfig",
         "sLSTMBlockConfig", "mLSTMLayerConfig", "sLSTMLayerConfig", "FeedForwardConfig", "mLSTMBlock", "sLSTMBlock",
         "mLSTMLayer", "sLSTMLayer")


def package_counts(expr: str, steps: int) -> tuple[dict[str, int], dict[str, int], Any, Any]:
    """FlopCounterMode by op of `forward` over `steps` tokens and of one `step` with the state of `steps` steps (and
    that state)."""
    from torch.utils.flop_counter import FlopCounterMode

    ns = {n: getattr(xlstm, n) for n in NAMES}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        module = eval(expr, {"__builtins__": {}}, ns).eval()
        x = (torch.randint(0, module.config.vocab_size, (1, steps + 1)) if isinstance(module, xlstm.xLSTMLMModel)
             else torch.randn(1, steps + 1, width(module)))
        stack = isinstance(module, (xlstm.xLSTMLMModel, xlstm.xLSTMBlockStack))

        def step(token: Any, state: Any) -> Any:  # a stack takes its state dict, a block or layer its parts
            return module.step(token, state)[1] if stack else module.step(token, **(state or {}))[1]

        with FlopCounterMode(display=False) as pre:
            module(x[:, :steps])
        state = None
        for t in range(steps):
            state = step(x[:, t:t + 1], state)
        with FlopCounterMode(display=False) as dec:
            step(x[:, steps:], state)
    return by_op(pre), by_op(dec), module, state


def numbers(state: Any) -> int:
    """The numbers of every tensor in a (nested) state the package's `step` returns, batch 1."""
    if isinstance(state, torch.Tensor):
        return state.numel()
    if isinstance(state, dict):
        return sum(numbers(v) for v in state.values())
    if isinstance(state, (tuple, list)):
        return sum(numbers(v) for v in state)
    return 0


def width(module: Any) -> int:
    """The embedding_dim of a stack, a block (its layer config's) or a layer."""
    config = module.config
    inner = getattr(config, "mlstm", None) or getattr(config, "slstm", None) or config
    return int(inner.embedding_dim)


def check_package(expr: str, steps: int) -> None:
    pre, dec, module, state = package_counts(expr, steps)
    est = rnnparams.estimate_sequence(expr, "xlstm", None if isinstance(module, xlstm.xLSTMLMModel)
                                      else (steps, width(module)), batch=1, seq_len=steps, mode="inference")
    assert est.compute_modelled
    assert est.state.per_sequence == numbers(state)  # what `step` carries, batch 1
    cells = [m for m in module.modules() if isinstance(m, xlstm.blocks.mlstm.cell.mLSTMCell)]
    parallel = sum(2 * 2 * c.config.embedding_dim * steps * steps for c in cells)  # q·kᵀ and C·v, T × T per head
    # a headwise projection of 1 × 1 blocks is einsum'd as an elementwise product, which FlopCounterMode does not see
    unseen = sum(2 * m.weight.shape[0] for m in module.modules()
                 if isinstance(m, LinearHeadwiseExpand) and m.weight.shape[1:] == (1, 1))
    assert products(pre) == 2 * total(est, "prefill", "weight_macs") + parallel - steps * unseen
    assert products(dec) == 2 * (total(est, "decode", "weight_macs") + total(est, "decode", "scan_macs")) - unseen
    convs = [m for m in module.modules() if isinstance(m, torch.nn.Conv1d)]
    assert total(est, "decode", "conv_macs") == sum(c.out_channels * c.kernel_size[0] for c in convs)
    assert pre.get("aten.convolution", 0) == sum(2 * c.out_channels * c.kernel_size[0] * (steps + c.kernel_size[0] - 1)
                                                 for c in convs)
    assert dec.get("aten.convolution", 0) == 0  # conv1d_step: elementwise
    # our scan MACs are the step's three contractions per mLSTM cell head: k·vᵀ, q·C (d_h² each) and q·n (d_h)
    heads = [(c.config.num_heads, c.config.embedding_dim // c.config.num_heads) for c in cells]
    assert total(est, "decode", "scan_macs") == sum(h * (2 * d * d + d) for h, d in heads)
    assert_flops_are_macs_and_update(est)


MLSTM = "mLSTMBlockConfig(mlstm=mLSTMLayerConfig(num_heads=2, qkv_proj_blocksize=8))"
VANILLA = "sLSTMBlockConfig(slstm=sLSTMLayerConfig(backend='vanilla', num_heads=2))"
PACKAGE_CASES = [
    ("xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block=mLSTMBlockConfig(), slstm_block=sLSTMBlockConfig(slstm="
     "sLSTMLayerConfig(backend='vanilla')), context_length=6, num_blocks=2, embedding_dim=16, slstm_at=[1]))", 5),
    (f"xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block={MLSTM}, slstm_block={VANILLA}, context_length=4, "
     "num_blocks=3, embedding_dim=32, slstm_at=[0], bias=True))", 3),
    (f"xLSTMLMModel(xLSTMLMModelConfig(mlstm_block={MLSTM}, slstm_block={VANILLA}, context_length=7, num_blocks=2, "
     "embedding_dim=16, slstm_at=[1], vocab_size=50, tie_weights=True))", 7),
    (f"xLSTMLMModel(xLSTMLMModelConfig(mlstm_block={MLSTM}, context_length=4, num_blocks=1, embedding_dim=16, "
     "vocab_size=30))", 4),
    ("xLSTMBlockStack(xLSTMBlockStackConfig(slstm_block=sLSTMBlockConfig(slstm=sLSTMLayerConfig(backend='vanilla', "
     "conv1d_kernel_size=0), feedforward=None), num_blocks=2, embedding_dim=8, slstm_at='all'))", 4),
    ("mLSTMBlock(mLSTMBlockConfig(mlstm=mLSTMLayerConfig(embedding_dim=16, context_length=5, num_heads=4), "
     "_num_blocks=1))", 5),
    ("sLSTMLayer(sLSTMLayerConfig(embedding_dim=12, num_heads=3, backend='vanilla', conv1d_kernel_size=2))", 3),
]


@pytest.mark.parametrize("expr, steps", PACKAGE_CASES)
def test_package_table_flops(expr: str, steps: int) -> None:
    check_package(expr, steps)


def _divisor(draw: st.DrawFn, n: int, below: bool = False) -> int:
    """A divisor of n (`below`: less than n: a step's multi-head norm needs two numbers per head)."""
    return draw(st.sampled_from([k for k in range(1, n if below else n + 1) if n % k == 0]))


@st.composite
def package_stacks(draw: st.DrawFn) -> tuple[str, int]:
    steps = draw(st.integers(2, 6))
    e = draw(st.sampled_from([4, 8, 12, 16]))
    multiple = draw(st.sampled_from([4, 8, 16]))
    factor = draw(st.sampled_from([1.0, 2.0]))
    u = -(-int(factor * e) // multiple) * multiple
    mlstm = (f"mLSTMBlockConfig(mlstm=mLSTMLayerConfig(proj_factor={factor}, round_proj_up_to_multiple_of={multiple}, "
             f"qkv_proj_blocksize={u // _divisor(draw, u)}, num_heads={_divisor(draw, u, below=True)}, "
             f"conv1d_kernel_size={draw(st.integers(2, 4))}))")
    ff = (f"FeedForwardConfig(proj_factor={draw(st.sampled_from([1.0, 1.3]))}, round_proj_up_to_multiple_of=4, "
          f"bias={draw(flags)})") if draw(flags) else "None"
    slstm = (f"sLSTMBlockConfig(slstm=sLSTMLayerConfig(backend='vanilla', num_heads={_divisor(draw, e, below=True)}, "
             f"conv1d_kernel_size={draw(st.sampled_from([0, 2, 3, 4]))}, group_norm_weight={draw(flags)}), "
             f"feedforward={ff})")
    n = draw(st.integers(1, 3))
    at = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    common = (f"mlstm_block={mlstm}, slstm_block={slstm}, num_blocks={n}, embedding_dim={e}, slstm_at={at}, "
              f"context_length={steps + draw(st.integers(0, 2))}, bias={draw(flags)}, "
              f"add_post_blocks_norm={draw(flags)}")
    if draw(flags):
        return (f"xLSTMLMModel(xLSTMLMModelConfig({common}, vocab_size={draw(st.integers(1, 40))}, "
                f"tie_weights={draw(flags)}))", steps)
    return f"xLSTMBlockStack(xLSTMBlockStackConfig({common}))", steps


@FAST
@given(package_stacks())
def test_package_generated_flops(case: tuple[str, int]) -> None:
    check_package(*case)


# --- transformers' xLSTM -------------------------------------------------------------------------------------

def transformers_counts(config: dict[str, Any], steps: int) -> tuple[dict[str, int], dict[str, int]]:
    """A prefill of `steps` tokens with an xLSTMCache and the next token's step. The cache is given states of the
    shapes the step kernel checks (heads, qk_dim/heads, v_dim/heads): transformers 5.24's xLSTMCache allocates
    hidden_size/heads for both, and the kernel refuses those unless qk_dim_factor = v_dim_factor = 1."""
    from torch.utils.flop_counter import FlopCounterMode
    from transformers.initialization import no_init_weights
    from transformers.models.xlstm.modeling_xlstm import xLSTMCache

    values = {k: v for k, v in config.items() if k not in ("model_type", "architectures")}
    cfg = transformers.xLSTMConfig(**values)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        with no_init_weights():  # transformers 5.24's _init_weights fails on weight_mode="fused" (a bias of heads
            model = transformers.xLSTMForCausalLM(cfg).eval()  # copied from one of 2·heads): values of our own
        for p in model.parameters():
            p.normal_(0, 0.1)
        heads = cfg.num_heads
        qk, v = int(cfg.hidden_size * cfg.qk_dim_factor) // heads, int(cfg.hidden_size * cfg.v_dim_factor) // heads
        cache = xLSTMCache(cfg, 1, dtype=torch.float32)
        cache.rnn_state = {layer: (torch.zeros(1, heads, qk, v), torch.zeros(1, heads, qk), torch.zeros(1, heads, 1))
                           for layer in range(cfg.num_hidden_layers)}
        ids = torch.randint(0, cfg.vocab_size, (1, steps + 1))
        with FlopCounterMode(display=False) as pre:
            out = model(ids[:, :steps], cache=cache, use_cache=True)
        with FlopCounterMode(display=False) as dec:
            model(ids[:, steps:], cache=out.cache, use_cache=True)
    return by_op(pre), by_op(dec)


def check_transformers(config: dict[str, Any], steps: int) -> None:
    pre, dec = transformers_counts(config, steps)
    est = rnnparams.estimate_sequence(spec_from_config(json.dumps(config)), batch=1, seq_len=steps, mode="inference")
    assert est.compute_modelled
    weights = ("aten.mm", "aten.addmm")
    assert sum(pre.get(op, 0) for op in weights) == 2 * total(est, "prefill", "weight_macs")
    assert sum(dec.get(op, 0) for op in weights) == 2 * total(est, "decode", "weight_macs")
    assert dec.get("aten.bmm", 0) == 2 * total(est, "decode", "scan_macs")
    heads, layers = config["num_heads"], config["num_hidden_layers"]
    qk = int(config["hidden_size"] * config.get("qk_dim_factor", 0.5)) // heads
    v = int(config["hidden_size"] * config.get("v_dim_factor", 1.0)) // heads
    assert total(est, "decode", "scan_macs") == layers * heads * (2 * qk * v + qk)
    # The first (T // c)·c tokens run chunkwise: per chunk of c, the state's K̃ᵀ·V (c·d_qk·d_v), the inter-chunk
    # Q̃·C (c·d_qk·d_v) and Q̃·n (c·d_qk) — our per-token contractions, c times — and inside the chunk Q·Kᵀ (c²·d_qk)
    # and (S⊙D)·V (c²·d_v); the rest run the recurrent step. So the prefill's bmm is ours plus the chunks' c² terms.
    chunk = config.get("chunk_size", 64)
    intra = layers * heads * (steps // chunk) * chunk * chunk * (qk + v)
    assert pre.get("aten.bmm", 0) == 2 * (total(est, "prefill", "scan_macs") + intra)
    assert_flops_are_macs_and_update(est)


TINY = {"model_type": "xlstm", "architectures": ["xLSTMForCausalLM"], "vocab_size": 64, "hidden_size": 16,
        "num_heads": 2, "num_hidden_layers": 2}
TRANSFORMERS_CASES = [
    (TINY, 5),
    ({**TINY, "tie_word_embeddings": True, "weight_mode": "fused", "use_bias": True}, 2),
    ({**TINY, "qk_dim_factor": 1.0, "v_dim_factor": 0.5, "num_hidden_layers": 1}, 9),
    ({**TINY, "chunk_size": 4}, 9),  # two chunks of the chunkwise kernel and one step
    ({**TINY, "chunk_size": 2, "qk_dim_factor": 1.0, "v_dim_factor": 2.0}, 4),  # two chunks, no step
]


@pytest.mark.parametrize("config, steps", TRANSFORMERS_CASES)
def test_transformers_table_flops(config: dict[str, Any], steps: int) -> None:
    check_transformers(config, steps)


@st.composite
def transformers_configs(draw: st.DrawFn) -> tuple[dict[str, Any], int]:
    heads = draw(st.integers(1, 3))
    return ({"model_type": "xlstm", "architectures": ["xLSTMForCausalLM"], "vocab_size": draw(st.integers(1, 50)),
             "hidden_size": heads * 4 * draw(st.integers(1, 3)), "num_heads": heads,
             "num_hidden_layers": draw(st.integers(1, 3)), "use_bias": draw(flags),
             "weight_mode": draw(st.sampled_from(["single", "fused"])), "tie_word_embeddings": draw(flags),
             "qk_dim_factor": draw(st.sampled_from([0.5, 1.0, 0.75])),
             "v_dim_factor": draw(st.sampled_from([1.0, 0.5, 2.0])),
             "ffn_proj_factor": draw(st.sampled_from([2.667, 1.3])),
             "ffn_round_up_to_multiple_of": draw(st.sampled_from([1, 8])),
             "chunk_size": draw(st.sampled_from([64, 2, 3, 4]))}, draw(st.integers(1, 9)))


@FAST
@given(transformers_configs())
def test_transformers_generated_flops(case: tuple[dict[str, Any], int]) -> None:
    check_transformers(*case)


# --- fla's RWKV-7 ----------------------------------------------------------------------------------------------
#
# fla 0.6.0 cannot run RWKV-7 on CPU: every step of RWKV7Attention.forward is a Triton kernel ("0 active drivers").
# It runs here with those kernels replaced by the package's own pure-PyTorch references — token_shift_ref,
# torch_addcmul_rwkv7, k_update_ref, gate_output_correction_ref, and for the recurrence the generalized delta
# rule's `dplr_recurrence` (ops/generalized_delta_rule/dplr/naive.py), which is the recurrence fused_recurrent_rwkv7's
# kernel computes, S' = exp(w)·S + b·(aᵀS) + k·vᵀ with a = −kk, b = kk·a, o = rᵀS' (scale 1: the reference scales q
# by d_k^−½, so r is given times d_k^½). token_shift_ref keeps no cache: a decoding step's shift takes the cached last
# token, as the Triton kernel does. Only the glue is ours; FlopCounterMode sees the real layers' matrix products and
# the reference's readout einsum (rᵀS', d_k·d_v per head: half of our contractions, the reference writes aᵀ·S as a
# product and a sum it does not see).

def _fla_references() -> dict[tuple[Any, str], Any]:
    import fla.layers.rwkv7 as layer
    import fla.models.rwkv7.modeling_rwkv7 as model
    from fla.modules.token_shift import token_shift_ref
    from fla.ops.generalized_delta_rule.dplr.naive import dplr_recurrence
    from fla.ops.rwkv7.fused_addcmul import torch_addcmul_rwkv7
    from fla.ops.rwkv7.fused_k_update import k_update_ref
    from fla.ops.rwkv7.gate_output_correction import gate_output_correction_ref

    def token_shift(x: Any, cu_seqlens: Any = None, cache: Any = None, output_cache: bool = False,
                    chunk_indices: Any = None) -> Any:
        delta = token_shift_ref(x, cu_seqlens) if cache is None else \
            torch.cat([cache.reshape(x.shape[0], 1, -1), x[:, :-1]], 1) - x
        return (delta, x[:, -1:]) if output_cache else delta

    def recurrent(r: Any, w: Any, k: Any, v: Any, kk: Any, a: Any, scale: float = 1.0, initial_state: Any = None,
                  output_final_state: bool = False, reverse: bool = False, cu_seqlens: Any = None) -> Any:
        def heads(x: Any) -> Any:
            return x.transpose(1, 2)

        o, state = dplr_recurrence(heads(r) * (scale * r.shape[-1] ** 0.5), heads(k), heads(v), heads(-kk),
                                   heads(kk * a), heads(w), initial_state, output_final_state)
        return heads(o), state

    return {(layer, "token_shift"): token_shift, (model, "token_shift"): token_shift,
            (layer, "fused_addcmul_rwkv7"): torch_addcmul_rwkv7,
            (layer, "fused_k_rwkv7"): lambda k, a, ka, cu_seqlens=None, cu_seqlens_cpu=None: k_update_ref(k, a, ka),
            (layer, "gate_output_correction"): gate_output_correction_ref,
            (layer, "fused_mul_recurrent_rwkv7"): recurrent}


def fla_counts(kind: str, kwargs: dict[str, Any], steps: int) -> tuple[dict[str, int], dict[str, int], Any]:
    """FlopCounterMode of a prefill (no gradients, fewer than 64 tokens: the fused recurrent path) and of the next
    token's step with the cache, and the cache after it."""
    from torch.utils.flop_counter import FlopCounterMode

    pytest.importorskip("fla")
    from fla.layers.rwkv7 import RWKV7Attention
    from fla.models import RWKV7Config, RWKV7ForCausalLM, RWKV7Model
    from fla.models.cache_utils import Cache

    patches = _fla_references()
    saved = {key: getattr(*key) for key in patches}
    try:
        for (owner, name), fn in patches.items():
            setattr(owner, name, fn)
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            if kind == "RWKV7Attention":
                module = RWKV7Attention(**kwargs).eval()
                x = torch.randn(1, steps + 1, kwargs["hidden_size"])
                # after layer 0, a layer mixes in layer 0's values (v_first), which a model passes on
                first = None if not kwargs["layer_idx"] else torch.randn(1, steps + 1, module.value_dim)
                cache = Cache()
                with FlopCounterMode(display=False) as pre:
                    module(x[:, :steps], past_key_values=cache, use_cache=True,
                           v_first=None if first is None else first[:, :steps])
                with FlopCounterMode(display=False) as dec:
                    module(x[:, steps:], past_key_values=cache, use_cache=True,
                           v_first=None if first is None else first[:, steps:])
            else:
                config = RWKV7Config(**kwargs)
                module = (RWKV7ForCausalLM if kind == "RWKV7ForCausalLM" else RWKV7Model)(config).eval()
                ids = torch.randint(0, config.vocab_size, (1, steps + 1))
                with FlopCounterMode(display=False) as pre:
                    cache = module(ids[:, :steps], use_cache=True).past_key_values
                with FlopCounterMode(display=False) as dec:
                    module(ids[:, steps:], past_key_values=cache, use_cache=True)
    finally:
        for (owner, name), fn in saved.items():
            setattr(owner, name, fn)
    return by_op(pre), by_op(dec), cache


def fla_expr(kind: str, kwargs: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"RWKV7Attention({args})" if kind == "RWKV7Attention" else f"{kind}(RWKV7Config({args}))"


def check_fla(kind: str, kwargs: dict[str, Any], steps: int) -> None:
    pre, dec, cache = fla_counts(kind, kwargs, steps)
    shape = (steps, kwargs["hidden_size"]) if kind == "RWKV7Attention" else None
    est = rnnparams.estimate_sequence(fla_expr(kind, kwargs), "fla", shape, batch=1, seq_len=steps, mode="inference")
    assert est.compute_modelled
    weights = ("aten.mm", "aten.addmm")
    assert sum(pre.get(op, 0) for op in weights) == 2 * total(est, "prefill", "weight_macs")
    assert sum(dec.get(op, 0) for op in weights) == 2 * total(est, "decode", "weight_macs")
    states = [layer["recurrent_state"] for layer in cache if layer is not None]  # (1, h, d_k, d_v) per layer
    readout = sum(s.shape[1] * s.shape[2] * s.shape[3] for s in states)  # rᵀS' per token
    assert total(est, "decode", "scan_macs") == 2 * readout  # aᵀS and rᵀS'
    assert dec.get("aten.bmm", 0) == 2 * readout
    assert pre.get("aten.bmm", 0) == 2 * readout * steps
    assert total(est, "prefill", "conv_macs") == 0
    # what the cache holds per layer: the recurrent state and each token shift's last token, batch 1
    assert est.state.per_sequence == sum(v.numel() for layer in cache if layer is not None for v in layer.values()
                                         if isinstance(v, torch.Tensor))
    assert_flops_are_macs_and_update(est)


FLA_TINY = {"hidden_size": 32, "head_dim": 8, "num_hidden_layers": 2, "vocab_size": 50, "fuse_norm": False,
            "decay_low_rank_dim": 8, "gate_low_rank_dim": 8, "a_low_rank_dim": 8, "v_low_rank_dim": 8}
FLA_CASES = [
    ("RWKV7ForCausalLM", FLA_TINY, 5),
    ("RWKV7ForCausalLM", {**FLA_TINY, "tie_word_embeddings": True, "num_hidden_layers": 3, "norm_bias": False}, 2),
    ("RWKV7Model", {**FLA_TINY, "intermediate_size": 40, "norm_first": False}, 4),
    ("RWKV7Attention", {"hidden_size": 32, "head_dim": 8, "layer_idx": 0, "num_hidden_layers": 2, "value_dim": 64}, 5),
    ("RWKV7Attention", {"hidden_size": 24, "head_dim": None, "num_heads": 2, "layer_idx": 1, "num_hidden_layers": 3,
                        "decay_low_rank_dim": 4, "a_low_rank_dim": 4, "v_low_rank_dim": 4, "gate_low_rank_dim": 8}, 3),
    # head_dim keeps its default 64 and wins over num_heads: 2 heads of 64, not 4 of 32
    ("RWKV7Attention", {"hidden_size": 128, "num_heads": 4, "layer_idx": 0, "num_hidden_layers": 2}, 2),
]


@pytest.mark.parametrize("kind, kwargs, steps", FLA_CASES)
def test_fla_table_flops(kind: str, kwargs: dict[str, Any], steps: int) -> None:
    check_fla(kind, kwargs, steps)


@st.composite
def fla_configs(draw: st.DrawFn) -> tuple[str, dict[str, Any], int]:
    head_dim = draw(st.sampled_from([2, 4, 8]))
    e = head_dim * draw(st.integers(1, 4))
    ranks = {k: draw(st.integers(1, 8)) for k in ("decay_low_rank_dim", "gate_low_rank_dim", "a_low_rank_dim",
                                                   "v_low_rank_dim")}
    steps = draw(st.integers(1, 6))
    kind = draw(st.sampled_from(["RWKV7ForCausalLM", "RWKV7Model", "RWKV7Attention"]))
    if kind == "RWKV7Attention":
        layers = draw(st.integers(2, 4))
        index = draw(st.integers(0, layers - 1))  # value_dim ≠ hidden_size fails fla's initialisation after layer 0
        return kind, {"hidden_size": e, "head_dim": head_dim, "layer_idx": index, "num_hidden_layers": layers,
                      "value_dim": draw(st.sampled_from([e, 2 * e])) if index == 0 else e, **ranks}, steps
    return kind, {"hidden_size": e, "head_dim": head_dim, "num_hidden_layers": draw(st.integers(2, 3)),
                  "vocab_size": draw(st.integers(1, 40)), "fuse_norm": False, "norm_bias": draw(flags),
                  "norm_first": draw(flags), "tie_word_embeddings": draw(flags),
                  "intermediate_size": draw(st.one_of(st.none(), st.integers(1, 48))), **ranks}, steps


@FAST
@given(fla_configs())
def test_fla_generated_flops(case: tuple[str, dict[str, Any], int]) -> None:
    check_fla(*case)
