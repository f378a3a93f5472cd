"""Account Settings page of the fake Axigen server, spoken to in plain wire form."""

from __future__ import annotations

from typing import Any

import pytest

from axigen_async.testing import FakeAxigen, FakeSettings
from tests.testing.page_helpers import call
from tests.testing.wire_helpers import Wire

SETTINGS = "/api/v1/account/settings"
UI = f"{SETTINGS}/ui"
CLIENT = f"{SETTINGS}/client"

SETTINGS_TYPES: dict[str, type] = {
    "archivingPolicy": str,
    "conversationView": bool,
    "theme": str,
    "deleteToTrash": bool,
    "confirmMailDelete": bool,
    "autoAddRecipients": bool,
    "purgeTrashOnLogout": bool,
    "purgeSpamOnLogout": bool,
    "bodyHtmlFilteringLevel": int,
    "language": str,
    "timezone": str,
    "dateFormat": str,
    "timeFormat": str,
    "weekStartDay": int,
    "workingDays": int,
    "startWorkingTime": str,
    "endWorkingTime": str,
    "calendarType": str,
    "receipts": dict,
}


async def test_get_settings_has_every_documented_field(wire: Wire) -> None:
    headers = await wire.user()
    reply = await call(wire, "GET", SETTINGS, headers)
    assert reply.status == 200
    assert set(reply.body) == set(SETTINGS_TYPES)
    for name, kind in SETTINGS_TYPES.items():
        assert type(reply.body[name]) is kind, name
    assert {k: type(v) for k, v in reply.body["receipts"].items()} == {
        "sendReadReceipts": str,
        "requestReadReceipts": bool,
        "requestDeliveryReceipts": bool,
    }


async def test_get_settings_shows_seeded_state(wire: Wire) -> None:
    headers = await wire.user()
    settings = wire.fake.settings("a@example.com")
    settings.language = "ro"
    settings.working_days = 2 | 4 | 8
    settings.receipts.send_read_receipts = "never"
    body = (await call(wire, "GET", SETTINGS, headers)).body
    assert body["language"] == "ro"
    assert body["workingDays"] == 14
    assert body["receipts"]["sendReadReceipts"] == "never"


async def test_patch_changes_only_the_fields_given(wire: Wire) -> None:
    headers = await wire.user()
    before = (await call(wire, "GET", SETTINGS, headers)).body
    patch = {
        "language": "de",
        "deleteToTrash": False,
        "startWorkingTime": "08:30:00",
        "receipts": {"requestReadReceipts": True},
    }
    reply = await call(wire, "PATCH", SETTINGS, headers, json=patch)
    assert (reply.status, reply.body) == (200, b"")
    after = (await call(wire, "GET", SETTINGS, headers)).body
    expected = dict(before, language="de", deleteToTrash=False, startWorkingTime="08:30:00")
    expected["receipts"] = dict(before["receipts"], requestReadReceipts=True)
    assert after == expected


async def test_patch_with_empty_object_changes_nothing(wire: Wire) -> None:
    headers = await wire.user()
    before = (await call(wire, "GET", SETTINGS, headers)).body
    assert (await call(wire, "PATCH", SETTINGS, headers, json={})).status == 200
    assert (await call(wire, "GET", SETTINGS, headers)).body == before


@pytest.mark.parametrize("name", ["weekStartDay", "weekStartDays"])
async def test_patch_accepts_both_week_start_spellings(wire: Wire, name: str) -> None:
    headers = await wire.user()
    assert (await call(wire, "PATCH", SETTINGS, headers, json={name: 0})).status == 200
    assert (await call(wire, "GET", SETTINGS, headers)).body["weekStartDay"] == 0
    assert wire.fake.settings("a@example.com").week_start_day == 0


async def test_patch_refuses_differing_week_start_spellings(wire: Wire) -> None:
    headers = await wire.user()
    reply = await call(
        wire, "PATCH", SETTINGS, headers, json={"weekStartDay": 0, "weekStartDays": 1}
    )
    assert reply.status == 400
    assert wire.fake.settings("a@example.com").week_start_day == 1


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        pytest.param({"colour": "red"}, "unexpectedParameter", id="unknown-field"),
        pytest.param({"receipts.sendReadReceipts": "ask"}, "unexpectedParameter", id="dotted"),
        pytest.param({"receipts": {"sendReadReceipts": "often"}}, "invalidParameter", id="rr"),
        pytest.param({"receipts": {"colour": 1}}, "unexpectedParameter", id="receipts-unknown"),
        pytest.param({"receipts": True}, "invalidParameter", id="receipts-not-object"),
        pytest.param({"workingDays": 0}, "invalidParameter", id="working-days-0"),
        pytest.param({"workingDays": 128}, "invalidParameter", id="working-days-128"),
        pytest.param({"workingDays": True}, "invalidParameter", id="working-days-bool"),
        pytest.param({"weekStartDays": 7}, "invalidParameter", id="week-start-7"),
        pytest.param({"weekStartDay": -1}, "invalidParameter", id="week-start-negative"),
        pytest.param({"bodyHtmlFilteringLevel": 4}, "invalidParameter", id="html-level-4"),
        pytest.param({"bodyHtmlFilteringLevel": 1.5}, "invalidParameter", id="html-level-float"),
        pytest.param({"startWorkingTime": "9:00"}, "invalidParameter", id="time-short"),
        pytest.param({"endWorkingTime": "24:00:00"}, "invalidParameter", id="time-24h"),
        pytest.param({"endWorkingTime": "17:00::00"}, "invalidParameter", id="time-page-typo"),
        pytest.param({"language": "xx"}, "invalidParameter", id="language"),
        pytest.param({"theme": "dark"}, "invalidParameter", id="theme"),
        pytest.param({"archivingPolicy": "never"}, "invalidParameter", id="archiving"),
        pytest.param({"dateFormat": "YYYYMMDD"}, "invalidParameter", id="date-format"),
        pytest.param({"timeFormat": "HH:mm"}, "invalidParameter", id="time-format"),
        pytest.param({"calendarType": "julian"}, "invalidParameter", id="calendar"),
        pytest.param({"timezone": " "}, "invalidParameter", id="timezone-blank"),
        pytest.param({"conversationView": "yes"}, "invalidParameter", id="bool-as-string"),
    ],
)
async def test_patch_refuses_bad_fields_and_changes_nothing(
    wire: Wire, patch: dict[str, Any], code: str
) -> None:
    headers = await wire.user()
    before = (await call(wire, "GET", SETTINGS, headers)).body
    # A valid field beside the bad one proves the update is all or nothing.
    reply = await call(wire, "PATCH", SETTINGS, headers, json={"language": "fr", **patch})
    assert reply.status == 400
    assert reply.code == code
    assert (await call(wire, "GET", SETTINGS, headers)).body == before


@pytest.mark.parametrize(
    "patch",
    [
        pytest.param({"workingDays": 1}, id="working-days-1"),
        pytest.param({"workingDays": 127}, id="working-days-127"),
        pytest.param({"startWorkingTime": "00:00:00", "endWorkingTime": "23:59:59"}, id="times"),
        pytest.param({"dateFormat": "M/D/YYY"}, id="page-date-format-as-listed"),
        pytest.param({"timeFormat": 'hh"h" mm"min"'}, id="quoted-time-format"),
        pytest.param({"bodyHtmlFilteringLevel": 0}, id="html-level-0"),
        pytest.param({"language": "zh-tw", "calendarType": "persian"}, id="language-calendar"),
    ],
)
async def test_patch_accepts_documented_edge_values(wire: Wire, patch: dict[str, Any]) -> None:
    headers = await wire.user()
    assert (await call(wire, "PATCH", SETTINGS, headers, json=patch)).status == 200
    body = (await call(wire, "GET", SETTINGS, headers)).body
    assert {name: body[name] for name in patch} == patch


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"[]", id="array"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"language": NaN}', id="nan"),
    ],
)
async def test_patch_refuses_a_body_that_is_no_json_object(wire: Wire, raw: bytes) -> None:
    headers = await wire.user()
    reply = await call(wire, "PATCH", SETTINGS, headers, data=raw)
    assert (reply.status, reply.code) == (400, "invalidJson")


async def test_settings_need_a_session(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    assert (await call(wire, "GET", SETTINGS)).status == 401
    assert (await call(wire, "PATCH", SETTINGS, json={"language": "de"})).status == 401
    assert wire.fake.settings("a@example.com").language == "en"


async def test_settings_are_per_account(wire: Wire) -> None:
    headers_a = await wire.user("a@example.com")
    headers_b = await wire.user("b@example.com")
    await call(wire, "PATCH", SETTINGS, headers_a, json={"theme": "ocean"})
    assert (await call(wire, "GET", SETTINGS, headers_b)).body["theme"] == "neutral"
    assert wire.fake.settings("a@example.com").theme == "ocean"


async def test_replacing_an_account_resets_its_settings(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    wire.fake.settings("a@example.com").language = "it"
    wire.fake.add_account("a@example.com", "pw")
    assert wire.fake.settings("a@example.com") == FakeSettings()


def test_settings_of_an_unknown_account_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        FakeAxigen().settings("nobody@example.com")


# -- UI and client settings ---------------------------------------------------------------------


@pytest.mark.parametrize(("path", "name"), [(UI, "uiSettings"), (CLIENT, "clientSettings")])
async def test_ui_text_set_get_delete(wire: Wire, path: str, name: str) -> None:
    headers = await wire.user()
    assert (await call(wire, "GET", path, headers)).body == {name: ""}
    text = '{"density": "compact", "ünï": "çødé"}'
    reply = await call(wire, "POST", path, headers, json={name: text})
    assert (reply.status, reply.body) == (200, b"")
    assert (await call(wire, "GET", path, headers)).body == {name: text}
    reply = await call(wire, "DELETE", path, headers)
    assert (reply.status, reply.body) == (200, b"")
    assert (await call(wire, "GET", path, headers)).body == {name: ""}


async def test_ui_and_client_texts_are_separate(wire: Wire) -> None:
    headers = await wire.user()
    await call(wire, "POST", UI, headers, json={"uiSettings": "ui"})
    await call(wire, "POST", CLIENT, headers, json={"clientSettings": "client"})
    await call(wire, "DELETE", UI, headers)
    settings = wire.fake.settings("a@example.com")
    assert (settings.ui_settings, settings.client_settings) == ("", "client")


@pytest.mark.parametrize(("path", "name"), [(UI, "uiSettings"), (CLIENT, "clientSettings")])
async def test_ui_text_limit_is_8192_bytes(wire: Wire, path: str, name: str) -> None:
    headers = await wire.user()
    at_limit = "é" * 4096  # 8,192 bytes in UTF-8, 4,096 characters
    assert (await call(wire, "POST", path, headers, json={name: at_limit})).status == 200
    reply = await call(wire, "POST", path, headers, json={name: at_limit + "x"})
    assert (reply.status, reply.code) == (400, "valueTooLarge")
    assert (await call(wire, "GET", path, headers)).body == {name: at_limit}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="missing"),
        pytest.param({"uiSettings": 5}, id="not-string"),
        pytest.param({"uiSettings": "x", "more": 1}, id="unknown-field"),
        pytest.param({"clientSettings": "x"}, id="other-page-field"),
    ],
)
async def test_ui_text_refuses_bad_bodies(wire: Wire, body: dict[str, Any]) -> None:
    headers = await wire.user()
    reply = await call(wire, "POST", UI, headers, json=body)
    assert reply.status == 400
    assert wire.fake.settings("a@example.com").ui_settings == ""
