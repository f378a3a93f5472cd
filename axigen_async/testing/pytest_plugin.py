"""Pytest plugin of axigen-async: the ``fake_axigen`` fixture.

Responsibility: give each test a started ``FakeAxigen`` with no accounts, stopped after it.
Must not: import pytest-asyncio unless it is installed (pytest loads this module, through
the package's ``pytest11`` entry point, in every project that has the package installed,
most of which never asked for pytest-asyncio), add accounts or faults of its own, or import
the client.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ._server import FakeAxigen


def _async_fixture(function: Callable[..., Any]) -> object:
    """Make ``function`` a fixture in the way the installed async plugin runs it."""
    if importlib.util.find_spec("pytest_asyncio") is None:
        # A plain fixture: another async plugin (anyio's) can run it, and with none at all
        # pytest itself fails the test that asks for it, saying async needs a plugin.
        return pytest.fixture(function)
    import pytest_asyncio  # optional: imported only when installed

    # pytest_asyncio.fixture rather than pytest.fixture: in pytest-asyncio's default
    # (strict) mode it runs only the async fixtures it marked itself.
    return pytest_asyncio.fixture(function)


@_async_fixture
async def fake_axigen() -> AsyncIterator[FakeAxigen]:
    """A running fake Axigen server on 127.0.0.1 with no accounts; add what the test needs.

    Async: needs pytest-asyncio (the ``test`` extra) or another plugin that runs async
    fixtures.
    """
    fake = FakeAxigen()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
