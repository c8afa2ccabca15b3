"""Models read from Python code (`rnnparams count model.py`), parsed with `ast` and never run.

The reader follows the module the way Python would run it, with the interpreter of `code/interpreter.py` (which
runs nothing from outside the file), and gives the framework calls their meaning:

- PyTorch: `nn.Module` subclasses (their `__init__` followed with `self` bound: attribute assignments
  register submodules and `nn.Parameter`s in order), `nn.Sequential` / `ModuleList` / `ModuleDict`, bare
  layers, weight tying (`self.decoder.weight = self.encoder.weight`). Layer names are attribute paths and
  tensor names are those of `named_parameters()` (`encoder.rnn.weight_ih_l0`).
- Keras: `Sequential([...])` and `model.add(...)`; functional graphs (`Input`, layer calls, merges,
  several inputs, `Model(inputs, outputs)`), whose shapes are followed with the conventions' own plans;
  subclassed `keras.Model`s, built by following `call()` on their input. Layer names follow Keras'
  auto-naming in construction order, as if the file ran in a fresh session.

A model that is not a chain (a functional graph, a module with its own `forward`) becomes a `ModelSpec`
with `chain=False` whose layers carry their own input shapes. Every model of the file is found: the
module's variables, the `nn.Module` / `keras.Model` classes it never instantiates (built with their
default arguments), and the functions that build and return a model without being called.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

from .._record import record, replace
from ..conventions import FRAMEWORKS, FrameworkConvention
from ..conventions.base import ANY, LayerConvention, Param
from ..errors import InputError, RnnParamsError, UsageError
from ..spec import LayerSpec, ModelSpec, Shape, Value
from .code.bounds import first_unknown, flat_size
from .code.interpreter import Interpreter
from .code.values import Builtin, Class, Ext, Frame, Function, Instance, Raised, Unknown, describe, dotted
from .expression import LayerBinder
from .literals import literal
from .pymodels import (
    IDENTITY,
    MERGE_FUNCTIONS,
    SHAPED,
    BlackBox,
    KApp,
    KFunctional,
    KLayer,
    KModel,
    KSequential,
    KTensor,
    TensorRef,
    TensorValue,
    TorchContainer,
    TorchLayer,
    TorchModule,
    TorchParam,
    free_output,
    layer_plan,
    op_output,
    plan_outputs,
    slice_shape,
)

MAX_ARGUMENT_SIZE = 10_000
"""Elements of one layer argument (a shape, a list of sizes): far more than any layer takes."""
FIRST_INPUT_KEYS = frozenset({"input_shape", "batch_input_shape", "input_dim", "input_length"})
"""Keras arguments a first layer declares the model input with: they matter even though the layer ignores them."""

TORCH_FREE = frozenset({
    "ReLU", "ReLU6", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Softmin", "Softplus", "Softsign", "GELU", "ELU",
    "SELU", "CELU", "SiLU", "Mish", "LeakyReLU", "Hardtanh", "Hardsigmoid", "Hardswish", "Tanhshrink",
    "Softshrink", "Hardshrink", "Threshold", "LogSigmoid", "GLU", "Identity", "Flatten", "Unflatten",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "LPPool1d", "Dropout1d", "Dropout2d", "AlphaDropout",
    "FeatureAlphaDropout", "ZeroPad1d", "ConstantPad1d", "ReflectionPad1d", "ReplicationPad1d", "Upsample",
    "PixelShuffle", "CosineSimilarity", "PairwiseDistance", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
    "BCELoss", "BCEWithLogitsLoss", "CTCLoss", "KLDivLoss", "SmoothL1Loss", "HuberLoss", "MarginRankingLoss",
    "CosineEmbeddingLoss", "TripletMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MultiLabelSoftMarginLoss",
})
"""torch.nn modules without parameters or buffers: they add nothing to `named_parameters()`."""
CODE_FRAMEWORKS = ("pytorch", "keras", "keras2")
"""The frameworks whose model code the reader follows (the others are counted from expressions and specs)."""
TORCH_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
KERAS_MODELS = ("Sequential", "Model", "Functional")
KERAS_INPUTS = ("Input", "InputLayer")
MODULE_METHODS_RETURNING_SELF = frozenset({
    "to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval", "share_memory",
    "type", "apply", "to_empty", "xpu", "mps", "ipu",
})
IGNORED_KERAS_METHODS = frozenset({"summary", "compile", "fit", "evaluate", "predict", "save", "save_weights",
                                   "load_weights", "reset_states", "train_on_batch", "fit_generator", "plot_model"})
TENSOR_MAKERS = frozenset({"zeros", "ones", "empty", "randn", "rand", "Tensor", "FloatTensor", "DoubleTensor",
                           "HalfTensor", "LongTensor", "IntTensor", "BoolTensor", "full", "eye", "tensor",
                           "randint", "random", "normal", "uniform", "zeros_like", "ones_like", "constant",
                           "random_sample", "standard_normal"})
CONTAINER_QUERIES = frozenset({"training", "forward", "state_dict", "buffers", "named_buffers", "children",
                               "named_children", "modules", "named_modules", "extra_repr", "get_submodule",
                               "get_parameter", "register_forward_hook", "register_forward_pre_hook",
                               "register_full_backward_hook", "zero_grad"})
"""Attributes of a torch container that never change which parameters it holds (any other method called on it
may: the container then cannot be known)."""
TENSOR_METHODS_SAME = frozenset({"uniform_", "normal_", "fill_", "zero_", "to", "cuda", "cpu", "float", "double",
                                 "half", "detach", "clone", "contiguous", "data", "copy_",
                                 "xavier_uniform_", "long", "int", "bool", "mul_", "add_", "div_", "sub_"})


@record
class FileModel:
    """One model found in a file: how it is named there, and its spec (or why it cannot be counted)."""

    name: str
    kind: str
    """"variable" (a module-level name), "class" (a class never instantiated, built with its defaults) or
    "function" (a function that returns a model and is never called, called with its defaults)."""
    line: int
    type_name: str
    framework: str | None
    spec: ModelSpec | None = None
    error: RnnParamsError | None = None


def looks_like_code(text: str) -> bool:
    """Whether a MODEL string is Python module code rather than an expression: it has imports, classes or
    functions, or several statements (`model = Sequential([...])` then `model.summary()`, as pasted from a
    question). A single expression or a single `model = ...` stays an expression."""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("import ", "from ", "class ", "def ", "@")) and line == stripped:
            return True
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if any(not isinstance(node, ast.Expr | ast.Assign) for node in body):
        return True
    if all(isinstance(node, ast.Expr) for node in body):
        return False  # layer calls one per line (or `a; b`): the expression syntax for a chain of layers
    # An assignment among statements on lines of their own is code; `x = a; b` stays an expression.
    lines = text.splitlines()
    return any(_between(lines, before, after).count(";") == 0 for before, after in pairwise(body))


def refuse_layer_calls(text: str) -> None:
    """--model / --set given with text that is nothing but layer calls (`nn.LSTM(1, 2)`, `a; b`): there is no
    name to pick a model by and no variable to set, so say so rather than "no model found"."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    if body and all(isinstance(node, ast.Expr) for node in body):
        raise UsageError("--model and --set apply to model code (a .py file, or code with assignments); "
                         f"{text.strip()[:60]!r} is an expression: count it without them")


def _between(lines: list[str], before: ast.stmt, after: ast.stmt) -> str:
    """The source text between two statements (where a `;` would separate them)."""
    end_line, end_col = before.end_lineno or before.lineno, before.end_col_offset or 0
    if end_line == after.lineno:
        return lines[end_line - 1][end_col:after.col_offset]
    return "\n".join([lines[end_line - 1][end_col:], *lines[end_line:after.lineno - 1],
                      lines[after.lineno - 1][:after.col_offset]])


def parse_overrides(items: Sequence[str] | Mapping[str, object] | None) -> dict[str, object]:
    """`--set NAME=VALUE` (repeatable): NAME is a name as the code reads it (`hidden`, `args.hidden`,
    `config.hidden_size`); VALUE a Python literal (`256`, `0.5`, `True`, `(35, 100)`) or else a string."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        pairs = [(str(k), v) for k, v in items.items()]
    else:
        pairs = []
        for item in items:
            text = str(item)
            splits = [i for i, c in enumerate(text) if c == "=" and _expression_key(text[:i]) is not None]
            if not splits:
                raise UsageError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set hidden_size=256")
            pairs.append((text[:splits[0]], _parse_value(text[splits[0] + 1:].strip())))
    out: dict[str, object] = {}
    for name, value in pairs:
        key = _expression_key(name)
        if key is None:
            raise UsageError(f"--set {name!r}: NAME must be a name or expression as the code reads it, like "
                             "hidden_size, args.hidden_size or len(vocab)")
        out[key] = value
    return out


def _expression_key(text: str) -> str | None:
    """The normalized form of a --set name (`args.hidden`, `cfg['h']`, `len(vocab)`); None if not one."""
    text = text.strip()
    if not text or len(text) > 200:
        return None
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        return None
    return ast.unparse(node)


def _parse_value(text: str) -> object:
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    try:
        return literal(node, text)
    except RnnParamsError:
        return text


def read_models(text: str, *, source_name: str = "<model>", framework: str | None = None,
                input_shape: Shape | None = None, overrides: Mapping[str, object] | None = None
                ) -> tuple[FileModel, ...]:
    """Every model defined in the code, each with its spec or its error."""
    if framework is not None and framework not in FRAMEWORKS:
        raise UsageError(f"unknown framework {framework!r}; choose one of: {', '.join(FRAMEWORKS)}")
    if framework is not None and framework not in CODE_FRAMEWORKS:
        raise UsageError(f"{source_name}: model code (.py) is read for {', '.join(CODE_FRAMEWORKS)}; a "
                         f"{FRAMEWORKS[framework].display} model can be counted from an expression in its own "
                         f"syntax or a spec file (`rnnparams frameworks` shows how it is written)")
    tree = _parse(text, source_name)
    reader = Reader(text, source_name, tree, framework, input_shape, overrides or {})
    try:
        models = reader.find_models()
    except RecursionError:
        raise InputError(f"{source_name}: the code is nested too deeply to read") from None
    unused = sorted(set(reader.overrides) - reader.used_overrides)
    if unused:
        raise UsageError(f"--set {unused[0]}: {source_name} never reads a value named `{unused[0]}`; give the name "
                         "as the code reads it (a module constant, an __init__ argument, args.NAME...)")
    return models


def select_model(models: Sequence[FileModel], select: str | None, source_name: str) -> FileModel:
    if not models:
        raise InputError(f"{source_name}: no model found. rnnparams looks for Keras Sequential / functional / "
                         "subclassed models and PyTorch nn.Module subclasses, containers and layers assigned to "
                         "module-level names")
    names = ", ".join(m.name for m in models)
    if select is None:
        if len(models) > 1:
            raise UsageError(f"{source_name} defines {len(models)} models ({names}); choose one with --model NAME "
                             f"(or {source_name}::NAME)")
        return models[0]
    chosen = [m for m in models if m.name == select] or [m for m in models if m.type_name == select]
    if len(chosen) != 1:
        found = "several models" if chosen else "no model"
        raise UsageError(f"{source_name}: {found} named {select!r}; the models are: {names}")
    return chosen[0]


def spec_from_code(text: str, *, source_name: str = "<model>", framework: str | None = None,
                   input_shape: Shape | None = None, select: str | None = None,
                   overrides: Mapping[str, object] | None = None) -> ModelSpec:
    model = select_model(read_models(text, source_name=source_name, framework=framework, input_shape=input_shape,
                                     overrides=overrides), select, source_name)
    if model.error is not None:
        raise model.error
    assert model.spec is not None
    if framework is not None and model.spec.framework != framework:
        raise UsageError(f"{source_name}: --framework {framework} was given, but `{model.name}` is "
                         f"{FRAMEWORKS[model.spec.framework].display} code")
    return model.spec


def _parse(text: str, source_name: str) -> ast.Module:
    try:
        return ast.parse(text, filename=source_name)
    except SyntaxError as exc:
        raise InputError(f"{source_name}: syntax error: {exc.msg}", source=text, line=exc.lineno,
                         col=(exc.offset or 1) - 1) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise InputError(f"{source_name}: the code is nested too deeply (or is too large) to read") from None


def _names_used(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}


def _file_hint(tree: ast.Module, framework: str | None) -> str | None:
    """Which framework bare names (`LSTM(...)` without an import) belong to."""
    if framework is not None:
        return "pytorch" if framework == "pytorch" else "keras"
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    torch, keras = "torch" in roots, bool(roots & {"keras", "tensorflow", "tf_keras"})
    if torch != keras:
        return "pytorch" if torch else "keras"
    used = _names_used(tree)
    torch, keras = "nn" in used, bool(used & {"keras", "tf", "Sequential", "Dense", "SimpleRNN", "Input"})
    if torch != keras:
        return "pytorch" if torch else "keras"
    return None


class Reader(Interpreter):
    """The interpreter with PyTorch and Keras given their meaning."""

    def __init__(self, text: str, source_name: str, tree: ast.Module, framework: str | None,
                 input_shape: Shape | None, overrides: Mapping[str, object]) -> None:
        super().__init__(text, overrides)
        self.tree = tree
        self.source_name = source_name
        self.requested = framework
        self.input_shape = input_shape
        self.hint = _file_hint(tree, framework)
        uses_cudnn = bool(_names_used(tree) & {"CuDNNLSTM", "CuDNNGRU"})
        self.keras_id = "keras2" if framework == "keras2" or uses_cudnn else "keras"
        self.not_module_packages = self.not_module_packages | {"torch", "tensorflow", "tf", "keras", "tf_keras"}
        self.seq = 0
        self.keras_names: Counter[str] = Counter()
        self.lines: dict[str, int] = {}
        self._assigned_by_call: dict[int, bool] | None = None

    @property
    def keras(self) -> FrameworkConvention:
        return FRAMEWORKS[self.keras_id]

    @property
    def torch(self) -> FrameworkConvention:
        return FRAMEWORKS["pytorch"]

    def fail(self, message: str, node: ast.AST | None) -> InputError:
        return self.error(f"{self.source_name}: {message}", node)

    # -- finding the models -----------------------------------------------------------------------------

    def find_models(self) -> tuple[FileModel, ...]:
        module = self.run_module(self.tree)
        found: list[FileModel] = []
        seen: set[int] = set()
        for name, value in list(module.items()):
            if self.is_model(value) and id(value) not in seen:
                seen.add(id(value))
                found.append(self.file_model(name, "variable", self.lines.get(name, 0), value))
            elif type(value) is Instance:  # a trainer or config object holding the model: trainer.model
                for attr, held in list(value.attrs.items()):
                    if self.is_model(held) and id(held) not in seen:
                        seen.add(id(held))
                        found.append(self.file_model(f"{name}.{attr}", "variable", self.lines.get(name, 0), held))
        components = self._components(module)
        for name, value in list(module.items()):
            discovered: FileModel | None = None
            if isinstance(value, Class) and id(value) not in self.called and value.name not in components \
                    and self.class_kind(value) in ("torch", "keras_model") and value.node in self.tree.body:
                discovered = self.discover(name, "class", value)
            elif isinstance(value, Function) and id(value) not in self.called and value.node in self.tree.body \
                    and self._builds_model(value, module):
                discovered = self.discover(name, "function", value)
            if discovered is not None:
                found.append(discovered)
        return tuple(found)

    def discover(self, name: str, kind: str, value: Class | Function) -> FileModel | None:
        """The model a class or function of the file builds with its defaults; None when it holds no layers
        (a mixin, a base class, a module of parameter-free parts)."""
        node = value.node
        call = ast.Call(ast.Name(name, ast.Load()), [], [], lineno=node.lineno, col_offset=node.col_offset)
        try:
            made = self.call(value, [], {}, call)
        except RnnParamsError as exc:
            return FileModel(name, kind, node.lineno, name, None, error=exc)
        except _ReadError as exc:
            return FileModel(name, kind, node.lineno, name, None, error=exc.error)
        except Raised as exc:
            return FileModel(name, kind, node.lineno, name, None, error=self.raised(exc, f"{name}()"))
        if not self.is_model(made):
            error = self.fail(f"{name}() does not return a model the reader can follow "
                              f"({made.why if isinstance(made, Unknown) else type(made).__name__})", node)
            return FileModel(name, kind, node.lineno, name, None, error=error)
        model = self.file_model(name, kind, node.lineno, made)
        if model.error is not None and isinstance(model.error, _Empty):
            return None
        return model

    def _components(self, module: dict[str, object]) -> set[str]:
        """Classes of the file that other model classes build (encoders inside a seq2seq...)."""
        classes = {v.name for v in module.values() if isinstance(v, Class)}
        used: set[str] = set()
        for value in module.values():
            if isinstance(value, Class):
                used.update(b.name for b in value.bases if isinstance(b, Class))  # mixins and base classes
                if self.class_kind(value) is None:
                    continue  # a trainer that builds Net() does not make Net a component
                for node in ast.walk(value.node):
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes \
                            and node.func.id != value.name:
                        used.add(node.func.id)
        return used

    def _builds_model(self, func: Function, module: dict[str, object]) -> bool:
        nodes = list(ast.walk(func.node))
        if not any(isinstance(n, ast.Return) and n.value is not None for n in nodes):
            return False
        for n in nodes:
            if isinstance(n, ast.Call):
                name = dotted(n.func) or ""
                base = name.rsplit(".", 1)[-1]
                target = module.get(name)
                if base in ("Sequential", "Model") or (isinstance(target, Class) and self.class_kind(target)):
                    return True
        return False

    def is_model(self, value: object) -> bool:
        if isinstance(value, KModel):
            return value.is_model
        if isinstance(value, TorchLayer):
            return value.status != "free"
        return isinstance(value, (TorchModule, TorchContainer, KSequential, KFunctional))

    def file_model(self, name: str, kind: str, line: int, value: object) -> FileModel:
        framework = "pytorch" if isinstance(value, (TorchModule, TorchContainer, TorchLayer)) else self.keras_id
        type_name = self.type_name(value)
        try:
            spec = self.spec_of(value, name)
        except RnnParamsError as exc:
            return FileModel(name, kind, line, type_name, framework, error=exc)
        except _ReadError as exc:
            return FileModel(name, kind, line, type_name, framework, error=exc.error)
        except Raised as exc:
            return FileModel(name, kind, line, type_name, framework, error=self.raised(exc, name))
        return FileModel(name, kind, line, type_name, framework, spec)

    def raised(self, exc: Raised, what: str) -> InputError:
        message = f"{what} raises {exc.name}" + (f"({exc.message!r})" if exc.message else "")
        return InputError(f"{self.source_name}: {message} when read with the values it has; give the values it "
                          "expects with --set NAME=VALUE", source=self.source, line=exc.line)

    def type_name(self, value: object) -> str:
        if isinstance(value, (TorchModule, KModel)) and value.cls is not None:
            return value.cls.name
        if isinstance(value, TorchLayer):
            return value.base
        if isinstance(value, TorchContainer):
            return value.kind
        return "Sequential" if isinstance(value, KSequential) else "Functional"

    def run_module(self, tree: ast.Module) -> dict[str, object]:
        try:
            return super().run_module(tree)
        except _ReadError as exc:
            raise exc.error from None

    # -- names --------------------------------------------------------------------------------------------

    def hook_undefined(self, node: ast.Name) -> object:
        implicit = {"nn": "torch.nn", "torch": "torch", "F": "torch.nn.functional", "tf": "tensorflow",
                    "keras": "keras", "layers": "keras.layers", "np": "numpy", "K": "keras.backend"}
        if node.id in implicit:
            return Ext(implicit[node.id])
        if self.framework_names(node.id):
            return Ext(f"?.{node.id}")
        return super().hook_undefined(node)

    def framework_names(self, name: str) -> list[str]:
        """Which frameworks a bare, never imported name belongs to (a bare Sequential is Keras': PyTorch code
        writes nn.Sequential)."""
        owners = []
        if name in self.torch.layers or name in TORCH_FREE:
            owners.append("pytorch")
        if (name in self.keras.layers or name in KERAS_MODELS or name in KERAS_INPUTS or name in IDENTITY
                or name in SHAPED or name in MERGE_FUNCTIONS):
            owners.append("keras")
        return owners

    def hook_star_import(self, module: str, frame: Frame) -> None:
        names: list[str] = []
        if module.startswith("torch.nn"):
            names = [*self.torch.layers, *TORCH_CONTAINERS, *TORCH_FREE, "Parameter", "Module"]
        elif "keras" in module.split("."):
            names = [*self.keras.layers, *KERAS_MODELS, *KERAS_INPUTS, *IDENTITY, *SHAPED, *MERGE_FUNCTIONS]
        for name in names:
            frame.assign(name, Ext(f"{module}.{name}"))

    def classify(self, path: str, node: ast.AST) -> tuple[str, str] | None:
        """("pytorch" | "keras" | "ops", class or function name) for a framework name; None for others."""
        parts = path.split(".")
        base = parts[-1]
        if parts[0] == "?":
            owners = self.framework_names(base)
            if len(owners) == 1:
                return ("keras" if owners == ["keras"] else "pytorch"), base
            if self.hint is not None:
                return self.hint, base
            raise self.fail(f"ambiguous framework: {base}(...) exists in PyTorch and Keras, and the file imports "
                            f"neither. Pass --framework (pytorch | keras | keras2), or import it", node)
        if parts[0] == "torch" and len(parts) >= 3 and parts[1] == "nn":
            if len(parts) == 3 or parts[2] in ("modules", "parameter"):
                return ("pytorch", base) if base[:1].isupper() else None
            return None
        if "keras" in parts[:-1]:
            rest = parts[parts.index("keras") + 1:]
            if len(rest) == 1 and (base[:1].isupper() or base in MERGE_FUNCTIONS):
                return "keras", base
            if rest[0] in ("layers", "models") and (base[:1].isupper() or base in MERGE_FUNCTIONS):
                return "keras", base
            if rest[0] in ("ops", "backend", "activations"):
                return "ops", base
            return None
        if parts[0] == "tensorflow" and len(parts) >= 2:
            return "ops", base
        return None

    def layer_base(self, cls: Class) -> tuple[str, str] | None:
        """The framework layer a class of the file derives from (`class Linear(Bottle, nn.Linear)`), if any."""
        for path in cls.external_bases():
            if path.startswith("?."):
                continue
            kind = self.classify(path, cls.node)
            if kind is not None and kind[0] == "pytorch" and kind[1] in self.torch.layers:
                return kind
            if kind is not None and kind[0] == "keras" and kind[1] in self.keras.layers:
                return kind
        return None

    def class_kind(self, cls: Class) -> str | None:
        """"torch", "keras_model", "keras_layer" or None, from the outside classes it derives from."""
        for path in cls.external_bases():
            parts = path.split(".")
            base = parts[-1]
            if parts[0] == "?":
                continue
            if base == "Module" and ("nn" in parts or parts[0] == "torch"):
                return "torch"
            if "keras" in parts or parts[0] == "tensorflow":
                if base in ("Model", "Sequential", "Functional"):
                    return "keras_model"
                if base == "Layer":
                    return "keras_layer"
            if base == "Module" and len(parts) == 1:
                return "torch"
        return None

    # -- calls --------------------------------------------------------------------------------------------

    def hook_call(self, func: object, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if isinstance(func, Ext):
            return self.call_framework(func, args, kwargs, node)
        if isinstance(func, KLayer):
            return self.apply_layer(func, args, kwargs, node)
        if isinstance(func, KModel):
            return self.call_keras_instance(func, args, kwargs, node)
        if isinstance(func, KSequential) and len(_tensors(args[:1])) == 1 and not func.tainted and all(
                isinstance(item, KLayer) for item in func.items):
            out: object = _tensors(args[:1])[0]  # a Sequential used as a layer: its layers, one after the other
            for item in func.items:
                assert isinstance(item, KLayer)
                out = self.apply_layer(item, [out], {}, node)
            return out
        if isinstance(func, (KSequential, KFunctional)):
            tensors = _tensors([*args, *kwargs.values()])
            if tensors:
                return self.opaque_application(f"a model ({self.type_name(func)}) used as a layer is not followed "
                                               "yet; count it on its own", tensors, node)
            return self.unknown(node, "a model's output on real data, which is not computed")
        if isinstance(func, (TorchModule, TorchContainer, TorchLayer)):
            return self.unknown(node, "a module's forward pass, which is not run")
        if isinstance(func, Unknown) and func.module_like:
            tensors = _tensors([*args, *kwargs.values()])
            if tensors:
                return self.opaque_application(f"`{func.text}` (line {func.line}) comes from outside the file, so "
                                               "its weights cannot be counted", tensors, node)
        return NotImplemented

    def hook_call_unresolved(self, func: object, missing: Unknown, node: ast.Call) -> object:
        if isinstance(func, Ext) and self.classify(func.path, node) in (("pytorch", func.base), ("keras", func.base)):
            error = self.unresolved(missing, f"the arguments of {func.base}(...)", node)
            if self.classify(func.path, node) == ("pytorch", func.base):
                return TorchLayer(func.base, node.lineno, node.col_offset, status="error", error=error)
            self.seq += 1
            return KLayer(func.base, node.lineno, node.col_offset, self.seq, status="error", error=error)
        return super().hook_call_unresolved(func, missing, node)

    def call_framework(self, ext: Ext, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        path = ext.path
        if path.endswith("Embedding.from_pretrained") and (path.startswith("torch.nn") or path.startswith("?")):
            return self.pretrained_embedding(args, kwargs, node)
        kind = self.classify(path, node)
        if kind is not None:
            family, base = kind
            if family == "pytorch":
                return self.torch_call(base, args, kwargs, node)
            if family == "keras":
                return self.keras_call(base, args, kwargs, node)
            tensors = _tensors([*args, *kwargs.values()])
            if tensors:
                return self.keras_op(base, path, args, kwargs, tensors, node)
        if ext.base in TENSOR_MAKERS and path.split(".")[0] in ("torch", "numpy", "tensorflow", "np", "tf"):
            return self.make_tensor(ext.base, args, kwargs, node)
        return NotImplemented

    # -- PyTorch --------------------------------------------------------------------------------------------

    def torch_call(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if base in TORCH_CONTAINERS:
            return self.torch_container(base, args, node)
        if base == "Parameter":
            return self.torch_parameter(args, kwargs, node)
        if base == "Module":
            return TorchLayer(base, node.lineno, node.col_offset, status="free")
        if base in TORCH_FREE:
            return TorchLayer(base, node.lineno, node.col_offset, status="free")
        if base not in self.torch.layers:
            binder = LayerBinder(self.torch, self.source)
            error = self.fail(binder.unknown_layer_message(f"nn.{base}", base), node)
            return TorchLayer(base, node.lineno, node.col_offset, status="unsupported", error=error)
        try:
            spec, _declared, _call = self.bind(self.torch, base, args, kwargs, node)
        except RnnParamsError as exc:
            return TorchLayer(base, node.lineno, node.col_offset, status="error", error=exc)
        return TorchLayer(base, node.lineno, node.col_offset, spec=spec)

    def torch_container(self, kind: str, args: list[object], node: ast.Call) -> object:
        container = TorchContainer(kind, node.lineno)
        items: list[tuple[str, object]] = []
        if kind == "Sequential" and len(args) == 1 and isinstance(args[0], dict):
            items = [(str(k), v) for k, v in args[0].items()]
        elif kind == "Sequential":
            items = [(str(i), v) for i, v in enumerate(args)]
        elif args:
            source = args[0]
            if kind == "ModuleDict":
                if isinstance(source, dict):
                    items = [(str(k), v) for k, v in source.items()]
                else:
                    listed = self.iterate(source)
                    if isinstance(listed, Unknown):
                        container.tainted = self._why(listed)
                    else:
                        items = [(str(p[0]), p[1]) for p in listed if isinstance(p, (tuple, list)) and len(p) == 2]
            else:
                listed = self.iterate(source)
                if isinstance(listed, Unknown):
                    container.tainted = self._why(listed)
                else:
                    items = [(str(i), v) for i, v in enumerate(listed)]
        for key, value in items:
            container.children[key] = self.as_module(value, node)
        return container

    def as_module(self, value: object, node: ast.AST) -> object:
        if isinstance(value, (TorchLayer, TorchContainer, TorchModule, BlackBox)) or value is None:
            return value
        if isinstance(value, Unknown):
            return BlackBox(value.text, value.line, value.why)
        return BlackBox(describe(node), getattr(node, "lineno", None), f"it is not a module ({type(value).__name__})")

    def torch_parameter(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> TorchParam:
        data = args[0] if args else kwargs.get("data")
        grad = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
        requires_grad = grad if isinstance(grad, bool) else True
        if isinstance(data, TensorValue) and data.shape is not None:
            return TorchParam(data.shape, requires_grad, node.lineno, node.col_offset)
        if isinstance(data, TorchParam):
            return TorchParam(data.shape, requires_grad, node.lineno, node.col_offset, data.error)
        cause = data if isinstance(data, Unknown) else None
        why = data.why if isinstance(data, TensorValue) else "it is not a tensor the reader can size"
        error = self.unresolved(cause, "the size of nn.Parameter(...)", node) if cause is not None else self.fail(
            f"nn.Parameter({describe(node.args[0]) if node.args else ''}): the size of its tensor cannot be known "
            f"without running the code ({why}); build it with torch.zeros(...)/torch.randn(...) of sizes the file "
            "defines", node)
        return TorchParam(None, requires_grad, node.lineno, node.col_offset, error)

    def pretrained_embedding(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> TorchLayer:
        weights = args[0] if args else kwargs.get("embeddings")
        freeze = args[1] if len(args) > 1 else kwargs.get("freeze", True)
        if isinstance(weights, TensorValue) and weights.shape is not None and len(weights.shape) == 2:
            config = {k: v for k, v in kwargs.items() if k not in ("embeddings", "freeze")}
            config["_freeze"] = freeze
            made = self.torch_call("Embedding", list(weights.shape), config, node)
            assert isinstance(made, TorchLayer)
            return made
        error = self.fail(f"nn.Embedding.from_pretrained({describe(node.args[0]) if node.args else ''}): the size of "
                          "the pretrained vectors cannot be known without running the code; write "
                          "nn.Embedding(num_embeddings, embedding_dim) with the sizes instead (and "
                          "freeze=... is `weight.requires_grad = False`)", node)
        return TorchLayer("Embedding", node.lineno, node.col_offset, status="error", error=error)

    def make_tensor(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if base in ("tensor", "constant"):
            data = args[0] if args else kwargs.get("data", kwargs.get("value"))
            shape = _data_shape(data)
            return TensorValue(shape, "" if shape is not None else "its data is not known")
        if base in ("zeros_like", "ones_like"):
            source = args[0] if args else None
            return source if isinstance(source, TensorValue) else TensorValue(None, "a tensor of unknown shape")
        if base in ("full", "normal", "uniform") and args and isinstance(args[0], (tuple, list)):
            sizes: object = args[0]
        elif base == "randint":
            sizes = args[2] if len(args) > 2 else kwargs.get("size")
        elif base == "eye":
            sizes = tuple(args[:2]) if len(args) >= 2 else (args[0], args[0]) if args else None
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)
            if not args:
                sizes = kwargs.get("size", kwargs.get("shape"))
        if isinstance(sizes, (tuple, list)) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                    for d in sizes):
            return TensorValue(tuple(d for d in sizes if isinstance(d, int)))
        cause = first_unknown(sizes)
        why = self._why(cause) if cause else "its size is not known"
        if isinstance(sizes, (tuple, list)) and all(isinstance(d, (int, Unknown)) for d in sizes):
            return TensorValue(None, why, tuple(sizes))  # np.zeros((len(lines), 14)).shape[-1] is still 14
        return TensorValue(None, why)

    def hook_instantiate(self, cls: Class, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        kind = self.class_kind(cls)
        layer = self.layer_base(cls)
        if layer is not None:  # class Linear(Bottle, nn.Linear): pass -- the layer itself, with its arguments
            family, base = layer
            if any("__init__" in c.names for c in cls.mro()):
                error = self.fail(f"{cls.name} derives from {base} and has its own __init__, which is not followed; "
                                  f"only subclasses that keep {base}'s constructor are counted", node)
                if family == "pytorch":
                    return TorchLayer(base, node.lineno, node.col_offset, status="unsupported", error=error)
                self.seq += 1
                return KLayer(base, node.lineno, node.col_offset, self.seq, status="unsupported", error=error)
            return self.torch_call(base, args, kwargs, node) if family == "pytorch" else self.keras_call(
                base, args, kwargs, node)
        if kind == "torch":
            module = TorchModule(cls, node.lineno)
            self.construct(module, cls, args, kwargs, node)
            return module
        if kind in ("keras_model", "keras_layer"):
            model = KModel(cls, node.lineno, is_model=kind == "keras_model")
            self.construct(model, cls, args, kwargs, node)
            return model
        return NotImplemented

    # -- attributes ------------------------------------------------------------------------------------------

    def hook_set_attr(self, obj: object, name: str, value: object, node: ast.AST) -> bool:
        if isinstance(obj, TorchModule):
            return self.register(obj, name, value, node)
        if isinstance(obj, TorchLayer):
            if isinstance(value, (TensorRef, TorchParam)):  # another tensor in its place: what was set on the
                obj.grad.pop(name, None)                    # old one goes with it
                obj.slots[name] = value.root() if isinstance(value, TensorRef) else TensorRef(value, "")
            return True
        if isinstance(obj, (TensorRef, TorchParam)):
            if name == "requires_grad":
                self.set_requires_grad(obj, value)
            return True
        if name == "trainable" and isinstance(obj, (KLayer, KSequential, KFunctional, KModel)):
            self.set_trainable(obj, value, node)
            return not isinstance(obj, KModel)  # a subclassed model keeps the attribute as well
        return isinstance(obj, KLayer)

    def set_trainable(self, obj: object, value: object, node: ast.AST) -> None:
        """Keras' `trainable` setter: a model or layer passes the value down to every layer it holds."""
        if isinstance(obj, KLayer) and obj.spec is not None:
            if not isinstance(value, bool):
                obj.status, obj.error = "error", self.unresolved(value, f"`{obj.name}.trainable`", node)
            else:
                obj.spec = replace(obj.spec, config={**obj.spec.config, "trainable": value})
        elif isinstance(obj, (KSequential, KFunctional, KModel)):
            for layer in self.keras_layers(obj):
                self.set_trainable(layer, value, node)

    def keras_layers(self, model: KSequential | KFunctional | KModel) -> list[object]:
        """`model.layers`: what a Sequential holds, a functional graph's layers, a subclassed model's tracked
        layers."""
        if isinstance(model, KSequential):
            return list(model.items)
        if isinstance(model, KFunctional):
            return [a.layer for a in self._graph(model) if a.layer is not None]
        return [v for v in self._tracked(model) if isinstance(v, KLayer)]

    def get_layer(self, model: KSequential | KFunctional, node: ast.AST) -> Builtin:
        def get_layer(name: object = None, index: object = None) -> object:
            layers = self.keras_layers(model)
            if isinstance(index, int) and not isinstance(index, bool):
                if not -len(layers) <= index < len(layers):
                    raise ValueError(f"was asked to retrieve layer at index {index} but model only has "
                                     f"{len(layers)} layers")
                return layers[index]
            for layer in layers:
                if isinstance(name, str) and isinstance(layer, KLayer) and layer.name == name:
                    return layer
            if isinstance(name, str) and all(isinstance(layer, KLayer) for layer in layers):
                raise ValueError(f"No such layer: {name}")
            return self.unknown(node, f"get_layer({name!r}), a layer the reader cannot find")
        return Builtin("get_layer", get_layer)

    def set_requires_grad(self, tensor: TensorRef | TorchParam, value: object) -> None:
        """`p.requires_grad = value` on the tensor itself (a tied weight is its first owner's): a value the
        reader cannot know is kept, and is an error only if the model is counted."""
        if isinstance(tensor, TensorRef):
            tensor = tensor.root()
            if isinstance(tensor.owner, TorchLayer):
                tensor.owner.grad[tensor.name] = value  # type: ignore[assignment]
                return
            tensor = tensor.owner
        tensor.requires_grad = value  # type: ignore[assignment]

    def requires_grad(self, tensor: TensorRef | TorchParam) -> object:
        if isinstance(tensor, TensorRef):
            tensor = tensor.root()
            if isinstance(tensor.owner, TorchLayer):
                layer = tensor.owner
                if tensor.name in layer.grad:
                    return layer.grad[tensor.name]
                return layer.spec is None or tensor.name in _tensor_names(layer.spec, trainable=True)
            tensor = tensor.owner
        return tensor.requires_grad

    def named_tensors(self, root: object, recurse: bool = True) -> list[tuple[str, TensorRef | TorchParam]] | Unknown:
        """What `root.named_parameters()` gives, in its order: each tensor once (a tied or shared one where it is
        met first), as the object the code may set `requires_grad` on; Unknown where a part cannot be known
        (counting the model fails there anyway)."""
        out: list[tuple[str, TensorRef | TorchParam]] = []
        modules: set[int] = set()
        tensors: set[tuple[int, str]] = set()

        def add(path: str, tensor: TensorRef | TorchParam) -> None:
            key = tensor.root().key() if isinstance(tensor, TensorRef) else (id(tensor), "")
            if key not in tensors:
                tensors.add(key)
                out.append((path, tensor))

        def walk(module: object, prefix: str) -> Unknown | None:
            if module is None or id(module) in modules:
                return None
            modules.add(id(module))
            opaque = module.why if isinstance(module, BlackBox) else getattr(module, "tainted", None)
            if opaque or (isinstance(module, TorchLayer) and module.status in ("error", "unsupported")):
                return Unknown(f"{prefix or 'module.'}parameters()", getattr(module, "line", None),
                               f"its parameters cannot be listed: {opaque or 'a layer that is not counted'}")
            children: list[tuple[str, object]] = []
            if isinstance(module, TorchLayer) and module.spec is not None:
                for name in _tensor_names(module.spec):
                    ref = module.slots.get(name)
                    add(prefix + name, ref.root() if ref is not None else TensorRef(module, name))
            elif isinstance(module, TorchModule):
                for key, param in module.params.items():
                    if isinstance(param, (TensorRef, TorchParam)):
                        add(prefix + key, param)
                children = list(module.modules.items())
            elif isinstance(module, TorchContainer):
                children = list(module.children.items())
            for key, child in children if recurse else ():
                failed = walk(child, f"{prefix}{key}.")
                if failed is not None:
                    return failed
            return None

        failed = walk(root, "")
        return failed if failed is not None else out

    def module_methods(self, module: object, name: str) -> Builtin | None:
        """`parameters()`, `named_parameters()` and `requires_grad_()` of any torch module (a layer, a
        container, one of the file's nn.Module classes)."""
        if name == "parameters":
            def parameters(recurse: object = True) -> object:
                found = self.named_tensors(module, recurse is not False)
                return found if isinstance(found, Unknown) else [tensor for _, tensor in found]
            return Builtin(name, parameters)
        if name == "named_parameters":
            def named(prefix: object = "", recurse: object = True, remove_duplicate: object = True) -> object:
                found = self.named_tensors(module, recurse is not False)
                lead = f"{prefix}." if isinstance(prefix, str) and prefix else ""
                return found if isinstance(found, Unknown) else [(lead + path, t) for path, t in found]
            return Builtin(name, named)
        if name == "requires_grad_":
            def requires_grad_(requires_grad: object = True) -> object:
                found = self.named_tensors(module)
                for _, tensor in [] if isinstance(found, Unknown) else found:
                    self.set_requires_grad(tensor, requires_grad)
                return module
            return Builtin(name, requires_grad_)
        return None

    def register(self, module: TorchModule, name: str, value: object, node: ast.AST) -> bool:
        """`nn.Module.__setattr__`: parameters and submodules are registered, in order, everything else is a
        plain attribute. Assigning to a registered name keeps its place."""
        if isinstance(value, TorchParam):
            module.modules.pop(name, None)
            module.attrs.pop(name, None)
            module.params[name] = value
            return True
        if isinstance(value, Unknown) and value.module_like:
            value = BlackBox(value.text, value.line, value.why)
        if isinstance(value, (TorchLayer, TorchContainer, TorchModule, BlackBox)):
            module.params.pop(name, None)
            module.attrs.pop(name, None)
            module.modules[name] = value
            return True
        if value is None and name in module.modules:
            module.modules[name] = None
            return True
        if isinstance(value, TensorRef) and name in module.params:  # module.weight = other.weight
            module.params[name] = value
            return True
        return False

    def hook_get_attr(self, obj: object, name: str, node: ast.AST) -> object:
        if isinstance(obj, TorchModule):
            if name in obj.params:
                param = obj.params[name]
                return param
            if name in obj.modules:
                return obj.modules[name]
            return NotImplemented
        if isinstance(obj, TorchLayer):
            return self.torch_layer_attr(obj, name, node)
        if isinstance(obj, TorchContainer):
            return self.container_attr(obj, name, node)
        if isinstance(obj, (TorchParam, TensorRef)):
            if name in ("data", "weight") or name in TENSOR_METHODS_SAME:
                return obj if name == "data" else Builtin(name, lambda *a, **k: obj)
            if name == "requires_grad":
                return self.requires_grad(obj)
            if name == "requires_grad_":
                tensor = obj

                def requires_grad_(requires_grad: object = True) -> object:
                    self.set_requires_grad(tensor, requires_grad)
                    return tensor
                return Builtin(name, requires_grad_)
            if name in ("shape", "size") and isinstance(obj, TorchParam) and obj.shape is not None:
                shape = obj.shape
                return shape if name == "shape" else Builtin("size", lambda *a: shape if not a else shape[a[0]])
            return self.unknown(node, "an attribute of a parameter tensor")
        if isinstance(obj, TensorValue):
            return self.tensor_attr(obj, name, node)
        if isinstance(obj, KLayer):
            return self.keras_layer_attr(obj, name, node)
        if isinstance(obj, KTensor):
            if name == "shape":
                return obj.shape if obj.shape is not None else self.unknown(node, obj.why or "an unknown shape")
            return self.unknown(node, "an attribute of a symbolic tensor")
        if isinstance(obj, KSequential):
            return self.sequential_attr(obj, name, node)
        if isinstance(obj, KFunctional):
            return self.functional_attr(obj, name, node)
        if isinstance(obj, KModel) and name == "layers" and "layers" not in obj.attrs:
            return self.keras_layers(obj)
        return NotImplemented

    def hook_instance_attr(self, obj: Instance, name: str, node: ast.AST) -> object:
        if isinstance(obj, TorchModule):
            method = self.module_methods(obj, name)
            if method is not None:
                return method
            if name in MODULE_METHODS_RETURNING_SELF:
                return Builtin(name, lambda *a, **k: obj)
            if name in ("add_module", "register_module"):
                return Builtin(name, lambda key, value: self.set_attr(obj, str(key), value, node))
            if name == "register_parameter":
                return Builtin(name, lambda key, value: self.set_attr(obj, str(key), value, node))
            if name in ("register_buffer", "zero_grad", "load_state_dict"):
                return Builtin(name, lambda *a, **k: None)
            return self.unknown(node, f"{obj.label}.{name}, which is not followed")
        if isinstance(obj, KModel):
            if name == "build":
                return Builtin(name, lambda shape=None, *a, **k: self.build_keras_instance(obj, shape, node))
            if name in IGNORED_KERAS_METHODS:
                return Builtin(name, lambda *a, **k: None)
            if name == "add_weight":
                def custom_weight(*a: object, **k: object) -> object:
                    obj.error = self.fail(f"{obj.label} creates its own weights with add_weight(...) "
                                          f"(line {getattr(node, 'lineno', '?')}); only the layers of the "
                                          "conventions are counted", node)
                    return TensorValue(None, "a custom weight")
                return Builtin(name, custom_weight)
            return self.unknown(node, f"{obj.label}.{name}, which is not followed")
        return super().hook_instance_attr(obj, name, node)

    def torch_layer_attr(self, layer: TorchLayer, name: str, node: ast.AST) -> object:
        method = self.module_methods(layer, name)
        if method is not None:
            return method
        if name in MODULE_METHODS_RETURNING_SELF:
            return Builtin(name, lambda *a, **k: layer)
        if name == "flatten_parameters" or name == "reset_parameters":
            return Builtin(name, lambda *a, **k: None)
        recurrent = layer.base in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
        if name.startswith(("weight", "bias_")) or (name == "bias" and not recurrent):
            return TensorRef(layer, name)
        if layer.spec is not None and name in layer.spec.config:
            return layer.spec.config[name]
        return self.unknown(node, f"the attribute {name!r} of nn.{layer.base}")

    def container_attr(self, container: TorchContainer, name: str, node: ast.AST) -> object:
        def append(value: object) -> object:
            container.append(self.as_module(value, node))
            return container

        def extend(values: object) -> object:
            return self.extend_container(container, values, node)

        def add_module(key: object, value: object) -> object:
            container.children[str(key)] = self.as_module(value, node)
            return None

        def insert(index: object, value: object) -> object:
            """torch's own loop: children from `index` on move one key up (ModuleList takes no negative index:
            torch fails on one with a KeyError)."""
            children, n = container.children, len(container.children)
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError("insert() takes an integer index")
            if container.kind == "Sequential":
                if not -n <= index <= n:
                    raise IndexError(f"Index out of range: {index}")
                index += n if index < 0 else 0
            for i in range(n, index, -1):
                if str(i - 1) not in children:
                    raise KeyError(str(i - 1))
                children[str(i)] = children[str(i - 1)]
            children[str(index)] = self.as_module(value, node)
            return container if container.kind == "Sequential" else None

        def pop(key: object) -> object:
            value = self.get_item(container, key, node)
            self.hook_del_item(container, key, node)
            return value

        def update(values: object) -> object:
            pairs = list(values.items()) if isinstance(values, dict) else self.iterate(values)
            if isinstance(pairs, Unknown):
                container.tainted = self._why(pairs)
                return None
            for pair in pairs:
                if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], str)):
                    raise TypeError("ModuleDict.update() takes a mapping or (name, module) pairs")
                container.children[pair[0]] = self.as_module(pair[1], node)
            return None

        listing: dict[str, Callable[..., object]] = {"append": append, "extend": extend, "insert": insert}
        methods: dict[str, Callable[..., object]] = {
            "add_module": add_module, "register_module": add_module, "pop": pop,
            **({"update": update, "clear": lambda: container.children.clear()} if container.kind == "ModuleDict"
               else listing)}
        if name in methods:
            return Builtin(f"{container.kind}.{name}", methods[name])
        method = self.module_methods(container, name)
        if method is not None:
            return method
        if name in MODULE_METHODS_RETURNING_SELF:
            return Builtin(name, lambda *a, **k: container)
        if name in ("keys", "values", "items") and container.kind == "ModuleDict":
            views = {"keys": list(container.children), "values": list(container.children.values()),
                     "items": [tuple(kv) for kv in container.children.items()]}
            return Builtin(name, lambda: views[name])
        if name in container.children:
            return container.children[name]
        if name in CONTAINER_QUERIES:
            return self.unknown(node, f"the attribute {name!r} of nn.{container.kind}")

        def unknown_method(*args: object, **kwargs: object) -> object:  # it may change what the container holds
            call = f"nn.{container.kind}.{name}(...)"
            container.tainted = f"{call} on line {getattr(node, 'lineno', '?')} is not followed"
            return self.unknown(node, f"{call}, which is not followed")
        return Builtin(name, unknown_method)

    def tensor_attr(self, tensor: TensorValue, name: str, node: ast.AST) -> object:
        shape = tensor.shape
        if name == "shape":
            if shape is None and tensor.partial is not None:
                return tensor.partial
            return shape if shape is not None else self.unknown(node, tensor.why or "a tensor of unknown shape")
        if name == "size":
            return Builtin("size", lambda *a: (shape if not a else shape[a[0]]) if shape is not None else
                           self.unknown(node, tensor.why))
        if name in TENSOR_METHODS_SAME:
            return tensor if name == "data" else Builtin(name, lambda *a, **k: tensor)
        if name in ("t", "T"):
            flipped = TensorValue(None if shape is None else tuple(reversed(shape)), tensor.why)
            return flipped if name == "T" else Builtin(name, lambda: flipped)
        if name in ("view", "reshape"):
            def reshaped(*sizes: object) -> object:
                dims = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
                if shape is not None and all(isinstance(d, int) for d in dims) and -1 not in dims:
                    return TensorValue(tuple(dims))  # type: ignore[arg-type]
                return TensorValue(None, "a reshaped tensor")
            return Builtin(name, reshaped)
        if name == "unsqueeze":
            def unsqueeze(dim: object) -> object:
                if shape is not None and isinstance(dim, int) and -len(shape) - 1 <= dim <= len(shape):
                    k = dim % (len(shape) + 1)
                    return TensorValue((*shape[:k], 1, *shape[k:]))
                return TensorValue(None, "a reshaped tensor")
            return Builtin(name, unsqueeze)
        return self.unknown(node, f"the attribute {name!r} of a tensor")

    # -- Keras: layers and tensors -----------------------------------------------------------------------------

    def keras_call(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        if base == "Sequential":
            return self.make_sequential(args, kwargs, node)
        if base in ("Model", "Functional"):
            return self.make_functional(args, kwargs, node)
        if base in KERAS_INPUTS:
            return self.make_input(base, args, kwargs, node)
        if base in MERGE_FUNCTIONS:
            tensors = _tensors(args[:1] or [kwargs.get("inputs")])
            options = {"*args": tuple(args[1:]), **kwargs}
            return self.free_application(base, options, tensors, node)
        from ..conventions.keras import ALIASES

        base = ALIASES.get(base, base)
        self.seq += 1
        if base in self.keras.layers:
            return self.keras_layer(base, args, kwargs, node)
        options = {"*args": tuple(args), **kwargs}
        if base in IDENTITY or base in SHAPED or base == "Dropout":
            return KLayer(base, node.lineno, node.col_offset, self.seq, status="free", options=options)
        binder = LayerBinder(self.keras, self.source)
        error = self.fail(binder.unknown_layer_message(base, base), node)
        return KLayer(base, node.lineno, node.col_offset, self.seq, status="unsupported", error=error)

    def keras_layer(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> KLayer:
        conv = self.keras.layers[base]
        name = kwargs.get("name")
        if name is None:
            count = self.keras_names[conv.auto_name]
            self.keras_names[conv.auto_name] += 1
            kwargs = {**kwargs, "name": conv.auto_name if count == 0 else f"{conv.auto_name}_{count}"}
        layer = KLayer(base, node.lineno, node.col_offset, self.seq)
        try:
            layer.spec, layer.declared_input, layer.call_node = self.bind(self.keras, base, args, kwargs, node)
        except RnnParamsError as exc:
            layer.status, layer.error = "error", exc
            if base == "Dropout":  # it has no weights: an unknown rate does not matter
                layer.status, layer.error = "free", None
        return layer

    def keras_layer_attr(self, layer: KLayer, name: str, node: ast.AST) -> object:
        if name == "name":
            return layer.name
        if name in ("output", "input") and layer.apps:
            app = layer.apps[0]
            return app.inputs[0] if name == "input" and app.inputs else self.unknown(node, "a layer's output")
        if layer.spec is not None and name in layer.spec.config:
            value = layer.spec.config[name]
            return value if not isinstance(value, LayerSpec) else self.unknown(node, "a wrapped layer")
        if name in ("trainable",):
            return True
        return self.unknown(node, f"the attribute {name!r} of a Keras layer")

    def make_input(self, base: str, args: list[object], kwargs: dict[str, object], node: ast.Call) -> KTensor:
        shape: object = args[0] if args else kwargs.get("shape", kwargs.get("input_shape"))
        batch: object = kwargs.get("batch_size")
        full = kwargs.get("batch_shape", kwargs.get("batch_input_shape"))
        if shape is None and isinstance(full, (tuple, list)) and full:
            shape, batch = tuple(full[1:]), full[0]
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if isinstance(shape, (tuple, list)) and all(d is None or (isinstance(d, int) and not isinstance(d, bool)
                                                                  and d > 0) for d in shape):
            return KTensor((batch if isinstance(batch, int) else None, *shape), line=node.lineno)
        cause = first_unknown(shape)
        why = self._why(cause) if cause else f"the shape given to {base}(...) is not a tuple of sizes"
        return KTensor(None, why=why, line=node.lineno, cause=cause)

    def apply_layer(self, layer: KLayer, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        source = args[0] if args else kwargs.get("inputs")
        tensors = _tensors([source])
        if not tensors and isinstance(source, TensorValue):
            tensors = [self.from_array(source, node)]
        if not tensors:
            return self.unknown(node, "a layer applied to data, which is not computed")
        extra = _tensors([*args[1:], *kwargs.values()])
        if layer.status == "free":
            return self.free_application(layer.base, layer.options, tensors, node, layer, extra)
        in_shape = tensors[0].shape if len(tensors) == 1 else None
        error: RnnParamsError | None = None
        outputs: list[Shape] = []
        if layer.status != "layer":
            error = layer.error
        elif len(tensors) > 1:
            error = self.fail(f"{layer.name} ({layer.base}) is applied to {len(tensors)} tensors; it takes one", node)
        else:
            assert layer.spec is not None
            try:
                outputs = plan_outputs(layer_plan(self.keras, layer.spec, in_shape))
            except RnnParamsError as exc:
                error = self.shape_error(layer, tensors[0], exc, node)
        app = KApp(layer, tensors + extra, in_shape, node.lineno, error)
        layer.apps.append(app)
        if error is not None or not outputs:
            why = f"{layer.name} ({layer.base}) on line {node.lineno} cannot be counted"
            return KTensor(None, app, why, node.lineno)
        results = [KTensor(shape, app, line=node.lineno) for shape in outputs]
        return results[0] if len(results) == 1 else results

    def shape_error(self, layer: KLayer, tensor: KTensor, exc: RnnParamsError, node: ast.Call) -> RnnParamsError:
        if tensor.shape is not None:
            return exc.at(self.source, node.lineno, node.col_offset)
        message = (f"{layer.name} ({layer.base}) needs the shape of its input, and the shape of "
                   f"`{describe(node.args[0]) if node.args else 'its input'}` cannot be followed: {tensor.why}")
        if tensor.cause is not None:
            message += f". Give it with --set {tensor.cause.text}=VALUE"
        return self.fail(message, node)

    def free_application(self, base: str, options: dict[str, object], tensors: list[KTensor], node: ast.Call,
                         layer: KLayer | None = None, extra: list[KTensor] | None = None) -> object:
        shapes = [t.shape for t in tensors]
        known = [s for s in shapes if s is not None]
        out = free_output(base, options, known) if known and len(known) == len(shapes) else None
        app = KApp(layer, tensors + (extra or []), shapes[0] if len(shapes) == 1 else None, node.lineno)
        if layer is not None:
            layer.apps.append(app)
        if out is None:
            cause = next((t for t in tensors if t.shape is None), None)
            why = cause.why if cause is not None else f"the shape {base} gives is not followed"
            return KTensor(None, app, why, node.lineno, cause.cause if cause is not None else None)
        return KTensor(out, app, line=node.lineno)

    def keras_op(self, name: str, path: str, args: list[object], kwargs: dict[str, object], tensors: list[KTensor],
                 node: ast.Call) -> KTensor:
        shape = op_output(name, args, kwargs)
        app = KApp(None, tensors, None, node.lineno)
        if shape is None:
            cause = next((t for t in tensors if t.shape is None), None)
            why = cause.why if cause else f"`{describe(node)}` ({path}) is an operation whose shape is not followed"
            return KTensor(None, app, why, node.lineno, cause.cause if cause else None)
        return KTensor(shape, app, line=node.lineno)

    def opaque_application(self, why: str, tensors: list[KTensor], node: ast.Call) -> KTensor:
        app = KApp(None, tensors, None, node.lineno, self.fail(why, node))
        return KTensor(None, app, why, node.lineno)

    def from_array(self, array: TensorValue, node: ast.AST) -> KTensor:
        if array.shape is None or not array.shape:
            return KTensor(None, why=array.why or "data of unknown shape", line=getattr(node, "lineno", None))
        return KTensor((None, *array.shape[1:]), line=getattr(node, "lineno", None))

    def hook_binop(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        if isinstance(left, TorchContainer) and left.kind != "ModuleDict":
            return self.container_binop(op, left, right, node)
        tensors = [v for v in (left, right) if isinstance(v, KTensor)]
        if not tensors:
            return NotImplemented
        shapes = [v.shape if isinstance(v, KTensor) else () for v in (left, right)
                  if isinstance(v, (KTensor, int, float))]
        app = KApp(None, tensors, None, getattr(node, "lineno", 0))
        if len(shapes) == 2 and all(s is not None for s in shapes):
            from .pymodels import broadcast

            shape = broadcast(shapes)  # type: ignore[arg-type]
            if shape is not None:
                return KTensor(shape, app, line=getattr(node, "lineno", None))
        return KTensor(None, app, "an operation on tensors whose shape is not followed", getattr(node, "lineno", None))

    def hook_unary(self, op: ast.unaryop, value: object, node: ast.AST) -> object:
        if isinstance(value, KTensor):
            return KTensor(value.shape, KApp(None, [value], None, getattr(node, "lineno", 0)), value.why)
        return super().hook_unary(op, value, node)

    def hook_get_item(self, obj: object, key: object, node: ast.AST) -> object:
        if isinstance(obj, KTensor):
            shape = slice_shape(obj.shape, key) if obj.shape is not None else None
            app = KApp(None, [obj], None, getattr(node, "lineno", 0))
            return KTensor(shape, app, obj.why or "a slice whose shape is not followed", getattr(node, "lineno", None))
        if isinstance(obj, TorchContainer):
            if obj.tainted or isinstance(key, Unknown):
                return self.unknown(node, f"an item of nn.{obj.kind} that is not known")
            if obj.kind == "ModuleDict":
                if not isinstance(key, str) or key not in obj.children:
                    raise Raised("KeyError", repr(key)[:60], getattr(node, "lineno", None))
                return obj.children[key]
            if isinstance(key, int) and not isinstance(key, bool):
                child = self._child_keys(obj, key, node, by_name=obj.kind == "ModuleList")[0]
                if child not in obj.children:
                    raise Raised("KeyError", repr(child), getattr(node, "lineno", None))
                return obj.children[child]
            if isinstance(key, slice):
                # a new container of the same modules: nn.Sequential keeps their keys, nn.ModuleList numbers them
                part = TorchContainer(obj.kind, getattr(node, "lineno", obj.line))
                keys = self._child_keys(obj, key, node)
                part.children = {k if obj.kind == "Sequential" else str(i): obj.children[k] for i, k in enumerate(keys)}
                return part
            return self.unknown(node, f"an item of nn.{obj.kind} that is not known")
        return NotImplemented

    def hook_set_item(self, obj: object, key: object, value: object, node: ast.AST) -> bool:
        if isinstance(obj, TorchContainer):
            if isinstance(key, Unknown):
                obj.tainted = f"a child set on line {getattr(node, 'lineno', '?')} at a position that is not known"
            elif obj.kind == "ModuleDict":
                if not isinstance(key, str):
                    raise Raised("TypeError", f"module name should be a string, got {type(key).__name__}",
                                 getattr(node, "lineno", None))
                obj.children[key] = self.as_module(value, node)
            else:  # the child at that position is replaced in its place (a ModuleList key torch lacks is added)
                child = self._child_keys(obj, key, node, by_name=obj.kind == "ModuleList")[0]
                obj.children[child] = self.as_module(value, node)
            return True
        return False

    def hook_del_attr(self, obj: object, name: str, node: ast.AST) -> bool:
        """`del self.rnn`: `nn.Module.__delattr__` unregisters the parameter or submodule."""
        if isinstance(obj, TorchModule) and (name in obj.params or name in obj.modules):
            obj.params.pop(name, None)
            obj.modules.pop(name, None)
            return True
        return False

    def hook_del_item(self, obj: object, key: object, node: ast.AST) -> bool:
        """`del self.layers[0]`: nn.ModuleDict drops the key; nn.Sequential and nn.ModuleList drop the children
        and number the rest from 0 again, as torch does."""
        if not isinstance(obj, TorchContainer):
            return False
        if isinstance(key, Unknown):
            obj.tainted = f"a child deleted on line {getattr(node, 'lineno', '?')} at a position that is not known"
            return True
        if obj.kind == "ModuleDict":
            if not isinstance(key, str) or key not in obj.children:
                raise Raised("KeyError", repr(key)[:60], getattr(node, "lineno", None))
            del obj.children[key]
            return True
        doomed = set(self._child_keys(obj, key, node, by_name=obj.kind == "ModuleList"))
        missing = doomed - set(obj.children)
        if missing:
            raise Raised("AttributeError", f"nn.{obj.kind} has no child {min(missing)!r}",
                         getattr(node, "lineno", None))
        kept = [child for k, child in obj.children.items() if k not in doomed]
        obj.children = {str(i): child for i, child in enumerate(kept)}
        return True

    def _child_keys(self, obj: TorchContainer, key: object, node: ast.AST, *, by_name: bool = False) -> list[str]:
        """The keys of nn.Sequential / nn.ModuleList children that `container[key]` names (an index or a
        slice), or torch's IndexError. `by_name`: as nn.ModuleList's item lookups, setting and deleting find
        them, by the index written as a key ("2"), which may not be there; else by position."""
        keys = list(obj.children)
        if isinstance(key, slice) and all(v is None or (isinstance(v, int) and not isinstance(v, bool))
                                          for v in (key.start, key.stop, key.step)) and key.step != 0:
            return [str(i) for i in range(len(keys))[key]] if by_name else keys[key]
        if isinstance(key, int) and not isinstance(key, bool) and -len(keys) <= key < len(keys):
            return [str(key % len(keys))] if by_name else [keys[key]]
        raise Raised("IndexError", f"index {str(key)[:40]} is out of range for nn.{obj.kind} of {len(keys)}",
                     getattr(node, "lineno", None))

    def hook_iterate(self, value: object) -> list[object] | Unknown | None:
        if isinstance(value, TorchContainer):
            if value.tainted:
                return Unknown(f"nn.{value.kind}", value.line, value.tainted)
            return list(value.children) if value.kind == "ModuleDict" else list(value.children.values())
        if isinstance(value, KSequential):
            return list(value.items)
        return None

    def hook_truth(self, value: object) -> bool | Unknown | None:
        if isinstance(value, KTensor):
            return Unknown("tensor", value.line, "the truth of a symbolic tensor")
        return None

    def hook_inplace(self, current: object, op: ast.operator, value: object, node: ast.AST) -> object:
        if isinstance(current, TorchContainer) and isinstance(op, ast.Add) and current.kind != "ModuleDict":
            if current.kind == "Sequential" and not isinstance(value, TorchContainer):
                raise Raised("ValueError", "add operator supports only objects of Sequential class",
                             getattr(node, "lineno", None))
            return self.extend_container(current, value, node)  # `layers += [...]` on a ModuleList
        return NotImplemented

    def container_binop(self, op: ast.operator, left: TorchContainer, right: object, node: ast.AST) -> object:
        """`a + b` (nn.ModuleList with any modules, nn.Sequential with an nn.Sequential) and `seq * n`: a new
        container of the same modules, numbered from 0 (a module repeated is one module, counted once)."""
        line = getattr(node, "lineno", None)
        if isinstance(op, ast.Add) and (left.kind == "ModuleList" or isinstance(right, TorchContainer)):
            out = TorchContainer(left.kind, line or left.line)
            out.tainted = left.tainted
            self.extend_container(out, list(left.children.values()), node)
            return self.extend_container(out, right, node)
        if isinstance(op, ast.Mult) and left.kind == "Sequential" and type(right) is int:
            if right <= 0:
                raise Raised("ValueError", f"Non-positive multiplication factor {right}", line)
            self.tick(node, right * len(left.children))
            out = TorchContainer(left.kind, line or left.line)
            out.tainted = left.tainted
            self.extend_container(out, list(left.children.values()) * right, node)
            return out
        return self.unknown(node, f"an operation on nn.{left.kind} that is not followed")

    def extend_container(self, container: TorchContainer, values: object, node: ast.AST) -> TorchContainer:
        """`extend(values)`: each item as a module; values that cannot be listed taint the container. As in torch,
        nn.ModuleList numbers the new items from its length before (a key already there is replaced), while
        nn.Sequential appends them one by one."""
        items = self.iterate(values)
        if isinstance(items, Unknown):
            container.tainted = self._why(items)
        else:
            offset = len(container.children)
            for i, item in enumerate(items):
                if container.kind == "ModuleList":
                    container.children[str(offset + i)] = self.as_module(item, node)
                else:
                    container.append(self.as_module(item, node))
        return container

    def hook_havoc(self, obj: object, node: ast.AST, why: str | Callable[[], str]) -> None:
        def text() -> str:
            return why if isinstance(why, str) else why()

        if isinstance(obj, (TorchContainer, KSequential)):
            obj.tainted = text()
        elif isinstance(obj, TorchModule) and isinstance(node, ast.Attribute):
            if node.attr in obj.modules or node.attr in obj.params or self._may_build(node):
                obj.params.pop(node.attr, None)
                obj.modules[node.attr] = BlackBox(dotted(node) or node.attr, node.lineno, text(), unknown=True)
            else:
                obj.attrs[node.attr] = Unknown(node, node.lineno, why)
        elif isinstance(obj, TorchModule):
            obj.tainted = text()
        elif isinstance(obj, KModel) and isinstance(node, ast.Attribute):
            obj.attrs[node.attr] = Unknown(node, node.lineno, why, module_like=True)
        else:
            super().hook_havoc(obj, node, why)

    def _may_build(self, target: ast.Attribute) -> bool:
        """Whether the statement assigning `target` calls something (so it may build a module). The file's
        assignments are indexed once: a loop may ask at every iteration."""
        if self._assigned_by_call is None:
            self._assigned_by_call = {}
            for stmt in ast.walk(self.tree):
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    calls = stmt.value is not None and any(isinstance(n, ast.Call) for n in ast.walk(stmt.value))
                    for t in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                        for part in ast.walk(t):
                            self._assigned_by_call.setdefault(id(part), calls)
        return self._assigned_by_call.get(id(target), True)

    # -- Keras: models ------------------------------------------------------------------------------------------

    def make_sequential(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> KSequential:
        name = kwargs.get("name")
        model = KSequential(node.lineno, name if isinstance(name, str) else None)
        items = args[0] if args else kwargs.get("layers")
        if items is None:
            return model
        listed = self.iterate(items)
        if isinstance(listed, Unknown):
            model.tainted = self._why(listed)
            return model
        for item in listed:
            self.sequential_add(model, item, node)
        return model

    def sequential_add(self, model: KSequential, item: object, node: ast.AST) -> None:
        if isinstance(item, KTensor):
            if model.items:
                raise self.fail("Input(...) must come first in a Sequential, before the layers", node)
            if item.shape is None:
                model.tainted = item.why + (f". Give it with --set {item.cause.text}=VALUE" if item.cause else "")
            else:
                model.input_shape = item.shape[1:]
            return
        if isinstance(item, Unknown):
            model.tainted = self._why(item)
            return
        model.items.append(item)

    def sequential_attr(self, model: KSequential, name: str, node: ast.AST) -> object:
        def build(shape: object = None, *a: object, **k: object) -> None:
            shape = k.get("input_shape", shape)
            if isinstance(shape, (tuple, list)) and shape:
                model.input_shape = tuple(d if isinstance(d, int) else None for d in shape[1:])

        def pop(*a: object) -> object:
            return model.items.pop() if model.items else None

        methods: dict[str, Callable[..., object]] = {
            "add": lambda item, *a, **k: self.sequential_add(model, item, node), "build": build, "pop": pop}
        if name in methods:
            return Builtin(name, methods[name])
        if name in IGNORED_KERAS_METHODS:
            return Builtin(name, lambda *a, **k: None)
        if name == "layers":
            return self.keras_layers(model)
        if name == "get_layer":
            return self.get_layer(model, node)
        return self.unknown(node, f"the attribute {name!r} of a Sequential model")

    def make_functional(self, args: list[object], kwargs: dict[str, object], node: ast.Call) -> object:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        name = kwargs.get("name")
        if inputs is None and outputs is None:
            return self.unknown(node, "a keras.Model built without inputs and outputs")
        ins, outs = _tensors([inputs]), _tensors([outputs])
        if not outs:
            cause = first_unknown(outputs)
            model = KFunctional(ins, [], node.lineno, name if isinstance(name, str) else None)
            model.outputs = [KTensor(None, None, self._why(cause) if cause else "its outputs are not known tensors",
                                     node.lineno, cause)]
            return model
        return KFunctional(ins, outs, node.lineno, name if isinstance(name, str) else None)

    def functional_attr(self, model: KFunctional, name: str, node: ast.AST) -> object:
        if name in ("input", "inputs"):
            return model.inputs[0] if name == "input" and len(model.inputs) == 1 else list(model.inputs)
        if name in ("output", "outputs"):
            return model.outputs[0] if name == "output" and len(model.outputs) == 1 else list(model.outputs)
        if name == "layers":
            return self.keras_layers(model)
        if name == "get_layer":
            return self.get_layer(model, node)
        if name in IGNORED_KERAS_METHODS:
            return Builtin(name, lambda *a, **k: None)
        return self.unknown(node, f"the attribute {name!r} of a functional model")

    def call_keras_instance(self, obj: KModel, args: list[object], kwargs: dict[str, object],
                            node: ast.Call) -> object:
        """`model(x)` on one of the file's keras.Model / Layer subclasses: follow its `call()`."""
        source = args[0] if args else kwargs.get("inputs")
        if isinstance(source, TensorValue):
            args = [self.from_array(source, node), *args[1:]]
        elif not _tensors([source]):
            return self.unknown(node, "a model's output on real data, which is not computed")
        found, method = obj.cls.find("call") if obj.cls is not None else (False, None)
        if not found or not isinstance(method, Function):
            return self.opaque_application(f"{obj.label} has no call() method to follow", _tensors(args), node)
        obj.built = True
        return self.call_function(method, [obj, *args], kwargs, node)

    def build_keras_instance(self, obj: KModel, shape: object, node: ast.AST) -> None:
        if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape) and shape:
            tensor = KTensor((None, *(d if isinstance(d, int) else None for d in shape[1:])),
                             line=getattr(node, "lineno", None))
            call = node if isinstance(node, ast.Call) else ast.Call(ast.Name("build", ast.Load()), [], [],
                                                                    lineno=obj.line, col_offset=0)
            self.call_keras_instance(obj, [tensor], {}, call)

    # -- specs --------------------------------------------------------------------------------------------------

    def spec_of(self, value: object, name: str) -> ModelSpec:
        if isinstance(value, (TorchModule, TorchContainer, TorchLayer)):
            return self.torch_spec(value, name)
        if isinstance(value, KSequential):
            return self.sequential_spec(value, name)
        if isinstance(value, KFunctional):
            return self.functional_spec(value, name)
        assert isinstance(value, KModel)
        return self.subclass_spec(value, name)

    def torch_spec(self, root: object, name: str) -> ModelSpec:
        layers: list[LayerSpec] = []
        if isinstance(root, TorchLayer):
            layers.append(self.torch_layer_spec(root, None, {}))
            return ModelSpec("pytorch", tuple(layers), self.input_shape, name, self.source)
        walker = _TorchWalk(self)
        walker.walk(root, "")
        if not walker.layers:
            raise _Empty(f"{self.source_name}: {name} has no layers with parameters that rnnparams counts")
        if _flat_sequential(root, walker.layers):  # runs its layers in order: a chain, as the expression `a; b`
            return ModelSpec("pytorch", tuple(walker.layers), self.input_shape, name, self.source)
        return ModelSpec("pytorch", tuple(walker.layers), None, name, self.source, chain=False)

    def torch_layer_spec(self, layer: TorchLayer, path: str | None, tied: dict[str, bool]) -> LayerSpec:
        if layer.status in ("error", "unsupported"):
            assert layer.error is not None
            raise layer.error
        assert layer.spec is not None
        spec = replace(layer.spec, name=path, tied=tuple(t for t, drop in tied.items() if drop))
        trainable = _tensor_names(spec, trainable=True) if layer.grad else []
        for name, value in layer.grad.items():
            if not isinstance(value, bool):
                cause = value if isinstance(value, Unknown) else None
                raise self.unresolved(cause or value, f"the requires_grad of `{path}.{name}`" if path else
                                      f"the requires_grad of `{name}`", _at(getattr(cause, "line", None)) or
                                      _at(layer.line) or ast.Pass(lineno=1, col_offset=0))
            if value is False and name in trainable and name not in spec.tied:
                spec = replace(spec, frozen=(*spec.frozen, name))
            elif value is True and name not in trainable and spec.type == "Embedding":  # from_pretrained(freeze=True)
                spec = replace(spec, config={**spec.config, "_freeze": False})
        return spec

    def sequential_spec(self, model: KSequential, name: str) -> ModelSpec:
        if model.tainted:
            raise self.fail(f"{name}: the layers of this Sequential cannot be known: {model.tainted}", _at(model.line))
        declared = model.input_shape
        if declared is None and model.items and isinstance(model.items[0], KLayer):
            declared = model.items[0].declared_input
        input_shape = self.input_shape if self.input_shape is not None else declared
        layers = [self.usable(item, name) for item in model.items]
        if all(k.status == "layer" or k.base in IDENTITY or k.base == "Dropout" for k in layers):
            specs = tuple(k.spec for k in layers if k.status == "layer" and k.spec is not None)
            if not specs:
                raise self.fail(f"{name} has no layers with weights", _at(model.line))
            return ModelSpec(self.keras_id, specs, input_shape, model.name or name, self.source)
        if input_shape is None:
            raise self.fail(f"{name}: give the input shape (Input(shape=...) first, input_shape= on the first "
                            "layer, or --input-shape T,F) to follow its shapes", _at(model.line))
        shape: Shape | None = (None, *input_shape)
        placed: list[LayerSpec] = []
        for layer in layers:
            if shape is None:
                raise self.fail(f"{name}: the shape after {placed[-1].name if placed else 'the input'} cannot be "
                                f"followed into {layer.name} ({layer.base})", _at(layer.line))
            if layer.status == "free":
                shape = free_output(layer.base, layer.options, [shape])
                continue
            assert layer.spec is not None
            try:
                outputs = plan_outputs(layer_plan(self.keras, layer.spec, shape))
            except RnnParamsError as exc:
                raise exc.at(self.source, layer.line, layer.col) from None
            placed.append(replace(layer.spec, input_shape=shape))
            shape = outputs[0] if len(outputs) == 1 else None
        return ModelSpec(self.keras_id, tuple(placed), input_shape, model.name or name, self.source, chain=False)

    def usable(self, item: object, model_name: str) -> KLayer:
        if isinstance(item, KLayer):
            if item.status in ("error", "unsupported"):
                assert item.error is not None
                raise item.error
            return item
        what = self.type_name(item) if isinstance(item, (KSequential, KFunctional, KModel)) else type(item).__name__
        raise self.fail(f"{model_name}: a {what} inside a Sequential is not followed yet; count it on its own", None)

    def _graph(self, model: KFunctional) -> list[KApp]:
        """Applications between the model's inputs and outputs, in the order they were made."""
        inputs = {id(t) for t in model.inputs}
        seen: dict[int, KApp] = {}
        stack = list(model.outputs)
        while stack:
            tensor = stack.pop()
            app = tensor.producer
            if id(tensor) in inputs or app is None or id(app) in seen:
                continue
            seen[id(app)] = app
            stack.extend(app.inputs)
        return sorted(seen.values(), key=lambda a: (a.line, a.layer.seq if a.layer else 0))

    def functional_spec(self, model: KFunctional, name: str) -> ModelSpec:
        for tensor in model.outputs:
            if tensor.producer is None and tensor.shape is None:
                message = f"{name}: the outputs of this model cannot be followed: {tensor.why}"
                if tensor.cause is not None:
                    message += f". Give it with --set {tensor.cause.text}=VALUE"
                raise self.fail(message, _at(model.line))
        apps = self._graph(model)
        for app in apps:
            if app.error is not None:
                raise app.error
        layers = sorted({id(a.layer): a.layer for a in apps if a.layer is not None}.values(), key=lambda k: k.seq)
        counted = [k for k in layers if k.status == "layer" and k.spec is not None]
        if not counted:
            raise self.fail(f"{name} has no layers with weights", _at(model.line))
        input_shape = model.inputs[0].shape[1:] if len(model.inputs) == 1 and model.inputs[0].shape else None
        chain = self._linear(model, apps)
        if chain:
            specs = tuple(k.spec for k in counted if k.spec is not None)
        else:
            specs = tuple(replace(k.spec, input_shape=k.apps[0].in_shape) for k in counted if k.spec is not None)
        return ModelSpec(self.keras_id, specs, input_shape, model.name or name, self.source, chain=chain)

    def _linear(self, model: KFunctional, apps: list[KApp]) -> bool:
        """A graph that is one chain of layers (Input -> a -> b -> c) is written as a chain."""
        if len(model.inputs) != 1 or len(model.outputs) != 1 or model.inputs[0].shape is None:
            return False
        previous = model.inputs[0]
        for app in apps:
            layer = app.layer
            if layer is None or len(layer.apps) != 1 or len(app.inputs) != 1 or app.inputs[0] is not previous:
                return False
            if layer.status != "layer" and layer.base not in IDENTITY and layer.base != "Dropout":
                return False
            outputs = [t for t in (model.outputs[0],) if t.producer is app]
            following = outputs[0] if outputs else _output_of(app, apps)
            if following is None:
                return False
            previous = following
        return previous is model.outputs[0]

    def subclass_spec(self, model: KModel, name: str) -> ModelSpec:
        if model.error is not None:
            raise model.error
        if not model.built:
            if self.input_shape is None:
                raise self.fail(f"{name} is a subclassed Keras model: its weights exist once it is called on an "
                                "input. Give the input shape with --input-shape T,F (or call "
                                f"{name}.build((None, T, F)) in the file)", _at(model.line))
            call = ast.Call(ast.Name(name, ast.Load()), [], [], lineno=model.line, col_offset=0)
            self.build_keras_instance(model, (None, *self.input_shape), call)
        layers = [k for k in self._tracked(model) if isinstance(k, KLayer)]
        for layer in layers:
            for app in layer.apps:
                if app.error is not None:
                    raise app.error
        used = [k for k in layers if k.apps and k.status == "layer" and k.spec is not None]
        if not used:
            raise self.fail(f"{name} has no layers with weights that its call() uses", _at(model.line))
        specs = tuple(replace(k.spec, input_shape=k.apps[0].in_shape) for k in used if k.spec is not None)
        return ModelSpec(self.keras_id, specs, None, name, self.source, chain=False)

    def _tracked(self, model: KModel) -> list[object]:
        """Layers a Keras model tracks: its attributes in assignment order, into lists, dicts and sublayers."""
        out: list[object] = []
        seen: set[int] = set()

        def visit(value: object) -> None:
            if id(value) in seen:
                return
            seen.add(id(value))
            if isinstance(value, KLayer):
                out.append(value)
            elif isinstance(value, KModel):
                if value.error is not None:
                    raise _ReadError(value.error)
                for item in value.attrs.values():
                    visit(item)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)
            elif isinstance(value, Unknown) and value.module_like:
                raise _ReadError(InputError(f"{self.source_name}: `{value.text}` (line {value.line}): {value.why}",
                                            source=self.source, line=value.line))

        for item in model.attrs.values():
            visit(item)
        return out

    # -- binding layer calls ----------------------------------------------------------------------------------

    def bind(self, fw: FrameworkConvention, base: str, args: list[object], kwargs: dict[str, object],
             node: ast.Call) -> tuple[LayerSpec, Shape | None, ast.Call]:
        """Rebuild the call with resolved values and bind it like an expression (same validation, same
        errors, pointing into the file). Arguments the count does not depend on may stay unresolved."""
        conv = fw.layers[base]
        positional = [p for p in conv.params if p.positional]
        by_name = {p.name: p for p in conv.params}
        plain = not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords)
        arg_nodes: list[ast.AST] = list(node.args) if plain and len(node.args) == len(args) else [node] * len(args)
        kw_nodes: dict[str, ast.AST] = {k.arg: k.value for k in node.keywords if k.arg}
        new_args = [self.argument(value, positional[i] if i < len(positional) else None, None, conv, arg_nodes[i])
                    for i, value in enumerate(args)]
        keywords = [ast.keyword(key, self.argument(value, by_name.get(key), key, conv, kw_nodes.get(key, node)))
                    for key, value in kwargs.items()]
        call = ast.Call(ast.Name(base, ast.Load()), new_args, keywords)
        ast.copy_location(call, node)
        ast.fix_missing_locations(call)
        binder = LayerBinder(fw, self.source)
        spec = binder.layer(call, first=True)
        return spec, binder.input_shape, call

    def argument(self, value: object, param: Param | None, key: str | None, conv: LayerConvention,
                 at: ast.AST) -> ast.expr:
        built = self.value_node(value, at)
        if built is not None:
            return built
        needed = (param is not None and param.kind != ANY and not (param.default is None and value is None)) or (
            key in FIRST_INPUT_KEYS or key in ("name", "trainable"))
        known_key = key is None or param is not None or key in conv.ignored or key in ("name", "trainable")
        if needed and known_key:
            what = f"{conv.type_name}({(param.name if param else key)}=...)"
            raise self.unresolved(value, what, at)
        return ast.copy_location(ast.Constant(describe(at)), at)  # an argument that never changes the count

    def value_node(self, value: object, at: ast.AST) -> ast.expr | None:
        """A resolved value written back as the literal a layer argument would be (checked by the binder)."""
        if isinstance(value, (tuple, list)) and flat_size(value, MAX_ARGUMENT_SIZE) > MAX_ARGUMENT_SIZE:
            raise self.fail(f"`{describe(at)}` is a value of more than {MAX_ARGUMENT_SIZE:,} elements; no layer "
                            "takes an argument that large", at)
        node = self._literal(value)
        if node is not None and not isinstance(value, KLayer):
            ast.copy_location(node, at)
            ast.fix_missing_locations(node)
        return node

    def _literal(self, value: object) -> ast.expr | None:
        if isinstance(value, (bool, int, float, str)) or value is None:
            return ast.Constant(value)
        if isinstance(value, (tuple, list)):
            items = [self._literal(v) for v in value]
            if any(i is None for i in items):
                return None
            return ast.Tuple([i for i in items if i is not None], ast.Load())
        if isinstance(value, KLayer) and isinstance(value.call_node, ast.Call):
            return value.call_node
        if isinstance(value, KLayer) and value.error is not None:
            raise value.error
        return None

    def unresolved(self, value: object, what: str, at: ast.AST) -> InputError:
        cause = first_unknown(value)
        if cause is None and isinstance(value, Ext):
            text = dotted(at) or describe(at)
            return self.fail(f"cannot resolve `{text}` for {what} without running the code: it is `{value.path}`, "
                             f"from an import (other modules are not read). Give its value with --set {text}=VALUE",
                             at)
        if cause is None:
            return self.fail(f"{what}: `{describe(at)}` is {_kind(value)}, not a plain value (a number, string or "
                             "tuple)", at)
        where = f" (line {cause.line})" if cause.line and cause.line != getattr(at, "lineno", None) else ""
        return self.fail(f"cannot resolve `{cause.text}`{where} for {what} without running the code: {cause.why}. "
                         f"Give its value with --set {cause.text}=VALUE", at)

    def _why(self, cause: Unknown | None) -> str:
        if cause is None:
            return "it is not known"
        return f"`{cause.text}` (line {cause.line}) cannot be known without running the code: {cause.why}"

    def assign(self, target: ast.expr, value: object, frame: Frame) -> None:
        if frame.kind == "module" and isinstance(target, ast.Name):
            self.lines.setdefault(target.id, target.lineno)
        super().assign(target, value, frame)


class _Empty(InputError):
    """A model without any layer that holds parameters."""


class _ReadError(Exception):
    """Carries an error out of a deep walk (an unknown module found while collecting layers)."""

    def __init__(self, error: RnnParamsError) -> None:
        self.error = error


class _TorchWalk:
    """`named_parameters()` order: a module's own parameters, then its children depth-first, each module and
    each tensor once (a shared module or a tied weight is counted where it is met first)."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.layers: list[LayerSpec] = []
        self.modules: set[int] = set()
        self.tensors: set[tuple[int, str]] = set()

    def walk(self, module: object, prefix: str) -> None:
        if module is None or id(module) in self.modules:
            return
        self.modules.add(id(module))
        path = prefix[:-1]
        if isinstance(module, BlackBox):
            what = "cannot be known" if module.unknown else "may hold parameters the reader cannot see"
            raise self.reader.fail(f"`{path or module.text}` ({module.text}, line {module.line}) {what}: "
                                   f"{module.why}", _at(module.line))
        if isinstance(module, TorchContainer):
            if module.tainted:
                raise self.reader.fail(f"the contents of `{path}` (nn.{module.kind}, line {module.line}) cannot be "
                                       f"known: {module.tainted}", _at(module.line))
            for key, child in module.children.items():
                self.walk(child, f"{prefix}{key}.")
        elif isinstance(module, TorchModule):
            if module.tainted:
                raise self.reader.fail(f"`{path or module.label}` ({module.label}) cannot be followed: "
                                       f"{module.tainted}", _at(module.line))
            for key, param in module.params.items():
                self.parameter(param, f"{prefix}{key}")
            for key, child in module.modules.items():
                self.walk(child, f"{prefix}{key}.")
        elif isinstance(module, TorchLayer):
            self.layer(module, path)

    def parameter(self, param: object, path: str) -> None:
        if isinstance(param, TensorRef):  # module.weight = other.weight: the same tensor, counted once
            self.tensors.add(param.root().key())
            return
        assert isinstance(param, TorchParam)
        if (id(param), "") in self.tensors:
            return
        self.tensors.add((id(param), ""))
        if param.error is not None:
            raise param.error
        assert param.shape is not None
        if not isinstance(param.requires_grad, bool):  # set from a value the reader does not know
            cause = param.requires_grad if isinstance(param.requires_grad, Unknown) else None
            raise self.reader.unresolved(cause or param.requires_grad, f"the requires_grad of `{path}`",
                                         _at(getattr(cause, "line", None)) or ast.Pass(lineno=param.line, col_offset=0))
        config: dict[str, Value] = {"shape": param.shape, "requires_grad": param.requires_grad}
        if "Parameter" not in FRAMEWORKS["pytorch"].layers:
            raise self.reader.fail(f"{path}: nn.Parameter attributes are not counted by this version", _at(param.line))
        self.layers.append(LayerSpec("Parameter", config, path, param.line, param.col))

    def layer(self, layer: TorchLayer, path: str) -> None:
        if layer.status == "free":
            return
        if layer.status in ("error", "unsupported"):
            assert layer.error is not None
            raise layer.error
        assert layer.spec is not None
        names = _tensor_names(layer.spec)
        tied: dict[str, bool] = {}
        for name in names:
            ref = layer.slots.get(name)
            key = ref.root().key() if ref is not None else (id(layer), name)
            tied[name] = key in self.tensors
            self.tensors.add(key)
        self.layers.append(self.reader.torch_layer_spec(layer, path, tied))


SHAPE_KEEPING = TORCH_FREE - frozenset({
    "Flatten", "Unflatten", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
    "AdaptiveMaxPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "LPPool1d", "ZeroPad1d", "ConstantPad1d",
    "ReflectionPad1d", "ReplicationPad1d", "Upsample", "PixelShuffle", "CosineSimilarity", "PairwiseDistance", "GLU",
}) - {n for n in TORCH_FREE if n.endswith("Loss")}
"""Parameter-free modules that leave their input's shape as it is (activations, dropouts): a chain may skip them."""


def _flat_sequential(root: object, layers: list[LayerSpec]) -> bool:
    """An `nn.Sequential` of plain layers (no nesting, no tied or shared tensors, nothing that reshapes unseen)."""
    if not (isinstance(root, TorchContainer) and root.kind == "Sequential" and not root.tainted):
        return False
    children = list(root.children.values())
    counted = [c for c in children if isinstance(c, TorchLayer) and c.status != "free"]
    return (all(isinstance(c, TorchLayer) and (c.status != "free" or c.base in SHAPE_KEEPING) for c in children)
            and len({id(c) for c in counted}) == len(counted) == len(layers) and not any(s.tied for s in layers))


def _tensor_names(spec: LayerSpec, *, trainable: bool = False) -> list[str]:
    """A PyTorch layer's parameters by name, in `named_parameters()` order (only the trainable ones if asked)."""
    plan = layer_plan(FRAMEWORKS["pytorch"], spec, None)
    return [t.name for t in plan.tensors if not t.buffer and (t.trainable or not trainable)]


def _output_of(app: KApp, apps: list[KApp]) -> KTensor | None:
    for other in apps:
        for tensor in other.inputs:
            if tensor.producer is app:
                return tensor
    return None


def _tensors(values: list[object]) -> list[KTensor]:
    out: list[KTensor] = []
    for value in values:
        if isinstance(value, KTensor):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            out += _tensors(list(value))
        elif isinstance(value, dict):
            out += _tensors(list(value.values()))
    return out


def _data_shape(data: object) -> tuple[int, ...] | None:
    if isinstance(data, (int, float, bool)):
        return ()
    if isinstance(data, (list, tuple)) and data:
        inner = [_data_shape(d) for d in data]
        if all(s is not None and s == inner[0] for s in inner):
            return (len(data), *inner[0])  # type: ignore[misc]
    return None


def _kind(value: object) -> str:
    if isinstance(value, (KLayer, TorchLayer)):
        return f"a layer ({value.base})"
    if isinstance(value, (TensorValue, KTensor)):
        return "a tensor"
    if isinstance(value, dict):
        return "a dict"
    return f"a {type(value).__name__}"


def _at(line: int | None) -> ast.AST | None:
    return None if line is None else ast.Pass(lineno=line, col_offset=0)


__all__ = ["FileModel", "looks_like_code", "parse_overrides", "read_models", "refuse_layer_calls", "select_model",
           "spec_from_code"]
