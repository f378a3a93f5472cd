"""Usage errors never echo a value from the command line, nor a URL's credentials."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from axigen_async.cli._redact import RedactingParser
from tests.cli.helpers import run_cli, write_csv

SECRET = "Hunter2secret"
URL = "http://127.0.0.1:9"

#: A typed value whose every two-character piece is absent from the tool's own texts,
#: so that any fragment of it in an error message is a leak.
TYPED = "Qz7Xw9Jk"


def assert_nothing_typed_shown(text: str, typed: str = TYPED) -> None:
    """Neither ``typed`` nor any 2-character piece of it, nor its first letter glued to a dash."""
    pieces = {typed[start : start + 2] for start in range(len(typed) - 1)}
    shown = sorted(piece for piece in pieces if piece in text)
    assert not shown, f"pieces of the typed value in the output: {shown}"
    assert f"-{typed[0]}" not in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param([f"-q{TYPED}"], "error: ", id="glued-to-short-flag"),
        pytest.param([f"-qv{TYPED}"], "error: ", id="glued-to-two-short-flags"),
        pytest.param([f"-{TYPED}"], "unrecognized arguments", id="dash-value"),
        pytest.param([f"-x{TYPED}"], "unrecognized arguments", id="unknown-short-glued"),
        pytest.param([f"--password={TYPED}"], "unrecognized arguments", id="password-eq"),
        pytest.param(["--password", TYPED], "unrecognized arguments", id="password-sep"),
        pytest.param([f"--pass={TYPED}"], "unrecognized arguments", id="abbrev"),
        pytest.param([TYPED], "unrecognized arguments", id="stray-value"),
        pytest.param([f"--concurrency={TYPED}"], "argument --concurrency: invalid value", id="int"),
        pytest.param(["--timeout", TYPED], "argument --timeout: invalid value", id="float"),
        pytest.param([f"--insecure={TYPED}"], "argument --insecure: takes no value", id="flag"),
        pytest.param(["--password-env"], "argument --password-env: needs a value", id="no-value"),
        pytest.param(
            ["--password-env", f"-{TYPED}"], "argument --password-env: needs a value", id="dash"
        ),
    ],
)
async def test_usage_errors_show_no_piece_of_what_was_typed(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    accounts = write_csv(tmp_path / "a.csv", [("x@example.com", "pw")])

    run = await run_cli(["audit", str(accounts), "--url", URL, *extra])

    assert run.code == 2
    assert message in run.err
    assert_nothing_typed_shown(run.out + run.err)


async def test_unrecognized_arguments_are_counted_not_shown(tmp_path: Path) -> None:
    accounts = write_csv(tmp_path / "a.csv", [("x@example.com", "pw")])

    run = await run_cli(["audit", str(accounts), "--url", URL, "--conc", "5", TYPED])

    assert run.code == 2
    assert "unrecognized arguments: 3 words, not shown" in run.err
    assert "--conc " not in run.err
    assert_nothing_typed_shown(run.err)


async def test_an_unknown_command_is_not_echoed() -> None:
    run = await run_cli([TYPED])

    assert run.code == 2
    assert (
        "argument COMMAND: invalid choice (choose from audit, apply, worker, demo, fake-server)"
        in (run.err)
    )
    assert_nothing_typed_shown(run.out + run.err)


async def test_a_missing_required_argument_is_named() -> None:
    run = await run_cli(["audit"])

    assert run.code == 2
    assert "the following arguments are required: --url, ACCOUNTS" in run.err


def test_an_ambiguous_prefix_is_not_echoed() -> None:
    """Abbreviations are off in the tool; a parser that allows them still hides the value."""
    parser = RedactingParser(prog="t", allow_abbrev=True)
    parser.add_argument("--password-env")
    parser.add_argument("--password-file")
    errors = io.StringIO()

    with contextlib.redirect_stderr(errors), pytest.raises(SystemExit) as exit_:
        parser.parse_args([f"--pass={TYPED}"])

    assert exit_.value.code == 2
    assert "ambiguous option" in errors.getvalue()
    assert_nothing_typed_shown(errors.getvalue())


@pytest.mark.parametrize(
    "message",
    [
        f"argument --concurrency: invalid int value: '{TYPED}'",
        f"unrecognized arguments: -{TYPED}",
        f"an English wording no version of argparse uses yet: -{TYPED} '{TYPED}'",
        f"argument -{TYPED}: {TYPED}",
    ],
)
def test_any_message_wording_is_rebuilt_from_the_parser_names(message: str) -> None:
    parser = RedactingParser(prog="t")
    parser.add_argument("--concurrency", type=int)
    errors = io.StringIO()

    with contextlib.redirect_stderr(errors), pytest.raises(SystemExit):
        parser.error(message)

    assert errors.getvalue().startswith("usage: t [-h] [--concurrency CONCURRENCY]\n")
    assert_nothing_typed_shown(errors.getvalue())


@pytest.mark.parametrize(
    "option",
    [
        [f"--port={TYPED}"],
        [f"--bogus={TYPED}"],
        ["--seed", "1", TYPED],
        [f"-{TYPED}"],
        ["--fault-rate", "0.1", "--chaos", f"--host={TYPED}"],
        [f"--accounts=-{TYPED}"],
    ],
)
async def test_fake_server_usage_errors_hide_the_values_typed(option: list[str]) -> None:
    run = await run_cli(["fake-server", *option])

    assert run.code == 2
    assert "axigen-async fake-server: error:" in run.err
    assert_nothing_typed_shown(run.out + run.err)


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
