"""The package's shape: import layers without cycles, no ``exec``, short modules.

Every module of ``axigen_async`` is parsed with ``ast`` (imports inside functions
count; those under ``if TYPE_CHECKING:`` do not, since they never run). The
imports between package modules form a graph that must have no cycle, and whose
arrows only point down the layers (issue 13):

0. values and pure helpers: ``exceptions``, ``models.*``, ``_auth``, ``_wire``,
   ``_redact``, ``_policy``, ``_outcomes``, ``_codec``, ``_version``;
1. the request path: ``_session``, ``_pool``, ``_chain``, ``_on_failure``, ``_client``;
2. ``api.*``, ``bulk``, ``_bulk*`` and the package's ``__init__`` (it re-exports);
3. ``cli.*``.

``testing.*`` (the fake server) imports nothing of the client; only ``cli.*``
may import it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import axigen_async

PACKAGE = "axigen_async"
ROOT = Path(axigen_async.__file__).resolve().parent
LONGEST_MODULE = 400

_LAYER_0 = {"exceptions", "_auth", "_wire", "_redact", "_policy", "_outcomes", "_codec", "_version"}
_LAYER_1 = {"_session", "_pool", "_chain", "_on_failure", "_client"}
_TESTING = "testing"
#: The fake server's two modules still over the line limit (its session store is the
#: natural next split). Strict: once a module is short, its entry here fails and must go.
_KNOWN_LONG = {"testing/_handlers.py", "testing/_server.py"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


MODULES: dict[str, Path] = {
    _module_name(path): path
    for path in sorted(ROOT.rglob("*.py"))
    if "__pycache__" not in path.parts
}
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def layer(module: str) -> int | str | None:
    """The layer of a package module: a number, ``"testing"``, or None (unclassified)."""
    parts = module.split(".")[1:]
    if not parts:
        return 2  # the package's __init__ re-exports the public API
    head = parts[0]
    if head == _TESTING:
        return _TESTING
    if head == "cli":
        return 3
    if head == "models" or (len(parts) == 1 and head in _LAYER_0):
        return 0
    if len(parts) == 1 and head in _LAYER_1:
        return 1
    if head == "api" or (len(parts) == 1 and (head == "bulk" or head.startswith("_bulk"))):
        return 2
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, level: int, target: str | None) -> str:
    """The absolute name of a (possibly relative) ``from ... import``'s module."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if module not in PACKAGES:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(module: str) -> set[str]:
    """The package modules ``module`` imports at run time."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node.level, node.module)
            for alias in node.names:
                # `from pkg import name`: the submodule when there is one, else pkg itself.
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def _find_cycle() -> list[str] | None:
    """One import cycle of the graph (as a path back to its start), or None."""
    done: set[str] = set()
    for start in sorted(GRAPH):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(GRAPH[start])))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(GRAPH[child]))))
                path.append(child)
                on_path.add(child)
    return None


def test_the_graph_sees_the_known_imports() -> None:
    # The parser itself must work: a few edges that exist, one that must not.
    assert f"{PACKAGE}._session" in GRAPH[f"{PACKAGE}._chain"]
    assert f"{PACKAGE}.exceptions" in GRAPH[f"{PACKAGE}._pool"]
    assert f"{PACKAGE}._client" not in GRAPH[f"{PACKAGE}._session"]  # TYPE_CHECKING only


def test_every_module_is_classified() -> None:
    unclassified = sorted(module for module in MODULES if layer(module) is None)
    assert unclassified == [], f"give these modules a layer: {unclassified}"


def test_there_is_no_import_cycle() -> None:
    cycle = _find_cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_imports_only_point_down_the_layers() -> None:
    wrong = []
    for module, imported in sorted(GRAPH.items()):
        own = layer(module)
        for target in sorted(imported):
            theirs = layer(target)
            if own is None or theirs is None:
                continue  # named by test_every_module_is_classified
            if own == _TESTING or theirs == _TESTING:
                allowed = theirs == _TESTING and own in (_TESTING, 3)
            else:
                assert isinstance(own, int)
                assert isinstance(theirs, int)
                allowed = theirs <= own
            if not allowed:
                wrong.append(f"{module} (layer {own}) imports {target} (layer {theirs})")
    assert wrong == []


def _calls_exec(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "exec":
                return True
    return False


def test_no_module_runs_exec() -> None:
    assert sorted(name for name, path in MODULES.items() if _calls_exec(path)) == []
    assert not any("exec(" in path.read_text(encoding="utf-8") for path in MODULES.values())


def test_there_is_no_watchdog_module() -> None:
    assert sorted(ROOT.rglob("_watchdog.py")) == []


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param(
            _relative(path),
            marks=pytest.mark.xfail(strict=True, reason="over the limit, still to be split")
            if _relative(path) in _KNOWN_LONG
            else (),
        )
        for path in MODULES.values()
    ],
)
def test_no_module_is_over_the_line_limit(relative: str) -> None:
    with (ROOT / relative).open(encoding="utf-8") as file:
        lines = sum(1 for _ in file)
    assert lines <= LONGEST_MODULE, f"{relative} has {lines} lines"


def test_the_rules_catch_what_they_forbid() -> None:
    # The classification itself: examples of each layer and of the renamed modules.
    assert layer(f"{PACKAGE}._bulk_results") == 2
    assert layer(f"{PACKAGE}.cli._queue_worker") == 3
    assert layer(f"{PACKAGE}.models.account") == 0
    assert layer(f"{PACKAGE}.testing._server") == _TESTING
    assert layer(f"{PACKAGE}._mystery") is None


#: Private reads of another object that are its own module's business: the
#: session module's accessor handing the chain the state behind a session.
_OWN_MODULE_ACCESS = {("_session.py", "session._state")}


def _private_reads(path: Path) -> Iterator[str]:
    """``x._name`` reads where ``x`` is neither ``self``/``cls`` nor an imported module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") or node.attr.endswith("_"):
            continue  # dunders, and enum's own _name_/_value_ (sunder: public API)
        owner = node.value
        if isinstance(owner, ast.Name) and (owner.id in ("self", "cls") or owner.id in imported):
            continue
        yield ast.unparse(node)


def test_no_module_reaches_into_another_object_s_private_members() -> None:
    # Issue 13: the chain once read and wrote the session's and the client's privates.
    found = sorted(
        (_relative(path), read)
        for path in MODULES.values()
        for read in _private_reads(path)
        if (_relative(path), read) not in _OWN_MODULE_ACCESS
    )
    assert found == []
