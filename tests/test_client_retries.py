"""Retries against scripted faults: what is re-sent, what is ambiguous, and when to stop."""

from __future__ import annotations

import asyncio
import logging
import pickle
import time

import aiohttp
import pytest
from aiohttp import web

from axigen_async import (
    AccountSession,
    AmbiguousWriteError,
    AxigenClient,
    BasicAuth,
    ConnectionLostError,
    ConnectTimeoutError,
    DeadlineExceededError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from axigen_async.api import account
from axigen_async.models.account import NewSignature, SignatureType, Vacation
from axigen_async.models.server import ServerVersion
from axigen_async.testing import FakeAccount, FakeAxigen
from tests.conftest import EMAIL, PASSWORD, Sleeps
from tests.helpers import wait_until

INFO = "GET /api/v1/account/info"
TEMPORARY_ALIASES = "POST /api/v1/account/temporaryaliases"
SIGNATURES = "POST /api/v1/account/signatures"


async def _until_busy(fake_axigen: FakeAxigen) -> None:
    """Wait (2 s at most) until the fake server is handling a request."""
    await wait_until(lambda: fake_axigen.in_flight > 0, timeout=2.0)


async def _create_while_the_only_connection_is_held(
    fake_axigen: FakeAxigen, sleeps: Sleeps, *, attempt: float, hold: float, stall: float = 0.0
) -> tuple[str, int]:
    """Create a temporary alias while someone else's slow request holds the one connection.

    ``stall`` blocks the loop for that long just before the create's attempt
    limit runs out. Returns the alias id and the client's retry count.
    """
    timeouts = Timeouts(deadline=30.0, attempt=attempt)
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http,
        AxigenClient(fake_axigen.url, http_session=http, timeouts=timeouts, sleep=sleeps) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        await account.get_info(s)  # logged in before the connection is taken
        fake_axigen.faults.delay("GET /api/", hold, count=1)
        async with asyncio.timeout(hold + 10.0):
            holder = asyncio.ensure_future(http.get(f"{fake_axigen.url}/api/"))
            await _until_busy(fake_axigen)
            if stall:
                asyncio.get_running_loop().call_later(attempt - 0.05, time.sleep, stall)
            alias = await account.create_temporary_alias(s)
            (await holder).release()
        return alias.id, client.statistics().retries


async def test_a_503_then_success_is_retried_once(
    session: AccountSession, fake_axigen: FakeAxigen, client: AxigenClient, sleeps: Sleeps
) -> None:
    fake_axigen.faults.fail_next(INFO, 503)
    assert (await account.get_info(session)).email == EMAIL
    assert fake_axigen.route_counts[INFO] == 2
    assert client.statistics().retries == 1
    assert sleeps.delays == [0.25]  # random() = 0.5 of the first ceiling, 0.5 s


async def test_retry_after_is_honoured(
    session: AccountSession, fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    fake_axigen.faults.fail_next(INFO, 429, retry_after=3)
    await account.get_info(session)
    assert sleeps.delays == [3.0]


async def test_a_retry_after_past_the_limit_raises_at_once(
    session: AccountSession, fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    fake_axigen.faults.fail_next(INFO, 429, retry_after=600)
    with pytest.raises(RateLimitError) as caught:
        await account.get_info(session)
    assert caught.value.retry_after == 600.0
    assert caught.value.attempts == 1
    assert sleeps.delays == []


async def test_a_retry_after_that_does_not_fit_the_deadline_raises_at_once(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    # 30 s is under the policy's limit for Retry-After, but past the 10 s deadline.
    async with (
        AxigenClient(fake_axigen.url, timeouts=Timeouts(deadline=10.0), sleep=sleeps) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        fake_axigen.faults.fail_next(INFO, 429, retry_after=30)
        with pytest.raises(RateLimitError) as caught:
            await account.get_info(s)
    assert caught.value.retry_after == 30.0
    assert sleeps.delays == []
    assert fake_axigen.route_counts[INFO] == 1


async def test_each_retry_is_logged_with_its_reason_and_delay(
    session: AccountSession,
    fake_axigen: FakeAxigen,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="axigen_async")
    fake_axigen.faults.fail_next(INFO, 503)
    fake_axigen.faults.reset_next(INFO)
    await account.get_info(session)
    records = [r for r in caplog.records if r.getMessage().startswith("retrying")]
    assert [r.getMessage() for r in records] == [
        f"retrying GET /api/v1/account/info for {EMAIL} after 503 (attempt 1), waiting 0.250 s",
        f"retrying GET /api/v1/account/info for {EMAIL} after ConnectionLostError (attempt 2), "
        "waiting 0.500 s",
    ]
    # The account rides along as a field too, so log handlers can match lines of one account.
    assert [getattr(r, "account", None) for r in records] == [EMAIL, EMAIL]


async def test_retries_stop_after_the_attempts(
    session: AccountSession, fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    fake_axigen.faults.fail_next(INFO, 502, count=10)
    with pytest.raises(ServerError) as caught:
        await account.get_info(session)
    assert caught.value.attempts == 4
    assert caught.value.status == 502
    assert len(sleeps.delays) == 3


async def test_the_shared_retry_budget_runs_out(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    policy = RetryPolicy(budget_capacity=12, retry_cost=5, success_refund=1)
    fake_axigen.faults.fail_next(INFO, 503, count=100)
    async with AxigenClient(fake_axigen.url, retry=policy, sleep=sleeps) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            with pytest.raises(ServerError) as first:
                await account.get_info(s)
            with pytest.raises(ServerError) as second:
                await account.get_info(s)
        assert client.statistics().retry_budget == 2
    assert (first.value.attempts, second.value.attempts) == (3, 1)


async def test_client_errors_are_not_retried(
    session: AccountSession, fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    with pytest.raises(NotFoundError):
        await account.get_signature(session, "missing")
    assert sleeps.delays == []


async def test_a_dropped_create_is_ambiguous_and_never_repeated(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    fake_axigen.faults.reset_next(TEMPORARY_ALIASES)
    with pytest.raises(AmbiguousWriteError) as caught:
        await account.create_temporary_alias(session)
    assert isinstance(caught.value.__cause__, ConnectionLostError)
    assert fake_axigen.route_counts[TEMPORARY_ALIASES] == 1
    assert len(jane.temporary_aliases) == 1  # the server did act: the outcome was unknown
    assert sleeps.delays == []


async def test_a_500_on_a_create_is_ambiguous_and_not_resent(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    fake_axigen.faults.fail_next(TEMPORARY_ALIASES, 500)
    with pytest.raises(AmbiguousWriteError):
        await account.create_temporary_alias(session)
    assert fake_axigen.route_counts[TEMPORARY_ALIASES] == 1


@pytest.mark.parametrize(
    ("status", "retry_after"), [pytest.param(503, None, id="503"), pytest.param(429, 2, id="429")]
)
async def test_a_create_refused_before_it_ran_is_sent_again(
    session: AccountSession,
    fake_axigen: FakeAxigen,
    jane: FakeAccount,
    sleeps: Sleeps,
    status: int,
    retry_after: int | None,
) -> None:
    fake_axigen.faults.fail_next(TEMPORARY_ALIASES, status, count=2, retry_after=retry_after)
    created = await account.create_temporary_alias(session)
    assert [alias.id for alias in jane.temporary_aliases] == [created.id]
    assert fake_axigen.route_counts[TEMPORARY_ALIASES] == 3
    if retry_after is not None:
        assert sleeps.delays == [2.0, 2.0]


async def test_behind_a_proxy_whose_503_may_follow_a_forward_a_503_leaves_a_create_unknown(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    policy = RetryPolicy(write_retry_statuses=frozenset({429}))
    fake_axigen.faults.fail_next(TEMPORARY_ALIASES, 503)
    async with AxigenClient(fake_axigen.url, retry=policy, sleep=sleeps) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            with pytest.raises(AmbiguousWriteError) as caught:
                await account.create_temporary_alias(s)
    assert caught.value.status == 503
    assert fake_axigen.route_counts[TEMPORARY_ALIASES] == 1


async def test_a_create_refused_at_every_attempt_raises_the_refusal(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    fake_axigen.faults.fail_next(TEMPORARY_ALIASES, 503, count=4)
    with pytest.raises(ServerError) as caught:
        await account.create_temporary_alias(session)
    assert (caught.value.status, caught.value.attempts) == (503, 4)
    assert not isinstance(caught.value, AmbiguousWriteError)
    assert jane.temporary_aliases == []


async def test_a_dropped_signature_create_is_recovered_by_lookup(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    fake_axigen.faults.reset_next(SIGNATURES)
    wanted = NewSignature("Work", SignatureType.TEXT, "Jane Doe, ACME")
    created = await account.create_signature(session, wanted)
    assert (created.name, created.type) == ("Work", SignatureType.TEXT)
    assert [s.id for s in jane.signatures.values()] == [created.id]
    assert fake_axigen.route_counts[SIGNATURES] == 1


async def test_an_ambiguous_write_keeps_the_status_and_body_that_made_it_so(
    session: AccountSession, fake_axigen: FakeAxigen
) -> None:
    body = {"error": {"code": "upstreamDown", "message": "the store did not answer"}}
    fake_axigen.faults.fail_next(TEMPORARY_ALIASES, 502, body=body)
    with pytest.raises(AmbiguousWriteError) as caught:
        await account.create_temporary_alias(session)
    error = caught.value
    assert (error.status, error.attempts) == (502, 1)
    assert "upstreamDown" in error.body_excerpt
    assert isinstance(error.__cause__, ServerError)
    # Pickling drops __cause__; what the error says about it stays.
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.status, copy.body_excerpt) == (502, error.body_excerpt)


async def test_the_signature_lookup_runs_within_the_create_s_deadline(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    # The clock jumps past the call's deadline once the server has seen the create,
    # which is then dropped: the lookup must not start a deadline of its own.
    def clock() -> float:
        return time.monotonic() + (100.0 if fake_axigen.route_counts[SIGNATURES] else 0.0)

    async with (
        AxigenClient(fake_axigen.url, clock=clock, timeouts=Timeouts(deadline=60.0)) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        fake_axigen.faults.reset_next(SIGNATURES)
        with pytest.raises(AmbiguousWriteError):
            await account.create_signature(s, NewSignature("Work", SignatureType.TEXT, "b"))
    assert fake_axigen.route_counts["GET /api/v1/account/signatures"] == 0
    assert len(jane.signatures) == 1


async def test_a_signature_create_stays_ambiguous_when_the_lookup_cannot_tell(
    session: AccountSession, fake_axigen: FakeAxigen
) -> None:
    await account.create_signature(session, NewSignature("Work", SignatureType.TEXT, "older body"))
    fake_axigen.faults.fail_next(SIGNATURES, 502)
    with pytest.raises(AmbiguousWriteError):
        await account.create_signature(session, NewSignature("Work", SignatureType.TEXT, "new"))


async def test_a_dropped_reused_connection_is_retried_by_us_not_silently_by_aiohttp(
    session: AccountSession, fake_axigen: FakeAxigen, client: AxigenClient, sleeps: Sleeps
) -> None:
    await account.get_info(session)  # the pool now holds a used connection
    fake_axigen.faults.reset_next(INFO)
    assert (await account.get_info(session)).email == EMAIL
    # aiohttp would re-send a GET on a reused connection once, unseen; our retry
    # is counted, waited for and logged like any other.
    assert client.statistics().retries == 1
    assert sleeps.delays == [0.25]
    assert fake_axigen.route_counts[INFO] == 3


async def test_idempotent_writes_are_retried_after_a_dropped_connection(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    fake_axigen.faults.reset_next("POST /api/v1/account/vacation")
    await account.set_vacation(session, Vacation(True, 3, True, True, True, "away"))
    assert jane.vacation.enabled
    assert fake_axigen.route_counts["POST /api/v1/account/vacation"] == 2


async def test_a_retried_delete_that_finds_nothing_is_done(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    created = await account.create_signature(session, NewSignature("x", SignatureType.TEXT, "y"))
    fake_axigen.faults.reset_next("DELETE /api/v1/account/signatures/{id}")
    await account.delete_signature(session, created.id)
    assert jane.signatures == {}


async def test_the_deadline_covers_the_backoff(fake_axigen: FakeAxigen, jane: FakeAccount) -> None:
    now = [0.0]

    async def sleep(delay: float) -> None:
        now[0] += delay

    fake_axigen.faults.fail_next(INFO, 503, count=10)
    policy = RetryPolicy(attempts=10, backoff_base=1.0, backoff_cap=100.0)
    async with (
        AxigenClient(
            fake_axigen.url,
            retry=policy,
            timeouts=Timeouts(deadline=5.0),
            sleep=sleep,
            clock=lambda: now[0],
            random=lambda: 1.0,
        ) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        with pytest.raises(ServerError) as caught:
            await account.get_info(s)
    # Waits of 1 and 2 s fit in 5 s; the next, 4 s, would not.
    assert now[0] == 3.0
    assert caught.value.attempts == 3


async def test_a_slow_server_hits_the_deadline(fake_axigen: FakeAxigen, jane: FakeAccount) -> None:
    async with AxigenClient(fake_axigen.url, timeouts=Timeouts(deadline=0.3)) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            await account.get_info(s)
            fake_axigen.faults.delay(INFO, 1.0, count=1)
            with pytest.raises(DeadlineExceededError):
                await account.get_info(s)


async def test_cancelling_a_call_gives_its_connection_back(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    async with (
        AxigenClient(fake_axigen.url, pool_size=1, timeouts=Timeouts(deadline=10.0)) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        await account.get_info(s)
        fake_axigen.faults.delay(INFO, 1.0, count=1)
        slow = asyncio.ensure_future(account.get_info(s))
        await _until_busy(fake_axigen)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert client.statistics().in_flight == 0
        # With the only connection back in the pool, the next call goes through.
        assert (await account.get_info(s)).email == EMAIL


async def test_cancelling_a_call_mid_body_closes_its_connection_and_frees_the_pool() -> None:
    # A server that sends the headers and a tenth of the body, then stalls; the
    # next request on a new connection gets a whole answer.
    body_started, finish = asyncio.Event(), asyncio.Event()
    connections: set[object] = set()

    async def version(request: web.Request) -> web.StreamResponse:
        connections.add(request.transport)
        if body_started.is_set():
            return web.json_response({"apiVersion": "v1", "serverVersion": "10.5"})
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 100
        await response.prepare(request)
        await response.write(b'{"apiVer')
        body_started.set()
        await asyncio.wait_for(finish.wait(), timeout=5.0)
        return response

    app = web.Application()
    app.router.add_get("/api/", version)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AxigenClient(f"http://127.0.0.1:{port}", pool_size=1) as client:
            stalled = asyncio.ensure_future(client.server_version())
            await asyncio.wait_for(body_started.wait(), timeout=5.0)
            await asyncio.sleep(0.05)  # the headers and the first bytes reach the client
            stalled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stalled
            assert client.statistics().in_flight == 0
            # The only pool slot is free again, on a new connection: the half-read
            # one was closed, not handed to the next request.
            assert await client.server_version() == ServerVersion("v1", "10.5")
            assert len(connections) == 2
    finally:
        finish.set()
        await runner.cleanup()


async def test_a_deadline_that_runs_out_while_connecting_says_so(blackhole_url: str) -> None:
    async with AxigenClient(blackhole_url, timeouts=Timeouts(deadline=0.3, connect=5.0)) as client:
        with pytest.raises(DeadlineExceededError) as caught:
            await client.server_version()
    assert isinstance(caught.value.__cause__, ConnectTimeoutError)
    assert client.statistics().in_flight == 0


@pytest.mark.slow  # the case needs an attempt limit over 5 s, waited for in real time
async def test_a_long_wait_for_a_connection_is_known_unsent(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    # The attempt limit is over 5 s, where aiohttp would round its timers up to a
    # whole second. The create waiting for the connection must end as "not
    # sent", and be retried, not as "may have been sent" and ambiguous.
    alias_id, retries = await _create_while_the_only_connection_is_held(
        fake_axigen, sleeps, attempt=5.5, hold=6.5
    )
    assert retries == 1
    assert [a.id for a in jane.temporary_aliases] == [alias_id]


async def test_a_stalled_loop_does_not_make_an_unsent_create_ambiguous(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    # A callback blocking the loop across both the connect timer and the
    # watchdog makes them fire in the same step: the create must still count as
    # never sent, and be retried.
    alias_id, retries = await _create_while_the_only_connection_is_held(
        fake_axigen, sleeps, attempt=0.3, hold=0.6, stall=0.15
    )
    assert retries >= 1
    assert [a.id for a in jane.temporary_aliases] == [alias_id]


async def test_a_timed_out_attempt_leaves_the_task_uncancelled(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    timeouts = Timeouts(deadline=10.0, attempt=0.2)
    async with (
        AxigenClient(fake_axigen.url, timeouts=timeouts, sleep=sleeps) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        await account.get_info(s)
        fake_axigen.faults.delay(TEMPORARY_ALIASES, 1.0, count=1)
        with pytest.raises(AmbiguousWriteError):
            await account.create_temporary_alias(s)
        task = asyncio.current_task()
        assert task is not None
        assert task.cancelling() == 0
        # And the task can still be given a timeout of its own.
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await asyncio.sleep(1.0)


async def test_an_outer_timeout_ends_a_call_that_keeps_retrying(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    timeouts = Timeouts(deadline=30.0, attempt=0.1)
    retry = RetryPolicy(attempts=1000)
    async with (
        AxigenClient(fake_axigen.url, timeouts=timeouts, retry=retry, sleep=sleeps) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        await account.get_info(s)
        fake_axigen.faults.delay(INFO, 5.0)
        # Every attempt times out and is retried; the caller's own timeout must
        # still end the call as a TimeoutError, not be taken for an attempt's.
        with pytest.raises(TimeoutError) as caught:
            async with asyncio.timeout(0.35):
                await account.get_info(s)
        fake_axigen.faults.clear()
    assert not isinstance(caught.value, RequestTimeoutError)
    assert client.statistics().retries >= 2


async def test_a_slow_attempt_of_a_read_is_retried(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    timeouts = Timeouts(deadline=10.0, attempt=0.2)
    async with AxigenClient(fake_axigen.url, timeouts=timeouts, random=lambda: 0.0) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            await account.get_info(s)
            fake_axigen.faults.delay(INFO, 1.0, count=1)
            assert (await account.get_info(s)).email == EMAIL
        assert client.statistics().retries == 1
    assert fake_axigen.route_counts[INFO] == 3


async def test_a_slow_attempt_of_a_create_is_ambiguous(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    timeouts = Timeouts(deadline=10.0, attempt=0.2)
    async with AxigenClient(fake_axigen.url, timeouts=timeouts) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            fake_axigen.faults.delay(TEMPORARY_ALIASES, 1.0, count=1)
            with pytest.raises(AmbiguousWriteError) as caught:
                await account.create_temporary_alias(s)
    assert isinstance(caught.value.__cause__, RequestTimeoutError)
    assert not isinstance(caught.value.__cause__, DeadlineExceededError)


async def test_a_write_still_waiting_for_a_connection_was_never_sent(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    timeouts = Timeouts(deadline=10.0, attempt=0.1)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
        async with AxigenClient(
            fake_axigen.url, http_session=http, timeouts=timeouts, sleep=sleeps
        ) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                await account.get_info(s)
                # Hold the pool's only connection with a slow request of our own.
                fake_axigen.faults.delay("GET /api/", 0.6, count=1)
                holder = asyncio.ensure_future(http.get(f"{fake_axigen.url}/api/"))
                await _until_busy(fake_axigen)
                with pytest.raises(ConnectTimeoutError):
                    await account.create_temporary_alias(s)
                (await holder).release()
    assert fake_axigen.route_counts[TEMPORARY_ALIASES] == 0
    assert len(sleeps.delays) == 3  # a request never sent may be retried, even a create
