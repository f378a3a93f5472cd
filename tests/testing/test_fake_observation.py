"""What a test can observe on the fake Axigen server, and what it must never see."""

from __future__ import annotations

import base64

from tests.testing.wire_helpers import Wire

INFO = "/api/v1/account/info"


async def test_request_log_redacts_every_secret(wire: Wire) -> None:
    password = "S3cret-Passw0rd"
    wire.fake.add_account("a@example.com", password)
    wire.fake.add_token("tok-SECRET-value", "a@example.com")
    headers = await wire.login("a@example.com", password)
    session_id = headers["X-Axigen-Session"]
    async with wire.http.get(wire.url(INFO), headers=headers | {"Cookie": "sid=c00kie"}):
        pass
    async with wire.http.post(
        wire.url("/api/v1/login"), headers={"Authorization": "Bearer tok-SECRET-value"}
    ):
        pass
    async with wire.http.get(wire.url("/api/"), params={"_h": session_id}):
        pass
    credentials = base64.b64encode(f"a@example.com:{password}".encode()).decode()
    text = repr(wire.fake.requests) + str(wire.fake.requests)
    for secret in (password, credentials, session_id, "tok-SECRET-value", "c00kie"):
        assert secret not in text
    assert wire.fake.requests[1].headers["Authorization"] == "<redacted>"
    assert wire.fake.requests[1].headers["X-Axigen-Session"] == "<redacted>"
    assert wire.fake.requests[-1].query == (("_h", "<redacted>"),)


async def test_account_repr_hides_password(wire: Wire) -> None:
    account = wire.fake.add_account("a@example.com", "hunter2-pw")
    assert "hunter2-pw" not in repr(account)


async def test_request_log_keeps_method_path_and_query(wire: Wire) -> None:
    async with wire.http.get(wire.url("/api/"), params=[("a", "1"), ("a", "2")]):
        pass
    logged = wire.fake.requests[-1]
    assert (logged.method, logged.path, logged.query) == ("GET", "/api/", (("a", "1"), ("a", "2")))


async def test_route_counts_use_templates(wire: Wire) -> None:
    headers = await wire.user()
    for signature_id in ("x", "y"):
        async with wire.http.get(
            wire.url(f"/api/v1/account/signatures/{signature_id}"), headers=headers
        ):
            pass
    assert wire.fake.route_counts["GET /api/v1/account/signatures/{id}"] == 2
    assert wire.fake.route_counts["POST /api/v1/login"] == 1


async def test_reset_stats_forgets_log_and_counters(wire: Wire) -> None:
    headers = await wire.user()
    async with wire.http.get(wire.url(INFO), headers=headers):
        pass
    wire.fake.reset_stats()
    assert wire.fake.requests == []
    assert not wire.fake.logins
    assert not wire.fake.route_counts
    assert wire.fake.max_in_flight == 0
