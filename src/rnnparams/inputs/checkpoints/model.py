"""What a checkpoint reader returns: the tensors a file declares (name, shape, dtype, bytes), and the layers it
describes itself (Keras `config.json`, a pickled `nn.Module`, ONNX recurrent nodes). Plain data, no arrays:
a reader reads headers and metadata only, never the tensor data.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..._record import field, record
from ...errors import InputError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Normalized dtype name -> bits per element (PyTorch's spelling of each dtype).
DTYPE_BITS: Mapping[str, int] = MappingProxyType({
    "float64": 64, "float32": 32, "float16": 16, "bfloat16": 16,
    "float8_e4m3fn": 8, "float8_e4m3fnuz": 8, "float8_e5m2": 8, "float8_e5m2fnuz": 8, "float8_e8m0fnu": 8,
    "float6_e2m3fn": 6, "float6_e3m2fn": 6, "float4_e2m1fn": 4, "float4_e2m1fn_x2": 8,
    "complex128": 128, "complex64": 64, "complex32": 32,
    "int64": 64, "int32": 32, "int16": 16, "int8": 8, "int4": 4, "int2": 2,
    "uint64": 64, "uint32": 32, "uint16": 16, "uint8": 8, "uint4": 4, "uint2": 2, "bool": 8,
    "qint8": 8, "quint8": 8, "qint32": 32, "quint4x2": 8, "quint2x4": 8, "string": 0,
})
MAX_DIMS = 64
MAX_DIM = 1 << 62


class CheckpointError(InputError):
    """A checkpoint file is damaged, truncated, or not what its name says."""


@record
class CheckpointTensor:
    """One tensor as the file declares it; `nbytes` is what its elements take (numel · dtype size)."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    nbytes: int
    buffer: bool = False
    """Known from the file to be non-parameter state (a pickled module's `_buffers`)."""
    alias_of: str | None = None
    """The earlier tensor whose data this one is a view of (tied weights): its elements are counted once."""

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                               "params": self.numel, "bytes": self.nbytes}
        if self.buffer:
            out["buffer"] = True
        if self.alias_of is not None:
            out["alias_of"] = self.alias_of
        return out


@record
class DeclaredLayer:
    """A layer as the file itself describes it, with its own configuration (framework-native keys)."""

    name: str
    """Its path in the model (`rnn`, `encoder.0`, `lstm`), as its tensors are named."""
    type: str
    """Class or operator name: `LSTM`, `Linear`, `Bidirectional`, ONNX `GRU`..."""
    framework: str
    """Whose conventions `type` and `config` follow: pytorch, keras, onnx."""
    config: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    tensors: tuple[str, ...] = ()
    """Names of its tensors in the checkpoint, in the framework's order (empty when the reader cannot tell)."""
    input_shape: tuple[int | None, ...] | None = None
    """The shape its input was built with, batch included (Keras `build_config`), when the file says."""


@record
class LayerClaim:
    """A layer the reader derived from the file's own description (an ONNX node) as a layer of one of the
    conventions; `inspect` accepts it when counting it gives the file's tensors (by their total)."""

    name: str
    spec_framework: str
    spec: Any
    """The LayerSpec claimed."""
    tensors: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """What the summary quotes beside the layer's sizes (the ONNX operator, the nodes of a stack)."""
    position: int = 0


@record
class Checkpoint:
    path: str
    format: str
    """safetensors, pytorch, keras, h5, onnx."""
    file_size: int
    tensors: tuple[CheckpointTensor, ...]
    framework: str | None = None
    """The naming convention of the tensors when the format implies one (pytorch, keras, onnx)."""
    names_like: str | None = None
    """The convention whose naming rules read the tensor names when the format implies none (safetensors
    files hold the dotted paths torch and transformers write)."""
    layers: tuple[DeclaredLayer, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stored_bytes: int | None = None
    """Bytes of tensor data the file holds (shared storage counted once); None when the reader cannot tell."""
    tensors_complete: bool = True
    """False when the reader could not list every tensor (a Keras file read without h5py)."""
    notes: tuple[str, ...] = ()
    claims: tuple[LayerClaim, ...] = ()
    """Layers the reader derived itself from the file's description (ONNX nodes)."""
    spec_note: str = ""
    """What the spec assembled from the claims is (said when there is one)."""

    @property
    def description(self) -> str:
        return FORMAT_NAMES.get(self.format, self.format)


FORMAT_NAMES = {
    "safetensors": "safetensors", "pytorch": "PyTorch torch.save (zip)", "keras": "Keras 3 (.keras zip)",
    "h5": "HDF5 (Keras)", "onnx": "ONNX",
}


def check_shape(raw: object, where: str, path: str) -> tuple[int, ...]:
    """A shape read from a file: a list of non-negative ints, bounded so arithmetic on it stays sane."""
    if not isinstance(raw, (list, tuple)) or len(raw) > MAX_DIMS:
        raise CheckpointError(f"{path}: {where}: the shape must be a list of at most {MAX_DIMS} sizes "
                              f"(got {short(raw)})")
    for d in raw:
        if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d < MAX_DIM:
            raise CheckpointError(f"{path}: {where}: shape {short(raw)} has an invalid size {short(d)}; sizes are "
                                  "whole numbers >= 0")
    return tuple(raw)


def numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def tensor_bytes(shape: tuple[int, ...], dtype: str) -> int:
    """Bytes that `numel(shape)` elements of `dtype` take (sub-byte dtypes packed, rounded up)."""
    return (numel(shape) * DTYPE_BITS.get(dtype, 0) + 7) // 8


def short(value: object, limit: int = 60) -> str:
    """repr() of a value read from a file, cut so a hostile file cannot flood the terminal."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def optional_module(module: str, package: str, extra: str, path: str, what: str) -> Any:
    """Import an optional dependency, or say which extra provides it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{path}: reading {what} needs {package}, which is not installed: "
                         f"pip install 'rnnparams[{extra}]' (or pip install {package})") from None
