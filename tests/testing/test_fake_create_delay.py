"""The fake's ``create_delay``: creates held, then in effect even if the client went away."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.cli.processes import FAKE_SERVER, start, stop
from tests.testing.wire_helpers import Wire

SIGNATURES = "/api/v1/account/signatures"
TEMP = "/api/v1/account/temporaryaliases"
BODY = {"name": "Held", "type": "text", "body": "-- held"}


async def _eventually(condition: object, seconds: float = 10.0) -> None:
    """Poll ``condition`` (a callable) until true, for at most ``seconds``."""
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_held_create_is_answered_after_the_delay_and_other_calls_are_not(
    wire: Wire,
) -> None:
    headers = await wire.user()
    wire.fake.create_delay = 0.3
    account = wire.fake.account("a@example.com")

    create = asyncio.ensure_future(wire.http.post(wire.url(SIGNATURES), json=BODY, headers=headers))
    # A read is answered at once while the create is held.
    async with wire.http.get(wire.url(SIGNATURES), headers=headers) as listing:
        assert listing.status == 200
        assert (await listing.json())["items"] == []
    async with await create as response:
        assert response.status == 200
    assert [s.name for s in account.signatures.values()] == ["Held"]


@pytest.mark.parametrize("path", [SIGNATURES, TEMP])
async def test_a_held_create_takes_effect_after_its_client_left_and_logged_out(
    wire: Wire, path: str
) -> None:
    headers = await wire.user()
    wire.fake.create_delay = 0.5
    account = wire.fake.account("a@example.com")

    with pytest.raises(asyncio.TimeoutError):
        async with wire.http.post(
            wire.url(path),
            json=BODY if path == SIGNATURES else None,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=0.1),
        ):
            pass
    async with wire.http.post(wire.url("/api/v1/logout"), headers=headers) as response:
        assert response.status in (200, 204)
    assert account.signatures == {} and account.temporary_aliases == []  # noqa: PT018

    await _eventually(lambda: len(account.signatures) + len(account.temporary_aliases) == 1)


def test_the_standalone_fake_takes_a_create_delay_and_refuses_a_negative_one() -> None:
    process = start([*FAKE_SERVER, "--accounts", "1", "--create-delay", "-1"])
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == ""  # refused: nothing served
        assert process.wait(timeout=10) == 2
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()
