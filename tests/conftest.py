"""Shared fixtures: a client wired to the fake server, with sleep and jitter injected.

The fake server itself comes from the package's own pytest plugin (``fake_axigen``),
so our suite uses it the way our users' suites do.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import trustme

from axigen_async import AccountSession, AxigenClient, BasicAuth
from axigen_async.testing import FakeAccount, FakeAxigen

EMAIL = "jane@example.com"
PASSWORD = "correct-Horse-7"


class Sleeps:
    """An injected ``sleep`` that records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def jane(fake_axigen: FakeAxigen) -> FakeAccount:
    return fake_axigen.add_account(EMAIL, PASSWORD, full_name="Jane Doe")


@pytest.fixture
async def client(fake_axigen: FakeAxigen, sleeps: Sleeps) -> AsyncIterator[AxigenClient]:
    async with AxigenClient(fake_axigen.url, sleep=sleeps, random=lambda: 0.5) as client:
        yield client


@pytest.fixture
async def session(client: AxigenClient, jane: FakeAccount) -> AsyncIterator[AccountSession]:
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as session:
        yield session


@pytest.fixture(scope="session")
def authority() -> trustme.CA:
    """A throw-away certificate authority (trustme) that tests may trust or not."""
    return trustme.CA()


@pytest.fixture
async def tls_fake(authority: trustme.CA) -> AsyncIterator[FakeAxigen]:
    """The fake over HTTPS, with the authority's certificate for 127.0.0.1, and Jane."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    async with FakeAxigen(ssl_context=server_context) as fake:
        fake.add_account(EMAIL, PASSWORD)
        yield fake


@pytest.fixture
def blackhole_url() -> Iterator[str]:
    """The URL of a host that never completes a connection (a black-holed server).

    A listening socket that never accepts, its queue filled by connections of
    its own: Linux then drops further SYNs, so a connect hangs until the
    client gives up, as against a firewalled host.
    """
    server = socket.socket()
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            fillers.append(filler)
            with contextlib.suppress(BlockingIOError):  # connecting, not refused
                filler.connect(("127.0.0.1", port))
        time.sleep(0.1)  # the fillers' handshakes complete and fill the queue
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        server.close()
