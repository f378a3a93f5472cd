"""Usage errors never echo a value from the command line, nor a URL's credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from axigen_async.cli._redact import hide_word, redact_usage_message
from tests.cli.helpers import run_cli, write_csv

SECRET = "Hunter2secret"
URL = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param([f"--password={SECRET}"], "unrecognized arguments: --password=", id="eq"),
        pytest.param(["--password", SECRET], "unrecognized arguments: --password", id="sep"),
        pytest.param([f"--pass={SECRET}"], "unrecognized arguments: --pass=", id="abbrev"),
        pytest.param([f"--concurrency={SECRET}"], "invalid int value", id="bad-int"),
        pytest.param(["--timeout", SECRET], "invalid float value", id="bad-float"),
        pytest.param([f"-q{SECRET}"], "ignored explicit argument", id="short-cluster"),
        pytest.param([f"--insecure={SECRET}"], "ignored explicit argument", id="flag-value"),
        pytest.param([SECRET], "unrecognized arguments: <hidden>", id="stray-value"),
    ],
)
async def test_usage_errors_hide_the_values_typed(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    accounts = write_csv(tmp_path / "a.csv", [("x@example.com", "pw")])

    run = await run_cli(["audit", str(accounts), "--url", URL, *extra])

    assert run.code == 2
    assert message in run.err
    assert SECRET not in run.out + run.err


async def test_abbreviated_options_are_refused(tmp_path: Path) -> None:
    accounts = write_csv(tmp_path / "a.csv", [("x@example.com", "pw")])

    run = await run_cli(["audit", str(accounts), "--url", URL, "--conc", "5"])

    assert run.code == 2
    assert "unrecognized arguments: --conc <hidden>" in run.err


async def test_an_unknown_command_is_not_echoed() -> None:
    run = await run_cli([SECRET])

    assert run.code == 2
    assert "invalid choice" in run.err
    assert SECRET not in run.out + run.err


@pytest.mark.parametrize(
    "option", [[f"--port={SECRET}"], [f"--bogus={SECRET}"], ["--seed", "1", SECRET]]
)
async def test_fake_server_usage_errors_hide_the_values_typed(option: list[str]) -> None:
    run = await run_cli(["fake-server", *option])

    assert run.code == 2
    assert "axigen-async fake-server: error:" in run.err
    assert SECRET not in run.out + run.err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param(f"https://admin:{SECRET}@mail.example.com", "must not hold credentials"),
        pytest.param(f"https://{SECRET}@mail.example.com", "must not hold credentials"),
        pytest.param(f"ftp://admin:{SECRET}@mail.example.com", "must not hold credentials"),
        pytest.param(f"https://mail.example.com/?token={SECRET}", "query or a fragment"),
        pytest.param(f"htps://mail.example.com/?token={SECRET}", "http:// or https://"),
        pytest.param(f"{SECRET}", "http:// or https://"),
    ],
)
async def test_a_bad_url_is_described_not_echoed(tmp_path: Path, url: str, message: str) -> None:
    accounts = write_csv(tmp_path / "a.csv", [("x@example.com", "pw")])

    run = await run_cli(["audit", str(accounts), "--url", url, "-q"])

    assert run.code == 2
    assert "error: --url: " in run.err
    assert message in run.err
    assert SECRET not in run.out + run.err
    assert not (tmp_path / "axigen-audit-report.jsonl").exists()


@pytest.mark.parametrize(
    ("word", "shown"),
    [
        ("--password=x y", "--password=<hidden>"),
        ("--password", "--password"),
        ("-pSecret", "-p<hidden>"),
        ("-q", "-q"),
        ("-", "-"),
        ("Secret", "<hidden>"),
    ],
)
def test_hide_word(word: str, shown: str) -> None:
    assert hide_word(word) == shown


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "ambiguous option: --pass=Secret could match --password-env, --password-file",
            "ambiguous option: --pass=<hidden> could match --password-env, --password-file",
        ),
        (
            "argument COMMAND: invalid choice: 'Secret' (choose from 'audit', 'apply')",
            "argument COMMAND: invalid choice (choose from 'audit', 'apply')",
        ),
        ("argument --port: invalid int value: 'Secret'", "argument --port: invalid int value"),
        (
            "unknown parser 'Secret' (choices: audit, apply)",
            "unknown command (choices: audit, apply)",
        ),
        (
            "the following arguments are required: --url",
            "the following arguments are required: --url",
        ),
    ],
)
def test_redact_usage_message(message: str, shown: str) -> None:
    assert redact_usage_message(message) == shown
