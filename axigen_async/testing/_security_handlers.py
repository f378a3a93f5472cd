"""Account Security endpoints of the fake Axigen server (X6), for a logged-in session.

Responsibility: the password check that issues a security token, the security methods
(list by scope, create pending, QR, send token, activate with the TOTP code, revoke one
or all) and 2-Step Verification (enable, disable with a body, new recovery codes),
checking the ``X-Axigen-Security-Token`` where the page asks for it and answering in
literal wire JSON.

Must not: authenticate the session, gate versions, count or inject faults (the server
and ``_pages`` do that), put a secret in an error message, or import anything from
``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from ._handlers import empty_response, json_response, read_json
from ._pagebase import ID_SEGMENT, X6, PageRoute, PerAccount, route_id
from ._security import (
    METHOD_KINDS,
    SCOPES,
    FakeSecurity,
    FakeSecurityMethod,
    SecurityNotice,
    SecurityTokens,
    checked_target,
    codes_match,
    mask_target,
    totp_code,
)
from ._state import (
    ApiError,
    FakeAccount,
    bad_request,
    check_object,
    decode_json,
    format_timestamp,
)
from ._state import utc_from_timestamp as _utc

SECURITY_TOKEN_HEADER: Final = "X-Axigen-Security-Token"  # noqa: S105 - a header name
SVG_CONTENT_TYPE: Final = "image/svg+xml"
_QR_SIZE: Final = 21


@dataclass(slots=True)
class SecurityContext:
    """What the security and recovery handlers share with the server."""

    store: PerAccount[FakeSecurity]
    tokens: SecurityTokens
    notices: list[SecurityNotice]
    clock: Callable[[], float]
    wall_clock: Callable[[], float]
    token_ttl: Callable[[], float]
    recovery_ttl: Callable[[], float]
    find_account: Callable[[str], FakeAccount | None]


def scope_kinds(account: FakeAccount, scope: str) -> tuple[str, ...]:
    """The method kinds listed for ``scope``. [INFERRED] From the account's security
    policy (the info document's ``securityPolicy``): "general" lists every kind."""
    if scope == "2fa":
        return account.two_factor_auth_methods
    if scope == "usernameRecovery":
        return account.username_recovery_methods
    if scope == "passwordRecovery":
        return account.password_recovery_methods
    return METHOD_KINDS


def method_document(method: FakeSecurityMethod) -> dict[str, str]:
    return {
        "id": method.id,
        "method": method.method,
        "target": mask_target(method.method, method.target),
        "lastUsedDate": format_timestamp(method.last_used_date),
    }


def _qr_svg(method: FakeSecurityMethod) -> bytes:
    """A QR-like SVG drawn from a hash of the method's secret (not a scannable code)."""
    bits = int.from_bytes(hashlib.sha256(b"qr" + method.secret).digest() * 2, "big")
    cells = [
        f'<rect x="{n % _QR_SIZE}" y="{n // _QR_SIZE}" width="1" height="1"/>'
        for n in range(_QR_SIZE * _QR_SIZE)
        if bits >> n & 1
    ]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 21 21" shape-rendering="crispEdges">'
        + "".join(cells)
        + "</svg>"
    ).encode()


def _conflict(code: str, message: str) -> ApiError:
    return ApiError(409, code, message)


@dataclass(slots=True)
class SecurityHandlers:
    """The session side of the Account Security page."""

    context: SecurityContext

    def routes(self) -> list[PageRoute]:
        base = "/api/v1/account/security"
        methods = f"{base}/methods"
        one = f"{methods}/{ID_SEGMENT}"
        return [
            PageRoute("POST", f"{base}/check", self.check_password, X6),
            PageRoute("GET", methods, self.list_methods, X6),
            PageRoute("POST", methods, self.create_method, X6),
            PageRoute("DELETE", methods, self.revoke_all_methods, X6),
            PageRoute("GET", f"{one}/qr", self.get_qr, X6),
            PageRoute("POST", f"{one}/sendtoken", self.send_token, X6),
            PageRoute("POST", f"{one}/activate", self.activate_method, X6),
            PageRoute("DELETE", one, self.revoke_method, X6),
            PageRoute("POST", f"{base}/2fa", self.enable_two_factor, X6),
            PageRoute("DELETE", f"{base}/2fa", self.disable_two_factor, X6),
            PageRoute("POST", f"{base}/2fa/recoverycodes", self.renew_recovery_codes, X6),
        ]

    # -- helpers ------------------------------------------------------------------------------

    def _security(self, account: FakeAccount) -> FakeSecurity:
        return self.context.store.of(account)

    def _require_token(self, request: web.Request, account: FakeAccount) -> None:
        # [DOC] While 2-Step Verification is mandatory but not yet configured, the
        # "partially authorized" session manages its security without a token.
        if account.two_factor_auth_status == "mandatory" and not account.two_factor_auth_configured:
            return
        self.context.tokens.check(
            request.headers.get(SECURITY_TOKEN_HEADER), account.email, _session(request)
        )

    def _method(self, request: web.Request, account: FakeAccount) -> FakeSecurityMethod:
        """An active method, or one pending on this very session (the page: a new method
        is "stored on the session"); any other id is a 404."""
        found = self._security(account).methods.get(route_id(request))
        if found is None or not (found.active or found.pending_session == _session(request)):
            raise ApiError(404, "notFound", "the security method does not exist")
        return found

    def _check_code(self, method: FakeSecurityMethod, given: str) -> None:
        # [INFERRED] An sms or email code exists only once sendtoken has sent one.
        sent = method.method == "authApp" or method.tokens_sent > 0
        if not sent or not codes_match(totp_code(method), given):
            raise bad_request("the TOTP code is not valid", "invalidTotpToken")
        method.last_used_date = _utc(self.context.wall_clock()).replace(microsecond=0)

    def _checked_two_factor_method(self, body: dict[str, str], account: FakeAccount) -> None:
        method = self._security(account).methods.get(body["methodId"])
        if method is None or not method.active:
            raise bad_request("methodId names no active security method")
        if method.method not in account.two_factor_auth_methods:
            raise bad_request("the method is not allowed for 2-Step Verification")
        self._check_code(method, body["totpToken"])

    # -- check and methods --------------------------------------------------------------------

    async def check_password(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(await read_json(request), required={"password": str})
        if request.headers.get("Authorization", "").lower().startswith("bearer"):
            # [DOC] Not available with OAuth 2.0; [INFERRED] answered 403.
            raise ApiError(403, "notAvailableWithOAuth", "the password check needs Basic auth")
        if not codes_match(account.password, body["password"]):
            # [INFERRED] 400, not 401: the session is fine, only the password is wrong.
            raise bad_request("the password is not correct", "invalidPassword")
        ttl = self.context.token_ttl()
        token = self.context.tokens.issue(account.email, _session(request), ttl)
        return json_response({"securityToken": token})

    async def list_methods(self, request: web.Request, account: FakeAccount) -> web.Response:
        for key in request.query:
            if key != "scope":
                raise bad_request(f"unexpected parameter {key!r}", "unexpectedParameter")
        scopes = request.query.getall("scope", ["general"])
        if len(scopes) != 1 or scopes[0] not in SCOPES:
            raise bad_request(f"scope must be one of {', '.join(SCOPES)}")
        methods = self._security(account).active_methods(scope_kinds(account, scopes[0]))
        return json_response({"items": [method_document(m) for m in methods]})

    async def create_method(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        body = check_object(
            await read_json(request), required={"method": str}, optional={"target": str}
        )
        kind = body["method"]
        if kind not in METHOD_KINDS:
            raise bad_request(f"method must be one of {', '.join(METHOD_KINDS)}")
        target = checked_target(kind, body.get("target", ""))
        allowed = {
            "email": account.security_methods_alternate_email_address,
            "sms": account.security_methods_phone_number,
            "authApp": "authApp" in account.two_factor_auth_methods,
        }
        if not allowed[kind]:  # [INFERRED] 403: the admin's limits forbid the kind
            raise ApiError(403, "methodNotAllowed", f"{kind} methods are not allowed")
        security = self._security(account)
        for existing in security.active_methods([kind]):
            if kind != "authApp" and existing.target.lower() == target.lower():
                # [INFERRED] One active method per target; 409 like a duplicate entry.
                raise _conflict("duplicateMethod", "an active method has this target")
        method = security.add_method(kind, target, active=False, session=_session(request))
        return json_response({"id": method.id})

    async def get_qr(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        method = self._method(request, account)
        if method.method != "authApp":
            raise bad_request("a QR code exists only for authApp methods", "methodNotSupported")
        if method.active:  # [INFERRED] the secret is shown only while setting up
            raise _conflict("methodAlreadyActive", "the method is already active")
        return web.Response(body=_qr_svg(method), headers={"Content-Type": SVG_CONTENT_TYPE})

    async def send_token(self, request: web.Request, account: FakeAccount) -> web.Response:
        # [INFERRED] No security token: the page asks for none here, and the 2-Step
        # login uses this call before any check is possible.
        method = self._method(request, account)
        if method.method == "authApp":
            raise bad_request("tokens are sent only for sms and email", "methodNotSupported")
        method.tokens_sent += 1
        self.context.notices.append(
            SecurityNotice(
                account.email,
                "methodToken",
                method.method,
                mask_target(method.method, method.target),
            )
        )
        return empty_response()

    async def activate_method(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        # The body first: no await between finding the method and changing it.
        body = check_object(await read_json(request), required={"totpToken": str})
        method = self._method(request, account)
        if method.active:
            raise _conflict("methodAlreadyActive", "the method is already active")
        self._check_code(method, body["totpToken"])
        method.active = True
        method.pending_session = None
        return empty_response()

    async def revoke_method(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        method = self._method(request, account)
        del self._security(account).methods[method.id]
        self._drop_two_factor_without_method(account)
        return empty_response()

    async def revoke_all_methods(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        self._security(account).methods.clear()
        self._drop_two_factor_without_method(account)
        return empty_response()

    def _drop_two_factor_without_method(self, account: FakeAccount) -> None:
        # [INFERRED] 2-Step Verification with no method left to verify cannot work: it
        # turns off and its recovery codes go.
        security = self._security(account)
        if account.two_factor_auth_configured and not security.active_methods(
            account.two_factor_auth_methods
        ):
            account.two_factor_auth_configured = False
            security.recovery_codes = []

    # -- 2-Step Verification ------------------------------------------------------------------

    async def enable_two_factor(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        body = check_object(await read_json(request), required={"methodId": str, "totpToken": str})
        if account.two_factor_auth_status == "disabled":
            # [INFERRED] 403: the admin's policy turns 2-Step Verification off.
            raise ApiError(403, "twoFactorAuthDisabled", "2-Step Verification is disabled")
        if account.two_factor_auth_configured:
            raise _conflict("twoFactorAlreadyEnabled", "2-Step Verification is already on")
        self._checked_two_factor_method(body, account)
        account.two_factor_auth_configured = True
        return json_response({"recoveryCodes": self._security(account).new_recovery_codes()})

    async def disable_two_factor(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._require_token(request, account)
        body = check_object(await read_json(request), required={"methodId": str, "totpToken": str})
        if not account.two_factor_auth_configured:
            raise _conflict("twoFactorNotEnabled", "2-Step Verification is off")
        if account.two_factor_auth_status == "mandatory":
            # [INFERRED] 403: the admin made 2-Step Verification mandatory.
            raise ApiError(403, "twoFactorAuthMandatory", "2-Step Verification is mandatory")
        self._checked_two_factor_method(body, account)
        account.two_factor_auth_configured = False
        self._security(account).recovery_codes = []
        return empty_response()

    async def renew_recovery_codes(
        self, request: web.Request, account: FakeAccount
    ) -> web.Response:
        self._require_token(request, account)
        raw = (await request.read()).strip()
        if raw:  # the page documents no body; an empty object is tolerated
            check_object(decode_json(raw), required={})
        if not account.two_factor_auth_configured:
            raise _conflict("twoFactorNotEnabled", "2-Step Verification is off")
        return json_response({"recoveryCodes": self._security(account).new_recovery_codes()})


def _session(request: web.Request) -> str:
    # Present: the server authenticated the session before any handler here runs.
    return request.headers.get("X-Axigen-Session", "")
