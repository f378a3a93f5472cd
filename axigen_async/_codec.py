"""Between wire bytes and models: JSON, the cattrs converters, and readable errors.

Everything a request body or an answer goes through on its way to or from a
model lives here: the JSON implementation (orjson when it is installed), the
mapping of snake_case attributes to the API's camelCase, UTC timestamps, strict
primitive types (``"false"`` is not a boolean), and the error an answer of the
wrong shape raises. Decoding runs cattrs' own generated code on a converter
without detailed validation; only when that refuses an answer does a second,
detailed converter run, to explain the failure in a bounded number of lines.

It does no I/O and knows no session, retry or HTTP client. Its errors never
quote a value of the answer: an answer may echo a credential in any field, so
the lines name places and expected types, the excerpt is redacted, and no
exception from the decoding is chained to the error raised.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from axigen_async._wire import ApiRequest, RawResponse, RetryClass, redacted_excerpt
from axigen_async.exceptions import AmbiguousWriteError, ResponseValidationError
from axigen_async.models._base import OpenEnum

__all__ = [
    "BACKEND", "MAX_ERROR_LINES", "converter", "dumps", "explain", "format_timestamp",
    "json_request", "loads", "parse_timestamp", "structure", "structure_list", "to_camel",
    "to_wire",
]  # fmt: skip

T = TypeVar("T")

# --- JSON ----------------------------------------------------------------------------

_encoder: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_raw_decode: Final = json.JSONDecoder().raw_decode
_WHITESPACE: Final = " \t\n\r"


def stdlib_dumps(value: Any) -> bytes:
    """``value`` as compact JSON in UTF-8, with the standard library."""
    return _encoder.encode(value).encode()


def stdlib_loads(data: bytes | bytearray | str) -> Any:
    """The JSON document in ``data``, with the standard library.

    Skips ``json.loads``' encoding sniffing and whitespace regular expressions (a
    fifth of its time for an account's info) for UTF-8 (RFC 8259) starting with its
    value; anything else takes the long way, so errors are json.loads' own.
    """
    text = data if isinstance(data, str) else data.decode()
    try:
        try:
            value, end = _raw_decode(text)
        except json.JSONDecodeError:
            return json.loads(text)  # leading whitespace, or not JSON
        if end != len(text) and text[end:].strip(_WHITESPACE):
            return json.loads(text)  # raises: something follows the document
        return value
    except RecursionError:
        # As orjson does: a document nested too deeply is refused, not a crash.
        raise ValueError("the JSON document is nested too deeply") from None


dumps: Callable[[Any], bytes]
loads: Callable[[bytes | str], Any]
BACKEND: str

try:
    import orjson
except ImportError:  # pragma: no cover - the CI job without the speedups extra runs it
    dumps, loads, BACKEND = stdlib_dumps, stdlib_loads, "json"
else:
    dumps, loads, BACKEND = orjson.dumps, orjson.loads, "orjson"

# --- values ----------------------------------------------------------------------------


def to_camel(name: str) -> str:
    """``account_name`` -> ``accountName``."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def parse_timestamp(value: object) -> datetime | None:
    """An API timestamp as an aware UTC datetime; empty or null gives None.

    The docs say only "timestamp in UTC": ISO 8601 (with ``Z``, an offset, or
    none, taken as UTC) and Unix seconds are both accepted.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("expected a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise TypeError("expected a timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # fromisoformat quotes the string, which may be anything the server echoed.
        raise ValueError("not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """An aware datetime in the API's UTC form, ``2026-12-01T09:30:00Z``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y does not pad years before 1000


# The hooks below refuse with messages that never quote the value (see the module doc).


def _strict_bool(value: object, _: type) -> bool:
    if value is True or value is False:
        return value
    raise TypeError("expected a boolean")


def _strict_int(value: object, _: type) -> int:
    if value.__class__ is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError("expected an integer")


def _strict_float(value: object, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError("expected a number")


def _strict_str(value: object, cls: type[str]) -> str:
    if value.__class__ is not str:
        raise TypeError("expected a string")
    if cls is str:
        return value
    # String enums (OpenEnum) dispatch here too, as str subclasses: the member map
    # skips Enum.__call__; an unlisted value becomes a pseudo-member.
    member: str | None = cls._value2member_map_.get(value)  # type: ignore[attr-defined]
    return member if member is not None else cls(value)


def _is_tuple_of_enum(kind: Any) -> bool:
    args = typing.get_args(kind)
    homogeneous = typing.get_origin(kind) is tuple and args[1:] == (Ellipsis,)
    return homogeneous and isinstance(args[0], type) and issubclass(args[0], OpenEnum)


def _tuple_of_enum_hook(kind: Any) -> Callable[[object, Any], tuple[OpenEnum, ...]]:
    member_type: type[OpenEnum] = typing.get_args(kind)[0]
    members = member_type._value2member_map_
    listed = frozenset(members)

    def structure(value: object, _: Any) -> tuple[OpenEnum, ...]:
        # Lists of listed values (2FA methods and the like) are mapped in C; cattrs'
        # generic path would dispatch per item.
        if value.__class__ is list and listed.issuperset(value):
            return tuple(map(members.__getitem__, value))  # type: ignore[arg-type]
        if not isinstance(value, list | tuple):
            raise TypeError("expected an array")
        return tuple([_strict_str(item, member_type) for item in value])  # type: ignore[misc]

    return structure


class _NotAnObject(TypeError):
    """A model's wire value is not a JSON object."""


# --- the converters ----------------------------------------------------------------------


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    """A converter for the models; ``detailed`` collects every problem (to explain them)."""
    if BACKEND == "orjson":
        from cattrs.preconf.orjson import make_converter
    else:
        from cattrs.preconf.json import make_converter  # type: ignore[assignment]
    conv = make_converter(detailed_validation=detailed, prefer_attrib_converters=True)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(datetime | None, lambda value, _: parse_timestamp(value))
    conv.register_structure_hook_factory(_is_tuple_of_enum, _tuple_of_enum_hook)
    conv.register_unstructure_hook(datetime, format_timestamp)

    def renames(cls: type[Any]) -> dict[str, Any]:
        return {a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)}

    def structure_factory(cls: type[Any]) -> Any:
        generated = make_dict_structure_fn(cls, conv, **renames(cls))

        def structure(value: Any, kind: Any) -> Any:
            # cattrs' code would take a string or a list for a model whose fields all
            # have defaults ('key' in "text" is a valid test) and return the defaults.
            if not isinstance(value, dict):
                raise _NotAnObject("expected a JSON object")
            return generated(value, kind)

        return structure

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(
        attrs.has, lambda cls: make_dict_unstructure_fn(cls, conv, **renames(cls))
    )
    return conv


#: Decodes answers and encodes request bodies: fast, stops at the first problem.
converter: Final = _make_converter(detailed=False)
#: Re-decodes a refused answer, only to say what is wrong with it.
_explainer: Final = _make_converter(detailed=True)

# --- explaining a refusal ------------------------------------------------------------------

#: At most this many lines explain a refused answer; then one says how much more.
MAX_ERROR_LINES: Final = 20
_ATTRIBUTE_IN_PATH: Final = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")


def _describe(error: BaseException, kind: Any) -> str:
    """One problem, by the type expected, never by the value found."""
    if isinstance(error, KeyError):
        return "required field missing"
    if isinstance(error, _NotAnObject):
        return "expected a JSON object"
    name = getattr(kind, "__name__", None) or repr(kind)
    return f"invalid value for type, expected {name}"


def _explain_one(value: Any, kind: Any, path: str) -> list[str]:
    """Lines for every problem of one value, with paths in the answer's own key names."""
    try:
        _explainer.structure(value, kind)
    except cattrs.BaseValidationError as error:
        found = cattrs.transform_error(error, path=path, format_exception=_describe)
    except Exception as error:
        found = [f"{_describe(error, kind)} @ {path}"]
    else:
        return []
    lines = []
    for line in found:
        problem, at, where = line.rpartition(" @ ")
        if at:
            # cattrs names attributes ($.total_quota); the answer spells them totalQuota.
            where = _ATTRIBUTE_IN_PATH.sub(lambda m: "." + to_camel(m.group(1)), where)
            line = f"{problem} @ {where}"
        lines.append(line)
    return lines


def explain(value: Any, kind: Any) -> list[str]:
    """Why ``value`` (a decoded JSON document) is not a ``kind``, in at most
    ``MAX_ERROR_LINES`` lines and one more saying what was left out.

    An array is explained item by item and only until the lines are full, so a
    huge answer of bad items costs about as much as a few of them.
    """
    lines: list[str] = []
    unchecked = 0
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and args[1:] == (Ellipsis,) and isinstance(value, list):
        for index, item in enumerate(value):
            if len(lines) >= MAX_ERROR_LINES:
                unchecked = len(value) - index
                break
            try:
                converter.structure(item, args[0])
            except Exception:
                lines.extend(_explain_one(item, args[0], f"$[{index}]"))
    else:
        lines = _explain_one(value, kind, "$")
    if not lines:
        # The fast converter refused what the detailed one took: say so, not nothing.
        return [f"invalid value for type, expected {getattr(kind, '__name__', kind)} @ $"]
    left_out = []
    if len(lines) > MAX_ERROR_LINES:
        left_out.append(f"{len(lines) - MAX_ERROR_LINES} more problems")
    if unchecked:
        left_out.append(f"{unchecked} more items not checked")
    if left_out:
        lines = [*lines[:MAX_ERROR_LINES], "and " + ", ".join(left_out)]
    return lines


# --- requests and answers ------------------------------------------------------------------

_JSON: Final = "application/json"
Secrets = tuple[str, ...]


def to_wire(value: object) -> dict[str, Any]:
    """A model as its wire dict (camelCase keys, UTC timestamps)."""
    wire: dict[str, Any] = converter.unstructure(value)
    return wire


def json_request(
    method: str, path: str, retry_class: RetryClass, body: dict[str, Any], *, secrets: Secrets = ()
) -> ApiRequest:
    """A request with ``body`` as JSON, encoded once for every attempt; ``secrets``
    are values of ``body`` that must never show in an error's excerpt."""
    return ApiRequest(
        method, path, retry_class, body=dumps(body), content_type=_JSON, secrets=secrets
    )


def _invalid(request: ApiRequest, raw: RawResponse, lines: list[str]) -> ResponseValidationError:
    return ResponseValidationError(
        "the answer does not have the documented shape",
        errors=lines,
        method=request.method,
        url=request.target,
        status=raw.status,
        attempts=raw.attempts,
        body_excerpt=redacted_excerpt(request, raw.body, raw.sent_headers),
    )


def _not_json(request: ApiRequest, raw: RawResponse) -> Exception:
    invalid = _invalid(request, raw, ["the body is not JSON"])
    if request.retry_class is not RetryClass.NOT_IDEMPOTENT:
        return invalid
    # A proxy's page or a body cut short after a 2xx: the write most likely happened.
    ambiguous = AmbiguousWriteError(
        f"the server answered {raw.status}, so the write most likely took effect, "
        "but its answer could not be read; it was not re-sent",
        method=request.method,
        url=request.target,
        status=raw.status,
        attempts=raw.attempts,
        body_excerpt=invalid.body_excerpt,
    )
    ambiguous.__cause__ = invalid
    return ambiguous


# The two functions below raise after their except clause, so the error chains
# nothing the decoding raised: such exceptions may quote what the answer held.


def _payload(request: ApiRequest, raw: RawResponse) -> Any:
    try:
        return loads(raw.body)
    except ValueError:
        error = _not_json(request, raw)
    raise error


def _decode(request: ApiRequest, raw: RawResponse, value: Any, kind: Any) -> Any:
    try:
        return converter.structure(value, kind)
    except Exception:
        lines = explain(value, kind)
    raise _invalid(request, raw, lines)


def structure(request: ApiRequest, raw: RawResponse, cls: type[T]) -> T:
    """The answer's JSON object as a ``cls``."""
    payload = _payload(request, raw)
    if not isinstance(payload, dict):
        raise _invalid(request, raw, [f"expected a JSON object, got {type(payload).__name__}"])
    decoded: T = _decode(request, raw, payload, cls)
    return decoded


def structure_list(
    request: ApiRequest, raw: RawResponse, item: type[T], *, items: bool
) -> tuple[T, ...]:
    """The answer's array (top level, or under ``"items"`` when ``items``) as ``item`` values."""
    payload = _payload(request, raw)
    if items:
        if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
            raise _invalid(request, raw, ['expected a JSON object with an "items" array'])
        payload = payload["items"]
    elif not isinstance(payload, list):
        raise _invalid(request, raw, [f"expected a JSON array, got {type(payload).__name__}"])
    decoded: tuple[T, ...] = _decode(request, raw, payload, tuple[item, ...])  # type: ignore[valid-type]
    return decoded
