"""``apply``: inputs never destroyed, the journal's header, vacation times at the API's
resolution, the exit status and summary counts, and the SPEC's field names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from axigen_async.cli._journal import (
    Journal,
    JournalError,
    header_entry,
    read_journal,
    spec_fingerprint,
)
from axigen_async.testing import FakeAxigen, FakeSignature
from tests.cli.helpers import journal_entries, journal_header, run_cli, write_csv

PASSWORD = "Status-pw-5"
SPEC: dict[str, Any] = {"signatures": [{"name": "Corp", "type": "text", "body": "-- Corp"}]}


def _setup(fake: FakeAxigen, tmp_path: Path, spec: object = SPEC, count: int = 2) -> list[str]:
    emails = [f"s{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in emails])
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    return emails


def _args(fake: FakeAxigen, tmp_path: Path, *extra: str) -> list[str]:
    spec, accounts = str(tmp_path / "spec.json"), str(tmp_path / "a.csv")
    return ["apply", spec, accounts, "--url", fake.url, "-q", *extra]


# --- item 5: inputs never destroyed -----------------------------------------------------------


@pytest.mark.parametrize("which", ["spec.json", "a.csv"])
async def test_a_journal_that_is_an_input_is_refused_and_left_whole(
    fake_axigen: FakeAxigen, tmp_path: Path, which: str
) -> None:
    _setup(fake_axigen, tmp_path)
    path = tmp_path / which
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # a last line with no line break
    before = path.read_bytes()

    run = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(path)))

    assert run.code == 2
    name = "SPEC" if which == "spec.json" else "ACCOUNTS"
    assert f"--journal {path} is the {name} file; refused" in run.err
    assert path.read_bytes() == before
    assert sum(fake_axigen.route_counts.values()) == 0


async def test_a_journal_that_is_an_input_by_another_name_is_refused(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    _setup(fake_axigen, tmp_path)
    link = tmp_path / "journal.jsonl"
    link.symlink_to(tmp_path / "spec.json")
    before = (tmp_path / "spec.json").read_bytes()

    run = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(link)))

    assert run.code == 2
    assert "is the SPEC file" in run.err
    assert (tmp_path / "spec.json").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"some notes\nmore", "not a journal", id="text"),
        pytest.param(b'{"a": 1}', "not a journal", id="torn-json"),
        pytest.param(
            b'{"email": "s1@example.com", "status": "done"}\n', "older version", id="old-journal"
        ),
        pytest.param(b'{"axigenAsyncJournal": 9, "fingerprint": "x"}\n', "unknown format", id="v9"),
    ],
)
@pytest.mark.parametrize("resume", [False, True])
async def test_a_file_whose_first_line_is_not_a_journal_header_is_refused_never_truncated(
    fake_axigen: FakeAxigen, tmp_path: Path, content: bytes, message: str, resume: bool
) -> None:
    _setup(fake_axigen, tmp_path)
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(content)

    extra = ("--resume",) if resume else ()
    run = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(journal), *extra))

    assert run.code == 2
    assert str(journal) in run.err
    assert message in run.err
    assert journal.read_bytes() == content
    assert sum(fake_axigen.route_counts.values()) == 0


def test_a_changed_header_makes_earlier_done_entries_count_no_more(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    done = {"email": "A@example.com", "status": "done", "changes": []}
    pending = {"email": "b@example.com", "status": "pending", "write": "signature.create X"}
    pending["sentAt"] = "2026-01-01T00:00:00+00:00"
    journal.write_text(
        journal_header({"v": 1})
        + "".join(json.dumps(entry) + "\n" for entry in (done, pending))
        + journal_header({"v": 2})
    )

    state = read_journal(str(journal))

    assert "a@example.com" not in state.records  # done under the old SPEC: planned again
    assert state.records["b@example.com"].status == "pending"  # may still have happened
    assert state.records["b@example.com"].write == "signature.create X"
    assert state.records["b@example.com"].sent_at == 1767225600.0


def test_a_pending_entry_without_a_zone_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    entry = {"email": "b@example.com", "status": "pending", "sentAt": "2026-01-01T00:00:00"}
    journal.write_text(journal_header({}) + json.dumps(entry) + "\n")

    with pytest.raises(JournalError, match=r"j\.jsonl:2: sentAt"):
        read_journal(str(journal))


# --- item 14: vacation times at the API's one-second resolution -------------------------------


async def test_vacation_times_with_a_fraction_of_a_second_are_not_rewritten_on_every_run(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "vacation": {
            "enabled": True,
            "startTime": "2030-01-01T08:00:00.750Z",
            "endTime": "2030-01-31T18:00:00.250+00:00",
        }
    }
    [email] = _setup(fake_axigen, tmp_path, spec, count=1)

    first = await run_cli(_args(fake_axigen, tmp_path))
    second = await run_cli(_args(fake_axigen, tmp_path))

    assert (first.code, second.code) == (0, 0), first.out + first.err
    assert fake_axigen.route_counts["POST /api/v1/account/vacation"] == 1
    assert "1 changed" in first.out
    assert "0 changed, 1 unchanged" in second.out
    vacation = fake_axigen.account(email).vacation
    assert vacation.start_time is not None
    assert vacation.start_time.isoformat() == "2030-01-01T08:00:00+00:00"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param("2030-01-01T08:00:00.100Z", "2030-01-01T08:00:00.900Z", id="within-a-second"),
        pytest.param("2030-01-01T08:00:00.900Z", "2030-01-01T08:00:01.500Z", id="across-a-second"),
    ],
)
async def test_a_vacation_window_under_one_second_is_refused_up_front(
    fake_axigen: FakeAxigen, tmp_path: Path, start: str, end: str
) -> None:
    spec = {"vacation": {"enabled": True, "startTime": start, "endTime": end}}
    _setup(fake_axigen, tmp_path, spec, count=1)

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 2
    assert "under one second" in run.err
    assert sum(fake_axigen.route_counts.values()) == 0


# --- issue 12 item 6: exit status, counts that add up, the SPEC's field names -----------------


async def test_counts_add_up_to_the_rows_with_no_overlap_and_a_failure_exits_1(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, count=4)
    changed, unchanged, review, failed = emails
    fake_axigen.account(unchanged).signatures["s1"] = FakeSignature("s1", "Corp", "text", "-- Corp")
    for number in (1, 2):  # a name present twice: a conflict for review
        sig = FakeSignature(f"s{number}", "Corp", "text", "x")
        fake_axigen.account(review).signatures[sig.id] = sig
    rows = [(e, "wrong" if e == failed else PASSWORD) for e in emails] + [(changed, PASSWORD)]
    write_csv(tmp_path / "a.csv", rows)

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 1
    assert (
        "Accounts: 1 changed, 1 unchanged, 1 failed, 1 need review, 0 skipped "
        "(done in the journal), 1 duplicate rows; 5 rows in all"
    ) in run.out


async def test_review_without_failures_exits_3_and_a_converged_rerun_exits_0(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, count=2)
    for number in (1, 2):
        sig = FakeSignature(f"s{number}", "Corp", "text", "x")
        fake_axigen.account(emails[1]).signatures[sig.id] = sig

    review = await run_cli(_args(fake_axigen, tmp_path))
    fake_axigen.account(emails[1]).signatures.pop("s2")
    settled = await run_cli(_args(fake_axigen, tmp_path))
    converged = await run_cli(_args(fake_axigen, tmp_path))

    assert review.code == 3
    assert "1 changed, 0 unchanged, 0 failed, 0 need review" not in review.out
    assert "1 changed, 0 unchanged, 0 failed, 1 need review" in review.out
    assert settled.code == 0
    assert (converged.code, "0 changed, 2 unchanged") == (0, "0 changed, 2 unchanged")
    assert "0 changed, 2 unchanged, 0 failed, 0 need review" in converged.out


async def test_plans_and_journal_entries_name_fields_as_the_spec_does(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "vacation": {
            "enabled": True,
            "applyAlways": False,
            "applyToExternal": False,
            "startTime": "2030-01-01T00:00:00Z",
            "endTime": "2030-01-02T00:00:00Z",
        },
        "contactInfo": {"firstName": "Ann", "personalEmailAddress": "ann@example.org"},
    }
    _setup(fake_axigen, tmp_path, spec, count=1)
    journal = tmp_path / "j.jsonl"

    plan = await run_cli(_args(fake_axigen, tmp_path, "--dry-run"))
    done = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(journal)))

    assert plan.code == done.code == 0
    assert "vacation applyAlways, applyToExternal, enabled, endTime, startTime" in plan.out
    assert "contactInfo firstName, personalEmailAddress" in plan.out
    [entry] = journal_entries(journal)
    details = {change["kind"]: change["detail"] for change in entry["changes"]}
    assert details == {
        "vacation": "applyAlways, applyToExternal, enabled, endTime, startTime",
        "contactInfo": "firstName, personalEmailAddress",
    }
    assert "apply_always" not in plan.out + journal.read_text()
    assert "first_name" not in plan.out + journal.read_text()


def test_a_locked_journal_refuses_a_second_holder_until_released(tmp_path: Path) -> None:
    path = str(tmp_path / "j.jsonl")
    first, second = Journal(path), Journal(path)
    with first:
        with pytest.raises(JournalError, match="is in use by another run"):
            second.lock()
        first.record({"email": "a@example.com", "status": "failed"})
    second.lock()  # released by the first's end
    second.close()
    with pytest.raises(JournalError, match="closed"):
        first.record({"email": "b@example.com", "status": "failed"})
    assert (tmp_path / "j.jsonl").read_text().count("\n") == 1


def test_a_header_torn_before_its_line_break_is_written_again(tmp_path: Path) -> None:
    wanted = spec_fingerprint({"contactInfo": {"title": "Dr."}})
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps(header_entry(wanted)), encoding="utf-8")  # no line break
    state = read_journal(str(path))
    assert state.fingerprint == wanted

    journal = Journal(str(path))
    with journal:
        journal.begin(state, wanted)
        journal.record({"email": "a@example.com", "status": "done", "changes": []})

    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["fingerprint"] == wanted
    assert read_journal(str(path)).records.keys() == {"a@example.com"}
