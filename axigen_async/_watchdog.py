"""Time limits for many attempts at once, on one event-loop timer.

aiohttp's own total timeout arms a loop timer per request: a handle, a heap
push ordered by Python-level comparisons, a cancel and a cleanup. Measured on
a busy loop that is about a tenth of a request's CPU. The attempts of one
client instead register here; one timer, set for the earliest limit, wakes
when an attempt may be overdue and cancels the task running it, the way
``asyncio.timeout`` does, so the caller can tell its own timeout from any other
cancellation. No I/O.
"""

from __future__ import annotations

import asyncio
import math
from typing import Final

__all__ = ["RECHECK_DELAY", "Watch", "Watchdog"]

#: How long an overdue attempt that someone else is cancelling is given to end
#: before the watchdog looks at it again.
RECHECK_DELAY: Final = 0.05


class Watch:
    """One attempt under the watchdog, from :meth:`Watchdog.watch` to :meth:`Watchdog.release`."""

    __slots__ = ("cancelling", "expired", "expires", "task")

    def __init__(self, task: asyncio.Task[object], expires: float) -> None:
        self.task = task
        #: Loop time after which the attempt is cancelled.
        self.expires = expires
        #: Whether the watchdog cancelled the task for this attempt.
        self.expired = False
        #: Cancellation requests the task already had when the attempt began.
        self.cancelling = task.cancelling()

    def timed_out(self) -> bool:
        """In ``except CancelledError``: True if the cancellation was this timeout alone.

        Withdraws the watchdog's own cancellation request; False means someone
        else cancelled the task as well, and the ``CancelledError`` must go on.
        """
        return self.expired and self.task.uncancel() <= self.cancelling


class Watchdog:
    """Cancels attempts that outlive their limit; one per client and event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._watched: dict[Watch, None] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def watch(self, limit: float) -> Watch:
        """Start watching the current task's attempt: cancel it ``limit`` seconds from now."""
        task = asyncio.current_task(self._loop)
        if task is None:
            raise RuntimeError("an API call must run in an asyncio task")
        watch = Watch(task, self._loop.time() + limit)
        self._watched[watch] = None
        if watch.expires < self._timer_at:
            self._set_timer(watch.expires)
        return watch

    def release(self, watch: Watch) -> None:
        """Stop watching (the attempt ended, however it ended)."""
        self._watched.pop(watch, None)

    @property
    def watching(self) -> int:
        return len(self._watched)

    def _set_timer(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(when, self._sweep)
        self._timer_at = when

    def _sweep(self) -> None:
        """Expire every overdue attempt (a step later); set the timer for the next limit."""
        self._timer, self._timer_at = None, math.inf
        now = self._loop.time()
        earliest = math.inf
        for watch in self._watched:
            if watch.expired:
                continue
            if watch.expires <= now:
                self._loop.call_soon(self._expire, watch)
            elif watch.expires < earliest:
                earliest = watch.expires
        if earliest < math.inf:
            self._set_timer(earliest)

    def _expire(self, watch: Watch) -> None:
        """Cancel an overdue attempt, unless something else is already ending it.

        Run one loop step after the sweep, so every timer due in the same step has
        fired first: when aiohttp's connect timer (due a tick earlier, but both
        late after the loop stalled) is cancelling the task, its timeout must end
        the attempt, as "not sent"; a second cancellation would turn it into
        ours, "may have been sent". Likewise the caller's own cancellation wins.
        If the attempt goes on regardless, it is looked at again a tick later.
        """
        if watch.expired or watch not in self._watched:
            return  # the attempt ended meanwhile
        if watch.task.cancelling() > watch.cancelling:
            recheck = self._loop.time() + RECHECK_DELAY
            if recheck < self._timer_at:
                self._set_timer(recheck)
            return
        watch.expired = True
        watch.task.cancel()
