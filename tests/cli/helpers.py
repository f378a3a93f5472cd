"""Shared helpers of the CLI tests: running a command with captured output, writing inputs."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from axigen_async.cli import amain


@attrs.frozen
class Run:
    code: int
    out: str
    err: str


class InstantSleep:
    """An injected client ``sleep`` that returns at once and records each delay."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def run_cli(argv: Sequence[str], *, client_options: Mapping[str, Any] | None = None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = await amain(list(argv), stdout=out, stderr=err, client_options=client_options)
    return Run(code, out.getvalue(), err.getvalue())


def write_csv(path: Path, rows: Iterable[tuple[str, str]], header: str = "email,password") -> Path:
    lines = [header, *(f"{email},{secret}" for email, secret in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, rows: Iterable[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def secret_forms(email: str, secret: str) -> list[str]:
    """The secret and its Basic ``Authorization`` encodings."""
    basic = base64.b64encode(f"{email}:{secret}".encode()).decode()
    return [secret, basic, f"Basic {basic}"]


def assert_no_secrets(texts: Iterable[str], secrets: Iterable[str]) -> None:
    blobs = list(texts)
    for secret in secrets:
        for blob in blobs:
            assert secret not in blob


def journal_header(spec: object) -> str:
    """The header line an apply journal for ``spec`` (the document) starts with."""
    from axigen_async.cli._journal import FORMAT_VERSION, HEADER_KEY, fingerprint

    value = fingerprint({"spec": spec, "options": {}})
    return json.dumps({HEADER_KEY: FORMAT_VERSION, "command": "apply", "fingerprint": value}) + "\n"


def journal_entries(path: Path, *statuses: str) -> list[dict[str, Any]]:
    """The account entries of an apply journal (no header), of ``statuses`` if given."""
    entries = [entry for entry in read_jsonl(path) if "email" in entry]
    return [entry for entry in entries if not statuses or entry["status"] in statuses]


def final_statuses(path: Path, only: Iterable[str] = ()) -> dict[str, str]:
    """Each address's last outcome in an apply journal (pending and duplicate rows left out).

    With ``only``, just the addresses whose last outcome is one of those.
    """
    last = {
        entry["email"]: entry["status"]
        for entry in journal_entries(path, "done", "failed", "unknown")
        if entry.get("email")
    }
    wanted = set(only)
    return {email: status for email, status in last.items() if not wanted or status in wanted}
