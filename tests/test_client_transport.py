"""Transport failures injected with aioresponses: what is retried, what is ambiguous.

A real server cannot easily refuse a TLS handshake or time out a read on cue,
so these failures are raised inside aiohttp's request call instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from aioresponses import aioresponses

from axigen_async import (
    AmbiguousWriteError,
    AxigenClient,
    BasicAuth,
    ConnectError,
    ConnectionLostError,
    NotFoundError,
    RequestTimeoutError,
    ResponseValidationError,
)
from axigen_async.api import account
from tests.aioresponses_compat import mocked_aiohttp
from tests.conftest import Sleeps

BASE = "http://axigen.test"
INFO = f"{BASE}/api/v1/account/info"
LOGIN = f"{BASE}/api/v1/login"
TEMPORARY_ALIASES = f"{BASE}/api/v1/account/temporaryaliases"
INFO_BODY = {"accountName": "jane", "domainName": "example.com", "folderContainerId": "1"}


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    with mocked_aiohttp(monkeypatch) as mocked:
        yield mocked


@pytest.fixture
async def client(sleeps: Sleeps) -> AsyncIterator[AxigenClient]:
    async with AxigenClient(BASE, sleep=sleeps, random=lambda: 0.5) as client:
        yield client


def _refused() -> aiohttp.ClientConnectorError:
    key = aiohttp.client_reqrep.ConnectionKey("axigen.test", 80, False, True, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


def _login(mocked: aioresponses) -> None:
    mocked.post(LOGIN, payload={"sessid": "s1"})


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(
            _refused(),
            id="refused",
        ),
        pytest.param(aiohttp.ServerDisconnectedError(), id="disconnected"),
        pytest.param(aiohttp.SocketTimeoutError("read"), id="read-timeout"),
        pytest.param(aiohttp.ClientPayloadError("truncated"), id="payload"),
    ],
)
async def test_a_read_is_retried_after_any_transport_failure(
    mocked: aioresponses, client: AxigenClient, sleeps: Sleeps, error: Exception
) -> None:
    _login(mocked)
    mocked.get(INFO, exception=error)
    mocked.get(INFO, payload=INFO_BODY)
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        info = await account.get_info(s)
        assert info.email == "jane@example.com"
    assert len(sleeps.delays) == 1
    assert client.statistics().retries == 1


async def test_connect_failures_end_as_connect_error_after_every_attempt(
    mocked: aioresponses, client: AxigenClient, sleeps: Sleeps
) -> None:
    for _ in range(4):
        mocked.post(LOGIN, exception=_refused())
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(ConnectError) as caught:
            await account.get_info(s)
    assert caught.value.attempts == 4
    assert len(sleeps.delays) == 3


async def test_a_create_that_lost_its_connection_is_ambiguous_and_not_resent(
    mocked: aioresponses, client: AxigenClient, sleeps: Sleeps
) -> None:
    _login(mocked)
    mocked.post(TEMPORARY_ALIASES, exception=aiohttp.ServerDisconnectedError())
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(AmbiguousWriteError) as caught:
            await account.create_temporary_alias(s)
    assert isinstance(caught.value.__cause__, ConnectionLostError)
    assert caught.value.attempts == 1
    assert sleeps.delays == []
    sent = [key for key in mocked.requests if str(key[1]) == TEMPORARY_ALIASES]
    assert len(sent) == 1
    assert len(mocked.requests[sent[0]]) == 1


async def test_a_create_refused_before_sending_is_retried(
    mocked: aioresponses, client: AxigenClient
) -> None:
    _login(mocked)
    mocked.post(
        TEMPORARY_ALIASES,
        exception=aiohttp.ConnectionTimeoutError("connect"),
    )
    mocked.post(
        TEMPORARY_ALIASES,
        payload={"id": "t1", "emailAddress": "tmp@example.com", "expireDate": ""},
    )
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        alias = await account.create_temporary_alias(s)
    assert alias.id == "t1"


async def test_tls_failures_are_not_retried(
    mocked: aioresponses, client: AxigenClient, sleeps: Sleeps
) -> None:
    mocked.post(LOGIN, exception=aiohttp.ClientSSLError(None, OSError("bad certificate")))  # type: ignore[arg-type]
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(ConnectError, match="TLS"):
            await account.get_info(s)
    assert sleeps.delays == []


async def test_read_timeouts_are_request_timeouts(mocked: aioresponses, sleeps: Sleeps) -> None:
    async with AxigenClient(BASE, sleep=sleeps) as client:
        _login(mocked)
        for _ in range(4):
            mocked.get(INFO, exception=aiohttp.SocketTimeoutError("read"))
        async with client.session(BasicAuth("jane@example.com", "pw")) as s:
            with pytest.raises(RequestTimeoutError) as caught:
                await account.get_info(s)
    assert caught.value.attempts == 4
    assert isinstance(caught.value, TimeoutError)


def _chain(error: BaseException) -> list[BaseException]:
    """The error and everything reachable through __cause__ and __context__."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        pending += [current.__cause__, current.__context__]
    return seen


async def test_no_error_chain_carries_the_request_headers(
    mocked: aioresponses, client: AxigenClient
) -> None:
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    headers = CIMultiDictProxy(
        CIMultiDict({"Authorization": "Basic c2VjcmV0LXRva2Vu", "X-Axigen-Session": "sid-42"})
    )
    info = aiohttp.RequestInfo(URL(INFO), "GET", headers, URL(INFO))
    _login(mocked)
    for _ in range(4):
        mocked.get(INFO, exception=aiohttp.ClientResponseError(info, (), message="bad answer"))
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(ConnectionLostError) as caught:
            await account.get_info(s)
    chain = _chain(caught.value)
    assert chain == [caught.value]
    text = "\n".join(f"{error!r} {error!s} {error.args!r}" for error in chain)
    for secret in ("c2VjcmV0LXRva2Vu", "sid-42", "s1"):
        assert secret not in text


async def test_a_retried_delete_that_never_left_reports_its_404(
    mocked: aioresponses, client: AxigenClient
) -> None:
    url = f"{BASE}/api/v1/account/signatures/s9"
    _login(mocked)
    mocked.delete(url, exception=_refused())
    mocked.delete(url, status=404, payload={"error": {}})
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(NotFoundError):
            await account.delete_signature(s, "s9")


async def test_a_retried_delete_that_may_have_acted_takes_404_as_done(
    mocked: aioresponses, client: AxigenClient
) -> None:
    url = f"{BASE}/api/v1/account/signatures/s9"
    _login(mocked)
    mocked.delete(url, exception=aiohttp.ServerDisconnectedError())
    mocked.delete(url, status=404, payload={"error": {}})
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        await account.delete_signature(s, "s9")


async def test_an_answer_of_the_wrong_shape_is_a_validation_error_with_its_paths(
    mocked: aioresponses, client: AxigenClient, sleeps: Sleeps
) -> None:
    _login(mocked)
    mocked.get(INFO, status=503)
    mocked.get(INFO, payload={**INFO_BODY, "totalQuota": "lots", "autopurge": {"spam": 1}})
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(ResponseValidationError) as caught:
            await account.get_info(s)
    error = caught.value
    assert (error.method, error.url, error.status, error.attempts) == (
        "GET",
        "/api/v1/account/info",
        200,
        2,
    )
    assert set(error.errors) == {
        "invalid value for type, expected int @ $.totalQuota",
        "invalid value for type, expected bool @ $.autopurge.spam",
    }
    assert "@ $.totalQuota" in str(error)
    # Retrying cannot fix a malformed answer: the one 503 was the only retry.
    assert client.statistics().retries == 1


async def test_an_answer_that_is_not_json_is_a_validation_error(
    mocked: aioresponses, client: AxigenClient
) -> None:
    _login(mocked)
    mocked.get(INFO, body=b"<html>maintenance</html>", content_type="text/html")
    async with client.session(BasicAuth("jane@example.com", "pw")) as s:
        with pytest.raises(ResponseValidationError) as caught:
            await account.get_info(s)
    assert caught.value.errors == ("the body is not JSON",)
    assert (caught.value.status, caught.value.attempts) == (200, 1)
