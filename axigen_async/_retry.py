"""Retry and time-out policy, and the pure decisions made from it.

Given what went wrong on an attempt, this module decides whether the call may be
sent again and after how long. It holds no clock and never sleeps: callers pass
the time left and a random source, so every decision is tested without waiting.
"""

from __future__ import annotations

import email.utils
import enum
import math
from collections.abc import Callable
from datetime import UTC, datetime

import attrs

from axigen_async._wire import RetryClass


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
    in, every attempt and every backoff. ``attempt`` bounds one attempt, from
    sending to the last byte of the answer, and ``connect`` the opening of one
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
        acted, unless it is one of ``write_retry_statuses``, which refuse first.
        """
        return (
            retry_class is RetryClass.NOT_IDEMPOTENT
            and status >= 500
            and status not in self.write_retry_statuses
        )

    def backoff(self, retry_number: int, random: Callable[[], float]) -> float:
        """Full-jitter backoff before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(retry_number, 62))
        return random() * ceiling


class Failure(enum.Enum):
    """How an attempt failed, as far as the request's fate is concerned."""

    #: Provably never sent (connection refused, DNS, connect time-out, pool wait).
    NOT_SENT = "not sent"
    #: May have reached the server (connection lost, read time-out).
    MAYBE_SENT = "maybe sent"
    #: A retryable status arrived.
    STATUS = "status"


def may_resend(retry_class: RetryClass, failure: Failure) -> bool:
    """Whether an operation may be sent again after this kind of failure.

    A retryable status (``Failure.STATUS``) was already judged by
    :meth:`RetryPolicy.retries_status`, which passes a write that would act twice
    only when the status refused it before it ran.
    """
    if failure is not Failure.MAYBE_SENT:
        return True
    return retry_class is not RetryClass.NOT_IDEMPOTENT


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
    """A token bucket shared by every call of one client (see :class:`RetryPolicy`)."""

    __slots__ = ("_capacity", "_tokens")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._tokens = capacity

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
