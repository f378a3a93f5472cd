"""Turning a failed attempt into the library's error and its retry meaning.

Maps aiohttp's exceptions to :mod:`axigen_async.exceptions` and says whether the
request may have reached the server. Knows aiohttp's exception classes but does
no I/O and holds no state.
"""

from __future__ import annotations

from typing import Any, Final

import aiohttp

from axigen_async import exceptions as exc
from axigen_async._retry import Failure
from axigen_async._wire import ApiRequest


class Attempt(Exception):
    """An attempt's failure, with what it means for re-sending the request."""

    def __init__(
        self,
        error: exc.AxigenError,
        failure: Failure,
        retry_after: float | None = None,
        *,
        final: bool = False,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.failure = failure
        self.retry_after = retry_after
        #: No retry can mend it (a TLS failure): raise at once.
        self.final = final


def _context(request: ApiRequest, attempts: int) -> dict[str, Any]:
    return {"method": request.method, "url": request.target, "attempts": attempts}


def deadline_error(request: ApiRequest, attempts: int) -> exc.DeadlineExceededError:
    return exc.DeadlineExceededError("the call's deadline ran out", **_context(request, attempts))


def ambiguous_write(
    request: ApiRequest, attempts: int, failure: exc.AxigenError
) -> exc.AmbiguousWriteError:
    """The write may have acted; raise it ``from failure``.

    It carries the failure's status and body excerpt (a 500's, say; none for a
    dropped connection) so they survive pickling, which drops ``__cause__``.
    """
    message = "the write may or may not have taken effect; it was not re-sent"
    if failure.status is not None and failure.status < 300:
        # The status line arrived, then the connection broke within the body.
        message = (
            f"the server answered {failure.status}, so the write most likely took effect, "
            "but its answer could not be read; it was not re-sent"
        )
    return exc.AmbiguousWriteError(
        message,
        status=failure.status,
        body_excerpt=failure.body_excerpt,
        **_context(request, attempts),
    )


#: OpenSSL's verify codes for a certificate issued to another host name or address.
_NAME_MISMATCH: Final = frozenset({62, 64})


def _tls_reason(error: aiohttp.ClientSSLError) -> str:
    """Why a TLS handshake failed, in the words of the ssl module, for the error message."""
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        cause = error.certificate_error
        reason = getattr(cause, "verify_message", None) or getattr(cause, "reason", None)
        reason = str(reason or type(cause).__name__).rstrip(".")
        if getattr(cause, "verify_code", None) in _NAME_MISMATCH:
            return f"the server's certificate is for another name ({reason}); check base_url"
        return (
            f"the server's certificate is not trusted ({reason}); "
            "pass its CA as ssl='ca.pem' or an ssl.SSLContext"
        )
    cause = error.os_error if isinstance(error, aiohttp.ClientConnectorError) else None
    reason = getattr(cause, "reason", None) or type(cause or error).__name__
    return f"the TLS handshake failed ({reason})"


def transport_failure(
    request: ApiRequest,
    error: aiohttp.ClientError,
    attempts: int,
    *,
    status: int | None = None,
    body_excerpt: str = "",
) -> Attempt:
    """Classify an aiohttp failure.

    ``status`` is set when the answer's status line arrived before the failure,
    ``body_excerpt`` holds the (redacted) start of the body that did.
    The library's error never chains aiohttp's: some of aiohttp's exceptions
    carry the request's headers, ``Authorization`` and session id included.
    """
    context = _context(request, attempts)
    if isinstance(error, aiohttp.ClientSSLError):
        tls = exc.ConnectError(f"TLS failure: {_tls_reason(error)}", **context)
        return Attempt(tls, Failure.NOT_SENT, final=True)
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        connect = exc.ConnectTimeoutError("no connection within the time allowed", **context)
        return Attempt(connect, Failure.NOT_SENT)
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = error.os_error.strerror or type(error.os_error).__name__
        return Attempt(exc.ConnectError(f"cannot connect: {reason}", **context), Failure.NOT_SENT)
    if isinstance(error, aiohttp.ServerTimeoutError):
        timeout = exc.RequestTimeoutError("timed out waiting for the answer", **context)
        return Attempt(timeout, Failure.MAYBE_SENT)
    if status is not None:
        message = f"connection lost while reading the {status} answer: {type(error).__name__}"
    else:
        message = f"connection lost: {type(error).__name__}"
    lost = exc.ConnectionLostError(message, status=status, body_excerpt=body_excerpt, **context)
    return Attempt(lost, Failure.MAYBE_SENT)
