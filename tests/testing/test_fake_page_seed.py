"""Seeded accounts get varied, consistent Settings, Filters and Security state."""

from __future__ import annotations

from axigen_async.testing import FakeAvas, FakeAxigen, FakeSecurity, FakeSettings
from tests.testing.page_helpers import call
from tests.testing.wire_helpers import Wire

COUNT = 60


def _seeded(seed: int = 0) -> FakeAxigen:
    fake = FakeAxigen()
    fake.add_seeded_accounts(COUNT, seed=seed)
    return fake


def _emails() -> list[str]:
    return [f"user{index}@example.com" for index in range(1, COUNT + 1)]


def test_two_factor_accounts_have_a_verifying_method_and_codes() -> None:
    fake = _seeded()
    on = 0
    for email in _emails():
        account = fake.account(email)
        security = fake.security(email)
        if account.two_factor_auth_configured:
            on += 1
            assert security.active_methods(account.two_factor_auth_methods), email
            assert len(security.recovery_codes) == 10
        else:
            assert security.recovery_codes == []
        targets = [(m.method, m.target.lower()) for m in security.active_methods()]
        assert len(targets) == len(set(targets)), email  # never a duplicate method
    assert 0 < on < COUNT


def test_seeded_state_varies_across_accounts() -> None:
    fake = _seeded()
    settings = [fake.settings(email) for email in _emails()]
    avas = [fake.avas(email) for email in _emails()]
    assert len({s.language for s in settings}) > 2
    assert {s.delete_to_trash for s in settings} == {True, False}
    assert {s.receipts.send_read_receipts for s in settings} == {"ask", "always", "never"}
    assert {len(a.whitelist) for a in avas} == {0, 1, 2, 3}
    assert {len(a.blacklist) for a in avas} == {0, 1, 2}
    assert {a.preset for a in avas} == {"off", "strong", "weak"}
    kinds = {m.method for e in _emails() for m in fake.security(e).active_methods()}
    assert kinds == {"email", "sms", "authApp"}


def test_seeded_state_depends_only_on_the_seed() -> None:
    first, second, other = _seeded(), _seeded(), _seeded(seed=5)
    email = "user7@example.com"
    assert first.settings(email) == second.settings(email)
    assert first.whitelist(email).addresses == second.whitelist(email).addresses
    assert [(m.method, m.target) for m in first.security(email).active_methods()] == [
        (m.method, m.target) for m in second.security(email).active_methods()
    ]
    assert any(first.settings(e) != other.settings(e) for e in _emails())


def test_an_added_account_under_a_seeded_address_has_defaults() -> None:
    fake = _seeded()
    fake.add_account("user1@example.com", "pw")
    assert fake.settings("user1@example.com") == FakeSettings()
    assert fake.avas("user1@example.com").preset == FakeAvas().preset
    assert len(fake.whitelist("user1@example.com")) == 0
    assert fake.security("user1@example.com") == FakeSecurity()


async def test_seeded_state_goes_out_on_the_wire(wire: Wire) -> None:
    wire.fake.add_seeded_accounts(12, password="demo")
    email = "user3@example.com"
    headers = await wire.login(email, "demo")
    settings = (await call(wire, "GET", "/api/v1/account/settings", headers)).body
    assert settings["language"] == wire.fake.settings(email).language
    listed = (await call(wire, "GET", "/api/v1/account/avas/whitelist", headers)).body
    assert [i["emailAddress"] for i in listed["items"]] == wire.fake.whitelist(email).addresses
