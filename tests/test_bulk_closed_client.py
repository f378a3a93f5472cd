"""Closing the client while a fan-out runs: every account reported, no CancelledError.

Against the fake server over 127.0.0.1, with a pool smaller than the concurrency so
that some calls wait for a connection when the client closes (aiohttp cancels those
waits) while others are on the wire.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from axigen_async import AxigenClient
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, BulkResult, Failed, NotAttempted, Succeeded, fan_out
from axigen_async.exceptions import AxigenError
from axigen_async.models.account import AccountInfo
from axigen_async.testing import FakeAxigen

ACCOUNTS = 120
CONCURRENCY = 10
CLOSE_AFTER = 15
INFO = "GET /api/v1/account/info"


def seeded(count: int) -> list[BulkAccount]:
    return [BulkAccount.basic(f"user{i}@example.com", "demo") for i in range(1, count + 1)]


@pytest.mark.parametrize("closer", ["the-consumer", "another-task"])
async def test_closing_the_client_mid_run_reports_the_rest_not_attempted(closer: str) -> None:
    async with FakeAxigen() as fake:
        fake.add_seeded_accounts(ACCOUNTS, password="demo")
        # Calls last long enough that some are on the wire, and others wait for one
        # of the 3 pooled connections, when the client closes.
        fake.faults.delay(INFO, 0.01)
        client = AxigenClient(fake.url, pool_size=3)
        collected: list[BulkResult[AccountInfo]] = []
        enough = asyncio.Event()
        closing: asyncio.Task[None] | None = None
        if closer == "another-task":

            async def close_when_enough() -> None:
                await enough.wait()
                await client.close()

            closing = asyncio.create_task(close_when_enough())
        try:
            run = fan_out(client, seeded(ACCOUNTS), account.get_info, concurrency=CONCURRENCY)
            async with run as results:
                async for result in results:
                    collected.append(result)
                    if len(collected) == CLOSE_AFTER:
                        enough.set()
                        if closing is None:
                            await client.close()
        finally:
            await client.close()
            if closing is not None:
                await closing

    current = asyncio.current_task()
    assert current is not None
    assert current.cancelling() == 0
    assert Counter(r.account.email for r in collected) == Counter(a.email for a in seeded(ACCOUNTS))
    assert all(isinstance(r, Succeeded) for r in collected[:CLOSE_AFTER])
    later = collected[CLOSE_AFTER:]
    skipped = [r for r in later if isinstance(r, NotAttempted)]
    failed = [r for r in later if isinstance(r, Failed)]
    # At most those running or finished and queued when it closed were attempted.
    assert len(later) - len(skipped) <= 2 * CONCURRENCY
    assert len(skipped) >= ACCOUNTS - CLOSE_AFTER - 2 * CONCURRENCY
    [reason] = {id(r.error): r.error for r in skipped}.values()
    assert isinstance(reason, AxigenError)
    assert "closed" in str(reason)
    assert reason.__cause__ is None
    assert reason.__context__ is None
    assert all(isinstance(r.error, AxigenError) for r in failed)
    assert run.progress().not_attempted == len(skipped)
    assert run.stopped_reason is None


async def test_a_client_closed_before_the_first_account_runs_none() -> None:
    async with FakeAxigen() as fake:
        fake.add_seeded_accounts(5, password="demo")
        client = AxigenClient(fake.url)
        try:
            async with fan_out(client, seeded(5), account.get_info, concurrency=2) as results:
                await client.close()
                collected = [r async for r in results]
        finally:
            await client.close()
        assert fake.route_counts["POST /api/v1/login"] == 0

    assert len(collected) == 5
    assert all(isinstance(r, NotAttempted) for r in collected)


async def test_a_bug_is_still_a_bug_once_the_client_is_closed() -> None:
    async with FakeAxigen() as fake:
        fake.add_seeded_accounts(5, password="demo")
        client = AxigenClient(fake.url)
        closed = asyncio.Event()

        async def buggy(session: object) -> None:
            await client.close()  # the client goes away under the call ...
            closed.set()
            raise KeyError("a bug in the caller's operation")  # ... and the code is wrong

        async def run_all() -> None:
            async with fan_out(client, seeded(5), buggy, concurrency=1) as results:
                async for _ in results:
                    pass

        try:
            with pytest.raises(KeyError, match="a bug"):
                await run_all()
        finally:
            await client.close()
        assert closed.is_set()
