"""Account Filters (AVAS) page of the fake Axigen server: state, rules and handlers.

Responsibility: the per-account AVAS flags, the whitelist and blacklist (server-assigned
ids, paging with ``start``/``limit`` and ``totalItems``, no duplicate addresses) and the
on/off filters with their presets, answered in literal camelCase wire JSON.

Must not: authenticate, gate versions, count or inject faults (the server and ``_pages``
do that around every handler), or import anything from ``axigen_async`` outside
``axigen_async.testing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

from ._handlers import empty_response, json_response, read_json
from ._pagebase import ID_SEGMENT, PageRoute, PerAccount, page_document, paging, route_id
from ._state import ApiError, FakeAccount, bad_request, check_object

_MAX_ADDRESS_LENGTH: Final = 255
#: The presets ``POST .../filters/onoff/preset`` takes; ``GET`` may also answer "custom".
PRESETS: Final = ("off", "strong", "weak")
# [INFERRED] The page documents no filter names: the fake has these five, with ids 1..5.
# "strong" turns every one on, "weak" only the first two, "off" none.
FILTER_NAMES: Final = ("spam", "phishing", "dnsbl", "spf", "dkim")
_WEAK_FILTERS: Final = frozenset({"spam", "phishing"})


@dataclass(slots=True)
class FakeListEntry:
    """One whitelist or blacklist entry."""

    id: str
    email_address: str


@dataclass(slots=True)
class FakeAddressList:
    """A whitelist or blacklist: entries in insertion order, ids made from ``prefix``.

    Addresses are unique ignoring case. [INFERRED] The page does not say what adding an
    address twice does; the fake refuses it with 409 ``duplicateEntry`` (a POST, or a PUT
    onto another entry's address), so a client can tell "already there" from a bad value.
    """

    prefix: str
    _entries: dict[str, FakeListEntry] = field(default_factory=dict, repr=False)
    _ids_by_address: dict[str, str] = field(default_factory=dict, repr=False)
    _next_number: int = field(default=1, repr=False)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[FakeListEntry]:
        return iter(list(self._entries.values()))

    @property
    def addresses(self) -> list[str]:
        """The addresses, in insertion order."""
        return [entry.email_address for entry in self._entries.values()]

    def get(self, entry_id: str) -> FakeListEntry | None:
        """The entry with ``entry_id``, if any."""
        return self._entries.get(entry_id)

    def id_of(self, address: str) -> str | None:
        """The id of the entry holding ``address`` (any case), if any."""
        return self._ids_by_address.get(address.lower())

    def add(self, address: str) -> FakeListEntry:
        """Append ``address`` with a new id (seed tests with it); a duplicate is a 409."""
        self._refuse_duplicate(address, None)
        entry = FakeListEntry(f"{self.prefix}{self._next_number}", address)
        self._next_number += 1
        self._entries[entry.id] = entry
        self._ids_by_address[address.lower()] = entry.id
        return entry

    def replace(self, entry: FakeListEntry, address: str) -> None:
        """Give ``entry`` a new address, keeping its id and place."""
        self._refuse_duplicate(address, entry.id)
        del self._ids_by_address[entry.email_address.lower()]
        entry.email_address = address
        self._ids_by_address[address.lower()] = entry.id

    def remove(self, entry_id: str) -> bool:
        """Remove the entry; ``False`` when there is none."""
        entry = self._entries.pop(entry_id, None)
        if entry is None:
            return False
        del self._ids_by_address[entry.email_address.lower()]
        return True

    def _refuse_duplicate(self, address: str, own_id: str | None) -> None:
        holder = self._ids_by_address.get(address.lower())
        if holder is not None and holder != own_id:
            raise ApiError(409, "duplicateEntry", "the address is already in the list")


@dataclass(slots=True)
class FakeOnOffFilter:
    """One on/off AVAS filter."""

    id: int
    name: str
    enabled: bool


def _default_filters() -> list[FakeOnOffFilter]:
    return [
        FakeOnOffFilter(number, name, name in _WEAK_FILTERS)
        for number, name in enumerate(FILTER_NAMES, start=1)
    ]


@dataclass(slots=True)
class FakeAvas:
    """One account's Account Filters page state. Mutate fields freely in tests.

    The two flags default to true, as the page's PATCH table says. The on/off filters
    start on the "weak" preset.
    """

    whitelist_include_address_book: bool = True
    blacklist_exclude_address_book: bool = True
    whitelist: FakeAddressList = field(default_factory=lambda: FakeAddressList("w"))
    blacklist: FakeAddressList = field(default_factory=lambda: FakeAddressList("b"))
    filters: list[FakeOnOffFilter] = field(default_factory=_default_filters)

    @property
    def preset(self) -> str:
        """The preset the filters match, or ``"custom"``."""
        enabled = {f.name for f in self.filters if f.enabled}
        for name in PRESETS:
            if enabled == _preset_filters(name, self.filters):
                return name
        return "custom"

    def choose_preset(self, name: str) -> None:
        """Set every filter as the preset ``name`` has it."""
        wanted = _preset_filters(name, self.filters)
        for item in self.filters:
            item.enabled = item.name in wanted


def _preset_filters(name: str, filters: list[FakeOnOffFilter]) -> set[str]:
    if name == "strong":
        return {f.name for f in filters}
    if name == "weak":
        return {f.name for f in filters if f.name in _WEAK_FILTERS}
    return set()


def _flags_document(avas: FakeAvas) -> dict[str, bool]:
    return {
        "whitelistIncludeAddressBook": avas.whitelist_include_address_book,
        "blacklistExcludeAddressBook": avas.blacklist_exclude_address_book,
    }


def _entry_document(entry: FakeListEntry) -> dict[str, str]:
    return {"id": entry.id, "emailAddress": entry.email_address}


def _checked_address(body: object) -> str:
    address = check_object(body, required={"emailAddress": str})["emailAddress"]
    # [INFERRED] The page gives no format: the fake wants one "@", no blanks, at most 255
    # characters; wildcards such as "*@example.com" are kept as written.
    if (
        address.count("@") != 1
        or len(address) > _MAX_ADDRESS_LENGTH
        or any(c.isspace() for c in address)
        or address.startswith("@")
        or address.endswith("@")
    ):
        raise bad_request("emailAddress must be an email address")
    return str(address)


# -- handlers ---------------------------------------------------------------------------------


@dataclass(slots=True)
class FiltersHandlers:
    """The Account Filters endpoints. ``page_size`` gives the WebMailData page size."""

    store: PerAccount[FakeAvas]
    page_size: Callable[[], int]

    def routes(self) -> list[PageRoute]:
        base = "/api/v1/account/avas"
        onoff = f"{base}/filters/onoff"
        routes = [
            PageRoute("GET", base, self.get_flags),
            PageRoute("PATCH", base, self.patch_flags),
            # The literal preset paths before "{id}", so they win for GET and POST.
            PageRoute("GET", f"{onoff}/presets", self.list_presets),
            PageRoute("GET", f"{onoff}/preset", self.get_preset),
            PageRoute("POST", f"{onoff}/preset", self.choose_preset),
            PageRoute("GET", onoff, self.list_filters),
            PageRoute("PATCH", f"{onoff}/{ID_SEGMENT}", self.update_filter),
        ]
        for kind in ("whitelist", "blacklist"):
            routes += [
                PageRoute("GET", f"{base}/{kind}", self._list(kind)),
                PageRoute("POST", f"{base}/{kind}", self._create(kind)),
                PageRoute("PUT", f"{base}/{kind}/{ID_SEGMENT}", self._update(kind)),
                PageRoute("DELETE", f"{base}/{kind}/{ID_SEGMENT}", self._delete(kind)),
            ]
        return routes

    # -- flags --------------------------------------------------------------------------------

    async def get_flags(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response(_flags_document(self.store.of(account)))

    async def patch_flags(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(
            await read_json(request),
            required={},
            optional={"whitelistIncludeAddressBook": bool, "blacklistExcludeAddressBook": bool},
        )
        avas = self.store.of(account)
        if "whitelistIncludeAddressBook" in body:
            avas.whitelist_include_address_book = body["whitelistIncludeAddressBook"]
        if "blacklistExcludeAddressBook" in body:
            avas.blacklist_exclude_address_book = body["blacklistExcludeAddressBook"]
        return json_response(_flags_document(avas))  # the page: PATCH answers the flags

    # -- whitelist and blacklist --------------------------------------------------------------

    def _address_list(self, account: FakeAccount, kind: str) -> FakeAddressList:
        avas = self.store.of(account)
        return avas.whitelist if kind == "whitelist" else avas.blacklist

    def _entry(self, request: web.Request, account: FakeAccount, kind: str) -> FakeListEntry:
        entry = self._address_list(account, kind).get(route_id(request))
        if entry is None:
            raise ApiError(404, "notFound", f"the {kind} entry does not exist")
        return entry

    def _list(self, kind: str) -> Callable[..., Any]:
        async def list_entries(request: web.Request, account: FakeAccount) -> web.Response:
            start, limit = paging(request, self.page_size())
            entries = [_entry_document(e) for e in self._address_list(account, kind)]
            return json_response(page_document(entries, start, limit))

        return list_entries

    def _create(self, kind: str) -> Callable[..., Any]:
        async def create_entry(request: web.Request, account: FakeAccount) -> web.Response:
            address = _checked_address(await read_json(request))
            entry = self._address_list(account, kind).add(address)
            return json_response(_entry_document(entry))

        return create_entry

    def _update(self, kind: str) -> Callable[..., Any]:
        async def update_entry(request: web.Request, account: FakeAccount) -> web.Response:
            # The body first: no await between finding the entry and changing it, so a
            # concurrent DELETE cannot pull the entry away in between.
            address = _checked_address(await read_json(request))
            entry = self._entry(request, account, kind)
            self._address_list(account, kind).replace(entry, address)
            return json_response(_entry_document(entry))

        return update_entry

    def _delete(self, kind: str) -> Callable[..., Any]:
        async def delete_entry(request: web.Request, account: FakeAccount) -> web.Response:
            if not self._address_list(account, kind).remove(route_id(request)):
                raise ApiError(404, "notFound", f"the {kind} entry does not exist")
            return empty_response()

        return delete_entry

    # -- on/off filters -----------------------------------------------------------------------

    async def list_presets(self, request: web.Request, account: FakeAccount) -> web.Response:
        # [INFERRED] The page shows "items: [ name: String, ... ]": read as objects
        # {"name": ...}, one per preset a client may choose.
        return json_response({"items": [{"name": name} for name in PRESETS]})

    async def get_preset(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response({"preset": self.store.of(account).preset})

    async def choose_preset(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(await read_json(request), required={"preset": str})
        if body["preset"] not in PRESETS:  # "custom" is a state, not a choice
            raise bad_request(f"preset must be one of {', '.join(PRESETS)}")
        self.store.of(account).choose_preset(body["preset"])
        return empty_response()

    async def list_filters(self, request: web.Request, account: FakeAccount) -> web.Response:
        items = [
            {"id": f.id, "name": f.name, "enabled": f.enabled}
            for f in self.store.of(account).filters
        ]
        return json_response({"items": items})

    async def update_filter(self, request: web.Request, account: FakeAccount) -> web.Response:
        wanted = route_id(request)
        # Ids are Numbers on the page; any other segment names no filter (404).
        found = next((f for f in self.store.of(account).filters if str(f.id) == wanted), None)
        if found is None:
            raise ApiError(404, "notFound", "the filter does not exist")
        body = check_object(await read_json(request), required={"enabled": bool})
        found.enabled = body["enabled"]
        return empty_response()
