"""The one request path: every call, login and logout goes through here.

Read top to bottom, as a call travels: ``send -> send_with_retries ->
send_authenticated -> send_once``. ``send_with_retries`` loops on the pure
``decide`` of ``_policy`` and applies its decision (sleeps, spends the budget,
logs one line per retry); ``send_authenticated`` makes sure the account is
logged in (one login at a time per account, shared by concurrent calls);
``send_once`` makes one HTTP exchange under the attempt's time limits and
returns its *outcome* (an answer, not sent, or maybe sent) without letting
aiohttp's exceptions out. No step raises to steer another: outcomes and
decisions are values. Must not build paths, know payloads or convert models.
"""

from __future__ import annotations

import asyncio
import copy
import io
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Final

import aiohttp
from yarl import URL

from axigen_async import _on_failure as on_failure
from axigen_async._auth import LOGIN_PATH, LOGOUT_PATH, SESSION_HEADER
from axigen_async._outcomes import (
    Accept,
    Attempted,
    GiveUp,
    LoginFailed,
    NotSent,
    Outcome,
    Relogin,
    deadline_error,
)
from axigen_async._policy import decide, may_have_acted
from axigen_async._pool import Pool
from axigen_async._session import (
    AccountSession,
    SessionState,
    acquire_within,
    state_of,
    usable_session_id,
)
from axigen_async._wire import ApiRequest, RawResponse, RetryClass

__all__ = ["logout", "new_deadline", "no_silent_resend", "send", "send_with_retries"]

logger = logging.getLogger("axigen_async")

LOGIN: Final = ApiRequest("POST", LOGIN_PATH, RetryClass.NOT_IDEMPOTENT)
LOGOUT: Final = ApiRequest("POST", LOGOUT_PATH, RetryClass.IDEMPOTENT)
_LONGEST_LOGOUT: Final = 5.0
_URL_CACHE_SIZE: Final = 256
#: Request bodies above this size (aiohttp's threshold for a warning) go as a stream.
_LARGE_BODY: Final = 1024 * 1024
#: Re-logins one call may make beyond its attempts; each after the first waits a
#: backoff and spends the budget, so the deadline or the budget ends it first.
_MOST_RELOGINS: Final = 64


def send(
    session: AccountSession, request: ApiRequest, *, deadline: float | None = None
) -> Awaitable[RawResponse]:
    """Send one API call with ``session``'s login (the entry point for ``api/``)."""
    state = state_of(session)
    return send_with_retries(state.pool, state, request, deadline)


def new_deadline(session: AccountSession) -> float:
    """The deadline of a call starting now: several requests of one operation share it."""
    pool = state_of(session).pool
    return pool.clock() + pool.timeouts.deadline


async def send_with_retries(
    pool: Pool, session: SessionState | None, request: ApiRequest, deadline: float | None
) -> RawResponse:
    """One call: attempts until ``decide`` accepts an answer or gives up, within one deadline.

    Errors are raised outside ``except`` blocks, so no internal exception (nor
    aiohttp's, which may hold the request's headers) rides along as ``__context__``.
    """
    if pool.http is None or pool.closed or asyncio.get_running_loop() is not pool.loop:
        pool.opener()  # opens the client; raises if it is closed or another loop's
    if deadline is None:
        deadline = pool.clock() + pool.timeouts.deadline
    policy, budget = pool.policy, pool.budget
    relogins = 0
    maybe_applied = False
    expired: str | None = None  # the session id an attempt found expired
    for attempt in range(1, policy.attempts + _MOST_RELOGINS + 1):
        if session is None:
            outcome: Outcome = await send_once(pool, request, None, deadline, attempt, "-")
        else:
            outcome = await send_authenticated(pool, session, request, deadline, attempt, expired)
        if outcome.__class__ is RawResponse and 200 <= outcome.status < 300:
            budget.refund(policy.success_refund)
            if budget.refused:
                on_failure.budget_back(pool)
            return outcome
        decision = decide(
            policy,
            request,
            outcome,
            attempt=attempt,
            relogins=relogins,
            maybe_applied=maybe_applied,
            now=pool.clock(),
            deadline=deadline,
            budget=budget.tokens,
            jitter=pool.random(),
        )
        if isinstance(decision, Accept):
            return outcome  # type: ignore[return-value]
        if isinstance(decision, GiveUp):
            raise on_failure.give_up(pool, session, request, decision)
        maybe_applied = maybe_applied or may_have_acted(policy, outcome)
        budget.try_spend(decision.cost)
        if isinstance(decision, Relogin):
            relogins += 1
            expired = on_failure.session_sent(outcome)
            if not decision.delay:
                continue
            reason = "an expired session"
        else:
            expired = None
            pool.retries += 1
            reason = decision.reason
        on_failure.log_retry(session, request, reason, attempt, decision.delay)
        await pool.sleep(decision.delay)
    raise deadline_error(request, attempt)


async def send_authenticated(
    pool: Pool,
    session: SessionState,
    request: ApiRequest,
    deadline: float,
    attempt: int,
    expired: str | None,
) -> Outcome:
    """Send with the account's session, logging in first when it has none (or it expired).

    ``expired``: the session id an earlier attempt found expired; log in again only
    while the session is still that one (another call may have renewed it already).
    """
    if session.closed:
        raise RuntimeError("the AccountSession was closed during the call")
    headers = session.headers
    if headers is None or session.sessid == expired:
        renewed = await _log_in(pool, session, deadline, attempt, expired)
        if not isinstance(renewed, dict):
            return renewed
        headers = renewed
    session.requests += 1
    return await send_once(pool, request, headers, deadline, attempt, session.label)


async def send_once(
    pool: Pool,
    request: ApiRequest,
    headers: dict[str, str] | None,
    deadline: float,
    attempt: int,
    account: str,
) -> Attempted:
    """One HTTP exchange: send, read the answer, say how it went (``account``: for logs)."""
    now = pool.clock()
    remaining = deadline - now
    if remaining <= 0:
        return NotSent(deadline_error(request, attempt))
    http = pool.http
    if pool.closed or http is None:
        return NotSent(on_failure.closed_error(request, attempt), final=True)
    timeout, limit = pool.timeout, pool.attempt_limit
    if remaining < limit:
        limit = remaining
        timeout = attempt_timeout(limit, min(pool.timeouts.connect, limit))
    if request.content_type is not None:
        headers = {**(headers or {}), "Content-Type": request.content_type}
    target = request.target
    url = pool.urls.get(target)
    if url is None:
        url = URL(pool.base + target, encoded=True)
        if len(pool.urls) < _URL_CACHE_SIZE:
            pool.urls[target] = url
    body = request.body
    # aiohttp warns of a bytes body this large; a stream per attempt sends the same bytes.
    data = io.BytesIO(body) if body is not None and len(body) > _LARGE_BODY else body
    pool.requests += 1
    pool.in_flight += 1
    response: aiohttp.ClientResponse | None = None
    received: list[bytes] = []  # what arrived of the body, for an excerpt on a failure
    try:
        # Awaited and released by hand: a body read to its end frees the connection,
        # and a read that fails or is cancelled closes it, so it is never reused.
        response = await http.request(
            request.method,
            url,
            headers=headers,
            data=data,
            timeout=timeout,
            allow_redirects=False,
            raise_for_status=False,
        )
        status = response.status
        ok = 200 <= status < 300
        size = pool.max_body if ok else pool.max_error_body
        try:
            complete = await _read_body(response, size, received, now + limit, pool.clock)
        finally:
            response.release()
    except aiohttp.ClientError as error:
        return on_failure.failed_attempt(
            pool, request, error, response, received, headers, attempt, deadline, limit
        )
    except RuntimeError:  # aiohttp's "Session is closed"
        if not _closed_now(pool):
            raise
        return NotSent(on_failure.closed_error(request, attempt), final=True)
    except asyncio.CancelledError:
        # Closing the pool cancels the requests waiting for a connection: unless
        # someone cancelled this task, that is the client closing, not a cancellation.
        task = asyncio.current_task()
        if not _closed_now(pool) or task is None or task.cancelling():
            raise
        return NotSent(on_failure.closed_error(request, attempt), final=True)
    finally:
        pool.in_flight -= 1
    raw = RawResponse(
        status,
        received[0] if len(received) == 1 else b"".join(received),
        response.headers.get("Content-Type", ""),
        response.headers.get("Retry-After") if status >= 400 else None,
        attempt,
        headers,
    )
    if not complete and ok:
        return on_failure.too_large(pool, request, raw, attempt)
    if logger.isEnabledFor(logging.DEBUG):
        on_failure.log_answer(account, request, raw, (pool.clock() - now) * 1000.0)
    return raw


def attempt_timeout(limit: float, connect: float) -> aiohttp.ClientTimeout:
    """aiohttp's timers for an attempt of ``limit`` seconds; ``connect`` bounds connecting.

    ``connect=limit`` bounds the wait for a pooled connection, ``sock_read`` each wait
    for the answer: never running at once (no total timer), a request still waiting for
    a connection ends "not sent", however late the loop runs its timers. No rounding up.
    """
    return aiohttp.ClientTimeout(
        total=None, connect=limit, sock_connect=connect, sock_read=limit, ceil_threshold=math.inf
    )


async def _read_body(
    response: aiohttp.ClientResponse,
    limit: int,
    blocks: list[bytes],
    ends: float,
    clock: Callable[[], float],
) -> bool:
    """Read the body into ``blocks``, at most ``limit`` bytes; whether it was all read.

    A body over the limit is not read on (its connection is closed, never reused).
    A successful answer announced as longer is not read at all. A body still
    arriving when the attempt's time is up ends as the attempt's time-out.
    """
    length = response.content_length
    if length is not None and length > limit and 200 <= response.status < 300:
        response.close()
        return False
    content = response.content
    size = 0
    # Every block holds at least one byte, so the loop ends within limit + 1 blocks.
    for _ in range(limit + 2):
        block = await content.readany()
        if not block:
            return True
        size += len(block)
        if size > limit:
            blocks.append(block[: len(block) - (size - limit)])
            response.close()
            return False
        blocks.append(block)
        if clock() > ends:  # a body trickling in: each read is timed, the sum too
            response.close()
            raise aiohttp.SocketTimeoutError("the answer took longer than the attempt's limit")
    raise AssertionError("unreachable: a block is never empty before the end")


async def _log_in(
    pool: Pool, session: SessionState, deadline: float, attempt: int, expired: str | None
) -> dict[str, str] | LoginFailed | NotSent:
    """Log in unless another call already did; one login at a time per account."""
    lock = session.login_lock
    if not await acquire_within(lock, deadline, pool.clock):
        return NotSent(deadline_error(LOGIN, attempt))
    try:
        if session.closed:
            raise RuntimeError("the AccountSession was closed during the call")
        if session.refused is not None:
            # A refused login is not tried again: a wrong password can lock the account.
            raise copy.copy(session.refused)
        current = session.headers
        if current is not None and session.sessid != expired:
            return current
        if expired is not None:
            pool.relogins += 1
        session.set_session(None)
        got = await login(pool, session, deadline, attempt)
        if isinstance(got, str):
            if _closed_now(session):  # closed while logging in: end the new session too
                await logout(pool, session, got)
                raise RuntimeError("the AccountSession was closed during the call")
            session.set_session(got)
            assert session.headers is not None
            return session.headers
        return got
    finally:
        lock.release()


async def login(
    pool: Pool, session: SessionState, deadline: float, attempt: int
) -> str | LoginFailed:
    """``POST /api/v1/login``: the session id, or the failed login's outcome.

    At most ``max_concurrent_logins`` at once over the client. If the password
    changed while a refused login was on its way, it is tried once more.
    """
    slots = pool.login_slots
    assert slots is not None
    if not await acquire_within(slots, deadline, pool.clock):
        return LoginFailed(NotSent(deadline_error(LOGIN, attempt)))
    pool.logins_in_flight += 1
    try:
        for _ in range(2):
            credentials = session.credentials
            session.requests += 1
            headers = {"Authorization": session.authorization}
            outcome = await send_once(pool, LOGIN, headers, deadline, attempt, session.label)
            if not isinstance(outcome, RawResponse) or outcome.status != 401:
                break
            if session.credentials is credentials:
                break
    finally:
        pool.logins_in_flight -= 1
        slots.release()
    if not isinstance(outcome, RawResponse):
        return LoginFailed(outcome)
    if 200 <= outcome.status < 300:
        sessid = usable_session_id(outcome.body)
        if sessid is None:
            return LoginFailed(outcome, invalid=on_failure.no_session_id(LOGIN, outcome, attempt))
        pool.logins += 1
        return sessid
    if outcome.status == 401:
        pool.login_failures += 1
    return LoginFailed(outcome, account=session.label)


async def logout(pool: Pool, session: SessionState, sessid: str) -> None:
    """``POST /api/v1/logout``, best effort: a failure is logged at DEBUG and ignored."""
    if pool.closed or pool.http is None:
        return
    if asyncio.get_running_loop() is not pool.loop:
        pool.opener()  # raises: the client belongs to another event loop
    headers = {"Authorization": session.authorization, SESSION_HEADER: sessid}
    deadline = pool.clock() + min(_LONGEST_LOGOUT, pool.timeouts.deadline)
    outcome = await send_once(pool, LOGOUT, headers, deadline, 1, session.label)
    if not isinstance(outcome, RawResponse):
        on_failure.log_failed_logout(session, outcome.error)


def _closed_now(owner: Pool | SessionState) -> bool:
    return owner.closed  # read anew after an await (a plain check would look constant)


async def no_silent_resend(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """aiohttp middleware: a dropped connection is reported, never re-sent unseen.

    aiohttp re-sends a GET, PUT or DELETE once, silently, after ``ClientOSError`` or
    ``ServerDisconnectedError`` on a reused connection. Retries must be ours (counted,
    logged, a re-sent DELETE knowing it), so those become an error it does not re-send.
    """
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # never sent: aiohttp does not re-send it either
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as error:
        raise on_failure.DroppedConnectionError(type(error).__name__) from None
