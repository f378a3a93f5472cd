"""Turning one account's fan-out result into the record a run stores, for audit and apply.

Responsibility: build the audit report record (the local audit's own) or the apply
journal entry (email, status, changes, conflicts, error) of a result, and the record
of a row the worker could not read.
Must not: hold a secret (records carry addresses, outcomes, data and error kinds only).
"""

from __future__ import annotations

from typing import Any

from axigen_async.bulk import BulkResult, Outcome
from axigen_async.cli._apply_entries import outcome_entry
from axigen_async.cli._audit import audit_record
from axigen_async.cli._journal import FAILED


def result_record(command: str, result: BulkResult[Any]) -> dict[str, Any]:
    """The stored record of an attempted account (never a NOT_ATTEMPTED one)."""
    if command == "audit":
        return audit_record(result)
    return apply_entry(result)


def apply_entry(result: BulkResult[Any]) -> dict[str, Any]:
    """The apply journal's entry, as a local run writes it (an ambiguous write is
    ``unknown``: held back and re-read, never re-sent)."""
    entry = outcome_entry(result)
    # None only for an account a signal stopped before it wrote anything, and a
    # worker installs no signal stop of apply's.
    assert entry is not None
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
