"""The values every model is made of: wire names, timestamps, strict primitives.

Shared by the cattrs converter and the compiled fast path, which must accept and
refuse exactly the same values. No I/O, no models.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from axigen_async.models._base import OpenEnum

__all__ = [
    "format_timestamp",
    "is_tuple_of_enum",
    "parse_timestamp",
    "strict_bool",
    "strict_float",
    "strict_int",
    "strict_str",
    "to_camel",
    "tuple_of_enum_hook",
]


def to_camel(name: str) -> str:
    """``account_name`` -> ``accountName``."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_timestamp(value: object) -> datetime | None:
    """Read an API timestamp as an aware UTC datetime; empty or null gives None.

    The docs say only "timestamp in UTC": ISO 8601 (with ``Z``, an offset, or
    none, taken as UTC) and Unix seconds are both accepted.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected a timestamp, got {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise TypeError(f"expected a timestamp string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """Write an aware datetime as the API's UTC form, ``2026-12-01T09:30:00Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y does not pad years before 1000


def strict_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {value!r}")


def strict_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {value!r}")


def strict_float(value: object, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def strict_str(value: object, cls: type[str]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    if cls is str:
        return value
    # String enums (OpenEnum) dispatch here too, as str subclasses. The member map
    # lookup skips Enum.__call__, which costs about a microsecond a value.
    member: str | None = cls._value2member_map_.get(value)  # type: ignore[attr-defined]
    return member if member is not None else cls(value)


def is_tuple_of_enum(cls: Any) -> bool:
    args = typing.get_args(cls)
    return (
        typing.get_origin(cls) is tuple
        and len(args) == 2
        and args[1] is Ellipsis
        and isinstance(args[0], type)
        and issubclass(args[0], OpenEnum)
    )


def tuple_of_enum_hook(cls: Any) -> Callable[[object, Any], tuple[OpenEnum, ...]]:
    member_type: type[OpenEnum] = typing.get_args(cls)[0]

    def structure(value: object, _: Any) -> tuple[OpenEnum, ...]:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected an array, got {value!r}")
        return tuple([strict_str(item, member_type) for item in value])  # type: ignore[misc]

    return structure
