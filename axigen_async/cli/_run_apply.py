"""The ``apply`` command: fan the apply operation out, journal each outcome, summarize.

Responsibility: check the SPEC, the flags and the journal before anything is sent
(the journal locked for the whole run, never one of the inputs, its fingerprint the
SPEC's); run each ACCOUNTS row once (see ``_apply_inputs``); journal every create
before it is sent and every attempted account's outcome durably; stop on SIGTERM or
SIGINT (see ``_stop``); print dry-run plans, the summary and the stop reason once (the
entries themselves: ``_apply_entries``); an ACCOUNTS row found malformed midway is
reported after the summary of the rows before.
Must not: send a create twice, journal an account never attempted (a later
``--resume`` must run it), or write a secret.

The rule for writes of unknown outcome: every create is journaled ``pending`` (with
its time) before it is sent. An account whose last entry is ``pending`` (the run was
killed) or ``unknown`` (the answer was lost, or a stop cancelled the call) is re-read
by the next run, ``--resume`` or not, but only once the per-call deadline (``--timeout``,
60 s by default) has passed since that create was sent; other accounts run meanwhile.
Its apply then lists again and creates only what is still missing, and the summary
says whether the earlier create had taken effect.

Exit status: 0 all converged or nothing to do; 1 some account failed or was not
attempted; 2 a usage error (a SPEC, flag or journal refused before any request); 3
some account needs review and none failed; 128 + the signal's number (143 for
SIGTERM, 130 for SIGINT) when a signal stopped the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from axigen_async import Timeouts
from axigen_async.bulk import BulkAccount, ServerUnavailableError, fan_out
from axigen_async.cli._accounts import AccountsError
from axigen_async.cli._apply import Interrupted, is_server_down, make_operation
from axigen_async.cli._apply_entries import Consumer
from axigen_async.cli._apply_inputs import Selection
from axigen_async.cli._apply_summary import ApplySummary
from axigen_async.cli._command_inputs import check_concurrency, open_accounts
from axigen_async.cli._common import Streams, UsageError, build_client, describe_stop
from axigen_async.cli._journal import (
    DONE,
    Journal,
    JournalError,
    JournalState,
    Recorded,
    read_journal,
    spec_fingerprint,
)
from axigen_async.cli._login_guard import LoginGuard
from axigen_async.cli._progress import make_progress
from axigen_async.cli._report import ReportError
from axigen_async.cli._spec import Spec, SpecError, load_spec
from axigen_async.cli._stop import StopControl


def _check_flags(args: argparse.Namespace) -> None:
    check_concurrency(args.concurrency)
    if args.resume and not args.journal:
        raise UsageError("--resume needs --journal FILE")
    if args.allow_changed_spec and not args.resume:
        raise UsageError("--allow-changed-spec goes with --resume")
    if args.dry_run and args.journal:
        raise UsageError("--dry-run writes nothing, not even a journal: drop --journal")
    if args.journal and os.path.exists(args.journal):
        for name, path in (("SPEC", args.spec), ("ACCOUNTS", args.accounts)):
            if path != "-" and os.path.exists(path) and os.path.samefile(path, args.journal):
                raise UsageError(f"--journal {args.journal} is the {name} file; refused")


def _fingerprint(spec: Spec) -> str:
    return spec_fingerprint(spec.document)


def _call_deadline(args: argparse.Namespace, client_options: Mapping[str, Any]) -> float:
    """The per-call deadline the run's client has (what an unanswered create waits out)."""
    timeouts = client_options.get("timeouts")
    if isinstance(timeouts, Timeouts):
        return timeouts.deadline
    if args.timeout is not None and args.timeout > 0:
        return float(args.timeout)
    return Timeouts().deadline


def _previous(journal: Journal, args: argparse.Namespace, wanted: str) -> dict[str, Recorded]:
    """Lock the journal, check its header and fingerprint, and read it."""
    journal.lock()
    state: JournalState = read_journal(journal.path)
    changed = state.fingerprint is not None and state.fingerprint != wanted
    if changed and args.resume and not args.allow_changed_spec:
        raise UsageError(
            f"--journal {journal.path} was written for another SPEC (its "
            "fingerprint differs): resume with the SPEC it was written for, or add "
            "--allow-changed-spec to plan again the accounts done under the old one"
        )
    journal.begin(state, wanted)
    records = state.records
    if changed:  # done under the old SPEC: planned again
        records = {email: r for email, r in records.items() if r.status != DONE}
    return records


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
    journal = Journal(args.journal) if args.journal else None
    try:
        previous: dict[str, Recorded] = {}
        if journal is not None:
            wanted = _fingerprint(spec)
            # Reading a long journal and its first fsync must not block the loop.
            previous = await asyncio.to_thread(_previous, journal, args, wanted)
        try:
            return await _run(
                args, streams, client_options, spec, accounts, total, journal, previous
            )
        except JournalError as error:
            # A write that failed midway (a full disk) is the run's I/O failure (exit
            # 1), not a usage error; the journal keeps its whole lines.
            raise ReportError(f"--journal: {error}; the entries before it are whole") from None
    except JournalError as error:
        raise UsageError(f"--journal: {error}") from None
    finally:
        if journal is not None:
            journal.close()


async def _run(
    args: argparse.Namespace,
    streams: Streams,
    client_options: Mapping[str, Any],
    spec: Spec,
    accounts: Iterable[BulkAccount],
    total: int | None,
    journal: Journal | None,
    previous: dict[str, Recorded],
) -> int:
    summary = ApplySummary()
    overrides = _OverridesSeen(spec)
    control = StopControl()
    consumer = Consumer(journal, summary, previous, args.dry_run, streams)
    selection = Selection(
        previous,
        summary,
        control,
        resume=args.resume,
        wait=_call_deadline(args, client_options),
        on_repeat=consumer.repeated,
    )
    display = make_progress(
        streams.err, None if previous else total, quiet=args.quiet, description="applying"
    )
    operation = make_operation(
        spec,
        dry_run=args.dry_run,
        before_write=consumer.before_write if journal is not None else None,
        control=control,
    )
    guard = LoginGuard(args.max_login_failures)
    input_error: AccountsError | None = None
    control.install()
    try:
        async with build_client(args, streams, client_options) as client:
            with contextlib.ExitStack() as stack:
                stack.enter_context(display)
                async with fan_out(
                    client,
                    selection.accounts(overrides.track(accounts)),
                    guard.wrap(operation),
                    concurrency=args.concurrency,
                    # A signal's stop is that account's result (journaled, summed up),
                    # not a bug in the operation.
                    errors=(Interrupted,),
                    is_server_down_error=is_server_down,
                    on_progress=display.update,
                ) as results:
                    try:
                        async for result in results:
                            await consumer.take(result)
                    except AccountsError as error:
                        input_error = error
                    stopped = results.stopped_reason or guard.stopped
                await consumer.flush_repeats()
    finally:
        control.uninstall()
    _print_end(args, summary, stopped, control, streams)
    if input_error is not None:
        raise AccountsError(f"{input_error} (the accounts before it were processed)")
    if overrides.missing:
        print(
            f"warning: {overrides.missing} of the SPEC's per-account entries name an "
            "address that is not in ACCOUNTS; they were not used",
            file=streams.err,
        )
    signalled = control.exit_status
    return signalled if signalled is not None else summary.exit_status


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


def _print_end(
    args: argparse.Namespace,
    summary: ApplySummary,
    stopped: ServerUnavailableError | None,
    control: StopControl,
    streams: Streams,
) -> None:
    for line in summary.lines(dry_run=args.dry_run):
        print(line, file=streams.out)
    if args.journal:
        print(f"Journal: {args.journal}", file=streams.out)
    if control.signal is not None:
        name = "SIGTERM" if control.exit_status == 143 else "SIGINT"
        print(
            f"Stopped by {name}: no account was started after it; accounts with a create "
            "still in flight are journaled as unknown and re-read by the next run",
            file=streams.out,
        )
    if stopped is not None:
        print(f"Stopped: {describe_stop(stopped, args.timeout)}", file=streams.out)
    if summary.not_attempted:
        again = "with --resume " if args.journal else ""
        print(
            f"{summary.not_attempted} accounts were not attempted; run again {again}to do them",
            file=streams.out,
        )
    streams.out.flush()
