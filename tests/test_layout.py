"""The layout shows the spine and keeps it: no import cycles (function-level imports counted),
each package imports only what its docstring says it may, the domain never imports
presentation, and every function fits on a screen.

Imports are read from the source with `ast` (every `import` and `from ... import`, at any depth,
so a lazy import inside a function is an edge like any other).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "estimator"
MAX_FUNCTION_LINES = 60
SPINE = {"errors", "clock", "defaults", "pricing", "workload", "strategies", "documents"} | {
    "scenario",
    "costing",
}
# the modules at the top of estimator/ and what each may import (packages name their own rules
# in their docstrings: "May import: ...")
TOP_LEVEL = {
    "errors": set(),
    "clock": {"errors"},
    "defaults": {"links"},
    "links": set(),
    "outputs": {"errors", "pricing"},
    "pipeline": SPINE | {"estimator", "decision"},
    "api": SPINE | {"decision", "pipeline", "gate", "logs", "renderers", "outputs", "pilot"},
    "cli": {"estimator", "errors", "links", "pricing", "renderers"},
    "__main__": {"cli"},
    "schemas": {"documents", "scenario"},
    "estimator": set(),  # the package's own __init__: lazy names only
}
DOMAIN = (
    "pricing",
    "workload",
    "strategies",
    "documents",
    "scenario",
    "costing",
    "decision",
    "gate",
    "logs",
    "pipeline",
)
PRESENTATION = ("renderers", "commands", "cli", "api")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def unit(module: str) -> str:
    """The package (or top-level module) a module belongs to: its layout unit."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "estimator"


def imported(path: Path) -> set[str]:
    """Every estimator module `path` imports, at any depth (`from a import b` counts a.b when
    b is a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] == "estimator" and name in MODULES:
                found.add(name)
    return found


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imported(path) for name, path in MODULES.items()}


def units_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for source, targets in GRAPH.items():
        for target in targets:
            if unit(source) != unit(target):
                edges[unit(source)].add(unit(target))
    return edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), and self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def allowed(name: str) -> set[str]:
    """What a layout unit may import: its docstring's "May import:" line, or TOP_LEVEL."""
    if name in TOP_LEVEL:
        return TOP_LEVEL[name] | {"estimator"}
    doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text())) or ""
    match = re.search(r"May import:(.*?)\.\s*(?:\n\n|$)", doc, re.S)
    assert match, f"estimator/{name}/__init__.py: its docstring must say what it may import"
    listed = re.sub(r"\([^)]*\)", "", match.group(1))  # a parenthesis says why, not what
    # everything may read the package's own __init__ (the version string)
    return {part.strip() for part in listed.split(",") if part.strip()} | {"estimator"}


def test_the_graph_sees_function_level_imports() -> None:
    # commands import the library inside their handlers (for a fast --help): those count
    assert "estimator.api" in GRAPH["estimator.commands.estimate"]
    assert "estimator.renderers.registry" in GRAPH["estimator.cli"]


def test_no_module_imports_itself_back() -> None:
    assert cycles(GRAPH) == []


def test_no_package_imports_itself_back() -> None:
    assert cycles(units_graph()) == []


def test_each_package_imports_only_what_its_docstring_allows() -> None:
    wrong = {}
    for source, targets in sorted(units_graph().items()):
        extra = targets - allowed(source) - {source}
        if extra:
            wrong[source] = sorted(extra)
    assert wrong == {}


def test_every_package_says_what_it_may_import() -> None:
    for package in sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")):
        assert allowed(package) is not None


def test_the_domain_never_imports_presentation() -> None:
    graph = units_graph()
    leaks = {d: sorted(graph.get(d, set()) & set(PRESENTATION)) for d in DOMAIN}
    assert {d: found for d, found in leaks.items() if found} == {}


def test_every_function_fits_on_a_screen() -> None:
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1 if node.end_lineno else 0
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({lines})")
    assert long == []
