"""Every Python example of README.rst and docs/ runs against the fake server and type-checks.

The convention the examples follow (docs/development.rst says it to writers):

* Python goes in ``.. code-block:: python`` blocks, each a complete module with its imports.
  A plain ``::`` literal block that looks like Python fails this suite.
* ``https://mail.example.com`` stands for the server: it is replaced by the fake's URL.
  The fake holds the accounts the examples use: ``user@example.com``, ``jane@example.com``
  and ``user1@example.com`` to ``user100@example.com``, each with the password ``secret``.
* A block either runs as a script (``asyncio.run(main())`` at its end: it is run in a
  worker thread, its own event loop beside the fake's) or defines ``async def test_...``
  functions, awaited here with the ``fake_axigen`` fixture when they ask for it.
* Every block passes ``mypy --strict``.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import inspect
import os
import re
import runpy
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from axigen_async.testing import FakeAxigen

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.rst", *sorted((ROOT / "docs").glob("*.rst"))]
PLACEHOLDER_URL = "https://mail.example.com"
PASSWORD = "secret"
SEEDED = ["user@example.com", "jane@example.com"] + [f"user{n}@example.com" for n in range(1, 101)]
#: The longest a subprocess (pytest, mypy) of these tests may run.
WAIT = 300.0

_DIRECTIVE = re.compile(
    r"^(?P<indent>\s*)\.\. (?:code-block|code|sourcecode)::\s*(?P<lang>\S*)\s*$"
)


@attrs.frozen
class Block:
    """One literal block of a document: its first line's number, language, dedented text."""

    document: Path
    line: int
    language: str  # "" for a plain ``::`` block
    source: str

    @property
    def name(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"

    @property
    def module(self) -> str:
        stem = re.sub(r"\W", "_", str(self.document.relative_to(ROOT).with_suffix("")))
        return f"example_{stem}_{self.line}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body(lines: list[str], start: int, owner_indent: int) -> tuple[str, int, int]:
    """The lines from ``start`` on indented deeper than ``owner_indent``.

    Returns the dedented text, the index of its first line, and the index past its end.
    """
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > owner_indent):
        end += 1
    while start < end and not lines[start].strip():
        start += 1
    body = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
    return body + "\n", start, end


def blocks(document: Path) -> Iterator[Block]:
    """Every literal block of ``document``: directive blocks and plain ``::`` blocks."""
    lines = document.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _DIRECTIVE.match(line)
        if match is not None:
            start = index + 1
            while start < len(lines) and re.match(r"^\s+:[\w-]+:", lines[start]):
                start += 1  # directive options such as :caption:
            source, first, end = _body(lines, start, len(match["indent"]))
            yield Block(document, first + 1, match["lang"], source)
            index = end
        elif line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            source, first, end = _body(lines, index + 1, _indent(line))
            if source.strip():
                yield Block(document, first + 1, "", source)
            index = max(end, index + 1)
        else:
            index += 1


ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks(document)]
PYTHON = [block for block in ALL_BLOCKS if block.language == "python"]


def _looks_like_python(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return bool(re.search(r"^\s*(import |from \S+ import |async def |def )", source, re.M))


def test_the_documents_have_python_examples() -> None:
    assert {block.document.name for block in PYTHON} >= {"README.rst", "getting-started.rst"}


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda block: block.name)
def test_python_is_marked_as_python(block: Block) -> None:
    if block.language not in ("python", "toml", "json", "console", "text", "csv", "ini"):
        pytest.fail(f"{block.name}: say which language the block is in (a known one)")
    if block.language != "python":
        assert not _looks_like_python(block.source), (
            f"{block.name} is Python: mark it `.. code-block:: python` so it is run and checked"
        )


def _seed(fake: FakeAxigen) -> None:
    for email in SEEDED:
        fake.add_account(email, PASSWORD)


def _test_functions(namespace: dict[str, object]) -> list[tuple[str, object]]:
    return [
        (name, value)
        for name, value in namespace.items()
        if name.startswith("test_") and inspect.iscoroutinefunction(value)
    ]


@pytest.mark.parametrize("block", PYTHON, ids=lambda block: block.name)
async def test_the_example_runs_against_the_fake(
    block: Block, fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    _seed(fake_axigen)
    before = sum(fake_axigen.route_counts.values())
    path = tmp_path / f"{block.module}.py"
    path.write_text(block.source.replace(PLACEHOLDER_URL, fake_axigen.url), encoding="utf-8")
    # The script runs in a worker thread: its asyncio.run gets an event loop of its own
    # while this test's loop goes on serving the fake.
    namespace = await asyncio.to_thread(runpy.run_path, str(path), run_name="__main__")
    tests = _test_functions(namespace)
    for _, function in tests:
        assert callable(function)
        parameters = inspect.signature(function).parameters
        assert set(parameters) <= {"fake_axigen"}, f"{block.name}: unknown fixture"
        await function(*([fake_axigen] if parameters else []))
    if PLACEHOLDER_URL in block.source:
        # It talked to the server it names: a script that did nothing would fail here.
        assert sum(fake_axigen.route_counts.values()) > before
    else:
        assert tests or "asyncio.run(" in block.source, f"{block.name}: runs nothing"


def _readme_block(language: str, needle: str) -> Block:
    found = [
        block
        for block in ALL_BLOCKS
        if block.document.name == "README.rst"
        and block.language == language
        and needle in block.source
    ]
    assert len(found) == 1, f"README.rst: one {language} block with {needle!r}"
    return found[0]


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    return subprocess.run(  # noqa: S603 - this interpreter, our own files
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=WAIT, check=False
    )


def test_the_readme_test_passes_in_a_fresh_project_configured_as_it_says(tmp_path: Path) -> None:
    config = _readme_block("toml", "asyncio_mode")
    example = _readme_block("python", "fake_axigen")
    assert tomllib.loads(config.source)["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"
    (tmp_path / "pyproject.toml").write_text(config.source, encoding="utf-8")
    (tmp_path / "test_example.py").write_text(example.source, encoding="utf-8")
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def _mypy_required() -> bool:
    return os.environ.get("AXIGEN_DOCS_MYPY") == "required"


def test_every_example_passes_mypy_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        if _mypy_required():
            pytest.fail("AXIGEN_DOCS_MYPY=required, but mypy is not installed")
        pytest.skip("mypy is not installed (the lint extra); CI installs it and runs this")
    for block in PYTHON:
        (tmp_path / f"{block.module}.py").write_text(block.source, encoding="utf-8")
    # Its own cache, kept between runs: the package and aiohttp are checked once.
    cache = ROOT / ".mypy_cache" / "docs-examples"
    command = [
        sys.executable, "-m", "mypy", "--strict", "--warn-unreachable",
        "--python-version", "3.11", "--cache-dir", str(cache), "--no-error-summary",
        *sorted(path.name for path in tmp_path.glob("example_*.py")),
    ]  # fmt: skip
    result = _run(command, tmp_path)
    where = {f"{block.module}.py": block for block in PYTHON}

    def in_document(match: re.Match[str]) -> str:
        block = where[match[1]]
        return f"{block.document.relative_to(ROOT)}:{block.line + int(match[2]) - 1}"

    report = re.sub(r"^(example_\w+\.py):(\d+)", in_document, result.stdout, flags=re.M)
    assert result.returncode == 0, report + result.stderr
