"""Helpers for the fake-server wire tests: Basic values, a fake clock, logins, info shape."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import aiohttp

from axigen_async.testing import FakeAxigen


def basic(email: str, password: str) -> str:
    """An RFC 7617 Basic Authorization value."""
    return "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()


@dataclass
class FakeClock:
    """A monotonic clock that tests advance by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Wire:
    """Plain aiohttp requests against a fake server."""

    fake: FakeAxigen
    http: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return self.fake.url + path

    async def login(self, email: str, password: str) -> dict[str, str]:
        """Log in with Basic auth; returns the headers for later calls."""
        authorization = basic(email, password)
        async with self.http.post(
            self.url("/api/v1/login"), headers={"Authorization": authorization}
        ) as response:
            assert response.status == 200
            session_id = (await response.json())["sessid"]
        return {"Authorization": authorization, "X-Axigen-Session": session_id}

    async def user(self, email: str = "a@example.com", password: str = "pw") -> dict[str, str]:
        """Add an ordinary account (unless present) and log in."""
        try:
            self.fake.account(email)
        except KeyError:
            self.fake.add_account(email, password)
        return await self.login(email, password)


INFO_TYPES: dict[str, type] = {
    "accountName": str,
    "domainName": str,
    "fullName": str,
    "folderContainerId": str,
    "accountClass": str,
    "totalMessageCount": int,
    "usedMessageCount": int,
    "remainingMessageCount": int,
    "totalQuota": int,
    "usedQuota": int,
    "remainingQuota": int,
    "overQuotaThreshold": int,
    "isFirstApiLogin": bool,
    "allowConversationView": bool,
    "autopurge": dict,
    "twoFactorAuthConfigured": bool,
    "restrictions": dict,
}


def assert_info_shape(info: dict[str, Any]) -> None:
    """Every documented info field is present with its documented JSON type."""
    assert set(info) == set(INFO_TYPES)
    for name, kind in INFO_TYPES.items():
        assert isinstance(info[name], kind), name
    assert {k: type(v) for k, v in info["autopurge"].items()} == {
        "spam": bool,
        "trash": bool,
        "interval": int,
    }
    policy = info["restrictions"]["passwordPolicy"]
    assert type(policy["mustChangePassword"]) is bool
    assert set(policy["contentPolicy"]) == {"enabled", "minLength", "maxLength", "mustInclude"}
    assert set(policy["history"]) == {"enabled", "size"}
    assert type(policy["allowChangeByUser"]) is bool
    assert set(policy["renewalInterval"]) == {"enabled", "interval"}
    expiration = policy["expiration"]
    assert set(expiration) == {"enabled", "date", "warningInterval", "inWarningInterval"}
    assert isinstance(expiration["date"], str)
    assert set(info["restrictions"]["temporaryAliases"]) == {"enabled", "maxNumberOfAliases"}
    security = info["restrictions"]["securityPolicy"]
    assert set(security) == {
        "securityMethods",
        "twoFactorAuthPolicy",
        "usernameRecoveryMethods",
        "passwordRecoveryMethods",
    }
    methods = security["securityMethods"]
    assert set(methods) == {"isMandatory", "alternateEmailAddress", "phoneNumber", "updatePolicy"}
    assert set(methods["updatePolicy"]) == {"date", "warningInterval", "inWarningInterval"}
    assert security["twoFactorAuthPolicy"]["status"] in {"disabled", "enabled", "mandatory"}
    assert set(security["twoFactorAuthPolicy"]["methods"]) <= {"email", "sms", "authApp"}
