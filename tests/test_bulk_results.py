"""The fan-out's result variants: one class per outcome, narrowed by isinstance or match.

No server is needed (see ``test_bulk``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from axigen_async import AccountSession, AxigenClient
from axigen_async.bulk import (
    BulkAccount,
    Failed,
    NotAttempted,
    Outcome,
    ServerUnavailableError,
    Succeeded,
    fan_out,
)
from axigen_async.exceptions import (
    ConnectError,
    NotFoundError,
)
from tests.bulk_support import (
    BASE_URL,
    email,
    index_of,
    make_accounts,
    refused,
)


@pytest.fixture
async def client() -> AsyncIterator[AxigenClient]:
    async with AxigenClient(BASE_URL) as client:
        yield client


# --- the result variants ------------------------------------------------------------


async def test_each_outcome_has_its_own_result_class(client: AxigenClient) -> None:
    async def by_index(session: AccountSession) -> int:
        index = index_of(session)
        if index % 3 == 1:
            raise NotFoundError("gone", status=404)
        if index % 3 == 2:
            raise refused()
        return index

    run = fan_out(client, make_accounts(30), by_index, concurrency=1, stop_after_connect_failures=1)
    described: dict[str, str] = {}
    async with run as results:
        async for result in results:
            match result:
                case Succeeded(account=BulkAccount(email=address), value=value):
                    described[address] = f"ok {value}"
                case Failed(error=NotFoundError() as error):
                    described[result.account.email] = f"failed {error.status}"
                case Failed(error=ConnectError()):
                    described[result.account.email] = "could not connect"
                case NotAttempted(error=reason):
                    assert reason is run.stopped_reason
                    described[result.account.email] = "not attempted"

    # Account 0 succeeds, 1 fails with a 404, 2 cannot connect: the stop (after one).
    assert described == {
        email(0): "ok 0",
        email(1): "failed 404",
        email(2): "could not connect",
        **{email(i): "not attempted" for i in range(3, 30)},
    }


def test_unwrap_gives_the_value_or_raises_the_error() -> None:
    bulk_account = BulkAccount.basic(email(0), "secret")
    error = NotFoundError("gone", status=404)
    stop = ServerUnavailableError("down", consecutive_failures=3)

    assert Succeeded(bulk_account, 7).unwrap() == 7
    with pytest.raises(NotFoundError) as caught:
        Failed(bulk_account, error).unwrap()
    assert caught.value is error
    with pytest.raises(ServerUnavailableError):
        NotAttempted(bulk_account, stop).unwrap()


def test_every_variant_answers_the_shared_attributes() -> None:
    bulk_account = BulkAccount.basic(email(0), "secret")
    error = NotFoundError("gone", status=404)
    stop = ServerUnavailableError("down", consecutive_failures=3)
    succeeded = Succeeded(bulk_account, "v", attempts=2, elapsed=0.5)
    failed = Failed(bulk_account, error, attempts=3, elapsed=1.5)
    skipped = NotAttempted(bulk_account, stop)

    assert (succeeded.ok, succeeded.outcome, succeeded.value, succeeded.error) == (
        True,
        Outcome.OK,
        "v",
        None,
    )
    assert (failed.ok, failed.outcome, failed.value, failed.error) == (
        False,
        Outcome.FAILED,
        None,
        error,
    )
    assert (skipped.ok, skipped.outcome, skipped.value, skipped.error) == (
        False,
        Outcome.NOT_ATTEMPTED,
        None,
        stop,
    )
    assert (skipped.attempts, skipped.elapsed) == (0, 0.0)
    assert "secret" not in repr(succeeded) + repr(failed) + repr(skipped)
