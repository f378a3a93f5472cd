"""Cancel a fan-out at 50 seeded random points: nothing is left behind.

Each point runs one fan-out over 300 seeded accounts on the fake server (per
account: a login, ``get_info``, ``list_signatures``, a 256 KiB ``get_avatar``,
the logout; 20 at a time) and cancels the consumer's task: before any result,
once it read k results, from the progress hook, or after a random delay. The
faults armed on the fake place that cancellation during logins and waits for a
login slot, requests and waits for a pooled connection, bodies half received,
retry backoff or logouts, and a slow consumer places it while the workers wait
for the queue. Then the task must have ended cancelled, and every worker too
(no cancellation swallowed); nothing may be in flight, hold a connection or a
login slot, the input must be closed, the client must still work; and once it
is closed, no task may be left, no warning emitted and the loop's exception
handler never called.

Nothing here reads a private member of the library: that no connection of the
pool and no login slot was left taken is shown from the server's side, by holding
logins at a gate until as many arrive at once as the pool and the login cap allow.

The fake serves from a thread of its own, on its own event loop, so that the
test's loop runs the client's tasks only and ``asyncio.all_tasks()`` tells
whether one is left. Every point is drawn from ``SEED`` (set the environment
variable ``AXIGEN_CANCEL_SEED`` to draw others); a failure names the seed and
the point, so it reproduces.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import gc
import itertools
import os
import queue
import random
import threading
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler

from axigen_async import AccountSession, AxigenClient, BasicAuth, RetryPolicy, Timeouts
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, Progress, fan_out
from axigen_async.testing import FakeAvatar, FakeAxigen
from tests.helpers import wait_until

SEED = int(os.environ.get("AXIGEN_CANCEL_SEED", "20261124"))
POINTS = 50
ACCOUNTS = 300
CONCURRENCY = 20
MAX_CONCURRENT_LOGINS = 10
PASSWORD = "seeded-Pass-7"
#: The longest the test waits for anything before it fails instead.
PATIENCE = 20.0
#: Short real backoff, so a cancellation can land in it; a budget no run spends.
RETRY = RetryPolicy(backoff_base=0.02, backoff_cap=0.1, budget_capacity=1_000_000)
TIMEOUTS = Timeouts(deadline=10.0, attempt=5.0, connect=2.0)

LOGIN = "POST /api/v1/login"
LOGOUT = "POST /api/v1/logout"
INFO = "GET /api/v1/account/info"
SIGNATURES = "GET /api/v1/account/signatures"
WORKER_PREFIX = "axigen-fan-out-worker"
AVATAR_PATH = "/api/v1/account/avatar"
#: Every account's avatar: an answer long enough to arrive in several reads.
AVATAR = FakeAvatar(b"\x89PNG\r\n\x1a\n" + bytes(256 * 1024))
#: With STALLED_BODIES, the share of avatars that stop halfway, and for how long.
STALL_SHARE = 0.2
STALL = 0.5
#: The longest a gate holds requests that never come together (only when a test fails).
GATE_PATIENCE = 5.0

T = TypeVar("T")


class Gate:
    """Holds the requests of one route until ``count`` of them are held at once.

    Requests that reach a gate only pass together, so a gate that opens proves that
    the client could send ``count`` of them at the same time. ``release()`` opens it
    early; after ``GATE_PATIENCE`` it opens by itself, so nothing hangs. It may be
    made in any thread, but is used only in the fake's own loop.
    """

    def __init__(self, route: str, count: int) -> None:
        self.route = route
        self.count = count
        self.held = 0
        #: Whether ``count`` requests were held at once.
        self.reached = False
        self._open = asyncio.Event()

    def release(self) -> None:
        self._open.set()

    async def hold(self) -> None:
        if self._open.is_set():
            return
        self.held += 1
        try:
            if self.held >= self.count:
                self.reached = True
                self._open.set()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(GATE_PATIENCE):
                    await self._open.wait()
        finally:
            self.held -= 1


# --- the fake server, in a thread of its own ------------------------------------------


class StallingFake(FakeAxigen):
    """The fake, able to stall halfway through an avatar, as a slow server does.

    The one thing the fake's own faults cannot do: send part of a body, then wait.
    A request cancelled meanwhile holds a connection whose answer is not over, which
    only the client's own release gives back.
    """

    def __init__(self) -> None:
        super().__init__(host="127.0.0.1")
        #: Draws which avatars stall; None: none does.
        self.stalls: random.Random | None = None
        #: The gate of each route that has one.
        self.gates: dict[str, Gate] = {}

    def make_app(self) -> web.Application:
        app = super().make_app()
        # Inside the fake's own middleware, so it has counted the request already.
        app.middlewares.append(self._hold_at_gates)
        app.middlewares.append(self._stall_avatars)
        return app

    @web.middleware
    async def _hold_at_gates(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        gate = self.gates.get(f"{request.method} {request.path}")
        if gate is not None:
            await gate.hold()
        return await handler(request)

    @web.middleware
    async def _stall_avatars(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        stalls = self.stalls
        if (
            stalls is None
            or request.method != "GET"
            or request.path != AVATAR_PATH
            or not isinstance(response, web.Response)
            or response.status != 200
            or stalls.random() >= STALL_SHARE
        ):
            return response
        body = response.body
        assert isinstance(body, bytes)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        stream = web.StreamResponse(status=200, headers=headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client went away meanwhile
            await stream.write(body[: len(body) // 2])
            await asyncio.sleep(STALL)
            await stream.write(body[len(body) // 2 :])
        return stream


class ServedFake:
    """A ``StallingFake`` serving on 127.0.0.1 from its own thread and event loop."""

    def __init__(self, fake: StallingFake, loop: asyncio.AbstractEventLoop) -> None:
        self.url = fake.url
        self._fake = fake
        self._loop = loop
        self._stop = asyncio.Event()  # made here, in the fake's loop; set only from it

    async def configure(self, change: Callable[[StallingFake], None]) -> None:
        """Run ``change(fake)`` in the fake's loop and wait for it.

        The fake's state is not thread-safe: it may only be touched from its loop.
        """

        async def apply() -> None:
            change(self._fake)

        done = asyncio.run_coroutine_threadsafe(apply(), self._loop)
        async with asyncio.timeout(PATIENCE):
            await asyncio.wrap_future(done)

    async def ask(self, question: Callable[[StallingFake], T]) -> T:
        """``question(fake)``, computed in the fake's loop."""
        answers: list[T] = []
        await self.configure(lambda fake: answers.append(question(fake)))
        return answers[0]

    def stop_soon(self) -> None:
        """Ask the fake's loop to stop serving (from any thread)."""
        self._loop.call_soon_threadsafe(self._stop.set)

    async def serve_until_stopped(self) -> None:
        await self._stop.wait()


async def _serve(handoff: queue.Queue[ServedFake | BaseException]) -> None:
    fake = StallingFake()
    try:
        await fake.start()
        fake.add_seeded_accounts(ACCOUNTS, password=PASSWORD)
        for index in range(1, ACCOUNTS + 1):
            fake.account(f"user{index}@example.com").avatar = AVATAR
        served = ServedFake(fake, asyncio.get_running_loop())
    except BaseException as error:
        handoff.put(error)
        await fake.stop()
        raise
    handoff.put(served)
    try:
        await served.serve_until_stopped()
    finally:
        await fake.stop()


@contextlib.contextmanager
def served_fake() -> Iterator[ServedFake]:
    """Start the fake in a thread, give it, and always stop it and join the thread."""
    handoff: queue.Queue[ServedFake | BaseException] = queue.Queue()
    thread = threading.Thread(
        target=lambda: asyncio.run(_serve(handoff)), name="fake-axigen", daemon=True
    )
    thread.start()
    try:
        started = handoff.get(timeout=PATIENCE)
    except queue.Empty:
        raise AssertionError(f"the fake server did not start within {PATIENCE} s") from None
    if isinstance(started, BaseException):
        thread.join(PATIENCE)
        raise started
    try:
        yield started
    finally:
        started.stop_soon()
        thread.join(PATIENCE)
        assert not thread.is_alive(), f"the fake server's thread did not end within {PATIENCE} s"


@pytest.fixture(scope="module")
def fake() -> Iterator[ServedFake]:
    with served_fake() as served:
        yield served


# --- the cancellation points -----------------------------------------------------------


class Where(enum.Enum):
    """When the consumer's task is cancelled."""

    #: By the test, within the first loop steps: no result read yet (rarely just one).
    BEFORE_ANY_RESULT = "before-any-result"
    #: By the test, once the consumer read k results.
    AFTER_RESULTS = "after-k-results"
    #: By the progress hook, in the consumer's own task, at the k-th result.
    FROM_PROGRESS_HOOK = "from-progress-hook"
    #: By the test, after a random delay (or once half the accounts are done, if sooner).
    AFTER_DELAY = "after-delay"


class Faults(enum.Enum):
    """What the fake does meanwhile, and so what the workers are doing when cancelled."""

    NONE = "no-faults"
    #: A fifth of the requests answer 503: re-sends, and their backoff.
    FLAKY = "flaky-503"
    #: Some connections drop before the answer, others answer 503.
    RESETS = "resets"
    #: Logins take 20 ms: workers wait in logins and for login slots.
    SLOW_LOGINS = "slow-logins"
    #: ``get_info`` and ``list_signatures`` take 10 ms each.
    SLOW_REQUESTS = "slow-requests"
    #: Logouts take 30 ms: workers are closing their sessions.
    SLOW_LOGOUTS = "slow-logouts"
    #: A fifth of the avatars stop halfway for a while: workers are reading a body.
    STALLED_BODIES = "stalled-bodies"


@dataclass(frozen=True)
class Point:
    """One cancellation point: where it lands, and what the fake and the consumer do."""

    index: int
    where: Where
    faults: Faults
    #: Loop steps to wait (BEFORE_ANY_RESULT).
    steps: int
    #: Results before the cancellation (AFTER_RESULTS, FROM_PROGRESS_HOOK).
    results: int
    #: Seconds before the cancellation (AFTER_DELAY).
    delay: float
    #: Seconds the consumer spends on each result (0.0: a fast consumer).
    consumer_delay: float
    #: Connections in the client's pool: below the concurrency, calls wait for one.
    pool_size: int
    #: Whether the accounts come from an async generator rather than a list.
    async_input: bool
    fault_seed: int

    @property
    def id(self) -> str:
        parts = [f"{self.index:02d}", self.where.value, self.faults.value]
        if self.consumer_delay:
            parts.append("slow-consumer")
        if self.pool_size < CONCURRENCY:
            parts.append(f"pool-{self.pool_size}")
        if self.async_input:
            parts.append("async-input")
        return "-".join(parts)

    def __str__(self) -> str:
        return (
            f"seed {SEED} point {self.index} ({self.where.value}, steps={self.steps}, "
            f"results={self.results}, delay={self.delay:.3f}, faults={self.faults.value} "
            f"seed {self.fault_seed}, consumer_delay={self.consumer_delay:.4f}, "
            f"pool_size={self.pool_size}, async_input={self.async_input})"
        )


def draw_points(seed: int, count: int) -> list[Point]:
    """``count`` points from ``seed``; every (where, faults) pair comes at least once."""
    rng = random.Random(seed)
    pairs = list(itertools.product(Where, Faults))
    rng.shuffle(pairs)
    points = []
    for index in range(count):
        where, faults = pairs[index % len(pairs)]
        slow = rng.random() < 0.3
        points.append(
            Point(
                index=index,
                where=where,
                faults=faults,
                steps=rng.randrange(30),
                results=rng.randint(1, 40 if slow else ACCOUNTS // 2),
                delay=rng.uniform(0.0, 0.25),
                consumer_delay=rng.uniform(0.001, 0.005) if slow else 0.0,
                pool_size=rng.choice((4, 100)),
                async_input=rng.random() < 0.5,
                fault_seed=rng.randrange(2**32),
            )
        )
    return points


def arm(point: Point) -> Callable[[StallingFake], None]:
    def arm_faults(fake: StallingFake) -> None:
        clear_faults(fake)
        faults = fake.faults
        if point.faults is Faults.FLAKY:
            faults.random_faults(0.2, seed=point.fault_seed, statuses=(503,))
        elif point.faults is Faults.RESETS:
            faults.random_faults(0.1, seed=point.fault_seed, statuses=(503,), reset_share=0.5)
        elif point.faults is Faults.SLOW_LOGINS:
            faults.delay(LOGIN, 0.02)
        elif point.faults is Faults.SLOW_REQUESTS:
            faults.delay(INFO, 0.01)
            faults.delay(SIGNATURES, 0.01)
        elif point.faults is Faults.SLOW_LOGOUTS:
            faults.delay(LOGOUT, 0.03)
        elif point.faults is Faults.STALLED_BODIES:
            fake.stalls = random.Random(point.fault_seed)

    return arm_faults


def clear_faults(fake: StallingFake) -> None:
    fake.faults.clear()
    fake.stalls = None
    for gate in fake.gates.values():
        gate.release()
    fake.gates.clear()


# --- one fan-out, and its consumer -------------------------------------------------------


def seeded_accounts() -> list[BulkAccount]:
    return [BulkAccount.basic(f"user{i}@example.com", PASSWORD) for i in range(1, ACCOUNTS + 1)]


async def seeded_accounts_one_step_apart() -> AsyncIterator[BulkAccount]:
    for bulk_account in seeded_accounts():
        await asyncio.sleep(0)
        yield bulk_account


async def info_signatures_and_avatar(session: AccountSession) -> tuple[str, int, int]:
    """Several requests per account: the login, three calls (one long answer), the logout."""
    info = await account.get_info(session)
    signatures = await account.list_signatures(session)
    avatar = await account.get_avatar(session)
    return info.email, len(signatures), len(avatar.data)


def running_workers() -> set[asyncio.Task[object]]:
    """The fan-out's worker tasks still running (found by the name the engine gives them)."""
    return {
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith(WORKER_PREFIX) and not task.done()
    }


class Consumer:
    """Reads a fan-out's results in a task of its own, which the test cancels."""

    def __init__(self, point: Point) -> None:
        self.point = point
        self.read = 0
        #: Set when the test should cancel (AFTER_RESULTS, AFTER_DELAY at the latest),
        #: or when the consumer ends, so the test never waits for nothing.
        self.cue = asyncio.Event()
        self.cue_at = point.results if point.where is Where.AFTER_RESULTS else ACCOUNTS // 2
        #: Whether the code after the block ran: then the cancellation was swallowed.
        self.went_on = False
        #: The fan-out's workers still running when the cancellation was requested.
        self.workers_at_cancel: set[asyncio.Task[object]] = set()
        self.input: AsyncIterator[BulkAccount] | None = None

    async def run(self, client: AxigenClient) -> None:
        point = self.point
        accounts: list[BulkAccount] | AsyncIterator[BulkAccount] = seeded_accounts()
        if point.async_input:
            accounts = self.input = seeded_accounts_one_step_apart()
        try:
            run = fan_out(
                client,
                accounts,
                info_signatures_and_avatar,
                concurrency=CONCURRENCY,
                on_progress=self._progress,
            )
            async with run as results:
                async for _ in results:
                    self.read += 1
                    if self.read == self.cue_at:
                        self.cue.set()
                    if point.consumer_delay:
                        await asyncio.sleep(point.consumer_delay)
            self.went_on = True
        finally:
            self.cue.set()

    def _progress(self, progress: Progress) -> None:
        if self.point.where is Where.FROM_PROGRESS_HOOK and progress.done == self.point.results:
            task = asyncio.current_task()
            assert task is not None
            self.workers_at_cancel = running_workers()
            task.cancel()


async def cancel_at(point: Point, consumer: Consumer, task: asyncio.Task[None]) -> None:
    """Cancel the consumer's task at the point's place (the hook cancels it itself)."""
    if point.where is Where.BEFORE_ANY_RESULT:
        for _ in range(point.steps):
            if consumer.read:
                break
            await asyncio.sleep(0)
    elif point.where is Where.AFTER_RESULTS:
        async with asyncio.timeout(PATIENCE):
            await consumer.cue.wait()
    elif point.where is Where.AFTER_DELAY:
        # At half the accounts at the latest, so it lands before the run ends on any machine.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(point.delay):
                await consumer.cue.wait()
    if point.where is not Where.FROM_PROGRESS_HOOK:
        consumer.workers_at_cancel = running_workers()
        task.cancel()


# --- what must be left: nothing ------------------------------------------------------------


def outcome(task: asyncio.Task[object]) -> str:
    if not task.done():
        return "is still running"
    if task.cancelled():
        return "was cancelled"
    error = task.exception()
    return "returned" if error is None else f"raised {error!r}"


def assert_the_client_holds_nothing(client: AxigenClient, where: str) -> None:
    assert client.statistics().in_flight == 0, f"{where}: {client.statistics()}"


async def assert_the_pool_and_the_login_cap_are_whole(
    fake: ServedFake, client: AxigenClient, pool_size: int, where: str
) -> None:
    """As many accounts as the pool and the login cap allow log in at once, then work.

    The fake holds each login at a gate until that many are held together: a
    connection of the pool, or a login slot, left taken by the cancelled run would
    keep the last one from arriving, and the gate would not be reached.
    """
    together = min(pool_size, MAX_CONCURRENT_LOGINS)
    gate = Gate(LOGIN, together)

    def set_gate(fake: StallingFake) -> None:
        clear_faults(fake)
        fake.gates[LOGIN] = gate

    async def log_in_and_read(index: int) -> str:
        credentials = BasicAuth(f"user{index}@example.com", PASSWORD)
        async with client.session(credentials) as session:
            return (await account.get_info(session)).email

    await fake.configure(set_gate)
    try:
        async with asyncio.timeout(PATIENCE):
            emails = await asyncio.gather(*(log_in_and_read(i) for i in range(1, together + 1)))
        reached = await fake.ask(lambda _: gate.reached)
    finally:
        await fake.configure(clear_faults)
    assert reached, f"{where}: {together} logins could not be sent at once: one was left taken"
    assert emails == [f"user{i}@example.com" for i in range(1, together + 1)], where
    assert_the_client_holds_nothing(client, where)


async def assert_no_task_left(where: str) -> None:
    gc.collect()
    await asyncio.sleep(0)  # a finalizer may have scheduled a task: let it be created
    left = asyncio.all_tasks() - {asyncio.current_task()}
    assert not left, f"{where}: tasks left running: {sorted(map(repr, left))}"


@contextlib.contextmanager
def no_warning_nor_loop_error(where: str) -> Iterator[None]:
    """Fail if the block emits a warning or calls the loop's exception handler.

    That handler is where asyncio reports a task destroyed while pending, and aiohttp
    an unclosed session or connection; ``gc.collect()`` at the end finds those.
    """
    loop = asyncio.get_running_loop()
    handled: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: handled.append(context))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
            gc.collect()
    finally:
        loop.set_exception_handler(previous)
    assert [str(warning.message) for warning in caught] == [], f"{where}: warnings"
    assert [context.get("message") for context in handled] == [], f"{where}: loop errors"


def make_client(url: str, *, pool_size: int = 100) -> AxigenClient:
    return AxigenClient(
        url,
        pool_size=pool_size,
        timeouts=TIMEOUTS,
        retry=RETRY,
        max_concurrent_logins=MAX_CONCURRENT_LOGINS,
    )


async def cancel_and_check(fake: ServedFake, point: Point) -> None:
    async with make_client(fake.url, pool_size=point.pool_size) as client:
        consumer = Consumer(point)
        task = asyncio.create_task(consumer.run(client), name="the-cancelled-consumer")
        await cancel_at(point, consumer, task)
        await asyncio.wait([task], timeout=PATIENCE)

        where = f"{point}, after {consumer.read} results"
        assert task.done(), f"{where}: the cancelled fan-out did not end within {PATIENCE} s"
        assert task.cancelled(), f"{where}: the consumer's task {outcome(task)}"
        assert not consumer.went_on, f"{where}: the cancellation was swallowed"
        # Every worker was still mid-run, so only a cancellation could end it.
        swallowed = [
            f"{worker.get_name()} {outcome(worker)}"
            for worker in consumer.workers_at_cancel
            if not worker.cancelled()
        ]
        assert not swallowed, f"{where}: workers did not end cancelled: {sorted(swallowed)}"
        current = asyncio.current_task()
        assert current is not None
        assert current.cancelling() == 0, f"{where}: a cancellation reached the test's task"
        assert_the_client_holds_nothing(client, where)
        if consumer.input is not None:
            # A closed generator ends at once; one left open would give its next account.
            left_open = await anext(consumer.input, None)
            assert left_open is None, f"{where}: the input was not closed"

        await assert_the_pool_and_the_login_cap_are_whole(fake, client, point.pool_size, where)
    await assert_no_task_left(where)


@pytest.mark.parametrize("point", draw_points(SEED, POINTS), ids=lambda point: point.id)
async def test_a_cancelled_fan_out_leaves_nothing_behind(fake: ServedFake, point: Point) -> None:
    with no_warning_nor_loop_error(str(point)):
        await fake.configure(arm(point))
        try:
            await cancel_and_check(fake, point)
        finally:
            await fake.configure(clear_faults)


# --- regressions --------------------------------------------------------------------------


async def test_cancelled_again_while_its_sessions_log_out_the_run_still_waits_for_them(
    fake: ServedFake,
) -> None:
    """Regression: a second cancellation used to end the block at once, leaving its
    workers running past it, logging out on a client about to be closed."""
    where = "cancelled again while logging out"
    # Never reached by the one logout: it is held until the test releases it.
    gate = Gate(LOGOUT, 2)

    def hold_logouts(fake: StallingFake) -> None:
        fake.gates[LOGOUT] = gate

    with no_warning_nor_loop_error(where):
        await fake.configure(hold_logouts)
        try:
            async with make_client(fake.url) as client:
                logged_in = asyncio.Event()

                async def log_in_then_wait(session: AccountSession) -> None:
                    await account.get_info(session)
                    logged_in.set()
                    await asyncio.Event().wait()  # until cancelled

                async def consume() -> None:
                    run = fan_out(client, seeded_accounts()[:1], log_in_then_wait)
                    async with run as results:
                        async for _ in results:
                            pass

                task = asyncio.create_task(consume())
                async with asyncio.timeout(PATIENCE):
                    await logged_in.wait()
                task.cancel()  # the worker is cancelled and its session logs out
                await wait_until(lambda: client.statistics().in_flight == 1, timeout=PATIENCE)
                task.cancel()
                for _ in range(20):  # loop steps, not time: the block must not end meanwhile
                    await asyncio.sleep(0)
                assert not task.done(), f"{where}: the block ended with its logout still held"
                await fake.configure(lambda _: gate.release())
                await asyncio.wait([task], timeout=PATIENCE)

                assert task.cancelled(), f"{where}: the consumer's task {outcome(task)}"
                left = running_workers()
                assert not left, f"{where}: workers still running past the block: {left}"
                assert_the_client_holds_nothing(client, where)
        finally:
            await fake.configure(clear_faults)
        await assert_no_task_left(where)
