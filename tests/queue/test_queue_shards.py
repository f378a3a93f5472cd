"""Splitting ACCOUNTS into shards by byte offset, and a worker reading one shard back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from axigen_async.cli._accounts import AccountsError, SharedSecret, read_accounts
from axigen_async.cli._queue._shards import read_shard, split


def _all_rows(path: Path, size: int, shared: SharedSecret | None) -> list[tuple[int, str, str]]:
    rows = []
    for shard in split(str(path), size):
        for row, account, email in read_shard(
            str(path), shard.offset, shard.count, shard.first_row, shared
        ):
            rows.append((row, email, "error" if isinstance(account, AccountsError) else "ok"))
    return rows


@pytest.mark.parametrize("size", [1, 2, 3, 500])
def test_shards_of_a_csv_with_a_bom_quoted_fields_and_blank_lines_cover_every_row(
    tmp_path: Path, size: int
) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(
        "\ufeffemail,password\r\n"
        'a@example.com,"quo""ted"\r\n'
        "\r\n"
        "b@example.com,pw\r\n"
        'c@example.com,"x,y"\r\n'
        "d@example.com,\r\n".encode()
    )
    expected = [(account.email, account.credentials) for account in read_accounts(
        str(path), SharedSecret("password", "shared"))]  # fmt: skip
    got = []
    for shard in split(str(path), size):
        for _row, account, _email in read_shard(
            str(path),
            shard.offset,
            shard.count,
            shard.first_row,
            SharedSecret("password", "shared"),
        ):
            assert not isinstance(account, AccountsError)
            got.append((account.email, account.credentials))
    assert got == expected
    assert [row for row, _e, _s in _all_rows(path, size, None)] == [0, 1, 2, 3]


def test_a_row_without_a_secret_is_that_rows_error_not_the_shards(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        json.dumps({"email": "a@example.com", "password": "pw"})
        + "\n"
        + json.dumps({"email": "b@example.com"})
        + "\n"
    )
    assert _all_rows(path, 1, None) == [(0, "a@example.com", "ok"), (1, "b@example.com", "error")]


def test_a_malformed_row_fails_the_split_before_anything_is_enqueued(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("email,password\na@example.com,pw\nb@example.com,pw,extra\n")
    with pytest.raises(AccountsError, match="expected 2 fields"):
        split(str(path), 10)


def test_a_file_shortened_since_the_split_fails_the_shard(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("email,password\na@example.com,pw\nb@example.com,pw\n")
    (shard,) = split(str(path), 10)
    path.write_text("email,password\na@example.com,pw\n")
    with pytest.raises(AccountsError, match="changed since the run started"):
        list(read_shard(str(path), shard.offset, shard.count, shard.first_row, None))


def test_accounts_that_is_not_a_regular_file_is_refused_not_read_without_end(
    tmp_path: Path,
) -> None:
    accounts = tmp_path / "a.csv"
    accounts.symlink_to("/dev/zero")

    with pytest.raises(AccountsError, match="regular file"):
        split(str(accounts), 10)
