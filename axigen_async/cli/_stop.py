"""Stopping an ``apply`` run on SIGTERM or SIGINT: no new account, a grace, then cancel.

Responsibility: on the first SIGTERM or SIGINT, mark the run as stopping (no account
is started any more), give the accounts in flight ``grace`` seconds, then cancel the
work of those still running so each can be journaled; remember which signal came
(exit status 128 + its number); let the runner wait for a time unless stopped.
Must not: cancel anything but the account work it was given to run, or outlive the
run (``uninstall`` gives the loop's owner its own handling back).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Seconds the accounts in flight get after a signal before their work is cancelled.
GRACE_SECONDS = 2.0
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StoppedBySignal(Exception):
    """The account's work was cancelled after the grace period of a stop."""


class StopControl:
    """The stop state of one run; ``install`` it on the running loop."""

    def __init__(self, grace: float = GRACE_SECONDS) -> None:
        self.grace = grace
        self.signal: int | None = None
        self._stopping = asyncio.Event()
        self._cancelling = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._installed: list[int] = []
        self._timer: asyncio.TimerHandle | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def exit_status(self) -> int | None:
        """128 + the signal's number (143 for SIGTERM, 130 for SIGINT), or None."""
        return None if self.signal is None else 128 + self.signal

    def install(self) -> None:
        """Handle SIGTERM and SIGINT on the running loop (where the platform allows)."""
        loop = asyncio.get_running_loop()
        for signum in _SIGNALS:
            # Not in the main thread, or no signals on this platform: run without.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, self.stop, signum)
                self._installed.append(signum)

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in self._installed:
            loop.remove_signal_handler(signum)
        self._installed.clear()
        if self._timer is not None:
            self._timer.cancel()

    def stop(self, signum: int) -> None:
        """Start stopping (a second signal changes nothing: the grace is already short)."""
        if self.stopping:
            return
        self.signal = signum
        self._stopping.set()
        self._timer = asyncio.get_running_loop().call_later(self.grace, self._cancel_work)

    def _cancel_work(self) -> None:
        self._cancelling = True
        for task in self._tasks:
            task.cancel()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` as a task the stop may cancel after its grace.

        Raises:
            StoppedBySignal: the stop cancelled it (a cancellation of the caller
                itself propagates as usual).
        """
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            ours = self._cancelling and task.cancelled()
            if ours and (current is None or current.cancelling() == 0):
                raise StoppedBySignal from None
            raise
        finally:
            self._tasks.discard(task)

    async def wait_until_stopped(self, seconds: float) -> bool:
        """Wait ``seconds`` or until the stop; True when the time passed unstopped."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self.stopping
