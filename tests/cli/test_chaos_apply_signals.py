"""Issue 11's "done when": ``apply`` over 1,000 accounts under chaos, with repeated rows,
one SIGTERM and one SIGKILL at seeded points, each followed by an immediate ``--resume``,
ends exactly where an undisturbed run ends.

Two standalone fake servers in processes of their own, seeded alike and both under the
chaos plan (5 % 503, 2 % 429, 1 % resets mid-response, 1 % slow answers, every session
ended each 200 requests). ACCOUNTS lists the 1,000 accounts and repeats 5 % of them in
another letter case. The undisturbed side runs ``apply``, then ``--resume`` until it exits
0; the disturbed side is stopped by SIGTERM once its journal has a seeded number of
accounts done, resumed at once, that resume killed by SIGKILL at another seeded point,
and resumed again at once until it exits 0. Chaos makes some accounts fail or end
unknown in any one run, so both sides need a bounded number of resumes to converge;
that is what an operator does, and what "converged" (exit 0) means.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.cli.chaos import APPLY_SPEC, assert_no_duplicates, server_state
from tests.cli.helpers import journal_entries, write_csv
from tests.cli.processes import CLI, fake_server, spawn, stop
from tests.helpers import wait_until_sync

ACCOUNTS = 1000
PASSWORD = "demo"
SEED = 2026
FAKE_OPTIONS = (
    *("--accounts", str(ACCOUNTS), "--password", PASSWORD, "--seed", "3"),
    *("--chaos", "--fault-seed", "11", "--slow-seconds", "0.2"),
)
#: A short per-call deadline: a resume re-reads an account whose create was left
#: unanswered once this has passed since it was sent.
OPTIONS = ("-q", "--concurrency", "50", "--timeout", "10")
#: The longest one run of the command may take, and the most runs to converge.
RUN_WAIT = 300.0
MAX_RUNS = 8


def _done(journal: Path) -> int:
    return sum(1 for line in journal.read_text().splitlines() if '"status": "done"' in line)


def _signal_once_done(command: list[str], journal: Path, done: int, sig: int) -> tuple[int, str]:
    """Run ``command``; send ``sig`` once the journal has ``done`` more accounts done.

    Returns the exit status and standard output.
    """
    start = _done(journal) if journal.exists() else 0
    process = spawn(command)
    try:

        def reached() -> bool:
            ended = process.poll() is not None
            return ended or (_done(journal) if journal.exists() else 0) >= start + done

        wait_until_sync(reached, timeout=RUN_WAIT, interval=0.05)
        assert process.poll() is None, "the run ended before the signal's point"
        process.send_signal(sig)
        out, _err = process.communicate(timeout=RUN_WAIT)
    finally:
        stop(process)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    return process.returncode, out


def _converge(command: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """``command --resume`` until it exits 0, at most MAX_RUNS times."""
    runs: list[subprocess.CompletedProcess[str]] = []
    for _ in range(MAX_RUNS):
        runs.append(
            subprocess.run(  # noqa: S603 - our own interpreter and module
                [*command, "--resume"],
                capture_output=True,
                text=True,
                timeout=RUN_WAIT,
                check=False,
            )
        )
        if runs[-1].returncode == 0:
            break
    return runs


def _final(journal: Path) -> tuple[dict[str, str], Counter[str]]:
    """Each lower-cased address's last outcome, and how often each was journaled done."""
    last = {
        entry["email"].lower(): entry["status"]
        for entry in journal_entries(journal, "done", "failed", "unknown")
    }
    done = Counter(entry["email"].lower() for entry in journal_entries(journal, "done"))
    return last, done


@pytest.mark.slow
async def test_apply_with_repeats_a_sigterm_and_a_sigkill_under_chaos_ends_as_undisturbed(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    emails = [f"user{index}@example.com" for index in range(1, ACCOUNTS + 1)]
    repeated = rng.sample(emails, ACCOUNTS // 20)
    rows = [
        *emails,
        *(email.upper() if rng.random() < 0.5 else email.title() for email in repeated),
    ]
    rng.shuffle(rows)
    accounts = write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in rows])
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(APPLY_SPEC))
    term_after, kill_after = rng.randrange(100, 300), rng.randrange(100, 300)

    with fake_server(*FAKE_OPTIONS) as calm_url, fake_server(*FAKE_OPTIONS) as url:
        calm_journal, journal = tmp_path / "calm.jsonl", tmp_path / "disturbed.jsonl"
        base = [*CLI, "apply", str(spec), str(accounts), *OPTIONS]
        calm = [*base, "--url", calm_url, "--journal", str(calm_journal)]
        disturbed = [*base, "--url", url, "--journal", str(journal)]

        calm_first = spawn(calm)  # runs alongside the disturbed side
        try:
            term_status, term_out = _signal_once_done(
                disturbed, journal, term_after, signal.SIGTERM
            )
            kill_status, _ = _signal_once_done(
                [*disturbed, "--resume"], journal, kill_after, signal.SIGKILL
            )
            runs = _converge(disturbed)
            calm_first.communicate(timeout=RUN_WAIT)
        finally:
            stop(calm_first)
            for stream in (calm_first.stdout, calm_first.stderr):
                if stream is not None:
                    stream.close()
        calm_runs = _converge(calm)

        calm_state = await server_state(calm_url, emails, PASSWORD)
        state = await server_state(url, emails, PASSWORD)

    assert term_status == 143, term_out
    assert "\nAccounts: " in f"\n{term_out}"  # the summary, printed before the stop's line
    assert "Stopped by SIGTERM" in term_out
    assert kill_status == -signal.SIGKILL
    # Both sides converged within the bound; the last run of each exits 0.
    assert runs[-1].returncode == 0, [(r.returncode, r.stdout[-600:]) for r in runs]
    assert calm_runs[-1].returncode == 0, [(r.returncode, r.stdout[-600:]) for r in calm_runs]
    final_report = runs[-1].stdout
    assert f"{ACCOUNTS // 20} duplicate rows; {len(rows)} rows in all" in final_report
    # Exactly the undisturbed end state, and no duplicate signature or alias anywhere.
    for email in emails:
        assert_no_duplicates(state[email], email)
        assert_no_duplicates(calm_state[email], email)
    assert state == calm_state
    _vacation, contact, signatures, _aliases = state[emails[0]]
    assert isinstance(signatures, tuple)
    assert ("Chaos", "html", "<b>calm</b>") in signatures
    assert getattr(contact, "title", None) == "Dr."
    # Every account exactly once in the final journal state, done, and done only once.
    last, done = _final(journal)
    assert last == dict.fromkeys(emails, "done")
    assert done == Counter(emails)
    calm_last, _ = _final(calm_journal)
    assert calm_last == dict.fromkeys(emails, "done")
