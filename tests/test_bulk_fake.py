"""The fan-out engine against the fake Axigen server, over real HTTP."""

from __future__ import annotations

import asyncio
from collections import Counter

from axigen_async import AxigenClient, LoginError, RetryPolicy
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, Outcome, ServerUnavailableError, fan_out
from axigen_async.exceptions import ConnectError
from axigen_async.testing import FakeAxigen


def seeded(count: int, password: str = "demo") -> list[BulkAccount]:
    return [BulkAccount.basic(f"user{i}@example.com", password) for i in range(1, count + 1)]


async def no_wait(delay: float) -> None:
    await asyncio.sleep(0)


async def test_get_info_for_every_seeded_account() -> None:
    async with FakeAxigen() as fake:
        fake.add_seeded_accounts(50, password="demo")
        accounts = [*seeded(50), BulkAccount.basic("user7@example.com", "wrong")]
        async with (
            AxigenClient(fake.url) as client,
            fan_out(client, accounts, account.get_info, concurrency=8) as results,
        ):
            collected = [r async for r in results]
            progress = results.progress()

        assert Counter(r.account for r in collected) == Counter(accounts)
        failed = [r for r in collected if not r.ok]
        assert len(failed) == 1
        assert failed[0].account.credentials == accounts[-1].credentials
        assert isinstance(failed[0].error, LoginError)
        for result in collected:
            if result.ok:
                assert result.value is not None
                # One login, then the call itself.
                assert result.attempts == 2
        assert (progress.done, progress.succeeded, progress.failed, progress.in_flight) == (
            51,
            50,
            1,
            0,
        )
        # Every session that logged in logged out again.
        assert fake.route_counts["POST /api/v1/logout"] == 50


async def test_a_server_that_goes_away_mid_run_stops_the_fan_out() -> None:
    async with FakeAxigen() as fake:
        fake.add_seeded_accounts(500, password="demo")
        base_url = fake.url
        async with AxigenClient(base_url, retry=RetryPolicy(attempts=2), sleep=no_wait) as client:
            run = fan_out(
                client,
                seeded(500),
                account.get_info,
                concurrency=10,
                stop_after_connect_failures=20,
            )
            async with run as results:
                collected = []
                async for result in results:
                    collected.append(result)
                    if len(collected) == 30:
                        await fake.stop()
                reason = results.stopped_reason

    outcomes = Counter(r.outcome for r in collected)
    assert len(collected) == 500
    assert len({r.account for r in collected}) == 500
    assert outcomes[Outcome.OK] >= 30
    assert outcomes[Outcome.NOT_ATTEMPTED] > 0
    assert sum(isinstance(r.error, ConnectError) for r in collected) >= 20
    assert isinstance(reason, ServerUnavailableError)
    assert base_url in str(reason)
    assert all(r.error is reason for r in collected if r.outcome is Outcome.NOT_ATTEMPTED)
