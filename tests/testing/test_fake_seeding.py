"""Seeded demo accounts: deterministic for a seed, varied like real mailboxes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from axigen_async.testing import FakeAccount, FakeAxigen
from tests.testing.wire_helpers import Wire

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC).timestamp()


def _seeded(count: int, seed: int) -> list[FakeAccount]:
    fake = FakeAxigen(wall_clock=lambda: NOW)
    fake.add_seeded_accounts(count, seed=seed)
    return [fake.account(f"user{i}@example.com") for i in range(1, count + 1)]


def _state(account: FakeAccount) -> dict[str, Any]:
    return {
        f.name: getattr(account, f.name)
        for f in dataclasses.fields(account)
        if f.name != "info_cache"
    }


def test_seeded_accounts_are_deterministic_for_a_seed() -> None:
    first, again, other = _seeded(30, 1), _seeded(30, 1), _seeded(30, 2)
    assert [_state(a) for a in first] == [_state(a) for a in again]
    assert [_state(a) for a in first] != [_state(a) for a in other]


def test_seeded_accounts_cover_every_variety() -> None:
    accounts = _seeded(60, 0)
    now = datetime.fromtimestamp(NOW, UTC)
    assert any(a.used_quota > a.total_quota * a.over_quota_threshold / 100 for a in accounts)
    assert any(a.used_quota < a.total_quota * a.over_quota_threshold / 100 for a in accounts)
    assert any(a.vacation.enabled and a.vacation.apply_always for a in accounts)
    assert any(a.vacation.enabled and not a.vacation.apply_always for a in accounts)
    assert not all(a.vacation.enabled for a in accounts)
    types = {s.type for a in accounts for s in a.signatures.values()}
    assert types == {"html", "text"}
    assert {alias.type for a in accounts for alias in a.aliases} == {
        "accountAlias",
        "domainAlias",
        "accountAndDomainAlias",
    }
    assert any(a.temporary_aliases for a in accounts)
    assert any(a.must_change_password for a in accounts)
    assert not all(a.must_change_password for a in accounts)
    assert {a.two_factor_auth_status for a in accounts} == {"disabled", "enabled", "mandatory"}
    mandatory = [a for a in accounts if a.two_factor_auth_status == "mandatory"]
    assert {a.two_factor_auth_configured for a in mandatory} == {True, False}
    assert {a.index_states["conversation"] for a in accounts} == {
        "uptodate",
        "initialized",
        "uninitialized",
        "unavailable",
    }
    expiring = [a for a in accounts if a.password_expiration_enabled]
    assert expiring
    assert not all(a.password_expiration_enabled for a in accounts)
    assert any(
        a.password_expiration_date is not None and a.password_expiration_date > now
        for a in expiring
    )


@pytest.mark.parametrize("in_warning", [True, False], ids=["inside", "outside"])
async def test_seeded_info_reports_both_warning_states(wire: Wire, in_warning: bool) -> None:
    wire.fake.add_seeded_accounts(12, password="demo")
    seen = []
    for index in range(1, 13):
        headers = await wire.login(f"user{index}@example.com", "demo")
        async with wire.http.get(wire.url("/api/v1/account/info"), headers=headers) as response:
            info = await response.json()
        expiration = info["restrictions"]["passwordPolicy"]["expiration"]
        if expiration["enabled"]:
            seen.append(expiration["inWarningInterval"])
    assert in_warning in seen


def test_seeding_100_000_accounts_is_lazy() -> None:
    fake = FakeAxigen()
    fake.add_seeded_accounts(100_000, seed=5)
    assert fake.account("user100000@example.com").email == "user100000@example.com"
    with pytest.raises(KeyError):
        fake.account("user100001@example.com")
    with pytest.raises(KeyError):
        fake.account("user0@example.com")


def test_seeded_domain_twice_is_refused() -> None:
    fake = FakeAxigen()
    fake.add_seeded_accounts(3)
    with pytest.raises(ValueError, match="already"):
        fake.add_seeded_accounts(3)
