"""The package's layout: modules import each other without circles."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SIM = Path(__file__).resolve().parent.parent / "sim"


def _module(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = SIM.parent / name.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def import_graph() -> nx.DiGraph:
    """Which module of `sim` imports which, at any depth (imports for type checking aside)."""
    graph = nx.DiGraph()
    for path in SIM.rglob("*.py"):
        here = _module(path)
        graph.add_node(here)
        tree = ast.parse(path.read_text())
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from sim import x` imports the module sim.x, not the package's own names.
                names = [f"{node.module}.{a.name}" for a in node.names]
                if node.module != "sim":
                    names.append(node.module)
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("sim") and name != here and _is_module(name):
                    graph.add_edge(here, name)
    return graph


def test_the_import_graph_is_read():
    """The graph knows the package's main modules and their plain dependencies."""
    graph = import_graph()
    assert {"sim.model", "sim.runner", "sim.cli", "sim.schema"} <= set(graph)
    assert graph.has_edge("sim.runner", "sim.model")


def test_no_module_imports_itself_through_others():
    """No import circles: each module can be read and tested below the ones that use it."""
    cycles = [" -> ".join(c) for c in nx.simple_cycles(import_graph())]
    assert not cycles
