"""What the chaos plan (``FaultPlan.chaos``) may make final, read from the fake's fault log.

An account may only fail in one of the ways the plan makes final:

* its login (first or a re-login) was cut off or timed out: the login may have reached
  the server, and a password attempt is never made twice;
* one call used up its attempts, each failed by the plan (a fault on it, a fault on the
  login it needed, or its session ended again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from axigen_async import AccountSession, AxigenClient, RetryPolicy
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, fan_out
from axigen_async.testing import InjectedFault
from tests.cli.helpers import InstantSleep

#: The SPEC the chaos tests apply: every kind of write, creates included.
APPLY_SPEC: dict[str, Any] = {
    "vacation": {"enabled": True, "subject": "Away", "body": "Back soon", "applyAlways": True},
    "signatures": [
        {"name": "Chaos", "type": "html", "body": "<b>calm</b>"},
        {"name": "Plain", "type": "text", "body": "-- plain"},
    ],
    "contactInfo": {"title": "Dr.", "suffix": "PhD"},
    "temporaryAliases": {"minimum": 2},
}

LOGIN = "POST /api/v1/login"
LOGOUT = "POST /api/v1/logout"
ATTEMPTS = RetryPolicy().attempts
#: Faults after which the request may have reached the server.
CUT_OFF = frozenset({"reset", "reset_after_headers", "slow"})
#: The errors a call gets when the plan used up its attempts.
EXHAUSTED_KINDS = frozenset(
    {"ServerError", "RateLimitError", "ConnectionLostError", "RequestTimeoutError"}
)


def by_account(faults: Iterable[InjectedFault]) -> dict[str, list[InjectedFault]]:
    """The fault log grouped by the account each request named."""
    grouped: dict[str, list[InjectedFault]] = defaultdict(list)
    for fault in faults:
        if fault.account is not None:
            grouped[fault.account].append(fault)
    return grouped


def _leaves_unknown(fault: InjectedFault) -> bool:
    """Whether a fault left the client not knowing how its request ended.

    A reset after an error's status line does not: the client reads the status.
    """
    if fault.kind not in CUT_OFF:
        return False
    return fault.status is None or fault.status < 300


def cut_off(faults: Iterable[InjectedFault], route: str) -> bool:
    """Whether the plan cut off or slowed a request of ``route``, leaving it unknown."""
    return any(fault.route == route and _leaves_unknown(fault) for fault in faults)


def explained(error: Mapping[str, object], faults: list[InjectedFault]) -> bool:
    """Whether the plan's faults on one account account for its final error (a report's)."""
    request, kind, attempts = error["request"], error["kind"], error["attempts"]
    assert isinstance(request, str)
    assert isinstance(attempts, int)
    route = request.partition("?")[0]  # the fault log names routes without a query
    if route == LOGIN and kind in ("ConnectionLostError", "RequestTimeoutError"):
        return cut_off(faults, LOGIN)
    # A call's last attempt may be the login it needed (a re-login after its session
    # ended); the report then names the login, not the call, so any route may hold the
    # faults that failed the call's earlier attempts.
    on_call = [fault for fault in faults if route == LOGIN or fault.route in (route, LOGIN)]
    if kind in EXHAUSTED_KINDS:
        return attempts >= ATTEMPTS and len(on_call) >= 2
    if kind == "AuthenticationError":  # its session ended at every attempt left
        return attempts == ATTEMPTS + 1
    return False


#: What apply may change on one account, without the ids and addresses the server picks.
State = tuple[object, ...]
#: Rounds of reading back the accounts whose read failed under chaos.
READ_ROUNDS = 10


async def read_state(session: AccountSession) -> State:
    """One account's :data:`State`."""
    vacation = await account.get_vacation(session)
    contact = await account.get_contact_info(session)
    signatures = []
    for summary in await account.list_signatures(session):
        signature = await account.get_signature(session, summary.id)
        signatures.append((signature.name, str(signature.type), signature.body))
    aliases = len(await account.list_temporary_aliases(session))
    return vacation, contact, tuple(sorted(signatures)), aliases


async def server_state(url: str, emails: list[str], password: str) -> dict[str, State]:
    """Every account's state, read again (in a bounded number of rounds) where chaos won."""
    states: dict[str, State] = {}
    async with AxigenClient(url, sleep=InstantSleep()) as client:
        for _ in range(READ_ROUNDS):
            left = [BulkAccount.basic(email, password) for email in emails if email not in states]
            if not left:
                break
            async with fan_out(client, left, read_state, concurrency=20) as results:
                async for result in results:
                    if result.ok:
                        assert result.value is not None
                        states[result.account.email] = result.value
    assert sorted(states) == sorted(emails)
    return states


def assert_no_duplicates(state: State, email: str) -> None:
    """No signature of the SPEC twice, and no more temporary aliases than it asks for.

    Seeded accounts start with at most two temporary aliases; the SPEC asks for two.
    """
    _vacation, _contact, signatures, aliases = state
    assert isinstance(signatures, tuple)
    assert isinstance(aliases, int)
    names = Counter(name for name, _type, _body in signatures)
    assert names["Chaos"] <= 1 and names["Plain"] <= 1, email  # noqa: PT018
    assert aliases <= 2, email


class LoopStalls:
    """The event loop's stalls during a run: how late a tick every ``interval`` s woke.

    A chaos run's client and fake share one loop on a machine other work shares too, so a
    request the plan left alone can still outlive a short attempt limit when the loop does
    not run. The stalls measured here are what lets a test attribute such a time-out to the
    machine rather than to the client. Bounded: it stops when its block ends, or after
    ``max_ticks``.
    """

    def __init__(self, interval: float = 0.02, max_ticks: int = 60_000) -> None:
        self.interval = interval
        self.max_ticks = max_ticks
        self.samples: list[tuple[float, float]] = []  # (loop time at wake-up, lateness)
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopStalls:
        self._task = asyncio.create_task(self._watch())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stopped.set()
        assert self._task is not None
        await self._task

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(self.max_ticks):
            due = loop.time() + self.interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.interval)
            if self._stopped.is_set():
                return
            woke = loop.time()
            self.samples.append((woke, max(0.0, woke - due)))

    def worst(self, window: float) -> float:
        """The most stalled time within any ``window`` seconds of the run."""
        worst = total = 0.0
        start = 0
        for when, late in self.samples:
            total += late
            while self.samples[start][0] < when - window:
                total -= self.samples[start][1]
                start += 1
            worst = max(worst, total)
        return worst
