"""A run stops starting accounts after N failed logins in a row (a wrong shared password
would otherwise try it on every account of a domain, risking lockouts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axigen_async.testing import FakeAxigen
from tests.cli.helpers import Run, journal_entries, read_jsonl, run_cli

RIGHT = "Right-pw-77"
WRONG = "Wrong-pw-78"


def _accounts(fake: FakeAxigen, path: Path, passwords: list[str]) -> list[str]:
    """One account per password given, all of them with the RIGHT password on the server."""
    emails = [f"l{index}@example.com" for index in range(1, len(passwords) + 1)]
    for email in emails:
        fake.add_account(email, RIGHT)
    rows = "".join(f"{email},{pw}\n" for email, pw in zip(emails, passwords, strict=True))
    path.write_text("email,password\n" + rows, encoding="utf-8")
    return emails


async def _audit(fake: FakeAxigen, accounts: Path, *options: str) -> Run:
    report = accounts.with_suffix(".report.jsonl")
    return await run_cli(
        ["audit", str(accounts), "--url", fake.url, "--out", str(report), "-q", *options]
    )


def _failed_logins(fake: FakeAxigen) -> int:
    return sum(fake.login_failures.values())


async def test_audit_stops_after_the_limit_and_reports_every_account(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts, report = tmp_path / "a.csv", tmp_path / "a.report.jsonl"
    emails = _accounts(fake_axigen, accounts, [WRONG] * 30)

    run = await _audit(fake_axigen, accounts, "--concurrency", "2", "--max-login-failures", "5")

    assert run.code == 1
    # The fifth failure stops the run; at most one more login was already in flight.
    assert 5 <= _failed_logins(fake_axigen) <= 6
    records = read_jsonl(report)
    assert sorted(record["email"] for record in records) == sorted(emails)
    not_attempted = [r for r in records if r["outcome"] == "not attempted"]
    assert len(not_attempted) == 30 - _failed_logins(fake_axigen)
    assert {r["error"]["kind"] for r in not_attempted} == {"LoginFailuresStop"}
    assert all(r["attempts"] == 0 for r in not_attempted)
    stopped = [line for line in run.out.splitlines() if line.startswith("Stopped:")]
    assert len(stopped) == 1
    assert "5 accounts in a row failed to log in" in stopped[0]
    assert "--max-login-failures" in stopped[0]
    assert f", {len(not_attempted)} not attempted" in run.out
    assert WRONG not in run.out + run.err


async def test_the_default_limit_is_ten(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    _accounts(fake_axigen, accounts, [WRONG] * 25)

    run = await _audit(fake_axigen, accounts, "--concurrency", "1")

    assert run.code == 1
    assert _failed_logins(fake_axigen) == 10
    assert "0 succeeded, 10 failed, 15 not attempted" in run.out


async def test_a_successful_login_resets_the_count(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    _accounts(fake_axigen, accounts, [WRONG, WRONG, RIGHT] * 6)

    run = await _audit(fake_axigen, accounts, "--concurrency", "1", "--max-login-failures", "3")

    assert run.code == 1
    assert _failed_logins(fake_axigen) == 12
    assert "Audited 18 accounts: 6 succeeded, 12 failed" in run.out
    assert "Stopped:" not in run.out


async def test_zero_turns_the_stop_off(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    _accounts(fake_axigen, accounts, [WRONG] * 15)

    run = await _audit(fake_axigen, accounts, "--concurrency", "3", "--max-login-failures", "0")

    assert run.code == 1
    assert _failed_logins(fake_axigen) == 15
    assert "Stopped:" not in run.out


@pytest.mark.parametrize("value", ["-1", "x"])
async def test_a_bad_limit_is_a_usage_error(tmp_path: Path, value: str) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text("email,password\nl1@example.com,pw\n", encoding="utf-8")

    run = await run_cli(
        ["audit", str(accounts), "--url", "http://127.0.0.1:9", f"--max-login-failures={value}"]
    )

    assert run.code == 2
    assert "--max-login-failures" in run.err


async def test_apply_stops_too_and_does_not_journal_the_accounts_not_started(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec, accounts, journal = tmp_path / "spec.json", tmp_path / "a.csv", tmp_path / "j.jsonl"
    spec.write_text(json.dumps({"contactInfo": {"title": "Dr"}}), encoding="utf-8")
    emails = _accounts(fake_axigen, accounts, [WRONG] * 12)
    args = ["apply", str(spec), str(accounts), "--url", fake_axigen.url, "-q"]
    args += ["--journal", str(journal), "--concurrency", "1"]

    run = await run_cli([*args, "--max-login-failures", "4"])

    assert run.code == 1
    assert _failed_logins(fake_axigen) == 4
    assert sorted(entry["email"] for entry in journal_entries(journal)) == sorted(emails[:4])
    stopped = [line for line in run.out.splitlines() if line.startswith("Stopped:")]
    assert len(stopped) == 1
    assert "4 accounts in a row failed to log in" in stopped[0]
    assert "8 accounts were not attempted" in run.out

    accounts.write_text(accounts.read_text(encoding="utf-8").replace(WRONG, RIGHT))
    resumed = await run_cli([*args, "--resume"])

    assert resumed.code == 0, resumed.out + resumed.err
    assert fake_axigen.account(emails[-1]).contact_info.title == "Dr"
