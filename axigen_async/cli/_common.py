"""What every subcommand shares: output streams, usage errors, logging and the client.

Responsibility: build the ``AxigenClient`` from the common flags (``--url``,
``--timeout``, ``--ca-file``, ``--insecure``) and the embedder's client options, set up logging to
stderr for ``-v``, and define the usage error that maps to exit status 2.
Must not: log or print a secret (a bad ``--url`` is described, never echoed).
"""

from __future__ import annotations

import argparse
import logging
import math
import ssl
from collections.abc import Mapping
from typing import Any, TextIO

import attrs

from axigen_async import AxigenClient, Timeouts
from axigen_async.bulk import is_connect_error
from axigen_async.cli._redact import url_problem
from axigen_async.exceptions import DeadlineExceededError, ServerUnavailableError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: Seconds an attempt may spend connecting when ``--timeout`` is longer than this.
CONNECT_LIMIT = 5.0


class UsageError(Exception):
    """A bad command line or input file: reported on stderr, exit status 2."""


@attrs.frozen
class Streams:
    """Where a command writes: the summary to ``out``, progress and errors to ``err``."""

    out: TextIO
    err: TextIO


def build_client(
    args: argparse.Namespace,
    streams: Streams,
    client_options: Mapping[str, Any] | None = None,
) -> AxigenClient:
    """The client for ``--url`` with the common flags.

    ``client_options`` are more ``AxigenClient`` keyword arguments (such as ``sleep``
    for tests); they win over those the flags give.

    Raises:
        UsageError: the URL or the timeout is not valid.
    """
    problem = url_problem(args.url)
    if problem is not None:
        raise UsageError(f"--url: {problem}")
    options: dict[str, Any] = {"ssl": not args.insecure, "pool_size": max(args.concurrency, 1)}
    if args.ca_file is not None:
        if args.insecure:
            raise UsageError("--ca-file and --insecure contradict each other: choose one")
        options["ssl"] = _trusting(args.ca_file)
    if args.timeout is not None:
        if not 0 < args.timeout < math.inf:  # NaN fails this too
            raise UsageError("--timeout must be a positive, finite number of seconds")
        options["timeouts"] = Timeouts(
            deadline=args.timeout, connect=min(CONNECT_LIMIT, args.timeout)
        )
    if args.insecure:
        print("warning: --insecure turns off TLS certificate verification", file=streams.err)
    options.update(client_options or {})
    try:
        return AxigenClient(args.url, **options)
    except ValueError:
        # The library's message may quote the URL: describe the problem instead.
        raise UsageError(
            "--url: not a URL the client accepts; expected http(s)://host[:port] "
            "with no credentials, query or fragment"
        ) from None


def describe_stop(reason: ServerUnavailableError, timeout: float | None) -> str:
    """Why a run stopped starting accounts, for its ``Stopped:`` line.

    The fan-out says the server looks down when accounts in a row could not connect;
    when the last one ran out of a ``--timeout`` shorter than a connection's own limit
    while still connecting, the deadline, not the server, is the likely cause.
    """
    last = reason.__cause__
    if (
        timeout is not None
        and timeout < CONNECT_LIMIT
        and isinstance(last, DeadlineExceededError)
        and is_connect_error(last)
    ):
        return (
            f"stopped starting accounts: {reason.consecutive_failures} accounts in a row ran "
            f"out of their --timeout of {timeout:g} s while still connecting; that deadline "
            "looks too short for this server (not even a connection fits in it): give a "
            "longer --timeout"
        )
    return reason.message


def _trusting(ca_file: str) -> ssl.SSLContext:
    """A TLS context that trusts the CA certificates in ``ca_file``."""
    try:
        return ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError:  # before OSError, of which it is a kind
        raise UsageError("--ca-file: it holds no PEM certificate") from None
    except OSError as error:
        raise UsageError(f"--ca-file: cannot read it ({error.strerror})") from None


def setup_logging(verbosity: int, stream: TextIO) -> logging.Handler:
    """INFO for ``-v``, DEBUG for ``-vv``, on ``stream``; returns the handler to remove."""
    handler: logging.Handler
    logger = logging.getLogger("axigen_async")
    if verbosity <= 0:
        # Without a handler Python's last-resort handler would print the library's
        # warnings (such as the fan-out's stop) a second time on stderr.
        handler = logging.NullHandler()
        logger.addHandler(handler)
        return handler
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
    return handler


def teardown_logging(handler: logging.Handler) -> None:
    """Undo :func:`setup_logging` (tests run many commands in one process)."""
    logger = logging.getLogger("axigen_async")
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)
