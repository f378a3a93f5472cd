"""The subcommands' entry points: check the arguments, then run ``audit``, ``apply`` or ``demo``.

Responsibility: turn parsed arguments into the inputs of the runners, map usage
problems (missing or undecodable files, bad flags, a malformed row, an output that is
an input) to exit status 2 and a file that fails midway (a full disk) to exit status
1, each with one line on stderr, and close the client and the logging set-up on
every path.
Must not: print a secret (messages come from errors that never hold one).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any

from axigen_async.bulk import BulkAccount
from axigen_async.cli._accounts import AccountsError
from axigen_async.cli._command_inputs import (
    check_concurrency,
    check_json_text,
    check_max_login_failures,
    open_accounts,
    refuse_same_file,
)
from axigen_async.cli._common import (
    EXIT_FAILED,
    EXIT_USAGE,
    Streams,
    UsageError,
    build_client,
    setup_logging,
    teardown_logging,
)
from axigen_async.cli._report import ReportError
from axigen_async.cli._run_apply import run_apply_command
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
            # What the apply side reads with Python's json (SPEC, a resumed journal) is
            # checked here first, so that a bad byte or deep nesting is a usage error.
            check_json_text(args.spec, "SPEC ", per_line=False)
            if args.resume and args.journal:
                check_json_text(args.journal, "--journal: ", per_line=True)
            check_max_login_failures(args.max_login_failures)
            return await run_apply_command(args, streams, client_options)
        return await _demo(args, streams, client_options)
    except (UsageError, AccountsError) as error:
        print(f"axigen-async {args.command}: error: {error}", file=streams.err)
        return EXIT_USAGE
    except ReportError as error:
        print(f"axigen-async {args.command}: error: {error}", file=streams.err)
        return EXIT_FAILED
    except OSError as error:
        # The last resort for a file that failed midway (a journal on a full disk):
        # one line, never a traceback; the errno text and file name hold no secret.
        where = f" ({error.filename})" if error.filename else ""
        problem = error.strerror or type(error).__name__
        print(f"axigen-async {args.command}: error: {problem}{where}", file=streams.err)
        return EXIT_FAILED
    finally:
        teardown_logging(handler)


async def _audit(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    check_concurrency(args.concurrency)
    check_max_login_failures(args.max_login_failures)
    inputs = {"ACCOUNTS": args.accounts, "--ca-file": args.ca_file}
    inputs.update({"--password-file": args.password_file, "--token-file": args.token_file})
    refuse_same_file("--out", args.out, inputs)
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
            max_login_failures=args.max_login_failures,
            deadline=args.timeout,
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
