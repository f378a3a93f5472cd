"""Static checks of the fan-out's result types: mypy reads this file, nothing runs it.

Each ``assert_type`` states what a checker must infer; the ``type: ignore`` lines
state what must stay a type error (mypy's warn_unused_ignores fails the run if it
stops being one). Together they show that a result narrows, by ``isinstance``, by
``match``, or by ``unwrap()``, to the variant that holds the value or the error.
"""

from __future__ import annotations

from typing import Literal, NoReturn, assert_never, assert_type

from axigen_async import AccountSession, AxigenClient
from axigen_async.api import account
from axigen_async.bulk import (
    BulkAccount,
    BulkResult,
    BulkRun,
    Failed,
    NotAttempted,
    Outcome,
    Succeeded,
    fan_out,
)
from axigen_async.exceptions import AxigenError
from axigen_async.models.account import AccountInfo


class MyError(Exception):
    pass


async def narrowed_by_isinstance(client: AxigenClient, accounts: list[BulkAccount]) -> None:
    async with fan_out(client, accounts, account.get_info, concurrency=50) as results:
        assert_type(results, BulkRun[AccountInfo])
        async for result in results:
            assert_type(result, Succeeded[AccountInfo] | Failed | NotAttempted)
            if isinstance(result, Succeeded):
                # The README's line: no Optional left to test.
                assert_type(result.value.quota_used_percent, float | None)
                assert_type(result.value.email, str)
                assert_type(result.error, None)
                assert_type(result.outcome, Literal[Outcome.OK])
            elif isinstance(result, Failed):
                assert_type(result.error, Exception)
                assert_type(result.value, None)
            else:
                assert_type(result, NotAttempted)
                assert_type(result.error, AxigenError)
            # Shared by every variant, so code that reads them needs no narrowing.
            assert_type(result.account, BulkAccount)
            assert_type(result.ok, bool)
            assert_type(result.attempts, int)
            assert_type(result.elapsed, float)
            assert_type(result.value, AccountInfo | None)
            assert_type(result.error, Exception | None)
            print(result.value.email)  # type: ignore[union-attr]


def narrowed_by_match(result: BulkResult[AccountInfo]) -> str:
    match result:
        case Succeeded(value=info):
            assert_type(info, AccountInfo)
            return info.email
        case Failed(error=error):
            assert_type(error, Exception)
            return str(error)
        case NotAttempted(error=reason):
            assert_type(reason, AxigenError)
            return reason.message
        case _:
            assert_never(result)


def unwrapped(result: BulkResult[AccountInfo]) -> str:
    # The value, or the error raised: for a caller who wants exceptions back.
    return result.unwrap().email


def unwrap_of_a_failure_never_returns(result: Failed | NotAttempted) -> NoReturn:
    result.unwrap()


async def with_declared_errors(client: AxigenClient, accounts: list[BulkAccount]) -> None:
    async def operation(session: AccountSession) -> int:
        info = await account.get_info(session)
        if not info.email:
            raise MyError(session.label)
        return len(info.email)

    async with fan_out(client, accounts, operation, errors=(MyError,)) as results:
        async for result in results:
            if isinstance(result, Succeeded):
                assert_type(result.value, int)
    fan_out(client, accounts, operation, errors=(KeyboardInterrupt,))  # type: ignore[arg-type]
    fan_out(client, accounts, operation, errors=MyError)  # type: ignore[arg-type]


def covariant(result: Succeeded[bool]) -> Succeeded[int]:
    # A result of a subtype is a result of its supertype.
    return result


def narrowed_by_ok(result: BulkResult[AccountInfo]) -> str:
    if result.ok:
        assert_type(result, Succeeded[AccountInfo])
        return result.value.email
    return str(result.error)
