"""Shared plumbing of the fake's Settings, Filters and Security pages.

Responsibility: the per-account state map those pages keep beside the accounts (made on
first use, forgotten when ``add_account`` replaces the account), the route record that
says which server version a route needs and whether it needs a session, the server
version comparison, and the small request helpers (the route id, the paging query) the
three pages share.

Must not: import anything from ``axigen_async`` outside ``axigen_async.testing``, render
documents, or keep a secret anywhere a ``repr`` would show it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, Generic, NamedTuple, TypeVar

from aiohttp import web

from ._state import FakeAccount, bad_request

T = TypeVar("T")

#: The first Axigen versions with the WebMail/client UI settings (X5) and Account Security (X6).
X5: Final = (10, 5)
X6: Final = (10, 6)
X4: Final = (10, 4)

#: A route's ``{id}``: any one path segment (aiohttp's default pattern refuses braces).
ID_SEGMENT: Final = "{id:[^/]+}"

_VERSION_RE: Final = re.compile(r"\s*(\d+)\.(\d+)")
_DIGITS_RE: Final = re.compile(r"[0-9]{1,9}")  # not \d: it takes any script's digits


class PageRoute(NamedTuple):
    """One route of the newer pages.

    ``handler`` takes ``(request, account)`` unless ``public`` (then ``(request)`` alone);
    ``since`` is the first ``(major, minor)`` server version that has it.
    """

    method: str
    path: str
    handler: Callable[..., Awaitable[web.StreamResponse]]
    since: tuple[int, int] = X4
    public: bool = False


def version_tuple(server_version: str) -> tuple[int, int]:
    """``(major, minor)`` of a version such as ``"10.5.3"``; an unreadable one counts as
    the newest (the fake's default), so a typo never hides endpoints silently as 404s."""
    match = _VERSION_RE.match(server_version)
    if match is None:
        return (999, 0)
    return (int(match[1]), int(match[2]))


class PerAccount(Generic[T]):
    """Page state of each account, keyed by email and tied to the account object.

    ``factory`` makes an account's state on first use (defaults, or seeded variety).

    An account replaced by ``add_account`` (a new ``FakeAccount`` for the same email) gets
    fresh state: the state always belongs to the account the server authenticates.
    """

    __slots__ = ("_entries", "_factory")

    def __init__(self, factory: Callable[[FakeAccount], T]) -> None:
        self._factory = factory
        self._entries: dict[str, tuple[FakeAccount, T]] = {}

    def of(self, account: FakeAccount) -> T:
        """The state of ``account``, made (with defaults) on first use."""
        entry = self._entries.get(account.email)
        if entry is None or entry[0] is not account:
            entry = (account, self._factory(account))
            self._entries[account.email] = entry
        return entry[1]

    def items(self) -> Iterator[tuple[FakeAccount, T]]:
        """(account, state) for every account whose state was made, oldest first."""
        return iter(list(self._entries.values()))

    def __repr__(self) -> str:
        return f"PerAccount({len(self._entries)} accounts)"


def route_id(request: web.Request) -> str:
    """The ``{id}`` segment of the route."""
    return request.match_info["id"]


def paging(request: web.Request, default_limit: int) -> tuple[int, int]:
    """``(start, limit)`` from the query: ``start`` at least 0 (default 0), ``limit`` at
    least 1 (default the WebMailData page size); anything else, a repeated or an unknown
    parameter is a 400."""
    query = request.query
    for key in query:
        if key not in {"start", "limit"}:
            raise bad_request(f"unexpected parameter {key!r}", "unexpectedParameter")
    start = _query_int(query.getall("start", []), "start", 0)
    limit = _query_int(query.getall("limit", []), "limit", default_limit)
    if limit < 1:
        raise bad_request("limit must be at least 1")
    return start, limit


def _query_int(values: list[str], name: str, default: int) -> int:
    if not values:
        return default
    if len(values) > 1:
        raise bad_request(f"{name} must be given at most once")
    if not _DIGITS_RE.fullmatch(values[0]):
        raise bad_request(f"{name} must be a non-negative integer")
    return int(values[0])


def page_document(items: list[Any], start: int, limit: int) -> dict[str, Any]:
    """``{"totalItems", "items"}`` for one page of ``items``."""
    return {"totalItems": len(items), "items": items[start : start + limit]}
