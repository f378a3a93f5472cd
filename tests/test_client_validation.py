"""Bad input gets a clear error before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from axigen_async import AccountSession
from axigen_async.api import account
from axigen_async.models.account import (
    AvatarUpload,
    ContactInfo,
    IndexId,
    NewSignature,
    SignatureType,
    SignatureUpdate,
    Vacation,
)
from axigen_async.testing import FakeAccount, FakeAxigen, FakeVacation

START = datetime(2026, 12, 20, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


def _vacation(**changes: Any) -> Vacation:
    fields: dict[str, Any] = {
        "enabled": True,
        "age": 1,
        "apply_always": False,
        "apply_to_external": True,
        "apply_to_internal": True,
        "body": "away",
        "start_time": START,
        "end_time": START + timedelta(days=1),
    }
    fields.update(changes)
    return Vacation(**fields)


CASES = [
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(start_time=None),),
        ValueError,
        "required",
        id="no-start",
    ),
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(end_time=None),),
        ValueError,
        "required",
        id="no-end",
    ),
    pytest.param(
        account.set_vacation, lambda: (_vacation(age=0),), ValueError, "age", id="age-zero"
    ),
    pytest.param(
        account.set_vacation, lambda: (_vacation(age=True),), ValueError, "age", id="age-boolean"
    ),
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(end_time=START),),
        ValueError,
        "after",
        id="end-not-after-start",
    ),
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(start_time=datetime(2026, 12, 20), end_time=datetime(2026, 12, 21)),),
        ValueError,
        "timezone-aware",
        id="naive-times",
    ),
    pytest.param(
        account.create_signature,
        lambda: (NewSignature("n", SignatureType("markdown"), "b"),),
        ValueError,
        "HTML or .TEXT",
        id="signature-type",
    ),
    pytest.param(
        account.create_signature,
        lambda: (NewSignature("n", "HTML", "b"),),  # type: ignore[arg-type]
        ValueError,
        "signature type",
        id="signature-type-as-a-string-not-listed",
    ),
    pytest.param(
        account.create_signature,
        lambda: (NewSignature("", SignatureType.TEXT, "b"),),
        ValueError,
        "name",
        id="signature-name",
    ),
    pytest.param(
        account.update_signature,
        lambda: ("id1", SignatureUpdate()),
        ValueError,
        "changes nothing",
        id="empty-update",
    ),
    pytest.param(account.get_signature, lambda: ("",), ValueError, "empty", id="empty-id"),
    pytest.param(account.delete_signature, lambda: ("..",), ValueError, "dot", id="dot-dot-id"),
    pytest.param(
        account.delete_temporary_alias, lambda: ("",), ValueError, "empty", id="empty-alias-id"
    ),
    pytest.param(account.set_password, lambda: ("",), ValueError, "empty", id="empty-password"),
    pytest.param(
        account.get_index_info, lambda: ([], "scope"), ValueError, "at least one", id="no-index-ids"
    ),
    pytest.param(
        account.get_index_info,
        lambda: ("conversation", "scope"),
        TypeError,
        "one string",
        id="ids-str",
    ),
    pytest.param(
        account.get_index_info,
        lambda: (["conversation"], ""),
        ValueError,
        "scope",
        id="empty-scope",
    ),
    pytest.param(
        account.update_contact_info,
        lambda: ({"firstName": "x"},),
        TypeError,
        "ContactInfo",
        id="dict",
    ),
]


# --- what the properties of tests/test_hostile_input.py found, one case each --------------
# Each was sent before, and the fake answered 400 or 500 (or, for the passwords, took the
# change while the session could not follow it): now refused before anything is sent.

FOUND_BY_PROPERTIES = [
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(enabled=1),),
        TypeError,
        "enabled",
        id="flag-not-bool",
    ),
    pytest.param(
        account.set_vacation, lambda: (_vacation(body=None),), TypeError, "body", id="no-body"
    ),
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(end_time="2027-01-01T00:00:00Z"),),
        TypeError,
        "end_time",
        id="time-as-string",
    ),
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(start_time=datetime.min.replace(tzinfo=timezone.max)),),
        ValueError,
        "out of range",
        id="before-year-1-in-utc",
    ),
    pytest.param(
        account.set_vacation,
        lambda: (_vacation(end_time=START + timedelta(microseconds=500)),),
        ValueError,
        "after",
        id="end-in-the-same-second",
    ),
    pytest.param(
        account.update_contact_info,
        lambda: (ContactInfo(title=None),),  # type: ignore[arg-type]
        TypeError,
        "title",
        id="contact-field-not-str",
    ),
    pytest.param(
        account.create_signature,
        lambda: (NewSignature(" \t ", SignatureType.TEXT, "b"),),
        ValueError,
        "blank",
        id="blank-signature-name",
    ),
    pytest.param(
        account.update_signature,
        lambda: ("sig-1", SignatureUpdate(name="\u2028")),
        ValueError,
        "blank",
        id="blank-new-name",
    ),
    pytest.param(
        account.update_signature,
        lambda: ("sig-1", SignatureUpdate(body=5)),  # type: ignore[arg-type]
        TypeError,
        "body",
        id="new-body-not-str",
    ),
    pytest.param(
        account.set_password,
        lambda: ("line\nbreak-pa55",),
        ValueError,
        "line breaks",
        id="set-newline",
    ),
    pytest.param(
        account.reset_password,
        lambda: ("old-Passw0rd", "nul\x00-pa55"),
        ValueError,
        "NUL",
        id="reset-nul",
    ),
    pytest.param(
        account.get_index_info,
        lambda: ([IndexId("thread")], "scope"),
        ValueError,
        "one of",
        id="unknown-index-id",
    ),
    pytest.param(
        account.get_index_info,
        lambda: (["conversation,sort"], "scope"),
        ValueError,
        "one of",
        id="two-index-ids-in-one",
    ),
    pytest.param(
        account.get_index_info,
        lambda: (["sort"], "x" * 9_000),
        ValueError,
        "URL",
        id="scope-too-long",
    ),
    pytest.param(
        account.get_signature, lambda: ("x" * 9_000,), ValueError, "URL", id="id-too-long"
    ),
]


@pytest.mark.parametrize(("function", "args", "error", "message"), [*CASES, *FOUND_BY_PROPERTIES])
async def test_bad_input_is_refused_before_sending(
    session: AccountSession,
    fake_axigen: FakeAxigen,
    function: Any,
    args: Callable[[], tuple[Any, ...]],
    error: type[Exception],
    message: str,
) -> None:
    # The arguments are built inside: a request model refuses a bad value on construction.
    with pytest.raises(error, match=message):
        await function(session, *args())
    assert fake_axigen.requests == []


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        pytest.param(b"", "image/png", "empty", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"0" * 2048, "image/png", "limit", id="too-big"),
        pytest.param(b"%PDF-1.7", "application/pdf", "image/", id="not-an-image-type"),
        pytest.param(b"GIF89a....", "image/png", "not a image/png", id="bytes-disagree"),
        pytest.param(b"GIF89a....", "image/gif\r\nX-Evil: 1", "image/", id="line-break"),
    ],
)
async def test_bad_avatars_are_refused_before_sending(
    session: AccountSession, fake_axigen: FakeAxigen, data: bytes, content_type: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await account.update_avatar(session, data, content_type=content_type, max_size=1024)
    assert fake_axigen.requests == []


async def test_contact_info_is_sent_whole(session: AccountSession, fake_axigen: FakeAxigen) -> None:
    await account.update_contact_info(session, ContactInfo(first_name="Jane"))
    contact = await account.get_contact_info(session)
    assert contact == ContactInfo(first_name="Jane")


@pytest.mark.parametrize(
    ("content_type", "filename", "error", "message"),
    [
        pytest.param(None, "a.png", TypeError, "content type", id="content-type-not-str"),
        pytest.param("image/png", None, TypeError, "filename", id="filename-not-str"),
        pytest.param("image/png", "a\x1fb.png", ValueError, "control", id="control-character"),
        pytest.param("image/png", "x" * 256, ValueError, "255", id="filename-too-long"),
    ],
)
async def test_avatar_headers_the_server_refuses_are_refused_before_sending(
    session: AccountSession,
    fake_axigen: FakeAxigen,
    content_type: Any,
    filename: Any,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        await account.update_avatar(session, PNG, content_type=content_type, filename=filename)
    assert fake_axigen.requests == []


# --- the request models check themselves ----------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        pytest.param(
            lambda: NewSignature("", SignatureType.TEXT, "b"),
            ValueError,
            "name must not be empty",
            id="signature-name",
        ),
        pytest.param(
            lambda: NewSignature("n", "markdown", "b"),  # type: ignore[arg-type]
            ValueError,
            "HTML or .TEXT",
            id="signature-type",
        ),
        pytest.param(
            lambda: NewSignature("n", SignatureType.TEXT, None),  # type: ignore[arg-type]
            TypeError,
            "body must be a str",
            id="signature-body",
        ),
        pytest.param(
            lambda: SignatureUpdate(name=" "), ValueError, "name must not be blank", id="new-name"
        ),
        pytest.param(
            lambda: SignatureUpdate(type=1),  # type: ignore[arg-type]
            ValueError,
            "HTML or .TEXT",
            id="new-type",
        ),
        pytest.param(
            lambda: ContactInfo(title=None),  # type: ignore[arg-type]
            TypeError,
            "title must be a str",
            id="contact-field",
        ),
        pytest.param(
            lambda: _vacation(enabled=1), TypeError, "enabled must be a bool", id="vacation-flag"
        ),
        pytest.param(lambda: _vacation(age=1.5), ValueError, "age", id="vacation-age"),
        pytest.param(
            lambda: _vacation(start_time=datetime(2026, 12, 20)),
            ValueError,
            "start_time must be timezone-aware",
            id="vacation-naive-time",
        ),
        pytest.param(
            lambda: AvatarUpload(b"", "image/png"), ValueError, "empty", id="avatar-empty"
        ),
        pytest.param(
            lambda: AvatarUpload(PNG, "image/gif"), ValueError, "not a image/gif", id="avatar-type"
        ),
    ],
)
def test_request_models_refuse_bad_values_on_construction(
    build: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()


@pytest.mark.parametrize("kind", ["html", SignatureType.HTML], ids=["wire-string", "member"])
async def test_a_signature_type_is_the_member_or_its_wire_string(
    session: AccountSession, fake_axigen: FakeAxigen, kind: Any
) -> None:
    signature = NewSignature("Work", kind, "Regards")
    assert signature.type is SignatureType.HTML
    assert signature == NewSignature("Work", SignatureType.HTML, "Regards")

    created = await account.create_signature(session, signature)
    await account.update_signature(session, created.id, SignatureUpdate(type="text"))

    assert created.type is SignatureType.HTML
    assert (await account.get_signature(session, created.id)).type is SignatureType.TEXT


async def test_a_vacation_read_from_the_server_is_not_checked_as_an_update(
    session: AccountSession, jane: FakeAccount
) -> None:
    # The rules of an update (age at least 1, a window when apply_always is False)
    # are the server's for a POST, not for what it answers.
    jane.vacation = FakeVacation(age=0, apply_always=False)
    vacation = await account.get_vacation(session)
    assert (vacation.age, vacation.start_time, vacation.end_time) == (0, None, None)
    with pytest.raises(ValueError, match="age"):
        vacation.as_sent()
