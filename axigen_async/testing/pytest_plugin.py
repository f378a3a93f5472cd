"""Pytest plugin of axigen-async: the ``fake_axigen`` fixture.

Responsibility: give each test a started ``FakeAxigen`` with no accounts, stopped after it.
Must not: add accounts or faults of its own, or import the client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from ._server import FakeAxigen


@pytest_asyncio.fixture
async def fake_axigen() -> AsyncIterator[FakeAxigen]:
    """A running fake Axigen server on 127.0.0.1 with no accounts; add what the test needs."""
    fake = FakeAxigen()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
