"""The ``fake-server`` subcommand: the standalone fake server under this command's name.

Responsibility: parse the options of ``python -m axigen_async.testing`` (its own
parser, reused) and serve until SIGINT or SIGTERM; a usage error's message is
printed with the values the user typed hidden, as for the other subcommands.
Must not: print a password.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

from axigen_async.cli._common import EXIT_OK, EXIT_USAGE, Streams
from axigen_async.cli._redact import redact_usage_message
from axigen_async.testing.__main__ import parse_args, serve

PROG = "axigen-async fake-server"
_ERROR = f"{PROG}: error: "


async def run_fake_server(argv: Sequence[str], streams: Streams) -> int:
    """Serve until a signal; 0 after a clean stop, 2 for bad options."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(errors):
            args = parse_args(argv, prog=PROG)
    except SystemExit as exit_:
        streams.err.write(_redacted(errors.getvalue()))
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    streams.err.write(errors.getvalue())
    with contextlib.redirect_stdout(streams.out):
        await serve(args)
    return EXIT_OK


def _redacted(text: str) -> str:
    """argparse's output with its error message (to the end, whatever it holds) redacted."""
    if text.startswith(_ERROR):
        at = 0
    else:
        found = text.find("\n" + _ERROR)
        if found < 0:
            return text
        at = found + 1
    message = text[at + len(_ERROR) :].removesuffix("\n")
    return f"{text[:at]}{_ERROR}{redact_usage_message(message)}\n"
