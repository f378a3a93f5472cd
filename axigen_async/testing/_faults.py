"""Fault plan of the fake Axigen server: scripted and seeded-random failures per route.

Responsibility: decide, for each incoming request identified by its route key
(``"GET /api/v1/account/info"``) and route template (``"/api/v1/account/info"``), whether it
is delayed, failed with a status before the handler runs, or reset after the handler ran.
Decisions are deterministic for a given plan and request order.

Must not: import aiohttp, touch sockets or account state, or sleep (the server applies the
decision).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

FaultBody = bytes | str | Mapping[str, object] | None


@dataclass(frozen=True, slots=True)
class Failure:
    """Answer ``status`` without running the handler."""

    status: int
    retry_after: int | str | None = None
    body: FaultBody = None


@dataclass(frozen=True, slots=True)
class Reset:
    """Run the handler, then drop the connection (before or after the response headers)."""

    after_headers: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one request: wait ``delay`` seconds, then fail, reset or proceed."""

    delay: float = 0.0
    action: Failure | Reset | None = None


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
    or as a bare template (``"/api/v1/account/info"``) meaning any method. For one request the
    scripted entries win over random faults; ``fail_next`` entries are used before
    ``reset_next`` entries; a ``delay`` applies in addition to any of them.
    """

    _failures: dict[str, deque[Failure]] = field(default_factory=dict)
    _resets: dict[str, deque[Reset]] = field(default_factory=dict)
    _delays: dict[str, _Delay] = field(default_factory=dict)
    _random: _Random | None = None

    @property
    def active(self) -> bool:
        """Whether any fault is planned (a fast check for the hot path)."""
        return bool(self._failures or self._resets or self._delays or self._random)

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
        queue = self._failures.setdefault(route, deque())
        queue.extend([Failure(status, retry_after, body)] * count)

    def reset_next(self, route: str, *, count: int = 1, after_headers: bool = False) -> None:
        """Run the handler for the next ``count`` requests, then drop the connection.

        With ``after_headers=False`` no byte of the answer is sent (the client sees the
        server disconnect); with ``True`` the status line, headers announcing a longer body
        and part of the body are sent first (the client sees an incomplete payload).
        """
        _check_count(count)
        self._resets.setdefault(route, deque()).extend([Reset(after_headers)] * count)

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
        of ``statuses``. Deterministic for the seed and the order of requests.
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

    def clear(self) -> None:
        """Forget every planned fault."""
        self._failures.clear()
        self._resets.clear()
        self._delays.clear()
        self._random = None

    def decide(self, route_key: str, template: str) -> Decision | None:
        """Consume and return the fault for one request, or ``None`` to proceed normally."""
        delay = self._take_delay(route_key) or self._take_delay(template)
        action: Failure | Reset | None = _pop(self._failures, route_key) or _pop(
            self._failures, template
        )
        if action is None:
            action = _pop(self._resets, route_key) or _pop(self._resets, template)
        if action is None and self._random is not None:
            action = self._draw(route_key, template, self._random)
        if action is None and not delay:
            return None
        return Decision(delay=delay, action=action)

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
    def _draw(route_key: str, template: str, plan: _Random) -> Failure | Reset | None:
        if plan.routes is not None and route_key not in plan.routes and template not in plan.routes:
            return None
        if plan.rng.random() >= plan.rate:
            return None
        if plan.rng.random() < plan.reset_share or not plan.statuses:
            return Reset()
        return Failure(plan.statuses[plan.rng.randrange(len(plan.statuses))])


def _pop(
    queues: dict[str, deque[Failure]] | dict[str, deque[Reset]], route: str
) -> Failure | Reset | None:
    queue = queues.get(route)
    if not queue:
        return None
    item = queue.popleft()
    if not queue:
        del queues[route]
    return item


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError("count must be at least 1")
