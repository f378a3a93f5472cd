"""The retry policy, the attempt outcomes, and the one pure retry decision.

``decide`` turns what one attempt brought (its *outcome*) into what the chain
does next (a *decision*): accept the answer, retry after a delay, log in again,
or give up with an error. It does no I/O, keeps no clock, draws no random number
and never logs or sleeps: the chain passes the time, the deadline, a jitter draw
and the budget's tokens in, and applies the decision itself. Also here: the
public ``Timeouts`` and ``RetryPolicy`` and the shared ``RetryBudget``.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable
from datetime import UTC, datetime

import attrs

from axigen_async import exceptions as exc
from axigen_async._outcomes import (
    ACCEPT,
    Decision,
    GiveUp,
    LoginFailed,
    MaybeSent,
    NotSent,
    Outcome,
    Relogin,
    RetryAfter,
    ambiguous_write,
)
from axigen_async._wire import ApiRequest, RawResponse, RetryClass, api_error

__all__ = [
    "RetryBudget",
    "RetryPolicy",
    "Timeouts",
    "decide",
    "may_have_acted",
    "parse_retry_after",
]


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{attribute.name} must be a positive finite number, got {value!r}")


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be zero or more, got {value!r}")


@attrs.frozen
class Timeouts:
    """How long a call may take, in seconds.

    ``deadline`` bounds the whole call: waiting for a pooled connection, logging
    in, every attempt and every backoff. ``attempt`` bounds one attempt: its wait
    for a pooled connection and its connecting, then, separately, its sending and
    each wait for the answer's next bytes. ``connect`` bounds the opening of one
    connection. An attempt that runs out of time may be retried within the
    deadline; the deadline running out ends the call.
    """

    deadline: float = attrs.field(default=60.0, validator=_positive)
    attempt: float = attrs.field(default=30.0, validator=_positive)
    connect: float = attrs.field(default=5.0, validator=_positive)


@attrs.frozen
class RetryPolicy:
    """Which failures are retried, how often, and how long to wait in between.

    Operations are retried by what they do (their retry class), not by their
    HTTP method: reads and idempotent writes are retried; writes that would act
    twice are never re-sent once they may have reached the server.

    The retry budget is a token bucket shared by all calls of one client: each
    retry spends ``retry_cost`` tokens (``timeout_retry_cost`` after a time-out),
    each success returns ``success_refund``. With the bucket empty, failures are
    raised at once instead of adding load to a server that is already failing.
    """

    #: Attempts per call for safe and idempotent operations (1 disables retries).
    attempts: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    #: Backoff before retry n (from 0) is uniform(0, min(backoff_cap, backoff_base * 2**n)).
    #: A ``Retry-After`` shorter than ``backoff_base`` (0, or a date past) waits ``backoff_base``.
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_cap: float = attrs.field(default=10.0, validator=_positive)
    #: Statuses retried for safe and idempotent operations.
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    #: Statuses retried for safe operations only.
    safe_retry_statuses: frozenset[int] = frozenset({408, 500})
    #: Statuses after which a write that would act twice (a create, a password
    #: change) is sent again, since they refuse a request before it runs. Any other
    #: 5xx leaves such a write's outcome unknown. Behind a proxy that may answer 503
    #: after forwarding the request (Envoy and Istio can), leave 503 out.
    write_retry_statuses: frozenset[int] = frozenset({429, 503})
    #: The longest ``Retry-After`` honoured; a longer one raises at once.
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative)
    budget_capacity: int = attrs.field(default=500, validator=attrs.validators.ge(0))
    retry_cost: int = attrs.field(default=5, validator=attrs.validators.ge(0))
    timeout_retry_cost: int = attrs.field(default=10, validator=attrs.validators.ge(0))
    success_refund: int = attrs.field(default=1, validator=attrs.validators.ge(0))

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that makes one attempt per call."""
        return cls(attempts=1)

    def retries_status(self, retry_class: RetryClass, status: int) -> bool:
        """Whether an answer with ``status`` may be retried for this retry class.

        A write that would act twice is retried only after one of
        ``write_retry_statuses``, which refused it before it ran.
        """
        if retry_class is RetryClass.NOT_IDEMPOTENT:
            return status in self.write_retry_statuses
        if status in self.retry_statuses:
            return True
        return retry_class is RetryClass.SAFE and status in self.safe_retry_statuses

    def leaves_write_unknown(self, retry_class: RetryClass, status: int) -> bool:
        """Whether an error status leaves a non-idempotent write's outcome unknown.

        A 5xx can come after the server (or the server behind a proxy) already
        acted, unless it is one of ``write_retry_statuses``, which refuse first;
        so can a status that is no final answer at all (below 200).
        """
        return retry_class is RetryClass.NOT_IDEMPOTENT and (
            (status >= 500 and status not in self.write_retry_statuses) or status < 200
        )

    def backoff(self, retry_number: int, random: Callable[[], float]) -> float:
        """Full-jitter backoff before retry ``retry_number`` (0 for the first retry)."""
        return self.backoff_for(retry_number, random())

    def backoff_for(self, retry_number: int, jitter: float) -> float:
        """The backoff before retry ``retry_number`` for a draw ``jitter`` in [0, 1)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(retry_number, 62))
        return jitter * ceiling


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    Returns None when the header is absent or unreadable; a date in the past
    gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class RetryBudget:
    """A token bucket shared by every call of one client (see :class:`RetryPolicy`).

    It also counts the retries it refused since it last ran dry, so the chain can
    warn once per exhaustion and report the count when the bucket refills.
    """

    __slots__ = ("_capacity", "_tokens", "refused")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._tokens = capacity
        #: Retries refused since the bucket last ran dry (0: it has not).
        self.refused = 0

    @property
    def tokens(self) -> int:
        return self._tokens

    def try_spend(self, cost: int) -> bool:
        """Take ``cost`` tokens if the bucket holds them; report whether it did."""
        if cost > self._tokens:
            return False
        self._tokens -= cost
        return True

    def refund(self, amount: int) -> None:
        self._tokens = min(self._capacity, self._tokens + amount)


def may_have_acted(policy: RetryPolicy, outcome: Outcome) -> bool:
    """Whether a failed attempt may have done its work (then a re-sent DELETE's 404 means done)."""
    if isinstance(outcome, RawResponse):
        return outcome.status >= 500 and outcome.status not in policy.write_retry_statuses
    return isinstance(outcome, MaybeSent)


def decide(
    policy: RetryPolicy,
    request: ApiRequest,
    outcome: Outcome,
    *,
    attempt: int,
    relogins: int,
    maybe_applied: bool,
    now: float,
    deadline: float,
    budget: int,
    jitter: float,
) -> Decision:
    """What to do after attempt number ``attempt`` of a call brought ``outcome``.

    ``relogins`` counts the re-logins this call already made (the attempts they
    followed do not count against ``policy.attempts``); ``maybe_applied`` tells
    whether an earlier attempt may have acted (then a re-sent DELETE's 404 means
    done); ``budget`` is the tokens left and ``jitter`` a draw in [0, 1).
    """
    retry_class = request.retry_class
    if isinstance(outcome, RawResponse):
        status = outcome.status
        if 200 <= status < 300:
            return ACCEPT
        if status == 404 and request.missing_after_retry_is_success and maybe_applied:
            return ACCEPT
        retry_after = parse_retry_after(outcome.retry_after)
        error: exc.AxigenError = api_error(
            request, outcome, attempts=attempt, retry_after=retry_after
        )
        if status == 401:
            return _relogin(policy, error, relogins, now, deadline, budget, jitter)
        if policy.leaves_write_unknown(retry_class, status):
            return GiveUp(ambiguous_write(request, attempt, error))
        if not 200 <= status < 600 or not policy.retries_status(retry_class, status):
            return GiveUp(error)
        return _retry(policy, error, attempt - relogins, now, deadline, budget, jitter, retry_after)
    if isinstance(outcome, LoginFailed):
        tries = attempt - relogins
        return _after_login(policy, outcome, attempt, tries, now, deadline, budget, jitter)
    error = outcome.error
    if outcome.final:
        return GiveUp(error)
    if isinstance(outcome, MaybeSent) and retry_class is RetryClass.NOT_IDEMPOTENT:
        return GiveUp(ambiguous_write(request, attempt, error))
    retry_after = outcome.retry_after if isinstance(outcome, NotSent) else None
    return _retry(policy, error, attempt - relogins, now, deadline, budget, jitter, retry_after)


def _after_login(
    policy: RetryPolicy,
    failed: LoginFailed,
    attempt: int,
    tries: int,
    now: float,
    deadline: float,
    budget: int,
    jitter: float,
) -> Decision:
    """A failed login: the operation itself was never sent, so only the login's fate counts.

    A refusal (401) is final: repeating a wrong password can lock the account. A
    login that may have reached the server is not repeated either (a password
    attempt must not be made twice). A refusal before running (one of the retry
    statuses) or a login never sent may be retried, as for any operation.
    """
    outcome = failed.outcome
    if failed.invalid is not None:
        return GiveUp(failed.invalid)
    if isinstance(outcome, RawResponse):
        status = outcome.status
        retry_after = parse_retry_after(outcome.retry_after)
        error = api_error(_LOGIN, outcome, attempts=1, retry_after=retry_after)
        if status == 401:
            return GiveUp(_login_error(error, failed.account))
        if status not in policy.retry_statuses:
            return GiveUp(error)
        error.attempts = attempt  # a refusal before running counts as the call's attempt
        return _retry(policy, error, tries, now, deadline, budget, jitter, retry_after)
    if isinstance(outcome, MaybeSent) or outcome.final:
        return GiveUp(outcome.error)
    return _retry(policy, outcome.error, tries, now, deadline, budget, jitter, outcome.retry_after)


_LOGIN = ApiRequest("POST", "/api/v1/login", RetryClass.NOT_IDEMPOTENT)


def _login_error(refusal: exc.AxigenError, account: str) -> exc.LoginError:
    message = f"login refused for {account}" if account else "login refused"
    return exc.LoginError(
        message, method="POST", url=_LOGIN.target, status=refusal.status, attempts=1
    )


def _relogin(
    policy: RetryPolicy,
    error: exc.AxigenError,
    relogins: int,
    now: float,
    deadline: float,
    budget: int,
    jitter: float,
) -> Decision:
    """A session found expired: log in again, at once the first time, with backoff after."""
    if relogins == 0:
        return Relogin()
    delay = policy.backoff_for(relogins - 1, jitter)
    if now + delay >= deadline:
        return GiveUp(error)
    if policy.retry_cost > budget:
        return GiveUp(error, budget_spent=True)
    return Relogin(delay, policy.retry_cost)


def _retry(
    policy: RetryPolicy,
    error: exc.AxigenError,
    tries: int,
    now: float,
    deadline: float,
    budget: int,
    jitter: float,
    retry_after: float | None,
) -> Decision:
    """Retry after a backoff (or the server's Retry-After), if the limits allow."""
    if tries >= policy.attempts or isinstance(error, exc.DeadlineExceededError):
        return GiveUp(error)
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return GiveUp(error)
        # "Retry-After: 0" or a date past is no reason to send again at once.
        delay = max(retry_after, policy.backoff_base)
    else:
        delay = policy.backoff_for(tries - 1, jitter)
    if now + delay >= deadline:
        return GiveUp(error)
    timed_out = isinstance(error, exc.RequestTimeoutError)
    cost = policy.timeout_retry_cost if timed_out else policy.retry_cost
    if cost > budget:
        return GiveUp(error, budget_spent=True)
    reason = str(error.status) if isinstance(error, exc.ApiError) else error.kind
    return RetryAfter(delay, cost, reason)
