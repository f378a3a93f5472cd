"""Shared fixtures: a client wired to the fake server, with sleep and jitter injected.

The fake server itself comes from the package's own pytest plugin (``fake_axigen``),
so our suite uses it the way our users' suites do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from axigen_async import AccountSession, AxigenClient, BasicAuth
from axigen_async.testing import FakeAccount, FakeAxigen

EMAIL = "jane@example.com"
PASSWORD = "correct-Horse-7"


class Sleeps:
    """An injected ``sleep`` that records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def jane(fake_axigen: FakeAxigen) -> FakeAccount:
    return fake_axigen.add_account(EMAIL, PASSWORD, full_name="Jane Doe")


@pytest.fixture
async def client(fake_axigen: FakeAxigen, sleeps: Sleeps) -> AsyncIterator[AxigenClient]:
    async with AxigenClient(fake_axigen.url, sleep=sleeps, random=lambda: 0.5) as client:
        yield client


@pytest.fixture
async def session(client: AxigenClient, jane: FakeAccount) -> AsyncIterator[AccountSession]:
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as session:
        yield session
