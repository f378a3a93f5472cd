"""The values the request chain passes between its steps: outcomes and decisions.

An *attempt* is one HTTP exchange; its *outcome* is an answer (the
``RawResponse`` itself), ``NotSent`` or ``MaybeSent`` (or ``LoginFailed`` when the
login it needed failed); a *decision* is ``Accept``, ``RetryAfter``, ``Relogin``
or ``GiveUp``. Also the two errors the decisions build most. Plain values: no
I/O, no logic beyond building them.
"""

from __future__ import annotations

from typing import Any

import attrs

from axigen_async import exceptions as exc
from axigen_async._wire import ApiRequest, RawResponse

__all__ = [
    "ACCEPT",
    "Accept",
    "Attempted",
    "Decision",
    "GiveUp",
    "LoginFailed",
    "MaybeSent",
    "NotSent",
    "Outcome",
    "Relogin",
    "RetryAfter",
    "ambiguous_write",
    "deadline_error",
]


# --- outcomes: what one attempt brought ------------------------------------------------
# An answered attempt is its RawResponse itself (no wrapper on the happy path).


@attrs.frozen
class NotSent:
    """The request provably never left (refused, DNS, connect time-out, pool wait)."""

    error: exc.AxigenError
    #: No retry can mend it (a TLS failure, a closed client): give up at once.
    final: bool = False
    #: A refusal before running (a login's 503) may carry the server's Retry-After.
    retry_after: float | None = None


@attrs.frozen
class MaybeSent:
    """The request may have reached the server (connection lost, read time-out)."""

    error: exc.AxigenError
    #: No retry can mend it (an answer over the size limit): give up at once.
    final: bool = False


@attrs.frozen
class LoginFailed:
    """The login that had to come first did not give a session; the request was not sent.

    ``outcome`` is the login's own: not sent, maybe sent, or its answer (a 401,
    a 5xx, or a 2xx without a usable session id, for which ``invalid`` holds the error).
    """

    outcome: NotSent | MaybeSent | RawResponse
    invalid: exc.AxigenError | None = None
    #: The account's label (never a secret), for a refusal's message.
    account: str = ""


#: What one HTTP exchange brought.
Attempted = RawResponse | NotSent | MaybeSent
#: What one attempt of a call brought, the login it needed included.
Outcome = RawResponse | NotSent | MaybeSent | LoginFailed

# --- decisions: what the chain does next -------------------------------------------------


@attrs.frozen
class Accept:
    """The answer is the call's result."""


@attrs.frozen
class RetryAfter:
    """Wait ``delay`` seconds, spend ``cost`` tokens of the budget, then send again."""

    delay: float
    cost: int
    #: What went wrong, for the log line.
    reason: str


@attrs.frozen
class Relogin:
    """The session expired: wait ``delay``, spend ``cost``, log in again, send again.

    The first expiry in a call is free (no wait, no tokens); a later one is paid
    for like a retry, so a server that refuses every session is not hammered.
    """

    delay: float = 0.0
    cost: int = 0


@attrs.frozen
class GiveUp:
    """Raise ``error``. ``budget_spent``: a retry was allowed but the budget is empty."""

    error: exc.AxigenError
    budget_spent: bool = False


Decision = Accept | RetryAfter | Relogin | GiveUp
ACCEPT = Accept()


def _context(request: ApiRequest, attempts: int) -> dict[str, Any]:
    return {"method": request.method, "url": request.target, "attempts": attempts}


def deadline_error(request: ApiRequest, attempts: int) -> exc.DeadlineExceededError:
    return exc.DeadlineExceededError("the call's deadline ran out", **_context(request, attempts))


def ambiguous_write(
    request: ApiRequest, attempts: int, failure: exc.AxigenError
) -> exc.AmbiguousWriteError:
    """The write may have acted; give it ``failure`` as its cause.

    It carries the failure's status and body excerpt (a 500's, say; none for a
    dropped connection) so they survive pickling, which drops ``__cause__``.
    """
    message = "the write may or may not have taken effect; it was not re-sent"
    if failure.status is not None and 200 <= failure.status < 300:
        # The status line arrived, then the connection broke within the body.
        message = (
            f"the server answered {failure.status}, so the write most likely took effect, "
            "but its answer could not be read; it was not re-sent"
        )
    error = exc.AmbiguousWriteError(
        message,
        status=failure.status,
        body_excerpt=failure.body_excerpt,
        **_context(request, attempts),
    )
    error.__cause__ = failure
    return error
