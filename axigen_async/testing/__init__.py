"""A stateful fake Axigen Mailbox API server for tests, demos and benchmarks.

Use it in-process::

    from axigen_async.testing import FakeAxigen

    async with FakeAxigen() as fake:
        fake.add_account("a@example.com", "pw", used_quota=900_000)
        ...  # point a client at fake.url ("http://127.0.0.1:<port>")
        assert fake.logins["a@example.com"] == 1

or through the pytest fixture ``fake_axigen`` (a started server with no accounts), or as a
process: ``python -m axigen_async.testing --port 0 --accounts 1000 --password demo``, which
prints its base URL as the first line of standard output.

The fake speaks the wire protocol literally (camelCase JSON written by hand, never through
the client's models): ``POST /api/v1/login`` with ``Authorization: Basic`` (RFC 7617 base64 of
``user:password``) or ``Bearer <token>`` answers ``{"sessid": ...}``; every other ``/api/v1``
call needs the same ``Authorization`` (checked against the current password) and an
``X-Axigen-Session`` of the same account. ``GET /api/`` needs no authentication. Successful
calls without a documented body answer 200 with an empty body. Request bodies must be strict
UTF-8 JSON (no byte-order mark, ``NaN`` or ``Infinity``); hostile input (undecodable,
deeply nested, wrongly typed, oversized) answers a 4xx JSON error, never a 500.

Every error answers a JSON object ``{"error": {"code": "<camelCase>", "message": "<text>"}}``
with its status:

* 400: ``invalidParameter``, ``missingParameter``, ``unexpectedParameter`` (also unknown
  JSON keys), ``invalidJson`` (not UTF-8, not JSON, nested too deeply, not an object),
  ``invalidAuthorization`` (a ``Basic`` value that is not base64, not UTF-8 or has no
  colon, on login and on every other call), ``invalidOldPassword`` (password reset with a
  wrong old password), ``passwordTooShort`` / ``passwordTooLong`` / ``passwordTooWeak``
  (content policy), ``avatarTooLarge`` (also chunked, or with a huge declared length); an
  index-info ``scope`` that is not one of the account's folders is 400
  ``invalidParameter``.
* 401 ``unauthorized``: well-formed but wrong or missing credentials (wrong password,
  unknown user or token, another scheme), missing, unknown, expired or other account's
  session.
* 403: ``temporaryAliasesDisabled``, ``temporaryAliasLimitReached``,
  ``passwordChangeNotAllowed`` (``allowChangeByUser`` false), ``passwordChangeNotRequired``
  (password set while ``mustChangePassword`` is false).
* 403 on the Account Security page (X6): ``securityTokenRequired`` /
  ``invalidSecurityToken`` / ``securityTokenExpired`` (the ``X-Axigen-Security-Token``
  from ``POST /api/v1/account/security/check`` is missing, unknown or from another session,
  or past ``fake.security_token_ttl``), ``notAvailableWithOAuth``, ``methodNotAllowed``,
  ``twoFactorAuthDisabled``, ``twoFactorAuthMandatory``; 400 ``invalidPassword``,
  ``invalidTotpToken``, ``invalidRecoveryToken``, ``methodNotSupported``,
  ``valueTooLarge`` (UI or client settings past 8,192 bytes).
* 409: ``duplicateEntry`` (an address already in the whitelist or blacklist),
  ``duplicateMethod``, ``methodAlreadyActive``, ``twoFactorAlreadyEnabled``,
  ``twoFactorNotEnabled``.
* 404 ``notFound`` (unknown path, signature, temporary alias, or no avatar; a list entry,
  filter or security method; and, on an older ``server_version``, the UI and client
  settings before 10.5 and every security and recovery endpoint before 10.6);
  405 ``methodNotAllowed``; 413 ``requestTooLarge`` (a body past the server's overall
  limit); 500 ``internalError`` (a fake-server bug); ``injectedFault`` with the status a
  fault asked for (``fake.faults``).

Faults (``fake.faults``, a ``FaultPlan``) name routes ``"METHOD /template"`` or by bare
template: ``fail_next``, ``answer_next`` (any canned answer: bad JSON, an HTML error page,
a redirect, a 50 MB chunked body), ``reset_next``, ``delay``, ``random_faults``, ``chaos``
(a seeded mix of statuses, resets mid-response, slow answers and session purges),
``clear``. ``FaultPlan.decide(route_key, template)`` returns the ``FaultDecision`` for one
request (its ``action`` a ``FaultStatus``, ``FaultAnswer``, ``FaultReset`` or ``FaultSlow``),
so a test can check a plan without a server.
Account Settings, Account Filters (AVAS) and Account Security (with the public recovery
endpoints) are served too; tests read and seed their state with ``fake.settings(email)``,
``fake.avas(email)``, ``fake.whitelist(email)``, ``fake.blacklist(email)`` and
``fake.security(email)``, read the codes a real server would send with
``fake.totp_code(email, method_id)`` and ``fake.recovery_token(email)``, see what was
"sent" in ``fake.security_notices``, and end tokens early with ``security_token_ttl`` or
``expire_security_tokens()``.
Observation: ``requests`` (redacted ``LoggedRequest`` values), ``injected_faults``
(``InjectedFault`` values), ``logins``, ``login_failures``, ``route_counts``,
``sessions_expired``, ``in_flight``, ``max_in_flight``, ``max_in_flight_by_route``,
``open_connections``, ``reset_stats()``. ``FakeAxigen(session_ids=...)`` makes the session
ids, so a test can scan its outputs for every id the fake issued.
"""

from ._actions import FaultAnswer, FaultDecision, FaultReset, FaultSlow, FaultStatus
from ._faults import FaultPlan
from ._filters import FakeAddressList, FakeAvas, FakeListEntry, FakeOnOffFilter
from ._observe import InjectedFault, LoggedRequest
from ._security import FakeSecurity, FakeSecurityMethod, SecurityNotice
from ._server import FakeAxigen
from ._settings import FakeReceipts, FakeSettings
from ._state import (
    FakeAccount,
    FakeAlias,
    FakeAvatar,
    FakeContactInfo,
    FakeSignature,
    FakeTemporaryAlias,
    FakeVacation,
)

__all__ = [
    "FakeAccount",
    "FakeAddressList",
    "FakeAlias",
    "FakeAvas",
    "FakeAvatar",
    "FakeAxigen",
    "FakeContactInfo",
    "FakeListEntry",
    "FakeOnOffFilter",
    "FakeReceipts",
    "FakeSecurity",
    "FakeSecurityMethod",
    "FakeSettings",
    "FakeSignature",
    "FakeTemporaryAlias",
    "FakeVacation",
    "FaultAnswer",
    "FaultDecision",
    "FaultPlan",
    "FaultReset",
    "FaultSlow",
    "FaultStatus",
    "InjectedFault",
    "LoggedRequest",
    "SecurityNotice",
]
