"""solve and sweep: every answer is checked by counting the model written out at the value and at the value
beyond it (from the text, the path `count` takes), and by hand derivations; sweeps equal count/estimate at
every point."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnparams.api as api
from rnnparams.analysis.design import NoFit
from rnnparams.errors import UsageError
from rnnparams.inputs.quantities import parse_budget, parse_values

# One recurrent model per framework, written with its size as {H}, and the argument that holds it.
FRAMEWORK_CASES = [
    ("pytorch", "nn.LSTM({I}, {H}, num_layers=2)", None, "hidden_size"),
    ("keras", "LSTM({H})", "35,{I}", "units"),
    ("keras2", "GRU({H})", "35,{I}", "units"),
    ("flax", "flax.linen.RNN(flax.linen.OptimizedLSTMCell(features={H}))", "20,{I}", "features"),
    ("flax-nnx", "nnx.RNN(nnx.GRUCell({I}, {H}, rngs=nnx.Rngs(0)))", None, "hidden_features"),
    ("paddle", "paddle.nn.LSTM({I}, {H}, num_layers=2)", None, "hidden_size"),
    ("mindspore", "mindspore.nn.GRU({I}, {H})", None, "hidden_size"),
    ("onnx", "onnx.LSTM(hidden_size={H}, input_size={I})", None, "hidden_size"),
    ("tf1", "tf.compat.v1.nn.rnn_cell.LSTMCell({H})", "{I}", "num_units"),
    ("mxnet", "mx.gluon.rnn.LSTM({H}, input_size={I})", None, "hidden_size"),
]


def _total(template: str, shape: str | None, fw: str, i: int, h: int) -> int:
    return api.count(template.format(I=i, H=h), fw, None if shape is None else shape.format(I=i)).total_params


@pytest.mark.parametrize(("fw", "template", "shape", "name"), FRAMEWORK_CASES, ids=[c[0] for c in FRAMEWORK_CASES])
@settings(max_examples=12, deadline=None)
@given(i=st.integers(1, 300), budget=st.integers(1_000, 50_000_000), m=st.sampled_from([1, 1, 8, 64]))
def test_solve_is_the_largest_within_the_budget(fw: str, template: str, shape: str | None, name: str, i: int,
                                                budget: int, m: int) -> None:
    model = template.format(I=i, H=32)
    in_shape = None if shape is None else shape.format(I=i)
    try:
        sol = api.solve(model, name, params=budget, multiple_of=m, framework=fw, input_shape=in_shape)
    except NoFit:
        assert _total(template, shape, fw, i, m) > budget  # even the smallest multiple is over
        return
    assert sol.value % m == 0
    assert _total(template, shape, fw, i, sol.value) == sol.point.report.total_params <= budget
    assert sol.next_point is not None and sol.next_point.value == sol.value + m
    assert _total(template, shape, fw, i, sol.value + m) == sol.next_point.report.total_params > budget
    data = sol.to_dict()
    assert (data["value"], data["total_params"], data["next_value"], data["next_total_params"]) == (
        sol.value, sol.point.report.total_params, sol.value + m, sol.next_point.report.total_params)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(64, 400), budget=st.integers(1, 3_000_000))  # 1,000 GRU layers of 64 hold more than 3M
def test_smallest_num_layers_reaching_a_budget(h: int, budget: int) -> None:
    sol = api.solve(f"nn.GRU(50, {h})", "num_layers", params=budget, smallest=True)
    n = sol.value
    assert api.count(f"nn.GRU(50, {h}, num_layers={n})").total_params >= budget
    if n > 1:
        assert sol.next_point is not None and sol.next_point.value == n - 1
        assert api.count(f"nn.GRU(50, {h}, num_layers={n - 1})").total_params < budget
    else:
        assert sol.next_point is None


def test_hand_derived_lstm_for_ten_million() -> None:
    # two PyTorch LSTM layers: 4H(I + H + 2) + 4H(H + H + 2) <= 10^7 with I = 100
    def total(h: int) -> int:
        return 4 * h * (100 + h + 2) + 4 * h * (2 * h + 2)

    best = max(h for h in range(1, 2000) if total(h) <= 10_000_000)
    sol = api.solve("nn.LSTM(100, 256, num_layers=2)", "hidden_size", params="10M")
    assert (sol.value, sol.point.report.total_params) == (best, total(best)) == (895, 9_984_620)
    assert sol.next_point is not None and sol.next_point.report.total_params == total(896)


def test_memory_budget_on_the_batch_is_checked_by_estimating_both_sides() -> None:
    sol = api.solve("nn.GRU(64, 512)", "batch", memory="1GiB", seq_len=200)
    fits = api.estimate("nn.GRU(64, 512)", batch=sol.value, seq_len=200).total_bytes
    over = api.estimate("nn.GRU(64, 512)", batch=sol.value + 1, seq_len=200).total_bytes
    assert fits <= 2**30 < over
    assert sol.to_dict()["measure"] == fits and sol.to_dict()["next_measure"] == over


def test_flops_budget_on_the_hidden_size() -> None:
    sol = api.solve("nn.LSTM(100, 256)", "hidden_size", flops="1T", batch=64, seq_len=200)
    flops = [api.estimate(f"nn.LSTM(100, {h})", batch=64, seq_len=200).compute_line("flops_train_batch").value
             for h in (sol.value, sol.value + 1)]
    assert flops[0] <= 10**12 < flops[1]


def test_layer_dot_name_and_all_layers() -> None:
    model = "Embedding(20000, 128); LSTM(256, return_sequences=True); LSTM(256); Dense(10)"
    with pytest.raises(UsageError, match=r"3 layers have 'units' \(lstm, lstm_1, dense\)"):
        api.solve(model, "units", params="5M")
    one = api.solve(model, "lstm_1.units", params="5M")
    assert one.variable.layers == ("lstm_1",)
    first = "Embedding(20000, 128); LSTM(256, return_sequences=True)"
    assert api.count(f"{first}; LSTM({one.value}); Dense(10)").total_params <= 5_000_000
    both = api.solve(f"{first}; LSTM(256)", "*.units", params="5M")
    v = both.value

    def pair(h: int) -> int:
        return api.count(f"Embedding(20000, 128); LSTM({h}, return_sequences=True); LSTM({h})").total_params

    assert pair(v) <= 5_000_000 < pair(v + 1)


def test_the_layers_after_a_resized_one_follow_it() -> None:
    """PyTorch layers declare their input size, so resizing the LSTM resizes the head's in_features with it (and a
    conv's out_channels the norm, the slopes and the next conv after it), as whoever edits the model does."""
    model = "nn.Embedding(10000, 128); nn.LSTM(128, 256, batch_first=True); nn.Linear(256, 10)"
    sol = api.solve(model, "hidden_size", params="5M")

    def total(h: int) -> int:  # embedding 10000·128, LSTM 4H(128 + H + 2), head 10·H + 10, by hand
        return 10000 * 128 + 4 * h * (128 + h + 2) + 10 * h + 10

    assert sol.value == 900 and sol.point.report.total_params == total(900) <= 5_000_000 < total(901)
    assert sol.point.followed == ("2.in_features=900",)
    assert api.count(model.replace("256", "900")).total_params == total(900)
    assert sol.to_dict()["followed"] == ["2.in_features=900"]

    chain = "nn.Conv2d(3, 16, 3); nn.BatchNorm2d(16); nn.PReLU(16); nn.GroupNorm(4, 16); nn.Conv2d(16, 32, 3)"
    sweep = api.sweep(chain, "0.out_channels", [8, 16], input_shape=(3, 32, 32))
    eight, sixteen = sweep.series[0].points
    assert eight.followed == ("1.num_features=8", "2.num_parameters=8", "3.num_channels=8", "4.in_channels=8")
    assert sixteen.followed == ()
    # conv 8·3·3·3 + 8, batch norm 2·8 (+ 2·8 running statistics, buffers), PReLU 8, group norm 2·8, conv 32·8·9 + 32
    assert eight.report.total_params == 8 * 27 + 8 + 16 + 8 + 16 + 32 * 72 + 32
    assert eight.report.total_params == api.count(chain.replace("16", "8").replace("GroupNorm(4, 8)",
                                                                                    "GroupNorm(4, 8)"),
                                                  input_shape=(3, 32, 32)).total_params


def test_the_neighbour_that_is_not_valid_is_named() -> None:
    sol = api.solve("nn.LSTM(100, 256, proj_size=64)", "proj_size", params="100M")
    assert sol.value == 255 and sol.next_point is None  # PyTorch: proj_size < hidden_size
    assert sol.next_reason is not None and "proj_size has to be smaller than hidden_size" in sol.next_reason


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"params": 100}, "no value of hidden_size fits: even hidden_size=1 gives 412 parameters"),
    ({"params": "10M", "memory": "1GiB"}, "exactly one budget"),
    ({"memory": "1GiB"}, "give --batch"),
    ({"params": "ten"}, "not a count"),
])
def test_clear_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        api.solve("nn.LSTM(100, 256)", "hidden_size", **kwargs)  # type: ignore[arg-type]


def test_unknown_argument_lists_the_models_own() -> None:
    with pytest.raises(UsageError, match=r"no layer of the model has an integer argument 'units'.*hidden_size"):
        api.solve("nn.LSTM(100, 256)", "units", params="1M")


def test_budgets_and_ranges_parse_exactly() -> None:
    assert parse_budget("10M", "params") == 10_000_000
    assert parse_budget("1.5G", "params") == 1_500_000_000
    assert parse_budget("8GiB", "bytes") == 8 * 1024**3
    assert parse_budget("2GB", "bytes") == 2 * 10**9
    assert parse_budget("1T", "flops") == 10**12
    with pytest.raises(UsageError, match="not a whole number"):
        parse_budget("1.0000005K", "params")
    with pytest.raises(UsageError, match="units: KiB"):
        parse_budget("8G", "bytes")
    assert parse_values("64..256:64") == (64, 128, 192, 256)
    assert parse_values("1,10,100") == (1, 10, 100)
    with pytest.raises(UsageError, match="at most 10,000"):
        parse_values("1..20000")


# --- sweep ------------------------------------------------------------------------------------------------------

def test_sweep_points_equal_count_at_each_value() -> None:
    result = api.sweep("nn.LSTM(100, 256)", "hidden_size=32..256:32", compare="keras")
    (torch_series, keras_series) = result.series
    for p in torch_series.points:
        assert p.report.total_params == api.count(f"nn.LSTM(100, {p.value})").total_params
    for p in keras_series.points:  # Keras: one bias vector per gate block, 4H(I + H + 1)
        assert p.report.total_params == 4 * p.value * (100 + p.value + 1)
    records = result.to_dict()
    assert len(records) == 16 and records[0]["value"] == 32 and records[0]["variable"] == "hidden_size"
    expected = api.count("nn.LSTM(100, 32)").to_dict()
    assert {k: records[0][k] for k in expected} == expected  # the fields of count --json


def test_sweep_seq_len_equals_estimate_at_each_value() -> None:
    result = api.sweep("nn.GRU(64, 128)", "seq_len", [1, 10, 100], batch=32, metric="memory")
    for p in result.series[0].points:
        est = api.estimate("nn.GRU(64, 128)", batch=32, seq_len=p.value)
        assert p.measure("memory") == est.total_bytes
        assert p.to_dict(result.variable)["estimate"] == est.to_dict()


def test_sweep_point_limit() -> None:
    with pytest.raises(UsageError, match="at most 1,000 a request"):
        api.sweep("nn.LSTM(100, 256)", "hidden_size=1..1001", max_points=1000)


def test_an_input_dimension_is_a_size_too() -> None:
    # Keras LSTM: 4H(F + H + 1) with H = 64: the largest F within 100,000 is 100000 // 256 - 65 = 325
    sol = api.solve("LSTM(64)", "input.1", params="100K", framework="keras", input_shape="35,100")
    assert (sol.value, sol.point.report.total_params) == (325, 4 * 64 * (325 + 64 + 1))
    swept = api.sweep("LSTM(64)", "input.0=10,100", framework="keras", input_shape="35,100", batch=8,
                      metric="memory")
    for p in swept.series[0].points:  # the time steps of the input: the same as an estimate at that shape
        assert p.measure("memory") == api.estimate("LSTM(64)", "keras", f"{p.value},100", batch=8,
                                                   seq_len=None).total_bytes
    with pytest.raises(UsageError, match=r"input\.K varies a fixed dimension"):
        api.solve("nn.LSTM(100, 256)", "input.0", params="1M")


def test_smallest_stops_where_the_valid_values_end() -> None:
    # proj_size < hidden_size in PyTorch: 255 is the last valid value, and it does not reach 10M
    with pytest.raises(NoFit, match=r"no valid value of proj_size reaches 10,000,000 parameters: proj_size=255"):
        api.solve("nn.LSTM(100, 256, proj_size=64)", "proj_size", params="10M", smallest=True)


FUZZ_MODELS = [
    ("nn.Embedding(1000, 32); nn.LSTM(32, 64, batch_first=True); nn.Linear(64, 10)", None, None),
    ("Embedding(1000, 64); Bidirectional(GRU(32)); Dense(3)", "keras", "20"),
    ("nn.LSTM(10, 32, num_layers=2, bidirectional=True, proj_size=8)", None, None),
    ("Conv1D(8, 3); LSTM(16); Dense(2)", "keras", "30,4"),
]


@settings(max_examples=40, deadline=None)
@given(case=st.sampled_from(FUZZ_MODELS), pick=st.integers(0, 50), metric=st.sampled_from(["params", "memory"]),
       budget=st.sampled_from([1, 10**4, 10**6, 10**9, 10**15]), smallest=st.booleans(),
       m=st.sampled_from([1, 3, 8]))
def test_solve_answers_or_says_why(case: tuple[str, str | None, str | None], pick: int, metric: str, budget: int,
                                   smallest: bool, m: int) -> None:
    from rnnparams.analysis.design import variables
    from rnnparams.errors import RnnParamsError

    spec = api.to_spec(*case)
    names = [name for name, _ in variables(spec, api.count(spec))]
    name = names[pick % len(names)]
    extra = {"batch": 4, "seq_len": 7} if metric == "memory" else {}
    try:
        sol = api.solve(spec, name, smallest=smallest, multiple_of=m, **{metric: budget}, **extra)  # type: ignore[arg-type]
    except RnnParamsError:
        return  # a clear error (no fit, not monotone, not valid) is an answer too
    measure = sol.point.measure(metric)
    assert (measure <= budget) if not smallest else (measure >= budget or sol.next_point is None)
    if sol.next_point is not None:
        beyond = sol.next_point.measure(metric)
        assert (beyond > budget) if not smallest else (beyond < budget)
