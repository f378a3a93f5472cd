"""The one cattrs converter: wire dicts to models and back.

Maps snake_case attribute names to the API's camelCase, timestamps to aware UTC
datetimes (an empty or missing one is None), and checks primitive types strictly
so a malformed answer fails loudly instead of turning ``"false"`` into True.
Only the endpoint functions use it; the models never see wire names.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from axigen_async import _json
from axigen_async.models._base import OpenEnum

__all__ = ["converter", "format_timestamp", "parse_timestamp", "readable_errors", "to_camel"]

T = TypeVar("T")


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
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _strict_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {value!r}")


def _strict_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {value!r}")


def _strict_float(value: object, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def _strict_str(value: object, cls: type[str]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    if cls is str:
        return value
    # String enums (OpenEnum) dispatch here too, as str subclasses. The member map
    # lookup skips Enum.__call__, which costs about a microsecond a value.
    member: str | None = cls._value2member_map_.get(value)  # type: ignore[attr-defined]
    return member if member is not None else cls(value)


def _is_tuple_of_enum(cls: Any) -> bool:
    args = typing.get_args(cls)
    return (
        typing.get_origin(cls) is tuple
        and len(args) == 2
        and args[1] is Ellipsis
        and isinstance(args[0], type)
        and issubclass(args[0], OpenEnum)
    )


def _tuple_of_enum_hook(cls: Any) -> Callable[[object, Any], tuple[OpenEnum, ...]]:
    member_type: type[OpenEnum] = typing.get_args(cls)[0]

    def structure(value: object, _: Any) -> tuple[OpenEnum, ...]:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected an array, got {value!r}")
        return tuple([_strict_str(item, member_type) for item in value])  # type: ignore[misc]

    return structure


# --- the fast path ---------------------------------------------------------------
#
# cattrs' generated functions call a hook per field, a function per nested object,
# and build a keyword dict per object. For AccountInfo (16 nested objects, 70
# fields) that was most of a call's CPU. For a model whose fields are all of a few
# plain kinds, one expression is compiled for the whole tree, nested objects
# inlined, every value checked as strictly as the hooks above, every class called
# positionally. Whatever it does not accept goes to cattrs, which decides and
# explains; the tests check that both paths agree.

_MISSING: Final = object()

_SIMPLE: Final = {
    str: "({v} if {v}.__class__ is str else _str({v}, str))",
    int: "({v} if {v}.__class__ is int else _int({v}, int))",
    float: "({v} if {v}.__class__ is float else _float({v}, float))",
    bool: "({v} if {v} is True or {v} is False else _bool({v}, bool))",
}


def _name(namespace: dict[str, Any], value: Any) -> str:
    """Bind ``value`` in the generated code's namespace under a fresh name."""
    name = f"_g{len(namespace)}"
    namespace[name] = value
    return name


def _value_expression(
    kind: Any, var: str, depth: int, namespace: dict[str, Any], outer: frozenset[type]
) -> str | None:
    """An expression turning the wire value in ``var`` into ``kind``; None if unsupported."""
    if kind in _SIMPLE:
        return _SIMPLE[kind].format(v=var)
    if kind == datetime | None:
        return f"_timestamp({var})"
    if isinstance(kind, type) and issubclass(kind, OpenEnum):
        return f"_str({var}, {_name(namespace, kind)})"
    if _is_tuple_of_enum(kind):
        return f"{_name(namespace, _tuple_of_enum_hook(kind))}({var}, None)"
    if isinstance(kind, type) and attrs.has(kind):
        if kind in outer:
            return None  # a class that contains itself stays on the cattrs path
        return _object_expression(kind, var, depth + 1, namespace, outer | {kind})
    args = typing.get_args(kind)
    if len(args) == 2 and args[1] is type(None):
        inner = _value_expression(args[0], var, depth, namespace, outer)
        return None if inner is None else f"(None if {var} is None else {inner})"
    return None


def _object_expression(
    cls: type[Any], source: str, depth: int, namespace: dict[str, Any], outer: frozenset[type]
) -> str | None:
    """An expression building ``cls`` from the wire dict in ``source``; None if unsupported."""
    attrs.resolve_types(cls)
    var = f"v{depth}"  # each nesting level has its own variable
    arguments = []
    for field in attrs.fields(cls):
        if not field.init or field.kw_only or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            return None
        value = _value_expression(field.type, var, depth, namespace, outer)
        if value is None:
            return None
        key = to_camel(field.name)
        if field.default is attrs.NOTHING:
            # The condition only binds the value (a missing key raises KeyError and
            # sends the answer to cattrs); it always holds.
            arguments.append(f"({value} if ({var} := {source}[{key!r}]) is not _M else _M)")
        else:
            default = _name(namespace, field.default)
            arguments.append(
                f"({default} if ({var} := {source}.get({key!r}, _M)) is _M else {value})"
            )
    return f"{_name(namespace, _builder(cls))}({', '.join(arguments)})"


def _builder(cls: type[Any]) -> Callable[..., Any]:
    """A function taking the field values in order and returning the instance.

    For a frozen, slotted class with no validator, converter or post-init hook,
    attrs' ``__init__`` only sets each slot, through a bound ``object.__setattr__``;
    setting the slots' descriptors directly does the same in two thirds of the time.
    Any other class is simply called.
    """
    fields = attrs.fields(cls)
    plain = (
        "__slots__" in cls.__dict__
        and attrs.has(cls)
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and all(
            f.validator is None and f.converter is None and f.on_setattr is None for f in fields
        )
        and all(isinstance(cls.__dict__.get(f.name), types.MemberDescriptorType) for f in fields)
    )
    if not plain:
        return cls
    namespace: dict[str, Any] = {"_cls": cls, "_new": object.__new__}
    names = [f"a{index}" for index in range(len(fields))]
    lines = [f"def build({', '.join(names)}):", "    o = _new(_cls)"]
    for index, field in enumerate(fields):
        namespace[f"_s{index}"] = cls.__dict__[field.name].__set__
        lines.append(f"    _s{index}(o, a{index})")
    lines.append("    return o")
    code = compile("\n".join(lines) + "\n", f"<axigen_async build {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated code
    build: Callable[..., Any] = namespace["build"]
    return build


def _compile_fast(cls: type[Any]) -> Callable[[Any], Any] | None:
    """Straight-line structuring for ``cls``, or None when a field is not a plain kind."""
    namespace: dict[str, Any] = {
        "_M": _MISSING,
        "_str": _strict_str,
        "_int": _strict_int,
        "_float": _strict_float,
        "_bool": _strict_bool,
        "_timestamp": parse_timestamp,
    }
    expression = _object_expression(cls, "o", 0, namespace, frozenset({cls}))
    if expression is None:
        return None
    source = f"def structure(o):\n    return {expression}\n"
    code = compile(source, f"<axigen_async fast structure {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated code
    fast: Callable[[Any], Any] = namespace["structure"]
    return fast


def _make_converter(*, fast: bool = True) -> cattrs.Converter:
    """The converter; ``fast=False`` gives cattrs alone, the reference the tests compare to."""
    conv: cattrs.Converter
    if _json.BACKEND == "orjson":
        from cattrs.preconf import orjson as preconf_orjson

        conv = preconf_orjson.make_converter()
    else:
        from cattrs.preconf import json as preconf_json

        conv = preconf_json.make_converter()

    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(datetime | None, lambda value, _: parse_timestamp(value))
    # Lists of enum values (2FA methods, recovery methods) in one comprehension,
    # rather than cattrs' generic per-item dispatch.
    conv.register_structure_hook_factory(_is_tuple_of_enum, _tuple_of_enum_hook)
    conv.register_unstructure_hook(datetime, format_timestamp)

    def detailed_factory(cls: type[Any]) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, conv, **renames)

    def structure_factory(cls: type[Any]) -> Any:
        detailed = detailed_factory(cls)
        compiled = _compile_fast(cls) if fast else None
        if compiled is None:

            def checked(value: Any, kind: Any) -> Any:
                if not isinstance(value, dict):
                    raise TypeError(f"expected a JSON object, got {type(value).__name__}")
                return detailed(value, kind)

            return checked

        def structure(value: Any, kind: Any) -> Any:
            # cattrs alone would take a string or a list for an object whose fields
            # all have defaults ('key' in "text" is a valid test) and return defaults.
            if not isinstance(value, dict):
                raise TypeError(f"expected a JSON object, got {type(value).__name__}")
            try:
                return compiled(value)
            except Exception:
                # cattrs decides, and explains a failure with readable lines.
                return detailed(value, kind)

        return structure

    def unstructure_factory(cls: type[Any]) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, **renames)

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


converter = _make_converter()


def readable_errors(error: Exception) -> list[str]:
    """One line per problem in a structuring failure, with the wire path."""
    if isinstance(error, cattrs.BaseValidationError):
        return cattrs.transform_error(error, path="$")
    return [f"{type(error).__name__}: {error}"]
