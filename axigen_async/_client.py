"""The client: the owner of the shared connection pool and of the request chain.

``AxigenClient`` checks its settings, opens and closes the aiohttp session every
account shares, makes ``AccountSession`` values and reports statistics. Calls do
not pass through here: they go through ``_chain`` (``send -> send_with_retries ->
send_authenticated -> send_once``) on the ``Pool`` this client owns. This module
must not send requests itself, build paths, or convert models.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import os
import random
import ssl as ssl_module
import time
import warnings
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

import aiohttp
import attrs
from yarl import URL

from axigen_async import _chain
from axigen_async import exceptions as exc
from axigen_async._auth import Credentials
from axigen_async._policy import RetryPolicy, Timeouts
from axigen_async._pool import DEFAULT_MAX_RESPONSE_SIZE, Pool
from axigen_async._session import AccountSession, SessionState
from axigen_async._version import __version__
from axigen_async._wire import ApiRequest, RetryClass
from axigen_async.models.server import ServerVersion

__all__ = ["AxigenClient", "ClientStatistics"]

logger = logging.getLogger("axigen_async")

_VERSION = ApiRequest("GET", "/api/", RetryClass.SAFE)
_CLOSED = "this AxigenClient is closed; create a new one"


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
    #: Logins holding one of the ``max_concurrent_logins`` slots right now.
    logins_in_flight: int = 0


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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state = _State.UNOPENED
        self._pool = Pool(
            self._base,
            self._timeouts,
            self._retry,
            timeout=_chain.attempt_timeout(self._timeouts.attempt, self._timeouts.connect),
            max_response_size=max_response_size,
            max_concurrent_logins=max_concurrent_logins,
            sleep=sleep,
            clock=clock,
            random=random,
            opener=weakref.WeakMethod(self._open),
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
            raise exc.ClientClosedError(_CLOSED)
        if self._state is _State.OPEN:
            self._check_loop()
            return
        self._loop = asyncio.get_running_loop()
        if self._http is None:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=self._ssl)
            self._http = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self._user_agent},
                # aiohttp would re-send a GET, PUT or DELETE once, unseen, when a
                # reused connection drops; retries must be ours, counted and logged.
                middlewares=(_chain.no_silent_resend,),
            )
        self._pool.open(self._http, self._loop)
        self._state = _State.OPEN

    def _check_loop(self) -> None:
        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError(
                "this AxigenClient was opened in another event loop; "
                "create one client per event loop"
            )

    async def close(self) -> None:
        """Close the pool (unless the caller owns the aiohttp session). Idempotent.

        Calls still running then end with :class:`~axigen_async.ClientClosedError`
        (an ambiguous write with it as its cause), never a ``CancelledError``.
        """
        if self._state is _State.CLOSED:
            return
        was_open = self._state is _State.OPEN
        self._state = _State.CLOSED
        self._pool.closed = True
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

        ``label`` names the session in reprs, logs and reports (by default the Basic
        username, or a fingerprint of a Bearer token); it must not be a secret.
        """
        if self._state is _State.CLOSED:
            raise exc.ClientClosedError(_CLOSED)
        state = SessionState(self._pool, credentials, label)
        return AccountSession(state, self, logout=_chain.logout)

    async def server_version(self) -> ServerVersion:
        """``GET /api/``: the API version and the server version.

        Raises:
            AxigenError: the server could not be reached or answered an error.
        """
        raw = await _chain.send_with_retries(self._pool, None, _VERSION, None)
        try:
            payload = json.loads(raw.body)
            versions = (payload["apiVersion"], payload["serverVersion"])
        except (ValueError, TypeError, KeyError, RecursionError) as error:
            reason = f"{type(error).__name__}: {error}"
        else:
            if all(isinstance(version, str) for version in versions):
                return ServerVersion(*versions)
            reason = "apiVersion and serverVersion must be strings"
        raise exc.ResponseValidationError(
            "the version answer is not the documented JSON object",
            errors=[reason],
            method="GET",
            url=_VERSION.target,
            status=raw.status,
            attempts=raw.attempts,
        )

    def statistics(self) -> ClientStatistics:
        """A snapshot of the counters: requests, retries, logins, in flight."""
        pool = self._pool
        return ClientStatistics(
            requests=pool.requests,
            retries=pool.retries,
            logins=pool.logins,
            login_failures=pool.login_failures,
            relogins=pool.relogins,
            in_flight=pool.in_flight,
            retry_budget=pool.budget.tokens,
            logins_in_flight=pool.logins_in_flight,
        )


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
