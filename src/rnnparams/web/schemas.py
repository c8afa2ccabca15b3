"""Request bodies of the JSON API (DESIGN.md §2), as pydantic models: one definition gives both the
validation of every request and the OpenAPI schema. Strict: JSON types are taken as they are (no "35" for
35), and unknown fields are refused, so a typo (`input-shape`) is an error instead of being ignored."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..conventions import FRAMEWORKS, REGISTRY

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
                    "`Sequential([...])` or a whole Keras / PyTorch file (read with `ast`, never run), or a JSON "
                    "spec (what `rnnparams count --emit-spec json` writes).",
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
                    "`--set NAME=VALUE`): a module constant, an __init__ argument, `args.NAME`...",
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
    optimizer: str = Field(default="adam", max_length=20, description="sgd, momentum, adam or adamw.")
    mixed_precision: bool = Field(default=False, description="float16/bfloat16 compute with float32 master weights.")
    mode: str = Field(default="train", max_length=20, description="train or inference.")
    device: str = Field(default="cpu", max_length=20, description="cpu or cuda (whose kernels' activations).")
    lang: Lang = Field(default="en", description="Language of `text`: en or zh (中文).")


class ErrorBody(BaseModel):
    error: str = Field(description="What is wrong, written for the user (it may span lines and point into the "
                                   "model text with a caret).")


REQUESTS: dict[str, type[ModelRequest]] = {
    "count": ModelRequest, "explain": ExplainRequest, "formula": ModelRequest, "check": CheckRequest,
    "compare": CompareRequest, "estimate": EstimateRequest,
}
"""The body model of each verb's POST /api/<verb>."""
