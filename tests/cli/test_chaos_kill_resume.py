"""``apply`` killed with SIGKILL at a random point under chaos, then resumed, ends where an
undisturbed run ends.

Two standalone fake servers in processes of their own, seeded alike and both under the
chaos plan (``--chaos``). One gets an undisturbed ``apply``; the other an ``apply`` killed
once its journal has a seeded random number of lines, then ``--resume``. Each server is
then read back through the library (its reads retried through the same chaos).

Chaos leaves some writes unknown, and which ones depends on how requests interleave, so
two runs need not hold the same accounts for review. For every account that both runs
journal as done, the two servers must hold the same state; no account is lost; no
signature or temporary alias is ever duplicated.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from axigen_async.testing import FakeAxigen
from tests.cli.chaos import APPLY_SPEC, State, assert_no_duplicates, server_state
from tests.cli.helpers import final_statuses, write_csv
from tests.cli.processes import CLI, fake_server, run, run_and_kill

ACCOUNTS = 150
PASSWORD = "demo"
KILL_SEED = 7
FAKE_OPTIONS = (
    *("--accounts", str(ACCOUNTS), "--password", PASSWORD, "--seed", "3"),
    *("--chaos", "--fault-seed", "11", "--slow-seconds", "0.2"),
)
#: A per-call deadline short enough that the resume does not wait long for the creates
#: the kill left unanswered (it re-reads those accounts once it has passed).
TIMEOUT = ("--timeout", "10")


def _final_statuses(journal: Path) -> dict[str, str]:
    return final_statuses(journal)


async def _server_state(url: str, emails: list[str]) -> dict[str, State]:
    return await server_state(url, emails, PASSWORD)


@pytest.mark.slow  # processes under chaos, killed and resumed
async def test_a_killed_and_resumed_apply_under_chaos_ends_as_an_undisturbed_one(
    tmp_path: Path,
) -> None:
    emails = [f"user{index}@example.com" for index in range(1, ACCOUNTS + 1)]
    accounts = write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in emails])
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(APPLY_SPEC))
    kill_after = random.Random(KILL_SEED).randrange(10, ACCOUNTS - 20)

    with fake_server(*FAKE_OPTIONS) as calm_url, fake_server(*FAKE_OPTIONS) as killed_url:
        calm_journal, killed_journal = tmp_path / "calm.jsonl", tmp_path / "killed.jsonl"
        base = [*CLI, "apply", str(spec), str(accounts), "-q", "--concurrency", "20", *TIMEOUT]

        calm = run([*base, "--url", calm_url, "--journal", str(calm_journal)])
        killed = [*base, "--url", killed_url, "--journal", str(killed_journal)]
        done_at_kill = run_and_kill(killed, killed_journal, after_lines=kill_after)
        resumed = run(killed, "--resume")

        calm_state = await _server_state(calm_url, emails)
        killed_state = await _server_state(killed_url, emails)

    assert len(done_at_kill) < ACCOUNTS, "the kill came after the run ended"
    assert calm.returncode in (0, 1, 3), calm.stderr
    assert resumed.returncode in (0, 1, 3), resumed.stderr
    assert f"{len(done_at_kill)} skipped" in resumed.stdout
    # No account lost: each has a final status in both journals.
    calm_status, killed_status = _final_statuses(calm_journal), _final_statuses(killed_journal)
    assert sorted(calm_status) == sorted(killed_status) == sorted(emails)
    for email in emails:
        assert_no_duplicates(calm_state[email], email)
        assert_no_duplicates(killed_state[email], email)
    both_done = [e for e in emails if calm_status[e] == killed_status[e] == "done"]
    assert len(both_done) > ACCOUNTS * 2 // 3
    assert {e: killed_state[e] for e in both_done} == {e: calm_state[e] for e in both_done}
    # And what they did is the SPEC: the same state is the wanted one, not one left alone.
    vacation, contact, signatures, _aliases = killed_state[both_done[0]]
    assert isinstance(signatures, tuple)
    assert ("Chaos", "html", "<b>calm</b>") in signatures
    assert getattr(contact, "title", None) == "Dr."
    assert getattr(vacation, "subject", None) == "Away"


def test_the_seeded_accounts_start_with_at_most_two_temporary_aliases() -> None:
    """The bound the duplicate check above relies on."""
    fake = FakeAxigen()
    fake.add_seeded_accounts(ACCOUNTS, password=PASSWORD, seed=3)
    counts = [len(fake.account(f"user{i}@example.com").temporary_aliases) for i in range(1, 151)]
    assert max(counts) <= 2
