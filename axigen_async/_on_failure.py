"""What the chain does when an attempt failed: classify it, log the retry, give up.

Runs only after a failure or for DEBUG lines (the happy path never enters it):
maps aiohttp's exceptions to :mod:`axigen_async.exceptions` and says whether the
request may have reached the server; logs a retry, or the retry budget running dry (once per
exhaustion, then a count); keeps a login's refusal on its session. The library's
error never chains aiohttp's, some of which carry the request's headers (its
``Authorization`` and session id). No I/O, no retry decision (``_policy`` decides).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

import aiohttp

from axigen_async import exceptions as exc
from axigen_async._auth import SESSION_HEADER
from axigen_async._outcomes import (
    Attempted,
    GiveUp,
    MaybeSent,
    NotSent,
    Outcome,
    ambiguous_write,
    deadline_error,
)
from axigen_async._pool import Pool
from axigen_async._redact import redacted_excerpt
from axigen_async._session import SessionState
from axigen_async._wire import ApiRequest, RawResponse, RetryClass

logger = logging.getLogger("axigen_async")

__all__ = [
    "DroppedConnectionError",
    "budget_back",
    "closed_error",
    "failed_attempt",
    "give_up",
    "log_answer",
    "log_failed_logout",
    "log_retry",
    "no_session_id",
    "session_sent",
    "too_large",
]

#: OpenSSL's verify codes for a certificate issued to another host name or address.
_NAME_MISMATCH: Final = frozenset({62, 64})


class DroppedConnectionError(aiohttp.ClientConnectionError):
    """A connection dropped during an exchange (raised by the chain's middleware).

    Not a ``ClientOSError`` nor a ``ServerDisconnectedError``, so aiohttp does not
    re-send the request on its own; the message is the name of aiohttp's error.
    """


def _context(request: ApiRequest, attempts: int) -> dict[str, Any]:
    return {"method": request.method, "url": request.target, "attempts": attempts}


def closed_error(request: ApiRequest, attempts: int) -> exc.ClientClosedError:
    return exc.ClientClosedError("this AxigenClient is closed", **_context(request, attempts))


def no_session_id(request: ApiRequest, raw: RawResponse, attempts: int) -> exc.AxigenError:
    """A login answered 2xx without a session id that can be sent in a header."""
    return exc.ResponseValidationError(
        "the login answer holds no usable session id",
        errors=["expected a JSON object with a printable ASCII string at $.sessid"],
        status=raw.status,
        body_excerpt=redacted_excerpt(request, raw.body, raw.sent_headers),
        **_context(request, attempts),
    )


def too_large(pool: Pool, request: ApiRequest, raw: RawResponse, attempt: int) -> Attempted:
    """A successful answer cut at the size limit: it cannot be used, and sending
    again would bring the same answer, so the error is final.

    A write that would act twice did act (its status says so) yet cannot be
    confirmed from its answer: that is reported as such.
    """
    error: exc.AxigenError = exc.ResponseTooLargeError(
        f"the answer is larger than the client's max_response_size of {pool.max_body} bytes",
        status=raw.status,
        body_excerpt=redacted_excerpt(request, raw.body, raw.sent_headers),
        **_context(request, attempt),
    )
    if request.retry_class is RetryClass.NOT_IDEMPOTENT:
        error = ambiguous_write(request, attempt, error)
    return MaybeSent(error, final=True)


def failed_attempt(
    pool: Pool,
    request: ApiRequest,
    error: aiohttp.ClientError,
    response: aiohttp.ClientResponse | None,
    received: list[bytes],
    headers: Mapping[str, str] | None,
    attempt: int,
    deadline: float,
    limit: float,
) -> Attempted:
    """The outcome of an attempt that aiohttp ended with ``error``.

    ``response`` is set when the status line arrived first, ``received`` holds
    what came of the body; ``limit`` is the attempt's time limit.
    """
    if response is not None and response.status >= 300:
        # The status arrived, then the body broke off: the server's answer is
        # known all the same, and what came of the body makes its excerpt.
        status = response.status
        return RawResponse(
            status,
            b"".join(received),
            response.headers.get("Content-Type", ""),
            response.headers.get("Retry-After") if status >= 400 else None,
            attempt,
            headers,
        )
    excerpt = redacted_excerpt(request, b"".join(received), headers)
    known = response.status if response is not None else None
    outcome = _transport_failure(request, error, attempt, known, excerpt, limit)
    if pool.closed:
        # The client was closed under the call: the documented error, kept
        # ambiguous for a write that may have left.
        closed = closed_error(request, attempt)
        ambiguous = request.retry_class is RetryClass.NOT_IDEMPOTENT
        if isinstance(outcome, MaybeSent) and ambiguous:
            return MaybeSent(closed)
        return NotSent(closed, final=True)
    failure = outcome.error
    out_of_time = pool.clock() >= deadline or limit < pool.attempt_limit
    if isinstance(failure, exc.ConnectTimeoutError) and pool.clock() >= deadline:
        # The call ran out of time, still connecting: the cause says so, and
        # fan_out's server-down test counts it as a connection that failed.
        expired = deadline_error(request, attempt)
        expired.__cause__ = failure
        return NotSent(expired)
    if isinstance(outcome, MaybeSent) and type(failure) is exc.RequestTimeoutError and out_of_time:
        return MaybeSent(deadline_error(request, attempt))
    return outcome


def _transport_failure(
    request: ApiRequest,
    error: aiohttp.ClientError,
    attempts: int,
    status: int | None,
    body_excerpt: str,
    limit: float,
) -> NotSent | MaybeSent:
    """Classify an aiohttp failure: never sent, or maybe sent."""
    context = _context(request, attempts)
    if isinstance(error, aiohttp.ClientSSLError):
        return NotSent(
            exc.ConnectError(f"TLS failure: {_tls_reason(error)}", **context), final=True
        )
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return NotSent(exc.ConnectTimeoutError("no connection within the time allowed", **context))
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = error.os_error.strerror or type(error.os_error).__name__
        return NotSent(exc.ConnectError(f"cannot connect: {reason}", **context))
    if isinstance(error, aiohttp.ServerTimeoutError):
        # The read timer: no byte of the answer for ``limit`` seconds, or, for a
        # body trickling in, the whole attempt past it.
        slow = exc.RequestTimeoutError(f"the attempt took longer than {limit:g} s", **context)
        return MaybeSent(slow)
    name = str(error) if isinstance(error, DroppedConnectionError) else type(error).__name__
    if status is not None:
        message = f"connection lost while reading the {status} answer: {name}"
    else:
        message = f"connection lost: {name}"
    lost = exc.ConnectionLostError(message, status=status, body_excerpt=body_excerpt, **context)
    return MaybeSent(lost)


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


def budget_back(pool: Pool) -> None:
    """The budget holds a retry's tokens again: report how many retries it refused."""
    budget = pool.budget
    if budget.tokens < pool.policy.timeout_retry_cost:
        return
    # About the client, not one call: no account to name.
    logger.warning(
        "the client's retry budget is available again; %d failed calls were not retried "
        "while it was spent",
        budget.refused,
        extra={"account": "-"},
    )
    budget.refused = 0


def give_up(
    pool: Pool, session: SessionState | None, request: ApiRequest, decision: GiveUp
) -> exc.AxigenError:
    """The error to raise, after its bookkeeping (a refusal kept, the budget's warning)."""
    error = decision.error
    if session is not None and isinstance(error, exc.LoginError):
        session.refused = error
    if decision.budget_spent:
        budget = pool.budget
        budget.refused += 1
        if budget.refused == 1:
            account = session.label if session is not None else "-"
            logger.warning(
                "not retrying %s %s for %s: the client's retry budget is spent; failed calls "
                "are not retried until calls succeed again (their count follows then)",
                request.method,
                request.target,
                account,
                extra={"account": account},
            )
    return error


def log_retry(
    session: SessionState | None, request: ApiRequest, reason: str, attempt: int, delay: float
) -> None:
    """One INFO line per retry, naming the account (in the message and as ``account``)."""
    account = session.label if session is not None else "-"
    logger.info(
        "retrying %s %s for %s after %s (attempt %d), waiting %.3f s",
        request.method,
        request.target,
        account,
        reason,
        attempt,
        delay,
        extra={"account": account},
    )


def log_answer(account: str, request: ApiRequest, raw: RawResponse, milliseconds: float) -> None:
    """The DEBUG line of one exchange (only when DEBUG is on), naming the account."""
    logger.debug(
        "%s %s for %s -> %d (attempt %d, %.1f ms)",
        request.method,
        request.target,
        account,
        raw.status,
        raw.attempts,
        milliseconds,
        extra={"account": account},
    )


def log_failed_logout(session: SessionState, error: exc.AxigenError) -> None:
    """A logout is best effort: its failure is a DEBUG line, nothing more."""
    account = session.label
    logger.debug(
        "logout of %s failed (ignored): %s", account, error.kind, extra={"account": account}
    )


def session_sent(outcome: Outcome) -> str | None:
    """The session id an answered attempt was sent with."""
    sent = outcome.sent_headers if isinstance(outcome, RawResponse) else None
    return sent.get(SESSION_HEADER) if sent else None
