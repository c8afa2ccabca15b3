"""Keras preprocessing layers, as Keras counts them: Normalization keeps non-trainable mean, variance (the input's
shape on its `axis`) and count (a scalar) unless it is given mean and variance; STFTSpectrogram keeps real and
imaginary kernels (frame_length, 1, fft_length // 2 + 1); every other one has no weights. Their output shapes
are Keras' own; the lookups and TextVectorization learn a vocabulary from adapt() data, so only their "int"
outputs have a shape without it, and the rest are refused with that reason."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from ...errors import ConfigError, ShapeError
from ...spec import Shape
from ...symbolic import Const, Expr, Sym
from ..base import (
    ANY,
    REQUIRED,
    LayerContext,
    LayerPlan,
    Param,
    Recognised,
    TensorGroup,
    TensorSpec,
    fmt_shape,
    freeze,
    require_rank,
)
from ..work import Work
from .common import Table, given_input, layer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SIGNATURES: dict[str, tuple[tuple[str, Any], ...]] = {
    "AugMix": (("value_range", (0, 255)), ("num_chains", 3), ("chain_depth", 3), ("factor", 0.3), ("alpha", 1.0),
        ("all_ops", True), ("interpolation", "bilinear"), ("seed", None), ("data_format", None)),
    "AutoContrast": (("value_range", (0, 255)),),
    "CenterCrop": (("height", REQUIRED), ("width", REQUIRED), ("data_format", None)),
    "ContrastLimitedAdaptiveHistogramEqualization": (("value_range", (0, 255)), ("clip_limit", 4.0),
        ("tile_grid_size", (8, 8)), ("data_format", None)),
    "CutMix": (("factor", 1.0), ("seed", None), ("data_format", None)),
    "Equalization": (("value_range", (0, 255)), ("bins", 256), ("data_format", None)),
    "MaxNumBoundingBoxes": (("max_number", REQUIRED), ("fill_value", -1)),
    "MixUp": (("alpha", 0.2), ("data_format", None), ("seed", None)),
    "RandAugment": (("value_range", (0, 255)), ("num_ops", 2), ("factor", 0.5), ("interpolation", "bilinear"),
        ("seed", None), ("data_format", None)),
    "RandomBrightness": (("factor", REQUIRED), ("value_range", (0, 255)), ("seed", None)),
    "RandomColorDegeneration": (("factor", REQUIRED), ("value_range", (0, 255)), ("data_format", None),
        ("seed", None)),
    "RandomColorJitter": (("value_range", (0, 255)), ("brightness_factor", None), ("contrast_factor", None),
        ("saturation_factor", None), ("hue_factor", None), ("seed", None), ("data_format", None)),
    "RandomContrast": (("factor", REQUIRED), ("value_range", (0, 255)), ("seed", None)),
    "RandomCrop": (("height", REQUIRED), ("width", REQUIRED), ("seed", None), ("data_format", None)),
    "RandomElasticTransform": (("factor", 1.0), ("scale", 1.0), ("interpolation", "bilinear"),
        ("fill_mode", "reflect"), ("fill_value", 0.0), ("value_range", (0, 255)), ("seed", None),
        ("data_format", None)),
    "RandomErasing": (("factor", 1.0), ("scale", (0.02, 0.33)), ("fill_value", None), ("value_range", (0, 255)),
        ("seed", None), ("data_format", None)),
    "RandomFlip": (("mode", "horizontal_and_vertical"), ("seed", None), ("data_format", None)),
    "RandomGaussianBlur": (("factor", 1.0), ("kernel_size", 3), ("sigma", 1.0), ("value_range", (0, 255)),
        ("data_format", None), ("seed", None)),
    "RandomGrayscale": (("factor", 0.5), ("data_format", None), ("seed", None)),
    "RandomHue": (("factor", REQUIRED), ("value_range", (0, 255)), ("data_format", None), ("seed", None)),
    "RandomInvert": (("factor", 1.0), ("value_range", (0, 255)), ("seed", None), ("data_format", None)),
    "RandomPerspective": (("factor", 1.0), ("scale", 1.0), ("interpolation", "bilinear"), ("fill_value", 0.0),
        ("seed", None), ("data_format", None)),
    "RandomPosterization": (("factor", REQUIRED), ("value_range", (0, 255)), ("data_format", None), ("seed", None)),
    "RandomRotation": (("factor", REQUIRED), ("fill_mode", "reflect"), ("interpolation", "bilinear"), ("seed", None),
        ("fill_value", 0.0), ("data_format", None)),
    "RandomSaturation": (("factor", REQUIRED), ("value_range", (0, 255)), ("data_format", None), ("seed", None)),
    "RandomSharpness": (("factor", REQUIRED), ("value_range", (0, 255)), ("data_format", None), ("seed", None)),
    "RandomShear": (("x_factor", 0.0), ("y_factor", 0.0), ("interpolation", "bilinear"), ("fill_mode", "reflect"),
        ("fill_value", 0.0), ("data_format", None), ("seed", None)),
    "RandomTranslation": (("height_factor", REQUIRED), ("width_factor", REQUIRED), ("fill_mode", "reflect"),
        ("interpolation", "bilinear"), ("seed", None), ("fill_value", 0.0), ("data_format", None)),
    "RandomZoom": (("height_factor", REQUIRED), ("width_factor", None), ("fill_mode", "reflect"),
        ("interpolation", "bilinear"), ("seed", None), ("fill_value", 0.0), ("data_format", None)),
    "Rescaling": (("scale", REQUIRED), ("offset", 0.0)),
    "Resizing": (("height", REQUIRED), ("width", REQUIRED), ("interpolation", "bilinear"),
        ("crop_to_aspect_ratio", False), ("pad_to_aspect_ratio", False), ("fill_mode", "constant"),
        ("fill_value", 0.0), ("antialias", False), ("data_format", None)),
    "Solarization": (("addition_factor", 0.0), ("threshold_factor", 0.0), ("value_range", (0, 255)), ("seed", None)),
    "Discretization": (("bin_boundaries", None), ("num_bins", None), ("epsilon", 0.01), ("output_mode", "int"),
        ("sparse", False)),
    "CategoryEncoding": (("num_tokens", None), ("output_mode", "multi_hot"), ("sparse", False)),
    "Hashing": (("num_bins", REQUIRED), ("mask_value", None), ("salt", None), ("output_mode", "int"),
        ("sparse", False)),
    "HashedCrossing": (("num_bins", REQUIRED), ("output_mode", "int"), ("sparse", False)),
    "StringLookup": (("max_tokens", None), ("num_oov_indices", 1), ("mask_token", None), ("oov_token", "[UNK]"),
        ("vocabulary", None), ("idf_weights", None), ("invert", False), ("output_mode", "int"),
        ("pad_to_max_tokens", False), ("sparse", False), ("encoding", "utf-8"), ("salt", None)),
    "IntegerLookup": (("max_tokens", None), ("num_oov_indices", 1), ("mask_token", None), ("oov_token", -1),
        ("vocabulary", None), ("vocabulary_dtype", "int64"), ("idf_weights", None), ("invert", False),
        ("output_mode", "int"), ("sparse", False), ("pad_to_max_tokens", False), ("oov_method", "floormod"),
        ("salt", None)),
    "TextVectorization": (("max_tokens", None), ("standardize", "lower_and_strip_punctuation"),
        ("split", "whitespace"), ("ngrams", None), ("output_mode", "int"), ("output_sequence_length", None),
        ("pad_to_max_tokens", False), ("vocabulary", None), ("idf_weights", None), ("sparse", False),
        ("ragged", False), ("encoding", "utf-8")),
    "MelSpectrogram": (("fft_length", 2048), ("sequence_stride", 512), ("sequence_length", None), ("window", "hann"),
        ("sampling_rate", 16000), ("num_mel_bins", 128), ("min_freq", 20.0), ("max_freq", None),
        ("power_to_db", True), ("top_db", 80.0), ("mag_exp", 2.0), ("min_power", 1e-10), ("ref_power", 1.0)),
    "STFTSpectrogram": (("mode", "log"), ("frame_length", 256), ("frame_step", None), ("fft_length", None),
        ("window", "hann"), ("periodic", False), ("scaling", "density"), ("padding", "valid"),
        ("expand_dims", False), ("data_format", None)),
    "Normalization": (("axis", -1), ("mean", None), ("variance", None), ("invert", False)),
}
"""Each layer's constructor arguments as keras 3.15 declares them (none changes a weight but those the plans
read)."""
NEEDS_ADAPT = frozenset({"StringLookup", "IntegerLookup", "TextVectorization", "Discretization", "Normalization"})
"""Layers whose adapt(data) sets their state: their vocabulary or statistics (the shapes, here, do not need it)."""
IMAGE = ("the image", "图像")
WORDS = MappingProxyType({
    "adapt_state": ("adapt(data) sets this layer's state (statistics or vocabulary) from the data; the weights it "
                    "counts are the ones Keras creates before that, with the shapes given here.",
                    "adapt(data) 会根据数据设置该层的状态(统计量或词表);"
                    "这里计入的是 Keras 在此之前就创建的权重及其形状。"),
    "F": ("frame length", "帧长"), "B_f": ("frequency bins (fft_length // 2 + 1)", "频率点数(fft_length // 2 + 1)")})


def plan_same(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    return LayerPlan((), freeze(), shape, shape, notes=("adapt_state",) if ctx.spec.type in NEEDS_ADAPT else ())


def _size(ctx: LayerContext, key: str) -> int:
    value = ctx.cfg(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{ctx.name} ({ctx.spec.type}): {key} must be a positive integer (got {value!r}).")
    return value


def plan_image_size(ctx: LayerContext) -> LayerPlan:
    """CenterCrop, RandomCrop, Resizing: images (batch, H, W, C) to (batch, height, width, C)."""
    shape = given_input(ctx)
    shape = require_rank(ctx, (4,), "4-D (batch, height, width, channels)")
    h, w = _size(ctx, "height"), _size(ctx, "width")
    first = ctx.spec.get("data_format") == "channels_first"
    out = (shape[0], shape[1], h, w) if first else (shape[0], h, w, shape[3])
    return LayerPlan((), freeze(), shape, out)


def _mode(ctx: LayerContext) -> str:
    return str(ctx.spec.get("output_mode", "int"))


def plan_int_output(ctx: LayerContext) -> LayerPlan:
    """Hashing, HashedCrossing, StringLookup, IntegerLookup, Discretization: one index per input value in the
    "int" mode; the encoded modes give (batch, num_bins) for Hashing and need the vocabulary for the others."""
    shape = given_input(ctx)
    mode = _mode(ctx)
    if mode == "int":
        return plan_same(ctx)
    bins = ctx.spec.get("num_bins")
    if ctx.spec.type in ("Hashing", "HashedCrossing", "Discretization") and isinstance(bins, int):
        out: Shape = (*shape, bins) if mode == "one_hot" and shape[-1] != 1 else (shape[0], bins)
        return LayerPlan((), freeze(), shape, out)
    raise ConfigError(f"{ctx.name} ({ctx.spec.type}): with output_mode={mode!r} its output width is its vocabulary "
                      "size, which adapt(data) or the vocabulary sets; rnnparams follows output_mode='int' only.")


def plan_category_encoding(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    tokens = ctx.cfg("num_tokens")
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens <= 0:
        raise ConfigError(f"{ctx.name} (CategoryEncoding): num_tokens must be set to use this layer. If the number "
                          "of tokens is not known beforehand, use the IntegerLookup layer instead.")
    one_hot = _mode(ctx) == "one_hot" and len(shape) > 1 and shape[-1] != 1
    return LayerPlan((), freeze(), shape, (*shape, tokens) if one_hot else (shape[0], tokens))


def plan_text_vectorization(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    mode = _mode(ctx)
    if mode == "int":
        steps = ctx.spec.get("output_sequence_length")
        return LayerPlan((), freeze(), shape, (shape[0], steps if isinstance(steps, int) else None),
                         notes=("adapt_state",))
    tokens = ctx.spec.get("max_tokens")
    if isinstance(tokens, int) and ctx.spec.get("pad_to_max_tokens"):
        return LayerPlan((), freeze(), shape, (shape[0], tokens), notes=("adapt_state",))
    raise ConfigError(f"{ctx.name} (TextVectorization): with output_mode={mode!r} its output width is its "
                      "vocabulary size, which adapt(data) sets; give pad_to_max_tokens=True with max_tokens, or "
                      "use output_mode='int'.")


def plan_mel(ctx: LayerContext) -> LayerPlan:
    """(batch, samples) to (batch, num_mel_bins, (samples + stride + 1) // stride), as Keras computes it."""
    shape = given_input(ctx)
    shape = require_rank(ctx, (2,), "2-D (batch, samples)")
    stride, bins = _size(ctx, "sequence_stride"), _size(ctx, "num_mel_bins")
    n = shape[1]
    return LayerPlan((), freeze(), shape, (shape[0], bins, None if n is None else (n + stride + 1) // stride))


def plan_stft(ctx: LayerContext) -> LayerPlan:
    shape = given_input(ctx)
    shape = require_rank(ctx, (3,), "3-D (batch, samples, channels)")
    name = f"{ctx.name} (STFTSpectrogram)"
    length = _size(ctx, "frame_length")
    step_given, fft_given = ctx.cfg("frame_step"), ctx.cfg("fft_length")
    if step_given is not None and (not isinstance(step_given, int) or not 1 <= step_given <= length):
        raise ConfigError(f"{name}: `frame_step` should be a positive integer not greater than `frame_length`. "
                          f"Received frame_step={step_given}, frame_length={length}")
    if fft_given is not None and (not isinstance(fft_given, int) or fft_given < length):
        raise ConfigError(f"{name}: `fft_length` should be not less than `frame_length`. Received "
                          f"fft_length={fft_given}, frame_length={length}")
    mode, padding = ctx.cfg("mode"), ctx.cfg("padding")
    if mode not in ("log", "magnitude", "psd", "real", "imag", "angle", "stft"):
        raise ConfigError(f"{name}: Output mode is invalid, it must be one of log, magnitude, psd, real, imag, angle, "
                          f"stft. Received: mode={mode}")
    if padding not in ("valid", "same"):
        raise ConfigError(f"{name}: Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
    step = step_given if isinstance(step_given, int) else length // 2
    fft = fft_given if isinstance(fft_given, int) else 1 << (length - 1).bit_length()
    bins = fft // 2 + 1
    first = ctx.spec.get("data_format") == "channels_first"
    c, n = (shape[1], shape[2]) if first else (shape[2], shape[1])
    if c is None:
        raise ShapeError(f"{name}: the channel dimension of its input must be defined; got shape {fmt_shape(shape)}.")
    frames = None if n is None else (n - length) // step + 1 if padding == "valid" else (n - 1) // step + 1
    if frames is not None and frames <= 0:
        raise ShapeError(f"{name}: computed output size would be zero or negative: {n} samples, "
                         f"frame_length={length}.")
    freq = bins * 2 if mode == "stft" else bins
    if ctx.cfg("expand_dims"):
        out: Shape = (shape[0], c, frames, freq) if first else (shape[0], frames, freq, c)
    else:
        out = (shape[0], freq * c, frames) if first else (shape[0], frames, freq * c)
    kernel: tuple[Expr, ...] = (Sym("F"), Const(1), Sym("B_f"))
    tensors = [TensorSpec(f"{part}_kernel", kernel, "weight") for part in ("real", "imag")
               if (part, mode) not in (("real", "imag"), ("imag", "real"))]
    return LayerPlan(tuple(tensors), freeze({"F": length, "B_f": bins}), shape, out)


def plan_normalization(ctx: LayerContext) -> LayerPlan:
    """mean and variance: the input's sizes on the kept axes (axis=None: scalars); count: a scalar."""
    shape = given_input(ctx)
    axis = ctx.cfg("axis")
    axes = () if axis is None else (axis,) if isinstance(axis, int) else axis
    if not isinstance(axes, tuple) or not all(isinstance(a, int) and -len(shape) <= a < len(shape)
                                              and a % len(shape) != 0 for a in axes):
        raise ConfigError(f"{ctx.name} (Normalization): axis={axis!r} is not a set of axes after the batch of an "
                          f"input of shape {fmt_shape(shape)}.")
    kept = sorted({a % len(shape) for a in axes if isinstance(a, int)})
    if any(shape[a] is None for a in kept):
        raise ShapeError(f"{ctx.name} (Normalization): All `axis` values to be kept must have a known shape. Received "
                         f"axis={axis!r}, inputs.shape={fmt_shape(shape)}.")
    given = [ctx.cfg("mean") is not None, ctx.cfg("variance") is not None]
    if any(given) and not all(given):
        raise ConfigError(f"{ctx.name} (Normalization): When setting values directly, both `mean` and `variance` "
                          "must be set.")
    if all(given):
        return LayerPlan((), freeze(), shape, shape)
    names = [f"N{k}" if len(kept) > 1 else "N" for k in range(len(kept))]
    dims: tuple[Expr, ...] = tuple(Sym(n) for n in names)
    tensors = (TensorSpec("mean", dims, "running_mean", trainable=False),
               TensorSpec("variance", dims, "running_var", trainable=False),
               TensorSpec("count", (), "counter", trainable=False))
    bindings = {n: shape[a] for n, a in zip(names, kept, strict=True)}
    return LayerPlan(tensors, freeze(bindings), shape, shape, notes=("adapt_state",))  # type: ignore[arg-type]


def recognise_normalization(group: TensorGroup) -> Recognised | None:
    """mean and variance of one shape (the kept axes' sizes), then a scalar count."""
    shapes = list(group.leaves.values())
    if len(shapes) != 3 or shapes[0] != shapes[1] or shapes[2] != ():
        return None
    kept = shapes[0]
    axis: object = -1 if len(kept) == 1 else list(range(1, len(kept) + 1))
    return Recognised({"axis": axis}, kept or (1,))


PLANS: dict[str, Callable[[LayerContext], LayerPlan]] = {
    "CenterCrop": plan_image_size, "RandomCrop": plan_image_size, "Resizing": plan_image_size,
    "Hashing": plan_int_output, "HashedCrossing": plan_int_output, "StringLookup": plan_int_output,
    "IntegerLookup": plan_int_output, "Discretization": plan_int_output, "CategoryEncoding": plan_category_encoding,
    "TextVectorization": plan_text_vectorization, "MelSpectrogram": plan_mel, "STFTSpectrogram": plan_stft,
    "Normalization": plan_normalization}
"""Shape rules of the layers whose output is not their input's shape (every other keeps it)."""


def _snake(name: str) -> str:
    """Keras' auto-name of a class (`RandomFlip` -> `random_flip`, `MaxNumBoundingBoxes` ->
    `max_num_bounding_boxes`)."""
    out = ""
    for k, ch in enumerate(name):
        if ch.isupper() and k and (not name[k - 1].isupper() or (k + 1 < len(name) and name[k + 1].islower())):
            out += "_"
        out += ch.lower()
    return out


def declare(table: Table) -> None:
    for type_name, signature in SIGNATURES.items():
        params = tuple(Param(name, default, ANY) for name, default in signature)
        work = Work(per_number=(1, 1)) if type_name in ("Normalization", "Rescaling") else Work()
        table.add(layer(type_name, _snake(type_name), params, PLANS.get(type_name, plan_same), work=work,
                        words=WORDS, recognise=recognise_normalization if type_name == "Normalization" else None))


__all__ = ["NEEDS_ADAPT", "PLANS", "SIGNATURES", "declare", "plan_normalization", "plan_same", "plan_stft"]
