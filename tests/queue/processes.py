"""Worker and coordinator processes of the queue tests, each logging to its own file."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli.processes import CLI, stop

#: The longest a worker may take to say it is ready, or a run to end.
WAIT = 120.0
PASSWORD = "demo"  # the one tests.cli.test_chaos_kill_resume reads state with


def write_accounts(path: Path, count: int, password: str = PASSWORD) -> list[str]:
    """A CSV of user1..userN with the fake's seeded password; returns the emails."""
    emails = [f"user{index}@example.com" for index in range(1, count + 1)]
    path.write_text("email,password\n" + "".join(f"{e},{password}\n" for e in emails))
    return emails


def wait_for(predicate: object, what: str, timeout: float = WAIT) -> None:
    """Poll ``predicate()`` every 20 ms until true or ``timeout`` (then fail)."""
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class Workers:
    """Worker processes started with the same options; all stopped on exit."""

    def __init__(self, directory: Path, queue: str, url: str, *options: str) -> None:
        self.directory = directory
        self.command = [*CLI, "worker", "--queue", queue, "--url", url, *options]
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            log = self.directory / f"worker{len(self.processes)}.log"
            with open(log, "wb") as stream:
                process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    self.command, stdout=stream, stderr=stream
                )
            self.processes.append(process)
            wait_for(lambda log=log: b"worker ready" in log.read_bytes(), "a worker to start")

    def log(self, index: int) -> str:
        return (self.directory / f"worker{index}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            stop(process)


@contextmanager
def workers(directory: Path, queue: str, url: str, *options: str) -> Iterator[Workers]:
    group = Workers(directory, queue, url, *options)
    try:
        yield group
    finally:
        group.stop_all()


def run_to_end(command: list[str], timeout: float = WAIT) -> subprocess.CompletedProcess[str]:
    """Run a command (a coordinator) to its end, bounded by ``timeout`` seconds."""
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*CLI, *command], capture_output=True, text=True, timeout=timeout, check=False
    )


def coordinator(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as stream:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*CLI, *command], stdout=stream, stderr=stream
        )
