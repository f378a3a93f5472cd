"""apply --queue writes the journal a local apply --resume reads: header and entries."""

from __future__ import annotations

import json
from pathlib import Path

from axigen_async.cli._journal import spec_fingerprint
from tests.cli.helpers import journal_entries, read_jsonl
from tests.cli.processes import CLI, fake_server, run
from tests.queue.processes import PASSWORD, workers, write_accounts

SPEC = {"contactInfo": {"title": "Dr."}}


def test_a_queued_apply_journal_is_resumed_locally_with_nothing_left_to_do(
    tmp_path: Path, redis_url: str
) -> None:
    emails = write_accounts(tmp_path / "a.csv", 60)
    spec, journal = tmp_path / "spec.json", tmp_path / "journal.jsonl"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    with fake_server("--accounts", "60", "--password", PASSWORD) as url:
        with workers(tmp_path, redis_url, url, "--concurrency", "10") as group:
            group.start(1)
            queued = run(
                [*CLI, "apply", str(spec), str(tmp_path / "a.csv"), "--url", url, "--queue",
                 redis_url, "--journal", str(journal), "--shard-size", "20", "-q"]
            )  # fmt: skip
        local = run([*CLI, "apply", str(spec), str(tmp_path / "a.csv"), "--url", url, "-q",
                     "--journal", str(journal), "--resume"])  # fmt: skip

    assert queued.returncode == 0, queued.stderr
    header = read_jsonl(journal)[0]
    assert header["fingerprint"] == spec_fingerprint(SPEC)
    assert sorted(entry["email"] for entry in journal_entries(journal)) == sorted(emails)
    # The local run takes the queued run's journal as its own: every account is done.
    assert local.returncode == 0, local.stdout + local.stderr
    assert "0 changed" in local.stdout
