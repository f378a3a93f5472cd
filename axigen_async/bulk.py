"""Run one operation over many accounts, with bounded concurrency and one result each.

::

    from axigen_async.api import account
    from axigen_async.bulk import BulkAccount, fan_out

    accounts = (BulkAccount.basic(email, password) for email, password in rows)
    async with fan_out(client, accounts, account.get_info, concurrency=50) as results:
        async for result in results:
            print(result.account.email, result.outcome.value, result.error or "")
"""

from axigen_async._bulk import (
    BulkAccount,
    BulkResult,
    BulkRun,
    Outcome,
    Progress,
    ServerUnavailableError,
    fan_out,
    is_connect_error,
)

__all__ = [
    "BulkAccount",
    "BulkResult",
    "BulkRun",
    "Outcome",
    "Progress",
    "ServerUnavailableError",
    "fan_out",
    "is_connect_error",
]
