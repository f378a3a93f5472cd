"""The state every call of one client shares: the aiohttp session, limits, counters.

``Pool`` is plain state the client creates, opens with its aiohttp session and
closes; the request chain (``_chain``) reads and updates it. No I/O, no call
logic, and no code the chain runs per call (it reads these attributes only).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final

import aiohttp
from yarl import URL

from axigen_async import exceptions as exc
from axigen_async._policy import RetryBudget, RetryPolicy, Timeouts

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Pool"]

#: The most of an error answer's body read: enough for its excerpt and for the
#: error pages of servers and proxies, whose connection then stays reusable.
_ERROR_BODY_LIMIT: Final = 64 * 1024
#: The largest answer body read by default (8 MiB): far above any Account answer.
DEFAULT_MAX_RESPONSE_SIZE: Final = 8 * 1024 * 1024


class Pool:
    """The state every call of one client shares: the aiohttp session, limits, counters.

    The client creates it, opens it with its aiohttp session and closes it; the
    chain's functions read and update it.
    """

    def __init__(
        self,
        base_url: str,
        timeouts: Timeouts,
        policy: RetryPolicy,
        *,
        timeout: aiohttp.ClientTimeout,
        max_response_size: int,
        max_concurrent_logins: int,
        sleep: Callable[[float], Awaitable[object]],
        clock: Callable[[], float],
        random: Callable[[], float],
        opener: Callable[[], Callable[[], None] | None],
    ) -> None:
        self.base = base_url
        self.timeouts = timeouts
        self.policy = policy
        self.max_body = max_response_size
        self.max_error_body = min(max_response_size, _ERROR_BODY_LIMIT)
        self.max_logins = max_concurrent_logins
        self.sleep = sleep
        self.clock = clock
        self.random = random
        #: The client's opening method, held weakly (a client never closed must be
        #: collected, and warn, when its last reference goes): it opens the client
        #: and this pool on a first call outside ``async with``.
        self._opener = opener
        self.attempt_limit = timeouts.attempt
        #: aiohttp's timers for a whole attempt (the chain's ``attempt_timeout``).
        self.timeout = timeout
        self.urls: dict[str, URL] = {}
        self.http: aiohttp.ClientSession | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.login_slots: asyncio.Semaphore | None = None
        self.closed = False
        self.budget = RetryBudget(policy.budget_capacity)
        self.requests = 0
        self.in_flight = 0
        self.retries = 0
        self.logins = 0
        self.login_failures = 0
        self.relogins = 0
        #: Logins holding one of the ``max_concurrent_logins`` slots now.
        self.logins_in_flight = 0

    def open(self, http: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
        self.http, self.loop = http, loop
        self.login_slots = asyncio.Semaphore(self.max_logins)

    def opener(self) -> None:
        """Open the client; raise if it is closed or belongs to another event loop."""
        open_client = self._opener()
        if open_client is None:
            raise exc.ClientClosedError("this AxigenClient is closed")
        open_client()
