"""Account Settings page of the fake Axigen server: state, rules and handlers.

Responsibility: the per-account mailbox preferences (``GET``/``PATCH
/api/v1/account/settings``) and the WebMail UI and client UI settings strings
(``/settings/ui``, ``/settings/client``, X5), validated strictly against the page and
answered in literal camelCase wire JSON.

Must not: authenticate, gate versions, count or inject faults (the server and
``_pages`` do that around every handler), or import anything from ``axigen_async``
outside ``axigen_async.testing``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

from ._handlers import empty_response, json_response, read_json
from ._pagebase import X5, PageRoute, PerAccount
from ._state import FakeAccount, bad_request, check_object

ARCHIVING_POLICIES: Final = ("none", "folderPerYear", "folderPerMonth", "subfolderPerMonth")
THEMES: Final = ("ocean", "breeze", "neutral")
CALENDAR_TYPES: Final = ("gregorian", "persian")
READ_RECEIPT_MODES: Final = ("ask", "always", "never")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LANGUAGES: Final = _words(
    "ar bg ca cs da de el en es et fa fi fr he hi hr hu id is it ja ko lt lv mk nl no pl pt "
    "ro ru sk sl sr sv th tr tk uk vi zh-cn zh-tw"
)
# As the page lists them, "M/D/YYY" included (a likely typo, but a value the page gives);
# dict.fromkeys drops the page's duplicates and keeps its order.
DATE_FORMATS: Final = tuple(
    dict.fromkeys(
        _words(
            "MM-DD-YYYY MM-DD-YY MM-D-YYYY MM-D-YY M-DD-YY M-D-YYYY M-D-YY MM/DD/YYYY MM/DD/YY "
            "MM/D/YYYY MM/D/YY M/DD/YYYY M/DD/YY M/D/YYY M/D/YY MM.DD.YYYY MM.DD.YY MM.D.YYYY "
            "MM.D.YY M.DD.YYYY M.D.YY DD-MM-YYYY DD-MM-YY DD-M-YYYY DD-M-YY D-MM-YYYY D-MM-YY "
            "D-M-YYYY D-M-YY DD/MM/YYYY DD/MM/YY DD/M/YYYY DD/M/YY D/MM/YYYY D/MM/YY D/M/YYYY "
            "D/M/YY DD.MM.YYYY DD.MM.YY DD.M.YY D.MM.YYYY D.MM.YY D.M.YYYY D.M.YY YYYY-MM-DD "
            "YYYY-MM-D YYYY-M-DD YYYY-M-D YY-MM-DD YY-MM-D YY-M-DD YY-M-D YYYY/MM/DD YYYY/MM/D "
            "YYYY/M/DD YYYY/M/D YY/MM/DD YY/MM/D YY/M/D YYYY.MM.DD YYYY.MM.D YYYY.M.DD YYYY.M.D "
            "YY.MM.DD YY.MM.D YY.M.DD YY.M.D"
        )
    )
)
# [INFERRED] The page writes the last two as h"h" mm"min"" inside its own quotes: the
# value is the text h"h" mm"min" (literal "h" and "min" quoted, date-picker style).
TIME_FORMATS: Final = (
    "h:mm A.M.",
    "hh:mm AM",
    "hh:mm A.M.",
    "h.mm AM",
    "h.mm A.M.",
    "hh.mm AM",
    "hh.mm A.M.",
    "h:mm",
    "hh:mm",
    "h.mm",
    "hh.mm",
    'h"h" mm"min"',
    'hh"h" mm"min"',
)
#: The documented limit of the UI and client settings strings, in UTF-8 bytes.
MAX_UI_SETTINGS_BYTES: Final = 8192
_MAX_TIMEZONE_LENGTH: Final = 64
# The page writes "hh:mm::ss" (a doubled colon); [INFERRED] the value is hh:mm:ss, 24-hour.
_TIME_RE: Final = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


@dataclass(slots=True)
class FakeReceipts:
    """The ``receipts`` object of the settings."""

    send_read_receipts: str = "ask"
    request_read_receipts: bool = False
    request_delivery_receipts: bool = False


@dataclass(slots=True)
class FakeSettings:
    """One account's Account Settings page state. Mutate fields freely in tests.

    ``working_days`` is the page's bit set (Sunday 1, Monday 2 ... Saturday 64); working
    times are ``"hh:mm:ss"`` strings as on the wire. ``ui_settings`` and
    ``client_settings`` are the X5 UI strings (``""`` when unset or deleted).
    """

    archiving_policy: str = "none"
    conversation_view: bool = True
    theme: str = "neutral"
    delete_to_trash: bool = True
    confirm_mail_delete: bool = True
    auto_add_recipients: bool = True
    purge_trash_on_logout: bool = False
    purge_spam_on_logout: bool = False
    body_html_filtering_level: int = 2
    language: str = "en"
    timezone: str = "UTC"
    date_format: str = "DD-MM-YYYY"
    time_format: str = "hh:mm"
    week_start_day: int = 1
    working_days: int = 62
    start_working_time: str = "09:00:00"
    end_working_time: str = "17:00:00"
    calendar_type: str = "gregorian"
    receipts: FakeReceipts = field(default_factory=FakeReceipts)
    ui_settings: str = ""
    client_settings: str = ""


def settings_document(settings: FakeSettings) -> dict[str, Any]:
    """The ``GET /api/v1/account/settings`` document."""
    s = settings
    return {
        "archivingPolicy": s.archiving_policy,
        "conversationView": s.conversation_view,
        "theme": s.theme,
        "deleteToTrash": s.delete_to_trash,
        "confirmMailDelete": s.confirm_mail_delete,
        "autoAddRecipients": s.auto_add_recipients,
        "purgeTrashOnLogout": s.purge_trash_on_logout,
        "purgeSpamOnLogout": s.purge_spam_on_logout,
        "bodyHtmlFilteringLevel": s.body_html_filtering_level,
        "language": s.language,
        "timezone": s.timezone,
        "dateFormat": s.date_format,
        "timeFormat": s.time_format,
        "weekStartDay": s.week_start_day,
        "workingDays": s.working_days,
        "startWorkingTime": s.start_working_time,
        "endWorkingTime": s.end_working_time,
        "calendarType": s.calendar_type,
        "receipts": {
            "sendReadReceipts": s.receipts.send_read_receipts,
            "requestReadReceipts": s.receipts.request_read_receipts,
            "requestDeliveryReceipts": s.receipts.request_delivery_receipts,
        },
    }


# -- rules ------------------------------------------------------------------------------------

Check = Callable[[str, object], object]


def _choice(values: tuple[str, ...]) -> Check:
    def check(name: str, value: object) -> object:
        if not isinstance(value, str):
            raise bad_request(f"parameter {name!r} must be a JSON string")
        if value not in values:
            raise bad_request(f"{name} is not one of the documented values")
        return value

    return check


def _boolean(name: str, value: object) -> object:
    if not isinstance(value, bool):
        raise bad_request(f"parameter {name!r} must be a JSON boolean")
    return value


def _integer(low: int, high: int) -> Check:
    def check(name: str, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(f"parameter {name!r} must be a JSON integer")
        if not low <= value <= high:
            raise bad_request(f"{name} must be from {low} to {high}")
        return value

    return check


def _time(name: str, value: object) -> object:
    if not isinstance(value, str):
        raise bad_request(f"parameter {name!r} must be a JSON string")
    if not _TIME_RE.fullmatch(value):
        raise bad_request(f"{name} must be a 24-hour time hh:mm:ss")
    return value


def _timezone(name: str, value: object) -> object:
    # [INFERRED] The page gives no list: any non-blank name up to 64 characters is kept.
    if not isinstance(value, str):
        raise bad_request(f"parameter {name!r} must be a JSON string")
    if not value.strip() or len(value) > _MAX_TIMEZONE_LENGTH:
        raise bad_request(f"{name} must be a time zone name of 1 to 64 characters")
    return value


# Wire name -> (FakeSettings attribute, check). GET answers weekStartDay, but the PATCH
# table names the field weekStartDays: [INFERRED] the same setting under a doc
# inconsistency, so both spellings are accepted (the same value if both are given).
_FIELDS: Final[Mapping[str, tuple[str, Check]]] = {
    "archivingPolicy": ("archiving_policy", _choice(ARCHIVING_POLICIES)),
    "conversationView": ("conversation_view", _boolean),
    "theme": ("theme", _choice(THEMES)),
    "deleteToTrash": ("delete_to_trash", _boolean),
    "confirmMailDelete": ("confirm_mail_delete", _boolean),
    "autoAddRecipients": ("auto_add_recipients", _boolean),
    "purgeTrashOnLogout": ("purge_trash_on_logout", _boolean),
    "purgeSpamOnLogout": ("purge_spam_on_logout", _boolean),
    "bodyHtmlFilteringLevel": ("body_html_filtering_level", _integer(0, 3)),
    "language": ("language", _choice(LANGUAGES)),
    "timezone": ("timezone", _timezone),
    "dateFormat": ("date_format", _choice(DATE_FORMATS)),
    "timeFormat": ("time_format", _choice(TIME_FORMATS)),
    "weekStartDay": ("week_start_day", _integer(0, 6)),
    "weekStartDays": ("week_start_day", _integer(0, 6)),
    "workingDays": ("working_days", _integer(1, 127)),
    "startWorkingTime": ("start_working_time", _time),
    "endWorkingTime": ("end_working_time", _time),
    "calendarType": ("calendar_type", _choice(CALENDAR_TYPES)),
}
_RECEIPT_FIELDS: Final[Mapping[str, tuple[str, Check]]] = {
    "sendReadReceipts": ("send_read_receipts", _choice(READ_RECEIPT_MODES)),
    "requestReadReceipts": ("request_read_receipts", _boolean),
    "requestDeliveryReceipts": ("request_delivery_receipts", _boolean),
}


def _checked(body: Mapping[str, object], table: Mapping[str, tuple[str, Check]]) -> dict[str, Any]:
    """Attribute -> value for every field of ``body``; any unknown or bad field is a 400."""
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name not in table:
            raise bad_request(f"unexpected parameter {name!r}", "unexpectedParameter")
        attribute, check = table[name]
        checked = check(name, value)
        if attribute in changes and changes[attribute] != checked:
            raise bad_request("weekStartDay and weekStartDays differ")
        changes[attribute] = checked
    return changes


def patch_changes(body: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate a settings PATCH body whole: (settings changes, receipts changes).

    Only the fields given change (``{}`` changes nothing). The page shows ``receipts`` as
    a nested object and lists ``receipts.sendReadReceipts`` etc. in its table;
    [INFERRED] the dotted names describe the nested fields, so only the object form is
    accepted, and it is partial too.
    """
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object", "invalidJson")
    top = {name: value for name, value in body.items() if name != "receipts"}
    changes = _checked(top, _FIELDS)
    receipts: dict[str, Any] = {}
    if "receipts" in body:
        nested = body["receipts"]
        if not isinstance(nested, dict):
            raise bad_request("parameter 'receipts' must be a JSON object")
        receipts = _checked(nested, _RECEIPT_FIELDS)
    return changes, receipts


# -- handlers ---------------------------------------------------------------------------------


@dataclass(slots=True)
class SettingsHandlers:
    """The Account Settings endpoints, over per-account ``FakeSettings``."""

    store: PerAccount[FakeSettings]

    def routes(self) -> list[PageRoute]:
        base = "/api/v1/account/settings"
        return [
            PageRoute("GET", base, self.get_settings),
            PageRoute("PATCH", base, self.patch_settings),
            PageRoute("GET", f"{base}/ui", self._get_text("uiSettings"), X5),
            PageRoute("POST", f"{base}/ui", self._set_text("uiSettings"), X5),
            PageRoute("DELETE", f"{base}/ui", self._delete_text("uiSettings"), X5),
            PageRoute("GET", f"{base}/client", self._get_text("clientSettings"), X5),
            PageRoute("POST", f"{base}/client", self._set_text("clientSettings"), X5),
            PageRoute("DELETE", f"{base}/client", self._delete_text("clientSettings"), X5),
        ]

    async def get_settings(self, request: web.Request, account: FakeAccount) -> web.Response:
        return json_response(settings_document(self.store.of(account)))

    async def patch_settings(self, request: web.Request, account: FakeAccount) -> web.Response:
        changes, receipt_changes = patch_changes(await read_json(request))
        settings = self.store.of(account)
        for attribute, value in changes.items():  # all checked first: a 400 changes nothing
            setattr(settings, attribute, value)
        for attribute, value in receipt_changes.items():
            setattr(settings.receipts, attribute, value)
        return empty_response()

    def _get_text(self, wire_name: str) -> Callable[..., Any]:
        attribute = _TEXT_ATTRIBUTES[wire_name]

        async def get_text(request: web.Request, account: FakeAccount) -> web.Response:
            return json_response({wire_name: getattr(self.store.of(account), attribute)})

        return get_text

    def _set_text(self, wire_name: str) -> Callable[..., Any]:
        attribute = _TEXT_ATTRIBUTES[wire_name]

        async def set_text(request: web.Request, account: FakeAccount) -> web.Response:
            body = check_object(await read_json(request), required={wire_name: str})
            if len(body[wire_name].encode("utf-8")) > MAX_UI_SETTINGS_BYTES:
                raise bad_request(
                    f"{wire_name} is longer than {MAX_UI_SETTINGS_BYTES} bytes", "valueTooLarge"
                )
            setattr(self.store.of(account), attribute, body[wire_name])
            return empty_response()

        return set_text

    def _delete_text(self, wire_name: str) -> Callable[..., Any]:
        attribute = _TEXT_ATTRIBUTES[wire_name]

        async def delete_text(request: web.Request, account: FakeAccount) -> web.Response:
            setattr(self.store.of(account), attribute, "")  # the page: reset to ""
            return empty_response()

        return delete_text


_TEXT_ATTRIBUTES: Final = {"uiSettings": "ui_settings", "clientSettings": "client_settings"}
