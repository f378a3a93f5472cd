"""Credentials and the headers they produce.

Holds the account's credentials as values whose reprs hide every secret, and
builds the ``Authorization`` header once per credential. No I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping

import attrs

LOGIN_PATH = "/api/v1/login"
LOGOUT_PATH = "/api/v1/logout"
SESSION_HEADER = "X-Axigen-Session"


def _no_line_breaks(value: str, what: str) -> None:
    if any(ch in value for ch in "\r\n\0"):
        raise ValueError(f"the {what} must not contain line breaks or NUL characters")


@attrs.frozen(repr=False)
class BasicAuth:
    """Axigen's internal authentication: the account's email address and password.

    Sent as RFC 7617 Basic credentials on login and, as the API requires, on every
    later call beside the session header.
    """

    username: str
    password: str = attrs.field(eq=True, hash=False)
    _header: str = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.username:
            raise ValueError("the username must not be empty")
        if ":" in self.username:
            raise ValueError("the username must not contain ':' (RFC 7617)")
        if not self.password:
            raise ValueError("the password must not be empty")
        _no_line_breaks(self.username, "username")
        _no_line_breaks(self.password, "password")
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        object.__setattr__(self, "_header", f"Basic {token}")

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value. A secret: never log it."""
        return self._header

    @property
    def label(self) -> str:
        """A name for logs and reports that reveals no secret."""
        return self.username

    def with_password(self, password: str) -> BasicAuth:
        """The same account with a new password."""
        return BasicAuth(self.username, password)

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password=<hidden>)"


@attrs.frozen(repr=False)
class BearerAuth:
    """An OAuth 2.0 / OpenID Connect access token for the account."""

    token: str
    _header: str = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.token or self.token != self.token.strip() or " " in self.token:
            raise ValueError("the bearer token must be non-empty and hold no spaces")
        _no_line_breaks(self.token, "token")
        object.__setattr__(self, "_header", f"Bearer {self.token}")

    @property
    def authorization(self) -> str:
        """The ``Authorization`` header value. A secret: never log it."""
        return self._header

    @property
    def label(self) -> str:
        """A name for logs and reports: a short fingerprint, never the token."""
        digest = hashlib.sha256(self.token.encode()).hexdigest()[:8]
        return f"bearer:{digest}"

    def __repr__(self) -> str:
        return f"BearerAuth(token=<hidden>, fingerprint={self.label!r})"


Credentials = BasicAuth | BearerAuth


def header_secrets(headers: Mapping[str, str] | None) -> tuple[str, ...]:
    """The secret values in a request's headers, to scrub from text that may echo them.

    The credentials of the ``Authorization`` value (and, for Basic, the password
    inside them) and the session id. Only called on error paths.
    """
    if not headers:
        return ()
    found: list[str] = []
    scheme, _, credentials = headers.get("Authorization", "").partition(" ")
    if credentials:
        found.append(credentials)
        if scheme == "Basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                pass
            else:
                found.append(decoded.partition(":")[2])
    sessid = headers.get(SESSION_HEADER)
    if sessid:
        found.append(sessid)
    return tuple(secret for secret in found if secret)
