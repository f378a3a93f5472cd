"""The fake Axigen server: lifecycle, login and sessions, fault application, observation.

Responsibility: ``FakeAxigen`` owns the aiohttp application on 127.0.0.1, the accounts,
tokens and sessions, authenticates every ``/api/v1`` call, turns every failure into the
JSON error shape, applies the ``FaultPlan``'s decisions (expiring sessions, waiting,
answering, resetting) and records what it saw, cheaply.

Must not: implement Account endpoint logic (``_handlers``), render account documents
(``_render``), decide faults (``_faults``) or shape their wire answers (``_respond``), keep
secrets in anything it exposes (logs, the fault log and reprs are redacted), or import
anything from ``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Self

from aiohttp import web

from ._actions import FaultAnswer, FaultDecision, FaultReset, FaultStatus
from ._credentials import failure_key, named_account, parse_authorization
from ._faults import FaultPlan
from ._handlers import AccountHandlers, Handler, json_response, raw_json_response
from ._observe import InjectedFault, LoggedRequest, RawRecord, fault_entry, redact_records
from ._pages import AccountPagesMixin
from ._respond import error_body, failure_response, reset_connection, send_answer, slowed
from ._seed import SeededBlock
from ._state import ACCOUNT_FIELDS, ApiError, FakeAccount, utc_from_timestamp

_UNAUTHORIZED: Final = "unauthorized"
#: Sessions held before the first sweep of idle ones.
_FIRST_SWEEP: Final = 10_000
_LOGIN_ROUTE: Final = "/api/v1/login"
_UNMATCHED: Final = "<unmatched>"
#: The paths whose POST ``create_delay`` holds: creates whose repetition would duplicate.
_CREATE_PATHS: Final = frozenset({"/api/v1/account/signatures", "/api/v1/account/temporaryaliases"})


def _is_create(request: web.Request) -> bool:
    return request.method == "POST" and request.path.rstrip("/") in _CREATE_PATHS


_AUTH_CACHE_LIMIT: Final = 10_000
# aiohttp's own answers to some statuses, given the API's error codes.
_HTTP_ERROR_CODES: Final = {404: "notFound", 405: "methodNotAllowed", 413: "requestTooLarge"}


@dataclass(slots=True)
class _Session:
    email: str
    last_used: float


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, _UNAUTHORIZED, message)


def _random_session_id() -> str:
    return secrets.token_urlsafe(24)


class FakeAxigen(AccountPagesMixin):
    """A stateful fake Axigen Mailbox API server on 127.0.0.1 (``async with`` it).

    ``clock`` drives session idle expiry (monotonic seconds); ``wall_clock`` gives POSIX
    seconds for dates (password expiry warnings, temporary alias expiry). ``session_ids``
    makes each new session id (default ``secrets.token_urlsafe(24)``), so a test can know
    every id the fake issued; an id it repeats while still in use fails that login with 500.
    ``request_log_size`` bounds both the request log and the fault log.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        session_idle_timeout: float = 1800.0,
        api_version: str = "1.0",
        server_version: str = "10.6.0",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        max_avatar_bytes: int = 1_048_576,
        request_log_size: int = 100_000,
        ssl_context: ssl.SSLContext | None = None,
        session_ids: Callable[[], str] | None = None,
    ) -> None:
        self.host = host
        #: Serve HTTPS with this context (its certificate and key) instead of HTTP.
        self.ssl_context = ssl_context
        self.port = port
        self.session_idle_timeout = session_idle_timeout
        self.api_version = api_version
        self.server_version = server_version
        self.clock = clock
        self.wall_clock = wall_clock
        self.faults = FaultPlan()
        #: Seconds each create (signature, temporary alias) waits, once its session is
        #: checked and its body read, before it takes effect and is answered; it takes
        #: effect even if the client went away or its session ended meanwhile.
        self.create_delay = 0.0
        self.logins: Counter[str] = Counter()
        self.login_failures: Counter[str] = Counter()
        self.route_counts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        #: The most requests in flight at once per route (``"POST /api/v1/login"``).
        self.max_in_flight_by_route: Counter[str] = Counter()
        self._in_flight_by_route: Counter[str] = Counter()
        #: Live sessions ended by the fault plan's expiry and by ``expire_sessions()``.
        self.sessions_expired = 0
        self._records: deque[RawRecord] = deque(maxlen=request_log_size)
        self._fault_log: deque[InjectedFault] = deque(maxlen=request_log_size)
        self._new_session_id = session_ids if session_ids is not None else _random_session_id
        self._accounts: dict[str, FakeAccount] = {}
        self._blocks: list[SeededBlock] = []
        self._tokens: dict[str, str] = {}
        self._sessions: dict[str, _Session] = {}
        self._sweep_at = _FIRST_SWEEP
        self._auth_cache: dict[str, tuple[str, str | None]] = {}
        self._handlers = AccountHandlers(wall_clock=wall_clock, max_avatar_bytes=max_avatar_bytes)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._init_pages()  # Settings, Filters (AVAS) and Security pages: see _pages

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:41234`` (``https`` with ``ssl_context``; no
        trailing slash); once started."""
        if self._url is None:
            raise RuntimeError("the fake server is not started")
        return self._url

    def make_app(self) -> web.Application:
        """The aiohttp application (``start`` serves it; exposed for embedding)."""
        app = web.Application(
            middlewares=[self._middleware],
            client_max_size=self._handlers.max_avatar_bytes + 1_048_576,
        )
        app.router.add_get("/api/", self._version)
        app.router.add_post(_LOGIN_ROUTE, self._login)
        app.router.add_post("/api/v1/logout", self._authenticated(self._logout))
        for method, path, handler in self._handlers.routes():
            app.router.add_route(method, path, self._authenticated(handler))
        self._add_page_routes(app, self._authenticated)
        return app

    async def start(self) -> None:
        """Start serving; idempotent while running."""
        if self._runner is not None:
            return
        # A fake need not drain: stopping cuts handlers still waiting on a delay fault.
        runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=0.1
        )
        await runner.setup()
        try:
            site = web.TCPSite(
                runner, self.host, self.port, reuse_address=True, ssl_context=self.ssl_context
            )
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0]
        self.port = int(address[1])
        scheme = "https" if self.ssl_context is not None else "http"
        self._url = f"{scheme}://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving and close every connection; idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- accounts, tokens, sessions -----------------------------------------------------------

    def add_account(self, email: str, password: str, **state: Any) -> FakeAccount:
        """Create (or replace) an account; ``state`` sets ``FakeAccount`` fields by name."""
        unknown = set(state) - ACCOUNT_FIELDS
        if unknown:
            raise TypeError(f"unknown FakeAccount fields: {', '.join(sorted(unknown))}")
        if "@" not in email:
            raise ValueError("email must be fully qualified (user@domain)")
        account = FakeAccount(email=email.lower(), password=password, **state)
        self._accounts[account.email] = account
        return account

    def add_seeded_accounts(
        self,
        count: int,
        *,
        password: str = "demo",  # noqa: S107 - a well-known demo password
        seed: int = 0,
        domain: str = "example.com",
    ) -> None:
        """Add ``user1..user<count>@<domain>`` with varied state, deterministic for ``seed``.

        Accounts are built on first use, so large counts cost nothing up front. Dates are
        relative to the wall clock at this call.
        """
        if count < 0:
            raise ValueError("count must not be negative")
        domain = domain.lower()
        if any(block.domain == domain for block in self._blocks):
            raise ValueError(f"seeded accounts for {domain} already exist")
        anchor = utc_from_timestamp(self.wall_clock()).replace(microsecond=0)
        self._blocks.append(SeededBlock(count, password, seed, domain, anchor))

    def account(self, email: str) -> FakeAccount:
        """The account for ``email`` (``KeyError`` when there is none)."""
        found = self._find_account(email.lower())
        if found is None:
            raise KeyError(email)
        return found

    def _find_account(self, email: str) -> FakeAccount | None:
        found = self._accounts.get(email)
        if found is not None or not self._blocks:
            return found
        for block in self._blocks:
            index = block.index_of(email)
            if index is not None:
                found = self._accounts[email] = block.build(index)
                return found
        return None

    def add_token(self, token: str, email: str) -> None:
        """Accept ``Authorization: Bearer <token>`` for the account ``email``."""
        self._tokens[token] = self.account(email).email
        self._auth_cache.clear()

    def expire_sessions(self) -> int:
        """End every session now (the next call with any of them gets 401).

        Returns how many live sessions (not already idle past the timeout) ended, and adds
        that to ``sessions_expired``.
        """
        now = self.clock()
        limit = self.session_idle_timeout
        live = sum(1 for session in self._sessions.values() if now - session.last_used <= limit)
        self._sessions.clear()
        self.sessions_expired += live
        return live

    # -- observation --------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Requests seen, oldest first, with secret header and query values redacted."""
        return redact_records(self._records)

    @property
    def injected_faults(self) -> list[InjectedFault]:
        """Faults applied to requests, scripted or random, oldest first (no secrets).

        A request that was both delayed and failed, reset or answered has two entries, the
        ``"delay"`` first. Bounded like the request log.
        """
        return list(self._fault_log)

    @property
    def open_connections(self) -> int:
        """Client connections the server holds open now (idle keep-alive ones included)."""
        runner = self._runner
        server = runner.server if runner is not None else None
        return 0 if server is None else len(server.connections)

    def reset_stats(self) -> None:
        """Forget the request log, the fault log and every counter."""
        self._records.clear()
        self._fault_log.clear()
        self.sessions_expired = 0
        self.logins.clear()
        self.login_failures.clear()
        self.route_counts.clear()
        self.max_in_flight = self.in_flight
        self.max_in_flight_by_route = +self._in_flight_by_route

    # -- request pipeline ---------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.in_flight += 1
        if self.in_flight > self.max_in_flight:
            self.max_in_flight = self.in_flight
        route_key = ""
        try:
            resource = request.match_info.route.resource
            template = resource.canonical if resource is not None else _UNMATCHED
            route_key = f"{request.method} {template}"
            by_route = self._in_flight_by_route
            by_route[route_key] += 1
            if by_route[route_key] > self.max_in_flight_by_route[route_key]:
                self.max_in_flight_by_route[route_key] = by_route[route_key]
            self._records.append(
                (request.method, request.path, request.query_string, request.headers)
            )
            self.route_counts[route_key] += 1
            decision = self.faults.decide(route_key, template) if self.faults.active else None
            if decision is None:
                return await self._run(handler, request)
            return await self._apply(decision, handler, request, route_key)
        finally:
            self.in_flight -= 1
            if route_key:
                self._in_flight_by_route[route_key] -= 1

    async def _apply(
        self, decision: FaultDecision, handler: Any, request: web.Request, route_key: str
    ) -> web.StreamResponse:
        """Carry out the plan's decision for one request; only faulty requests come here."""
        if decision.expire_sessions:
            self.expire_sessions()
        action = decision.action
        account = None
        if decision.delay or action is not None:
            account = named_account(request.headers.get("Authorization"), self._tokens)
        if decision.delay:
            self._fault_log.append(InjectedFault(route_key, account, "delay"))
            await asyncio.sleep(decision.delay)
        if action is None:
            return await self._run(handler, request)
        if isinstance(action, FaultReset):
            response = await self._run(handler, request)
            sent = response.status if action.after_headers else None
            self._fault_log.append(fault_entry(route_key, account, action, sent))
            return await reset_connection(request, response, action.after_headers)
        self._fault_log.append(fault_entry(route_key, account, action))
        if isinstance(action, FaultStatus):
            return failure_response(action)
        if isinstance(action, FaultAnswer):
            return await send_answer(request, action)
        return await self._run(slowed(handler, action.seconds), request)

    @staticmethod
    async def _run(handler: Any, request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except ApiError as exc:
            response = raw_json_response(error_body(exc.code, exc.message), exc.status)
            response.headers.update(exc.headers)
        except web.HTTPException as exc:
            code = _HTTP_ERROR_CODES.get(exc.status, "httpError")
            response = raw_json_response(error_body(code, exc.reason), exc.status)
            if exc.status == 405:
                response.headers["Allow"] = exc.headers.get("Allow", "")
        except Exception as exc:  # a handler bug answers 500, never crashes the server
            message = f"unexpected {type(exc).__name__} in the fake server"
            response = raw_json_response(error_body("internalError", message), 500)
        if not request.content.is_eof():
            # Refused before the whole body arrived (an oversized avatar, a huge declared
            # length): the connection cannot carry another request, so say it will close
            # rather than leave the client to reuse it and stall.
            response.force_close()
        return response

    def _authenticated(self, handler: Handler) -> Callable[[web.Request], Any]:
        async def authenticated(request: web.Request) -> web.StreamResponse:
            account = self._check_session(request)
            if self.create_delay > 0 and _is_create(request):
                # Accepted now, in effect later: even if the session or client is gone.
                await request.read()
                await asyncio.sleep(self.create_delay)
            return await handler(request, account)

        return authenticated

    def _check_session(self, request: web.Request) -> FakeAccount:
        account = self._resolve_authorization(request.headers.get("Authorization"))
        if account is None:
            raise _unauthorized("missing or invalid Authorization")
        session_id = request.headers.get("X-Axigen-Session")
        session = self._sessions.get(session_id) if session_id else None
        if session is None or session.email != account.email:
            raise _unauthorized("missing or invalid X-Axigen-Session")
        now = self.clock()
        if now - session.last_used > self.session_idle_timeout:
            del self._sessions[session_id]  # type: ignore[arg-type]
            raise _unauthorized("the session expired")
        session.last_used = now
        return account

    def _resolve_authorization(self, header: str | None) -> FakeAccount | None:
        """The account whose valid credentials ``header`` carries, else ``None``.

        Raises ``ApiError`` 400 for a malformed Basic value (malformed results are not
        cached, so the cache only ever holds well-formed headers).
        """
        if not header:
            return None
        cached = self._auth_cache.get(header)
        if cached is None:
            cached = parse_authorization(header, self._tokens)
            if cached is None:
                return None
            if len(self._auth_cache) >= _AUTH_CACHE_LIMIT:
                self._auth_cache.clear()
            self._auth_cache[header] = cached
        email, password = cached
        account = self._find_account(email)
        if account is None:
            return None
        if password is None:  # Bearer: the token must still be registered
            token = header.partition(" ")[2].strip()
            return account if self._tokens.get(token) == account.email else None
        # As bytes: compare_digest refuses str holding anything but ASCII.
        matches = secrets.compare_digest(password.encode(), account.password.encode())
        return account if matches else None

    async def _version(self, request: web.Request) -> web.Response:
        return json_response({"apiVersion": self.api_version, "serverVersion": self.server_version})

    async def _login(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        try:
            account = self._resolve_authorization(header)
        except ApiError:  # malformed credentials: a 400, still a failed login
            self.login_failures[failure_key(header, self._tokens)] += 1
            raise
        if account is None:
            self.login_failures[failure_key(header, self._tokens)] += 1
            raise _unauthorized("wrong credentials, unknown user or unsupported scheme")
        session_id = self._new_session_id()
        # Checked before any state changes; the message names no id (it is a secret).
        if not isinstance(session_id, str) or not session_id or session_id in self._sessions:
            raise RuntimeError("the session id factory gave an empty, non-str or live id")
        if self.logins[account.email] >= 1:
            account.is_first_api_login = False
        self.logins[account.email] += 1
        now = self.clock()
        if len(self._sessions) >= self._sweep_at:
            self._drop_idle_sessions(now)
        self._sessions[session_id] = _Session(account.email, now)
        return json_response({"sessid": session_id})

    def _drop_idle_sessions(self, now: float) -> None:
        """Forget sessions idle past the timeout, so a long-running server stays small.

        Runs when the count doubles since the last sweep: amortized constant cost.
        """
        limit = self.session_idle_timeout
        self._sessions = {
            key: session
            for key, session in self._sessions.items()
            if now - session.last_used <= limit
        }
        self._sweep_at = max(_FIRST_SWEEP, 2 * len(self._sessions))

    async def _logout(self, request: web.Request, account: FakeAccount) -> web.Response:
        self._sessions.pop(request.headers.get("X-Axigen-Session", ""), None)
        return web.Response(status=200)
