"""TLS: the client's ``ssl`` option against the fake server serving HTTPS.

trustme issues a throw-away certificate authority and a certificate for
127.0.0.1, so the real handshake runs over loopback.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import pytest
import trustme

from axigen_async import AxigenClient, BasicAuth, ConnectError
from axigen_async.api import account
from axigen_async.testing import FakeAxigen
from tests.conftest import EMAIL, PASSWORD, Sleeps


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def tls_fake(authority: trustme.CA) -> AsyncIterator[FakeAxigen]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    async with FakeAxigen(ssl_context=server_context) as fake:
        fake.add_account(EMAIL, PASSWORD)
        yield fake


async def test_a_client_trusting_the_authority_talks_https(
    tls_fake: FakeAxigen, authority: trustme.CA
) -> None:
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    assert tls_fake.url.startswith("https://")
    async with AxigenClient(tls_fake.url, ssl=client_context) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            assert (await account.get_info(s)).email == EMAIL


async def test_an_untrusted_certificate_fails_at_once(tls_fake: FakeAxigen, sleeps: Sleeps) -> None:
    async with AxigenClient(tls_fake.url, sleep=sleeps) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            with pytest.raises(ConnectError, match="TLS failure") as caught:
                await account.get_info(s)
    assert caught.value.attempts == 1
    assert sleeps.delays == []
    assert tls_fake.requests == []


async def test_verification_can_be_turned_off_explicitly(tls_fake: FakeAxigen) -> None:
    async with AxigenClient(tls_fake.url, ssl=False) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            assert (await account.get_info(s)).email == EMAIL
