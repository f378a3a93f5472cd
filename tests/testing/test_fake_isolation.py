"""The fake server never imports the client: a client bug cannot be mirrored by the fake."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import axigen_async.testing

TESTING_DIR = Path(axigen_async.testing.__file__).parent
MODULES = sorted(TESTING_DIR.glob("*.py"))


def _imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:
                names.append("axigen_async.testing." + (node.module or ""))
            elif node.level > 1:
                names.append("axigen_async" + "." * 0 + (node.module or ""))
            else:
                names.append(node.module or "")
    return names


@pytest.mark.parametrize("path", MODULES, ids=[path.name for path in MODULES])
def test_testing_module_imports_nothing_from_the_client(path: Path) -> None:
    for name in _imported_modules(path):
        if name == "axigen_async" or name.startswith("axigen_async."):
            assert name.startswith("axigen_async.testing"), f"{path.name} imports {name}"


def test_public_names_sorted_and_exported() -> None:
    names = axigen_async.testing.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(axigen_async.testing, name).__name__ == name
