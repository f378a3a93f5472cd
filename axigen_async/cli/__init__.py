"""The ``axigen-async`` command line: ``audit``, ``apply``, ``demo`` and ``fake-server``.

``main(argv)`` runs everything under one ``asyncio.run``; ``amain(argv)`` is the
coroutine, for tests and embedding, with injectable output streams and extra
``AxigenClient`` keyword arguments (such as an instant ``sleep`` for tests)::

    exit_status = await amain(["demo", "--accounts", "100", "--quiet"])

Exit status:

- audit: 0 every account audited, 1 some account failed or was not attempted (the
  run stopped starting accounts: the server looked down, or too many logins failed
  in a row), or the report could not be written midway.
- apply: 0 every account converged or nothing to do, 1 some account failed or was
  not attempted, 3 some account needs review and none failed, 143 stopped by SIGTERM.
- every command: 2 usage error (before anything is sent: a bad flag, a missing or
  malformed input, an output that is one of the inputs; or a malformed ACCOUNTS row
  found midway, after the accounts before it), 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from axigen_async.cli._commands import dispatch
from axigen_async.cli._common import EXIT_USAGE, Streams
from axigen_async.cli._parser import build_parser

__all__ = ["amain", "main"]


async def amain(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> int:
    """Run one command; returns its exit status (``--help`` and usage errors included).

    ``client_options`` go to every ``AxigenClient`` the command makes, over the
    options its flags give (``sleep=``, ``clock=``, ``retry=``...).
    """
    streams = Streams(
        out=stdout if stdout is not None else sys.stdout,
        err=stderr if stderr is not None else sys.stderr,
    )
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["fake-server"]:
        from axigen_async.cli._fake_server import run_fake_server

        return await run_fake_server(arguments[1:], streams)
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(streams.err):
            args = parser.parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    return await dispatch(args, streams, client_options or {})


def main(argv: Sequence[str] | None = None) -> int:
    """The console script: run :func:`amain` on uvloop when installed, else asyncio."""
    from axigen_async.cli._loop import run

    try:
        return run(amain(argv))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
