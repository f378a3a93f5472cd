"""Inputs that used to end in a traceback: each is one line naming the file, exit 2 (or 1 for
an I/O failure during the run), with the accounts before the problem done and reported."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from axigen_async.cli._accounts import AccountsError, load_shared_secret, read_accounts
from axigen_async.testing import FakeAxigen
from tests.cli.helpers import read_jsonl, run_cli
from tests.cli.processes import CLI, WAIT, fake_server

PASSWORD = "Bad-input-pw-31"
DEEP = "[" * 100_000 + "]" * 100_000


def _seed(fake: FakeAxigen, count: int) -> list[str]:
    emails = [f"b{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    return emails


def _cp1252_accounts(path: Path, emails: list[str]) -> None:
    """CSV rows in cp1252: the first two plain ASCII, the third with an e-acute, then one more."""
    rows = [f"{email},{PASSWORD}" for email in emails[:2]]
    rows += [f"{emails[2]},caf\u00e9-{PASSWORD}", f"{emails[3]},{PASSWORD}"]
    path.write_bytes(("email,password\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))


async def test_a_cp1252_accounts_file_audits_the_rows_before_the_bad_line(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    emails = _seed(fake_axigen, 4)
    accounts, report = tmp_path / "a.csv", tmp_path / "r.jsonl"
    _cp1252_accounts(accounts, emails)

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--out", str(report), "-q"]
    )

    assert run.code == 2
    assert "Traceback" not in run.err
    assert f"{accounts}:4: not valid UTF-8 text" in run.err
    assert "Audited 2 accounts: 2 succeeded, 0 failed" in run.out
    assert sorted(record["email"] for record in read_jsonl(report)) == emails[:2]
    assert PASSWORD not in run.out + run.err


def test_a_bad_line_of_accounts_keeps_the_row_out_of_the_error_chain(tmp_path: Path) -> None:
    accounts = tmp_path / "a.jsonl"
    good = json.dumps({"email": "x@example.com", "password": PASSWORD})
    accounts.write_bytes(
        good.encode() + b"\n" + b'{"email": "y@example.com", "password": "\xe9' + b'"}\n'
    )
    rows = read_accounts(str(accounts))

    assert next(rows).email == "x@example.com"
    with pytest.raises(AccountsError, match=r"a\.jsonl:2: not valid UTF-8 text") as caught:
        next(rows)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(DEEP, id="nested"),
        pytest.param(f'{{"email": "y@example.com", "password": "{PASSWORD}"', id="torn"),
    ],
)
def test_a_bad_jsonl_row_is_named_without_its_text_in_the_chain(tmp_path: Path, line: str) -> None:
    accounts = tmp_path / "a.jsonl"
    accounts.write_text(line + "\n", encoding="utf-8")

    with pytest.raises(AccountsError, match=r"a\.jsonl:1: ") as caught:
        list(read_accounts(str(accounts)))

    assert caught.value.__context__ is None
    assert PASSWORD not in str(caught.value)


async def test_a_non_utf8_password_file_is_a_usage_error(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts, secret = tmp_path / "a.csv", tmp_path / "pw.txt"
    accounts.write_text("email\nb1@example.com\n", encoding="utf-8")
    secret.write_bytes(b"caf\xe9-Zq9Vw")

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, "--password-file", str(secret), "-q"]
    )

    assert run.code == 2
    assert f"the secret file {secret} is not UTF-8 text" in run.err
    assert "Traceback" not in run.err
    assert "Zq9Vw" not in run.out + run.err
    assert sum(fake_axigen.route_counts.values()) == 0
    with pytest.raises(AccountsError) as caught:
        load_shared_secret(password_file=str(secret))
    assert caught.value.__context__ is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b'{"contactInfo":\n {"title": "Dr\xe9"}}', ":2: not valid UTF-8", id="utf8"),
        pytest.param(DEEP.encode(), ":1: nested too deeply", id="nested"),
    ],
)
async def test_a_bad_spec_is_named_before_anything_is_sent(
    fake_axigen: FakeAxigen, tmp_path: Path, content: bytes, message: str
) -> None:
    _seed(fake_axigen, 1)
    spec, accounts = tmp_path / "spec.json", tmp_path / "a.csv"
    spec.write_bytes(content)
    accounts.write_text(f"email,password\nb1@example.com,{PASSWORD}\n", encoding="utf-8")

    run = await run_cli(["apply", str(spec), str(accounts), "--url", fake_axigen.url, "-q"])

    assert run.code == 2
    assert f"SPEC {spec}{message}" in run.err
    assert "Traceback" not in run.err
    assert sum(fake_axigen.route_counts.values()) == 0


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        pytest.param(b'{"email": "b9@example.com", "status": "d\xe9ne"}', "not valid UTF-8 text"),
        pytest.param(DEEP.encode(), "nested too deeply"),
    ],
)
async def test_a_bad_journal_line_is_named_before_anything_is_sent(
    fake_axigen: FakeAxigen, tmp_path: Path, bad_line: bytes, message: str
) -> None:
    _seed(fake_axigen, 1)
    spec, accounts, journal = tmp_path / "spec.json", tmp_path / "a.csv", tmp_path / "j.jsonl"
    spec.write_text(json.dumps({"contactInfo": {"title": "Dr"}}), encoding="utf-8")
    accounts.write_text(f"email,password\nb1@example.com,{PASSWORD}\n", encoding="utf-8")
    first = json.dumps({"email": "b8@example.com", "status": "done"}).encode()
    journal.write_bytes(first + b"\n" + bad_line + b"\n")
    before = journal.read_bytes()
    resume = ["--journal", str(journal)]

    run = await run_cli(
        ["apply", str(spec), str(accounts), "--url", fake_axigen.url, "-q", "--resume", *resume]
    )

    assert run.code == 2
    assert f"--journal: {journal}:2: {message}" in run.err
    assert "Traceback" not in run.err
    assert journal.read_bytes() == before
    assert sum(fake_axigen.route_counts.values()) == 0


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "0"])
async def test_a_timeout_that_is_not_a_finite_positive_number_is_a_usage_error(
    fake_axigen: FakeAxigen, tmp_path: Path, value: str
) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(f"email,password\nb1@example.com,{PASSWORD}\n", encoding="utf-8")

    out = ["--out", str(tmp_path / "r.jsonl")]

    run = await run_cli(
        ["audit", str(accounts), "--url", fake_axigen.url, f"--timeout={value}", "-q", *out]
    )

    assert run.code == 2
    assert "--timeout must be a positive, finite number of seconds" in run.err
    assert "Traceback" not in run.err
    assert not (tmp_path / "r.jsonl").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("name", ["full.jsonl", "full.csv"])
async def test_a_report_on_a_full_device_is_one_line_and_exit_1(
    fake_axigen: FakeAxigen, tmp_path: Path, name: str
) -> None:
    _seed(fake_axigen, 3)
    accounts = tmp_path / "a.csv"
    accounts.write_text(
        "email,password\n" + "".join(f"b{i}@example.com,{PASSWORD}\n" for i in (1, 2, 3)),
        encoding="utf-8",
    )
    full = tmp_path / name
    full.symlink_to("/dev/full")

    run = await run_cli(["audit", str(accounts), "--url", fake_axigen.url, "--out", str(full)])

    assert run.code == 1
    assert "Traceback" not in run.err
    errors = [line for line in run.err.splitlines() if "error:" in line]
    assert errors == [
        f"axigen-async audit: error: --out: cannot write {full}: No space left on device"
    ]


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda path: str(path), id="same-path"),
        pytest.param(lambda path: f"{path.parent}/./{path.name}", id="other-spelling"),
        pytest.param("link", id="hard-link"),
    ],
)
async def test_a_report_over_its_own_accounts_file_is_refused(
    fake_axigen: FakeAxigen, tmp_path: Path, spelling: object
) -> None:
    _seed(fake_axigen, 2)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        f"email,password\nb1@example.com,{PASSWORD}\nb2@example.com,{PASSWORD}\n",
        encoding="utf-8",
    )
    before = accounts.read_bytes()
    if spelling == "link":
        out = str(tmp_path / "report.csv")
        os.link(accounts, out)
    else:
        assert callable(spelling)
        out = spelling(accounts)

    run = await run_cli(["audit", str(accounts), "--url", fake_axigen.url, "--out", out, "-q"])

    assert run.code == 2
    assert "--out is the same file as ACCOUNTS" in run.err
    assert accounts.read_bytes() == before
    assert sum(fake_axigen.route_counts.values()) == 0


async def test_a_report_over_the_password_file_is_refused(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    accounts, secret = tmp_path / "a.csv", tmp_path / "pw.txt"
    accounts.write_text("email\nb1@example.com\n", encoding="utf-8")
    secret.write_text(PASSWORD, encoding="utf-8")

    options = ["--password-file", str(secret), "--out", str(secret)]

    run = await run_cli(["audit", str(accounts), "--url", fake_axigen.url, "-q", *options])

    assert run.code == 2
    assert "--out is the same file as --password-file" in run.err
    assert secret.read_text(encoding="utf-8") == PASSWORD


_LIMITED = """\
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv[0] = "axigen-async"
runpy.run_module("axigen_async.cli", run_name="__main__")
"""


@pytest.mark.slow  # thousands of records in a process
@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_FSIZE and SIGXFSZ")
@pytest.mark.parametrize(("name", "limit"), [("r.jsonl", 6000), ("r.csv", 1500)])
def test_a_disk_full_midway_leaves_whole_records_and_exits_1(
    tmp_path: Path, name: str, limit: int
) -> None:
    """The file size limit stands for a full disk: a few records, then one cut short."""
    report = tmp_path / name
    options = ["--concurrency", "4", "--out", str(report), "-q"]

    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", _LIMITED, str(limit), "demo", "--accounts", "40", *options],
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: --out: cannot write {report}: File too large" in done.stderr
    written = report.read_text(encoding="utf-8")
    assert 0 < len(written.encode()) <= limit
    assert written.endswith("\n")
    if name.endswith(".jsonl"):
        records = [json.loads(line) for line in written.splitlines()]
    else:
        records = list(csv.DictReader(io.StringIO(written)))
    assert records
    assert f"Report: {report} ({len(records)} records)" in done.stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
async def test_a_journal_on_a_full_device_is_one_line_not_a_traceback(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    _seed(fake_axigen, 2)
    spec, accounts, journal = tmp_path / "spec.json", tmp_path / "a.csv", tmp_path / "j.jsonl"
    spec.write_text(json.dumps({"contactInfo": {"title": "Dr"}}), encoding="utf-8")
    accounts.write_text(
        f"email,password\nb1@example.com,{PASSWORD}\nb2@example.com,{PASSWORD}\n",
        encoding="utf-8",
    )
    journal.symlink_to("/dev/full")

    run = await run_cli(
        ["apply", str(spec), str(accounts), "--url", fake_axigen.url, "--journal", str(journal)]
    )

    assert run.code != 0
    assert "Traceback" not in run.err
    assert len([line for line in run.err.splitlines() if "error:" in line]) == 1


@pytest.mark.slow  # a CLI process
def test_a_cp1252_accounts_on_stdin_audits_the_rows_before_the_bad_line(tmp_path: Path) -> None:
    report = tmp_path / "r.jsonl"
    rows = ["email,password", "user1@example.com,demo", "user2@example.com,demo"]
    rows += ["user3@example.com,d\u00e9mo", "user4@example.com,demo"]
    with fake_server("--accounts", "4") as url:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [*CLI, "audit", "-", "--url", url, "--out", str(report), "-q"],
            input="\r\n".join(rows).encode("cp1252") + b"\r\n",
            capture_output=True,
            timeout=WAIT,
            check=False,
        )

    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert b"-:4: not valid UTF-8 text" in done.stderr
    assert sorted(r["email"] for r in read_jsonl(report)) == [
        "user1@example.com",
        "user2@example.com",
    ]


def test_refused_credentials_are_named_with_nothing_chained(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text("email,password\nx@example.com,pw\u0000Zq9\n", encoding="utf-8")

    with pytest.raises(AccountsError, match=r"a\.csv:2: invalid credentials for x@example") as e:
        list(read_accounts(str(accounts)))

    assert e.value.__context__ is None
    assert "Zq9" not in str(e.value)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_accounts_with_any_line_ending_give_every_row(tmp_path: Path, newline: str) -> None:
    accounts = tmp_path / "a.csv"
    lines = ["\ufeffemail,password", "x@example.com,pw1", '"y@example.com","p\u00e9 2"']
    accounts.write_bytes(newline.join(lines).encode() + newline.encode())

    rows = list(read_accounts(str(accounts)))

    assert [row.email for row in rows] == ["x@example.com", "y@example.com"]
