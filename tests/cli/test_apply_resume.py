"""``apply`` journals and resumes: a server that is down, torn lines, review items, durability."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from axigen_async.cli._journal import Journal, complete_length, read_journal
from axigen_async.testing import FakeAxigen
from tests.cli.helpers import (
    InstantSleep,
    journal_entries,
    journal_header,
    run_cli,
    write_csv,
)

PASSWORD = "Resume-pw-31"
SPEC: dict[str, Any] = {
    "vacation": {"enabled": True, "subject": "Away", "body": "Back on Monday"},
    "signatures": [{"name": "Corp", "type": "html", "body": "<b>Corp</b>"}],
}


def _setup(fake: FakeAxigen, tmp_path: Path, count: int) -> list[str]:
    emails = [f"r{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in emails])
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    return emails


def _args(url: str, tmp_path: Path, *extra: str) -> list[str]:
    spec, accounts = str(tmp_path / "spec.json"), str(tmp_path / "a.csv")
    return ["apply", spec, accounts, "--url", url, "-q", *extra]


def _last_statuses(journal: Path) -> dict[str, str]:
    return {entry["email"]: entry["status"] for entry in journal_entries(journal)}


async def test_server_down_stops_once_and_resume_runs_the_accounts_not_attempted(
    fake_axigen: FakeAxigen, tmp_path: Path, unused_tcp_port: int
) -> None:
    emails = _setup(fake_axigen, tmp_path, 60)
    journal = tmp_path / "j.jsonl"
    down = f"http://127.0.0.1:{unused_tcp_port}"

    run = await run_cli(
        _args(down, tmp_path, "--journal", str(journal), "--concurrency", "20"),
        client_options={"sleep": InstantSleep()},
    )

    assert run.code == 1
    assert (run.out + run.err).count("stopped starting accounts") == 1
    entries = journal_entries(journal)
    assert 0 < len(entries) < 60
    assert {entry["status"] for entry in entries} == {"failed"}
    # One FAILED line per account attempted; none for those never started.
    assert run.out.count("FAILED ") == len(entries)
    assert f"{60 - len(entries)} not attempted" in run.out
    assert "run again with --resume" in run.out

    resumed = await run_cli(_args(fake_axigen.url, tmp_path, "--journal", str(journal), "--resume"))

    assert resumed.code == 0, resumed.out + resumed.err
    assert "60 changed" in resumed.out
    assert _last_statuses(journal) == dict.fromkeys(emails, "done")


async def test_a_torn_journal_line_is_cut_off_so_every_later_resume_reads_it(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, 3)
    journal = tmp_path / "j.jsonl"
    done: dict[str, Any] = {
        "email": emails[0],
        "status": "done",
        "changes": [],
        "conflicts": [],
        "error": None,
    }
    header = journal_header(SPEC)
    journal.write_text(header + json.dumps(done) + "\n" + '{"email": "r2@exa')  # cut by a kill

    first = await run_cli(_args(fake_axigen.url, tmp_path, "--journal", str(journal), "--resume"))
    second = await run_cli(_args(fake_axigen.url, tmp_path, "--journal", str(journal), "--resume"))

    assert (first.code, second.code) == (0, 0), first.err + second.err
    assert "2 changed" in first.out
    assert "3 skipped" in second.out
    lines = journal.read_text().splitlines()
    assert all(json.loads(line) for line in lines)
    assert lines[0] == header.strip()
    assert _last_statuses(journal) == dict.fromkeys(emails, "done")


@pytest.mark.parametrize(
    ("content", "length"),
    [
        pytest.param(b"", None, id="empty"),
        pytest.param(b'{"a": 1}\n', None, id="whole"),
        pytest.param(b'{"a": 1}\n{"b"', 9, id="torn"),
        pytest.param(b'{"b"', 0, id="only-a-fragment"),
        pytest.param(b"x" * 70_000 + b"\n" + b"y" * 70_000, 70_001, id="long-lines"),
    ],
)
def test_complete_length(tmp_path: Path, content: bytes, length: int | None) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(content)
    assert complete_length(str(path)) == length
    assert complete_length(str(tmp_path / "missing.jsonl")) is None


async def test_resume_lists_accounts_done_with_conflicts_again_without_rerunning_them(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, 1)
    journal = tmp_path / "j.jsonl"
    conflict = "signature 'Corp' exists 2 times; left untouched"
    entry = {"email": emails[0], "status": "done", "changes": [], "conflicts": [conflict]}
    journal.write_text(journal_header(SPEC) + json.dumps(entry) + "\n")

    run = await run_cli(_args(fake_axigen.url, tmp_path, "--journal", str(journal), "--resume"))

    assert run.code == 3
    # In one bucket only: it needs review, so it is not also counted as skipped.
    assert "1 need review" in run.out
    assert "0 skipped" in run.out
    assert f"{emails[0]}: done with conflicts in the journal ({conflict})" in run.out
    assert sum(fake_axigen.route_counts.values()) == 0
    assert read_journal(str(journal)).records[emails[0]].conflicts == (conflict,)


async def test_journal_lines_are_made_durable_off_the_event_loop(
    fake_axigen: FakeAxigen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(fake_axigen, tmp_path, 3)
    journal = tmp_path / "j.jsonl"
    where: list[str] = []
    record = Journal.record

    def spying_record(self: Journal, entry: dict[str, Any]) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            where.append("thread")
        else:
            where.append("event loop")
        record(self, entry)

    monkeypatch.setattr(Journal, "record", spying_record)

    run = await run_cli(_args(fake_axigen.url, tmp_path, "--journal", str(journal)))

    assert run.code == 0
    # The header, each create before it is sent, then each account's outcome.
    assert where == ["thread"] * 7
    assert len(journal_entries(journal, "done")) == 3
