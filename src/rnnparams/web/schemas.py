"""Request bodies of the JSON API (DESIGN.md §2), as pydantic models: one definition gives both the
validation of every request and the OpenAPI schema. Strict: JSON types are taken as they are (no "35" for
35), and unknown fields are refused, so a typo (`input-shape`) is an error instead of being ignored."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..analysis.build import MAX_BUILD_LAYERS
from ..conventions import FRAMEWORKS, REGISTRY
from ..conventions.families import FAMILIES

MAX_DIM = 10**9
"""The largest size the web accepts in any one dimension (input shapes, layer arguments, batch, steps)."""
MAX_MODEL_CHARS = 60_000
"""Below the 64 KiB body limit, so a model this long still fits in a request."""
MAX_CLAIMED = 10**30

FRAMEWORK_IDS = ", ".join(REGISTRY)
COMPARED_IDS = ", ".join(f for f in FRAMEWORKS if FRAMEWORKS[f].compared)

Dim = Annotated[int, Field(ge=1, le=MAX_DIM)]
Lang = Literal["en", "zh"]


class ModelRequest(BaseModel):
    """A model and how to read it: the body of /api/count and /api/formula, and the base of the others."""

    model_config = ConfigDict(extra="forbid", strict=True)

    model: str = Field(
        min_length=1, max_length=MAX_MODEL_CHARS,
        description="A model expression in the framework's own syntax (';' chains layers), model code such as "
                    "`Sequential([...])` or a whole Keras / PyTorch file (read with `ast`, never run), a JSON "
                    "spec (what `rnnparams count --emit-spec json` writes), or a Hugging Face config.json "
                    "(model_type mamba, rwkv, jamba...; counted as transformers builds it, `overrides` as its "
                    "`--set` values).",
        examples=["nn.LSTM(100, 256)", "Sequential([Input((35, 100)), LSTM(256)])",
                  "SimpleRNN(2, input_shape=[50, 3]); Dense(1)"])
    framework: str | None = Field(
        default=None, max_length=40,
        description=f"Framework convention, one of {FRAMEWORK_IDS} (`rnnparams frameworks` lists them); null to "
                    "infer it from the names used.", examples=["pytorch"])
    input_shape: list[Dim | None] | None = Field(
        default=None, min_length=1, max_length=8,
        description="Shape of one input sample without the batch, e.g. [35, 100] (time steps, features); "
                    "null marks a free dimension.", examples=[[35, 100]])
    select: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="When `model` is Python code defining several models: which one (a variable, class or "
                    "function name, like `rnnparams count FILE --model NAME`).", examples=["Encoder"])
    overrides: dict[Annotated[str, Field(min_length=1, max_length=200)], int | float | bool | str] | None = Field(
        default=None, max_length=50,
        description="Values the code cannot give without running, by the name it reads them with (like "
                    "`--set NAME=VALUE`): a module constant, an __init__ argument, `args.NAME`...; for a config "
                    "file, its fields (num_hidden_layers).",
        examples=[{"hidden_size": 256, "args.nlayers": 3}])


class ExplainRequest(ModelRequest):
    lang: Lang = Field(default="en", description="Language of `text` and `markdown`: en or zh (中文).")


class CheckRequest(ModelRequest):
    claimed: Annotated[int, Field(ge=0, le=MAX_CLAIMED)] | Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The parameter count to check: 366592 or \"366,592\".", examples=[365568])
    lang: Lang = Field(default="en", description="Language of `text`: en or zh (中文).")


class CompareRequest(ModelRequest):
    frameworks: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=10,
        description=f"Frameworks to compare (default: {COMPARED_IDS}).", examples=[list(REGISTRY)[:2]])
    lang: Lang = Field(default="en", description="Language of `text`: en or zh (中文).")


class EstimateRequest(ModelRequest):
    batch: Dim = Field(description="Sequences per batch.", examples=[32])
    seq_len: Dim | None = Field(
        default=None, description="Time steps per sequence; null when the model's input shape fixes them.",
        examples=[50])
    dtype: str = Field(default="float32", max_length=20, description="float32, float16, bfloat16 or int8.")
    optimizer: str = Field(default="adam", max_length=20,
                           description="sgd, momentum, nesterov, adam, adamw, rmsprop, rmsprop-centered, adagrad, "
                                       "adafactor or adam8bit.")
    mixed_precision: bool = Field(default=False, description="float16/bfloat16 compute with float32 master weights.")
    mode: str = Field(default="train", max_length=20, description="train or inference.")
    device: str = Field(default="cpu", max_length=20, description="cpu or cuda (whose kernels' activations).")
    lang: Lang = Field(default="en", description="Language of `text`: en or zh (中文).")


MAX_SWEEP_POINTS = 1000
"""Values of one /api/sweep request; more is a 4xx (the command line takes 10,000)."""
Budget = Annotated[int, Field(ge=0, le=MAX_CLAIMED)] | Annotated[str, Field(min_length=1, max_length=40)]


class DesignOptions(ModelRequest):
    """What solve and sweep share: the size varied and the options of an estimate (for memory and FLOPs)."""

    batch: Dim | None = Field(default=None, description="Sequences per batch: needed for memory and FLOPs (unless "
                              "`vary` is batch).", examples=[32])
    seq_len: Dim | None = Field(default=None, description="Time steps per sequence; null when the model's input "
                                "shape fixes them.", examples=[50])
    dtype: str = Field(default="float32", max_length=20, description="float32, float16, bfloat16 or int8.")
    optimizer: str = Field(default="adam", max_length=20, description="sgd, momentum, adam or adamw.")
    mixed_precision: bool = Field(default=False, description="float16/bfloat16 compute with float32 master weights.")
    mode: str = Field(default="train", max_length=20, description="train or inference.")
    device: str = Field(default="cpu", max_length=20, description="cpu or cuda (whose kernels' activations).")
    lang: Lang = Field(default="en", description="Language of `text` (and the chart's words): en or zh (中文).")


class SolveRequest(DesignOptions):
    vary: str = Field(min_length=1, max_length=200, examples=["hidden_size"],
                      description="The size to solve for: a constructor argument (hidden_size, units, num_layers), "
                                  "LAYER.NAME when several layers have it, *.NAME for all of them; batch or seq_len "
                                  "with a memory or FLOPs budget.")
    params: Budget | None = Field(default=None, description="Parameter budget: 10000000 or \"10M\".",
                                  examples=["10M"])
    memory: Budget | None = Field(default=None, description="Bytes of one step (the estimate's total): "
                                  "\"8GiB\", \"512MiB\" or a number; needs `batch`.")
    flops: Budget | None = Field(default=None, description="FLOPs of one batch (forward + backward when training): "
                                 "\"1T\"; needs `batch`.")
    smallest: bool = Field(default=False, description="The smallest value reaching the budget (a lower bound) "
                                                      "instead of the largest within it.")
    multiple_of: Dim = Field(default=1, description="Only multiples of this (8 for tensor cores).")


class SweepRequest(DesignOptions):
    vary: str = Field(min_length=1, max_length=200, examples=["hidden_size=64..1024:64"],
                      description="NAME=VALUES: a range START..STOP:STEP (STOP included) or a list 1,10,100 (at "
                                  f"most {MAX_SWEEP_POINTS:,} values); or NAME alone with `values`.")
    values: list[Annotated[int, Field(ge=0, le=MAX_DIM)]] | None = Field(
        default=None, min_length=1, max_length=MAX_SWEEP_POINTS, examples=[[1, 10, 100]],
        description=f"The values, when `vary` is a name alone (at most {MAX_SWEEP_POINTS:,}).")
    metric: Literal["params", "memory", "flops"] = Field(default="params", description="What the chart shows: "
                                                         "params, memory or flops (those need `batch`).")
    compare: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=10, examples=[["keras"]],
        description="Also the same architecture in these frameworks (parameters).")


FieldValue = (Annotated[int, Field()] | Annotated[float, Field(allow_inf_nan=False)] | bool
              | Annotated[str, Field(max_length=40)] | None)


class BuildLayer(BaseModel):
    """One layer of the page's stack, framework-neutral: a family and its fields' values."""

    model_config = ConfigDict(extra="forbid", strict=True)

    family: str = Field(min_length=1, max_length=40, examples=["lstm"], json_schema_extra={"enum": list(FAMILIES)},
                        description=f"A layer family: {', '.join(FAMILIES)} (GET /api/catalog lists each "
                                    "framework's, with the fields its writer takes).")
    values: dict[Annotated[str, Field(min_length=1, max_length=40)], FieldValue] = Field(
        default_factory=dict, max_length=40, examples=[{"units": 256, "bidir": True}],
        description="Field values by name (GET /api/catalog: `families[].fields`); a field left out takes its "
                    "default, and an input size (`in`) left out or null is the features the layer before gives.")


class BuildRequest(BaseModel):
    """The body of /api/build: a stack of neutral layers to write in one framework's own syntax."""

    model_config = ConfigDict(extra="forbid", strict=True)

    framework: str = Field(max_length=40, examples=["paddle"], json_schema_extra={"enum": list(REGISTRY)},
                           description=f"The framework to write the stack in, one of {FRAMEWORK_IDS}.")
    layers: list[BuildLayer] = Field(min_length=1, max_length=MAX_BUILD_LAYERS,
                                     examples=[[{"family": "embedding", "values": {"vocab": 10000, "dim": 128}},
                                                {"family": "lstm", "values": {"units": 256}}]])
    timesteps: Dim | None = Field(default=None, description="Time steps of the model input, for frameworks whose "
                                  "layers read their input sizes from the data (`infers_input`); null: free.")
    features: Dim | None = Field(default=None, description="Features of the model input, for the same "
                                 "frameworks; null when the stack starts with an embedding (token ids).")
    lang: Lang = Field(default="en", description="Language of the error message: en or zh (中文).")


class BuiltLayer(BaseModel):
    layers: int = Field(description="How many layers of the written model this layer of the stack became.")
    input_size: int | None = Field(description="The input size it reads (given, or the features of the layer "
                                   "before); null where its writer takes none, or the model cannot be counted.")


class BuildAnswer(BaseModel):
    model: str = Field(description="The stack as an expression in the framework's own syntax, what the other "
                                   "endpoints take as `model`.")
    framework: str
    input_shape: list[int | None] | None = Field(description="The model input (one sample) the expression needs "
                                                 "beside it, for frameworks whose layers read it from the data.")
    stack: list[BuiltLayer] = Field(description="Each layer of the request, as written.")


class CatalogAnswer(BaseModel):
    """GET /api/catalog (render/catalog.py): what the calculator page builds its controls and words from."""

    languages: list[str]
    frameworks: list[dict[str, Any]] = Field(
        description="Every framework in the registry's order: id, display, short, infers_input, estimated, "
                    "verified, the families its writers offer with the fields each takes, refusals (why a "
                    "family cannot be written) and its layer classes with their constructor params.")
    families: list[dict[str, Any]] = Field(
        description="Every layer family in order: key, label {en, zh}, sequence, tokens, and fields (name, type, "
                    "default, short URL key, options, shown_if / hidden_if pairs, label {en, zh}).")
    limits: dict[str, int] = Field(description="The web's limits, the builder's and the most stacked layers.")
    words: dict[str, dict[str, str]] = Field(description="Every sentence the page shows, by language and key.")
    examples: list[dict[str, Any]] = Field(description="The page's example models: label {en, zh} and code.")


class ErrorBody(BaseModel):
    error: str = Field(description="What is wrong, written for the user (it may span lines and point into the "
                                   "model text with a caret).")


REQUESTS: dict[str, type[ModelRequest]] = {
    "count": ModelRequest, "explain": ExplainRequest, "formula": ModelRequest, "check": CheckRequest,
    "compare": CompareRequest, "estimate": EstimateRequest, "solve": SolveRequest, "sweep": SweepRequest,
}
"""The body model of each verb's POST /api/<verb>."""
