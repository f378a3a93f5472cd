"""Account Filters (AVAS) page of the fake Axigen server, spoken to in plain wire form."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.helpers import wait_until
from tests.testing.page_helpers import call
from tests.testing.wire_helpers import Wire

AVAS = "/api/v1/account/avas"
ONOFF = f"{AVAS}/filters/onoff"
LISTS = ["whitelist", "blacklist"]


# -- flags --------------------------------------------------------------------------------------


async def test_flags_default_true(wire: Wire) -> None:
    headers = await wire.user()
    reply = await call(wire, "GET", AVAS, headers)
    assert (reply.status, reply.body) == (
        200,
        {"whitelistIncludeAddressBook": True, "blacklistExcludeAddressBook": True},
    )


async def test_patch_flags_is_partial_and_answers_the_flags(wire: Wire) -> None:
    headers = await wire.user()
    reply = await call(wire, "PATCH", AVAS, headers, json={"blacklistExcludeAddressBook": False})
    expected = {"whitelistIncludeAddressBook": True, "blacklistExcludeAddressBook": False}
    assert (reply.status, reply.body) == (200, expected)
    assert (await call(wire, "GET", AVAS, headers)).body == expected
    assert wire.fake.avas("a@example.com").blacklist_exclude_address_book is False


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"whitelistIncludeAddressBook": "no"}, id="not-boolean"),
        pytest.param({"spamLevel": 3}, id="unknown-field"),
        pytest.param([], id="not-object"),
    ],
)
async def test_patch_flags_refuses_bad_bodies(wire: Wire, body: Any) -> None:
    headers = await wire.user()
    assert (await call(wire, "PATCH", AVAS, headers, json=body)).status == 400
    assert wire.fake.avas("a@example.com").whitelist_include_address_book is True


# -- whitelist and blacklist ------------------------------------------------------------------


@pytest.mark.parametrize("kind", LISTS)
async def test_list_create_update_delete(wire: Wire, kind: str) -> None:
    headers = await wire.user()
    path = f"{AVAS}/{kind}"
    assert (await call(wire, "GET", path, headers)).body == {"totalItems": 0, "items": []}
    created = await call(wire, "POST", path, headers, json={"emailAddress": "x@spam.example"})
    assert created.status == 200
    entry_id = created.body["id"]
    assert isinstance(entry_id, str)
    assert entry_id
    assert created.body == {"id": entry_id, "emailAddress": "x@spam.example"}
    updated = await call(
        wire, "PUT", f"{path}/{entry_id}", headers, json={"emailAddress": "*@spam.example"}
    )
    assert updated.body == {"id": entry_id, "emailAddress": "*@spam.example"}
    listed = await call(wire, "GET", path, headers)
    assert listed.body == {"totalItems": 1, "items": [updated.body]}
    deleted = await call(wire, "DELETE", f"{path}/{entry_id}", headers)
    assert (deleted.status, deleted.body) == (200, b"")
    assert (await call(wire, "GET", path, headers)).body == {"totalItems": 0, "items": []}


async def test_whitelist_and_blacklist_are_separate(wire: Wire) -> None:
    headers = await wire.user()
    await call(wire, "POST", f"{AVAS}/whitelist", headers, json={"emailAddress": "w@x.example"})
    await call(wire, "POST", f"{AVAS}/blacklist", headers, json={"emailAddress": "b@x.example"})
    assert wire.fake.whitelist("a@example.com").addresses == ["w@x.example"]
    assert wire.fake.blacklist("a@example.com").addresses == ["b@x.example"]


async def test_ids_are_distinct_and_not_reused_after_delete(wire: Wire) -> None:
    headers = await wire.user()
    path = f"{AVAS}/whitelist"
    first = (await call(wire, "POST", path, headers, json={"emailAddress": "a@x.example"})).body
    await call(wire, "DELETE", f"{path}/{first['id']}", headers)
    second = (await call(wire, "POST", path, headers, json={"emailAddress": "a@x.example"})).body
    assert second["id"] != first["id"]


@pytest.mark.parametrize("kind", LISTS)
async def test_duplicate_address_is_refused_with_409(wire: Wire, kind: str) -> None:
    headers = await wire.user()
    path = f"{AVAS}/{kind}"
    await call(wire, "POST", path, headers, json={"emailAddress": "dup@x.example"})
    reply = await call(wire, "POST", path, headers, json={"emailAddress": "DUP@x.example"})
    assert (reply.status, reply.code) == (409, "duplicateEntry")
    listed = (await call(wire, "GET", path, headers)).body
    assert listed["totalItems"] == 1


async def test_put_onto_another_entrys_address_is_409_and_onto_its_own_is_fine(wire: Wire) -> None:
    headers = await wire.user()
    path = f"{AVAS}/blacklist"
    one = (await call(wire, "POST", path, headers, json={"emailAddress": "one@x.example"})).body
    await call(wire, "POST", path, headers, json={"emailAddress": "two@x.example"})
    clash = await call(
        wire, "PUT", f"{path}/{one['id']}", headers, json={"emailAddress": "two@x.example"}
    )
    assert (clash.status, clash.code) == (409, "duplicateEntry")
    same = await call(
        wire, "PUT", f"{path}/{one['id']}", headers, json={"emailAddress": "ONE@x.example"}
    )
    assert same.status == 200
    assert wire.fake.blacklist("a@example.com").addresses == ["ONE@x.example", "two@x.example"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing"),
        pytest.param({"emailAddress": ""}, id="empty"),
        pytest.param({"emailAddress": "no-at-sign"}, id="no-at"),
        pytest.param({"emailAddress": "a@b@c"}, id="two-ats"),
        pytest.param({"emailAddress": "a b@c.example"}, id="blank"),
        pytest.param({"emailAddress": "@c.example"}, id="no-local"),
        pytest.param({"emailAddress": "x" * 250 + "@c.example"}, id="too-long"),
        pytest.param({"emailAddress": 5}, id="not-string"),
        pytest.param({"emailAddress": "a@c.example", "note": "x"}, id="unknown-field"),
    ],
)
async def test_create_refuses_bad_addresses(wire: Wire, body: dict[str, Any]) -> None:
    headers = await wire.user()
    assert (await call(wire, "POST", f"{AVAS}/whitelist", headers, json=body)).status == 400
    assert len(wire.fake.whitelist("a@example.com")) == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_unknown_entry_is_404(wire: Wire, method: str) -> None:
    headers = await wire.user()
    body = {"emailAddress": "a@c.example"} if method == "PUT" else None
    reply = await call(wire, method, f"{AVAS}/whitelist/w999", headers, json=body)
    assert (reply.status, reply.code) == (404, "notFound")


async def test_an_entry_of_the_other_list_is_404(wire: Wire) -> None:
    headers = await wire.user()
    entry = wire.fake.whitelist("a@example.com").add("w@x.example")
    reply = await call(wire, "DELETE", f"{AVAS}/blacklist/{entry.id}", headers)
    assert reply.status == 404
    assert wire.fake.whitelist("a@example.com").addresses == ["w@x.example"]


# -- paging -------------------------------------------------------------------------------------


async def _seed(wire: Wire, count: int) -> list[str]:
    whitelist = wire.fake.whitelist("a@example.com")
    return [whitelist.add(f"user{n}@x.example").email_address for n in range(count)]


@pytest.mark.parametrize(
    ("query", "expected_slice"),
    [
        pytest.param("start=0&limit=3", slice(0, 3), id="first-page"),
        pytest.param("start=3&limit=3", slice(3, 6), id="second-page"),
        pytest.param("start=9&limit=3", slice(9, 10), id="short-last-page"),
        pytest.param("start=10&limit=3", slice(10, 10), id="past-the-end"),
        pytest.param("start=4", slice(4, 10), id="default-limit"),
        pytest.param("limit=2", slice(0, 2), id="default-start"),
    ],
)
async def test_paging(wire: Wire, query: str, expected_slice: slice) -> None:
    headers = await wire.user()
    addresses = await _seed(wire, 10)
    reply = await call(wire, "GET", f"{AVAS}/whitelist?{query}", headers)
    assert reply.body["totalItems"] == 10
    assert [item["emailAddress"] for item in reply.body["items"]] == addresses[expected_slice]


async def test_default_limit_is_the_webmail_page_size(wire: Wire) -> None:
    headers = await wire.user()
    addresses = await _seed(wire, 7)
    wire.fake.webmail_page_size = 4
    reply = await call(wire, "GET", f"{AVAS}/whitelist", headers)
    assert [item["emailAddress"] for item in reply.body["items"]] == addresses[:4]
    assert reply.body["totalItems"] == 7


async def test_walking_every_page_yields_every_entry_once(wire: Wire) -> None:
    headers = await wire.user()
    addresses = await _seed(wire, 23)
    seen: list[str] = []
    for start in range(0, 30, 5):  # bounded: more turns than pages
        page = (await call(wire, "GET", f"{AVAS}/whitelist?start={start}&limit=5", headers)).body
        seen += [item["emailAddress"] for item in page["items"]]
    assert seen == addresses


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("start=-1", id="negative-start"),
        pytest.param("limit=0", id="zero-limit"),
        pytest.param("limit=abc", id="not-a-number"),
        pytest.param("start=1.5", id="fraction"),
        pytest.param("start=1&start=2", id="repeated"),
        pytest.param("offset=2", id="unknown-parameter"),
    ],
)
async def test_paging_refuses_bad_queries(wire: Wire, query: str) -> None:
    headers = await wire.user()
    assert (await call(wire, "GET", f"{AVAS}/blacklist?{query}", headers)).status == 400


# -- on/off filters -----------------------------------------------------------------------------


async def test_presets_list(wire: Wire) -> None:
    headers = await wire.user()
    reply = await call(wire, "GET", f"{ONOFF}/presets", headers)
    assert reply.body == {"items": [{"name": "off"}, {"name": "strong"}, {"name": "weak"}]}


async def test_filters_list_shape(wire: Wire) -> None:
    headers = await wire.user()
    items = (await call(wire, "GET", ONOFF, headers)).body["items"]
    assert items
    for item in items:
        assert {k: type(v) for k, v in item.items()} == {"id": int, "name": str, "enabled": bool}
    assert len({item["id"] for item in items}) == len(items)


@pytest.mark.parametrize("preset", ["off", "strong", "weak"])
async def test_choose_preset_then_get_it(wire: Wire, preset: str) -> None:
    headers = await wire.user()
    reply = await call(wire, "POST", f"{ONOFF}/preset", headers, json={"preset": preset})
    assert (reply.status, reply.body) == (200, b"")
    assert (await call(wire, "GET", f"{ONOFF}/preset", headers)).body == {"preset": preset}
    enabled = [i["enabled"] for i in (await call(wire, "GET", ONOFF, headers)).body["items"]]
    if preset == "off":
        assert not any(enabled)
    elif preset == "strong":
        assert all(enabled)
    else:
        assert any(enabled)
        assert not all(enabled)


async def test_changing_one_filter_makes_the_preset_custom(wire: Wire) -> None:
    headers = await wire.user()
    await call(wire, "POST", f"{ONOFF}/preset", headers, json={"preset": "strong"})
    first = (await call(wire, "GET", ONOFF, headers)).body["items"][0]
    reply = await call(wire, "PATCH", f"{ONOFF}/{first['id']}", headers, json={"enabled": False})
    assert (reply.status, reply.body) == (200, b"")
    items = (await call(wire, "GET", ONOFF, headers)).body["items"]
    assert items[0] == dict(first, enabled=False)
    assert (await call(wire, "GET", f"{ONOFF}/preset", headers)).body == {"preset": "custom"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"preset": "custom"}, id="custom-is-no-choice"),
        pytest.param({"preset": "medium"}, id="unknown"),
        pytest.param({}, id="missing"),
    ],
)
async def test_choose_preset_refuses_bad_values(wire: Wire, body: dict[str, Any]) -> None:
    headers = await wire.user()
    before = wire.fake.avas("a@example.com").preset
    assert (await call(wire, "POST", f"{ONOFF}/preset", headers, json=body)).status == 400
    assert wire.fake.avas("a@example.com").preset == before


@pytest.mark.parametrize(
    ("filter_id", "body", "status"),
    [
        pytest.param("999", {"enabled": True}, 404, id="unknown-id"),
        pytest.param("spam", {"enabled": True}, 404, id="name-not-id"),
        pytest.param("1", {"enabled": "true"}, 400, id="string-boolean"),
        pytest.param("1", {}, 400, id="missing"),
    ],
)
async def test_update_filter_refusals(
    wire: Wire, filter_id: str, body: dict[str, Any], status: int
) -> None:
    headers = await wire.user()
    reply = await call(wire, "PATCH", f"{ONOFF}/{filter_id}", headers, json=body)
    assert reply.status == status


async def test_an_entry_deleted_while_its_put_body_arrives_is_404(wire: Wire) -> None:
    headers = await wire.user()
    entry = wire.fake.whitelist("a@example.com").add("old@x.example")
    path = f"{AVAS}/whitelist/{entry.id}"
    release = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"emailAddress": '
        await asyncio.wait_for(release.wait(), 5.0)
        yield b'"new@x.example"}'

    put = asyncio.ensure_future(
        call(wire, "PUT", path, {**headers, "Content-Type": "application/json"}, data=slow_body())
    )
    # Bounded wait until the fake holds the PUT in its handler.
    await wait_until(lambda: bool(wire.fake.route_counts[f"PUT {AVAS}/whitelist/{{id}}"]))
    assert (await call(wire, "DELETE", path, headers)).status == 200
    release.set()
    reply = await asyncio.wait_for(put, 5.0)
    assert (reply.status, reply.code) == (404, "notFound")
    assert len(wire.fake.whitelist("a@example.com")) == 0
