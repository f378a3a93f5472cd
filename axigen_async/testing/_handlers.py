"""Account endpoint handlers of the fake Axigen server.

Responsibility: one coroutine per Account API endpoint. Each receives the already
authenticated ``FakeAccount``, validates the request strictly, changes the state and
answers in literal wire form. Validation failures raise ``ApiError``.

Must not: authenticate, count, log or inject faults (the server does that around every
handler), or import anything from ``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from aiohttp import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    BodyPartReader,
    web,
)

from . import _render
from ._state import (
    CONTACT_FIELDS,
    INDEX_IDS,
    SIGNATURE_TYPES,
    ApiError,
    FakeAccount,
    FakeAvatar,
    FakeContactInfo,
    FakeSignature,
    FakeTemporaryAlias,
    FakeVacation,
    bad_request,
    check_object,
    check_password_policy,
    decode_json,
    parse_timestamp,
    utc_from_timestamp,
)

JSON_CONTENT_TYPE: Final = "application/json; charset=utf-8"
TEMPORARY_ALIAS_LIFETIME: Final = timedelta(days=30)
_MAX_MULTIPART_PARTS: Final = 16
_CHUNK: Final = 65_536

# An id is any one path segment: aiohttp's default pattern would also refuse ids
# holding "{" or "}" (its route shows as "{id}" all the same).
_ID: Final = "{id:[^/]+}"

Handler = Callable[[web.Request, FakeAccount], Awaitable[web.StreamResponse]]


def json_response(document: object, status: int = 200) -> web.Response:
    """A JSON answer with the wire content type."""
    return raw_json_response(_render.dump_json(document), status)


def raw_json_response(body: bytes, status: int = 200) -> web.Response:
    """A JSON answer from ready bytes."""
    return web.Response(body=body, status=status, headers={"Content-Type": JSON_CONTENT_TYPE})


def empty_response() -> web.Response:
    """The documented "empty response": 200 with no body."""
    return web.Response(status=200)


async def read_json(request: web.Request) -> object:
    """Decode the request body as strict UTF-8 JSON; a 400 when it is not."""
    return decode_json(await request.read())


def _not_found(what: str) -> ApiError:
    return ApiError(404, "notFound", f"{what} does not exist")


def _forbidden(code: str, message: str) -> ApiError:
    return ApiError(403, code, message)


@dataclass(slots=True)
class AccountHandlers:
    """The Account endpoints. ``wall_clock`` gives POSIX seconds (dates, expiry)."""

    wall_clock: Callable[[], float]
    max_avatar_bytes: int

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path template, handler) for every Account endpoint."""
        base = "/api/v1/account"
        return [
            ("GET", f"{base}/info", self.get_info),
            ("GET", f"{base}/contactinfo", self.get_contact_info),
            ("PUT", f"{base}/contactinfo", self.put_contact_info),
            ("GET", f"{base}/aliases", self.get_aliases),
            ("GET", f"{base}/temporaryaliases", self.list_temporary_aliases),
            ("POST", f"{base}/temporaryaliases", self.create_temporary_alias),
            ("DELETE", f"{base}/temporaryaliases/{_ID}", self.delete_temporary_alias),
            ("GET", f"{base}/signatures", self.list_signatures),
            ("POST", f"{base}/signatures", self.create_signature),
            ("GET", f"{base}/signatures/{_ID}", self.get_signature),
            ("PUT", f"{base}/signatures/{_ID}", self.update_signature),
            ("DELETE", f"{base}/signatures/{_ID}", self.delete_signature),
            ("GET", f"{base}/avatar", self.get_avatar),
            ("PUT", f"{base}/avatar", self.put_avatar),
            ("DELETE", f"{base}/avatar", self.delete_avatar),
            ("GET", f"{base}/vacation", self.get_vacation),
            ("POST", f"{base}/vacation", self.set_vacation),
            ("POST", f"{base}/password/set", self.set_password),
            ("POST", f"{base}/password/reset", self.reset_password),
            ("GET", f"{base}/indexinfo", self.get_index_info),
        ]

    def _now(self) -> datetime:
        return utc_from_timestamp(self.wall_clock())

    # -- info, contact info, aliases ----------------------------------------------------------

    async def get_info(self, request: web.Request, account: FakeAccount) -> web.Response:
        second = int(self.wall_clock())
        cached = account.info_cache
        if cached is None or cached[0] != second:
            body = _render.dump_json(_render.info_document(account, self._now()))
            account.info_cache = cached = (second, body)
        return raw_json_response(cached[1])

    async def get_contact_info(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response(_render.contact_info_document(account))

    async def put_contact_info(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(await read_json(request), required={}, optional=_CONTACT_TYPES)
        account.contact_info = FakeContactInfo(
            title=body.get("title", ""),
            first_name=body.get("firstName", ""),
            middle_name=body.get("middleName", ""),
            last_name=body.get("lastName", ""),
            suffix=body.get("suffix", ""),
            personal_email_address=body.get("personalEmailAddress", ""),
        )
        return empty_response()

    async def get_aliases(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response(_render.aliases_document(account))

    # -- temporary aliases --------------------------------------------------------------------

    async def list_temporary_aliases(
        self, request: web.Request, account: FakeAccount
    ) -> web.Response:
        items = [_render.temporary_alias_document(a) for a in account.temporary_aliases]
        return json_response({"items": items})

    async def create_temporary_alias(
        self, request: web.Request, account: FakeAccount
    ) -> web.Response:
        raw = (await request.read()).strip()
        if raw:
            check_object(decode_json(raw), required={})
        if not account.temporary_aliases_enabled:
            raise _forbidden("temporaryAliasesDisabled", "temporary aliases are disabled")
        if len(account.temporary_aliases) >= account.max_number_of_aliases:
            raise _forbidden(
                "temporaryAliasLimitReached",
                f"at most {account.max_number_of_aliases} temporary aliases are allowed",
            )
        alias = FakeTemporaryAlias(
            id=f"ta-{secrets.token_hex(6)}",
            email_address=f"tmp-{secrets.token_hex(5)}@{account.domain_name}",
            expire_date=(self._now() + TEMPORARY_ALIAS_LIFETIME).replace(microsecond=0),
        )
        account.temporary_aliases.append(alias)
        return json_response(_render.temporary_alias_document(alias))

    async def delete_temporary_alias(
        self, request: web.Request, account: FakeAccount
    ) -> web.Response:
        alias_id = request.match_info["id"]
        for position, alias in enumerate(account.temporary_aliases):
            if alias.id == alias_id:
                del account.temporary_aliases[position]
                return empty_response()
        raise _not_found("the temporary alias")

    # -- signatures ---------------------------------------------------------------------------

    async def list_signatures(self, request: web.Request, account: FakeAccount) -> web.Response:
        items = [_render.signature_summary(s) for s in account.signatures.values()]
        return json_response({"items": items})

    async def create_signature(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(await read_json(request), required=_SIGNATURE_TYPES)
        _check_signature_fields(body)
        signature = FakeSignature(
            id=f"sig-{secrets.token_hex(6)}",
            name=body["name"],
            type=body["type"],
            body=body["body"],
        )
        account.signatures[signature.id] = signature
        return json_response(_render.signature_summary(signature))

    def _signature(self, request: web.Request, account: FakeAccount) -> FakeSignature:
        signature = account.signatures.get(request.match_info["id"])
        if signature is None:
            raise _not_found("the signature")
        return signature

    async def get_signature(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response(_render.signature_document(self._signature(request, account)))

    async def update_signature(self, request: web.Request, account: FakeAccount) -> web.Response:
        signature = self._signature(request, account)
        body = check_object(await read_json(request), required={}, optional=_SIGNATURE_TYPES)
        _check_signature_fields(body)
        signature.name = body.get("name", signature.name)
        signature.type = body.get("type", signature.type)
        signature.body = body.get("body", signature.body)
        return empty_response()

    async def delete_signature(self, request: web.Request, account: FakeAccount) -> web.Response:
        del account.signatures[self._signature(request, account).id]
        return empty_response()

    # -- avatar -------------------------------------------------------------------------------

    async def get_avatar(self, request: web.Request, account: FakeAccount) -> web.Response:
        if account.avatar is None:
            raise _not_found("the avatar")
        return web.Response(
            body=account.avatar.data, headers={"Content-Type": account.avatar.content_type}
        )

    async def put_avatar(self, request: web.Request, account: FakeAccount) -> web.Response:
        if not request.content_type.startswith("multipart/form-data"):
            raise bad_request("the avatar must be sent as multipart/form-data")
        if (request.content_length or 0) > self.max_avatar_bytes + _CHUNK:
            raise bad_request("the avatar is too large", "avatarTooLarge")
        try:
            reader = await request.multipart()
            for _ in range(_MAX_MULTIPART_PARTS):
                part = await reader.next()
                if part is None:
                    break
                if isinstance(part, BodyPartReader) and _is_file_part(part):
                    account.avatar = await self._read_avatar(part)
                    return empty_response()
        # aiohttp signals bad framing with these; a hostile Content-Disposition makes it warn,
        # which is an exception when warnings are errors (as in this project's tests).
        except (
            ValueError,
            AssertionError,
            BadContentDispositionHeader,
            BadContentDispositionParam,
        ) as exc:
            raise bad_request(f"malformed multipart body: {exc}") from None
        raise bad_request("the request holds no file part", "missingParameter")

    async def _read_avatar(self, part: BodyPartReader) -> FakeAvatar:
        content_type = part.headers.get("Content-Type", "")
        if not content_type.startswith("image/"):
            raise bad_request("the avatar must have an image/* content type")
        data = bytearray()
        # read_chunk may return fewer bytes than asked (a slow or chunked upload), so the
        # bound counts bytes, not full chunks: every turn adds at least one byte or ends.
        for _ in range(self.max_avatar_bytes + 2):
            chunk = await part.read_chunk(_CHUNK)
            if not chunk:
                break
            data.extend(chunk)
            if len(data) > self.max_avatar_bytes:
                raise bad_request(
                    f"the avatar is larger than {self.max_avatar_bytes} bytes", "avatarTooLarge"
                )
        if not part.at_eof():  # the body ended before the part's closing boundary
            raise bad_request("malformed multipart body: the file part is cut short")
        if not data:
            raise bad_request("the avatar is empty")
        return FakeAvatar(data=bytes(data), content_type=content_type.split(";")[0].strip())

    async def delete_avatar(self, request: web.Request, account: FakeAccount) -> web.Response:
        if account.avatar is None:
            raise _not_found("the avatar")
        account.avatar = None
        return empty_response()

    # -- vacation -----------------------------------------------------------------------------

    async def get_vacation(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response(_render.vacation_document(account))

    async def set_vacation(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(
            await read_json(request),
            required=_VACATION_REQUIRED,
            optional={"startTime": str, "endTime": str, "subject": str},
        )
        if body["age"] == 0:
            raise bad_request("age must be a non-zero number")
        start = _optional_time(body, "startTime", required=not body["applyAlways"])
        end = _optional_time(body, "endTime", required=not body["applyAlways"])
        # The times are ignored when applyAlways is true (the documentation says so).
        if not body["applyAlways"] and start is not None and end is not None and end <= start:
            raise bad_request("endTime must be after startTime")
        account.vacation = FakeVacation(
            age=body["age"],
            apply_always=body["applyAlways"],
            apply_to_external=body["applyToExternal"],
            apply_to_internal=body["applyToInternal"],
            body=body["body"],
            enabled=body["enabled"],
            start_time=start,
            end_time=end,
            subject=body.get("subject", ""),
        )
        return empty_response()

    # -- password -----------------------------------------------------------------------------

    async def set_password(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(await read_json(request), required={"newPassword": str})
        if not account.must_change_password:
            raise _forbidden(
                "passwordChangeNotRequired",
                "the initial password is already set; use password/reset",
            )
        check_password_policy(account, body["newPassword"])
        account.password = body["newPassword"]
        account.must_change_password = False
        return empty_response()

    async def reset_password(self, request: web.Request, account: FakeAccount) -> web.Response:
        body = check_object(
            await read_json(request), required={"oldPassword": str, "newPassword": str}
        )
        if not account.allow_change_by_user:
            raise _forbidden("passwordChangeNotAllowed", "the user may not change the password")
        if not secrets.compare_digest(body["oldPassword"].encode(), account.password.encode()):
            raise bad_request("oldPassword does not match", "invalidOldPassword")
        check_password_policy(account, body["newPassword"])
        account.password = body["newPassword"]
        return empty_response()

    # -- index info ---------------------------------------------------------------------------

    async def get_index_info(self, request: web.Request, account: FakeAccount) -> web.Response:
        query = request.query
        for key in query:
            if key not in {"ids", "scope"}:
                raise bad_request(f"unexpected parameter {key!r}", "unexpectedParameter")
        ids = [part for value in query.getall("ids", []) for part in value.split(",") if part]
        if not ids:
            raise bad_request("missing parameter 'ids'", "missingParameter")
        for index_id in ids:
            if index_id not in INDEX_IDS:
                raise bad_request(f"ids must be among {', '.join(INDEX_IDS)}")
        scopes = query.getall("scope", [])
        if len(scopes) != 1 or not scopes[0]:
            raise bad_request("exactly one 'scope' is required", "missingParameter")
        if scopes[0] != account.folder_container_id and scopes[0] not in account.folder_ids:
            raise bad_request("scope is neither the folder container nor a folder of the account")
        return json_response(_render.index_info_document(account, ids))


_CONTACT_TYPES: Final = dict.fromkeys(CONTACT_FIELDS, str)
_SIGNATURE_TYPES: Final = {"name": str, "type": str, "body": str}
_VACATION_REQUIRED: Final = {
    "age": int,
    "applyAlways": bool,
    "applyToExternal": bool,
    "applyToInternal": bool,
    "body": str,
    "enabled": bool,
}


def _check_signature_fields(body: dict[str, Any]) -> None:
    if "type" in body and body["type"] not in SIGNATURE_TYPES:
        raise bad_request("type must be 'html' or 'text'")
    if "name" in body and not body["name"].strip():
        raise bad_request("name must not be empty")


def _optional_time(body: dict[str, Any], name: str, *, required: bool) -> datetime | None:
    value = body.get(name, "")
    if not value:
        if required:
            raise bad_request(f"{name} is required when applyAlways is false", "missingParameter")
        return None
    return parse_timestamp(value, name)


def _is_file_part(part: BodyPartReader) -> bool:
    # Not part.filename: parsing a hostile Content-Disposition makes aiohttp warn, which a
    # test run with warnings as errors would turn into a 500.
    disposition = part.headers.get("Content-Disposition", "")
    return "filename" in disposition.lower() or "Content-Type" in part.headers
