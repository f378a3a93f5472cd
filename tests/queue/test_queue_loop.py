"""The command line's event loop: uvloop when installed, asyncio when asked for."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

from axigen_async.cli._loop import loop_name, run


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_asyncio_is_used_when_the_environment_asks_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AXIGEN_ASYNC_LOOP", "asyncio")
    assert loop_name() == "asyncio"
    assert run(_loop_module()).startswith("asyncio")


@pytest.mark.skipif(importlib.util.find_spec("uvloop") is None, reason="uvloop not installed")
def test_uvloop_runs_the_command_line_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AXIGEN_ASYNC_LOOP", raising=False)
    assert loop_name() == "uvloop"
    assert run(_loop_module()).startswith("uvloop")
