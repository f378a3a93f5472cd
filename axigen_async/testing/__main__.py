"""Standalone fake Axigen server: ``python -m axigen_async.testing --port 0 --accounts 100``.

Responsibility: parse the command line, seed accounts, arm the fault plan (``--fault-rate``
for ``random_faults``, or ``--chaos`` for ``chaos`` with its defaults, seeded by
``--fault-seed``, with ``--slow-seconds``; the two exclude each other), set the Axigen
version it claims (``--server-version``, which gates the X5 and X6 pages), print the base URL
as the first line of standard output and serve until SIGINT or SIGTERM.
Must not: print any password, token or session id.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import ssl
import sys
from collections.abc import Sequence

from ._server import FakeAxigen

#: The seeded accounts' password when ``--password`` is not given.
DEFAULT_PASSWORD = "demo"  # noqa: S105 - the fake server's test password


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < float("inf"):  # NaN fails this too
        raise argparse.ArgumentTypeError("must be a finite number of seconds, at least 0")
    return value


def _statuses(text: str) -> tuple[int, ...]:
    try:
        statuses = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("must be comma-separated integers") from None
    if any(not 400 <= status <= 599 for status in statuses):
        raise argparse.ArgumentTypeError("must be error statuses, 400 to 599")
    return statuses


def _server_version(text: str) -> str:
    if not re.fullmatch(r"\d+\.\d+(\.\d+)*", text):
        raise argparse.ArgumentTypeError("must be a version such as 10.5 or 10.6.0")
    return text


def build_parser(prog: str = "python -m axigen_async.testing") -> argparse.ArgumentParser:
    """The argument parser, which also checks the values (reused by ``axigen-async``)."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Serve a fake Axigen Mailbox API.", allow_abbrev=False
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument("--accounts", type=_count, default=10, help="seeded accounts user1..userN")
    parser.add_argument(
        "--password",
        default=DEFAULT_PASSWORD,
        help=f"password of every seeded account (default {DEFAULT_PASSWORD})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the account state")
    parser.add_argument("--domain", default="example.com", help="domain of seeded accounts")
    parser.add_argument(
        "--session-idle-timeout", type=float, default=1800.0, help="seconds (default 1800)"
    )
    # In the parser itself, so `axigen-async fake-server` refuses the pair the same way.
    mix = parser.add_mutually_exclusive_group()
    mix.add_argument("--fault-rate", type=float, default=0.0, help="share of failed requests")
    mix.add_argument(
        "--chaos",
        action="store_true",
        help="seeded chaos mix: 5%% 503, 2%% 429, 1%% resets mid-response, 1%% slow answers, "
        "every session ended each 200 requests (seed: --fault-seed)",
    )
    parser.add_argument(
        "--slow-seconds",
        type=_seconds,
        default=2.0,
        help="how long a --chaos slow answer waits (default 2.0)",
    )
    parser.add_argument(
        "--fault-seed", type=int, default=0, help="seed of the random faults or of --chaos"
    )
    parser.add_argument(
        "--fault-statuses",
        type=_statuses,
        default=(500, 502, 503),
        help="comma-separated statuses of random faults (default 500,502,503)",
    )
    parser.add_argument(
        "--fault-reset-share", type=float, default=0.0, help="share of faults that reset"
    )
    parser.add_argument(
        "--server-version",
        type=_server_version,
        default="10.6.0",
        help="Axigen version to claim (default 10.6.0); before 10.5 the UI settings answer "
        "404, before 10.6 every security endpoint does",
    )
    parser.add_argument(
        "--create-delay",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="hold each signature or temporary alias create this long before it takes "
        "effect and is answered; it takes effect even if the client went away (default 0)",
    )
    parser.add_argument(
        "--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (chain) file"
    )
    parser.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert")
    return parser


def _tls_context(args: argparse.Namespace) -> ssl.SSLContext | None:
    if args.tls_cert is None and args.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


async def serve(args: argparse.Namespace) -> None:
    """Serve what ``build_parser`` parsed until SIGINT or SIGTERM."""
    fake = FakeAxigen(
        host=args.host,
        port=args.port,
        session_idle_timeout=args.session_idle_timeout,
        ssl_context=_tls_context(args),
        server_version=args.server_version,
    )
    fake.add_seeded_accounts(
        args.accounts, password=args.password, seed=args.seed, domain=args.domain
    )
    fake.create_delay = args.create_delay
    if args.chaos:
        fake.faults.chaos(seed=args.fault_seed, slow_seconds=args.slow_seconds)
    elif args.fault_rate > 0:
        fake.faults.random_faults(
            args.fault_rate,
            seed=args.fault_seed,
            statuses=args.fault_statuses,
            reset_share=args.fault_reset_share,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        async with fake:
            print(fake.url, flush=True)
            print(
                f"accounts: user1..user{args.accounts}@{args.domain}; password: "
                # The default is a test password, shown; a chosen one is never printed.
                + (
                    f"{DEFAULT_PASSWORD} (the default; --password sets another)"
                    if args.password == DEFAULT_PASSWORD
                    else "given by --password"
                ),
                flush=True,
            )
            await stop.wait()
    finally:
        for signum in signals:  # give the loop's owner its own handling back
            loop.remove_signal_handler(signum)


def parse_args(
    argv: Sequence[str] | None = None, *, prog: str = "python -m axigen_async.testing"
) -> argparse.Namespace:
    """Parse and check the options (exits with status 2 on bad ones, as argparse does)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; returns the exit code (0 after a clean stop)."""
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
