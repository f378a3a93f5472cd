"""Static checks of the public API's types: mypy reads this file, nothing runs it.

Each ``assert_type`` states what a call returns; a change in a signature that
would break users' type checking fails ``mypy --strict`` here. The ``type:
ignore`` lines state what must stay a type error (mypy's warn_unused_ignores
fails the run if it stops being one).
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_type

from axigen_async import (
    AccountSession,
    AxigenClient,
    BasicAuth,
    BearerAuth,
    ClientStatistics,
    RateLimitError,
    RetryPolicy,
    ServerVersion,
    Timeouts,
)
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, BulkResult, Progress, fan_out
from axigen_async.models.account import (
    AccountInfo,
    Alias,
    Avatar,
    ContactInfo,
    IndexInfo,
    NewSignature,
    Signature,
    SignatureSummary,
    SignatureType,
    SignatureUpdate,
    TemporaryAlias,
    Vacation,
)


async def endpoint_types(client: AxigenClient, vacation: Vacation) -> None:
    assert_type(await client.server_version(), ServerVersion)
    assert_type(client.statistics(), ClientStatistics)
    async with client.session(BasicAuth("user@example.com", "secret")) as s:
        assert_type(s, AccountSession)
        info = await account.get_info(s)
        assert_type(info, AccountInfo)
        assert_type(info.restrictions.password_policy.must_change_password, bool)
        assert_type(info.restrictions.password_policy.expiration.date, datetime | None)
        assert_type(info.quota_used_percent, float | None)
        assert_type(await account.get_contact_info(s), ContactInfo)
        assert_type(await account.update_contact_info(s, ContactInfo()), None)
        assert_type(await account.list_aliases(s), tuple[Alias, ...])
        assert_type(await account.list_temporary_aliases(s), tuple[TemporaryAlias, ...])
        assert_type(await account.create_temporary_alias(s), TemporaryAlias)
        assert_type(await account.delete_temporary_alias(s, "id"), None)
        assert_type(await account.list_signatures(s), tuple[SignatureSummary, ...])
        new = NewSignature("Work", SignatureType.HTML, "<b>x</b>")
        assert_type(await account.create_signature(s, new), SignatureSummary)
        assert_type(await account.get_signature(s, "id"), Signature)
        assert_type(await account.update_signature(s, "id", SignatureUpdate(body="x")), None)
        assert_type(await account.delete_signature(s, "id"), None)
        assert_type(await account.get_avatar(s), Avatar)
        assert_type(await account.update_avatar(s, b"...", content_type="image/png"), None)
        assert_type(await account.delete_avatar(s), None)
        assert_type(await account.get_vacation(s), Vacation)
        assert_type(await account.set_vacation(s, vacation), None)
        assert_type(await account.set_password(s, "new"), None)
        assert_type(await account.reset_password(s, "old", "new"), None)
        indexes = await account.get_index_info(s, ["conversation"], info.folder_container_id)
        assert_type(indexes, tuple[IndexInfo, ...])
        await account.get_info(client)  # type: ignore[arg-type]
        await account.update_avatar(s, b"...")  # type: ignore[call-arg]


async def client_options() -> None:
    AxigenClient(
        "https://mail.example.com",
        pool_size=50,
        timeouts=Timeouts(deadline=30.0, attempt=10.0, connect=3.0),
        retry=RetryPolicy(attempts=2),
        ssl=False,
        user_agent="provisioner/1.0",
        max_concurrent_logins=5,
    )
    AxigenClient("https://mail.example.com", retries=3)  # type: ignore[call-arg]
    client = AxigenClient("https://mail.example.com")
    client.session(BearerAuth("token"), label="user@example.com")
    error = RateLimitError("slow down", retry_after=3.0)
    assert_type(error.retry_after, float | None)


async def bulk_types(client: AxigenClient) -> None:
    accounts = [BulkAccount.basic("a@example.com", "pw")]
    progress: list[Progress] = []
    async with fan_out(client, accounts, account.get_info, on_progress=progress.append) as run:
        async for result in run:
            assert_type(result, BulkResult[AccountInfo])
            assert_type(result.value, AccountInfo | None)
            assert_type(result.elapsed, float)
