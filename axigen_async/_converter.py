"""The one cattrs converter: wire dicts to models and back.

Maps snake_case attribute names to the API's camelCase, timestamps to aware UTC
datetimes (an empty or missing one is None), and checks primitive types strictly
so a malformed answer fails loudly instead of turning ``"false"`` into True.
Only the endpoint functions use it; the models never see wire names.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from axigen_async import _json
from axigen_async._compiled import compile_structure
from axigen_async._primitives import (
    format_timestamp,
    is_tuple_of_enum,
    parse_timestamp,
    strict_bool,
    strict_float,
    strict_int,
    strict_str,
    to_camel,
    tuple_of_enum_hook,
)

__all__ = ["converter", "format_timestamp", "parse_timestamp", "readable_errors", "to_camel"]

T = TypeVar("T")


def _make_converter(*, fast: bool = True) -> cattrs.Converter:
    """The converter; ``fast=False`` gives cattrs alone, the reference the tests compare to."""
    conv: cattrs.Converter
    if _json.BACKEND == "orjson":
        from cattrs.preconf import orjson as preconf_orjson

        conv = preconf_orjson.make_converter()
    else:
        from cattrs.preconf import json as preconf_json

        conv = preconf_json.make_converter()

    conv.register_structure_hook(bool, strict_bool)
    conv.register_structure_hook(int, strict_int)
    conv.register_structure_hook(float, strict_float)
    conv.register_structure_hook(str, strict_str)
    conv.register_structure_hook(datetime | None, lambda value, _: parse_timestamp(value))
    # Lists of enum values (2FA methods, recovery methods) in one comprehension,
    # rather than cattrs' generic per-item dispatch.
    conv.register_structure_hook_factory(is_tuple_of_enum, tuple_of_enum_hook)
    conv.register_unstructure_hook(datetime, format_timestamp)

    def detailed_factory(cls: type[Any]) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=to_camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, conv, **renames)

    def structure_factory(cls: type[Any]) -> Any:
        detailed = detailed_factory(cls)
        complete = compile_structure(cls, present=True) if fast else None
        lenient = compile_structure(cls, present=False) if fast else None
        if complete is None or lenient is None:

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
                return complete(value)
            except Exception:  # noqa: S110 - a key is missing (an older server), or a value is odd
                pass
            try:
                return lenient(value)
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


_ATTRIBUTE_IN_PATH: Final = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")


def readable_errors(error: Exception) -> list[str]:
    """One line per problem in a structuring failure, with its path in the answer.

    cattrs names attributes (``$.total_quota``); the path names the answer's own
    keys (``$.totalQuota``), so it can be followed in the body.
    """
    if isinstance(error, cattrs.BaseValidationError):
        lines = []
        for line in cattrs.transform_error(error, path="$"):
            problem, at, path = line.rpartition(" @ ")
            if at:
                path = _ATTRIBUTE_IN_PATH.sub(lambda m: "." + to_camel(m.group(1)), path)
                line = f"{problem} @ {path}"
            lines.append(line)
        return lines
    return [f"{type(error).__name__}: {error}"]
