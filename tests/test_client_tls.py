"""TLS: the client's ``ssl`` option against the fake server serving HTTPS.

trustme issues a throw-away certificate authority and a certificate for
127.0.0.1, so the real handshake runs over loopback.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest
import trustme

from axigen_async import AxigenClient, BasicAuth, ConnectError
from axigen_async.api import account
from axigen_async.testing import FakeAxigen
from tests.conftest import EMAIL, PASSWORD, Sleeps


async def test_a_client_trusting_the_authority_talks_https(
    tls_fake: FakeAxigen, authority: trustme.CA
) -> None:
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    assert tls_fake.url.startswith("https://")
    async with AxigenClient(tls_fake.url, ssl=client_context) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            assert (await account.get_info(s)).email == EMAIL


async def test_verification_is_on_by_default_and_an_untrusted_certificate_fails_at_once(
    tls_fake: FakeAxigen, sleeps: Sleeps
) -> None:
    async with AxigenClient(tls_fake.url, sleep=sleeps) as client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            with pytest.raises(ConnectError) as caught:
                await account.get_info(s)
    message = str(caught.value)
    assert "TLS failure: the server's certificate is not trusted" in message
    assert "unable to get local issuer certificate" in message  # the ssl module's reason
    assert "ssl='ca.pem' or an ssl.SSLContext" in message  # and what to do about it
    assert caught.value.attempts == 1
    assert sleeps.delays == []
    assert tls_fake.requests == []


async def test_a_certificate_for_another_host_is_refused(authority: trustme.CA) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("mail.example.com").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    async with FakeAxigen(ssl_context=server_context) as fake:
        fake.add_account(EMAIL, PASSWORD)
        async with AxigenClient(fake.url, ssl=client_context) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                with pytest.raises(ConnectError, match=r"is for another name .*; check base_url"):
                    await account.get_info(s)
        assert fake.requests == []


async def test_a_ca_file_is_trusted(
    tls_fake: FakeAxigen, authority: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))

    for option in (str(ca_file), ca_file):  # a str or an os.PathLike
        async with AxigenClient(tls_fake.url, ssl=option) as client:
            async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
                assert (await account.get_info(s)).email == EMAIL


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(None, "No such file", id="missing"),
        pytest.param("not a certificate", "", id="not-pem"),
    ],
)
def test_an_unusable_ca_file_is_refused_before_anything_is_sent(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    ca_file = tmp_path / "ca.pem"
    if content is not None:
        ca_file.write_text(content)
    with pytest.raises(ValueError, match=f"cannot use .*ca.pem.* as a CA file: {reason}"):
        AxigenClient("https://127.0.0.1:9", ssl=ca_file)


async def test_turning_verification_off_takes_ssl_false_and_logs_a_warning(
    tls_fake: FakeAxigen, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="axigen_async"):
        client = AxigenClient(tls_fake.url, ssl=False)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        f"TLS certificate verification is off for {tls_fake.url}: anyone on the network "
        "path can read and change this client's traffic, passwords included"
    ]
    async with client:
        async with client.session(BasicAuth(EMAIL, PASSWORD)) as s:
            assert (await account.get_info(s)).email == EMAIL


def test_verification_on_logs_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="axigen_async"):
        AxigenClient("https://127.0.0.1:9")
        AxigenClient("https://127.0.0.1:9", ssl=True)
        AxigenClient("https://127.0.0.1:9", ssl=ssl.create_default_context())
        AxigenClient("http://127.0.0.1:9", ssl=False)  # nothing to verify over HTTP
    assert caplog.records == []
