"""Run one operation over many accounts, with bounded concurrency and one result each.

::

    from axigen_async.api import account
    from axigen_async.bulk import BulkAccount, Succeeded, fan_out

    accounts = (BulkAccount.basic(email, password) for email, password in rows)
    async with fan_out(client, accounts, account.get_info, concurrency=50) as results:
        async for result in results:
            if isinstance(result, Succeeded):
                print(result.account.email, result.value.quota_used_percent)
            else:
                print(result.account.email, result.outcome.value, result.error)
"""

from axigen_async._bulk import BulkRun, fan_out, is_connect_error
from axigen_async._bulk_results import (
    BulkAccount,
    BulkResult,
    Failed,
    NotAttempted,
    Outcome,
    Progress,
    Succeeded,
)
from axigen_async.exceptions import ServerUnavailableError

__all__ = [
    "BulkAccount",
    "BulkResult",
    "BulkRun",
    "Failed",
    "NotAttempted",
    "Outcome",
    "Progress",
    "ServerUnavailableError",
    "Succeeded",
    "fan_out",
    "is_connect_error",
]
