"""Running the audit over many accounts: fan-out, report, progress and summary.

Responsibility: drive ``fan_out`` with the audit operation, write each record as it
arrives, feed the summary and the progress display, and print the stop reason once;
an ACCOUNTS row found malformed midway is reported after the summary of the accounts
before it. Shared by ``audit`` and ``demo``.
Must not: hold per-account data beyond the record being written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from axigen_async import AxigenClient
from axigen_async.bulk import BulkAccount, fan_out
from axigen_async.cli._accounts import AccountsError
from axigen_async.cli._audit import audit_account, audit_record
from axigen_async.cli._common import EXIT_FAILED, EXIT_OK, Streams, describe_stop
from axigen_async.cli._login_guard import DEFAULT_MAX_LOGIN_FAILURES, LoginGuard
from axigen_async.cli._progress import make_progress
from axigen_async.cli._report import ReportError, ReportWriter
from axigen_async.cli._summary import AuditSummary, print_summary


async def run_audit(
    client: AxigenClient,
    accounts: Iterable[BulkAccount],
    *,
    total: int | None,
    out_path: str,
    concurrency: int,
    quiet: bool,
    streams: Streams,
    max_login_failures: int = DEFAULT_MAX_LOGIN_FAILURES,
    deadline: float | None = None,
) -> int:
    """Audit every account into ``out_path``; print the summary; return the exit status.

    ``deadline`` is the ``--timeout`` given, if any (it explains a stop). Cancelled
    (Ctrl-C), it says how many accounts were done and where their report is, then
    lets the cancellation go on.

    Raises:
        UsageError: the report cannot be opened.
        ReportError: the report could not be written midway (after the summary of the
            accounts recorded before; the run stops).
        AccountsError: a malformed row, after the summary of the accounts before it.
        whatever else the accounts iterator raises (after the accounts it yielded are reported).
    """
    summary = AuditSummary()
    guard = LoginGuard(max_login_failures)
    display = make_progress(streams.err, total, quiet=quiet, description="auditing")
    input_error: AccountsError | None = None
    report_error: ReportError | None = None
    report = ReportWriter(out_path)
    try:
        with report, display:
            async with fan_out(
                client,
                accounts,
                guard.wrap(audit_account),
                concurrency=concurrency,
                on_progress=display.update,
            ) as results:
                try:
                    async for result in results:
                        record = audit_record(result)
                        report.write(record)
                        summary.add(record)
                except AccountsError as error:
                    input_error = error
                except ReportError as error:
                    report_error = error  # leaving the block cancels the accounts in flight
                stopped = results.stopped_reason
    except asyncio.CancelledError:
        of_total = f" of {total}" if total is not None else ""
        print(
            f"interrupted: {report.records}{of_total} accounts done; "
            f"the partial report is {out_path} ({report.records} records)",
            file=streams.err,
            flush=True,
        )
        raise
    print_summary(summary, streams.out)
    print(f"Report: {out_path} ({report.records} records)", file=streams.out)
    for reason in (stopped, guard.stopped):
        if reason is not None:
            print(f"Stopped: {describe_stop(reason, deadline)}", file=streams.out)
    streams.out.flush()
    if report_error is not None:
        raise report_error
    if input_error is not None:
        raise AccountsError(f"{input_error} (the accounts before it were audited)")
    return EXIT_FAILED if summary.failed or summary.not_attempted else EXIT_OK
