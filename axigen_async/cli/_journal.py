"""The apply journal: a locked, append-only file of durable JSON lines, and reading it back.

Responsibility: hold an OS lock (``fcntl.flock``) on the journal for the whole run, so a
second run on it stops before sending anything; refuse a file whose first line is not
a journal header (it is someone's input, never truncated); write a header recording
the fingerprint of the SPEC and of the options that change writes; append an
account's outcome, or a write about to be sent (``pending``, with its time), and make
it durable (``os.fsync``) before it counts; read an earlier journal into each
account's last state, tolerating a line torn by a kill, which the next run cuts off.
Must not: write a secret (entries carry only what the caller gives: no credentials),
or change a file that is not a journal.

Format: the first line is ``{"axigenAsyncJournal": 1, "command": "apply",
"fingerprint": ...}``. A run whose fingerprint differs from the last header's (a
changed SPEC, allowed by ``--allow-changed-spec``, or a run without ``--resume``)
appends a new header; entries marked done under an earlier fingerprint then no
longer count as done, while a pending or unknown write still does (it may have
happened). Journals of versions before the header are refused with a message.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import attrs

if sys.platform == "win32":

    def _lock_now(fd: int) -> None:
        # No flock here: rather no journal than two runs writing twice through one.
        raise NotImplementedError

else:
    import fcntl

    def _lock_now(fd: int) -> None:
        """Lock ``fd`` exclusively, or raise OSError at once if another holds it."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


DONE = "done"
FAILED = "failed"
UNKNOWN = "unknown"
#: A create about to be sent; an account whose last entry is this has an unanswered write.
PENDING = "pending"
#: A repeated ACCOUNTS row, not run (recorded for the operator, ignored on resume).
DUPLICATE = "duplicate"
STATUSES = (DONE, FAILED, UNKNOWN, PENDING, DUPLICATE)
HEADER_KEY = "axigenAsyncJournal"
FORMAT_VERSION = 1

_CHUNK = 1 << 16


class JournalError(Exception):
    """The journal cannot be used, read or written; the message names the file."""


def fingerprint(document: object) -> str:
    """The SHA-256 of ``document`` as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def spec_fingerprint(spec_document: object) -> str:
    """The fingerprint an apply journal records for a SPEC and the run's options.

    No option of ``apply`` changes the writes (``--dry-run`` takes no journal; the
    connection's flags change where and how, not what), so only the SPEC's content
    counts: its canonical JSON, so a reformatted SPEC is the same one.
    """
    return fingerprint({"spec": spec_document, "options": {}})


def header_entry(wanted: str) -> dict[str, Any]:
    """The header line that starts a journal (or a part of one) run for ``wanted``."""
    return {HEADER_KEY: FORMAT_VERSION, "command": "apply", "fingerprint": wanted} | {
        "startedAt": now_iso()
    }


def now_iso() -> str:
    """The current time in UTC, ISO 8601 with microseconds (the ``sentAt`` format)."""
    return datetime.now(UTC).isoformat()


@attrs.frozen
class Recorded:
    """An account's last journal state, as far as a resumed run needs it."""

    status: str
    #: What a done account was left with for review (empty otherwise).
    conflicts: tuple[str, ...] = ()
    #: POSIX time the unanswered write was sent (pending and unknown only).
    sent_at: float | None = None
    #: That write, such as ``signature.create Work``.
    write: str | None = None


@attrs.frozen
class JournalState:
    """What an earlier journal holds: its last fingerprint and each account's state."""

    #: None for a missing or empty file.
    fingerprint: str | None
    #: Lower-cased email -> its last state.
    records: dict[str, Recorded]


def read_journal(path: str) -> JournalState:
    """The journal's last fingerprint and each account's last state.

    A missing or empty file is an empty journal. A last line without its line break
    (a run killed mid-write) is ignored.

    Raises:
        JournalError: an unreadable file, a first line that is not a journal header,
            or a malformed line before the last one.
    """
    records: dict[str, Recorded] = {}
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return JournalState(None, records)
    except OSError as error:
        raise JournalError(f"{path}: {error.strerror}") from None
    current: str | None = None
    with stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            # A device or a pipe cannot be locked, truncated or read to an end
            # (/dev/zero never ends): a journal must be a regular file.
            raise JournalError(f"{path}: not a regular file; a journal must be one")
        for number, raw in enumerate(stream, start=1):
            if number > 1 and not raw.endswith(b"\n"):
                break  # torn by a kill (perhaps mid-character): that entry was not recorded
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise JournalError(f"{path}:{number}: not UTF-8 text; not a journal") from None
            if number == 1:
                # Checked even without its line break: a file that does not start with
                # a journal header is someone else's, never to be cut.
                current = _header(line, path)
                continue
            if not line.strip():
                continue
            current = _take(line, f"{path}:{number}", records, current)
    return JournalState(current, records)


def _header(line: str, path: str) -> str:
    try:
        document = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        document = None
    if isinstance(document, dict) and isinstance(document.get(HEADER_KEY), int):
        value = document.get("fingerprint")
        if document[HEADER_KEY] == FORMAT_VERSION and isinstance(value, str):
            return value
        raise JournalError(f"{path}: a journal of an unknown format; left as it is")
    if isinstance(document, dict) and "email" in document and "status" in document:
        raise JournalError(
            f"{path}: a journal of an older version (it has no header line), which "
            "cannot tell whether the SPEC changed; left as it is: start a new journal"
        )
    raise JournalError(
        f"{path}: not a journal (its first line is not a journal header); it was left "
        "as it is: give --journal a new file"
    )


def _take(line: str, where: str, records: dict[str, Recorded], current: str | None) -> str | None:
    """Fold one line into ``records``; returns the fingerprint in force after it."""
    try:
        entry = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        raise JournalError(f"{where}: not a journal entry") from None
    if not isinstance(entry, dict):
        raise JournalError(f"{where}: not a journal entry")
    if HEADER_KEY in entry:
        value = entry.get("fingerprint")
        if not isinstance(value, str):
            raise JournalError(f"{where}: not a journal header")
        if value != current:
            # A changed SPEC: what was done under the old one is to be planned again;
            # an unanswered or unknown write still may have happened.
            for done in [e for e, r in records.items() if r.status == DONE]:
                del records[done]
        return value
    email, status = entry.get("email"), entry.get("status")
    conflicts = entry.get("conflicts") or []
    if (
        status not in STATUSES
        or not isinstance(email, str)
        or not isinstance(conflicts, list)
        or not all(isinstance(item, str) for item in conflicts)
    ):
        raise JournalError(f"{where}: not a journal entry")
    if status == DUPLICATE:
        return current
    key = email.lower()
    if status in (PENDING, UNKNOWN):
        sent_at = _sent_at(entry.get("sentAt"), where)
        earlier = records.get(key)
        if sent_at is None and earlier is not None:
            sent_at = earlier.sent_at
        records[key] = Recorded(status, (), sent_at, _write(entry))
    else:
        records[key] = Recorded(status, tuple(conflicts) if status == DONE else ())
    return current


def _sent_at(value: object, where: str) -> float | None:
    if value is None:
        return None
    try:
        assert isinstance(value, str)
        parsed = datetime.fromisoformat(value)
        assert parsed.tzinfo is not None
    except (AssertionError, ValueError):
        raise JournalError(f"{where}: sentAt is not an ISO 8601 time with a zone") from None
    return parsed.timestamp()


def _write(entry: dict[str, Any]) -> str | None:
    write = entry.get("write")
    return write if isinstance(write, str) else None


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
    """The journal file of one run, locked from :meth:`lock` until the block ends.

    ``with journal:`` locks it (if :meth:`lock` was not called) and unlocks at the end;
    :meth:`begin` cuts off a torn last line and writes the header if needed;
    ``record`` returns once the line is on disk and may be called from many threads.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._write_lock = threading.Lock()

    def lock(self) -> None:
        """Open (creating, never truncating) and lock the file, or fail at once.

        Raises:
            JournalError: another run holds the lock, or the file cannot be opened.
        """
        if self._fd is not None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as error:
            raise JournalError(f"{self.path}: {error.strerror}") from None
        try:
            _lock_now(fd)
        except NotImplementedError:
            os.close(fd)
            raise JournalError(f"{self.path}: cannot lock a journal on this platform") from None
        except OSError:
            os.close(fd)
            raise JournalError(
                f"{self.path} is in use by another run (it is locked); nothing was sent. "
                "Wait for that run to end, or give another journal"
            ) from None
        self._fd = fd

    def begin(self, state: JournalState, wanted: str) -> None:
        """Cut off a torn last line, and write a header unless ``wanted`` is in force.

        Raises:
            JournalError: the file cannot be written.
        """
        fd = self._locked()
        try:
            length = complete_length(self.path)
            if length is not None:
                os.ftruncate(fd, length)  # drop the fragment of an unrecorded entry
        except OSError as error:
            raise JournalError(f"{self.path}: {error.strerror}") from None
        # A header torn before its line break was cut off with the fragment (length 0):
        # write it again, or the entries to come would have none.
        if state.fingerprint != wanted or length == 0:
            self.record(header_entry(wanted))

    def __enter__(self) -> Self:
        self.lock()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the lock and the file; idempotent.

        Waits for a line being written (in a thread whose task was cancelled, say), so
        no write ever goes to a closed, or reused, descriptor.
        """
        with self._write_lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # closing the descriptor releases the flock

    def _locked(self) -> int:
        assert self._fd is not None, "lock the journal first"
        return self._fd

    def record(self, entry: dict[str, Any]) -> None:
        """Append one entry and make it durable (blocking: run it in a thread).

        Raises:
            JournalError: the line could not be written (a full disk, say).
        """
        data = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._write_lock:
            fd = self._fd
            if fd is None:
                raise JournalError(f"{self.path}: the journal is closed")
            start = -1
            try:
                start = os.lseek(fd, 0, os.SEEK_END)
                view = memoryview(data)
                while view:  # bounded: each write takes at least one byte or raises
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            except OSError as error:
                if start >= 0:
                    # Cut off what part of the line went out (a full disk), so the
                    # journal ends with whole entries.
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, start)
                raise JournalError(f"{self.path}: {error.strerror}") from None
