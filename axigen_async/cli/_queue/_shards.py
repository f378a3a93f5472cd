"""Splitting ACCOUNTS into shards of rows, and reading one shard's rows back.

Responsibility: for the coordinator, read the file once (emails and structure only,
never a secret) and return each shard's first row number, row count and the byte
offset of its first line; for a worker, seek to that offset and parse exactly the
shard's rows into ``BulkAccount`` values with the worker's own shared secret, a bad
row becoming that row's error rather than the shard's.
Must not: hold more than one shard's accounts at a time, or put a secret in an error.
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

import attrs

from axigen_async.bulk import BulkAccount
from axigen_async.cli._accounts import (
    AccountsError,
    SharedSecret,
    _account,
    _csv_rows,
    _jsonl_rows,
    input_format,
)

_BOM = "\ufeff"


@attrs.frozen
class Shard:
    """Rows ``first_row`` .. ``first_row + count - 1`` (0-based), starting at byte ``offset``."""

    number: int
    first_row: int
    count: int
    offset: int


class _Lines:
    """The file's lines as text, counting the bytes read so far (``offset``)."""

    def __init__(self, stream: BinaryIO, name: str, offset: int) -> None:
        self._stream = stream
        self._name = name
        self.offset = offset

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._stream.readline()
        if not raw:
            raise StopIteration
        at_start = self.offset == 0
        self.offset += len(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise AccountsError(f"{self._name}: not UTF-8 text") from None
        return text.removeprefix(_BOM) if at_start else text


def _rows(lines: _Lines, name: str, fmt: str) -> Iterator[dict[str, str]]:
    rows = _csv_rows(lines, name) if fmt == "csv" else _jsonl_rows(lines, name)
    for _line, row in rows:
        yield row


def split(path: str, shard_size: int) -> list[Shard]:
    """The shards of ``path`` (a real file, not stdin), checking its structure.

    Raises:
        AccountsError: a malformed row (named by its line), or an unreadable file.
    """
    if path == "-":
        raise AccountsError("--queue needs ACCOUNTS as a file that every worker can read, not '-'")
    fmt = input_format(path)
    shards: list[Shard] = []
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise AccountsError(f"{path}: {error.strerror}") from None
    with stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            # Workers seek to each shard's offset: a pipe or a device cannot be split
            # (and /dev/zero would never end).
            raise AccountsError(f"{path}: --queue needs ACCOUNTS as a regular file")
        lines = _Lines(stream, path, 0)
        rows = _rows(lines, path, fmt)
        row = 0
        # Bounded: every row takes at least one byte of the file.
        for _ in range(status.st_size // shard_size + 2):
            offset = lines.offset
            taken = sum(1 for _ in itertools.islice(rows, shard_size))
            if taken == 0:
                break
            shards.append(Shard(len(shards), row, taken, offset))
            row += taken
    return shards


def read_shard(
    path: str, offset: int, count: int, first_row: int, shared: SharedSecret | None
) -> Iterator[tuple[int, BulkAccount | AccountsError, str]]:
    """``(row, account or its error, email)`` for each of the shard's rows.

    Raises:
        AccountsError: the file cannot be opened, or it no longer has the shard's rows.
    """
    fmt = input_format(path)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise AccountsError(f"{path}: {error.strerror}") from None
    with stream:
        header = _Lines(stream, path, 0)
        first = next(header, "") if fmt == "csv" and offset > 0 else ""
        stream.seek(offset)
        lines = _Lines(stream, path, offset)
        source: _Lines | Iterator[str] = itertools.chain([first], lines) if first else lines
        rows = _rows(source, path, fmt)  # type: ignore[arg-type]
        yielded = 0
        for row_values in itertools.islice(rows, count):
            row = first_row + yielded
            email = row_values.get("email", "").strip()
            try:
                account: BulkAccount | AccountsError = _account(
                    row_values, f"{path}: row {row + 1}", shared
                )
            except AccountsError as error:
                account = error
            yield row, account, email
            yielded += 1
        if yielded != count:
            raise AccountsError(f"{path}: changed since the run started (a shard's rows are gone)")
