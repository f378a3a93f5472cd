"""A hostile server and a client closed under its calls (issue 11, the client's items)."""

from __future__ import annotations

import asyncio
import logging
import traceback

import aiohttp
import pytest

from axigen_async import (
    AccountSession,
    AmbiguousWriteError,
    ApiError,
    AuthenticationError,
    AxigenClient,
    AxigenError,
    BasicAuth,
    ClientClosedError,
    LoginError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from axigen_async.api import account
from axigen_async.models.account import Vacation
from axigen_async.testing import FakeAccount, FakeAxigen
from tests.conftest import EMAIL, PASSWORD, Sleeps
from tests.helpers import wait_until

INFO = "GET /api/v1/account/info"
LOGIN = "POST /api/v1/login"
LOGOUT = "POST /api/v1/logout"
TEMPORARY_ALIASES = "POST /api/v1/account/temporaryaliases"


# --- 8: closing the client while calls run --------------------------------------------------


async def test_calls_running_when_the_client_closes_get_the_closed_client_error(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    client = AxigenClient(fake_axigen.url, pool_size=1, timeouts=Timeouts(deadline=10.0))
    async with client:
        session = client.session(BasicAuth(EMAIL, PASSWORD))
        await account.get_info(session)
        # The only connection is held by a slow call; the others wait for it.
        fake_axigen.faults.delay(INFO, 2.0, count=1)
        calls = [asyncio.ensure_future(account.get_info(session)) for _ in range(5)]
        await wait_until(lambda: fake_axigen.in_flight == 1)
        await wait_until(lambda: client.statistics().in_flight == 5)
        await client.close()
        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5.0)
    assert all(isinstance(result, ClientClosedError) for result in results), results
    assert all(isinstance(result, RuntimeError) for result in results)  # also a RuntimeError
    assert all(str(result).startswith("this AxigenClient is closed") for result in results)
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
    with pytest.raises(ClientClosedError):
        await account.get_info(session)


async def test_a_create_in_flight_when_the_client_closes_is_ambiguous(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    async with AxigenClient(fake_axigen.url) as client:
        session = client.session(BasicAuth(EMAIL, PASSWORD))
        await account.get_info(session)
        fake_axigen.faults.delay(TEMPORARY_ALIASES, 2.0, count=1)
        create = asyncio.ensure_future(account.create_temporary_alias(session))
        await wait_until(lambda: fake_axigen.in_flight == 1)
        await client.close()
        with pytest.raises(AmbiguousWriteError) as caught:
            await asyncio.wait_for(create, 5.0)
    assert isinstance(caught.value.__cause__, ClientClosedError)


# --- 9: a session id no header can carry -----------------------------------------------------


@pytest.mark.parametrize("bad", ["abc\r\nX-Evil: 1", "abc\n", "a\x00b", "a\x7fb", "ab\tc", "sé"])
async def test_a_session_id_with_a_control_character_is_refused(
    fake_axigen: FakeAxigen, jane: FakeAccount, bad: str
) -> None:
    fake_axigen.faults.answer_next(LOGIN, body={"sessid": bad})
    async with AxigenClient(fake_axigen.url) as client:
        session = client.session(BasicAuth(EMAIL, PASSWORD))
        with pytest.raises(ResponseValidationError) as caught:
            await account.get_info(session)
        await session.close()  # best effort: nothing to log out, nothing raised
    error = caught.value
    assert error.status == 200
    text = "".join(traceback.format_exception(error))
    assert bad not in text
    assert PASSWORD not in text
    assert fake_axigen.route_counts[INFO] == 0
    assert fake_axigen.route_counts[LOGOUT] == 0


# --- 11: sessions that keep expiring ------------------------------------------------------------


async def test_repeated_session_expiry_with_chaos_never_fails_a_call(
    fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    accounts = [f"user{n}@example.com" for n in range(10)]
    for email in accounts:
        fake_axigen.add_account(email, PASSWORD)
    # Every session ends every 15 requests (more often than each account calls, at
    # this concurrency), on top of 503s, 429s and resets.
    fake_axigen.faults.chaos(
        seed=11,
        status_rates={503: 0.05, 429: 0.02},
        retry_after_max=0,
        reset_rate=0.01,
        slow_rate=0.0,
        expire_sessions_every=15,
        # Not on the login: a login that may have arrived is never repeated, by design.
        routes=[INFO],
    )

    async def reads(email: str) -> None:
        async with client.session(BasicAuth(email, PASSWORD)) as session:
            for _ in range(10):
                await account.get_info(session)

    # The budget to spare: only session expiry is on trial here.
    policy = RetryPolicy(attempts=6, budget_capacity=100_000)
    async with AxigenClient(
        fake_axigen.url, retry=policy, sleep=sleeps, random=lambda: 0.5
    ) as client:
        results = await asyncio.gather(*(reads(e) for e in accounts), return_exceptions=True)
        stats = client.statistics()
    # An expired session is never the reason a call fails while logins succeed.
    assert [r for r in results if isinstance(r, AuthenticationError)] == []
    assert [repr(r) for r in results if r is not None] == []
    assert stats.relogins > len(accounts)  # sessions did expire, again and again
    assert stats.login_failures == 0


async def test_a_server_refusing_every_session_is_bounded_by_the_deadline_with_backoff(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    now = [0.0]

    async def sleep(delay: float) -> None:
        now[0] += delay

    fake_axigen.faults.fail_next(INFO, 401, count=1000)
    async with (
        AxigenClient(
            fake_axigen.url, sleep=sleep, clock=lambda: now[0], random=lambda: 0.5
        ) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as session,
    ):
        with pytest.raises(AuthenticationError) as caught:
            await account.get_info(session)
        stats = client.statistics()
    assert not isinstance(caught.value, LoginError)
    assert now[0] < Timeouts().deadline
    # The first re-login is at once, every later one after a growing backoff.
    waits = stats.relogins - 1
    assert waits >= 5
    sent = fake_axigen.route_counts[INFO]
    assert sent == stats.relogins + 1
    assert fake_axigen.logins[EMAIL] == sent
    assert stats.retry_budget == RetryPolicy().budget_capacity - waits * RetryPolicy().retry_cost


# --- 14: the budget's warning, Retry-After 0, statuses that are no success ----------------------


async def test_the_spent_budget_is_reported_once_then_as_a_count(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="axigen_async")
    policy = RetryPolicy(budget_capacity=10, retry_cost=5)
    async with (
        AxigenClient(fake_axigen.url, retry=policy, sleep=sleeps, random=lambda: 0.5) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as session,
    ):
        await account.get_info(session)
        fake_axigen.faults.fail_next(INFO, 503, count=30)
        for _ in range(10):
            with pytest.raises(ServerError):
                await account.get_info(session)
        spent = [r for r in caplog.records if "retry budget is spent" in r.getMessage()]
        assert len(spent) == 1
        assert spent[0].levelno == logging.WARNING
        assert getattr(spent[0], "account", None) == EMAIL
        fake_axigen.faults.clear()
        for _ in range(policy.timeout_retry_cost):
            await account.get_info(session)
    back = [r for r in caplog.records if "available again" in r.getMessage()]
    assert len(back) == 1
    assert "10 failed calls were not retried" in back[0].getMessage()


async def test_retry_after_zero_waits_the_policy_s_minimum(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    async with (
        AxigenClient(fake_axigen.url, sleep=sleeps) as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as session,
    ):
        fake_axigen.faults.fail_next(INFO, 429, retry_after=0)
        fake_axigen.faults.fail_next(INFO, 503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
        await account.get_info(session)
    assert sleeps.delays == [RetryPolicy().backoff_base] * 2


async def test_only_a_2xx_status_is_success() -> None:
    # A status line no HTTP server should send: a raw socket server answers "099".
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 099 Odd\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with AxigenClient(f"http://127.0.0.1:{port}", retry=RetryPolicy.never()) as client:
            with pytest.raises((ApiError, AxigenError)) as caught:
                await client.server_version()
    finally:
        server.close()
        await server.wait_closed()
    assert not isinstance(caught.value, ResponseValidationError)  # not read as an answer


async def test_no_chained_exception_holds_a_secret(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    """Every error kind the chain raises, formatted with its whole chain."""
    errors: list[BaseException] = []
    async with AxigenClient(fake_axigen.url, sleep=sleeps) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as session:
            await account.get_info(session)
            fake_axigen.faults.reset_next(TEMPORARY_ALIASES)
            fake_axigen.faults.fail_next(INFO, 502, count=10, body={"echo": f"Basic {PASSWORD}"})
            for call in (account.create_temporary_alias, account.get_info):
                try:
                    await call(session)
                except AxigenError as failed:
                    errors.append(failed)
        async with client.session(BasicAuth(EMAIL, "wrong-" + PASSWORD)) as bad:
            try:
                await account.get_info(bad)
            except AxigenError as refused:
                errors.append(refused)
    assert [type(e) for e in errors] == [AmbiguousWriteError, ServerError, LoginError]
    for error in errors:
        text = "".join(traceback.format_exception(error))
        assert PASSWORD not in text
        assert "Authorization" not in text
        chained = [error.__cause__, error.__context__]
        assert not any(isinstance(c, aiohttp.ClientError) for c in chained)


# --- 10: a create answered 2xx with a body that is not JSON -----------------------------------
# A body that does not decode, answering a write that would act twice, most likely
# came after the write took effect: AmbiguousWriteError, not ResponseValidationError.


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("<html><body>502 from the proxy, sorry</body></html>", id="html"),
        pytest.param('{"id": "t1", "emailAddr', id="cut-short"),
    ],
)
async def test_a_create_answered_2xx_with_a_body_that_is_not_json_is_ambiguous(
    session: AccountSession, fake_axigen: FakeAxigen, body: str
) -> None:
    fake_axigen.faults.answer_next(TEMPORARY_ALIASES, status=201, body=body)
    with pytest.raises(AmbiguousWriteError) as caught:
        await account.create_temporary_alias(session)
    assert caught.value.status == 201
    assert caught.value.body_excerpt[:20] == body[:20]
    assert fake_axigen.route_counts[TEMPORARY_ALIASES] == 1


async def test_a_write_with_a_body_logs_in_again_when_its_session_expired(
    session: AccountSession, fake_axigen: FakeAxigen, jane: FakeAccount, client: AxigenClient
) -> None:
    await account.get_info(session)
    fake_axigen.expire_sessions()
    # A JSON body adds a Content-Type to the headers sent: the expiry must still be
    # recognised as this session's.
    await account.set_vacation(session, Vacation(True, 3, True, True, True, "away"))
    assert jane.vacation.enabled
    assert client.statistics().relogins == 1
    assert fake_axigen.route_counts["POST /api/v1/account/vacation"] == 2
