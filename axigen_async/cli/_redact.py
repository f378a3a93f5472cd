"""Keeping command-line values out of error messages: argparse's, and the ``--url`` check's.

Responsibility: a parser class that never accepts abbreviated options and whose
usage errors hide every value the user typed (argparse quotes them: ``invalid int
value: 'x'``, ``unrecognized arguments: --password=...``), keeping option names; and
a URL check that names what is wrong without echoing the URL's credentials.
Must not: print a value from the command line in an error, except option names.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn
from urllib.parse import urlsplit

HIDDEN = "<hidden>"

# argparse's messages (Python 3.11 to 3.13) that quote what the user typed, and
# the value-free form each is rewritten to.
_REWRITES = (
    (re.compile(r"invalid (\S+) value: .*", re.DOTALL), r"invalid \1 value"),
    (re.compile(r"invalid choice: .*?(\(choose from .*\))?$", re.DOTALL), r"invalid choice \1"),
    (re.compile(r"ignored explicit argument .*", re.DOTALL), "ignored explicit argument"),
    (re.compile(r"unknown parser .*?(\(choices: .*\))?$", re.DOTALL), r"unknown command \1"),
)
_WORD_LISTS = ("unrecognized arguments: ", "unexpected option string: ")
_AMBIGUOUS = "ambiguous option: "
_COULD_MATCH = " could match "


def hide_word(word: str) -> str:
    """One command-line word with its value hidden: ``--password=x`` -> ``--password=<hidden>``.

    A long option keeps its name, a short one its first letter (``-pX`` -> ``-p<hidden>``),
    and anything else (a value) is hidden whole.
    """
    if word.startswith("--"):
        name, equals, _value = word.partition("=")
        return name + (f"={HIDDEN}" if equals else "")
    if word.startswith("-") and len(word) > 2:
        return word[:2] + HIDDEN
    if word == "-" or (word.startswith("-") and len(word) == 2):
        return word
    return HIDDEN


def redact_usage_message(message: str) -> str:
    """An argparse error message with every value the user typed hidden."""
    for prefix in _WORD_LISTS:
        if message.startswith(prefix):
            words = message[len(prefix) :].split(" ")
            return prefix + " ".join(hide_word(word) for word in words)
    if message.startswith(_AMBIGUOUS):
        option, _sep, matches = message[len(_AMBIGUOUS) :].rpartition(_COULD_MATCH)
        return f"{_AMBIGUOUS}{hide_word(option)}{_COULD_MATCH}{matches}"
    head, sep, tail = message.partition(": ") if message.startswith("argument ") else ("", "", "")
    body = tail if sep else message
    for pattern, replacement in _REWRITES:
        if pattern.match(body):
            body = pattern.sub(replacement, body).rstrip()
            break
    return f"{head}{sep}{body}"


class RedactingParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` with no option abbreviations and value-free usage errors.

    Subparsers made through ``add_subparsers`` are of this class too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {redact_usage_message(message)}\n")


def url_problem(url: str) -> str | None:
    """What is wrong with ``--url`` (a message without the URL's text), or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a valid URL; expected http(s)://host[:port]"
    if "@" in parts.netloc:
        return "the URL must not hold credentials (give them in ACCOUNTS or a secret option)"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "expected an http:// or https:// URL with a host, such as https://mail.example.com"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "the URL must not hold a query or a fragment"
    return None
