"""The fake server's Settings, Filters and Security pages: wiring, version gates, observation.

Responsibility: ``AccountPagesMixin``, which ``FakeAxigen`` inherits: it holds the state of
the three pages (kept beside the accounts, per account), registers their routes (behind
the session check unless public, behind a server-version gate where the page names a
version) and gives tests public ways to read and seed that state and to read the codes a
real server would have sent to the user.

Must not: implement endpoint logic (``_settings``, ``_filters``, ``_security_handlers``,
``_recovery``), authenticate (the server does), or import anything from ``axigen_async``
outside ``axigen_async.testing``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from ._filters import FakeAddressList, FakeAvas, FiltersHandlers
from ._page_seed import seeded_avas, seeded_index, seeded_security, seeded_settings
from ._pagebase import X4, PageRoute, PerAccount, version_tuple
from ._recovery import RecoveryHandlers
from ._security import FakeSecurity, SecurityNotice, SecurityTokens, totp_code
from ._security_handlers import SecurityContext, SecurityHandlers
from ._seed import SeededBlock
from ._settings import FakeSettings, SettingsHandlers
from ._state import FakeAccount

_PlainHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _RouteSource(Protocol):
    def routes(self) -> list[PageRoute]: ...


class AccountPagesMixin:
    """Account Settings, Account Filters (AVAS) and Account Security for ``FakeAxigen``.

    ``security_token_ttl`` (seconds, default 300) is how long a token from
    ``POST /api/v1/account/security/check`` stays valid, measured on the server's
    ``clock``; ``recovery_token_ttl`` (default 900) the same for password-recovery tokens;
    ``webmail_page_size`` (default 25) is the whitelist/blacklist page size when a request
    gives no ``limit``. ``server_version`` gates routes: before ``10.5`` the UI and client
    settings answer 404, before ``10.6`` every security and recovery endpoint does.
    ``security_notices`` lists every code the fake "sent" by email or SMS (who and why,
    never the code: read it with ``totp_code`` or ``recovery_token``). Accounts of
    ``add_seeded_accounts`` start with varied page state (``_page_seed``); every other
    account starts with the defaults.
    """

    if TYPE_CHECKING:
        clock: Callable[[], float]
        wall_clock: Callable[[], float]
        server_version: str
        _blocks: list[SeededBlock]

        def account(self, email: str) -> FakeAccount: ...

    def _init_pages(self) -> None:
        self.security_token_ttl = 300.0
        self.recovery_token_ttl = 900.0
        self.webmail_page_size = 25
        self.security_notices: list[SecurityNotice] = []
        self._settings_store = PerAccount(self._new_settings)
        self._avas_store = PerAccount(self._new_avas)
        self._security_store = PerAccount(self._new_security)
        self._security_tokens = SecurityTokens(lambda: self.clock())
        context = SecurityContext(
            store=self._security_store,
            tokens=self._security_tokens,
            notices=self.security_notices,
            clock=lambda: self.clock(),
            wall_clock=lambda: self.wall_clock(),
            token_ttl=lambda: self.security_token_ttl,
            recovery_ttl=lambda: self.recovery_token_ttl,
            find_account=self._account_or_none,
        )
        self._page_sources: tuple[_RouteSource, ...] = (
            SettingsHandlers(self._settings_store),
            FiltersHandlers(self._avas_store, lambda: self.webmail_page_size),
            SecurityHandlers(context),
            RecoveryHandlers(context),
        )

    # Accounts of add_seeded_accounts get varied page state; every other account defaults.

    def _new_settings(self, account: FakeAccount) -> FakeSettings:
        found = seeded_index(self._blocks, account)
        return FakeSettings() if found is None else seeded_settings(*found)

    def _new_avas(self, account: FakeAccount) -> FakeAvas:
        found = seeded_index(self._blocks, account)
        return FakeAvas() if found is None else seeded_avas(*found)

    def _new_security(self, account: FakeAccount) -> FakeSecurity:
        found = seeded_index(self._blocks, account)
        return FakeSecurity() if found is None else seeded_security(*found, account)

    def _add_page_routes(
        self, app: web.Application, authenticated: Callable[[Any], _PlainHandler]
    ) -> None:
        """Register every page route on ``app``; ``authenticated`` wraps a session handler."""
        for source in self._page_sources:
            for route in source.routes():
                handler = route.handler if route.public else authenticated(route.handler)
                app.router.add_route(route.method, route.path, self._gated(route.since, handler))

    def _gated(self, since: tuple[int, int], handler: _PlainHandler) -> _PlainHandler:
        if since <= X4:
            return handler

        async def gated(request: web.Request) -> web.StreamResponse:
            # Read per request, so a test may change server_version on a running fake.
            # Before the session check: an older server has no such route at all, so it
            # answers the same 404 as any unknown path.
            if version_tuple(self.server_version) < since:
                raise web.HTTPNotFound()
            return await handler(request)

        return gated

    def _account_or_none(self, email: str) -> FakeAccount | None:
        try:
            return self.account(email)
        except KeyError:
            return None

    # -- observation and seeding ------------------------------------------------------------

    def settings(self, email: str) -> FakeSettings:
        """The Account Settings state of ``email`` (``KeyError`` for no such account)."""
        return self._settings_store.of(self.account(email))

    def avas(self, email: str) -> FakeAvas:
        """The Account Filters state of ``email``: flags, lists and on/off filters."""
        return self._avas_store.of(self.account(email))

    def whitelist(self, email: str) -> FakeAddressList:
        """The AVAS whitelist of ``email`` (``.add(address)`` seeds it)."""
        return self.avas(email).whitelist

    def blacklist(self, email: str) -> FakeAddressList:
        """The AVAS blacklist of ``email``."""
        return self.avas(email).blacklist

    def security(self, email: str) -> FakeSecurity:
        """The Account Security state of ``email`` (``.add_method(...)`` seeds it)."""
        return self._security_store.of(self.account(email))

    def totp_code(self, email: str, method_id: str) -> str:
        """The code an authenticator app (or the SMS or email) gives for the method."""
        method = self.security(email).methods.get(method_id)
        if method is None:
            raise KeyError(method_id)
        return totp_code(method)

    def recovery_token(self, email: str) -> str | None:
        """The password-recovery token last "sent" to ``email``'s owner, while unused."""
        held = self.security(email).recovery_token
        return None if held is None else held[0]

    def expire_security_tokens(self) -> int:
        """Make every issued security token expired now; returns how many were live."""
        return self._security_tokens.expire_all()
