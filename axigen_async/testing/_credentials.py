"""Authorization header parsing of the fake Axigen server.

Responsibility: read an ``Authorization`` value as Basic (RFC 7617 base64 of
``user:password``) or Bearer, telling a malformed Basic value (a 400
``invalidAuthorization``) from well-formed credentials that name nobody (the caller's
401); and name the account a header is for, without any secret, for failure counters and
the fault log.

Must not: import aiohttp, check a password, keep state, or put any part of a header value
into an error message (it is a credential).
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Mapping
from typing import Final

from ._state import ApiError

INVALID_AUTHORIZATION: Final = "invalidAuthorization"
MISSING: Final = "<missing>"
MALFORMED: Final = "<malformed>"
UNKNOWN_TOKEN: Final = "<unknown-token>"  # noqa: S105 - a placeholder, not a token


def _malformed(message: str) -> ApiError:
    return ApiError(400, INVALID_AUTHORIZATION, message)


def decode_basic(value: str) -> tuple[str, str]:
    """(user, password) of a Basic credential; ``ApiError`` 400 when it is malformed."""
    try:
        raw = b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):  # ValueError: characters outside ASCII
        raise _malformed("the Basic credentials are not valid base64") from None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("the Basic credentials are not UTF-8") from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise _malformed("the Basic credentials have no ':' between user and password")
    return user, password


def parse_authorization(header: str, tokens: Mapping[str, str]) -> tuple[str, str | None] | None:
    """(email, password) for Basic, (email, None) for a registered Bearer token.

    ``None`` when the header is well formed but names nobody the fake could know: another
    scheme, an unknown token, a user that is not ``user@domain``. Raises ``ApiError`` 400
    ``invalidAuthorization`` for a malformed Basic value.
    """
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        email = tokens.get(value.strip())
        return None if email is None else (email, None)
    if scheme != "basic":
        return None
    user, password = decode_basic(value)
    if "@" not in user:
        return None
    return user.lower(), password


def named_account(header: str | None, tokens: Mapping[str, str]) -> str | None:
    """The account ``header`` names (Basic user lower-cased, or a Bearer token's), else None.

    The password is not checked and nothing is raised: this only labels observations.
    """
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return tokens.get(value.strip())
    if scheme != "basic":
        return None
    try:
        user, _password = decode_basic(value)
    except ApiError:
        return None
    return user.lower() or None


def failure_key(header: str | None, tokens: Mapping[str, str]) -> str:
    """Who a failed login was for, without any secret: the Basic user or a placeholder."""
    if not header:
        return MISSING
    scheme = header.partition(" ")[0].lower()
    if scheme == "bearer":
        return named_account(header, tokens) or UNKNOWN_TOKEN
    try:
        parsed = parse_authorization(header, {}) if scheme == "basic" else None
    except ApiError:
        return MALFORMED
    return parsed[0] if parsed is not None else MALFORMED
