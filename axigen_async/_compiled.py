"""Compiled structuring: one generated function per model, for the hot answers.

cattrs' generated functions call a hook per field, a function per nested object
and build a keyword dict per object. For AccountInfo (13 objects, 44 values) that
was most of a call's CPU. For a model whose fields are all of a few plain kinds,
this module writes one straight-line function for the whole tree: nested objects
built inline, every value checked as strictly as the converter's hooks, slots set
directly. Whatever it does not accept raises, and the converter hands the value
to cattrs, which decides and explains; the tests check that the paths agree.
No I/O.
"""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import attrs

from axigen_async._primitives import (
    is_tuple_of_enum,
    parse_timestamp,
    strict_bool,
    strict_float,
    strict_int,
    strict_str,
    to_camel,
    tuple_of_enum_hook,
)
from axigen_async.models._base import OpenEnum

__all__ = ["compile_structure"]

_MISSING: Final = object()

#: Checks of plain values: ``{first}`` is where the value is first read (it may
#: bind it), ``{v}`` where it is read again.
_SIMPLE: Final = {
    str: "({v} if ({first}).__class__ is str else _str({v}, str))",
    int: "({v} if ({first}).__class__ is int else _int({v}, int))",
    float: "({v} if ({first}).__class__ is float else _float({v}, float))",
    bool: "({v} if ({first}) is True or {v} is False else _bool({v}, bool))",
}


def _is_plain_slotted(cls: type[Any]) -> bool:
    """Whether ``__init__`` would only set each slot, so setting them directly is the same.

    True for a frozen, slotted attrs class with no validator, converter, on-setattr
    or init hook: attrs' ``__init__`` then sets each slot through a bound
    ``object.__setattr__``, and calling the slot descriptors does the same faster.
    """
    fields = attrs.fields(cls)
    return (
        "__slots__" in cls.__dict__
        and not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and all(
            f.validator is None and f.converter is None and f.on_setattr is None for f in fields
        )
        and all(isinstance(cls.__dict__.get(f.name), types.MemberDescriptorType) for f in fields)
    )


def _nested_class(kind: Any) -> tuple[type[Any], bool] | None:
    """``(cls, optional)`` when ``kind`` is an attrs class or an optional one."""
    if isinstance(kind, type) and attrs.has(kind):
        return kind, False
    args = typing.get_args(kind)
    if len(args) == 2 and args[1] is type(None) and attrs.has(args[0]):
        return args[0], True
    return None


class _Unsupported(Exception):
    """A field the generator leaves to cattrs; the whole model then stays there."""


class _Writer:
    """Writes the body of one ``structure(o)`` function.

    ``present`` reads every key by subscript, so a missing key raises KeyError
    (quickest, for servers that send every field, as current ones do); otherwise
    a missing key takes its field's default.
    """

    def __init__(self, present: bool) -> None:
        self.present = present
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "_M": _MISSING,
            "_new": object.__new__,
            "_tuple": tuple,
            "_map": map,
            "_str": strict_str,
            "_int": strict_int,
            "_float": strict_float,
            "_bool": strict_bool,
            "_timestamp": parse_timestamp,
        }
        self._locals = itertools.count()

    def bind(self, value: Any) -> str:
        """Put ``value`` in the generated code's namespace under a fresh name."""
        name = f"_g{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def local(self, prefix: str) -> str:
        return f"{prefix}{next(self._locals)}"

    def value(self, kind: Any, first: str, v: str) -> str:
        """An expression turning a wire value into ``kind``.

        ``first`` is the code that reads the value the first time (it may bind
        ``v``); every later use reads ``v``.
        """
        if kind in _SIMPLE:
            return _SIMPLE[kind].format(first=first, v=v)
        if kind == datetime | None:
            return f"_timestamp({first})"
        if isinstance(kind, type) and issubclass(kind, OpenEnum):
            # A listed value is one dict lookup; any other goes through strict_str,
            # which makes a pseudo-member of a new string and refuses anything else.
            members = self.bind(kind._value2member_map_)
            member = self.local("e")
            return (
                f"({member} if ({member} := {members}.get({first})) is not None"
                f" else _str({v}, {self.bind(kind)}))"
            )
        if is_tuple_of_enum(kind):
            # All in C when every item is a listed value, the common case by far.
            member_type: type[OpenEnum] = typing.get_args(kind)[0]
            members = self.bind(member_type._value2member_map_)
            listed = self.bind(frozenset(member_type._value2member_map_))
            hook = self.bind(tuple_of_enum_hook(kind))
            return (
                f"(_tuple(_map({members}.__getitem__, {v}))"
                f" if ({first}).__class__ is list and {listed}.issuperset({v})"
                f" else {hook}({v}, None))"
            )
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is type(None):
            return f"(None if ({first}) is None else {self.value(args[0], v, v)})"
        raise _Unsupported(kind)

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def build(
        self, cls: type[Any], source: str, target: str, indent: int, outer: frozenset[type]
    ) -> None:
        """Emit the lines that set ``target`` to a ``cls`` read from the dict ``source``."""
        attrs.resolve_types(cls)
        fields = attrs.fields(cls)
        if not fields:
            # Nothing would read the wire value, so nothing would check it is an object.
            raise _Unsupported(cls)
        v = self.local("v")
        values: list[str] = []
        for field in fields:
            if not field.init or field.kw_only or isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                raise _Unsupported(field)
            key = to_camel(field.name)
            required = self.present or field.default is attrs.NOTHING
            nested = _nested_class(field.type)
            if nested is None:
                if required:
                    values.append(self.value(field.type, f"{v} := {source}[{key!r}]", v))
                else:
                    default = self.bind(field.default)
                    checked = self.value(field.type, v, v)
                    values.append(
                        f"({default} if ({v} := {source}.get({key!r}, _M)) is _M else {checked})"
                    )
                continue
            inner, optional = nested
            if inner in outer:
                raise _Unsupported(inner)  # a class that contains itself stays with cattrs
            child, result = self.local("d"), self.local("t")
            level = indent
            if required:
                self.emit(level, f"{child} = {source}[{key!r}]")
            else:
                self.emit(level, f"{child} = {source}.get({key!r}, _M)")
                self.emit(level, f"if {child} is _M:")
                self.emit(level + 1, f"{result} = {self.bind(field.default)}")
                self.emit(level, "else:")
                level += 1
            if optional:
                self.emit(level, f"if {child} is None:")
                self.emit(level + 1, f"{result} = None")
                self.emit(level, "else:")
                level += 1
            self.build(inner, child, result, level, outer | {inner})
            values.append(result)
        if _is_plain_slotted(cls):
            self.emit(indent, f"{target} = _new({self.bind(cls)})")
            for field, value in zip(fields, values, strict=True):
                setter = self.bind(cls.__dict__[field.name].__set__)
                self.emit(indent, f"{setter}({target}, {value})")
        else:
            self.emit(indent, f"{target} = {self.bind(cls)}({', '.join(values)})")


def compile_structure(cls: type[Any], *, present: bool) -> Callable[[Any], Any] | None:
    """A function building ``cls`` from its wire dict, or None when a field is not plain.

    With ``present``, every key is read by subscript and a missing one raises
    KeyError; otherwise a missing key takes its default. Any value the converter's
    hooks would refuse raises too; the caller then asks cattrs.
    """
    writer = _Writer(present)
    try:
        writer.build(cls, "o", "result", 1, frozenset({cls}))
    except _Unsupported:
        return None
    source = "\n".join(["def structure(o):", *writer.lines, "    return result", ""])
    kind = "complete" if present else "lenient"
    code = compile(source, f"<axigen_async {kind} structure {cls.__qualname__}>", "exec")
    exec(code, writer.namespace)  # noqa: S102 - our own generated code
    structure: Callable[[Any], Any] = writer.namespace["structure"]
    return structure
