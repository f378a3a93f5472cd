"""Helpers for the wire tests of the Settings, Filters and Security pages of the fake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.testing.wire_helpers import Wire

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Reply:
    """One answer: status, content type and body (JSON decoded; ``b""`` when empty)."""

    status: int
    content_type: str
    body: Any

    @property
    def code(self) -> str:
        """The JSON error code."""
        return str(self.body["error"]["code"])


async def call(
    wire: Wire,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Reply:
    """Send one request; JSON answers must carry the wire content type."""
    async with wire.http.request(method, wire.url(path), headers=headers, **kwargs) as response:
        raw = await response.read()
        content_type = response.headers.get("Content-Type", "")
        if not raw:
            return Reply(response.status, content_type, b"")
        if response.content_type == "application/json":
            assert content_type == JSON_TYPE
            return Reply(response.status, content_type, await response.json())
        return Reply(response.status, content_type, raw)
