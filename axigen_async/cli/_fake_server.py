"""The ``fake-server`` subcommand: the standalone fake server under this command's name.

Responsibility: parse the options of ``python -m axigen_async.testing`` (its own
parser, reused) and serve until SIGINT or SIGTERM.
Must not: print a password.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from axigen_async.cli._common import EXIT_OK, EXIT_USAGE, Streams
from axigen_async.testing.__main__ import parse_args, serve


async def run_fake_server(argv: Sequence[str], streams: Streams) -> int:
    """Serve until a signal; 0 after a clean stop, 2 for bad options."""
    try:
        with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(streams.err):
            args = parse_args(argv, prog="axigen-async fake-server")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    with contextlib.redirect_stdout(streams.out):
        await serve(args)
    return EXIT_OK
