"""The ``apply`` command: fan the apply operation out, journal each outcome, summarize.

Responsibility: check the SPEC and the flags before anything is sent, skip what a
resumed journal has as done (and hold back what it has as unknown), record every
account's outcome durably, print dry-run plans, and print the summary.
Must not: re-send anything for an account whose outcome is unknown, or write a secret.
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from axigen_async.bulk import BulkAccount, BulkResult, Outcome, fan_out
from axigen_async.cli._apply import ApplyResult, Change, PartialApplyError, make_operation
from axigen_async.cli._audit import error_fields
from axigen_async.cli._commands import check_concurrency, open_accounts
from axigen_async.cli._common import EXIT_FAILED, EXIT_OK, Streams, UsageError, build_client
from axigen_async.cli._journal import DONE, FAILED, UNKNOWN, Journal, JournalError, read_journal
from axigen_async.cli._progress import make_progress
from axigen_async.cli._spec import SpecError, load_spec
from axigen_async.exceptions import AmbiguousWriteError

#: Accounts needing review listed by name in the summary; more are only counted.
REVIEW_LIST_LIMIT = 200


class ApplySummary:
    """Counters of one apply run (and the short list of accounts needing review)."""

    def __init__(self) -> None:
        self.changed = 0
        self.unchanged = 0
        self.failed_kinds: Counter[str] = Counter()
        self.skipped = 0
        self.review_count = 0
        self.review: list[str] = []
        self.changes: Counter[str] = Counter()

    @property
    def failed(self) -> int:
        return sum(self.failed_kinds.values())

    def needs_review(self, email: str, why: str) -> None:
        self.review_count += 1
        if len(self.review) < REVIEW_LIST_LIMIT:
            self.review.append(f"{email}: {why}")

    def lines(self, *, dry_run: bool) -> list[str]:
        verb = "would change" if dry_run else "changed"
        out = [
            f"Accounts: {self.changed} {verb}, {self.unchanged} unchanged, "
            f"{self.failed} failed, {self.review_count} need review, "
            f"{self.skipped} skipped (done in the journal)"
        ]
        if self.changes:
            out.append("Planned changes by kind:" if dry_run else "Changes by kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.changes.items()))
        if self.failed_kinds:
            out.append("Failed by error kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.failed_kinds.items()))
        if self.review_count:
            out.append("Needing review:")
            out.extend(f"  {line}" for line in self.review)
            if self.review_count > len(self.review):
                out.append(f"  ... and {self.review_count - len(self.review)} more")
        return out


def _outcome(result: BulkResult[ApplyResult]) -> dict[str, Any]:
    """The journal entry of one result (no secret: email, status, changes, error)."""
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


def _count(entry: dict[str, Any], summary: ApplySummary) -> None:
    for change in entry["changes"]:
        summary.changes[change["kind"]] += 1
    email = entry["email"]
    if entry["status"] == UNKNOWN:
        summary.needs_review(email, f"outcome unknown ({entry['error']['message']}); not re-sent")
    elif entry["status"] == FAILED:
        summary.failed_kinds[entry["error"]["kind"]] += 1
    elif entry["conflicts"]:
        summary.needs_review(email, "; ".join(entry["conflicts"]))
    if entry["status"] != FAILED:
        if entry["changes"]:
            summary.changed += 1
        elif not entry["conflicts"] and entry["status"] == DONE:
            summary.unchanged += 1


def _check_flags(args: argparse.Namespace) -> None:
    check_concurrency(args.concurrency)
    if args.resume and not args.journal:
        raise UsageError("--resume needs --journal FILE")
    if args.dry_run and args.journal:
        raise UsageError("--dry-run writes nothing, not even a journal: drop --journal")


def _filtered(
    accounts: Iterable[BulkAccount],
    previous: dict[str, str],
    summary: ApplySummary,
) -> Iterator[BulkAccount]:
    """The accounts still to run; records the skipped and held-back ones in ``summary``."""
    for item in accounts:
        status = previous.get(item.email.lower())
        if status == DONE:
            summary.skipped += 1
        elif status == UNKNOWN:
            summary.needs_review(
                item.email, "the journal has its outcome as unknown; check it, not re-sent"
            )
        else:
            yield item


async def run_apply_command(args: argparse.Namespace, streams: Streams) -> int:
    """``axigen-async apply``: see the command's help. Returns the exit status."""
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
    operation = make_operation(spec, dry_run=args.dry_run)
    to_run = _filtered(accounts, previous, summary)
    display = make_progress(
        streams.err, None if previous else total, quiet=args.quiet, description="applying"
    )
    try:
        journal = Journal(args.journal) if args.journal else None
        async with build_client(args, streams) as client:
            with contextlib.ExitStack() as stack:
                stack.enter_context(display)
                if journal is not None:
                    stack.enter_context(journal)
                async with fan_out(
                    client,
                    to_run,
                    operation,
                    concurrency=args.concurrency,
                    on_progress=display.update,
                ) as results:
                    async for result in results:
                        entry = _outcome(result)
                        if journal is not None:
                            journal.record(entry)
                        _count(entry, summary)
                        _print_account(entry, args.dry_run, streams)
                    stopped = results.stopped_reason
    except JournalError as error:
        raise UsageError(f"--journal: {error}") from None
    for line in summary.lines(dry_run=args.dry_run):
        print(line, file=streams.out)
    if stopped is not None:
        print(f"Stopped: {stopped.message}", file=streams.out)
    streams.out.flush()
    return EXIT_FAILED if summary.failed or summary.review_count else EXIT_OK


def _print_account(entry: dict[str, Any], dry_run: bool, streams: Streams) -> None:
    """A line per account with planned changes (dry run) or a failure."""
    email = entry["email"]
    if entry["error"] is not None and entry["status"] == FAILED:
        error = entry["error"]
        print(f"FAILED {email}: {error['kind']}: {error['message']}", file=streams.out)
    elif dry_run and entry["changes"]:
        planned = "; ".join(f"{c['kind']} {c['detail']}" for c in entry["changes"])
        print(f"PLAN {email}: {planned}", file=streams.out)
