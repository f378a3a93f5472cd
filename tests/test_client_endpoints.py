"""Every Account endpoint end to end against the fake server: success and documented errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from axigen_async import (
    AccountSession,
    AxigenClient,
    BadRequestError,
    BasicAuth,
    NotFoundError,
    PermissionDeniedError,
)
from axigen_async.api import account
from axigen_async.models.account import (
    AliasType,
    ContactInfo,
    IndexId,
    IndexState,
    NewSignature,
    SignatureType,
    SignatureUpdate,
    TwoFactorStatus,
    Vacation,
)
from axigen_async.models.server import ServerVersion
from axigen_async.testing import FakeAccount, FakeAxigen
from tests.conftest import EMAIL, PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_server_version(client: AxigenClient, fake_axigen: FakeAxigen) -> None:
    version = await client.server_version()
    assert version == ServerVersion(fake_axigen.api_version, fake_axigen.server_version)
    assert version.api_version == fake_axigen.api_version


async def test_get_info_reads_every_field_typed(session: AccountSession, jane: FakeAccount) -> None:
    jane.used_quota = 900
    jane.total_quota = 1000
    jane.over_quota_threshold = 80
    jane.two_factor_auth_status = "mandatory"
    jane.password_expiration_enabled = True
    jane.password_expiration_date = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    info = await account.get_info(session)
    assert info.email == EMAIL
    assert info.full_name == "Jane Doe"
    assert (info.used_quota, info.remaining_quota) == (900, 100)
    assert info.over_quota_threshold_reached
    assert info.two_factor_missing
    assert info.restrictions.security_policy.two_factor_auth_policy.status is (
        TwoFactorStatus.MANDATORY
    )
    expiration = info.restrictions.password_policy.expiration
    assert expiration.date == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert info.folder_container_id == jane.folder_container_id


async def test_contact_info_update_replaces_every_field(session: AccountSession) -> None:
    first = ContactInfo(title="Dr.", first_name="Jane", last_name="Doe", suffix="II")
    await account.update_contact_info(session, first)
    assert await account.get_contact_info(session) == first
    changed = attrs.evolve(first, personal_email_address="jane@home.example")
    await account.update_contact_info(session, changed)
    assert await account.get_contact_info(session) == changed


async def test_aliases_list_the_main_address_first(
    session: AccountSession, fake_axigen: FakeAxigen
) -> None:
    aliases = await account.list_aliases(session)
    assert aliases[0].email_address == EMAIL
    assert aliases[0].type is AliasType.MAIN_ADDRESS


async def test_temporary_aliases_create_list_delete(session: AccountSession) -> None:
    created = await account.create_temporary_alias(session)
    assert created.expire_date is not None
    assert created.expire_date > datetime.now(UTC)
    assert created in await account.list_temporary_aliases(session)
    await account.delete_temporary_alias(session, created.id)
    assert created not in await account.list_temporary_aliases(session)


async def test_deleting_an_unknown_temporary_alias_is_not_found(session: AccountSession) -> None:
    with pytest.raises(NotFoundError) as caught:
        await account.delete_temporary_alias(session, "no-such-alias")
    assert caught.value.attempts == 1


async def test_temporary_aliases_honour_the_restrictions(
    session: AccountSession, jane: FakeAccount
) -> None:
    jane.max_number_of_aliases = 1
    await account.create_temporary_alias(session)
    with pytest.raises(PermissionDeniedError):
        await account.create_temporary_alias(session)
    jane.temporary_aliases_enabled = False
    with pytest.raises(PermissionDeniedError):
        await account.create_temporary_alias(session)


async def test_signatures_create_get_update_delete(session: AccountSession) -> None:
    created = await account.create_signature(
        session, NewSignature(name="Work", type=SignatureType.HTML, body="<b>Jane</b>")
    )
    assert (created.name, created.type) == ("Work", SignatureType.HTML)
    assert created in await account.list_signatures(session)
    await account.update_signature(session, created.id, SignatureUpdate(body="Jane, text"))
    full = await account.get_signature(session, created.id)
    assert (full.name, full.type, full.body) == ("Work", SignatureType.HTML, "Jane, text")
    await account.delete_signature(session, created.id)
    with pytest.raises(NotFoundError):
        await account.get_signature(session, created.id)


async def test_changing_or_deleting_a_missing_signature_is_not_found(
    session: AccountSession, fake_axigen: FakeAxigen
) -> None:
    with pytest.raises(NotFoundError) as updated:
        await account.update_signature(session, "no-such-id", SignatureUpdate(body="x"))
    with pytest.raises(NotFoundError) as deleted:
        await account.delete_signature(session, "no-such-id")
    assert (updated.value.status, updated.value.method) == (404, "PUT")
    assert (deleted.value.status, deleted.value.method) == (404, "DELETE")
    # A first DELETE that finds nothing is an answer, not a reason to retry.
    assert fake_axigen.route_counts["DELETE /api/v1/account/signatures/{id}"] == 1


async def test_the_user_agent_is_sent(fake_axigen: FakeAxigen, jane: FakeAccount) -> None:
    async with (
        AxigenClient(fake_axigen.url, user_agent="provisioner/9") as client,
        client.session(BasicAuth(EMAIL, PASSWORD)) as s,
    ):
        await account.get_info(s)
    agents = {request.headers.get("User-Agent") for request in fake_axigen.requests}
    assert agents == {"provisioner/9"}


@pytest.mark.parametrize("signature_id", ["../info", "a/b", "100%", "x?y#z"])
async def test_ids_cannot_reach_another_path(
    session: AccountSession, fake_axigen: FakeAxigen, signature_id: str
) -> None:
    with pytest.raises(NotFoundError):
        await account.get_signature(session, signature_id)
    assert fake_axigen.requests[-1].path.startswith("/api/v1/account/signatures/")


async def test_avatar_upload_download_delete(session: AccountSession) -> None:
    with pytest.raises(NotFoundError):
        await account.get_avatar(session)
    await account.update_avatar(session, PNG, content_type="image/png")
    avatar = await account.get_avatar(session)
    assert (avatar.data, avatar.content_type) == (PNG, "image/png")
    await account.delete_avatar(session)
    with pytest.raises(NotFoundError):
        await account.delete_avatar(session)


async def test_an_avatar_of_the_largest_size_uploads_whole_and_again_on_a_retry(
    session: AccountSession, fake_axigen: FakeAxigen
) -> None:
    # Over 1 MiB with its multipart framing: sent as a stream (aiohttp warns about,
    # and pytest fails on, a bytes body that large), made anew for the retry.
    image = PNG + bytes(range(256)) * ((account.MAX_AVATAR_BYTES - len(PNG)) // 256)
    image += b"\0" * (account.MAX_AVATAR_BYTES - len(image))
    fake_axigen.faults.fail_next("PUT /api/v1/account/avatar", 503)

    await account.update_avatar(session, image, content_type="image/png")

    assert (await account.get_avatar(session)).data == image
    assert fake_axigen.route_counts["PUT /api/v1/account/avatar"] == 2


async def test_vacation_round_trips_with_its_interval(session: AccountSession) -> None:
    start = datetime(2026, 12, 20, 8, 0, tzinfo=UTC)
    vacation = Vacation(
        enabled=True,
        age=7,
        apply_always=False,
        apply_to_external=True,
        apply_to_internal=False,
        body="Back in January.",
        subject="Away",
        start_time=start,
        end_time=start + timedelta(days=14),
    )
    await account.set_vacation(session, vacation)
    assert await account.get_vacation(session) == vacation


async def test_vacation_applied_always_needs_no_interval(session: AccountSession) -> None:
    vacation = Vacation(True, 1, True, True, True, "Out of office")
    await account.set_vacation(session, vacation)
    got = await account.get_vacation(session)
    assert (got.enabled, got.apply_always, got.body) == (True, True, "Out of office")


async def test_set_password_when_not_required_is_refused(session: AccountSession) -> None:
    with pytest.raises((PermissionDeniedError, BadRequestError)):
        await account.set_password(session, "Another-Pass-9")


async def test_set_password_then_the_session_goes_on(
    session: AccountSession, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    jane.must_change_password = True
    await account.set_password(session, "Fresh-Pass-42")
    assert jane.password == "Fresh-Pass-42"
    assert not jane.must_change_password
    assert (await account.get_info(session)).email == EMAIL
    fake_axigen.expire_sessions()
    assert (await account.get_info(session)).email == EMAIL


async def test_reset_password_then_the_session_goes_on(
    session: AccountSession, jane: FakeAccount, fake_axigen: FakeAxigen
) -> None:
    await account.reset_password(session, PASSWORD, "Brand-New-Pass-1")
    assert (await account.get_info(session)).email == EMAIL
    fake_axigen.expire_sessions()
    assert (await account.get_info(session)).email == EMAIL
    assert fake_axigen.logins[EMAIL] == 2


async def test_reset_password_with_a_wrong_old_password_is_refused(
    session: AccountSession, jane: FakeAccount
) -> None:
    with pytest.raises((PermissionDeniedError, BadRequestError)):
        await account.reset_password(session, "not-the-password", "Brand-New-Pass-1")
    assert jane.password == PASSWORD


async def test_reset_password_enforces_the_content_policy(
    session: AccountSession, jane: FakeAccount
) -> None:
    jane.content_policy_enabled = True
    jane.content_policy_must_include = "lettersAndNumbersAndSpecial"
    with pytest.raises(BadRequestError):
        await account.reset_password(session, PASSWORD, "onlyletters")
    assert jane.password == PASSWORD


async def test_index_info_for_the_whole_mailbox(session: AccountSession, jane: FakeAccount) -> None:
    info = await account.get_info(session)
    indexes = await account.get_index_info(
        session, [IndexId.CONVERSATION, IndexId.SEARCH], info.folder_container_id
    )
    assert [index.id for index in indexes] == [IndexId.CONVERSATION, IndexId.SEARCH]
    assert indexes[0].state is IndexState.UPTODATE
    assert indexes[0].progress == 1.0


async def test_index_info_for_an_unknown_scope_is_refused(session: AccountSession) -> None:
    with pytest.raises((BadRequestError, NotFoundError)):
        await account.get_index_info(session, ["conversation"], "no-such-folder")


async def test_a_bearer_token_logs_in_too(
    client: AxigenClient, fake_axigen: FakeAxigen, jane: FakeAccount
) -> None:
    from axigen_async import BearerAuth

    fake_axigen.add_token("opaque-token-1", EMAIL)
    async with client.session(BearerAuth("opaque-token-1")) as s:
        assert (await account.get_info(s)).email == EMAIL


async def test_a_new_basic_session_sees_changes_made_by_another(
    client: AxigenClient, session: AccountSession
) -> None:
    await account.update_contact_info(session, ContactInfo(first_name="Changed"))
    async with client.session(BasicAuth(EMAIL, PASSWORD)) as other:
        assert (await account.get_contact_info(other)).first_name == "Changed"
