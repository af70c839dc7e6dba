"""The package ``src/needsmap`` has no import cycle.

The graph is read from the source with :mod:`ast`, not by importing: an edge A → B for every
``import B`` / ``from B import x`` in A (``from B import m`` where ``B.m`` is a module counts as
A → B.m), at module level and inside functions alike, plus ``importlib.import_module("B")`` with a
literal name. Imports under ``if TYPE_CHECKING:`` are skipped (they never run). An import cycle,
even one that only runs lazily inside a function, is an order-of-import hazard and a sign that two
modules own each other's concepts.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from needsmap.config import PROJECT_ROOT

SRC = PROJECT_ROOT / "src"
PACKAGE = "needsmap"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))
            if "node_modules" not in p.parts}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``module`` imports at run time."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.orelse:  # the body never runs; an else branch does
                visit(stmt)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".") if is_package else module.split(".")[:-1]
                pkg = pkg[:len(pkg) - (node.level - 1)]
                base = ".".join([*pkg, base] if base else pkg)
            for alias in node.names:  # ``from B import m``: B.m when that is a module, else B
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found & modules - {module}


def import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports (names as ``needsmap.data.loaders``)."""
    mods = _modules()
    return {name: _imports(ast.parse(path.read_text(encoding="utf-8"), str(path)), name,
                           path.name == "__init__.py", set(mods))
            for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) per strongly connected component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    sccs: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan; the graph is small, recursion is fine
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return [_one_cycle(graph, set(comp), comp[0]) for comp in sccs]


def _one_cycle(graph: dict[str, set[str]], comp: set[str], start: str) -> list[str]:
    """A shortest path start → … → start inside ``comp`` (breadth first)."""
    prev: dict[str, str] = {}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & comp):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, v, start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover (comp is strongly connected)


def test_graph_reads_the_whole_package() -> None:
    graph = import_graph()
    assert "needsmap.data.loaders" in graph and "needsmap.analysis.profile" in graph
    # a known edge, so an empty graph cannot pass the cycle test
    assert "needsmap.data.catalog" in graph["needsmap.data.loaders"]


def test_function_level_and_importlib_imports_count() -> None:
    code = ("from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    import needsmap.b\n"
            "def f():\n    import needsmap.c\n    importlib.import_module('needsmap.d')\n"
            "from needsmap import e\n")
    mods = {"needsmap", "needsmap.a", "needsmap.b", "needsmap.c", "needsmap.d", "needsmap.e"}
    assert _imports(ast.parse(code), "needsmap.a", False, mods) == {"needsmap.c", "needsmap.d", "needsmap.e"}


def test_cycle_finder_names_the_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    cycles = _cycles(import_graph())
    assert cycles == [], "import cycles in src/needsmap:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_every_module_imports_first() -> None:
    """Each module imports in a fresh ``needsmap`` (others not yet loaded): no partial-import error.

    Catches what the static graph cannot see: a module that needs a package whose ``__init__``
    comes back to it half-initialised. Third-party packages stay loaded between modules, so one
    interpreter checks them all quickly.
    """
    # Alembic's env.py runs only inside Alembic (it reads alembic.context.config)
    names = [n for n in _modules() if not n.endswith("__main__") and n != "needsmap.store.migrations.env"]
    code = (
        "import importlib, sys\n"
        f"failed = []\nfor name in {names!r}:\n"
        "    for m in [m for m in sys.modules if m == 'needsmap' or m.startswith('needsmap.')]:\n"
        "        del sys.modules[m]\n"
        "    try:\n        importlib.import_module(name)\n"
        "    except Exception as exc:\n        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600,
                         check=True)
    assert out.stdout.strip() == "", out.stdout
