"""Reading the ACCOUNTS file lazily into ``BulkAccount`` values.

Responsibility: parse CSV (header ``email,password`` or ``email,token``) or JSONL
rows one at a time, fill in a shared secret from an environment variable or a file
when a row has none, and report a malformed row by its line number.
Must not: hold the whole file in memory, or put a secret in any error message.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

import attrs

from axigen_async.bulk import BulkAccount

_JSONL_SUFFIXES = (".jsonl", ".json-lines", ".ndjson")
_SECRET_COLUMNS = ("password", "token")


class AccountsError(Exception):
    """The ACCOUNTS input cannot be read; the message names the line, never a secret."""


@attrs.frozen
class SharedSecret:
    """One secret for rows that carry none: a password (Basic) or a token (Bearer)."""

    kind: str  # "password" or "token"
    value: str = attrs.field(repr=False)


def load_shared_secret(
    *,
    password_env: str | None = None,
    password_file: str | None = None,
    token_env: str | None = None,
    token_file: str | None = None,
) -> SharedSecret | None:
    """The shared secret the options name, or None.

    Raises:
        AccountsError: more than one source, an unset variable, or an unreadable file.
    """
    given = [
        (kind, source, where)
        for kind, source, where in (
            ("password", "env", password_env),
            ("password", "file", password_file),
            ("token", "env", token_env),
            ("token", "file", token_file),
        )
        if where is not None
    ]
    if not given:
        return None
    if len(given) > 1:
        raise AccountsError("give at most one of --password-env/-file, --token-env/-file")
    kind, source, where = given[0]
    if source == "env":
        value = os.environ.get(where, "")
        if not value:
            raise AccountsError(f"the environment variable {where} is not set or empty")
    else:
        try:
            raw = Path(where).read_bytes()
        except OSError as error:
            raise AccountsError(f"cannot read the secret file {where}: {error.strerror}") from None
        decoded = _decoded(raw, "utf-8")
        if decoded is None:
            # Raised outside any except block: a decoding error holds the secret's bytes.
            raise AccountsError(f"the secret file {where} is not UTF-8 text")
        value = decoded.strip("\r\n")
        if not value:
            raise AccountsError(f"the secret file {where} is empty")
    return SharedSecret(kind, value)


def input_format(path: str) -> str:
    """``"csv"`` or ``"jsonl"``, by the file's extension (stdin ``-`` is CSV)."""
    lower = path.lower()
    if lower.endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(".csv") or path == "-":
        return "csv"
    raise AccountsError(f"{path}: unknown file type; use .csv, .jsonl or .json-lines")


def count_accounts(path: str) -> int | None:
    """The number of account rows, counted from line breaks without parsing; None for stdin."""
    if path == "-":
        return None
    lines = 0
    last = b"\n"
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0) if input_format(path) == "csv" else lines


def check_readable(path: str) -> None:
    """Raise AccountsError when the file is missing or of an unknown type."""
    input_format(path)
    if path != "-" and not os.path.isfile(path):
        raise AccountsError(f"{path}: no such file")


def read_accounts(
    path: str, shared: SharedSecret | None = None, *, stdin: TextIO | None = None
) -> Iterator[BulkAccount]:
    """Yield one BulkAccount per row, lazily.

    Raises (while iterating):
        AccountsError: a malformed row, naming the file and line number.
    """
    fmt = input_format(path)
    if path == "-":
        # The process's stdin is decoded here, line by line, as a file is; a text
        # stream given by the caller (or one without bytes under it) is used as it is.
        raw: BinaryIO | None = getattr(sys.stdin, "buffer", None) if stdin is None else None
        text = stdin if stdin is not None else sys.stdin
        lines: Iterable[str] = text if raw is None else _text_lines(raw, "-")
        yield from _rows(lines, "-", fmt, shared)
        return
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise AccountsError(f"{path}: {error.strerror}") from None
    with stream:
        yield from _rows(_text_lines(stream, path), path, fmt, shared)


def _decoded(raw: bytes, encoding: str) -> str | None:
    """``raw`` decoded, or None when it is not valid in ``encoding``.

    The caller raises its own error outside this function's ``except`` block, so that
    no exception chain carries the undecodable bytes (a row holds a password).
    """
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _text_lines(stream: BinaryIO, name: str) -> Iterator[str]:
    """The file's lines decoded one by one, so the rows before a bad line are used.

    Decoding the whole file through a text stream would fail at the first read of
    a block, before any row of it; the first line may start with a UTF-8 BOM.
    """
    encoding = "utf-8-sig"
    number = 0
    for chunk in stream:
        # A file split on \r alone comes as one chunk: split it as text mode would.
        for raw in chunk.splitlines(keepends=True):
            number += 1
            line = _decoded(raw, encoding)
            if line is None:
                raise AccountsError(f"{name}:{number}: not valid UTF-8 text")
            encoding = "utf-8"
            yield line


def _rows(
    lines: Iterable[str], name: str, fmt: str, shared: SharedSecret | None
) -> Iterator[BulkAccount]:
    rows = _csv_rows(lines, name) if fmt == "csv" else _jsonl_rows(lines, name)
    try:
        for line, row in rows:
            yield _account(row, f"{name}:{line}", shared)
    except UnicodeDecodeError:
        bad = True  # from standard input, a text stream: no line number to give
    else:
        bad = False
    if bad:
        raise AccountsError(f"{name}: not valid UTF-8 text")


def _csv_rows(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error:
        raise AccountsError(f"{name}:1: malformed CSV header") from None
    if header is None:
        return
    columns = [column.strip().lower() for column in header]
    if "email" not in columns:
        raise AccountsError(f"{name}:1: the header must name an 'email' column")
    unknown = sorted(set(columns) - {"email", *_SECRET_COLUMNS})
    if unknown:
        raise AccountsError(f"{name}:1: unknown columns: {', '.join(unknown)}")
    try:
        for values in reader:
            if not values or all(not value.strip() for value in values):
                continue
            if len(values) != len(columns):
                raise AccountsError(
                    f"{name}:{reader.line_num}: expected {len(columns)} fields, got {len(values)}"
                )
            yield reader.line_num, dict(zip(columns, values, strict=True))
    except csv.Error:
        raise AccountsError(f"{name}:{reader.line_num}: malformed CSV row") from None


def _jsonl_rows(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, str]]]:
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        row, problem = _json_row(line)
        if problem:
            raise AccountsError(f"{name}:{line_number}: {problem}")
        yield line_number, row


def _json_row(line: str) -> tuple[dict[str, str], str]:
    """One JSONL row and "", or {} and what is wrong with it (never quoting the line)."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return {}, "not valid JSON"
    except RecursionError:
        return {}, "nested too deeply"
    if not isinstance(row, dict):
        return {}, "expected a JSON object"
    unknown = sorted(str(key) for key in row if key not in {"email", *_SECRET_COLUMNS})
    if unknown:
        return {}, f"unknown keys: {', '.join(unknown)}"
    if any(not isinstance(value, str) for value in row.values()):
        return {}, "every value must be a string"
    return row, ""


def _account(row: dict[str, str], where: str, shared: SharedSecret | None) -> BulkAccount:
    email = row.get("email", "").strip()
    if not email or "@" not in email:
        raise AccountsError(f"{where}: missing or invalid email")
    password = row.get("password", "")
    token = row.get("token", "")
    if password and token:
        raise AccountsError(f"{where}: give a password or a token, not both")
    if not password and not token and shared is None:
        raise AccountsError(
            f"{where}: no password or token for {email}; "
            "add the column or use --password-env/--password-file/--token-env/--token-file"
        )
    if not password and not token:
        assert shared is not None
        password, token = (shared.value, "") if shared.kind == "password" else ("", shared.value)
    account = _built(email, password, token)
    if account is None:
        # Raised outside the except block, so the library's error (which the
        # credentials went into) is not chained to it.
        raise AccountsError(f"{where}: invalid credentials for {email}")
    return account


def _built(email: str, password: str, token: str) -> BulkAccount | None:
    """The account for a password or a token, or None when the library refuses them."""
    try:
        return BulkAccount.basic(email, password) if password else BulkAccount.bearer(email, token)
    except ValueError:
        return None


def unique_accounts(
    accounts: Iterable[BulkAccount], on_repeat: Callable[[BulkAccount], object]
) -> Iterator[BulkAccount]:
    """The rows of ``accounts`` whose lower-cased address was not seen before.

    A repeated address (an exact copy, or one differing only in letter case) is given
    to ``on_repeat`` and not yielded, so no mailbox is worked on twice in one run and
    no two operations on one address overlap. Keeps one set of addresses: fine for
    ``apply``, whose inputs are provisioning lists, not the audit's unbounded streams.
    """
    seen: set[str] = set()
    for item in accounts:
        key = item.email.lower()
        if key in seen:
            on_repeat(item)
            continue
        seen.add(key)
        yield item
