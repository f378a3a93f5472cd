"""Scrubbing secrets out of answer excerpts.

Every excerpt of an answer's body that reaches an error passes through here: the
request's own secrets (passwords, its ``Authorization`` credentials, its session
id), in every spelling a body may use, and anything that looks like a credential
become ``<redacted>``. Runs on failures only; no I/O, no state.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Protocol
from urllib.parse import quote, quote_plus

from axigen_async import exceptions as exc
from axigen_async._auth import header_secrets


class _Request(Protocol):
    """What an excerpt needs of a request: the secrets its body carried."""

    @property
    def secrets(self) -> tuple[str, ...]: ...


__all__ = ["REDACTED", "body_excerpt", "redacted_excerpt"]

REDACTED = "<redacted>"

# A credential-looking token: four or more characters, one of them not a lower-case
# letter, so that prose ("must", "expired", "information") is left alone.
_CREDENTIAL = r"""(?=[a-z]*[^a-z\s,;&<>"'}])[^\s,;&<>"'}]{4,}"""
# What an answer may echo of a request's credentials: a proxy's error page or a
# debug dump quoting headers, a JSON body naming a session id. The value after a
# key that names a secret: quoted (to its closing quote, or the window's end when
# the body was cut off there), after an auth scheme, or bare and credential-like...
_SECRET_FIELD = re.compile(
    r"""(["']?(?<![\w-])(?:sessid|x-axigen-session|x-axigen-security-token|securitytoken"""
    r"""|authorization|password|newpassword|oldpassword|token|access_token|_h)["']?\s*[:=]\s*)"""
    r"""("(?:[^"\\]|\\.)*(?:"|$)|'(?:[^'\\]|\\.)*(?:'|$)"""
    r"""|(?:basic|bearer)\s+(?:<redacted>|[^\s,;&<>"'}]+)|<redacted>|""" + _CREDENTIAL + ")",
    re.IGNORECASE,
)
# ... and a credential after its scheme, wherever it stands ("Basic dXNlcjpw..."): a
# token of 8 or more characters with a digit or a symbol, which words
# ("Authentication") do not have.
_SCHEME_VALUE = re.compile(
    r"(?<![\w-])((?i:basic|bearer))(\s+)(?=[A-Za-z]*[0-9+/._~=-])[A-Za-z0-9+/._~-]{8,}=*"
)
# Read past the excerpt's end, so a secret cut by it is still recognized whole.
_SCRUB_WINDOW = 4096
# Shorter secrets are left to the patterns: replacing every "e" of a one-letter
# password would leave nothing of the excerpt to read.
_SHORTEST_SCRUBBED = 4


def _forms(secret: str) -> set[str]:
    """The ways a body may spell ``secret``: as it is, JSON-escaped, URL- or HTML-encoded."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        html.escape(secret),
    }


def body_excerpt(body: bytes, secrets: Iterable[str] = ()) -> str:
    """A short, printable excerpt of an answer's body for error messages, with secrets removed.

    ``secrets`` are values the request carried (passwords, the credentials of its
    ``Authorization`` header, its session id); they, in any of the spellings a body
    may use, and anything that looks like a credential (a ``Basic`` or ``Bearer``
    value, the value of a key such as ``sessid`` or ``password``) become
    ``<redacted>``.
    """
    if not body:
        return ""
    window = body[: exc.BODY_EXCERPT_LIMIT + _SCRUB_WINDOW]
    text = window.decode("utf-8", "replace")
    forms = {
        form for secret in secrets if len(secret) >= _SHORTEST_SCRUBBED for form in _forms(secret)
    }
    for form in sorted(forms, key=len, reverse=True):  # a longer one may hold a shorter
        text = text.replace(form, REDACTED)
    words = text.split()
    cut_in_a_word = len(window) < len(body) and not window[-1:].isspace()
    if cut_in_a_word and words and len(" ".join(words)) <= exc.BODY_EXCERPT_LIMIT:
        # Whitespace folded the window's cut end into the excerpt: its last word may be
        # the start of a secret the window cut in two.
        words.pop()
    text = " ".join(words)
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SCHEME_VALUE.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return text[: exc.BODY_EXCERPT_LIMIT]


def redacted_excerpt(request: _Request, body: bytes, sent_headers: Mapping[str, str] | None) -> str:
    """The excerpt of an answer to ``request``, scrubbed of every secret it went with:
    those of its body (``request.secrets``) and of the headers it was sent with."""
    if not body:
        return ""
    return body_excerpt(body, (*request.secrets, *header_secrets(sent_headers)))
