"""Pure retry decisions: which failures are retried, backoff, Retry-After, budget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from axigen_async import RetryPolicy, Timeouts
from axigen_async._policy import RetryBudget, parse_retry_after
from axigen_async._wire import RetryClass

SAFE, IDEMPOTENT, ONCE = RetryClass.SAFE, RetryClass.IDEMPOTENT, RetryClass.NOT_IDEMPOTENT


@pytest.mark.parametrize(
    ("retry_class", "status", "retried"),
    [
        pytest.param(SAFE, 503, True, id="safe-503"),
        pytest.param(SAFE, 429, True, id="safe-429"),
        pytest.param(SAFE, 500, True, id="safe-500"),
        pytest.param(SAFE, 408, True, id="safe-408"),
        pytest.param(SAFE, 404, False, id="safe-404"),
        pytest.param(SAFE, 400, False, id="safe-400"),
        pytest.param(IDEMPOTENT, 502, True, id="idempotent-502"),
        pytest.param(IDEMPOTENT, 504, True, id="idempotent-504"),
        pytest.param(IDEMPOTENT, 500, False, id="idempotent-500"),
        pytest.param(IDEMPOTENT, 408, False, id="idempotent-408"),
        pytest.param(ONCE, 503, True, id="once-503-refused-before-running"),
        pytest.param(ONCE, 429, True, id="once-429-refused-before-running"),
        pytest.param(ONCE, 502, False, id="once-502"),
        pytest.param(ONCE, 500, False, id="once-500"),
        pytest.param(ONCE, 504, False, id="once-504"),
    ],
)
def test_retried_statuses_depend_on_the_retry_class(
    retry_class: RetryClass, status: int, retried: bool
) -> None:
    assert RetryPolicy().retries_status(retry_class, status) is retried


@pytest.mark.parametrize(
    ("status", "unknown"),
    [(500, True), (502, True), (504, True), (503, False), (429, False), (400, False)],
)
def test_which_statuses_leave_a_write_unknown(status: int, unknown: bool) -> None:
    assert RetryPolicy().leaves_write_unknown(ONCE, status) is unknown
    assert RetryPolicy().leaves_write_unknown(IDEMPOTENT, status) is False


def test_a_503_left_out_of_the_write_statuses_leaves_a_write_unknown() -> None:
    policy = RetryPolicy(write_retry_statuses=frozenset({429}))
    assert policy.leaves_write_unknown(ONCE, 503)
    assert not policy.retries_status(ONCE, 503)
    assert policy.retries_status(ONCE, 429)
    assert policy.retries_status(IDEMPOTENT, 503)  # only writes that would act twice


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=10.0)
    assert policy.backoff(0, lambda: 1.0) == 0.5
    assert policy.backoff(3, lambda: 1.0) == 4.0
    assert policy.backoff(10, lambda: 1.0) == 10.0
    assert policy.backoff(2000, lambda: 1.0) == 10.0
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert policy.backoff(3, lambda: 0.25) == 1.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("7", 7.0, id="delta-seconds"),
        pytest.param(" 12 ", 12.0, id="padded"),
        pytest.param("Wed, 21 Oct 2026 07:28:30 GMT", 30.0, id="http-date"),
        pytest.param("Wed, 21 Oct 2026 07:27:00 GMT", 0.0, id="date-in-the-past"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("-5", None, id="negative"),
        pytest.param("\u00b2", None, id="superscript-digit"),
    ],
)
def test_retry_after_parses_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(value, now) == seconds


def test_the_budget_refuses_retries_once_spent_and_refills_on_success() -> None:
    budget = RetryBudget(12)
    assert budget.try_spend(5)
    assert budget.try_spend(5)
    assert not budget.try_spend(5)
    assert budget.tokens == 2
    for _ in range(20):
        budget.refund(1)
    assert budget.tokens == 12


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"attempts": 0}, id="attempts"),
        pytest.param({"backoff_base": 0}, id="backoff-base"),
        pytest.param({"backoff_cap": float("inf")}, id="backoff-cap"),
        pytest.param({"max_retry_after": -1}, id="retry-after"),
    ],
)
def test_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - attrs words the message
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(ValueError, match="deadline"):
        Timeouts(deadline=0)


def test_never_makes_one_attempt() -> None:
    assert RetryPolicy.never().attempts == 1
