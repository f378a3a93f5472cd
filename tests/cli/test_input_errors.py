"""Bad input found late: a malformed ACCOUNTS row midway, an unwritable report, SPEC checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from axigen_async.cli._spec import SpecError, parse_spec
from axigen_async.testing import FakeAxigen
from tests.cli.helpers import read_jsonl, run_cli

PASSWORD = "Rows-pw-58"


def _accounts_with_a_bad_row(fake: FakeAxigen, path: Path) -> list[str]:
    """Rows m1..m5, one without an address at line 7 (m7's, once fixed), then m6."""
    emails = [f"m{index}@example.com" for index in range(1, 8)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    rows = [f"{email},{PASSWORD}" for email in emails[:5]]
    rows += [f"not-an-address,{PASSWORD}", f"m6@example.com,{PASSWORD}"]
    path.write_text("email,password\n" + "\n".join(rows) + "\n")
    return emails


async def test_audit_summarizes_the_accounts_before_a_malformed_row(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts, report = tmp_path / "a.csv", tmp_path / "r.jsonl"
    emails = _accounts_with_a_bad_row(fake_axigen, accounts)

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q"]
    )

    assert run.code == 2
    assert "Audited 5 accounts: 5 succeeded, 0 failed" in run.out
    assert f"Report: {report} (5 records)" in run.out
    assert "a.csv:7: missing or invalid email" in run.err
    assert "the accounts before it were audited" in run.err
    assert sorted(r["email"] for r in read_jsonl(report)) == emails[:5]
    assert PASSWORD not in run.out + run.err


async def test_apply_summarizes_and_journals_the_accounts_before_a_malformed_row(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts, journal, spec = tmp_path / "a.csv", tmp_path / "j.jsonl", tmp_path / "spec.json"
    emails = _accounts_with_a_bad_row(fake_axigen, accounts)
    spec.write_text(json.dumps({"contactInfo": {"title": "Dr"}}))
    args = ["apply", str(spec), str(accounts), "--url", fake_axigen.url, "-q"]
    args += ["--journal", str(journal)]

    run = await run_cli(args)

    assert run.code == 2
    assert "Accounts: 5 changed, 0 unchanged, 0 failed" in run.out
    assert f"Journal: {journal}" in run.out
    assert "a.csv:7: missing or invalid email" in run.err
    assert sorted(entry["email"] for entry in read_jsonl(journal)[1:]) == emails[:5]

    accounts.write_text(accounts.read_text().replace("not-an-address,", "m7@example.com,"))
    resumed = await run_cli([*args, "--resume"])

    assert resumed.code == 0, resumed.err
    assert "2 changed, 0 unchanged, 0 failed, 0 need review, 5 skipped" in resumed.out
    assert sorted(entry["email"] for entry in read_jsonl(journal)[1:]) == emails


@pytest.mark.parametrize("command", ["audit", "demo"])
async def test_an_unwritable_report_is_a_usage_error(
    fake_axigen: FakeAxigen, tmp_path: Path, command: str
) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(f"email,password\nu@example.com,{PASSWORD}\n")
    out = tmp_path / "missing" / "r.jsonl"
    args = [str(accounts), "--url", fake_axigen.url] if command == "audit" else ["--accounts", "3"]

    run = await run_cli([command, *args, "--out", str(out), "-q"])

    assert run.code == 2
    assert f"--out: cannot write {out}" in run.err
    assert "Traceback" not in run.err
    assert sum(fake_axigen.route_counts.values()) == 0


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(
            {
                "vacation": {"startTime": "2025-07-10T00:00:00Z"},
                "accounts": {"a@b.c": {"vacation": {"endTime": "2025-07-01T00:00:00Z"}}},
            },
            "accounts.a@b.c.vacation (merged over the top-level vacation): endTime",
            id="merged-times",
        ),
        pytest.param(
            {"accounts": {"a@b.c": {}, "A@B.C": {}}}, "appears twice", id="same-address-twice"
        ),
    ],
)
def test_spec_checks_each_account_after_merging(document: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_spec(document)


def test_account_spec_merges_vacation_and_contact_and_replaces_signatures() -> None:
    spec = parse_spec(
        {
            "vacation": {"enabled": True, "subject": "Away"},
            "contactInfo": {"title": "Dr."},
            "signatures": [{"name": "Corp", "type": "text", "body": "corp"}],
            "accounts": {
                "jane@example.com": {
                    "vacation": {"subject": "Off"},
                    "contactInfo": {"firstName": "Jane"},
                    "signatures": [],
                }
            },
        }
    )

    jane, other = spec.for_account("Jane@Example.com"), spec.for_account("x@example.com")

    assert jane.vacation == {"enabled": True, "subject": "Off"}
    assert jane.contact == {"title": "Dr.", "first_name": "Jane"}
    assert jane.signatures == ()
    assert other.contact == {"title": "Dr."}
    assert other.signatures is not None
    assert [s.name for s in other.signatures] == ["Corp"]
