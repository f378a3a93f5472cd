"""audit --queue: workers on a real Redis audit every account once into the report."""

from __future__ import annotations

import asyncio
from pathlib import Path

from axigen_async.cli._queue._store import connect
from tests.cli.helpers import read_jsonl
from tests.cli.processes import CLI, fake_server, run
from tests.queue.processes import PASSWORD, workers, write_accounts


def test_two_workers_audit_every_account_once_with_the_local_summary(
    tmp_path: Path, redis_url: str
) -> None:
    emails = write_accounts(tmp_path / "a.csv", 300)
    report = tmp_path / "report.jsonl"
    with fake_server("--accounts", "300", "--password", PASSWORD) as url:
        with workers(tmp_path, redis_url, url, "--concurrency", "10") as group:
            group.start(2)
            queued = run(
                [*CLI, "audit", str(tmp_path / "a.csv"), "--url", url, "--queue", redis_url,
                 "--out", str(report), "--shard-size", "40", "-q", "--keep-results", "0.5"]
            )  # fmt: skip
        local = run([*CLI, "audit", str(tmp_path / "a.csv"), "--url", url, "-q",
                     "--out", str(tmp_path / "local.jsonl")])  # fmt: skip
    assert queued.returncode == 0, queued.stderr
    records = read_jsonl(report)
    assert sorted(record["email"] for record in records) == sorted(emails)
    assert all(record["ok"] for record in records)
    # The same summary as the in-process run's (the report line differs by its path).
    assert queued.stdout.split("Report:")[0] == local.stdout.split("Report:")[0]
    assert "Audited 300 accounts: 300 succeeded, 0 failed" in queued.stdout
    # The run's data expires after --keep-results hours.
    ttls = asyncio.run(_ttls(redis_url))
    assert len(ttls) == 4  # the run, its done-set, its stream and its finished shards
    assert all(0 < ttl <= 1800 for ttl in ttls), ttls


async def _ttls(url: str) -> list[int]:
    redis = await connect(url)
    try:
        return [await redis.ttl(key) for key in await redis.keys("axigen-async:run:*")]
    finally:
        await redis.aclose(close_connection_pool=True)
