"""The audit summary: running counters over the records, and their rendering.

Responsibility: count outcomes (succeeded, failed and not attempted, which add up
to the total), failure kinds, a fixed quota histogram and the flags of every audited
account, then print them as a rich table (on a terminal, with rich installed) or as
plain text; the histogram and the findings only when some account was audited.
Must not: keep per-account data (memory stays constant whatever the input size).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TextIO

from axigen_async.cli._progress import rich_available

_BUCKETS = 10
_BAR_WIDTH = 40

#: (check key, summary label), in the printed order.
FLAGS = (
    ("over_quota_threshold", "Over their quota threshold"),
    ("password_expiry_in_warning", "Passwords expiring within their warning interval"),
    ("must_change_password", "Must change password"),
    ("vacation_enabled", "Vacation on"),
    ("two_factor_missing", "Two-factor required but not configured"),
    ("indexes_behind", "Indexes not up to date"),
)


NOTHING_AUDITED = "No account was audited, so there are no quota figures or findings."


class AuditSummary:
    """Counters over audit records; ``add(record)`` per account."""

    def __init__(self) -> None:
        self.total = 0
        self.succeeded = 0
        #: Accounts attempted that failed, by error kind (the not attempted excluded).
        self.failed_kinds: Counter[str] = Counter()
        #: Accounts never started (the run stopped starting accounts).
        self.not_attempted = 0
        #: Accounts per 10 % bucket of quota use (the last bucket includes 100 % and above).
        self.histogram = [0] * _BUCKETS
        self.unlimited = 0
        self.flags: Counter[str] = Counter()

    @property
    def failed(self) -> int:
        return sum(self.failed_kinds.values())

    def add(self, record: dict[str, Any]) -> None:
        self.total += 1
        if record["ok"]:
            self.succeeded += 1
            checks = record["checks"]
            percent = checks["quota_used_percent"]
            if percent is None:
                self.unlimited += 1
            else:
                self.histogram[min(int(percent // 10), _BUCKETS - 1)] += 1
            for key, _label in FLAGS:
                if checks[key]:
                    self.flags[key] += 1
            return
        if record["outcome"] == "not attempted":
            self.not_attempted += 1
            return
        self.failed_kinds[record["error"]["kind"]] += 1

    def lines(self) -> list[str]:
        """The summary as plain text lines."""
        out = [
            # Three counts with no overlap, adding up to the total.
            f"Audited {self.total} accounts: {self.succeeded} succeeded, {self.failed} failed"
            + (f", {self.not_attempted} not attempted" if self.not_attempted else "")
        ]
        if self.failed_kinds:
            out.append("Failed by error kind:")
            out.extend(f"  {kind}: {count}" for kind, count in sorted(self.failed_kinds.items()))
        if not self.succeeded:
            # All-zero tables would read as findings; say there are none instead.
            out.append(NOTHING_AUDITED)
            return out
        out.append("Quota use:")
        peak = max(self.histogram) or 1
        for bucket, count in enumerate(self.histogram):
            label = _bucket_label(bucket)
            bar = "#" * round(_BAR_WIDTH * count / peak)
            out.append(f"  {label:>9} | {bar:<{_BAR_WIDTH}} {count}")
        out.append(f"  {'unlimited':>9} | {self.unlimited}")
        out.extend(f"{label}: {self.flags[key]}" for key, label in FLAGS)
        return out


def _bucket_label(bucket: int) -> str:
    low = bucket * 10
    return f"{low}-{low + 10}%" if bucket < _BUCKETS - 1 else f"{low}%+"


def print_summary(summary: AuditSummary, stream: TextIO) -> None:
    """Rich tables on a terminal (rich installed), plain lines otherwise."""
    if stream.isatty() and rich_available():
        _print_rich(summary, stream)
        return
    for line in summary.lines():
        print(line, file=stream)
    stream.flush()


def _print_rich(summary: AuditSummary, stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream)
    lines = summary.lines()
    console.print(lines[0], markup=False, highlight=False)
    if summary.failed_kinds:
        failures = Table(title="Failed by error kind")
        failures.add_column("kind")
        failures.add_column("accounts", justify="right")
        for kind, count in sorted(summary.failed_kinds.items()):
            failures.add_row(kind, str(count))
        console.print(failures)
    if not summary.succeeded:
        console.print(lines[-1], markup=False, highlight=False)
        return
    quota = Table(title="Quota use")
    quota.add_column("used")
    quota.add_column("", min_width=_BAR_WIDTH)
    quota.add_column("accounts", justify="right")
    peak = max(summary.histogram) or 1
    for bucket, count in enumerate(summary.histogram):
        quota.add_row(_bucket_label(bucket), "█" * round(_BAR_WIDTH * count / peak), str(count))
    quota.add_row("unlimited", "", str(summary.unlimited))
    console.print(quota)
    flags = Table(title="Findings")
    flags.add_column("check")
    flags.add_column("accounts", justify="right")
    for key, label in FLAGS:
        flags.add_row(label, str(summary.flags[key]))
    console.print(flags)
