"""Regression tests for the failures a first outside fuzzing campaign found (issue 21), each fixed in the
general mechanism: integers too large to print, spec files whose values have the wrong kind, YAML nested or
aliased without bound. Each input ends in one clear error (exit 2 from the CLI), quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnparams import api
from rnnparams.cli import main
from rnnparams.conventions.base import MAX_DIMENSION
from rnnparams.errors import ConfigError, InputError, RnnParamsError
from rnnparams.inputs.specfile import MAX_ELEMENTS, MAX_NESTING

HUGE = "9" * 3000  # past Python's 4,300-digit limit on printing once multiplied: the traceback


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("model", [f"LSTM({HUGE}, input_shape=(5, 3))", f"nn.LSTM({HUGE}, 10)",
                                   f"nn.LSTM(10, -{HUGE})", f"Dense({HUGE})"])
@pytest.mark.parametrize("verb", ["count", "explain", "formula", "estimate"])
def test_an_integer_of_thousands_of_digits_is_refused_by_its_size(capsys: pytest.CaptureFixture[str], verb: str,
                                                                  model: str) -> None:
    extra = ["--batch", "1", "--seq-len", "5"] if verb == "estimate" else []
    code, err = _cli(capsys, verb, model, *extra)
    assert code == 2, err
    assert "number too large (about 3,000 digits)" in err and "internal error" not in err


def test_a_size_past_what_a_framework_can_hold_is_refused_whatever_the_reader() -> None:
    # 1,000 digits is within what model text may write (4,096 bits), but no framework has such a dimension
    with pytest.raises(ConfigError, match=r"size H has about 1,000 digits.*at most 2\*\*63 - 1"):
        api.estimate(f"LSTM({'9' * 1000}, input_shape=(5, 3))", batch=1, seq_len=5)
    with pytest.raises(ConfigError, match="a dimension of weight_ih_l0"):  # 4·H = 2**64: weight_ih_l0 rows
        api.count("nn.LSTM(2**62, 2**62)")
    assert api.count("nn.Linear(2**62, 1, bias=False)").total_params == 2**62 <= MAX_DIMENSION


def test_sizes_near_ten_to_the_ten_are_counted_quickly_and_exactly() -> None:
    i = h = 10**10
    # PyTorch's LSTM, by hand: layer 0 has W_ih 4H×I, W_hh 4H×H, two biases of 4H; layers 1 and 2 read H
    expected = 4 * h * (i + h + 2) + 2 * 4 * h * (h + h + 2)
    start = time.process_time()
    model = "nn.LSTM(10**10, 10**10, num_layers=3)"
    assert api.count(model).total_params == expected
    formula = api.formula(model)
    assert formula.total == formula.formula.evaluate(formula.env) == expected
    assert api.check(model, expected - 1).claimed == expected - 1
    api.explain(model)
    api.compare(model)
    api.estimate(model, input_shape=(5, i), batch=1, seq_len=5)
    assert time.process_time() - start < 2.0


@pytest.mark.parametrize(("name", "text"), [
    ("spec.json", '{"framework": {"a": 1}, "layers": [{"type": "LSTM", "input_size": 3, "hidden_size": 4}]}'),
    ("spec.toml", 'layers = [{type = "LSTM", input_size = 3, hidden_size = 4}]\n[framework]\na = 1\n'),
    ("spec.yaml", "framework: [pytorch]\nlayers: [{type: LSTM, input_size: 3, hidden_size: 4}]\n"),
])
def test_a_framework_that_is_not_a_name_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, err = _cli(capsys, "count", str(path))
    assert code == 2
    assert "framework: must be one of pytorch" in err and ("got a mapping" in err or "got a list" in err), err


def _timed_error(path: Path, match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(RnnParamsError, match=match):
        api.count(str(path))
    assert time.perf_counter() - start < 1.0


def test_yaml_nested_deeply_is_refused_before_it_is_composed(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("framework: pytorch\nlayers:\n" + "".join("  " * i + "-\n" for i in range(1, 2000)),
                    encoding="utf-8")
    _timed_error(deep, f"nested too deeply \\(more than {MAX_NESTING}")
    flow = tmp_path / "flow.yaml"  # the case: 9.9 s to fail before
    flow.write_text("framework: pytorch\nlayers: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    _timed_error(flow, "YAML")


def test_a_yaml_alias_bomb_is_refused_by_its_expanded_size(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]  # 10**9 values
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\nframework: pytorch\nlayers: [{type: LSTM, input_size: 3, hidden_size: 4}]\n",
                    encoding="utf-8")
    _timed_error(bomb, f"more than {MAX_ELEMENTS:,} values")


def test_json_and_toml_nested_deeply_are_clear_errors(tmp_path: Path) -> None:
    js = tmp_path / "deep.json"
    js.write_text('{"framework": "pytorch", "layers": ' + "[" * 100 + "]" * 100 + "}", encoding="utf-8")
    _timed_error(js, "nested too deeply")
    js.write_text('{"framework": "pytorch", "layers": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    _timed_error(js, "not valid JSON")
    toml = tmp_path / "deep.toml"
    toml.write_text('framework = "pytorch"\nlayers = ' + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    _timed_error(toml, "not valid TOML")


def test_a_spec_whose_arguments_are_too_large_to_print_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text('{"framework": "pytorch", "layers": [{"type": "LSTM", "input_size": 3, "hidden_size": '
                    + "9" * 3000 + "}]}", encoding="utf-8")
    with pytest.raises(InputError, match="number too large"):
        api.count(str(path))


def test_an_hdf5_file_on_which_the_library_loops_is_stopped_by_the_clock() -> None:
    """Found by the fuzzer: a damaged variable-length string attribute makes h5py (C code holding the
    interpreter's lock) read for ever; the file is read in a child process stopped at MAX_SECONDS."""
    pytest.importorskip("h5py", reason="h5py is not installed (test extra)")
    from rnnparams.inputs.checkpoints.isolated import MAX_SECONDS

    path = Path(__file__).parents[1] / "fuzz" / "corpus" / "h5" / "finding-dc64491042714fcd"
    start = time.perf_counter()
    with pytest.raises(RnnParamsError, match=f"took more than {MAX_SECONDS:g} seconds and was stopped"):
        api.inspect(str(path))
    assert time.perf_counter() - start < MAX_SECONDS + 2


def test_the_opcode_scan_passes_a_large_honest_pickle_and_refuses_bombs_by_their_limits() -> None:
    """data.pkl was capped at 4 MiB (about 25,000 tensors); now its opcodes are scanned before unpickling. A
    state_dict-shaped pickle past the old cap (60,000 entries of name, storage tuple, shape and stride, 5 MiB
    with protocol 2 as torch.save writes it) passes; 3,000,001 empty lists (two bytes each) and a PUT into slot
    2**31 - 1 are refused, each naming its limit."""
    import pickle

    from rnnparams.inputs.checkpoints.model import CheckpointError
    from rnnparams.inputs.checkpoints.torchzip import MAX_PICKLE_OBJECTS, scan_pickle

    honest = pickle.dumps({f"layers.{i}.weight": (("storage", "FloatStorage", str(i), "cpu", 4), 0, (2, 2), (2, 1),
                                                  False) for i in range(60_000)}, protocol=2)
    assert len(honest) > 4 << 20
    scan_pickle(honest, "honest.pt")
    bomb = b"\x80\x02]" + b"]a" * MAX_PICKLE_OBJECTS + b"."
    with pytest.raises(CheckpointError, match="makes more than 3,000,000 objects"):
        scan_pickle(bomb, "bomb.pt")
    with pytest.raises(CheckpointError, match=r"memo slot 2,147,483,647 \(at most 3,000,000\)"):
        scan_pickle(b"\x80\x02]r\xff\xff\xff\x7f.", "memo.pt")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.data())
def test_the_small_pickle_walk_agrees_with_the_whole_walk(data: st.DataObject) -> None:
    """A data.pkl under MAX_PICKLE_OBJECTS bytes cannot pass the opcode or object limits, so its walk only looks
    for memo slots, skipping the opcodes that need no look with one regular expression (inspect of a 10,000-tensor
    torch.save: 0.12 s of opcode walk became 0.01 s). On damaged and crafted pickles it must refuse exactly where
    the opcode-by-opcode walk does, and never raise anything else."""
    import pickle

    from rnnparams.inputs.checkpoints import torchzip
    from rnnparams.inputs.checkpoints.model import CheckpointError

    honest = pickle.dumps({f"rnn.{i}.weight_ih_l0": (("storage", "FloatStorage", str(i), "cpu", 4), 0, (2, 2),
                                                     (2, 1), False, "x" * (i % 300)) for i in range(400)}, protocol=2)
    raw = bytearray(honest)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):  # an opcode that stores, or takes a length, in a random place
            raw[at:at + 5] = bytes([data.draw(st.sampled_from(b"rpXT\x8b\x8cUCBJ"))]) + \
                data.draw(st.integers(0, 2**32 - 1)).to_bytes(4, "little")
        else:
            raw[at] = data.draw(st.integers(0, 255))
    pkl = bytes(raw)

    def outcome(walk: object) -> str:
        try:
            walk(pkl, "m.pt")  # type: ignore[operator]
        except CheckpointError as exc:
            return exc.message
        return "ok"

    assert outcome(torchzip._scan_memo_slots) == outcome(torchzip._scan_opcodes)


def test_every_dimension_of_every_tensor_is_bounded() -> None:
    """Each tensor's dimensions were checked through a mapping whose one key held only the last of them: a
    bias-free LSTM of hidden size 3·10^18 (under 2^63 − 1) has weights of 4·H = 1.2·10^19 rows, which no framework
    can hold, and was counted. Now every dimension is checked, and the first too large is named."""
    with pytest.raises(ConfigError, match=r"LSTM: a dimension of weight_ih_l0 has about 19 digits.*2\*\*63 - 1"):
        api.count("nn.LSTM(10, 3000000000000000000, bias=False)")
    assert api.count("nn.LSTM(10, 2000000000000000000, bias=False)").total_params > 0  # 4·H under the bound
