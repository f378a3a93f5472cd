"""The apply operation for one account: read the current state, diff it, write what differs.

Responsibility: for one account's session and its wanted settings, compute the
changes (vacation merged over the current one, signatures ensured by name, contact
info merged over the current one, temporary aliases created up to a minimum within
the account's limit) and, unless it is a dry run, make exactly those; announce each
create (``before_write``, which journals it durably) before it is sent, and keep it as
the write in flight until answered, so a stopped or killed run knows it.
Must not: re-send a create (the library never does), create anything after a create
whose outcome is unknown, write a signature whose name is ambiguous (present more
than once), delete a temporary alias, or send a create the account's restrictions
refuse (that is a restriction, reported, not a conflict needing review).

Changed fields are named as in the SPEC (``applyAlways``, ``firstName``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from axigen_async import AccountSession
from axigen_async.api import account
from axigen_async.bulk import is_connect_error
from axigen_async.cli._spec import CONTACT_FIELDS, VACATION_FIELDS, AccountSpec, Spec
from axigen_async.cli._stop import StopControl, StoppedBySignal
from axigen_async.models.account import (
    AccountInfo,
    NewSignature,
    SignatureSummary,
    SignatureUpdate,
)


@attrs.frozen
class Change:
    """One write (or, in a dry run, one planned write).

    ``kind`` is vacation, contactInfo, signature.create, signature.update or
    temporaryAlias.create.
    """

    kind: str
    #: The changed fields, the signature's name, or the new temporary alias's address
    #: ("1 of 2" in a dry run, where the server has not picked one).
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "detail": self.detail}


@attrs.frozen
class ApplyResult:
    """What was done to one account (or would be, in a dry run)."""

    changes: tuple[Change, ...] = ()
    #: What needs a human (a signature name present twice): the account needs review.
    conflicts: tuple[str, ...] = ()
    #: What the account's restrictions refuse: reported, but nothing to review.
    restricted: tuple[str, ...] = ()


@attrs.frozen
class InFlight:
    """A create sent (or about to be) and not yet answered; ``sent_at`` is POSIX time."""

    change: Change
    sent_at: float


#: Called with the account's address and a create before it is sent; returns once the
#: intent is durable.
BeforeWrite = Callable[[str, InFlight], Awaitable[None]]

#: Model field -> the SPEC's (the documentation's) field name.
_SPEC_NAMES: Mapping[str, str] = {
    **{model: wire for wire, (model, _check) in VACATION_FIELDS.items()},
    **{model: wire for wire, model in CONTACT_FIELDS.items()},
}


class PartialApplyError(Exception):
    """An account failed part-way; ``changes`` were made before ``error``.

    ``in_flight`` is the create that was sent and not answered, if any.
    """

    def __init__(
        self, error: Exception, changes: tuple[Change, ...], in_flight: InFlight | None = None
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.changes = changes
        self.in_flight = in_flight


class Interrupted(Exception):
    """The run was stopped by a signal before or while this account ran."""

    def __init__(self, changes: tuple[Change, ...], in_flight: InFlight | None) -> None:
        super().__init__("stopped by a signal")
        self.changes = changes
        self.in_flight = in_flight


def is_server_down(error: BaseException) -> bool:
    """The fan-out's server-down test for the apply operation, which wraps every failure.

    True when the failure inside a :class:`PartialApplyError` could not connect.
    """
    return is_connect_error(error.error if isinstance(error, PartialApplyError) else error)


def _changed_fields(current: object, target: object, names: list[str]) -> str:
    changed = [name for name in names if getattr(current, name) != getattr(target, name)]
    return ", ".join(sorted(_SPEC_NAMES.get(name, name) for name in changed))


class _Applier:
    """One account's run: the writes it made so far, for a partial failure's report."""

    def __init__(
        self,
        session: AccountSession,
        wanted: AccountSpec,
        dry_run: bool,
        before_write: BeforeWrite | None = None,
    ) -> None:
        self.session = session
        self.wanted = wanted
        self.dry_run = dry_run
        self.before_write = before_write
        self.made: list[Change] = []
        self.conflicts: list[str] = []
        self.restricted: list[str] = []
        self.in_flight: InFlight | None = None

    async def _announce(self, change: Change) -> None:
        """Make the create about to be sent known (durably) before it is sent."""
        self.in_flight = InFlight(change, time.time())
        if self.before_write is not None:
            await self.before_write(self.session.label, self.in_flight)

    async def run(self) -> ApplyResult:
        if self.wanted.vacation is not None:
            await self._vacation(self.wanted.vacation)
        if self.wanted.signatures is not None:
            await self._signatures(self.wanted.signatures)
        if self.wanted.contact is not None:
            await self._contact(self.wanted.contact)
        if self.wanted.temporary_aliases_minimum is not None:
            await self._temporary_aliases(self.wanted.temporary_aliases_minimum)
        return ApplyResult(tuple(self.made), tuple(self.conflicts), tuple(self.restricted))

    async def _vacation(self, fields: dict[str, Any] | Any) -> None:
        current = await account.get_vacation(self.session)
        target = attrs.evolve(current, **fields)
        if target == current:
            return
        if not self.dry_run:
            await account.set_vacation(self.session, target)
        self.made.append(Change("vacation", _changed_fields(current, target, list(fields))))

    async def _signatures(self, wanted: tuple[NewSignature, ...]) -> None:
        listed = await account.list_signatures(self.session)
        for signature in wanted:
            matches = [item for item in listed if item.name == signature.name]
            if len(matches) > 1:
                self.conflicts.append(
                    f"signature {signature.name!r} exists {len(matches)} times; left untouched"
                )
            elif not matches:
                change = Change("signature.create", signature.name)
                if not self.dry_run:
                    await self._announce(change)
                    await account.create_signature(self.session, signature)
                    self.in_flight = None
                self.made.append(change)
            else:
                await self._update_signature(matches[0], signature)

    async def _update_signature(self, present: SignatureSummary, wanted: NewSignature) -> None:
        current = await account.get_signature(self.session, present.id)
        update = SignatureUpdate(
            type=wanted.type if current.type != wanted.type else None,
            body=wanted.body if current.body != wanted.body else None,
        )
        if update.type is None and update.body is None:
            return
        if not self.dry_run:
            await account.update_signature(self.session, present.id, update)
        self.made.append(Change("signature.update", wanted.name))

    async def _contact(self, fields: dict[str, str] | Any) -> None:
        current = await account.get_contact_info(self.session)
        # The PUT blanks every field it is not sent: merge over the current values.
        target = attrs.evolve(current, **fields)
        if target == current:
            return
        if not self.dry_run:
            await account.update_contact_info(self.session, target)
        self.made.append(Change("contactInfo", _changed_fields(current, target, list(fields))))

    async def _temporary_aliases(self, minimum: int) -> None:
        if minimum == 0:
            return  # nothing can be missing: no read needed
        present = len(await account.list_temporary_aliases(self.session))
        missing = minimum - present
        if missing <= 0:
            return
        refusal = _temporary_alias_refusal(await account.get_info(self.session), minimum, present)
        if refusal is not None:
            self.restricted.append(refusal)
            return
        # One at a time: an AmbiguousWriteError (or any failure) ends the account
        # there, so nothing is created after a create whose outcome is unknown.
        for number in range(1, missing + 1):
            if self.dry_run:
                detail = f"{number} of {missing}"
            else:
                await self._announce(Change("temporaryAlias.create", f"{number} of {missing}"))
                detail = (await account.create_temporary_alias(self.session)).email_address
                self.in_flight = None
            self.made.append(Change("temporaryAlias.create", detail))


def _temporary_alias_refusal(info: AccountInfo, minimum: int, present: int) -> str | None:
    """The conflict to report instead of creates the server would refuse (403), if any."""
    limits = info.restrictions.temporary_aliases
    wanted = f"temporary aliases: wanted at least {minimum}, has {present}"
    if not limits.enabled:
        return f"{wanted}, but the feature is disabled for this account; none created"
    if minimum > limits.max_number_of_aliases:
        most = limits.max_number_of_aliases
        return f"{wanted}, but the account allows at most {most}; none created"
    return None


def make_operation(
    spec: Spec,
    *,
    dry_run: bool,
    before_write: BeforeWrite | None = None,
    control: StopControl | None = None,
) -> Callable[[AccountSession], Awaitable[ApplyResult]]:
    """The ``fan_out`` operation; ``fan_out`` labels each session with its email.

    The operation raises :class:`PartialApplyError` wrapping the failure, and
    :class:`Interrupted` when ``control`` is stopping before it starts or its stop
    cancelled it.
    """

    async def apply_account(session: AccountSession) -> ApplyResult:
        if control is not None and control.stopping:
            raise Interrupted((), None)
        applier = _Applier(session, spec.for_account(session.label), dry_run, before_write)
        try:
            if control is None:
                return await applier.run()
            return await control.run(applier.run())
        except StoppedBySignal:
            raise Interrupted(tuple(applier.made), applier.in_flight) from None
        except Exception as error:
            raise PartialApplyError(error, tuple(applier.made), applier.in_flight) from error

    return apply_account
