"""Helpers shared by the test modules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 - a poll's bound, not a cancel scope
    interval: float = 0.01,
) -> None:
    """Poll ``predicate`` until it holds; AssertionError after ``timeout`` seconds.

    For conditions no event announces (a server's counter, a pool's state); the
    loop is bounded in time and in polls.
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
        raise AssertionError(f"the condition did not hold within {timeout:g} s")


def wait_until_sync(
    predicate: Callable[[], bool], *, timeout: float = 5.0, interval: float = 0.01
) -> None:
    """``wait_until`` for synchronous tests (a child process's output, a file it writes).

    The same bound in time and polls; AssertionError after ``timeout`` seconds.
    """
    ends = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        if predicate():
            return
        if time.monotonic() >= ends:
            break
        time.sleep(interval)
    if not predicate():
        raise AssertionError(f"the condition did not hold within {timeout:g} s")
