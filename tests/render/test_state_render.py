"""`rnnparams state` with a hybrid's attention KV cache: the command line's text (en, zh) and JSON, derived by hand
from JambaConfig's defaults (transformers' own, read here): layers_block_type puts attention at every layer i with
i % attn_layer_period == attn_layer_offset, and each keeps num_key_value_heads × (hidden_size / num_attention_heads)
numbers per token for its keys and as many for its values (DynamicLayer: every token)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JAMBA = str(Path(__file__).parents[1] / "fixtures" / "configs" / "jamba-defaults.json")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("rnnparams")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "rnnparams", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def jamba_kv_per_token() -> int:
    transformers = pytest.importorskip("transformers")
    c = transformers.JambaConfig()
    attention = sum(1 for i in range(c.num_hidden_layers) if i % c.attn_layer_period == c.attn_layer_offset)
    return 2 * attention * c.num_key_value_heads * (c.hidden_size // c.num_attention_heads)


def test_state_reports_the_kv_cache_after_t_tokens() -> None:
    per_token = jamba_kv_per_token()
    out = run("state", JAMBA, "--seq-len", "4096", "--batch", "2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["cache_per_token"] == per_token and data["seq_len"] == 4096
    assert data["cache_per_sequence"] == 4096 * per_token
    assert data["total_per_sequence"] == data["state_per_sequence"] + 4096 * per_token
    assert data["total_bytes"] == 2 * 4 * data["total_per_sequence"]
    assert {c["name"] for c in data["caches"]} == {"key_cache", "value_cache"}
    assert all(c["max_tokens"] is None and c["tokens"] == 4096 for c in data["caches"])
    text = run("state", JAMBA, "-T", "4096").stdout
    assert f"After 4,096 tokens: {4096 * per_token:,} numbers" in text and "keeps every token" in text
    zh = run("state", JAMBA, "-T", "4096", "-l", "zh").stdout
    assert "4,096 个词元之后" in zh and "保留全部词元" in zh and "；" in zh


def test_without_a_length_the_cache_is_per_token() -> None:
    per_token = jamba_kv_per_token()
    data = json.loads(run("state", JAMBA, "--json").stdout)
    assert data["cache_per_sequence"] is None and data["cache_per_token"] == per_token
    assert "give --seq-len T" in run("state", JAMBA).stdout


def test_a_bad_length_is_refused() -> None:
    out = run("state", JAMBA, "--seq-len", "0")
    assert out.returncode == 2 and "Traceback" not in out.stderr
