"""The soak's values and figures: what a run does and sees, and how it is printed.

Responsibility: the ``Plan`` made from the command line, the RSS ``Sample`` values and
the ``Run`` record that ``benchmarks/soak.py`` fills in, and the printing of its header,
samples, report and ``tracemalloc`` comparison. No I/O but printing.
"""

from __future__ import annotations

import linecache
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from typing import Final, NamedTuple

#: Growth of RSS after the warm-up that the soak must stay under.
TARGET_MIB: Final = 10.0


@dataclass(frozen=True)
class Plan:
    """What one soak run does; made from the command line."""

    requests: int
    max_seconds: float
    warm_up: int
    sample_every: int
    accounts: int
    round_accounts: int
    concurrency: int
    wrong_password_every: int
    missing_every: int
    resident: int
    fault_rate: float
    fault_statuses: str
    fault_reset_share: float
    session_idle_timeout: float
    trace: int
    trace_frames: int

    def server_options(self) -> list[str]:
        options = ["--session-idle-timeout", str(self.session_idle_timeout)]
        if self.fault_rate > 0:
            options += ["--fault-rate", str(self.fault_rate), "--fault-seed", "1"]
            options += ["--fault-statuses", self.fault_statuses]
            options += ["--fault-reset-share", str(self.fault_reset_share)]
        return options


class Sample(NamedTuple):
    """One RSS reading, taken between rounds with nothing in flight."""

    requests: int
    seconds: float
    rss_kib: int
    server_rss_kib: int | None


@dataclass
class Run:
    """What a soak run saw."""

    samples: list[Sample] = field(default_factory=list)
    baseline: Sample | None = None
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (planned, ended)
    resident_reads: Counter[str] = field(default_factory=Counter)  # "ok" or the error
    rounds: int = 0
    capped_by_time: bool = False
    requests: int = 0
    seconds: float = 0.0
    retries: int = 0
    logins: int = 0
    login_failures: int = 0
    relogins: int = 0
    retry_budget: int = 0
    snapshots: list[tracemalloc.Snapshot] = field(default_factory=list)
    #: Ends other than the planned one that the plan's faults explain (see ``_tolerated``).
    tolerated: frozenset[str] = frozenset()

    def is_unplanned(self, planned: str, ended: str) -> bool:
        return ended != planned and ended not in self.tolerated

    @property
    def unplanned_accounts(self) -> int:
        return sum(n for (p, ended), n in self.outcomes.items() if self.is_unplanned(p, ended))

    @property
    def failed_resident_reads(self) -> int:
        reads = self.resident_reads.items()
        return sum(n for ended, n in reads if self.is_unplanned("ok", ended))


def _mib(kib: float) -> float:
    return kib / 1024


def print_header(plan: Plan, url: str) -> None:
    faults = (
        f"{plan.fault_rate:.0%} of requests fail with {plan.fault_statuses}"
        + (f" ({plan.fault_reset_share:.0%} of those reset)" if plan.fault_reset_share else "")
        if plan.fault_rate
        else "none"
    )
    print(f"fake server: {url}")
    print(
        f"soak: up to {plan.requests:,} requests or {plan.max_seconds:g} s, one AxigenClient, "
        f"fan_out rounds of {plan.round_accounts:,} accounts over {plan.accounts:,} "
        f"at concurrency {plan.concurrency}"
    )
    print(
        f"  faults: {faults}; every {plan.wrong_password_every}th account a wrong password, "
        f"every {plan.missing_every}th a missing signature; {plan.resident} resident sessions, "
        f"idle time-out {plan.session_idle_timeout:g} s"
    )
    print(f"  warm-up {plan.warm_up:,} requests, RSS sampled every {plan.sample_every:,}")
    print(f"\n  {'requests':>9} {'elapsed s':>10} {'RSS MiB':>9} {'vs warm-up':>11} {'server':>9}")


def print_sample(sample: Sample, baseline: Sample | None) -> None:
    growth = (
        f"{_mib(sample.rss_kib - baseline.rss_kib):+10.1f}"
        if baseline is not None
        else f"{'(warm-up)':>10}"
    )
    server = f"{_mib(sample.server_rss_kib):9.1f}" if sample.server_rss_kib is not None else "-"
    print(
        f"  {sample.requests:>9,} {sample.seconds:>10.1f} {_mib(sample.rss_kib):>9.1f} "
        f"{growth:>11} {server:>9}",
        flush=True,
    )


def print_report(plan: Plan, run: Run) -> bool:
    """Print the figures; True when the growth is under the target and nothing was unplanned."""
    rows: list[tuple[str, str]] = [
        ("requests made", f"{run.requests:,} in {run.rounds:,} rounds"),
        (
            "elapsed",
            f"{run.seconds:.1f} s" + (" (cut at --max-seconds)" if run.capped_by_time else ""),
        ),
        ("requests per second", f"{run.requests / run.seconds:,.0f}" if run.seconds else "-"),
        (
            "client statistics",
            f"retries {run.retries:,}, logins {run.logins:,}, refused {run.login_failures:,}, "
            f"re-logins {run.relogins:,}, retry budget left {run.retry_budget}",
        ),
    ]
    ended = Counter[str]()
    for (_planned, ended_with), count in run.outcomes.items():
        ended[ended_with] += count
    rows.append(
        (
            "accounts",
            f"{sum(ended.values()):,}: "
            + ", ".join(f"{name} {count:,}" for name, count in ended.most_common())
            + f"; unplanned {run.unplanned_accounts:,}",
        )
    )
    rows.append(
        (
            "resident reads",
            ", ".join(f"{name} {count:,}" for name, count in run.resident_reads.most_common())
            or "none",
        )
    )
    baseline, end = run.baseline, run.samples[-1]
    if baseline is None:
        print("\n  no sample after the warm-up: raise --requests or lower --warm-up")
        for label, value in rows:
            print(f"  {label:<22} {value}")
        return False
    after = [s for s in run.samples if s.requests >= baseline.requests]
    highest = max(after, key=lambda s: s.rss_kib)
    growth = _mib(end.rss_kib - baseline.rss_kib)
    rows += [
        ("RSS at warm-up", f"{_mib(baseline.rss_kib):.1f} MiB (after {baseline.requests:,})"),
        ("RSS at the end", f"{_mib(end.rss_kib):.1f} MiB"),
        ("RSS max after warm-up", f"{_mib(highest.rss_kib):.1f} MiB (at {highest.requests:,})"),
        ("growth", f"{growth:+.1f} MiB (max {_mib(highest.rss_kib - baseline.rss_kib):+.1f})"),
    ]
    if baseline.server_rss_kib is not None and end.server_rss_kib is not None:
        server_growth = _mib(end.server_rss_kib - baseline.server_rss_kib)
        rows.append(
            (
                "fake server RSS",
                f"{_mib(baseline.server_rss_kib):.1f} -> {_mib(end.server_rss_kib):.1f} MiB "
                f"({server_growth:+.1f}; not part of the target)",
            )
        )
    print()
    for label, value in rows:
        print(f"  {label:<22} {value}")
    under = growth < TARGET_MIB
    verdict = "under" if under else "NOT under"
    print(
        f"  growth {growth:+.1f} MiB after the warm-up: {verdict} the target of {TARGET_MIB:g} MiB"
    )
    unplanned = run.unplanned_accounts + run.failed_resident_reads
    if unplanned:
        print(f"  {unplanned:,} accounts or resident reads ended otherwise than planned:")
        for (planned, end_name), count in sorted(run.outcomes.items()):
            if run.is_unplanned(planned, end_name):
                print(f"    planned {planned}, ended {end_name}: {count:,}")
        for end_name, count in sorted(run.resident_reads.items()):
            if run.is_unplanned("ok", end_name):
                print(f"    resident read ended {end_name}: {count:,}")
    if plan.trace:
        print("  (traced: RSS includes tracemalloc's own bookkeeping and its snapshots)")
    return under and not unplanned


_NOT_OURS: Final = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, linecache.__file__),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    tracemalloc.Filter(False, "<unknown>"),
)


def print_trace(run: Run, top: int) -> None:
    """The allocation sites that grew most between the baseline and the end."""
    if len(run.snapshots) < 2:
        print("\n  tracemalloc: no snapshot after the warm-up")
        return
    before, after = (snapshot.filter_traces(_NOT_OURS) for snapshot in run.snapshots[-2:])
    by_line = after.compare_to(before, "lineno")
    total = sum(stat.size_diff for stat in by_line)
    print(f"\n  tracemalloc, baseline -> end: {total / 1024:+.1f} KiB of live traced memory")
    grew = _grown(by_line)[:top]
    if not grew:
        print("  no allocation site holds more than at the baseline")
        return
    print(f"  the {len(grew)} sites that grew most:")
    print(f"  {'KiB':>9} {'blocks':>8}  where")
    for stat in grew:
        frame = stat.traceback[0]
        where = f"{frame.filename}:{frame.lineno}"
        print(f"  {stat.size_diff / 1024:>+9.1f} {stat.count_diff:>+8,}  {where}")
    print("\n  the three that grew most, with their callers (most recent call last):")
    for stat in _grown(after.compare_to(before, "traceback"))[:3]:
        print(f"  {stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+,} blocks")
        for line in stat.traceback.format():
            print(f"    {line}")


def _grown(stats: list[tracemalloc.StatisticDiff]) -> list[tracemalloc.StatisticDiff]:
    """The sites that hold more than before, most first (``compare_to`` sorts by size)."""
    return sorted((s for s in stats if s.size_diff > 0), key=lambda s: s.size_diff, reverse=True)
