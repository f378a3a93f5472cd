"""Wire rendering: literal camelCase JSON documents built from fake account state.

Responsibility: turn ``FakeAccount`` state into the exact JSON shapes of the Account API
pages, with computed fields (remaining counts, warning intervals, index progress).

Must not: import aiohttp, change any state, or import anything from ``axigen_async``
outside ``axigen_async.testing`` (the wire form is written here by hand, on purpose).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Final

from ._state import FakeAccount, FakeSignature, FakeTemporaryAlias, format_timestamp

_INDEX_PROGRESS: Final = {
    "uptodate": 1.0,
    "initialized": 0.9,
    "uninitialized": 0.1,
    "unavailable": 0.0,
}


def dump_json(document: object) -> bytes:
    """Compact UTF-8 JSON bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def in_warning_interval(date: datetime | None, warning_days: int, now: datetime) -> bool:
    """True when ``now`` is at or after ``date - warning_days`` (a past date counts too)."""
    if date is None:
        return False
    return now >= date - timedelta(days=warning_days)


def info_document(account: FakeAccount, now: datetime) -> dict[str, Any]:
    """The ``GET /api/v1/account/info`` document."""
    a = account
    expiration_date = a.password_expiration_date if a.password_expiration_enabled else None
    return {
        "accountName": a.account_name,
        "domainName": a.domain_name,
        "fullName": a.full_name,
        "folderContainerId": a.folder_container_id,
        "accountClass": a.account_class,
        "totalMessageCount": a.total_message_count,
        "usedMessageCount": a.used_message_count,
        "remainingMessageCount": max(0, a.total_message_count - a.used_message_count),
        "totalQuota": a.total_quota,
        "usedQuota": a.used_quota,
        "remainingQuota": max(0, a.total_quota - a.used_quota),
        "overQuotaThreshold": a.over_quota_threshold,
        "isFirstApiLogin": a.is_first_api_login,
        "allowConversationView": a.allow_conversation_view,
        "autopurge": {
            "spam": a.autopurge_spam,
            "trash": a.autopurge_trash,
            "interval": a.autopurge_interval,
        },
        "twoFactorAuthConfigured": a.two_factor_auth_configured,
        "restrictions": {
            "passwordPolicy": {
                "mustChangePassword": a.must_change_password,
                "contentPolicy": {
                    "enabled": a.content_policy_enabled,
                    "minLength": a.content_policy_min_length,
                    "maxLength": a.content_policy_max_length,
                    "mustInclude": a.content_policy_must_include,
                },
                "history": {"enabled": a.history_enabled, "size": a.history_size},
                "allowChangeByUser": a.allow_change_by_user,
                "renewalInterval": {
                    "enabled": a.renewal_interval_enabled,
                    "interval": a.renewal_interval,
                },
                "expiration": {
                    "enabled": a.password_expiration_enabled,
                    "date": format_timestamp(expiration_date),
                    "warningInterval": a.password_expiration_warning_interval,
                    "inWarningInterval": in_warning_interval(
                        expiration_date, a.password_expiration_warning_interval, now
                    ),
                },
            },
            "temporaryAliases": {
                "enabled": a.temporary_aliases_enabled,
                "maxNumberOfAliases": a.max_number_of_aliases,
            },
            "securityPolicy": {
                "securityMethods": {
                    "isMandatory": a.security_methods_mandatory,
                    "alternateEmailAddress": a.security_methods_alternate_email_address,
                    "phoneNumber": a.security_methods_phone_number,
                    "updatePolicy": {
                        "date": format_timestamp(a.security_methods_update_date),
                        "warningInterval": a.security_methods_update_warning_interval,
                        "inWarningInterval": in_warning_interval(
                            a.security_methods_update_date,
                            a.security_methods_update_warning_interval,
                            now,
                        ),
                    },
                },
                "twoFactorAuthPolicy": {
                    "status": a.two_factor_auth_status,
                    "methods": list(a.two_factor_auth_methods),
                },
                "usernameRecoveryMethods": list(a.username_recovery_methods),
                "passwordRecoveryMethods": list(a.password_recovery_methods),
            },
        },
    }


def contact_info_document(account: FakeAccount) -> dict[str, str]:
    """The ``GET /api/v1/account/contactinfo`` document."""
    c = account.contact_info
    return {
        "title": c.title,
        "firstName": c.first_name,
        "middleName": c.middle_name,
        "lastName": c.last_name,
        "suffix": c.suffix,
        "personalEmailAddress": c.personal_email_address,
    }


def aliases_document(account: FakeAccount) -> dict[str, Any]:
    """The ``GET /api/v1/account/aliases`` document; the main address comes first."""
    items = [{"emailAddress": account.email, "type": "mainAddress"}]
    items.extend(
        {"emailAddress": alias.email_address, "type": alias.type}
        for alias in account.aliases
        if alias.type != "mainAddress"
    )
    return {"items": items}


def temporary_alias_document(alias: FakeTemporaryAlias) -> dict[str, str]:
    """One temporary alias."""
    return {
        "id": alias.id,
        "emailAddress": alias.email_address,
        "expireDate": format_timestamp(alias.expire_date),
    }


def signature_summary(signature: FakeSignature) -> dict[str, str]:
    """A signature without its body (list items and the create answer)."""
    return {"id": signature.id, "name": signature.name, "type": signature.type}


def signature_document(signature: FakeSignature) -> dict[str, str]:
    """A signature with its body."""
    return {**signature_summary(signature), "body": signature.body}


def vacation_document(account: FakeAccount) -> dict[str, Any]:
    """The ``GET /api/v1/account/vacation`` document."""
    v = account.vacation
    return {
        "age": v.age,
        "applyAlways": v.apply_always,
        "applyToExternal": v.apply_to_external,
        "applyToInternal": v.apply_to_internal,
        "body": v.body,
        "enabled": v.enabled,
        "startTime": format_timestamp(v.start_time),
        "endTime": format_timestamp(v.end_time),
        "subject": v.subject,
    }


def index_info_document(account: FakeAccount, ids: list[str]) -> list[dict[str, Any]]:
    """The ``GET /api/v1/account/indexinfo`` array, in the requested order."""
    items: list[dict[str, Any]] = []
    for index_id in ids:
        state = account.index_states.get(index_id, "uninitialized")
        if index_id != "conversation" and state in {"uptodate", "unavailable"}:
            state = "initialized"  # sort and search are only ever (un)initialized
        items.append({"id": index_id, "state": state, "progress": _INDEX_PROGRESS.get(state, 0.5)})
    return items
