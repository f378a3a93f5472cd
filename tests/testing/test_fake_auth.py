"""Login, sessions and the version probe of the fake Axigen server."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from tests.testing.wire_helpers import FakeClock, Wire, basic

INFO = "/api/v1/account/info"


async def _status(wire: Wire, method: str, path: str, headers: dict[str, str]) -> int:
    async with wire.http.request(method, wire.url(path), headers=headers) as response:
        if response.status >= 400:
            assert response.content_type == "application/json"
            body: Any = await response.json()
            assert set(body["error"]) == {"code", "message"}
        return int(response.status)


async def test_version_probe_needs_no_auth(wire: Wire) -> None:
    async with wire.http.get(wire.url("/api/")) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert await response.json() == {"apiVersion": "1.0", "serverVersion": "10.6.0"}


async def test_version_probe_reports_configured_versions(http: aiohttp.ClientSession) -> None:
    async with (
        FakeAxigen(api_version="1.2", server_version="10.5.3") as fake,
        http.get(fake.url + "/api/") as response,
    ):
        assert await response.json() == {"apiVersion": "1.2", "serverVersion": "10.5.3"}


async def test_url_is_loopback_without_trailing_slash(fake_axigen: FakeAxigen) -> None:
    assert fake_axigen.url.startswith("http://127.0.0.1:")
    assert not fake_axigen.url.endswith("/")


async def test_basic_login_returns_session_and_counts(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    headers = await wire.login("a@example.com", "pw")
    assert headers["X-Axigen-Session"]
    assert wire.fake.logins["a@example.com"] == 1
    assert await _status(wire, "GET", INFO, headers) == 200


async def test_a_password_beyond_ascii_logs_in_and_authenticates_calls(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "\u00e9t\u00e9-pa55-\u2603")
    headers = await wire.login("a@example.com", "\u00e9t\u00e9-pa55-\u2603")
    assert await _status(wire, "GET", INFO, headers) == 200
    wrong = {**headers, "Authorization": basic("a@example.com", "\u00e9t\u00e9-pa56-\u2603")}
    assert await _status(wire, "GET", INFO, wrong) == 401


async def test_login_is_case_insensitive_on_email(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    headers = await wire.login("A@Example.com", "pw")
    assert await _status(wire, "GET", INFO, headers) == 200


async def test_bearer_login(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    wire.fake.add_token("tok-123", "a@example.com")
    async with wire.http.post(
        wire.url("/api/v1/login"), headers={"Authorization": "Bearer tok-123"}
    ) as response:
        assert response.status == 200
        session_id = (await response.json())["sessid"]
    headers = {"Authorization": "Bearer tok-123", "X-Axigen-Session": session_id}
    assert await _status(wire, "GET", INFO, headers) == 200
    assert wire.fake.logins["a@example.com"] == 1


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(basic("a@example.com", "wrong"), id="wrong-password"),
        pytest.param(basic("nobody@example.com", "pw"), id="unknown-user"),
        pytest.param(basic("no-domain", "pw"), id="user-without-domain"),
        pytest.param("Bearer unknown-token", id="unknown-token"),
        pytest.param("Digest abc", id="other-scheme"),
        pytest.param("", id="empty"),
    ],
)
async def test_login_rejects_wrong_credentials_with_401(wire: Wire, authorization: str) -> None:
    wire.fake.add_account("a@example.com", "pw")
    assert await _status(wire, "POST", "/api/v1/login", {"Authorization": authorization}) == 401
    assert sum(wire.fake.logins.values()) == 0
    assert sum(wire.fake.login_failures.values()) == 1


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Basic !!!not-base64", id="bad-base64"),
        pytest.param("Basic " + "bm9jb2xvbg==", id="no-colon"),
        pytest.param("Basic", id="no-value"),
    ],
)
async def test_login_rejects_malformed_basic_with_400(wire: Wire, authorization: str) -> None:
    wire.fake.add_account("a@example.com", "pw")
    async with wire.http.post(
        wire.url("/api/v1/login"), headers={"Authorization": authorization}
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "invalidAuthorization"
    assert sum(wire.fake.logins.values()) == 0
    assert wire.fake.login_failures["<malformed>"] == 1


async def test_login_without_authorization_is_401(wire: Wire) -> None:
    assert await _status(wire, "POST", "/api/v1/login", {}) == 401
    assert wire.fake.login_failures["<missing>"] == 1


async def test_login_failure_counted_per_user(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    await _status(wire, "POST", "/api/v1/login", {"Authorization": basic("a@example.com", "x")})
    assert wire.fake.login_failures["a@example.com"] == 1


async def test_first_api_login_flag_clears_on_second_login(wire: Wire) -> None:
    account = wire.fake.add_account("a@example.com", "pw")
    first = await wire.login("a@example.com", "pw")
    async with wire.http.get(wire.url(INFO), headers=first) as response:
        assert (await response.json())["isFirstApiLogin"] is True
    second = await wire.login("a@example.com", "pw")
    async with wire.http.get(wire.url(INFO), headers=second) as response:
        assert (await response.json())["isFirstApiLogin"] is False
    assert account.is_first_api_login is False


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"X-Axigen-Session": None}, id="missing-session"),
        pytest.param({"X-Axigen-Session": "not-a-session"}, id="unknown-session"),
        pytest.param({"Authorization": None}, id="missing-authorization"),
        pytest.param({"Authorization": basic("a@example.com", "bad")}, id="wrong-password"),
    ],
)
async def test_calls_need_authorization_and_session(
    wire: Wire, change: dict[str, str | None]
) -> None:
    headers: dict[str, str] = await wire.user()
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    assert await _status(wire, "GET", INFO, headers) == 401


async def test_session_of_another_account_is_refused(wire: Wire) -> None:
    mine = await wire.user("a@example.com", "pw")
    theirs = await wire.user("b@example.com", "pw2")
    headers = {
        "Authorization": mine["Authorization"],
        "X-Axigen-Session": theirs["X-Axigen-Session"],
    }
    assert await _status(wire, "GET", INFO, headers) == 401


async def test_old_basic_header_refused_after_password_change(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.account("a@example.com").password = "new"
    assert await _status(wire, "GET", INFO, headers) == 401
    headers["Authorization"] = basic("a@example.com", "new")
    assert await _status(wire, "GET", INFO, headers) == 200


async def test_bearer_session_needs_the_same_token(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    wire.fake.add_token("tok", "a@example.com")
    async with wire.http.post(
        wire.url("/api/v1/login"), headers={"Authorization": "Bearer tok"}
    ) as response:
        session_id = (await response.json())["sessid"]
    headers = {"Authorization": "Bearer other", "X-Axigen-Session": session_id}
    assert await _status(wire, "GET", INFO, headers) == 401


async def test_idle_session_expires_by_injected_clock(
    http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    async with FakeAxigen(clock=clock, session_idle_timeout=60) as fake:
        wire = Wire(fake, http)
        headers = await wire.user()
        clock.advance(59)
        assert await _status(wire, "GET", INFO, headers) == 200
        clock.advance(59)  # idle time counts from the last use
        assert await _status(wire, "GET", INFO, headers) == 200
        clock.advance(61)
        assert await _status(wire, "GET", INFO, headers) == 401
        clock.advance(0)
        assert await _status(wire, "GET", INFO, headers) == 401


async def test_expire_sessions_ends_every_session(wire: Wire) -> None:
    first = await wire.user("a@example.com")
    second = await wire.user("b@example.com")
    wire.fake.expire_sessions()
    assert await _status(wire, "GET", INFO, first) == 401
    assert await _status(wire, "GET", INFO, second) == 401


async def test_logout_ends_the_session_with_empty_answer(wire: Wire) -> None:
    headers = await wire.user()
    async with wire.http.post(wire.url("/api/v1/logout"), headers=headers) as response:
        assert response.status == 200
        assert await response.read() == b""
    assert await _status(wire, "GET", INFO, headers) == 401


async def test_logout_needs_a_session(wire: Wire) -> None:
    headers = await wire.user()
    del headers["X-Axigen-Session"]
    assert await _status(wire, "POST", "/api/v1/logout", headers) == 401


async def test_unknown_path_is_404_json_even_unauthenticated(wire: Wire) -> None:
    async with wire.http.get(wire.url("/api/v1/nothing/here")) as response:
        assert response.status == 404
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert (await response.json())["error"]["code"] == "notFound"


async def test_wrong_method_is_405_json(wire: Wire) -> None:
    async with wire.http.delete(wire.url(INFO)) as response:
        assert response.status == 405
        assert response.content_type == "application/json"
        assert (await response.json())["error"]["code"] == "methodNotAllowed"
        assert "GET" in response.headers["Allow"]


async def test_start_and_stop_are_explicit_and_idempotent(http: aiohttp.ClientSession) -> None:
    fake = FakeAxigen()
    with pytest.raises(RuntimeError):
        _ = fake.url
    await fake.start()
    try:
        await fake.start()
        async with http.get(fake.url + "/api/") as response:
            assert response.status == 200
    finally:
        await fake.stop()
    await fake.stop()


async def test_idle_sessions_are_forgotten_as_logins_pile_up() -> None:
    now = [0.0]
    fake = FakeAxigen(session_idle_timeout=10.0, clock=lambda: now[0])
    fake.add_account("a@example.com", "pw")
    fake._sweep_at = 3  # sweep early, instead of after ten thousand sessions
    async with fake:
        async with aiohttp.ClientSession() as http:
            header = {"Authorization": basic("a@example.com", "pw")}
            for _ in range(3):
                async with http.post(f"{fake.url}/api/v1/login", headers=header) as response:
                    assert response.status == 200
            now[0] = 60.0
            async with http.post(f"{fake.url}/api/v1/login", headers=header) as response:
                fresh = (await response.json())["sessid"]
    assert list(fake._sessions) == [fresh]
