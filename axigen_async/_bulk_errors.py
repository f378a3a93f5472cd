"""What a fan-out makes of an exception: an account's failure, a server down, or a bug.

Responsibility: the pure tests and values the fan-out engine applies to what an
operation raised: whether an error is captured as the account's result, whether
it means the server is down, the shared error of a closed client, and the one
error to raise out of the task group.

Must not: run, log or await anything, or put a secret in a message: errors are
described by the library's own messages or by type names.
"""

from __future__ import annotations

from collections import Counter

from axigen_async import exceptions
from axigen_async.exceptions import (
    AxigenError,
    ConnectError,
    DeadlineExceededError,
    ServerUnavailableError,
)

__all__ = [
    "ErrorTypes",
    "captures",
    "closed_client_error",
    "first_of",
    "is_connect_error",
    "server_down_stop",
]

#: The ``errors`` given to ``fan_out``: exception types that are an account's result.
ErrorTypes = tuple[type[Exception], ...]


def is_connect_error(error: BaseException) -> bool:
    """The default server-down test: the connection could not be opened at all.

    True for :class:`ConnectError`, which includes :class:`ConnectTimeoutError`,
    and for a :class:`DeadlineExceededError` whose call ran out of time while
    still connecting (its ``__cause__`` is then a ``ConnectTimeoutError``).
    """
    if isinstance(error, DeadlineExceededError):
        return isinstance(error.__cause__, ConnectError)
    return isinstance(error, ConnectError)


def server_down_stop(consecutive: int, base_url: str, error: Exception) -> ServerUnavailableError:
    """The shared reason for the accounts not started once the server looks down.

    Caused by the last failure; its message is the library's own, or its type's name.
    """
    last = str(error) if isinstance(error, AxigenError) else type(error).__name__
    stopped = ServerUnavailableError(
        f"stopped starting accounts: {consecutive} consecutive accounts failed to "
        f"connect to {base_url}; the server looks down (last error: {last})",
        consecutive_failures=consecutive,
    )
    stopped.__cause__ = error
    return stopped


def closed_client_error() -> AxigenError:
    """The error of the accounts a closed client cannot run.

    The client's own documented error for a closed client when it has one; a plain
    :class:`AxigenError` otherwise. Built here, never raised, so it chains nothing.
    """
    message = "the client was closed while the fan-out ran"
    closed_type = getattr(exceptions, "ClientClosedError", None)
    if isinstance(closed_type, type) and issubclass(closed_type, AxigenError):
        return closed_type(message)
    return AxigenError(message)


def first_of(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first error of the task group, as itself, with a note naming the others.

    A bug every account meets fails every running operation at once: one traceback
    says it, where a group of ``concurrency`` copies would bury it.
    """
    first, *others = group.exceptions
    if others:
        names = Counter(type(error).__name__ for error in others)
        listed = ", ".join(f"{name} x{count}" for name, count in sorted(names.items()))
        more = "1 more error was" if len(others) == 1 else f"{len(others)} more errors were"
        first.add_note(f"fan_out: {more} raised meanwhile: {listed}")
    return first


#: How far down an error's ``__cause__`` chain the capture test looks (a chain may loop).
_MAX_CAUSES = 8


def captures(error: BaseException, types: ErrorTypes) -> bool:
    """Whether ``error`` is an account's failure rather than a bug.

    It is when it is an instance of ``types``, or was raised ``from`` one (a
    caller's own wrapper around an :class:`AxigenError` stays an account's
    failure, while the same wrapper around a ``KeyError`` stays a bug). An
    exception group, as an operation's own task group raises, is one when every
    exception in it is one.
    """
    if isinstance(error, BaseExceptionGroup):
        _, bugs = error.split(lambda leaf: _captured(leaf, types))
        return bugs is None
    return _captured(error, types)


def _captured(error: BaseException, types: ErrorTypes) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return False  # split() tests a group's members one by one
    cause: BaseException | None = error
    for _ in range(_MAX_CAUSES):
        if cause is None:
            return False
        if isinstance(cause, types):
            return True
        cause = cause.__cause__
    return False
