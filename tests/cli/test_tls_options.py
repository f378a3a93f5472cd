"""The command line's TLS options against the fake server over HTTPS: --ca-file, --insecure.

``authority`` and ``tls_fake`` come from tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme

from axigen_async.testing import FakeAxigen
from tests.cli.helpers import read_jsonl, run_cli, write_csv
from tests.conftest import EMAIL, PASSWORD


def _audit(url: str, tmp_path: Path, *extra: str) -> list[str]:
    accounts = write_csv(tmp_path / "a.csv", [(EMAIL, PASSWORD)])
    out = str(tmp_path / "r.jsonl")
    return ["audit", str(accounts), "--url", url, "--out", out, "-q", *extra]


async def test_ca_file_trusts_a_private_authority(
    tls_fake: FakeAxigen, authority: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))

    run = await run_cli(_audit(tls_fake.url, tmp_path, "--ca-file", str(ca_file)))

    assert run.code == 0, run.out + run.err
    assert [record["ok"] for record in read_jsonl(tmp_path / "r.jsonl")] == [True]
    assert "warning" not in run.err


async def test_without_the_authority_the_account_fails_with_the_tls_reason(
    tls_fake: FakeAxigen, tmp_path: Path
) -> None:
    run = await run_cli(_audit(tls_fake.url, tmp_path))

    assert run.code == 1
    [record] = read_jsonl(tmp_path / "r.jsonl")
    assert record["error"]["kind"] == "ConnectError"
    assert "certificate is not trusted" in record["error"]["message"]
    assert tls_fake.requests == []


async def test_insecure_works_and_warns(tls_fake: FakeAxigen, tmp_path: Path) -> None:
    run = await run_cli(_audit(tls_fake.url, tmp_path, "--insecure"))

    assert run.code == 0, run.out + run.err
    assert "warning: --insecure turns off TLS certificate verification" in run.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "--ca-file: cannot read it (No such file or directory)", id="missing"),
        pytest.param("garbage", "--ca-file: it holds no PEM certificate", id="not-pem"),
    ],
)
async def test_an_unusable_ca_file_is_a_usage_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    ca_file = tmp_path / "ca.pem"
    if content is not None:
        ca_file.write_text(content)

    run = await run_cli(_audit("https://127.0.0.1:9", tmp_path, "--ca-file", str(ca_file)))

    assert run.code == 2
    assert message in run.err
    assert not (tmp_path / "r.jsonl").exists()


async def test_ca_file_and_insecure_together_are_refused(tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("unused")

    run = await run_cli(
        _audit("https://127.0.0.1:9", tmp_path, "--ca-file", str(ca_file), "--insecure")
    )

    assert run.code == 2
    assert "--ca-file and --insecure contradict each other" in run.err
