"""Account Security state of the fake Axigen server, and the rules that guard it.

Responsibility: the per-account security methods (pending on the session that created
them, then active), recovery codes and password-recovery token; the security tokens
``POST /account/security/check`` issues, with their expiry; the deterministic TOTP code
of each method; masked targets; and the record of codes the fake "sent" (without them).

Must not: import aiohttp or do any I/O, import anything from ``axigen_async`` outside
``axigen_async.testing``, or let a secret (recovery code, security or recovery token,
TOTP secret or code, session id) into a ``repr``, a notice or an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from ._state import ApiError, bad_request

METHOD_KINDS: Final = ("sms", "email", "authApp")
SCOPES: Final = ("general", "2fa", "usernameRecovery", "passwordRecovery")
RECOVERY_CODE_COUNT: Final = 10
_PHONE_RE: Final = re.compile(r"\+?[0-9][0-9 .-]{5,30}")
_MAX_TARGET_LENGTH: Final = 254
# Tokens swept for expiry once this many are held, so a long run stays small.
_TOKEN_SWEEP: Final = 10_000

NoticePurpose = Literal["methodToken", "usernameRecovery", "passwordRecovery"]


@dataclass(slots=True)
class FakeSecurityMethod:
    """One security method. ``target`` is the full phone number or address (``""`` for
    ``authApp``); the wire only ever shows it masked. A pending method belongs to the
    session that created it; ``tokens_sent`` counts its ``sendtoken`` calls."""

    id: str
    method: str
    target: str
    secret: bytes = field(repr=False)
    active: bool = False
    last_used_date: datetime | None = None
    pending_session: str | None = field(default=None, repr=False)
    tokens_sent: int = 0


@dataclass(frozen=True, slots=True)
class SecurityNotice:
    """A code the fake "sent" by email or SMS: to whom and why, never the code itself."""

    account: str
    purpose: NoticePurpose
    method: str
    target: str


@dataclass(slots=True)
class FakeSecurity:
    """One account's Account Security state. Whether 2-Step Verification is on is the
    account's own ``two_factor_auth_configured`` (the info document shows it too).

    ``recovery_codes`` are the unused codes of the last activation or renewal.
    """

    methods: dict[str, FakeSecurityMethod] = field(default_factory=dict)
    recovery_codes: list[str] = field(default_factory=list, repr=False)
    recovery_token: tuple[str, float] | None = field(default=None, repr=False)
    _next_number: int = field(default=1, repr=False)

    def add_method(
        self, method: str, target: str = "", *, active: bool = True, session: str | None = None
    ) -> FakeSecurityMethod:
        """A new method (active by default: seed tests with it)."""
        if method not in METHOD_KINDS:
            raise ValueError(f"method must be one of {', '.join(METHOD_KINDS)}")
        item = FakeSecurityMethod(
            id=f"m{self._next_number}",
            method=method,
            target=target,
            secret=secrets.token_bytes(20),
            active=active,
            pending_session=None if active else session,
        )
        self._next_number += 1
        self.methods[item.id] = item
        return item

    def active_methods(self, kinds: Iterable[str] | None = None) -> list[FakeSecurityMethod]:
        """Active methods, oldest first, of ``kinds`` when given."""
        allowed = None if kinds is None else frozenset(kinds)
        return [
            m
            for m in self.methods.values()
            if m.active and (allowed is None or m.method in allowed)
        ]

    def new_recovery_codes(self) -> list[str]:
        """Replace the recovery codes with fresh ones (the old ones stop working)."""
        self.recovery_codes = [
            f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)
        ]
        return list(self.recovery_codes)

    def redeem_recovery_code(self, code: str) -> bool:
        """Use up ``code``; ``False`` when it is not one of the current codes."""
        for position, known in enumerate(self.recovery_codes):
            if secrets.compare_digest(known.encode(), code.encode()):
                del self.recovery_codes[position]
                return True
        return False


def totp_code(method: FakeSecurityMethod) -> str:
    """The method's six-digit code. Deterministic for the method (its secret does not
    change), so a test reads it with ``fake.totp_code`` and a client sends it back."""
    digest = hmac.new(method.secret, b"axigen-fake-totp", hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def new_recovery_token() -> str:
    """An eight-digit password-recovery token."""
    return f"{secrets.randbelow(100_000_000):08d}"


def codes_match(expected: str, given: str) -> bool:
    """Constant-time comparison of two codes."""
    return secrets.compare_digest(expected.encode(), given.encode())


def mask_target(method: str, target: str) -> str:
    """The page's anonymized target. [INFERRED] Hidden characters become ``*``: a phone
    keeps its last 3 digits; an address its first 3 characters, the ``@`` and its last 5."""
    if method == "sms":
        return "*" * max(len(target) - 3, 0) + target[-3:]
    if method == "email":
        local, _, domain = target.partition("@")
        return f"{local[:3]}***@***{domain[-5:]}"
    return ""


def checked_target(method: str, target: str) -> str:
    """A target fit for ``method``; a 400 otherwise. ``authApp`` takes none."""
    if method == "authApp":
        if target:
            raise bad_request("an authApp method takes no target")
        return ""
    if not target:
        raise bad_request(f"target is required for {method}", "missingParameter")
    if len(target) > _MAX_TARGET_LENGTH or any(c.isspace() for c in target.strip()):
        raise bad_request("target is not a valid phone number or email address")
    if method == "email":
        local, at, domain = target.partition("@")
        if not at or not local or "." not in domain or "@" in domain:
            raise bad_request("target must be an email address")
    elif not _PHONE_RE.fullmatch(target):
        raise bad_request("target must be a phone number")
    return target


# -- security tokens --------------------------------------------------------------------------


@dataclass(slots=True)
class _Issued:
    email: str
    session: str
    expires_at: float


class SecurityTokens:
    """Security tokens issued by the password check, each for one account and session.

    [INFERRED] The page says only that a token "remains valid for a limited time": the
    fake ties it to the session that asked (a token used from another session, or after
    a new login, is invalid) and answers 403 when it is missing (``securityTokenRequired``),
    unknown (``invalidSecurityToken``) or past its time (``securityTokenExpired``), since
    the page gives no status; 401 would wrongly tell a client its session ended.
    """

    __slots__ = ("_clock", "_issued")

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._issued: dict[str, _Issued] = {}

    def __repr__(self) -> str:
        return f"SecurityTokens({len(self._issued)} issued)"

    def issue(self, email: str, session: str, ttl: float) -> str:
        """A new token for ``email`` on ``session``, valid ``ttl`` seconds."""
        now = self._clock()
        if len(self._issued) >= _TOKEN_SWEEP:
            self._issued = {t: i for t, i in self._issued.items() if i.expires_at > now}
        token = secrets.token_urlsafe(24)
        self._issued[token] = _Issued(email, session, now + ttl)
        return token

    def check(self, token: str | None, email: str, session: str) -> None:
        """Accept a live token of this account and session; else a 403 ``ApiError``."""
        if not token:
            raise ApiError(
                403, "securityTokenRequired", "this call needs an X-Axigen-Security-Token"
            )
        issued = self._issued.get(token)
        if issued is None or issued.email != email or issued.session != session:
            raise ApiError(403, "invalidSecurityToken", "the security token is not valid")
        if self._clock() >= issued.expires_at:
            # Kept (until a sweep): every later use says "expired" too, so a client
            # racing several calls on one token sees the same answer for each.
            raise ApiError(403, "securityTokenExpired", "the security token expired")

    def expire_all(self) -> int:
        """Make every live token expired now (its next use answers
        ``securityTokenExpired``); returns how many were live."""
        now = self._clock()
        live = [issued for issued in self._issued.values() if issued.expires_at > now]
        for issued in live:
            issued.expires_at = now
        return len(live)
