"""Login, re-login, logout, the pool's lifecycle, and secrets kept out of sight."""

from __future__ import annotations

import asyncio
import base64
import logging
import threading

import aiohttp
import pytest

from axigen_async import (
    AccountSession,
    AxigenClient,
    BasicAuth,
    LoginError,
    NotFoundError,
    RetryPolicy,
)
from axigen_async.api import account
from axigen_async.testing import FakeAccount, FakeAxigen
from tests.conftest import EMAIL, PASSWORD, Sleeps
from tests.helpers import wait_until

INFO_ROUTE = "GET /api/v1/account/info"
LOGIN_ROUTE = "POST /api/v1/login"


async def test_login_is_lazy_and_happens_once(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
        assert fake_axigen.logins[EMAIL] == 0
        for _ in range(5):
            await account.get_info(s)
        assert s.logged_in
    assert fake_axigen.logins[EMAIL] == 1
    assert client.statistics().logins == 1


async def test_a_thousand_first_calls_share_one_login(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
        infos = await asyncio.gather(*(account.get_info(s) for _ in range(1000)))
    assert {info.email for info in infos} == {EMAIL}
    assert fake_axigen.logins[EMAIL] == 1


async def test_a_thousand_calls_on_an_expired_session_cause_one_login(
    session: AccountSession, client: AxigenClient, fake_axigen: FakeAxigen
) -> None:
    await account.get_info(session)
    fake_axigen.expire_sessions()
    infos = await asyncio.gather(*(account.get_info(session) for _ in range(1000)))
    assert len(infos) == 1000
    assert fake_axigen.logins[EMAIL] == 2
    assert client.statistics().relogins == 1


async def test_a_session_expiring_again_while_a_call_waits_to_retry_is_renewed_again(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    async def expiring_sleep(delay: float) -> None:
        fake_axigen.expire_sessions()  # the session ends while the call backs off

    async with AxigenClient(fake_axigen.url, sleep=expiring_sleep) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            await account.get_info(s)
            fake_axigen.reset_stats()
            # 401 (the session expired): re-login; 503: back off, and meanwhile the
            # new session expires too; 401: re-login again; then the answer.
            fake_axigen.faults.fail_next(INFO_ROUTE, 401)
            fake_axigen.faults.fail_next(INFO_ROUTE, 503)

            info = await account.get_info(s)

            assert info.email == EMAIL
            assert fake_axigen.logins[EMAIL] == 2
            assert fake_axigen.route_counts[INFO_ROUTE] == 4
            assert client.statistics().relogins == 2


async def test_a_wrong_password_raises_a_login_error_once(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    async with client.session(BasicAuth(EMAIL, "wrong-password")) as s:
        with pytest.raises(LoginError) as caught:
            await account.get_info(s)
    assert caught.value.status == 401
    assert fake_axigen.route_counts[LOGIN_ROUTE] == 1
    assert fake_axigen.route_counts[INFO_ROUTE] == 0
    assert sleeps.delays == []
    assert "wrong-password" not in str(caught.value)


async def test_a_session_expiring_on_the_server_is_renewed_transparently(
    session: AccountSession, fake_axigen: FakeAxigen
) -> None:
    await account.get_info(session)
    fake_axigen.expire_sessions()
    assert (await account.get_info(session)).email == EMAIL
    assert fake_axigen.logins[EMAIL] == 2


async def test_leaving_the_session_logs_out(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
        await account.get_info(s)
    assert fake_axigen.route_counts["POST /api/v1/logout"] == 1
    with pytest.raises(RuntimeError, match="closed"):
        await account.get_info(s)


async def test_a_session_never_used_does_not_log_in_or_out(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    async with client.session(BasicAuth(EMAIL, PASSWORD)):
        pass
    assert fake_axigen.requests == []


async def test_a_failing_logout_is_ignored(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    fake_axigen.faults.fail_next("POST /api/v1/logout", 500)
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
        await account.get_info(s)
    # The logout was sent, failed, and leaving the block raised nothing.
    assert fake_axigen.route_counts["POST /api/v1/logout"] == 1
    assert [f.route for f in fake_axigen.injected_faults] == ["POST /api/v1/logout"]
    assert not s.logged_in
    assert client.statistics().in_flight == 0


async def test_logins_in_flight_are_capped(fake_axigen: FakeAxigen, sleeps: Sleeps) -> None:
    emails = [f"user{n}@example.com" for n in range(12)]
    for email in emails:
        fake_axigen.add_account(email, PASSWORD)
    fake_axigen.faults.delay(LOGIN_ROUTE, 0.02)
    async with AxigenClient(fake_axigen.url, max_concurrent_logins=3, sleep=sleeps) as client:
        sessions = [client.session(BasicAuth(email, PASSWORD)) for email in emails]
        await asyncio.gather(*(account.get_info(s) for s in sessions))
        for s in sessions:
            await s.close()
    assert fake_axigen.max_in_flight_by_route[LOGIN_ROUTE] == 3
    assert sum(fake_axigen.logins.values()) == len(emails)


async def test_using_a_closed_client_is_a_runtime_error(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    client = AxigenClient(fake_axigen.url)
    async with client:
        pass
    assert client.closed
    with pytest.raises(RuntimeError, match="closed"):
        client.session(BasicAuth(EMAIL, PASSWORD))
    await client.close()


async def test_a_session_of_a_closed_client_refuses_calls(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    async with AxigenClient(fake_axigen.url) as client:
        session = client.session(BasicAuth(EMAIL, PASSWORD))
        await account.get_info(session)
    sent = len(fake_axigen.requests)
    with pytest.raises(RuntimeError, match="closed"):
        await account.get_info(session)
    assert len(fake_axigen.requests) == sent


async def test_a_client_from_another_event_loop_is_a_runtime_error(
    client: AxigenClient, jane: FakeAccount
) -> None:
    session = client.session(BasicAuth(EMAIL, PASSWORD))
    errors: list[BaseException] = []

    def use_elsewhere() -> None:
        try:
            asyncio.run(account.get_info(session))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=use_elsewhere)
    thread.start()
    thread.join(timeout=30)
    assert len(errors) == 1
    assert isinstance(errors[0], RuntimeError)
    assert "another event loop" in str(errors[0])


async def test_a_session_closed_from_another_event_loop_is_a_runtime_error(
    client: AxigenClient, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    session = client.session(BasicAuth(EMAIL, PASSWORD))
    await account.get_info(session)  # logged in: closing it means logging out
    errors: list[BaseException] = []

    def close_elsewhere() -> None:
        try:
            asyncio.run(session.close())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=close_elsewhere)
    thread.start()
    thread.join(timeout=30)
    assert len(errors) == 1
    assert "another event loop" in str(errors[0])
    assert client.statistics().in_flight == 0
    assert fake_axigen.route_counts["POST /api/v1/logout"] == 0


# Its aiohttp session and connector, never closed either, complain too (and may do so
# later, from the garbage collector): those are aiohttp's, not under test.
@pytest.mark.filterwarnings("ignore:Unclosed:ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_a_client_never_closed_warns(fake_axigen: FakeAxigen, jane: FakeAccount) -> None:
    client = AxigenClient(fake_axigen.url)
    await client.__aenter__()
    holder = [client]
    del client
    with pytest.warns(ResourceWarning) as warned:
        holder.clear()
    assert any("unclosed <AxigenClient" in str(w.message) for w in warned)


async def test_a_caller_owned_session_is_never_closed(
    fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    async with aiohttp.ClientSession() as http:
        async with AxigenClient(fake_axigen.url, http_session=http) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                await account.get_info(s)
        assert not http.closed


async def test_cookies_never_travel_between_accounts(
    client: AxigenClient, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    fake_axigen.add_account("john@example.com", PASSWORD)
    # Jane's login answer sets a cookie, as a load balancer's sticky session would.
    fake_axigen.faults.answer_next(
        LOGIN_ROUTE,
        body={"sessid": "jane-session-1"},
        headers={"Set-Cookie": "route=jane-node; Path=/"},
    )
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as jane_session:
        # The canned session id is unknown to the fake: a 401, then a real login.
        await account.get_info(jane_session)
    assert fake_axigen.route_counts[LOGIN_ROUTE] == 2
    sent = len(fake_axigen.requests)
    async with client.session(BasicAuth("john@example.com", PASSWORD)) as john:
        await account.get_info(john)
    later = fake_axigen.requests[sent:]
    assert later
    assert not any("cookie" in {name.lower() for name in r.headers} for r in later)


async def test_statistics_count_requests_and_logins(
    session: AccountSession, client: AxigenClient
) -> None:
    await account.get_info(session)
    await account.list_aliases(session)
    stats = client.statistics()
    assert (stats.requests, stats.logins, stats.retries, stats.in_flight) == (3, 1, 0, 0)
    assert session.requests_attempted == 3


@pytest.mark.parametrize("url", ["ftp://x", "mail.example.com", "http://u:p@host", "http://h/?q=1"])
def test_a_base_url_we_cannot_use_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        AxigenClient(url)


@pytest.mark.parametrize("url", ["ftp://u:S3cret-pw@host", "https://S3cret-pw@host/?q=1"])
def test_a_refused_base_url_never_quotes_its_credentials(url: str) -> None:
    with pytest.raises(ValueError, match="must not hold credentials") as caught:
        AxigenClient(url)
    assert "S3cret" not in str(caught.value)


async def test_secrets_never_reach_logs_reprs_or_errors(
    caplog: pytest.LogCaptureFixture, sleeps: Sleeps
) -> None:
    session_ids: list[str] = []

    def issue() -> str:  # the fake's session ids, recorded to look for them later
        session_ids.append(f"Sid{len(session_ids):04d}x9QzK")
        return session_ids[-1]

    caplog.set_level(logging.DEBUG, logger="axigen_async")
    seen: list[str] = []
    async with (
        FakeAxigen(session_ids=issue) as fake_axigen,
        AxigenClient(fake_axigen.url, sleep=sleeps, retry=RetryPolicy()) as client,
    ):
        fake_axigen.add_account(EMAIL, PASSWORD)
        fake_axigen.faults.fail_next(INFO_ROUTE, 503)
        credentials = BasicAuth(EMAIL, PASSWORD)
        async with client.session(credentials) as s:
            await account.get_info(s)
            fake_axigen.expire_sessions()
            await account.get_info(s)
            seen += [repr(s), repr(credentials), repr(client), str(client.statistics())]
            with pytest.raises(NotFoundError) as caught:
                await account.get_signature(s, "missing")
            seen += [str(caught.value), repr(caught.value), caught.value.body_excerpt]
        async with client.session(BasicAuth(EMAIL, "bad-" + PASSWORD)) as bad:
            with pytest.raises(LoginError) as refused:
                await account.get_info(bad)
            seen += [str(refused.value), repr(bad)]
    text = caplog.text + "\n".join(seen)
    assert "GET /api/v1/account/info" in caplog.text
    secrets = [PASSWORD, base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()]
    assert len(set(session_ids)) == 2
    secrets += session_ids
    for secret in secrets:
        assert secret not in text


async def test_a_session_can_carry_its_own_label(
    client: AxigenClient, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    from axigen_async import BearerAuth

    fake_axigen.add_token("opaque-token-2", EMAIL)
    async with client.session(BearerAuth("opaque-token-2"), label=EMAIL) as s:
        await account.get_info(s)
        assert s.label == EMAIL
        assert repr(s) == f"<AccountSession {EMAIL} logged in>"
        assert "opaque-token-2" not in repr(s)


async def test_a_refused_login_is_never_repeated_by_waiting_calls(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen, sleeps: Sleeps
) -> None:
    async with client.session(BasicAuth(EMAIL, "wrong-password")) as s:
        results = await asyncio.gather(
            *(account.get_info(s) for _ in range(50)), return_exceptions=True
        )
        assert all(isinstance(result, LoginError) for result in results)
        with pytest.raises(LoginError):
            await account.get_info(s)
    assert fake_axigen.login_failures[EMAIL] == 1
    assert fake_axigen.route_counts[LOGIN_ROUTE] == 1


async def test_a_new_password_lifts_the_refusal(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    async with client.session(BasicAuth(EMAIL, "wrong-password")) as s:
        with pytest.raises(LoginError):
            await account.get_info(s)
        s.use_password(PASSWORD)
        assert (await account.get_info(s)).email == EMAIL


async def test_closing_a_session_while_it_logs_in_ends_the_new_session(
    client: AxigenClient, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    fake_axigen.faults.delay(LOGIN_ROUTE, 0.2, count=1)
    s = client.session(BasicAuth(EMAIL, PASSWORD))
    call = asyncio.ensure_future(account.get_info(s))
    await wait_until(lambda: fake_axigen.in_flight > 0)
    await s.close()
    with pytest.raises(RuntimeError, match="closed"):
        await call
    assert fake_axigen.logins[EMAIL] == 1
    assert fake_axigen.route_counts["POST /api/v1/logout"] == 1
    assert fake_axigen.route_counts[INFO_ROUTE] == 0


def test_your_own_session_keeps_its_own_user_agent() -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        AxigenClient(
            "https://mail.example.com",
            http_session=object(),  # type: ignore[arg-type]
            user_agent="x/1",
        )
