"""The coordinator's checkpoint and its resumable report file.

Responsibility: write the report (JSONL or CSV, as the local audit does; JSONL for an
apply journal) in binary mode so its byte length is known, make it durable, and save
beside it, atomically and fsynced, the last stream id written and the report's length;
on ``--resume``, read the checkpoint back and cut the report to that length.
Must not: write anything but the records it is given (no secret ever reaches it).
"""

from __future__ import annotations

import csv
import io
import json
import os
from types import TracebackType
from typing import IO, Any, Self

import attrs

from axigen_async.cli._common import UsageError
from axigen_async.cli._report import CSV_COLUMNS, flat_columns, report_format


@attrs.frozen
class Checkpoint:
    """How far the report holds the run's stream: through ``stream_id``, ``offset`` bytes."""

    run_id: str
    stream_id: str
    offset: int
    records: int


def checkpoint_path(report: str) -> str:
    return report + ".checkpoint"


def save_checkpoint(path: str, checkpoint: Checkpoint) -> None:
    """Replace the checkpoint atomically: a temporary file, fsync, rename, fsync the folder."""
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as stream:
        json.dump(attrs.asdict(checkpoint), stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def load_checkpoint(path: str) -> Checkpoint | None:
    """The saved checkpoint, or None when there is none.

    Raises:
        UsageError: the file is not a checkpoint.
    """
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
        return Checkpoint(
            run_id=str(data["run_id"]),
            stream_id=str(data["stream_id"]),
            offset=int(data["offset"]),
            records=int(data["records"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"{path}: not a checkpoint of this tool") from None


class ResumableReport:
    """A report opened afresh, or cut back to a checkpoint's length and appended to."""

    def __init__(
        self,
        path: str,
        *,
        resume_at: int | None,
        csv_allowed: bool = True,
        first_line: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.format = report_format(path) if csv_allowed else "jsonl"
        self._resume_at = resume_at
        #: A JSON line a new file starts with (an apply journal's header).
        self._first_line = first_line
        self._stream: IO[bytes] | None = None

    def __enter__(self) -> Self:
        try:
            if self._resume_at is None:
                self._stream = open(self.path, "wb")
                if self.format == "csv":
                    self._write_csv(None)
                elif self._first_line is not None:
                    self.write(self._first_line)
            else:
                self._stream = open(self.path, "r+b")
                self._stream.truncate(self._resume_at)
                self._stream.seek(self._resume_at)
        except OSError as error:
            raise UsageError(f"cannot write {self.path}: {error.strerror}") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()

    def _write_csv(self, record: dict[str, Any] | None) -> None:
        assert self._stream is not None
        text = io.StringIO()
        writer = csv.DictWriter(text, CSV_COLUMNS, extrasaction="ignore")
        if record is None:
            writer.writeheader()
        else:
            writer.writerow(flat_columns(record))
        self._stream.write(text.getvalue().encode("utf-8"))

    def write(self, record: dict[str, Any]) -> None:
        assert self._stream is not None, "use the report in a with block"
        if self.format == "csv":
            self._write_csv(record)
        else:
            self._stream.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    def sync(self) -> int:
        """Make everything written durable; returns the report's length in bytes."""
        assert self._stream is not None
        self._stream.flush()
        os.fsync(self._stream.fileno())
        return self._stream.tell()
