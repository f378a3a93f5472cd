"""JSON encoding and decoding, with orjson when it is installed.

One place picks the implementation so every call pays for the choice once, at
import. Both produce compact UTF-8 bytes, accept bytes or str, and refuse what
is not a JSON document in UTF-8 (a byte order mark included) with a ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

__all__ = ["BACKEND", "dumps", "loads"]

_encoder: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_raw_decode: Final = json.JSONDecoder().raw_decode
_WHITESPACE: Final = " \t\n\r"


def stdlib_dumps(value: Any) -> bytes:
    """``value`` as compact JSON in UTF-8, with the standard library."""
    return _encoder.encode(value).encode()


def stdlib_loads(data: bytes | bytearray | str) -> Any:
    """The JSON document in ``data``, with the standard library.

    ``json.loads(bytes)`` first sniffs the encoding in Python, then skips
    whitespace with regular expressions on both sides: a fifth of its time for
    an account's info. JSON on the wire is UTF-8 (RFC 8259), and a document that
    starts with its value needs neither step. Anything else takes the long way
    round, so errors are json.loads' own.
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

try:
    import orjson
except ImportError:  # pragma: no cover - exercised when the speedups extra is absent
    dumps, loads, BACKEND = stdlib_dumps, stdlib_loads, "json"
else:
    dumps, loads, BACKEND = orjson.dumps, orjson.loads, "orjson"
