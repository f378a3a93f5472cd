"""Client CPU per request: axigen_async against hand-written aiohttp, side by side.

Starts the fake Axigen server in a separate process, then, in this process and
the same run, alternates

  (a) raw aiohttp: ``GET /api/v1/account/info`` with prebuilt headers + ``json.loads``
  (b) the library: ``await account.get_info(session)``

at the same concurrency over the same kind of pool, and measures this process's
CPU time (``time.process_time``) per request for each. Each round runs both sides
in short alternating slices, so drift in the machine's speed falls on both alike.
Prints both figures and the median of the per-round ratios b/a (the target: at
most 1.15 with orjson, 1.25 without). The library uses orjson when it is
installed; the first line printed says which.

    python -m benchmarks.bench_client [--requests 20000] [--concurrency 100]
                                      [--rounds 7] [--slices 10]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp

from axigen_async import AxigenClient, BasicAuth, _codec
from axigen_async.api import account
from benchmarks._fake_process import FakeServerProcess

EMAIL, PASSWORD = "user1@example.com", "demo"


async def _spread(total: int, concurrency: int, one: Callable[[], Awaitable[object]]) -> float:
    """Run ``total`` calls over ``concurrency`` workers; return CPU seconds used."""
    per_worker, extra = divmod(total, concurrency)

    async def worker(count: int) -> None:
        for _ in range(count):
            await one()

    started = time.process_time()
    async with asyncio.TaskGroup() as group:
        for index in range(concurrency):
            group.create_task(worker(per_worker + (1 if index < extra else 0)))
    return time.process_time() - started


async def run(url: str, requests: int, concurrency: int, rounds: int, slices: int) -> None:
    info_url = f"{url}/api/v1/account/info"
    per_slice = max(concurrency, requests // slices)
    basic = "Basic " + base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as raw_http:
        async with raw_http.post(f"{url}/api/v1/login", headers={"Authorization": basic}) as r:
            sessid = (await r.json())["sessid"]
        headers = {"Authorization": basic, "X-Axigen-Session": sessid}

        async def raw_call() -> None:
            async with raw_http.get(info_url, headers=headers) as response:
                json.loads(await response.read())

        async with AxigenClient(url, pool_size=concurrency) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as session:

                async def library_call() -> None:
                    await account.get_info(session)

                # Warm both paths: connections open, code paths hot, login done.
                await _spread(min(2000, requests), concurrency, raw_call)
                await _spread(min(2000, requests), concurrency, library_call)

                raw_us: list[float] = []
                library_us: list[float] = []
                # Each round alternates the two sides in short slices, in turns
                # starting with either, so drift in the machine's speed (large on a
                # shared host) falls on both sides of a round alike. A slice gives
                # every worker at least one request.
                for _round in range(rounds):
                    cpu = {"raw": 0.0, "library": 0.0}
                    pair = [("raw", raw_call), ("library", library_call)]
                    for slice_number in range(slices):
                        for name, call in pair if slice_number % 2 == 0 else pair[::-1]:
                            cpu[name] += await _spread(per_slice, concurrency, call)
                    raw_us.append(cpu["raw"] / (per_slice * slices) * 1e6)
                    library_us.append(cpu["library"] / (per_slice * slices) * 1e6)

    ratios = [library / raw for raw, library in zip(raw_us, library_us, strict=True)]
    raw, library = statistics.median(raw_us), statistics.median(library_us)
    print(f"JSON backend of the library: {_codec.BACKEND}")
    print(
        f"requests per side and round: {per_slice * slices} in {slices} slices,"
        f" concurrency: {concurrency}, rounds: {rounds}"
    )
    print(f"(a) raw aiohttp + json.loads : {raw:7.1f} us CPU per request (median)")
    print(f"(b) account.get_info         : {library:7.1f} us CPU per request (median)")
    print(f"ratio b/a per round: {' '.join(f'{ratio:.3f}' for ratio in ratios)}")
    target = 1.15 if _codec.BACKEND == "orjson" else 1.25
    print(f"ratio b/a: {statistics.median(ratios):.3f}  (median of the rounds; target <= {target})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--slices", type=int, default=10, help="turns per side in a round")
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds, args.slices) < 1:
        parser.error("--requests, --concurrency, --rounds and --slices must be at least 1")
    with FakeServerProcess(accounts=1) as url:
        asyncio.run(run(url, args.requests, args.concurrency, args.rounds, args.slices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
