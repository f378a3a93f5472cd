"""The seeded chaos mix of the fake Axigen server: one random draw per request.

Responsibility: check the arguments of ``FaultPlan.chaos``, then, for each request in
arrival order, draw from one ``random.Random(seed)`` at most one action (a status answer,
a reset mid-response or a slow answer) and count requests to say when every session should
end. The same seed and the same request order give the same decisions.

Must not: import aiohttp, touch sockets or server state, or sleep (the plan returns a
``FaultDecision`` and the server applies it).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeGuard

from ._actions import FaultReset, FaultSlow, FaultStatus

DEFAULT_STATUS_RATES: Final[Mapping[int, float]] = MappingProxyType({503: 0.05, 429: 0.02})
# Rates are floats; a sum such as 0.7 + 0.2 + 0.1 may land a hair above 1.
_RATE_SUM_SLACK: Final = 1e-9

Outcome = int | FaultReset | FaultSlow


@dataclass(slots=True)
class ChaosMix:
    """A checked chaos configuration with its random source and request counter.

    ``bands`` partitions ``[0, 1)``: a draw below a band's upper bound (and above the
    previous one) picks that band's outcome, a status (``int``) or a ready action.
    """

    bands: tuple[tuple[float, Outcome], ...]
    retry_after_max: int
    expire_every: int | None
    routes: frozenset[str] | None
    rng: random.Random
    requests_seen: int = 0

    def count_request(self) -> bool:
        """Count one request (any route); True when every live session ends before it."""
        self.requests_seen += 1
        return self.expire_every is not None and self.requests_seen % self.expire_every == 0

    def draw(self, route_key: str, template: str) -> FaultStatus | FaultReset | FaultSlow | None:
        """The random action for one request of the covered routes, or ``None``."""
        routes = self.routes
        if routes is not None and route_key not in routes and template not in routes:
            return None
        roll = self.rng.random()
        for upper, outcome in self.bands:  # bounded: at most one band per status, reset, slow
            if roll < upper:
                if not isinstance(outcome, int):
                    return outcome
                retry_after = None
                if outcome == 429:  # a throttled client needs to be told when to come back
                    retry_after = self.rng.randint(0, self.retry_after_max)
                return FaultStatus(outcome, retry_after)
        return None


def build_chaos(
    *,
    seed: int,
    status_rates: Mapping[int, float],
    retry_after_max: int,
    reset_rate: float,
    slow_rate: float,
    slow_seconds: float,
    expire_sessions_every: int | None,
    routes: Iterable[str] | None,
) -> ChaosMix:
    """A ``ChaosMix`` for ``FaultPlan.chaos``'s arguments; ``ValueError`` for a bad one."""
    if not _is_int(seed):
        raise ValueError("seed must be an int")
    if not _is_int(retry_after_max) or retry_after_max < 0:
        raise ValueError("retry_after_max must be an int of at least 0 (seconds)")
    if not _is_number(slow_seconds) or not math.isfinite(slow_seconds) or slow_seconds < 0:
        raise ValueError("slow_seconds must be a finite number of at least 0")
    if expire_sessions_every is not None and (
        not _is_int(expire_sessions_every) or expire_sessions_every < 1
    ):
        raise ValueError("expire_sessions_every must be None or an int of at least 1")
    if not isinstance(status_rates, Mapping):
        raise ValueError("status_rates must be a mapping of HTTP status to rate")
    statuses: dict[int, float] = {}
    for status, rate in status_rates.items():
        if not _is_int(status) or not 400 <= status <= 599:
            raise ValueError(f"status_rates keys must be error statuses, 400 to 599: {status!r}")
        statuses[status] = _check_rate(f"the rate of status {status}", rate)
    # Sorted, so the decisions do not depend on the order the mapping was written in.
    weighted: list[tuple[float, Outcome]] = [
        (rate, status) for status, rate in sorted(statuses.items())
    ]
    weighted.append((_check_rate("reset_rate", reset_rate), FaultReset(after_headers=True)))
    weighted.append((_check_rate("slow_rate", slow_rate), FaultSlow(float(slow_seconds))))
    total = math.fsum(rate for rate, _ in weighted)
    if total > 1.0 + _RATE_SUM_SLACK:
        raise ValueError(f"the status, reset and slow rates must sum to at most 1, not {total}")
    bands: list[tuple[float, Outcome]] = []
    upper = 0.0
    for rate, outcome in weighted:
        if rate > 0.0:  # a zero rate never fires, so it needs no band
            upper += rate
            bands.append((upper, outcome))
    return ChaosMix(
        bands=tuple(bands),
        retry_after_max=retry_after_max,
        expire_every=expire_sessions_every,
        routes=_check_routes(routes),
        rng=random.Random(seed),
    )


def check_route(route: object) -> str:
    """``route`` when it reads ``"METHOD /template"`` or ``"/template"``; else ``ValueError``."""
    if not isinstance(route, str):
        raise ValueError("a route must be a str such as 'GET /api/v1/account/info'")
    method, space, template = route.partition(" ")
    if route.startswith("/") or (space and method.isalpha() and template.startswith("/")):
        return route
    raise ValueError(
        f"route {route!r} must read 'METHOD /template' or '/template' "
        "(for example 'GET /api/v1/account/info')"
    )


def _check_routes(routes: Iterable[str] | None) -> frozenset[str] | None:
    if routes is None:
        return None
    if isinstance(routes, str):  # a lone str would be split into characters
        raise ValueError("routes must be an iterable of routes, not one str")
    checked = frozenset(check_route(route) for route in routes)
    if not checked:
        raise ValueError("routes must name at least one route, or be None for every route")
    return checked


def _check_rate(name: str, rate: object) -> float:
    if not _is_number(rate) or not 0.0 <= rate <= 1.0:  # NaN fails both comparisons
        raise ValueError(f"{name} must be a number from 0 to 1")
    return float(rate)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
