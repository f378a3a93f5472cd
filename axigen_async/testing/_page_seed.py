"""Seeded page state: varied Settings, Filters and Security for seeded demo accounts.

Responsibility: build the Account Settings, Account Filters and Account Security state of
``user<index>@<domain>`` of a seeded block, depending only on (seed, index) and the
account (its 2-Step Verification state and policy), so audits of a seeded fake see
realistic, consistent variety: an account with 2-Step Verification on has a method that
verifies it and recovery codes.

Must not: import aiohttp, keep any state of its own, or import anything from
``axigen_async`` outside ``axigen_async.testing``.
"""

from __future__ import annotations

import random
from typing import Final

from ._filters import PRESETS, FakeAvas
from ._security import FakeSecurity
from ._seed import SeededBlock
from ._settings import FakeSettings
from ._state import FakeAccount

_LANGUAGES: Final = ("en", "en", "de", "fr", "ro", "es", "it")
_TIMEZONES: Final = ("UTC", "Europe/Bucharest", "Europe/Berlin", "America/New_York")
_READ_RECEIPTS: Final = ("ask", "always", "never")
_ARCHIVING: Final = ("none", "none", "folderPerYear", "folderPerMonth")


def seeded_index(blocks: list[SeededBlock], account: FakeAccount) -> tuple[int, int] | None:
    """``(index, seed)`` when ``account`` is the one a seeded block built, else ``None``.

    An account added with ``add_account`` under a seeded address is not seeded: the
    block's accounts are told apart by the folder container id the block gives them.
    """
    for block in blocks:
        index = block.index_of(account.email)
        if index is not None and account.folder_container_id == f"fc{block.seed}x{index:06d}":
            return index, block.seed
    return None


def _rng(index: int, seed: int, page: int) -> random.Random:
    return random.Random((seed * 1_000_003 + index) * 7 + page)


def seeded_settings(index: int, seed: int) -> FakeSettings:
    """Varied preferences; operators' fields (trash, purges, receipts) vary cyclically."""
    k = index + seed
    rng = _rng(index, seed, 1)
    settings = FakeSettings(
        archiving_policy=_ARCHIVING[k % len(_ARCHIVING)],
        language=_LANGUAGES[k % len(_LANGUAGES)],
        timezone=rng.choice(_TIMEZONES),
        delete_to_trash=k % 4 != 3,
        purge_trash_on_logout=k % 3 == 1,
        purge_spam_on_logout=k % 5 == 2,
        body_html_filtering_level=k % 4,
        week_start_day=(1, 0, 6)[k % 3],
        working_days=(62, 126, 30)[k % 3],
        ui_settings='{"layout":"compact"}' if k % 6 == 0 else "",
    )
    settings.receipts.send_read_receipts = _READ_RECEIPTS[k % 3]
    settings.receipts.request_read_receipts = k % 4 == 1
    settings.receipts.request_delivery_receipts = k % 5 == 3
    return settings


def seeded_avas(index: int, seed: int) -> FakeAvas:
    """Flags, 0-3 whitelist and 0-2 blacklist entries and a preset, varied cyclically."""
    k = index + seed
    avas = FakeAvas(
        whitelist_include_address_book=k % 4 != 2,
        blacklist_exclude_address_book=k % 3 != 1,
    )
    for n in range(k % 4):
        avas.whitelist.add(f"partner{n}@trusted{index}.example")
    for n in range(k % 3):
        avas.blacklist.add(f"offers{n}@spam{index}.example")
    avas.choose_preset(PRESETS[k % len(PRESETS)])
    return avas


def seeded_security(index: int, seed: int, account: FakeAccount) -> FakeSecurity:
    """Methods consistent with the account: 2-Step Verification on means an active method
    of an allowed kind and recovery codes; other accounts have a recovery method or none."""
    k = index + seed
    security = FakeSecurity()
    email_target = f"user{index}.recovery@mail.example"
    phone_target = f"+4070{index % 10_000_000:07d}"
    if account.two_factor_auth_configured:
        kind = account.two_factor_auth_methods[k % len(account.two_factor_auth_methods)]
        security.add_method(kind, {"email": email_target, "sms": phone_target}.get(kind, ""))
        security.new_recovery_codes()
    extra = {1: ("email", email_target), 2: ("sms", phone_target)}.get(k % 4)
    if extra is not None and not security.active_methods([extra[0]]):
        security.add_method(*extra)
    return security
