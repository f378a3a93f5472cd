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
from collections import Counter
from pathlib import Path

from axigen_async import AccountSession, AxigenClient
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, fan_out
from axigen_async.testing import FakeAxigen
from tests.cli.chaos import APPLY_SPEC
from tests.cli.helpers import InstantSleep, final_statuses, write_csv
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
#: Rounds of reading back the accounts whose read failed under chaos.
READ_ROUNDS = 10

State = tuple[object, ...]


async def _read_state(session: AccountSession) -> State:
    """What apply may change, without the ids and addresses the server picks."""
    vacation = await account.get_vacation(session)
    contact = await account.get_contact_info(session)
    signatures = []
    for summary in await account.list_signatures(session):
        signature = await account.get_signature(session, summary.id)
        signatures.append((signature.name, str(signature.type), signature.body))
    aliases = len(await account.list_temporary_aliases(session))
    return vacation, contact, tuple(sorted(signatures)), aliases


async def _server_state(url: str, emails: list[str]) -> dict[str, State]:
    """Every account's state, read again (in a bounded number of rounds) where chaos won."""
    states: dict[str, State] = {}
    async with AxigenClient(url, sleep=InstantSleep()) as client:
        for _ in range(READ_ROUNDS):
            left = [BulkAccount.basic(email, PASSWORD) for email in emails if email not in states]
            if not left:
                break
            async with fan_out(client, left, _read_state, concurrency=20) as results:
                async for result in results:
                    if result.ok:
                        assert result.value is not None
                        states[result.account.email] = result.value
    assert sorted(states) == sorted(emails)
    return states


def _final_statuses(journal: Path) -> dict[str, str]:
    return final_statuses(journal)


def _assert_no_duplicates(state: State, email: str) -> None:
    _vacation, _contact, signatures, aliases = state
    assert isinstance(signatures, tuple)
    assert isinstance(aliases, int)
    names = Counter(name for name, _type, _body in signatures)
    assert names["Chaos"] <= 1 and names["Plain"] <= 1, email  # noqa: PT018
    # Seeded accounts start with at most two temporary aliases; the SPEC asks for two.
    assert aliases <= 2, email


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
        _assert_no_duplicates(calm_state[email], email)
        _assert_no_duplicates(killed_state[email], email)
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
