"""Stopping a run after too many failed logins in a row, before accounts get locked out.

Responsibility: wrap a fan-out operation so that, once ``limit`` accounts in a row
failed to log in (``LoginError``) with no account succeeding meanwhile, no further
account is started: each one raises :class:`LoginFailuresStop` before it sends
anything, and the reporting side counts it as not attempted. Accounts already in
flight finish. Other failures neither count nor reset the run of failed logins (they do
not show whether the credentials work).
Must not: send anything itself, or name a secret in its message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from axigen_async import AccountSession
from axigen_async.bulk import BulkResult
from axigen_async.exceptions import LoginError, ServerUnavailableError

T = TypeVar("T")

#: Failed logins in a row after which a run stops starting accounts.
DEFAULT_MAX_LOGIN_FAILURES = 10


class LoginFailuresStop(ServerUnavailableError):
    """An account not started because too many logins in a row had failed.

    A kind of the fan-out's own stop (the server looking down), so that the runners
    report both alike: the account is not attempted, and the reason is printed once.
    """


def _is_login_failure(error: BaseException) -> bool:
    """A ``LoginError``, or an error raised from one (the apply operation wraps failures)."""
    return isinstance(error, LoginError) or isinstance(error.__cause__, LoginError)


class LoginGuard:
    """Counts failed logins in a row across a run's accounts; ``limit`` 0 turns it off."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_a_row = 0
        #: Once the run stopped: the one shared error of the accounts not started.
        self.stopped: LoginFailuresStop | None = None

    def wrap(
        self, operation: Callable[[AccountSession], Awaitable[T]]
    ) -> Callable[[AccountSession], Awaitable[T]]:
        """``operation``, refused once the run stopped, with its logins counted."""

        async def guarded(session: AccountSession) -> T:
            if self.stopped is not None:
                # Before any request, so the session never logs in. A new instance each
                # time: raising one shared instance would grow its traceback per account.
                raise LoginFailuresStop(self.stopped.message)
            try:
                value = await operation(session)
            except Exception as error:
                if _is_login_failure(error):
                    self._failed_login()
                raise
            self._in_a_row = 0
            return value

        return guarded

    def _failed_login(self) -> None:
        self._in_a_row += 1
        if self.limit and self._in_a_row >= self.limit and self.stopped is None:
            self.stopped = LoginFailuresStop(
                f"stopped starting accounts: {self._in_a_row} accounts in a row failed to "
                "log in with no success in between; the password or token is likely wrong, "
                "and trying it on more accounts could lock them out "
                "(--max-login-failures sets the limit, 0 turns the stop off)"
            )


def not_started(result: BulkResult[Any]) -> bool:
    """Whether the account was never started because of a stop on failed logins."""
    return isinstance(result.error, LoginFailuresStop)
