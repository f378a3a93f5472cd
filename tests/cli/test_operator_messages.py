"""What an operator reads: a deadline too short, Ctrl-C midway, a run where nothing was
audited, the fake server's password line; and the exit status of each kind of end."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from axigen_async.cli import __doc__ as cli_doc
from axigen_async.testing import FakeAxigen
from tests.cli.helpers import run_cli
from tests.cli.processes import CLI, WAIT, fake_server, lines, start, stop
from tests.helpers import wait_until_sync

PASSWORD = "Operator-pw-12"


def _accounts(fake: FakeAxigen, path: Path, count: int, password: str = PASSWORD) -> list[str]:
    emails = [f"o{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    path.write_text(
        "email,password\n" + "".join(f"{email},{password}\n" for email in emails),
        encoding="utf-8",
    )
    return emails


async def test_a_deadline_too_short_to_connect_is_said_so_not_server_down(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts = tmp_path / "a.csv"
    _accounts(fake_axigen, accounts, 60)

    out = ["--out", str(tmp_path / "r.jsonl")]

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--timeout", "0.0001", "-q", *out]
    )

    assert run.code == 1
    stopped = [line for line in run.out.splitlines() if line.startswith("Stopped:")]
    assert len(stopped) == 1
    assert "looks down" not in stopped[0]
    assert "ran out of their --timeout of 0.0001 s while still connecting" in stopped[0]
    assert "too short" in stopped[0]


async def test_a_run_where_no_account_was_audited_shows_no_empty_figures(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts = tmp_path / "a.csv"
    _accounts(fake_axigen, accounts, 4, password="Not-the-password-1")

    out = ["--out", str(tmp_path / "r.jsonl")]

    run = await run_cli(["audit", str(accounts), "--url", fake_axigen.url, "-q", *out])

    assert run.code == 1
    assert "Audited 4 accounts: 0 succeeded, 4 failed" in run.out
    assert "  LoginError: 4" in run.out
    for empty in ("Quota use", "unlimited", "Over their quota threshold", "Vacation on"):
        assert empty not in run.out
    assert "No account was audited, so there are no quota figures or findings." in run.out


async def test_exit_status_is_0_when_every_account_was_audited(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts = tmp_path / "a.csv"
    _accounts(fake_axigen, accounts, 3)

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "-q", "--out", str(tmp_path / "r.csv")]
    )

    assert run.code == 0
    assert "Audited 3 accounts: 3 succeeded, 0 failed\n" in run.out
    assert "Quota use:" in run.out


def test_the_documented_exit_statuses_match_the_runners() -> None:
    assert cli_doc is not None
    documented = " ".join(cli_doc.split())
    assert "audit: 0 every account audited, 1 some account failed or was not attempted" in (
        documented
    )
    assert "apply: 0 every account converged or nothing to do, 1 some account failed" in (
        documented
    )
    assert "3 some account needs review and none failed" in documented
    assert "2 usage error (before anything is sent:" in documented
    assert "130 interrupted (Ctrl-C)" in documented


@pytest.mark.slow  # a CLI process interrupted
def test_ctrl_c_says_how_many_accounts_were_done_and_where_the_report_is(
    tmp_path: Path,
) -> None:
    count = 3000
    accounts = tmp_path / "a.csv"
    accounts.write_text(
        "email,password\n"
        + "".join(f"user{index}@example.com,demo\n" for index in range(1, count + 1)),
        encoding="utf-8",
    )
    report = tmp_path / "r.jsonl"
    options = ["-q", "--concurrency", "2"]
    with fake_server("--accounts", str(count)) as url:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*CLI, "audit", str(accounts), "--url", url, "--out", str(report), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_sync(lambda: lines(report) >= 10, timeout=WAIT)
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=WAIT)
        finally:
            stop(process)

    assert process.returncode == 130
    assert "Traceback" not in err
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert 10 <= len(records) < count
    assert (
        f"interrupted: {len(records)} of {count} accounts done; "
        f"the partial report is {report} ({len(records)} records)"
    ) in err
    assert out.count("Audited ") <= 1


@pytest.mark.parametrize(
    ("options", "line"),
    [
        pytest.param([], "password: demo (the default; --password sets another)", id="default"),
        pytest.param(["--password", "Given-pw-9"], "password: given by --password", id="given"),
    ],
)
def test_the_fake_server_says_which_password_its_accounts_have(
    options: list[str], line: str
) -> None:
    process = start([*CLI, "fake-server", "--port", "0", "--accounts", "3", *options])
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        second = process.stdout.readline().strip()
    finally:
        stop(process, signal.SIGTERM)
        if process.stdout is not None:
            process.stdout.close()

    assert url.startswith("http://127.0.0.1:")
    assert second == f"accounts: user1..user3@example.com; {line}"
    assert "Given-pw-9" not in second


async def test_the_fake_server_help_shows_the_default_password() -> None:
    run = await run_cli(["fake-server", "--help"])

    assert run.code == 0
    assert "(default demo)" in " ".join(run.out.split())


@pytest.mark.parametrize(
    ("command", "statuses"),
    [
        ("audit", "exit status: 0 every account audited, 1 some account failed or was not"),
        ("apply", "1 some failed or not attempted, 2 usage error, 3 some need review"),
    ],
)
async def test_each_command_help_gives_its_exit_statuses(command: str, statuses: str) -> None:
    run = await run_cli([command, "--help"])

    assert run.code == 0
    assert statuses in " ".join(run.out.split())
