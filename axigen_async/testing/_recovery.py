"""Public recovery endpoints of the fake Axigen server (X6): no session, no credentials.

Responsibility: username recovery, and password recovery (the available methods, sending
a recovery token, validating it, resetting the password with it), matched against the
accounts' active security methods, answered in literal wire JSON. What the fake "sends"
goes to the notices (who and why, never the token).

Must not: authenticate, gate versions, count or inject faults (the server and ``_pages``
do that), tell a caller whether an account or a recovery target exists (the page: username
recovery "will always be successful"), put a token or password in an error message, or
import anything from ``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web

from ._handlers import empty_response, json_response, raw_json_response, read_json
from ._pagebase import X6, PageRoute
from ._render import dump_json
from ._security import (
    FakeSecurity,
    FakeSecurityMethod,
    NoticePurpose,
    SecurityNotice,
    codes_match,
    mask_target,
    new_recovery_token,
)
from ._security_handlers import SecurityContext
from ._state import ApiError, FakeAccount, bad_request, check_object, check_password_policy

_RECOVERY_KINDS: Final = ("email", "sms")


def _invalid_token() -> ApiError:
    # [INFERRED] The page gives no status for a wrong or expired recovery token: 400.
    return bad_request("the recovery token is not valid", "invalidRecoveryToken")


def password_policy_document(account: FakeAccount) -> dict[str, Any]:
    """The page's ``passwordPolicy``: ``historySize`` and ``renewalInterval`` only when on."""
    policy: dict[str, Any] = {
        "minLength": account.content_policy_min_length,
        "maxLength": account.content_policy_max_length,
        "mustInclude": account.content_policy_must_include,
    }
    if account.history_enabled:
        policy["historySize"] = account.history_size
    if account.renewal_interval_enabled:
        policy["renewalInterval"] = account.renewal_interval
    return policy


def _targets(body: dict[str, Any]) -> list[tuple[str, str]]:
    """``(kind, target)`` pairs the body names; one of email or phoneNumber is required."""
    pairs = [("email", body.get("email", "")), ("sms", body.get("phoneNumber", ""))]
    given = [(kind, value) for kind, value in pairs if value.strip()]
    if not given:
        raise bad_request("one of email or phoneNumber is required", "missingParameter")
    return given


def _matching(
    security: FakeSecurity, kinds: tuple[str, ...], given: list[tuple[str, str]]
) -> FakeSecurityMethod | None:
    for method in security.active_methods(kinds):
        for kind, target in given:
            if method.method == kind and _same_target(method.target, target):
                return method
    return None


def _same_target(stored: str, given: str) -> bool:
    return stored.strip().lower() == given.strip().lower()


@dataclass(slots=True)
class RecoveryHandlers:
    """The public Username and Password Recovery endpoints."""

    context: SecurityContext

    def routes(self) -> list[PageRoute]:
        base = "/api/v1/recover"
        return [
            PageRoute("POST", f"{base}/username", self.recover_username, X6, public=True),
            PageRoute("GET", f"{base}/password/methods", self.list_methods, X6, public=True),
            PageRoute("POST", f"{base}/password/sendtoken", self.send_token, X6, public=True),
            PageRoute(
                "POST", f"{base}/password/validatetoken", self.validate_token, X6, public=True
            ),
            PageRoute("POST", f"{base}/password/reset", self.reset_password, X6, public=True),
        ]

    def _account(self, username: str) -> FakeAccount | None:
        # [INFERRED] The username is the fully qualified address, as everywhere else.
        return self.context.find_account(username.strip().lower())

    def _notice(self, account: FakeAccount, purpose: NoticePurpose, kind: str, target: str) -> None:
        self.context.notices.append(
            SecurityNotice(account.email, purpose, kind, mask_target(kind, target))
        )

    async def recover_username(self, request: web.Request) -> web.Response:
        body = check_object(
            await read_json(request), required={}, optional={"email": str, "phoneNumber": str}
        )
        given = _targets(body)
        for account, security in self.context.store.items():  # accounts with security state
            method = _matching(security, account.username_recovery_methods, given)
            if method is not None:
                self._notice(account, "usernameRecovery", method.method, method.target)
        return empty_response()  # the page: always successful

    async def list_methods(self, request: web.Request) -> web.Response:
        for key in request.query:
            if key != "username":
                raise bad_request(f"unexpected parameter {key!r}", "unexpectedParameter")
        names = request.query.getall("username", [])
        if len(names) != 1 or not names[0].strip():
            raise bad_request("exactly one 'username' is required", "missingParameter")
        account = self._account(names[0])
        # The page calls username a "URL parameter" on a path without one: [INFERRED]
        # the query string. [INFERRED] An unknown user has an empty list, not a 404,
        # so the call does not reveal which accounts exist.
        items: list[dict[str, str]] = []
        if account is not None:
            kinds = tuple(k for k in account.password_recovery_methods if k in _RECOVERY_KINDS)
            for method in self.context.store.of(account).active_methods(kinds):
                target = mask_target(method.method, method.target)
                items.append({"method": method.method, "target": target})
        return json_response({"items": items})

    async def send_token(self, request: web.Request) -> web.Response:
        body = check_object(
            await read_json(request),
            required={"username": str},
            optional={"email": str, "phoneNumber": str},
        )
        given = _targets(body)
        account = self._account(body["username"])
        if account is not None:
            security = self.context.store.of(account)
            kinds = tuple(k for k in account.password_recovery_methods if k in _RECOVERY_KINDS)
            method = _matching(security, kinds, given)
            if method is not None:
                expires_at = self.context.clock() + self.context.recovery_ttl()
                security.recovery_token = (new_recovery_token(), expires_at)
                self._notice(account, "passwordRecovery", method.method, method.target)
        # [INFERRED] 200 whether or not anything matched, as username recovery does.
        return empty_response()

    def _redeemable(self, username: str, token: str) -> tuple[FakeAccount, FakeSecurity]:
        account = self._account(username)
        if account is None:
            raise _invalid_token()
        security = self.context.store.of(account)
        held = security.recovery_token
        if held is None or not codes_match(held[0], token):
            raise _invalid_token()
        if self.context.clock() >= held[1]:
            security.recovery_token = None
            raise _invalid_token()
        return account, security

    async def validate_token(self, request: web.Request) -> web.Response:
        body = check_object(
            await read_json(request), required={"username": str, "recoveryToken": str}
        )
        account, _ = self._redeemable(body["username"], body["recoveryToken"])
        return json_response({"passwordPolicy": password_policy_document(account)})

    async def reset_password(self, request: web.Request) -> web.Response:
        # Note the page's camel-case "userName" here, against "username" elsewhere.
        body = check_object(
            await read_json(request),
            required={"userName": str, "recoveryToken": str, "newPassword": str},
        )
        account, security = self._redeemable(body["userName"], body["recoveryToken"])
        try:
            check_password_policy(account, body["newPassword"])
        except ApiError as exc:
            # [DOC] A policy failure's JSON includes the passwordPolicy object; the fake
            # puts it beside its usual error object.
            document = {
                "error": {"code": exc.code, "message": exc.message},
                "passwordPolicy": password_policy_document(account),
            }
            return raw_json_response(dump_json(document), exc.status)
        account.password = body["newPassword"]
        security.recovery_token = None  # used once
        return empty_response()
