"""What the fan-out engine's test modules share: accounts, operations and checks.

Responsibility: build accounts and the trivial operations the engine's tests run
over a client that never reaches a server, and check that no task is left.

Must not: hold state between tests, or start anything it does not stop.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from axigen_async import AccountSession
from axigen_async.bulk import BulkAccount, BulkResult, BulkRun
from axigen_async.exceptions import ConnectError

BASE_URL = "http://127.0.0.1:9"
WORKER_PREFIX = "axigen-fan-out-worker"
T = TypeVar("T")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def email(index: int) -> str:
    return f"user{index}@example.com"


def index_of(session: AccountSession) -> int:
    return int(session.label.removeprefix("user").partition("@")[0])


def make_accounts(count: int) -> list[BulkAccount]:
    return [BulkAccount.basic(email(i), "secret") for i in range(count)]


def refused() -> ConnectError:
    return ConnectError(
        "cannot connect: [Errno 111] Connection refused",
        method="POST",
        url="/api/v1/login",
        attempts=4,
    )


async def echo(session: AccountSession) -> str:
    await asyncio.sleep(0)
    return session.label


async def collect(run: BulkRun[T]) -> list[BulkResult[T]]:
    async with run as results:
        return [result async for result in results]


def worker_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t.get_name().startswith(WORKER_PREFIX)}


def assert_no_task_left() -> None:
    assert asyncio.all_tasks() == {asyncio.current_task()}


def index_of_email(address: str) -> int:
    return int(address.removeprefix("user").partition("@")[0])
