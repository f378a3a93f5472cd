"""The "done when" test: 4 workers and a coordinator, one worker and the coordinator SIGKILLed.

At seeded points, one worker process and then the coordinator are killed; the
coordinator is resumed with ``--resume RUN_ID``. Every account must be in the report
(the apply journal) exactly once, the run must complete, a killed worker's shard must
have been tried again (arq's job try above 1), and for ``apply`` the fake server's state
must show no duplicate write. ``AXIGEN_QUEUE_TEST_ACCOUNTS`` sets the size (20,000 in CI's
slow run; 2,000 by default).
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from axigen_async.cli._queue._store import connect
from tests.cli.chaos import APPLY_SPEC, assert_no_duplicates, server_state
from tests.cli.helpers import journal_entries, read_jsonl
from tests.cli.processes import fake_server, stop
from tests.queue.processes import (
    PASSWORD,
    coordinator,
    run_to_end,
    wait_for,
    workers,
    write_accounts,
)

ACCOUNTS = int(os.environ.get("AXIGEN_QUEUE_TEST_ACCOUNTS", "2000"))
SHARD = 200
SEED = 15
WORKER_OPTIONS = ("--concurrency", "20", "--shards", "2", "--job-timeout", "10")


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


async def _stream_length(redis_url: str) -> int:
    redis = await connect(redis_url)
    try:
        keys = await redis.keys("axigen-async:run:*:results")
        return sum([await redis.xlen(key) for key in keys])
    finally:
        await redis.aclose(close_connection_pool=True)


async def _job_tries(redis_url: str) -> list[int]:
    redis = await connect(redis_url)
    try:
        results = [await redis.get(key) for key in await redis.keys("arq:result:*")]
    finally:
        await redis.aclose(close_connection_pool=True)
    return [json.loads(item)["t"] for item in results if item is not None]


def _wait_stream(redis_url: str, at_least: int) -> None:
    import asyncio

    def reached() -> bool:
        return asyncio.run(_stream_length(redis_url)) >= at_least

    wait_for(reached, f"{at_least} recorded accounts")


@pytest.mark.parametrize("command", ["audit", "apply"])
def test_killed_worker_and_coordinator_every_account_once(
    tmp_path: Path, redis_url: str, command: str
) -> None:
    import asyncio

    rng = random.Random(f"{SEED}-{command}")
    kill_worker_at = rng.randrange(ACCOUNTS // 10, ACCOUNTS // 4)
    kill_coordinator_at = rng.randrange(ACCOUNTS * 2 // 5, ACCOUNTS * 3 // 5)
    emails = write_accounts(tmp_path / "a.csv", ACCOUNTS)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(APPLY_SPEC))
    out = tmp_path / ("report.jsonl" if command == "audit" else "journal.jsonl")
    target = ["--out", str(out)] if command == "audit" else [str(spec), "--journal", str(out)]
    fake = ("--accounts", str(ACCOUNTS), "--password", PASSWORD)
    with fake_server(*fake) as url, workers(tmp_path, redis_url, url, *WORKER_OPTIONS) as group:
        group.start(4)
        base = [command, *target[:1]] if command == "apply" else [command]
        rest = target[1:] if command == "apply" else target
        argv = [*base, str(tmp_path / "a.csv"), *rest, "--url", url, "--queue", redis_url,
                "--shard-size", str(SHARD), "-q"]  # fmt: skip
        first = coordinator(argv, tmp_path / "coordinator.log")
        try:
            _wait_stream(redis_url, kill_worker_at)
            stop(group.processes[0])
            _wait_stream(redis_url, kill_coordinator_at)
            wait_for(lambda: _lines(out) > 1, "the report's first lines")
        finally:
            stop(first)
        log = (tmp_path / "coordinator.log").read_text()
        found = re.search(r"--resume(?:-run)? (\S+)", log)
        assert found is not None, log
        resume_flag = "--resume" if command == "audit" else "--resume-run"
        resumed = run_to_end([*argv, resume_flag, found.group(1)], timeout=60 + ACCOUNTS / 20)
        tries = asyncio.run(_job_tries(redis_url))
        state = asyncio.run(server_state(url, emails, PASSWORD)) if command == "apply" else {}
    # apply: accounts whose temporary aliases are disabled are left as their
    # restrictions allow, which is converged (exit status 0), not a need for review.
    assert resumed.returncode == 0, resumed.stderr
    # An apply journal starts with its header (the SPEC's fingerprint), then one entry each.
    records = read_jsonl(out) if command == "audit" else journal_entries(out)
    counts = Counter(record["email"] for record in records)
    assert sorted(counts) == sorted(emails)
    assert max(counts.values()) == 1, [e for e, n in counts.items() if n > 1][:5]
    # Every shard ran (a killed worker's shard again, when it held one at the kill: a
    # worker between two shards holds none, so a second try is not required).
    assert min(tries) >= 1, tries
    if command == "audit":
        assert all(record["ok"] for record in records)
        assert f"Audited {ACCOUNTS} accounts: {ACCOUNTS} succeeded" in resumed.stdout
        return
    assert all(record["status"] == "done" for record in records)
    assert ", 0 failed, " in resumed.stdout
    conflicted = {r["email"] for r in records if r["conflicts"] or r.get("restricted")}
    for email in emails:
        assert_no_duplicates(state[email], email)
        _vacation, contact, signatures, aliases = state[email]
        assert isinstance(signatures, tuple)
        assert ("Chaos", "html", "<b>calm</b>") in signatures, email
        assert getattr(contact, "title", None) == "Dr.", email
        assert aliases == 2 or email in conflicted, email
