"""The one entry point of the queue's commands: ``worker``, and ``audit/apply --queue``.

Responsibility: tell the user when the ``queue`` extra is missing, then hand the
arguments to the worker or the coordinator.
Must not: import arq or redis before knowing they are installed.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from axigen_async.cli._common import Streams, UsageError


async def run_queue_command(
    args: argparse.Namespace, streams: Streams, client_options: Mapping[str, Any]
) -> int:
    """Run ``worker`` or a ``--queue`` coordinator; returns the exit status.

    Raises:
        UsageError: the ``queue`` extra is not installed, or a command's usage error.
    """
    try:
        import arq  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        raise UsageError(
            "the queue needs arq and redis: pip install 'axigen-async[queue]'"
        ) from None
    if args.command == "worker":
        from axigen_async.cli._queue._worker import run_worker

        return await run_worker(args, streams, client_options)
    from axigen_async.cli._queue._coordinator import run_queued

    return await run_queued(args, streams)
