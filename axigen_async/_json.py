"""JSON encoding and decoding, with orjson when it is installed.

One place picks the implementation so every call pays for the choice once, at
import. Both produce compact UTF-8 bytes and accept bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["BACKEND", "dumps", "loads"]

dumps: Callable[[Any], bytes]
loads: Callable[[bytes | str], Any]

try:
    import orjson
except ImportError:  # pragma: no cover - exercised when the speedups extra is absent
    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

    def dumps(value: Any) -> bytes:
        return _encoder.encode(value).encode()

    loads = json.loads
    BACKEND = "json"
else:
    dumps = orjson.dumps
    loads = orjson.loads
    BACKEND = "orjson"
