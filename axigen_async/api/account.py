"""The Account endpoints of the Axigen Mailbox API, one coroutine each.

Every function takes an :class:`~axigen_async.AccountSession` first, checks its
arguments before anything is sent (raising ``ValueError`` or ``TypeError``),
and returns frozen models from :mod:`axigen_async.models.account`. Errors from
the server or the network are :class:`~axigen_async.AxigenError` subclasses; see
:mod:`axigen_async.exceptions`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Final

import attrs

from axigen_async._codec import json_request, structure, structure_list, to_wire
from axigen_async._session import AccountSession
from axigen_async._wire import ApiRequest, RetryClass, api_path, encode_multipart
from axigen_async.exceptions import AmbiguousWriteError, AxigenError
from axigen_async.models.account import (
    AccountInfo,
    Alias,
    Avatar,
    ContactInfo,
    IndexId,
    IndexInfo,
    NewSignature,
    Signature,
    SignatureSummary,
    SignatureType,
    SignatureUpdate,
    TemporaryAlias,
    Vacation,
)

__all__ = [
    "MAX_AVATAR_BYTES",
    "create_signature",
    "create_temporary_alias",
    "delete_avatar",
    "delete_signature",
    "delete_temporary_alias",
    "get_avatar",
    "get_contact_info",
    "get_index_info",
    "get_info",
    "get_signature",
    "get_vacation",
    "list_aliases",
    "list_signatures",
    "list_temporary_aliases",
    "reset_password",
    "set_password",
    "set_vacation",
    "update_avatar",
    "update_contact_info",
    "update_signature",
]

logger = logging.getLogger("axigen_async")


#: The largest avatar :func:`update_avatar` sends unless told otherwise.
MAX_AVATAR_BYTES: Final = 1024 * 1024

_SAFE = RetryClass.SAFE
_IDEMPOTENT = RetryClass.IDEMPOTENT
_ONCE = RetryClass.NOT_IDEMPOTENT

_INFO = ApiRequest("GET", api_path("account", "info"), _SAFE)
_CONTACT_INFO = api_path("account", "contactinfo")
_GET_CONTACT_INFO = ApiRequest("GET", _CONTACT_INFO, _SAFE)
_LIST_ALIASES = ApiRequest("GET", api_path("account", "aliases"), _SAFE)
_TEMPORARY_ALIASES = api_path("account", "temporaryaliases")
_LIST_TEMPORARY_ALIASES = ApiRequest("GET", _TEMPORARY_ALIASES, _SAFE)
_CREATE_TEMPORARY_ALIAS = ApiRequest("POST", _TEMPORARY_ALIASES, _ONCE)
_SIGNATURES = api_path("account", "signatures")
_LIST_SIGNATURES = ApiRequest("GET", _SIGNATURES, _SAFE)
_AVATAR = api_path("account", "avatar")
_GET_AVATAR = ApiRequest("GET", _AVATAR, _SAFE)
_DELETE_AVATAR = ApiRequest("DELETE", _AVATAR, _IDEMPOTENT, missing_after_retry_is_success=True)
_VACATION = api_path("account", "vacation")
_GET_VACATION = ApiRequest("GET", _VACATION, _SAFE)
_SET_PASSWORD = api_path("account", "password", "set")
_RESET_PASSWORD = api_path("account", "password", "reset")
_INDEX_INFO = api_path("account", "indexinfo")

# Signatures of the image formats an avatar is most often sent in.
_MAGIC: Final = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


def _require_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


def _check_signature_type(value: object) -> None:
    if not isinstance(value, SignatureType) or not value.is_known:
        raise ValueError(f"a signature type must be SignatureType.HTML or .TEXT, got {value!r}")


def _require_type(value: object, kind: type, what: str) -> None:
    # The models do not check their field types, and the server refuses a JSON value
    # of the wrong type (bool is never an int here, as on the wire).
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"{what} must be a {kind.__name__}, not {type(value).__name__}")


def _require_name(value: object) -> None:
    if not _require_text(value, "the signature name").strip():
        raise ValueError("the signature name must not be blank")


def _require_new_password(value: object) -> str:
    password = _require_text(value, "new_password")
    # Checked before sending: after the change the session goes on with this password,
    # which cannot travel in an Authorization header with a line break or NUL in it.
    if any(ch in password for ch in "\r\n\0"):
        raise ValueError("new_password must not contain line breaks or NUL characters")
    return password


def _wire_time(value: object, what: str) -> datetime | None:
    """The instant the API will carry for ``value``: UTC, whole seconds (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{what} is out of range once converted to UTC") from None
    return utc.replace(microsecond=0)


#: Characters an HTTP header value (the avatar's part headers) cannot carry.
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x1f\x7f]")
#: The longest avatar filename sent: as on most file systems, and far below the
#: header line limits of HTTP servers (8 KiB is common).
_MAX_FILENAME: Final = 255
_INDEX_IDS: Final = frozenset(member.value for member in IndexId)
#: The longest path and query sent, in encoded characters: HTTP servers commonly
#: refuse request lines past 8 KiB, and no id or folder id comes near it.
_MAX_TARGET: Final = 8000


def _check_length(target: str, what: str) -> None:
    if len(target) > _MAX_TARGET:
        raise ValueError(f"{what} makes a URL of {len(target)} characters, over {_MAX_TARGET}")


def _id_path(collection: str, resource_id: object, what: str) -> str:
    """The encoded path of one resource of ``collection``, checked before sending."""
    path = api_path("account", collection, _require_text(resource_id, what))
    _check_length(path, what)
    return path


def _index_id(value: object) -> str:
    index_id = str(_require_text(value, "an index id"))
    # The server knows only the documented ids; "sort,search" would even ask for two.
    if index_id not in _INDEX_IDS:
        known = ", ".join(sorted(_INDEX_IDS))
        raise ValueError(f"an index id must be one of {known}, got {value!r}")
    return index_id


# --- info, contact info, aliases ---------------------------------------------


async def get_info(session: AccountSession) -> AccountInfo:
    """The account's details, quotas and restrictions (``GET /account/info``)."""
    return structure(_INFO, await session.request(_INFO), AccountInfo)


async def get_contact_info(session: AccountSession) -> ContactInfo:
    """The account's contact details (``GET /account/contactinfo``)."""
    raw = await session.request(_GET_CONTACT_INFO)
    return structure(_GET_CONTACT_INFO, raw, ContactInfo)


async def update_contact_info(session: AccountSession, contact: ContactInfo) -> None:
    """Replace the contact details (``PUT /account/contactinfo``).

    Every field is sent: the server blanks the fields a request leaves out, so
    start from :func:`get_contact_info` and ``attrs.evolve`` it to change a few.
    """
    if not isinstance(contact, ContactInfo):
        raise TypeError(f"contact must be a ContactInfo, not {type(contact).__name__}")
    for field in attrs.fields(ContactInfo):
        _require_type(getattr(contact, field.name), str, f"contact.{field.name}")
    request = json_request("PUT", _CONTACT_INFO, _IDEMPOTENT, to_wire(contact))
    await session.request(request)


async def list_aliases(session: AccountSession) -> tuple[Alias, ...]:
    """The permanent addresses the account receives mail on (``GET /account/aliases``)."""
    raw = await session.request(_LIST_ALIASES)
    return structure_list(_LIST_ALIASES, raw, Alias, items=True)


# --- temporary aliases --------------------------------------------------------


async def list_temporary_aliases(session: AccountSession) -> tuple[TemporaryAlias, ...]:
    """The account's temporary aliases (``GET /account/temporaryaliases``)."""
    raw = await session.request(_LIST_TEMPORARY_ALIASES)
    return structure_list(_LIST_TEMPORARY_ALIASES, raw, TemporaryAlias, items=True)


async def create_temporary_alias(session: AccountSession) -> TemporaryAlias:
    """Create a temporary alias; the server picks its address and expiry.

    Never re-sent once it may have reached the server, since each call creates
    another alias (a refusal before it ran, ``RetryPolicy.write_retry_statuses``,
    is retried).

    Raises:
        PermissionDeniedError: the feature is off or the account has its maximum.
        AmbiguousWriteError: the alias may or may not have been created.
    """
    raw = await session.request(_CREATE_TEMPORARY_ALIAS)
    return structure(_CREATE_TEMPORARY_ALIAS, raw, TemporaryAlias)


async def delete_temporary_alias(session: AccountSession, alias_id: str) -> None:
    """Delete a temporary alias.

    Raises:
        NotFoundError: no temporary alias has this id.
    """
    path = _id_path("temporaryaliases", alias_id, "alias_id")
    await session.request(
        ApiRequest("DELETE", path, _IDEMPOTENT, missing_after_retry_is_success=True)
    )


# --- signatures ----------------------------------------------------------------


async def list_signatures(session: AccountSession) -> tuple[SignatureSummary, ...]:
    """The account's signatures, without their bodies."""
    return await _list_signatures(session, None)


async def _list_signatures(
    session: AccountSession, deadline: float | None
) -> tuple[SignatureSummary, ...]:
    raw = await session.request(_LIST_SIGNATURES, deadline=deadline)
    return structure_list(_LIST_SIGNATURES, raw, SignatureSummary, items=True)


async def create_signature(session: AccountSession, signature: NewSignature) -> SignatureSummary:
    """Create a signature and return it with its new id.

    A create is never re-sent once it may have reached the server (a refusal
    before it ran, ``RetryPolicy.write_retry_statuses``, is retried). When its
    outcome is unknown, the signatures are
    listed: if exactly one has this name and type and its body is the one sent,
    it is returned; otherwise the ambiguity is raised.

    Raises:
        ValueError: the name is empty or the type is not html or text.
        AmbiguousWriteError: the signature may or may not have been created.
    """
    if not isinstance(signature, NewSignature):
        raise TypeError(f"signature must be a NewSignature, not {type(signature).__name__}")
    _require_name(signature.name)
    _check_signature_type(signature.type)
    if not isinstance(signature.body, str):
        raise TypeError("the signature body must be a str")
    request = json_request("POST", _SIGNATURES, _ONCE, to_wire(signature))
    # The create and the lookup that may follow it share one deadline.
    deadline = session.new_deadline()
    try:
        # A 2xx whose body cannot be read is ambiguous too: decoded inside the try.
        raw = await session.request(request, deadline=deadline)
        return structure(request, raw, SignatureSummary)
    except AmbiguousWriteError:
        found = await _find_created_signature(session, signature, deadline)
        if found is None:
            raise
        logger.info("create_signature: the unknown outcome resolved to signature %s", found.id)
        return found


async def _find_created_signature(
    session: AccountSession, wanted: NewSignature, deadline: float
) -> SignatureSummary | None:
    try:
        matches = [
            summary
            for summary in await _list_signatures(session, deadline)
            if summary.name == wanted.name and summary.type == wanted.type
        ]
        if len(matches) != 1:
            return None
        found = await _get_signature(session, matches[0].id, deadline)
    except AxigenError:
        return None
    return matches[0] if found.body == wanted.body else None


async def get_signature(session: AccountSession, signature_id: str) -> Signature:
    """One signature with its body.

    Raises:
        NotFoundError: no signature has this id.
    """
    return await _get_signature(session, signature_id, None)


async def _get_signature(
    session: AccountSession, signature_id: str, deadline: float | None
) -> Signature:
    request = ApiRequest("GET", _id_path("signatures", signature_id, "signature_id"), _SAFE)
    return structure(request, await session.request(request, deadline=deadline), Signature)


async def update_signature(
    session: AccountSession, signature_id: str, update: SignatureUpdate
) -> None:
    """Change some of a signature's fields (those of ``update`` that are not None).

    Raises:
        ValueError: nothing to change, or a type other than html or text.
        NotFoundError: no signature has this id.
    """
    path = _id_path("signatures", signature_id, "signature_id")
    if not isinstance(update, SignatureUpdate):
        raise TypeError(f"update must be a SignatureUpdate, not {type(update).__name__}")
    if update.type is not None:
        _check_signature_type(update.type)
    if update.name is not None:
        _require_name(update.name)
    if update.body is not None:
        _require_type(update.body, str, "the signature body")
    body = {k: v for k, v in to_wire(update).items() if v is not None}
    if not body:
        raise ValueError("the update changes nothing: set name, type or body")
    await session.request(json_request("PUT", path, _IDEMPOTENT, body))


async def delete_signature(session: AccountSession, signature_id: str) -> None:
    """Delete a signature.

    Raises:
        NotFoundError: no signature has this id.
    """
    path = _id_path("signatures", signature_id, "signature_id")
    await session.request(
        ApiRequest("DELETE", path, _IDEMPOTENT, missing_after_retry_is_success=True)
    )


# --- avatar ------------------------------------------------------------------------


async def get_avatar(session: AccountSession) -> Avatar:
    """The account's avatar image and its content type.

    Raises:
        NotFoundError: the account has no avatar.
    """
    raw = await session.request(_GET_AVATAR)
    content_type = raw.content_type.split(";", 1)[0].strip() or "application/octet-stream"
    return Avatar(data=raw.body, content_type=content_type)


async def update_avatar(
    session: AccountSession,
    data: bytes,
    *,
    content_type: str,
    filename: str = "avatar",
    max_size: int = MAX_AVATAR_BYTES,
) -> None:
    """Upload a new avatar as ``multipart/form-data``.

    Raises:
        ValueError: the image is empty, larger than ``max_size``, its content type
            is not ``image/*``, its bytes are not of the type it claims, or the
            filename holds control characters or more than 255 of them.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"the avatar must be bytes, not {type(data).__name__}")
    _require_type(content_type, str, "the avatar's content type")
    _require_type(filename, str, "the avatar's filename")
    if _CONTROL_CHARACTERS.search(filename):
        raise ValueError(f"the avatar's filename must not hold control characters: {filename!r}")
    if len(filename) > _MAX_FILENAME:
        raise ValueError(f"the avatar's filename is longer than {_MAX_FILENAME} characters")
    data = bytes(data)
    if not data:
        raise ValueError("the avatar image is empty")
    if len(data) > max_size:
        raise ValueError(f"the avatar is {len(data)} bytes, more than the limit of {max_size}")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if (
        not media_type.startswith("image/")
        or len(media_type) <= len("image/")
        or not media_type.isascii()
        or not media_type.isprintable()
        or " " in media_type
    ):
        raise ValueError(f"the avatar's content type must be image/*, got {content_type!r}")
    magic = _MAGIC.get(media_type)
    if magic is not None and not data.startswith(magic):
        raise ValueError(f"the avatar's bytes are not a {media_type} image")
    body, multipart_type = encode_multipart("avatar", filename, media_type, data)
    await session.request(
        ApiRequest("PUT", _AVATAR, _IDEMPOTENT, body=body, content_type=multipart_type)
    )


async def delete_avatar(session: AccountSession) -> None:
    """Remove the avatar.

    Raises:
        NotFoundError: the account has no avatar.
    """
    await session.request(_DELETE_AVATAR)


# --- vacation ------------------------------------------------------------------------


async def get_vacation(session: AccountSession) -> Vacation:
    """The vacation auto-reply settings."""
    raw = await session.request(_GET_VACATION)
    return structure(_GET_VACATION, raw, Vacation)


async def set_vacation(session: AccountSession, vacation: Vacation) -> None:
    """Replace the vacation auto-reply settings (safe to retry: it sends the whole state).

    Raises:
        ValueError: ``age`` is not a positive number of days, or ``apply_always``
            is False and ``start_time``/``end_time`` are missing, naive, or out of order.
    """
    if not isinstance(vacation, Vacation):
        raise TypeError(f"vacation must be a Vacation, not {type(vacation).__name__}")
    if isinstance(vacation.age, bool) or not isinstance(vacation.age, int) or vacation.age < 1:
        raise ValueError(f"age must be a positive number of days, got {vacation.age!r}")
    for flag in ("enabled", "apply_always", "apply_to_external", "apply_to_internal"):
        _require_type(getattr(vacation, flag), bool, flag)
    _require_type(vacation.body, str, "body")
    _require_type(vacation.subject, str, "subject")
    start = _wire_time(vacation.start_time, "start_time")
    end = _wire_time(vacation.end_time, "end_time")
    if not vacation.apply_always:
        if start is None or end is None:
            raise ValueError("start_time and end_time are required when apply_always is False")
        # Compared as sent: two times within the same second would arrive equal.
        if end <= start:
            raise ValueError("end_time must be after start_time, by a second at least")
    body = {k: v for k, v in to_wire(vacation).items() if v is not None}
    await session.request(json_request("POST", _VACATION, _IDEMPOTENT, body))


# --- password --------------------------------------------------------------------------


async def set_password(session: AccountSession, new_password: str) -> None:
    """Set the initial password of an account that must change it.

    Afterwards the session goes on with the new password. Never re-sent once it
    may have reached the server (a refusal before it ran is retried).

    Raises:
        ValueError: the new password is empty or holds a line break or NUL, which
            the session could not log in with.
        PermissionDeniedError or BadRequestError: the account need not change its
            password, or the password breaks the content policy.
        AmbiguousWriteError: the password may or may not have been set.
    """
    body = {"newPassword": _require_new_password(new_password)}
    await session.request(json_request("POST", _SET_PASSWORD, _ONCE, body, secrets=(new_password,)))
    session.use_password(new_password)


async def reset_password(session: AccountSession, old_password: str, new_password: str) -> None:
    """Change the password; afterwards the session goes on with the new one.

    Never re-sent once it may have reached the server (a refusal before it ran,
    ``RetryPolicy.write_retry_statuses``, is retried).

    Raises:
        ValueError: a password is empty, or the new one holds a line break or NUL.
        BadRequestError or PermissionDeniedError: the old password is wrong, the
            change is not allowed, or the new password breaks the content policy.
        AmbiguousWriteError: the password may or may not have been changed.
    """
    body = {
        "oldPassword": _require_text(old_password, "old_password"),
        "newPassword": _require_new_password(new_password),
    }
    request = json_request(
        "POST", _RESET_PASSWORD, _ONCE, body, secrets=(old_password, new_password)
    )
    await session.request(request)
    session.use_password(new_password)


# --- index info --------------------------------------------------------------------------


async def get_index_info(
    session: AccountSession, ids: Iterable[IndexId | str], scope: str
) -> tuple[IndexInfo, ...]:
    """The state of the given indexes over ``scope``.

    ``scope`` is a folder id, or ``AccountInfo.folder_container_id`` for the whole
    mailbox. The ids are sent as repeated ``ids`` query parameters.

    Raises:
        ValueError: no ids, an id other than those of ``IndexId`` (conversation,
            sort, search: the documented ones), or an empty scope.
    """
    if isinstance(ids, str):
        raise TypeError("ids must be a collection of index ids, not one string")
    id_list = [_index_id(index_id) for index_id in ids]
    if not id_list:
        raise ValueError("ids must name at least one index")
    query = (*(("ids", index_id) for index_id in id_list), ("scope", _require_text(scope, "scope")))
    request = ApiRequest("GET", _INDEX_INFO, _SAFE, query=query)
    _check_length(request.target, "scope")
    return structure_list(request, await session.request(request), IndexInfo, items=False)
