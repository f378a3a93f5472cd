"""The bulk fan-out engine: one operation over many accounts, one result per account.

A bounded pool of worker tasks pulls accounts from one shared, lazy iterator,
runs the caller's operation in each account's own session, and hands each
result to the consumer through a bounded queue, so memory follows the
concurrency, never the number of accounts. One account's failure is that
account's result; when the server looks down the engine stops starting
accounts and says so once. It sends nothing itself (the sessions do), and never
logs or keeps a secret: results name accounts by address only.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from types import TracebackType
from typing import Generic, Self, TypeVar

from axigen_async._bulk_values import BulkAccount, BulkResult, Outcome, Progress
from axigen_async._client import AxigenClient
from axigen_async._session import AccountSession
from axigen_async.exceptions import (
    AxigenError,
    ConnectError,
    DeadlineExceededError,
    ServerUnavailableError,
)

__all__ = [
    "BulkAccount",
    "BulkResult",
    "BulkRun",
    "Outcome",
    "Progress",
    "ServerUnavailableError",
    "fan_out",
    "is_connect_error",
]

T = TypeVar("T")

logger = logging.getLogger("axigen_async")


def is_connect_error(error: BaseException) -> bool:
    """The default server-down test: the connection could not be opened at all.

    True for :class:`ConnectError`, which includes :class:`ConnectTimeoutError`,
    and for a :class:`DeadlineExceededError` whose call ran out of time while
    still connecting (its ``__cause__`` is then a ``ConnectTimeoutError``).
    """
    if isinstance(error, DeadlineExceededError):
        return isinstance(error.__cause__, ConnectError)
    return isinstance(error, ConnectError)


class _Signal(enum.Enum):
    END = "end"  # every worker is done: the last result was delivered
    WAKE = "wake"  # a worker crashed: the consumer must look at ``_crash``


_END = object()


class _Source:
    """The input, pulled lazily by one worker at a time; an input error ends it."""

    def __init__(self, accounts: Iterable[BulkAccount] | AsyncIterable[BulkAccount]) -> None:
        self._async: AsyncIterator[BulkAccount] | None = None
        self._sync: Iterator[BulkAccount] | None = None
        if isinstance(accounts, AsyncIterable):
            self._async = aiter(accounts)
        elif isinstance(accounts, Iterable):
            self._sync = iter(accounts)
        else:
            raise TypeError(f"accounts must be an iterable or an async iterable, not {accounts!r}")
        self._lock = asyncio.Lock()
        self.ended = False
        #: What the input raised, if it did; raised to the consumer after the last result.
        self.error: Exception | None = None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BulkAccount:
        async with self._lock:
            if self.ended:
                raise StopAsyncIteration
            try:
                account = await self._pull()
            except Exception as error:
                self.error = error
                account = None
            if account is None:
                self.ended = True
                raise StopAsyncIteration
            return account

    async def _pull(self) -> BulkAccount | None:
        if self._async is not None:
            item: object = await anext(self._async, _END)
        else:
            assert self._sync is not None
            item = next(self._sync, _END)
        if item is _END:
            return None
        if isinstance(item, BulkAccount):
            return item
        raise TypeError(f"fan_out accounts must be BulkAccount values, got {type(item).__name__}")

    def end(self) -> None:
        self.ended = True

    async def close(self) -> None:
        """Close the iterator taken from the input, as ``contextlib.aclosing`` would."""
        if self._async is not None:
            aclose = getattr(self._async, "aclose", None)
            if aclose is not None:
                await aclose()
        else:
            close = getattr(self._sync, "close", None)
            if close is not None:
                close()


class BulkRun(Generic[T]):
    """A running fan-out: an async context manager that is the iterator of its results.

    Made by :func:`fan_out`. Results come in completion order, one per account.
    """

    def __init__(
        self,
        client: AxigenClient,
        accounts: Iterable[BulkAccount] | AsyncIterable[BulkAccount],
        operation: Callable[[AccountSession], Awaitable[T]],
        *,
        concurrency: int,
        stop_after_connect_failures: int | None,
        is_server_down_error: Callable[[BaseException], bool],
        on_progress: Callable[[Progress], object] | None,
        clock: Callable[[], float],
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if stop_after_connect_failures is not None and stop_after_connect_failures < 1:
            raise ValueError("stop_after_connect_failures must be at least 1, or None")
        self._client = client
        self._source = _Source(accounts)
        self._operation = operation
        self._concurrency = concurrency
        self._stop_after = stop_after_connect_failures
        self._is_server_down = is_server_down_error
        self._on_progress = on_progress
        self._clock = clock
        # A bounded queue: a slow consumer stops the workers, so memory stays bounded.
        self._queue: asyncio.Queue[BulkResult[T] | _Signal] = asyncio.Queue(concurrency)
        self._workers: set[asyncio.Task[None]] = set()
        self._live_workers = 0
        self._entered = False
        self._closing = False
        self._finished = False
        self._crash: BaseException | None = None
        self._stopped: ServerUnavailableError | None = None
        self._consecutive = 0
        self._started = 0.0
        self._in_flight = 0
        self._succeeded = 0
        self._failed = 0
        self._not_attempted = 0

    def __repr__(self) -> str:
        p = self.progress()
        return f"<BulkRun done={p.done} in_flight={p.in_flight} concurrency={self._concurrency}>"

    @property
    def stopped_reason(self) -> ServerUnavailableError | None:
        """Why the fan-out stopped starting accounts, or None while it has not."""
        return self._stopped

    def progress(self) -> Progress:
        """The counts so far; ``done`` matches the results delivered."""
        elapsed = self._clock() - self._started if self._entered else 0.0
        done = self._succeeded + self._failed + self._not_attempted
        return Progress(
            done=done,
            succeeded=self._succeeded,
            failed=self._failed,
            not_attempted=self._not_attempted,
            in_flight=self._in_flight,
            elapsed=elapsed,
            rate=done / elapsed if elapsed > 0 else 0.0,
        )

    # --- the consumer's side -----------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a fan-out runs once; call fan_out() again")
        if self._client.closed:
            raise RuntimeError("this AxigenClient is closed; create a new one")
        self._entered = True
        self._started = self._clock()
        self._spawn()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Cancel the workers still running and wait for them (their sessions close)."""
        self._closing = True
        self._source.end()
        pending = set(self._workers)
        for task in pending:
            task.cancel()
        # Wait for every worker even when cancelled again meanwhile, as TaskGroup does:
        # leaving at a second cancellation left workers running past the block, their
        # sessions still logging out on a client the caller may close next. A further
        # cancellation is passed on to the workers (cutting their logouts short) and
        # raised once they are done; each one turns the loop once more. The loop ends
        # when the workers do: cancelled, each is bounded by its call's deadline.
        cancelled_again: asyncio.CancelledError | None = None
        while pending:
            try:
                await asyncio.wait(pending)
            except asyncio.CancelledError as error:
                cancelled_again = error
                for task in pending:
                    task.cancel()
            pending = {task for task in pending if not task.done()}
        await self._source.close()
        if cancelled_again is not None:
            raise cancelled_again
        crash = self._crash
        if crash is not None and exc_value is None and not self._finished:
            # A worker failed after the consumer stopped reading: do not let it vanish.
            self._finished = True
            raise crash

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BulkResult[T]:
        if not self._entered or self._closing:
            raise RuntimeError("iterate inside 'async with fan_out(...) as results:'")
        if self._finished:
            raise StopAsyncIteration
        self._raise_crash()
        item = await self._queue.get()
        self._raise_crash()
        if item is _Signal.END:
            self._finished = True
            if self._source.error is not None:
                raise self._source.error
            raise StopAsyncIteration
        assert item is not _Signal.WAKE, "a wake-up always comes with a crash"
        if item.outcome is Outcome.OK:
            self._succeeded += 1
        elif item.outcome is Outcome.FAILED:
            self._failed += 1
        else:
            self._not_attempted += 1
        if self._on_progress is not None:
            self._on_progress(self.progress())
        return item

    def _raise_crash(self) -> None:
        if self._crash is not None:
            self._finished = True
            raise self._crash

    # --- the workers -------------------------------------------------------------

    def _spawn(self) -> None:
        task = asyncio.get_running_loop().create_task(
            self._work(), name=f"axigen-fan-out-worker-{len(self._workers) + 1}"
        )
        self._workers.add(task)
        self._live_workers += 1
        task.add_done_callback(self._worker_done)

    async def _work(self) -> None:
        async for account in self._source:
            # Grow the pool one worker per account pulled, up to the concurrency,
            # so a short input never starts more workers than it needs.
            if len(self._workers) < self._concurrency:
                self._spawn()
            result = await self._run_one(account)
            if self._closing:
                return
            await self._queue.put(result)
        self._live_workers -= 1
        if self._live_workers == 0 and not self._closing:
            await self._queue.put(_Signal.END)

    async def _run_one(self, account: BulkAccount) -> BulkResult[T]:
        if self._stopped is not None:
            return BulkResult(account, Outcome.NOT_ATTEMPTED, error=self._stopped)
        session = self._client.session(account.credentials, label=account.email)
        clock = self._clock
        self._in_flight += 1
        started = clock()
        result: BulkResult[T]
        try:
            async with session:
                value = await self._operation(session)
        except Exception as error:
            result = BulkResult(
                account,
                Outcome.FAILED,
                error=error,
                attempts=session.requests_attempted,
                elapsed=clock() - started,
            )
        else:
            result = BulkResult(
                account,
                Outcome.OK,
                value=value,
                attempts=session.requests_attempted,
                elapsed=clock() - started,
            )
        finally:
            self._in_flight -= 1
        self._watch_server(result)
        return result

    def _watch_server(self, result: BulkResult[T]) -> None:
        """Count consecutive server-down failures; stop starting accounts at the limit."""
        error = result.error
        if error is None or not self._is_server_down(error):
            self._consecutive = 0
            return
        self._consecutive += 1
        limit = self._stop_after
        if limit is None or self._consecutive < limit or self._stopped is not None:
            return
        last = str(error) if isinstance(error, AxigenError) else type(error).__name__
        stopped = ServerUnavailableError(
            f"stopped starting accounts: {self._consecutive} consecutive accounts failed to "
            f"connect to {self._client.base_url}; the server looks down (last error: {last})",
            consecutive_failures=self._consecutive,
        )
        stopped.__cause__ = error
        self._stopped = stopped
        logger.warning("%s", stopped)

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        try:
            task.result()  # also marks the exception as retrieved
        except BaseException as error:
            if self._closing or self._crash is not None:
                return
            # A worker only fails on a stray CancelledError, an exception from the
            # input check or the server-down test, a closed client, or a bug.
            self._crash = error
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(_Signal.WAKE)


def fan_out(
    client: AxigenClient,
    accounts: Iterable[BulkAccount] | AsyncIterable[BulkAccount],
    operation: Callable[[AccountSession], Awaitable[T]],
    *,
    concurrency: int = 50,
    stop_after_connect_failures: int | None = 20,
    is_server_down_error: Callable[[BaseException], bool] = is_connect_error,
    on_progress: Callable[[Progress], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> BulkRun[T]:
    """Run ``operation`` once per account, at most ``concurrency`` at a time::

        async with fan_out(client, accounts, account.get_info, concurrency=50) as results:
            async for result in results:
                print(result.account.email, result.outcome.value)
            if results.stopped_reason is not None:
                print(results.stopped_reason)

    Each account runs as ``async with client.session(credentials, label=email) as s:
    await operation(s)``, so ``s.label`` is the account's address even for a Bearer token.
    Every account the input yields is reported exactly once, in completion order;
    any ``Exception`` from the operation (or the account's login) is that account's
    FAILED result, while ``CancelledError`` and other ``BaseException`` propagate.
    The input is pulled lazily: at most ``2 * concurrency`` accounts are held at once
    (running, or finished and waiting for the consumer), whatever its length.

    Once ``stop_after_connect_failures`` accounts in a row failed with an error for
    which ``is_server_down_error`` is true (by default a :class:`ConnectError`), no
    account is started any more: those in flight finish and are reported, and each
    remaining account is reported NOT_ATTEMPTED with one shared
    :class:`ServerUnavailableError`, also in ``results.stopped_reason``. Any other
    outcome resets the count. None turns the stop off.

    ``on_progress`` is called with a :class:`Progress` after every result, in the
    consumer's task; what it raises propagates. Leaving the block early (``break``,
    an exception, cancellation) cancels the operations still running and waits for
    their sessions to close. The iterator taken from ``accounts`` is closed at the end.

    Raises:
        ValueError: ``concurrency`` or ``stop_after_connect_failures`` is below 1.
        TypeError: ``accounts`` is not iterable; or, after the last result, the
            input yielded something other than a :class:`BulkAccount`.
        RuntimeError: the client is closed, or the run is iterated outside its block.
        Exception: whatever the input iterator raised, after the results of the
            accounts it had yielded.
    """
    return BulkRun(
        client,
        accounts,
        operation,
        concurrency=concurrency,
        stop_after_connect_failures=stop_after_connect_failures,
        is_server_down_error=is_server_down_error,
        on_progress=on_progress,
        clock=clock,
    )
