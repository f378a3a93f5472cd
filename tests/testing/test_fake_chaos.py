"""Chaos and observation features of the fake Axigen server.

The seeded chaos mix, session expiry every N requests, the fault log, canned answers
(``answer_next``), open connections, the session id factory and the standalone ``--chaos``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import math
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest

from axigen_async.testing import (
    FakeAxigen,
    FaultDecision,
    FaultPlan,
    FaultReset,
    FaultSlow,
    FaultStatus,
    InjectedFault,
)
from axigen_async.testing.__main__ import main as standalone_main
from tests.helpers import wait_until
from tests.testing.test_fake_standalone import STOP_TIMEOUT, standalone
from tests.testing.wire_helpers import FakeClock, Wire, basic

INFO = "/api/v1/account/info"
SIGNATURES = "/api/v1/account/signatures"
VERSION = "/api/"
SIGNATURE = {"name": "Work", "type": "text", "body": "-- a"}
# Fault-free chaos, so a test turns on only the part it is about.
QUIET: dict[str, Any] = {
    "status_rates": {},
    "reset_rate": 0.0,
    "slow_rate": 0.0,
    "expire_sessions_every": None,
}


async def _outcome(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> str:
    """The status as text, or ``"reset"`` when the answer was cut mid-body."""
    try:
        async with http.get(url, headers=headers) as response:
            await response.read()
            return str(response.status)
    except aiohttp.ClientPayloadError:
        return "reset"


def _decisions(plan: FaultPlan, count: int, route: str = "GET /x") -> list[FaultDecision | None]:
    return [plan.decide(route, route.partition(" ")[2]) for _ in range(count)]


def _actions(plan: FaultPlan, count: int) -> list[Any]:
    """The actions of ``count`` decisions for one route (``None`` where there is none)."""
    return [getattr(decision, "action", None) for decision in _decisions(plan, count)]


def _tolerance(rate: float, count: int) -> float:
    """Four standard deviations of a binomial share, and a floor for tiny rates."""
    return max(0.002, 4 * math.sqrt(rate * (1 - rate) / count))


# -- the mix, without a network ----------------------------------------------------------------


def test_chaos_same_seed_gives_the_same_decisions() -> None:
    plans = [FaultPlan() for _ in range(3)]
    for plan, seed in zip(plans, (5, 5, 6), strict=True):
        plan.chaos(seed=seed, status_rates={503: 0.2, 429: 0.1}, reset_rate=0.1, slow_rate=0.1)
    first, again, other = (_decisions(plan, 500) for plan in plans)
    assert first == again
    assert first != other


def test_chaos_shares_follow_the_rates() -> None:
    rates = {"503": 0.05, "429": 0.02, "reset": 0.01, "slow": 0.01}
    plan = FaultPlan()
    plan.chaos(seed=1, expire_sessions_every=None)  # the default rates
    count = 40_000
    kinds: Counter[str] = Counter()
    names = {FaultReset: "reset", FaultSlow: "slow", type(None): "nonetype"}
    for action in _actions(plan, count):
        kinds[str(action.status) if isinstance(action, FaultStatus) else names[type(action)]] += 1
    for kind, rate in rates.items():
        assert abs(kinds[kind] / count - rate) <= _tolerance(rate, count), kind
    assert sum(kinds[kind] for kind in rates) + kinds["nonetype"] == count


def test_chaos_429_retry_after_is_drawn_in_range() -> None:
    plan = FaultPlan()
    plan.chaos(seed=2, **(QUIET | {"status_rates": {429: 1.0}}), retry_after_max=3)
    assert {action.retry_after for action in _actions(plan, 200)} == {0, 1, 2, 3}


def test_chaos_statuses_other_than_429_carry_no_retry_after() -> None:
    plan = FaultPlan()
    plan.chaos(seed=2, **(QUIET | {"status_rates": {503: 1.0}}))
    assert {action.retry_after for action in _actions(plan, 50)} == {None}


def test_chaos_decisions_do_not_depend_on_the_order_of_status_rates() -> None:
    forward, backward = FaultPlan(), FaultPlan()
    forward.chaos(seed=4, status_rates={503: 0.3, 500: 0.3})
    backward.chaos(seed=4, status_rates={500: 0.3, 503: 0.3})
    assert _decisions(forward, 300) == _decisions(backward, 300)


def test_chaos_is_limited_to_its_routes() -> None:
    plan = FaultPlan()
    plan.chaos(seed=1, **(QUIET | {"status_rates": {503: 1.0}}), routes=["POST /y"])
    assert plan.decide("GET /y", "/y") is None
    assert plan.decide("POST /y", "/y") is not None


def test_scripted_faults_win_over_chaos() -> None:
    plan = FaultPlan()
    plan.chaos(seed=1, **(QUIET | {"status_rates": {503: 1.0}}))
    plan.fail_next("/x", 500)
    plan.answer_next("/x", status=201)
    assert [action.status for action in _actions(plan, 3)] == [500, 201, 503]


def test_scripted_delay_wins_over_chaos() -> None:
    plan = FaultPlan()
    plan.chaos(seed=1, **(QUIET | {"status_rates": {503: 1.0}}))
    plan.delay("/x", 0.5, count=1)
    decision = plan.decide("GET /x", "/x")
    assert decision is not None
    assert (decision.delay, decision.action) == (0.5, None)


def test_scripted_faults_do_not_shift_the_chaos_draws() -> None:
    plain, scripted = FaultPlan(), FaultPlan()
    for plan in (plain, scripted):
        plan.chaos(seed=9, status_rates={503: 0.3}, reset_rate=0.2)
    plain_decisions = _decisions(plain, 10)
    scripted_decisions = _decisions(scripted, 3)
    scripted.fail_next("/x", 500)
    scripted_decisions += _decisions(scripted, 7)
    assert scripted_decisions[3] != plain_decisions[3]
    del scripted_decisions[3], plain_decisions[3]
    assert scripted_decisions == plain_decisions


def test_chaos_replaces_random_faults() -> None:
    plan = FaultPlan()
    plan.random_faults(1.0, seed=1, statuses=[500])
    plan.chaos(seed=1, **QUIET)
    assert plan.decide("GET /x", "/x") is None


def test_random_faults_replace_chaos() -> None:
    plan = FaultPlan()
    plan.chaos(seed=1, **(QUIET | {"status_rates": {503: 1.0}}))
    plan.random_faults(0.0, seed=1)
    assert plan.decide("GET /x", "/x") is None


def test_clear_forgets_chaos() -> None:
    plan = FaultPlan()
    plan.chaos(seed=1)
    plan.clear()
    assert not plan.active


def test_session_expiry_falls_on_every_nth_request_of_any_route() -> None:
    plan = FaultPlan()
    plan.chaos(seed=1, **(QUIET | {"expire_sessions_every": 3}), routes=["GET /other"])
    routes = itertools.cycle(["GET /x", "POST /api/v1/login", "GET /other"])
    expired = [
        decision is not None and decision.expire_sessions
        for decision in (
            plan.decide(route, route.split()[1]) for route in itertools.islice(routes, 9)
        )
    ]
    assert expired == [False, False, True] * 3


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"status_rates": {503: 0.6}, "reset_rate": 0.3, "slow_rate": 0.2}, id="sum"),
        pytest.param({"status_rates": {503: -0.1}}, id="negative-rate"),
        pytest.param({"status_rates": {503: 1.5}}, id="rate-above-one"),
        pytest.param({"status_rates": {503: float("nan")}}, id="nan-rate"),
        pytest.param({"status_rates": {200: 0.1}}, id="success-status"),
        pytest.param({"status_rates": {True: 0.1}}, id="bool-status"),
        pytest.param({"status_rates": [(503, 0.1)]}, id="not-a-mapping"),
        pytest.param({"reset_rate": 2.0}, id="reset-rate"),
        pytest.param({"slow_rate": "0.1"}, id="slow-rate-str"),
        pytest.param({"retry_after_max": -1}, id="negative-retry-after"),
        pytest.param({"slow_seconds": -1.0}, id="negative-slow"),
        pytest.param({"slow_seconds": float("inf")}, id="infinite-slow"),
        pytest.param({"expire_sessions_every": 0}, id="expire-zero"),
        pytest.param({"routes": []}, id="no-routes"),
        pytest.param({"routes": "GET /api/"}, id="routes-str"),
        pytest.param({"routes": ["api/v1/account/info"]}, id="route-without-slash"),
        pytest.param({"seed": "x"}, id="str-seed"),
    ],
)
def test_chaos_rejects_bad_arguments(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the messages differ per argument
        FaultPlan().chaos(**({"seed": 1} | arguments))


# -- the mix over the wire ---------------------------------------------------------------------


async def test_chaos_shares_over_sequential_requests(wire: Wire) -> None:
    rates = {"503": 0.05, "429": 0.02, "reset": 0.02}
    wire.fake.faults.chaos(
        seed=11,
        status_rates={503: 0.05, 429: 0.02},
        reset_rate=0.02,
        slow_rate=0.02,
        slow_seconds=0.0,
        expire_sessions_every=None,
    )
    count = 4000
    seen = Counter([await _outcome(wire.http, wire.url(VERSION)) for _ in range(count)])
    for kind, rate in rates.items():
        assert abs(seen[kind] / count - rate) <= _tolerance(rate, count), kind
    logged = Counter(fault.kind for fault in wire.fake.injected_faults)
    assert abs(logged["slow"] / count - 0.02) <= _tolerance(0.02, count)
    assert logged["reset_after_headers"] == seen["reset"]
    assert logged["status"] == seen["503"] + seen["429"]
    assert seen["200"] == count - seen["503"] - seen["429"] - seen["reset"]


async def test_chaos_429_answers_carry_retry_after_in_range(wire: Wire) -> None:
    wire.fake.faults.chaos(seed=3, **(QUIET | {"status_rates": {429: 1.0}}), retry_after_max=2)
    values = set()
    for _ in range(30):
        async with wire.http.get(wire.url(VERSION)) as response:
            assert response.status == 429
            assert (await response.json())["error"]["code"] == "injectedFault"
            values.add(response.headers["Retry-After"])
    assert values == {"0", "1", "2"}


async def test_chaos_reset_runs_the_handler_and_cuts_the_answer(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.chaos(seed=1, **(QUIET | {"reset_rate": 1.0}), routes=[f"POST {SIGNATURES}"])
    with pytest.raises(aiohttp.ClientPayloadError):
        async with wire.http.post(wire.url(SIGNATURES), json=SIGNATURE, headers=headers) as answer:
            await answer.read()
    assert [s.name for s in wire.fake.account("a@example.com").signatures.values()] == ["Work"]
    assert [fault.kind for fault in wire.fake.injected_faults] == ["reset_after_headers"]


async def test_chaos_slow_answer_runs_the_handler_after_the_wait(wire: Wire) -> None:
    headers = await wire.user()
    account = wire.fake.account("a@example.com")
    wire.fake.faults.chaos(
        seed=1, **(QUIET | {"slow_rate": 1.0}), slow_seconds=0.5, routes=[f"POST {SIGNATURES}"]
    )

    async def create() -> int:
        async with wire.http.post(wire.url(SIGNATURES), json=SIGNATURE, headers=headers) as answer:
            await answer.read()
            return answer.status

    slow = asyncio.create_task(create())
    await wait_until(lambda: wire.fake.in_flight == 1)
    assert account.signatures == {}  # waiting: the handler has not run yet
    assert await _outcome(wire.http, wire.url(VERSION)) == "200"  # others go on meanwhile
    assert await slow == 200
    assert len(account.signatures) == 1


async def test_chaos_slow_write_lands_after_the_client_gave_up(wire: Wire) -> None:
    headers = await wire.user()
    account = wire.fake.account("a@example.com")
    wire.fake.faults.chaos(
        seed=1, **(QUIET | {"slow_rate": 1.0}), slow_seconds=0.2, routes=[f"POST {SIGNATURES}"]
    )
    impatient = aiohttp.ClientTimeout(total=0.05)
    with pytest.raises(TimeoutError):
        async with wire.http.post(
            wire.url(SIGNATURES), json=SIGNATURE, headers=headers, timeout=impatient
        ) as answer:
            await answer.read()
    await wait_until(lambda: len(account.signatures) == 1)


# -- session expiry ----------------------------------------------------------------------------


async def test_every_nth_request_ends_every_live_session(wire: Wire) -> None:
    mine = await wire.user("a@example.com")
    await wire.user("b@example.com")
    wire.fake.faults.chaos(seed=1, **(QUIET | {"expire_sessions_every": 3}))
    statuses = [await _outcome(wire.http, wire.url(INFO), mine) for _ in range(3)]
    assert statuses == ["200", "200", "401"]
    assert wire.fake.sessions_expired == 2


async def test_a_login_that_is_the_nth_request_still_gets_a_working_session(wire: Wire) -> None:
    old = await wire.user()
    wire.fake.faults.chaos(seed=1, **(QUIET | {"expire_sessions_every": 2}))
    assert await _outcome(wire.http, wire.url(VERSION)) == "200"
    new = await wire.login("a@example.com", "pw")  # the 2nd request: purge, then login
    assert wire.fake.sessions_expired == 1
    assert await _outcome(wire.http, wire.url(INFO), new) == "200"
    assert await _outcome(wire.http, wire.url(INFO), old) == "401"


async def test_expire_sessions_counts_only_live_sessions(
    http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    async with FakeAxigen(clock=clock, session_idle_timeout=60) as fake:
        wire = Wire(fake, http)
        await wire.user("a@example.com")
        clock.advance(61)
        await wire.user("b@example.com")
        assert fake.expire_sessions() == 1
        assert fake.expire_sessions() == 0
        assert fake.sessions_expired == 1


async def test_reset_stats_forgets_sessions_expired_and_the_fault_log(wire: Wire) -> None:
    await wire.user()
    wire.fake.faults.fail_next(VERSION, 503)
    await _outcome(wire.http, wire.url(VERSION))
    wire.fake.expire_sessions()
    wire.fake.reset_stats()
    assert (wire.fake.sessions_expired, wire.fake.injected_faults) == (0, [])


# -- the fault log -----------------------------------------------------------------------------


def _arm(fake: FakeAxigen, kind: str) -> None:
    faults = fake.faults
    if kind == "status":
        faults.fail_next(INFO, 429, retry_after=7)
    elif kind == "answer":
        faults.answer_next(INFO, status=302, headers={"Location": "http://elsewhere/"})
    elif kind in {"reset", "reset_after_headers"}:
        faults.reset_next(INFO, count=2, after_headers=kind == "reset_after_headers")
    elif kind == "delay":
        faults.delay(INFO, 0.01, count=1)
    else:
        faults.chaos(seed=1, **(QUIET | {"slow_rate": 1.0}), slow_seconds=0.0, routes=[INFO])


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [
        pytest.param("status", 429, "7", id="status"),
        pytest.param("answer", 302, None, id="answer"),
        pytest.param("reset", None, None, id="reset"),
        pytest.param("reset_after_headers", 200, None, id="reset-after-headers"),
        pytest.param("delay", None, None, id="delay"),
        pytest.param("slow", None, None, id="slow"),
    ],
)
async def test_fault_log_records_each_kind_of_fault(
    wire: Wire, kind: str, status: int | None, retry_after: str | None
) -> None:
    headers = await wire.user()
    _arm(wire.fake, kind)
    with contextlib.suppress(aiohttp.ClientError):  # resets are meant to fail the call
        async with wire.http.get(wire.url(INFO), headers=headers, allow_redirects=False) as answer:
            await answer.read()
    fault = wire.fake.injected_faults[0]
    assert isinstance(fault, InjectedFault)
    assert (fault.route, fault.account, fault.kind) == (f"GET {INFO}", "a@example.com", kind)
    assert (fault.status, fault.retry_after) == (status, retry_after)


async def test_a_reset_after_an_error_status_line_logs_that_status(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.reset_next(f"{SIGNATURES}/{{id}}", after_headers=True)
    with contextlib.suppress(aiohttp.ClientError):
        async with wire.http.get(wire.url(f"{SIGNATURES}/missing"), headers=headers) as answer:
            assert answer.status == 404  # the status line went out
            await answer.read()
    [fault] = wire.fake.injected_faults
    assert (fault.kind, fault.status) == ("reset_after_headers", 404)


async def test_fault_log_holds_no_secret(wire: Wire) -> None:
    password = "Sup3r-Secret-pw"
    wire.fake.add_account("a@example.com", password)
    wire.fake.add_token("tok-SECRET-123", "a@example.com")
    headers = await wire.login("a@example.com", password)
    wire.fake.faults.chaos(
        seed=8, status_rates={503: 0.3, 429: 0.3}, reset_rate=0.2, slow_rate=0.2, slow_seconds=0.0
    )
    for extra in ({}, {"Authorization": "Bearer tok-SECRET-123"}):
        for _ in range(20):
            await _outcome(wire.http, wire.url(INFO), headers | extra)
    assert len(wire.fake.injected_faults) == 40
    assert {fault.account for fault in wire.fake.injected_faults} == {"a@example.com"}
    text = repr(wire.fake.injected_faults) + str(wire.fake.injected_faults)
    for secret in (
        password,
        base64.b64encode(f"a@example.com:{password}".encode()).decode(),
        headers["X-Axigen-Session"],
        "tok-SECRET-123",
    ):
        assert secret not in text


@pytest.mark.parametrize(
    ("authorization", "account"),
    [
        pytest.param(basic("A@Example.com", "not-the-password"), "a@example.com", id="wrong-pw"),
        pytest.param("Bearer unknown", None, id="unknown-token"),
        pytest.param("Basic !!!", None, id="malformed-basic"),
        pytest.param("Digest abc", None, id="other-scheme"),
        pytest.param(None, None, id="missing"),
    ],
)
async def test_fault_log_names_the_account_without_checking_the_password(
    wire: Wire, authorization: str | None, account: str | None
) -> None:
    wire.fake.faults.fail_next(INFO, 503)
    headers = {} if authorization is None else {"Authorization": authorization}
    assert await _outcome(wire.http, wire.url(INFO), headers) == "503"
    assert wire.fake.injected_faults[0].account == account


async def test_fault_log_is_bounded_like_the_request_log(http: aiohttp.ClientSession) -> None:
    async with FakeAxigen(request_log_size=3) as fake:
        fake.faults.fail_next(VERSION, 503, count=5)
        statuses = [await _outcome(http, fake.url + VERSION) for _ in range(5)]
        assert statuses == ["503"] * 5
        assert len(fake.injected_faults) == 3


# -- canned answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected_type", "expected"),
    [
        pytest.param(b"{not json", None, "application/octet-stream", b"{not json", id="bytes"),
        pytest.param(
            "<html>502 Bad Gateway</html>", "text/html", "text/html", b"<html>502", id="html"
        ),
        pytest.param("caf\u00e9", None, "text/plain", "caf\u00e9".encode(), id="str-utf8"),
        pytest.param(
            {"accountName": 42}, None, "application/json", b'{"accountName":42}', id="mapping"
        ),
        pytest.param(b"{oops", "application/json", "application/json", b"{oops", id="invalid-json"),
    ],
)
async def test_answer_next_sends_each_body_kind(
    wire: Wire, body: Any, content_type: str | None, expected_type: str, expected: bytes
) -> None:
    wire.fake.faults.answer_next(VERSION, body=body, content_type=content_type)
    async with wire.http.get(wire.url(VERSION)) as response:
        assert response.status == 200
        assert response.content_type == expected_type
        assert (await response.read()).startswith(expected)


async def test_answer_next_skips_the_handler(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.answer_next(f"POST {SIGNATURES}", status=201, body={"id": "fake"})
    async with wire.http.post(wire.url(SIGNATURES), json=SIGNATURE, headers=headers) as answer:
        assert (answer.status, await answer.json()) == (201, {"id": "fake"})
    assert wire.fake.account("a@example.com").signatures == {}


async def test_answer_next_redirects_with_location(wire: Wire) -> None:
    wire.fake.faults.answer_next(
        VERSION, status=302, headers={"Location": "https://evil.example.net/api/"}
    )
    async with wire.http.get(wire.url(VERSION), allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == "https://evil.example.net/api/"


async def test_answer_next_chunked_has_no_content_length(wire: Wire) -> None:
    wire.fake.faults.answer_next(VERSION, status=502, body="bad gateway " * 10_000, chunked=True)
    async with wire.http.get(wire.url(VERSION)) as response:
        assert response.status == 502
        assert "Content-Length" not in response.headers
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert await response.text() == "bad gateway " * 10_000


async def test_answer_next_sends_a_50_mb_chunked_body(wire: Wire) -> None:
    size = 50 * 1024 * 1024
    wire.fake.faults.answer_next(
        INFO, body=b"x" * size, content_type="application/json", chunked=True
    )
    received = 0
    async with wire.http.get(wire.url(INFO)) as response:
        assert response.content_length is None
        for _ in range(size // 1024 + 2):  # bounded: every chunk holds at least one byte
            chunk = await response.content.readany()
            if not chunk:
                break
            received += len(chunk)
    assert received == size
    assert await _outcome(wire.http, wire.url(VERSION)) == "200"


async def test_answer_next_and_fail_next_share_one_queue_in_order(wire: Wire) -> None:
    faults = wire.fake.faults
    faults.answer_next(VERSION, status=204)
    faults.fail_next(VERSION, 503)
    faults.answer_next(VERSION, status=418, count=2)
    statuses = [await _outcome(wire.http, wire.url(VERSION)) for _ in range(5)]
    assert statuses == ["204", "503", "418", "418", "200"]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        pytest.param({"status": 199}, ValueError, id="status-below-200"),
        pytest.param({"status": 600}, ValueError, id="status-above-599"),
        pytest.param({"status": 204, "body": b"x"}, ValueError, id="body-on-204"),
        pytest.param({"count": 0}, ValueError, id="zero-count"),
        pytest.param({"headers": {"Content-Length": "5"}}, ValueError, id="content-length"),
        pytest.param({"headers": {"Transfer-Encoding": "gzip"}}, ValueError, id="framing"),
        pytest.param({"headers": {"X-A": "1\r\nX-B: 2"}}, ValueError, id="header-injection"),
        pytest.param({"headers": {"Bad Name": "1"}}, ValueError, id="header-name"),
        pytest.param(
            {"headers": {"Content-Type": "a/b"}, "content_type": "c/d"}, ValueError, id="two-types"
        ),
        pytest.param({"body": 5}, TypeError, id="int-body"),
        pytest.param({"body": {"when": object()}}, TypeError, id="unserializable"),
    ],
)
def test_answer_next_rejects_bad_arguments(
    arguments: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        FaultPlan().answer_next(VERSION, **arguments)


def test_answer_next_rejects_a_malformed_route() -> None:
    with pytest.raises(ValueError, match="METHOD /template"):
        FaultPlan().answer_next("api/v1/account/info")


# -- open connections, session ids -------------------------------------------------------------


async def test_open_connections_follow_a_keep_alive_client(fake_axigen: FakeAxigen) -> None:
    assert fake_axigen.open_connections == 0
    async with aiohttp.ClientSession() as http:
        assert await _outcome(http, fake_axigen.url + VERSION) == "200"
        await wait_until(lambda: fake_axigen.open_connections == 1)
    await wait_until(lambda: fake_axigen.open_connections == 0)


async def test_open_connections_is_zero_when_stopped() -> None:
    fake = FakeAxigen()
    assert fake.open_connections == 0
    async with fake:
        pass
    assert fake.open_connections == 0


def _numbered_ids() -> Callable[[], str]:
    numbers: Iterator[int] = itertools.count(1)
    return lambda: f"issued-{next(numbers)}"


async def test_session_id_factory_makes_every_session_id(http: aiohttp.ClientSession) -> None:
    async with FakeAxigen(session_ids=_numbered_ids()) as fake:
        wire = Wire(fake, http)
        first = await wire.user("a@example.com")
        second = await wire.user("b@example.com")
        assert (first["X-Axigen-Session"], second["X-Axigen-Session"]) == ("issued-1", "issued-2")
        assert await _outcome(http, fake.url + INFO, first) == "200"


async def test_a_repeated_session_id_fails_the_login_without_leaking_it(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeAxigen(session_ids=lambda: "same-id") as fake:
        wire = Wire(fake, http)
        await wire.user("a@example.com")
        fake.add_account("b@example.com", "pw")
        login = {"Authorization": basic("b@example.com", "pw")}
        async with http.post(fake.url + "/api/v1/login", headers=login) as response:
            assert response.status == 500
            assert "same-id" not in await response.text()
        assert fake.logins["b@example.com"] == 0


# -- the standalone server ---------------------------------------------------------------------


def test_standalone_refuses_chaos_with_fault_rate(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        standalone_main(["--chaos", "--fault-rate", "0.1"])
    assert exit_.value.code == 2
    assert "--fault-rate: not allowed with argument --chaos" in capsys.readouterr().err


def test_standalone_refuses_negative_slow_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        standalone_main(["--chaos", "--slow-seconds", "-1"])
    assert exit_.value.code == 2
    assert "--slow-seconds" in capsys.readouterr().err


async def test_standalone_chaos_injects_faults() -> None:
    args = ("--accounts", "1", "--chaos", "--fault-seed", "5", "--slow-seconds", "0")
    async with standalone(*args) as (process, url, _):
        async with aiohttp.ClientSession() as http:
            outcomes = Counter([await _outcome(http, url + VERSION) for _ in range(300)])
        assert outcomes["200"] < 300
        assert set(outcomes) <= {"200", "503", "429", "reset"}
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), STOP_TIMEOUT) == 0
