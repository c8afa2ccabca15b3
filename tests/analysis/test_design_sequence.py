"""solve and sweep on sequence models (issue 18): memory and FLOPs through the sequence estimate, checked by hand
derivations over what transformers 5.24 builds (on the meta device: nothing downloaded), and clear refusals
(exit 2, web 4xx) for what is not modelled.

Memory of a training step of a transformers model in float32 with Adam, activations left out (docs/estimates.md):
weights 4·P + gradients 4·P + Adam's exp_avg and exp_avg_sq 8·P + torch's float32 `step` per parameter tensor 4·N
+ the batch's recurrent state B·n_s·4, with P and N the parameters and parameter tensors of the real model
(tied embeddings counted once) and, for Mamba, n_s = L·d_inner·(d_conv + d_state) numbers per sequence
(MambaCache's conv_states (d_inner, d_conv) and ssm_states (d_inner, d_state) per layer).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import rnnparams.api as api
from rnnparams.analysis.design import NoFit
from rnnparams.errors import UsageError

CONFIGS = Path(__file__).parents[1] / "fixtures" / "configs"
MAMBA = str(CONFIGS / "mamba-130m-hf.json")
MAMBA_CONFIG = json.loads((CONFIGS / "mamba-130m-hf.json").read_text())
MAMBAPY = "mambapy.Mamba(d_model=16, n_layers=2, d_state=4)"
GiB = 2**30


def real_parameters(config: dict[str, Any], **changes: Any) -> tuple[int, int]:
    """(P, N): the parameters and parameter tensors of the model transformers builds from `config`."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    values = {**config, **changes}
    values.pop("model_type")
    cfg = transformers.MambaConfig(**values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            model = transformers.MambaForCausalLM(cfg)
    params = list(model.parameters())
    return sum(p.numel() for p in params), len(params)


def mamba_state(config: dict[str, Any], layers: int) -> int:
    """Numbers of state per sequence: L · d_inner · (d_conv + d_state), d_inner = expand · hidden_size."""
    return layers * config["expand"] * config["hidden_size"] * (config["conv_kernel"] + config["state_size"])


def adam_float32(p: int, n: int, batch: int, state: int) -> int:
    return 4 * p + 4 * p + 8 * p + 4 * n + batch * state * 4


def test_memory_budget_solves_layers_by_hand() -> None:
    sol = api.solve(MAMBA, "num_hidden_layers", memory="2GiB", batch=4, seq_len=128)
    layers = sol.value
    assert layers > 1 and sol.next_point is not None
    at = adam_float32(*real_parameters(MAMBA_CONFIG, num_hidden_layers=layers), 4, mamba_state(MAMBA_CONFIG, layers))
    beyond = adam_float32(*real_parameters(MAMBA_CONFIG, num_hidden_layers=layers + 1), 4,
                          mamba_state(MAMBA_CONFIG, layers + 1))
    assert sol.point.measure("memory") == at <= 2 * GiB < beyond == sol.next_point.measure("memory")
    assert sol.to_dict()["measure"] == at


def test_memory_budget_solves_batch_in_closed_form() -> None:
    """Only the state grows with the batch: B = ⌊(budget − 16·P − 4·N) / (n_s · 4)⌋."""
    p, n = real_parameters(MAMBA_CONFIG)
    state = mamba_state(MAMBA_CONFIG, MAMBA_CONFIG["num_hidden_layers"])
    budget = 3 * GiB
    sol = api.solve(MAMBA, "batch", memory=budget, seq_len=128)
    assert sol.value == (budget - 16 * p - 4 * n) // (state * 4)
    assert sol.next_point is not None and sol.next_point.measure("memory") == adam_float32(p, n, sol.value + 1, state)
    inference = api.solve(MAMBA, "batch", memory=budget, seq_len=128, mode="inference")  # weights and state only
    assert inference.value == (budget - 4 * p) // (state * 4)


def test_memory_does_not_bound_the_sequence_length() -> None:
    """A recurrent state does not grow with T (and activations are not modelled): no T is the largest."""
    with pytest.raises(UsageError, match="does not change the bytes"):
        api.solve(MAMBA, "seq_len", memory="2GiB", batch=4)


def test_flops_sweep_is_the_batch_prefill(tmp_path: Path) -> None:
    """B × prefill FLOPs per sequence, as estimate_sequence gives it for the config written out at each value (a
    different path: the file read with the new num_hidden_layers), and linear in T for an attention-free Mamba."""
    result = api.sweep(MAMBA, "num_hidden_layers=12,24", metric="flops", batch=4, seq_len=128, mode="inference")
    for point in result.series[0].points:
        path = tmp_path / f"mamba-{point.value}.json"
        path.write_text(json.dumps({**MAMBA_CONFIG, "num_hidden_layers": point.value, "n_layer": point.value}))
        est = api.estimate_sequence(str(path), batch=4, seq_len=128, mode="inference")
        flops = est.compute("prefill", "flops")
        assert flops is not None and point.measure("flops") == 4 * flops
        assert point.batch_flops() == (4 * flops, None)
    by_t = api.sweep(MAMBA, "seq_len=1,3,128", metric="flops", batch=2, mode="inference").series[0].points
    one = by_t[0].measure("flops")
    assert [p.measure("flops") for p in by_t] == [one, 3 * one, 128 * one]


def test_flops_budget_solves_and_its_neighbour_is_over() -> None:
    """mamba.py has no embedding or head: its FLOPs are n_layers × one layer's, so L = ⌊budget / f(1)⌋."""
    one = api.sweep(MAMBAPY, "n_layers=1", metric="flops", batch=2, seq_len=16, mode="inference")
    f1 = one.series[0].points[0].measure("flops")
    sol = api.solve(MAMBAPY, "n_layers", flops="10M", batch=2, seq_len=16, mode="inference")
    assert sol.value == 10**7 // f1 and sol.next_point is not None
    assert sol.point.measure("flops") == sol.value * f1 <= 10**7 < sol.next_point.measure("flops")
    assert sol.next_point.measure("flops") == (sol.value + 1) * f1


@pytest.mark.parametrize(("model", "kwargs", "message"), [
    (MAMBA, {"flops": "1T", "batch": 4, "seq_len": 128}, "training step .* not modelled .* --mode inference"),
    (MAMBA, {"memory": "2GiB", "batch": 4}, "give the sequence length with --seq-len"),
    (MAMBA, {"memory": "2GiB", "batch": 4, "seq_len": 8, "device": "cuda"}, "drop them"),
])
def test_what_is_not_modelled_is_refused(model: str, kwargs: dict[str, Any], message: str) -> None:
    vary = kwargs.pop("vary", "num_hidden_layers")
    with pytest.raises(UsageError, match=message):
        api.solve(model, vary, **kwargs)
    metric = "flops" if "flops" in kwargs else "memory"
    kwargs.pop(metric)
    with pytest.raises(UsageError, match=message):
        api.sweep(model, f"{vary}=1,2", metric=metric, **kwargs)


def test_a_model_without_per_token_work_is_refused_a_flops_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sequence family now declares its per-token work; a layer that did not (a future one) makes the FLOPs
    "not modelled": a FLOPs budget or metric is then refused by name (exit 2, web 400), never guessed."""
    from rnnparams.analysis import sequence

    monkeypatch.setattr(sequence, "_modelled", lambda layer: False)
    message = "FLOPs are not modelled for Hugging Face transformers"
    with pytest.raises(UsageError, match=message):
        api.solve(MAMBA, "num_hidden_layers", flops="1T", batch=4, seq_len=8, mode="inference")
    with pytest.raises(UsageError, match=message):
        api.sweep(MAMBA, "num_hidden_layers=1,2", metric="flops", batch=4, seq_len=8, mode="inference")


def test_no_fit_is_said() -> None:
    with pytest.raises(NoFit, match="no value of num_hidden_layers fits"):
        api.solve(MAMBA, "num_hidden_layers", memory="100MiB", batch=4, seq_len=128)


# --- the command line and the web API --------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("rnnparams")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "rnnparams", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_cli_solve_and_sweep() -> None:
    out = run("solve", MAMBA, "--vary", "hidden_size", "--memory", "2GiB", "--batch", "4", "--seq-len", "128",
              "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["measure"] <= 2 * GiB < data["next_measure"]
    assert data == json.loads(json.dumps(api.solve(MAMBA, "hidden_size", memory="2GiB", batch=4,
                                                   seq_len=128).to_dict()))
    out = run("solve", MAMBA, "--vary", "hidden_size", "--memory", "2GiB", "--batch", "4", "--seq-len", "128",
              "-l", "zh")
    assert out.returncode == 0 and "不含激活值" in out.stdout
    layers = "num_hidden_layers=12,24"
    out = run("sweep", MAMBA, "--vary", layers, "--metric", "flops", "--batch", "4", "--seq-len", "128")
    assert out.returncode == 2 and "--mode inference" in out.stderr and "Traceback" not in out.stderr
    out = run("sweep", MAMBA, "--vary", layers, "--metric", "flops", "--batch", "4", "--seq-len", "128",
              "--mode", "inference", "--csv")
    assert out.returncode == 0, out.stderr
    head, *rows = [line.split(",") for line in out.stdout.splitlines()]
    sweep = api.sweep(MAMBA, "num_hidden_layers=12,24", metric="flops", batch=4, seq_len=128, mode="inference")
    assert [int(r[head.index("flops_batch")]) for r in rows] == [p.measure("flops") for p in sweep.series[0].points]
    assert [r[head.index("flops_train_batch")] for r in rows] == ["", ""]  # not modelled: left empty


def test_web_design_endpoints_answer_4xx_or_200() -> None:
    pytest.importorskip("pydantic", reason="the web extra is not installed: pip install 'rnnparams[web]'")
    from rnnparams.web import service

    def answer(verb: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = service.answer(verb, json.dumps(payload).encode())
        return status, json.loads(body)

    status, body = answer("solve", {"model": MAMBAPY, "vary": "n_layers", "flops": "10M", "batch": 2, "seq_len": 16,
                                    "mode": "inference"})
    assert status == 200, body
    assert body["value"] == api.solve(MAMBAPY, "n_layers", flops="10M", batch=2, seq_len=16, mode="inference").value
    assert body["measure"] <= 10**7 < body["next_measure"]
    status, body = answer("sweep", {"model": MAMBAPY, "vary": "seq_len=1,4", "metric": "flops", "batch": 2,
                                    "mode": "inference"})
    assert status == 200, body
    (f1, f4), = [[y for _, y in s["points"]] for s in body["series"]]
    assert f4 == 4 * f1  # no attention: every FLOP is per token
    for verb, payload in [("solve", {"model": MAMBAPY, "vary": "n_layers", "flops": "1G", "batch": 2, "seq_len": 16}),
                          ("sweep", {"model": MAMBAPY, "vary": "n_layers=1,2", "metric": "memory", "batch": 2}),
                          ("sweep", {"model": MAMBAPY, "vary": "n_layers=1,2", "metric": "flops", "batch": 2,
                                     "seq_len": 3})]:
        status, body = answer(verb, payload)
        assert 400 <= status < 500 and ("not modelled" in body["error"] or "\"seq_len\": T" in body["error"]), body
