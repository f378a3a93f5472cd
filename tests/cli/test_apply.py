"""``axigen-async apply`` against an in-process fake server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from axigen_async.testing import FakeAxigen, FakeContactInfo, FakeSignature
from tests.cli.helpers import (
    InstantSleep,
    assert_no_secrets,
    journal_entries,
    journal_header,
    run_cli,
    secret_forms,
    write_csv,
)

PASSWORD = "Apply-pw-77"
WRITE_ROUTES = (
    "POST /api/v1/account/vacation",
    "POST /api/v1/account/signatures",
    "PUT /api/v1/account/signatures/{id}",
    "PUT /api/v1/account/contactinfo",
)
SPEC: dict[str, Any] = {
    "vacation": {"enabled": True, "subject": "Away", "body": "Back on Monday", "age": 2},
    "signatures": [{"name": "Corp", "type": "html", "body": "<b>Corp</b>"}],
    "contactInfo": {"title": "Dr"},
}


def _writes(fake: FakeAxigen) -> dict[str, int]:
    return {route: fake.route_counts[route] for route in WRITE_ROUTES}


def _setup(fake: FakeAxigen, tmp_path: Path, spec: dict[str, Any], count: int = 4) -> list[str]:
    emails = [f"p{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in emails])
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    return emails


def _apply_args(fake: FakeAxigen, tmp_path: Path, *extra: str) -> list[str]:
    spec, accounts = str(tmp_path / "spec.json"), str(tmp_path / "a.csv")
    return ["apply", spec, accounts, "--url", fake.url, "-q", *extra]


async def test_writes_only_what_differs_and_second_run_changes_nothing(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, SPEC)

    first = await run_cli(_apply_args(fake_axigen, tmp_path))
    after_first = _writes(fake_axigen)
    second = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert first.code == second.code == 0
    assert after_first == dict.fromkeys(WRITE_ROUTES, 4) | {
        "PUT /api/v1/account/signatures/{id}": 0
    }
    assert _writes(fake_axigen) == after_first
    assert "4 changed, 0 unchanged" in first.out
    assert "0 changed, 4 unchanged" in second.out
    state = fake_axigen.account(emails[0])
    assert state.vacation.enabled
    assert state.vacation.subject == "Away"
    assert [(s.name, s.body) for s in state.signatures.values()] == [("Corp", "<b>Corp</b>")]
    assert_no_secrets([first.out, first.err], secret_forms(emails[0], PASSWORD))


async def test_signature_with_another_body_is_updated(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, {"signatures": SPEC["signatures"]}, count=1)
    fake_axigen.account(emails[0]).signatures["s1"] = FakeSignature("s1", "Corp", "html", "old")

    run = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert run.code == 0
    assert fake_axigen.account(emails[0]).signatures["s1"].body == "<b>Corp</b>"
    assert fake_axigen.route_counts["POST /api/v1/account/signatures"] == 0
    assert "signature.update: 1" in run.out


async def test_dry_run_writes_nothing(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    _setup(fake_axigen, tmp_path, SPEC)

    run = await run_cli(_apply_args(fake_axigen, tmp_path, "--dry-run"))

    assert run.code == 0
    assert _writes(fake_axigen) == dict.fromkeys(WRITE_ROUTES, 0)
    assert run.out.count("PLAN ") == 4
    assert "4 would change" in run.out


async def test_contact_info_is_merged_and_account_overrides_merge_field_by_field(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "contactInfo": {"title": "Dr"},
        "accounts": {"p2@example.com": {"contactInfo": {"firstName": "Zed"}}},
    }
    emails = _setup(fake_axigen, tmp_path, spec, count=2)
    for email in emails:
        fake_axigen.account(email).contact_info = FakeContactInfo(first_name="Ann", last_name="Lee")

    run = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert run.code == 0
    first, second = (fake_axigen.account(email).contact_info for email in emails)
    assert (first.title, first.first_name, first.last_name) == ("Dr", "Ann", "Lee")
    assert (second.title, second.first_name, second.last_name) == ("Dr", "Zed", "Lee")
    assert "warning" not in run.err


async def test_account_vacation_merges_and_account_signatures_replace_the_list(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "vacation": {"enabled": True, "subject": "Away", "body": "Back soon"},
        "signatures": [{"name": "Corp", "type": "html", "body": "<b>Corp</b>"}],
        "accounts": {
            "P2@example.com": {
                "vacation": {"subject": "Off"},
                "signatures": [{"name": "Own", "type": "text", "body": "-- me"}],
            }
        },
    }
    emails = _setup(fake_axigen, tmp_path, spec, count=2)

    run = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert run.code == 0
    first, second = (fake_axigen.account(email) for email in emails)
    assert (first.vacation.enabled, first.vacation.subject) == (True, "Away")
    assert (second.vacation.enabled, second.vacation.subject) == (True, "Off")
    assert second.vacation.body == "Back soon"
    assert [s.name for s in first.signatures.values()] == ["Corp"]
    assert [s.name for s in second.signatures.values()] == ["Own"]


async def test_unused_account_overrides_are_counted_once_on_stderr(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "contactInfo": {"title": "Dr"},
        "accounts": {
            "p1@example.com": {"contactInfo": {"firstName": "One"}},
            "ghost@example.com": {"contactInfo": {"firstName": "Boo"}},
            "typo@example.con": {"contactInfo": {"firstName": "Oops"}},
        },
    }
    _setup(fake_axigen, tmp_path, spec, count=2)

    run = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert run.code == 0
    assert run.err.count("warning: 2 of the SPEC's per-account entries") == 1
    assert "ghost@example.com" not in run.err + run.out
    assert fake_axigen.account("p1@example.com").contact_info.first_name == "One"


async def test_duplicate_signature_name_is_a_conflict_left_untouched(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, {"signatures": SPEC["signatures"]}, count=1)
    signatures = fake_axigen.account(emails[0]).signatures
    signatures["s1"] = FakeSignature("s1", "Corp", "html", "one")
    signatures["s2"] = FakeSignature("s2", "Corp", "text", "two")

    run = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert run.code == 3  # needs review, nothing failed
    assert "1 need review" in run.out
    assert "'Corp' exists 2 times" in run.out
    assert _writes(fake_axigen) == dict.fromkeys(WRITE_ROUTES, 0)
    assert {s.body for s in signatures.values()} == {"one", "two"}


async def test_ambiguous_create_is_journaled_unknown_and_re_listed_not_resent_on_resume(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    _setup(fake_axigen, tmp_path, {"signatures": SPEC["signatures"]}, count=1)
    journal = tmp_path / "j.jsonl"
    # The create runs but its answer is lost, and the lookup that could resolve it fails.
    fake_axigen.faults.reset_next("POST /api/v1/account/signatures")
    fake_axigen.faults.fail_next("GET /api/v1/account/signatures/{id}", 500, count=20)
    # A short per-call deadline: the resume re-reads the account once it has passed.
    timeout = ("--journal", str(journal), "--timeout", "1")

    sleep = InstantSleep()

    first = await run_cli(
        _apply_args(fake_axigen, tmp_path, *timeout), client_options={"sleep": sleep}
    )
    fake_axigen.faults.clear()
    creates = fake_axigen.route_counts["POST /api/v1/account/signatures"]
    resumed = await run_cli(_apply_args(fake_axigen, tmp_path, *timeout, "--resume"))

    assert first.code == 3  # needs review, nothing failed
    pending, unknown, done = journal_entries(journal)
    assert (pending["status"], pending["write"]) == ("pending", "signature.create Corp")
    assert (unknown["email"], unknown["status"]) == ("p1@example.com", "unknown")
    assert unknown["error"]["kind"] == "AmbiguousWriteError"
    assert resumed.code == 0, resumed.out
    assert "signature.create Corp (unknown): re-listed: it had taken effect" in resumed.out
    assert fake_axigen.route_counts["POST /api/v1/account/signatures"] == creates == 1
    assert [s.name for s in fake_axigen.account("p1@example.com").signatures.values()] == ["Corp"]
    assert done["status"] == "done"
    assert done["after"]["found"].startswith("re-listed: it had taken effect")
    assert sleep.delays  # the lookup's retries waited on the injected sleep


async def test_resume_skips_done_and_reruns_the_rest(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _setup(fake_axigen, tmp_path, SPEC, count=3)
    journal = tmp_path / "j.jsonl"
    journal.write_text(
        journal_header(SPEC)
        + json.dumps({"email": emails[0], "status": "done", "changes": []})
        + "\n"
        + json.dumps({"email": emails[1], "status": "failed", "changes": []})
        + "\n"
        + '{"email": "torn'  # a line cut by a kill
    )

    run = await run_cli(_apply_args(fake_axigen, tmp_path, "--journal", str(journal), "--resume"))

    assert run.code == 0
    assert "2 changed" in run.out
    assert "1 skipped" in run.out
    assert fake_axigen.account(emails[0]).signatures == {}
    entries = [json.loads(line) for line in journal.read_text().splitlines()[3:]]
    assert sorted(e["email"] for e in entries if e["status"] == "done") == sorted(emails[1:])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param({"vacation": {"enabld": True}}, "enabld", id="unknown-key"),
        pytest.param({"vacation": {"enabled": "yes"}}, "vacation.enabled", id="wrong-type"),
        pytest.param({"vacation": {"startTime": "tomorrow"}}, "startTime", id="bad-timestamp"),
        pytest.param({"signatures": [{"name": "x", "type": "rtf", "body": ""}]}, "type", id="sig"),
        pytest.param({"accounts": {"a@b.c": {"avatar": 1}}}, "avatar", id="override-key"),
        pytest.param({"contactInfo": {"firstName": 3}}, "firstName", id="contact-type"),
    ],
)
async def test_bad_spec_is_a_usage_error_before_anything_is_sent(
    fake_axigen: FakeAxigen, tmp_path: Path, spec: dict[str, Any], message: str
) -> None:
    _setup(fake_axigen, tmp_path, spec, count=1)

    run = await run_cli(_apply_args(fake_axigen, tmp_path))

    assert run.code == 2
    assert message in run.err
    assert sum(fake_axigen.route_counts.values()) == 0


async def test_resume_needs_a_journal(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    _setup(fake_axigen, tmp_path, SPEC, count=1)
    run = await run_cli(_apply_args(fake_axigen, tmp_path, "--resume"))
    assert run.code == 2
    assert "--journal" in run.err
