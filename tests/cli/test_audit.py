"""``axigen-async audit`` against an in-process fake server."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from axigen_async.testing import FakeAxigen
from tests.cli.helpers import (
    InstantSleep,
    assert_no_secrets,
    read_jsonl,
    run_cli,
    secret_forms,
    write_csv,
    write_jsonl,
)

PASSWORD = "S3cret-pw-4-audit"


def _seed(fake: FakeAxigen, count: int) -> list[str]:
    emails = [f"a{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    return emails


async def test_every_account_reported_once_and_wrong_password_fails(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _seed(fake_axigen, 60)
    fake_axigen.add_account("wrong@example.com", "the-right-one")
    accounts = write_csv(
        tmp_path / "accounts.csv",
        [*((email, PASSWORD) for email in emails), ("wrong@example.com", "Not-the-pw-9")],
    )
    report = tmp_path / "report.jsonl"

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "--quiet"]
    )

    assert run.code == 1
    records = read_jsonl(report)
    assert sorted(r["email"] for r in records) == sorted([*emails, "wrong@example.com"])
    failed = [r for r in records if not r["ok"]]
    assert [(r["email"], r["error"]["kind"]) for r in failed] == [
        ("wrong@example.com", "LoginError")
    ]
    assert "Audited 61 accounts: 60 succeeded, 1 failed" in run.out
    assert "  LoginError: 1" in run.out
    texts = [run.out, run.err, report.read_text()]
    assert_no_secrets(texts, secret_forms("wrong@example.com", "Not-the-pw-9"))
    assert_no_secrets(texts, secret_forms(emails[0], PASSWORD))


async def test_jsonl_input_csv_output(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    emails = _seed(fake_axigen, 5)
    accounts = write_jsonl(
        tmp_path / "accounts.jsonl", [{"email": e, "password": PASSWORD} for e in emails]
    )
    report = tmp_path / "report.csv"

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q"]
    )

    assert run.code == 0
    with report.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert sorted(row["email"] for row in rows) == sorted(emails)
    assert {row["ok"] for row in rows} == {"true"}
    assert {row["index_conversation"] for row in rows} == {"uptodate"}
    assert_no_secrets([report.read_text(), run.out, run.err], secret_forms(emails[0], PASSWORD))


async def test_csv_report_carries_attempts_and_elapsed(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _seed(fake_axigen, 3)
    fake_axigen.add_account("wrong@example.com", "the-right-one")
    accounts = write_csv(
        tmp_path / "a.csv",
        [*((email, PASSWORD) for email in emails), ("wrong@example.com", "Not-the-pw-9")],
    )
    report = tmp_path / "report.csv"

    run = await run_cli(["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report)])

    assert run.code == 1
    with report.open(newline="") as stream:
        reader = csv.DictReader(stream)
        header = list(reader.fieldnames or [])
        rows = {row["email"]: row for row in reader}
    assert header[:9] == [
        "email",
        "ok",
        "outcome",
        "error_kind",
        "error_message",
        "error_request",
        "error_status",
        "attempts",
        "elapsed",
    ]
    assert sorted(rows) == sorted([*emails, "wrong@example.com"])
    for row in rows.values():
        assert int(row["attempts"]) >= 1
        assert 0.0 <= float(row["elapsed"]) < 60.0
    assert rows["wrong@example.com"]["ok"] == "false"
    assert rows["wrong@example.com"]["error_kind"] == "LoginError"
    assert rows["wrong@example.com"]["error_request"] == "POST /api/v1/login"
    assert rows["wrong@example.com"]["error_status"] == "401"
    assert rows[emails[0]]["ok"] == "true"
    assert (rows[emails[0]]["error_request"], rows[emails[0]]["error_status"]) == ("", "")
    texts = [report.read_text(), run.out, run.err]
    assert_no_secrets(texts, secret_forms("wrong@example.com", "Not-the-pw-9"))
    assert_no_secrets(texts, secret_forms(emails[0], PASSWORD))


async def test_a_failure_names_the_call_that_failed_its_status_and_attempts(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _seed(fake_axigen, 1)
    fake_axigen.faults.fail_next("GET /api/v1/account/vacation", 503, count=4)
    accounts = write_csv(tmp_path / "a.csv", [(emails[0], PASSWORD)])
    report = tmp_path / "r.jsonl"

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q"],
        client_options={"sleep": InstantSleep()},
    )

    assert run.code == 1
    [record] = read_jsonl(report)
    assert record["error"] == {
        "kind": "ServerError",
        "message": "Axigen answered 503",
        "request": "GET /api/v1/account/vacation",
        "status": 503,
        "attempts": 4,
    }


async def test_accounts_from_stdin_each_reported_once(
    fake_axigen: FakeAxigen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emails = _seed(fake_axigen, 40)
    lines = ["email,password", *(f"{email},{PASSWORD}" for email in emails)]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    report = tmp_path / "r.jsonl"

    run = await run_cli(
        ["audit", "-", "--url", fake_axigen.url, "--out", str(report), "--concurrency", "7", "-q"]
    )

    assert run.code == 0, run.err
    records = read_jsonl(report)
    assert Counter(r["email"] for r in records) == Counter(emails)
    assert all(r["ok"] for r in records)
    assert "Audited 40 accounts: 40 succeeded, 0 failed" in run.out
    assert_no_secrets([report.read_text(), run.out, run.err], secret_forms(emails[0], PASSWORD))


async def test_passwords_expiring_within_their_warning_interval(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _seed(fake_axigen, 6)
    now = datetime.now(UTC).replace(microsecond=0)
    expiry = {
        emails[0]: (True, now + timedelta(days=3)),  # inside its 7-day warning interval
        emails[1]: (True, now - timedelta(days=1)),  # already expired: inside too
        emails[2]: (True, now + timedelta(days=30)),  # outside the interval
        emails[3]: (False, now + timedelta(days=3)),  # inside, but expiration disabled
    }
    for email, (enabled, date) in expiry.items():
        account = fake_axigen.account(email)
        account.password_expiration_enabled = enabled
        account.password_expiration_date = date
        account.password_expiration_warning_interval = 7
    accounts = write_csv(tmp_path / "a.csv", [(e, PASSWORD) for e in emails])
    report = tmp_path / "r.jsonl"

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q"]
    )

    assert run.code == 0
    flagged = {r["email"]: r["checks"]["password_expiry_in_warning"] for r in read_jsonl(report)}
    assert flagged == {email: email in emails[:2] for email in emails}
    assert "Passwords expiring within their warning interval: 2" in run.out


@pytest.mark.parametrize("source", ["env", "file"])
async def test_shared_password_from_env_or_file(
    fake_axigen: FakeAxigen, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    emails = _seed(fake_axigen, 3)
    accounts = tmp_path / "emails.csv"
    accounts.write_text("email\n" + "\n".join(emails) + "\n")
    if source == "env":
        monkeypatch.setenv("AUDIT_PW", PASSWORD)
        secret_args = ["--password-env", "AUDIT_PW"]
    else:
        secret_file = tmp_path / "pw.txt"
        secret_file.write_text(PASSWORD + "\n")
        secret_args = ["--password-file", str(secret_file)]
    report = tmp_path / "r.jsonl"

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q", *secret_args]
    )

    assert run.code == 0
    assert [r["ok"] for r in read_jsonl(report)] == [True] * 3
    assert_no_secrets([report.read_text(), run.out, run.err], secret_forms(emails[0], PASSWORD))


async def test_bearer_tokens(fake_axigen: FakeAxigen, tmp_path: Path) -> None:
    fake_axigen.add_account("t@example.com", PASSWORD)
    fake_axigen.add_token("tok-ABCDEF-123456", "t@example.com")
    accounts = write_csv(
        tmp_path / "a.csv", [("t@example.com", "tok-ABCDEF-123456")], header="email,token"
    )
    report = tmp_path / "r.jsonl"

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q"]
    )

    assert run.code == 0
    assert read_jsonl(report)[0]["email"] == "t@example.com"
    assert_no_secrets([report.read_text(), run.out, run.err], ["tok-ABCDEF-123456"])


async def test_summary_counts_follow_the_fake_state(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _seed(fake_axigen, 10)
    for email in emails[:3]:
        fake_axigen.account(email).used_quota = 1_000_000  # of 1_048_576, threshold 90 %
    fake_axigen.account(emails[4]).must_change_password = True
    fake_axigen.account(emails[5]).vacation.enabled = True
    fake_axigen.account(emails[6]).two_factor_auth_status = "mandatory"
    fake_axigen.account(emails[7]).index_states = {
        "conversation": "initialized",
        "sort": "initialized",
        "search": "initialized",
    }
    accounts = write_csv(tmp_path / "a.csv", [(e, PASSWORD) for e in emails])

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(tmp_path / "r.jsonl"), "-q"]
    )

    assert run.code == 0
    assert "Over their quota threshold: 3" in run.out
    assert "Must change password: 1" in run.out
    assert "Vacation on: 1" in run.out
    assert "Two-factor required but not configured: 1" in run.out
    assert "Indexes not up to date: 1" in run.out
    assert "Passwords expiring within their warning interval: 0" in run.out
    assert "90%+ | " in run.out


async def test_server_down_stops_once(tmp_path: Path, unused_tcp_port: int) -> None:
    emails = [f"d{index}@example.com" for index in range(60)]
    accounts = write_csv(tmp_path / "a.csv", [(e, PASSWORD) for e in emails])
    report = tmp_path / "r.jsonl"
    sleep = InstantSleep()

    run = await run_cli(
        [
            "audit",
            str(accounts),
            "--url",
            f"http://127.0.0.1:{unused_tcp_port}",
            "--out",
            str(report),
            "--concurrency",
            "20",
            "-q",
        ],
        client_options={"sleep": sleep},
    )

    assert run.code == 1
    assert sleep.delays  # connect failures were retried on the injected sleep
    records = read_jsonl(report)
    assert sorted(r["email"] for r in records) == sorted(emails)
    assert {r["outcome"] for r in records} <= {"failed", "not attempted"}
    assert "not attempted" in {r["outcome"] for r in records}
    assert (run.out + run.err).count("stopped starting accounts") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("email,password\nx@example.com\n", "a.csv:2", id="short-row"),
        pytest.param("mail,password\n", "email", id="no-email-column"),
        pytest.param("email,password\nnot-an-email,Hunter-22\n", "a.csv:2", id="bad-email"),
    ],
)
async def test_malformed_rows_name_the_line_not_the_secret(
    tmp_path: Path, content: str, message: str
) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(content)

    run = await run_cli(
        [
            "audit",
            str(accounts),
            "--url",
            "http://127.0.0.1:9",
            "-q",
            "--out",
            str(tmp_path / "r.jsonl"),
        ]
    )

    assert run.code == 2
    assert message in run.err
    assert "Hunter-22" not in run.err + run.out


async def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    run = await run_cli(["audit", str(tmp_path / "nope.csv"), "--url", "http://127.0.0.1:9"])
    assert run.code == 2
    assert "no such file" in run.err


async def test_help_has_examples() -> None:
    run = await run_cli(["audit", "--help"])
    assert run.code == 0
    assert "examples:" in run.out
