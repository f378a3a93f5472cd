"""Opening a command's inputs: the ACCOUNTS rows with their shared secret, and flag checks.

Responsibility: the checks and openings that ``audit`` and ``apply`` share before
anything is sent (a sane ``--concurrency``, a readable ACCOUNTS file, the shared
secret), turning each problem into a ``UsageError`` or ``AccountsError`` that names
the option or the file.
Must not: send anything, write anything, or put a secret in a message.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

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
