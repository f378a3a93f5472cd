"""The ``apply`` command: fan the apply operation out, journal each outcome, summarize.

Responsibility: check the SPEC and the flags before anything is sent, skip what a
resumed journal has as done (listing again those done with conflicts, and holding
back those unknown), record every attempted account's outcome durably, print dry-run
plans, the summary, and the stop reason once; an ACCOUNTS row found malformed midway
is reported after the summary of the accounts before it.
Must not: re-send anything for an account whose outcome is unknown, journal an account
never attempted (a later ``--resume`` must run it), or write a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from axigen_async.bulk import BulkAccount, BulkResult, Outcome, ServerUnavailableError, fan_out
from axigen_async.cli._accounts import AccountsError
from axigen_async.cli._apply import (
    ApplyResult,
    Change,
    PartialApplyError,
    is_server_down,
    make_operation,
)
from axigen_async.cli._apply_summary import ApplySummary
from axigen_async.cli._audit import error_fields
from axigen_async.cli._command_inputs import check_concurrency, open_accounts
from axigen_async.cli._common import EXIT_FAILED, EXIT_OK, Streams, UsageError, build_client
from axigen_async.cli._journal import (
    DONE,
    FAILED,
    UNKNOWN,
    Journal,
    JournalError,
    Recorded,
    read_journal,
)
from axigen_async.cli._login_guard import LoginGuard, not_started
from axigen_async.cli._progress import make_progress
from axigen_async.cli._spec import Spec, SpecError, load_spec
from axigen_async.exceptions import AmbiguousWriteError


def _outcome(result: BulkResult[ApplyResult]) -> dict[str, Any]:
    """The journal entry of an attempted account (no secret: email, status, changes, error)."""
    entry: dict[str, Any] = {"email": result.account.email}
    if result.outcome is Outcome.OK:
        assert result.value is not None
        entry.update(
            status=DONE,
            changes=[change.as_json() for change in result.value.changes],
            conflicts=list(result.value.conflicts),
            error=None,
        )
        return entry
    error = result.error
    changes: tuple[Change, ...] = ()
    if isinstance(error, PartialApplyError):
        changes, error = error.changes, error.error
    status = UNKNOWN if isinstance(error, AmbiguousWriteError) else FAILED
    entry.update(
        status=status,
        changes=[change.as_json() for change in changes],
        conflicts=[],
        error=error_fields(error),
    )
    return entry


def _check_flags(args: argparse.Namespace) -> None:
    check_concurrency(args.concurrency)
    if args.resume and not args.journal:
        raise UsageError("--resume needs --journal FILE")
    if args.dry_run and args.journal:
        raise UsageError("--dry-run writes nothing, not even a journal: drop --journal")


def _filtered(
    accounts: Iterable[BulkAccount],
    previous: Mapping[str, Recorded],
    summary: ApplySummary,
) -> Iterator[BulkAccount]:
    """The accounts still to run; records the skipped and held-back ones in ``summary``."""
    for item in accounts:
        recorded = previous.get(item.email.lower())
        if recorded is None or recorded.status == FAILED:
            yield item
        elif recorded.status == DONE:
            summary.skipped += 1
            if recorded.conflicts:
                why = "; ".join(recorded.conflicts)
                summary.needs_review(item.email, f"done with conflicts in the journal ({why})")
        else:
            summary.needs_review(
                item.email, "the journal has its outcome as unknown; check it, not re-sent"
            )


class _OverridesSeen:
    """Which of the SPEC's per-account addresses the input named (a bounded set)."""

    def __init__(self, spec: Spec) -> None:
        self._wanted = spec.overrides
        self._seen: set[str] = set()

    def track(self, accounts: Iterable[BulkAccount]) -> Iterator[BulkAccount]:
        for item in accounts:
            key = item.email.lower()
            if key in self._wanted:
                self._seen.add(key)
            yield item

    @property
    def missing(self) -> int:
        return len(self._wanted) - len(self._seen)


class _Consumer:
    """Takes each result: journal it (off the event loop), count it, print its line."""

    def __init__(
        self, journal: Journal | None, summary: ApplySummary, dry_run: bool, streams: Streams
    ) -> None:
        self.journal = journal
        self.summary = summary
        self.dry_run = dry_run
        self.streams = streams

    async def take(self, result: BulkResult[ApplyResult]) -> None:
        if result.outcome is Outcome.NOT_ATTEMPTED or not_started(result):
            # Not journaled, so a --resume runs it; the stop reason is printed once.
            self.summary.not_attempted += 1
            return
        entry = _outcome(result)
        if self.journal is not None:
            # Durable before the account counts; the fsync must not block the loop.
            await asyncio.to_thread(self.journal.record, entry)
        self.summary.count(entry)
        _print_account(entry, self.dry_run, self.streams)


async def run_apply_command(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    """``axigen-async apply``: see the command's help. Returns the exit status.

    Raises:
        UsageError: a bad SPEC, flag or journal.
        AccountsError: a malformed ACCOUNTS row (after the summary of those before it).
    """
    _check_flags(args)
    try:
        spec = load_spec(args.spec)
    except SpecError as error:
        raise UsageError(f"SPEC {error}") from None
    accounts, total = open_accounts(args)
    try:
        previous = read_journal(args.journal) if args.resume else {}
    except JournalError as error:
        raise UsageError(f"--journal: {error}") from None
    summary = ApplySummary()
    overrides = _OverridesSeen(spec)
    to_run = _filtered(overrides.track(accounts), previous, summary)
    display = make_progress(
        streams.err, None if previous else total, quiet=args.quiet, description="applying"
    )
    journal = Journal(args.journal) if args.journal else None
    consumer = _Consumer(journal, summary, args.dry_run, streams)
    guard = LoginGuard(args.max_login_failures)
    input_error: AccountsError | None = None
    try:
        async with build_client(args, streams, client_options) as client:
            with contextlib.ExitStack() as stack:
                stack.enter_context(display)
                if journal is not None:
                    stack.enter_context(journal)
                async with fan_out(
                    client,
                    to_run,
                    guard.wrap(make_operation(spec, dry_run=args.dry_run)),
                    concurrency=args.concurrency,
                    is_server_down_error=is_server_down,
                    on_progress=display.update,
                ) as results:
                    try:
                        async for result in results:
                            await consumer.take(result)
                    except AccountsError as error:
                        input_error = error
                    stopped = results.stopped_reason or guard.stopped
    except JournalError as error:
        raise UsageError(f"--journal: {error}") from None
    _print_end(args, summary, stopped, streams)
    if input_error is not None:
        raise AccountsError(f"{input_error} (the accounts before it were processed)")
    if overrides.missing:
        print(
            f"warning: {overrides.missing} of the SPEC's per-account entries name an "
            "address that is not in ACCOUNTS; they were not used",
            file=streams.err,
        )
    return EXIT_OK if summary.all_done else EXIT_FAILED


def _print_end(
    args: argparse.Namespace,
    summary: ApplySummary,
    stopped: ServerUnavailableError | None,
    streams: Streams,
) -> None:
    for line in summary.lines(dry_run=args.dry_run):
        print(line, file=streams.out)
    if args.journal:
        print(f"Journal: {args.journal}", file=streams.out)
    if stopped is not None:
        print(f"Stopped: {stopped.message}", file=streams.out)
    if summary.not_attempted:
        again = "with --resume " if args.journal else ""
        print(
            f"{summary.not_attempted} accounts were not attempted; run again {again}to do them",
            file=streams.out,
        )
    streams.out.flush()


def _print_account(entry: dict[str, Any], dry_run: bool, streams: Streams) -> None:
    """A line per account with planned changes (dry run) or a failure."""
    email = entry["email"]
    if entry["error"] is not None and entry["status"] == FAILED:
        error = entry["error"]
        print(f"FAILED {email}: {error['kind']}: {error['message']}", file=streams.out)
    elif dry_run and entry["changes"]:
        planned = "; ".join(f"{c['kind']} {c['detail']}" for c in entry["changes"])
        print(f"PLAN {email}: {planned}", file=streams.out)
