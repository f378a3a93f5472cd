"""The login and logout exchanges, capped in number at once.

Sends ``POST /api/v1/login`` and ``POST /api/v1/logout`` through the transport,
bypassing the auth and retry layers (so a login cannot recurse), and reads the
session id. It decides nothing about when to log in: that is ``_session``'s job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final

from axigen_async import _json
from axigen_async import exceptions as exc
from axigen_async._auth import (
    LOGIN_PATH,
    LOGOUT_PATH,
    SESSION_HEADER,
    Credentials,
)
from axigen_async._failures import Attempt, deadline_error
from axigen_async._retry import Failure, parse_retry_after
from axigen_async._transport import Transport
from axigen_async._wire import ApiRequest, RetryClass, api_error, redacted_excerpt

__all__ = ["Logins", "acquire_within"]

logger = logging.getLogger("axigen_async")

LOGIN: Final = ApiRequest("POST", LOGIN_PATH, RetryClass.NOT_IDEMPOTENT)
LOGOUT: Final = ApiRequest("POST", LOGOUT_PATH, RetryClass.IDEMPOTENT)
_LOGOUT_DEADLINE: Final = 5.0


async def acquire_within(
    lock: asyncio.Lock | asyncio.Semaphore,
    deadline: float,
    clock: Callable[[], float],
    request: ApiRequest,
) -> None:
    """Wait for a lock within the call's deadline; past it, the call was never sent."""
    if not lock.locked():
        # Free: taken without waiting, so no timer is needed (most calls).
        await lock.acquire()
        return
    try:
        async with asyncio.timeout(max(0.0, deadline - clock())):
            await lock.acquire()
    except TimeoutError:
        raise Attempt(deadline_error(request, 0), Failure.NOT_SENT) from None


class Logins:
    """Logs accounts in and out, at most ``limit`` logins in flight at once."""

    def __init__(
        self,
        transport: Transport,
        *,
        limit: int,
        retry_statuses: frozenset[int],
        clock: Callable[[], float],
        longest_logout: float,
    ) -> None:
        self._transport = transport
        self._limit = limit
        self._retry_statuses = retry_statuses
        self._clock = clock
        self._longest_logout = min(_LOGOUT_DEADLINE, longest_logout)
        self._slots: asyncio.Semaphore | None = None
        #: Logins the server accepted, and refused (401).
        self.succeeded = 0
        self.refused = 0

    def open(self) -> None:
        """Make the cap's semaphore, in the running event loop."""
        self._slots = asyncio.Semaphore(self._limit)

    async def login(self, credentials: Credentials, deadline: float) -> str:
        """Log in once; return the session id.

        Raises ``Attempt`` for failures the calling operation may retry (the
        operation itself was not sent), ``LoginError`` for a 401, and other
        ``AxigenError`` subclasses for the rest.
        """
        slots = self._slots
        assert slots is not None
        await acquire_within(slots, deadline, self._clock, LOGIN)
        failed: Attempt | None = None
        headers = {"Authorization": credentials.authorization}
        try:
            raw = await self._transport.send(LOGIN, headers, deadline, 1)
        except Attempt as caught:
            failed = caught
        finally:
            slots.release()
        if failed is not None:
            if failed.failure is Failure.NOT_SENT:
                raise failed
            # A login that may have reached the server is not repeated (table in
            # client-behaviour.md): a password attempt must not be made twice.
            raise failed.error
        if raw.status == 401:
            self.refused += 1
            raise exc.LoginError(
                f"login refused for {credentials.label}",
                method="POST",
                url=LOGIN_PATH,
                status=401,
                attempts=1,
            )
        if raw.status >= 300:
            retry_after = parse_retry_after(raw.retry_after)
            error = api_error(LOGIN, raw, attempts=1, retry_after=retry_after)
            if raw.status in self._retry_statuses:
                # Refused before it ran, so not a password attempt: the calling
                # operation, which was not sent either, may try again.
                raise Attempt(error, Failure.NOT_SENT, retry_after)
            raise error
        sessid = _session_id(raw.body)
        if sessid is None:
            raise exc.ResponseValidationError(
                "the login answer holds no session id",
                errors=["expected a JSON object with a non-empty string at $.sessid"],
                method="POST",
                url=LOGIN_PATH,
                status=raw.status,
                attempts=1,
                body_excerpt=redacted_excerpt(LOGIN, raw.body, raw.sent_headers),
            )
        self.succeeded += 1
        return sessid

    async def logout(self, credentials: Credentials, sessid: str) -> None:
        """End a session, best effort: any failure is logged at DEBUG and ignored."""
        headers = {"Authorization": credentials.authorization, SESSION_HEADER: sessid}
        deadline = self._clock() + self._longest_logout
        try:
            await self._transport.send(LOGOUT, headers, deadline, 1)
        except Attempt as failed:
            logger.debug("logout failed (ignored): %s", failed.error.kind)


def _session_id(body: bytes) -> str | None:
    """The ``sessid`` of a login answer, or None when it has none."""
    try:
        payload = _json.loads(body)
    except ValueError:
        return None
    sessid = payload.get("sessid") if isinstance(payload, dict) else None
    return sessid if isinstance(sessid, str) and sessid else None
