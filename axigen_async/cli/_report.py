"""Writing per-account records to a report file, one at a time, flushed as they come.

Responsibility: turn attrs models into plain JSON values (datetimes as ISO ``...Z``
strings, enums as their values) and stream records as JSONL or as CSV with a fixed
set of flat columns, chosen by the file's extension.
Must not: buffer records, or write anything that is not in the record it is given.
"""

from __future__ import annotations

import csv
import enum
import json
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TextIO

import attrs

from axigen_async.cli._common import UsageError

#: The CSV columns taken from the record itself (the error flattened), in order.
_RECORD_COLUMNS = (
    "email",
    "ok",
    "outcome",
    "error_kind",
    "error_message",
    "error_request",
    "error_status",
    "attempts",
    "elapsed",
)

#: The CSV columns taken from the record's ``checks`` (empty for a failed account).
_CHECK_COLUMNS = (
    "quota_used_kb",
    "quota_total_kb",
    "quota_used_percent",
    "over_quota_threshold",
    "must_change_password",
    "password_expiry_in_warning",
    "vacation_enabled",
    "two_factor_missing",
    "index_conversation",
    "index_sort",
    "index_search",
    "aliases",
    "temporary_aliases",
    "signatures",
)

#: The flat columns of a CSV report, in order.
CSV_COLUMNS = _RECORD_COLUMNS + _CHECK_COLUMNS


def _serialize(_instance: object, _field: object, value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def iso_utc(value: datetime) -> str:
    """``2025-01-31T12:00:00Z`` (aware values are converted to UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def to_json_value(value: Any) -> Any:
    """A model (or a tuple of models) as plain JSON values."""
    if isinstance(value, tuple | list):
        return [to_json_value(item) for item in value]
    if attrs.has(type(value)):
        return attrs.asdict(value, value_serializer=_serialize)
    return _serialize(None, None, value)


def report_format(path: str) -> str:
    """``"jsonl"`` or ``"csv"`` by the extension (anything but .csv is JSONL)."""
    return "csv" if path.lower().endswith(".csv") else "jsonl"


class ReportWriter:
    """An open report file; ``write(record)`` writes and flushes one record."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.format = report_format(path)
        self._stream: TextIO | None = None
        self._csv: csv.DictWriter[str] | None = None
        self.records = 0

    def __enter__(self) -> Self:
        """Open (and truncate) the file.

        Raises:
            UsageError: the file cannot be written (a missing directory, say).
        """
        try:
            self._stream = open(self.path, "w", encoding="utf-8", newline="")
        except OSError as error:
            raise UsageError(f"--out: cannot write {self.path}: {error.strerror}") from None
        if self.format == "csv":
            self._csv = csv.DictWriter(self._stream, CSV_COLUMNS, extrasaction="ignore")
            self._csv.writeheader()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()

    def write(self, record: dict[str, Any]) -> None:
        """Write one record (the full nested one for JSONL, its flat columns for CSV)."""
        assert self._stream is not None, "use the writer in a with block"
        if self._csv is not None:
            self._csv.writerow(flat_columns(record))
        else:
            self._stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._stream.flush()
        self.records += 1


def flat_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The CSV columns of one record."""
    error = record.get("error") or {}
    checks = record.get("checks") or {}
    row: dict[str, Any] = {
        "email": record["email"],
        "ok": "true" if record["ok"] else "false",
        "outcome": record.get("outcome", ""),
        "error_kind": error.get("kind", ""),
        "error_message": error.get("message", ""),
        "error_request": error.get("request") or "",
        "error_status": "" if error.get("status") is None else error["status"],
        "attempts": record.get("attempts", ""),
        "elapsed": record.get("elapsed", ""),
    }
    for column in _CHECK_COLUMNS:
        value = checks.get(column, "")
        row[column] = ("true" if value else "false") if isinstance(value, bool) else value
    return row
