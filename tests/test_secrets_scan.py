"""No secret anywhere: the library and the command line at DEBUG, with faults and failures.

Every password (old and new), every Basic value, every bearer token and every session id
the fake issued is looked for in every log line (with its traceback), every result,
report and journal line, every exception message, traceback and repr the run produced.
The fake also answers some calls with a body that quotes the secrets back, as a proxy's
debug page might.
"""

from __future__ import annotations

import base64
import logging
import pickle
import traceback
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

import pytest

from axigen_async import (
    AccountSession,
    AmbiguousWriteError,
    AxigenClient,
    BadRequestError,
    BasicAuth,
    LoginError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from axigen_async.api import account
from axigen_async.bulk import BulkAccount, BulkResult, fan_out
from axigen_async.models.account import NewSignature, SignatureType, Vacation
from axigen_async.testing import FakeAxigen
from tests.cli.helpers import InstantSleep, run_cli, write_jsonl

BASIC_ACCOUNTS = 40
BEARER_ACCOUNTS = 10
WRONG = "wrong@example.com"
ATTEMPTS = RetryPolicy().attempts


class SessionIds:
    """The fake's session id factory: every id it issues, to look for later."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def __call__(self) -> str:
        self.issued.append(f"Sid{len(self.issued):05d}q{base64.b32encode(bytes(5)).decode()}")
        return self.issued[-1]


class Secrets:
    """The secrets of a run and the places they must not be."""

    def __init__(self, session_ids: SessionIds) -> None:
        self._session_ids = session_ids
        self._values: set[str] = set()

    def password(self, email: str, password: str) -> str:
        basic = base64.b64encode(f"{email}:{password}".encode()).decode()
        self._values.update((password, basic))
        return password

    def token(self, token: str) -> str:
        self._values.add(token)
        return token

    def all(self) -> set[str]:
        return self._values | set(self._session_ids.issued)

    def assert_absent(self, texts: Iterable[str]) -> None:
        blobs = list(texts)
        assert blobs
        found = {secret for secret in self.all() for blob in blobs if secret in blob}
        assert found == set(), f"{len(found)} secrets found"


@pytest.fixture
def session_ids() -> SessionIds:
    return SessionIds()


@pytest.fixture
def secrets(session_ids: SessionIds) -> Secrets:
    return Secrets(session_ids)


@pytest.fixture
async def fake(session_ids: SessionIds) -> AsyncIterator[FakeAxigen]:
    async with FakeAxigen(session_ids=session_ids) as server:
        yield server


def _exception_texts(error: BaseException | None) -> Iterator[str]:
    """The message, repr and whole traceback (causes and contexts) of ``error``."""
    if error is None:
        return
    yield str(error)
    yield repr(error)
    yield getattr(error, "body_excerpt", "")
    yield "".join(traceback.format_exception(error))
    yield str(pickle.loads(pickle.dumps(error)))


def _log_texts(caplog: pytest.LogCaptureFixture) -> Iterator[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        yield formatter.format(record)  # with exc_info and stack_info, when there are any
        yield repr(record.args)


def _seed(fake: FakeAxigen, secrets: Secrets) -> list[BulkAccount]:
    accounts = []
    for index in range(BASIC_ACCOUNTS):
        email = f"b{index}@example.com"
        password = secrets.password(email, f"Pw-{index}-\u00e9:Q{index * 7919}")
        fake.add_account(email, password, must_change_password=index % 5 == 0)
        accounts.append(BulkAccount.basic(email, password))
    for index in range(BEARER_ACCOUNTS):
        email = f"t{index}@example.com"
        fake.add_account(email, f"unused-{index}")
        token = secrets.token(f"eyJ0eXAiOiJKV1QifQ.tok{index}.Sig{index * 31}")
        fake.add_token(token, email)
        accounts.append(BulkAccount.bearer(email, token))
    fake.add_account(WRONG, secrets.password(WRONG, "the-Right-one-1"))
    accounts.append(BulkAccount.basic(WRONG, secrets.password(WRONG, "a-Wrong-one-2")))
    return accounts


async def test_the_library_at_debug_under_faults_shows_no_secret(
    fake: FakeAxigen,
    secrets: Secrets,
    session_ids: SessionIds,
    caplog: pytest.LogCaptureFixture,
) -> None:
    accounts = _seed(fake, secrets)
    fake.faults.chaos(seed=5, slow_seconds=0.3, status_rates={503: 0.08, 429: 0.04, 500: 0.04})
    new_passwords = {a.email: secrets.password(a.email, f"New-{a.email}-9x") for a in accounts}

    async def operation(session: AccountSession) -> str:
        await account.get_info(session)
        old = next(a for a in accounts if a.email == session.label)
        password = getattr(old.credentials, "password", None)
        await account.list_signatures(session)
        await account.create_signature(session, NewSignature("S", SignatureType.TEXT, "b"))
        await account.set_vacation(
            session,
            Vacation(
                enabled=True,
                age=1,
                apply_always=True,
                apply_to_external=True,
                apply_to_internal=True,
                body="away",
            ),
        )
        await account.create_temporary_alias(session)
        if password is None:
            return "bearer"
        await account.reset_password(session, password, new_passwords[old.email])
        return "done"

    results: list[BulkResult[str]] = []
    caplog.set_level(logging.DEBUG)  # every logger: ours, aiohttp's, asyncio's
    timeouts = Timeouts(deadline=30.0, attempt=0.15, connect=5.0)
    async with AxigenClient(fake.url, sleep=InstantSleep(), timeouts=timeouts) as client:
        async with fan_out(client, accounts, operation, concurrency=10) as run:
            results = [result async for result in run]
        texts = [repr(client), repr(client.statistics())]
        # Each kind of failure forced once, with no chaos to steal it: the chaos above
        # reorders under load, so the kinds it produced are scanned but not counted on.
        fake.faults.clear()
        forced: list[BaseException] = []
        wrong = next(a for a in accounts if a.email == WRONG)
        with pytest.raises(LoginError) as refused:
            async with client.session(wrong.credentials) as session:
                await account.get_info(session)
        forced.append(refused.value)
        email = accounts[0].email
        password = fake.account(email).password  # the old one, or the new if reset
        async with client.session(BasicAuth(email, password)) as session:
            await account.get_info(session)
            texts += [repr(session), repr(accounts[0]), repr(accounts[-1])]
            fake.faults.fail_next("GET /api/v1/account/info", 503, count=ATTEMPTS)
            with pytest.raises(ServerError) as unavailable:
                await account.get_info(session)
            forced.append(unavailable.value)
            fake.faults.reset_next("POST /api/v1/account/temporaryaliases")
            with pytest.raises(AmbiguousWriteError) as unknown:
                await account.create_temporary_alias(session)
            forced.append(unknown.value)
            # A session ended by the server: the client logs in again, with a new id.
            issued = len(session_ids.issued)
            assert fake.expire_sessions() >= 1  # this one (a failed logout leaves others)
            await account.get_info(session)
            assert len(session_ids.issued) == issued + 1
            # A proxy's page quoting what the request carried, bare and in a header (the
            # test reads the session id it must never see anywhere else).
            sid = session_ids.issued[-1]  # the one this session got: the latest login's
            basic = base64.b64encode(f"{email}:{password}".encode()).decode()
            echo = f"sent {basic} {password} {sid}; Authorization: Basic {basic}"
            fake.faults.answer_next("GET /api/v1/account/signatures", status=400, body=echo)
            with pytest.raises(BadRequestError) as caught:
                await account.list_signatures(session)

    errors = [result.error for result in results if result.error is not None]
    assert errors  # the chaos run failed some calls too, and their texts are scanned
    assert caught.value.body_excerpt == (
        "sent <redacted> <redacted> <redacted>; Authorization: <redacted>"
    )
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    for error in [*errors, *forced, caught.value]:
        texts += _exception_texts(error)
    for result in results:
        texts += [repr(result), str(result)]
    texts += _log_texts(caplog)
    texts += (repr(entry) for entry in fake.requests)
    texts += (repr(entry) for entry in fake.injected_faults)
    secrets.assert_absent(texts)


@pytest.mark.slow  # a whole CLI run under faults
async def test_the_command_line_at_debug_under_faults_shows_no_secret(
    fake: FakeAxigen,
    secrets: Secrets,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accounts = _seed(fake, secrets)
    shared = secrets.password("env@example.com", "From-the-Env-3")
    fake.add_account("env@example.com", shared)
    monkeypatch.setenv("AXIGEN_TEST_PASSWORD", shared)
    rows: list[dict[str, str]] = [{"email": "env@example.com"}]
    for item in accounts:
        credentials = item.credentials
        secret = getattr(credentials, "password", None)
        if secret is not None:
            rows.append({"email": item.email, "password": secret})
        else:
            rows.append({"email": item.email, "token": getattr(credentials, "token")})  # noqa: B009
    listing = write_jsonl(tmp_path / "accounts.jsonl", rows)
    spec = tmp_path / "spec.json"
    spec.write_text(
        '{"signatures": [{"name": "S", "type": "text", "body": "b"}],'
        ' "temporaryAliases": {"minimum": 1}, "contactInfo": {"title": "Dr."}}'
    )
    fake.faults.chaos(seed=9, slow_seconds=0.3)
    options = {
        "sleep": InstantSleep(),
        "timeouts": Timeouts(deadline=30.0, attempt=0.15, connect=5.0),
    }
    common = ["--url", fake.url, "-vv", "--password-env", "AXIGEN_TEST_PASSWORD"]
    caplog.set_level(logging.DEBUG)

    report, journal = tmp_path / "report.jsonl", tmp_path / "journal.jsonl"
    audit = await run_cli(
        ["audit", str(listing), "--out", str(report), *common], client_options=options
    )
    apply = await run_cli(
        ["apply", str(spec), str(listing), "--journal", str(journal), *common],
        client_options=options,
    )
    resumed = await run_cli(
        ["apply", str(spec), str(listing), "--journal", str(journal), "--resume", *common],
        client_options=options,
    )

    assert audit.code == apply.code == 1  # the wrong password fails, at the least
    assert "DEBUG axigen_async" in audit.err  # -vv logged the requests
    assert "LoginError" in report.read_text()
    texts = [run.out for run in (audit, apply, resumed)]
    texts += [run.err for run in (audit, apply, resumed)]
    texts += [report.read_text(), journal.read_text()]
    texts += _log_texts(caplog)
    secrets.assert_absent(texts)
