"""The pure retry decision as a table: every retry class (and the login) x every outcome."""

from __future__ import annotations

from typing import Any

import pytest

from axigen_async import exceptions as exc
from axigen_async._outcomes import (
    Accept,
    GiveUp,
    LoginFailed,
    MaybeSent,
    NotSent,
    Outcome,
    Relogin,
    RetryAfter,
)
from axigen_async._policy import RetryPolicy, decide
from axigen_async._wire import ApiRequest, RawResponse, RetryClass

REQUESTS = {
    "safe": ApiRequest("GET", "/api/v1/account/info", RetryClass.SAFE),
    "idempotent": ApiRequest("PUT", "/api/v1/account/contactinfo", RetryClass.IDEMPOTENT),
    "once": ApiRequest("POST", "/api/v1/account/temporaryaliases", RetryClass.NOT_IDEMPOTENT),
    # A call whose login failed first: the operation itself (a read) was never sent.
    "login": ApiRequest("GET", "/api/v1/account/info", RetryClass.SAFE),
}
POLICY = RetryPolicy()  # 4 attempts, backoff 0.5 * 2**n, budget 500, retry cost 5 (10 on time-outs)
BACKOFF = 0.25  # the first retry's backoff for the jitter draw 0.5 used below
DEADLINE = 60.0


def _answer(status: int, retry_after: str | None = None) -> RawResponse:
    return RawResponse(status, b'{"error": "x"}', "application/json", retry_after)


def _not_sent() -> NotSent:
    return NotSent(exc.ConnectError("cannot connect: refused"))


def _maybe_sent() -> MaybeSent:
    return MaybeSent(exc.ConnectionLostError("connection lost"))


OUTCOMES: dict[str, Any] = {
    "not-sent": _not_sent,
    "maybe-sent": _maybe_sent,
    "2xx": lambda: _answer(200),
    "status-099": lambda: _answer(99),
    "401": lambda: _answer(401),
    "408": lambda: _answer(408),
    "429-retry-after-3": lambda: _answer(429, "3"),
    "429-retry-after-0": lambda: _answer(429, "0"),
    "429-no-retry-after": lambda: _answer(429),
    "429-retry-after-too-long": lambda: _answer(429, "600"),
    "500": lambda: _answer(500),
    "502": lambda: _answer(502),
    "503": lambda: _answer(503),
    "504": lambda: _answer(504),
    "404": lambda: _answer(404),
    "400": lambda: _answer(400),
}

RETRY = ("retry", BACKOFF)
RELOGIN = ("relogin",)
ACCEPT = ("accept",)


def give_up(kind: type[exc.AxigenError]) -> tuple[str, type[exc.AxigenError]]:
    return ("give-up", kind)


# What decide says for each retry class and outcome, on a call's first attempt,
# with time and budget to spare.
EXPECTED: dict[str, dict[str, tuple[Any, ...]]] = {
    "safe": {
        "not-sent": RETRY,
        "maybe-sent": RETRY,
        "2xx": ACCEPT,
        "status-099": give_up(exc.ApiError),
        "401": RELOGIN,
        "408": RETRY,
        "429-retry-after-3": ("retry", 3.0),
        "429-retry-after-0": ("retry", POLICY.backoff_base),
        "429-no-retry-after": RETRY,
        "429-retry-after-too-long": give_up(exc.RateLimitError),
        "500": RETRY,
        "502": RETRY,
        "503": RETRY,
        "504": RETRY,
        "404": give_up(exc.NotFoundError),
        "400": give_up(exc.BadRequestError),
    },
    "idempotent": {
        "not-sent": RETRY,
        "maybe-sent": RETRY,
        "2xx": ACCEPT,
        "status-099": give_up(exc.ApiError),
        "401": RELOGIN,
        "408": give_up(exc.ApiError),
        "429-retry-after-3": ("retry", 3.0),
        "429-retry-after-0": ("retry", POLICY.backoff_base),
        "429-no-retry-after": RETRY,
        "429-retry-after-too-long": give_up(exc.RateLimitError),
        "500": give_up(exc.ServerError),
        "502": RETRY,
        "503": RETRY,
        "504": RETRY,
        "404": give_up(exc.NotFoundError),
        "400": give_up(exc.BadRequestError),
    },
    "once": {
        "not-sent": RETRY,
        "maybe-sent": give_up(exc.AmbiguousWriteError),
        "2xx": ACCEPT,
        "status-099": give_up(exc.AmbiguousWriteError),
        "401": RELOGIN,
        "408": give_up(exc.ApiError),
        "429-retry-after-3": ("retry", 3.0),
        "429-retry-after-0": ("retry", POLICY.backoff_base),
        "429-no-retry-after": RETRY,
        "429-retry-after-too-long": give_up(exc.RateLimitError),
        "500": give_up(exc.AmbiguousWriteError),
        "502": give_up(exc.AmbiguousWriteError),
        "503": RETRY,
        "504": give_up(exc.AmbiguousWriteError),
        "404": give_up(exc.NotFoundError),
        "400": give_up(exc.BadRequestError),
    },
    "login": {
        "not-sent": RETRY,
        # A password attempt that may have arrived is never made twice.
        "maybe-sent": give_up(exc.ConnectionLostError),
        "2xx": give_up(exc.ResponseValidationError),  # a 2xx without a usable session id
        "status-099": give_up(exc.ApiError),
        "401": give_up(exc.LoginError),  # the login refused: never retried
        "408": give_up(exc.ApiError),
        "429-retry-after-3": ("retry", 3.0),
        "429-retry-after-0": ("retry", POLICY.backoff_base),
        "429-no-retry-after": RETRY,
        "429-retry-after-too-long": give_up(exc.RateLimitError),
        "500": give_up(exc.ServerError),
        "502": RETRY,
        "503": RETRY,
        "504": RETRY,
        "404": give_up(exc.NotFoundError),
        "400": give_up(exc.BadRequestError),
    },
}


def _outcome(kind: str, name: str) -> Outcome:
    outcome = OUTCOMES[name]()
    if kind != "login":
        return outcome  # type: ignore[no-any-return]
    if name == "2xx":
        invalid = exc.ResponseValidationError("the login answer holds no usable session id")
        return LoginFailed(outcome, invalid=invalid)
    return LoginFailed(outcome, account="jane@example.com")


def _decide(kind: str, outcome: Outcome, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "attempt": 1,
        "relogins": 0,
        "maybe_applied": False,
        "now": 0.0,
        "deadline": DEADLINE,
        "budget": POLICY.budget_capacity,
        "jitter": 0.5,
        **overrides,
    }
    return decide(POLICY, REQUESTS[kind], outcome, **arguments)


def _shape(decision: Any) -> tuple[Any, ...]:
    if isinstance(decision, Accept):
        return ACCEPT
    if isinstance(decision, Relogin):
        return ("relogin",) if decision.delay == 0 else ("relogin", decision.delay)
    if isinstance(decision, RetryAfter):
        return ("retry", decision.delay)
    assert isinstance(decision, GiveUp)
    return ("give-up", type(decision.error))


TABLE = [
    pytest.param(kind, name, expected, id=f"{kind}-{name}")
    for kind, row in EXPECTED.items()
    for name, expected in row.items()
]


@pytest.mark.parametrize(("kind", "name", "expected"), TABLE)
def test_decide_on_a_first_attempt(kind: str, name: str, expected: tuple[Any, ...]) -> None:
    assert set(EXPECTED[kind]) == set(OUTCOMES)  # every outcome has a row
    assert _shape(_decide(kind, _outcome(kind, name))) == expected


RETRIED = [
    pytest.param(kind, name, id=f"{kind}-{name}")
    for kind, row in EXPECTED.items()
    for name, expected in row.items()
    if expected[0] == "retry"
]


@pytest.mark.parametrize(("kind", "name"), RETRIED)
def test_a_retry_that_would_end_past_the_deadline_gives_up(kind: str, name: str) -> None:
    decision = _decide(kind, _outcome(kind, name), now=DEADLINE - 0.1)
    assert isinstance(decision, GiveUp)
    assert not decision.budget_spent


@pytest.mark.parametrize(("kind", "name"), RETRIED)
def test_a_retry_with_the_budget_empty_gives_up_and_says_why(kind: str, name: str) -> None:
    decision = _decide(kind, _outcome(kind, name), budget=POLICY.retry_cost - 1)
    assert isinstance(decision, GiveUp)
    assert decision.budget_spent


@pytest.mark.parametrize(("kind", "name"), RETRIED)
def test_the_last_attempt_gives_up(kind: str, name: str) -> None:
    decision = _decide(kind, _outcome(kind, name), attempt=POLICY.attempts)
    assert isinstance(decision, GiveUp)
    # The free re-send after a re-login does not count against the attempts.
    after_relogin = _decide(kind, _outcome(kind, name), attempt=POLICY.attempts, relogins=1)
    assert isinstance(after_relogin, RetryAfter)


@pytest.mark.parametrize("kind", ["safe", "idempotent", "once"])
def test_an_expired_session_is_renewed_at_once_then_with_backoff_and_tokens(kind: str) -> None:
    first = _decide(kind, _answer(401))
    assert first == Relogin(0.0, 0)
    # Later expiries are no reason to give up while time and budget remain, however
    # many attempts the call made: each waits a growing backoff and costs tokens.
    later = [_decide(kind, _answer(401), relogins=n, attempt=10 + n) for n in (1, 2, 3)]
    assert later == [Relogin(BACKOFF * 2**n, POLICY.retry_cost) for n in (0, 1, 2)]
    near = _decide(kind, _answer(401), relogins=3, now=DEADLINE - 0.1)
    assert isinstance(near, GiveUp)
    assert isinstance(near.error, exc.AuthenticationError)
    assert not isinstance(near.error, exc.LoginError)
    spent = _decide(kind, _answer(401), relogins=3, budget=0)
    assert isinstance(spent, GiveUp)
    assert spent.budget_spent


@pytest.mark.parametrize("kind", ["safe", "idempotent", "once"])
def test_a_time_out_costs_more_tokens(kind: str) -> None:
    timed_out = NotSent(exc.ConnectTimeoutError("no connection within the time allowed"))
    decision = _decide(kind, timed_out)
    assert isinstance(decision, RetryAfter)
    assert decision.cost == POLICY.timeout_retry_cost
    lost = _decide(kind, _not_sent())
    assert isinstance(lost, RetryAfter)
    assert lost.cost == POLICY.retry_cost


def test_a_re_sent_delete_that_finds_nothing_is_done_only_after_a_maybe_applied_attempt() -> None:
    delete = ApiRequest(
        "DELETE",
        "/api/v1/account/avatar",
        RetryClass.IDEMPOTENT,
        missing_after_retry_is_success=True,
    )
    arguments: dict[str, Any] = {
        "attempt": 2,
        "relogins": 0,
        "now": 0.0,
        "deadline": DEADLINE,
        "budget": 500,
        "jitter": 0.5,
    }
    done = decide(POLICY, delete, _answer(404), maybe_applied=True, **arguments)
    assert isinstance(done, Accept)
    missing = decide(POLICY, delete, _answer(404), maybe_applied=False, **arguments)
    assert isinstance(missing, GiveUp)
    assert isinstance(missing.error, exc.NotFoundError)


def test_a_final_failure_is_never_retried() -> None:
    tls = NotSent(exc.ConnectError("TLS failure"), final=True)
    assert _shape(_decide("safe", tls)) == give_up(exc.ConnectError)


def test_an_ambiguous_write_keeps_the_status_excerpt_and_cause() -> None:
    decision = _decide("once", _answer(502))
    assert isinstance(decision, GiveUp)
    error = decision.error
    assert isinstance(error, exc.AmbiguousWriteError)
    assert (error.status, error.attempts) == (502, 1)
    assert isinstance(error.__cause__, exc.ServerError)
    assert error.body_excerpt == error.__cause__.body_excerpt != ""


def test_a_login_refused_before_running_reports_the_call_s_attempts() -> None:
    decision = _decide("login", _outcome("login", "503"), attempt=POLICY.attempts)
    assert isinstance(decision, GiveUp)
    assert decision.error.attempts == POLICY.attempts
    refused = _decide("login", _outcome("login", "401"), attempt=3)
    assert isinstance(refused, GiveUp)
    assert refused.error.attempts == 1  # the login itself was tried once
