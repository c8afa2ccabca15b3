"""PyTorch's transformer modules, each one layer convention whose plan lists every tensor of its sub-modules by
its dotted name, in `named_parameters()` order:

- nn.TransformerEncoderLayer: `self_attn.*` (a MultiheadAttention), `linear1` (E -> D_ff), `linear2` (D_ff -> E),
  `norm1`, `norm2` (LayerNorm(E)), and `activation.*` when the activation is a module with parameters (PReLU);
- nn.TransformerDecoderLayer: the same with a cross-attention `multihead_attn.*` after `self_attn`, and `norm3`;
- nn.TransformerEncoder / nn.TransformerDecoder: `layers.0.` ... `layers.{L-1}.` (copies of the layer given)
  and `norm.*`, the final norm when one is given;
- nn.Transformer: `encoder.` (L_e encoder layers and a LayerNorm) and `decoder.` (L_d decoder layers and a
  LayerNorm), or the custom encoder or decoder given.

E is d_model and D_ff dim_feedforward. In a chain every attention block attends to the tensor the layer receives
(the decoder's memory is that tensor too), and the output has its shape.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from types import MappingProxyType

from ..._record import replace
from ...errors import ConfigError
from ...spec import LayerSpec, Shape
from ...symbolic import Const, Expr, Sym
from ..base import (
    ANY,
    BOOL,
    FLOAT,
    LAYER,
    MAX_STACKED_LAYERS,
    NONNEG,
    SIZE,
    LayerContext,
    LayerConvention,
    LayerPlan,
    Param,
    PlanFn,
    Recognised,
    Recogniser,
    TensorGroup,
    TensorSpec,
    freeze,
)
from ..work import Work
from .attention import HEADS_NOTE, attention_config, attention_tensors, dropout_of, heads_of, sequence
from .attention import WORDS as ATTENTION_WORDS
from .common import E, L, layer
from .table import LAYERS

F = Sym("D_ff")
WORDS: Mapping[str, tuple[str, str]] = MappingProxyType({
    **ATTENTION_WORDS, "D_ff": ("feed-forward size (dim_feedforward)", "前馈层维度(dim_feedforward)"),
    "L_e": ("encoder layers", "编码器层数"), "L_d": ("decoder layers", "解码器层数")})
WORK = Work(attention=True)
ACTIVATIONS = ("relu", "gelu")


def _linear(prefix: str, out: Expr, into: Expr, bias: bool) -> list[TensorSpec]:
    tensors = [TensorSpec(f"{prefix}.weight", (out, into), "weight")]
    return [*tensors, TensorSpec(f"{prefix}.bias", (out,), "bias")] if bias else tensors


def _norm(prefix: str, bias: bool) -> list[TensorSpec]:
    tensors = [TensorSpec(f"{prefix}.weight", (E,), "scale")]
    return [*tensors, TensorSpec(f"{prefix}.bias", (E,), "shift")] if bias else tensors


def activation_tensors(ctx: LayerContext) -> tuple[list[TensorSpec], dict[str, int]]:
    """`activation`: "relu", "gelu", a function (no tensors), or a module; a PReLU module adds `activation.weight`."""
    value = ctx.cfg("activation")
    if isinstance(value, LayerSpec):
        plan = LAYERS[value.type].plan(LayerContext(value, "activation", None, ctx.framework))
        return [replace(t, name=f"activation.{t.name}") for t in plan.tensors], dict(plan.bindings)
    if not isinstance(value, str):
        return [], {}
    if value.isidentifier() and value not in ACTIVATIONS and "." not in value and value.islower():
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): activation should be relu/gelu, not {value}")
    try:
        node = ast.parse(value, mode="eval").body
    except SyntaxError:
        return [], {}
    if isinstance(node, ast.Call) and (ast.unparse(node.func).split(".")[-1] == "PReLU"):
        n = 1
        for arg in [*node.args[:1], *(k.value for k in node.keywords if k.arg == "num_parameters")]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int):
                n = arg.value
        return [TensorSpec("activation.weight", (Sym("N_p"),), "slope")], {"N_p": n}
    return [], {}


def _layer_tensors(ctx: LayerContext, decoder: bool) -> tuple[list[TensorSpec], dict[str, int]]:
    e, ff = ctx.int("d_model"), ctx.int("dim_feedforward")
    h = heads_of(ctx, e, "nhead")
    dropout_of(ctx)
    bias = bool(ctx.cfg("bias"))
    tensors = attention_tensors(e, e, e, bias, False, "self_attn.")
    if decoder:
        tensors += attention_tensors(e, e, e, bias, False, "multihead_attn.")
    tensors += [*_linear("linear1", F, E, bias), *_linear("linear2", E, F, bias), *_norm("norm1", bias),
                *_norm("norm2", bias), *(_norm("norm3", bias) if decoder else [])]
    extra, bindings = activation_tensors(ctx)
    return [*tensors, *extra], {"E": e, "h": h, "D_ff": ff, **bindings}


def plan_encoder_layer(ctx: LayerContext) -> LayerPlan:
    return _layer_plan(ctx, decoder=False)


def plan_decoder_layer(ctx: LayerContext) -> LayerPlan:
    return _layer_plan(ctx, decoder=True)


def _layer_plan(ctx: LayerContext, decoder: bool) -> LayerPlan:
    tensors, bindings = _layer_tensors(ctx, decoder)
    shape, _ = sequence(ctx, ctx.int("d_model"), bool(ctx.cfg("batch_first")))
    return LayerPlan(tuple(tensors), freeze(bindings), shape, shape, features=("E", E))


def _inner(ctx: LayerContext, key: str, shape: Shape | None, wanted: tuple[str, ...]) -> LayerPlan | None:
    """The plan of a module given as an argument (the encoder layer a stack copies, its final norm)."""
    spec = ctx.cfg(key)
    if spec is None:
        return None
    if not isinstance(spec, LayerSpec):
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be a layer such as nn.{wanted[0]}(...)")
    if spec.type not in wanted:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be nn.{' or nn.'.join(wanted)} (got "
                          f"{spec.type})")
    return LAYERS[spec.type].plan(LayerContext(spec, f"{ctx.name}.{key}", shape, ctx.framework))


NORMS = ("LayerNorm", "RMSNorm")


def _stack(ctx: LayerContext, layer_key: str, kind: str, prefix: str = "", copies: Expr = L
           ) -> tuple[list[TensorSpec], dict[str, int], list[tuple[Expr, tuple[TensorSpec, ...]]], LayerPlan]:
    one = _inner(ctx, layer_key, ctx.in_shape, (kind,))
    assert one is not None
    n = ctx.int("num_layers") if layer_key != "layer" else 1
    tensors = [replace(t, name=f"{prefix}layers.{i}.{t.name}") for i in range(n) for t in one.tensors]
    norm = _inner(ctx, "norm", one.output_shape, NORMS)  # type: ignore[arg-type]
    blocks: list[tuple[Expr, tuple[TensorSpec, ...]]] = [(copies, one.tensors)]
    if norm is not None:
        named = [replace(t, name=f"{prefix}norm.{t.name}") for t in norm.tensors]
        tensors += named
        blocks.append((Const(1), tuple(named)))
    bindings = {**one.bindings, **(norm.bindings if norm is not None else {})}
    return tensors, bindings, blocks, one


def plan_encoder(kind: str) -> PlanFn:
    def plan(ctx: LayerContext) -> LayerPlan:
        key = "encoder_layer" if kind == "TransformerEncoderLayer" else "decoder_layer"
        tensors, bindings, blocks, one = _stack(ctx, key, kind)
        bindings["L"] = ctx.int("num_layers")
        return LayerPlan(tuple(tensors), freeze(bindings), one.input_shape, one.output_shape,
                         family=tuple(blocks), features=("E", E) if "E" in bindings else (None, None))
    return plan


def plan_transformer(ctx: LayerContext) -> LayerPlan:
    """nn.Transformer(d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, ...): the encoder and
    decoder torch builds, each with a final LayerNorm (or the custom ones given)."""
    e = ctx.int("d_model")
    shape, _ = sequence(ctx, e, bool(ctx.cfg("batch_first")))
    tensors: list[TensorSpec] = []
    blocks: list[tuple[Expr, tuple[TensorSpec, ...]]] = []
    bindings: dict[str, int] = {}
    for part, kind, count, symbol in (("encoder", "TransformerEncoderLayer", "num_encoder_layers", "L_e"),
                                      ("decoder", "TransformerDecoderLayer", "num_decoder_layers", "L_d")):
        custom = ctx.cfg(f"custom_{part}")
        if custom is not None:
            plan = _inner(ctx, f"custom_{part}", shape, (f"Transformer{part.title()}",))
            assert plan is not None
            named = tuple(replace(t, name=f"{part}.{t.name}") for t in plan.tensors)
            tensors += named
            blocks.append((Const(1), named))
            bindings.update({k: v for k, v in plan.bindings.items() if k != "L"})
            continue
        config = {k: ctx.cfg(k) for k in ("d_model", "nhead", "dim_feedforward", "dropout", "activation",
                                          "layer_norm_eps", "batch_first", "norm_first", "bias")}
        one = LAYERS[kind].plan(LayerContext(LayerSpec(kind, config), f"{ctx.name}.{part}", shape, ctx.framework))
        n = ctx.int(count)
        bias = bool(ctx.cfg("bias"))
        tensors += [replace(t, name=f"{part}.layers.{i}.{t.name}") for i in range(n) for t in one.tensors]
        norm = [replace(t, name=f"{part}.{t.name}") for t in _norm("norm", bias)]
        tensors += norm
        blocks += [(Sym(symbol), one.tensors), (Const(1), tuple(norm))]
        bindings.update({**one.bindings, symbol: n})
    return LayerPlan(tuple(tensors), freeze(bindings), shape, shape, family=tuple(blocks), features=("E", E))


# --- checkpoint naming --------------------------------------------------------------------------------------

def _layer_config(group: TensorGroup, prefix: str, decoder: bool) -> dict[str, object] | None:
    """A transformer layer's arguments from its tensors below `prefix` (`layers.0.`), or None."""
    leaves = group.leaves
    attention = attention_config(group, prefix + "self_attn.")
    linear1, norm1 = leaves.get(prefix + "linear1.weight"), leaves.get(prefix + "norm1.weight")
    if attention is None or linear1 is None or len(linear1) != 2 or norm1 is None or "kdim" in attention:
        return None
    if decoder and attention_config(group, prefix + "multihead_attn.") is None:
        return None
    return {"d_model": attention["embed_dim"], "nhead": 1, "dim_feedforward": linear1[0],
            "bias": prefix + "linear1.bias" in leaves}


def _only_layers(group: TensorGroup, prefix: str) -> int:
    """How many `layers.N.` copies the group holds below `prefix` (0: none, or numbered with gaps)."""
    found = {int(n[len(prefix) + 7:].split(".")[0]) for n in group.leaves
             if n.startswith(prefix + "layers.") and n[len(prefix) + 7:].split(".")[0].isdigit()}
    return len(found) if found == set(range(len(found))) else 0


def recognise_layer(decoder: bool) -> Recogniser:
    def recognise(group: TensorGroup) -> Recognised | None:
        if any(n.startswith("multihead_attn.") for n in group.leaves) != decoder:
            return None
        config = _layer_config(group, "", decoder)
        return None if config is None else Recognised(config, note=f"{group.path or '(root)'}: {HEADS_NOTE}")
    return recognise


def recognise_stack(decoder: bool) -> Recogniser:
    kind = "TransformerDecoderLayer" if decoder else "TransformerEncoderLayer"

    def recognise(group: TensorGroup) -> Recognised | None:
        n = _only_layers(group, "")
        config = _layer_config(group, "layers.0.", decoder) if n else None
        if config is None or any(k.startswith("layers.0.multihead_attn.") for k in group.leaves) != decoder:
            return None
        out: dict[str, object] = {"decoder_layer" if decoder else "encoder_layer": {"class_name": kind,
                                                                                    "config": config},
                                  "num_layers": n}
        norm = group.leaves.get("norm.weight")
        if norm is not None:
            out["norm"] = {"class_name": "LayerNorm", "config": {"normalized_shape": norm[0],
                                                                  "bias": "norm.bias" in group.leaves}}
        return Recognised(out, note=f"{group.path or '(root)'}: {HEADS_NOTE}")
    return recognise


def recognise_transformer(group: TensorGroup) -> Recognised | None:
    enc, dec = _only_layers(group, "encoder."), _only_layers(group, "decoder.")
    first = _layer_config(group, "encoder.layers.0.", False) if enc else None
    if first is None or not dec or _layer_config(group, "decoder.layers.0.", True) is None or \
            "encoder.norm.weight" not in group.leaves or "decoder.norm.weight" not in group.leaves:
        return None
    return Recognised({**first, "num_encoder_layers": enc, "num_decoder_layers": dec},
                      note=f"{group.path or '(root)'}: {HEADS_NOTE}")


LAYER_PARAMS = (Param("d_model", kind=SIZE), Param("nhead", kind=SIZE), Param("dim_feedforward", 2048, SIZE),
                Param("dropout", 0.1, FLOAT), Param("activation", "relu", ANY), Param("layer_norm_eps", 1e-5, FLOAT),
                Param("batch_first", False, BOOL), Param("norm_first", False, BOOL), Param("bias", True, BOOL))
STACKED = Param("num_layers", kind=NONNEG, maximum=MAX_STACKED_LAYERS)


def _composite(name: str, params: tuple[Param, ...], plan: PlanFn, recognise: Recogniser) -> LayerConvention:
    return replace(layer(name, params, plan, work=WORK, recognise=recognise, words=WORDS), nested=True)


CONVENTIONS = (
    _composite("TransformerEncoderLayer", LAYER_PARAMS, plan_encoder_layer, recognise_layer(False)),
    _composite("TransformerDecoderLayer", LAYER_PARAMS, plan_decoder_layer, recognise_layer(True)),
    _composite("TransformerEncoder", (Param("encoder_layer", kind=LAYER), STACKED, Param("norm", None, LAYER),
                                      Param("enable_nested_tensor", True, BOOL), Param("mask_check", True, BOOL)),
               plan_encoder("TransformerEncoderLayer"), recognise_stack(False)),
    _composite("TransformerDecoder", (Param("decoder_layer", kind=LAYER), STACKED, Param("norm", None, LAYER)),
               plan_encoder("TransformerDecoderLayer"), recognise_stack(True)),
    _composite("Transformer", (
        Param("d_model", 512, SIZE), Param("nhead", 8, SIZE),
        Param("num_encoder_layers", 6, NONNEG, maximum=MAX_STACKED_LAYERS),
        Param("num_decoder_layers", 6, NONNEG, maximum=MAX_STACKED_LAYERS), Param("dim_feedforward", 2048, SIZE),
        Param("dropout", 0.1, FLOAT), Param("activation", "relu", ANY), Param("custom_encoder", None, LAYER),
        Param("custom_decoder", None, LAYER), Param("layer_norm_eps", 1e-5, FLOAT), Param("batch_first", False, BOOL),
        Param("norm_first", False, BOOL), Param("bias", True, BOOL)), plan_transformer, recognise_transformer),
)

__all__ = ["CONVENTIONS", "activation_tensors"]
