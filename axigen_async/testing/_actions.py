"""Fault actions of the fake Axigen server: the values a ``FaultPlan`` decides.

Responsibility: the frozen values that say what to do with one request (``FaultStatus``,
``FaultAnswer``, ``FaultReset``, ``FaultSlow``, wrapped in a ``FaultDecision``; all but
the ``FaultAction`` alias are exported by ``axigen_async.testing``), and the checks that
turn the arguments of ``FaultPlan.answer_next`` into a ready ``FaultAnswer`` (body encoded
once, headers checked) so that a bad argument fails where the test wrote it, not
mid-request.

Must not: import aiohttp, touch sockets or server state, or sleep (the server applies the
decision).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

FaultBody = bytes | str | Mapping[str, object] | None
AnswerBody = bytes | str | Mapping[str, object]

JSON_TYPE: Final = "application/json; charset=utf-8"
TEXT_TYPE: Final = "text/plain; charset=utf-8"
# Statuses that carry no body in HTTP/1.1 (RFC 9110, 15.3.5 and 15.4.5).
_BODYLESS: Final = frozenset({204, 304})
# The fake frames every body itself; a caller's framing header would contradict it.
_FRAMING_HEADERS: Final = frozenset({"content-length", "transfer-encoding"})
_TOKEN_RE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True, slots=True)
class FaultStatus:
    """Answer ``status`` without running the handler (``fail_next``, a random status).

    ``retry_after`` is sent as ``Retry-After``; ``body`` replaces the JSON error body.
    """

    status: int
    retry_after: int | str | None = None
    body: FaultBody = None


@dataclass(frozen=True, slots=True)
class FaultAnswer:
    """Answer this canned response without running the handler.

    ``body`` is the exact bytes to send (left out of ``repr``: it may be 50 MB);
    ``chunked`` sends it with chunked transfer encoding and no ``Content-Length``.
    """

    status: int
    body: bytes = field(repr=False)
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False


@dataclass(frozen=True, slots=True)
class FaultReset:
    """Run the handler, then drop the connection (before or after the response headers)."""

    after_headers: bool = False


@dataclass(frozen=True, slots=True)
class FaultSlow:
    """Wait ``seconds``, then run the handler and answer normally."""

    seconds: float


FaultAction = FaultStatus | FaultAnswer | FaultReset | FaultSlow


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What ``FaultPlan.decide`` planned for one request (public: tests inspect plans).

    ``action`` is one of ``FaultStatus``, ``FaultAnswer``, ``FaultReset`` or ``FaultSlow``.
    The server first ends every live session when ``expire_sessions`` (before authentication, so the
    request itself sees the purge), then wait ``delay`` seconds, then apply ``action``
    (``None``: run the handler and answer normally).
    """

    delay: float = 0.0
    action: FaultAction | None = None
    expire_sessions: bool = False


def canned_answer(
    *,
    status: int,
    body: AnswerBody,
    headers: Mapping[str, str] | None,
    content_type: str | None,
    chunked: bool,
) -> FaultAnswer:
    """The ``FaultAnswer`` for ``FaultPlan.answer_next``'s arguments, checked.

    Raises ``ValueError`` for a status outside 200-599, a body on 204/304, framing or
    malformed headers, or ``Content-Type`` given twice; ``TypeError`` for a body that is
    not bytes, str or a JSON-serializable mapping.
    """
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ValueError("status must be an HTTP status from 200 to 599")
    payload, derived_type = _encode_body(body)
    if status in _BODYLESS and (payload or chunked):
        raise ValueError(f"a {status} answer carries no body: give body=b'' and chunked=False")
    pairs = _check_headers(headers or {})
    named_type = any(name.lower() == "content-type" for name, _ in pairs)
    if content_type is not None:
        if named_type:
            raise ValueError("give Content-Type either in headers or as content_type, not both")
        _check_header_value("content_type", content_type)
        pairs.append(("Content-Type", content_type))
    elif not named_type and derived_type is not None:
        pairs.append(("Content-Type", derived_type))
    return FaultAnswer(status=status, body=payload, headers=tuple(pairs), chunked=bool(chunked))


def _encode_body(body: AnswerBody) -> tuple[bytes, str | None]:
    """The body bytes and the content type they imply (``None``: leave it to the server)."""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body), None
    if isinstance(body, str):
        return body.encode(), TEXT_TYPE
    if isinstance(body, Mapping):
        try:
            text = json.dumps(dict(body), ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"a mapping body must be JSON-serializable: {exc}") from None
        return text.encode(), JSON_TYPE
    raise TypeError("body must be bytes, str or a mapping sent as JSON")


def _check_headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN_RE.fullmatch(name):
            raise ValueError("header names must be HTTP tokens (letters, digits, -_.!#$%&'*+^`|~)")
        if name.lower() in _FRAMING_HEADERS:
            raise ValueError(f"{name} is set by the fake itself; use chunked=True for chunking")
        _check_header_value(name, value)
        pairs.append((name, value))
    return pairs


def _check_header_value(name: str, value: object) -> None:
    # A CR or LF would let the canned answer smuggle extra headers or split the response.
    if not isinstance(value, str) or any(char in value for char in "\r\n\x00"):
        raise ValueError(f"the value of {name} must be a str without CR, LF or NUL")
