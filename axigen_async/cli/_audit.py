"""The audit of one account, and its report record.

Responsibility: read everything the audit needs from one account's session
(info, aliases, temporary aliases, signatures, vacation, index info) and turn a
fan-out result into a report record with its key checks.
Must not: write anything to the server, or put a secret in a record.
"""

from __future__ import annotations

from typing import Any

import attrs

from axigen_async import AccountSession
from axigen_async.api import account
from axigen_async.bulk import BulkResult, Outcome
from axigen_async.cli._login_guard import not_started
from axigen_async.cli._report import to_json_value
from axigen_async.exceptions import AxigenError
from axigen_async.models.account import (
    AccountInfo,
    Alias,
    IndexId,
    IndexInfo,
    IndexState,
    SignatureSummary,
    TemporaryAlias,
    Vacation,
)

_INDEX_IDS = (IndexId.CONVERSATION, IndexId.SORT, IndexId.SEARCH)
_BAD_STATES = (IndexState.UNINITIALIZED, IndexState.UNAVAILABLE)


@attrs.frozen
class AuditData:
    """What the audit read from one account."""

    info: AccountInfo
    aliases: tuple[Alias, ...]
    temporary_aliases: tuple[TemporaryAlias, ...]
    signatures: tuple[SignatureSummary, ...]
    vacation: Vacation
    indexes: tuple[IndexInfo, ...]


async def audit_account(session: AccountSession) -> AuditData:
    """Read one account's audit data (the operation given to ``fan_out``)."""
    info = await account.get_info(session)
    return AuditData(
        info=info,
        aliases=await account.list_aliases(session),
        temporary_aliases=await account.list_temporary_aliases(session),
        signatures=await account.list_signatures(session),
        vacation=await account.get_vacation(session),
        indexes=await account.get_index_info(session, _INDEX_IDS, info.folder_container_id),
    )


def indexes_behind(indexes: tuple[IndexInfo, ...]) -> bool:
    """Conversation index not up to date, or any index uninitialized or unavailable."""
    for index in indexes:
        if index.id == IndexId.CONVERSATION and index.state != IndexState.UPTODATE:
            return True
        if index.state in _BAD_STATES:
            return True
    return False


def checks(data: AuditData) -> dict[str, Any]:
    """The key figures and flags of one audited account (the CSV columns)."""
    info = data.info
    policy = info.restrictions.password_policy
    percent = info.quota_used_percent
    states = {str(index.id): str(index.state) for index in data.indexes}
    return {
        "quota_used_kb": info.used_quota,
        "quota_total_kb": info.total_quota,
        "quota_used_percent": None if percent is None else round(percent, 2),
        "over_quota_threshold": info.over_quota_threshold_reached,
        "must_change_password": policy.must_change_password,
        "password_expiry_in_warning": (
            policy.expiration.enabled and policy.expiration.in_warning_interval
        ),
        "vacation_enabled": data.vacation.enabled,
        "two_factor_missing": info.two_factor_missing,
        "indexes_behind": indexes_behind(data.indexes),
        "index_conversation": states.get("conversation", ""),
        "index_sort": states.get("sort", ""),
        "index_search": states.get("search", ""),
        "aliases": len(data.aliases),
        "temporary_aliases": len(data.temporary_aliases),
        "signatures": len(data.signatures),
    }


def error_fields(error: BaseException | None) -> dict[str, Any]:
    """``{"kind", "message"}`` for a report, and for the library's errors also the
    ``request`` that failed (``"GET /api/v1/account/info"``), its ``status`` and the
    ``attempts`` made (the library never puts a secret in any of them)."""
    if isinstance(error, AxigenError):
        request = f"{error.method} {error.url}" if error.method and error.url else None
        return {
            "kind": error.kind,
            "message": error.message,
            "request": request,
            "status": error.status,
            "attempts": error.attempts,
        }
    if error is None:
        return {"kind": "Unknown", "message": ""}
    return {"kind": type(error).__name__, "message": str(error)}


def audit_record(result: BulkResult[AuditData]) -> dict[str, Any]:
    """One report record: email, ok, outcome, and the data or the error."""
    # An account a stop on failed logins kept from starting was not attempted.
    outcome = Outcome.NOT_ATTEMPTED if not_started(result) else result.outcome
    record: dict[str, Any] = {
        "email": result.account.email,
        "ok": outcome is Outcome.OK,
        "outcome": outcome.value,
    }
    if result.outcome is Outcome.OK:
        data = result.value
        assert data is not None
        record["checks"] = checks(data)
        record["data"] = {
            "info": to_json_value(data.info),
            "aliases": to_json_value(data.aliases),
            "temporary_aliases": to_json_value(data.temporary_aliases),
            "signatures": to_json_value(data.signatures),
            "vacation": to_json_value(data.vacation),
            "indexes": to_json_value(data.indexes),
        }
    else:
        record["error"] = error_fields(result.error)
    record["attempts"] = result.attempts
    record["elapsed"] = round(result.elapsed, 4)
    return record
