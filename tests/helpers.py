"""Helpers shared by the test modules: a bounded wait for a condition.

Responsibility: let a test wait for something to become true without a fixed
sleep, and fail clearly when it never does.

Must not: hold fixtures or state, or wait without a bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 - a poll's bound, not a cancel scope
    interval: float = 0.01,
) -> None:
    """Return once ``predicate()`` is true, polling it every ``interval`` seconds.

    For conditions no event announces (a server's counter, a pool's state). The
    predicate is checked at once, so a condition already true costs no wait; the
    loop is bounded in time and in polls.

    Raises:
        AssertionError: ``predicate()`` was still false after ``timeout`` seconds.
    """
    loop = asyncio.get_running_loop()
    ends = loop.time() + timeout
    for _ in range(int(timeout / interval) + 2):
        if predicate():
            return
        if loop.time() >= ends:
            break
        await asyncio.sleep(interval)
    if not predicate():
        raise AssertionError(f"the condition was still false after {timeout:g} s: {predicate}")


def wait_until_sync(
    predicate: Callable[[], object], *, timeout: float = 5.0, interval: float = 0.01
) -> None:
    """``wait_until`` for synchronous tests (a child process's output, a file it writes).

    The same bound in time and polls.

    Raises:
        AssertionError: ``predicate()`` was still false after ``timeout`` seconds.
    """
    ends = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        if predicate():
            return
        if time.monotonic() >= ends:
            break
        time.sleep(interval)
    if not predicate():
        raise AssertionError(f"the condition was still false after {timeout:g} s: {predicate}")
