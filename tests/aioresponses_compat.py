"""A shim so aioresponses 0.7.9 can build responses on aiohttp >= 3.14.

aiohttp 3.14 added a required ``stream_writer`` argument to
``ClientResponse.__init__`` (it reads ``stream_writer.output_size`` when the
request was already sent), which aioresponses does not pass yet: upstream issue
pnuckowski/aioresponses#289, fix pending in PR #288. Remove this module once a
release with the fix is out, and raise the aioresponses floor to it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses, core

NEEDS_SHIM = "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters


class CompatResponse(aiohttp.ClientResponse):
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@contextmanager
def mocked_aiohttp(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """``aioresponses()`` with responses built by :class:`CompatResponse` when needed."""
    if NEEDS_SHIM:
        monkeypatch.setattr(core, "ClientResponse", CompatResponse)
    with aioresponses() as mocked:
        yield mocked
