"""The watchdog that limits attempts: its own timeouts, and nobody else's cancellations."""

from __future__ import annotations

import asyncio

import pytest

from axigen_async._watchdog import Watch, Watchdog

# The attempts below wait on futures that never finish; only a cancellation ends them.


async def _attempt(watchdog: Watchdog, limit: float, watches: list[Watch] | None = None) -> str:
    """Wait forever under the watchdog; say how the wait ended."""
    watch = watchdog.watch(limit)
    if watches is not None:
        watches.append(watch)
    try:
        await asyncio.get_running_loop().create_future()
    except asyncio.CancelledError:
        if not watch.timed_out():
            raise
        return "timed out"
    finally:
        watchdog.release(watch)
    raise AssertionError("unreachable")


async def test_an_attempt_past_its_limit_times_out_and_leaves_no_cancellation() -> None:
    watchdog = Watchdog(asyncio.get_running_loop())
    task = asyncio.ensure_future(_attempt(watchdog, 0.01))
    assert await asyncio.wait_for(task, timeout=5.0) == "timed out"
    assert task.cancelling() == 0
    assert watchdog.watching == 0


async def test_each_attempt_ends_at_its_own_limit_and_not_before() -> None:
    loop = asyncio.get_running_loop()
    watchdog = Watchdog(loop)
    lasted: dict[float, float] = {}

    async def timed(limit: float) -> None:
        started = loop.time()
        assert await _attempt(watchdog, limit) == "timed out"
        lasted[limit] = loop.time() - started

    # Registered longest first: the timer must move earlier for the later ones.
    async with asyncio.timeout(5.0):
        await asyncio.gather(*(timed(limit) for limit in (0.15, 0.1, 0.05, 0.01)))
    assert sorted(lasted) == [0.01, 0.05, 0.1, 0.15]
    assert all(lasted[limit] >= limit for limit in lasted)
    assert watchdog.watching == 0


async def test_someone_else_s_cancellation_goes_through() -> None:
    watchdog = Watchdog(asyncio.get_running_loop())
    task = asyncio.ensure_future(_attempt(watchdog, 60.0))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert watchdog.watching == 0


async def test_a_cancellation_that_races_the_timeout_still_goes_through() -> None:
    loop = asyncio.get_running_loop()
    watchdog = Watchdog(loop)
    watches: list[Watch] = []
    task = asyncio.ensure_future(_attempt(watchdog, 0.01, watches))
    await asyncio.sleep(0)
    # Due at the very time of the watchdog's timer: the other cancellation is
    # already under way when the watchdog acts, so the watchdog leaves it be.
    loop.call_at(watches[0].expires, task.cancel)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(task), timeout=5.0)
    assert not watches[0].expired
    assert watchdog.watching == 0


async def test_a_timeout_is_not_claimed_when_another_cancellation_came_too() -> None:
    task = asyncio.current_task()
    assert task is not None
    watch = Watch(task, 0.0)
    # As when the watchdog cancelled and someone else did as well.
    watch.expired = True
    task.cancel()
    task.cancel()
    try:
        await asyncio.sleep(5.0)
    except asyncio.CancelledError:
        claimed = watch.timed_out()
    assert not claimed
    assert task.cancelling() == 1  # the other cancellation is still pending
    task.uncancel()


async def test_an_outer_timeout_is_not_mistaken_for_the_attempt_s() -> None:
    watchdog = Watchdog(asyncio.get_running_loop())
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await _attempt(watchdog, 60.0)
    assert watchdog.watching == 0


async def test_a_released_attempt_is_never_cancelled() -> None:
    loop = asyncio.get_running_loop()
    watchdog = Watchdog(loop)
    watch = watchdog.watch(0.01)
    watchdog.release(watch)
    await asyncio.sleep(0.05)  # past the limit: nothing is cancelled
    assert not watch.expired
    current = asyncio.current_task()
    assert current is not None
    assert current.cancelling() == 0


def test_a_watch_outside_a_task_is_refused() -> None:
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(RuntimeError, match="asyncio task"):
            Watchdog(loop).watch(1.0)
    finally:
        loop.close()


async def test_a_watch_remembers_the_cancellations_already_pending() -> None:
    task = asyncio.current_task()
    assert task is not None
    assert Watch(task, 0.0).cancelling == task.cancelling()
