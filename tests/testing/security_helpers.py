"""Helpers for the Account Security wire tests: a session with a security token, methods."""

from __future__ import annotations

from tests.testing.page_helpers import call
from tests.testing.wire_helpers import Wire

SECURITY = "/api/v1/account/security"
METHODS = f"{SECURITY}/methods"
TWO_FA = f"{SECURITY}/2fa"
EMAIL = "a@example.com"
PASSWORD = "pw-Secret-1"
TOKEN_HEADER = "X-Axigen-Security-Token"


async def session_with_token(wire: Wire) -> dict[str, str]:
    """A logged-in session holding a fresh security token."""
    headers = await wire.login(EMAIL, PASSWORD)
    reply = await call(wire, "POST", f"{SECURITY}/check", headers, json={"password": PASSWORD})
    assert reply.status == 200
    return {**headers, TOKEN_HEADER: reply.body["securityToken"]}


async def active_method(wire: Wire, headers: dict[str, str], kind: str, target: str = "") -> str:
    """Create and activate a method over the wire; returns its id."""
    body = {"method": kind, "target": target} if target else {"method": kind}
    method_id: str = (await call(wire, "POST", METHODS, headers, json=body)).body["id"]
    if kind != "authApp":
        assert (await call(wire, "POST", f"{METHODS}/{method_id}/sendtoken", headers)).status == 200
    code = wire.fake.totp_code(EMAIL, method_id)
    reply = await call(
        wire, "POST", f"{METHODS}/{method_id}/activate", headers, json={"totpToken": code}
    )
    assert reply.status == 200
    return method_id


async def enable_two_factor(wire: Wire, headers: dict[str, str], method_id: str) -> list[str]:
    """Turn 2-Step Verification on with the method; returns the recovery codes."""
    code = wire.fake.totp_code(EMAIL, method_id)
    body = {"methodId": method_id, "totpToken": code}
    reply = await call(wire, "POST", TWO_FA, headers, json=body)
    assert reply.status == 200
    codes: list[str] = reply.body["recoveryCodes"]
    return codes


def wrong_code(code: str) -> str:
    """A six-digit code other than ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"
