"""The command-line package's modules import each other without a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import axigen_async.cli

PACKAGE = "axigen_async.cli"


def _imports() -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (anywhere in it, lazily or not)."""
    folder = Path(axigen_async.cli.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        name = PACKAGE if path.stem == "__init__" else f"{PACKAGE}.{path.stem}"
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {module for module in found if module.startswith(f"{PACKAGE}.")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of modules, or None (depth-first, white/grey/black)."""
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "grey"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "grey":
                return [*path[path.index(target) :], target] if target in path else [target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[module] = "black"
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module, [module])):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}

    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_cli_module_imports_itself_back() -> None:
    graph = _imports()

    assert f"{PACKAGE}._commands" in graph
    assert _cycle(graph) is None
