"""One apply run's journal entries: what each result, create and repeated row writes.

Responsibility: turn a fan-out result into its journal entry (no secret: the email,
status, changes, conflicts, restrictions, error kind and message, and for an unknown
outcome the create in flight with its time), journal a create before it is sent and
each repeated ACCOUNTS row, say what the re-read of an account with an earlier
unanswered create found, count each entry in the summary and print its line.
Must not: journal an account never attempted, block the event loop on an fsync, or
write a secret.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from axigen_async.bulk import BulkAccount, BulkResult, Outcome
from axigen_async.cli._apply import ApplyResult, Change, InFlight, Interrupted, PartialApplyError
from axigen_async.cli._apply_summary import ApplySummary
from axigen_async.cli._audit import error_fields
from axigen_async.cli._common import Streams
from axigen_async.cli._journal import (
    DONE,
    DUPLICATE,
    FAILED,
    PENDING,
    UNKNOWN,
    Journal,
    Recorded,
)
from axigen_async.cli._login_guard import not_started
from axigen_async.exceptions import AmbiguousWriteError

#: Duplicate rows named on stderr; more are only counted.
_REPEATS_NAMED = 20


def outcome_entry(result: BulkResult[ApplyResult]) -> dict[str, Any] | None:
    """The journal entry of an attempted account (no secret), or None when not attempted."""
    entry: dict[str, Any] = {"email": result.account.email}
    if result.outcome is Outcome.OK:
        assert result.value is not None
        entry.update(
            status=DONE,
            changes=[change.as_json() for change in result.value.changes],
            conflicts=list(result.value.conflicts),
            restricted=list(result.value.restricted),
            error=None,
        )
        return entry
    error = result.error
    changes: tuple[Change, ...] = ()
    in_flight: InFlight | None = None
    if isinstance(error, Interrupted):
        if error.in_flight is None:
            return None  # stopped with no create in flight: --resume runs it again
        changes, in_flight = error.changes, error.in_flight
        status, fields = UNKNOWN, {"kind": "Interrupted", "message": "stopped by a signal"}
    else:
        if isinstance(error, PartialApplyError):
            changes, in_flight, error = error.changes, error.in_flight, error.error
        status = UNKNOWN if isinstance(error, AmbiguousWriteError) else FAILED
        fields = error_fields(error)
    entry.update(
        status=status,
        changes=[change.as_json() for change in changes],
        conflicts=[],
        error=fields,
    )
    if status == UNKNOWN and in_flight is not None:
        entry["write"] = f"{in_flight.change.kind} {in_flight.change.detail}"
        entry["sentAt"] = iso(in_flight.sent_at)
    return entry


def iso(posix: float) -> str:
    return datetime.fromtimestamp(posix, UTC).isoformat()


class Consumer:
    """Takes each result: journal it (off the event loop), count it, print its line."""

    def __init__(
        self,
        journal: Journal | None,
        summary: ApplySummary,
        previous: Mapping[str, Recorded],
        dry_run: bool,
        streams: Streams,
    ) -> None:
        self.journal = journal
        self.summary = summary
        self.previous = previous
        self.dry_run = dry_run
        self.streams = streams
        self.repeats: deque[dict[str, Any]] = deque()

    def repeated(self, item: BulkAccount) -> None:
        """A duplicate row: warn (a bounded number of times) and journal it later."""
        if self.summary.duplicates <= _REPEATS_NAMED:
            print(
                f"warning: {item.email} repeats an earlier row (case does not matter); "
                "it is processed once",
                file=self.streams.err,
            )
        self.repeats.append({"email": item.email, "status": DUPLICATE})

    async def before_write(self, email: str, write: InFlight) -> None:
        """Journal a create durably before it is sent."""
        if self.journal is not None:
            entry = {
                "email": email,
                "status": PENDING,
                "write": f"{write.change.kind} {write.change.detail}",
                "sentAt": iso(write.sent_at),
            }
            await asyncio.to_thread(self.journal.record, entry)

    async def flush_repeats(self) -> None:
        while self.repeats:  # bounded by the rows read
            entry = self.repeats.popleft()
            if self.journal is not None:
                await asyncio.to_thread(self.journal.record, entry)

    async def take(self, result: BulkResult[ApplyResult]) -> None:
        await self.flush_repeats()
        entry = (
            None
            if result.outcome is Outcome.NOT_ATTEMPTED or not_started(result)
            else outcome_entry(result)
        )
        if entry is None:
            # Not journaled, so a --resume runs it; the stop reason is printed once.
            self.summary.not_attempted += 1
            return
        self._note_resolution(entry)
        if self.journal is not None:
            # Durable before the account counts; the fsync must not block the loop.
            await asyncio.to_thread(self.journal.record, entry)
        self.summary.count(entry)
        _print_account(entry, self.dry_run, self.streams)

    def _note_resolution(self, entry: dict[str, Any]) -> None:
        """Say what the re-read of an account with an unanswered create found."""
        earlier = self.previous.get(entry["email"].lower())
        if earlier is None or earlier.status not in (PENDING, UNKNOWN) or entry["status"] != DONE:
            return
        write = earlier.write or "a create"
        kind, _, name = write.partition(" ")
        again = any(
            change["kind"] == kind and (kind != "signature.create" or change["detail"] == name)
            for change in entry["changes"]
        )
        found = (
            "it had not taken effect; sent once now"
            if again
            else "re-listed: it had taken effect; not sent again"
        )
        entry["after"] = {"status": earlier.status, "write": write, "found": found}
        self.summary.resolved(entry["email"], f"{write} ({earlier.status}): {found}")


def _print_account(entry: dict[str, Any], dry_run: bool, streams: Streams) -> None:
    """A line per account with planned changes (dry run) or a failure."""
    email = entry["email"]
    if entry["error"] is not None and entry["status"] == FAILED:
        error = entry["error"]
        print(f"FAILED {email}: {error['kind']}: {error['message']}", file=streams.out)
    elif dry_run and entry["changes"]:
        planned = "; ".join(f"{c['kind']} {c['detail']}" for c in entry["changes"])
        print(f"PLAN {email}: {planned}", file=streams.out)
