"""A model spec written back as an expression in its framework's own syntax, the text `rnnparams count` reads:
`nn.Embedding(10000, 128); nn.LSTM(128, 256, batch_first=True)` or
`Sequential([Input((35,)), Embedding(10000, 128), LSTM(256), Dense(10)])`.

Required arguments are written by position, others by keyword where they differ from the default, in the
convention's own order; a wrapped layer is written inside its wrapper. How a model strings its layers and
which prefix its layers take is the framework convention's (`model_syntax`, `write_prefix`).
"""

from __future__ import annotations

from ..conventions import FRAMEWORKS, FrameworkConvention
from ..conventions.base import REQUIRED
from ..spec import LayerSpec, ModelSpec, Shape, Value


def value_text(value: Value, fw: FrameworkConvention) -> str:
    if isinstance(value, LayerSpec):
        return layer_text(value, fw)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        inner = ", ".join(value_text(v, fw) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def layer_text(spec: LayerSpec, fw: FrameworkConvention) -> str:
    conv = fw.layers[spec.type]
    args: list[str] = []
    for p in conv.params:
        value = spec.config.get(p.name, p.default)
        if p.default is REQUIRED and p.positional:
            args.append(value_text(value, fw))  # type: ignore[arg-type]
        elif p.default is REQUIRED or value != p.default:
            args.append(f"{p.name}={value_text(value, fw)}")  # type: ignore[arg-type]
    prefix = fw.write_prefix if conv.write_prefix is None else conv.write_prefix
    return f"{prefix}{spec.type}({', '.join(args)})"


def shape_text(shape: Shape) -> str:
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


def model_text(spec: ModelSpec) -> str:
    """The expression of `spec`; a framework whose models start with an Input(...) call gets one when the spec
    fixes its input shape."""
    fw = FRAMEWORKS[spec.framework]
    layers = [layer_text(layer, fw) for layer in spec.layers]
    if fw.model_syntax == "sequential":
        if spec.input_shape is not None and fw.input_calls:
            layers.insert(0, f"{fw.input_calls[0]}({shape_text(spec.input_shape)})")
        return f"{fw.containers[0]}([{', '.join(layers)}])"
    return "; ".join(layers)


__all__ = ["layer_text", "model_text", "shape_text", "value_text"]
