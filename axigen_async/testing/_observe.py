"""Request observation of the fake Axigen server: the cheap record and its redacted view.

Responsibility: define the raw per-request record (a small tuple appended on the hot path)
and turn records into ``LoggedRequest`` values with secret values replaced, only when a
test reads them.

Must not: import aiohttp, keep state, or ever expose a password, token, Basic credential,
cookie or session id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl

REDACTED: Final = "<redacted>"
SECRET_HEADERS: Final = frozenset(
    {"authorization", "x-axigen-session", "cookie", "set-cookie", "x-axigen-security-token"}
)
SECRET_QUERY_KEYS: Final = frozenset({"_h", "sessid", "token", "password"})

# (method, path, raw query string, headers as received)
RawRecord = tuple[str, str, str, Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the fake saw it, with secrets redacted. No body is kept."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]


def redact_records(records: Iterable[RawRecord]) -> list[LoggedRequest]:
    """Redacted views of ``records``, in order."""
    return [_redact(record) for record in records]


def _redact(record: RawRecord) -> LoggedRequest:
    method, path, query_string, headers = record
    query = tuple(
        (key, REDACTED if key.lower() in SECRET_QUERY_KEYS else value)
        for key, value in parse_qsl(query_string, keep_blank_values=True)
    )
    clean = {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }
    return LoggedRequest(method=method, path=path, query=query, headers=clean)
