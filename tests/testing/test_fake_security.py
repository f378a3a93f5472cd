"""Account Security page of the fake Axigen server (session side), in plain wire form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from tests.testing.page_helpers import call
from tests.testing.security_helpers import (
    EMAIL,
    METHODS,
    PASSWORD,
    SECURITY,
    TOKEN_HEADER,
    active_method,
    session_with_token,
    wrong_code,
)
from tests.testing.wire_helpers import FakeClock, Wire


@pytest.fixture
async def wire(clock: FakeClock, http: aiohttp.ClientSession) -> AsyncIterator[Wire]:
    async with FakeAxigen(clock=clock) as fake:
        fake.add_account(EMAIL, PASSWORD, two_factor_auth_status="enabled")
        yield Wire(fake, http)


# -- the security check and its token -------------------------------------------------------


async def test_check_gives_a_token_that_allows_a_change(wire: Wire) -> None:
    headers = await session_with_token(wire)
    assert len(headers[TOKEN_HEADER]) >= 16
    reply = await call(wire, "POST", METHODS, headers, json={"method": "authApp"})
    assert reply.status == 200
    assert set(reply.body) == {"id"}


async def test_check_refuses_a_wrong_password_with_400(wire: Wire) -> None:
    headers = await wire.login(EMAIL, PASSWORD)
    reply = await call(wire, "POST", f"{SECURITY}/check", headers, json={"password": "nope"})
    assert (reply.status, reply.code) == (400, "invalidPassword")
    assert "nope" not in str(reply.body)


@pytest.mark.parametrize(
    "body",
    [pytest.param({}, id="missing"), pytest.param({"password": 1}, id="not-string")],
)
async def test_check_refuses_bad_bodies(wire: Wire, body: dict[str, Any]) -> None:
    headers = await wire.login(EMAIL, PASSWORD)
    assert (await call(wire, "POST", f"{SECURITY}/check", headers, json=body)).status == 400


async def test_check_is_not_available_with_a_bearer_token(wire: Wire) -> None:
    wire.fake.add_token("oauth-token", EMAIL)
    bearer = {"Authorization": "Bearer oauth-token"}
    async with wire.http.post(wire.url("/api/v1/login"), headers=bearer) as response:
        session_id = (await response.json())["sessid"]
    headers = {**bearer, "X-Axigen-Session": session_id}
    reply = await call(wire, "POST", f"{SECURITY}/check", headers, json={"password": PASSWORD})
    assert (reply.status, reply.code) == (403, "notAvailableWithOAuth")


async def test_a_change_without_a_token_is_403(wire: Wire) -> None:
    headers = await wire.login(EMAIL, PASSWORD)
    reply = await call(wire, "POST", METHODS, headers, json={"method": "authApp"})
    assert (reply.status, reply.code) == (403, "securityTokenRequired")
    assert wire.fake.security(EMAIL).methods == {}


async def test_an_unknown_token_is_403(wire: Wire) -> None:
    headers = {**await wire.login(EMAIL, PASSWORD), TOKEN_HEADER: "made-up"}
    reply = await call(wire, "POST", METHODS, headers, json={"method": "authApp"})
    assert (reply.status, reply.code) == (403, "invalidSecurityToken")


async def test_the_token_expires_after_the_ttl(wire: Wire, clock: FakeClock) -> None:
    wire.fake.security_token_ttl = 5.0
    headers = await session_with_token(wire)
    clock.advance(4.9)
    assert (await call(wire, "POST", METHODS, headers, json={"method": "authApp"})).status == 200
    clock.advance(0.2)
    reply = await call(wire, "POST", METHODS, headers, json={"method": "authApp"})
    assert (reply.status, reply.code) == (403, "securityTokenExpired")


async def test_a_new_check_after_expiry_works_again(wire: Wire, clock: FakeClock) -> None:
    headers = await session_with_token(wire)
    assert wire.fake.expire_security_tokens() == 1
    reply = await call(wire, "POST", METHODS, headers, json={"method": "authApp"})
    assert reply.code == "securityTokenExpired"
    check = await call(wire, "POST", f"{SECURITY}/check", headers, json={"password": PASSWORD})
    headers[TOKEN_HEADER] = check.body["securityToken"]
    assert (await call(wire, "POST", METHODS, headers, json={"method": "authApp"})).status == 200


async def test_a_token_belongs_to_its_session(wire: Wire) -> None:
    first = await session_with_token(wire)
    second = await wire.login(EMAIL, PASSWORD)
    stolen = {**second, TOKEN_HEADER: first[TOKEN_HEADER]}
    reply = await call(wire, "POST", METHODS, stolen, json={"method": "authApp"})
    assert (reply.status, reply.code) == (403, "invalidSecurityToken")


async def test_partially_authorized_session_needs_no_token(wire: Wire) -> None:
    wire.fake.account(EMAIL).two_factor_auth_status = "mandatory"
    headers = await wire.login(EMAIL, PASSWORD)
    assert (await call(wire, "POST", METHODS, headers, json={"method": "authApp"})).status == 200


# -- methods ------------------------------------------------------------------------------------


async def test_auth_app_flow_pending_qr_activate(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = (await call(wire, "POST", METHODS, headers, json={"method": "authApp"})).body["id"]
    assert (await call(wire, "GET", METHODS, headers)).body == {"items": []}  # still pending
    qr = await call(wire, "GET", f"{METHODS}/{method_id}/qr", headers)
    assert qr.status == 200
    assert qr.content_type == "image/svg+xml"
    assert qr.body.startswith(b"<svg")
    assert qr.body.endswith(b"</svg>")
    code = wire.fake.totp_code(EMAIL, method_id)
    activate = f"{METHODS}/{method_id}/activate"
    wrong = await call(wire, "POST", activate, headers, json={"totpToken": wrong_code(code)})
    assert (wrong.status, wrong.code) == (400, "invalidTotpToken")
    assert (await call(wire, "POST", activate, headers, json={"totpToken": code})).status == 200
    items = (await call(wire, "GET", METHODS, headers)).body["items"]
    assert len(items) == 1
    assert items[0]["id"] == method_id
    assert items[0]["method"] == "authApp"
    assert items[0]["target"] == ""
    assert items[0]["lastUsedDate"].endswith("Z")
    again = await call(wire, "POST", activate, headers, json={"totpToken": code})
    assert (again.status, again.code) == (409, "methodAlreadyActive")


@pytest.mark.parametrize(
    ("kind", "target", "masked"),
    [
        pytest.param("email", "alice.smith@mail.example", "ali***@***ample", id="email"),
        pytest.param("sms", "+40712345678", "*********678", id="sms"),
    ],
)
async def test_sms_and_email_flow_masks_the_target(
    wire: Wire, kind: str, target: str, masked: str
) -> None:
    headers = await session_with_token(wire)
    created = await call(wire, "POST", METHODS, headers, json={"method": kind, "target": target})
    method_id = created.body["id"]
    code = wire.fake.totp_code(EMAIL, method_id)
    activate = f"{METHODS}/{method_id}/activate"
    # No code was sent yet, so even the right digits are refused.
    early = await call(wire, "POST", activate, headers, json={"totpToken": code})
    assert (early.status, early.code) == (400, "invalidTotpToken")
    sent = await call(wire, "POST", f"{METHODS}/{method_id}/sendtoken", headers)
    assert (sent.status, sent.body) == (200, b"")
    notice = wire.fake.security_notices[-1]
    assert (notice.account, notice.purpose, notice.method, notice.target) == (
        EMAIL,
        "methodToken",
        kind,
        masked,
    )
    assert code not in repr(notice)
    assert (await call(wire, "POST", activate, headers, json={"totpToken": code})).status == 200
    items = (await call(wire, "GET", METHODS, headers)).body["items"]
    assert [(i["method"], i["target"]) for i in items] == [(kind, masked)]
    assert target not in str(items)


async def test_send_token_needs_no_security_token(wire: Wire) -> None:
    headers = await session_with_token(wire)
    method_id = await active_method(wire, headers, "email", "bob@mail.example")
    plain = {k: v for k, v in headers.items() if k != TOKEN_HEADER}
    assert (await call(wire, "POST", f"{METHODS}/{method_id}/sendtoken", plain)).status == 200


async def test_a_pending_method_belongs_to_its_session(wire: Wire) -> None:
    first = await session_with_token(wire)
    method_id = (await call(wire, "POST", METHODS, first, json={"method": "authApp"})).body["id"]
    second = await session_with_token(wire)
    code = wire.fake.totp_code(EMAIL, method_id)
    reply = await call(
        wire, "POST", f"{METHODS}/{method_id}/activate", second, json={"totpToken": code}
    )
    assert reply.status == 404
    assert (await call(wire, "GET", f"{METHODS}/{method_id}/qr", second)).status == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({"method": "pigeon"}, 400, id="unknown-kind"),
        pytest.param({"method": "sms"}, 400, id="sms-without-target"),
        pytest.param({"method": "email", "target": "not-an-address"}, 400, id="bad-email"),
        pytest.param({"method": "sms", "target": "call me"}, 400, id="bad-phone"),
        pytest.param({"method": "authApp", "target": "x@y.example"}, 400, id="app-with-target"),
        pytest.param({"target": "x@y.example"}, 400, id="no-method"),
        pytest.param({"method": "email", "target": "x@y.example", "x": 1}, 400, id="unknown-key"),
    ],
)
async def test_create_refuses_bad_bodies(wire: Wire, body: dict[str, Any], status: int) -> None:
    headers = await session_with_token(wire)
    assert (await call(wire, "POST", METHODS, headers, json=body)).status == status
    assert wire.fake.security(EMAIL).methods == {}


@pytest.mark.parametrize(
    ("field", "body"),
    [
        pytest.param("security_methods_phone_number", {"method": "sms", "target": "+4071234"}),
        pytest.param(
            "security_methods_alternate_email_address", {"method": "email", "target": "b@c.ex"}
        ),
    ],
)
async def test_create_refuses_kinds_the_policy_forbids(
    wire: Wire, field: str, body: dict[str, str]
) -> None:
    setattr(wire.fake.account(EMAIL), field, False)
    headers = await session_with_token(wire)
    reply = await call(wire, "POST", METHODS, headers, json=body)
    assert (reply.status, reply.code) == (403, "methodNotAllowed")


async def test_create_refuses_a_second_active_method_for_one_target(wire: Wire) -> None:
    headers = await session_with_token(wire)
    await active_method(wire, headers, "email", "bob@mail.example")
    body = {"method": "email", "target": "BOB@mail.example"}
    reply = await call(wire, "POST", METHODS, headers, json=body)
    assert (reply.status, reply.code) == (409, "duplicateMethod")


async def test_qr_only_for_auth_app(wire: Wire) -> None:
    headers = await session_with_token(wire)
    body = {"method": "email", "target": "bob@mail.example"}
    method_id = (await call(wire, "POST", METHODS, headers, json=body)).body["id"]
    reply = await call(wire, "GET", f"{METHODS}/{method_id}/qr", headers)
    assert (reply.status, reply.code) == (400, "methodNotSupported")
    app_id = await active_method(wire, headers, "authApp")
    assert (await call(wire, "GET", f"{METHODS}/{app_id}/qr", headers)).status == 409
    no_token = {k: v for k, v in headers.items() if k != TOKEN_HEADER}
    assert (await call(wire, "GET", f"{METHODS}/{method_id}/qr", no_token)).status == 403


async def test_list_by_scope_follows_the_policy(wire: Wire) -> None:
    account = wire.fake.account(EMAIL)
    account.two_factor_auth_methods = ("authApp", "sms")
    account.username_recovery_methods = ("email",)
    account.password_recovery_methods = ("sms",)
    headers = await session_with_token(wire)
    app = await active_method(wire, headers, "authApp")
    mail = await active_method(wire, headers, "email", "bob@mail.example")
    phone = await active_method(wire, headers, "sms", "+40712345678")
    expected = {
        "general": [app, mail, phone],
        "2fa": [app, phone],
        "usernameRecovery": [mail],
        "passwordRecovery": [phone],
    }
    for scope, ids in expected.items():
        reply = await call(wire, "GET", f"{METHODS}?scope={scope}", headers)
        assert [item["id"] for item in reply.body["items"]] == ids, scope
    default = await call(wire, "GET", METHODS, headers)
    assert [item["id"] for item in default.body["items"]] == expected["general"]


@pytest.mark.parametrize("query", ["scope=all", "scope=2fa&scope=general", "kind=sms"])
async def test_list_refuses_bad_queries(wire: Wire, query: str) -> None:
    headers = await session_with_token(wire)
    assert (await call(wire, "GET", f"{METHODS}?{query}", headers)).status == 400


async def test_revoke_one_and_all(wire: Wire) -> None:
    headers = await session_with_token(wire)
    first = await active_method(wire, headers, "authApp")
    second = await active_method(wire, headers, "email", "bob@mail.example")
    third = await active_method(wire, headers, "sms", "+40712345678")
    reply = await call(wire, "DELETE", f"{METHODS}/{first}", headers)
    assert (reply.status, reply.body) == (200, b"")
    assert list(wire.fake.security(EMAIL).methods) == [second, third]
    assert (await call(wire, "DELETE", f"{METHODS}/{first}", headers)).status == 404
    reply = await call(wire, "DELETE", METHODS, headers)
    assert (reply.status, reply.body) == (200, b"")
    assert (await call(wire, "GET", METHODS, headers)).body == {"items": []}


@pytest.mark.parametrize("path", [f"{METHODS}/m1", METHODS])
async def test_revoking_needs_the_token(wire: Wire, path: str) -> None:
    wire.fake.security(EMAIL).add_method("authApp")
    headers = await wire.login(EMAIL, PASSWORD)
    assert (await call(wire, "DELETE", path, headers)).status == 403
    assert len(wire.fake.security(EMAIL).methods) == 1


async def test_an_expired_token_stays_expired_on_every_use(wire: Wire, clock: FakeClock) -> None:
    headers = await session_with_token(wire)
    clock.advance(wire.fake.security_token_ttl)
    for _ in range(2):
        reply = await call(wire, "DELETE", METHODS, headers)
        assert (reply.status, reply.code) == (403, "securityTokenExpired")
