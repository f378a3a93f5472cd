"""Request and response values, path building, and status-to-error mapping.

This module describes HTTP exchanges as plain values and turns answers into
payloads or exceptions. It must not import aiohttp or asyncio and does no I/O,
so every rule here is tested without a network or an event loop.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

import attrs

from axigen_async import exceptions as exc

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

# What an answer may echo of a request's credentials: a proxy's error page or a
# debug dump quoting headers, a JSON body naming a session id. The value after a
# key that names a secret, quoted or bare ("sessid": "...", X-Axigen-Session: ...)...
_SECRET_FIELD = re.compile(
    r"""(["']?(?<![\w-])(?:sessid|x-axigen-session|x-axigen-security-token|securitytoken"""
    r"""|authorization|password|newpassword|oldpassword|token|access_token|_h)["']?\s*[:=]\s*)"""
    r"""("[^"]*"|'[^']*'|(?:(?:basic|bearer)\s+)?(?:<redacted>|[^\s,;&<>"'}]+))""",
    re.IGNORECASE,
)
# ... and a credential after its scheme, wherever it stands ("Basic dXNlcjpw..."): a
# token of 8 or more characters with one that is not a lower-case letter, so that
# prose ("basic information") is left alone.
_SCHEME_VALUE = re.compile(
    r"(?<![\w-])((?i:basic|bearer))(\s+)(?=[a-z]*[A-Z0-9+/._~-])[A-Za-z0-9+/._~-]{8,}=*"
)
# Read past the excerpt's end, so a secret cut by it is still recognized whole.
_SCRUB_WINDOW = 4096


def body_excerpt(body: bytes, secrets: Iterable[str] = ()) -> str:
    """A short, printable excerpt of an answer's body for error messages, with secrets removed.

    ``secrets`` are values the request carried (passwords, the credentials of its
    ``Authorization`` header, its session id); they and anything that looks like
    a credential (a ``Basic`` or ``Bearer`` value, the value of a key such as
    ``sessid`` or ``password``) become ``<redacted>``.
    """
    if not body:
        return ""
    text = body[: exc.BODY_EXCERPT_LIMIT + _SCRUB_WINDOW].decode("utf-8", "replace")
    for secret in sorted(secrets, key=len, reverse=True):  # a longer secret may hold a shorter
        if secret:
            text = text.replace(secret, REDACTED)
    text = " ".join(text.split())
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SCHEME_VALUE.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return text[: exc.BODY_EXCERPT_LIMIT]


def api_error(
    request: ApiRequest,
    response: RawResponse,
    *,
    attempts: int,
    retry_after: float | None = None,
    secrets: Iterable[str] = (),
) -> exc.ApiError:
    """Map an error answer to its exception, with context and no secrets.

    ``secrets`` are the values of the request's headers to scrub from the body's
    excerpt, beside those the request itself names.
    """
    cls = error_class(response.status)
    message = f"Axigen answered {response.status}"
    if 300 <= response.status < 400:
        message += ", a redirect, which is not followed (check base_url: http or https, host, port)"
    kwargs: dict[str, Any] = {
        "method": request.method,
        "url": request.target,
        "status": response.status,
        "attempts": attempts,
        "body_excerpt": body_excerpt(response.body, (*request.secrets, *secrets)),
    }
    if cls is exc.RateLimitError:
        return exc.RateLimitError(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)
