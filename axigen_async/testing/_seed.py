"""Seeded demo accounts: varied, realistic state that depends only on (seed, index, now).

Responsibility: build the ``FakeAccount`` for ``user<index>@<domain>`` of a seeded block,
one account at a time, so a block of 100,000 accounts costs nothing until used.

Must not: import aiohttp, keep any state of its own, or import anything from
``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from ._state import (
    FakeAccount,
    FakeAlias,
    FakeContactInfo,
    FakeSignature,
    FakeTemporaryAlias,
    FakeVacation,
)

_FIRST: Final = ("Ana", "Bogdan", "Chloe", "Dan", "Elena", "Farid", "Greta", "Hiro", "Ioana")
_LAST: Final = ("Popescu", "Smith", "Ionescu", "Garcia", "Nakamura", "Muller", "Dumitru")
_TITLES: Final = ("", "Dr.", "Mr.", "Ms.", "Prof.")
_CLASSES: Final = ("default", "staff", "premium")
_QUOTAS_KB: Final = (512_000, 1_048_576, 5_242_880)
_CONVERSATION_STATES: Final = ("uptodate", "initialized", "uninitialized", "unavailable")
_OTHER_INDEX_STATES: Final = ("initialized", "uninitialized")
_LOCAL_RE: Final = re.compile(r"user([1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class SeededBlock:
    """A block of seeded accounts ``user1..user<count>@<domain>``, built on first use."""

    count: int
    password: str
    seed: int
    domain: str
    anchor: datetime

    def index_of(self, email: str) -> int | None:
        """The 1-based index of ``email`` in this block, or ``None``."""
        local, _, domain = email.partition("@")
        match = _LOCAL_RE.fullmatch(local)
        if domain != self.domain or match is None:
            return None
        index = int(match.group(1))
        return index if index <= self.count else None

    def build(self, index: int) -> FakeAccount:
        """The account at ``index`` (1-based)."""
        return seeded_account(
            index, seed=self.seed, domain=self.domain, password=self.password, now=self.anchor
        )


def seeded_account(
    index: int, *, seed: int, domain: str, password: str, now: datetime
) -> FakeAccount:
    """Build ``user<index>@<domain>``; dates are relative to ``now``.

    Cyclic choices (by ``index + seed``) guarantee that every variety appears in any run of
    a dozen consecutive accounts; the random generator varies the figures.
    """
    rng = random.Random(seed * 1_000_003 + index)
    k = index + seed
    email = f"user{index}@{domain}"
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    total_quota = rng.choice(_QUOTAS_KB)
    threshold = rng.choice((80, 85, 90, 95))
    # Every fifth account is above its over-quota threshold; the others use little
    # more often than much, as real mailboxes do (a skewed beta below the threshold).
    if k % 5 == 0:
        used_share = rng.uniform(threshold / 100 + 0.001, 1.0)
    else:
        used_share = rng.betavariate(1.3, 3.0) * (threshold / 100 - 0.001)
    total_messages = rng.choice((50_000, 100_000, 250_000))
    status = ("disabled", "enabled", "mandatory")[k % 3]
    configured = status != "disabled" and (k // 3) % 2 == 0
    container = f"fc{seed}x{index:06d}"
    account = FakeAccount(
        email=email,
        password=password,
        full_name=f"{first} {last}",
        account_class=_CLASSES[k % len(_CLASSES)],
        total_quota=total_quota,
        used_quota=int(total_quota * used_share),
        total_message_count=total_messages,
        used_message_count=rng.randrange(0, total_messages // 2),
        over_quota_threshold=threshold,
        is_first_api_login=k % 2 == 0,
        allow_conversation_view=k % 6 != 5,
        autopurge_spam=k % 2 == 1,
        autopurge_trash=k % 4 in {1, 2},
        autopurge_interval=rng.choice((7, 14, 30)),
        two_factor_auth_configured=configured,
        must_change_password=k % 7 == 3,
        content_policy_enabled=k % 3 != 0,
        content_policy_min_length=rng.choice((6, 8, 10)),
        content_policy_max_length=rng.choice((32, 64, 128)),
        content_policy_must_include=(
            "letters",
            "lettersAndNumbers",
            "lettersAndNumbersAndSpecial",
        )[k % 3],
        history_enabled=k % 4 == 1,
        history_size=3 if k % 4 == 1 else 0,
        allow_change_by_user=k % 9 != 8,
        renewal_interval_enabled=k % 5 == 2,
        renewal_interval=1 if k % 5 == 2 else 0,
        temporary_aliases_enabled=k % 8 != 7,
        max_number_of_aliases=rng.choice((3, 5, 10)),
        security_methods_mandatory=k % 4 == 0,
        security_methods_update_date=now + timedelta(days=rng.choice((3, 90))),
        two_factor_auth_status=status,
        two_factor_auth_methods=(("email", "sms", "authApp"), ("authApp",), ("email",))[k % 3],
        contact_info=FakeContactInfo(
            title=_TITLES[k % len(_TITLES)],
            first_name=first,
            last_name=last,
            suffix="Jr." if k % 11 == 0 else "",
            personal_email_address=f"{first.lower()}.{index}@personal.example",
        ),
        aliases=_aliases(k, index, domain),
        folder_container_id=container,
        folder_ids=[f"{container}-{name}" for name in ("inbox", "sent", "archive")],
        # Mostly current indexes; each other state once in every eight accounts.
        index_states={
            "conversation": _CONVERSATION_STATES[max(0, k % 8 - 4)],
            "sort": _OTHER_INDEX_STATES[int(k % 8 == 6)],
            "search": _OTHER_INDEX_STATES[int(k % 8 == 7)],
        },
    )
    _set_password_expiry(account, k, now)
    _set_extras(account, rng, k, index, now)
    return account


def _aliases(k: int, index: int, domain: str) -> list[FakeAlias]:
    kinds = ("accountAlias", "domainAlias", "accountAndDomainAlias")[: k % 4]
    return [
        FakeAlias(email_address=f"u{index}.{n}@{'alt.' if n else ''}{domain}", type=kind)
        for n, kind in enumerate(kinds)
    ]


def _set_password_expiry(account: FakeAccount, k: int, now: datetime) -> None:
    # Disabled (4 in 10), far ahead (4 in 10), inside the warning interval (1 in 10),
    # already past (1 in 10): every case within any ten consecutive accounts.
    case = k % 10
    account.password_expiration_enabled = case >= 4
    account.password_expiration_warning_interval = 14
    if case >= 4:
        offset = {8: timedelta(days=5), 9: timedelta(days=-2)}.get(case, timedelta(days=120))
        account.password_expiration_date = (now + offset).replace(microsecond=0)


def _set_extras(
    account: FakeAccount, rng: random.Random, k: int, index: int, now: datetime
) -> None:
    signatures = [
        FakeSignature(f"sig{index}-{n}", name, kind, body)
        for n, (name, kind, body) in enumerate(
            [
                ("Work", "html", f"<p>{account.full_name}</p><p>Example Corp</p>"),
                ("Short", "text", f"-- \n{account.full_name}"),
                ("Mobile", "text", "Sent from my phone"),
            ][: k % 4]
        )
    ]
    account.signatures = {signature.id: signature for signature in signatures}
    if account.temporary_aliases_enabled:
        account.temporary_aliases = [
            FakeTemporaryAlias(
                id=f"tmp{index}-{n}",
                email_address=f"tmp-{rng.getrandbits(32):08x}@{account.domain_name}",
                expire_date=(now + timedelta(days=rng.randrange(1, 30))).replace(microsecond=0),
            )
            for n in range(k % 3)
        ]
    if k % 3 == 1:
        apply_always = k % 2 == 0
        start = (now - timedelta(days=rng.randrange(0, 5))).replace(microsecond=0, second=0)
        account.vacation = FakeVacation(
            age=rng.choice((1, 7, 70)),
            apply_always=apply_always,
            apply_to_external=True,
            apply_to_internal=k % 5 != 0,
            body="I am away and will answer when I am back.",
            enabled=True,
            start_time=None if apply_always else start,
            end_time=None if apply_always else start + timedelta(days=14),
            subject="Out of office",
        )
