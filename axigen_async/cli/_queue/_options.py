"""The queue's command-line grammar: ``--queue`` options and the ``worker`` subcommand.

Responsibility: declare the options that run ``audit``/``apply`` over a Redis queue and
the ``worker`` subcommand's flags, with their help texts.
Must not: run anything, or read any file.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

WORKER_EPILOG = """\
A worker takes shards of accounts from the Redis queue that 'audit --queue' and
'apply --queue' fill, and runs them against --url. Start as many as you like, on
as many machines: each reads ACCOUNTS at the path the coordinator was given (a
shared path, the same on every machine), and takes the secret of rows without one
from its own --password-env/--password-file/--token-env/--token-file. No secret
goes through Redis.

examples:
  ADMIN_PW=... axigen-async worker --queue redis://queue.example.com:6379/0 \\
      --url https://mail.example.com --password-env ADMIN_PW --concurrency 100 --shards 4
"""


def add_queue_options(parser: argparse.ArgumentParser, command: str) -> None:
    """``--queue``, ``--shard-size``, ``--keep-results`` and the resume flag of ``command``."""
    group = parser.add_argument_group("distributed run (see 'axigen-async worker --help')")
    group.add_argument(
        "--queue",
        metavar="URL",
        help="run over arq workers on this Redis, redis://HOST:PORT/DB",
    )
    group.add_argument(
        "--shard-size",
        type=int,
        default=500,
        metavar="N",
        help="accounts per queued job (default 500, at most 500)",
    )
    group.add_argument(
        "--keep-results",
        type=float,
        default=24.0,
        metavar="HOURS",
        help="keep the run's data in Redis this long after it ends (default 24)",
    )
    resume = "--resume" if command == "audit" else "--resume-run"
    group.add_argument(
        resume,
        metavar="RUN_ID",
        dest="resume" if command == "audit" else "resume_run",
        help="with --queue: continue this run from the report's checkpoint",
    )


def add_worker_parser(
    commands: Any,
    common: argparse.ArgumentParser,
    secrets: Callable[[argparse.ArgumentParser], None],
    formatter: type[argparse.HelpFormatter],
) -> None:
    """The ``worker`` subcommand, with the common client options and the shared secret."""
    worker = commands.add_parser(
        "worker",
        parents=[common],
        help="run shards of queued audits and applies (arq on Redis)",
        description="Serve the Redis queue of 'audit --queue' and 'apply --queue' runs.",
        epilog=WORKER_EPILOG,
        formatter_class=formatter,
    )
    worker.add_argument("--queue", required=True, metavar="URL", help="redis://HOST:PORT/DB")
    worker.add_argument(
        "--shards", type=int, default=2, metavar="N", help="shards (jobs) at once (default 2)"
    )
    worker.add_argument(
        "--job-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a shard's time limit (default: 500 accounts' calls at --timeout each)",
    )
    worker.add_argument(
        "--max-tries",
        type=int,
        default=5,
        metavar="N",
        help="tries of a shard whose worker died (default 5)",
    )
    secrets(worker)
