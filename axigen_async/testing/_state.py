"""Mutable account state of the fake Axigen server, and the rules that guard it.

Responsibility: the plain data classes a test reads and changes (``FakeAccount`` and its
parts), UTC timestamp parsing and formatting in wire form, and the pure validation rules
(password content policy, request-body checks). Every rule failure raises ``ApiError``.

Must not: import aiohttp or do any I/O, import anything from ``axigen_async`` outside
``axigen_async.testing``, or know about HTTP routing.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

ALIAS_TYPES: Final = ("mainAddress", "accountAlias", "domainAlias", "accountAndDomainAlias")
SIGNATURE_TYPES: Final = ("html", "text")
TWO_FACTOR_STATUSES: Final = ("disabled", "enabled", "mandatory")
MUST_INCLUDE_VALUES: Final = ("letters", "lettersAndNumbers", "lettersAndNumbersAndSpecial")
INDEX_IDS: Final = ("conversation", "sort", "search")
INDEX_STATES: Final = ("uptodate", "initialized", "uninitialized", "unavailable")
CONTACT_FIELDS: Final = (
    "title",
    "firstName",
    "middleName",
    "lastName",
    "suffix",
    "personalEmailAddress",
)

_TIMESTAMP_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)")


class ApiError(Exception):
    """A wire error: the server answers ``status`` with ``{"error": {"code", "message"}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})


def bad_request(message: str, code: str = "invalidParameter") -> ApiError:
    """A 400 error with the given message."""
    return ApiError(400, code, message)


# -- timestamps -------------------------------------------------------------------------------


def format_timestamp(value: datetime | None) -> str:
    """Wire form of a UTC timestamp (``2026-12-01T09:30:00Z``), or ``""`` when unset."""
    if value is None:
        return ""
    utc = value.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"  # %Y does not pad years before 1000


def utc_from_timestamp(value: float) -> datetime:
    """An aware UTC datetime for a POSIX timestamp."""
    return datetime.fromtimestamp(value, UTC)


def parse_timestamp(text: str, name: str) -> datetime:
    """Parse an ISO-8601 UTC timestamp ending in ``Z`` or ``+00:00``; else a 400 error."""
    if not _TIMESTAMP_RE.fullmatch(text):
        raise bad_request(f"{name} must be an ISO-8601 UTC timestamp such as 2026-12-01T09:30:00Z")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} is not a valid date and time") from None


# -- state classes ----------------------------------------------------------------------------


@dataclass(slots=True)
class FakeContactInfo:
    """The six contact-information strings (``""`` when unset)."""

    title: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    suffix: str = ""
    personal_email_address: str = ""


@dataclass(slots=True)
class FakeAlias:
    """A permanent alias; ``type`` is one of ``ALIAS_TYPES`` other than ``mainAddress``."""

    email_address: str
    type: str = "accountAlias"


@dataclass(slots=True)
class FakeTemporaryAlias:
    """A temporary alias with its opaque id and UTC expiry."""

    id: str
    email_address: str
    expire_date: datetime


@dataclass(slots=True)
class FakeSignature:
    """A signature; ``type`` is ``"html"`` or ``"text"``."""

    id: str
    name: str
    type: str
    body: str


@dataclass(slots=True)
class FakeAvatar:
    """The avatar image bytes and their content type."""

    data: bytes = field(repr=False)
    content_type: str = "image/png"


@dataclass(slots=True)
class FakeVacation:
    """Vacation auto-reply settings; times are ``None`` when unset."""

    age: int = 1
    apply_always: bool = True
    apply_to_external: bool = True
    apply_to_internal: bool = True
    body: str = ""
    enabled: bool = False
    start_time: datetime | None = None
    end_time: datetime | None = None
    subject: str = ""


@dataclass(slots=True, eq=False)
class FakeAccount:
    """Everything the fake knows about one account. Mutate fields freely in tests.

    Quotas are in KB. Dates are aware UTC ``datetime`` values or ``None``. ``aliases``
    lists the permanent aliases other than the main address, which is always listed first.
    The password never appears in ``repr``. Assigning any field invalidates the cached
    info document; method lists are tuples so that changing them is an assignment.
    """

    email: str
    password: str = field(repr=False)
    full_name: str = ""
    account_class: str = "default"
    total_quota: int = 1_048_576
    used_quota: int = 0
    total_message_count: int = 100_000
    used_message_count: int = 0
    over_quota_threshold: int = 90
    is_first_api_login: bool = True
    allow_conversation_view: bool = True
    autopurge_spam: bool = False
    autopurge_trash: bool = False
    autopurge_interval: int = 30
    two_factor_auth_configured: bool = False
    must_change_password: bool = False
    content_policy_enabled: bool = False
    content_policy_min_length: int = 8
    content_policy_max_length: int = 64
    content_policy_must_include: str = "letters"
    history_enabled: bool = False
    history_size: int = 0
    allow_change_by_user: bool = True
    renewal_interval_enabled: bool = False
    renewal_interval: int = 0
    password_expiration_enabled: bool = False
    password_expiration_date: datetime | None = None
    password_expiration_warning_interval: int = 7
    temporary_aliases_enabled: bool = True
    max_number_of_aliases: int = 10
    security_methods_mandatory: bool = False
    security_methods_alternate_email_address: bool = True
    security_methods_phone_number: bool = True
    security_methods_update_date: datetime | None = None
    security_methods_update_warning_interval: int = 7
    two_factor_auth_status: str = "disabled"
    two_factor_auth_methods: tuple[str, ...] = ("email", "sms", "authApp")
    username_recovery_methods: tuple[str, ...] = ("email",)
    password_recovery_methods: tuple[str, ...] = ("email", "sms")
    contact_info: FakeContactInfo = field(default_factory=FakeContactInfo)
    aliases: list[FakeAlias] = field(default_factory=list)
    temporary_aliases: list[FakeTemporaryAlias] = field(default_factory=list)
    signatures: dict[str, FakeSignature] = field(default_factory=dict)
    avatar: FakeAvatar | None = None
    vacation: FakeVacation = field(default_factory=FakeVacation)
    folder_container_id: str = ""
    folder_ids: list[str] = field(default_factory=list)
    index_states: dict[str, str] = field(
        default_factory=lambda: {
            "conversation": "uptodate",
            "sort": "initialized",
            "search": "initialized",
        }
    )
    info_cache: tuple[int, bytes] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.folder_container_id:
            self.folder_container_id = f"container-{self.email}"
        if not self.folder_ids:
            self.folder_ids = [f"{self.folder_container_id}/{name}" for name in _FOLDERS]

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "info_cache":
            object.__setattr__(self, "info_cache", None)

    @property
    def account_name(self) -> str:
        """The local part of the email address."""
        return self.email.partition("@")[0]

    @property
    def domain_name(self) -> str:
        """The domain of the email address."""
        return self.email.partition("@")[2]


_FOLDERS: Final = ("inbox", "sent", "drafts", "trash", "spam")
ACCOUNT_FIELDS: Final = frozenset(
    f.name for f in dataclasses.fields(FakeAccount) if f.init and f.name not in {"email"}
)


# -- rules ------------------------------------------------------------------------------------


def check_password_policy(account: FakeAccount, password: str) -> None:
    """Enforce the account's content policy on ``password`` (when enabled); else a 400."""
    if not account.content_policy_enabled:
        return
    if len(password) < account.content_policy_min_length:
        raise bad_request(
            f"the new password breaks contentPolicy.minLength: at least "
            f"{account.content_policy_min_length} characters are required",
            "passwordTooShort",
        )
    if len(password) > account.content_policy_max_length:
        raise bad_request(
            f"the new password breaks contentPolicy.maxLength: at most "
            f"{account.content_policy_max_length} characters are allowed",
            "passwordTooLong",
        )
    rule = account.content_policy_must_include
    has_letter = any(c.isalpha() for c in password)
    has_digit = any(c.isdigit() for c in password)
    has_special = any(not c.isalnum() for c in password)
    needs_digit = rule in {"lettersAndNumbers", "lettersAndNumbersAndSpecial"}
    needs_special = rule == "lettersAndNumbersAndSpecial"
    if not has_letter or (needs_digit and not has_digit) or (needs_special and not has_special):
        raise bad_request(
            f"the new password breaks contentPolicy.mustInclude={rule}",
            "passwordTooWeak",
        )


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # json.loads would accept NaN and Infinity


def decode_json(raw: bytes) -> object:
    """Decode a request body as strict UTF-8 JSON; else a 400 ``invalidJson``.

    Strict: no byte-order mark, no UTF-16 or UTF-32 (``json.loads`` of bytes would guess
    them), no ``NaN`` or ``Infinity``, no lone surrogate escape (``"\\ud800"`` is no
    character, and stored it would break every later answer). Nesting so deep that
    the parser runs out of recursion is a 400 too, not a crash.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the request body must be UTF-8", "invalidJson") from None
    try:
        decoded = json.loads(text, parse_constant=_reject_constant)
        json.dumps(decoded, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise bad_request("the request body is nested too deeply", "invalidJson") from None
    except UnicodeEncodeError:
        raise bad_request("the request body holds a lone surrogate", "invalidJson") from None
    except ValueError:  # JSONDecodeError, and integers longer than Python converts
        raise bad_request("the request body must be JSON", "invalidJson") from None
    return decoded


def check_object(
    body: object,
    *,
    required: Mapping[str, type],
    optional: Mapping[str, type] | None = None,
) -> dict[str, Any]:
    """Check a decoded JSON body: an object with exactly the allowed keys and types.

    ``bool`` is never accepted where ``int`` is asked, nor the reverse. Returns the body.
    """
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object", "invalidJson")
    allowed = dict(optional or {})
    allowed.update(required)
    for key in body:
        if key not in allowed:
            raise bad_request(f"unexpected parameter {key!r}", "unexpectedParameter")
    for key in required:
        if key not in body:
            raise bad_request(f"missing parameter {key!r}", "missingParameter")
    for key, value in body.items():
        expected = allowed[key]
        wrong_bool = isinstance(value, bool) and expected is not bool
        if wrong_bool or not isinstance(value, expected):
            raise bad_request(f"parameter {key!r} must be a JSON {_JSON_TYPE_NAMES[expected]}")
    return body


_JSON_TYPE_NAMES: Final[Mapping[type, str]] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    list: "array",
    dict: "object",
}
