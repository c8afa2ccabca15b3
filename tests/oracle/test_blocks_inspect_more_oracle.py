"""inspect on safetensors files written from the real packages' state_dicts, for the blocks beyond SRU and minGRU
(test_blocks_inspect_oracle.py): ncps CfC (integer units and wired) and LTC, fla's RWKV-7 attention and
feed-forward, xLSTM stacks. Each must be recognised below any module path, as its package's class, and the
recognised layers' count must reproduce every tensor of the file (nothing left unrecognised)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnparams

pytestmark = [pytest.mark.oracle]
torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")


def inspect_saved(modules: dict[str, Any], path: Path) -> tuple[Any, int]:
    model = torch.nn.Module()
    for name, module in modules.items():
        model.add_module(name, module)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    safetensors_torch.save_file(state, str(path))
    return rnnparams.inspect(path), sum(v.numel() for v in state.values())


def check(modules: dict[str, Any], path: Path, types: dict[str, str]) -> None:
    ins, total = inspect_saved(modules, path)
    assert {layer.name: layer.type for layer in ins.layers} == types
    assert ins.unrecognised == ()
    assert sum(layer.params + layer.buffers for layer in ins.layers) == total


# -- ncps ---------------------------------------------------------------------------------------------------------

ncps = pytest.importorskip("ncps.torch", reason="ncps is not installed: pip install '.[test]'")
wirings = pytest.importorskip("ncps.wirings")


def test_ncps_table(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        modules = {"rnn": ncps.CfC(20, 50), "wired": ncps.CfC(20, wirings.AutoNCP(28, 4), proj_size=3),
                   "ltc": ncps.LTC(20, wirings.AutoNCP(16, 2)), "plain_ltc": ncps.LTC(6, 12, mixed_memory=True),
                   "pure": ncps.CfC(8, 16, mode="pure", backbone_layers=0, mixed_memory=True)}
    check(modules, tmp_path / "n.st", {"rnn": "CfC", "wired": "CfC", "ltc": "LTC", "plain_ltc": "LTC",
                                       "pure": "CfC"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(i=st.integers(1, 10), units=st.integers(3, 16), wired=st.booleans(), ltc=st.booleans(),
       mode=st.sampled_from(["default", "pure", "no_gate"]), layers=st.integers(0, 3), width=st.integers(1, 12),
       dropout=st.booleans(), memory=st.booleans(), proj=st.integers(0, 4))
def test_ncps_random(tmp_path: Path, i: int, units: int, wired: bool, ltc: bool, mode: str, layers: int,
                     width: int, dropout: bool, memory: bool, proj: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ltc:
            module = ncps.LTC(i, wirings.AutoNCP(units + 3, 2) if wired else units, mixed_memory=memory)
        elif wired:
            module = ncps.CfC(i, wirings.AutoNCP(units + 3, 2), mode=mode, mixed_memory=memory)
        else:
            module = ncps.CfC(i, units, mode=mode, backbone_layers=layers, backbone_units=width,
                              backbone_dropout=0.2 if dropout else 0.0, mixed_memory=memory,
                              proj_size=proj or None)
    check({"encoder": module}, tmp_path / "r.st", {"encoder": "LTC" if ltc else "CfC"})


# -- fla RWKV-7 -----------------------------------------------------------------------------------------------------

def _fla() -> Any:
    return pytest.importorskip("fla.models", reason="flash-linear-attention is not installed: pip install '.[test]'")


def test_rwkv7_layers_and_a_whole_lm(tmp_path: Path) -> None:
    """Layer 0 has no v_lora; a whole RWKV7ForCausalLM is recognised piece by piece (its attention and
    feed-forward modules, norms, embedding and head), and the pieces hold every tensor of the file."""
    fla_models = _fla()
    from fla.layers import RWKV7Attention
    from fla.models.rwkv7.modeling_rwkv7 import RWKV7FeedForward

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        modules = {"att0": RWKV7Attention(hidden_size=128, head_dim=32, layer_idx=0, num_hidden_layers=3),
                   "att1": RWKV7Attention(hidden_size=128, head_dim=32, layer_idx=1, num_hidden_layers=3,
                                          decay_low_rank_dim=48, v_low_rank_dim=24),
                   "ffn": RWKV7FeedForward(hidden_size=128, hidden_ratio=3.5, layer_idx=1, num_hidden_layers=3)}
        check(modules, tmp_path / "a.st", {"att0": "RWKV7Attention", "att1": "RWKV7Attention",
                                           "ffn": "RWKV7FeedForward"})
        lm = fla_models.RWKV7ForCausalLM(fla_models.RWKV7Config(hidden_size=128, num_hidden_layers=3, head_dim=32,
                                                                vocab_size=300))
    ins, total = inspect_saved({"m": lm}, tmp_path / "lm.st")
    assert ins.unrecognised == ()
    assert sum(layer.params + layer.buffers for layer in ins.layers) == total
    kinds = [layer.type for layer in ins.layers]
    assert kinds.count("RWKV7Attention") == 3 and kinds.count("RWKV7FeedForward") == 3


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(heads=st.integers(1, 4), head_dim=st.sampled_from([16, 32, 64]), layer=st.integers(0, 2),
       ranks=st.lists(st.sampled_from([None, 16, 32, 48]), min_size=4, max_size=4),
       ratio=st.sampled_from([1.0, 2.5, 4.0]))
def test_rwkv7_random(tmp_path: Path, heads: int, head_dim: int, layer: int, ranks: list[Any], ratio: float) -> None:
    """(fla 0.6.0 cannot build elementwise_affine=False: its initialisation writes g_norm.weight, which is None.)"""
    _fla()
    from fla.layers import RWKV7Attention
    from fla.models.rwkv7.modeling_rwkv7 import RWKV7FeedForward

    e = heads * head_dim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        att = RWKV7Attention(hidden_size=e, head_dim=head_dim, layer_idx=layer, num_hidden_layers=3,
                             decay_low_rank_dim=ranks[0], gate_low_rank_dim=ranks[1],
                             a_low_rank_dim=ranks[2], v_low_rank_dim=ranks[3])
        ffn = RWKV7FeedForward(hidden_size=e, hidden_ratio=ratio, layer_idx=layer, num_hidden_layers=3)
    check({"blocks": torch.nn.ModuleDict({"att": att, "ffn": ffn})}, tmp_path / "r.st",
          {"blocks.att": "RWKV7Attention", "blocks.ffn": "RWKV7FeedForward"})


# -- xLSTM ------------------------------------------------------------------------------------------------------------

def _xlstm() -> Any:
    return pytest.importorskip("xlstm", reason="xlstm is not installed: pip install '.[test]'")


def _stack(x: Any, e: int, blocks: int, at: Any, heads: int, factor: float, kernel: int, bias: bool,
           post: bool, ff: bool, ff_factor: float, s_heads: int, s_kernel: int) -> Any:
    mlstm = x.mLSTMBlockConfig(mlstm=x.mLSTMLayerConfig(num_heads=heads, proj_factor=factor, conv1d_kernel_size=kernel,
                                                        qkv_proj_blocksize=4))
    slstm = x.sLSTMBlockConfig(slstm=x.sLSTMLayerConfig(backend="vanilla", num_heads=s_heads,
                                                        conv1d_kernel_size=s_kernel),
                               feedforward=x.FeedForwardConfig(proj_factor=ff_factor) if ff else None)
    return x.xLSTMBlockStack(x.xLSTMBlockStackConfig(
        mlstm_block=None if at == "all" else mlstm, slstm_block=slstm if at else None, num_blocks=blocks,
        embedding_dim=e, slstm_at=at or [], context_length=8, bias=bias, add_post_blocks_norm=post))


def test_xlstm_readme_stack(tmp_path: Path) -> None:
    x = _xlstm()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack = _stack(x, 128, 7, [1], 4, 2.0, 4, False, True, True, 1.3, 4, 4)
    check({"backbone": stack}, tmp_path / "x.st", {"backbone": "xLSTMBlockStack"})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(e=st.sampled_from([16, 32, 48]), blocks=st.integers(1, 4), at=st.sampled_from([None, [0], "all", [-1]]),
       heads=st.sampled_from([1, 2, 4]), factor=st.sampled_from([1.0, 1.5, 2.0]), kernel=st.integers(2, 4),
       bias=st.booleans(), post=st.booleans(), ff=st.booleans(), ff_factor=st.sampled_from([1.0, 1.3, 2.0]),
       s_heads=st.sampled_from([1, 2, 4]), s_kernel=st.sampled_from([0, 2, 4]))
def test_xlstm_random(tmp_path: Path, e: int, blocks: int, at: Any, heads: int, factor: float, kernel: int,
                      bias: bool, post: bool, ff: bool, ff_factor: float, s_heads: int, s_kernel: int) -> None:
    x = _xlstm()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack = _stack(x, e, blocks, at, heads, factor, kernel, bias, post, ff, ff_factor, s_heads, s_kernel)
    check({"enc": stack}, tmp_path / "x.st", {"enc": "xLSTMBlockStack"})


@pytest.mark.parametrize("tied", [False, True])
def test_xlstm_lm_model_is_one_layer(tmp_path: Path, tied: bool) -> None:
    """xLSTMLMModel (its stack, token_embedding and lm_head) read as one layer; a tied head is the embedding's
    tensor, which torch.save stores once (the file's lm_head.weight is a view of it)."""
    x = _xlstm()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stack = _stack(x, 32, 3, [1], 2, 2.0, 4, False, True, True, 1.3, 2, 4)
        model = x.xLSTMLMModel(x.xLSTMLMModelConfig(**{**vars(stack.config), "vocab_size": 50, "tie_weights": tied}))
    path = tmp_path / "lm.pt"
    torch.save(torch.nn.ModuleDict({"lm": model}).state_dict(), path)  # a tied head: an alias of the embedding
    ins = rnnparams.inspect(path)
    assert [(layer.name, layer.type) for layer in ins.layers] == [("lm", "xLSTMLMModel")]
    assert ins.unrecognised == ()
    assert ins.total_params == sum(p.numel() for p in model.parameters())
