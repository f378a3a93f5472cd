"""Request observation of the fake Axigen server: the cheap record and its redacted view.

Responsibility: define the raw per-request record (a small tuple appended on the hot path)
and turn records into ``LoggedRequest`` values with secret values replaced, only when a
test reads them; define ``InjectedFault``, the fault log entry, built from an applied
action and the account the request names (never from its credentials).

Must not: import aiohttp, keep state, or ever expose a password, token, Basic credential,
cookie or session id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import parse_qsl

from ._actions import FaultAction, FaultAnswer, FaultReset, FaultStatus

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


FaultKind = Literal["status", "reset", "reset_after_headers", "slow", "delay", "answer"]


@dataclass(frozen=True, slots=True)
class InjectedFault:
    """One fault the fake applied to one request (scripted or random), without secrets.

    ``route`` is the route key (``"GET /api/v1/account/info"``); ``account`` the email the
    request's ``Authorization`` names (the Basic user, lower-cased, or a registered Bearer
    token's account; the password is not checked), ``None`` without a usable header.
    ``kind`` is ``"status"`` (a ``fail_next`` or random status), ``"answer"``
    (``answer_next``), ``"reset"`` / ``"reset_after_headers"``, ``"slow"`` (chaos) or
    ``"delay"``. ``status`` is the status answered for ``"status"`` and ``"answer"``,
    and the one whose status line went out before a ``"reset_after_headers"`` (the
    handler's: a client then knows it, and a 4xx or 5xx was no write); else ``None``.
    ``retry_after`` is the ``Retry-After`` value sent, if any.
    """

    route: str
    account: str | None
    kind: FaultKind
    status: int | None = None
    retry_after: str | None = None


def fault_entry(
    route: str, account: str | None, action: FaultAction, sent_status: int | None = None
) -> InjectedFault:
    """The log entry for ``action`` applied to a request of ``route`` naming ``account``.

    ``sent_status`` is the status line a reset after the headers let out.
    """
    if isinstance(action, FaultStatus):
        retry_after = None if action.retry_after is None else str(action.retry_after)
        return InjectedFault(route, account, "status", action.status, retry_after)
    if isinstance(action, FaultAnswer):
        return InjectedFault(route, account, "answer", action.status, _retry_after_of(action))
    if isinstance(action, FaultReset):
        if action.after_headers:
            return InjectedFault(route, account, "reset_after_headers", sent_status)
        return InjectedFault(route, account, "reset")
    return InjectedFault(route, account, "slow")


def _retry_after_of(answer: FaultAnswer) -> str | None:
    for name, value in answer.headers:  # bounded: the few headers the test gave
        if name.lower() == "retry-after":
            return value
    return None
