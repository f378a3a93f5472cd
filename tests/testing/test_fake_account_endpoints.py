"""Account endpoints of the fake Axigen server, spoken to in plain wire form."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from yarl import URL

from axigen_async.testing import FakeAvatar, FakeSignature
from tests.testing.wire_helpers import Wire, assert_info_shape, basic

BASE = "/api/v1/account"
JSON_TYPE = "application/json; charset=utf-8"


async def _call(
    wire: Wire,
    method: str,
    path: str,
    headers: dict[str, str],
    **kwargs: Any,
) -> tuple[int, Any]:
    """Status and decoded body (JSON, ``b""`` when empty, bytes otherwise)."""
    async with wire.http.request(method, wire.url(path), headers=headers, **kwargs) as response:
        raw = await response.read()
        if response.status == 200 and not raw:
            assert response.headers["Content-Length"] == "0"
            return response.status, b""
        if response.content_type == "application/json":
            assert response.headers["Content-Type"] == JSON_TYPE
            return response.status, await response.json()
        return response.status, raw


# -- info ---------------------------------------------------------------------------------------


async def test_info_has_every_documented_field(wire: Wire) -> None:
    headers = await wire.user()
    status, info = await _call(wire, "GET", f"{BASE}/info", headers)
    assert status == 200
    assert_info_shape(info)
    assert info["accountName"] == "a"
    assert info["domainName"] == "example.com"


async def test_info_computes_remaining_from_state(wire: Wire) -> None:
    wire.fake.add_account(
        "a@example.com",
        "pw",
        total_quota=1000,
        used_quota=1200,
        total_message_count=50,
        used_message_count=20,
    )
    headers = await wire.login("a@example.com", "pw")
    _, info = await _call(wire, "GET", f"{BASE}/info", headers)
    assert info["remainingQuota"] == 0
    assert info["remainingMessageCount"] == 30


async def test_info_follows_state_changes(wire: Wire) -> None:
    headers = await wire.user()
    await _call(wire, "GET", f"{BASE}/info", headers)
    wire.fake.account("a@example.com").full_name = "Ana Pop"
    _, info = await _call(wire, "GET", f"{BASE}/info", headers)
    assert info["fullName"] == "Ana Pop"


@pytest.mark.parametrize(
    ("days_ahead", "expected"),
    [
        pytest.param(30, False, id="outside-warning"),
        pytest.param(3, True, id="inside-warning"),
        pytest.param(-1, True, id="already-expired"),
    ],
)
async def test_info_password_expiry_warning(wire: Wire, days_ahead: int, expected: bool) -> None:
    from datetime import UTC, datetime, timedelta

    date = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_ahead)
    wire.fake.add_account(
        "a@example.com",
        "pw",
        password_expiration_enabled=True,
        password_expiration_date=date,
        password_expiration_warning_interval=7,
    )
    headers = await wire.login("a@example.com", "pw")
    _, info = await _call(wire, "GET", f"{BASE}/info", headers)
    expiration = info["restrictions"]["passwordPolicy"]["expiration"]
    assert expiration["inWarningInterval"] is expected
    assert expiration["date"] == date.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_info_expiration_date_empty_when_disabled(wire: Wire) -> None:
    headers = await wire.user()
    _, info = await _call(wire, "GET", f"{BASE}/info", headers)
    assert info["restrictions"]["passwordPolicy"]["expiration"]["date"] == ""


def test_add_account_rejects_unknown_fields() -> None:
    from axigen_async.testing import FakeAxigen

    with pytest.raises(TypeError, match="no_such_field"):
        FakeAxigen().add_account("a@example.com", "pw", no_such_field=1)


# -- contact info -------------------------------------------------------------------------------


async def test_contact_info_put_then_get_resets_omitted(wire: Wire) -> None:
    headers = await wire.user()
    full = {
        "title": "Dr.",
        "firstName": "Ana",
        "middleName": "M",
        "lastName": "Pop",
        "suffix": "Jr.",
        "personalEmailAddress": "ana@home.example",
    }
    assert await _call(wire, "PUT", f"{BASE}/contactinfo", headers, json=full) == (200, b"")
    assert await _call(wire, "GET", f"{BASE}/contactinfo", headers) == (200, full)
    assert await _call(wire, "PUT", f"{BASE}/contactinfo", headers, json={"title": "Ms."}) == (
        200,
        b"",
    )
    _, after = await _call(wire, "GET", f"{BASE}/contactinfo", headers)
    assert after == dict.fromkeys(full, "") | {"title": "Ms."}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"title": 5}, id="non-string"),
        pytest.param({"nickname": "x"}, id="unknown-key"),
        pytest.param(["title"], id="not-object"),
        pytest.param("not json", id="not-json"),
    ],
)
async def test_contact_info_put_rejects_bad_body(wire: Wire, body: Any) -> None:
    headers = await wire.user()
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, str) else {"json": body}
    status, error = await _call(wire, "PUT", f"{BASE}/contactinfo", headers, **kwargs)
    assert status == 400
    assert set(error["error"]) == {"code", "message"}


# -- aliases ------------------------------------------------------------------------------------


async def test_aliases_list_main_address_first(wire: Wire) -> None:
    from axigen_async.testing import FakeAlias

    wire.fake.add_account(
        "a@example.com", "pw", aliases=[FakeAlias("x@example.com", "domainAlias")]
    )
    headers = await wire.login("a@example.com", "pw")
    assert await _call(wire, "GET", f"{BASE}/aliases", headers) == (
        200,
        {
            "items": [
                {"emailAddress": "a@example.com", "type": "mainAddress"},
                {"emailAddress": "x@example.com", "type": "domainAlias"},
            ]
        },
    )


# -- temporary aliases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({}, id="no-body"),
        pytest.param({"json": {}}, id="empty-object"),
    ],
)
async def test_temporary_alias_create_list_delete(wire: Wire, kwargs: dict[str, Any]) -> None:
    headers = await wire.user()
    status, created = await _call(wire, "POST", f"{BASE}/temporaryaliases", headers, **kwargs)
    assert status == 200
    assert set(created) == {"id", "emailAddress", "expireDate"}
    assert created["emailAddress"].endswith("@example.com")
    assert created["expireDate"].endswith("Z")
    assert await _call(wire, "GET", f"{BASE}/temporaryaliases", headers) == (
        200,
        {"items": [created]},
    )
    path = f"{BASE}/temporaryaliases/{created['id']}"
    assert await _call(wire, "DELETE", path, headers) == (200, b"")
    assert await _call(wire, "GET", f"{BASE}/temporaryaliases", headers) == (200, {"items": []})


async def test_temporary_alias_create_rejects_a_body(wire: Wire) -> None:
    headers = await wire.user()
    status, _ = await _call(wire, "POST", f"{BASE}/temporaryaliases", headers, json={"x": 1})
    assert status == 400


async def test_temporary_alias_create_forbidden_when_disabled(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw", temporary_aliases_enabled=False)
    headers = await wire.login("a@example.com", "pw")
    status, error = await _call(wire, "POST", f"{BASE}/temporaryaliases", headers)
    assert (status, error["error"]["code"]) == (403, "temporaryAliasesDisabled")


async def test_temporary_alias_create_forbidden_at_limit(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw", max_number_of_aliases=1)
    headers = await wire.login("a@example.com", "pw")
    assert (await _call(wire, "POST", f"{BASE}/temporaryaliases", headers))[0] == 200
    status, error = await _call(wire, "POST", f"{BASE}/temporaryaliases", headers)
    assert (status, error["error"]["code"]) == (403, "temporaryAliasLimitReached")


async def test_temporary_alias_delete_unknown_is_404(wire: Wire) -> None:
    headers = await wire.user()
    status, _ = await _call(wire, "DELETE", f"{BASE}/temporaryaliases/nope", headers)
    assert status == 404


# -- signatures ---------------------------------------------------------------------------------


async def test_signature_lifecycle(wire: Wire) -> None:
    headers = await wire.user()
    new = {"name": "Work", "type": "html", "body": "<p>A</p>"}
    status, created = await _call(wire, "POST", f"{BASE}/signatures", headers, json=new)
    assert status == 200
    assert created == {"id": created["id"], "name": "Work", "type": "html"}
    path = f"{BASE}/signatures/{created['id']}"
    assert await _call(wire, "GET", f"{BASE}/signatures", headers) == (200, {"items": [created]})
    assert await _call(wire, "GET", path, headers) == (200, created | {"body": "<p>A</p>"})
    assert await _call(wire, "PUT", path, headers, json={"type": "text"}) == (200, b"")
    assert await _call(wire, "PUT", path, headers, json={}) == (200, b"")
    _, after = await _call(wire, "GET", path, headers)
    assert after == created | {"type": "text", "body": "<p>A</p>"}
    assert await _call(wire, "DELETE", path, headers) == (200, b"")
    assert (await _call(wire, "GET", path, headers))[0] == 404


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "n", "type": "html"}, id="missing-body"),
        pytest.param({"name": "n", "type": "rtf", "body": ""}, id="bad-type"),
        pytest.param({"name": 1, "type": "html", "body": ""}, id="non-string"),
        pytest.param({"name": "n", "type": "html", "body": "", "x": 1}, id="unknown-key"),
        pytest.param({"name": " ", "type": "html", "body": ""}, id="blank-name"),
    ],
)
async def test_signature_create_rejects_bad_body(wire: Wire, body: dict[str, Any]) -> None:
    headers = await wire.user()
    assert (await _call(wire, "POST", f"{BASE}/signatures", headers, json=body))[0] == 400


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        pytest.param("GET", {}, id="get"),
        pytest.param("PUT", {"json": {"name": "x"}}, id="put"),
        pytest.param("DELETE", {}, id="delete"),
    ],
)
async def test_signature_unknown_id_is_404(wire: Wire, method: str, kwargs: dict[str, Any]) -> None:
    headers = await wire.user()
    status, _ = await _call(wire, method, f"{BASE}/signatures/nope", headers, **kwargs)
    assert status == 404


async def test_signature_update_rejects_bad_type(wire: Wire) -> None:
    wire.fake.add_account(
        "a@example.com", "pw", signatures={"s1": FakeSignature("s1", "n", "text", "b")}
    )
    headers = await wire.login("a@example.com", "pw")
    path = f"{BASE}/signatures/s1"
    assert (await _call(wire, "PUT", path, headers, json={"type": "pdf"}))[0] == 400


async def test_signature_id_with_encoded_slash_routes_to_one_segment(wire: Wire) -> None:
    wire.fake.add_account(
        "a@example.com", "pw", signatures={"a/b": FakeSignature("a/b", "n", "text", "b")}
    )
    headers = await wire.login("a@example.com", "pw")
    url = URL(wire.url(f"{BASE}/signatures/a%2Fb"), encoded=True)
    async with wire.http.get(url, headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["id"] == "a/b"
    assert wire.fake.route_counts["GET /api/v1/account/signatures/{id}"] == 1


# -- avatar -------------------------------------------------------------------------------------


def _form(data: bytes, content_type: str, name: str = "file") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(name, data, content_type=content_type, filename="avatar.bin")
    return form


async def test_avatar_put_get_delete(wire: Wire) -> None:
    headers = await wire.user()
    assert (await _call(wire, "GET", f"{BASE}/avatar", headers))[0] == 404
    form = _form(b"\x89PNG-data", "image/png", name="whatever")
    assert await _call(wire, "PUT", f"{BASE}/avatar", headers, data=form) == (200, b"")
    async with wire.http.get(wire.url(f"{BASE}/avatar"), headers=headers) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert await response.read() == b"\x89PNG-data"
    assert await _call(wire, "DELETE", f"{BASE}/avatar", headers) == (200, b"")
    assert wire.fake.account("a@example.com").avatar is None
    assert (await _call(wire, "DELETE", f"{BASE}/avatar", headers))[0] == 404


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"data": _form(b"text", "text/plain")}, id="not-image"),
        pytest.param({"data": _form(b"", "image/png")}, id="empty"),
        pytest.param({"data": _form(b"x" * 2049, "image/png")}, id="too-large"),
        pytest.param({"data": b"\x89PNG", "headers": {"Content-Type": "image/png"}}, id="raw"),
        pytest.param({"data": {"field": "value"}}, id="no-file-part"),
    ],
)
async def test_avatar_put_rejects_bad_upload(
    http: aiohttp.ClientSession, kwargs: dict[str, Any]
) -> None:
    from axigen_async.testing import FakeAxigen

    async with FakeAxigen(max_avatar_bytes=2048) as fake:
        wire = Wire(fake, http)
        headers = await wire.user()
        headers.update(kwargs.pop("headers", {}))
        status, error = await _call(wire, "PUT", f"{BASE}/avatar", headers, **kwargs)
        assert status == 400
        assert error["error"]["code"]
        assert fake.account("a@example.com").avatar is None


async def test_avatar_reports_stored_content_type(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw", avatar=FakeAvatar(b"GIF89a", "image/gif"))
    headers = await wire.login("a@example.com", "pw")
    async with wire.http.get(wire.url(f"{BASE}/avatar"), headers=headers) as response:
        assert response.content_type == "image/gif"


# -- vacation -----------------------------------------------------------------------------------

VACATION = {
    "age": 7,
    "applyAlways": False,
    "applyToExternal": True,
    "applyToInternal": False,
    "body": "Away",
    "enabled": True,
    "startTime": "2026-12-01T09:30:00Z",
    "endTime": "2026-12-15T09:30:00+00:00",
    "subject": "OOO",
}


async def test_vacation_default_then_set(wire: Wire) -> None:
    headers = await wire.user()
    _, before = await _call(wire, "GET", f"{BASE}/vacation", headers)
    assert set(before) == set(VACATION)
    assert before["startTime"] == ""
    assert await _call(wire, "POST", f"{BASE}/vacation", headers, json=VACATION) == (200, b"")
    _, after = await _call(wire, "GET", f"{BASE}/vacation", headers)
    assert after == VACATION | {"endTime": "2026-12-15T09:30:00Z"}


async def test_vacation_apply_always_needs_no_times(wire: Wire) -> None:
    headers = await wire.user()
    body = {k: v for k, v in VACATION.items() if k not in {"startTime", "endTime", "subject"}}
    body["applyAlways"] = True
    assert await _call(wire, "POST", f"{BASE}/vacation", headers, json=body) == (200, b"")
    _, after = await _call(wire, "GET", f"{BASE}/vacation", headers)
    assert (after["startTime"], after["endTime"], after["subject"]) == ("", "", "")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"age": 0}, id="age-zero"),
        pytest.param({"age": True}, id="age-bool"),
        pytest.param({"age": "7"}, id="age-string"),
        pytest.param({"enabled": 1}, id="enabled-int"),
        pytest.param({"body": None}, id="body-null"),
        pytest.param({"startTime": None}, id="missing-start"),
        pytest.param({"endTime": "2026-12-15 09:30"}, id="end-not-iso"),
        pytest.param({"endTime": "2026-12-15T09:30:00+02:00"}, id="end-not-utc"),
        pytest.param({"endTime": "2026-11-01T09:30:00Z"}, id="end-before-start"),
        pytest.param({"extra": 1}, id="unknown-key"),
        pytest.param({"applyToExternal": None}, id="missing-required"),
    ],
)
async def test_vacation_set_rejects_bad_body(wire: Wire, change: dict[str, Any]) -> None:
    headers = await wire.user()
    body = VACATION | change
    body = {k: v for k, v in body.items() if v is not None}
    status, _ = await _call(wire, "POST", f"{BASE}/vacation", headers, json=body)
    assert status == 400


# -- password -----------------------------------------------------------------------------------


async def test_password_reset_changes_password_and_keeps_session(wire: Wire) -> None:
    headers = await wire.user()
    body = {"oldPassword": "pw", "newPassword": "n3w-Secret"}
    assert await _call(wire, "POST", f"{BASE}/password/reset", headers, json=body) == (200, b"")
    assert wire.fake.account("a@example.com").password == "n3w-Secret"
    headers["Authorization"] = basic("a@example.com", "n3w-Secret")
    assert (await _call(wire, "GET", f"{BASE}/info", headers))[0] == 200


@pytest.mark.parametrize(
    ("state", "body", "expected"),
    [
        pytest.param({}, {"oldPassword": "bad", "newPassword": "x"}, (400, "invalidOldPassword"),
                     id="wrong-old"),
        pytest.param({"allow_change_by_user": False}, {"oldPassword": "pw", "newPassword": "x"},
                     (403, "passwordChangeNotAllowed"), id="not-allowed"),
        pytest.param({"content_policy_enabled": True, "content_policy_min_length": 8},
                     {"oldPassword": "pw", "newPassword": "abc1"}, (400, "passwordTooShort"),
                     id="too-short"),
        pytest.param({"content_policy_enabled": True, "content_policy_min_length": 1,
                      "content_policy_max_length": 4},
                     {"oldPassword": "pw", "newPassword": "abcdef"}, (400, "passwordTooLong"),
                     id="too-long"),
        pytest.param({"content_policy_enabled": True, "content_policy_min_length": 1,
                      "content_policy_must_include": "letters"},
                     {"oldPassword": "pw", "newPassword": "1234"}, (400, "passwordTooWeak"),
                     id="needs-letters"),
        pytest.param({"content_policy_enabled": True, "content_policy_min_length": 1,
                      "content_policy_must_include": "lettersAndNumbers"},
                     {"oldPassword": "pw", "newPassword": "abcd"}, (400, "passwordTooWeak"),
                     id="needs-numbers"),
        pytest.param({"content_policy_enabled": True, "content_policy_min_length": 1,
                      "content_policy_must_include": "lettersAndNumbersAndSpecial"},
                     {"oldPassword": "pw", "newPassword": "abcd1"}, (400, "passwordTooWeak"),
                     id="needs-special"),
        pytest.param({}, {"newPassword": "x"}, (400, "missingParameter"), id="missing-old"),
        pytest.param({}, {"oldPassword": "pw", "newPassword": 5}, (400, "invalidParameter"),
                     id="non-string"),
    ],
)  # fmt: skip
async def test_password_reset_errors(
    wire: Wire, state: dict[str, Any], body: dict[str, Any], expected: tuple[int, str]
) -> None:
    wire.fake.add_account("a@example.com", "pw", **state)
    headers = await wire.login("a@example.com", "pw")
    status, error = await _call(wire, "POST", f"{BASE}/password/reset", headers, json=body)
    assert (status, error["error"]["code"]) == expected
    assert wire.fake.account("a@example.com").password == "pw"


async def test_password_reset_policy_message_names_the_rule(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw", content_policy_enabled=True)
    headers = await wire.login("a@example.com", "pw")
    body = {"oldPassword": "pw", "newPassword": "ab"}
    _, error = await _call(wire, "POST", f"{BASE}/password/reset", headers, json=body)
    assert "minLength" in error["error"]["message"]


async def test_password_set_when_change_is_required(wire: Wire) -> None:
    account = wire.fake.add_account("a@example.com", "pw", must_change_password=True)
    headers = await wire.login("a@example.com", "pw")
    body = {"newPassword": "first-Pass1"}
    assert await _call(wire, "POST", f"{BASE}/password/set", headers, json=body) == (200, b"")
    assert account.password == "first-Pass1"
    assert account.must_change_password is False


async def test_password_set_forbidden_when_not_required(wire: Wire) -> None:
    headers = await wire.user()
    body = {"newPassword": "x"}
    status, error = await _call(wire, "POST", f"{BASE}/password/set", headers, json=body)
    assert (status, error["error"]["code"]) == (403, "passwordChangeNotRequired")


async def test_password_set_enforces_policy(wire: Wire) -> None:
    wire.fake.add_account(
        "a@example.com", "pw", must_change_password=True, content_policy_enabled=True
    )
    headers = await wire.login("a@example.com", "pw")
    body = {"newPassword": "ab"}
    assert (await _call(wire, "POST", f"{BASE}/password/set", headers, json=body))[0] == 400


# -- index info ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param([("ids", "conversation"), ("ids", "sort")], id="repeated"),
        pytest.param([("ids", "conversation,sort")], id="comma"),
    ],
)
async def test_index_info_in_requested_order(wire: Wire, query: list[tuple[str, str]]) -> None:
    account = wire.fake.add_account(
        "a@example.com", "pw", index_states={"conversation": "uptodate", "sort": "uninitialized"}
    )
    headers = await wire.login("a@example.com", "pw")
    params = [*query, ("scope", account.folder_container_id)]
    status, items = await _call(wire, "GET", f"{BASE}/indexinfo", headers, params=params)
    assert status == 200
    assert items == [
        {"id": "conversation", "state": "uptodate", "progress": 1.0},
        {"id": "sort", "state": "uninitialized", "progress": items[1]["progress"]},
    ]
    assert 0.0 < items[1]["progress"] < 1.0


async def test_index_info_accepts_folder_scope_and_unavailable(wire: Wire) -> None:
    account = wire.fake.add_account(
        "a@example.com", "pw", index_states={"conversation": "unavailable"}
    )
    headers = await wire.login("a@example.com", "pw")
    params = [("ids", "conversation"), ("scope", account.folder_ids[0])]
    _, items = await _call(wire, "GET", f"{BASE}/indexinfo", headers, params=params)
    assert items == [{"id": "conversation", "state": "unavailable", "progress": 0.0}]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param([("scope", "SCOPE")], id="missing-ids"),
        pytest.param([("ids", "conversation")], id="missing-scope"),
        pytest.param([("ids", "threads"), ("scope", "SCOPE")], id="bad-id"),
        pytest.param([("ids", "sort"), ("scope", "other-folder")], id="unknown-scope"),
        pytest.param([("ids", "sort"), ("scope", "SCOPE"), ("x", "1")], id="unknown-param"),
    ],
)
async def test_index_info_rejects_bad_query(wire: Wire, params: list[tuple[str, str]]) -> None:
    account = wire.fake.add_account("a@example.com", "pw")
    headers = await wire.login("a@example.com", "pw")
    params = [(k, account.folder_container_id if v == "SCOPE" else v) for k, v in params]
    status, _ = await _call(wire, "GET", f"{BASE}/indexinfo", headers, params=params)
    assert status == 400
