"""The command line's grammar: argparse parsers for every subcommand, with examples.

Responsibility: declare the subcommands, their flags, defaults and help texts.
Must not: run anything, or read any file.
"""

from __future__ import annotations

import argparse

from axigen_async import __version__
from axigen_async.cli._login_guard import DEFAULT_MAX_LOGIN_FAILURES
from axigen_async.cli._queue._options import add_queue_options, add_worker_parser
from axigen_async.cli._redact import RedactingParser

PROG = "axigen-async"

_MAIN_EPILOG = """\
examples:
  axigen-async demo                         audit 1,000 accounts on an embedded fake server
  axigen-async audit accounts.csv --url https://mail.example.com --out report.jsonl
  axigen-async apply spec.json accounts.csv --url https://mail.example.com --dry-run
  axigen-async fake-server --port 8080 --accounts 100

Secrets (passwords, tokens) are never printed, logged or written to a report.
"""

_AUDIT_EPILOG = """\
ACCOUNTS is a CSV file with a header row (email,password or email,token) or a
JSONL file with the same keys (.jsonl, .json-lines); '-' reads CSV from stdin.
Rows without a secret take the one from --password-env/--password-file or
--token-env/--token-file.

examples:
  axigen-async audit accounts.csv --url https://mail.example.com
  ADMIN_PW=... axigen-async audit emails.csv --url https://mail.example.com \\
      --password-env ADMIN_PW --out audit.csv --concurrency 50

exit status: 0 every account audited, 1 some account failed or was not attempted
(the run stopped: the server looked down, or --max-login-failures logins failed in
a row), 2 usage error, 130 interrupted.
"""

_APPLY_EPILOG = """\
SPEC is a JSON object using the Axigen documentation's field names:
  {"vacation": {"enabled": true, "subject": "Away", "body": "Back soon", "age": 1,
                "applyAlways": true},
   "signatures": [{"name": "Work", "type": "html", "body": "<b>Jane</b>"}],
   "contactInfo": {"title": "Dr"},
   "accounts": {"jane@example.com": {"contactInfo": {"firstName": "Jane"}}}}
Under "accounts", an account's vacation and contactInfo merge field by field over
the top-level ones, and its signatures replace the top-level list. Only what
differs from the current state is written.

examples:
  axigen-async apply spec.json accounts.csv --url https://mail.example.com --dry-run
  axigen-async apply spec.json accounts.csv --url https://mail.example.com --journal j.jsonl
  axigen-async apply spec.json accounts.csv --url https://mail.example.com \\
      --journal j.jsonl --resume

The journal is locked for the run (a second run on it exits 2), starts with a
fingerprint of SPEC (--resume with another one exits 2 unless
--allow-changed-spec), and records each create before it is sent: an account with
a create of unknown outcome is re-read once the call's deadline has passed.
SIGTERM or SIGINT: no new account, 2 s for those in flight, then the summary.

exit status: 0 all converged or nothing to do, 1 some failed or not attempted,
2 usage error, 3 some need review and none failed, 143/130 stopped by SIGTERM/SIGINT.
"""

_DEMO_EPILOG = """\
examples:
  axigen-async demo
  axigen-async demo --accounts 200 --concurrency 20 --out /tmp/demo.csv
"""

_FAKE_EPILOG = """\
The options are those of 'python -m axigen_async.testing'; see
'axigen-async fake-server --help'. The first line printed is the server's URL.
"""


def _common(*, url_required: bool) -> RedactingParser:
    common = RedactingParser(add_help=False)
    group = common.add_argument_group("common options")
    if url_required:
        group.add_argument("--url", required=True, help="the Axigen server, https://host[:port]")
    group.add_argument(
        "--concurrency", type=int, default=20, metavar="N", help="accounts at once (default 20)"
    )
    group.add_argument(
        "--timeout", type=float, default=None, metavar="SECONDS", help="deadline of each call"
    )
    group.add_argument(
        "--ca-file", metavar="PEM", help="trust the CA certificates in this file (a private CA)"
    )
    group.add_argument(
        "--insecure", action="store_true", help="do not verify TLS certificates (test benches)"
    )
    group.add_argument(
        "--max-login-failures",
        type=int,
        default=DEFAULT_MAX_LOGIN_FAILURES,
        metavar="N",
        help="stop starting accounts after N failed logins in a row, so that a wrong "
        f"password cannot lock out a whole domain (default {DEFAULT_MAX_LOGIN_FAILURES}; "
        "0: never stop)",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    group.add_argument(
        "-v", "--verbose", action="count", default=0, help="log to stderr (-vv for debug)"
    )
    return common


def _secrets(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("shared secret (for rows without one)")
    group.add_argument("--password-env", metavar="VAR", help="password from this variable")
    group.add_argument("--password-file", metavar="PATH", help="password from this file")
    group.add_argument("--token-env", metavar="VAR", help="bearer token from this variable")
    group.add_argument("--token-file", metavar="PATH", help="bearer token from this file")


def build_parser() -> argparse.ArgumentParser:
    """The ``axigen-async`` parser with its subcommands.

    Options must be spelled out (no abbreviations), and usage errors never quote a
    value from the command line (see :class:`RedactingParser`).
    """
    formatter = argparse.RawDescriptionHelpFormatter
    parser = RedactingParser(
        prog=PROG,
        description="Audit and configure Axigen mailboxes through the Mailbox REST API.",
        epilog=_MAIN_EPILOG,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    audit = commands.add_parser(
        "audit",
        parents=[_common(url_required=True)],
        help="audit accounts into a report and print a summary",
        description="Audit every account: info, aliases, signatures, vacation, indexes.",
        epilog=_AUDIT_EPILOG,
        formatter_class=formatter,
    )
    audit.add_argument("accounts", metavar="ACCOUNTS", help="CSV or JSONL file, or '-'")
    audit.add_argument(
        "--out",
        default="axigen-audit-report.jsonl",
        help="report file, JSONL or .csv (default axigen-audit-report.jsonl)",
    )
    _secrets(audit)
    add_queue_options(audit, "audit")

    apply = commands.add_parser(
        "apply",
        parents=[_common(url_required=True)],
        help="make accounts match a SPEC, writing only what differs",
        description="Ensure vacation, signatures and contact info match SPEC on every account.",
        epilog=_APPLY_EPILOG,
        formatter_class=formatter,
    )
    apply.add_argument("spec", metavar="SPEC", help="JSON file of the wanted settings")
    apply.add_argument("accounts", metavar="ACCOUNTS", help="CSV or JSONL file, or '-'")
    apply.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    apply.add_argument("--journal", metavar="FILE", help="append each account's outcome here")
    apply.add_argument(
        "--resume", action="store_true", help="skip accounts the journal has as done"
    )
    apply.add_argument(
        "--allow-changed-spec",
        action="store_true",
        help="with --resume: accept a journal written for another SPEC, and plan "
        "again the accounts done under it",
    )
    _secrets(apply)
    add_queue_options(apply, "apply")
    add_worker_parser(commands, _common(url_required=True), _secrets, formatter)

    demo = commands.add_parser(
        "demo",
        help="audit seeded accounts on an embedded fake server",
        description="Start a fake server with seeded accounts, audit them all, print a summary.",
        epilog=_DEMO_EPILOG,
        formatter_class=formatter,
    )
    demo.add_argument("--accounts", type=int, default=1000, metavar="N", help="default 1000")
    demo.add_argument("--concurrency", type=int, default=50, metavar="N", help="default 50")
    demo.add_argument("--seed", type=int, default=0, help="seed of the accounts' state")
    demo.add_argument(
        "--out", default="axigen-demo-report.jsonl", help="default axigen-demo-report.jsonl"
    )
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    demo.add_argument("-v", "--verbose", action="count", default=0, help="log to stderr")

    commands.add_parser(
        "fake-server",
        add_help=False,
        help="serve a fake Axigen server (options of python -m axigen_async.testing)",
        epilog=_FAKE_EPILOG,
    )
    return parser
