"""One account's login state on a shared client: plain state, no I/O of its own.

``AccountSession`` holds the account's credentials, its current session id and
the headers every call sends, its login lock (one login at a time, shared by
concurrent calls), the refusal a failed login left and its request counter. The
request chain (``_chain``) reads and updates this state; the session knows
nothing of the client's internals and imports neither ``_client`` nor ``_chain``:
the client hands it the chain's two entry points it calls (send and log out).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

from axigen_async._auth import SESSION_HEADER, BasicAuth, Credentials
from axigen_async._pool import Pool
from axigen_async._wire import ApiRequest, RawResponse
from axigen_async.exceptions import LoginError

__all__ = ["AccountSession", "acquire_within", "usable_session_id"]

#: The chain's ``send_with_retries`` and ``logout``, as the client hands them over.
Send = Callable[[Pool, "AccountSession", ApiRequest, float | None], Awaitable[RawResponse]]
Logout = Callable[[Pool, "AccountSession", str], Awaitable[None]]


class AccountSession:
    """One account's login on a shared :class:`AxigenClient`.

    It logs in on its first call and again when the server says the session
    expired; concurrent calls share that one login. Leaving the ``async with``
    block logs out (best effort). Endpoint functions such as
    ``axigen_async.api.account.get_info`` take it as their first argument.
    Sessions are made by :meth:`AxigenClient.session`.
    """

    def __init__(
        self,
        pool: Pool,
        owner: Any,
        credentials: Credentials,
        *,
        label: str | None = None,
        send: Send,
        logout: Logout,
    ) -> None:
        self._pool = pool
        self._owner = owner
        self._send = send
        self._logout = logout
        self._credentials = credentials
        #: The ``Authorization`` value, built once (a secret: never shown).
        self._authorization = credentials.authorization
        self._label = label if label is not None else credentials.label
        self._sessid: str | None = None
        self._headers: dict[str, str] | None = None
        self._login_lock = asyncio.Lock()
        self._closed = False
        # The login error after a refused login: every later call raises it rather
        # than log in again, since repeating a wrong password can lock the account.
        self._refused: LoginError | None = None
        self._requests = 0

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("logged in" if self._sessid else "not logged in")
        return f"<AccountSession {self._label} {state}>"

    @property
    def label(self) -> str:
        """The account's name for logs and reports (never a secret)."""
        return self._label

    @property
    def client(self) -> Any:
        """The :class:`AxigenClient` this session belongs to."""
        return self._owner

    @property
    def logged_in(self) -> bool:
        return self._sessid is not None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def requests_attempted(self) -> int:
        """HTTP requests this session tried to send, logins included (a refused
        connection counts; the logout does not)."""
        return self._requests

    async def __aenter__(self) -> Self:
        if self._closed:
            raise RuntimeError("this AccountSession is closed")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Log out (best effort, errors ignored) and refuse further calls."""
        if self._closed:
            return
        self._closed = True
        sessid = self._sessid
        self._set_session(None)
        if sessid is not None:
            await self._logout(self._pool, self, sessid)

    def use_password(self, password: str) -> None:
        """Go on with a new password after the account's password was changed.

        Also lifts the refusal a failed login left behind.
        """
        credentials = self._credentials
        if not isinstance(credentials, BasicAuth):
            return
        self._credentials = credentials.with_password(password)
        self._authorization = self._credentials.authorization
        self._refused = None
        self._set_session(self._sessid)

    def _set_session(self, sessid: str | None) -> None:
        """Take ``sessid`` as the current session (None: no session), with its headers."""
        self._sessid = sessid
        self._headers = (
            None
            if sessid is None
            else {"Authorization": self._authorization, SESSION_HEADER: sessid}
        )


def usable_session_id(body: bytes) -> str | None:
    """The ``sessid`` of a login answer, or None when it has no usable one.

    A session id travels in a header: a control character (CR, LF, NUL, DEL...)
    or a non-ASCII one would make every later request, the logout too, invalid.
    """
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return None
    sessid = payload.get("sessid") if isinstance(payload, dict) else None
    if not isinstance(sessid, str) or not sessid or not sessid.isascii():
        return None
    return sessid if sessid.isprintable() else None


async def acquire_within(
    lock: asyncio.Lock | asyncio.Semaphore, deadline: float, clock: Callable[[], float]
) -> bool:
    """Take a lock within the call's deadline; whether it was taken in time."""
    if not lock.locked():
        await lock.acquire()  # free: taken without a timer (most calls)
        return True
    try:
        async with asyncio.timeout(max(0.0, deadline - clock())):
            await lock.acquire()
    except TimeoutError:
        return False
    return True
