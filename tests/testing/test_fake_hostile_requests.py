"""Hostile requests: the fake answers each with its status and JSON error code, and stays up.

Every test ends with an ordinary call on the same server, which must still succeed.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from axigen_async.testing import FakeAxigen
from tests.testing.wire_helpers import Wire, basic

INFO = "/api/v1/account/info"
CONTACT = "/api/v1/account/contactinfo"
SIGNATURES = "/api/v1/account/signatures"
VACATION = "/api/v1/account/vacation"
TEMPORARY = "/api/v1/account/temporaryaliases"
RESET = "/api/v1/account/password/reset"
AVATAR = "/api/v1/account/avatar"
MAX_AVATAR = 4096
BOUNDARY = "hostile-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
CLOSING = f"\r\n--{BOUNDARY}--\r\n".encode()
VACATION_REST = '"applyAlways": true, "applyToExternal": true, "applyToInternal": true, '
VACATION_REST += '"body": "", "enabled": false'


@pytest.fixture
async def wire(http: aiohttp.ClientSession) -> AsyncIterator[Wire]:
    """A server with a small avatar limit, so oversized uploads stay small."""
    async with FakeAxigen(max_avatar_bytes=MAX_AVATAR) as fake:
        yield Wire(fake, http)


@pytest.fixture
async def headers(wire: Wire) -> dict[str, str]:
    return await wire.user()


async def _error(
    wire: Wire, method: str, path: str, headers: dict[str, str], **request: Any
) -> tuple[int, str]:
    """(status, JSON error code) of one request; the body must be the JSON error shape."""
    async with wire.http.request(method, wire.url(path), headers=headers, **request) as answer:
        assert answer.content_type == "application/json"
        body = await answer.json()
        assert set(body["error"]) == {"code", "message"}
        return answer.status, body["error"]["code"]


async def _still_serves(wire: Wire, headers: dict[str, str]) -> None:
    async with wire.http.get(wire.url(INFO), headers=headers) as answer:
        assert answer.status == 200
        assert (await answer.json())["accountName"] == "a"


def _b64(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


# -- JSON bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        pytest.param("PUT", CONTACT, b"{title: x}", "invalidJson", id="not-json"),
        pytest.param("POST", SIGNATURES, b"", "invalidJson", id="empty-body"),
        pytest.param("PUT", CONTACT, b'{"title": "\xff\xfe"}', "invalidJson", id="not-utf8"),
        pytest.param("PUT", CONTACT, '{"title": "x"}'.encode("utf-16"), "invalidJson", id="utf16"),
        pytest.param("PUT", CONTACT, b'\xef\xbb\xbf{"title": "x"}', "invalidJson", id="utf8-bom"),
        pytest.param("PUT", CONTACT, b"[" * 100_000, "invalidJson", id="deep-arrays"),
        pytest.param(
            "POST",
            SIGNATURES,
            b'{"name": "\\ud800", "type": "text", "body": "b"}',
            "invalidJson",
            id="lone-surrogate",
        ),
        pytest.param(
            "PUT", CONTACT, b'{"title": ' + b'{"a": ' * 50_000, "invalidJson", id="deep-objects"
        ),
        pytest.param(
            "PUT",
            CONTACT,
            b'{"title": ' + b"[" * 100 + b"]" * 100 + b"}",
            "invalidParameter",
            id="nested-where-a-string-goes",
        ),
        pytest.param("POST", VACATION, f'{{"age": NaN, {VACATION_REST}}}', "invalidJson", id="nan"),
        pytest.param(
            "POST", VACATION, f'{{"age": -Infinity, {VACATION_REST}}}', "invalidJson", id="inf"
        ),
        pytest.param(
            "POST",
            VACATION,
            f'{{"age": 1{"0" * 5000}, {VACATION_REST}}}',
            "invalidJson",
            id="5000-digit-integer",
        ),
        pytest.param("PUT", CONTACT, b"[]", "invalidJson", id="array-not-object"),
        pytest.param("PUT", CONTACT, b'"title"', "invalidJson", id="string-not-object"),
        pytest.param("PUT", CONTACT, b'{"title": null}', "invalidParameter", id="null-field"),
        pytest.param(
            "POST",
            SIGNATURES,
            json.dumps({"name": 1, "type": "text", "body": ""}),
            "invalidParameter",
            id="int-for-string",
        ),
        pytest.param(
            "POST", VACATION, f'{{"age": true, {VACATION_REST}}}', "invalidParameter", id="bool"
        ),
        pytest.param(
            "PUT", CONTACT, b'{"nickname": "x"}', "unexpectedParameter", id="unknown-field"
        ),
        pytest.param("POST", SIGNATURES, b'{"name": "x"}', "missingParameter", id="missing"),
        pytest.param("POST", TEMPORARY, b"{oops", "invalidJson", id="alias-not-json"),
        pytest.param(
            "POST",
            RESET,
            b'{"oldPassword": 1, "newPassword": "x"}',
            "invalidParameter",
            id="password-wrong-type",
        ),
    ],
)
async def test_hostile_json_body_is_400(
    wire: Wire, headers: dict[str, str], method: str, path: str, body: bytes | str, code: str
) -> None:
    data = body.encode() if isinstance(body, str) else body
    json_type = {"Content-Type": "application/json"}
    assert await _error(wire, method, path, headers | json_type, data=data) == (400, code)
    await _still_serves(wire, headers)


async def test_body_past_the_server_limit_is_413(wire: Wire, headers: dict[str, str]) -> None:
    oversized = io.BytesIO(b'{"title": "' + b"x" * (MAX_AVATAR + 2_000_000) + b'"}')
    status = await _error(wire, "PUT", CONTACT, headers, data=oversized)
    assert status == (413, "requestTooLarge")
    await _still_serves(wire, headers)


# -- Authorization -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Basic !!!not-base64", id="not-base64"),
        pytest.param("Basic YWJ", id="bad-padding"),
        pytest.param("Basic \u00e9t\u00e9", id="not-ascii"),
        pytest.param(_b64(b"a@example.com:\xff\xfe"), id="not-utf8"),
        pytest.param(_b64(b"a@example.com"), id="no-colon"),
        pytest.param("Basic", id="no-credentials"),
    ],
)
async def test_malformed_basic_credentials_are_400(
    wire: Wire, headers: dict[str, str], authorization: str
) -> None:
    status = await _error(wire, "GET", INFO, headers | {"Authorization": authorization})
    assert status == (400, "invalidAuthorization")
    await _still_serves(wire, headers)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/api/v1/login", id="login"),
        pytest.param("POST", "/api/v1/logout", id="logout"),
        pytest.param("GET", INFO, id="info"),
        pytest.param("DELETE", AVATAR, id="avatar"),
    ],
)
async def test_malformed_basic_credentials_are_400_on_every_route(
    wire: Wire, headers: dict[str, str], method: str, path: str
) -> None:
    malformed = headers | {"Authorization": _b64(b"no colon here")}
    assert await _error(wire, method, path, malformed) == (400, "invalidAuthorization")
    await _still_serves(wire, headers)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(basic("a@example.com", "wrong"), id="wrong-password"),
        pytest.param(basic("nobody@example.com", "pw"), id="unknown-user"),
        pytest.param(basic("no-domain", "pw"), id="user-without-domain"),
        pytest.param("Bearer not-a-token", id="unknown-token"),
        pytest.param("Digest username=a", id="other-scheme"),
    ],
)
async def test_well_formed_wrong_credentials_stay_401(
    wire: Wire, headers: dict[str, str], authorization: str
) -> None:
    status = await _error(wire, "GET", INFO, headers | {"Authorization": authorization})
    assert status == (401, "unauthorized")
    await _still_serves(wire, headers)


async def test_malformed_credentials_never_echo_the_value(
    wire: Wire, headers: dict[str, str]
) -> None:
    secret = _b64(b"a@example.com-and-Secret-pw")
    async with wire.http.get(wire.url(INFO), headers=headers | {"Authorization": secret}) as answer:
        text = await answer.text()
    assert secret.split()[1] not in text
    assert "Secret-pw" not in text
    await _still_serves(wire, headers)


# -- avatars -----------------------------------------------------------------------------------


def _multipart(data: bytes, part_headers: str = "Content-Type: image/png\r\n") -> bytes:
    disposition = 'Content-Disposition: form-data; name="avatar"; filename="a.png"\r\n'
    head = f"--{BOUNDARY}\r\n{disposition}{part_headers}\r\n".encode()
    return head + data + CLOSING


async def _in_pieces(body: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    """The body as an async iterator, which aiohttp sends chunked, without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_oversized_avatar_is_400(wire: Wire, headers: dict[str, str]) -> None:
    form = aiohttp.FormData()
    form.add_field("avatar", b"x" * (MAX_AVATAR + 1), filename="a.png", content_type="image/png")
    assert await _error(wire, "PUT", AVATAR, headers, data=form) == (400, "avatarTooLarge")
    assert wire.fake.account("a@example.com").avatar is None
    await _still_serves(wire, headers)


async def test_oversized_avatar_sent_chunked_is_400(wire: Wire, headers: dict[str, str]) -> None:
    body = _in_pieces(_multipart(b"x" * (20 * MAX_AVATAR)))
    upload = headers | {"Content-Type": MULTIPART}
    assert await _error(wire, "PUT", AVATAR, upload, data=body) == (400, "avatarTooLarge")
    assert wire.fake.account("a@example.com").avatar is None
    await _still_serves(wire, headers)


async def test_avatar_with_a_huge_declared_length_is_400(
    wire: Wire, headers: dict[str, str]
) -> None:
    # Far more is announced than is ever sent: the fake must answer without waiting for it.
    upload = headers | {"Content-Type": MULTIPART, "Content-Length": str(10**12)}
    status = await _error(wire, "PUT", AVATAR, upload, data=_in_pieces(_multipart(b"x")))
    assert status == (400, "avatarTooLarge")
    await _still_serves(wire, headers)


async def test_an_upload_refused_before_its_end_closes_the_connection(
    wire: Wire, headers: dict[str, str]
) -> None:
    # The rest of the announced body never comes; a client reusing the connection would
    # have its next request read as that body and stall.
    upload = headers | {"Content-Type": MULTIPART, "Content-Length": str(10**12)}
    async with wire.http.put(
        wire.url(AVATAR), headers=upload, data=_in_pieces(_multipart(b"x"))
    ) as answer:
        assert answer.status == 400
        assert answer.headers["Connection"] == "close"
    await _still_serves(wire, headers)


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        pytest.param("image/png", b"\x89PNG", "invalidParameter", id="not-multipart"),
        pytest.param("multipart/form-data", b"x", "invalidParameter", id="no-boundary"),
        pytest.param(MULTIPART, b"garbage", "invalidParameter", id="no-starting-boundary"),
        pytest.param(
            MULTIPART,
            _multipart(b"x" * 10).removesuffix(CLOSING),
            "invalidParameter",
            id="cut-before-closing-boundary",
        ),
        pytest.param(
            MULTIPART,
            f"--{BOUNDARY}\r\nContent-Disposition: ;;;===\r\nContent-Type: image/png\r\n\r\n"
            f"x\r\n--{BOUNDARY}--\r\n".encode(),
            "invalidParameter",
            id="bad-disposition",
        ),
        pytest.param(
            MULTIPART,
            _multipart(b"x", "Content-Type: text/html\r\n"),
            "invalidParameter",
            id="not-an-image",
        ),
        pytest.param(MULTIPART, _multipart(b""), "invalidParameter", id="empty-image"),
        pytest.param(MULTIPART, f"--{BOUNDARY}--\r\n".encode(), "missingParameter", id="no-parts"),
    ],
)
async def test_malformed_avatar_upload_is_400(
    wire: Wire, headers: dict[str, str], content_type: str, body: bytes, code: str
) -> None:
    upload = headers | {"Content-Type": content_type}
    assert await _error(wire, "PUT", AVATAR, upload, data=body) == (400, code)
    assert wire.fake.account("a@example.com").avatar is None
    await _still_serves(wire, headers)


async def test_well_formed_avatar_still_uploads(wire: Wire, headers: dict[str, str]) -> None:
    upload = headers | {"Content-Type": MULTIPART}
    async with wire.http.put(
        wire.url(AVATAR), headers=upload, data=_in_pieces(_multipart(b"p" * MAX_AVATAR), 7)
    ) as answer:
        assert answer.status == 200
    avatar = wire.fake.account("a@example.com").avatar
    assert avatar is not None
    assert avatar.data == b"p" * MAX_AVATAR
