"""Published parameter totals of released recurrent checkpoints, reproduced exactly from their config.json with no
weights (issue 18: "add the published totals you can reproduce exactly, with the config and the source").

Each expected number is the one the source publishes, measured there on the real checkpoint (the sum of numel()
over the loaded model's unique parameters), never our own output; the configs and the sources are listed in
tests/fixtures/configs/SOURCES.md ("Published totals").
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnparams

CONFIGS = Path(__file__).resolve().parent.parent / "fixtures" / "configs"

SIZE_TABLE = "a public analysis script comparing Pythia, Mamba and RWKV-4 checkpoints (its model_sizes table)"
PUBLISHED = [
    # (config, total as published, where)
    ("mamba-130m-hf.json", 129_135_360, SIZE_TABLE + "; also model cards and harness logs loading "
                                        "state-spaces/mamba-130m-hf: '129,135,360 parameters'"),
    ("mamba-370m-hf.json", 371_516_416, SIZE_TABLE),
    ("mamba-790m-hf.json", 793_204_224, SIZE_TABLE),
    ("mamba-1.4b-hf.json", 1_372_178_432, SIZE_TABLE),
    ("mamba-2.8b-hf.json", 2_768_345_600, SIZE_TABLE),
    ("rwkv-4-169m-pile.json", 169_342_464, SIZE_TABLE),
    ("rwkv-4-430m-pile.json", 430_397_440, SIZE_TABLE),
    ("rwkv-4-1b5-pile.json", 1_515_106_304, SIZE_TABLE),
    ("rwkv-4-3b-pile.json", 2_984_627_200, SIZE_TABLE),
    ("xlstm-7b.json", 6_865_424_896, "NX-AI/xlstm_scaling_laws: the xLSTM authors' model sizes, its 7B mLSTM model"),
    ("lfm2-1.2b.json", 1_170_340_608, "LiquidAI/LFM2-1.2B's GGUF metadata (parameter_count) and public load checks "
                                      "(`Lfm2ForCausalLM 1170340608`, sum of numel() on the real checkpoint)"),
    ("lfm2-350m-8bit.json", 354_483_968, "LiquidAI/LFM2-350M's Hub API safetensors metadata (BF16: 354483968) and a "
                                         "public test summing the published safetensors' shapes"),
    ("qwen3-next-80b-a3b-instruct.json", 79_674_391_296, "Qwen/Qwen3-Coder-Next's official parameter count (and "
                                                          "llama.cpp's n_params), the same architecture"),
    # the original state-spaces/mamba checkpoints: the same weights, vocabulary 50277 padded to a multiple of 8
    ("mamba_ssm/mamba-130m.json", 129_135_360, SIZE_TABLE + " (the -hf conversion of the same weights)"),
    ("mamba_ssm/mamba-2.8b.json", 2_768_345_600, SIZE_TABLE + " (the -hf conversion of the same weights)"),
]


@pytest.mark.parametrize(("config", "total", "source"), PUBLISHED, ids=[c for c, _, _ in PUBLISHED])
def test_published_total(config: str, total: int, source: str) -> None:
    assert rnnparams.count(str(CONFIGS / config)).total_params == total, source


def test_every_published_config_is_sourced() -> None:
    sources = (CONFIGS / "SOURCES.md").read_text(encoding="utf-8")
    for config, total, _ in PUBLISHED:
        assert Path(config).stem in sources, config
        assert f"{total:,}" in sources, (config, total)


def test_check_names_the_miscount_behind_a_wrong_mamba_total() -> None:
    """A total quoted for 16 of mamba-130m's 24 blocks (the kind of miscount of state-spaces/mamba issues #48 and
    #96) is diagnosed as layers miscounted: 8 blocks of 3,771,648 fewer, the block derived by hand as in
    tests/oracle/test_transformers_oracle.py::test_mamba_130m_by_hand."""
    d, e, n, k, r = 768, 1536, 16, 4, 48
    block = d + e * n + e + e * k + e + 2 * e * d + (r + 2 * n) * e + e * r + e + d * e
    claimed = 129_135_360 - 8 * block
    result = rnnparams.check(str(CONFIGS / "mamba-130m-hf.json"), claimed)
    assert not result.correct
    assert any(d.mistakes == ("layers_miscounted",) and d.values.get("layers") == 16 for d in result.diagnoses)
