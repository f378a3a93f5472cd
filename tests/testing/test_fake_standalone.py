"""The standalone fake server (``python -m axigen_async.testing``) as a real process."""

from __future__ import annotations

import asyncio
import base64
import signal
import ssl
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
import trustme

from axigen_async.testing.__main__ import build_parser, main
from tests.testing.wire_helpers import assert_info_shape

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


@asynccontextmanager
async def standalone(*args: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, str, str]]:
    """Start the server; yields (process, base URL, second line); always ends the process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "axigen_async.testing",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        second = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        yield process, first.decode().strip(), second.decode().strip()
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.feed_eof()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
async def test_standalone_serves_seeded_accounts_and_stops_cleanly(signum: int) -> None:
    args = ("--port", "0", "--accounts", "1000", "--password", "pw-XYZ", "--seed", "3")
    async with standalone(*args) as (process, url, second):
        assert url.startswith("http://127.0.0.1:")
        assert "pw-XYZ" not in second
        credentials = base64.b64encode(b"user1000@example.com:pw-XYZ").decode()
        authorization = {"Authorization": f"Basic {credentials}"}
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{url}/api/v1/login", headers=authorization) as response:
                assert response.status == 200
                session_id = (await response.json())["sessid"]
            headers = authorization | {"X-Axigen-Session": session_id}
            async with http.get(f"{url}/api/v1/account/info", headers=headers) as response:
                assert response.status == 200
                info = await response.json()
        assert_info_shape(info)
        assert info["accountName"] == "user1000"
        process.send_signal(signum)
        assert await asyncio.wait_for(process.wait(), STOP_TIMEOUT) == 0


async def test_standalone_random_faults_from_flags() -> None:
    args = ("--accounts", "1", "--fault-rate", "1", "--fault-statuses", "503")
    async with standalone(*args) as (process, url, _):
        async with aiohttp.ClientSession() as http, http.get(f"{url}/api/") as response:
            assert response.status == 503
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), STOP_TIMEOUT) == 0


def test_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.password) == ("127.0.0.1", 0, "demo")
    assert args.session_idle_timeout == 1800.0


async def test_standalone_serves_https_with_the_given_certificate(tmp_path: Path) -> None:
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    args = ("--port", "0", "--accounts", "1", "--tls-cert", str(cert), "--tls-key", str(key))
    async with standalone(*args) as (process, url, _):
        assert url.startswith("https://127.0.0.1:")
        connector = aiohttp.TCPConnector(ssl=client_context)
        async with aiohttp.ClientSession(connector=connector) as http:
            async with http.get(f"{url}/api/") as response:
                assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), STOP_TIMEOUT) == 0


def test_a_certificate_needs_its_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--tls-cert", "cert.pem"])
    assert "--tls-cert and --tls-key go together" in capsys.readouterr().err
