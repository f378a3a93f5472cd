"""Running the audit over many accounts: fan-out, report, progress and summary.

Responsibility: drive ``fan_out`` with the audit operation, write each record as it
arrives, feed the summary and the progress display, and print the stop reason once.
Shared by ``audit`` and ``demo``.
Must not: hold per-account data beyond the record being written.
"""

from __future__ import annotations

from collections.abc import Iterable

from axigen_async import AxigenClient
from axigen_async.bulk import BulkAccount, fan_out
from axigen_async.cli._audit import audit_account, audit_record
from axigen_async.cli._common import EXIT_FAILED, EXIT_OK, Streams
from axigen_async.cli._progress import make_progress
from axigen_async.cli._report import ReportWriter
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
) -> int:
    """Audit every account into ``out_path``; print the summary; return the exit status.

    Raises:
        whatever the accounts iterator raises (after the accounts it yielded are reported).
    """
    summary = AuditSummary()
    display = make_progress(streams.err, total, quiet=quiet, description="auditing")
    with ReportWriter(out_path) as report, display:
        async with fan_out(
            client, accounts, audit_account, concurrency=concurrency, on_progress=display.update
        ) as results:
            async for result in results:
                record = audit_record(result)
                report.write(record)
                summary.add(record)
            stopped = results.stopped_reason
    print_summary(summary, streams.out)
    print(f"Report: {out_path} ({report.records} records)", file=streams.out)
    if stopped is not None:
        print(f"Stopped: {stopped.message}", file=streams.out)
    streams.out.flush()
    return EXIT_FAILED if summary.failed else EXIT_OK
