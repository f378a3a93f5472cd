"""The fake Axigen server: lifecycle, login and sessions, fault application, observation.

Responsibility: ``FakeAxigen`` owns the aiohttp application on 127.0.0.1, the accounts,
tokens and sessions, authenticates every ``/api/v1`` call, turns every failure into the
JSON error shape, applies the ``FaultPlan`` and records what it saw, cheaply.

Must not: implement Account endpoint logic (``_handlers``), render account documents
(``_render``), keep secrets in anything it exposes (logs and reprs are redacted), or import
anything from ``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

import asyncio
import binascii
import secrets
import ssl
import time
from base64 import b64decode
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Self

from aiohttp import web

from ._faults import Failure, FaultPlan, Reset
from ._handlers import AccountHandlers, Handler, json_response, raw_json_response
from ._observe import LoggedRequest, RawRecord, redact_records
from ._render import dump_json
from ._seed import SeededBlock
from ._state import ACCOUNT_FIELDS, ApiError, FakeAccount, utc_from_timestamp

_UNAUTHORIZED: Final = "unauthorized"
#: Sessions held before the first sweep of idle ones.
_FIRST_SWEEP: Final = 10_000
_LOGIN_ROUTE: Final = "/api/v1/login"
_UNMATCHED: Final = "<unmatched>"
_AUTH_CACHE_LIMIT: Final = 10_000


@dataclass(slots=True)
class _Session:
    email: str
    last_used: float


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, _UNAUTHORIZED, message)


def error_body(code: str, message: str) -> bytes:
    """The JSON error document in bytes."""
    return dump_json({"error": {"code": code, "message": message}})


class FakeAxigen:
    """A stateful fake Axigen Mailbox API server on 127.0.0.1 (``async with`` it).

    ``clock`` drives session idle expiry (monotonic seconds); ``wall_clock`` gives POSIX
    seconds for dates (password expiry warnings, temporary alias expiry).
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
        self.logins: Counter[str] = Counter()
        self.login_failures: Counter[str] = Counter()
        self.route_counts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        #: The most requests in flight at once per route (``"POST /api/v1/login"``).
        self.max_in_flight_by_route: Counter[str] = Counter()
        self._in_flight_by_route: Counter[str] = Counter()
        self._records: deque[RawRecord] = deque(maxlen=request_log_size)
        self._accounts: dict[str, FakeAccount] = {}
        self._blocks: list[SeededBlock] = []
        self._tokens: dict[str, str] = {}
        self._sessions: dict[str, _Session] = {}
        self._sweep_at = _FIRST_SWEEP
        self._auth_cache: dict[str, tuple[str, str | None]] = {}
        self._handlers = AccountHandlers(wall_clock=wall_clock, max_avatar_bytes=max_avatar_bytes)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

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

    def expire_sessions(self) -> None:
        """End every session now (the next call with any of them gets 401)."""
        self._sessions.clear()

    # -- observation --------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Requests seen, oldest first, with secret header and query values redacted."""
        return redact_records(self._records)

    def reset_stats(self) -> None:
        """Forget the request log and every counter."""
        self._records.clear()
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
            if decision.delay:
                await asyncio.sleep(decision.delay)
            action = decision.action
            if isinstance(action, Failure):
                return _failure_response(action)
            response = await self._run(handler, request)
            if isinstance(action, Reset):
                return await _reset_connection(request, response, action.after_headers)
            return response
        finally:
            self.in_flight -= 1
            if route_key:
                self._in_flight_by_route[route_key] -= 1

    @staticmethod
    async def _run(handler: Any, request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except ApiError as exc:
            response = raw_json_response(error_body(exc.code, exc.message), exc.status)
            response.headers.update(exc.headers)
        except web.HTTPException as exc:
            code = {404: "notFound", 405: "methodNotAllowed"}.get(exc.status, "httpError")
            response = raw_json_response(error_body(code, exc.reason), exc.status)
            if exc.status == 405:
                response.headers["Allow"] = exc.headers.get("Allow", "")
        except Exception as exc:  # a handler bug answers 500, never crashes the server
            message = f"unexpected {type(exc).__name__} in the fake server"
            response = raw_json_response(error_body("internalError", message), 500)
        return response

    def _authenticated(self, handler: Handler) -> Callable[[web.Request], Any]:
        async def authenticated(request: web.Request) -> web.StreamResponse:
            account = self._check_session(request)
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
        if not header:
            return None
        cached = self._auth_cache.get(header)
        if cached is None:
            cached = _parse_authorization(header, self._tokens)
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
        return account if secrets.compare_digest(password, account.password) else None

    async def _version(self, request: web.Request) -> web.Response:
        return json_response({"apiVersion": self.api_version, "serverVersion": self.server_version})

    async def _login(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        account = self._resolve_authorization(header)
        if account is None:
            self.login_failures[_failure_key(header, self._tokens)] += 1
            raise _unauthorized("wrong credentials, unknown user or malformed Authorization")
        if self.logins[account.email] >= 1:
            account.is_first_api_login = False
        self.logins[account.email] += 1
        session_id = secrets.token_urlsafe(24)
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


def _parse_authorization(header: str, tokens: dict[str, str]) -> tuple[str, str | None] | None:
    """(email, password) for Basic, (email, None) for a known Bearer token, else ``None``."""
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme == "bearer":
        email = tokens.get(value)
        return None if email is None else (email, None)
    if scheme != "basic":
        return None
    try:
        decoded = b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    if not colon or "@" not in user:
        return None
    return user.lower(), password


def _failure_key(header: str | None, tokens: dict[str, str]) -> str:
    """Who a failed login was for, without any secret: the Basic user or a placeholder."""
    if not header:
        return "<missing>"
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        email = tokens.get(value.strip())
        return email if email is not None else "<unknown-token>"
    parsed = _parse_authorization(header, {}) if scheme.lower() == "basic" else None
    return parsed[0] if parsed is not None else "<malformed>"


def _failure_response(failure: Failure) -> web.Response:
    body = failure.body
    if body is None:
        payload = error_body("injectedFault", f"injected fault: HTTP {failure.status}")
        response = raw_json_response(payload, failure.status)
    elif isinstance(body, bytes | str):
        response = web.Response(body=body.encode() if isinstance(body, str) else body)
        response.set_status(failure.status)
    else:
        response = json_response(dict(body), failure.status)
    if failure.retry_after is not None:
        response.headers["Retry-After"] = str(failure.retry_after)
    return response


async def _reset_connection(
    request: web.Request, response: web.StreamResponse, after_headers: bool
) -> web.StreamResponse:
    """Drop the connection after the handler ran; the client never gets a whole answer."""
    transport = request.transport
    if after_headers and transport is not None:
        body = response.body if isinstance(response, web.Response) else b""
        partial = bytes(body)[: len(body) // 2] if isinstance(body, bytes) else b""
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(partial) + 64
        await stream.prepare(request)
        await stream.write(partial)
        transport.close()
        return stream
    if transport is not None:
        transport.close()
    return response
