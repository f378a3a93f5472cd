"""The Account endpoints of the Axigen Mailbox API, one coroutine each.

Every function takes an :class:`~axigen_async.AccountSession` first, refuses bad
arguments before anything is sent (``ValueError`` or ``TypeError``: the request
models check themselves, the functions check ids and passwords), and returns
frozen models from :mod:`axigen_async.models.account`. Errors from
the server or the network are :class:`~axigen_async.AxigenError` subclasses; see
:mod:`axigen_async.exceptions`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final, TypeVar

from axigen_async._chain import new_deadline, send
from axigen_async._codec import json_request, structure, structure_list, to_wire
from axigen_async._session import AccountSession
from axigen_async._wire import ApiRequest, RetryClass, api_path, encode_multipart
from axigen_async.exceptions import AmbiguousWriteError, AxigenError
from axigen_async.models._checks import new_password as checked_password
from axigen_async.models._checks import required_text
from axigen_async.models.account import (
    AccountInfo,
    Alias,
    Avatar,
    AvatarUpload,
    ContactInfo,
    IndexId,
    IndexInfo,
    NewSignature,
    Signature,
    SignatureSummary,
    SignatureUpdate,
    TemporaryAlias,
    Vacation,
)

__all__ = [
    "MAX_AVATAR_BYTES", "create_signature", "create_temporary_alias", "delete_avatar",
    "delete_signature", "delete_temporary_alias", "get_avatar", "get_contact_info",
    "get_index_info", "get_info", "get_signature", "get_vacation", "list_aliases",
    "list_signatures", "list_temporary_aliases", "reset_password", "set_password",
    "set_vacation", "update_avatar", "update_contact_info", "update_signature",
]  # fmt: skip

logger = logging.getLogger("axigen_async")
T = TypeVar("T")


#: The largest avatar :func:`update_avatar` sends unless told otherwise.
MAX_AVATAR_BYTES: Final = 1024 * 1024

_SAFE = RetryClass.SAFE
_IDEMPOTENT = RetryClass.IDEMPOTENT
_ONCE = RetryClass.NOT_IDEMPOTENT

_CONTACT_INFO = api_path("account", "contactinfo")
_TEMPORARY_ALIASES = api_path("account", "temporaryaliases")
_SIGNATURES = api_path("account", "signatures")
_AVATAR = api_path("account", "avatar")
_VACATION = api_path("account", "vacation")
_INFO = ApiRequest("GET", api_path("account", "info"), _SAFE)
_GET_CONTACT_INFO = ApiRequest("GET", _CONTACT_INFO, _SAFE)
_LIST_ALIASES = ApiRequest("GET", api_path("account", "aliases"), _SAFE)
_LIST_TEMPORARY_ALIASES = ApiRequest("GET", _TEMPORARY_ALIASES, _SAFE)
_CREATE_TEMPORARY_ALIAS = ApiRequest("POST", _TEMPORARY_ALIASES, _ONCE)
_LIST_SIGNATURES = ApiRequest("GET", _SIGNATURES, _SAFE)
_GET_AVATAR = ApiRequest("GET", _AVATAR, _SAFE)
_DELETE_AVATAR = ApiRequest("DELETE", _AVATAR, _IDEMPOTENT, missing_after_retry_is_success=True)
_GET_VACATION = ApiRequest("GET", _VACATION, _SAFE)


def _instance(value: T, kind: type[T], what: str) -> T:
    if not isinstance(value, kind):
        raise TypeError(f"{what} must be a {kind.__name__}, not {type(value).__name__}")
    return value


#: The longest path and query sent, in encoded characters: HTTP servers commonly
#: refuse request lines past 8 KiB, and no id or folder id comes near it.
_MAX_TARGET: Final = 8000


def _short(request: ApiRequest, what: str) -> ApiRequest:
    if len(request.target) > _MAX_TARGET:
        raise ValueError(f"{what} makes a URL of {len(request.target)} characters, over 8000")
    return request


def _by_id(method: str, collection: str, resource_id: object, what: str) -> ApiRequest:
    """A request for one resource of ``collection``, its id checked before sending."""
    path = api_path("account", collection, required_text(resource_id, what))
    if method == "GET":
        return _short(ApiRequest(method, path, _SAFE), what)
    return _short(ApiRequest(method, path, _IDEMPOTENT, missing_after_retry_is_success=True), what)


_INDEX_IDS: Final = frozenset(member.value for member in IndexId)


def _index_id(value: object) -> str:
    # The server knows only the documented ids; "sort,search" would even ask for two.
    if str(required_text(value, "an index id")) not in _INDEX_IDS:
        known = ", ".join(sorted(_INDEX_IDS))
        raise ValueError(f"an index id must be one of {known}, got {value!r}")
    return str(value)


async def get_info(session: AccountSession) -> AccountInfo:
    """The account's details, quotas and restrictions (``GET /account/info``)."""
    return structure(_INFO, await send(session, _INFO), AccountInfo)


async def get_contact_info(session: AccountSession) -> ContactInfo:
    """The account's contact details (``GET /account/contactinfo``)."""
    return structure(_GET_CONTACT_INFO, await send(session, _GET_CONTACT_INFO), ContactInfo)


async def update_contact_info(session: AccountSession, contact: ContactInfo) -> None:
    """Replace the contact details (``PUT /account/contactinfo``).

    Every field is sent: the server blanks the fields a request leaves out, so
    start from :func:`get_contact_info` and ``attrs.evolve`` it to change a few.
    """
    wire = to_wire(_instance(contact, ContactInfo, "contact"))
    await send(session, json_request("PUT", _CONTACT_INFO, _IDEMPOTENT, wire))


async def list_aliases(session: AccountSession) -> tuple[Alias, ...]:
    """The permanent addresses the account receives mail on (``GET /account/aliases``)."""
    raw = await send(session, _LIST_ALIASES)
    return structure_list(_LIST_ALIASES, raw, Alias, items=True)


async def list_temporary_aliases(session: AccountSession) -> tuple[TemporaryAlias, ...]:
    """The account's temporary aliases (``GET /account/temporaryaliases``)."""
    raw = await send(session, _LIST_TEMPORARY_ALIASES)
    return structure_list(_LIST_TEMPORARY_ALIASES, raw, TemporaryAlias, items=True)


async def create_temporary_alias(session: AccountSession) -> TemporaryAlias:
    """Create a temporary alias; the server picks its address and expiry.

    Never re-sent once it may have reached the server, since each call creates
    another alias (a refusal before it ran, ``RetryPolicy.write_retry_statuses``,
    is retried).

    Raises:
        PermissionDeniedError: the feature is off or the account has its maximum.
        AmbiguousWriteError: the alias may or may not have been created (a 2xx
            answer that cannot be read included).
    """
    raw = await send(session, _CREATE_TEMPORARY_ALIAS)
    return structure(_CREATE_TEMPORARY_ALIAS, raw, TemporaryAlias)


async def delete_temporary_alias(session: AccountSession, alias_id: str) -> None:
    """Delete a temporary alias.

    Raises:
        NotFoundError: no temporary alias has this id.
    """
    await send(session, _by_id("DELETE", "temporaryaliases", alias_id, "alias_id"))


async def list_signatures(session: AccountSession) -> tuple[SignatureSummary, ...]:
    """The account's signatures, without their bodies."""
    raw = await send(session, _LIST_SIGNATURES)
    return structure_list(_LIST_SIGNATURES, raw, SignatureSummary, items=True)


async def create_signature(session: AccountSession, signature: NewSignature) -> SignatureSummary:
    """Create a signature and return it with its new id.

    A create is never re-sent once it may have reached the server (a refusal
    before it ran, ``RetryPolicy.write_retry_statuses``, is retried). When its
    outcome is unknown (a 2xx answer that cannot be read included), the
    signatures are listed: if exactly one has this name and type and its body is
    the one sent, it is returned; otherwise the ambiguity is raised.

    Raises:
        AmbiguousWriteError: the signature may or may not have been created.
    """
    wire = to_wire(_instance(signature, NewSignature, "signature"))
    request = json_request("POST", _SIGNATURES, _ONCE, wire)
    # The create and the lookup that may follow it share one deadline.
    deadline = new_deadline(session)
    try:
        # Decoded inside the try: a 2xx whose body cannot be read is ambiguous too.
        raw = await send(session, request, deadline=deadline)
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
        raw = await send(session, _LIST_SIGNATURES, deadline=deadline)
        listed = structure_list(_LIST_SIGNATURES, raw, SignatureSummary, items=True)
        matches = [s for s in listed if s.name == wanted.name and s.type == wanted.type]
        if len(matches) != 1:
            return None
        request = _by_id("GET", "signatures", matches[0].id, "signature_id")
        found = structure(request, await send(session, request, deadline=deadline), Signature)
    except AxigenError:
        return None
    return matches[0] if found.body == wanted.body else None


async def get_signature(session: AccountSession, signature_id: str) -> Signature:
    """One signature with its body.

    Raises:
        NotFoundError: no signature has this id.
    """
    request = _by_id("GET", "signatures", signature_id, "signature_id")
    return structure(request, await send(session, request), Signature)


async def update_signature(
    session: AccountSession, signature_id: str, update: SignatureUpdate
) -> None:
    """Change some of a signature's fields (those of ``update`` that are not None).

    Raises:
        ValueError: nothing to change.
        NotFoundError: no signature has this id.
    """
    request = _by_id("PUT", "signatures", signature_id, "signature_id")
    changes = {
        k: v
        for k, v in to_wire(_instance(update, SignatureUpdate, "update")).items()
        if v is not None
    }
    if not changes:
        raise ValueError("the update changes nothing: set name, type or body")
    await send(session, json_request("PUT", request.path, _IDEMPOTENT, changes))


async def delete_signature(session: AccountSession, signature_id: str) -> None:
    """Delete a signature.

    Raises:
        NotFoundError: no signature has this id.
    """
    await send(session, _by_id("DELETE", "signatures", signature_id, "signature_id"))


async def get_avatar(session: AccountSession) -> Avatar:
    """The account's avatar image and its content type.

    Raises:
        NotFoundError: the account has no avatar.
    """
    raw = await send(session, _GET_AVATAR)
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
        ValueError or TypeError: the upload is refused as :class:`AvatarUpload` says.
    """
    upload = AvatarUpload(data, content_type, filename, max_size)
    body, multipart_type = encode_multipart(
        "avatar", upload.filename, upload.media_type, upload.data
    )
    await send(
        session, ApiRequest("PUT", _AVATAR, _IDEMPOTENT, body=body, content_type=multipart_type)
    )


async def delete_avatar(session: AccountSession) -> None:
    """Remove the avatar.

    Raises:
        NotFoundError: the account has no avatar.
    """
    await send(session, _DELETE_AVATAR)


async def get_vacation(session: AccountSession) -> Vacation:
    """The vacation auto-reply settings."""
    return structure(_GET_VACATION, await send(session, _GET_VACATION), Vacation)


async def set_vacation(session: AccountSession, vacation: Vacation) -> None:
    """Replace the vacation auto-reply settings (safe to retry: it sends the whole state).

    Raises:
        ValueError: the server would refuse it (see :meth:`Vacation.as_sent`).
    """
    sent = to_wire(_instance(vacation, Vacation, "vacation").as_sent())
    body = {k: v for k, v in sent.items() if v is not None}
    await send(session, json_request("POST", _VACATION, _IDEMPOTENT, body))


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
    body = {"newPassword": checked_password(new_password)}
    await send(
        session,
        json_request(
            "POST", api_path("account", "password", "set"), _ONCE, body, secrets=(new_password,)
        ),
    )
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
        "oldPassword": required_text(old_password, "old_password"),
        "newPassword": checked_password(new_password),
    }
    secrets = (old_password, new_password)
    await send(
        session,
        json_request(
            "POST", api_path("account", "password", "reset"), _ONCE, body, secrets=secrets
        ),
    )
    session.use_password(new_password)


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
    query = [("ids", _index_id(value)) for value in ids]
    if not query:
        raise ValueError("ids must name at least one index")
    query.append(("scope", required_text(scope, "scope")))
    request = _short(
        ApiRequest("GET", api_path("account", "indexinfo"), _SAFE, query=tuple(query)), "scope"
    )
    return structure_list(request, await send(session, request), IndexInfo, items=False)
