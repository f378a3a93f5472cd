"""Public recovery endpoints of the fake Axigen server, with no session or credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from tests.testing.page_helpers import call
from tests.testing.wire_helpers import FakeClock, Wire

RECOVER = "/api/v1/recover"
PASSWORD = f"{RECOVER}/password"
EMAIL = "a@example.com"
RECOVERY_ADDRESS = "ana.private@mail.example"
PHONE = "+40712345678"


@pytest.fixture
async def wire(clock: FakeClock, http: aiohttp.ClientSession) -> AsyncIterator[Wire]:
    async with FakeAxigen(clock=clock) as fake:
        fake.add_account(
            EMAIL,
            "old-Password-1",
            username_recovery_methods=("email", "sms"),
            password_recovery_methods=("email", "sms"),
        )
        security = fake.security(EMAIL)
        security.add_method("email", RECOVERY_ADDRESS)
        security.add_method("sms", PHONE)
        security.add_method("authApp")
        yield Wire(fake, http)


async def _send_token(wire: Wire) -> str:
    body = {"username": EMAIL, "email": RECOVERY_ADDRESS}
    reply = await call(wire, "POST", f"{PASSWORD}/sendtoken", json=body)
    assert (reply.status, reply.body) == (200, b"")
    token = wire.fake.recovery_token(EMAIL)
    assert token is not None
    return token


# -- username recovery --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "method"),
    [
        pytest.param({"email": RECOVERY_ADDRESS.upper()}, "email", id="email"),
        pytest.param({"phoneNumber": PHONE}, "sms", id="phone"),
    ],
)
async def test_username_recovery_sends_to_a_matching_target(
    wire: Wire, body: dict[str, str], method: str
) -> None:
    reply = await call(wire, "POST", f"{RECOVER}/username", json=body)
    assert (reply.status, reply.body) == (200, b"")
    [notice] = wire.fake.security_notices
    assert (notice.account, notice.purpose, notice.method) == (EMAIL, "usernameRecovery", method)


async def test_username_recovery_always_succeeds(wire: Wire) -> None:
    reply = await call(wire, "POST", f"{RECOVER}/username", json={"email": "who@else.example"})
    assert (reply.status, reply.body) == (200, b"")
    assert wire.fake.security_notices == []


async def test_username_recovery_respects_the_policy(wire: Wire) -> None:
    wire.fake.account(EMAIL).username_recovery_methods = ("email",)
    await call(wire, "POST", f"{RECOVER}/username", json={"phoneNumber": PHONE})
    assert wire.fake.security_notices == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="neither"),
        pytest.param({"email": ""}, id="empty"),
        pytest.param({"email": RECOVERY_ADDRESS, "name": "x"}, id="unknown-key"),
    ],
)
async def test_username_recovery_refuses_bad_bodies(wire: Wire, body: dict[str, str]) -> None:
    assert (await call(wire, "POST", f"{RECOVER}/username", json=body)).status == 400


# -- password recovery --------------------------------------------------------------------------


async def test_methods_lists_masked_recovery_methods(wire: Wire) -> None:
    reply = await call(wire, "GET", f"{PASSWORD}/methods?username={EMAIL}")
    assert reply.status == 200
    assert reply.body == {
        "items": [
            {"method": "email", "target": "ana***@***ample"},
            {"method": "sms", "target": "*********678"},
        ]
    }


async def test_methods_of_an_unknown_user_is_an_empty_list(wire: Wire) -> None:
    reply = await call(wire, "GET", f"{PASSWORD}/methods?username=nobody@example.com")
    assert (reply.status, reply.body) == (200, {"items": []})


@pytest.mark.parametrize("query", ["", "?username=", "?user=a@example.com"])
async def test_methods_needs_a_username(wire: Wire, query: str) -> None:
    assert (await call(wire, "GET", f"{PASSWORD}/methods{query}")).status == 400


async def test_send_validate_reset_then_log_in(wire: Wire) -> None:
    token = await _send_token(wire)
    notice = wire.fake.security_notices[-1]
    assert (notice.purpose, notice.method) == ("passwordRecovery", "email")
    assert token not in repr(notice)
    body = {"username": EMAIL, "recoveryToken": token}
    valid = await call(wire, "POST", f"{PASSWORD}/validatetoken", json=body)
    assert valid.status == 200
    assert set(valid.body["passwordPolicy"]) == {"minLength", "maxLength", "mustInclude"}
    reset = {"userName": EMAIL, "recoveryToken": token, "newPassword": "new-Password-2"}
    reply = await call(wire, "POST", f"{PASSWORD}/reset", json=reset)
    assert (reply.status, reply.body) == (200, b"")
    await wire.login(EMAIL, "new-Password-2")
    again = await call(wire, "POST", f"{PASSWORD}/reset", json=reset)  # used once
    assert (again.status, again.code) == (400, "invalidRecoveryToken")


async def test_validate_shows_history_and_renewal_when_on(wire: Wire) -> None:
    account = wire.fake.account(EMAIL)
    account.history_enabled, account.history_size = True, 5
    account.renewal_interval_enabled, account.renewal_interval = True, 90
    token = await _send_token(wire)
    body = {"username": EMAIL, "recoveryToken": token}
    policy = (await call(wire, "POST", f"{PASSWORD}/validatetoken", json=body)).body
    assert policy["passwordPolicy"]["historySize"] == 5
    assert policy["passwordPolicy"]["renewalInterval"] == 90


async def test_sendtoken_for_a_wrong_target_sends_nothing_but_succeeds(wire: Wire) -> None:
    body = {"username": EMAIL, "email": "someone@else.example"}
    reply = await call(wire, "POST", f"{PASSWORD}/sendtoken", json=body)
    assert (reply.status, reply.body) == (200, b"")
    assert wire.fake.recovery_token(EMAIL) is None
    assert wire.fake.security_notices == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"email": RECOVERY_ADDRESS}, id="no-username"),
        pytest.param({"username": EMAIL}, id="no-target"),
        pytest.param({"username": EMAIL, "email": 5}, id="not-string"),
    ],
)
async def test_sendtoken_refuses_bad_bodies(wire: Wire, body: dict[str, Any]) -> None:
    assert (await call(wire, "POST", f"{PASSWORD}/sendtoken", json=body)).status == 400


async def test_a_wrong_token_is_refused(wire: Wire) -> None:
    token = await _send_token(wire)
    wrong = f"{(int(token) + 1) % 100_000_000:08d}"
    body = {"username": EMAIL, "recoveryToken": wrong}
    reply = await call(wire, "POST", f"{PASSWORD}/validatetoken", json=body)
    assert (reply.status, reply.code) == (400, "invalidRecoveryToken")
    assert wrong not in str(reply.body)
    reset = {"userName": EMAIL, "recoveryToken": wrong, "newPassword": "new-Password-2"}
    assert (await call(wire, "POST", f"{PASSWORD}/reset", json=reset)).status == 400
    assert wire.fake.account(EMAIL).password == "old-Password-1"


async def test_the_recovery_token_expires(wire: Wire, clock: FakeClock) -> None:
    wire.fake.recovery_token_ttl = 60.0
    token = await _send_token(wire)
    clock.advance(60.0)
    body = {"username": EMAIL, "recoveryToken": token}
    reply = await call(wire, "POST", f"{PASSWORD}/validatetoken", json=body)
    assert (reply.status, reply.code) == (400, "invalidRecoveryToken")


async def test_reset_uses_the_pages_username_spelling(wire: Wire) -> None:
    token = await _send_token(wire)
    body = {"username": EMAIL, "recoveryToken": token, "newPassword": "new-Password-2"}
    reply = await call(wire, "POST", f"{PASSWORD}/reset", json=body)
    assert (reply.status, reply.code) == (400, "unexpectedParameter")


async def test_reset_refused_by_the_policy_includes_it(wire: Wire) -> None:
    account = wire.fake.account(EMAIL)
    account.content_policy_enabled = True
    account.content_policy_min_length = 12
    token = await _send_token(wire)
    body = {"userName": EMAIL, "recoveryToken": token, "newPassword": "short-1"}
    reply = await call(wire, "POST", f"{PASSWORD}/reset", json=body)
    assert (reply.status, reply.code) == (400, "passwordTooShort")
    assert reply.body["passwordPolicy"]["minLength"] == 12
    assert "short-1" not in str(reply.body)
    assert wire.fake.recovery_token(EMAIL) == token  # still usable for a better password
