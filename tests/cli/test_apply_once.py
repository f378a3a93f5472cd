"""Every write of ``apply`` happens once: repeated rows, two runs on one journal, a changed
SPEC on resume, and runs stopped (SIGTERM, SIGINT) or killed (SIGKILL) with creates in
flight, then resumed at once.

Each test runs the real command line in processes against the standalone fake server
(``python -m axigen_async.testing``) and reads the server's state back afterwards.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from axigen_async import AccountSession, AxigenClient
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, fan_out
from tests.cli.helpers import InstantSleep, final_statuses, journal_entries, read_jsonl, write_csv
from tests.cli.processes import CLI, WAIT, fake_server, lines, run, spawn, stop
from tests.helpers import wait_until_sync

PASSWORD = "demo"
#: A signature name no seeded account has.
NAME = "Once"
SPEC = {"signatures": [{"name": NAME, "type": "text", "body": "-- once"}]}


async def _names(url: str, emails: list[str]) -> dict[str, list[str]]:
    """Each account's signature names, read through the library."""

    async def names(session: AccountSession) -> list[str]:
        return [item.name for item in await account.list_signatures(session)]

    found: dict[str, list[str]] = {}
    async with AxigenClient(url, sleep=InstantSleep()) as client:
        accounts = [BulkAccount.basic(email, PASSWORD) for email in emails]
        async with fan_out(client, accounts, names, concurrency=20) as results:
            async for result in results:
                assert result.value is not None, result.error
                found[result.account.email] = result.value
    return found


async def _ours(url: str, emails: list[str]) -> dict[str, int]:
    """How many signatures named NAME each account has."""
    return {email: names.count(NAME) for email, names in (await _names(url, emails)).items()}


def _setup(tmp_path: Path, rows: list[str], spec: object = SPEC) -> tuple[Path, Path]:
    accounts = write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in rows])
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path, accounts


def _wait_for(condition: object, what: str) -> None:
    """Poll ``condition`` (a callable) until true, for at most WAIT seconds."""
    assert callable(condition)
    try:
        wait_until_sync(condition, timeout=WAIT, interval=0.02)
    except AssertionError:
        raise AssertionError(f"timed out waiting for {what}") from None


def _pending(journal: Path) -> int:
    if not journal.exists():
        return 0
    return sum(1 for line in journal.read_text().splitlines() if '"pending"' in line)


# --- item 1: repeated rows --------------------------------------------------------------------


@pytest.mark.slow  # a CLI process
async def test_repeated_rows_in_any_letter_case_are_applied_once_and_reported(
    tmp_path: Path,
) -> None:
    emails = [f"user{index}@example.com" for index in range(1, 11)]
    repeats = ["USER3@EXAMPLE.COM", "user5@example.com", "User7@Example.Com"]
    rows = [*emails, *repeats]  # at concurrency 20, the repeats run alongside their first rows
    spec, accounts = _setup(tmp_path, rows)
    journal = tmp_path / "j.jsonl"

    # Creates held 0.3 s: without the fix both rows of a mailbox list, then both create.
    with fake_server("--accounts", "10", "--create-delay", "0.3") as url:
        done = run(
            [*CLI, "apply", str(spec), str(accounts), "--url", url, "-q"],
            *("--journal", str(journal), "--concurrency", "20"),
        )
        ours = await _ours(url, emails)

    assert done.returncode == 0, done.stdout + done.stderr
    assert ours == dict.fromkeys(emails, 1)
    assert "10 changed" in done.stdout
    assert "3 duplicate rows; 13 rows in all" in done.stdout
    for repeat in repeats:
        assert f"warning: {repeat} repeats an earlier row" in done.stderr
    assert sorted(e["email"] for e in journal_entries(journal, "duplicate")) == sorted(repeats)
    assert final_statuses(journal) == dict.fromkeys(emails, "done")
    assert Counter(e["email"] for e in journal_entries(journal, "done")) == Counter(emails)


# --- item 2: two runs on one journal ----------------------------------------------------------


@pytest.mark.slow  # CLI processes
async def test_a_second_run_on_a_locked_journal_exits_2_at_once_sending_nothing(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    emails = [f"user{index}@example.com" for index in range(1, 7)]
    spec, accounts = _setup(tmp_path, emails)
    journal = tmp_path / "j.jsonl"

    with fake_server("--accounts", "6", "--create-delay", "1") as url:
        base = [*CLI, "apply", str(spec), str(accounts), "-q", "--journal", str(journal)]
        first = spawn([*base, "--url", url, "--concurrency", "2"])
        try:
            _wait_for(lambda: _pending(journal) >= 1, "the first run's first create")
            # A server nobody listens on: any request would fail the run with status 1.
            second = run([*base, "--url", f"http://127.0.0.1:{unused_tcp_port}", "--resume"])
            out, err = first.communicate(timeout=WAIT)
        finally:
            stop(first)
        ours = await _ours(url, emails)

    assert second.returncode == 2, second.stdout + second.stderr
    assert f"{journal} is in use by another run" in second.stderr
    assert second.stdout == ""
    assert first.returncode == 0, out + err
    assert ours == dict.fromkeys(emails, 1)
    assert Counter(e["email"] for e in journal_entries(journal, "done")) == Counter(emails)


# --- item 4: a changed SPEC on resume ---------------------------------------------------------


@pytest.mark.slow  # CLI processes
async def test_resume_with_a_changed_spec_exits_2_unless_allowed_then_replans(
    tmp_path: Path,
) -> None:
    emails = [f"user{index}@example.com" for index in range(1, 5)]
    spec, accounts = _setup(tmp_path, emails)
    journal = tmp_path / "j.jsonl"
    changed = {"signatures": [{"name": NAME, "type": "text", "body": "-- changed"}]}

    with fake_server("--accounts", "4") as url:
        base = [*CLI, "apply", str(spec), str(accounts), "--url", url, "-q"]
        base += ["--journal", str(journal)]
        first = run(base)
        spec.write_text(json.dumps(changed, indent=4))
        refused = run(base, "--resume")
        lines_after_refusal = lines(journal)
        allowed = run(base, "--resume", "--allow-changed-spec")
        again = run(base, "--resume")
        reformatted = spec.read_text()
        spec.write_text(json.dumps(changed))  # the same SPEC, formatted otherwise
        same = run(base, "--resume")
        ours = await _ours(url, emails)

    assert first.returncode == 0, first.stderr
    assert refused.returncode == 2
    assert "was written for another SPEC" in refused.stderr
    assert "--allow-changed-spec" in refused.stderr
    assert lines_after_refusal == 1 + 2 * len(emails)  # header, a pending and a done each
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "4 changed" in allowed.stdout  # every account planned again: bodies updated
    assert "signature.update: 4" in allowed.stdout
    assert again.returncode == 0
    assert "4 skipped" in again.stdout
    assert reformatted != spec.read_text()
    assert same.returncode == 0
    assert "4 skipped" in same.stdout
    assert ours == dict.fromkeys(emails, 1)
    headers = [entry for entry in read_jsonl(journal) if "email" not in entry]
    assert len(headers) == 2  # the first run's, and the one the allowed resume added


# --- item 3: stopped or killed with creates in flight -----------------------------------------


@pytest.mark.parametrize(
    ("sig", "status", "name"),
    [
        pytest.param(signal.SIGTERM, 143, "SIGTERM", id="sigterm"),
        pytest.param(signal.SIGINT, 130, "SIGINT", id="sigint"),
    ],
)
@pytest.mark.slow  # CLI processes stopped mid-run
async def test_a_stop_with_creates_held_journals_them_unknown_and_an_at_once_resume_duplicates_none(
    tmp_path: Path, sig: signal.Signals, status: int, name: str
) -> None:
    count = 30
    emails = [f"user{index}@example.com" for index in range(1, count + 1)]
    spec, accounts = _setup(tmp_path, emails)
    journal = tmp_path / "j.jsonl"

    # Each create takes 3 s, more than the 2 s grace after the signal.
    with fake_server("--accounts", str(count), "--create-delay", "3") as url:
        base = [*CLI, "apply", str(spec), str(accounts), "--url", url, "-q"]
        base += ["--journal", str(journal), "--concurrency", "10", "--timeout", "5"]
        process = spawn(base)
        try:
            _wait_for(lambda: _pending(journal) >= 5, "creates in flight")
            process.send_signal(sig)
            out, err = process.communicate(timeout=WAIT)
        finally:
            stop(process)
        unknown_at_stop = set(final_statuses(journal, {"unknown"}))
        resumed = run(base, "--resume")
        ours = await _ours(url, emails)

    assert process.returncode == status, out + err
    assert out.startswith("Accounts: ")  # the summary, before the stop's line
    assert f"Stopped by {name}" in out
    assert f"; {count} rows in all" in out  # not started or in flight: every row counted
    assert unknown_at_stop, "no create was still in flight after the grace"
    assert all(
        entry["write"] == f"signature.create {NAME}"
        for entry in journal_entries(journal, "unknown")
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{count} rows in all" in resumed.stdout
    for email in unknown_at_stop:
        assert f"{email}: signature.create {NAME} (unknown): re-listed: it had taken effect" in (
            resumed.stdout
        )
    assert ours == dict.fromkeys(emails, 1)
    assert final_statuses(journal) == dict.fromkeys(emails, "done")


@pytest.mark.slow  # CLI processes killed mid-run
async def test_a_kill_with_creates_pending_then_an_at_once_resume_duplicates_none(
    tmp_path: Path,
) -> None:
    count = 30
    emails = [f"user{index}@example.com" for index in range(1, count + 1)]
    spec, accounts = _setup(tmp_path, emails)
    journal = tmp_path / "j.jsonl"

    # Creates take effect 3 s after they arrive, whether or not the client is still there.
    with fake_server("--accounts", str(count), "--create-delay", "3") as url:
        base = [*CLI, "apply", str(spec), str(accounts), "--url", url, "-q"]
        base += ["--journal", str(journal), "--concurrency", "10", "--timeout", "5"]
        process = spawn(base, capture=False)
        try:
            _wait_for(lambda: _pending(journal) >= 5, "creates in flight")
        finally:
            stop(process)  # SIGKILL: no handler, nothing journaled after this
        pending_at_kill = {e["email"] for e in journal_entries(journal, "pending")}
        resumed = run(base, "--resume")

        # Then wait for every late create to land before reading the final state.
        async def landed() -> bool:
            return all(n >= 1 for n in (await _ours(url, emails)).values())

        deadline = time.monotonic() + WAIT
        while not await landed():
            assert time.monotonic() < deadline, "the creates never landed"
            await asyncio.sleep(0.1)  # a poll interval, not a synchronisation
        ours = await _ours(url, emails)

    assert pending_at_kill
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert ours == dict.fromkeys(emails, 1)
    assert final_statuses(journal) == dict.fromkeys(emails, "done")
    # Each create the kill left unanswered is resolved by a listing after its deadline:
    # found (it landed late, and was not sent again), or absent (the kill came between
    # journaling it and sending it) and sent once.
    for email in pending_at_kill:
        assert f"{email}: signature.create {NAME} (pending): " in resumed.stdout
    assert "(pending): re-listed: it had taken effect; not sent again" in resumed.stdout
