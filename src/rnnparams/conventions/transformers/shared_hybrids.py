"""Hybrids whose attention blocks are shared between layers (Zyphra's Zamba and Zamba2), named as
`named_parameters()` lists them:

- Zamba: Mamba layers (per-head x_proj / dt_proj, A_log (heads, head_dim, d_state)) and "hybrid" layers, each a
  Mamba layer with one shared transformer block (attention over the d_att = 2·hidden_size concatenation of the
  input and the embeddings, a gated MLP) before it and a linear (d_model × d_model) of its own;
- Zamba2: Mamba-2 layers and hybrid layers whose shared blocks cycle through num_mem_blocks copies; each use of a
  block adds its own low-rank adapters (rank adapter_rank: the MLP's gate_up_proj always, q/k/v with
  use_shared_attention_adapter), held inside the block as `..._adapter_list.{use}` (Identity at the uses of the
  other blocks).

A shared block is listed once, at its first use, with the adapters of all its uses; transformers 5.24 ties the
blocks only with tie_word_embeddings (the tie goes through the same `_tied_weights_keys`): untied, every hybrid
layer holds a block of its own (still with the adapters of every use of its block number)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import record, replace
from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import Expr, Sym
from ..base import (
    ANY,
    BOOL,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    TensorSpec,
    TensorTemplate,
    TokenCache,
    expand,
    fmt_shape,
    freeze,
)
from ..work import Mixer, Work
from .blocks import (
    ATTENTION_MIXER,
    D_CONV,
    D_FFN,
    D_INNER,
    D_MODEL,
    D_STATE,
    DT_RANK,
    GROUPS,
    HEAD_DIM,
    HEADS,
    KV_HEADS,
    MAMBA_MIXER,
    ONE,
    TOKEN_PRODUCTS,
    kv_caches,
)
from .common import Arg, S, States, _bound, flag, held_shape, size
from .hybrid_common import MHEAD_DIM, MHEADS, SSM_WORDS, mamba2_mixer

T = TensorTemplate
D_ATT, RANK = S("d_att"), S("rank")
HYBRID = "hybrid"


@record
class Part:
    """A run of a shared block's tensors: shared (listed once per block) or one copy per use of the block, its
    names formatted with `{use}`, the hybrid layer's number among the hybrid layers."""

    tensors: tuple[TensorTemplate, ...]
    per_use: bool = False


def shared_stack(type_name: str, args: tuple[Arg, ...], mamba: tuple[TensorTemplate, ...],
                 before: tuple[TensorTemplate, ...], shared: tuple[Part, ...], after: tuple[TensorTemplate, ...], *,
                 states: States, words: Mapping[str, tuple[str, str]], notes: tuple[str, ...],
                 work: Work) -> LayerConvention:
    """The `layers` ModuleList of a shared-block hybrid: by `layer_types`, a Mamba layer (`mamba` tensors) or a
    hybrid layer (`before`, the shared block's parts when this is its first listing, `after`). Closed form:
    L_mamba·(Mamba layer) + L_hyb·(hybrid layer's own tensors and one use's adapters) + n_shared·(block), or,
    when a block holds the adapters of several uses (untied, or adapter lists of another length), n_adapters·(one
    use's adapters) apart. `adapter_slots`: the length of the adapter lists (None: one per hybrid layer). Every
    hybrid layer caches its own keys and values (the shared attention runs at its layer_idx)."""
    flags = tuple(a.name for a in args if a.symbol is None)

    def plan(ctx: LayerContext) -> LayerPlan:
        types = ctx.cfg("layer_types")
        assert isinstance(types, tuple)
        if not types:
            raise ConfigError(f"{ctx.name} ({type_name}): a stack holds at least one layer")
        blocks, tied = ctx.int("num_mem_blocks"), bool(ctx.cfg("tie_shared"))
        env = _bound(ctx, args, None)
        hybrids = sum(1 for t in types if t == HYBRID)
        slots = hybrids if ctx.cfg("adapter_slots") is None else ctx.int("adapter_slots")
        listed = min(blocks, hybrids) if tied else hybrids
        env.update(L_mamba=len(types) - hybrids, L_hyb=hybrids, n_shared=listed)
        d = env["d_model"]
        shape: Shape = ctx.in_shape if ctx.in_shape is not None else (None, None, d)
        if len(shape) != 3 or shape[-1] not in (None, d):
            raise ShapeError(f"{ctx.name} ({type_name}) reads (batch, T, {d}); it receives {fmt_shape(shape)}")
        on = {f: bool(ctx.cfg(f)) for f in flags}
        tensors: list[TensorSpec] = []
        uses = 0  # adapters listed
        h = 0
        for k, kind in enumerate(types):
            if kind != HYBRID:
                tensors += _named(k, expand(mamba, flags=on))
                continue
            tensors += _named(k, expand(before, flags=on))
            if not tied or h < blocks:
                for part in shared:
                    if not part.per_use:
                        tensors += _named(k, expand(part.tensors, flags=on))
                        continue
                    for use in range(h % blocks, slots, blocks):
                        tensors += _named(k, expand(part.tensors, flags=on, use=use))
                uses += len(range(h % blocks, slots, blocks))
            tensors += _named(k, expand(after, flags=on))
            h += 1
        one_use = tuple(t for p in shared if p.per_use for t in expand(p.tensors, flags=on, use="u"))
        own = (*expand(before, flags=on), *one_use, *expand(after, flags=on))
        block = tuple(t for p in shared if not p.per_use for t in expand(p.tensors, flags=on))
        # one use's adapters per hybrid layer, unless the blocks are untied (a block's adapters are listed at each
        # of its uses) or the adapter lists have another length: then as many copies as this config lists
        per_layer = tied and slots == hybrids
        adapters: Expr = Sym("L_hyb") if per_layer else Sym("n_adapters")
        if not per_layer:
            env["n_adapters"] = uses
        family = tuple((c, ts) for c, ts, n in (
            (Sym("L_mamba"), tuple(expand(mamba, flags=on)), env["L_mamba"]),
            (Sym("L_hyb"), own if per_layer else (*expand(before, flags=on), *expand(after, flags=on)), hybrids),
            (adapters, () if per_layer else one_use, uses), (Sym("n_shared"), block, listed)) if n and ts)
        # n_shared too: a total with the shared block counted at every use solves for n_shared = L_hyb
        counts = tuple(c for c in ("L_mamba", "L_hyb", "n_shared") if env[c])
        state = {name: held_shape((shape[0], len(types)), dims, env) for name, dims in states(env).items()}
        # every hybrid layer caches its use's keys and values (the shared block's attention at its layer_idx)
        caches = {name: TokenCache(held_shape((shape[0], hybrids), dims, env), cap)
                  for name, (dims, cap) in kv_caches(env).items()} if hybrids else {}
        return LayerPlan(tuple(tensors), freeze(env), shape, shape, freeze(state), family=family,
                         features=("d_model", Sym("d_model")), notes=notes, time_axis=1, counts=counts,
                         caches=freeze(caches))

    params = (*(Param(a.name, a.default, a.kind, positional=False) for a in args),
              Param("num_mem_blocks", 1, SIZE, positional=False), Param("tie_shared", True, BOOL, positional=False),
              Param("layer_types", (), ANY, positional=False), Param("adapter_slots", None, ANY, positional=False))
    return LayerConvention(type_name, params, plan, type_name, work=work, words=MappingProxyType(dict(words)))


def _named(k: int, tensors: list[TensorSpec]) -> list[TensorSpec]:
    return [replace(t, name=f"{k}.{t.name}") for t in tensors]


def _adapter(name: str, d_in: Expr, d_out: Expr, when: str | None = None) -> Part:
    """A use's low-rank adapter: nn.Sequential(Linear(d_in, rank), Linear(rank, d_out)), no biases."""
    return Part((T(f"{name}.{{use}}.0.weight", (RANK, d_in), "adapter_down", when=when),
                 T(f"{name}.{{use}}.1.weight", (d_out, RANK), "adapter_up", when=when)), per_use=True)


def _attention(prefix: str) -> tuple[TensorTemplate, ...]:
    """Zamba's attention reads the d_att-wide concatenation and writes d_model; no biases."""
    return (T(f"{prefix}.q_proj.weight", (HEADS * HEAD_DIM, D_ATT), "query"),
            T(f"{prefix}.k_proj.weight", (KV_HEADS * HEAD_DIM, D_ATT), "key"),
            T(f"{prefix}.v_proj.weight", (KV_HEADS * HEAD_DIM, D_ATT), "value"),
            T(f"{prefix}.o_proj.weight", (D_MODEL, HEADS * HEAD_DIM), "output"))


def _norms(prefix: str) -> tuple[TensorTemplate, ...]:
    return (T(f"{prefix}.input_layernorm.weight", (D_ATT,), "scale"),
            T(f"{prefix}.pre_ff_layernorm.weight", (D_MODEL,), "scale"))


def _mamba2_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """Every layer (hybrid ones too) runs a Mamba-2 mixer: its convolution window and SSM state."""
    return {"conv_state": (D_INNER + 2 * GROUPS * D_STATE, D_CONV), "ssm_state": (MHEADS, MHEAD_DIM, D_STATE)}


def _mamba_states(env: Mapping[str, int]) -> Mapping[str, tuple[Expr | int, ...]]:
    """Zamba's Mamba mixer keeps its convolution window and a (heads, head_dim, d_state) SSM state."""
    return {"conv_state": (D_INNER, D_CONV), "ssm_state": (MHEADS, MHEAD_DIM, D_STATE)}


WORDS = {
    **SSM_WORDS,
    "d_att": ("width the shared attention reads (attention_hidden_size = 2·hidden_size: the input and the "
              "embeddings side by side)",
              "共享注意力读入的宽度（attention_hidden_size = 2·hidden_size：输入与词嵌入拼接）"),
    "rank": ("rank of the per-use adapters (adapter_rank)", "每次使用的适配器的秩（adapter_rank）"),
    "L_mamba": ("number of Mamba layers (the other entries of layer_types)", "Mamba 层数（layer_types 中的其他项）"),
    "L_hyb": ("number of hybrid layers (the \"hybrid\" entries of layer_types)",
              "混合层数（layer_types 中的 \"hybrid\" 项）"),
    "n_shared": ("number of shared transformer blocks held (num_mem_blocks, at most the hybrid layers; every "
                 "hybrid layer when tie_word_embeddings is false)",
                 "实际持有的共享 Transformer 块数（num_mem_blocks，至多为混合层数；tie_word_embeddings 为 false "
                 "时每个混合层各有一个）"),
    "n_adapters": ("number of per-use adapters held (each shared block holds those of all its uses when the blocks "
                   "are untied or the adapter lists are not one per hybrid layer; a hybrid layer runs one)",
                   "实际持有的每次使用适配器数（共享块未绑定或适配器列表并非每个混合层一个时，每个块持有其所有使用的适配器；"
                   "每个混合层只运行其中一个）"),
    "adapter_down": ("Per-use adapter, down to the rank (LoRA A)", "每次使用的适配器，降到秩（LoRA A）"),
    "adapter_up": ("Per-use adapter, up from the rank (LoRA B)", "每次使用的适配器，从秩升回（LoRA B）"),
    "hybrid_linear": ("The hybrid layer's own projection of the shared block's output (d_model × d_model)",
                      "混合层自有的投影，作用于共享块的输出（d_model × d_model）"),
    "zamba": ("A Zamba stack: Mamba layers (per-head x_proj and dt_proj) and hybrid layers, each the one shared "
              "transformer block — attention over d_att = 2·d_model (the input beside the embeddings) and a gated "
              "MLP — then its own linear and a Mamba layer. The shared block is counted once; transformers 5.24 "
              "ties it only when tie_word_embeddings is true.",
              "Zamba 堆叠：Mamba 层（每头的 x_proj 与 dt_proj）与混合层；每个混合层先经唯一的共享 Transformer 块"
              "（在 d_att = 2·d_model 上做注意力，即输入与词嵌入拼接，再接门控 MLP），再经自己的线性层和一个 Mamba 层。"
              "共享块只计一次；transformers 5.24 仅在 tie_word_embeddings 为 true 时绑定它。"),
    "zamba2": ("A Zamba2 stack: Mamba-2 layers and hybrid layers, each a linear of its own, a Mamba-2 layer and one "
               "of num_mem_blocks shared transformer blocks in turn (attention over d_att = 2·d_model, a gated MLP "
               "with a fused gate_up_proj); each use of a block adds its own rank-r adapters (gate_up_proj always, "
               "q/k/v with use_shared_attention_adapter). Shared blocks are counted once; transformers 5.24 ties "
               "them only when tie_word_embeddings is true.",
               "Zamba2 堆叠：Mamba-2 层与混合层；每个混合层有自己的线性层、一个 Mamba-2 层，并轮流使用 num_mem_blocks "
               "个共享 Transformer 块之一（在 d_att = 2·d_model 上做注意力，门控 MLP 的 gate_up_proj 融合）；"
               "块的每次使用各有秩为 r 的适配器（gate_up_proj 总有，use_shared_attention_adapter 时 q/k/v 也有）。"
               "共享块只计一次；transformers 5.24 仅在 tie_word_embeddings 为 true 时绑定它们。"),
}

SHARED_ATTENTION_MIXER = replace(ATTENTION_MIXER, applied="L_hyb")
"""A shared block (n_shared held) runs at each of the L_hyb hybrid layers: its projections, gated MLP and attention
count L_hyb times per token. Its attention multiplies queries by keys and weights by values over heads·head_dim
(= d_att = 2·d_model by default: the block reads the hidden state beside the embeddings, and its heads span that
width), per query and key."""
ADAPTERS_MIXER = Mixer(applied="L_hyb")
"""Adapters held at every use of a block (n_adapters, untied blocks): a hybrid layer runs only its own
(`layer_dic[layer_idx]`), so L_hyb of them run per token."""
TOKEN_ROLES = TOKEN_PRODUCTS | {"hybrid_linear", "adapter_down", "adapter_up"}
"""Every projection: the shared block's, the hybrid layer's own linear and the per-use adapters (Identity at the
other blocks' uses: no product), besides the Mamba mixers'."""
ZAMBA_WORK = Work(token_products=TOKEN_ROLES, mixers=(
    ("L_mamba", MAMBA_MIXER), ("L_hyb", MAMBA_MIXER), ("n_shared", SHARED_ATTENTION_MIXER),
    ("n_adapters", ADAPTERS_MIXER)))
"""Zamba's Mamba mixer (ZambaMambaMixer, per head: mamba_selective_scan over the prefill, mamba_selective_state_update
for a step) computes, per token and head·head_dim·state, dA = exp(Δ·A) (2), dB = Δ·B (1), dB·x (1), h = h·dA + dBx
(2) and y = C·h (a contraction: d_inner·d_state MACs, its heads' head_dim·d_state summed), then the skip y + D·x (2
per channel): blocks.MAMBA_MIXER's 6·d_inner·d_state + 2·d_inner, in every layer (the hybrid layers' mamba_decoder
too). Its per-head x_proj and dt_proj are batched matrix products (mheads·(dt_rank + 2·d_state)·mhead_dim and
mheads·mhead_dim·dt_rank MACs per token), weight products all the same."""
ZAMBA2_WORK = ZAMBA_WORK
"""Zamba2's Mamba-2 step (mamba2_selective_state_update) expands Δ over head_dim and A over head_dim·state before
discretizing, so per token and head·head_dim·state it computes exp(Δ·A) (2), Δ·B (1), ·x (1), h·dA + dBx (2) and the
contraction y = C·h (torch.bmm: heads·head_dim·d_state = d_inner·d_state MACs), then D·x + y (2 per head·head_dim):
Mamba-1's count over d_inner = mheads·mhead_dim. Its prefill runs the chunked SSD algorithm (mamba2_chunk_scan),
counted here in the recurrent form it computes the same state with; Δ + dt_bias and its softplus are left out, as
for Mamba (the state update starts from Δ)."""

ZAMBA2_MAMBA = (*mamba2_mixer("mamba", in_bias="add_bias_linear", out_bias="add_bias_linear", conv_bias=None,
                              norm=None), T("input_layernorm.weight", (D_MODEL,), "scale"))
ZAMBA2_SHARED = (
    Part(_attention("shared_transformer.self_attn")),
    *(_adapter(f"shared_transformer.self_attn.linear_{x}_adapter_list", D_ATT, D_ATT, "attention_adapters")
      for x in "qkv"),
    Part((T("shared_transformer.feed_forward.gate_up_proj.weight", (2 * D_FFN, D_MODEL), "up_proj"),
          T("shared_transformer.feed_forward.gate_up_proj.bias", (2 * D_FFN,), "bias", when="add_bias_linear"),
          T("shared_transformer.feed_forward.down_proj.weight", (D_MODEL, D_FFN), "down_proj"),
          T("shared_transformer.feed_forward.down_proj.bias", (D_MODEL,), "bias", when="add_bias_linear"))),
    _adapter("shared_transformer.feed_forward.gate_up_proj_adapter_list", D_MODEL, 2 * D_FFN),
    Part(_norms("shared_transformer")),
)
_ZAMBA2_ARGS = (size("hidden_size", "d_model"), size("mamba_inner", "d_inner"), size("mamba_d_state", "d_state"),
                size("mamba_d_conv", "d_conv"), size("n_mamba_heads", "mheads"), size("mamba_headdim", "mhead_dim"),
                size("mamba_ngroups", "groups"), size("attention_hidden_size", "d_att"),
                size("num_attention_heads", "heads"), size("num_key_value_heads", "kv_heads"),
                size("attention_head_dim", "head_dim"), size("intermediate_size", "d_ffn"),
                size("adapter_rank", "rank"), flag("add_bias_linear", False), flag("attention_adapters", False))
ZAMBA2 = shared_stack(
    "Zamba2Stack", _ZAMBA2_ARGS, ZAMBA2_MAMBA,
    (T("linear.weight", (D_MODEL, D_MODEL), "hybrid_linear"),
     *(T(f"mamba_decoder.{t.name}", t.shape, t.role, when=t.when) for t in ZAMBA2_MAMBA)),
    ZAMBA2_SHARED, (), states=_mamba2_states, words=WORDS, notes=("zamba2",), work=ZAMBA2_WORK)

ZAMBA_MAMBA = (
    T("mamba.x_proj_weight", (MHEADS, DT_RANK + 2 * D_STATE, MHEAD_DIM), "x_proj"),
    T("mamba.dt_proj_weight", (MHEADS, MHEAD_DIM, DT_RANK), "dt_proj"),
    T("mamba.dt_proj_bias", (MHEADS, MHEAD_DIM), "dt_bias"),
    T("mamba.A_log", (MHEADS, MHEAD_DIM, D_STATE), "ssm_a_log"),
    T("mamba.D", (MHEADS, MHEAD_DIM), "ssm_skip"),
    T("mamba.conv1d.weight", (D_INNER, ONE, D_CONV), "conv_weight"),
    T("mamba.conv1d.bias", (D_INNER,), "conv_bias", when="mamba_conv_bias"),
    T("mamba.in_proj.weight", (2 * D_INNER, D_MODEL), "in_proj"),
    T("mamba.in_proj.bias", (2 * D_INNER,), "bias", when="mamba_proj_bias"),
    T("mamba.out_proj.weight", (D_MODEL, D_INNER), "out_proj"),
    T("mamba.out_proj.bias", (D_MODEL,), "bias", when="mamba_proj_bias"),
    T("input_layernorm.weight", (D_MODEL,), "scale"),
)
ZAMBA = shared_stack(
    "ZambaStack",
    (size("hidden_size", "d_model"), size("mamba_inner", "d_inner"), size("mamba_d_state", "d_state"),
     size("mamba_d_conv", "d_conv"), size("mamba_dt_rank", "dt_rank"), size("n_mamba_heads", "mheads"),
     size("mamba_head_dim", "mhead_dim"), size("attention_hidden_size", "d_att"),
     size("num_attention_heads", "heads"), size("num_key_value_heads", "kv_heads"),
     size("attention_head_dim", "head_dim"), size("intermediate_size", "d_ffn"),
     flag("mamba_conv_bias", True), flag("mamba_proj_bias", False)),
    ZAMBA_MAMBA, (),
    (Part((*_attention("shared_transf.self_attn"),
           T("shared_transf.feed_forward.gate_proj.weight", (D_FFN, D_MODEL), "gate_proj"),
           T("shared_transf.feed_forward.up_proj.weight", (D_FFN, D_MODEL), "up_proj"),
           T("shared_transf.feed_forward.down_proj.weight", (D_MODEL, D_FFN), "down_proj"),
           *_norms("shared_transf"))),),
    (T("linear.weight", (D_MODEL, D_MODEL), "hybrid_linear"),
     *(T(f"mamba_decoder.{t.name}", t.shape, t.role, when=t.when) for t in ZAMBA_MAMBA)),
    states=_mamba_states, words=WORDS, notes=("zamba",), work=ZAMBA_WORK)

LAYERS = {c.type_name: c for c in (ZAMBA2, ZAMBA)}
