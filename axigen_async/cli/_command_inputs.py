"""Opening a command's inputs: the ACCOUNTS rows with their shared secret, and flag checks.

Responsibility: the checks and openings that ``audit`` and ``apply`` share before
anything is sent or written (a sane ``--concurrency``, a readable ACCOUNTS file, the
shared secret, an output that is not one of the inputs, JSON inputs that Python's
parser can read), turning each problem into a ``UsageError`` or ``AccountsError``
that names the option or the file (and line).
Must not: send anything, write anything, or put a secret in a message.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Iterator, Mapping

from axigen_async.bulk import BulkAccount
from axigen_async.cli._accounts import (
    check_readable,
    count_accounts,
    load_shared_secret,
    read_accounts,
)
from axigen_async.cli._common import UsageError


def check_concurrency(value: int) -> None:
    """Raise UsageError unless ``--concurrency`` is at least 1."""
    if value < 1:
        raise UsageError("--concurrency must be at least 1")


def check_max_login_failures(value: int) -> None:
    """Raise UsageError unless ``--max-login-failures`` is 0 (no stop) or more."""
    if value < 0:
        raise UsageError("--max-login-failures must be 0 (never stop) or more")


def open_accounts(args: argparse.Namespace) -> tuple[Iterator[BulkAccount], int | None]:
    """The lazy account rows of ``args.accounts`` and their count (None when unknown).

    Raises:
        AccountsError: a missing file, an unknown type, or a bad secret option.
    """
    check_readable(args.accounts)
    shared = load_shared_secret(
        password_env=args.password_env,
        password_file=args.password_file,
        token_env=args.token_env,
        token_file=args.token_file,
    )
    return read_accounts(args.accounts, shared), count_accounts(args.accounts)


def refuse_same_file(option: str, output: str, inputs: Mapping[str, str | None]) -> None:
    """Raise UsageError when ``output`` is the same file as one of ``inputs`` (by inode).

    ``inputs`` maps how each input is named on the command line to its path (None or
    ``-`` when not given). Checked before anything is opened for writing.
    """
    for name, path in inputs.items():
        if path is None or path == "-":
            continue
        try:
            same = os.path.samefile(output, path)
        except OSError:
            continue  # one of them does not exist (yet): not the same file
        if same:
            raise UsageError(
                f"{option} is the same file as {name}; writing it would destroy the input "
                f"(nothing was written): choose another {option}"
            )


#: Deeper JSON than this is refused before parsing: Python's parser would need
#: more than its recursion limit, and no SPEC or journal line nests beyond a few levels.
MAX_JSON_DEPTH = 200

_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]|\n', re.DOTALL)


def check_json_text(path: str, name: str, *, per_line: bool) -> None:
    """Raise UsageError naming ``path:line`` for text that is not UTF-8 or JSON nested
    too deeply to parse; a file that cannot be opened is left to its reader to report.

    With ``per_line`` (a journal) each complete line is checked on its own, and a last
    line without its line break (torn by a kill) is left to the reader, which skips it.
    """
    try:
        with open(path, "rb") as stream:
            if per_line:
                for number, line in enumerate(stream, start=1):
                    if not line.endswith(b"\n"):
                        break
                    _check_json_bytes(line, path, name, number)
            else:
                _check_json_bytes(stream.read(), path, name, 1)
    except OSError:
        return


def _check_json_bytes(data: bytes, path: str, name: str, first_line: int) -> None:
    bad_at = _first_bad_utf8(data)
    if bad_at is not None:
        line = first_line + data.count(b"\n", 0, bad_at)
        raise UsageError(f"{name}{path}:{line}: not valid UTF-8 text")
    if data.count(b"[") + data.count(b"{") <= MAX_JSON_DEPTH:
        return  # cannot nest that deep: skip the scan (the common case, and fast)
    depth, line = 0, first_line
    for match in _JSON_TOKEN.finditer(data):
        token = match.group()
        if token == b"\n":
            line += 1
        elif token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise UsageError(f"{name}{path}:{line}: nested too deeply")
        elif token in (b"]", b"}"):
            depth -= 1


def _first_bad_utf8(data: bytes) -> int | None:
    """The offset of the first byte that is not valid UTF-8, or None."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None
