"""Hostile arguments to the endpoint functions, checked end to end against the fake server.

The property of every test: an endpoint function either refuses its arguments
with ``ValueError`` or ``TypeError`` and sends nothing, or it sends one request
that the fake server does not answer 400 (a 2xx, or a documented outcome that
depends on the account's state, such as 404 for an unknown id). A 400 would
mean the client let through input the server refuses.

tests/test_wire.py proves the path helper alone and tests/test_converter.py the
model round trips through wire JSON; here the same values cross a real HTTP
exchange, and what the fake stored is read back. One fake server and one
logged-in session serve all the examples of a test: the examples run on one
event loop (an ``asyncio.Runner``), so each costs its round trips, not a server
start and a login.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
from collections import Counter
from collections.abc import Collection, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from axigen_async import AccountSession, AxigenClient, BasicAuth, RetryPolicy
from axigen_async.api import account
from axigen_async.exceptions import ApiError, BadRequestError
from axigen_async.models.account import (
    Avatar,
    ContactInfo,
    IndexId,
    NewSignature,
    Signature,
    SignatureSummary,
    SignatureType,
    SignatureUpdate,
    Vacation,
)
from axigen_async.testing import FakeAccount, FakeAxigen, FakeSignature, FakeTemporaryAlias

T = TypeVar("T")

EMAIL = "hostile@example.com"
PASSWORD = "initial-Passw0rd"
API = "/api/v1/account"
#: A password policy the password strategies are drawn around (see the password tests).
POLICY: dict[str, Any] = {
    "content_policy_enabled": True,
    "content_policy_min_length": 4,
    "content_policy_max_length": 64,
    "content_policy_must_include": "lettersAndNumbers",
}
#: Folder ids that need escaping in a query string, to serve as index-info scopes.
FOLDER_CONTAINER = "root/container é&x=1"
FOLDERS = ["root/inbox", "a&b=c", "x+y", "100%", "é/ü", "#frag", "?q", " spaced ", ",comma,"]

# --- strategies ------------------------------------------------------------------------------

PIECES = (
    "", " ", "\t", "\r\n", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\u00a0", "\u2028",
    "\u200b", "\ufeff", "\u202e", "\U0001f4a5", "\U0010ffff", "é", "e\u0301", '"', "'", "\\",
    "/", "%", "%00", "{", "}", "null", "<b>", "&amp;", ";", ":", "a",
)  # fmt: skip
#: Text a caller might pass: any unicode, control and format characters, joined
#: oddities, very long strings, and lone surrogates (which are not UTF-8).
hostile_text: st.SearchStrategy[str] = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(categories=("Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp")), max_size=20),
    st.lists(st.sampled_from(PIECES), max_size=12).map("".join),
    # Past the 8 KiB header-line limits of HTTP servers, yet short enough to print.
    st.sampled_from(["x" * 9_000, "\U0001f4a5" * 9_000]),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3).map(lambda s: "a" + s),
)
#: Values of the wrong type for a field typed str, bool, int or datetime.
wrong_types: st.SearchStrategy[Any] = st.sampled_from(
    [None, 0, 1, -1, True, False, 1.5, float("nan"), b"bytes", bytearray(b"x"), ["x"], {"k": 1}]
)


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` about fifteen times in sixteen, else ``rare``: most examples get far."""
    return st.integers(min_value=0, max_value=15).flatmap(lambda n: rare if n == 0 else usual)


texts = mostly(hostile_text, wrong_types)
flags = mostly(st.booleans(), wrong_types | st.sampled_from(["true", "false"]))
offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59, seconds=59),
    max_value=timedelta(hours=23, minutes=59, seconds=59),
).map(timezone)
#: Aware times from datetime.min to datetime.max in any fixed offset, mostly nearby.
aware_times = st.one_of(
    st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC) | offsets),
    st.datetimes(timezones=st.just(UTC) | offsets),
)
naive_times = st.datetimes()
times = mostly(
    aware_times,
    naive_times
    | wrong_types
    | st.sampled_from(["2026-12-01T09:30:00Z", datetime(2026, 12, 1).date()]),
)
ages: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=1, max_value=100),
    st.integers(),
    st.sampled_from([0, -1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, True, False, 7.0, "7"]),
)
signature_types = mostly(
    st.sampled_from([SignatureType.HTML, SignatureType.TEXT]),
    st.sampled_from(
        [SignatureType("markdown"), SignatureType("HTML"), SignatureType(""), "html", None, 1]
    ),
)
#: Index ids: the documented ones (as members and as strings), unknown ones, junk.
index_ids = mostly(
    st.sampled_from([*IndexId, "conversation", "sort", "search"]),
    st.one_of(
        st.sampled_from(
            [IndexId("thread"), "Conversation", "conversation,sort", " sort", ",", "sort&ids=x"]
        ),
        hostile_text,
        wrong_types,
    ),
)
#: Password the content policy (POLICY) accepts: 4 to 64 characters, a letter and a digit,
#: built from odd pieces (line breaks and NUL included).
policy_passwords = st.lists(st.sampled_from(PIECES), max_size=6).map(lambda p: "".join(p) + "pa55")
passwords = st.one_of(policy_passwords, hostile_text, wrong_types)


@st.composite
def vacations(draw: st.DrawFn) -> dict[str, Any]:
    """The fields of a Vacation (built in the call: the model may refuse them)."""
    start = draw(st.none() | times)
    end = draw(st.none() | times)
    if isinstance(start, datetime) and draw(st.booleans()):
        # An end near the start, before, equal or after, down to the microsecond.
        delta = draw(
            st.sampled_from([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)])
            | st.timedeltas(-timedelta(days=2), timedelta(days=2))
        )
        with contextlib.suppress(OverflowError):
            end = start + delta
    return {
        "enabled": draw(flags),
        "age": draw(ages),
        "apply_always": draw(flags),
        "apply_to_external": draw(flags),
        "apply_to_internal": draw(flags),
        "body": draw(texts),
        "subject": draw(texts),
        "start_time": start,
        "end_time": end,
    }


# --- one server, one logged-in session for all the examples of a test ------------------------


@dataclass
class Live:
    runner: asyncio.Runner
    fake: FakeAxigen
    session: AccountSession
    #: "refused" and "sent" counts over the examples, to show both kinds were run.
    outcomes: Counter[str]

    @property
    def account(self) -> FakeAccount:
        return self.fake.account(EMAIL)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def assert_still_usable(self) -> None:
        """The session answers after every example, still on its first login."""
        info = self.run(account.get_info(self.session))
        assert info.email == EMAIL
        assert self.fake.logins[EMAIL] == 1


async def _open(
    runner: asyncio.Runner,
    stack: contextlib.AsyncExitStack,
    server: dict[str, Any],
    state: dict[str, Any],
) -> Live:
    fake = await stack.enter_async_context(FakeAxigen(**server))
    fake.add_account(EMAIL, PASSWORD, **state)
    # One attempt per call: a 500 from the fake shows as itself, never as a retry.
    client = await stack.enter_async_context(AxigenClient(fake.url, retry=RetryPolicy(attempts=1)))
    session = await stack.enter_async_context(client.session(BasicAuth(EMAIL, PASSWORD)))
    await account.get_info(session)  # log in now: no example's count includes the login
    return Live(runner, fake, session, Counter())


@contextlib.contextmanager
def live_session(server: dict[str, Any] | None = None, **state: Any) -> Iterator[Live]:
    """A fake server (FakeAxigen ``server`` options) with the account (FakeAccount
    ``state``) and a logged-in session."""
    with asyncio.Runner() as runner:
        stack = contextlib.AsyncExitStack()
        try:
            yield runner.run(_open(runner, stack, server or {}, state))
        finally:
            runner.run(stack.aclose())


@dataclass
class Sent:
    """A call that reached the server: its result, or the error it answered."""

    result: Any
    error: ApiError | None


async def attempt(live: Live, route: str, call: Coroutine[Any, Any, Any]) -> Sent | None:
    """Await ``call``; None when it was refused, which must have sent nothing.

    When it was sent, exactly one request must have reached ``route``
    (``"METHOD /template"``, the fake's route key): the template matched.
    """
    before = live.fake.route_counts.copy()
    try:
        outcome = Sent(await call, None)
    except (ValueError, TypeError) as refusal:
        sent = live.fake.route_counts - before
        if sent:
            pytest.fail(f"{refusal!r} was raised after sending {dict(sent)}")
        live.outcomes["refused"] += 1
        return None
    except ApiError as error:
        outcome = Sent(None, error)
    assert live.fake.route_counts - before == Counter({route: 1})
    live.outcomes["sent"] += 1
    return outcome


#: (status, wire error code, a fragment of the message) of an answer allowed for a call.
Allowed = tuple[int, str, str]
_CODE = re.compile(r'"code":"([A-Za-z]+)"')


def assert_answer_allowed(sent: Sent, allowed: Collection[Allowed] = ()) -> None:
    """A sent call succeeded, or got one of the ``allowed`` answers (never another 400)."""
    error = sent.error
    if error is None:
        return
    found = _CODE.search(error.body_excerpt)
    code = found.group(1) if found else ""
    for status, allowed_code, fragment in allowed:
        if error.status == status and code == allowed_code and fragment in error.body_excerpt:
            return
    pytest.fail(f"the fake answered {error.status} {error.body_excerpt}")


def on_the_wire(value: datetime | None) -> datetime | None:
    """A time as the API carries it: UTC, whole seconds."""
    return None if value is None else value.astimezone(UTC).replace(microsecond=0)


def assert_both_kinds_ran(live: Live) -> None:
    """The examples held input the client refuses and input it sends."""
    assert live.outcomes["refused"] > 0
    assert live.outcomes["sent"] > 0


SETTINGS = settings(max_examples=150, deadline=None)
AWARE = datetime(2026, 12, 20, 9, 30, tzinfo=UTC)


# --- 1. request validation agrees with the server ------------------------------------------


def _vacation(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "enabled": True,
        "age": 7,
        "apply_always": False,
        "apply_to_external": True,
        "apply_to_internal": False,
        "body": "away",
        "start_time": AWARE,
        "end_time": AWARE + timedelta(days=3),
    }
    return fields | changes


def test_set_vacation_sends_only_what_the_server_accepts() -> None:
    with live_session() as live:

        @SETTINGS
        @given(vacation=vacations())
        @example(vacation=_vacation())
        @example(vacation=_vacation(age=0))
        @example(vacation=_vacation(apply_always=True, end_time=AWARE))
        def check(vacation: dict[str, Any]) -> None:
            live.run(_check_vacation(live, vacation))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _set_vacation(live: Live, fields: dict[str, Any]) -> Vacation:
    vacation = Vacation(**fields)
    await account.set_vacation(live.session, vacation)
    return vacation


async def _check_vacation(live: Live, fields: dict[str, Any]) -> None:
    sent = await attempt(live, f"POST {API}/vacation", _set_vacation(live, fields))
    if sent is None:
        return
    vacation = sent.result
    start, end = on_the_wire(vacation.start_time), on_the_wire(vacation.end_time)
    assert_answer_allowed(sent)
    if sent.error is None:
        stored = await account.get_vacation(live.session)
        assert stored == attrs.evolve(vacation, start_time=start, end_time=end)


CONTACT_FIELDS = [field.name for field in attrs.fields(ContactInfo)]


def test_update_contact_info_sends_only_what_the_server_accepts() -> None:
    with live_session() as live:

        @SETTINGS
        @given(contact=st.fixed_dictionaries(dict.fromkeys(CONTACT_FIELDS, texts)))
        @example(contact={"first_name": "Zoë", "last_name": "\x00\u2028"})
        @example(contact={"title": None})
        def check(contact: dict[str, Any]) -> None:
            live.run(_check_contact_info(live, contact))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _update_contact_info(live: Live, fields: dict[str, Any]) -> ContactInfo:
    contact = ContactInfo(**fields)
    await account.update_contact_info(live.session, contact)
    return contact


async def _check_contact_info(live: Live, fields: dict[str, Any]) -> None:
    sent = await attempt(live, f"PUT {API}/contactinfo", _update_contact_info(live, fields))
    if sent is None:
        return
    assert_answer_allowed(sent)
    assert await account.get_contact_info(live.session) == sent.result


def test_create_signature_sends_only_what_the_server_accepts() -> None:
    with live_session() as live:

        @SETTINGS
        @given(name=texts, kind=signature_types, body=texts)
        @example(name="sig", kind=SignatureType.HTML, body="<b>hi</b>")
        @example(name=" \t ", kind=SignatureType.TEXT, body="blank name")
        def check(name: Any, kind: Any, body: Any) -> None:
            live.run(_check_create_signature(live, name, kind, body))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _create_signature(live: Live, name: Any, kind: Any, body: Any) -> Any:
    signature = NewSignature(name, kind, body)
    return signature, await account.create_signature(live.session, signature)


async def _check_create_signature(live: Live, name: Any, kind: Any, body: Any) -> None:
    live.account.signatures.clear()
    call = _create_signature(live, name, kind, body)
    sent = await attempt(live, f"POST {API}/signatures", call)
    if sent is None:
        return
    assert_answer_allowed(sent)
    signature, summary = sent.result
    assert summary == SignatureSummary(summary.id, signature.name, signature.type)
    stored = live.account.signatures[summary.id]
    assert (stored.name, stored.type, stored.body) == (
        signature.name,
        signature.type,
        signature.body,
    )


BASE = FakeSignature(id="sig-base", name="base", type="text", body="base body")


def test_update_signature_sends_only_what_the_server_accepts() -> None:
    with live_session() as live:
        optional_texts = st.none() | texts

        @SETTINGS
        @given(
            signature_id=mostly(st.just(BASE.id), hostile_text | wrong_types),
            update=st.fixed_dictionaries(
                {
                    "name": optional_texts,
                    "type": st.none() | signature_types,
                    "body": optional_texts,
                }
            ),
        )
        @example(signature_id=BASE.id, update={"body": "new body"})
        @example(signature_id="x" * 9_000, update={"body": "new body"})
        @example(signature_id="{}", update={"body": "new body"})
        @example(signature_id=BASE.id, update={"type": "html"})
        def check(signature_id: Any, update: dict[str, Any]) -> None:
            live.run(_check_update_signature(live, signature_id, update))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _update_signature(live: Live, signature_id: Any, fields: dict[str, Any]) -> Any:
    update = SignatureUpdate(**fields)
    await account.update_signature(live.session, signature_id, update)
    return update


async def _check_update_signature(live: Live, signature_id: Any, fields: dict[str, Any]) -> None:
    live.account.signatures = {BASE.id: dataclasses.replace(BASE)}
    call = _update_signature(live, signature_id, fields)
    sent = await attempt(live, f"PUT {API}/signatures/{{id}}", call)
    if sent is None:
        return
    update = sent.result
    if signature_id != BASE.id:
        assert_answer_allowed(sent, [(404, "notFound", "does not exist")])
        return
    assert_answer_allowed(sent)
    expected = FakeSignature(
        id=BASE.id,
        name=BASE.name if update.name is None else update.name,
        type=BASE.type if update.type is None else update.type,
        body=BASE.body if update.body is None else update.body,
    )
    assert live.account.signatures[BASE.id] == expected


PNG = b"\x89PNG\r\n\x1a\n"
#: The fake's avatar limit in this test, far below the client's default max_size: a
#: larger avatar is the server's to refuse. (Small, so no body nears 1 MiB.)
AVATAR_LIMIT = 4096
MAGICS = (PNG, b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
avatar_bytes = st.one_of(
    st.binary(max_size=64),
    st.tuples(st.sampled_from(MAGICS), st.binary(max_size=64)).map(b"".join),
    st.integers(AVATAR_LIMIT - 16, AVATAR_LIMIT + 16).map(lambda n: PNG + bytes(n - len(PNG))),
)
avatar_data = mostly(
    avatar_bytes | avatar_bytes.map(bytearray) | avatar_bytes.map(lambda b: memoryview(b)),
    wrong_types | st.text(max_size=5),
)
content_types = mostly(
    st.sampled_from(
        [
            "image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml", "IMAGE/PNG",
            " image/png ", "image/png; charset=x", "image/", "image", "image/ png", "image/é",
            "image/x\r\nX-Evil: 1", "image/x\x00", "text/plain", "application/octet-stream", "",
        ]
    ),
    hostile_text | wrong_types,
)  # fmt: skip
filenames = mostly(st.just("avatar.png") | hostile_text, wrong_types)
max_sizes = mostly(
    st.just(account.MAX_AVATAR_BYTES), st.integers(min_value=-1, max_value=100) | wrong_types
)


def test_update_avatar_sends_only_what_the_server_accepts() -> None:
    with live_session(server={"max_avatar_bytes": AVATAR_LIMIT}) as live:

        @SETTINGS
        @given(data=avatar_data, content_type=content_types, filename=filenames, max_size=max_sizes)
        @example(data=PNG + b"x", content_type="image/png", filename="a.png", max_size=1024)
        @example(data=PNG, content_type="image/png", filename='a"\r\n\x00\\', max_size=1024)
        @example(
            data=PNG + bytes(AVATAR_LIMIT),
            content_type="image/png",
            filename="big.png",
            max_size=account.MAX_AVATAR_BYTES,
        )
        def check(data: Any, content_type: Any, filename: Any, max_size: Any) -> None:
            live.run(_check_update_avatar(live, data, content_type, filename, max_size))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _check_update_avatar(
    live: Live, data: Any, content_type: Any, filename: Any, max_size: Any
) -> None:
    live.account.avatar = None
    call = account.update_avatar(
        live.session, data, content_type=content_type, filename=filename, max_size=max_size
    )
    sent = await attempt(live, f"PUT {API}/avatar", call)
    if sent is None:
        return
    allowed: list[Allowed] = []
    if len(data) > AVATAR_LIMIT:  # the server's limit, which the client cannot know
        allowed.append((400, "avatarTooLarge", ""))
    assert_answer_allowed(sent, allowed)
    if sent.error is None:
        media_type = content_type.split(";", 1)[0].strip().lower()
        assert await account.get_avatar(live.session) == Avatar(bytes(data), media_type)


def meets_policy(password: str) -> bool:
    """POLICY as the docs put it: 4 to 64 characters, with letters and numbers."""
    return (
        4 <= len(password) <= 64
        and any(c.isalpha() for c in password)
        and any(c.isdigit() for c in password)
    )


async def _after_password_change(live: Live, new_password: str) -> None:
    """Check the change, then put both sides back on PASSWORD for the next example."""
    assert live.account.password == new_password
    await account.get_info(live.session)  # the session goes on with the new password
    live.account.password = PASSWORD
    live.session.use_password(PASSWORD)


# Error bodies of password calls cannot be read for their code: the client scrubs the
# passwords it sent from them (rightly), and a password such as "a" is in every body. So
# these two tests predict the answer from the documented policy instead. Once the client
# sends two strings, the only 400s the server has left are the policy's and a wrong old
# password's.


def test_set_password_sends_only_what_the_server_accepts() -> None:
    # The account must change its password, so only the content policy can say no.
    with live_session(must_change_password=True, **POLICY) as live:

        @SETTINGS
        @given(new_password=passwords)
        @example(new_password="new-Passw0rd")
        @example(new_password="line\nbreak-pa55")
        @example(new_password="\u00e9t\u00e9-pa55")
        def check(new_password: Any) -> None:
            live.run(_check_set_password(live, new_password))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _check_set_password(live: Live, new_password: Any) -> None:
    live.account.must_change_password = True
    call = account.set_password(live.session, new_password)
    sent = await attempt(live, f"POST {API}/password/set", call)
    if sent is None:
        return
    assert isinstance(new_password, str)
    if not meets_policy(new_password):
        assert isinstance(sent.error, BadRequestError)
        return
    assert sent.error is None, f"the fake answered {sent.error.status}"
    await _after_password_change(live, new_password)


def test_reset_password_sends_only_what_the_server_accepts() -> None:
    with live_session(**POLICY) as live:

        @SETTINGS
        @given(old=st.none() | texts, new_password=passwords)
        @example(old=None, new_password="new-Passw0rd")
        @example(old=None, new_password="nul\x00-pa55")
        @example(old="wrong-Passw0rd", new_password="new-Passw0rd")
        def check(old: Any, new_password: Any) -> None:
            live.run(_check_reset_password(live, old, new_password))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _check_reset_password(live: Live, old: Any, new_password: Any) -> None:
    old_password = PASSWORD if old is None else old  # None: the right old password
    call = account.reset_password(live.session, old_password, new_password)
    sent = await attempt(live, f"POST {API}/password/reset", call)
    if sent is None:
        return
    assert isinstance(old_password, str)
    assert isinstance(new_password, str)
    if old_password != PASSWORD or not meets_policy(new_password):
        assert isinstance(sent.error, BadRequestError)
        return
    assert sent.error is None, f"the fake answered {sent.error.status}"
    await _after_password_change(live, new_password)


def test_get_index_info_sends_only_what_the_server_accepts() -> None:
    scopes = [FOLDER_CONTAINER, *FOLDERS]
    with live_session(folder_container_id=FOLDER_CONTAINER, folder_ids=FOLDERS) as live:
        id_lists = st.lists(index_ids, max_size=4)

        @SETTINGS
        @given(
            ids=mostly(id_lists | id_lists.map(tuple), st.sampled_from(["sort", b"sort", None])),
            scope=mostly(st.sampled_from(scopes), hostile_text | wrong_types),
        )
        @example(ids=["conversation", IndexId.SORT], scope=FOLDER_CONTAINER)
        @example(ids=["search"], scope="a&b=c")
        @example(ids=[IndexId("thread")], scope=FOLDER_CONTAINER)
        @example(ids=["sort"], scope="x" * 9_000)
        def check(ids: Any, scope: Any) -> None:
            live.run(_check_index_info(live, ids, scope))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _check_index_info(live: Live, ids: Any, scope: Any) -> None:
    call = account.get_index_info(live.session, ids, scope)
    sent = await attempt(live, f"GET {API}/indexinfo", call)
    if sent is None:
        return
    if scope != FOLDER_CONTAINER and scope not in FOLDERS:
        # The client cannot know the account's folders: the server's to refuse.
        assert_answer_allowed(sent, [(400, "invalidParameter", "scope is neither")])
        return
    assert_answer_allowed(sent)
    assert [info.id for info in sent.result] == list(ids)
    assert all(info.id.is_known and info.state.is_known for info in sent.result)


# --- 2. ids reach their route as one segment -----------------------------------------------

ID_PIECES = (
    "/", "..", ".", "%", "%2F", "%2f", "%25", "%2e", "?", "#", "&", "=", ";", "+", " ", "\t",
    "\\", "~", "é", "\U0001f4a5", "\u2028", "\ufeff", "\x00", "\x7f", "a", "Z9", "",
)  # fmt: skip
path_ids = st.one_of(
    st.lists(st.sampled_from(ID_PIECES), max_size=8).map("".join),
    st.text(max_size=60),
    st.sampled_from(["", ".", "..", "./", "../info", "..%2F..%2Finfo", "%2e%2e", "info"]),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2).map(lambda s: "x" + s),
    wrong_types,
)


def _can_be_an_id(value: object) -> bool:
    """What the URL helper must send: a str that is not empty or a dot segment, in UTF-8."""
    if not isinstance(value, str) or value in ("", ".", ".."):
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.slow  # many generated ids, each checked against the real router
def test_ids_reach_their_route_as_one_segment() -> None:
    with live_session() as live:

        @SETTINGS
        @given(resource_id=path_ids)
        @example(resource_id="../info")
        @example(resource_id="a/b")
        @example(resource_id="%2F")
        @example(resource_id="..")
        @example(resource_id="{id}")
        def check(resource_id: Any) -> None:
            live.run(_check_id(live, resource_id))

        check()
        assert_both_kinds_ran(live)
        live.assert_still_usable()


async def _check_id(live: Live, resource_id: Any) -> None:
    state = live.account
    state.signatures.clear()
    state.temporary_aliases.clear()
    calls = [
        ("GET", account.get_signature, "signatures", "the signature"),
        ("DELETE", account.delete_signature, "signatures", "the signature"),
        ("DELETE", account.delete_temporary_alias, "temporaryaliases", "the temporary alias"),
    ]
    for method, function, collection, what in calls:
        route = f"{method} {API}/{collection}/{{id}}"
        sent = await attempt(live, route, function(live.session, resource_id))
        if not _can_be_an_id(resource_id):
            assert sent is None, f"{resource_id!r} was sent"
            continue
        # No such resource yet: the route's handler answers its own 404, not the router.
        assert sent is not None, f"{resource_id!r} was refused"
        assert sent.error is not None
        assert_answer_allowed(sent, [(404, "notFound", f"{what} does not exist")])
        # The fake logs the path as aiohttp decodes it: the id, whole, after the prefix.
        assert live.fake.requests[-1].path == f"{API}/{collection}/{resource_id}"
    if not _can_be_an_id(resource_id):
        return
    # With a resource of that id: the handler saw the id whole.
    state.signatures[resource_id] = FakeSignature(resource_id, "n", "text", "b")
    got = await account.get_signature(live.session, resource_id)
    assert got == Signature(resource_id, "n", SignatureType.TEXT, "b")
    await account.delete_signature(live.session, resource_id)
    assert state.signatures == {}
    alias = FakeTemporaryAlias(resource_id, "tmp@example.com", AWARE)
    state.temporary_aliases.append(alias)
    await account.delete_temporary_alias(live.session, resource_id)
    assert state.temporary_aliases == []
