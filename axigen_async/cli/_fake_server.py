"""The ``fake-server`` subcommand: the standalone fake server under this command's name.

Responsibility: parse the options of ``python -m axigen_async.testing`` (its own
parser, reused) and serve until SIGINT or SIGTERM; a usage error is rebuilt from the
parser's own names and a fixed phrase (see ``_redact``), as for the other subcommands.
Must not: print a password, or any text of argparse's own error message.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence

from axigen_async.cli._common import EXIT_OK, EXIT_USAGE, Streams
from axigen_async.cli._redact import describe_usage_error, parser_names
from axigen_async.testing.__main__ import build_parser, parse_args, serve

PROG = "axigen-async fake-server"
_ERROR = f"{PROG}: error: "


async def run_fake_server(argv: Sequence[str], streams: Streams) -> int:
    """Serve until a signal; 0 after a clean stop, 2 for bad options."""
    errors = io.StringIO()
    try:
        with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(errors):
            args = parse_args(argv, prog=PROG)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
        if code != 0:
            # The parser is argparse's own, whose message may quote what was typed:
            # none of the captured text is shown, only what is rebuilt from it.
            parser = build_parser(PROG)
            message = errors.getvalue().rpartition(_ERROR)[2]
            streams.err.write(parser.format_usage())
            described = describe_usage_error(message, parser_names(parser))
            streams.err.write(f"{_ERROR}{described}\n")
        return code
    streams.err.write(errors.getvalue())
    with contextlib.redirect_stdout(streams.out):
        await serve(args)
    return EXIT_OK
