"""The Settings, Filters and Security pages on older servers, and faults on their routes."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from axigen_async.testing.__main__ import build_parser
from tests.testing.page_helpers import call
from tests.testing.wire_helpers import Wire

SETTINGS = "/api/v1/account/settings"
SECURITY = "/api/v1/account/security"
# (method, path) of every route gated on X5 (10.5) and on X6 (10.6).
X5_ROUTES = [
    (method, f"{SETTINGS}/{page}")
    for page in ("ui", "client")
    for method in ("GET", "POST", "DELETE")
]
X6_ROUTES = [
    ("POST", f"{SECURITY}/check"),
    ("GET", f"{SECURITY}/methods"),
    ("POST", f"{SECURITY}/methods"),
    ("DELETE", f"{SECURITY}/methods"),
    ("GET", f"{SECURITY}/methods/m1/qr"),
    ("POST", f"{SECURITY}/methods/m1/sendtoken"),
    ("POST", f"{SECURITY}/methods/m1/activate"),
    ("DELETE", f"{SECURITY}/methods/m1"),
    ("POST", f"{SECURITY}/2fa"),
    ("DELETE", f"{SECURITY}/2fa"),
    ("POST", f"{SECURITY}/2fa/recoverycodes"),
    ("POST", "/api/v1/recover/username"),
    ("GET", "/api/v1/recover/password/methods"),
    ("POST", "/api/v1/recover/password/sendtoken"),
    ("POST", "/api/v1/recover/password/validatetoken"),
    ("POST", "/api/v1/recover/password/reset"),
]
X4_ROUTES = [
    ("GET", SETTINGS),
    ("GET", "/api/v1/account/avas"),
    ("GET", "/api/v1/account/avas/whitelist"),
    ("GET", "/api/v1/account/avas/filters/onoff"),
]


@pytest.fixture
async def old_wire(
    request: pytest.FixtureRequest, http: aiohttp.ClientSession
) -> AsyncIterator[Wire]:
    async with FakeAxigen(server_version=request.param) as fake:
        yield Wire(fake, http)


async def _status(wire: Wire, method: str, path: str, headers: dict[str, str]) -> int:
    return (await call(wire, method, path, headers)).status


@pytest.mark.parametrize("old_wire", ["10.4.1"], indirect=True)
async def test_before_x5_ui_settings_and_security_are_404(old_wire: Wire) -> None:
    headers = await old_wire.user()
    for method, path in X5_ROUTES + X6_ROUTES:
        reply = await call(old_wire, method, path, headers)
        assert (reply.status, reply.code) == (404, "notFound"), (method, path)
    for method, path in X4_ROUTES:
        assert await _status(old_wire, method, path, headers) == 200, (method, path)


@pytest.mark.parametrize("old_wire", ["10.5", "10.5.9"], indirect=True)
async def test_on_x5_only_security_is_404(old_wire: Wire) -> None:
    headers = await old_wire.user()
    for method, path in X6_ROUTES:
        assert await _status(old_wire, method, path, headers) == 404, (method, path)
    for method, path in [*X4_ROUTES, ("GET", f"{SETTINGS}/ui"), ("GET", f"{SETTINGS}/client")]:
        assert await _status(old_wire, method, path, headers) == 200, (method, path)


@pytest.mark.parametrize("old_wire", ["10.5"], indirect=True)
async def test_the_404_comes_before_the_session_check(old_wire: Wire) -> None:
    # An older server has no such route at all: no session changes that.
    assert await _status(old_wire, "GET", f"{SECURITY}/methods", {}) == 404
    assert await _status(old_wire, "GET", SETTINGS, {}) == 401


async def test_the_newest_server_has_every_route(wire: Wire) -> None:
    headers = await wire.user()
    assert wire.fake.security("a@example.com").add_method("authApp").id == "m1"
    for method, path in X5_ROUTES + X6_ROUTES:
        assert await _status(wire, method, path, headers) != 404, (method, path)


async def test_changing_the_version_of_a_running_fake(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.server_version = "10.4"
    assert await _status(wire, "GET", f"{SETTINGS}/ui", headers) == 404
    async with wire.http.get(wire.url("/api/")) as response:
        assert (await response.json())["serverVersion"] == "10.4"
    wire.fake.server_version = "10.6.2"
    assert await _status(wire, "GET", f"{SETTINGS}/ui", headers) == 200


# -- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "method", "path"),
    [
        pytest.param(f"GET {SETTINGS}", "GET", SETTINGS, id="settings"),
        pytest.param("/api/v1/account/avas/whitelist", "GET", "/api/v1/account/avas/whitelist"),
        pytest.param(f"POST {SECURITY}/check", "POST", f"{SECURITY}/check", id="check"),
        pytest.param(
            "GET /api/v1/recover/password/methods",
            "GET",
            "/api/v1/recover/password/methods?username=a@example.com",
            id="public",
        ),
    ],
)
async def test_fail_next_applies_to_the_new_routes(
    wire: Wire, route: str, method: str, path: str
) -> None:
    headers = await wire.user()
    wire.fake.faults.fail_next(route, 503, retry_after=1)
    reply = await call(wire, method, path, headers, json={"password": "pw"})
    assert (reply.status, reply.code) == (503, "injectedFault")
    assert wire.fake.injected_faults[-1].route.endswith(route.split(" ")[-1])


async def test_a_reset_after_the_handler_keeps_the_write(wire: Wire) -> None:
    headers = await wire.user()
    path = "/api/v1/account/avas/blacklist"
    wire.fake.faults.reset_next(f"POST {path}")
    with pytest.raises(aiohttp.ClientError):
        await call(wire, "POST", path, headers, json={"emailAddress": "x@spam.example"})
    # The handler ran: a retry would now meet the duplicate.
    assert wire.fake.blacklist("a@example.com").addresses == ["x@spam.example"]
    retry = await call(wire, "POST", path, headers, json={"emailAddress": "x@spam.example"})
    assert retry.status == 409


async def test_route_counts_name_the_new_templates(wire: Wire) -> None:
    headers = await wire.user()
    await call(wire, "DELETE", "/api/v1/account/avas/whitelist/w1", headers)
    assert wire.fake.route_counts["DELETE /api/v1/account/avas/whitelist/{id}"] == 1


# -- the standalone server ----------------------------------------------------------------------


def test_parser_server_version() -> None:
    assert build_parser().parse_args([]).server_version == "10.6.0"
    assert build_parser().parse_args(["--server-version", "10.5"]).server_version == "10.5"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--server-version", "X5"])


async def test_standalone_claims_the_given_version() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "axigen_async.testing",
        "--accounts",
        "0",
        "--server-version",
        "10.5.1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 20.0)).decode().strip()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/api/") as response:
                assert (await response.json())["serverVersion"] == "10.5.1"
            async with http.post(f"{url}/api/v1/recover/username", json={}) as response:
                assert response.status == 404
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10.0) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 10.0)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.feed_eof()


# -- hostile bodies -----------------------------------------------------------------------------

WRITE_ROUTES = [
    ("PATCH", SETTINGS),
    ("POST", f"{SETTINGS}/ui"),
    ("POST", f"{SETTINGS}/client"),
    ("PATCH", "/api/v1/account/avas"),
    ("POST", "/api/v1/account/avas/whitelist"),
    ("PUT", "/api/v1/account/avas/blacklist/b1"),
    ("POST", "/api/v1/account/avas/filters/onoff/preset"),
    ("PATCH", "/api/v1/account/avas/filters/onoff/1"),
    ("POST", f"{SECURITY}/check"),
    ("POST", f"{SECURITY}/methods"),
    ("POST", f"{SECURITY}/methods/m1/activate"),
    ("POST", f"{SECURITY}/2fa"),
    ("DELETE", f"{SECURITY}/2fa"),
    ("POST", f"{SECURITY}/2fa/recoverycodes"),
    ("POST", "/api/v1/recover/username"),
    ("POST", "/api/v1/recover/password/sendtoken"),
    ("POST", "/api/v1/recover/password/validatetoken"),
    ("POST", "/api/v1/recover/password/reset"),
]
HOSTILE_BODIES = [
    pytest.param(b"\xff\xfe", id="not-utf8"),
    pytest.param(b"[" * 50_000, id="deep"),
    pytest.param(b'{"x": "\\ud800"}', id="lone-surrogate"),
    pytest.param(b'{"receipts": {"a": {"b": 1}}, "workingDays": 1e400}', id="huge-number"),
    pytest.param(b"9" * 5000, id="long-integer"),
    pytest.param(b"null", id="null"),
]


@pytest.mark.parametrize("raw", HOSTILE_BODIES)
async def test_hostile_bodies_are_4xx_never_500(wire: Wire, raw: bytes) -> None:
    headers = await wire.user()
    security = wire.fake.security("a@example.com")
    security.add_method("authApp", active=False, session=headers["X-Axigen-Session"])
    wire.fake.blacklist("a@example.com").add("b@x.example")
    check = await call(wire, "POST", f"{SECURITY}/check", headers, json={"password": "pw"})
    headers["X-Axigen-Security-Token"] = check.body["securityToken"]
    for method, path in WRITE_ROUTES:
        reply = await call(wire, method, path, headers, data=raw)
        assert 400 <= reply.status < 500, (method, path, reply.status)
        assert reply.code != "internalError"
