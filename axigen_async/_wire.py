"""Request and response values, path building, and status-to-error mapping.

This module describes HTTP exchanges as plain values and turns answers into
payloads or exceptions. It must not import aiohttp or asyncio and does no I/O,
so every rule here is tested without a network or an event loop.
"""

from __future__ import annotations

import enum
import html
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, quote_plus

import attrs

from axigen_async import exceptions as exc
from axigen_async._auth import header_secrets

API_PREFIX = "/api/v1"


class RetryClass(enum.Enum):
    """What re-sending an operation would do, which decides how it may be retried."""

    #: A read: re-sending changes nothing.
    SAFE = "safe"
    #: A write whose repetition leaves the same state (PUT, DELETE, a full-state POST).
    IDEMPOTENT = "idempotent"
    #: A write that would act twice (it creates something, or changes a password).
    NOT_IDEMPOTENT = "not_idempotent"


@attrs.frozen
class ApiRequest:
    """One API call, fully described before anything is sent.

    ``path`` is already encoded (see :func:`api_path`); ``body`` is the exact
    bytes to send, so a retry sends the same bytes.
    """

    method: str
    path: str
    retry_class: RetryClass
    query: tuple[tuple[str, str], ...] = ()
    #: Never in the repr: a password change carries both passwords here.
    body: bytes | None = attrs.field(default=None, repr=False)
    content_type: str | None = None
    #: A DELETE whose retry may find the resource already gone: a 404 after a
    #: re-send then means the first attempt did the work.
    missing_after_retry_is_success: bool = False
    #: Secret values the body carries (a password change's passwords), scrubbed from
    #: any excerpt of the answer, since a server may quote what it was sent.
    secrets: tuple[str, ...] = attrs.field(default=(), repr=False, eq=False)
    #: The encoded path and query, as sent and as shown in logs and errors (it
    #: never holds a secret). Computed once, since every attempt and log line uses it.
    target: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        target = self.path
        if self.query:
            pairs = (f"{quote(k, safe='')}={quote(v, safe=',')}" for k, v in self.query)
            target = f"{self.path}?{'&'.join(pairs)}"
        object.__setattr__(self, "target", target)


class RawResponse(NamedTuple):
    """The parts of an HTTP answer the endpoint functions need.

    A named tuple rather than an attrs class: one is made per response, and a
    tuple is built in a third of the time.
    """

    status: int
    body: bytes
    content_type: str = ""
    retry_after: str | None = None
    #: Which attempt of its call this answer came to (for the errors built from it).
    attempts: int = 1
    #: The headers the request was sent with, its ``Authorization`` and session id
    #: among them: kept only to scrub their secrets from an excerpt of this answer,
    #: and never shown (see ``__repr__``).
    sent_headers: Mapping[str, str] | None = None

    def __repr__(self) -> str:
        return (
            f"RawResponse(status={self.status}, body=<{len(self.body)} bytes>, "
            f"content_type={self.content_type!r}, attempts={self.attempts})"
        )


def api_path(*segments: str) -> str:
    """Build an encoded ``/api/v1/...`` path from raw segments.

    Each segment is percent-encoded whole, so an id holding ``/``, ``%``, ``?``
    or ``#`` stays one segment and can never change which resource is addressed.

    Raises:
        ValueError: a segment is empty, ``.`` or ``..``, or not a string.
    """
    parts = [API_PREFIX]
    for segment in segments:
        parts.append(encode_segment(segment))
    return "/".join(parts)


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment; reject ones that cannot be an id."""
    if not isinstance(segment, str):
        raise TypeError(f"a path segment must be a str, not {type(segment).__name__}")
    if segment in ("", ".", ".."):
        raise ValueError(f"{segment!r} cannot be used as an id: it is empty or a dot segment")
    return quote(segment, safe="")


def encode_multipart(
    field: str, filename: str, content_type: str, data: bytes
) -> tuple[bytes, str]:
    """Encode one file as a ``multipart/form-data`` body.

    Returns the body and the request's ``Content-Type`` header value. Building
    the bytes once lets a retry send exactly the same body.
    """
    boundary = f"axigen-async-{secrets.token_hex(16)}"
    safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{safe_name}"\r\n'
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + data + tail, f"multipart/form-data; boundary={boundary}"


_STATUS_ERRORS: Mapping[int, type[exc.ApiError]] = {
    400: exc.BadRequestError,
    401: exc.AuthenticationError,
    403: exc.PermissionDeniedError,
    404: exc.NotFoundError,
    409: exc.ConflictError,
    429: exc.RateLimitError,
}


def error_class(status: int) -> type[exc.ApiError]:
    """The exception class for an error status."""
    if status >= 500:
        return exc.ServerError
    return _STATUS_ERRORS.get(status, exc.ApiError)


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


def redacted_excerpt(
    request: ApiRequest, body: bytes, sent_headers: Mapping[str, str] | None
) -> str:
    """The excerpt of an answer to ``request``, scrubbed of every secret it went with:
    those of its body (``request.secrets``) and of the headers it was sent with."""
    if not body:
        return ""
    return body_excerpt(body, (*request.secrets, *header_secrets(sent_headers)))


def api_error(
    request: ApiRequest,
    response: RawResponse,
    *,
    attempts: int,
    retry_after: float | None = None,
) -> exc.ApiError:
    """Map an error answer to its exception, with context and no secrets."""
    cls = error_class(response.status)
    message = f"Axigen answered {response.status}"
    if 300 <= response.status < 400:
        message += ", a redirect, which is not followed (check base_url: http or https, host, port)"
    kwargs: dict[str, Any] = {
        "method": request.method,
        "url": request.target,
        "status": response.status,
        "attempts": attempts,
        "body_excerpt": redacted_excerpt(request, response.body, response.sent_headers),
    }
    if cls is exc.RateLimitError:
        return exc.RateLimitError(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)
