"""The fake Axigen server under concurrent load."""

from __future__ import annotations

import asyncio

from tests.testing.wire_helpers import Wire

INFO = "/api/v1/account/info"


async def test_500_concurrent_requests_all_succeed(wire: Wire) -> None:
    headers = await wire.user()
    # Handlers never wait on I/O; a tiny delay lets requests overlap inside the server.
    wire.fake.faults.delay(INFO, 0.005)

    async def one() -> int:
        async with wire.http.get(wire.url(INFO), headers=headers) as response:
            await response.read()
            return int(response.status)

    statuses = await asyncio.gather(*(one() for _ in range(500)))
    assert statuses == [200] * 500
    assert wire.fake.max_in_flight > 1
    assert wire.fake.in_flight == 0
    assert wire.fake.route_counts[f"GET {INFO}"] == 500


async def test_concurrent_logins_make_distinct_sessions(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    results = await asyncio.gather(*(wire.login("a@example.com", "pw") for _ in range(50)))
    assert len({headers["X-Axigen-Session"] for headers in results}) == 50
    assert wire.fake.logins["a@example.com"] == 50
