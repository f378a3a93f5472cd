"""Run the standalone fake Axigen server as a child process for a benchmark.

The server gets its own process (and so its own core) so that the client side
measured by a benchmark does not pay for the server's work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import TracebackType

_START_TIMEOUT = 60.0


class FakeServerProcess:
    """``with FakeServerProcess(accounts=N) as url:`` runs the fake until the block ends."""

    def __init__(self, *, accounts: int, password: str = "demo", extra: list[str] | None = None):
        self._args = [
            sys.executable,
            "-m",
            "axigen_async.testing",
            "--port",
            "0",
            "--accounts",
            str(accounts),
            "--password",
            password,
            *(extra or []),
        ]
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        self._process = subprocess.Popen(
            self._args,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self._process.stdout is not None
        try:
            line = self._readline(self._process)
        except BaseException:
            self._stop()
            raise
        if not line.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
            self._stop()
            raise RuntimeError(f"the fake server printed {line!r} instead of its URL")
        return line.strip()

    @staticmethod
    def _readline(process: subprocess.Popen[str]) -> str:
        import selectors

        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(_START_TIMEOUT):
                raise TimeoutError("the fake server did not print its URL in time")
        return process.stdout.readline()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
