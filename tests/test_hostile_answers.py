"""Malformed answers from the server, a proxy or a hostile host: typed errors, short
redacted excerpts, no redirect followed, and a client that stays usable afterwards.

The fake's ``answer_next`` serves each canned answer over a real loopback socket.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import traceback
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from axigen_async import (
    AccountSession,
    AmbiguousWriteError,
    ApiError,
    AxigenClient,
    BasicAuth,
    ConnectionLostError,
    NotFoundError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from axigen_async.api import account
from axigen_async.exceptions import BODY_EXCERPT_LIMIT
from axigen_async.models.account import NewSignature, SignatureSummary, SignatureType
from axigen_async.testing import FakeAccount, FakeAxigen, FakeSignature
from tests.conftest import EMAIL, PASSWORD, Sleeps

INFO = "GET /api/v1/account/info"
ALIASES = "GET /api/v1/account/aliases"
CREATE_ALIAS = "POST /api/v1/account/temporaryaliases"
PROXY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n" + b"<!-- padding -->\r\n" * 40
)
BIG = 50 * 1024 * 1024


async def _still_usable(session: AccountSession) -> None:
    """A normal call on the same session works after the bad answer."""
    assert (await account.get_info(session)).email == EMAIL


async def test_invalid_json_is_a_validation_error_with_an_excerpt(
    fake_axigen: FakeAxigen, session: AccountSession
) -> None:
    fake_axigen.faults.answer_next(
        INFO, body=b'{"accountName": "jane", "domainNa', content_type=None
    )

    with pytest.raises(ResponseValidationError) as caught:
        await account.get_info(session)

    error = caught.value
    assert type(error) is ResponseValidationError
    assert error.errors == ("the body is not JSON",)
    assert (error.status, error.attempts) == (200, 1)
    assert error.body_excerpt == '{"accountName": "jane", "domainNa'
    await _still_usable(session)


async def test_a_proxys_html_error_page_is_a_server_error_with_a_short_excerpt(
    fake_axigen: FakeAxigen, session: AccountSession, sleeps: Sleeps
) -> None:
    fake_axigen.faults.answer_next(
        INFO, status=502, body=PROXY_PAGE, content_type="text/html", count=4
    )

    with pytest.raises(ServerError) as caught:
        await account.get_info(session)

    error = caught.value
    assert (error.status, error.attempts) == (502, 4)  # retried as a 502 is, then raised
    assert error.body_excerpt.startswith("<html> <head><title>502 Bad Gateway</title></head>")
    assert len(error.body_excerpt) == BODY_EXCERPT_LIMIT
    assert "\n" not in str(error)
    await _still_usable(session)


async def test_an_html_page_with_status_200_is_a_validation_error(
    fake_axigen: FakeAxigen, session: AccountSession
) -> None:
    page = b"<!doctype html><title>Sign in to the network</title><form>...</form>"
    fake_axigen.faults.answer_next(INFO, body=page, content_type="text/html")

    with pytest.raises(ResponseValidationError) as caught:
        await account.get_info(session)

    assert caught.value.errors == ("the body is not JSON",)
    assert caught.value.body_excerpt == page.decode()
    await _still_usable(session)


async def test_wrong_field_types_name_the_field(
    fake_axigen: FakeAxigen, session: AccountSession
) -> None:
    body = {"items": [{"emailAddress": 5, "type": "mainAddress"}]}
    fake_axigen.faults.answer_next(ALIASES, body=body)

    with pytest.raises(ResponseValidationError) as caught:
        await account.list_aliases(session)

    error = caught.value
    assert any("$[0].emailAddress" in line for line in error.errors), error.errors
    assert error.body_excerpt == '{"items":[{"emailAddress":5,"type":"mainAddress"}]}'
    assert (await account.list_aliases(session)) != ()


async def test_a_truncated_body_is_a_lost_connection_with_its_status_and_start(
    fake_axigen: FakeAxigen, session: AccountSession, sleeps: Sleeps
) -> None:
    fake_axigen.faults.reset_next(INFO, count=4, after_headers=True)

    with pytest.raises(ConnectionLostError) as caught:
        await account.get_info(session)

    error = caught.value
    assert (error.status, error.attempts) == (200, 4)
    assert error.message == "connection lost while reading the 200 answer: ClientPayloadError"
    assert error.body_excerpt.startswith('{"accountName":"jane"')
    assert len(sleeps.delays) == 3
    await _still_usable(session)


async def test_a_create_whose_answer_was_cut_after_a_200_is_reported_not_resent(
    fake_axigen: FakeAxigen, session: AccountSession, jane: FakeAccount
) -> None:
    fake_axigen.faults.reset_next(CREATE_ALIAS, after_headers=True)
    before = len(jane.temporary_aliases)

    with pytest.raises(AmbiguousWriteError) as caught:
        await account.create_temporary_alias(session)

    error = caught.value
    assert error.status == 200
    assert "answered 200, so the write most likely took effect" in error.message
    assert isinstance(error.__cause__, ConnectionLostError)
    assert fake_axigen.route_counts[CREATE_ALIAS] == 1
    assert len(jane.temporary_aliases) == before + 1
    await _still_usable(session)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_far_larger_than_the_cap_is_refused_without_a_retry(
    fake_axigen: FakeAxigen, session: AccountSession, chunked: bool
) -> None:
    body = b'{"accountName": "' + b"x" * BIG + b'"}'
    fake_axigen.faults.answer_next(
        INFO, body=body, content_type="application/json", chunked=chunked
    )

    with pytest.raises(ResponseTooLargeError) as caught:
        await account.get_info(session)

    error = caught.value
    assert isinstance(error, ResponseValidationError)
    assert (error.status, error.attempts) == (200, 1)
    assert "larger than the client's max_response_size of 8388608 bytes" in error.message
    # Announced as too long, it is not read at all; sent chunked, only up to the cap.
    assert error.body_excerpt == ("" if not chunked else '{"accountName": "' + "x" * 183)
    assert fake_axigen.route_counts[INFO] == 1
    await _still_usable(session)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_error_answer_far_over_the_cap_keeps_its_status_and_start(
    fake_axigen: FakeAxigen, session: AccountSession, chunked: bool
) -> None:
    body = b"<html>" + b"E" * BIG
    fake_axigen.faults.answer_next(INFO, status=500, body=body, chunked=chunked, count=4)

    with pytest.raises(ServerError) as caught:
        await account.get_info(session)

    assert (caught.value.status, caught.value.attempts) == (500, 4)
    assert caught.value.body_excerpt == ("<html>" + "E" * BIG)[:BODY_EXCERPT_LIMIT]
    await _still_usable(session)


async def test_a_create_whose_200_is_too_large_is_reported_as_most_likely_done(
    fake_axigen: FakeAxigen, session: AccountSession
) -> None:
    fake_axigen.faults.answer_next(CREATE_ALIAS, body=b"{" + b" " * BIG + b"}")

    with pytest.raises(AmbiguousWriteError, match="answered 200") as caught:
        await account.create_temporary_alias(session)

    assert isinstance(caught.value.__cause__, ResponseTooLargeError)
    assert fake_axigen.route_counts[CREATE_ALIAS] == 1


async def test_an_error_answer_cut_off_is_still_that_error_and_not_retried(
    fake_axigen: FakeAxigen, session: AccountSession, sleeps: Sleeps
) -> None:
    # The handler answers 404 for a missing signature; the fake sends the status line
    # and half its body, then drops the connection. The status says what happened.
    fake_axigen.faults.reset_next("GET /api/v1/account/signatures/{id}", after_headers=True)

    with pytest.raises(NotFoundError) as caught:
        await account.get_signature(session, "missing")

    assert (caught.value.status, caught.value.attempts) == (404, 1)
    assert caught.value.body_excerpt.startswith('{"error":{')
    assert sleeps.delays == []
    await _still_usable(session)


async def test_an_error_answer_over_the_cap_keeps_its_status(
    fake_axigen: FakeAxigen, jane: FakeAccount, sleeps: Sleeps
) -> None:
    fake_axigen.faults.answer_next(INFO, status=500, body=b"E" * 5000, chunked=True, count=4)
    async with AxigenClient(fake_axigen.url, sleep=sleeps, max_response_size=1000) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            with pytest.raises(ServerError) as caught:
                await account.get_info(s)
            assert (caught.value.status, caught.value.attempts) == (500, 4)
            assert caught.value.body_excerpt == "E" * BODY_EXCERPT_LIMIT
            with pytest.raises(ResponseTooLargeError, match="max_response_size of 1000 bytes"):
                await account.get_info(s)  # the real info is 1.5 KB, over this cap


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_response_size must be at least 1 byte"):
        AxigenClient("http://127.0.0.1:9", max_response_size=0)


async def test_an_excerpt_never_shows_what_a_hostile_answer_echoes(sleeps: Sleeps) -> None:
    issued: list[str] = []

    def session_id() -> str:
        issued.append(f"sess-{len(issued)}-Zq81")
        return issued[-1]

    async with FakeAxigen(session_ids=session_id) as fake:
        fake.add_account(EMAIL, PASSWORD)
        basic = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
        async with AxigenClient(fake.url, sleep=sleeps) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                await account.get_info(s)
                echo = f"you sent {basic} and {PASSWORD} on {issued[0]} (u:{EMAIL})"
                fake.faults.answer_next(INFO, status=400, body=echo)
                with pytest.raises(ApiError) as caught:
                    await account.get_info(s)
    error = caught.value
    assert error.body_excerpt == (f"you sent <redacted> and <redacted> on <redacted> (u:{EMAIL})")
    for secret in (basic, PASSWORD, issued[0]):
        assert secret not in str(error) + repr(error) + error.body_excerpt


def _formatted_chain(error: BaseException) -> str:
    """Everything a logger could print: the error, its chain, tracebacks, reprs."""
    text = "".join(traceback.format_exception(error))
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        text += f"\n{current!r} {current!s} {current.args!r}"
        pending += [current.__cause__, current.__context__]
    return text


@pytest.mark.parametrize(
    "field",
    [
        "accountName",  # a str field given an object
        "totalQuota",  # an int field given the secret itself
        "restrictions",  # a nested object given the secret
        "restrictions.passwordPolicy.expiration.date",  # a timestamp field
        "restrictions.securityPolicy.twoFactorAuthPolicy.methods",  # an array of enums
    ],
)
async def test_no_decoding_error_nor_its_chain_holds_an_echoed_secret(
    sleeps: Sleeps, field: str
) -> None:
    issued: list[str] = []

    def session_id() -> str:
        issued.append(f"sess-{len(issued)}-Zq81")
        return issued[-1]

    async with FakeAxigen(session_ids=session_id) as fake:
        fake.add_account(EMAIL, PASSWORD)
        basic = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
        async with AxigenClient(fake.url, sleep=sleeps) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                await account.get_info(s)
                echoed: object = {"auth": basic, "sid": issued[0]}
                if field != "accountName":
                    echoed = f"{basic} {issued[0]}"
                if field.endswith("methods"):
                    echoed = [basic, issued[0], 5]
                document: dict[str, object] = {
                    "accountName": "jane",
                    "domainName": "example.com",
                    "folderContainerId": "1",
                }
                node = document
                *parents, leaf = field.split(".")
                for parent in parents:
                    node = node.setdefault(parent, {})  # type: ignore[assignment]
                node[leaf] = echoed
                fake.faults.answer_next(INFO, body=document)
                with pytest.raises(ResponseValidationError) as caught:
                    await account.get_info(s)
    assert caught.value.errors, caught.value
    assert any(field.rsplit(".", 1)[-1] in line for line in caught.value.errors)
    text = _formatted_chain(caught.value)
    for secret in (basic, basic.split()[1], PASSWORD, issued[0]):
        assert secret not in text


async def test_an_ambiguous_create_from_an_unreadable_body_holds_no_echoed_secret(
    sleeps: Sleeps,
) -> None:
    issued: list[str] = []

    def session_id() -> str:
        issued.append(f"sess-{len(issued)}-Zq81")
        return issued[-1]

    async with FakeAxigen(session_ids=session_id) as fake:
        fake.add_account(EMAIL, PASSWORD)
        basic = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
        async with AxigenClient(fake.url, sleep=sleeps) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                await account.get_info(s)
                page = f"<html>you sent {basic} on {issued[0]}</html>"
                fake.faults.answer_next(CREATE_ALIAS, body=page, content_type="text/html")
                with pytest.raises(AmbiguousWriteError) as caught:
                    await account.create_temporary_alias(s)
    assert "<redacted>" in caught.value.body_excerpt
    text = _formatted_chain(caught.value)
    for secret in (basic, basic.split()[1], PASSWORD, issued[0]):
        assert secret not in text


async def test_a_huge_answer_of_bad_items_is_explained_in_a_bounded_number_of_lines(
    fake_axigen: FakeAxigen, session: AccountSession
) -> None:
    count = 20_000
    fake_axigen.faults.answer_next(ALIASES, body=b'{"items":[' + b",".join([b"1"] * count) + b"]}")

    with pytest.raises(ResponseValidationError) as caught:
        await account.list_aliases(session)

    errors = caught.value.errors
    assert len(errors) == 21
    assert errors[:2] == ("expected a JSON object @ $[0]", "expected a JSON object @ $[1]")
    assert errors[-1] == f"and {count - 20} more items not checked"
    assert len(str(caught.value)) < 2_000
    await _still_usable(session)


async def test_a_create_answered_200_with_a_body_that_is_not_json_is_an_ambiguous_write(
    fake_axigen: FakeAxigen, session: AccountSession, jane: FakeAccount
) -> None:
    page = b"<!doctype html><title>Sign in to the network</title>"
    fake_axigen.faults.answer_next(CREATE_ALIAS, body=page, content_type="text/html")

    with pytest.raises(AmbiguousWriteError, match="answered 200") as caught:
        await account.create_temporary_alias(session)

    error = caught.value
    assert (error.status, error.attempts, error.body_excerpt) == (200, 1, page.decode())
    assert isinstance(error.__cause__, ResponseValidationError)
    assert error.__cause__.errors == ("the body is not JSON",)
    assert fake_axigen.route_counts[CREATE_ALIAS] == 1
    await _still_usable(session)


async def test_a_create_signature_answered_200_with_a_cut_body_finds_what_it_created(
    fake_axigen: FakeAxigen, session: AccountSession, jane: FakeAccount
) -> None:
    create = "POST /api/v1/account/signatures"
    # The handler does not run for a canned answer: create the signature the server
    # made before its answer was cut, as the lookup will find it.
    fake_axigen.faults.answer_next(create, body=b'{"id":"sig-9","na', content_type=None)
    signature = NewSignature("Work", SignatureType.TEXT, "Regards")
    jane.signatures["sig-9"] = FakeSignature(id="sig-9", name="Work", type="text", body="Regards")

    found = await account.create_signature(session, signature)

    assert found == SignatureSummary("sig-9", "Work", SignatureType.TEXT)
    assert fake_axigen.route_counts[create] == 1
    assert fake_axigen.route_counts["GET /api/v1/account/signatures"] == 1


# --- redirects ---------------------------------------------------------------------------


@pytest.fixture
async def other_host() -> AsyncIterator[FakeAxigen]:
    """A second server, which a redirect points to under the name ``localhost``."""
    async with FakeAxigen() as other:
        other.add_account(EMAIL, PASSWORD)
        yield other


@pytest.fixture
def redirect_to(other_host: FakeAxigen) -> str:
    return f"http://localhost:{other_host.port}/api/v1/account/info"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_host_is_not_followed(
    fake_axigen: FakeAxigen,
    session: AccountSession,
    other_host: FakeAxigen,
    redirect_to: str,
    status: int,
) -> None:
    fake_axigen.faults.answer_next(INFO, status=status, headers={"Location": redirect_to})

    with pytest.raises(ApiError, match="a redirect, which is not followed") as caught:
        await account.get_info(session)

    assert (caught.value.status, caught.value.attempts) == (status, 1)
    assert other_host.requests == []  # no Authorization, no session id went there
    await _still_usable(session)


async def test_a_callers_own_session_does_not_follow_redirects_either(
    fake_axigen: FakeAxigen, jane: FakeAccount, other_host: FakeAxigen, redirect_to: str
) -> None:
    fake_axigen.faults.answer_next(INFO, status=307, headers={"Location": redirect_to})
    async with aiohttp.ClientSession() as http:  # aiohttp's default: follow redirects
        async with AxigenClient(fake_axigen.url, http_session=http) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                with pytest.raises(ApiError, match="not followed"):
                    await account.get_info(s)
                await _still_usable(s)
    assert other_host.requests == []


async def test_a_redirected_login_sends_the_password_nowhere_else(
    fake_axigen: FakeAxigen, jane: FakeAccount, other_host: FakeAxigen, sleeps: Sleeps
) -> None:
    login_elsewhere = f"http://localhost:{other_host.port}/api/v1/login"
    fake_axigen.faults.answer_next(
        "POST /api/v1/login", status=308, headers={"Location": login_elsewhere}
    )
    async with AxigenClient(fake_axigen.url, sleep=sleeps) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            with pytest.raises(ApiError, match="308, a redirect"):
                await account.get_info(s)
            await _still_usable(s)
    assert other_host.requests == []
    assert other_host.logins.total() == 0


# --- a body that stalls ------------------------------------------------------------------


@pytest.fixture
async def stalling_url() -> AsyncIterator[str]:
    """A server whose GET /api/ sends its status line and a few bytes, then waits."""
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        response.content_length = 100
        await response.prepare(request)
        await response.write(b'{"apiVersion": ')
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(release.wait(), 10.0)
        return response

    app = web.Application()
    app.router.add_get("/api/", stall)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        release.set()
        await runner.cleanup()


async def test_a_body_stalling_past_the_attempt_limit_is_that_attempts_time_out(
    stalling_url: str,
) -> None:
    timeouts = Timeouts(deadline=30.0, attempt=0.2, connect=5.0)
    async with AxigenClient(stalling_url, timeouts=timeouts, retry=RetryPolicy.never()) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            await client.server_version()
    assert type(caught.value) is RequestTimeoutError  # the attempt's, not the deadline's
    assert caught.value.message == "the attempt took longer than 0.2 s"
