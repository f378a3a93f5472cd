"""The errors axigen-async raises.

Every error the library raises on purpose derives from :class:`AxigenError`.
Misuse of the API (bad arguments, a session used after it was closed) raises the
built-in ``RuntimeError``, ``ValueError`` or ``TypeError`` instead, before anything
is sent. A call on a closed client, or one still running when its client is
closed, raises :class:`ClientClosedError`, which is both an ``AxigenError`` and a
``RuntimeError``.

::

    AxigenError
    ├── ApiError                  the server answered with an error status
    │   ├── BadRequestError       400
    │   ├── AuthenticationError   401
    │   │   └── LoginError        401 from the login call itself (never retried)
    │   ├── PermissionDeniedError 403
    │   ├── NotFoundError         404
    │   ├── ConflictError         409
    │   ├── RateLimitError        429, with ``retry_after`` in seconds when the server sent one
    │   └── ServerError           5xx
    ├── TransportError            no usable answer arrived
    │   ├── ConnectError          the connection could not be opened (nothing was sent)
    │   ├── ConnectionLostError   the connection broke after the request may have been sent
    │   └── RequestTimeoutError   an attempt took too long (also a built-in ``TimeoutError``)
    │       ├── ConnectTimeoutError    opening the connection took too long (also a ConnectError)
    │       └── DeadlineExceededError  the call's overall deadline ran out
    ├── ResponseValidationError   a 2xx answer that does not match the documented shape
    │   └── ResponseTooLargeError  a 2xx answer longer than the client's ``max_response_size``
    ├── AmbiguousWriteError       a write that is not idempotent may or may not have happened
    ├── ClientClosedError         the client was closed before or during the call
    └── ServerUnavailableError    a fan-out stopped starting accounts: the server looks down

Each error carries the HTTP ``method``, the ``url`` (our URLs never hold secrets:
credentials and session ids travel in headers only), the ``status`` when there was
one, the number of ``attempts`` made and a short ``body_excerpt``. None of them
ever holds a password, a token, an ``Authorization`` value or a session id.
Every error pickles, so worker processes can send them back to a parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AmbiguousWriteError",
    "ApiError",
    "AuthenticationError",
    "AxigenError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConnectError",
    "ConnectTimeoutError",
    "ConnectionLostError",
    "DeadlineExceededError",
    "LoginError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "ServerUnavailableError",
    "TransportError",
]

BODY_EXCERPT_LIMIT = 200


def _rebuild(cls: type[AxigenError], message: str, state: dict[str, Any]) -> AxigenError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class AxigenError(Exception):
    """Root of every error axigen-async raises on purpose."""

    method: str | None
    url: str | None
    status: int | None
    attempts: int
    body_excerpt: str

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        attempts: int = 0,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status
        self.attempts = attempts
        self.body_excerpt = body_excerpt[:BODY_EXCERPT_LIMIT]

    @property
    def message(self) -> str:
        """The one-line description the error was raised with."""
        return str(self.args[0]) if self.args else ""

    @property
    def kind(self) -> str:
        """A stable short name for reports, such as ``"NotFoundError"``."""
        return type(self).__name__

    def __str__(self) -> str:
        where = f"{self.method} {self.url}" if self.method and self.url else ""
        parts = [self.message]
        if where:
            parts.append(f"[{where}")
            if self.status is not None:
                parts[-1] += f" -> {self.status}"
            parts[-1] += f", attempts={self.attempts}]"
        return " ".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


class ApiError(AxigenError):
    """The server answered with an error status (``status`` is always set)."""


class BadRequestError(ApiError):
    """400: a parameter is invalid, missing though required, or unexpected."""


class AuthenticationError(ApiError):
    """401: the credentials or the session were not accepted."""


class LoginError(AuthenticationError):
    """401 from the login call: wrong credentials, unknown user, or a bad token.

    Never retried, so a wrong password cannot lock the account.
    """


class PermissionDeniedError(ApiError):
    """403: the account may not do this (a feature disabled, a limit reached, a licence)."""


class NotFoundError(ApiError):
    """404: the resource does not exist."""


class ConflictError(ApiError):
    """409: the request conflicts with the resource's current state."""


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if any."""

    retry_after: float | None

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the server failed while running the request."""


class TransportError(AxigenError):
    """No usable HTTP answer arrived."""


class ConnectError(TransportError):
    """The connection could not be opened; the request was never sent."""


class ConnectionLostError(TransportError):
    """The connection broke after the request may have reached the server."""


class RequestTimeoutError(TransportError, TimeoutError):
    """One attempt took longer than its time-out."""


class ConnectTimeoutError(RequestTimeoutError, ConnectError):
    """Opening the connection took too long; the request was never sent."""


class DeadlineExceededError(RequestTimeoutError):
    """The call's deadline (pool wait, login, every attempt and backoff) ran out."""


class ResponseValidationError(AxigenError):
    """A successful answer did not have the documented shape.

    ``errors`` holds one readable line per problem, such as
    ``"invalid value for type, expected int @ $.totalQuota"``.
    """

    errors: tuple[str, ...]

    def __init__(self, message: str, *, errors: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = tuple(errors)

    def __str__(self) -> str:
        lines = "".join(f"\n  {line}" for line in self.errors)
        return super().__str__() + lines


class ResponseTooLargeError(ResponseValidationError):
    """A successful answer was longer than the client's ``max_response_size``.

    It was not read on (its connection was closed) and the call is not retried,
    since the same answer would come again.
    """


class AmbiguousWriteError(AxigenError):
    """A write that is not idempotent may or may not have taken effect.

    The library never re-sends such a write. Check the resource's state before
    trying again. ``__cause__`` holds the failure that made the outcome unknown.
    """


class ClientClosedError(AxigenError, RuntimeError):
    """The call's ``AxigenClient`` is closed: it was closed before the call or while it ran.

    A call running when its client is closed gets this error (never a
    ``CancelledError``, unless its own task was cancelled). A write that may have
    left before the close raises ``AmbiguousWriteError`` with this as its cause.
    """


class ServerUnavailableError(AxigenError):
    """A fan-out stopped starting accounts because the server looks down.

    Every account not started is reported with this one shared error;
    ``__cause__`` is the last failed account's error.
    """

    consecutive_failures: int

    def __init__(self, message: str, *, consecutive_failures: int = 0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.consecutive_failures = consecutive_failures
