"""The checks request values run before anything is sent.

Field validators for the request models (attrs ``validator=``) and the checks
of the endpoint functions' plain arguments (ids, passwords). Each raises
``TypeError`` for a value of the wrong type and ``ValueError`` for one the
server would refuse, naming the field and never quoting a password. They accept
whatever a decoded answer holds, so reading an answer never fails on them. No
I/O, no wire names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

__all__ = [
    "aware_time", "days", "flag", "new_password", "required_text", "text", "visible_text",
    "whole_utc_seconds",
]  # fmt: skip


def _type_error(attribute: attrs.Attribute[Any], value: object, kind: str) -> TypeError:
    return TypeError(f"{attribute.name} must be {kind}, not {type(value).__name__}")


def text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``str`` (possibly empty)."""
    if not isinstance(value, str):
        raise _type_error(attribute, value, "a str")


def visible_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``str`` with something other than white space in it (a name)."""
    text(_, attribute, value)
    if not value:
        raise ValueError(f"{attribute.name} must not be empty")
    if not str(value).strip():
        raise ValueError(f"{attribute.name} must not be blank")


def flag(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``bool``: the API refuses 1 or "true" where it expects a boolean."""
    if not isinstance(value, bool):
        raise _type_error(attribute, value, "a bool")


def aware_time(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """None, or a timezone-aware datetime that has a UTC equivalent."""
    if value is None:
        return
    if not isinstance(value, datetime):
        raise _type_error(attribute, value, "a datetime")
    if value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be timezone-aware, got naive {value.isoformat()}")
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{attribute.name} is out of range once converted to UTC") from None


def whole_utc_seconds(value: datetime | None) -> datetime | None:
    """An aware time as the API carries it: in UTC, whole seconds (None stays None)."""
    return None if value is None else value.astimezone(UTC).replace(microsecond=0)


def days(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # A ValueError, as for 0: bool is an int to Python, not a number of days to the API.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{attribute.name} must be a positive number of days, got {value!r}")


def required_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


def new_password(value: object) -> str:
    password = required_text(value, "new_password")
    # After the change the session goes on with this password, which cannot travel
    # in an Authorization header with a line break or NUL in it.
    if any(ch in password for ch in "\r\n\0"):
        raise ValueError("new_password must not contain line breaks or NUL characters")
    return password
