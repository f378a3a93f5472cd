"""The queue's Redis side on a real server: record-once, durability checks, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

from axigen_async.cli._queue._store import (
    RunKeys,
    connect,
    durability_warnings,
    record_once,
)
from tests.cli.helpers import run_cli
from tests.queue.processes import write_accounts
from tests.queue.redis_server import RedisServer, free_port


async def test_a_row_is_recorded_once_however_often_it_is_recorded(redis_url: str) -> None:
    redis = await connect(redis_url)
    try:
        keys = RunKeys("r1")
        first = await record_once(redis, keys, 7, {"email": "a@example.com", "n": 1})
        again = await record_once(redis, keys, 7, {"email": "a@example.com", "n": 2})
        other = await record_once(redis, keys, 8, {"email": "a@example.com", "n": 3})
        entries = await redis.xrange(keys.results)
    finally:
        await redis.aclose(close_connection_pool=True)
    assert (first, again, other) == (True, False, True)
    assert [json.loads(fields[b"r"])["n"] for _id, fields in entries] == [1, 3]


async def test_a_safe_server_gives_no_warning(redis_url: str) -> None:
    redis = await connect(redis_url)
    try:
        assert await durability_warnings(redis) == []
    finally:
        await redis.aclose(close_connection_pool=True)


async def test_a_server_without_appendonly_or_noeviction_is_warned_about(tmp_path: Path) -> None:
    server = RedisServer(tmp_path, appendonly=False)
    server.start()
    try:
        redis = await connect(server.url)
        try:
            await redis.config_set("maxmemory-policy", "allkeys-lru")
            warnings = await durability_warnings(redis)
        finally:
            await redis.aclose(close_connection_pool=True)
    finally:
        server.stop()
    assert len(warnings) == 2
    assert "appendonly yes" in warnings[0]
    assert "noeviction" in warnings[1]


async def test_redis_down_at_the_start_is_exit_status_2_with_a_clear_message(
    tmp_path: Path,
) -> None:
    write_accounts(tmp_path / "a.csv", 3)
    queue = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"
    audit = await run_cli(
        ["audit", str(tmp_path / "a.csv"), "--url", "http://127.0.0.1:9", "--queue", queue,
         "--out", str(tmp_path / "r.jsonl"), "-q"]
    )  # fmt: skip
    worker = await run_cli(
        ["worker", "--url", "http://127.0.0.1:9", "--queue", queue, "-q"]
    )  # fmt: skip
    for result in (audit, worker):
        assert result.code == 2
        assert "cannot reach Redis at --queue" in result.err
        assert "hunter2secret" not in result.err + result.out


async def test_a_bad_queue_url_or_shard_size_is_a_usage_error(tmp_path: Path) -> None:
    write_accounts(tmp_path / "a.csv", 3)
    base = ["audit", str(tmp_path / "a.csv"), "--url", "http://127.0.0.1:9", "-q"]
    bad_url = await run_cli([*base, "--queue", "http://127.0.0.1:1/0"])
    bad_size = await run_cli([*base, "--queue", "redis://127.0.0.1:1/0", "--shard-size", "0"])
    assert (bad_url.code, bad_size.code) == (2, 2)
    assert "expected redis://HOST:PORT/DB" in bad_url.err
    assert "--shard-size must be between 1 and 500" in bad_size.err


async def test_a_queued_apply_never_overwrites_an_earlier_journal(tmp_path: Path) -> None:
    write_accounts(tmp_path / "a.csv", 3)
    (tmp_path / "spec.json").write_text('{"contactInfo": {"title": "Dr."}}')
    journal = tmp_path / "j.jsonl"
    journal.write_text('{"email": "user1@example.com", "status": "done"}\n')
    result = await run_cli(
        ["apply", str(tmp_path / "spec.json"), str(tmp_path / "a.csv"), "--url",
         "http://127.0.0.1:9", "--queue", "redis://127.0.0.1:1/0", "--journal", str(journal)]
    )  # fmt: skip
    assert result.code == 2
    assert "already holds entries" in result.err
    assert journal.read_text() == '{"email": "user1@example.com", "status": "done"}\n'
