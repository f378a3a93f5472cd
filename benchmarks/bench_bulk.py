"""Bulk runs: client CPU and peak memory of the fan-out engine, side by side.

Starts the fake Axigen server in a separate process (seeding user1..userN lazily),
then runs N accounts (1,000 and 10,000 by default), each doing login, info, aliases,
vacation and logout, at concurrency 100, in three ways (see ``_bulk_workloads``):

  (a) the library: ``fan_out`` over one ``AxigenClient(pool_size=100)``;
  (b) hand-written raw aiohttp: one shared ``ClientSession`` (limit 100, no cookies),
      100 workers, ``json.loads`` of each body;
  (c) naive: one ``aiohttp.ClientSession`` per account, logging in again on a 401.

After a warm-up, the workloads run alternately (a, b, c, a, b, c, ...) for a few rounds,
so drift in the machine's load hits all three; for each it measures this process's CPU
time (``time.process_time``) and wall time (``time.perf_counter``) and prints medians
per account, with the issue's targets:

  * CPU a/b at most 1.3 (the engine against hand-written code on the same pool);
  * CPU c/a at least 1.5 (the naive session-per-account pattern against the engine).
    Wall time is printed too, but the fake server shares the machine, so part of it
    is the server's.

Then peak RSS: the library workload runs in a fresh child process for 10,000 and for
100,000 generated accounts (never a list), each child printing its peak RSS; the
growth is printed against its target (at most 20 %). The peak is ``VmHWM`` from
``/proc/self/status`` (``ru_maxrss`` elsewhere): on Linux a child's ``ru_maxrss``
starts at the peak of the parent it was forked from, so it is printed only beside.

The CPU comparison runs over plain HTTP and again over HTTPS (a throw-away
authority from trustme): a real Axigen server speaks HTTPS, where the naive
pattern also pays a TLS handshake per account while the shared pools pay one per
connection. Both are printed; ``--transport`` picks one.

It prints figures and asserts nothing about timing; a failed request stops it.

    python -m benchmarks.bench_bulk [--sizes 1000,10000] [--rounds 3]
                                    [--rss-sizes 10000,100000] [--quick]
                                    [--transport http|https|both]

``--quick`` (under a minute) uses 1,000 accounts for CPU and 1,000/10,000 for RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import ssl as ssl_module
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from ssl import SSLContext
from typing import NamedTuple

from axigen_async import AxigenClient, _codec
from benchmarks._bulk_workloads import (
    CONCURRENCY,
    raw_http_session,
    run_library,
    run_naive,
    run_raw,
    status_kib,
)
from benchmarks._fake_process import FakeServerProcess

#: Accounts per workload in the warm-up (capped by the size being measured).
WARM_UP_ACCOUNTS = 500
#: A workload is stopped after this many seconds, plus the per-account allowance below.
BASE_TIMEOUT = 60.0
SECONDS_PER_ACCOUNT = 0.005
_ROOT = Path(__file__).resolve().parent.parent


def _timeout(accounts: int) -> float:
    return BASE_TIMEOUT + accounts * SECONDS_PER_ACCOUNT


def _sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers, comma-separated")
    return sizes


# --- CPU and wall time, side by side ----------------------------------------------------


class Sample(NamedTuple):
    """One workload's run: seconds of this process's CPU, and of the wall clock."""

    cpu: float
    wall: float


Workload = Callable[[int], Awaitable[int]]


async def _measure(workload: Workload, accounts: int) -> Sample:
    gc.collect()  # start each run from the same heap, outside the measured span
    cpu, wall = time.process_time(), time.perf_counter()
    async with asyncio.timeout(_timeout(accounts)):
        done = await workload(accounts)
    sample = Sample(time.process_time() - cpu, time.perf_counter() - wall)
    if done != accounts:
        raise RuntimeError(f"{done} of {accounts} accounts completed")
    return sample


def _median_per_account(samples: list[Sample], accounts: int) -> Sample:
    return Sample(
        statistics.median(s.cpu for s in samples) / accounts,
        statistics.median(s.wall for s in samples) / accounts,
    )


async def _compare(
    url: str, accounts: int, rounds: int, ssl: SSLContext | bool = True
) -> dict[str, Sample]:
    """Medians per account for each workload, over ``rounds`` alternating rounds."""
    async with (
        AxigenClient(url, pool_size=CONCURRENCY, ssl=ssl) as client,
        raw_http_session(ssl) as http,
    ):
        workloads: dict[str, Workload] = {
            "library": lambda n: run_library(client, n),
            "raw": lambda n: run_raw(http, url, n),
            "naive": lambda n: run_naive(url, n, ssl),
        }
        for workload in workloads.values():  # warm-up: pools open, code paths hot
            await _measure(workload, min(WARM_UP_ACCOUNTS, accounts))
        samples: dict[str, list[Sample]] = {name: [] for name in workloads}
        for _ in range(rounds):
            for name, workload in workloads.items():
                samples[name].append(await _measure(workload, accounts))
    return {name: _median_per_account(runs, accounts) for name, runs in samples.items()}


def _print_comparison(accounts: int, rounds: int, medians: dict[str, Sample]) -> None:
    library, raw, naive = medians["library"], medians["raw"], medians["naive"]
    print(
        f"\nN = {accounts:,} accounts x 5 requests, concurrency {CONCURRENCY}, "
        f"median of {rounds} alternating rounds"
    )
    print(f"  {'workload':<42} {'CPU us/account':>15} {'wall us/account':>16} {'wall ms/run':>12}")
    rows = [
        ("(a) library: fan_out, one AxigenClient", library),
        ("(b) raw aiohttp, one shared session", raw),
        ("(c) naive: one ClientSession per account", naive),
    ]
    for label, sample in rows:
        wall_ms = sample.wall * accounts * 1e3
        print(
            f"  {label:<42} {sample.cpu * 1e6:>15.1f} {sample.wall * 1e6:>16.1f} {wall_ms:>12.0f}"
        )
    print(f"  CPU  a/b = {library.cpu / raw.cpu:.3f}  (target <= 1.3)")
    print(f"  CPU  c/a = {naive.cpu / library.cpu:.3f}  (target >= 1.5)")
    print(f"  wall c/a = {naive.wall / library.wall:.3f}  (the server shares the machine)")


# --- peak RSS, each size in a fresh child ---------------------------------------------------


def _peak_kib() -> int:
    """This process's peak RSS in KiB.

    ``ru_maxrss`` of a child started by ``subprocess`` starts at the *parent's* peak
    (Linux records the old address space's high-water mark at ``exec``, and a vfork'ed
    child's old address space is the parent's), so where ``VmHWM`` exists, that is used.
    """
    hwm = status_kib("VmHWM")
    return hwm if hwm is not None else _ru_maxrss_kib()


def _ru_maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


async def _rss_child_run(url: str, accounts: int) -> dict[str, float]:
    baseline = _peak_kib()
    started = time.perf_counter()
    async with AxigenClient(url, pool_size=CONCURRENCY) as client:
        async with asyncio.timeout(_timeout(accounts)):
            done = await run_library(client, accounts)
    return {
        "accounts": done,
        "baseline_kib": baseline,
        "peak_kib": _peak_kib(),
        "ru_maxrss_kib": _ru_maxrss_kib(),
        "seconds": time.perf_counter() - started,
    }


def rss_child(url: str, accounts: int) -> int:
    """The child's side: run the library workload once, print one JSON line of figures."""
    print(json.dumps(asyncio.run(_rss_child_run(url, accounts))), flush=True)
    return 0


def _measure_rss(url: str, accounts: int) -> dict[str, float]:
    """Run :func:`rss_child` in a fresh interpreter; its figures (killed on time-out)."""
    command = [sys.executable, "-m", "benchmarks.bench_bulk", "--rss-child", str(accounts), url]
    completed = subprocess.run(  # kills the child if it runs past the time-out
        command,
        cwd=_ROOT,
        capture_output=True,
        text=True,
        timeout=_timeout(accounts) + 30.0,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the RSS child failed ({completed.returncode}):\n{completed.stderr}")
    figures: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return figures


def _print_rss(runs: list[dict[str, float]]) -> None:
    print(
        f"\nPeak RSS of the library workload, each size in a fresh process "
        f"(accounts generated, concurrency {CONCURRENCY})"
    )
    for run in runs:
        print(
            f"  {int(run['accounts']):>9,} accounts: peak {run['peak_kib'] / 1024:7.1f} MiB "
            f"(before the run {run['baseline_kib'] / 1024:6.1f} MiB; "
            f"ru_maxrss {run['ru_maxrss_kib'] / 1024:6.1f} MiB), {run['seconds']:6.1f} s"
        )
    first, last = runs[0], runs[-1]
    growth = (last["peak_kib"] / first["peak_kib"] - 1.0) * 100.0
    print(
        f"  growth {int(first['accounts']):,} -> {int(last['accounts']):,}: "
        f"{growth:+.1f} %  (target <= 20 %)"
    )
    print(
        "  (peak = VmHWM: a child's ru_maxrss starts at its parent's peak, "
        "recorded when the child execs)"
    )


# --- the command line ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[1000, 10000], help="CPU: accounts")
    parser.add_argument("--rounds", type=int, default=3, help="CPU: alternating rounds")
    parser.add_argument("--rss-sizes", type=_sizes, default=[10000, 100000], help="RSS: accounts")
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke test")
    parser.add_argument(
        "--transport",
        choices=("http", "https", "both"),
        default="both",
        help="CPU over plain HTTP, over HTTPS as against a real server (needs trustme), "
        "or both (default); peak RSS is measured over HTTP",
    )
    parser.add_argument("--rss-child", type=int, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("url", nargs="?", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.rss_child is not None:
        if args.url is None:
            raise SystemExit("--rss-child needs the fake server's URL")
        return rss_child(args.url, args.rss_child)
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    sizes, rss_sizes = args.sizes, args.rss_sizes
    if args.quick:
        sizes, rss_sizes = [1000], [1000, 10000]
    print(f"JSON backend of the library: {_codec.BACKEND}")
    if args.transport in ("http", "both"):
        with FakeServerProcess(accounts=max([*sizes, *rss_sizes])) as url:
            print(f"\nover HTTP: {url}")
            for accounts in sizes:
                medians = asyncio.run(_compare(url, accounts, args.rounds))
                _print_comparison(accounts, args.rounds, medians)
            _print_rss([_measure_rss(url, accounts) for accounts in rss_sizes])
    if args.transport in ("https", "both"):
        _main_tls(sizes, args.rounds)
    return 0


def _main_tls(sizes: list[int], rounds: int) -> None:
    """The CPU comparison over HTTPS, with a throw-away certificate authority.

    A real Axigen server speaks HTTPS, where a session per account also pays a
    TLS handshake per account; the shared pools pay one per connection.
    """
    import trustme

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    client_context = ssl_module.create_default_context()
    authority.configure_trust(client_context)
    with tempfile.TemporaryDirectory() as folder:
        cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
        issued.cert_chain_pems[0].write_to_path(str(cert))
        issued.private_key_pem.write_to_path(str(key))
        extra = ["--tls-cert", str(cert), "--tls-key", str(key)]
        with FakeServerProcess(accounts=max(sizes), extra=extra) as url:
            print(f"\nover HTTPS: {url}")
            for accounts in sizes:
                medians = asyncio.run(_compare(url, accounts, rounds, client_context))
                _print_comparison(accounts, rounds, medians)


if __name__ == "__main__":
    sys.exit(main())
