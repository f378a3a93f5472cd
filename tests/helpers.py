"""Helpers shared by the test modules: a bounded wait for a condition.

Responsibility: let a test wait for something to become true without a fixed
sleep, and fail clearly when it never does.

Must not: hold fixtures or state, or wait without a bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


# The signature is the one the whole suite shares; a timeout argument reads better in
# a test than an asyncio.timeout block around every call.
async def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float = 5.0,  # noqa: ASYNC109
    interval: float = 0.01,
) -> None:
    """Return once ``predicate()`` is true; poll it every ``interval`` seconds.

    The predicate is checked first at once, so a condition already true costs no
    wait. Bounded in time: after ``timeout`` seconds it raises.

    Raises:
        AssertionError: ``predicate()`` was still false after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"the condition was still false after {timeout} s: {predicate}")
        await asyncio.sleep(interval)
