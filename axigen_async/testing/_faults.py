"""Fault plan of the fake Axigen server: scripted, seeded-random and chaos faults per route.

Responsibility: decide, for each incoming request identified by its route key
(``"GET /api/v1/account/info"``) and route template (``"/api/v1/account/info"``), whether it
is delayed, failed with a status or given a canned answer before the handler runs, slowed,
or reset after the handler ran, and whether every session ends before it. Decisions are
deterministic for a given plan and request order.

Must not: import aiohttp, touch sockets, sessions or account state, or sleep (the server
applies the ``FaultDecision``).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ._actions import (
    AnswerBody,
    FaultAction,
    FaultAnswer,
    FaultBody,
    FaultDecision,
    FaultReset,
    FaultStatus,
    canned_answer,
)
from ._chaos import DEFAULT_STATUS_RATES, ChaosMix, build_chaos, check_route


@dataclass(slots=True)
class _Delay:
    seconds: float
    remaining: int | None


@dataclass(slots=True)
class _Random:
    rate: float
    statuses: tuple[int, ...]
    reset_share: float
    routes: frozenset[str] | None
    rng: random.Random


@dataclass(slots=True)
class FaultPlan:
    """Faults to inject, consumed in request order.

    Routes are written ``"METHOD /path/template"`` (``"DELETE /api/v1/account/signatures/{id}"``)
    or as a bare template (``"/api/v1/account/info"``) meaning any method.

    For one request the scripted entries (``fail_next``, ``answer_next``, ``reset_next``,
    ``delay``) win over the random mix. ``fail_next`` and ``answer_next`` entries for a
    route share one queue, used in the order they were planned, and come before
    ``reset_next`` entries; a ``delay`` applies in addition to any of them.

    There is one random mix at a time: ``random_faults`` and ``chaos`` each replace
    whichever of the two was armed before (``clear`` forgets it). With ``random_faults`` a
    ``delay`` still combines with a random failure, as it always has; with ``chaos`` any
    scripted fault for the request, a ``delay`` included, wins outright.
    """

    _canned: dict[str, deque[FaultStatus | FaultAnswer]] = field(default_factory=dict)
    _resets: dict[str, deque[FaultReset]] = field(default_factory=dict)
    _delays: dict[str, _Delay] = field(default_factory=dict)
    _random: _Random | ChaosMix | None = None

    @property
    def active(self) -> bool:
        """Whether any fault is planned (a fast check for the hot path)."""
        return bool(self._canned or self._resets or self._delays or self._random)

    def fail_next(
        self,
        route: str,
        status: int,
        *,
        count: int = 1,
        retry_after: int | str | None = None,
        body: FaultBody = None,
    ) -> None:
        """Answer the next ``count`` requests to ``route`` with ``status``, handler not run.

        ``retry_after`` becomes a ``Retry-After`` header (seconds or an HTTP date string).
        ``body`` replaces the JSON error body: a mapping is sent as JSON, ``str``/``bytes``
        as they are.
        """
        _check_count(count)
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        queue = self._canned.setdefault(route, deque())
        queue.extend([FaultStatus(status, retry_after, body)] * count)

    def answer_next(
        self,
        route: str,
        *,
        status: int = 200,
        body: AnswerBody = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        count: int = 1,
        chunked: bool = False,
    ) -> None:
        """Answer the next ``count`` requests to ``route`` with this response, handler not run.

        ``status`` is any from 200 to 599 (a 3xx with ``headers={"Location": ...}`` is a
        redirect). A mapping ``body`` is sent as JSON (``application/json; charset=utf-8``),
        a ``str`` as UTF-8 ``text/plain``, ``bytes`` as they are; ``content_type`` (or a
        ``Content-Type`` in ``headers``) overrides that. ``chunked=True`` sends the body with
        chunked transfer encoding and no ``Content-Length``. The body is encoded once, here.

        Raises ``ValueError`` for a bad route, status, count or header (``Content-Length``
        and ``Transfer-Encoding`` are the fake's to set), ``TypeError`` for a body that is
        not bytes, str or a JSON-serializable mapping.
        """
        check_route(route)
        _check_count(count)
        answer = canned_answer(
            status=status,
            body=body,
            headers=headers,
            content_type=content_type,
            chunked=chunked,
        )
        self._canned.setdefault(route, deque()).extend([answer] * count)

    def reset_next(self, route: str, *, count: int = 1, after_headers: bool = False) -> None:
        """Run the handler for the next ``count`` requests, then drop the connection.

        With ``after_headers=False`` no byte of the answer is sent (the client sees the
        server disconnect); with ``True`` the status line, headers announcing a longer body
        and part of the body are sent first (the client sees an incomplete payload).
        """
        _check_count(count)
        self._resets.setdefault(route, deque()).extend([FaultReset(after_headers)] * count)

    def delay(self, route: str, seconds: float, *, count: int | None = None) -> None:
        """Answer requests to ``route`` after ``seconds``; ``count=None`` means until cleared."""
        if count is not None:
            _check_count(count)
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._delays[route] = _Delay(seconds, count)

    def random_faults(
        self,
        rate: float,
        *,
        seed: int,
        statuses: Iterable[int] = (500, 502, 503),
        reset_share: float = 0.0,
        routes: Iterable[str] | None = None,
    ) -> None:
        """Fail a seeded random share ``rate`` of requests (of ``routes``, default all).

        A failing request is reset with probability ``reset_share``, else answered with one
        of ``statuses``. Deterministic for the seed and the order of requests. Replaces an
        armed ``chaos`` mix.
        """
        status_tuple = tuple(statuses)
        if not 0.0 <= rate <= 1.0 or not 0.0 <= reset_share <= 1.0:
            raise ValueError("rate and reset_share must be between 0 and 1")
        if not status_tuple and reset_share < 1.0:
            raise ValueError("statuses must not be empty unless reset_share is 1")
        if any(not 400 <= status <= 599 for status in status_tuple):
            raise ValueError("statuses must be error statuses, 400 to 599")
        self._random = _Random(
            rate=rate,
            statuses=status_tuple,
            reset_share=reset_share,
            routes=None if routes is None else frozenset(routes),
            rng=random.Random(seed),
        )

    def chaos(
        self,
        *,
        seed: int,
        status_rates: Mapping[int, float] = DEFAULT_STATUS_RATES,
        retry_after_max: int = 1,
        reset_rate: float = 0.01,
        slow_rate: float = 0.01,
        slow_seconds: float = 2.0,
        expire_sessions_every: int | None = 200,
        routes: Iterable[str] | None = None,
    ) -> None:
        """Arm a seeded random mix of failures, drawn per request in arrival order.

        For each request to ``routes`` (default every route) one uniform draw from
        ``random.Random(seed)`` picks at most one of:

        * a status of ``status_rates`` (status to rate, each 400-599), answered with the JSON
          error body ``injectedFault`` without running the handler; a 429 carries
          ``Retry-After: <0..retry_after_max>`` seconds, drawn from the same generator;
        * with ``reset_rate``, a reset mid-response: the handler runs, then the status line,
          headers announcing a longer body and part of the body are sent and the connection
          is closed (the client sees an incomplete payload);
        * with ``slow_rate``, a slow answer: wait ``slow_seconds``, then run the handler and
          answer normally (a client that gave up cannot know whether a write happened).

        The draw is made for every covered request, even one a scripted fault wins, so the
        random decisions depend only on the order of requests. With
        ``expire_sessions_every=N`` every N-th request of any route (login included),
        counted from this call, first ends every live session. Replaces an armed
        ``random_faults`` mix. Raises ``ValueError`` for any bad argument, including rates
        that sum to more than 1.
        """
        self._random = build_chaos(
            seed=seed,
            status_rates=status_rates,
            retry_after_max=retry_after_max,
            reset_rate=reset_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            expire_sessions_every=expire_sessions_every,
            routes=routes,
        )

    def clear(self) -> None:
        """Forget every planned fault, the random mix included."""
        self._canned.clear()
        self._resets.clear()
        self._delays.clear()
        self._random = None

    def decide(self, route_key: str, template: str) -> FaultDecision | None:
        """Consume and return the fault for one request, or ``None`` to proceed normally.

        The server calls this once per request; a test may call it to see what a plan
        decides without a server (it consumes the plan just the same).
        """
        mix = self._random
        expire = False
        drawn: FaultAction | None = None
        if isinstance(mix, ChaosMix):
            expire = mix.count_request()
            drawn = mix.draw(route_key, template)
        delay = self._take_delay(route_key) or self._take_delay(template)
        action: FaultAction | None = _pop(self._canned, route_key) or _pop(self._canned, template)
        if action is None:
            action = _pop(self._resets, route_key) or _pop(self._resets, template)
        if action is None:
            if isinstance(mix, _Random):
                action = self._draw(route_key, template, mix)
            elif not delay:
                action = drawn
        if action is None and not delay and not expire:
            return None
        return FaultDecision(delay=delay, action=action, expire_sessions=expire)

    def _take_delay(self, route: str) -> float:
        entry = self._delays.get(route)
        if entry is None:
            return 0.0
        if entry.remaining is not None:
            entry.remaining -= 1
            if entry.remaining <= 0:
                del self._delays[route]
        return entry.seconds

    @staticmethod
    def _draw(route_key: str, template: str, plan: _Random) -> FaultStatus | FaultReset | None:
        if plan.routes is not None and route_key not in plan.routes and template not in plan.routes:
            return None
        if plan.rng.random() >= plan.rate:
            return None
        if plan.rng.random() < plan.reset_share or not plan.statuses:
            return FaultReset()
        return FaultStatus(plan.statuses[plan.rng.randrange(len(plan.statuses))])


def _pop(
    queues: dict[str, deque[FaultStatus | FaultAnswer]] | dict[str, deque[FaultReset]], route: str
) -> FaultStatus | FaultAnswer | FaultReset | None:
    queue = queues.get(route)
    if not queue:
        return None
    item = queue.popleft()
    if not queue:
        del queues[route]
    return item


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be an int of at least 1")
