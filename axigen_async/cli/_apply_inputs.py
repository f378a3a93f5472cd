"""Which ACCOUNTS rows an ``apply`` run works on, in what order, and when.

Responsibility: drop a repeated address (case does not matter) and report it; skip
what a resumed journal has as done (holding for review those done with conflicts);
hold back an account whose last journal entry is a create sent and never answered
(``pending``) or of unknown outcome until the per-call deadline has passed since that
create was sent, working on the other accounts meanwhile; once the run is stopping,
start nothing more but still count every row, so the summary adds up.
Must not: yield an address twice, or yield a held-back account before its time.

Why the wait: a server may still be working on a create whose client went away (a
stopped or killed run). Once the deadline of that call has passed, the client would
have given up on it too, so re-listing then shows whether it took effect, and the
account's apply creates only what is still missing.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping

from axigen_async.bulk import BulkAccount
from axigen_async.cli._accounts import unique_accounts
from axigen_async.cli._apply_summary import ApplySummary
from axigen_async.cli._journal import DONE, FAILED, Recorded
from axigen_async.cli._stop import StopControl

#: Rows counted after a stop between two turns given to the event loop.
_YIELD_EVERY = 1000


class Selection:
    """The rows to run, from the journal's ``previous`` states; counts the others."""

    def __init__(
        self,
        previous: Mapping[str, Recorded],
        summary: ApplySummary,
        control: StopControl,
        *,
        resume: bool,
        wait: float,
        on_repeat: Callable[[BulkAccount], object],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.previous = previous
        self.summary = summary
        self.control = control
        self.resume = resume
        #: Seconds after an unanswered create's send before its account is re-read.
        self.wait = wait
        self.on_repeat = on_repeat
        self.clock = clock
        #: Accounts held back until their time, as (ready at, row number, account).
        self._held: list[tuple[float, int, BulkAccount]] = []

    def _counted(self, rows: Iterable[BulkAccount]) -> Iterable[BulkAccount]:
        def repeated(item: BulkAccount) -> None:
            self.summary.duplicates += 1
            self.on_repeat(item)

        return unique_accounts(rows, repeated)

    async def accounts(self, rows: Iterable[BulkAccount]) -> AsyncIterator[BulkAccount]:
        """The rows to run now, then those held back, each once they are due."""
        for number, item in enumerate(self._counted(rows)):
            recorded = self.previous.get(item.email.lower())
            if not self._to_run(item, recorded):
                continue
            if self.control.stopping:
                self.summary.not_attempted += 1
                if self.summary.not_attempted % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # counting a long rest: let calls in flight run
                continue
            due = self._due(recorded)
            if due > self.clock():
                heapq.heappush(self._held, (due, number, item))
            else:
                yield item
        while self._held:
            due, _number, item = heapq.heappop(self._held)
            if not await self.control.wait_until_stopped(due - self.clock()):
                self.summary.not_attempted += 1 + len(self._held)
                self._held.clear()
                return
            yield item

    def _to_run(self, item: BulkAccount, recorded: Recorded | None) -> bool:
        """Whether the row is to run (now or later); counts it when it is not."""
        if recorded is None or recorded.status == FAILED:
            return True
        if recorded.status != DONE:
            return True  # pending or unknown: re-read (when due)
        if not self.resume:
            return True
        if recorded.conflicts:
            why = "; ".join(recorded.conflicts)
            self.summary.needs_review(item.email, f"done with conflicts in the journal ({why})")
        else:
            self.summary.skipped += 1
        return False

    def _due(self, recorded: Recorded | None) -> float:
        if recorded is None or recorded.status in (DONE, FAILED) or recorded.sent_at is None:
            return 0.0
        return recorded.sent_at + self.wait
