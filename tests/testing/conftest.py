"""Fixtures for the fake-server wire tests: a fake clock, an HTTP session, a Wire helper."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from tests.testing.wire_helpers import FakeClock, Wire


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


@pytest.fixture
async def wire(fake_axigen: FakeAxigen, http: aiohttp.ClientSession) -> Wire:
    return Wire(fake_axigen, http)
