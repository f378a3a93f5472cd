"""Turning one account's fan-out result into the record a run stores, for audit and apply.

Responsibility: build the audit report record (the local audit's own) or the apply
journal entry (email, status, changes, conflicts, error) of a result, and the record
of a row the worker could not read.
Must not: hold a secret (records carry addresses, outcomes, data and error kinds only).
"""

from __future__ import annotations

from typing import Any

from axigen_async.bulk import BulkResult, Outcome
from axigen_async.cli._apply import PartialApplyError
from axigen_async.cli._audit import audit_record, error_fields
from axigen_async.cli._journal import DONE, FAILED, UNKNOWN
from axigen_async.exceptions import AmbiguousWriteError


def result_record(command: str, result: BulkResult[Any]) -> dict[str, Any]:
    """The stored record of an attempted account (never a NOT_ATTEMPTED one)."""
    if command == "audit":
        return audit_record(result)
    return apply_entry(result)


def apply_entry(result: BulkResult[Any]) -> dict[str, Any]:
    """The apply journal's entry: an ambiguous write is ``unknown`` (held back, not re-sent)."""
    entry: dict[str, Any] = {"email": result.account.email}
    if result.outcome is Outcome.OK:
        value = result.value
        assert value is not None
        entry.update(
            status=DONE,
            changes=[change.as_json() for change in value.changes],
            conflicts=list(value.conflicts),
            error=None,
        )
        return entry
    error = result.error
    changes: list[dict[str, str]] = []
    if isinstance(error, PartialApplyError):
        changes = [change.as_json() for change in error.changes]
        error = error.error
    entry.update(
        status=UNKNOWN if isinstance(error, AmbiguousWriteError) else FAILED,
        changes=changes,
        conflicts=[],
        error=error_fields(error),
    )
    return entry


def input_error_record(
    command: str, email: str, message: str, kind: str = "InputError"
) -> dict[str, Any]:
    """The record of a row the worker could not turn into an account (no secret, say),
    or of one whose shard failed too often (``kind="ShardFailed"``)."""
    error = {"kind": kind, "message": message}
    if command == "audit":
        return {
            "email": email,
            "ok": False,
            "outcome": Outcome.FAILED.value,
            "error": error,
            "attempts": 0,
            "elapsed": 0.0,
        }
    return {"email": email, "status": FAILED, "changes": [], "conflicts": [], "error": error}
