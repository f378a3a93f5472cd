"""The fan-out engine: bounded workers, one result per account, a clean stop.

No server is needed: the client points at a port nothing listens on, and the
operations never touch the network (a session that never logged in sends nothing,
not even a logout), so each one succeeds or fails by its account's label.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import socket
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from axigen_async import AccountSession, AxigenClient, RetryPolicy, Timeouts
from axigen_async import bulk as bulk_module
from axigen_async.api import account
from axigen_async.bulk import (
    BulkAccount,
    BulkResult,
    Outcome,
    Progress,
    ServerUnavailableError,
    Succeeded,
    fan_out,
    is_connect_error,
)
from axigen_async.exceptions import (
    ConnectError,
    ConnectTimeoutError,
    DeadlineExceededError,
    LoginError,
    NotFoundError,
    RequestTimeoutError,
)
from tests.bulk_support import (
    BASE_URL,
    FakeClock,
    assert_no_task_left,
    collect,
    echo,
    email,
    index_of,
    index_of_email,
    make_accounts,
    refused,
    worker_tasks,
)
from tests.helpers import wait_until


@pytest.fixture
async def client() -> AsyncIterator[AxigenClient]:
    async with AxigenClient(BASE_URL) as client:
        yield client


# --- every account once ------------------------------------------------------------


async def test_every_account_is_reported_exactly_once(client: AxigenClient) -> None:
    async def every_third_fails(session: AccountSession) -> str:
        await asyncio.sleep(0)
        if index_of(session) % 3 == 0:
            raise NotFoundError("no such account", status=404)
        return session.label

    results = await collect(fan_out(client, make_accounts(1000), every_third_fails, concurrency=7))

    assert Counter(r.account.email for r in results) == Counter(email(i) for i in range(1000))
    for result in results:
        failing = int(result.account.email[4:].partition("@")[0]) % 3 == 0
        assert result.outcome is (Outcome.FAILED if failing else Outcome.OK)
        assert result.ok is not failing
        if failing:
            assert isinstance(result.error, NotFoundError)
            assert result.value is None
        else:
            assert result.value == result.account.email
            assert result.error is None
    assert_no_task_left()


async def test_results_come_in_completion_order(client: AxigenClient) -> None:
    async def first_is_slowest(session: AccountSession) -> int:
        for _ in range(10 if index_of(session) == 0 else 1):
            await asyncio.sleep(0)
        return index_of(session)

    results = await collect(fan_out(client, make_accounts(3), first_is_slowest, concurrency=3))

    assert [r.value for r in results][-1] == 0


async def test_a_result_carries_the_value_the_attempts_and_the_elapsed_time(
    client: AxigenClient,
) -> None:
    clock = FakeClock()

    async def takes_two_and_a_half_seconds(session: AccountSession) -> int:
        clock.now += 2.5
        return 42

    run = fan_out(client, make_accounts(1), takes_two_and_a_half_seconds, clock=clock)
    async with run as results:
        [result] = [r async for r in results]

    assert result == Succeeded(
        BulkAccount.basic(email(0), "secret"), value=42, attempts=0, elapsed=2.5
    )


async def test_one_failing_account_does_not_stop_the_others(client: AxigenClient) -> None:
    async def one_fails(session: AccountSession) -> str:
        if index_of(session) == 5:
            raise LoginError("login refused", status=401)
        return session.label

    results = await collect(fan_out(client, make_accounts(10), one_fails, concurrency=3))

    failed = [r for r in results if not r.ok]
    assert [r.account.email for r in failed] == [email(5)]
    assert isinstance(failed[0].error, LoginError)
    assert sum(r.ok for r in results) == 9


# --- bounds ----------------------------------------------------------------------------


async def test_no_more_operations_run_at_once_than_the_concurrency(client: AxigenClient) -> None:
    running = 0
    most = 0
    most_workers = 0
    most_counted = 0

    async def counted(session: AccountSession) -> str:
        nonlocal running, most, most_workers, most_counted
        running += 1
        most = max(most, running)
        most_workers = max(most_workers, len(worker_tasks()))
        most_counted = max(most_counted, run.workers)
        for _ in range(3):
            await asyncio.sleep(0)
        running -= 1
        return session.label

    run = fan_out(client, make_accounts(200), counted, concurrency=7)
    results = await collect(run)

    assert len(results) == 200
    assert most == 7
    assert most_workers == 7
    assert most_counted == 7
    assert run.workers == 0


async def test_a_short_input_starts_no_more_workers_than_it_needs(client: AxigenClient) -> None:
    seen: set[asyncio.Task[object]] = set()

    async def watch(session: AccountSession) -> str:
        await asyncio.sleep(0)
        seen.update(worker_tasks())
        return session.label

    results = await collect(fan_out(client, make_accounts(3), watch, concurrency=50))

    assert len(results) == 3
    # One worker per account pulled, plus at most one that finds the input empty.
    assert len(seen) <= 4


async def test_the_input_is_pulled_lazily_and_never_materialized(client: AxigenClient) -> None:
    concurrency = 10
    total = 20_000
    pulled = 0

    def generate() -> Iterator[BulkAccount]:
        nonlocal pulled
        credentials = BulkAccount.basic("user@example.com", "secret").credentials
        for i in range(total):
            pulled += 1
            yield BulkAccount(email(i), credentials)

    async def instant(session: AccountSession) -> None:
        return None

    yielded = 0
    widest = 0
    async with fan_out(client, generate(), instant, concurrency=concurrency) as results:
        async for _ in results:
            yielded += 1
            # Held at once: one per worker, plus the queue of finished results.
            widest = max(widest, pulled - yielded)
            assert pulled - yielded <= 2 * concurrency
    assert yielded == total
    assert 0 < widest <= 2 * concurrency


async def test_nothing_is_pulled_before_the_block_is_entered(client: AxigenClient) -> None:
    pulled: list[int] = []

    def generate() -> Iterator[BulkAccount]:
        for i in range(100):
            pulled.append(i)
            yield BulkAccount.basic(email(i), "secret")

    run = fan_out(client, generate(), echo, concurrency=2)
    await asyncio.sleep(0)
    assert pulled == []
    async with run as results:
        first = await anext(results)
        assert first.ok
        assert len(pulled) <= 1 + 2 * 2


async def test_an_async_iterable_input_is_pulled_by_one_worker_at_a_time(
    client: AxigenClient,
) -> None:
    pulling = 0
    most = 0

    async def generate() -> AsyncIterator[BulkAccount]:
        nonlocal pulling, most
        for i in range(50):
            pulling += 1
            most = max(most, pulling)
            await asyncio.sleep(0)
            pulling -= 1
            yield BulkAccount.basic(email(i), "secret")

    results = await collect(fan_out(client, generate(), echo, concurrency=5))

    assert sorted(r.value for r in results if r.value) == sorted(email(i) for i in range(50))
    assert most == 1


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_an_empty_input_gives_no_result(client: AxigenClient, asynchronous: bool) -> None:
    async def nothing() -> AsyncIterator[BulkAccount]:
        return
        yield  # pragma: no cover

    accounts: Iterable[BulkAccount] | AsyncIterable[BulkAccount] = (
        nothing() if asynchronous else iter([])
    )
    async with fan_out(client, accounts, echo, clock=FakeClock()) as results:
        assert [r async for r in results] == []
        assert results.progress() == Progress(0, 0, 0, 0, 0, elapsed=0.0, rate=0.0)
    assert_no_task_left()


# --- leaving early ---------------------------------------------------------------------


async def test_breaking_out_cancels_the_workers_and_closes_the_input(
    client: AxigenClient,
) -> None:
    cancelled: list[str] = []
    closed = False
    never = asyncio.Event()

    def generate() -> Iterator[BulkAccount]:
        nonlocal closed
        try:
            for i in range(1000):
                yield BulkAccount.basic(email(i), "secret")
        finally:
            closed = True

    async def odd_ones_hang(session: AccountSession) -> str:
        if index_of(session) % 2:
            try:
                await never.wait()
            except asyncio.CancelledError:
                cancelled.append(session.label)
                raise
        return session.label

    seen = 0
    async with fan_out(client, generate(), odd_ones_hang, concurrency=4) as results:
        async for _ in results:
            seen += 1
            if seen == 3:
                break

    assert_no_task_left()
    assert closed
    assert cancelled
    assert all(index_of_email(label) % 2 for label in cancelled)


async def test_breaking_out_closes_an_async_generator_input(client: AxigenClient) -> None:
    closed = False

    async def generate() -> AsyncIterator[BulkAccount]:
        nonlocal closed
        try:
            for i in range(1000):
                await asyncio.sleep(0)
                yield BulkAccount.basic(email(i), "secret")
        finally:
            closed = True

    async with fan_out(client, generate(), echo, concurrency=3) as results:
        async for _ in results:
            break

    assert closed
    assert_no_task_left()


async def test_an_error_in_the_consumer_propagates_unwrapped(client: AxigenClient) -> None:
    async def consume() -> None:
        async with fan_out(client, make_accounts(100), echo, concurrency=3) as results:
            async for _ in results:
                raise ValueError("consumer")

    with pytest.raises(ValueError, match="consumer"):
        await consume()
    assert_no_task_left()


async def test_cancelling_the_consumer_cancels_the_operations(client: AxigenClient) -> None:
    started: list[str] = []
    never = asyncio.Event()
    cancelled: list[str] = []
    got: list[BulkResult[str]] = []

    async def hang(session: AccountSession) -> str:
        started.append(session.label)
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(session.label)
            raise
        return session.label

    async def consume() -> None:
        async with fan_out(client, make_accounts(10), hang, concurrency=3) as results:
            got.extend([r async for r in results])

    consumer = asyncio.create_task(consume())
    await wait_until(lambda: len(started) == 3)
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer

    assert got == []
    assert len(cancelled) == 3
    assert_no_task_left()


# --- the server-down stop ----------------------------------------------------------------


async def test_when_the_server_is_down_the_rest_are_reported_not_attempted_once(
    client: AxigenClient,
) -> None:
    calls = 0

    async def down(session: AccountSession) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise refused()

    total, concurrency, limit = 1000, 5, 20
    run = fan_out(
        client,
        make_accounts(total),
        down,
        concurrency=concurrency,
        stop_after_connect_failures=limit,
    )
    async with run as results:
        collected = [r async for r in results]
        reason = results.stopped_reason

    assert Counter(r.account.email for r in collected) == Counter(email(i) for i in range(total))
    failed = [r for r in collected if r.outcome is Outcome.FAILED]
    skipped = [r for r in collected if r.outcome is Outcome.NOT_ATTEMPTED]
    # The accounts in flight when the limit is reached finish and are reported normally.
    assert limit <= len(failed) < limit + concurrency
    assert calls == len(failed)
    assert len(failed) + len(skipped) == total
    assert isinstance(reason, ServerUnavailableError)
    assert all(r.error is reason and r.attempts == 0 and r.elapsed == 0.0 for r in skipped)
    assert f"{limit} consecutive accounts failed to connect to {BASE_URL}" in str(reason)
    assert "Connection refused" in str(reason)
    assert isinstance(reason.__cause__, ConnectError)
    assert reason.consecutive_failures == limit
    assert reason.kind == "ServerUnavailableError"


async def test_a_black_holed_server_stops_the_run_under_a_short_deadline(
    blackhole_url: str,
) -> None:
    # Every connect hangs until the call's deadline: each account fails with a
    # DeadlineExceededError caused by the connect timing out, which counts as
    # "could not connect" for the stop.
    total, limit = 200, 10
    async with AxigenClient(blackhole_url, timeouts=Timeouts(deadline=0.2)) as black_holed:
        run = fan_out(
            black_holed,
            make_accounts(total),
            account.get_info,
            concurrency=5,
            stop_after_connect_failures=limit,
        )
        results = await collect(run)
    failed = [r for r in results if r.outcome is Outcome.FAILED]
    assert len(results) == total
    assert limit <= len(failed) < limit + 5
    assert all(isinstance(r.error, DeadlineExceededError) for r in failed)
    assert isinstance(run.stopped_reason, ServerUnavailableError)


def test_the_server_down_test_counts_a_deadline_only_when_it_ran_out_connecting() -> None:
    while_connecting = DeadlineExceededError("the call's deadline ran out")
    while_connecting.__cause__ = ConnectTimeoutError("no connection")
    while_waiting = DeadlineExceededError("the call's deadline ran out")
    assert is_connect_error(while_connecting)
    assert not is_connect_error(while_waiting)
    assert is_connect_error(ConnectTimeoutError("no connection"))
    assert not is_connect_error(RequestTimeoutError("no answer"))


async def test_the_results_before_the_stop_keep_their_order_of_completion(
    client: AxigenClient,
) -> None:
    async def down(session: AccountSession) -> str:
        raise refused()

    results = await collect(
        fan_out(client, make_accounts(50), down, concurrency=1, stop_after_connect_failures=3)
    )

    assert [r.outcome for r in results] == [Outcome.FAILED] * 3 + [Outcome.NOT_ATTEMPTED] * 47
    assert [r.account.email for r in results] == [email(i) for i in range(50)]


@pytest.mark.parametrize(
    "interruption",
    [
        pytest.param(None, id="a-success"),
        pytest.param(LoginError("login refused", status=401), id="an-answer-from-the-server"),
    ],
)
async def test_any_other_outcome_resets_the_consecutive_count(
    client: AxigenClient, interruption: Exception | None
) -> None:
    async def every_tenth_differs(session: AccountSession) -> str:
        if index_of(session) % 10 == 9:
            if interruption is not None:
                raise interruption
            return session.label
        raise refused()

    run = fan_out(
        client,
        make_accounts(100),
        every_tenth_differs,
        concurrency=1,
        stop_after_connect_failures=10,
    )
    async with run as results:
        collected = [r async for r in results]
        assert results.stopped_reason is None

    assert all(r.outcome is not Outcome.NOT_ATTEMPTED for r in collected)
    assert len(collected) == 100


async def test_the_stop_can_be_turned_off(client: AxigenClient) -> None:
    async def down(session: AccountSession) -> str:
        raise refused()

    results = await collect(
        fan_out(client, make_accounts(100), down, stop_after_connect_failures=None)
    )

    assert all(r.outcome is Outcome.FAILED for r in results)
    assert len(results) == 100


async def test_what_counts_as_server_down_is_a_parameter(client: AxigenClient) -> None:
    async def times_out(session: AccountSession) -> str:
        raise RequestTimeoutError("timed out opening a connection")

    def down(error: BaseException) -> bool:
        return isinstance(error, ConnectError | RequestTimeoutError)

    run = fan_out(
        client,
        make_accounts(10),
        times_out,
        concurrency=1,
        stop_after_connect_failures=2,
        is_server_down_error=down,
    )
    async with run as results:
        outcomes = [r.outcome async for r in results]
        assert results.stopped_reason is not None

    assert outcomes == [Outcome.FAILED] * 2 + [Outcome.NOT_ATTEMPTED] * 8


async def test_the_stop_is_logged_once(
    client: AxigenClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def down(session: AccountSession) -> str:
        raise refused()

    with caplog.at_level(logging.WARNING, logger="axigen_async"):
        await collect(
            fan_out(client, make_accounts(100), down, concurrency=3, stop_after_connect_failures=4)
        )

    stops = [r for r in caplog.records if "stopped starting accounts" in r.getMessage()]
    assert len(stops) == 1
    assert stops[0].levelno == logging.WARNING


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def no_wait(delay: float) -> None:
    await asyncio.sleep(0)


async def test_a_real_refused_connection_stops_the_fan_out() -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"
    async with AxigenClient(base_url, retry=RetryPolicy(attempts=2), sleep=no_wait) as client:
        run = fan_out(
            client,
            make_accounts(200),
            account.get_info,
            concurrency=4,
            stop_after_connect_failures=6,
        )
        async with run as results:
            collected = [r async for r in results]
            reason = results.stopped_reason

    failed = [r for r in collected if r.outcome is Outcome.FAILED]
    assert len(collected) == 200
    assert 6 <= len(failed) < 6 + 4
    assert all(isinstance(r.error, ConnectError) and r.attempts >= 1 for r in failed)
    assert isinstance(reason, ServerUnavailableError)
    assert base_url in str(reason)
    assert sum(r.error is reason for r in collected) == 200 - len(failed)
    assert_no_task_left()


def test_the_stop_reason_pickles() -> None:
    error = ServerUnavailableError("stopped", consecutive_failures=20)

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is ServerUnavailableError
    assert copy.message == "stopped"
    assert copy.consecutive_failures == 20


# --- progress --------------------------------------------------------------------------


async def test_the_progress_hook_sees_consistent_counts(client: AxigenClient) -> None:
    clock = FakeClock()
    snapshots: list[Progress] = []

    async def half_fail(session: AccountSession) -> str:
        clock.now += 0.5
        await asyncio.sleep(0)
        if index_of(session) % 2:
            raise NotFoundError("gone", status=404)
        return session.label

    run = fan_out(
        client,
        make_accounts(40),
        half_fail,
        concurrency=4,
        on_progress=snapshots.append,
        clock=clock,
    )
    async with run as results:
        async for _ in results:
            pass
        final = results.progress()

    assert [p.done for p in snapshots] == list(range(1, 41))
    for p in snapshots:
        assert p.done == p.succeeded + p.failed + p.not_attempted
        assert 0 <= p.in_flight <= 4
        assert p.rate == pytest.approx(p.done / p.elapsed)
    assert snapshots[-1] == final
    assert (final.done, final.succeeded, final.failed, final.in_flight) == (40, 20, 20, 0)
    assert final.elapsed == pytest.approx(40 * 0.5)
    assert final.rate == pytest.approx(2.0)


async def test_the_progress_counts_accounts_not_attempted(client: AxigenClient) -> None:
    snapshots: list[Progress] = []

    async def down(session: AccountSession) -> str:
        raise refused()

    run = fan_out(
        client,
        make_accounts(30),
        down,
        concurrency=1,
        stop_after_connect_failures=5,
        on_progress=snapshots.append,
    )
    await collect(run)

    assert (snapshots[-1].done, snapshots[-1].failed, snapshots[-1].not_attempted) == (30, 5, 25)


async def test_an_error_in_the_progress_hook_propagates(client: AxigenClient) -> None:
    def broken(progress: Progress) -> None:
        raise RuntimeError("hook")

    with pytest.raises(RuntimeError, match="hook"):
        await collect(fan_out(client, make_accounts(50), echo, on_progress=broken))
    assert_no_task_left()


# --- the input and misuse ----------------------------------------------------------------


async def test_an_input_error_comes_after_the_results_of_the_accounts_it_yielded(
    client: AxigenClient,
) -> None:
    def breaks() -> Iterator[BulkAccount]:
        yield from make_accounts(5)
        raise OSError("the CSV file went away")

    got: list[BulkResult[str]] = []

    async def consume() -> None:
        async with fan_out(client, breaks(), echo, concurrency=3) as results:
            async for result in results:
                got.append(result)

    with pytest.raises(OSError, match="CSV"):
        await consume()

    assert sorted(r.account.email for r in got) == [email(i) for i in range(5)]
    assert_no_task_left()


async def test_an_input_item_that_is_no_account_is_a_type_error(client: AxigenClient) -> None:
    accounts: list[object] = [*make_accounts(2), ("user@example.com", "secret")]

    with pytest.raises(TypeError, match="BulkAccount"):
        await collect(fan_out(client, accounts, echo))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"concurrency": 0}, "concurrency", id="concurrency"),
        pytest.param({"stop_after_connect_failures": 0}, "stop_after", id="stop-after"),
    ],
)
async def test_bad_options_are_value_errors(
    client: AxigenClient, options: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        fan_out(client, [], echo, **options)  # type: ignore[arg-type]


async def test_accounts_must_be_iterable(client: AxigenClient) -> None:
    with pytest.raises(TypeError, match="iterable"):
        fan_out(client, 42, echo)  # type: ignore[arg-type]


async def test_the_results_are_read_inside_the_block(client: AxigenClient) -> None:
    run = fan_out(client, make_accounts(1), echo)

    with pytest.raises(RuntimeError, match="async with"):
        await anext(run)


async def test_a_run_is_entered_once(client: AxigenClient) -> None:
    run = fan_out(client, make_accounts(1), echo)
    async with run as results:
        assert len([r async for r in results]) == 1
    with pytest.raises(RuntimeError, match="once"):
        await run.__aenter__()


async def test_a_closed_client_is_refused() -> None:
    client = AxigenClient(BASE_URL)
    await client.close()

    with pytest.raises(RuntimeError, match="closed"):
        await collect(fan_out(client, make_accounts(1), echo))


async def test_a_failing_server_down_test_propagates(client: AxigenClient) -> None:
    def broken(error: BaseException) -> bool:
        raise LookupError("predicate")

    async def fails(session: AccountSession) -> str:
        raise NotFoundError("x", status=404)

    with pytest.raises(LookupError, match="predicate"):
        await collect(fan_out(client, make_accounts(20), fails, is_server_down_error=broken))
    assert_no_task_left()


# --- secrets -----------------------------------------------------------------------------


def test_an_accounts_repr_hides_its_secret() -> None:
    basic = BulkAccount.basic("user@example.com", "hunter2-secret")
    bearer = BulkAccount.bearer("user@example.com", "tok-very-secret")

    assert "hunter2-secret" not in repr(basic)
    assert "tok-very-secret" not in repr(bearer)
    assert "user@example.com" in repr(basic)
    assert bearer.credentials.label.startswith("bearer:")


async def test_no_secret_reaches_a_result_or_the_stop_reason(client: AxigenClient) -> None:
    async def down(session: AccountSession) -> str:
        raise refused()

    accounts = [BulkAccount.basic(email(i), f"pw-{i}-secret") for i in range(10)]
    run = fan_out(client, accounts, down, concurrency=1, stop_after_connect_failures=2)
    async with run as results:
        text = " ".join([repr(r) async for r in results])
        text += str(results.stopped_reason) + repr(results)

    assert "secret" not in text


# --- a property --------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    outcomes=st.lists(st.sampled_from(["ok", "fail", "down"]), max_size=60),
    concurrency=st.integers(min_value=1, max_value=8),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
)
def test_every_account_once_and_the_counts_add_up(
    outcomes: list[str], concurrency: int, limit: int | None
) -> None:
    async def scenario() -> None:
        async def operation(session: AccountSession) -> int:
            index = index_of(session)
            for _ in range(index % 3):
                await asyncio.sleep(0)
            if outcomes[index] == "down":
                raise refused()
            if outcomes[index] == "fail":
                raise NotFoundError(f"no {index}", status=404)
            return index

        snapshots: list[Progress] = []
        async with AxigenClient(BASE_URL) as client:
            run = fan_out(
                client,
                make_accounts(len(outcomes)),
                operation,
                concurrency=concurrency,
                stop_after_connect_failures=limit,
                on_progress=snapshots.append,
            )
            async with run as results:
                collected = [r async for r in results]
                stopped = results.stopped_reason

        assert sorted(r.account.email for r in collected) == sorted(
            email(i) for i in range(len(outcomes))
        )
        for result in collected:
            expected = outcomes[index_of_email(result.account.email)]
            if result.outcome is Outcome.OK:
                assert expected == "ok"
            elif result.outcome is Outcome.FAILED:
                assert expected != "ok"
            else:
                assert stopped is not None
                assert result.error is stopped
        if snapshots:
            last = snapshots[-1]
            assert (last.done, last.in_flight) == (len(outcomes), 0)
            assert last.succeeded == sum(r.ok for r in collected)
        assert (stopped is None) or limit is not None

    asyncio.run(scenario())


def test_the_bulk_module_exports_a_sorted_complete_all() -> None:
    assert list(bulk_module.__all__) == sorted(bulk_module.__all__)
    for name in bulk_module.__all__:
        assert hasattr(bulk_module, name), name
