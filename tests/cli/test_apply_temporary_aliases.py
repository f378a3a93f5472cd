"""``apply`` ensures a minimum number of temporary aliases: never a duplicate, never a repeat."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from axigen_async.cli._spec import SpecError, parse_spec
from axigen_async.testing import FakeAxigen, FakeTemporaryAlias
from tests.cli.helpers import journal_entries, read_jsonl, run_cli, write_csv

PASSWORD = "Temp-alias-pw-5"
LIST = "GET /api/v1/account/temporaryaliases"
CREATE = "POST /api/v1/account/temporaryaliases"
INFO = "GET /api/v1/account/info"


def _setup(fake: FakeAxigen, tmp_path: Path, spec: dict[str, Any], count: int = 1) -> list[str]:
    emails = [f"t{index}@example.com" for index in range(1, count + 1)]
    for email in emails:
        fake.add_account(email, PASSWORD)
    write_csv(tmp_path / "a.csv", [(email, PASSWORD) for email in emails])
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    return emails


def _args(fake: FakeAxigen, tmp_path: Path, *extra: str) -> list[str]:
    spec, accounts = str(tmp_path / "spec.json"), str(tmp_path / "a.csv")
    return ["apply", spec, accounts, "--url", fake.url, "-q", *extra]


def _give_aliases(fake: FakeAxigen, email: str, count: int) -> None:
    fake.account(email).temporary_aliases = [
        FakeTemporaryAlias(f"old{n}", f"old{n}@example.com", datetime(2030, 1, 1, tzinfo=UTC))
        for n in range(count)
    ]


def _addresses(fake: FakeAxigen, email: str) -> list[str]:
    return [alias.email_address for alias in fake.account(email).temporary_aliases]


# --- the SPEC ---------------------------------------------------------------------------------

MINIMUM_KEY = "temporaryAliases.minimum: expected a whole number of 0 or more"


def _minimum(value: object) -> dict[str, Any]:
    return {"temporaryAliases": {"minimum": value}}


def test_spec_minimum_applies_to_every_account() -> None:
    spec = parse_spec({"temporaryAliases": {"minimum": 2}})

    assert spec.for_account("anyone@example.com").temporary_aliases_minimum == 2


def test_spec_without_temporary_aliases_asks_for_none() -> None:
    spec = parse_spec({"contactInfo": {"title": "Dr"}})

    assert spec.for_account("anyone@example.com").temporary_aliases_minimum is None


def test_spec_account_minimum_overrides_the_top_level_one() -> None:
    spec = parse_spec(
        {
            "temporaryAliases": {"minimum": 2},
            "accounts": {
                "Five@example.com": {"temporaryAliases": {"minimum": 5}},
                "zero@example.com": {"temporaryAliases": {"minimum": 0}},
                "other@example.com": {"contactInfo": {"title": "Dr"}},
            },
        }
    )

    assert spec.for_account("five@example.com").temporary_aliases_minimum == 5
    assert spec.for_account("zero@example.com").temporary_aliases_minimum == 0
    assert spec.for_account("other@example.com").temporary_aliases_minimum == 2
    assert spec.for_account("nobody@example.com").temporary_aliases_minimum == 2


def test_spec_account_minimum_without_a_top_level_one() -> None:
    spec = parse_spec({"accounts": {"one@example.com": {"temporaryAliases": {"minimum": 1}}}})

    assert spec.for_account("one@example.com").temporary_aliases_minimum == 1
    assert spec.for_account("two@example.com").temporary_aliases_minimum is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(_minimum(-1), MINIMUM_KEY, id="negative"),
        pytest.param(_minimum(True), MINIMUM_KEY, id="bool"),
        pytest.param(_minimum(2.0), MINIMUM_KEY, id="float"),
        pytest.param(_minimum("2"), MINIMUM_KEY, id="text"),
        pytest.param(_minimum(None), MINIMUM_KEY, id="null"),
        pytest.param(
            {"temporaryAliases": {"minimum": 1, "maximum": 3}}, "unknown keys maximum", id="key"
        ),
        pytest.param({"temporaryAliases": {}}, "temporaryAliases: missing minimum", id="empty"),
        pytest.param({"temporaryAliases": 2}, "temporaryAliases: expected an object", id="number"),
        pytest.param(
            {"temporaryAlias": {"minimum": 1}}, "unknown keys temporaryAlias", id="misspelt"
        ),
        pytest.param(
            {"accounts": {"a@b.c": {"temporaryAliases": {"minimum": -2}}}},
            "accounts.a@b.c.temporaryAliases.minimum",
            id="account-neg",
        ),
        pytest.param(
            {"accounts": {"a@b.c": {"temporaryAliases": {"count": 1}}}},
            "accounts.a@b.c.temporaryAliases: unknown keys count",
            id="account-key",
        ),
    ],
)
def test_spec_refuses_a_bad_temporary_aliases_value(document: object, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(document)

    assert message in str(caught.value)


async def test_bad_temporary_aliases_spec_is_a_usage_error_before_anything_is_sent(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": -1}})

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 2
    assert "temporaryAliases.minimum" in run.err
    assert sum(fake_axigen.route_counts.values()) == 0


# --- creating the missing ones ----------------------------------------------------------------


async def test_creates_only_the_missing_aliases_and_a_second_run_creates_none(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 3}})
    _give_aliases(fake_axigen, email, 1)
    journal = tmp_path / "j.jsonl"

    first = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(journal)))
    second = await run_cli(_args(fake_axigen, tmp_path))

    assert (first.code, second.code) == (0, 0), first.out + first.err
    assert fake_axigen.route_counts[CREATE] == 2
    addresses = _addresses(fake_axigen, email)
    assert len(addresses) == 3
    assert addresses[0] == "old0@example.com"
    # Each create journaled before it was sent, then the account's outcome.
    *pending, entry = journal_entries(journal)
    assert [p["write"] for p in pending] == [
        "temporaryAlias.create 1 of 2",
        "temporaryAlias.create 2 of 2",
    ]
    assert entry["status"] == "done"
    assert entry["changes"] == [
        {"kind": "temporaryAlias.create", "detail": address} for address in addresses[1:]
    ]
    assert "temporaryAlias.create: 2" in first.out
    assert "0 changed, 1 unchanged" in second.out


@pytest.mark.parametrize("present", [2, 4], ids=["at-minimum", "over-minimum"])
async def test_an_account_with_enough_aliases_gets_no_create_and_none_deleted(
    fake_axigen: FakeAxigen, tmp_path: Path, present: int
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 2}})
    _give_aliases(fake_axigen, email, present)

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 0
    assert "0 changed, 1 unchanged" in run.out
    assert fake_axigen.route_counts[CREATE] == 0
    assert fake_axigen.route_counts["DELETE /api/v1/account/temporaryaliases/{id}"] == 0
    assert len(fake_axigen.account(email).temporary_aliases) == present
    # The limit matters only before a create: no info read for a satisfied account.
    assert fake_axigen.route_counts[INFO] == 0


async def test_a_spec_without_temporary_aliases_reads_neither_them_nor_the_info(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    _setup(fake_axigen, tmp_path, {"contactInfo": {"title": "Dr"}})

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 0
    assert (fake_axigen.route_counts[LIST], fake_axigen.route_counts[INFO]) == (0, 0)


async def test_an_account_minimum_of_zero_exempts_it_from_the_top_level_one(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "temporaryAliases": {"minimum": 1},
        "accounts": {"t2@example.com": {"temporaryAliases": {"minimum": 0}}},
    }
    first, second = _setup(fake_axigen, tmp_path, spec, count=2)

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 0
    assert len(fake_axigen.account(first).temporary_aliases) == 1
    assert fake_axigen.account(second).temporary_aliases == []
    assert fake_axigen.route_counts[CREATE] == 1
    assert fake_axigen.route_counts[LIST] == 1  # the exempt account is not even listed


# --- the account's limit ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "minimum", "conflict"),
    [
        pytest.param(
            {"temporary_aliases_enabled": False},
            1,
            "temporary aliases: wanted at least 1, has 0, but the feature is disabled",
            id="disabled",
        ),
        pytest.param(
            {"max_number_of_aliases": 2},
            3,
            "temporary aliases: wanted at least 3, has 0, but the account allows at most 2",
            id="over-the-limit",
        ),
    ],
)
async def test_a_minimum_the_account_refuses_is_a_restriction_with_nothing_sent(
    fake_axigen: FakeAxigen,
    tmp_path: Path,
    state: dict[str, Any],
    minimum: int,
    conflict: str,
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": minimum}})
    for name, value in state.items():
        setattr(fake_axigen.account(email), name, value)
    journal = tmp_path / "j.jsonl"

    run = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(journal)))
    again = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(journal)))

    # Nothing a person can settle: reported, yet the run converged (a cron job stays quiet).
    assert (run.code, again.code) == (0, 0)
    assert fake_axigen.route_counts[CREATE] == 0
    assert fake_axigen.account(email).temporary_aliases == []
    assert "0 need review" in run.out
    assert "1 unchanged" in run.out
    assert "Left as the account's restrictions allow:" in run.out
    assert f"{email}: {conflict}" in run.out
    entry = journal_entries(journal)[0]
    assert entry["status"] == "done"
    assert entry["changes"] == []
    assert entry["conflicts"] == []
    assert len(entry["restricted"]) == 1
    assert entry["restricted"][0].startswith(conflict)


async def test_a_minimum_equal_to_the_limit_is_created(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 2}})
    fake_axigen.account(email).max_number_of_aliases = 2

    run = await run_cli(_args(fake_axigen, tmp_path))

    assert run.code == 0, run.out
    assert len(fake_axigen.account(email).temporary_aliases) == 2
    assert fake_axigen.route_counts[CREATE] == 2


# --- dry run ----------------------------------------------------------------------------------


async def test_dry_run_creates_nothing_and_lists_the_planned_creates(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 3}})
    _give_aliases(fake_axigen, email, 1)

    run = await run_cli(_args(fake_axigen, tmp_path, "--dry-run"))

    assert run.code == 0
    assert fake_axigen.route_counts[CREATE] == 0
    assert len(fake_axigen.account(email).temporary_aliases) == 1
    assert f"PLAN {email}: temporaryAlias.create 1 of 2; temporaryAlias.create 2 of 2" in run.out
    assert "Planned changes by kind:\n  temporaryAlias.create: 2" in run.out
    assert "1 would change" in run.out


async def test_dry_run_reports_a_refused_minimum_as_a_restriction(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 1}})
    fake_axigen.account(email).temporary_aliases_enabled = False

    run = await run_cli(_args(fake_axigen, tmp_path, "--dry-run"))

    assert run.code == 0
    assert "PLAN " not in run.out
    assert "feature is disabled" in run.out
    assert fake_axigen.route_counts[CREATE] == 0


# --- an unknown outcome -----------------------------------------------------------------------


async def test_a_create_with_an_unknown_outcome_stops_the_account_and_resume_re_lists_it(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 3}})
    journal = tmp_path / "j.jsonl"
    # The handler creates the alias, then the connection drops before the answer.
    fake_axigen.faults.reset_next(CREATE)
    options = ("--journal", str(journal), "--timeout", "1")

    first = await run_cli(_args(fake_axigen, tmp_path, *options))
    creates_after_first = fake_axigen.route_counts[CREATE]
    resumed = await run_cli(_args(fake_axigen, tmp_path, *options, "--resume"))

    assert first.code == 3
    # Exactly one alias: that create was never re-sent and no further one was sent.
    assert creates_after_first == 1
    pending, entry, *_ = journal_entries(journal)
    assert pending["status"] == "pending"
    assert (entry["status"], entry["error"]["kind"]) == ("unknown", "AmbiguousWriteError")
    assert entry["changes"] == []
    assert f"{email}: outcome unknown" in first.out
    # The resume waited out the call's deadline, listed again, found the alias the lost
    # create made, and created only the two still missing.
    assert resumed.code == 0, resumed.out
    assert fake_axigen.route_counts[CREATE] == 3
    assert len(fake_axigen.account(email).temporary_aliases) == 3
    assert f"{email}: temporaryAlias.create 1 of 3 (unknown)" in resumed.out


async def test_writes_made_before_an_unknown_create_are_journaled_with_it(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    spec = {
        "signatures": [{"name": "Corp", "type": "text", "body": "-- Corp"}],
        "temporaryAliases": {"minimum": 2},
    }
    [email] = _setup(fake_axigen, tmp_path, spec)
    journal = tmp_path / "j.jsonl"
    fake_axigen.faults.reset_next(CREATE)

    run = await run_cli(_args(fake_axigen, tmp_path, "--journal", str(journal)))

    assert run.code == 3
    entry = journal_entries(journal, "unknown", "done", "failed")[0]
    assert entry["status"] == "unknown"
    assert entry["changes"] == [{"kind": "signature.create", "detail": "Corp"}]
    assert fake_axigen.route_counts[CREATE] == 1
    assert [s.name for s in fake_axigen.account(email).signatures.values()] == ["Corp"]


# --- the audit --------------------------------------------------------------------------------


async def test_audit_counts_the_aliases_apply_created(
    fake_axigen: FakeAxigen, tmp_path: Path
) -> None:
    [email] = _setup(fake_axigen, tmp_path, {"temporaryAliases": {"minimum": 2}})
    report = tmp_path / "audit.jsonl"
    applied = await run_cli(_args(fake_axigen, tmp_path))

    audited = await run_cli(
        ["audit", str(tmp_path / "a.csv"), "--url", fake_axigen.url, "-q", "--out", str(report)]
    )

    assert (applied.code, audited.code) == (0, 0), audited.out + audited.err
    [record] = read_jsonl(report)
    assert record["checks"]["temporary_aliases"] == 2
    listed = [alias["email_address"] for alias in record["data"]["temporary_aliases"]]
    assert listed == _addresses(fake_axigen, email)
