"""Failures of a queued run: Redis lost midway, a shard's time-out, no secret in Redis."""

from __future__ import annotations

import asyncio
import re
import socket
from collections import Counter
from pathlib import Path

from axigen_async.cli._queue._store import connect
from tests.cli.helpers import read_jsonl, secret_forms
from tests.cli.processes import CLI, fake_server, run
from tests.queue.processes import PASSWORD, coordinator, wait_for, workers, write_accounts
from tests.queue.redis_server import RedisServer

WORKER_OPTIONS = ("--concurrency", "10", "--job-timeout", "10")


async def _recorded(url: str) -> int:
    redis = await connect(url)
    try:
        keys = await redis.keys("axigen-async:run:*:results")
        return sum([await redis.xlen(key) for key in keys])
    finally:
        await redis.aclose(close_connection_pool=True)


def test_redis_lost_midway_stops_the_coordinator_and_resume_goes_on(
    tmp_path: Path, own_redis: RedisServer
) -> None:
    emails = write_accounts(tmp_path / "a.csv", 600)
    report = tmp_path / "report.jsonl"
    fake = ("--accounts", "600", "--password", PASSWORD)
    with fake_server(*fake) as url:
        argv = ["audit", str(tmp_path / "a.csv"), "--url", url, "--queue", own_redis.url,
                "--out", str(report), "--shard-size", "50", "-q"]  # fmt: skip
        with workers(tmp_path, own_redis.url, url, *WORKER_OPTIONS) as group:
            group.start(1)
            first = coordinator(argv, tmp_path / "coordinator.log")
            wait_for(lambda: asyncio.run(_recorded(own_redis.url)) >= 100, "100 records")
            own_redis.stop()
            assert first.wait(timeout=60) == 1
            wait_for(lambda: all(p.poll() is not None for p in group.processes), "workers stop")
        log = (tmp_path / "coordinator.log").read_text()
        assert "Redis connection lost" in log
        found = re.search(r"--resume (\S+)", log)
        assert found is not None, log
        own_redis.start()  # the same port and folder: the append-only file brings the run back
        with workers(tmp_path / "again", own_redis.url, url, *WORKER_OPTIONS) as group:
            (tmp_path / "again").mkdir()
            group.start(2)
            resumed = run([*CLI, *argv, "--resume", found.group(1)])
    assert resumed.returncode == 0, resumed.stderr
    counts = Counter(record["email"] for record in read_jsonl(report))
    assert sorted(counts) == sorted(emails)
    assert set(counts.values()) == {1}


def test_no_secret_reaches_redis(tmp_path: Path, redis_url: str) -> None:
    secret = "Zq8-unguessable-pw"
    write_accounts(tmp_path / "a.csv", 30, secret)
    with fake_server("--accounts", "30", "--password", secret) as url:
        with workers(tmp_path, redis_url, url, *WORKER_OPTIONS) as group:
            group.start(1)
            queued = run([*CLI, "audit", str(tmp_path / "a.csv"), "--url", url, "--queue",
                          redis_url, "--out", str(tmp_path / "r.jsonl"), "--shard-size", "7",
                          "-q"])  # fmt: skip
    assert queued.returncode == 0, queued.stderr

    async def dump() -> bytes:
        redis = await connect(redis_url)
        try:
            blobs = []
            for key in await redis.keys("*"):
                kind = (await redis.type(key)).decode()
                if kind == "string":
                    blobs.append(await redis.get(key) or b"")
                elif kind == "stream":
                    blobs.extend(repr(entry).encode() for entry in await redis.xrange(key))
                elif kind == "set":
                    blobs.extend(await redis.smembers(key))  # type: ignore[misc]
                elif kind == "hash":
                    blobs.append(repr(await redis.hgetall(key)).encode())  # type: ignore[misc]
            return b"\n".join(blobs)
        finally:
            await redis.aclose(close_connection_pool=True)

    everything = asyncio.run(dump())
    assert b"user1@example.com" in everything  # the dump did read the run's records
    for form in secret_forms("user1@example.com", secret):
        assert form.encode() not in everything


def test_a_shard_past_its_time_out_is_enqueued_again_then_reported_failed(
    tmp_path: Path, redis_url: str
) -> None:
    emails = write_accounts(tmp_path / "a.csv", 20)
    report = tmp_path / "report.jsonl"
    # A server that takes connections (in its backlog) and never answers: every try of
    # every shard runs into the job's time-out, whatever the machine's speed.
    with socket.create_server(("127.0.0.1", 0), backlog=128) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        options = ("--concurrency", "5", "--timeout", "60", "--job-timeout", "0.5")
        with workers(tmp_path, redis_url, url, *options) as group:
            group.start(1)
            queued = run([*CLI, "audit", str(tmp_path / "a.csv"), "--url", url, "--queue",
                          redis_url, "--out", str(report), "--shard-size", "10",
                          "-q"])  # fmt: skip
    records = read_jsonl(report)
    assert sorted(record["email"] for record in records) == sorted(emails)
    assert queued.returncode == 1, queued.stderr
    # Enqueued again three times after its first time-out, then reported, never dropped.
    for record in records:
        assert not record["ok"]
        assert record["error"]["kind"] == "ShardFailed"
        assert "its shard failed 4 times" in record["error"]["message"]
    assert "Audited 20 accounts: 0 succeeded, 20 failed" in queued.stdout
