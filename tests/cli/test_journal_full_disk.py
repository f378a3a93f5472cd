"""A journal that cannot be written midway (a full disk): one line, exit 1, whole entries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.processes import WAIT, fake_server

#: Runs the command line with a file size limit, which stands for a full disk: a write
#: past it fails with EFBIG (SIGXFSZ ignored) as a write to a full disk fails with ENOSPC.
_LIMITED = """\
import resource, runpy, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv.pop(1))
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv[0] = "axigen-async"
runpy.run_module("axigen_async.cli", run_name="__main__")
"""


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_FSIZE and SIGXFSZ")
def test_a_journal_that_fills_the_disk_midway_keeps_whole_entries_and_exits_1(
    tmp_path: Path,
) -> None:
    spec, accounts, journal = tmp_path / "spec.json", tmp_path / "a.csv", tmp_path / "j.jsonl"
    spec.write_text(json.dumps({"contactInfo": {"title": "Dr"}}), encoding="utf-8")
    rows = [f"user{i}@example.com,demo" for i in range(1, 41)]
    accounts.write_text("email,password\n" + "\n".join(rows) + "\n", encoding="utf-8")
    limit = 2000  # the header and a few entries, then one cut short

    with fake_server("--accounts", "40") as url:
        options = ["--url", url, "--journal", str(journal), "--concurrency", "2", "-q"]
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-c",
                _LIMITED,
                str(limit),
                "apply",
                str(spec),
                str(accounts),
                *options,
            ],
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, done.stderr
    assert f"--journal: {journal}: File too large" in errors[0]
    written = journal.read_bytes()
    assert 0 < len(written) <= limit
    assert written.endswith(b"\n")
    entries = [json.loads(line) for line in written.decode("utf-8").splitlines()]
    assert "fingerprint" in entries[0]
    assert len(entries) > 1
