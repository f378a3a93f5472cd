"""``demo`` in-process; ``fake-server`` and a killed-then-resumed ``apply`` as real processes."""

from __future__ import annotations

import base64
import json
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from axigen_async.cli._parser import build_parser
from tests.cli.helpers import read_jsonl, run_cli, write_csv
from tests.cli.processes import CLI, fake_server, run, run_and_kill, start, stop


@pytest.mark.slow  # a demo of 1,000 accounts in a process
async def test_demo_defaults_audit_1000_accounts_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo of issue 4 as shipped: 1,000 accounts at concurrency 50, default report."""
    defaults = build_parser().parse_args(["demo"])
    assert (defaults.accounts, defaults.concurrency) == (1000, 50)
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "axigen-demo-report.jsonl"

    run = await run_cli(["demo", "--quiet"])

    assert run.code == 0
    emails = Counter(record["email"] for record in read_jsonl(report))
    assert emails == Counter(f"user{index}@example.com" for index in range(1, 1001))
    assert str(report) in run.out
    assert "with 1000 seeded accounts" in run.out
    assert "Audited 1000 accounts: 1000 succeeded, 0 failed" in run.out
    assert run.err == ""


async def test_demo_prints_plain_progress_when_not_a_terminal(tmp_path: Path) -> None:
    run = await run_cli(["demo", "--accounts", "30", "--out", str(tmp_path / "r.jsonl")])

    assert run.code == 0
    assert "done 30/30, failed 0, in flight 0" in run.err


@pytest.fixture
def standalone_fake() -> Iterator[str]:
    with fake_server("--accounts", "200", "--password", "demo") as url:
        yield url


async def _signature_names(url: str, email: str, http: aiohttp.ClientSession) -> list[str]:
    basic = "Basic " + base64.b64encode(f"{email}:demo".encode()).decode()
    async with http.post(f"{url}/api/v1/login", headers={"Authorization": basic}) as response:
        sessid = (await response.json())["sessid"]
    headers = {"Authorization": basic, "X-Axigen-Session": sessid}
    async with http.get(f"{url}/api/v1/account/signatures", headers=headers) as response:
        body = await response.json()
    items = body["items"] if isinstance(body, dict) else body
    return [item["name"] for item in items]


@pytest.mark.slow  # CLI processes killed and resumed
async def test_apply_killed_then_resumed_creates_each_signature_once(
    standalone_fake: str, tmp_path: Path
) -> None:
    emails = [f"user{index}@example.com" for index in range(1, 201)]
    accounts = write_csv(tmp_path / "a.csv", [(email, "demo") for email in emails])
    spec = tmp_path / "spec.json"
    spec.write_text(
        json.dumps(
            {
                "signatures": [{"name": "Resumed", "type": "text", "body": "-- resumed"}],
                "vacation": {"enabled": True, "subject": "Out", "body": "Away"},
            }
        )
    )
    journal = tmp_path / "j.jsonl"
    base = [*CLI, "apply", str(spec), str(accounts), "--url", standalone_fake, "-q"]
    # --timeout: the resume re-reads an account whose create the kill left unanswered
    # once that call's deadline has passed, so keep it short.
    base += ["--journal", str(journal), "--concurrency", "2", "--timeout", "3"]

    done_before = run_and_kill(base, journal, after_lines=20)
    assert len(done_before) < 200

    second = run(base, "--resume")

    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{len(done_before)} skipped" in second.stdout
    outcomes = [e for e in read_jsonl(journal) if e.get("status") in ("done", "failed", "unknown")]
    statuses = Counter((e["email"], e["status"]) for e in outcomes)
    assert {email for email, _ in statuses} == set(emails)
    assert all(count == 1 for count in statuses.values())
    assert {status for _, status in statuses} == {"done"}
    async with aiohttp.ClientSession() as http:
        for email in emails:
            names = await _signature_names(standalone_fake, email, http)
            assert names.count("Resumed") == 1, email


async def test_fake_server_subcommand_serves_and_stops_on_sigterm() -> None:
    process = start([*CLI, "fake-server", "--port", "0", "--accounts", "3"])
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        async with aiohttp.ClientSession() as http, http.get(f"{url}/api/") as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize(
    "option",
    [
        pytest.param(["--fault-statuses", "5xx"], id="statuses"),
        pytest.param(["--accounts", "-1"], id="negative-accounts"),
        pytest.param(["--fault-statuses", "200"], id="not-an-error-status"),
        pytest.param(["--tls-cert", "cert.pem"], id="certificate-without-key"),
    ],
)
async def test_fake_server_refuses_bad_options_before_serving(option: list[str]) -> None:
    run = await run_cli(["fake-server", *option])

    assert run.code == 2
    assert option[0] in run.err
    assert "http://" not in run.out
