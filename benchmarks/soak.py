"""Soak: does one long-running AxigenClient keep its memory flat over 200,000 requests?

Starts the fake Axigen server in a separate process (``user1..userN@example.com``,
password ``demo``, seeded random 503 and 429 faults on 2 % of requests, sessions
expiring after 5 s idle), then drives one ``AxigenClient`` the way a long-running
worker does, in rounds, until ``--requests`` requests were sent or ``--max-seconds``
passed, whichever comes first. Each round is one ``fan_out`` over the next
``--round-accounts`` accounts (cycling through the seeded ones), where each account
logs in, reads its info, signatures and vacation, and logs out, and where

  * every ``--wrong-password-every``-th account logs in with a wrong password
    (a ``LoginError`` result);
  * every ``--missing-every``-th account also asks for a signature that does not
    exist (a ``NotFoundError`` result);
  * the injected 503s and 429s are retried by the client (logins included);
  * ``--resident`` sessions stay open for the whole run and, between rounds, read
    their info whenever 1.5 idle time-outs have passed since their last read, so
    each read finds its session expired and logs in again.

Requests are counted with ``client.statistics().requests``. At the end of every
round past each ``--sample-every`` requests it runs ``gc.collect()`` and reads this
process's resident memory (``VmRSS`` of ``/proc/self/status``), with no request in
flight. The first sample after ``--warm-up`` requests is the baseline; at the end
it prints requests made, elapsed time, requests per second, RSS at the baseline,
at the end and the highest after it, the growth, and whether the growth is under
the target (10 MiB). The fake server's RSS is printed beside, for information.

Exit status 1 when the growth misses the target or an account ended otherwise than
planned (a right password refused, a wrong one accepted, an unplanned error; with
``--fault-reset-share``, a login whose connection dropped is planned to fail, since
the client never repeats a login that may have reached the server).
``--trace`` also compares ``tracemalloc`` snapshots at the baseline and the end and
prints the allocation sites that grew most, with ``--trace-frames`` callers each.
Tracing slows the run many times over (pair it with ``--quick`` or a larger
``--max-seconds``), and its own bookkeeping is part of the RSS then.

    .venv/bin/python -m benchmarks.soak [--requests 200000] [--max-seconds 600]
                                        [--warm-up 20000] [--quick]
                                        [--trace [N]] [--trace-frames 6]

``--quick`` (well under a minute) makes 20,000 requests with a warm-up of 5,000.
The machine is shared and the server runs beside the client, so the rate is noisy;
the memory figures are what this script is for.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from typing import Final

from axigen_async import (
    AccountSession,
    AxigenClient,
    AxigenError,
    BasicAuth,
    LoginError,
    NotFoundError,
)
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, BulkResult, Outcome, fan_out
from benchmarks._bulk_workloads import CONCURRENCY, PASSWORD, status_kib
from benchmarks._fake_process import FakeServerProcess
from benchmarks._soak_figures import (
    Plan,
    Run,
    Sample,
    print_header,
    print_report,
    print_sample,
    print_trace,
)

#: The whole run is cancelled this long after ``--max-seconds``: the last round is
#: cut short at the cap, so only a hang can reach it.
GRACE_SECONDS: Final = 120.0
_WRONG_PASSWORD: Final = "not-the-password"
_MISSING_SIGNATURE: Final = "soak-no-such-signature"
_DOMAIN: Final = "example.com"
_LOGIN_PATH: Final = "/api/v1/login"


# --- the accounts and what each one does --------------------------------------------------


def _index(email: str) -> int:
    """``user42@example.com`` -> 42."""
    return int(email[len("user") : email.index("@")])


def _round_accounts(plan: Plan, first: int) -> Iterator[BulkAccount]:
    """``plan.round_accounts`` accounts from the ``first``-th on (0-based), cycling."""
    for offset in range(plan.round_accounts):
        index = (first + offset) % plan.accounts + 1
        wrong = index % plan.wrong_password_every == 0
        email = f"user{index}@{_DOMAIN}"
        yield BulkAccount.basic(email, _WRONG_PASSWORD if wrong else PASSWORD)


def _planned(plan: Plan, index: int) -> str:
    """What account ``index`` should end with: "ok", or the name of its error."""
    if index % plan.wrong_password_every == 0:
        return LoginError.__name__
    if index % plan.missing_every == 0:
        return NotFoundError.__name__
    return "ok"


def _operation(plan: Plan) -> Callable[[AccountSession], Awaitable[None]]:
    async def reads(session: AccountSession) -> None:
        await account.get_info(session)
        await account.list_signatures(session)
        await account.get_vacation(session)
        if _index(session.label) % plan.missing_every == 0:
            await account.get_signature(session, _MISSING_SIGNATURE)

    return reads


def _error_name(error: BaseException | None) -> str:
    """The error's class name, with "at login" when a login raised it (but refused none)."""
    name = type(error).__name__
    at_login = isinstance(error, AxigenError) and error.url == _LOGIN_PATH
    return f"{name} at login" if at_login and not isinstance(error, LoginError) else name


def _ended(result: BulkResult[None]) -> str:
    return "ok" if result.outcome is Outcome.OK else _error_name(result.error)


def _tolerated(plan: Plan) -> frozenset[str]:
    """Errors that are no surprise under the plan's faults.

    A login whose connection dropped may have reached the server, so the client
    never repeats it (a password attempt must not be made twice): with resets
    injected, that account fails.
    """
    return frozenset({"ConnectionLostError at login"} if plan.fault_reset_share else ())


# --- the soak -----------------------------------------------------------------------------


def _rss_kib() -> int:
    rss = status_kib("VmRSS")
    if rss is None:
        raise SystemExit("this soak reads /proc/self/status, which this system lacks")
    return rss


def _sample(run: Run, client: AxigenClient, started: float, server_pid: int) -> Sample:
    gc.collect()  # the figure should be live memory, not garbage waiting for a collection
    sample = Sample(
        client.statistics().requests,
        time.monotonic() - started,
        _rss_kib(),
        status_kib("VmRSS", server_pid),
    )
    run.samples.append(sample)
    return sample


async def _one_round(
    plan: Plan, client: AxigenClient, run: Run, first: int, stop_at: float
) -> None:
    """One fan-out over the next accounts; cut short at the request count or the time cap."""
    accounts = _round_accounts(plan, first)
    operation = _operation(plan)
    async with fan_out(client, accounts, operation, concurrency=plan.concurrency) as results:
        async for result in results:
            run.outcomes[_planned(plan, _index(result.account.email)), _ended(result)] += 1
            if results.stopped_reason is not None:
                raise RuntimeError(f"the fan-out stopped: {results.stopped_reason}")
            if time.monotonic() >= stop_at:
                run.capped_by_time = True
                break
            if client.statistics().requests >= plan.requests:
                break


async def _resident_reads(sessions: list[AccountSession], run: Run) -> None:
    """One read on each resident session (each finds its session expired, and logs in again)."""

    async def read(session: AccountSession) -> None:
        try:
            await account.get_info(session)
        except Exception as error:
            run.resident_reads[_error_name(error)] += 1
        else:
            run.resident_reads["ok"] += 1

    async with asyncio.TaskGroup() as group:
        for session in sessions:
            group.create_task(read(session))


async def soak(url: str, plan: Plan, server_pid: int) -> Run:
    """Run the rounds against the fake at ``url``; return what was seen."""
    run = Run(tolerated=_tolerated(plan))
    next_sample = plan.sample_every
    async with (
        AxigenClient(url, pool_size=plan.concurrency) as client,
        contextlib.AsyncExitStack() as stack,
    ):
        resident = [
            await stack.enter_async_context(
                client.session(BasicAuth(f"user{index}@{_DOMAIN}", PASSWORD))
            )
            for index in range(1, plan.resident + 1)
        ]
        started = time.monotonic()
        stop_at = started + plan.max_seconds
        resident_every = 1.5 * plan.session_idle_timeout
        resident_read_at = -math.inf
        async with asyncio.timeout(plan.max_seconds + GRACE_SECONDS):
            # Every round sends at least one request, so this bound is never the one hit.
            for round_number in range(plan.requests):
                if time.monotonic() - resident_read_at >= resident_every:
                    resident_read_at = time.monotonic()
                    await _resident_reads(resident, run)
                await _one_round(plan, client, run, round_number * plan.round_accounts, stop_at)
                run.rounds += 1
                requests = client.statistics().requests
                if requests >= plan.requests or run.capped_by_time:
                    break
                if requests < next_sample:
                    continue
                next_sample = (requests // plan.sample_every + 1) * plan.sample_every
                sample = _sample(run, client, started, server_pid)
                if run.baseline is None and requests >= plan.warm_up:
                    run.baseline = sample
                    if plan.trace:
                        run.snapshots.append(tracemalloc.take_snapshot())
                print_sample(sample, run.baseline)
        end = _sample(run, client, started, server_pid)  # the resident sessions still open
        if plan.trace:
            run.snapshots.append(tracemalloc.take_snapshot())
        print_sample(end, run.baseline)
        stats = client.statistics()
    run.requests, run.seconds = stats.requests, end.seconds
    run.retries, run.logins, run.relogins = stats.retries, stats.logins, stats.relogins
    run.login_failures, run.retry_budget = stats.login_failures, stats.retry_budget
    return run


# --- the command line -----------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add("--requests", type=int, default=200_000, help="stop after this many requests")
    add("--max-seconds", type=float, default=600.0, help="stop after this long, whatever the count")
    add("--warm-up", type=int, default=20_000, help="requests before the baseline RSS")
    add("--sample-every", type=int, default=10_000, help="requests between RSS samples")
    add("--accounts", type=int, default=3_000, help="seeded accounts the rounds cycle through")
    add("--round-accounts", type=int, default=1_000, help="accounts per fan_out round")
    add("--concurrency", type=int, default=CONCURRENCY, help="fan_out concurrency and pool size")
    add("--wrong-password-every", type=int, default=20, metavar="N", help="LoginError accounts")
    add("--missing-every", type=int, default=25, metavar="N", help="NotFoundError accounts")
    add("--resident", type=int, default=20, help="sessions open for the whole run")
    add("--fault-rate", type=float, default=0.02, help="share of requests the fake fails")
    add("--fault-statuses", default="503,429", help="statuses of those faults")
    add("--fault-reset-share", type=float, default=0.0, help="share of faults that reset")
    add("--session-idle-timeout", type=float, default=5.0, help="the fake's, in seconds")
    add("--quick", action="store_true", help="20,000 requests, warm-up 5,000")
    add(
        "--trace",
        type=int,
        nargs="?",
        const=15,
        default=0,
        metavar="N",
        help="compare tracemalloc snapshots; print the N sites that grew most (15)",
    )
    add("--trace-frames", type=int, default=6, help="frames kept per traced allocation")
    return parser


def _plan(argv: list[str] | None) -> Plan:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warm_up, args.sample_every = 20_000, 5_000, 2_500
        args.round_accounts = 500
    counts = (
        args.requests,
        args.sample_every,
        args.accounts,
        args.round_accounts,
        args.concurrency,
        args.wrong_password_every,
        args.missing_every,
    )
    if min(*counts, args.trace_frames) < 1 or args.resident < 0 or args.max_seconds <= 0:
        parser.error("counts must be at least 1 (--resident 0 or more), --max-seconds above 0")
    if not 0 <= args.warm_up < args.requests:
        parser.error("--warm-up must be below --requests")
    if args.resident > args.accounts:
        parser.error("--resident must not exceed --accounts")
    return Plan(
        requests=args.requests,
        max_seconds=args.max_seconds,
        warm_up=args.warm_up,
        sample_every=args.sample_every,
        accounts=args.accounts,
        round_accounts=args.round_accounts,
        concurrency=args.concurrency,
        wrong_password_every=args.wrong_password_every,
        missing_every=args.missing_every,
        resident=args.resident,
        fault_rate=args.fault_rate,
        fault_statuses=args.fault_statuses,
        fault_reset_share=args.fault_reset_share,
        session_idle_timeout=args.session_idle_timeout,
        trace=args.trace,
        trace_frames=args.trace_frames,
    )


def main(argv: list[str] | None = None) -> int:
    plan = _plan(argv)
    if plan.trace:
        tracemalloc.start(plan.trace_frames)
    server = FakeServerProcess(accounts=plan.accounts, extra=plan.server_options())
    with server as url:
        print_header(plan, url)
        run = asyncio.run(soak(url, plan, server.pid))
    passed = print_report(plan, run)
    if plan.trace:
        print_trace(run, plan.trace)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
