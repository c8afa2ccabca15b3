"""The JSON API's work, without the web framework: validate a request body, enforce the web's limits on
the parsed model, call the same API as the CLI and encode its `to_dict()`, the CLI's `--json`.

`answer(verb, body)` never raises for anything a client can send: every bad input becomes a 4xx status with
`{"error": "<message>"}`. Answers are pure functions of (verb, body), so they are kept in a small LRU cache:
a calculator page asks the same questions again and again while someone edits a model.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import api
from ..errors import InputError, RnnParamsError, UsageError
from ..spec import LayerSpec, ModelSpec, Value
from .builder import BuildRefused, run_build
from .schemas import (
    MAX_DIM,
    MAX_MODEL_CHARS,
    REQUESTS,
    BuildRequest,
    CheckRequest,
    CompareRequest,
    EstimateRequest,
    ExplainRequest,
    ModelRequest,
    SolveRequest,
    SweepRequest,
)

MAX_BODY_BYTES = 64 * 1024
MAX_LAYERS = 1000
"""Layers in one model, each stacked recurrent layer (num_layers) counted."""
MAX_CHECK_LAYERS = 200
"""`check` tries every pair of mistakes across layers: its time grows with the square of the layer count."""
VERBS = tuple(REQUESTS)
"""The verbs that take a model (POST /api/<verb>); POST /api/build writes one from the page's stack."""
BODIES: dict[str, type[BaseModel]] = {**REQUESTS, "build": BuildRequest}
LIMITS = {"body_bytes": MAX_BODY_BYTES, "layers": MAX_LAYERS, "check_layers": MAX_CHECK_LAYERS,
          "dimension": MAX_DIM, "model_chars": MAX_MODEL_CHARS}
"""The web's limits, as GET /api/catalog gives them to the page."""
INLINE_LAYERS = 8
"""An uncached answer for a model of at most this many layers is computed on the spot (a millisecond or two);
a larger one, model code, and solve and sweep (many counts each) go to a worker process, where a CPU-time
bound can stop them (web/pool.py)."""
INLINE_BODY_BYTES = 2048
"""Bodies larger than this go to a worker without being read here."""
POOLED_VERBS = frozenset({"solve", "sweep"})
CLAIMED_TEXT = re.compile(r"[0-9][0-9,_ ]*\Z")

FIELD_HINTS = {
    "model": "a non-empty string, e.g. \"nn.LSTM(100, 256)\"",
    "framework": "a framework id such as \"pytorch\", \"keras\" or \"keras2\", or null to infer it",
    "input_shape": f"a list of positive sizes (at most {MAX_DIM:,}) or null, e.g. [35, 100]",
    "claimed": "a whole number such as 366592, or a string such as \"366,592\"",
    "frameworks": "a list of framework ids, e.g. [\"pytorch\", \"keras\"]",
    "lang": "\"en\" or \"zh\"",
    "batch": f"a positive whole number (at most {MAX_DIM:,})",
    "seq_len": f"a positive whole number (at most {MAX_DIM:,}) or null",
    "mixed_precision": "true or false",
    "layers": "a list of layers such as {\"family\": \"lstm\", \"values\": {\"units\": 256}} (GET /api/catalog "
              "lists the families and their fields)",
    "timesteps": f"a positive whole number (at most {MAX_DIM:,}) or null",
    "vary": "a size such as \"hidden_size\" (solve) or \"hidden_size=64..1024:64\" (sweep)",
    "params": "a budget such as 10000000 or \"10M\"",
    "memory": "a budget in bytes such as 8589934592 or \"8GiB\"",
    "flops": "a budget such as \"1T\"",
    "multiple_of": f"a positive whole number (at most {MAX_DIM:,})",
    "values": f"a list of at most 1,000 whole numbers >= 0 (at most {MAX_DIM:,}), e.g. [1, 10, 100]",
    "metric": "\"params\", \"memory\" or \"flops\"",
    "compare": "a list of framework ids, e.g. [\"keras\"]",
    "features": f"a positive whole number (at most {MAX_DIM:,}) or null",
}


EXAMPLE_BODY = '{"model": "nn.LSTM(100, 256)"}'
EXAMPLE_BODIES = {"build": '{"framework": "pytorch", "layers": [{"family": "lstm", "values": {"in": 100, '
                           '"units": 256}}]}'}


class WebError(Exception):
    """A request the web refuses before (or instead of) asking the library: status and user-facing message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Heavy(Exception):
    """The request may be heavy: the server computes it in a worker process instead (`answer_inline`)."""


_INLINE: ContextVar[bool] = ContextVar("inline", default=False)


def answer_inline(verb: str, body: bytes) -> tuple[int, bytes] | None:
    """The answer when the request is predicted cheap (small body, few layers, no model code), computed on the
    spot; None when it may be heavy, for a worker to compute. Refusals are answered here whatever the size."""
    if verb in POOLED_VERBS or len(body) > INLINE_BODY_BYTES:
        return None
    token = _INLINE.set(True)
    try:
        return answer(verb, body)
    except Heavy:
        return None
    finally:
        _INLINE.reset(token)


def internal_error(exc: BaseException) -> str:
    return (f"internal error: {type(exc).__name__}; this is a bug in rnnparams, please report it with the "
            "request you sent")


def estimate_available() -> bool:
    """`rnnparams.api.estimate` arrived with its own issue; without it /api/estimate answers 501."""
    return callable(getattr(api, "estimate", None))


def status_of(error: RnnParamsError) -> int:
    """A wrong call (unknown framework, bad option) is 400; a model the framework would reject is 422."""
    return 400 if isinstance(error, UsageError) else 422


def encode(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def error_body(message: str) -> bytes:
    return encode({"error": message})


def answer(verb: str, body: bytes) -> tuple[int, bytes]:
    """Status and JSON body of POST /api/<verb>."""
    if verb not in BODIES:
        return 404, error_body(f"no such endpoint /api/{verb}; the API has: "
                               + ", ".join(f"/api/{v}" for v in BODIES))
    try:
        request = parse_request(verb, body)
        if isinstance(request, BuildRequest):
            return 200, encode(run_build(request, MAX_LAYERS))
        assert isinstance(request, ModelRequest)
        return 200, encode(run(verb, request))
    except BuildRefused as exc:
        return exc.status, error_body(exc.message)
    except WebError as exc:
        return exc.status, error_body(exc.message)
    except RnnParamsError as exc:
        return status_of(exc), error_body(in_api_terms(str(exc)))


CLI_TERMS = (
    (re.compile(r"choose one with --model NAME(?: \(or \S+::NAME\))?"), 'choose one with "select": "NAME"'),
    (re.compile(r"--model and --set"), '"select" and "overrides"'),
    (re.compile(r"--set NAME=VALUE"), '"overrides": {"NAME": VALUE}'),
    (re.compile(r"--set (\S+?)=VALUE"), r'"overrides": {"\1": VALUE}'),
    (re.compile(r"--set (\w+)=(\S+?): "), r'"overrides": {"\1": \2}: '),  # a config's field, typed wrong
    (re.compile(r"--set (\w+): "), r'"overrides": "\1": '),  # a config's field that is not one
    (re.compile(r"--seq-len T \(seq_len=T in Python\)"), '"seq_len": T'),
    (re.compile(r"--input-shape T,F"), '"input_shape": [T, F]'),
    (re.compile(r"--input-shape"), '"input_shape"'),
    (re.compile(r"--framework"), '"framework"'),
)


def in_api_terms(message: str) -> str:
    """An error written for the CLI, its options named as the request's fields (the library's messages name
    the CLI's options; the web answers in its own)."""
    for pattern, replacement in CLI_TERMS:
        message = pattern.sub(replacement, message)
    return message


# --- the request ------------------------------------------------------------------------------------------

def parse_request(verb: str, body: bytes) -> BaseModel:
    if len(body) > MAX_BODY_BYTES:
        raise WebError(413, f"the request is too large ({len(body):,} bytes; at most {MAX_BODY_BYTES:,})")
    try:
        return BODIES[verb].model_validate_json(body)
    except ValidationError as exc:
        raise describe_invalid(verb, exc) from None


def describe_invalid(verb: str, exc: ValidationError) -> WebError:
    """pydantic's errors as one message that says which field is wrong and what it takes."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    if any(e["type"] == "json_invalid" for e in errors):
        detail = next(e["msg"] for e in errors if e["type"] == "json_invalid")
        return WebError(400, f"the request body is not valid JSON ({detail}); send an object such as "
                             f"{EXAMPLE_BODIES.get(verb, EXAMPLE_BODY)}")
    fields = ", ".join(BODIES[verb].model_fields)
    messages: list[str] = []
    for e in errors:
        loc = [str(p) for p in e["loc"]]
        field = loc[0] if loc else ""
        if not loc or e["type"] == "model_type":
            text = f"the request body must be a JSON object such as {EXAMPLE_BODIES.get(verb, EXAMPLE_BODY)}"
        elif e["type"] == "extra_forbidden":
            text = f"unknown field {field!r}; /api/{verb} takes: {fields}"
        elif e["type"] == "missing":
            text = f"{field} is required: {FIELD_HINTS.get(field, 'see /openapi.json')}"
        elif any(not p.isdigit() for p in loc[1:]):  # one failed branch of a union per error: say it once
            text = f"{field}: expected {FIELD_HINTS.get(field, 'see /openapi.json')}"
        else:
            hint = FIELD_HINTS.get(field)
            where = field + "".join(f"[{p}]" for p in loc[1:])
            text = f"{where}: {e['msg'][0].lower() + e['msg'][1:]}" + (f"; expected {hint}" if hint else "")
        if text not in messages:
            messages.append(text)
    return WebError(422, "invalid request: " + "; ".join(messages[:3]))


def model_spec(request: ModelRequest, verb: str) -> ModelSpec:
    """The request's model as a spec, within the web's limits. Text is never taken for a file name here: the
    server reads no files on a client's behalf."""
    from ..inputs.code.reader import looks_like_code, parse_overrides, refuse_layer_calls, spec_from_code
    from ..inputs.expression import parse_expression
    from ..inputs.hfconfig import looks_like_hf_config

    shape = api.normalize_input_shape(request.input_shape)
    text = request.model
    if _INLINE.get() and (request.select is not None or request.overrides or looks_like_code(text)):
        raise Heavy  # the code reader's own bound is 5 s of wall clock: too long to hold the server
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        # Worked around here: the expression parser fails on text that is only comments (an IndexError).
        raise InputError("the model is empty (only comments): give an expression such as \"nn.LSTM(100, 256)\"")
    if text.lstrip().startswith("{") and looks_like_hf_config(text):  # a Hugging Face (or mamba_ssm) config.json
        spec = _spec_from_config(text, request)
    elif text.lstrip().startswith("{"):
        if request.select is not None or request.overrides:
            raise WebError(422, "select and overrides apply to model code and config files, not to a JSON spec")
        spec = _spec_from_json(text, request.framework, shape)
    elif request.select is not None or request.overrides or looks_like_code(text):
        if request.select is not None or request.overrides:
            refuse_layer_calls(text)
        spec = spec_from_code(text, source_name="model", framework=request.framework, input_shape=shape,
                              select=request.select, overrides=parse_overrides(request.overrides))
    else:
        spec = parse_expression(text, request.framework, shape)
    enforce_limits(spec, verb)
    return spec


def _spec_from_config(text: str, request: ModelRequest) -> ModelSpec:
    """The model transformers (or mamba_ssm) builds from a pasted config.json, `overrides` as its `--set` values."""
    from ..inputs.hfconfig import spec_from_config

    if request.select is not None or request.input_shape is not None:
        raise WebError(422, "a config file fixes its model and its input (token ids): drop select and input_shape")
    spec = spec_from_config(text, "config.json", request.overrides)
    if request.framework is not None and request.framework != spec.framework:
        raise UsageError(f"the model is a config file counted as {spec.framework} builds it, but framework "
                         f"{request.framework!r} was given")
    return spec


def _spec_from_json(text: str, framework: str | None, shape: tuple[int | None, ...] | None) -> ModelSpec:
    from .._record import replace
    from ..inputs.specfile import load_spec

    spec = load_spec(text, "json", source_name="model")
    if framework is not None and framework != spec.framework:
        raise UsageError(f"the model is a {spec.framework} spec, but framework {framework!r} was given")
    return spec if shape is None else replace(spec, input_shape=shape)


# --- limits ---------------------------------------------------------------------------------------------

def enforce_limits(spec: ModelSpec, verb: str) -> None:
    """Refuse models too large to answer quickly: too many layers, or a size beyond MAX_DIM anywhere."""
    limit = MAX_CHECK_LAYERS if verb == "check" else MAX_LAYERS
    layers = sum(layer_count(layer) for layer in spec.layers)
    if layers > limit:
        why = " (check tries every pair of mistakes across the layers)" if verb == "check" else ""
        raise WebError(422, f"the model has {layers:,} layers, counting each stacked recurrent layer; the web "
                            f"calculator takes at most {limit:,} for {verb}{why}. The command line "
                            f"(rnnparams {verb}) has no such limit.")
    if layers > INLINE_LAYERS and _INLINE.get():
        raise Heavy
    for dim in spec.input_shape or ():
        if dim is not None and abs(dim) > MAX_DIM:
            raise WebError(422, f"input shape {list(spec.input_shape or ())}: {dim:,} is larger than the web "
                                f"calculator allows in one dimension (at most {MAX_DIM:,})")
    for layer in spec.layers:
        for key, value in _integers(layer):
            if abs(value) > MAX_DIM:
                raise WebError(422, f"{layer.type}: {key} = {value:,} is larger than the web calculator allows "
                                    f"in one dimension (at most {MAX_DIM:,}); the command line has no such limit")


def layer_count(layer: LayerSpec) -> int:
    """1 for a plain layer, num_layers for a stacked recurrent one; a wrapper counts the layers it wraps."""
    wrapped = [v for v in _values(layer.config.values()) if isinstance(v, LayerSpec)]
    if wrapped:
        return sum(layer_count(inner) for inner in wrapped)
    stacked = layer.get("num_layers", 1)
    return stacked if isinstance(stacked, int) and not isinstance(stacked, bool) and stacked > 1 else 1


def _values(values: Any) -> Iterator[Value]:
    for value in values:
        if isinstance(value, tuple):
            yield from _values(value)
        else:
            yield value


def _integers(layer: LayerSpec) -> Iterator[tuple[str, int]]:
    for key, value in layer.config.items():
        for v in _values((value,)):
            if isinstance(v, LayerSpec):
                yield from ((f"{v.type}.{k}", n) for k, n in _integers(v))
            elif isinstance(v, int) and not isinstance(v, bool):
                yield key, v


# --- the verbs ------------------------------------------------------------------------------------------

def run(verb: str, request: ModelRequest) -> dict[str, Any]:
    return RUNNERS[verb](request)


def run_count(request: ModelRequest) -> dict[str, Any]:
    return api.count(model_spec(request, "count")).to_dict()


def run_formula(request: ModelRequest) -> dict[str, Any]:
    return api.formula(model_spec(request, "formula")).to_dict()


def run_explain(request: ModelRequest) -> dict[str, Any]:
    from ..analysis.cells import is_recurrent
    from ..analysis.design import variables
    from ..render.cell import cell_svg
    from ..render.explain import render_explain

    assert isinstance(request, ExplainRequest)
    spec = model_spec(request, "explain")
    ex = api.explain(spec)
    report = api.count(spec)
    drawn = any(is_recurrent(layer.report) for layer in ex.layers)
    return {**ex.to_dict(), "lang": request.lang, "text": render_explain(ex, request.lang),
            "markdown": render_explain(ex, request.lang, "markdown"),
            "cell_svg": cell_svg(ex, request.lang) if drawn else None,
            "variables": [{"name": name, "value": value} for name, value in variables(spec, report)]}


def run_check(request: ModelRequest) -> dict[str, Any]:
    from ..render.check import render_check

    assert isinstance(request, CheckRequest)
    claimed = request.claimed
    if isinstance(claimed, str) and not CLAIMED_TEXT.match(claimed.strip()):
        raise WebError(422, f"claimed count {claimed!r} is not a whole number; write it like 366592 or 366,592")
    result = api.check(model_spec(request, "check"), claimed)
    return {**result.to_dict(), "lang": request.lang, "text": render_check(result, request.lang)}


def run_compare(request: ModelRequest) -> dict[str, Any]:
    from ..render.compare import render_compare

    assert isinstance(request, CompareRequest)
    spec = model_spec(request, "compare")
    result = api.compare(spec) if request.frameworks is None else api.compare(spec, request.frameworks)
    return {**result.to_dict(), "lang": request.lang, "text": render_compare(result, request.lang)}


def run_estimate(request: ModelRequest) -> dict[str, Any]:
    assert isinstance(request, EstimateRequest)
    if not estimate_available():
        raise WebError(501, "resource estimates are not available in this version of rnnparams")
    from ..render.estimate import render_estimate

    spec = model_spec(request, "estimate")
    options: dict[str, Any] = {"batch": request.batch, "seq_len": request.seq_len, "dtype": request.dtype,
               "optimizer": request.optimizer, "mixed_precision": request.mixed_precision, "mode": request.mode}
    if api.is_sequence_model(spec):  # transformers' configs, mamba.py, the block packages: per token
        from ..render.sequence import render_sequence_estimate

        if request.device != "cpu":
            raise UsageError(f"device {request.device!r} chooses PyTorch's recurrent kernels; a sequence model's "
                             "figures do not depend on it: use cpu")
        seq = api.estimate_sequence(spec, **options)
        return {**seq.to_dict(), "lang": request.lang, "text": render_sequence_estimate(seq, request.lang)}
    est = api.estimate(spec, device=request.device, **options)
    return {**est.to_dict(), "lang": request.lang, "text": render_estimate(est, request.lang)}


MAX_SWEEP_LAYERS = 20_000
"""Layers counted by one sweep, summed over its values (each stacked recurrent layer counted)."""


def _estimate_options(request: SolveRequest | SweepRequest) -> dict[str, Any]:
    return {"batch": request.batch, "seq_len": request.seq_len, "dtype": request.dtype,
            "optimizer": request.optimizer, "mixed_precision": request.mixed_precision, "mode": request.mode,
            "device": request.device}


def run_solve(request: ModelRequest) -> dict[str, Any]:
    from ..render.design import render_solution

    assert isinstance(request, SolveRequest)

    def limit(spec: ModelSpec) -> None:  # a candidate over the web's limits is a value the search cannot take
        try:
            enforce_limits(spec, "solve")
        except WebError as exc:
            raise UsageError(exc.message.split(". The command line")[0].split("; the command line")[0]) from None

    sol = api.solve(model_spec(request, "solve"), request.vary, params=request.params, memory=request.memory,
                    flops=request.flops, smallest=request.smallest, multiple_of=request.multiple_of,
                    limit=limit, **_estimate_options(request))
    return {**sol.to_dict(), "lang": request.lang, "text": render_solution(sol, request.lang)}


def run_sweep(request: ModelRequest) -> dict[str, Any]:
    from ..analysis.design import resolve_variable, with_value
    from ..inputs.quantities import parse_values
    from ..render.design import sweep_lines, sweep_svg
    from .schemas import MAX_SWEEP_POINTS

    assert isinstance(request, SweepRequest)
    spec = model_spec(request, "sweep")
    name, eq, given = request.vary.partition("=")
    if eq and request.values is not None:
        raise WebError(422, "give the values once: vary NAME=VALUES, or vary NAME with a values list")
    values = parse_values(given, name) if eq else request.values
    if values is None:
        raise WebError(422, f"vary {request.vary!r} has no values: write NAME=64..1024:64 or give a values list")
    if len(values) > MAX_SWEEP_POINTS:
        raise WebError(422, f"{len(values):,} values asked; /api/sweep takes at most {MAX_SWEEP_POINTS:,} a request")
    var = resolve_variable(spec, api.count(spec), name, options=True)
    layers = sum(layer_count(layer) for v in values  # bound the work: the layers counted over all the values
                 for layer in (spec if var.option else with_value(spec, var, v)).layers)
    if layers > MAX_SWEEP_LAYERS:
        raise WebError(422, f"this sweep counts {layers:,} layers over its {len(values):,} values; the web "
                            f"calculator takes at most {MAX_SWEEP_LAYERS:,} a request (fewer values, or the "
                            "command line)")
    result = api.sweep(spec, name, values, metric=request.metric, compare=request.compare,
                       max_points=MAX_SWEEP_POINTS, **_estimate_options(request))
    return {"variable": result.variable.to_dict(), "metric": result.metric, "records": result.to_dict(),
            "series": [{"label": label, "points": [list(p) for p in points]}
                       for label, points in sweep_lines(result)],
            "svg": sweep_svg(result, request.lang), "lang": request.lang}


RUNNERS: dict[str, Callable[[ModelRequest], dict[str, Any]]] = {
    "count": run_count, "explain": run_explain, "formula": run_formula, "check": run_check,
    "compare": run_compare, "estimate": run_estimate, "solve": run_solve, "sweep": run_sweep,
}


# --- the cache ------------------------------------------------------------------------------------------

class AnswerCache:
    """Least recently used answers, bounded in entries and in bytes (one explanation of a thousand-layer
    model is megabytes). Thread-safe: answers are computed in worker threads."""

    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, bytes], tuple[int, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, bytes]) -> tuple[int, bytes] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    def put(self, key: tuple[str, bytes], value: tuple[int, bytes]) -> None:
        size = len(key[1]) + len(value[1])
        if size > self.max_bytes // 8:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(key[1]) + len(old[1])
            self._items[key] = value
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                (_, body), (_, data) = self._items.popitem(last=False)
                self._bytes -= len(body) + len(data)

    def __len__(self) -> int:
        return len(self._items)
