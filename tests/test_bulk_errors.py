"""What the fan-out makes of an operation's exceptions: an account's result, or a bug.

An AxigenError, a declared type, a wrapper raised from one, or a group of them is
the account's Failed result; anything else is a bug that cancels the rest and
propagates. No server is needed (see ``test_bulk``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from axigen_async import AccountSession, AxigenClient
from axigen_async.bulk import (
    BulkResult,
    Failed,
    Outcome,
    fan_out,
)
from axigen_async.exceptions import AxigenError, DeadlineExceededError, NotFoundError
from tests.bulk_support import (
    BASE_URL,
    assert_no_task_left,
    collect,
    echo,
    email,
    index_of,
    make_accounts,
)


@pytest.fixture
async def client() -> AsyncIterator[AxigenClient]:
    async with AxigenClient(BASE_URL) as client:
        yield client


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(AxigenError("axigen"), id="AxigenError"),
        pytest.param(NotFoundError("gone", status=404), id="NotFoundError"),
        pytest.param(DeadlineExceededError("late"), id="DeadlineExceededError"),
    ],
)
async def test_an_axigen_error_of_the_operation_is_that_accounts_result(
    client: AxigenClient, error: Exception
) -> None:
    async def fails(session: AccountSession) -> str:
        raise error

    [result] = await collect(fan_out(client, make_accounts(1), fails))

    assert isinstance(result, Failed)
    assert result.outcome is Outcome.FAILED
    assert result.error is error


class QuotaPolicyError(Exception):
    """An error of the caller's own, declared to fan_out as an account's result."""


@pytest.mark.parametrize(
    ("error", "declared"),
    [
        pytest.param(QuotaPolicyError("over"), (QuotaPolicyError,), id="own-type"),
        pytest.param(KeyError("missing"), (LookupError,), id="subclass-of-declared"),
        pytest.param(TimeoutError(), (ValueError, TimeoutError), id="one-of-several"),
    ],
)
async def test_a_declared_exception_type_is_that_accounts_result(
    client: AxigenClient, error: Exception, declared: tuple[type[Exception], ...]
) -> None:
    async def fails(session: AccountSession) -> str:
        raise error

    results = await collect(fan_out(client, make_accounts(3), fails, errors=declared))

    assert len(results) == 3
    assert all(isinstance(r, Failed) and r.error is error for r in results)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ValueError("bad"), id="ValueError"),
        pytest.param(KeyError("missing"), id="KeyError"),
        pytest.param(RuntimeError("closed"), id="RuntimeError"),
        pytest.param(TimeoutError(), id="TimeoutError"),
    ],
)
async def test_an_undeclared_exception_is_a_bug_that_ends_the_run(
    client: AxigenClient, error: Exception
) -> None:
    cancelled: list[str] = []
    never = asyncio.Event()

    async def one_has_a_bug(session: AccountSession) -> str:
        if index_of(session) == 4:
            raise error
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(session.label)
            raise
        return session.label

    got: list[BulkResult[str]] = []
    went_on = False

    async def consume() -> None:
        nonlocal went_on
        async with fan_out(
            client, make_accounts(100), one_has_a_bug, concurrency=5, errors=(QuotaPolicyError,)
        ) as results:
            got.extend([r async for r in results])
            went_on = True

    with pytest.raises(type(error)) as caught:
        await consume()

    assert caught.value is error
    assert not went_on
    assert got == []
    # The four others running when the bug came were cancelled; nothing else started.
    assert sorted(cancelled) == sorted(email(i) for i in range(4))
    assert_no_task_left()


async def test_a_bug_met_by_every_account_propagates_once_with_a_note(
    client: AxigenClient,
) -> None:
    async def always_broken(session: AccountSession) -> str:
        raise ZeroDivisionError(index_of(session))

    with pytest.raises(ZeroDivisionError) as caught:
        await collect(fan_out(client, make_accounts(20), always_broken, concurrency=5))

    notes = getattr(caught.value, "__notes__", [])
    # Each account's operation fails at once; how many ran before the cancel varies.
    assert all(note.startswith("fan_out: ") and "ZeroDivisionError x" in note for note in notes)
    assert_no_task_left()


async def test_a_wrapper_raised_from_an_axigen_error_is_that_accounts_result(
    client: AxigenClient,
) -> None:
    class StepFailed(Exception):
        pass

    async def wraps(session: AccountSession) -> str:
        try:
            raise NotFoundError("gone", status=404)
        except NotFoundError as error:
            raise StepFailed("reading the account") from error

    [result] = await collect(fan_out(client, make_accounts(1), wraps))

    assert isinstance(result, Failed)
    assert isinstance(result.error, StepFailed)


async def test_a_wrapper_around_a_bug_stays_a_bug(client: AxigenClient) -> None:
    class StepFailed(Exception):
        pass

    async def wraps(session: AccountSession) -> str:
        try:
            found: dict[str, str] = {}
            return found["missing"]
        except KeyError as error:
            raise StepFailed("reading the account") from error

    with pytest.raises(StepFailed):
        await collect(fan_out(client, make_accounts(1), wraps))


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
async def test_a_task_group_of_axigen_errors_in_the_operation_is_that_accounts_result(
    client: AxigenClient, nested: bool
) -> None:
    async def two_calls_at_once(session: AccountSession) -> str:
        async def missing() -> None:
            await asyncio.sleep(0)
            raise NotFoundError("gone", status=404)

        async def both() -> None:
            async with asyncio.TaskGroup() as group:
                group.create_task(missing())
                group.create_task(missing())

        async with asyncio.TaskGroup() as group:
            group.create_task(both() if nested else missing())
        return session.label

    [result] = await collect(fan_out(client, make_accounts(1), two_calls_at_once))

    assert isinstance(result, Failed)
    assert isinstance(result.error, ExceptionGroup)
    matched, rest = result.error.split(NotFoundError)
    assert matched is not None
    assert rest is None


async def test_a_task_group_with_a_bug_in_the_operation_is_a_bug(client: AxigenClient) -> None:
    async def one_call_has_a_bug(session: AccountSession) -> str:
        async def missing() -> None:
            raise NotFoundError("gone", status=404)

        async def broken() -> None:
            raise KeyError("bug")

        async with asyncio.TaskGroup() as group:
            group.create_task(missing())
            group.create_task(broken())
        return session.label

    with pytest.raises(ExceptionGroup) as caught:
        await collect(fan_out(client, make_accounts(1), one_call_has_a_bug))
    assert caught.group_contains(KeyError)


def test_only_exception_types_can_be_declared(client: AxigenClient) -> None:
    with pytest.raises(TypeError, match="Exception subclasses"):
        fan_out(client, [], echo, errors=(KeyboardInterrupt,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Exception subclasses"):
        fan_out(client, [], echo, errors=(ValueError("x"),))  # type: ignore[arg-type]


async def test_a_cancelled_error_nobody_asked_for_is_a_bug(client: AxigenClient) -> None:
    async def cancelled(session: AccountSession) -> str:
        raise asyncio.CancelledError

    current = asyncio.current_task()
    assert current is not None
    with pytest.raises(RuntimeError, match="nobody cancelled it") as caught:
        await collect(fan_out(client, make_accounts(5), cancelled, concurrency=2))
    assert isinstance(caught.value.__cause__, asyncio.CancelledError)
    assert current.cancelling() == 0
    assert_no_task_left()


async def test_a_bug_in_an_operations_cleanup_after_a_break_still_propagates(
    client: AxigenClient,
) -> None:
    never = asyncio.Event()

    async def broken_cleanup(session: AccountSession) -> str:
        if index_of(session) == 0:
            return session.label
        try:
            await never.wait()
        except asyncio.CancelledError:
            raise KeyError("cleanup") from None  # the bug under test
        return session.label

    async def read_one() -> None:
        async with fan_out(client, make_accounts(10), broken_cleanup, concurrency=3) as results:
            async for _ in results:
                break

    with pytest.raises(KeyError, match="cleanup"):
        await read_one()
    assert_no_task_left()
