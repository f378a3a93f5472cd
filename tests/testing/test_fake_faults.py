"""Fault injection of the fake Axigen server."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from axigen_async.testing import FaultPlan
from tests.helpers import wait_until
from tests.testing.wire_helpers import Wire

INFO = "/api/v1/account/info"
TEMP = "/api/v1/account/temporaryaliases"


async def _get_status(wire: Wire, path: str, headers: dict[str, str]) -> int:
    async with wire.http.get(wire.url(path), headers=headers) as response:
        await response.read()
        return int(response.status)


async def test_fail_next_answers_status_without_running_handler(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.fail_next(f"POST {TEMP}", 503)
    async with wire.http.post(wire.url(TEMP), headers=headers) as response:
        assert response.status == 503
        assert "Retry-After" not in response.headers
        assert (await response.json())["error"]["code"] == "injectedFault"
    assert wire.fake.account("a@example.com").temporary_aliases == []


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        pytest.param(2, "2", id="seconds"),
        pytest.param("Wed, 21 Oct 2026 07:28:00 GMT", "Wed, 21 Oct 2026 07:28:00 GMT", id="date"),
    ],
)
async def test_fail_next_sends_retry_after(wire: Wire, retry_after: int | str, header: str) -> None:
    headers = await wire.user()
    wire.fake.faults.fail_next(INFO, 429, retry_after=retry_after)
    async with wire.http.get(wire.url(INFO), headers=headers) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == header


async def test_fail_next_counts_then_recovers(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.fail_next(f"GET {INFO}", 500, count=2)
    statuses = [await _get_status(wire, INFO, headers) for _ in range(3)]
    assert statuses == [500, 500, 200]


async def test_fail_next_is_per_method(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.fail_next(f"POST {INFO}", 500)
    assert await _get_status(wire, INFO, headers) == 200


async def test_fail_next_custom_body(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.fail_next(INFO, 502, body="<html>bad gateway</html>")
    async with wire.http.get(wire.url(INFO), headers=headers) as response:
        assert response.status == 502
        assert await response.text() == "<html>bad gateway</html>"


async def test_fail_next_applies_to_login(wire: Wire) -> None:
    wire.fake.add_account("a@example.com", "pw")
    wire.fake.faults.fail_next("POST /api/v1/login", 503)
    async with wire.http.post(wire.url("/api/v1/login")) as response:
        assert response.status == 503
    assert wire.fake.logins["a@example.com"] == 0


async def test_reset_next_applies_change_and_drops_connection(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.reset_next(f"POST {TEMP}")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with wire.http.post(wire.url(TEMP), headers=headers) as response:
            await response.read()
    assert len(wire.fake.account("a@example.com").temporary_aliases) == 1


async def test_reset_next_after_headers_gives_incomplete_payload(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.reset_next(f"POST {TEMP}", after_headers=True)
    with pytest.raises(aiohttp.ClientPayloadError):
        async with wire.http.post(wire.url(TEMP), headers=headers) as response:
            await response.read()
    assert len(wire.fake.account("a@example.com").temporary_aliases) == 1


async def test_reset_next_on_get_needs_two_resets_for_aiohttp(wire: Wire) -> None:
    # aiohttp itself resends an idempotent request once after a disconnect, so a GET
    # needs two resets before the caller sees one; the handler ran both times.
    headers = await wire.user()
    wire.fake.faults.reset_next(INFO, count=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _get_status(wire, INFO, headers)
    assert wire.fake.route_counts[f"GET {INFO}"] == 2
    assert await _get_status(wire, INFO, headers) == 200


async def test_delay_holds_the_answer(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.delay(INFO, 0.05, count=1)
    delayed = asyncio.create_task(_get_status(wire, INFO, headers))
    await wait_until(lambda: wire.fake.in_flight == 1)  # the delayed one is being handled
    assert await _get_status(wire, "/api/", {}) == 200  # answered while the first one waits
    assert wire.fake.max_in_flight == 2
    assert await delayed == 200
    assert wire.fake.in_flight == 0


async def test_delay_count_runs_out(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.delay(INFO, 0.0, count=1)
    assert wire.fake.faults.active
    await _get_status(wire, INFO, headers)
    assert not wire.fake.faults.active


def _outcomes(plan: FaultPlan, count: int) -> list[str]:
    outcomes = []
    for _ in range(count):
        decision = plan.decide("GET /x", "/x")
        outcomes.append("ok" if decision is None else repr(decision.action))
    return outcomes


def test_random_faults_deterministic_for_seed() -> None:
    plans = [FaultPlan() for _ in range(3)]
    for plan, seed in zip(plans, (7, 7, 8), strict=True):
        plan.random_faults(0.3, seed=seed, reset_share=0.2)
    first, again, other = (_outcomes(plan, 200) for plan in plans)
    assert first == again
    assert first != other
    assert 20 < sum(outcome != "ok" for outcome in first) < 100
    assert any("Reset" in outcome for outcome in first)
    assert {"500", "502", "503"} <= {o.split("status=")[1][:3] for o in first if "status=" in o}


def test_random_faults_limited_to_routes() -> None:
    plan = FaultPlan()
    plan.random_faults(1.0, seed=1, routes=["/y"])
    assert plan.decide("GET /x", "/x") is None
    assert plan.decide("GET /y", "/y") is not None


async def test_random_faults_over_the_wire(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.faults.random_faults(1.0, seed=3, statuses=[502])
    assert await _get_status(wire, INFO, headers) == 502


async def test_clear_forgets_every_fault(wire: Wire) -> None:
    headers = await wire.user()
    faults = wire.fake.faults
    faults.fail_next(INFO, 500)
    faults.reset_next(INFO)
    faults.delay(INFO, 1.0)
    faults.random_faults(1.0, seed=1)
    faults.clear()
    assert not faults.active
    assert await _get_status(wire, INFO, headers) == 200


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda p: p.fail_next("/x", 200), id="non-error-status"),
        pytest.param(lambda p: p.fail_next("/x", 500, count=0), id="zero-count"),
        pytest.param(lambda p: p.delay("/x", -1), id="negative-delay"),
        pytest.param(lambda p: p.random_faults(2.0, seed=1), id="rate-above-one"),
    ],
)
def test_fault_plan_rejects_misuse(call: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        call(FaultPlan())  # type: ignore[operator]


async def test_handler_bug_becomes_500_json(wire: Wire) -> None:
    headers = await wire.user()
    wire.fake.account("a@example.com").index_states = None  # type: ignore[assignment]
    account = wire.fake.account("a@example.com")
    params = [("ids", "sort"), ("scope", account.folder_container_id)]
    async with wire.http.get(
        wire.url("/api/v1/account/indexinfo"), headers=headers, params=params
    ) as response:
        assert response.status == 500
        assert (await response.json())["error"]["code"] == "internalError"
    assert await _get_status(wire, INFO, headers) == 200
