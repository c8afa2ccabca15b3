"""mamba_ssm's config.json (state-spaces/mamba-*: d_model, n_layer, ssm_cfg..., no model_type), counted as
MambaLMHeadModel builds it. mamba_ssm needs CUDA and does not install here, so the expected values are hand
derivations from its source (models/mixer_seq_simple.py, modules/block.py, mamba_simple.py, mamba2.py, mlp.py),
written out below, and the published totals; tests/oracle/test_transformers_oracle.py reconciles them with the
transformers conversions (mamba-130m-hf, mamba-2.8b-hf, mamba2-780m) that transformers builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import rnnparams
from rnnparams.cli import main
from rnnparams.inputs.hfconfig import spec_from_config

CONFIGS = Path(__file__).parent.parent / "fixtures" / "configs" / "mamba_ssm"


def _count(config: dict[str, object], *overrides: str) -> rnnparams.Report:
    from rnnparams.analysis.count import count_model

    return count_model(spec_from_config(json.dumps(config), overrides=list(overrides)))


def _mamba1_block(d: int, n: int = 16, k: int = 4, expand: int = 2) -> int:
    """One Block of Mamba1 (mamba_simple.Mamba, bias False, conv_bias True) with its RMSNorm: in_proj
    (2·e, d), conv1d (e, 1, k) + bias, x_proj (r + 2n, e), dt_proj (e, r) + bias, A_log (e, n), D (e),
    out_proj (d, e), norm (d); e = expand·d, r = ⌈d/16⌉."""
    e, r = expand * d, -(-d // 16)
    return 2 * e * d + e * k + e + (r + 2 * n) * e + e * r + e + e * n + e + d * e + d


def _mamba2_block(d: int, n: int = 128, k: int = 4, headdim: int = 64, groups: int = 1) -> int:
    """One Block of Mamba2 (defaults: d_state 128, headdim 64, ngroups 1, rmsnorm True) with its RMSNorm: in_proj
    (2e + 2gn + h, d), conv1d over e + 2gn channels (k taps) + bias, dt_bias / A_log / D (h), the gated norm (e),
    out_proj (d, e), norm (d); e = 2d, h = e / headdim."""
    e = 2 * d
    h = e // headdim
    conv = e + 2 * groups * n
    return (2 * e + 2 * groups * n + h) * d + conv * k + conv + 3 * h + e + d * e + d


@pytest.mark.parametrize(("name", "expected", "by_hand"), [
    # mamba-130m: the number issue #48's user did not get (81M); 50277 padded to 50280; tied head
    ("mamba-130m", 129_135_360, 50280 * 768 + 24 * _mamba1_block(768) + 768),
    # mamba-2.8b: issue #96's user got 1.45B by miscounting layers
    ("mamba-2.8b", 2_768_345_600, 50280 * 2560 + 64 * _mamba1_block(2560) + 2560),
    ("mamba2-130m", 128_989_632, 50288 * 768 + 24 * _mamba2_block(768) + 768),  # padded to a multiple of 16
    ("mamba2-780m", 780_161_280, 50288 * 1536 + 48 * _mamba2_block(1536) + 1536),
    ("mamba2-2.7b", 2_702_599_680, 50288 * 2560 + 64 * _mamba2_block(2560) + 2560),
])
def test_published_checkpoints(name: str, expected: int, by_hand: int) -> None:
    assert by_hand == expected
    report = rnnparams.count(str(CONFIGS / f"{name}.json"))
    assert report.total_params == expected
    assert report.framework == "mamba_ssm" and report.name == "MambaLMHeadModel"


def test_tensor_names_and_order_of_a_tiny_mamba1_model() -> None:
    """MambaLMHeadModel(MambaConfig(d_model=16, n_layer=2, vocab_size=10, pad_vocab_size_multiple=8,
    rms_norm=False, tie_embeddings=False)), by hand: the vocabulary padded to 16, LayerNorms (weight and bias),
    a Mamba module's own A_log and D before its children, and its own lm_head."""
    config = {"d_model": 16, "n_layer": 2, "vocab_size": 10, "rms_norm": False, "tie_embeddings": False,
              "ssm_cfg": {"d_state": 4, "dt_rank": 3}}
    block = [("norm.weight", (16,)), ("norm.bias", (16,)), ("mixer.A_log", (32, 4)), ("mixer.D", (32,)),
             ("mixer.in_proj.weight", (64, 16)), ("mixer.conv1d.weight", (32, 1, 4)), ("mixer.conv1d.bias", (32,)),
             ("mixer.x_proj.weight", (11, 32)), ("mixer.dt_proj.weight", (32, 3)), ("mixer.dt_proj.bias", (32,)),
             ("mixer.out_proj.weight", (16, 32))]
    expected = [("backbone.embedding.weight", (16, 16)),
                *((f"backbone.layers.{k}.{n}", s) for k in range(2) for n, s in block),
                ("backbone.norm_f.weight", (16,)), ("backbone.norm_f.bias", (16,)), ("lm_head.weight", (16, 16))]
    report = _count(config)
    assert [(t.name, t.shape) for layer in report.layers for t in layer.tensors] == expected


def test_tensor_names_of_a_mamba2_block_with_an_mlp() -> None:
    """Mamba2 with d_ssm 32 of d_inner 64 (two heads of 16), D per channel, no gated norm, and d_intermediate 100
    (GatedMLP: rounded up to 128; fc1 to 2·128): by hand from mamba2.py, block.py and mlp.py."""
    config = {"d_model": 32, "n_layer": 1, "vocab_size": 16, "d_intermediate": 100,
              "ssm_cfg": {"layer": "Mamba2", "d_state": 8, "headdim": 16, "d_ssm": 32, "ngroups": 2,
                          "D_has_hdim": True, "rmsnorm": False, "bias": True}}
    in_proj = 2 * 64 + 2 * 2 * 8 + 2
    expected = [
        ("backbone.embedding.weight", (16, 32)), ("backbone.layers.0.norm.weight", (32,)),
        ("backbone.layers.0.mixer.dt_bias", (2,)), ("backbone.layers.0.mixer.A_log", (2,)),
        ("backbone.layers.0.mixer.D", (32,)), ("backbone.layers.0.mixer.in_proj.weight", (in_proj, 32)),
        ("backbone.layers.0.mixer.in_proj.bias", (in_proj,)),
        ("backbone.layers.0.mixer.conv1d.weight", (32 + 32, 1, 4)), ("backbone.layers.0.mixer.conv1d.bias", (64,)),
        ("backbone.layers.0.mixer.out_proj.weight", (32, 64)), ("backbone.layers.0.mixer.out_proj.bias", (32,)),
        ("backbone.layers.0.norm2.weight", (32,)), ("backbone.layers.0.mlp.fc1.weight", (256, 32)),
        ("backbone.layers.0.mlp.fc2.weight", (32, 128)), ("backbone.norm_f.weight", (32,))]
    report = _count(config)
    assert [(t.name, t.shape) for layer in report.layers for t in layer.tensors] == expected
    assert report.total_params == sum(_numel(s) for _, s in expected)  # the head is the embedding's matrix


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def test_set_overrides_and_check_finds_the_issues_mistakes() -> None:
    """`--set n_layer=48` recounts; a claim made with 48 blocks (the mamba paper's 2 per Transformer layer), or
    with the tokenizer's 50277 rows, is diagnosed (claims by hand: the block and the embedding row above)."""
    path = str(CONFIGS / "mamba-130m.json")
    base = 129_135_360
    assert rnnparams.count(path, overrides=["n_layer=48"]).total_params == base + 24 * _mamba1_block(768)
    result = rnnparams.check(path, base + 24 * _mamba1_block(768))
    assert any(d.mistakes == ("layers_miscounted",) and d.values["layers"] == 48 for d in result.diagnoses)
    result = rnnparams.check(path, base - 3 * 768)
    assert any(d.mistakes == ("vocabulary_padding",) and d.values["vocabulary"] == 50277 for d in result.diagnoses)
    result = rnnparams.check(path, base + 50280 * 768)
    assert any(d.mistakes == ("tied_counted_twice",) for d in result.diagnoses)


@pytest.mark.parametrize(("change", "message"), [
    ({"attn_layer_idx": [1]}, "attention (MHA) layers"),
    ({"ssm_cfg": {"layer": "Mamba3"}}, "Mamba3 is not counted yet"),
    ({"ssm_cfg": {"layer": "Mamba2", "headdim": 60}}, "must be a multiple of headdim"),
    ({"ssm_cfg": {"d_sate": 4}}, "takes no 'd_sate'"),
    ({"n_layers": 3}, "has no 'n_layers'"),
    ({"n_layer": 0}, "n_layer must be a whole number"),
])
def test_what_is_not_counted_is_refused_by_name(tmp_path: Path, change: dict[str, object], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**json.loads((CONFIGS / "mamba-130m.json").read_text()), **change}))
    assert main(["count", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_set_key_lists_the_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["count", str(CONFIGS / "mamba-130m.json"), "--set", "layers=3"]) == 2
    assert "MambaConfig has no field 'layers'" in capsys.readouterr().err


def test_counting_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = ("import sys, rnnparams; rnnparams.count(sys.argv[1]); "
            "print(sorted(m for m in ('torch', 'numpy', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(CONFIGS / "mamba2-780m.json")], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("ours", "transformers"), [("mamba-130m.json", "mamba-130m-hf.json"),
                                                    ("mamba2-780m.json", "mamba2-780m.json")])
def test_the_estimate_is_the_transformers_conversions(ours: str, transformers: str) -> None:
    """mamba_ssm cannot run here, but its checkpoints and transformers' conversions of them are the same model
    (equal tensors: tests/oracle/test_transformers_oracle.py), so their memory, state and compute are the same —
    and the transformers figures are measured (tests/oracle/test_sequence_estimate_oracle.py: weights, gradients
    and optimizer state after a real step, prefill and decoding MACs against FlopCounterMode). The Mamba-2 mixer
    is declared in this stack's own symbols (sheads, headdim) by substitution, so by hand too: a decoding step's
    state update is n_layer·sheads·headdim·d_state multiply-adds."""
    kwargs = {"batch": 2, "seq_len": 64}
    a = rnnparams.estimate_sequence(spec_from_config((CONFIGS / ours).read_text()), **kwargs)  # type: ignore[arg-type]
    b = rnnparams.estimate_sequence(spec_from_config((CONFIGS.parent / transformers).read_text()),
                                    **kwargs)  # type: ignore[arg-type]
    assert a.framework == "mamba_ssm" and b.framework == "huggingface"
    da, db = a.to_dict(), b.to_dict()
    for key in ("memory", "state_bytes_per_sequence", "compute"):
        assert da[key] == db[key], key
    config = json.loads((CONFIGS / ours).read_text())
    if config.get("ssm_cfg", {}).get("layer") == "Mamba2":
        d_inner, heads = 2 * config["d_model"], 2 * config["d_model"] // 64  # expand 2, headdim 64 (defaults)
        scan = sum(layer.value("decode", "scan_macs") for layer in a.layers)
        assert scan == config["n_layer"] * heads * 64 * 128 == config["n_layer"] * d_inner * 128  # d_state 128


def test_solve_varies_the_files_d_model_everywhere() -> None:
    """`solve --vary d_model` on mamba-130m's config.json: the embedding, all 24 blocks, the norm and the tied head
    follow d_model (the hand derivation above, vocabulary 50277 padded to 50280)."""
    from rnnparams.api import solve

    def by_hand(d: int) -> int:
        return 50280 * d + 24 * _mamba1_block(d) + d

    budget = 200_000_000
    solution = solve(str(CONFIGS / "mamba-130m.json"), "d_model", params=budget)
    d = solution.value
    assert by_hand(d) <= budget < by_hand(d + 1)
    assert solution.point.report.total_params == by_hand(d)
