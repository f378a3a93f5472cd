"""A queued run refuses an output that is one of its inputs, before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli

#: Nothing listens there: the refusal must come before any connection is tried.
QUEUE = "redis://127.0.0.1:9/0"
ROWS = "email,password\na@example.com,pw\n"


async def test_a_queued_audit_never_writes_its_report_over_accounts(tmp_path: Path) -> None:
    accounts = tmp_path / "a.csv"
    accounts.write_text(ROWS, encoding="utf-8")

    options = ["--url", "http://127.0.0.1:9", "--queue", QUEUE, "--out", str(accounts)]
    run = await run_cli(["audit", str(accounts), *options])

    assert run.code == 2, run.err
    assert "--out is the same file as ACCOUNTS" in run.err
    assert accounts.read_text(encoding="utf-8") == ROWS


@pytest.mark.parametrize("target", ["spec", "accounts"])
async def test_a_queued_apply_never_writes_its_journal_over_an_input(
    tmp_path: Path, target: str
) -> None:
    accounts, spec = tmp_path / "a.csv", tmp_path / "spec.json"
    accounts.write_text(ROWS, encoding="utf-8")
    spec.write_text(json.dumps({"contactInfo": {"title": "Dr."}}), encoding="utf-8")
    journal = spec if target == "spec" else accounts
    before = journal.read_bytes()

    options = ["--url", "http://127.0.0.1:9", "--queue", QUEUE, "--journal", str(journal)]
    run = await run_cli(
        ["apply", str(spec), str(accounts), *options, "--resume-run", "20260101000000-00000000"]
    )

    assert run.code == 2, run.err
    assert "--journal is the same file as" in run.err
    assert journal.read_bytes() == before
