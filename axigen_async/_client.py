"""The client: the shared pool's owner and the chain every call goes through.

``AxigenClient`` owns one aiohttp connection pool shared by every account. A
call goes through small steps: the account's auth headers (``_session``, which
logs in through ``_login``), one send (``_transport``, the only code that sends),
then the pure retry decision from ``_retry``. This module must not build paths,
know any endpoint's payload, or convert models.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import random
import ssl as ssl_module
import time
import warnings
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

import aiohttp
import attrs
from yarl import URL

from axigen_async import _json
from axigen_async import exceptions as exc
from axigen_async._auth import Credentials
from axigen_async._failures import Attempt, ambiguous_write
from axigen_async._login import Logins, acquire_within
from axigen_async._retry import (
    Failure,
    RetryBudget,
    RetryPolicy,
    Timeouts,
    may_resend,
    parse_retry_after,
)
from axigen_async._session import AccountSession
from axigen_async._transport import DEFAULT_MAX_RESPONSE_SIZE, Transport
from axigen_async._version import __version__
from axigen_async._wire import ApiRequest, RawResponse, RetryClass, api_error

__all__ = ["AxigenClient", "ClientStatistics"]

logger = logging.getLogger("axigen_async")

_VERSION = ApiRequest("GET", "/api/", RetryClass.SAFE)


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


@attrs.frozen
class ClientStatistics:
    """A snapshot of one client's counters since it was created."""

    #: HTTP requests sent, logins and logouts included.
    requests: int
    #: Re-sends after a retryable failure (re-sends after a re-login are not counted).
    retries: int
    #: Successful logins.
    logins: int
    #: Logins the server refused (401).
    login_failures: int
    #: Re-logins after a session expired.
    relogins: int
    #: Requests on the wire, or waiting for a pooled connection, right now.
    in_flight: int
    #: Tokens left in the shared retry budget.
    retry_budget: int


class AxigenClient:
    """One connection pool to an Axigen server, shared by every account.

    Use it as an async context manager, or call :meth:`close` yourself::

        async with AxigenClient("https://mail.example.com") as client:
            async with client.session(BasicAuth("user@example.com", "secret")) as s:
                info = await account.get_info(s)

    Args:
        base_url: the server's address, such as ``https://mail.example.com``; the
            API lives under ``/api/v1`` below it.
        pool_size: the most connections open at once (aiohttp ``limit``).
        timeouts: the per-call deadline and per-attempt time-outs.
        retry: which failures are retried and how.
        ssl: how the server's certificate is checked: True (the default) against
            the system's trusted authorities; the path of a PEM file of the
            authorities to trust instead (a private CA); an ``ssl.SSLContext``
            of your own; or False to turn verification off, which logs a warning
            (never do that outside a test bench).
        user_agent: the ``User-Agent`` header.
        http_session: an ``aiohttp.ClientSession`` you own. The client uses it and
            never closes it; then ``pool_size``, ``ssl`` and ``user_agent`` do not
            apply, and that session's cookie jar and aiohttp's own re-sending of
            idempotent requests on a dropped connection stay as you set them.
        max_concurrent_logins: the most logins in flight at once, over all accounts.
        max_response_size: the longest answer body read, in bytes; a longer
            successful answer raises ``ResponseTooLargeError``, and a longer error
            answer keeps only its start.
        sleep, clock, random: injectable for tests (``asyncio.sleep``,
            ``time.monotonic``, ``random.random``).
    """

    def __init__(
        self,
        base_url: str | URL,
        *,
        pool_size: int = 100,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        ssl: ssl_module.SSLContext | bool | str | os.PathLike[str] = True,
        user_agent: str | None = None,
        http_session: aiohttp.ClientSession | None = None,
        max_concurrent_logins: int = 20,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random.random,
    ) -> None:
        url = URL(base_url)
        if url.user or url.password:  # checked first: no message may quote them
            raise ValueError("base_url must not hold credentials")
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http:// or https:// URL, got {str(url)!r}")
        if url.query_string or url.fragment:
            raise ValueError("base_url must not hold a query or a fragment")
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        if max_concurrent_logins < 1:
            raise ValueError("max_concurrent_logins must be at least 1")
        if http_session is not None and user_agent is not None:
            raise ValueError("with your own http_session, set the User-Agent on that session")
        if max_response_size < 1:
            raise ValueError("max_response_size must be at least 1 byte")
        self._base = str(url).rstrip("/")
        # With the caller's own session its connector's TLS settings apply, not these.
        tls = _tls_setting(ssl, self._base) if http_session is None else True
        self._pool_size = pool_size
        self._timeouts = timeouts if timeouts is not None else Timeouts()
        self._retry = retry if retry is not None else RetryPolicy()
        self._ssl = tls
        self._user_agent = user_agent or f"axigen-async/{__version__} aiohttp/{aiohttp.__version__}"
        self._http = http_session
        self._owns_http = http_session is None
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._state = _State.UNOPENED
        self._loop: asyncio.AbstractEventLoop | None = None
        self._budget = RetryBudget(self._retry.budget_capacity)
        self._retries = 0
        self._relogins = 0
        self._transport = Transport(
            self._base, self._timeouts, clock, max_response_size=max_response_size
        )
        self._logins = Logins(
            self._transport,
            limit=max_concurrent_logins,
            retry_statuses=self._retry.retry_statuses,
            clock=clock,
            longest_logout=self._timeouts.deadline,
        )

    def __repr__(self) -> str:
        return f"<AxigenClient {self._base} {self._state.value}>"

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def closed(self) -> bool:
        return self._state is _State.CLOSED

    # --- lifecycle -----------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _open(self) -> None:
        if self._state is _State.CLOSED:
            raise RuntimeError("this AxigenClient is closed; create a new one")
        if self._state is _State.OPEN:
            self._check_loop()
            return
        self._loop = asyncio.get_running_loop()
        self._logins.open()
        if self._http is None:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=self._ssl)
            self._http = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self._user_agent},
            )
            # aiohttp re-sends a GET, PUT or DELETE once, silently, when a reused
            # connection drops. Retries here must be visible, counted and under our
            # rules (a DELETE re-sent must know it was re-sent), so turn that off.
            if hasattr(self._http, "_retry_connection"):
                self._http._retry_connection = False
        self._transport.open(self._http, self._loop)
        self._state = _State.OPEN

    def _check_loop(self) -> None:
        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError(
                "this AxigenClient was opened in another event loop; "
                "create one client per event loop"
            )

    async def close(self) -> None:
        """Close the pool (unless the caller owns the aiohttp session). Idempotent."""
        if self._state is _State.CLOSED:
            return
        was_open = self._state is _State.OPEN
        self._state = _State.CLOSED
        if was_open and self._owns_http and self._http is not None:
            await self._http.close()

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        # getattr: __init__ may have failed before setting these.
        if getattr(self, "_state", None) is _State.OPEN and getattr(self, "_owns_http", False):
            _warn(
                f"unclosed {self!r}: use 'async with AxigenClient(...)' or await close()",
                ResourceWarning,
                stacklevel=1,
                source=self,
            )

    # --- public calls ----------------------------------------------------------

    def session(self, credentials: Credentials, *, label: str | None = None) -> AccountSession:
        """A session for one account. It logs in on its first call.

        ``label`` names the session in reprs and reports (by default the Basic
        username, or a fingerprint of a Bearer token); it must not be a secret.
        """
        if self._state is _State.CLOSED:
            raise RuntimeError("this AxigenClient is closed; create a new one")
        return AccountSession(self, credentials, label=label)

    async def server_version(self) -> tuple[str, str]:
        """``GET /api/``: the API version and the server version, in that order.

        Raises:
            AxigenError: the server could not be reached or answered an error.
        """
        raw = await self._call(None, _VERSION)
        try:
            payload = _json.loads(raw.body)
            return str(payload["apiVersion"]), str(payload["serverVersion"])
        except (ValueError, TypeError, KeyError) as error:
            raise exc.ResponseValidationError(
                "the version answer is not the documented JSON object",
                errors=[f"{type(error).__name__}: {error}"],
                method="GET",
                url=_VERSION.target,
                status=raw.status,
            ) from error

    def statistics(self) -> ClientStatistics:
        """A snapshot of the counters: requests, retries, logins, in flight."""
        return ClientStatistics(
            requests=self._transport.requests,
            retries=self._retries,
            logins=self._logins.succeeded,
            login_failures=self._logins.refused,
            relogins=self._relogins,
            in_flight=self._transport.in_flight,
            retry_budget=self._budget.tokens,
        )

    # --- the call chain ----------------------------------------------------------

    def _deadline(self) -> float:
        """The clock time by which a call starting now must be done."""
        return self._clock() + self._timeouts.deadline

    async def _call(
        self, session: AccountSession | None, request: ApiRequest, deadline: float | None = None
    ) -> RawResponse:
        """Run one API call: auth, attempts, retry decisions, under one deadline.

        Errors are raised outside ``except`` blocks, so no internal exception
        (nor aiohttp's, which may hold the request's headers) rides along as
        ``__context__``.
        """
        if self._state is not _State.OPEN:
            self._open()
        elif asyncio.get_running_loop() is not self._loop:
            self._check_loop()
        if deadline is None:
            deadline = self._clock() + self._timeouts.deadline
        policy = self._retry
        attempts = 0
        relogged = False
        # Whether an earlier attempt may have acted: only then does a re-sent
        # DELETE's 404 mean that the first one did the work.
        maybe_applied = False
        # One more pass than attempts: the first re-send after a re-login is not a retry.
        for _ in range(policy.attempts + 1):
            if session is not None and session._closed:
                raise RuntimeError("the AccountSession was closed during the call")
            attempts += 1
            headers: dict[str, str] | None = None
            try:
                if session is not None:
                    headers = session._headers or await session._auth_headers(deadline, request)
                    session.requests_attempted += 1
                raw = await self._transport.send(request, headers, deadline, attempts)
            except Attempt as caught:
                failed: Attempt | None = caught
            else:
                failed = None
            if failed is not None:
                maybe_applied = maybe_applied or failed.failure is Failure.MAYBE_SENT
                await self._before_retry(request, failed, attempts, deadline, relogged)
                continue
            status = raw.status
            if status < 300:
                self._budget.refund(policy.success_refund)
                return raw
            if status == 401 and session is not None:
                # The session expired: log in again and re-send, once for free. A
                # session can expire again while a call goes on (a long retry can
                # outlive one); another re-login is then a retry like any other, with
                # its attempt, backoff and budget, so a server that refuses every
                # session is not hammered with logins.
                if relogged:
                    expired = Attempt(api_error(request, raw, attempts=attempts), Failure.STATUS)
                    await self._before_retry(request, expired, attempts, deadline, relogged)
                relogged = True
                try:
                    await session._relogin(headers, deadline, request)
                except Attempt as caught:
                    failed = caught
                if failed is not None:
                    await self._before_retry(request, failed, attempts, deadline, relogged)
                continue
            if status == 404 and request.missing_after_retry_is_success and maybe_applied:
                return raw
            retry_after = parse_retry_after(raw.retry_after)
            error = api_error(request, raw, attempts=attempts, retry_after=retry_after)
            if policy.leaves_write_unknown(request.retry_class, status):
                raise ambiguous_write(request, attempts, error) from error
            maybe_applied = maybe_applied or (
                status >= 500 and status not in policy.write_retry_statuses
            )
            if not policy.retries_status(request.retry_class, status):
                raise error
            failed = Attempt(error, Failure.STATUS, retry_after)
            await self._before_retry(request, failed, attempts, deadline, relogged)
        raise AssertionError("unreachable: the last attempt always returns or raises")

    async def _before_retry(
        self,
        request: ApiRequest,
        failed: Attempt,
        attempts: int,
        deadline: float,
        relogged: bool,
    ) -> None:
        """Raise unless another attempt is allowed; otherwise wait the backoff.

        The attempt that found the session expired (a 401 followed by a re-login)
        does not count against ``RetryPolicy.attempts``.
        """
        policy = self._retry
        error = failed.error
        error.attempts = attempts
        if failed.final:
            raise error
        if not may_resend(request.retry_class, failed.failure):
            raise ambiguous_write(request, attempts, error) from error
        allowed = policy.attempts + (1 if relogged else 0)
        if attempts >= allowed or isinstance(error, exc.DeadlineExceededError):
            raise error
        if failed.retry_after is not None:
            if failed.retry_after > policy.max_retry_after:
                raise error
            delay = failed.retry_after
        else:
            delay = policy.backoff(attempts - 1, self._random)
        if self._clock() + delay >= deadline:
            raise error
        cost = (
            policy.timeout_retry_cost
            if isinstance(error, exc.RequestTimeoutError)
            else policy.retry_cost
        )
        if not self._budget.try_spend(cost):
            logger.warning(
                "not retrying %s %s: the client's retry budget is spent",
                request.method,
                request.target,
            )
            raise error
        self._retries += 1
        logger.info(
            "retrying %s %s after %s (attempt %d), waiting %.3f s",
            request.method,
            request.target,
            error.kind if error.status is None else f"{error.status}",
            attempts,
            delay,
        )
        await self._sleep(delay)

    # --- what the sessions use ----------------------------------------------------

    async def _acquire(
        self, lock: asyncio.Lock | asyncio.Semaphore, deadline: float, request: ApiRequest
    ) -> None:
        await acquire_within(lock, deadline, self._clock, request)

    async def _login(self, credentials: Credentials, deadline: float) -> str:
        return await self._logins.login(credentials, deadline)

    async def _logout(self, credentials: Credentials, sessid: str) -> None:
        if self._state is _State.OPEN:
            self._check_loop()
            await self._logins.logout(credentials, sessid)


def _tls_setting(
    ssl: ssl_module.SSLContext | bool | str | os.PathLike[str], base_url: str
) -> ssl_module.SSLContext | bool:
    """The ``ssl`` option as aiohttp takes it: a CA file becomes a context trusting it.

    Raises:
        ValueError: the CA file cannot be read or holds no certificate.
    """
    if isinstance(ssl, bool | ssl_module.SSLContext):
        if ssl is False and base_url.startswith("https:"):
            logger.warning(
                "TLS certificate verification is off for %s: anyone on the network "
                "path can read and change this client's traffic, passwords included",
                base_url,
            )
        return ssl
    path = os.fspath(ssl)
    try:
        return ssl_module.create_default_context(cafile=path)
    except (OSError, ssl_module.SSLError) as error:
        reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise ValueError(f"ssl: cannot use {path!r} as a CA file: {reason}") from None
