"""Server CPU per request: the fake Axigen server against a bare aiohttp app.

Both servers run in their own subprocess and answer ``GET /api/v1/account/info`` with the
same bytes; this process drives the same load at each in turn and reads the server's
utime + stime from ``/proc/<pid>/stat`` (Linux) before and after. Prints µs/request for
both and the ratio fake/bare (target: at most 1.5). Bounded in time; stops every process
it starts.

    python benchmarks/bench_fake_server.py [--requests 20000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import tempfile
from pathlib import Path

import aiohttp
from aiohttp import web

INFO = "/api/v1/account/info"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
LOAD_TIMEOUT = 90.0
PASSWORD = "bench-pw"


def serve_bare(body_file: str) -> None:
    """The bare server: one route answering fixed JSON bytes. Prints its URL first."""
    body = Path(body_file).read_bytes()

    async def info(request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": "application/json; charset=utf-8"})

    async def run() -> None:
        app = web.Application()
        app.router.add_get(INFO, info)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        print(f"http://127.0.0.1:{port}", flush=True)
        try:
            await asyncio.Event().wait()  # until the parent kills the process
        finally:
            await runner.cleanup()

    asyncio.run(run())


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
    return process, line.decode().strip()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            process.kill()
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)


async def _load(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], total: int, workers: int
) -> None:
    remaining = iter(range(total))

    async def worker() -> None:
        for _ in remaining:
            async with http.get(url, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"unexpected status {response.status}")

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(workers))), LOAD_TIMEOUT)


async def _measure(
    process: asyncio.subprocess.Process,
    url: str,
    headers: dict[str, str],
    requests: int,
    concurrency: int,
) -> float:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        await _load(http, url, headers, min(2000, requests), concurrency)  # warm-up
        before = _cpu_seconds(process.pid)
        await _load(http, url, headers, requests, concurrency)
        after = _cpu_seconds(process.pid)
    return (after - before) / requests * 1e6


async def _login(url: str) -> tuple[dict[str, str], bytes]:
    credentials = base64.b64encode(f"user1@example.com:{PASSWORD}".encode()).decode()
    authorization = {"Authorization": f"Basic {credentials}"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/v1/login", headers=authorization) as response:
            session_id = (await response.json())["sessid"]
        headers = authorization | {"X-Axigen-Session": session_id}
        async with http.get(f"{url}{INFO}", headers=headers) as response:
            body = await response.read()
    return headers, body


async def run(requests: int, concurrency: int) -> None:
    processes: list[asyncio.subprocess.Process] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            fake_args = ("-m", "axigen_async.testing", "--accounts", "1", "--password", PASSWORD)
            fake, fake_url = await _start(*fake_args)
            processes.append(fake)
            headers, body = await _login(fake_url)
            body_file = Path(tmp, "info.json")
            await asyncio.to_thread(body_file.write_bytes, body)
            bare, bare_url = await _start(__file__, "--serve-bare", str(body_file))
            processes.append(bare)
            fake_us = await _measure(fake, fake_url + INFO, headers, requests, concurrency)
            bare_us = await _measure(bare, bare_url + INFO, headers, requests, concurrency)
        finally:
            for process in processes:
                await _stop(process)
    print(f"GET {INFO}: {requests} requests, concurrency {concurrency}")
    print(f"  fake server: {fake_us:8.1f} µs CPU/request")
    print(f"  bare aiohttp: {bare_us:8.1f} µs CPU/request")
    print(f"  ratio fake/bare: {fake_us / bare_us:.2f} (target <= 1.5)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--serve-bare", metavar="BODY_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    asyncio.run(run(args.requests, args.concurrency))
    return 0


if __name__ == "__main__":
    sys.exit(main())
