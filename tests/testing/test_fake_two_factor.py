"""2-Step Verification on the fake Axigen server, and the secrets it must not show."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from axigen_async.testing._security import SecurityTokens
from tests.testing.page_helpers import call
from tests.testing.security_helpers import (
    EMAIL,
    METHODS,
    PASSWORD,
    TOKEN_HEADER,
    TWO_FA,
    active_method,
    enable_two_factor,
    session_with_token,
    wrong_code,
)
from tests.testing.wire_helpers import FakeClock, Wire


@pytest.fixture
async def wire(clock: FakeClock, http: aiohttp.ClientSession) -> AsyncIterator[Wire]:
    async with FakeAxigen(clock=clock) as fake:
        fake.add_account(EMAIL, PASSWORD, two_factor_auth_status="enabled")
        yield Wire(fake, http)


# -- 2-Step Verification ------------------------------------------------------------------------


async def test_enable_gives_recovery_codes_and_shows_in_info(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    codes = await enable_two_factor(wire, headers, method_id)
    assert len(codes) == len(set(codes)) == 10
    assert all(isinstance(code, str) and code for code in codes)
    assert wire.fake.account(EMAIL).two_factor_auth_configured is True
    info = await call(wire, "GET", "/api/v1/account/info", headers)
    assert info.body["twoFactorAuthConfigured"] is True
    assert wire.fake.security(EMAIL).redeem_recovery_code(codes[0]) is True
    assert wire.fake.security(EMAIL).redeem_recovery_code(codes[0]) is False  # used once


async def test_enable_refusals(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    code = wire.fake.totp_code(EMAIL, method_id)
    wrong = {"methodId": method_id, "totpToken": wrong_code(code)}
    reply = await call(wire, "POST", TWO_FA, headers, json=wrong)
    assert (reply.status, reply.code) == (400, "invalidTotpToken")
    unknown = {"methodId": "m999", "totpToken": code}
    assert (await call(wire, "POST", TWO_FA, headers, json=unknown)).status == 400
    assert wire.fake.account(EMAIL).two_factor_auth_configured is False
    await enable_two_factor(wire, headers, method_id)
    again = await call(
        wire, "POST", TWO_FA, headers, json={"methodId": method_id, "totpToken": code}
    )
    assert (again.status, again.code) == (409, "twoFactorAlreadyEnabled")


async def test_enable_refused_when_the_policy_disables_2fa(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    wire.fake.account(EMAIL).two_factor_auth_status = "disabled"
    code = wire.fake.totp_code(EMAIL, method_id)
    reply = await call(
        wire, "POST", TWO_FA, headers, json={"methodId": method_id, "totpToken": code}
    )
    assert (reply.status, reply.code) == (403, "twoFactorAuthDisabled")


async def test_disable_is_a_delete_with_a_body(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    await enable_two_factor(wire, headers, method_id)
    code = wire.fake.totp_code(EMAIL, method_id)
    no_body = await call(wire, "DELETE", TWO_FA, headers)
    assert no_body.status == 400
    body = {"methodId": method_id, "totpToken": code}
    reply = await call(wire, "DELETE", TWO_FA, headers, json=body)
    assert (reply.status, reply.body) == (200, b"")
    assert wire.fake.account(EMAIL).two_factor_auth_configured is False
    assert wire.fake.security(EMAIL).recovery_codes == []
    again = await call(wire, "DELETE", TWO_FA, headers, json=body)
    assert (again.status, again.code) == (409, "twoFactorNotEnabled")


async def test_disable_refused_when_2fa_is_mandatory(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    await enable_two_factor(wire, headers, method_id)
    wire.fake.account(EMAIL).two_factor_auth_status = "mandatory"
    code = wire.fake.totp_code(EMAIL, method_id)
    body = {"methodId": method_id, "totpToken": code}
    reply = await call(wire, "DELETE", TWO_FA, headers, json=body)
    assert (reply.status, reply.code) == (403, "twoFactorAuthMandatory")


async def test_renewed_recovery_codes_replace_the_old_ones(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    old = await enable_two_factor(wire, headers, method_id)
    reply = await call(wire, "POST", f"{TWO_FA}/recoverycodes", headers)
    assert reply.status == 200
    new = reply.body["recoveryCodes"]
    assert len(new) == 10
    assert not set(old) & set(new)
    security = wire.fake.security(EMAIL)
    assert security.redeem_recovery_code(old[0]) is False
    assert security.redeem_recovery_code(new[0]) is True


async def test_recovery_codes_need_2fa_on_and_the_token(wire: Wire) -> None:
    headers = await session_with_token(wire)
    reply = await call(wire, "POST", f"{TWO_FA}/recoverycodes", headers)
    assert (reply.status, reply.code) == (409, "twoFactorNotEnabled")
    method_id = await active_method(wire, headers, "authApp")
    await enable_two_factor(wire, headers, method_id)
    no_token = {k: v for k, v in headers.items() if k != TOKEN_HEADER}
    assert (await call(wire, "POST", f"{TWO_FA}/recoverycodes", no_token)).status == 403


async def test_revoking_the_last_2fa_method_turns_2fa_off(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    await enable_two_factor(wire, headers, method_id)
    assert (await call(wire, "DELETE", f"{METHODS}/{method_id}", headers)).status == 200
    assert wire.fake.account(EMAIL).two_factor_auth_configured is False
    assert wire.fake.security(EMAIL).recovery_codes == []


# -- secrets --------------------------------------------------------------------------------


async def test_secrets_stay_out_of_reprs_and_the_request_log(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "authApp")
    codes = await enable_two_factor(wire, headers, method_id)
    token = headers[TOKEN_HEADER]
    totp = wire.fake.totp_code(EMAIL, method_id)
    security = wire.fake.security(EMAIL)
    shown = " ".join(
        [
            repr(security),
            repr(security.methods[method_id]),
            repr(wire.fake.requests),
            repr(wire.fake.security_notices),
        ]
    )
    for secret in [token, totp, *codes, security.methods[method_id].secret.hex()]:
        assert secret not in shown
    logged = [r.headers.get(TOKEN_HEADER) for r in wire.fake.requests if TOKEN_HEADER in r.headers]
    assert logged
    assert set(logged) == {"<redacted>"}


def test_the_security_token_store_shows_no_token_in_its_repr() -> None:
    # A unit test of the private store itself: the fake keeps it out of its public API.
    tokens = SecurityTokens(lambda: 0.0)
    issued = tokens.issue(EMAIL, "session-1", ttl=60.0)
    assert repr(tokens) == "SecurityTokens(1 issued)"
    assert issued not in repr(tokens)
