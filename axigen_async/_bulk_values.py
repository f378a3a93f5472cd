"""The values of a fan-out: the accounts it takes, the results and progress it gives.

Plain frozen values with no behaviour beyond a few derived properties; the
engine in ``_bulk`` makes them. No I/O.
"""

from __future__ import annotations

import enum
from typing import Generic, TypeVar

import attrs

from axigen_async._auth import BasicAuth, BearerAuth, Credentials

__all__ = ["BulkAccount", "BulkResult", "Outcome", "Progress"]

T = TypeVar("T")


@attrs.frozen
class BulkAccount:
    """One account to run an operation on: its address, for reports, and its credentials.

    The repr shows the address and the credentials' own repr, which hides every secret.
    """

    email: str
    credentials: Credentials

    @classmethod
    def basic(cls, email: str, password: str) -> BulkAccount:
        """An account that logs in with its address and password."""
        return cls(email, BasicAuth(email, password))

    @classmethod
    def bearer(cls, email: str, token: str) -> BulkAccount:
        """An account that logs in with an OAuth 2.0 / OpenID Connect access token."""
        return cls(email, BearerAuth(token))


class Outcome(enum.Enum):
    """What became of one account."""

    #: The operation returned a value.
    OK = "ok"
    #: The operation, or the account's login, raised an exception.
    FAILED = "failed"
    #: Never started, because the server looked down (see :class:`ServerUnavailableError`).
    NOT_ATTEMPTED = "not attempted"


@attrs.frozen
class BulkResult(Generic[T]):
    """One account's result. ``value`` is set when ``outcome`` is OK, ``error`` otherwise."""

    account: BulkAccount
    outcome: Outcome
    #: What the operation returned (OK only).
    value: T | None = None
    #: What it raised (FAILED), or the shared :class:`ServerUnavailableError` (NOT_ATTEMPTED).
    error: Exception | None = None
    #: HTTP requests the account's session tried to send, login included.
    attempts: int = 0
    #: Seconds from opening the account's session to closing it (0.0 when not attempted).
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


@attrs.frozen
class Progress:
    """A snapshot of a fan-out. ``done`` counts the results handed to the consumer so far."""

    #: Results delivered: ``succeeded + failed + not_attempted``.
    done: int
    succeeded: int
    failed: int
    not_attempted: int
    #: Operations running right now.
    in_flight: int
    #: Seconds since the fan-out started.
    elapsed: float
    #: Results delivered per second since the start (0.0 when no time has passed).
    rate: float
