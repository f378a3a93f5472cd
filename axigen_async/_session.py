"""One account's login state on a shared client: plain state, no I/O of its own.

``SessionState`` is the account's login state, read and written by the request
chain (``_chain``) in the open: credentials, the current session id and the
headers every call sends, the login lock (one login at a time, shared by
concurrent calls), the refusal a failed login left, and the request counter.
``AccountSession`` is the public face that wraps it; ``state_of`` hands the
chain the state behind a session. This module must not send requests nor know
the client's internals: it imports neither ``_client`` nor ``_chain`` (the
client hands a session the chain's logout).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from axigen_async._auth import SESSION_HEADER, BasicAuth, Credentials
from axigen_async._pool import Pool
from axigen_async.exceptions import LoginError

if TYPE_CHECKING:  # for the annotation only: the client imports this module
    from axigen_async._client import AxigenClient

__all__ = ["AccountSession", "SessionState", "acquire_within", "state_of", "usable_session_id"]

#: The chain's ``logout``, as the client hands it over.
Logout = Callable[[Pool, "SessionState", str], Awaitable[None]]


class SessionState:
    """The account's login state, read and written by the chain.

    Attributes are public on purpose: the chain (``_chain``, ``_on_failure``)
    updates them; users see only :class:`AccountSession`.
    """

    __slots__ = (
        "authorization",
        "closed",
        "credentials",
        "headers",
        "label",
        "login_lock",
        "pool",
        "refused",
        "requests",
        "sessid",
    )

    def __init__(self, pool: Pool, credentials: Credentials, label: str | None = None) -> None:
        #: The client's shared state every call of this account goes through.
        self.pool = pool
        self.credentials = credentials
        #: The ``Authorization`` value, built once (a secret: never shown).
        self.authorization = credentials.authorization
        self.label = label if label is not None else credentials.label
        self.sessid: str | None = None
        #: The headers of every call: ``Authorization`` and the session id (None: no session).
        self.headers: dict[str, str] | None = None
        self.login_lock = asyncio.Lock()
        self.closed = False
        #: The login error after a refused login: every later call raises it rather
        #: than log in again, since repeating a wrong password can lock the account.
        self.refused: LoginError | None = None
        self.requests = 0

    def __repr__(self) -> str:
        return f"<SessionState {self.label}>"  # never the credentials or the session id

    def set_session(self, sessid: str | None) -> None:
        """Take ``sessid`` as the current session (None: no session), with its headers."""
        self.sessid = sessid
        self.headers = (
            None
            if sessid is None
            else {"Authorization": self.authorization, SESSION_HEADER: sessid}
        )

    def use_credentials(self, credentials: Credentials) -> None:
        """Go on with new credentials; lifts a refusal, keeps the current session."""
        self.credentials = credentials
        self.authorization = credentials.authorization
        self.refused = None
        self.set_session(self.sessid)


class AccountSession:
    """One account's login on a shared :class:`AxigenClient`.

    It logs in on its first call and again when the server says the session
    expired; concurrent calls share that one login. Leaving the ``async with``
    block logs out (best effort). Endpoint functions such as
    ``axigen_async.api.account.get_info`` take it as their first argument.
    Sessions are made by :meth:`AxigenClient.session`.
    """

    def __init__(self, state: SessionState, owner: AxigenClient, *, logout: Logout) -> None:
        self._state = state
        self._owner = owner
        self._logout = logout

    def __repr__(self) -> str:
        state = self._state
        status = "closed" if state.closed else ("logged in" if state.sessid else "not logged in")
        return f"<AccountSession {state.label} {status}>"

    @property
    def label(self) -> str:
        """The account's name for logs and reports (never a secret)."""
        return self._state.label

    @property
    def client(self) -> AxigenClient:
        """The :class:`AxigenClient` this session belongs to."""
        return self._owner

    @property
    def logged_in(self) -> bool:
        return self._state.sessid is not None

    @property
    def closed(self) -> bool:
        return self._state.closed

    @property
    def requests_attempted(self) -> int:
        """HTTP requests this session tried to send, logins included (a refused
        connection counts; the logout does not)."""
        return self._state.requests

    async def __aenter__(self) -> Self:
        if self._state.closed:
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
        state = self._state
        if state.closed:
            return
        state.closed = True
        sessid = state.sessid
        state.set_session(None)
        if sessid is not None:
            await self._logout(state.pool, state, sessid)

    def use_password(self, password: str) -> None:
        """Go on with a new password after the account's password was changed.

        Also lifts the refusal a failed login left behind.
        """
        credentials = self._state.credentials
        if isinstance(credentials, BasicAuth):
            self._state.use_credentials(credentials.with_password(password))


def state_of(session: AccountSession) -> SessionState:
    """The login state behind ``session``, for the chain (this module's own accessor)."""
    return session._state


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
