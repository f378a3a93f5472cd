"""``demo`` in-process; ``fake-server`` and a killed-then-resumed ``apply`` as real processes."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from axigen_async.cli._parser import build_parser
from tests.cli.helpers import read_jsonl, run_cli, write_csv

CLI = [sys.executable, "-m", "axigen_async.cli"]
WAIT = 60.0


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


def _stop(
    process: subprocess.Popen[str] | subprocess.Popen[bytes], sig: int = signal.SIGKILL
) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def standalone_fake() -> Iterator[str]:
    process = _start(
        [
            sys.executable,
            "-m",
            "axigen_async.testing",
            "--port",
            "0",
            "--accounts",
            "200",
            "--password",
            "demo",
        ]
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://")
        yield url
    finally:
        _stop(process, signal.SIGTERM)
        if process.stdout is not None:
            process.stdout.close()


def _run_and_kill(command: list[str], journal: Path, *, lines: int) -> set[str]:
    """Start ``command``, SIGKILL it once the journal has ``lines`` lines; the done emails."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + WAIT
        while _lines(journal) < lines and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _lines(journal) >= lines
    finally:
        _stop(process)
    return {e["email"] for e in read_jsonl(journal) if e["status"] == "done"}


def _run(command: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*command, *extra], capture_output=True, text=True, timeout=WAIT, check=False
    )


def _start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.PIPE, text=True
    )


def _lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


async def _signature_names(url: str, email: str, http: aiohttp.ClientSession) -> list[str]:
    basic = "Basic " + base64.b64encode(f"{email}:demo".encode()).decode()
    async with http.post(f"{url}/api/v1/login", headers={"Authorization": basic}) as response:
        sessid = (await response.json())["sessid"]
    headers = {"Authorization": basic, "X-Axigen-Session": sessid}
    async with http.get(f"{url}/api/v1/account/signatures", headers=headers) as response:
        body = await response.json()
    items = body["items"] if isinstance(body, dict) else body
    return [item["name"] for item in items]


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
    base += ["--journal", str(journal), "--concurrency", "2"]

    done_before = _run_and_kill(base, journal, lines=20)
    assert len(done_before) < 200

    second = _run(base, "--resume")

    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{len(done_before)} skipped" in second.stdout
    statuses = Counter((e["email"], e["status"]) for e in read_jsonl(journal))
    assert {email for email, _ in statuses} == set(emails)
    assert all(count == 1 for count in statuses.values())
    assert {status for _, status in statuses} == {"done"}
    async with aiohttp.ClientSession() as http:
        for email in emails:
            names = await _signature_names(standalone_fake, email, http)
            assert names.count("Resumed") == 1, email


async def test_fake_server_subcommand_serves_and_stops_on_sigterm() -> None:
    process = _start([*CLI, "fake-server", "--port", "0", "--accounts", "3"])
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        async with aiohttp.ClientSession() as http, http.get(f"{url}/api/") as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        _stop(process)
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
