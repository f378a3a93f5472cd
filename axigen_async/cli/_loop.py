"""The command line's event loop: uvloop when the ``speedups`` extra installed it.

Responsibility: run the command's coroutine on uvloop when it can be imported (it
costs the client less CPU per request), else on asyncio's own loop; the environment
variable ``AXIGEN_ASYNC_LOOP=asyncio`` forces asyncio's loop (benchmarks compare both).
Must not: change how the library itself picks a loop (only the command line's ``main``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_name() -> str:
    """``"uvloop"`` or ``"asyncio"``: the loop :func:`run` would use."""
    if os.environ.get("AXIGEN_ASYNC_LOOP", "").strip().lower() == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop when :func:`loop_name` says so."""
    if loop_name() == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)
