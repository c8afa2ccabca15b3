"""Keras files: `.keras` (Keras 3: a zip of `config.json`, `metadata.json` and `model.weights.h5`) and `.h5`
(Keras 2 / Keras 3 legacy HDF5: `model_config` as a root attribute, weights under `model_weights/<layer>`,
each layer group naming its datasets in a `weight_names` attribute; or a weights-only file).

The configuration is JSON and read as data. Tensor shapes come from the HDF5 metadata through h5py (the
optional extra `rnnparams[h5]`, imported only here); dataset contents are never read. Without h5py a
`.keras` file still gives its layers (their shapes then come from the conventions), and an `.h5` file
says which extra to install.
"""

from __future__ import annotations

import json

from .model import (
    Checkpoint,
    CheckpointError,
    CheckpointTensor,
    DeclaredLayer,
    check_shape,
    optional_module,
    short,
    tensor_bytes,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import zipfile
    from typing import Any

MAX_CONFIG_BYTES = 64 << 20
MAX_DATASETS = 1_000_000
# numpy dtype names of HDF5 datasets -> our names (numpy spells them the PyTorch way, but for 'bool').
_H5_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16",
              "uint8", "bool", "complex64", "complex128", "bfloat16"}


def read_keras_zip(path: str, size: int, zf: zipfile.ZipFile) -> Checkpoint:
    from .torchzip import _read_entry

    config = _json(_read_entry(zf, zf.getinfo("config.json"), path), path, "config.json")
    metadata: dict[str, str] = {}
    if "metadata.json" in zf.namelist():
        meta = _json(_read_entry(zf, zf.getinfo("metadata.json"), path), path, "metadata.json")
        if isinstance(meta, dict):
            metadata = {str(k): str(v) for k, v in meta.items() if isinstance(v, (str, int, float))}
    layers = declared_layers(config, path)
    metadata.update(_model_name(config))
    weights = zf.getinfo("model.weights.h5")
    h5py = _h5py()
    if h5py is None:  # the layers are still known from config.json; their shapes come from the conventions
        note = ("model.weights.h5 was not read (h5py is not installed: pip install 'rnnparams[h5]'); tensor "
                "shapes are derived from config.json")
        return Checkpoint(path, "keras", size, (), framework="keras", layers=layers, metadata=metadata,
                          stored_bytes=None, tensors_complete=False, notes=(note,))
    notes = []
    if weights.compress_type != 0:
        notes.append("model.weights.h5 is compressed inside the archive; reading its metadata decompresses part "
                     "of it")
    with zf.open(weights) as fh:
        tensors, skipped = _h5_tensors(h5py, fh, path)
    notes.extend(skipped)
    layers, tensors = _attach(layers, tensors, by_class=True)
    return Checkpoint(path, "keras", size, tuple(tensors), framework="keras", layers=layers, metadata=metadata,
                      stored_bytes=sum(t.nbytes for t in tensors), notes=tuple(notes))


def _h5py() -> Any:
    import importlib

    try:
        return importlib.import_module("h5py")
    except ImportError:
        return None


def read_h5(path: str, size: int) -> Checkpoint:
    h5py = optional_module("h5py", "h5py", "h5", path, ".h5 files")
    notes: list[str] = []
    by_class = False
    try:
        with h5py.File(path, "r") as f:
            attrs = f.attrs
            metadata = {k: _text(attrs[k]) for k in ("keras_version", "backend") if k in attrs}
            layers: tuple[DeclaredLayer, ...] = ()
            if "model_config" in attrs:
                config = _json(_text(attrs["model_config"]).encode(), path, "model_config")
                layers = declared_layers(config, path)
                metadata.update(_model_name(config))
            root = f.get("model_weights", f)
            if "layer_names" in root.attrs:
                tensors = _legacy_tensors(root, path)
                if "optimizer_weights" in f:
                    notes.append("the optimizer state (optimizer_weights) is not listed: it is not parameters")
            else:
                tensors, skipped = _h5_tensors(h5py, None, path, f)
                notes.extend(skipped)
                by_class = True
    except CheckpointError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, ValueError... on damaged files
        raise CheckpointError(f"{path}: not a readable HDF5 file ({type(exc).__name__}: {short(str(exc), 200)}); "
                              "the file is truncated or corrupted") from None
    layers, tensors = _attach(layers, tensors, by_class=by_class)
    return Checkpoint(path, "h5", size, tuple(tensors), framework="keras", layers=layers, metadata=metadata,
                      stored_bytes=sum(t.nbytes for t in tensors), notes=tuple(notes))


def _json(raw: bytes, path: str, what: str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{path}: {what} is not valid JSON ({short(str(exc), 120)}); the file is corrupted"
                              ) from None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


# ---- configuration -----------------------------------------------------------------------------------------

def declared_layers(config: object, path: str) -> tuple[DeclaredLayer, ...]:
    """The model's layers in order, from a Keras model config (Sequential or Functional, Keras 2 or 3)."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise CheckpointError(f"{path}: the model config must be an object with \"class_name\" and \"config\" "
                              f"(got {short(config)})")
    body = config["config"]
    raw_layers = body.get("layers")
    if not isinstance(raw_layers, list):
        raw_layers = [config]  # a single layer saved on its own
    out: list[DeclaredLayer] = []
    batch_shape: tuple[int | None, ...] | None = None
    for i, raw in enumerate(raw_layers):
        if not isinstance(raw, dict) or not isinstance(raw.get("class_name"), str):
            raise CheckpointError(f"{path}: model config layers[{i}] is not a layer object ({short(raw)})")
        cfg = raw.get("config")
        if not isinstance(cfg, dict):
            raise CheckpointError(f"{path}: model config layers[{i}] ({raw['class_name']}) has no config object")
        kind = raw["class_name"]
        name = cfg.get("name") if isinstance(cfg.get("name"), str) else f"{kind.lower()}_{i}"
        if kind == "InputLayer":
            batch_shape = _batch_shape(cfg.get("batch_shape", cfg.get("batch_input_shape")))
            continue
        shape = _batch_shape((raw.get("build_config") or {}).get("input_shape")
                             if isinstance(raw.get("build_config"), dict) else None)
        if shape is None and isinstance(cfg.get("batch_input_shape"), list):  # Keras 2: on the first layer
            shape = _batch_shape(cfg["batch_input_shape"])
        if shape is None and not out:
            shape = batch_shape
        out.append(DeclaredLayer(str(name), kind, "keras", cfg, (), shape))
    return tuple(out)


def _model_name(config: object) -> dict[str, str]:
    body = config.get("config") if isinstance(config, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("layers"), list):
        return {}
    return {"model_name": body["name"]}


def _batch_shape(raw: object) -> tuple[int | None, ...] | None:
    if isinstance(raw, dict) and raw.get("class_name") == "__tuple__":  # Keras 3's spelling of a tuple
        raw = raw.get("config", {}).get("value") if isinstance(raw.get("config"), dict) else None
    if not isinstance(raw, list) or not 1 <= len(raw) <= 16:
        return None
    if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0) for d in raw):
        return None
    return tuple(raw)


def _attach(layers: tuple[DeclaredLayer, ...], tensors: list[CheckpointTensor], *, by_class: bool = False
            ) -> tuple[tuple[DeclaredLayer, ...], list[CheckpointTensor]]:
    """Give each declared layer the names of its tensors (in the order Keras created them), and list the
    tensors in the model's layer order (an HDF5 file lists its groups alphabetically).

    Legacy h5 files name a layer's group after the layer; Keras 3 weights files after its class, in snake
    case, numbered per class in layer order (`lstm`, `lstm_1`), because layer names are not reproducible."""
    from ..._record import replace

    out = []
    ordered: list[CheckpointTensor] = []
    used: dict[str, int] = {}
    for layer in layers:
        group = layer.name
        if by_class:
            group = _snake_case(layer.type)
            used[group] = used.get(group, -1) + 1
            group = f"{group}_{used[group]}" if used[group] else group
        mine = [t for t in tensors if _owner(t.name) == group]
        ordered.extend(mine)
        out.append(replace(layer, tensors=tuple(t.name for t in mine)))
    taken = {t.name for t in ordered}
    return tuple(out), ordered + [t for t in tensors if t.name not in taken]


def _snake_case(name: str) -> str:
    """keras.src.utils.naming.to_snake_case."""
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _owner(name: str) -> str:
    parts = name.split("/")
    if parts[0] in ("layers", "model_weights") and len(parts) > 1:
        return parts[1]
    return parts[0]


# ---- weights -----------------------------------------------------------------------------------------------

def _h5_tensors(h5py: Any, fileobj: Any, path: str, opened: Any = None) -> tuple[list[CheckpointTensor], list[str]]:
    """Every dataset of a Keras 3 weights file, in creation order (vars/0, vars/1, ..., forward before backward);
    the optimizer's state is left out (it is not parameters), with a note saying how much there was."""
    try:
        if opened is not None:
            return _split_optimizer(_walk(h5py, opened, path))
        with h5py.File(fileobj, "r") as f:
            return _split_optimizer(_walk(h5py, f, path))
    except CheckpointError:
        raise
    except Exception as exc:
        raise CheckpointError(f"{path}: the weights are not a readable HDF5 file ({type(exc).__name__}: "
                              f"{short(str(exc), 200)}); the file is truncated or corrupted") from None


def _split_optimizer(tensors: list[CheckpointTensor]) -> tuple[list[CheckpointTensor], list[str]]:
    kept = [t for t in tensors if not t.name.startswith("optimizer/")]
    dropped = [t for t in tensors if t.name.startswith("optimizer/")]
    if not dropped:
        return kept, []
    size = sum(t.nbytes for t in dropped)
    return kept, [f"the optimizer state ({len(dropped):,} tensors, {size:,} bytes under optimizer/) is not listed: "
                  "it is not parameters"]


def _order(key: str) -> tuple[int, int, str]:
    rank = {"forward_layer": 0, "backward_layer": 1}
    if key.isdigit():
        return (0, int(key), "")
    return (1, rank.get(key, 2), key)


def _walk(h5py: Any, group: Any, path: str) -> list[CheckpointTensor]:
    out: list[CheckpointTensor] = []
    stack = [(group, "")]
    while stack:
        g, prefix = stack.pop()
        children = []
        for key in sorted(g.keys(), key=_order):
            item = g.get(key, getlink=False)
            full = f"{prefix}{key}"
            if isinstance(item, h5py.Dataset):
                out.append(_dataset(item, full, path))
                if len(out) > MAX_DATASETS:
                    raise CheckpointError(f"{path}: more than {MAX_DATASETS:,} datasets; refusing it")
            elif isinstance(item, h5py.Group):
                children.append((item, full + "/"))
        stack.extend(reversed(children))
    return out


def _dataset(ds: Any, name: str, path: str) -> CheckpointTensor:
    shape = check_shape(list(ds.shape or ()), f"dataset {short(name)}", path)
    dtype = str(ds.dtype)
    if dtype not in _H5_DTYPES:
        dtype = f"{dtype}"  # an unusual dtype: keep numpy's name, size from the dataset itself
        return CheckpointTensor(name, shape, dtype, int(ds.dtype.itemsize) * _numel(shape))
    return CheckpointTensor(name, shape, dtype, tensor_bytes(shape, dtype))


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _legacy_tensors(root: Any, path: str) -> list[CheckpointTensor]:
    """Keras 2 / legacy h5: each layer group lists its datasets in `weight_names`, in the layer's order."""
    out = []
    prefix = "model_weights/" if root.name == "/model_weights" else ""
    for layer in (_text(n) for n in root.attrs["layer_names"]):
        if layer not in root:
            raise CheckpointError(f"{path}: layer_names lists {short(layer)}, but there is no such group; the file "
                                  "is corrupted")
        group = root[layer]
        for weight in (_text(n) for n in group.attrs.get("weight_names", [])):
            if weight not in group:
                raise CheckpointError(f"{path}: layer {short(layer)} lists weight {short(weight)}, which is missing")
            out.append(_dataset(group[weight], f"{prefix}{layer}/{weight}", path))
    return out
