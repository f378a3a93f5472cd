"""Running the command-line tool and the standalone fake server as real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli.helpers import final_statuses
from tests.helpers import wait_until_sync

CLI = [sys.executable, "-m", "axigen_async.cli"]
FAKE_SERVER = [sys.executable, "-m", "axigen_async.testing", "--port", "0"]
#: The longest any one process of a test may run.
WAIT = 60.0


def stop(
    process: subprocess.Popen[str] | subprocess.Popen[bytes], sig: int = signal.SIGKILL
) -> None:
    """Send ``sig`` unless the process ended; kill it if it outlives ten seconds."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def start(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.PIPE, text=True
    )


def run(command: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*command, *extra], capture_output=True, text=True, timeout=WAIT, check=False
    )


def lines(path: Path) -> int:
    return path.read_text().count("\n") if path.exists() else 0


def run_and_kill(command: list[str], journal: Path, *, after_lines: int) -> set[str]:
    """Start ``command``, SIGKILL it once the journal has ``after_lines`` lines.

    Returns the emails the journal has as done at the kill.
    """
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_sync(lambda: lines(journal) >= after_lines, timeout=WAIT)
    finally:
        stop(process)
    return set(final_statuses(journal, {"done"}))


@contextmanager
def fake_server(*options: str) -> Iterator[str]:
    """The standalone fake server with ``options``; yields its URL, stops it after."""
    process = start([*FAKE_SERVER, *options])
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        stop(process, signal.SIGTERM)
        if process.stdout is not None:
            process.stdout.close()


def spawn(command: list[str], *, capture: bool = True) -> subprocess.Popen[str]:
    """Start ``command`` with its output captured (or discarded); the caller stops it."""
    where = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=where, stderr=where, text=True
    )
