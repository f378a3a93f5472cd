"""The apply journal: one durable JSON line per finished account, and reading it back.

Responsibility: append an account's outcome (email, status, changes, conflicts, error)
and make it durable (flush and ``os.fsync``) before the account counts as done; read
an earlier journal into each account's last status (and, for an account done with
conflicts, those conflicts), tolerating a line torn by a kill, which the next run
cuts off before appending.
Must not: write a secret (entries carry only what the caller gives: no credentials).
"""

from __future__ import annotations

import json
import os
from types import TracebackType
from typing import Any, Self, TextIO

import attrs

DONE = "done"
FAILED = "failed"
UNKNOWN = "unknown"
STATUSES = (DONE, FAILED, UNKNOWN)

_CHUNK = 1 << 16


class JournalError(Exception):
    """The journal cannot be read or written."""


@attrs.frozen
class Recorded:
    """An account's last journal entry, as far as a resumed run needs it."""

    status: str
    #: What a done account was left with for review (empty otherwise).
    conflicts: tuple[str, ...] = ()


_PLAIN = {status: Recorded(status) for status in STATUSES}


def read_journal(path: str) -> dict[str, Recorded]:
    """Lower-cased email -> its last entry ({} when the file is missing).

    A last line without its line break (a run killed mid-write) is ignored.

    Raises:
        JournalError: an unreadable file or a malformed line before the last one.
    """
    recorded: dict[str, Recorded] = {}
    try:
        stream = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return recorded
    except OSError as error:
        raise JournalError(f"{path}: {error.strerror}") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.endswith("\n"):
                break  # torn by a kill: that account was not recorded
            if not line.strip():
                continue
            email, entry = _parse(line, f"{path}:{number}")
            recorded[email.lower()] = entry
    return recorded


def _parse(line: str, where: str) -> tuple[str, Recorded]:
    try:
        entry = json.loads(line)
        email, status = entry["email"], entry["status"]
        conflicts = entry.get("conflicts") or []
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise JournalError(f"{where}: not a journal entry") from None
    if (
        status not in STATUSES
        or not isinstance(email, str)
        or not isinstance(conflicts, list)
        or not all(isinstance(item, str) for item in conflicts)
    ):
        raise JournalError(f"{where}: not a journal entry")
    if status == DONE and conflicts:
        return email, Recorded(status, tuple(conflicts))
    return email, _PLAIN[status]


def complete_length(path: str) -> int | None:
    """The file's length up to its last line break, when a torn line follows it.

    None when the file is missing, empty or ends with a line break.
    """
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return None
    with stream:
        end = stream.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            step = min(_CHUNK, position)
            position -= step
            stream.seek(position)
            found = stream.read(step).rfind(b"\n")
            if found >= 0:
                length = position + found + 1
                return None if length == end else length
        return None if end == 0 else 0


class Journal:
    """An append-only journal file; ``record`` returns once the line is on disk.

    Opening it cuts off a last line torn by a kill, so every line stays whole.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._stream: TextIO | None = None

    def __enter__(self) -> Self:
        try:
            length = complete_length(self.path)
            if length is not None:
                os.truncate(self.path, length)  # drop the fragment of an unrecorded account
            self._stream = open(self.path, "a", encoding="utf-8")
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
        """Append one entry and make it durable (blocking: run it in a thread).

        Raises:
            JournalError: the line could not be written (a full disk, say).
        """
        assert self._stream is not None, "use the journal in a with block"
        try:
            self._stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._stream.flush()
            os.fsync(self._stream.fileno())
        except OSError as error:
            raise JournalError(f"{self.path}: {error.strerror}") from None
