"""The layering rules (DESIGN.md §3, docs/architecture.md): imports flow inputs → spec → conventions → analysis →
render → cli/web and never back up, no two modules import each other (even lazily), counting imports nothing
heavy, and outside conventions/ no code tests a framework id or a layer family by name. Each check has a
self-test that shows it can fail."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import rnnparams
from rnnparams.conventions import REGISTRY
from rnnparams.conventions.families import FAMILIES

SRC = Path(rnnparams.__file__).parent
HEAVY = ("torch", "numpy", "keras", "rich", "fastapi", "pydantic", "yaml", "dataclasses", "typing", "json")


def test_count_path_imports_nothing_heavy() -> None:
    code = ("import sys; import rnnparams; from rnnparams.cli import main; "
            "main(['count', '--json', 'nn.LSTM(100, 256)']); "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_counting_an_expression_loads_no_reader_and_no_estimate() -> None:
    """`count "nn.LSTM(100, 256)"` needs the expression parser and the count: not the code reader, the
    checkpoint readers, the spec-file loader or the resource models."""
    code = ("import sys; from rnnparams.cli import main; main(['count', '--json', 'nn.LSTM(100, 256)']); "
            "print(sorted(m for m in sys.modules if m.startswith(('rnnparams.inputs.', 'rnnparams.analysis.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    loaded = eval(out.stdout.strip().splitlines()[-1])  # a list of module names this test printed itself
    assert loaded == ["rnnparams.analysis.count", "rnnparams.analysis.report", "rnnparams.inputs.expression",
                      "rnnparams.inputs.literals"], loaded


# --- the modules' imports ---------------------------------------------------------------------------------

RANK = {"errors": 0, "symbolic": 0, "_record": 0, "spec": 1, "conventions": 2, "inputs": 3, "analysis": 4,
        "render": 5, "api": 6, "cli": 7, "web": 7, "__main__": 8, "__init__": 8}


def _rank(parts: tuple[str, ...]) -> int:
    return RANK.get(parts[0], 8) if parts else 8


def _module(root: Path, path: Path) -> tuple[str, ...]:
    parts = path.relative_to(root).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts


def imports(root: Path) -> Iterator[tuple[tuple[str, ...], tuple[str, ...], bool]]:
    """(importing module, imported module, at run time) for every import of the package's own modules, relative
    (`from ..render import table`) or absolute (`from rnnparams.render import table`); imports under
    `if TYPE_CHECKING:` only type-check, so they are not run-time imports."""
    modules = {_module(root, p) for p in root.rglob("*.py")}
    for path in sorted(root.rglob("*.py")):
        here = _module(root, path)
        package = here if path.name == "__init__.py" and here != ("__init__",) else here[:-1]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING" for n in ast.walk(node)}
        for node in ast.walk(tree):
            targets: list[tuple[str, ...]] = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - (node.level - 1)] if node.level - 1 <= len(package) else ()
                target = (*base, *(node.module or "").split(".")) if node.module else base
                target = tuple(p for p in target if p)
                targets = [target, *((*target, a.name) for a in node.names)]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == root.name:
                target = tuple(node.module.split(".")[1:])  # type: ignore[union-attr]
                targets = [target, *((*target, a.name) for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [tuple(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == root.name]
            for target in targets:  # what names a module (not a name defined in one: `from . import __version__`)
                if target and target != here and target in modules:
                    yield here, target, id(node) not in typing_only


def violations(root: Path) -> list[str]:
    """Imports against the flow inputs → spec → conventions → analysis → render → cli/web."""
    found = []
    for here, target, _ in imports(root):
        if target[0] != here[0] and _rank(target) > _rank(here):
            found.append(f"{'/'.join(here)} imports {'.'.join(target)}")
    return sorted(set(found))


def circles(root: Path) -> list[list[str]]:
    """Groups of modules that import one another at run time, directly or around a loop (function-level
    imports included: a lazy import still ties the two modules together)."""
    modules = {_module(root, p) for p in root.rglob("*.py")}
    edges: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in modules}
    for here, target, runtime in imports(root):
        if runtime and target in modules:
            edges[here].add(target)
    index: dict[tuple[str, ...], int] = {}
    low: dict[tuple[str, ...], int] = {}
    stack: list[tuple[str, ...]] = []
    found: list[list[str]] = []

    def visit(v: tuple[str, ...]) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(".".join(w))
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return found


def test_layering() -> None:
    assert violations(SRC) == []


def test_no_import_circles() -> None:
    assert circles(SRC) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "rnnparams"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_layering_check_can_fail(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"conventions/bad.py": "from ..render import table\n", "render/__init__.py": "",
                            "render/table.py": "", "analysis/count.py": "", "analysis/__init__.py": "",
                            "spec.py": "def f():\n    from rnnparams.analysis import count\n"})
    assert violations(root) == ["conventions/bad imports render", "conventions/bad imports render.table",
                                "spec imports analysis", "spec imports analysis.count"]


def test_circle_check_can_fail(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"analysis/a.py": "from . import b\n", "analysis/b.py": "def f():\n    from .a import x\n",
                            "analysis/c.py": "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from .a import x\n",
                            "analysis/d.py": "from .c import y\n"})
    assert circles(root) == [["analysis.a", "analysis.b"]]


# --- what no module outside conventions/ may test ---------------------------------------------------------------

NAMES = frozenset(REGISTRY) | frozenset(FAMILIES) - {"embedding"}
"""Framework ids and family keys ("embedding" is also a tensor role, and roles are the data every analysis
reads, so it is not a name here)."""


def named_tests(root: Path, names: frozenset[str]) -> list[str]:
    """Comparisons with a framework id or a family key (`x == "pytorch"`, `kind in ("lstm", "gru")`) and tuples,
    lists or sets of two or more of them, in every module outside conventions/: what a layer or a framework
    is and can do belongs to its convention."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("conventions/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                named = [o.value for o in operands if isinstance(o, ast.Constant) and o.value in names]
                for o in operands:
                    if isinstance(o, (ast.Tuple, ast.List, ast.Set)):
                        named += [e.value for e in o.elts if isinstance(e, ast.Constant) and e.value in names]
                if named:
                    found.append(f"{rel}:{node.lineno} compares with {named[0]!r}")
            elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                named = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in names]
                if len(named) >= 2:
                    found.append(f"{rel}:{node.lineno} lists {named}")
    return sorted(set(found))


def test_no_framework_id_or_family_tested_outside_conventions() -> None:
    assert named_tests(SRC, NAMES) == []


def test_named_test_check_can_fail(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"analysis/x.py": "def f(fw, k):\n    return fw == 'pytorch' or k in ('lstm',)\n",
                            "api.py": "IDS = ('keras', 'keras2')\n",
                            "conventions/ok.py": "IDS = ('keras', 'keras2')\n"})
    assert named_tests(root, NAMES) == ["analysis/x.py:2 compares with 'lstm'", "analysis/x.py:2 compares with "
                                        "'pytorch'", "api.py:1 lists ['keras', 'keras2']"]
