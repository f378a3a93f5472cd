"""Keeping command-line values out of error messages: argparse's, and the ``--url`` check's.

Responsibility: usage errors rebuilt from what a parser itself defines (its option
names, positional and subcommand names) plus a fixed phrase for the kind of problem,
so that no text the user typed can reach the terminal whatever argparse's wording
(which changes between Python versions); unrecognized words are counted, not shown.
Also a URL check that names what is wrong without echoing the URL.
Must not: print any text taken from the command line in an error, or rely on
argparse's message wording for that guarantee (the wording only picks the phrase).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn
from urllib.parse import urlsplit

# A word of argparse's message (lower case) -> the fixed phrase shown; first match wins.
# An unknown wording falls back to a generic phrase: the message is less precise, never
# less safe, since nothing of the original message is copied except known names.
_KINDS = (
    ("required", "the following arguments are required"),
    ("not allowed with", "cannot be used together"),
    ("together", "must be given together"),
    ("ambiguous", "ambiguous option (spell options in full)"),
    ("ignored explicit", "takes no value"),
    ("invalid choice", "invalid choice"),
    ("unknown parser", "invalid choice"),
    ("expected", "needs a value"),
    ("invalid", "invalid value"),
    ("unrecognized", "unrecognized arguments"),
    ("must", "invalid value"),  # the checks of our own argument types
)
_FALLBACK = "invalid command line"
_WORD = re.compile(r"-{0,2}[A-Za-z0-9][A-Za-z0-9_-]*")


def parser_names(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The option strings and upper-case names (metavars) in the parser's help text."""
    return frozenset(
        word
        for word in _WORD.findall(parser.format_help())
        if word.startswith("-") or (word.isupper() and len(word) > 1)
    )


def describe_usage_error(
    message: str,
    names: Iterable[str],
    *,
    subject: str | None = None,
    commands: Sequence[str] = (),
) -> str:
    """A usage error made only of known ``names``, ``commands`` and fixed phrases.

    ``message`` (argparse's, which may quote what was typed) only chooses the phrase
    and which known names to mention; ``subject`` is the argument at fault when known
    (such as ``-q/--quiet``), used when every part of it is a known name.
    """
    known = frozenset(names)
    lowered = message.lower()
    kind = next((phrase for word, phrase in _KINDS if word in lowered), _FALLBACK)
    if subject and all(part in known for part in subject.split("/")):
        named = [subject]
    else:
        named = list(dict.fromkeys(word for word in _WORD.findall(message) if word in known))
    if kind == _KINDS[0][1]:
        return f"{kind}: {', '.join(named)}" if named else kind
    if kind == "invalid choice" and commands:
        kind = f"{kind} (choose from {', '.join(commands)})"
    return f"argument {'/'.join(named)}: {kind}" if named else kind


def unrecognized(words: Sequence[str]) -> str:
    """The error for words no parser took: counted, never quoted."""
    count = f"{len(words)} word{'s' if len(words) != 1 else ''}"
    return (
        f"unrecognized arguments: {count}, not shown in case they hold a secret "
        "(options must be spelled in full; see --help)"
    )


class RedactingParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` with no option abbreviations and value-free usage errors.

    Subparsers made through ``add_subparsers`` are of this class too.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._subcommands: argparse.Action | None = None

    def add_subparsers(self, **kwargs: Any) -> Any:
        """As argparse's; the subcommand names are kept for an invalid choice."""
        self._subcommands = super().add_subparsers(**kwargs)
        return self._subcommands

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        """As argparse's, but words left over are counted in the error, not quoted."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            self._fail(unrecognized(extra))
        return parsed

    def error(self, message: str) -> NoReturn:
        # argparse calls this inside its ``except ArgumentError`` when an argument is
        # at fault: the exception names that argument from the parser's own definitions.
        raised = sys.exc_info()[1]
        subject = raised.argument_name if isinstance(raised, argparse.ArgumentError) else None
        choices = self._subcommands.choices if self._subcommands is not None else None
        commands = [str(name) for name in choices or ()]
        self._fail(
            describe_usage_error(message, parser_names(self), subject=subject, commands=commands)
        )

    def _fail(self, description: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {description}\n")


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
