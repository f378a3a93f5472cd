"""One account's login on a shared client: single-flight login and re-login.

``AccountSession`` keeps the account's credentials, its session id and the
headers every call sends. It decides when to log in (lazily, and again once the
server says the session expired, with concurrent calls sharing one login); the
client does the sending. No I/O of its own.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from axigen_async._auth import SESSION_HEADER, BasicAuth, Credentials
from axigen_async._wire import ApiRequest, RawResponse
from axigen_async.exceptions import LoginError

if TYPE_CHECKING:
    from axigen_async._client import AxigenClient

__all__ = ["AccountSession"]


class AccountSession:
    """One account's login on a shared :class:`AxigenClient`.

    It logs in on its first call and again, once, when the server says the
    session expired; concurrent calls share that one login. Leaving the
    ``async with`` block logs out (best effort). Endpoint functions such as
    ``axigen_async.api.account.get_info`` take it as their first argument.
    """

    def __init__(
        self, client: AxigenClient, credentials: Credentials, *, label: str | None = None
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._label = label if label is not None else credentials.label
        self._sessid: str | None = None
        self._headers: dict[str, str] | None = None
        self._login_lock = asyncio.Lock()
        self._closed = False
        # The login error after a refused login: every later call raises it rather
        # than log in again, since repeating a wrong password can lock the account.
        self._refused: LoginError | None = None
        #: HTTP requests this session tried to send, logins included (a refused
        #: connection counts; the logout does not).
        self.requests_attempted = 0

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("logged in" if self._sessid else "not logged in")
        return f"<AccountSession {self._label} {state}>"

    @property
    def label(self) -> str:
        """The account's name for logs and reports (never a secret)."""
        return self._label

    @property
    def client(self) -> AxigenClient:
        return self._client

    @property
    def logged_in(self) -> bool:
        return self._sessid is not None

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
        sessid, self._sessid, self._headers = self._sessid, None, None
        if sessid is not None:
            await self._client._logout(self._credentials, sessid)

    def request(
        self, request: ApiRequest, *, deadline: float | None = None
    ) -> Awaitable[RawResponse]:
        """Send one API call with this account's session (used by the ``api`` modules).

        ``deadline`` (from :meth:`new_deadline`) lets one operation made of several
        requests run them all under one deadline; by default each call has its own.
        A plain function returning the client's coroutine: one frame fewer per call.
        """
        if self._closed:
            raise RuntimeError("this AccountSession is closed")
        return self._client._call(self, request, deadline)

    def new_deadline(self) -> float:
        """The deadline of a call starting now, for :meth:`request` (for the ``api`` modules)."""
        return self._client._deadline()

    def use_password(self, password: str) -> None:
        """Go on with a new password after the account's password was changed.

        Also lifts the refusal a failed login left behind.
        """
        credentials = self._credentials
        if not isinstance(credentials, BasicAuth):
            return
        self._credentials = credentials.with_password(password)
        self._refused = None
        if self._sessid is not None:
            self._headers = self._make_headers(self._sessid)

    def _make_headers(self, sessid: str) -> dict[str, str]:
        return {"Authorization": self._credentials.authorization, SESSION_HEADER: sessid}

    async def _auth_headers(self, deadline: float, request: ApiRequest) -> dict[str, str]:
        headers = self._headers
        if headers is not None:
            return headers
        return await self._relogin(None, deadline, request)

    async def _relogin(
        self, failed: dict[str, str] | None, deadline: float, request: ApiRequest
    ) -> dict[str, str]:
        """Log in unless another call already replaced the session that failed.

        ``failed`` is the header dict the failing call sent; every login makes a
        new one, so identity tells whether the session was already renewed.

        Raises:
            LoginError: the server refused the credentials, now or earlier.
            RuntimeError: the session was closed meanwhile.
        """
        client = self._client
        await client._acquire(self._login_lock, deadline, request)
        try:
            self._check_open()
            if self._refused is not None:
                raise copy.copy(self._refused)
            current = self._headers
            if current is not None and current is not failed:
                return current
            if failed is not None:
                client._relogins += 1
            self._sessid = self._headers = None
            sessid = await self._login(deadline)
            if self._closed:  # closed while logging in: end the new session too
                await client._logout(self._credentials, sessid)
                self._check_open()
            self._sessid = sessid
            self._headers = self._make_headers(sessid)
            return self._headers
        finally:
            self._login_lock.release()

    async def _login(self, deadline: float) -> str:
        """Log in; if the password changed while a login was on its way, once more."""
        refused: LoginError | None = None
        for _ in range(2):
            credentials = self._credentials
            self.requests_attempted += 1
            try:
                return await self._client._login(credentials, deadline)
            except LoginError as error:
                refused = error
            if self._credentials is credentials:
                break
        assert refused is not None
        self._refused = refused
        raise refused

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the AccountSession was closed during the call")
