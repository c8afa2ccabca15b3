"""The public verbs, thin over inputs and analysis."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Mapping, Sequence

from .analysis.count import count_model
from .analysis.report import Report
from .errors import UsageError
from .spec import ModelSpec, Shape

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis.check import CheckResult
    from .analysis.compare import Comparison
    from .analysis.design import Solution, Sweep
    from .analysis.estimate import Estimate
    from .analysis.explain import Explanation
    from .analysis.formula import ModelFormula
    from .analysis.hubdir import DirectoryCheck
    from .analysis.inspect import Inspection
    from .analysis.listing import FileListing
    from .analysis.resources import EstimateOptions
    from .analysis.sequence import SequenceEstimate
    from .analysis.state import StateReport

FILE_SUFFIXES = ("json", "yaml", "yml", "toml", "py")


class _PausedGC:
    """The garbage collector paused while a verb works on a spec that is already read. The analysis builds only
    acyclic records, by the hundred thousand on a long chain, and the collector's passes over them were half
    the cost of `estimate` on 1,000 layers (docs/reliability.md). Reading inputs (code, files) is not covered:
    hostile input may build cycles there. Restores the previous state, so nested verbs and a caller that
    paused it themselves are left as they were."""

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


MAX_FILE_BYTES = 5_000_000


def normalize_input_shape(input_shape: Sequence[int | None] | str | None) -> Shape | None:
    """Accept (35, 100), [35, 100] or "35,100" ("None" or "?" for a free dimension)."""
    if input_shape is None:
        return None
    if isinstance(input_shape, str):
        parts = [p.strip() for p in input_shape.strip("()[] ").split(",") if p.strip()]
        dims: list[int | None] = []
        for p in parts:
            if p.lower() in ("none", "?", "null"):
                dims.append(None)
            elif p.lstrip("-").isdigit():
                dims.append(int(p))
            else:
                raise UsageError(f"input shape {input_shape!r}: {p!r} is not a size; write it like 35,100 "
                                 "(time steps, features), with None for a free dimension")
        input_shape = dims
    shape = tuple(input_shape)
    if not shape:
        raise UsageError("input shape is empty; write it like 35,100 (time steps, features)")
    for d in shape:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool) or d <= 0):
            raise UsageError(f"input shape {list(shape)}: every size must be a positive integer (got {d!r})")
    return shape


def to_spec(model: str | ModelSpec, framework: str | None = None,
            input_shape: Sequence[int | None] | str | None = None, *, select: str | None = None,
            overrides: Mapping[str, object] | Sequence[str] | None = None, partial: bool = False) -> ModelSpec:
    """The ModelSpec of an expression, a file (`model.py`, `model.py::Name`, a spec file) or pasted model code.
    `select` picks one model of a .py file (variable, class or function name); `overrides` give values the
    code cannot (`{"hidden": 256}` or `["hidden=256"]`, like --set); `partial`: model code with parts the reader
    cannot see into (a backbone from another package) is counted from what the file defines, a lower bound
    whose spec lists the parts left out (`ModelSpec.missing`)."""
    if isinstance(model, ModelSpec):
        return model
    if not isinstance(model, str):
        raise UsageError(f"model must be an expression string or a ModelSpec, not {type(model).__name__}")
    shape = normalize_input_shape(input_shape)
    if looks_like_path(model):
        return _spec_from_file(model, framework, shape, select, overrides, partial)
    if select is not None or overrides or is_code(model):
        from .inputs.code.reader import parse_overrides, refuse_layer_calls, spec_from_code

        if select is not None or overrides:
            refuse_layer_calls(model)

        return spec_from_code(model, source_name="<code>", framework=framework, input_shape=shape, select=select,
                              overrides=parse_overrides(overrides), partial=partial)
    from .inputs.expression import parse_expression  # imported here: a config file's count never parses Python

    return parse_expression(model, framework, shape)


def looks_like_path(model: str) -> bool:
    """A model argument is a file when it names one (no call parentheses, a known suffix; a .py file may
    name one of its models as `model.py::Name`)."""
    path = model.strip().split("::", 1)[0] if ".py::" in model else model.strip()
    return "(" not in path and "\n" not in path and path.rsplit(".", 1)[-1].lower() in FILE_SUFFIXES


def is_code(model: str) -> bool:
    """A model argument is Python code (not an expression) when it has several lines that read as a module:
    imports, classes, functions or several statements. One-line text never pays for importing the reader."""
    if "\n" not in model:
        return False
    from .inputs.code.detect import looks_like_code

    return looks_like_code(model)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read it ({exc})") from None
    if len(text) > MAX_FILE_BYTES:
        raise UsageError(f"{path}: too large (more than {MAX_FILE_BYTES:,} characters)")
    return text


def _code_file(path: str, framework: str | None, shape: Shape | None, select: str | None,
               overrides: Mapping[str, object] | Sequence[str] | None, partial: bool = False) -> ModelSpec:
    from .inputs.code.reader import parse_overrides, spec_from_code

    path, _, named = path.strip().partition("::")
    return spec_from_code(_read(path), source_name=path, framework=framework, input_shape=shape,
                          select=select or named or None, overrides=parse_overrides(overrides), partial=partial)


def models_in_file(path: str, framework: str | None = None, input_shape: Sequence[int | None] | str | None = None,
                   *, overrides: Mapping[str, object] | Sequence[str] | None = None,
                   partial: bool = False) -> FileListing:
    """Every model a .py file defines (module variables, classes never instantiated, model-building
    functions never called), each counted, or with the reason it cannot be. PATH may also be the code itself
    (pasted text with several statements), named `<code>`."""
    from .analysis.listing import list_models
    from .inputs.code.reader import parse_overrides, read_models

    if is_code(path):
        text, path = path, "<code>"
    else:
        path = path.strip().split("::", 1)[0]
        text = _read(path)
    found = read_models(text, source_name=path, framework=framework,
                        input_shape=normalize_input_shape(input_shape), overrides=parse_overrides(overrides),
                        partial=partial)
    return list_models(path, found)


def _spec_from_file(path: str, framework: str | None, shape: Shape | None, select: str | None = None,
                    overrides: Mapping[str, object] | Sequence[str] | None = None, partial: bool = False) -> ModelSpec:
    from ._record import replace

    if path.strip().split("::", 1)[0].lower().endswith(".py"):
        return _code_file(path, framework, shape, select, overrides, partial)
    if path.strip().lower().endswith(".json"):
        from .inputs.hfconfig import looks_like_hf_config, spec_from_config

        text = _read(path)
        if looks_like_hf_config(text):  # a Hugging Face config.json: the model transformers builds from it
            hf = spec_from_config(text, path, overrides)
            if framework not in (None, hf.framework) or select is not None:
                raise UsageError(f"{path} is a Hugging Face config (counted as transformers builds it); drop "
                                 "--framework and --model")
            return hf
    from .inputs.specfile import format_of, load_spec

    fmt = format_of(path)
    text = _read(path)
    if select is not None or overrides:
        raise UsageError(f"{path}: --model and --set apply to .py files and Hugging Face config files, not to "
                         "spec files")
    assert fmt is not None
    spec = load_spec(text, fmt, source_name=path)
    if framework is not None and framework != spec.framework:
        raise UsageError(f"{path} is a {spec.framework} spec, but --framework {framework} was given")
    return spec if shape is None else replace(spec, input_shape=shape)


def count(model: str | ModelSpec, framework: str | None = None,
          input_shape: Sequence[int | None] | str | None = None, *, select: str | None = None,
          overrides: Mapping[str, object] | Sequence[str] | None = None, partial: bool = False) -> Report:
    """Count the parameters of `model` exactly as `framework` does (inferred from the text when None).
    For a .py file, `select` names one of its models and `overrides` gives values (see `to_spec`); with
    `partial`, parts the reader cannot see into are left out and listed (`Report.missing`: a lower bound)."""
    spec = to_spec(model, framework, input_shape, select=select, overrides=overrides, partial=partial)
    with _PausedGC():
        return count_model(spec)


def explain(model: str | ModelSpec, framework: str | None = None,
            input_shape: Sequence[int | None] | str | None = None) -> Explanation:
    """Every tensor's size and every layer's total as step-by-step derivations, with convention notes."""
    from .analysis.explain import explain_report

    report = count(model, framework, input_shape)
    with _PausedGC():
        return explain_report(report)


def formula(model: str | ModelSpec, framework: str | None = None,
            input_shape: Sequence[int | None] | str | None = None) -> ModelFormula:
    """The model's parameter count in closed form, in the conventions' symbols (I, H, L, D, P, ...)."""
    from .analysis.formula import model_formula

    report = count(model, framework, input_shape)
    with _PausedGC():
        return model_formula(report)


def check(model: str | ModelSpec, claimed: int | str, framework: str | None = None,
          input_shape: Sequence[int | None] | str | None = None) -> CheckResult:
    """Is `claimed` the right count? If not, which known mistake (or pair of mistakes) produces it."""
    from .analysis.check import check_report

    value = parse_claimed(claimed)
    report = count(model, framework, input_shape)
    with _PausedGC():
        return check_report(report, value)


def parse_claimed(claimed: int | str) -> int:
    """Accept 366592, "366,592", "366_592" or "366 592"."""
    if isinstance(claimed, int) and not isinstance(claimed, bool):
        value = claimed
    elif isinstance(claimed, str) and claimed.strip().replace(",", "").replace("_", "").replace(" ", "").isdigit():
        value = int(claimed.strip().replace(",", "").replace("_", "").replace(" ", ""))
    else:
        raise UsageError(f"claimed count {claimed!r} is not a whole number; write it like 366592 or 366,592")
    if value < 0:
        raise UsageError(f"claimed count {claimed!r} is negative")
    return value


def compare(model: str | ModelSpec, frameworks: Sequence[str] | str | None = None,
            framework: str | None = None, input_shape: Sequence[int | None] | str | None = None) -> Comparison:
    """The same architecture counted in several frameworks, tensor by tensor, with the differences named
    (by default the model's own framework and those whose conventions are `compared`: PyTorch, Keras 3, Keras 2)."""
    from .analysis.compare import compare_report
    from .conventions import FRAMEWORKS

    if isinstance(frameworks, str):
        frameworks = [f.strip() for f in frameworks.split(",") if f.strip()]
    if frameworks is not None and list(frameworks) == ["all"]:
        frameworks = list(FRAMEWORKS)
    report = count(model, framework, input_shape)
    if frameworks is None:  # the model's own framework first, then those compared by default
        frameworks = [report.framework, *(f for f in FRAMEWORKS if FRAMEWORKS[f].compared)]
    ordered = [report.framework, *(f for f in frameworks if f != report.framework)]
    with _PausedGC():
        return compare_report(report, tuple(ordered if report.framework in frameworks else frameworks))


def estimate(model: str | ModelSpec, framework: str | None = None,
             input_shape: Sequence[int | None] | str | None = None, *, batch: int, seq_len: int | None,
             dtype: str = "float32", optimizer: str = "adam", mixed_precision: bool = False, mode: str = "train",
             device: str = "cpu", cpu_kernels: str = "onednn", checkpointing: bool = False,
             autocast: str | None = None) -> Estimate:
    """Memory (weights, gradients, optimizer state, activations, states, peak) and compute (MACs, FLOPs) of one
    training or inference step on a batch of `batch` sequences of `seq_len` steps; see docs/estimates.md. A
    sequence model (transformers' recurrent models, mamba.py, the block packages) answers with
    `estimate_sequence`'s figures instead."""
    from .analysis.estimate import estimate_report, make_options, with_sequence_length

    options = make_options(batch=batch, seq_len=seq_len, dtype=dtype, optimizer=optimizer,
                           mixed_precision=mixed_precision, mode=mode, device=device, cpu_kernels=cpu_kernels,
                           checkpointing=checkpointing, autocast=autocast)
    spec = to_spec(model, framework, input_shape)
    from .conventions import FRAMEWORKS

    runtime = FRAMEWORKS[spec.framework].runtime
    if runtime is None:
        raise UsageError(f"estimate models the kernels of PyTorch and Keras (what each keeps for backward, its "
                         f"optimizer state); {FRAMEWORKS[spec.framework].display} is counted exactly by `rnnparams "
                         "count`, but its memory and FLOPs are not modelled yet (`rnnparams state` gives its "
                         "weights' memory and the state it carries between tokens)")
    if runtime.per_token:
        raise UsageError(f"{FRAMEWORKS[spec.framework].display} is a sequence model: its estimate is "
                         "rnnparams.estimate_sequence (prefill and decoding, the state per sequence)")
    with _PausedGC():
        report = count_model(spec)
        filled, steps = with_sequence_length(spec, report, options.seq_len)
        if filled is not spec:
            report = count_model(filled)
        return estimate_report(report, options, steps)


def is_sequence_model(model: str | ModelSpec, framework: str | None = None,
                      input_shape: Sequence[int | None] | str | None = None) -> bool:
    """Does `model` belong to a framework estimated per token (`estimate_sequence`)?"""
    from .conventions import FRAMEWORKS

    runtime = FRAMEWORKS[to_spec(model, framework, input_shape).framework].runtime
    return runtime is not None and runtime.per_token


def estimate_sequence(model: str | ModelSpec, framework: str | None = None,
                      input_shape: Sequence[int | None] | str | None = None, *, batch: int, seq_len: int | None,
                      dtype: str = "float32", optimizer: str = "adam", mixed_precision: bool = False,
                      mode: str = "train", device: str = "cpu", cpu_kernels: str = "onednn",
                      checkpointing: bool = False) -> SequenceEstimate:
    """A sequence model's estimate: exact weights, gradients and optimizer state, the state per sequence, and the
    MACs and FLOPs of a prefill over `seq_len` tokens and of one decoding step (docs/estimates.md); activations
    are not modelled, and said so."""
    from .analysis.estimate import make_options
    from .analysis.sequence import sequence_estimate
    from .conventions import FRAMEWORKS

    options = make_options(batch=batch, seq_len=seq_len, dtype=dtype, optimizer=optimizer,
                           mixed_precision=mixed_precision, mode=mode, device=device, cpu_kernels=cpu_kernels,
                           checkpointing=checkpointing)
    spec = to_spec(model, framework, input_shape)
    runtime = FRAMEWORKS[spec.framework].runtime
    if runtime is None or not runtime.per_token:
        raise UsageError(f"{FRAMEWORKS[spec.framework].display} is not a sequence model; use rnnparams.estimate")
    return sequence_estimate(count_model(spec), options, seq_len)


def recurrent_state(model: str | ModelSpec, framework: str | None = None,
                    input_shape: Sequence[int | None] | str | None = None, *, batch: int = 1,
                    dtype: str = "float32", seq_len: int | None = None) -> StateReport:
    """The state the model carries between tokens, per sequence (a recurrent model's answer to a KV cache), and
    its weights' memory: needs no kernel model, so every framework has it (docs/estimates.md). A hybrid's
    attention layers cache keys and values per token: their size per token, and with `seq_len` after that many
    tokens of context."""
    from .analysis.resources import DTYPE_BYTES
    from .analysis.state import state_report

    if dtype not in DTYPE_BYTES:
        raise UsageError(f"dtype {dtype!r}: use one of {', '.join(DTYPE_BYTES)}")
    if not isinstance(batch, int) or isinstance(batch, bool) or batch <= 0:
        raise UsageError(f"batch must be a positive whole number (got {batch!r})")
    if seq_len is not None and (not isinstance(seq_len, int) or isinstance(seq_len, bool) or seq_len <= 0):
        raise UsageError(f"seq_len must be a positive whole number of tokens (got {seq_len!r})")
    return state_report(count(model, framework, input_shape), dtype, batch, seq_len)


def inspect(path: str | os.PathLike[str]) -> Inspection:
    """What a checkpoint holds (.safetensors, torch.save .pt/.pth/.bin, .keras, .h5, .onnx), read from its
    headers and metadata without loading its data or running anything in it: every tensor, totals by dtype,
    and the recurrent layers recognised with their configuration, as a spec `count` takes."""
    from .analysis.inspect import inspect_checkpoint
    from .inputs.checkpoints import read_checkpoint

    if not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"inspect takes a file path, not {type(path).__name__}")
    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "config.json")):
        return inspect_directory(os.fspath(path))  # type: ignore[return-value]
    checkpoint = read_checkpoint(path)
    with _PausedGC():
        return inspect_checkpoint(checkpoint)


def _design_options(batch: int | None, seq_len: int | None, dtype: str, optimizer: str, mixed_precision: bool,
                    mode: str, device: str, framework: str) -> EstimateOptions | None:
    from .analysis.estimate import make_options
    from .conventions import FRAMEWORKS

    if batch is None:
        return None
    if FRAMEWORKS[framework].runtime is None:
        raise UsageError(f"memory and FLOPs are modelled for PyTorch and Keras; {FRAMEWORKS[framework].display} "
                         "is counted exactly, so solve and sweep its parameters only")
    return make_options(batch=batch, seq_len=seq_len, dtype=dtype, optimizer=optimizer,
                        mixed_precision=mixed_precision, mode=mode, device=device)


def solve(model: str | ModelSpec, vary: str, *, params: int | str | None = None, memory: int | str | None = None,
          flops: int | str | None = None, smallest: bool = False, multiple_of: int = 1,
          framework: str | None = None, input_shape: Sequence[int | None] | str | None = None,
          batch: int | None = None, seq_len: int | None = None, dtype: str = "float32", optimizer: str = "adam",
          mixed_precision: bool = False, mode: str = "train", device: str = "cpu", select: str | None = None,
          overrides: Mapping[str, object] | Sequence[str] | None = None,
          limit: Callable[[ModelSpec], None] | None = None) -> Solution:
    """The largest value of the size `vary` (hidden_size, units, LAYER.NAME; batch or seq_len with a memory or
    FLOPs budget) whose parameters, step memory or FLOPs stay within one budget (`params="10M"`,
    `memory="8GiB"` with `batch`, `flops="1T"`); `smallest`: the smallest value that reaches the budget.
    Exact: every candidate is counted, and the value beside the answer is counted too; `limit` may refuse a
    candidate (raising an RnnParamsError), which then counts as not valid."""
    from .analysis.design import resolve_variable
    from .analysis.design import solve as solve_spec
    from .inputs.quantities import parse_budget

    given = [(k, v) for k, v in (("params", params), ("memory", memory), ("flops", flops)) if v is not None]
    if len(given) != 1:
        raise UsageError("give exactly one budget: --params N, --memory BYTES or --flops N"
                         + (f" (got {', '.join('--' + k for k, _ in given)})" if given else ""))
    metric, text = given[0]
    budget = parse_budget(text, "bytes" if metric == "memory" else metric)
    if metric != "params" and batch is None and vary.strip() == "batch":
        batch = 1  # the variable itself
    if metric != "params" and batch is None:
        raise UsageError(f"a {metric} budget is for a step on a batch: give --batch B (and --seq-len T)")
    if isinstance(multiple_of, bool) or not isinstance(multiple_of, int) or multiple_of < 1:
        raise UsageError(f"--multiple-of must be a positive integer (got {multiple_of!r})")
    spec = to_spec(model, framework, input_shape, select=select, overrides=overrides)
    options = _design_options(batch, seq_len, dtype, optimizer, mixed_precision, mode, device, spec.framework)
    var = resolve_variable(spec, count_model(spec), vary, options=options is not None)
    return solve_spec(spec, var, metric, budget, largest=not smallest, multiple_of=multiple_of,
                      options=options, limit=limit)


def sweep(model: str | ModelSpec, vary: str, values: Sequence[int] | str | None = None, *,
          metric: str = "params", compare: Sequence[str] | str | None = None, framework: str | None = None,
          input_shape: Sequence[int | None] | str | None = None, batch: int | None = None,
          seq_len: int | None = None, dtype: str = "float32", optimizer: str = "adam",
          mixed_precision: bool = False, mode: str = "train", device: str = "cpu",
          max_points: int | None = None, select: str | None = None,
          overrides: Mapping[str, object] | Sequence[str] | None = None) -> Sweep:
    """The model counted (and estimated, with `batch`) at every value of one size: `vary="hidden_size=64..1024:64"`
    or `vary="seq_len", values=[1, 10, 100]`; `compare`: the same architecture in other frameworks too."""
    from .analysis.design import resolve_variable
    from .analysis.design import sweep as sweep_spec
    from .inputs.quantities import parse_values

    name, eq, given = vary.partition("=")
    if eq and values is not None:
        raise UsageError("give the values once: NAME=RANGE or NAME with values")
    if not eq and values is None:
        raise UsageError(f"--vary {vary!r}: give the values, NAME=RANGE (hidden_size=64..1024:64) or a list "
                         "(seq_len=1,10,100)")
    if eq or isinstance(values, str):
        points = parse_values(given if eq else values, name)  # type: ignore[arg-type]
    else:
        points = tuple(values)  # type: ignore[arg-type]
        if any(isinstance(v, bool) or not isinstance(v, int) for v in points):
            raise UsageError(f"the values of {name} must be whole numbers")
    if not points:
        raise UsageError(f"--vary {vary!r}: no values")
    if max_points is not None and len(points) > max_points:
        raise UsageError(f"{len(points):,} values asked; at most {max_points:,} a request")
    spec = to_spec(model, framework, input_shape, select=select, overrides=overrides)
    if batch is None and name.strip() == "batch":
        batch = 1  # the variable itself
    options = _design_options(batch, seq_len, dtype, optimizer, mixed_precision, mode, device, spec.framework)
    var = resolve_variable(spec, count_model(spec), name, options=True)
    if isinstance(compare, str):
        compare = [f.strip() for f in compare.split(",") if f.strip()]
    label = model if isinstance(model, str) else (spec.name or spec.framework)
    return sweep_spec(spec, var, points, metric=metric, options=options, label=label,
                      frameworks=tuple(compare or ()))

MAX_SHARDS = 1_000


def inspect_directory(path: str) -> DirectoryCheck:
    """A Hugging Face model directory (config.json and *.safetensors, or pytorch_model*.bin when it has no
    safetensors): the config's count checked against the tensors the files hold, read from their headers."""
    from .analysis.count import count_model
    from .analysis.hubdir import check_directory
    from .inputs.checkpoints import read_checkpoint
    from .inputs.hfconfig import spec_from_config, stored_layout

    config = os.path.join(path, "config.json")
    spec = spec_from_config(_read(config), config)
    report = count_model(spec)
    names = sorted(os.listdir(path))
    files = [n for n in names if n.endswith(".safetensors")] or \
        [n for n in names if n.endswith((".bin", ".pt", ".pth")) and n.startswith("pytorch_model")]
    if not files:
        raise UsageError(f"{path}: has config.json but no weights (*.safetensors or pytorch_model*.bin) to check "
                         "its count against; `rnnparams count {path}/config.json` counts the config alone")
    if len(files) > MAX_SHARDS:
        raise UsageError(f"{path}: {len(files):,} weight files, more than rnnparams reads ({MAX_SHARDS:,})")
    stored = tuple(t for name in files for t in read_checkpoint(os.path.join(path, name)).tensors)
    return check_directory(path, "config.json", spec, report, tuple(files), stored, stored_layout(_read(config)))
