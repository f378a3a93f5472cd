"""Writing per-account records to a report file, one at a time, flushed as they come.

Responsibility: turn attrs models into plain JSON values (datetimes as ISO ``...Z``
strings, enums as their values) and stream records as JSONL or as CSV with a fixed
set of flat columns, chosen by the file's extension.
Must not: buffer records, or write anything that is not in the record it is given.
"""

from __future__ import annotations

import contextlib
import csv
import enum
import errno
import io
import json
import os
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

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


class ReportError(Exception):
    """The report could not be written during the run (a full disk): exit status 1."""


class ReportWriter:
    """An open report file; ``write(record)`` hands one whole record to the OS.

    Records are written unbuffered, one ``write`` per record, so nothing is left in a
    buffer for a later flush (at close) to fail on or to write after a failure; a
    record cut short by a full disk is cut off again, so the file holds whole records.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.format = report_format(path)
        self._file: io.FileIO | None = None
        self._csv: csv.DictWriter[str] | None = None
        self._text = io.StringIO()
        self._length = 0
        self.records = 0

    def __enter__(self) -> Self:
        """Open (and truncate) the file.

        Raises:
            UsageError: the file cannot be opened (a missing directory, say).
            ReportError: the CSV header cannot be written.
        """
        try:
            self._file = io.FileIO(self.path, "w")
        except OSError as error:
            raise UsageError(f"--out: cannot write {self.path}: {error.strerror}") from None
        if self.format == "csv":
            self._csv = csv.DictWriter(self._text, CSV_COLUMNS, extrasaction="ignore")
            self._csv.writeheader()
            try:
                self._put(self._rendered())
            except ReportError:
                self._file.close()  # __exit__ is not called when __enter__ fails
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._file is not None:
            # Unbuffered: closing writes nothing, so it cannot fail on a full disk.
            self._file.close()

    def write(self, record: dict[str, Any]) -> None:
        """Write one record (the full nested one for JSONL, its flat columns for CSV).

        Raises:
            ReportError: the record could not be written; the file ends after the one before.
        """
        if self._csv is not None:
            self._csv.writerow(flat_columns(record))
            text = self._rendered()
        else:
            text = json.dumps(record, ensure_ascii=False) + "\n"
        self._put(text)
        self.records += 1

    def _rendered(self) -> str:
        text = self._text.getvalue()
        self._text.seek(0)
        self._text.truncate()
        return text

    def _put(self, text: str) -> None:
        assert self._file is not None, "use the writer in a with block"
        encoded = text.encode("utf-8")
        data = memoryview(encoded)
        try:
            while data:  # each pass writes at least one byte, or raises
                written = self._file.write(data)
                if not written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                data = data[written:]
        except OSError as error:
            self._cut_back()
            raise ReportError(f"--out: cannot write {self.path}: {error.strerror}") from None
        self._length += len(encoded)

    def _cut_back(self) -> None:
        """Drop the part of a record that was written before the failure."""
        assert self._file is not None
        # A device such as /dev/full cannot be truncated; it holds nothing anyway.
        with contextlib.suppress(OSError):
            self._file.truncate(self._length)


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
