"""Building blocks shared by the models: open string enums.

A closed set of values in the API docs (an alias type, an index state) may grow
in a newer server. An :class:`OpenEnum` accepts such a value as a pseudo-member
instead of failing, so an old client keeps reading a new server. No I/O, no
wire names.
"""

from __future__ import annotations

import enum
from typing import Self

__all__ = ["OpenEnum"]


class OpenEnum(enum.StrEnum):
    """A string enum that also represents values it does not list.

    ``AliasType("futureType")`` gives a member whose ``value`` is
    ``"futureType"`` and whose ``is_known`` is False. It compares equal to its
    string value, like every member.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether the value is one this version of the library lists."""
        return type(self)._value2member_map_.get(self._value_) is self
