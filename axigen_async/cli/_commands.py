"""The subcommands' entry points: check the arguments, then run ``audit``, ``apply`` or ``demo``.

Responsibility: turn parsed arguments into the inputs of the runners, map usage
problems (missing files, bad flags, a malformed row) to exit status 2 with one line
on stderr, and close the client and the logging set-up on every path.
Must not: print a secret (messages come from errors that never hold one).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping
from typing import Any

from axigen_async.bulk import BulkAccount
from axigen_async.cli._accounts import (
    AccountsError,
    check_readable,
    count_accounts,
    load_shared_secret,
    read_accounts,
)
from axigen_async.cli._common import (
    EXIT_USAGE,
    Streams,
    UsageError,
    build_client,
    setup_logging,
    teardown_logging,
)
from axigen_async.cli._run_audit import run_audit


async def dispatch(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    """Run the parsed command; returns the exit status.

    ``client_options`` are extra ``AxigenClient`` keyword arguments (see ``amain``).
    """
    handler = setup_logging(args.verbose, streams.err)
    try:
        if args.command == "worker" or getattr(args, "queue", None):
            from axigen_async.cli._queue._dispatch import run_queue_command

            return await run_queue_command(args, streams, client_options)
        if args.command == "audit":
            return await _audit(args, streams, client_options)
        if args.command == "apply":
            from axigen_async.cli._run_apply import run_apply_command

            return await run_apply_command(args, streams, client_options)
        return await _demo(args, streams, client_options)
    except (UsageError, AccountsError) as error:
        print(f"axigen-async {args.command}: error: {error}", file=streams.err)
        return EXIT_USAGE
    finally:
        teardown_logging(handler)


def check_concurrency(value: int) -> None:
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


async def _audit(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    check_concurrency(args.concurrency)
    accounts, total = open_accounts(args)
    async with build_client(args, streams, client_options) as client:
        return await run_audit(
            client,
            accounts,
            total=total,
            out_path=args.out,
            concurrency=args.concurrency,
            quiet=args.quiet,
            streams=streams,
        )


def _absolute(path: str) -> str:
    return os.path.abspath(path)


async def _demo(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    from axigen_async import AxigenClient
    from axigen_async.testing import FakeAxigen

    check_concurrency(args.concurrency)
    if args.accounts < 1:
        raise UsageError("--accounts must be at least 1")
    out_path = _absolute(args.out)
    count = args.accounts
    accounts = (
        BulkAccount.basic(f"user{index}@example.com", "demo") for index in range(1, count + 1)
    )
    async with FakeAxigen() as fake:
        fake.add_seeded_accounts(count, password="demo", seed=args.seed)  # noqa: S106
        print(f"Fake Axigen server at {fake.url} with {count} seeded accounts", file=streams.out)
        options = {"pool_size": args.concurrency, **client_options}
        async with AxigenClient(fake.url, **options) as client:
            return await run_audit(
                client,
                accounts,
                total=count,
                out_path=out_path,
                concurrency=args.concurrency,
                quiet=args.quiet,
                streams=streams,
            )
