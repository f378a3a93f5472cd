"""The input of a fan-out: accounts pulled lazily, one puller at a time.

Responsibility: wrap the caller's iterable or async iterable of accounts so that
workers pull one account at a time, check each is a ``BulkAccount``, keep what
the input raised for the consumer, and close the iterator at the end.

Must not: read ahead, hold more than the account being pulled, or run operations.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from axigen_async._bulk_results import BulkAccount

__all__ = ["Source"]

_END = object()


class Source:
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
        # One puller at a time: an async generator cannot be advanced twice at once.
        self._lock = asyncio.Lock()
        self.ended = False
        #: What the input raised, if it did; raised to the consumer after the last result.
        self.error: Exception | None = None

    async def pull(self) -> BulkAccount | None:
        """The next account, or None once the input is over (or failed)."""
        async with self._lock:
            if self.ended:
                return None
            try:
                account = await self._next()
            except Exception as error:
                self.error = error
                account = None
            if account is None:
                self.ended = True
            return account

    async def _next(self) -> BulkAccount | None:
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

    async def close(self) -> None:
        """Close the iterator taken from the input, as ``contextlib.aclosing`` would."""
        self.ended = True
        if self._async is not None:
            aclose = getattr(self._async, "aclose", None)
            if aclose is not None:
                await aclose()
        else:
            close = getattr(self._sync, "close", None)
            if close is not None:
                close()
