"""The values of a fan-out: the accounts it takes, the results and progress it gives.

Responsibility: define the plain frozen values that ``fan_out`` takes and hands
out, with one result class per outcome (:class:`Succeeded`, :class:`Failed`,
:class:`NotAttempted`) so that ``isinstance`` or ``match`` narrows a result to
the variant that carries a value or an error.

Must not: do I/O, run operations, or hold a secret outside the credentials
(whose repr hides it): results name an account by its address only.
"""

from __future__ import annotations

import enum
from typing import Generic, Literal, NoReturn, TypeAlias, TypeVar

import attrs

from axigen_async._auth import BasicAuth, BearerAuth, Credentials
from axigen_async.exceptions import AxigenError

__all__ = [
    "BulkAccount",
    "BulkResult",
    "Failed",
    "NotAttempted",
    "Outcome",
    "Progress",
    "Succeeded",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


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
    """What became of one account; each value has its own result class."""

    #: The operation returned a value: :class:`Succeeded`.
    OK = "ok"
    #: The operation, or the account's login, raised an error the fan-out captures:
    #: :class:`Failed`.
    FAILED = "failed"
    #: Never started, because the server looked down or the client was closed:
    #: :class:`NotAttempted`.
    NOT_ATTEMPTED = "not attempted"


@attrs.frozen
class Succeeded(Generic[T_co]):
    """An account whose operation returned ``value``."""

    account: BulkAccount
    #: What the operation returned.
    value: T_co
    #: HTTP requests the account's session tried to send, login included.
    attempts: int = 0
    #: Seconds from opening the account's session to closing it.
    elapsed: float = 0.0

    @property
    def outcome(self) -> Literal[Outcome.OK]:
        return Outcome.OK

    @property
    def ok(self) -> Literal[True]:
        return True

    @property
    def error(self) -> None:
        """Always None: present on every result so code that reads it works on any."""
        return None

    def unwrap(self) -> T_co:
        """The value."""
        return self.value


@attrs.frozen
class Failed:
    """An account whose operation, or login, raised ``error``.

    ``error`` is an :class:`~axigen_async.exceptions.AxigenError`, or an instance of
    one of the exception types given to ``fan_out(errors=...)``.
    """

    account: BulkAccount
    #: What the operation raised.
    error: Exception
    #: HTTP requests the account's session tried to send, login included.
    attempts: int = 0
    #: Seconds from opening the account's session to closing it.
    elapsed: float = 0.0

    @property
    def outcome(self) -> Literal[Outcome.FAILED]:
        return Outcome.FAILED

    @property
    def ok(self) -> Literal[False]:
        return False

    @property
    def value(self) -> None:
        """Always None: present on every result so code that reads it works on any."""
        return None

    def unwrap(self) -> NoReturn:
        """Raise the error."""
        raise self.error


@attrs.frozen
class NotAttempted:
    """An account never started: ``error`` says why, and is shared by every such account.

    It is the fan-out's :class:`~axigen_async.exceptions.ServerUnavailableError` once
    the server looked down, or the error of a client closed while the fan-out ran.
    """

    account: BulkAccount
    #: Why the account was not started.
    error: AxigenError

    @property
    def outcome(self) -> Literal[Outcome.NOT_ATTEMPTED]:
        return Outcome.NOT_ATTEMPTED

    @property
    def ok(self) -> Literal[False]:
        return False

    @property
    def value(self) -> None:
        """Always None: present on every result so code that reads it works on any."""
        return None

    @property
    def attempts(self) -> int:
        """Always 0: nothing was sent for this account."""
        return 0

    @property
    def elapsed(self) -> float:
        """Always 0.0: the account's session was never opened."""
        return 0.0

    def unwrap(self) -> NoReturn:
        """Raise the reason the account was not started."""
        raise self.error


#: One account's result: match it, or test it with ``isinstance``, to reach the
#: value of a :class:`Succeeded` or the error of a :class:`Failed`.
BulkResult: TypeAlias = Succeeded[T] | Failed | NotAttempted


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
