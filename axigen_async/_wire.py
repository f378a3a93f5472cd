"""Request and response values, path building, and status-to-error mapping.

This module describes HTTP exchanges as plain values and turns error answers
into exceptions. It must not import aiohttp or asyncio and does no I/O, so every
rule here is tested without a network or an event loop. Scrubbing secrets from
excerpts is ``_redact``'s job.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

import attrs

from axigen_async import exceptions as exc

# Kept here for the api modules: the scrubbing itself lives in _redact.
from axigen_async._redact import REDACTED, body_excerpt, redacted_excerpt

__all__ = [
    "API_PREFIX",
    "REDACTED",
    "ApiRequest",
    "RawResponse",
    "RetryClass",
    "api_error",
    "api_path",
    "body_excerpt",
    "encode_multipart",
    "encode_segment",
    "error_class",
    "redacted_excerpt",
]

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
