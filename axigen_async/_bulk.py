"""The bulk fan-out engine: one operation over many accounts, one result per account.

Responsibility: run the caller's operation once per account in that account's own
session, with a bounded pool of workers in one :class:`asyncio.TaskGroup` pulling
accounts from a single lazy iterator, and hand each result to the consumer through
a bounded queue, so memory follows the concurrency, never the number of accounts.
An :class:`AxigenError` (or an exception type the caller declares) is that account's
result; any other exception is a bug and ends the run. When the server looks down,
or the client is closed, the engine stops starting accounts.

Must not: send anything itself (the sessions do), create a task outside its task
group, or log or keep a secret: results name accounts by address only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from asyncio import CancelledError
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from types import TracebackType
from typing import Generic, Self, TypeVar

from axigen_async._bulk_errors import (
    ErrorTypes,
    captures,
    closed_client_error,
    first_of,
    is_connect_error,
    server_down_stop,
)
from axigen_async._bulk_results import (
    BulkAccount,
    BulkResult,
    Failed,
    NotAttempted,
    Progress,
    Succeeded,
)
from axigen_async._bulk_source import Source
from axigen_async._client import AxigenClient
from axigen_async._session import AccountSession
from axigen_async.exceptions import AxigenError, ServerUnavailableError

__all__ = ["BulkRun", "fan_out", "is_connect_error"]

T = TypeVar("T")

logger = logging.getLogger("axigen_async")

#: Put on the queue by the last worker to end: the consumer has every result.
_END = object()


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
        errors: ErrorTypes,
        stop_after_connect_failures: int | None,
        is_server_down_error: Callable[[BaseException], bool],
        on_progress: Callable[[Progress], object] | None,
        clock: Callable[[], float],
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if stop_after_connect_failures is not None and stop_after_connect_failures < 1:
            raise ValueError("stop_after_connect_failures must be at least 1, or None")
        for error_type in errors:
            if not (isinstance(error_type, type) and issubclass(error_type, Exception)):
                raise TypeError(f"errors must be Exception subclasses, not {error_type!r}")
        self._client = client
        self._source = Source(accounts)
        self._operation = operation
        self._concurrency = concurrency
        self._captured: ErrorTypes = (AxigenError, *errors)
        self._stop_after = stop_after_connect_failures
        self._is_server_down = is_server_down_error
        self._on_progress = on_progress
        self._clock = clock
        # A bounded queue: a slow consumer stops the workers, so memory stays bounded.
        self._queue: asyncio.Queue[BulkResult[T] | object] = asyncio.Queue(concurrency)
        self._group: asyncio.TaskGroup | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._live_workers = 0
        self._entered = False
        # Set when the run cancels its workers: the consumer left the block (closing),
        # or a worker's bug made the task group cancel the others (broken). The run's
        # own record, because on Python 3.11 a task's cancelling() count can stay
        # raised after an operation's own TaskGroup was done with it.
        self._closing = False
        self._broken = False
        self._finished = False
        self._stopped: ServerUnavailableError | None = None
        self._closed_error: AxigenError | None = None
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
        """Why the fan-out stopped starting accounts because the server looked down."""
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

    @property
    def workers(self) -> int:
        """Worker tasks running right now (at most the concurrency)."""
        return self._live_workers

    # --- the consumer's side -----------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a fan-out runs once; call fan_out() again")
        if self._client.closed:
            raise RuntimeError("this AxigenClient is closed; create a new one")
        self._entered = True
        self._started = self._clock()
        group = asyncio.TaskGroup()
        await group.__aenter__()
        self._group = group
        self._spawn()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Cancel the workers still running and wait for them (their sessions close).

        The task group waits for every worker, even when cancelled again meanwhile.
        A worker's bug, or the block's own exception, propagates as itself (the
        first of them when there are several).
        """
        self._closing = True
        for task in self._workers:
            task.cancel()
        group = self._group
        assert group is not None
        raised: BaseExceptionGroup[BaseException] | None = None
        try:
            await group.__aexit__(exc_type, exc_value, traceback)
        except BaseExceptionGroup as errors:
            raised = errors
        finally:
            self._workers.clear()
            await self._source.close()
        if raised is not None:
            raise first_of(raised)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BulkResult[T]:
        if not self._entered or self._closing:
            raise RuntimeError("iterate inside 'async with fan_out(...) as results:'")
        if self._finished:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is _END:
            self._finished = True
            if self._source.error is not None:
                raise self._source.error
            raise StopAsyncIteration
        result: BulkResult[T] = item  # type: ignore[assignment]
        if isinstance(result, Succeeded):
            self._succeeded += 1
        elif isinstance(result, Failed):
            self._failed += 1
        else:
            self._not_attempted += 1
        if self._on_progress is not None:
            self._on_progress(self.progress())
        return result

    # --- the workers -------------------------------------------------------------

    def _spawn(self) -> None:
        assert self._group is not None
        task = self._group.create_task(
            self._work(), name=f"axigen-fan-out-worker-{len(self._workers) + 1}"
        )
        self._workers.append(task)
        # Counted from its creation, so a worker that has not run yet keeps the end away.
        self._live_workers += 1

    async def _work(self) -> None:
        try:
            while (account := await self._source.pull()) is not None:
                # Grow the pool one worker per account pulled, up to the concurrency,
                # so a short input never starts more workers than it needs.
                if len(self._workers) < self._concurrency and not self._stopping:
                    self._spawn()
                result = await self._run_one(account)
                if self._stopping:
                    # Cancelled meanwhile, and the operation swallowed it: end anyway.
                    raise asyncio.CancelledError
                await self._queue.put(result)
        except asyncio.CancelledError:
            raise
        except BaseException:
            # A bug: the task group now cancels the other workers.
            self._broken = True
            raise
        finally:
            self._live_workers -= 1
        if self._live_workers == 0:
            await self._queue.put(_END)

    async def _run_one(self, account: BulkAccount) -> BulkResult[T]:
        reason = self._reason_to_skip()
        if reason is not None:
            return NotAttempted(account, reason)
        session = self._client.session(account.credentials, label=account.email)
        clock = self._clock
        self._in_flight += 1
        started = clock()
        try:
            async with session:
                value = await self._operation(session)
        except (Exception, asyncio.CancelledError) as error:
            if isinstance(error, asyncio.CancelledError) and self._stopping:
                raise
            if isinstance(error, Exception) and captures(error, self._captured):
                result: BulkResult[T] = Failed(
                    account, error, attempts=session.requests_attempted, elapsed=clock() - started
                )
            elif not (self._client.closed and isinstance(error, RuntimeError | CancelledError)):
                if isinstance(error, asyncio.CancelledError):
                    # Re-raised as is, it would end the worker as if cancelled: the
                    # task group ignores that, and the account would go unreported.
                    raise RuntimeError(
                        "the fan-out's operation raised CancelledError, but nobody cancelled it"
                    ) from error
                raise
            else:
                # Closing the client under a call makes it raise whatever aiohttp chose
                # (RuntimeError, or a CancelledError though nobody cancelled this task):
                # the account failed because the client is gone (anything else: a bug).
                result = Failed(
                    account,
                    self._closed(),
                    attempts=session.requests_attempted,
                    elapsed=clock() - started,
                )
        else:
            result = Succeeded(
                account, value, attempts=session.requests_attempted, elapsed=clock() - started
            )
        finally:
            self._in_flight -= 1
        if isinstance(result, Failed):
            self._watch_server(result.error)
        else:
            self._consecutive = 0
        return result

    @property
    def _stopping(self) -> bool:
        """Whether the run is cancelling its workers."""
        return self._closing or self._broken

    def _closed(self) -> AxigenError:
        if self._closed_error is None:
            self._closed_error = closed_client_error()
        return self._closed_error

    def _reason_to_skip(self) -> AxigenError | None:
        if self._stopped is not None:
            return self._stopped
        if self._client.closed:
            return self._closed()
        return None

    def _watch_server(self, error: Exception) -> None:
        """Count consecutive server-down failures; stop starting accounts at the limit."""
        if error is self._closed_error or not self._is_server_down(error):
            self._consecutive = 0
            return
        self._consecutive += 1
        limit = self._stop_after
        if limit is None or self._consecutive < limit or self._stopped is not None:
            return
        self._stopped = server_down_stop(self._consecutive, self._client.base_url, error)
        logger.warning("%s", self._stopped)


def fan_out(
    client: AxigenClient,
    accounts: Iterable[BulkAccount] | AsyncIterable[BulkAccount],
    operation: Callable[[AccountSession], Awaitable[T]],
    *,
    concurrency: int = 50,
    errors: ErrorTypes = (),
    stop_after_connect_failures: int | None = 20,
    is_server_down_error: Callable[[BaseException], bool] = is_connect_error,
    on_progress: Callable[[Progress], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> BulkRun[T]:
    """Run ``operation`` once per account, at most ``concurrency`` at a time::

        async with fan_out(client, accounts, account.get_info, concurrency=50) as results:
            async for result in results:
                match result:
                    case Succeeded(value=info):
                        print(result.account.email, info.quota_used_percent)
                    case Failed(error=error) | NotAttempted(error=error):
                        print(result.account.email, result.outcome.value, error)
            if results.stopped_reason is not None:
                print(results.stopped_reason)

    Each account runs as ``async with client.session(credentials, label=email) as s:
    await operation(s)``, so ``s.label`` is the account's address even for a Bearer token.
    Every account the input yields is reported exactly once, in completion order,
    as a :class:`Succeeded`, :class:`Failed` or :class:`NotAttempted`.

    An :class:`AxigenError` from the operation (or the account's login), or an
    exception of one of the ``errors`` types, is that account's :class:`Failed`
    result; so is an exception raised ``from`` one of those (``raise
    MyError(...) from axigen_error``: a wrapper keeps what it wraps). Any other
    exception is a bug: the operations still running are cancelled, and it
    propagates out of the ``async with`` block as itself (cancelling the block's
    body, as :class:`asyncio.TaskGroup` does); when several operations fail at
    once, the first error propagates with a note naming the others. An operation
    that raises ``CancelledError`` without being cancelled is such a bug, raised
    as :class:`RuntimeError`.

    The input is pulled lazily: at most ``2 * concurrency`` accounts are held at once
    (running, or finished and waiting for the consumer), whatever its length.

    Once ``stop_after_connect_failures`` accounts in a row failed with an error for
    which ``is_server_down_error`` is true (by default a :class:`ConnectError`), no
    account is started any more: those in flight finish and are reported, and each
    remaining account is reported :class:`NotAttempted` with one shared
    :class:`ServerUnavailableError`, also in ``results.stopped_reason``. Any other
    outcome resets the count. None turns the stop off.

    If the client is closed while the fan-out runs, the operations it interrupts
    are :class:`Failed` and every remaining account is :class:`NotAttempted`, both
    with one shared error saying so (the client's ``ClientClosedError`` where it
    has one); the consumer never receives a ``CancelledError`` for it.

    ``on_progress`` is called with a :class:`Progress` after every result, in the
    consumer's task; what it raises propagates. Leaving the block early (``break``,
    an exception, cancellation) cancels the operations still running and waits for
    their sessions to close. The iterator taken from ``accounts`` is closed at the end.

    Raises:
        ValueError: ``concurrency`` or ``stop_after_connect_failures`` is below 1.
        TypeError: ``accounts`` is not iterable, or ``errors`` holds something other
            than an ``Exception`` subclass; or, after the last result, the input
            yielded something other than a :class:`BulkAccount`.
        RuntimeError: the client is closed, or the run is iterated outside its block.
        Exception: whatever the input iterator raised, after the results of the
            accounts it had yielded; and any bug of the operation, as above.
    """
    return BulkRun(
        client,
        accounts,
        operation,
        concurrency=concurrency,
        errors=errors,
        stop_after_connect_failures=stop_after_connect_failures,
        is_server_down_error=is_server_down_error,
        on_progress=on_progress,
        clock=clock,
    )
