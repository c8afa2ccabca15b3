"""The code reader's shape (issue #16, point 3): small modules, one adapter per framework that knows nothing
of the other frameworks, no framework id written into the reader (they come from the conventions), and
counting an expression never imports the reader. Each check is shown to fail on a file made to break it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from rnnparams.conventions import REGISTRY

CODE = Path(__file__).resolve().parents[3] / "src" / "rnnparams" / "inputs" / "code"
MAX_LINES = 800


def long_modules(root: Path, limit: int = MAX_LINES) -> list[str]:
    """Modules under `root` of more than `limit` lines."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                  if len(p.read_text(encoding="utf-8").splitlines()) > limit)


def framework_literals(path: Path) -> set[str]:
    """String literals of a module that are a framework id (`"keras2"`): a framework named in the reader
    instead of found through the conventions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in REGISTRY}


def identifiers(path: Path) -> set[str]:
    """Every name a module uses or defines: names, attributes, definitions, arguments, imports."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.arg, ast.keyword)) and node.arg:
            out.add(node.arg)
        elif isinstance(node, ast.alias):
            out.update({*node.name.split("."), node.asname or ""} - {""})
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.update(node.module.split("."))
    return out


def defined(paths: list[Path]) -> set[str]:
    """The top-level names the modules define (their classes, functions, constants)."""
    out: set[str] = set()
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(node.name)
            elif isinstance(node, ast.Assign):
                out.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                out.add(node.target.id)
    return out


def foreign_names(module: Path, own: list[Path], other: list[Path], words: tuple[str, ...]) -> set[str]:
    """The names in `module` that belong to the other framework: defined by its adapter's modules (and not by
    this one's), or spelling it (`keras`, `KerasAdapter`, `tensorflow`)."""
    theirs = defined(other) - defined(own)
    return {n for n in identifiers(module) if n in theirs or any(w in n.lower() for w in words)}


def adapter_modules(framework: str, root: Path = CODE) -> list[Path]:
    return sorted((root / "adapters").glob(f"{framework}*.py"))


TORCH_WORDS = ("torch",)
KERAS_WORDS = ("keras", "tensorflow")


def test_every_module_of_the_code_reader_is_small() -> None:
    assert sorted(p.name for p in CODE.rglob("*.py"))  # the package is where this test looks
    assert long_modules(CODE) == []


def test_the_torch_adapter_has_no_keras_names() -> None:
    torch, keras = adapter_modules("torch"), adapter_modules("keras")
    assert torch and keras
    for module in torch:
        assert foreign_names(module, torch, keras, KERAS_WORDS) == set(), module.name


def test_the_keras_adapter_has_no_torch_names() -> None:
    torch, keras = adapter_modules("torch"), adapter_modules("keras")
    for module in keras:
        assert foreign_names(module, keras, torch, TORCH_WORDS) == set(), module.name


def test_no_framework_id_is_written_into_the_code_reader() -> None:
    found = {str(p.relative_to(CODE)): framework_literals(p) for p in CODE.rglob("*.py")}
    assert {name: ids for name, ids in found.items() if ids} == {}


def test_counting_an_expression_imports_nothing_of_the_code_reader() -> None:
    code = ("import sys; from rnnparams.cli import main; main(['count', {model!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith('rnnparams.inputs.code')))")
    one_line = subprocess.run([sys.executable, "-c", code.format(model="nn.LSTM(100, 256)")], capture_output=True,
                              text=True, timeout=60)
    assert one_line.stdout.strip().splitlines()[-1] == "[]"
    chain = subprocess.run([sys.executable, "-c", code.format(model="nn.Embedding(10, 4)\nnn.LSTM(4, 8)")],
                           capture_output=True, text=True, timeout=60)
    # several lines are parsed once to tell code from a chain of layers: the reader itself stays unread
    assert chain.stdout.strip().splitlines()[-1] == "['rnnparams.inputs.code', 'rnnparams.inputs.code.detect']"


# --- each check can fail ---------------------------------------------------------------------------------------

def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    (tmp_path / "adapters").mkdir()
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "small.py").write_text("x = 1\n" * MAX_LINES)
    assert long_modules(tmp_path) == ["big.py"]

    reader = tmp_path / "reader.py"
    reader.write_text('def fw(framework):\n    return "keras2" if framework == "pytorch" else "keras:"\n')
    assert framework_literals(reader) == {"keras2", "pytorch"}

    torch = tmp_path / "adapters" / "torch.py"
    keras = tmp_path / "adapters" / "keras_objects.py"
    keras.write_text("class KLayer:\n    pass\n\n\nADAPTER = None\n")
    torch.write_text("from .keras_objects import KLayer\n\n\ndef f(x):\n    return isinstance(x, KLayer)\n\n\n"
                     "ADAPTER = None\n")
    mine, theirs = adapter_modules("torch", tmp_path), adapter_modules("keras", tmp_path)
    assert mine == [torch] and theirs == [keras]
    assert foreign_names(torch, mine, theirs, KERAS_WORDS) == {"KLayer", "keras_objects"}
    torch.write_text("def f(tf_keras_model):\n    return tf_keras_model\n")
    assert foreign_names(torch, mine, theirs, KERAS_WORDS) == {"tf_keras_model"}
    keras.write_text("import torch.nn as nn\n")
    assert foreign_names(keras, theirs, mine, TORCH_WORDS) == {"torch"}
