"""The apply SPEC file: JSON with the Axigen documentation's field names, checked up front.

Responsibility: read and validate the SPEC through explicit field tables (wire name,
model field, expected type) and answer, for one account, the wanted vacation fields,
signatures, contact fields and minimum number of temporary aliases, with its overrides
applied: an account's vacation and contact fields merge field by field over the
top-level ones, its signatures replace the top-level list, its temporaryAliases
replace the top-level one.
Must not: touch the network, or use the library's converter.

Times: the API keeps vacation times to the second, so a ``startTime`` or ``endTime``
with a fraction of a second is cut to its whole second (compared and sent so, never
rewritten on every run), and a window shorter than one second is refused here.

Naming: ``temporaryAliases`` is the name of the documentation's section and of the
``restrictions.temporaryAliases`` object of the account info; the documentation has
no request field for "how many", since a create takes no body and the server picks
the address, so ``minimum`` is this tool's own name, not Axigen's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from axigen_async.models.account import NewSignature, SignatureType


class SpecError(Exception):
    """The SPEC is not valid; the message names the offending key."""


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{where}: expected true or false, got {json.dumps(value)}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected a string, got {json.dumps(value)}")
    return value


def _days(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{where}: expected a positive whole number of days")
    return value


def _timestamp(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SpecError(f"{where}: expected an ISO 8601 timestamp such as 2025-07-01T00:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SpecError(f"{where}: {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise SpecError(f"{where}: {value!r} needs a time zone (such as Z or +02:00)")
    return parsed.astimezone(UTC)


#: The API's resolution of vacation times.
_SECOND = timedelta(seconds=1)


Check = Callable[[object, str], Any]

#: The vacation keys of the Axigen documentation -> (Vacation field, check).
VACATION_FIELDS: Mapping[str, tuple[str, Check]] = {
    "age": ("age", _days),
    "applyAlways": ("apply_always", _boolean),
    "applyToExternal": ("apply_to_external", _boolean),
    "applyToInternal": ("apply_to_internal", _boolean),
    "body": ("body", _text),
    "enabled": ("enabled", _boolean),
    "startTime": ("start_time", _timestamp),
    "endTime": ("end_time", _timestamp),
    "subject": ("subject", _text),
}

#: The contact-info keys -> ContactInfo field (all strings).
CONTACT_FIELDS: Mapping[str, str] = {
    "title": "title",
    "firstName": "first_name",
    "middleName": "middle_name",
    "lastName": "last_name",
    "suffix": "suffix",
    "personalEmailAddress": "personal_email_address",
}

SIGNATURE_KEYS = ("name", "type", "body")
#: The keys of ``temporaryAliases`` (``minimum`` is ours: Axigen names no such field).
TEMPORARY_ALIAS_KEYS = ("minimum",)
_SETTING_KEYS = ("vacation", "signatures", "contactInfo", "temporaryAliases")


@attrs.frozen
class AccountSpec:
    """What one account should look like; None means "leave it as it is"."""

    #: Vacation model fields to set (snake_case names).
    vacation: Mapping[str, Any] | None = None
    signatures: tuple[NewSignature, ...] | None = None
    #: ContactInfo model fields to set.
    contact: Mapping[str, str] | None = None
    #: The fewest temporary aliases the account should have (never deletes any).
    temporary_aliases_minimum: int | None = None

    def over(self, base: AccountSpec) -> AccountSpec:
        """This account's settings over ``base``, the top level.

        Vacation and contact fields merge field by field (this spec's win); this
        spec's signatures, when it has any, replace ``base``'s list as a whole, and
        its temporary alias minimum, when it has one, replaces ``base``'s.
        """
        return AccountSpec(
            vacation=_merged(base.vacation, self.vacation),
            signatures=self.signatures if self.signatures is not None else base.signatures,
            contact=_merged(base.contact, self.contact),
            temporary_aliases_minimum=(
                self.temporary_aliases_minimum
                if self.temporary_aliases_minimum is not None
                else base.temporary_aliases_minimum
            ),
        )


def _merged(
    base: Mapping[str, Any] | None, override: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    if base is None or override is None:
        return override if override is not None else base
    return {**base, **override}


@attrs.frozen
class Spec:
    default: AccountSpec
    #: Lower-cased email -> that account's overrides.
    overrides: Mapping[str, AccountSpec]
    #: The SPEC document as read (for the journal's fingerprint).
    document: object = None

    def for_account(self, email: str) -> AccountSpec:
        override = self.overrides.get(email.lower())
        return self.default if override is None else override.over(self.default)


def load_spec(path: str) -> Spec:
    """Read and check the SPEC file.

    Raises:
        SpecError: unreadable, not JSON, an unknown key, a wrong type or a bad timestamp.
    """
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except OSError as error:
        raise SpecError(f"{path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise SpecError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from None
    return parse_spec(document)


def parse_spec(document: object) -> Spec:
    """Check a decoded SPEC document (see :func:`load_spec`)."""
    if not isinstance(document, dict):
        raise SpecError("the SPEC must be a JSON object")
    _no_unknown(document, (*_SETTING_KEYS, "accounts"), "the SPEC")
    default = _account_spec(document, "")
    overrides: dict[str, AccountSpec] = {}
    accounts = document.get("accounts", {})
    if not isinstance(accounts, dict):
        raise SpecError("accounts: expected an object from email to settings")
    for email, settings in accounts.items():
        where = f"accounts.{email}"
        if "@" not in email:
            raise SpecError(f"{where}: the key must be an email address")
        if not isinstance(settings, dict):
            raise SpecError(f"{where}: expected an object")
        if email.lower() in overrides:
            raise SpecError(f"{where}: the address appears twice (case does not matter)")
        _no_unknown(settings, _SETTING_KEYS, where)
        override = _account_spec(settings, where + ".")
        if override.vacation is not None:
            merged = override.over(default).vacation
            assert merged is not None
            _check_times(merged, f"{where}.vacation (merged over the top-level vacation)")
        overrides[email.lower()] = override
    return Spec(default, overrides, document)


def _no_unknown(document: Mapping[str, object], known: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(document) - set(known))
    if unknown:
        raise SpecError(f"{where}: unknown keys {', '.join(unknown)} (allowed: {', '.join(known)})")


def _account_spec(document: Mapping[str, object], prefix: str) -> AccountSpec:
    vacation = document.get("vacation")
    signatures = document.get("signatures")
    contact = document.get("contactInfo")
    temporary = document.get("temporaryAliases")
    minimum = (
        None if temporary is None else _temporary_aliases(temporary, prefix + "temporaryAliases")
    )
    return AccountSpec(
        vacation=None if vacation is None else _vacation(vacation, prefix + "vacation"),
        signatures=None if signatures is None else _signatures(signatures, prefix + "signatures"),
        contact=None if contact is None else _contact(contact, prefix + "contactInfo"),
        temporary_aliases_minimum=minimum,
    )


def _vacation(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected an object")
    _no_unknown(value, tuple(VACATION_FIELDS), where)
    fields: dict[str, Any] = {}
    for key, raw in value.items():
        name, check = VACATION_FIELDS[key]
        fields[name] = check(raw, f"{where}.{key}")
    _check_times(fields, where)
    for name in ("start_time", "end_time"):
        if fields.get(name) is not None:
            fields[name] = fields[name].replace(microsecond=0)  # the API's resolution
    return fields


def _check_times(fields: Mapping[str, Any], where: str) -> None:
    start, end = fields.get("start_time"), fields.get("end_time")
    if start is not None and end is not None and end <= start:
        raise SpecError(f"{where}: endTime must be after startTime")
    if start is not None and end is not None and end - start < _SECOND:
        raise SpecError(
            f"{where}: the window from startTime to endTime is under one second, "
            "the API's resolution"
        )


def _signatures(value: object, where: str) -> tuple[NewSignature, ...]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list of {{name, type, body}} objects")
    found: list[NewSignature] = []
    names: set[str] = set()
    for position, item in enumerate(value):
        here = f"{where}[{position}]"
        if not isinstance(item, dict):
            raise SpecError(f"{here}: expected an object")
        _no_unknown(item, SIGNATURE_KEYS, here)
        missing = [key for key in SIGNATURE_KEYS if key not in item]
        if missing:
            raise SpecError(f"{here}: missing {', '.join(missing)}")
        name = _text(item["name"], f"{here}.name")
        if not name.strip():
            raise SpecError(f"{here}.name: must not be empty")
        if name in names:
            raise SpecError(f"{here}.name: {name!r} appears twice")
        names.add(name)
        kind = _text(item["type"], f"{here}.type")
        if kind not in ("html", "text"):
            raise SpecError(f"{here}.type: expected 'html' or 'text', got {kind!r}")
        body = _text(item["body"], f"{here}.body")
        found.append(NewSignature(name=name, type=SignatureType(kind), body=body))
    return tuple(found)


def _contact(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected an object")
    _no_unknown(value, tuple(CONTACT_FIELDS), where)
    return {CONTACT_FIELDS[key]: _text(raw, f"{where}.{key}") for key, raw in value.items()}


def _temporary_aliases(value: object, where: str) -> int:
    if not isinstance(value, dict):
        raise SpecError(f'{where}: expected an object such as {{"minimum": 1}}')
    _no_unknown(value, TEMPORARY_ALIAS_KEYS, where)
    if "minimum" not in value:
        raise SpecError(f"{where}: missing minimum")
    minimum = value["minimum"]
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise SpecError(
            f"{where}.minimum: expected a whole number of 0 or more, got {json.dumps(minimum)}"
        )
    return minimum
