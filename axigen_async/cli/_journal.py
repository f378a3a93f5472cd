"""The apply journal: one durable JSON line per finished account, and reading it back.

Responsibility: append an account's outcome (email, status, changes, conflicts, error)
and make it durable (flush and ``os.fsync``) before the account counts as done; read
an earlier journal into each account's last status, tolerating a line torn by a kill.
Must not: write a secret (entries carry only what the caller gives: no credentials).
"""

from __future__ import annotations

import json
import os
from types import TracebackType
from typing import Any, Self, TextIO

DONE = "done"
FAILED = "failed"
UNKNOWN = "unknown"
STATUSES = (DONE, FAILED, UNKNOWN)


class JournalError(Exception):
    """The journal cannot be read or written."""


def read_journal(path: str) -> dict[str, str]:
    """Lower-cased email -> the last status recorded for it ({} when the file is missing).

    A last line without its line break (a run killed mid-write) is ignored.

    Raises:
        JournalError: an unreadable file or a malformed line before the last one.
    """
    statuses: dict[str, str] = {}
    try:
        stream = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return statuses
    except OSError as error:
        raise JournalError(f"{path}: {error.strerror}") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.endswith("\n"):
                break  # torn by a kill: that account was not recorded
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                email, status = entry["email"], entry["status"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise JournalError(f"{path}:{number}: not a journal entry") from None
            if status not in STATUSES or not isinstance(email, str):
                raise JournalError(f"{path}:{number}: not a journal entry")
            statuses[email.lower()] = status
    return statuses


def _ends_without_newline(path: str) -> bool:
    try:
        with open(path, "rb") as stream:
            if stream.seek(0, os.SEEK_END) == 0:
                return False
            stream.seek(-1, os.SEEK_END)
            return stream.read(1) != b"\n"
    except FileNotFoundError:
        return False


class Journal:
    """An append-only journal file; ``record`` returns once the line is on disk."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stream: TextIO | None = None

    def __enter__(self) -> Self:
        try:
            torn = _ends_without_newline(self.path)
            self._stream = open(self.path, "a", encoding="utf-8")
            if torn:
                self._stream.write("\n")  # start after a line torn by a kill
        except OSError as error:
            raise JournalError(f"{self.path}: {error.strerror}") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()

    def record(self, entry: dict[str, Any]) -> None:
        """Append one entry and make it durable."""
        assert self._stream is not None, "use the journal in a with block"
        self._stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())
