"""`estimate` for sequence models (issue 18 point 5) against the real packages on CPU.

Memory: after a real forward, backward and optimizer step, the bytes of the parameters, of their gradients and of
every tensor in the optimizer's state equal the estimate's weights, gradients and optimizer lines, for transformers'
recurrent and hybrid models (built small on CPU), mambapy, minGRU-pytorch, sru, xlstm (vanilla backend) and ncps
(whose wiring masks are frozen parameters), for every torch optimizer.

Compute: torch's FlopCounterMode on a real prefill over T tokens and a real decoding step (eager attention, the
experts' eager loop), per family, table cases plus hypothesis configurations. FlopCounterMode sees the matrix
products and convolutions; what it counts is derived here from the modeling code of transformers 5.24:

- weight products (aten.mm, addmm, baddbmm): 2 × our weight MACs, prefill and decoding;
- the depthwise convolution (aten.convolution): the prefill's padded conv1d computes T + K − 1 output positions
  (causal_conv1d_fn pads K − 1 on both sides and keeps the first T), we count the T the model uses; a decoding
  step convolves the cached K inputs and the new one without padding (causal_conv1d_update: 2 positions, the
  last kept) for Mamba, Mamba-2, Jamba and Bamba, and RecurrentGemma's step is an elementwise sum FlopCounterMode
  does not see;
- aten.bmm: the Mamba scan's y = C·h per step (Mamba, Jamba: our scan MACs), and eager attention, whose prefill
  multiplies every query by every key (the causal or window mask is applied after: T² keys where we count the
  Σ min(t, W) a query sees) and whose decoding step multiplies by the keys in the cache plus its own (ours).
  Mamba-2's and Bamba's prefill run the chunked SSD algorithm (chunks padded to chunk_size), which is not the
  recurrent form we count: their prefill bmm is not compared; their decoding step is;
- a one-token call on an empty cache takes the packages' decoding path (causal_conv1d_update on a zero state), so
  the prefills here have T ≥ 2;
- the state update's elementwise FLOPs (exp, products, sums) are not seen by FlopCounterMode: they are the hand
  derivations written on each `Mixer` declaration (conventions/transformers/blocks.py).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams
from rnnparams.analysis.sequence import prefill_keys
from rnnparams.inputs.hfconfig import spec_from_config

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
import transformers.utils as _tu  # noqa: E402
import transformers.utils.import_utils as _iu  # noqa: E402
from test_transformers_oracle import TINY as TRANSFORMERS_TINY  # noqa: E402

_tu.is_xlstm_available = _iu.is_xlstm_available = lambda: False  # type: ignore[attr-defined]

pytestmark = pytest.mark.oracle
FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
flags = st.booleans()

TINY: dict[str, dict[str, Any]] = {
    **TRANSFORMERS_TINY,  # mamba, mamba2, rwkv, recurrent_gemma: the configs the count oracle builds
    "jamba": {"model_type": "jamba", "architectures": ["JambaForCausalLM"], "vocab_size": 64, "hidden_size": 16,
              "num_hidden_layers": 4, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 24,
              "num_experts": 4, "num_experts_per_tok": 2, "attn_layer_period": 2, "attn_layer_offset": 1,
              "expert_layer_period": 2, "expert_layer_offset": 0, "mamba_d_state": 4, "mamba_d_conv": 3},
    "bamba": {"model_type": "bamba", "architectures": ["BambaForCausalLM"], "vocab_size": 64, "hidden_size": 16,
              "num_hidden_layers": 3, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 24,
              "attn_layer_indices": [1], "mamba_n_heads": 4, "mamba_n_groups": 1, "mamba_d_state": 4,
              "mamba_d_conv": 3, "mamba_expand": 2},
    "xlstm": {"model_type": "xlstm", "architectures": ["xLSTMForCausalLM"], "vocab_size": 64, "hidden_size": 16,
              "num_heads": 2, "num_hidden_layers": 2},
}


def config_of(config: dict[str, Any]) -> Any:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    values = dict(config)
    cfg = getattr(transformers, CONFIG_MAPPING_NAMES[str(values.pop("model_type"))])(**values)
    cfg._attn_implementation = "eager"  # FlopCounterMode does not count torch's CPU flash kernel
    if hasattr(cfg, "_experts_implementation"):
        cfg._experts_implementation = "eager"  # the default grouped kernel is invisible to FlopCounterMode
    return cfg


def build(config: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(transformers, config["architectures"][0])(config_of(config))


def spec(config: dict[str, Any]) -> Any:
    return spec_from_config(json.dumps(config))


# --- Memory after a real step ----------------------------------------------------------------------------------

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "rmsprop-centered", "adagrad", "adafactor")


def torch_optimizer(name: str, params: list[Any]) -> Any:
    return {"sgd": lambda: torch.optim.SGD(params, lr=0.1),
            "momentum": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9),
            "nesterov": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
            "adam": lambda: torch.optim.Adam(params), "adamw": lambda: torch.optim.AdamW(params),
            "rmsprop": lambda: torch.optim.RMSprop(params),
            "rmsprop-centered": lambda: torch.optim.RMSprop(params, centered=True),
            "adagrad": lambda: torch.optim.Adagrad(params),
            "adafactor": lambda: torch.optim.Adafactor(params)}[name]()


def _bytes(tensors: Any) -> int:
    seen: dict[int, int] = {}
    for t in tensors:
        if isinstance(t, torch.Tensor):
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
    return sum(seen.values())


def measure(module: Any, loss: Any) -> dict[str, dict[str, int]]:
    """Per optimizer: the parameters', gradients' and optimizer state's bytes after a real backward and step. The
    optimizer gets the trainable parameters (`filter(lambda p: p.requires_grad, ...)`): given a frozen one, torch's
    Adagrad still allocates its `sum` (the others skip a parameter without a gradient)."""
    loss().float().sum().backward()
    params = list(module.parameters())
    grads = {id(p): p.grad.clone() for p in params if p.grad is not None}
    out: dict[str, dict[str, int]] = {}
    for name in OPTIMIZERS:
        for p in params:
            p.grad = grads.get(id(p))
        opt = torch_optimizer(name, [p for p in params if p.requires_grad])
        opt.step()
        out[name] = {"weights": _bytes(params), "gradients": _bytes(p.grad for p in params),
                     "optimizer_state": _bytes(v for s in opt.state.values() for v in s.values())}
    return out


def assert_memory(model: Any, measured: dict[str, dict[str, int]], framework: str | None = None,
                  shape: Any = None) -> None:
    for name, real in measured.items():
        est = rnnparams.estimate_sequence(model, framework, shape, batch=2, seq_len=4, optimizer=name)
        got = {key: est.memory_line(key).value for key in real}
        assert got == real, name
        assert est.to_dict()["activations_modelled"] is False


@pytest.mark.parametrize("family", sorted(TINY))
def test_transformers_memory_after_a_real_step(family: str) -> None:
    config = {**TINY[family], "tie_word_embeddings": family in ("mamba", "rwkv")}
    model = build(config).train()
    ids = torch.randint(0, 64, (2, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # use_cache=False: transformers' xLSTM allocates its cache's C at hidden_size/heads per head and fails when
        # qk_dim_factor or v_dim_factor is not 1 (its default 0.5 included)
        measured = measure(model, lambda: model(ids, use_cache=False).logits)
    assert_memory(spec(config), measured)


def test_a_frozen_embedding_has_no_gradient_or_state() -> None:
    """A frozen embedding (requires_grad False, as fine-tuning code sets it): the estimate's spec marks it so."""
    from rnnparams._record import replace

    config = {**TINY["mamba"], "tie_word_embeddings": False}
    model = build(config).train()
    model.backbone.embeddings.weight.requires_grad_(False)
    ids = torch.randint(0, 64, (2, 4))
    measured = measure(model, lambda: model(ids).logits)
    base = spec(config)
    layers = tuple(replace(layer, frozen=("weight",)) if layer.name.endswith("embeddings") else layer
                   for layer in base.layers)
    assert_memory(replace(base, layers=layers), measured)


def _blocks() -> list[tuple[str, str, Any, Any]]:
    """(expression, framework, builder of the real module, its input) for the block packages."""
    cases: list[tuple[str, str, Any, Any]] = []
    try:
        import mambapy.mamba as mp
        cases.append(("mambapy.Mamba(d_model=16, n_layers=2, d_state=4)", "mambapy",
                      lambda: mp.Mamba(mp.MambaConfig(d_model=16, n_layers=2, d_state=4)), (2, 5, 16)))
    except ImportError:
        pass
    try:
        from minGRU_pytorch import minGRU
        from minGRU_pytorch.minLSTM import minLSTM
        cases.append(("minGRU(16)", "mingru", lambda: minGRU(16), (2, 5, 16)))
        cases.append(("minLSTM(12, proj_out=True)", "mingru", lambda: minLSTM(12, proj_out=True), (2, 5, 12)))
    except ImportError:
        pass
    try:
        import sru
        cases.append(("SRU(8, 16, num_layers=2)", "sru", lambda: sru.SRU(8, 16, num_layers=2), (5, 2, 8)))
    except ImportError:
        pass
    try:
        import xlstm
        expr = ("xLSTMBlockStack(xLSTMBlockStackConfig(mlstm_block=mLSTMBlockConfig(), slstm_block=sLSTMBlockConfig("
                "slstm=sLSTMLayerConfig(backend='vanilla')), context_length=4, num_blocks=2, embedding_dim=16, "
                "slstm_at=[1]))")
        ns = {n: getattr(xlstm, n) for n in ("xLSTMBlockStack", "xLSTMBlockStackConfig", "mLSTMBlockConfig",
                                             "sLSTMBlockConfig", "sLSTMLayerConfig")}
        cases.append((expr, "xlstm", lambda: eval(expr, {"__builtins__": {}}, ns), (2, 4, 16)))
    except ImportError:
        pass
    try:
        from ncps.torch import CfC
        from ncps.wirings import AutoNCP
        cases.append(("CfC(20, AutoNCP(28, 4))", "ncps", lambda: CfC(20, AutoNCP(28, 4)), (2, 3, 20)))
    except ImportError:
        pass
    return cases


@pytest.mark.parametrize("expr, framework, make, shape", _blocks(), ids=lambda v: v if isinstance(v, str) else "")
def test_block_packages_memory_after_a_real_step(expr: str, framework: str, make: Any, shape: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = make().train()
        x = torch.randn(*shape)

        def loss() -> Any:
            out = module(x)
            return out[0] if isinstance(out, tuple) else out

        measured = measure(module, loss)
    input_shape = None if framework == "mambapy" else (shape[0], shape[2]) if framework == "sru" else shape[1:]
    assert_memory(expr, measured, framework, input_shape)
    est = rnnparams.estimate_sequence(expr, framework, input_shape, batch=2, seq_len=4)
    assert est.compute_modelled  # their FLOPs: test_block_flops_oracle.py, test_xlstm_fla_flops_oracle.py
    assert any("activations are not modelled" in w for w in est.warnings)


# --- FLOPs against FlopCounterMode -----------------------------------------------------------------------------

WEIGHT_OPS = ("aten.mm", "aten.addmm", "aten.baddbmm")


def counted(config: dict[str, Any], steps: int) -> tuple[dict[str, int], dict[str, int], Any, Any]:
    """FlopCounterMode's FLOPs by op of a prefill of `steps` tokens and of the next token's decoding step (batch 1),
    with the cache the prefill left."""
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import DynamicCache

    model = build(config).eval()
    ids = torch.randint(0, int(config["vocab_size"]), (1, steps + 1))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        if config["model_type"] == "rwkv":
            with FlopCounterMode(display=False) as pre:
                out = model(ids[:, :steps], use_cache=True)
            with FlopCounterMode(display=False) as dec:
                model(ids[:, steps:], use_cache=True, state=out.state)
            cache = None
        else:
            cache = DynamicCache(config=model.config)
            with FlopCounterMode(display=False) as pre:  # positions given: a cache of recurrent layers has no length
                model(ids[:, :steps], use_cache=True, cache=cache, position_ids=torch.arange(steps)[None])
            with FlopCounterMode(display=False) as dec:
                model(ids[:, steps:], use_cache=True, cache=cache, position_ids=torch.tensor([[steps]]))

    def by_op(counter: Any) -> dict[str, int]:
        return {str(k): int(v) for k, v in counter.get_flop_counts()["Global"].items()}

    return by_op(pre), by_op(dec), cache, model


def ours(config: dict[str, Any], steps: int) -> Any:
    return rnnparams.estimate_sequence(spec(config), batch=1, seq_len=steps, mode="inference")


def total(est: Any, phase: str, key: str) -> int:
    return sum(layer.value(phase, key) for layer in est.layers)


def conv_kernel(config: dict[str, Any]) -> int:
    return int(config.get("conv_kernel", config.get("mamba_d_conv", config.get("conv1d_width", 4))))


def attention_macs_per_key(est: Any) -> int:
    """Σ over attention layers of their multiply-adds per query and key, read back from our decode line (K_d keys)."""
    out = 0
    for layer in est.layers:
        for item in layer.decode:
            if item.key == "attention_macs":
                (keys,) = (v for k, v in item.bindings.items() if k.startswith("K_d"))
                out += item.value // keys
    return out


def check_flops(config: dict[str, Any], steps: int) -> None:
    pre, dec, _, _ = counted(config, steps)
    est = ours(config, steps)
    family = config["model_type"]
    assert sum(pre.get(op, 0) for op in WEIGHT_OPS) == 2 * total(est, "prefill", "weight_macs")
    assert sum(dec.get(op, 0) for op in WEIGHT_OPS) == 2 * total(est, "decode", "weight_macs")
    k = conv_kernel(config)
    per_token_conv = total(est, "decode", "conv_macs")
    # the Mamba families' cache pads a prefill shorter than K to K tokens (update_conv_state) before the padded conv
    inputs = steps if family == "recurrent_gemma" else max(steps, k)
    assert pre.get("aten.convolution", 0) == 2 * per_token_conv * (inputs + k - 1)
    decode_positions = 0 if family == "recurrent_gemma" else 2
    assert dec.get("aten.convolution", 0) == 2 * per_token_conv * decode_positions
    per_key = attention_macs_per_key(est)
    assert dec.get("aten.bmm", 0) == 2 * (total(est, "decode", "scan_macs") + total(est, "decode", "attention_macs"))
    if family not in ("mamba2", "bamba"):  # their prefill is the chunked SSD (module docstring)
        assert pre.get("aten.bmm", 0) == 2 * (total(est, "prefill", "scan_macs") + per_key * steps * steps)
    # our attention counts the keys each query sees
    window = config.get("attention_window_size") if family == "recurrent_gemma" else None
    assert total(est, "prefill", "attention_macs") == per_key * prefill_keys(steps, window)
    # FLOPs = 2·MACs + the declared elementwise state update, prefill and one step
    for phase in ("prefill", "decode"):
        assert total(est, phase, "flops") == 2 * total(est, phase, "macs") + total(est, phase, "scan_flops")


@pytest.mark.parametrize("family", [f for f in sorted(TINY) if f != "xlstm"])
@pytest.mark.parametrize("steps", [2, 5, 11])
def test_table_flops(family: str, steps: int) -> None:
    check_flops({**TINY[family], "tie_word_embeddings": steps == 5}, steps)


small = st.integers(1, 24)


def divisors(n: int) -> st.SearchStrategy[int]:
    """Key/value head counts the eager attention runs (repeat_kv needs heads divisible by them)."""
    return st.sampled_from([k for k in range(1, n + 1) if n % k == 0])


@st.composite
def mamba_configs(draw: st.DrawFn) -> dict[str, Any]:
    return {"model_type": draw(st.sampled_from(["mamba", "falcon_mamba"])), "architectures": None,
            "vocab_size": draw(st.integers(1, 50)), "hidden_size": draw(small),
            "num_hidden_layers": draw(st.integers(1, 3)), "state_size": draw(st.integers(1, 8)),
            "expand": draw(st.integers(1, 2)), "conv_kernel": draw(st.integers(1, 4)), "use_bias": draw(flags),
            "use_conv_bias": draw(flags), "tie_word_embeddings": draw(flags),
            "time_step_rank": draw(st.one_of(st.just("auto"), st.integers(1, 8)))}


@st.composite
def mamba2_configs(draw: st.DrawFn) -> dict[str, Any]:
    heads, head_dim = draw(st.integers(1, 4)), draw(st.integers(1, 8))
    return {"model_type": "mamba2", "vocab_size": draw(st.integers(1, 50)), "hidden_size": heads * head_dim,
            "expand": 1, "num_heads": heads, "head_dim": head_dim, "num_hidden_layers": draw(st.integers(1, 3)),
            "state_size": draw(st.integers(1, 8)), "n_groups": draw(st.sampled_from([g for g in (1, 2, 4)
                                                                                      if heads % g == 0])),
            "conv_kernel": draw(st.integers(1, 4)), "use_bias": draw(flags), "use_conv_bias": draw(flags),
            "tie_word_embeddings": draw(flags)}


@st.composite
def rwkv_configs(draw: st.DrawFn) -> dict[str, Any]:
    # RwkvPreTrainedModel._init_weights divides by num_hidden_layers - 1: a 1-layer RWKV cannot be built for real
    # ... and by attention_hidden_size - 1 (the hidden size, by default)
    return {"model_type": "rwkv", "vocab_size": draw(st.integers(1, 50)), "hidden_size": draw(st.integers(2, 24)),
            "num_hidden_layers": draw(st.integers(2, 3)), "intermediate_size": draw(st.integers(1, 40)),
            "tie_word_embeddings": draw(flags)}


# transformers 5.24 builds the attention mask by asking the cache for its length, which a cache holding only
# recurrent layers refuses (`get_seq_length` can only be called on Attention layers): the hybrids generated here hold
# at least one attention layer; the all-recurrent models are the Mamba, Mamba-2 and RWKV families.

@st.composite
def gemma_configs(draw: st.DrawFn) -> dict[str, Any]:
    heads = draw(st.integers(1, 3))
    kinds = draw(st.lists(st.sampled_from(["recurrent", "attention"]), min_size=0, max_size=2))
    kinds.insert(draw(st.integers(0, len(kinds))), "attention")
    return {"model_type": "recurrent_gemma", "vocab_size": draw(st.integers(1, 50)),
            "hidden_size": heads * draw(st.integers(1, 8)), "num_attention_heads": heads,
            "num_key_value_heads": draw(divisors(heads)),
            "num_hidden_layers": draw(st.integers(len(kinds), 4)),
            "intermediate_size": draw(st.integers(2, 32)), "conv1d_width": draw(st.integers(1, 4)),
            "attention_bias": draw(flags), "tie_word_embeddings": draw(flags),
            "attention_window_size": draw(st.integers(2, 10)),
            "block_types": kinds}


@st.composite
def jamba_configs(draw: st.DrawFn) -> dict[str, Any]:
    heads = draw(st.integers(1, 3))
    attn_period, expert_period = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    experts = draw(st.integers(1, 4))
    offset = draw(st.integers(0, attn_period - 1))
    return {"model_type": "jamba", "vocab_size": draw(st.integers(1, 50)),
            "hidden_size": heads * draw(st.integers(1, 6)),
            "num_attention_heads": heads, "num_key_value_heads": draw(divisors(heads)),
            "intermediate_size": draw(st.integers(1, 24)), "num_hidden_layers": draw(st.integers(offset + 1, 4)),
            "num_experts": experts, "num_experts_per_tok": draw(st.integers(1, experts)),
            "attn_layer_period": attn_period, "attn_layer_offset": offset,
            "expert_layer_period": expert_period, "expert_layer_offset": draw(st.integers(0, expert_period - 1)),
            "mamba_d_state": draw(st.integers(1, 6)), "mamba_d_conv": draw(st.integers(1, 4)),
            "mamba_expand": draw(st.integers(1, 2)), "mamba_conv_bias": draw(flags), "mamba_proj_bias": draw(flags),
            "tie_word_embeddings": draw(flags)}


@st.composite
def bamba_configs(draw: st.DrawFn) -> dict[str, Any]:
    heads, mheads = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    layers = draw(st.integers(1, 4))
    return {"model_type": "bamba", "vocab_size": draw(st.integers(1, 50)),
            "hidden_size": heads * mheads * draw(st.integers(1, 3)), "num_attention_heads": heads,
            "num_key_value_heads": draw(divisors(heads)), "intermediate_size": draw(st.integers(1, 24)),
            "num_hidden_layers": layers,
            "attn_layer_indices": draw(st.lists(st.integers(0, layers - 1), unique=True, min_size=1, max_size=layers)),
            "mamba_n_heads": mheads, "mamba_n_groups": 1, "mamba_d_state": draw(st.integers(1, 6)),
            "mamba_d_conv": draw(st.integers(1, 4)), "mamba_expand": draw(st.integers(1, 2)),
            "mamba_conv_bias": draw(flags), "mamba_proj_bias": draw(flags), "attention_bias": draw(flags),
            "mlp_bias": draw(flags), "tie_word_embeddings": draw(flags)}


CAUSAL = {"mamba": "MambaForCausalLM", "falcon_mamba": "FalconMambaForCausalLM", "mamba2": "Mamba2ForCausalLM",
          "rwkv": "RwkvForCausalLM", "recurrent_gemma": "RecurrentGemmaForCausalLM", "jamba": "JambaForCausalLM",
          "bamba": "BambaForCausalLM"}


def run_generated(strategy: Any, causal: dict[str, str], check: Any,
                  steps: st.SearchStrategy[int] | None = None) -> None:
    """`check(config, T)` on FAST hypothesis configurations of `strategy`, each built as its causal LM (`causal` by
    model_type), T ≥ 2 tokens of prefill (a one-token call takes the decoding path)."""
    @FAST
    @given(strategy, steps if steps is not None else st.integers(2, 7))
    def run(config: dict[str, Any], t: int) -> None:
        config["architectures"] = [causal[config["model_type"]]]
        check(config, t)

    run()


@pytest.mark.parametrize("strategy", [mamba_configs(), mamba2_configs(), rwkv_configs(), gemma_configs(),
                                      jamba_configs(), bamba_configs()],
                         ids=["mamba", "mamba2", "rwkv", "recurrent_gemma", "jamba", "bamba"])
def test_generated_flops(strategy: Any) -> None:
    run_generated(strategy, CAUSAL, check_flops)


# --- The state per sequence and the local-attention cache, measured ---------------------------------------------

@pytest.mark.parametrize("steps", [3, 7, 12])
def test_local_attention_cache_is_what_a_real_forward_keeps(steps: int) -> None:
    """RecurrentGemma's sliding-window cache after a real CPU forward with use_cache: transformers'
    DynamicSlidingWindowLayer keeps the last window − 1 keys and values (fewer before that many tokens): our cache
    holds min(T, window − 1) after T tokens, and a decoding step attends to them and to itself
    (K_d = min(T + 1, window))."""
    config = TINY["recurrent_gemma"]
    window = config["attention_window_size"]
    _, _, cache, model = counted(config, steps)
    kv = model.config.num_key_value_heads
    est = ours(config, steps)
    layers = [layer for layer in cache.layers if hasattr(layer, "keys") and layer.keys is not None]
    assert layers
    for layer in layers:
        # counted() ran the prefill and one decoding step: T + 1 tokens went through the cache
        assert tuple(layer.keys.shape) == tuple(layer.values.shape) == (1, kv, min(steps + 1, window - 1), 8)
    keys = [c for c in est.state.caches if c.name in ("key_cache", "value_cache")]
    assert [(c.shape, c.cap, c.tokens) for c in keys] == [((len(layers), kv, 8), window - 1,
                                                           min(steps, window - 1))] * 2
    assert all(c.cap is not None and min(steps + 1, c.cap) == layer.keys.shape[2] for c in keys for layer in layers)


def test_jamba_moe_flops_per_token() -> None:
    """Jamba's mixture of experts per decoded token: the router (experts × d_model) and top_k experts' gated MLPs
    (3·d_ffn·d_model each), from FlopCounterMode on the expert layers' modules of a real step."""
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import DynamicCache

    config = TINY["jamba"]
    model = build(config).eval()
    ids = torch.randint(0, 64, (1, 6))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        cache = DynamicCache(config=model.config)
        model(ids[:, :5], use_cache=True, cache=cache)
        with FlopCounterMode(display=False) as counter:
            model(ids[:, 5:], use_cache=True, cache=cache, position_ids=torch.tensor([[5]]))
    moe = sum(sum(ops.values()) for name, ops in counter.get_flop_counts().items()
              if name.endswith("feed_forward") and name.split(".")[-2] in ("0", "2"))
    d, f, e, k = 16, 24, 4, 2
    assert moe == 2 * 2 * (e * d + k * 3 * f * d)  # two expert layers (0 and 2)
    est = ours(config, 5)
    stack = next(layer for layer in est.layers if layer.type == "JambaStack")
    dense = 2 * 3 * f * d  # layers 1 and 3: the dense MLP
    att = 2 * (2 * (2 * 8 * d) + 2 * (1 * 8 * d))  # layers 1, 3: q, o heads·head_dim·d; k, v kv_heads·head_dim·d
    mamba = 2 * (2 * 32 * d + 32 * (1 + 8) + 32 * 1 + d * 32)  # in_proj, x_proj, dt_proj, out_proj
    assert stack.value("decode", "weight_macs") == moe // 2 + dense + att + mamba


def test_estimate_cli_for_a_config_file(tmp_path: Any) -> None:
    """The CLI on a config.json: text in en and zh, JSON with the prefill, decode and state fields; a bad --seq-len
    and --checkpointing are clear errors."""
    from rnnparams.cli import main

    path = tmp_path / "config.json"
    path.write_text(json.dumps(TINY["mamba"]))
    assert main(["estimate", str(path), "-b", "2", "-T", "5"]) == 0
    assert main(["estimate", str(path), "-b", "2", "-T", "5", "--lang", "zh"]) == 0
    assert main(["estimate", str(path), "-b", "2", "-T", "5", "--json"]) == 0
    assert main(["estimate", str(path), "-b", "2"]) == 2
    assert main(["estimate", str(path), "-b", "2", "-T", "5", "--checkpointing"]) == 2
    est = rnnparams.estimate_sequence(str(path), batch=2, seq_len=5)
    data = est.to_dict()
    assert data["state_bytes_per_sequence"] == 4 * 2 * (32 * 4 + 32 * 4)
    assert data["compute"]["decode"]["flops_per_sequence"] == total(est, "decode", "flops")
    assert math.isclose(data["memory"]["states"], 2 * data["state_bytes_per_sequence"])
