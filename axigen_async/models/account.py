"""Values of the Account endpoints: frozen attrs classes with snake_case fields.

These classes know nothing of the wire: the converter maps ``accountName`` to
``account_name``, timestamps to aware UTC datetimes and lists to tuples. Fields
a server may leave out have defaults, so an older server still reads; fields a
newer server adds are ignored. The values a caller sends (contact info, a
vacation, a new or changed signature) check their fields on construction and
raise ``TypeError`` or ``ValueError``, so nothing the server would refuse is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import attrs

from axigen_async.models import _checks as check
from axigen_async.models._base import OpenEnum
from axigen_async.models.avatar import Avatar, AvatarUpload

__all__ = [
    "AccountInfo", "Alias", "AliasType", "Autopurge", "Avatar", "AvatarUpload", "ContactInfo",
    "ContentPolicy", "IndexId", "IndexInfo", "IndexState", "NewSignature", "PasswordCharacters",
    "PasswordExpiration", "PasswordHistory", "PasswordPolicy", "RecoveryMethod",
    "RenewalInterval", "Restrictions", "SecurityMethods", "SecurityPolicy",
    "SecurityUpdatePolicy", "Signature", "SignatureSummary", "SignatureType", "SignatureUpdate",
    "TemporaryAlias", "TemporaryAliasRestrictions", "TwoFactorAuthPolicy", "TwoFactorMethod",
    "TwoFactorStatus", "Vacation",
]  # fmt: skip


class AliasType(OpenEnum):
    MAIN_ADDRESS = "mainAddress"
    ACCOUNT_ALIAS = "accountAlias"
    DOMAIN_ALIAS = "domainAlias"
    ACCOUNT_AND_DOMAIN_ALIAS = "accountAndDomainAlias"


class SignatureType(OpenEnum):
    HTML = "html"
    TEXT = "text"


def _signature_type(value: SignatureType | Literal["html", "text"]) -> SignatureType:
    """The member for a signature type given as a member or as its wire string."""
    # Anything else passes unchanged, for the validator to refuse with a clear message.
    return SignatureType(value) if isinstance(value, str) else value


def _optional_signature_type(
    value: SignatureType | Literal["html", "text"] | None,
) -> SignatureType | None:
    return None if value is None else _signature_type(value)


def _listed_signature_type(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not (isinstance(value, SignatureType) and value.is_known):
        raise ValueError(
            f"a signature type must be SignatureType.HTML or .TEXT ('html' or 'text'), "
            f"got {value!r}"
        )


class IndexId(OpenEnum):
    CONVERSATION = "conversation"
    SORT = "sort"
    SEARCH = "search"


class IndexState(OpenEnum):
    UNINITIALIZED = "uninitialized"
    INITIALIZED = "initialized"
    UPTODATE = "uptodate"
    UNAVAILABLE = "unavailable"


class PasswordCharacters(OpenEnum):
    """The ``mustInclude`` rule of the password content policy."""

    LETTERS = "letters"
    LETTERS_AND_NUMBERS = "lettersAndNumbers"
    LETTERS_AND_NUMBERS_AND_SPECIAL = "lettersAndNumbersAndSpecial"


class TwoFactorStatus(OpenEnum):
    DISABLED = "disabled"
    ENABLED = "enabled"
    MANDATORY = "mandatory"


class TwoFactorMethod(OpenEnum):
    EMAIL = "email"
    SMS = "sms"
    AUTH_APP = "authApp"


class RecoveryMethod(OpenEnum):
    EMAIL = "email"
    SMS = "sms"


# --- info -------------------------------------------------------------------


@attrs.frozen
class Autopurge:
    spam: bool = False
    trash: bool = False
    #: Days between automatic purges of Spam and Trash.
    interval: int = 0


@attrs.frozen
class ContentPolicy:
    enabled: bool = False
    min_length: int = 0
    max_length: int = 0
    must_include: PasswordCharacters = PasswordCharacters.LETTERS


@attrs.frozen
class PasswordHistory:
    enabled: bool = False
    size: int = 0


@attrs.frozen
class RenewalInterval:
    enabled: bool = False
    #: Days that must pass between two password changes.
    interval: int = 0


@attrs.frozen
class PasswordExpiration:
    enabled: bool = False
    date: datetime | None = None
    #: Days before ``date`` when the user starts being warned.
    warning_interval: int = 0
    in_warning_interval: bool = False


@attrs.frozen
class PasswordPolicy:
    must_change_password: bool = False
    content_policy: ContentPolicy = ContentPolicy()
    history: PasswordHistory = PasswordHistory()
    allow_change_by_user: bool = True
    renewal_interval: RenewalInterval = RenewalInterval()
    expiration: PasswordExpiration = PasswordExpiration()


@attrs.frozen
class TemporaryAliasRestrictions:
    enabled: bool = False
    max_number_of_aliases: int = 0


@attrs.frozen
class SecurityUpdatePolicy:
    date: datetime | None = None
    warning_interval: int = 0
    in_warning_interval: bool = False


@attrs.frozen
class SecurityMethods:
    is_mandatory: bool = False
    alternate_email_address: bool = False
    phone_number: bool = False
    update_policy: SecurityUpdatePolicy = SecurityUpdatePolicy()


@attrs.frozen
class TwoFactorAuthPolicy:
    status: TwoFactorStatus = TwoFactorStatus.DISABLED
    methods: tuple[TwoFactorMethod, ...] = ()


@attrs.frozen
class SecurityPolicy:
    security_methods: SecurityMethods = SecurityMethods()
    two_factor_auth_policy: TwoFactorAuthPolicy = TwoFactorAuthPolicy()
    username_recovery_methods: tuple[RecoveryMethod, ...] = ()
    password_recovery_methods: tuple[RecoveryMethod, ...] = ()


@attrs.frozen
class Restrictions:
    password_policy: PasswordPolicy = PasswordPolicy()
    temporary_aliases: TemporaryAliasRestrictions = TemporaryAliasRestrictions()
    security_policy: SecurityPolicy = SecurityPolicy()


@attrs.frozen
class AccountInfo:
    """``GET /api/v1/account/info``. Quotas are in KB."""

    account_name: str
    domain_name: str
    folder_container_id: str
    full_name: str = ""
    account_class: str = ""
    total_message_count: int = 0
    used_message_count: int = 0
    remaining_message_count: int = 0
    total_quota: int = 0
    used_quota: int = 0
    remaining_quota: int = 0
    #: Quota use, in percent, from which the account gets notifications.
    over_quota_threshold: int = 0
    is_first_api_login: bool = False
    allow_conversation_view: bool = False
    autopurge: Autopurge = Autopurge()
    two_factor_auth_configured: bool = False
    restrictions: Restrictions = Restrictions()

    @property
    def email(self) -> str:
        """The account's address, ``account_name@domain_name``."""
        return f"{self.account_name}@{self.domain_name}"

    @property
    def quota_used_percent(self) -> float | None:
        """Quota use in percent, or None when the quota is unlimited (0)."""
        if self.total_quota <= 0:
            return None
        return 100.0 * self.used_quota / self.total_quota

    @property
    def over_quota_threshold_reached(self) -> bool:
        """Whether quota use is at or above ``over_quota_threshold``."""
        used = self.quota_used_percent
        return (
            used is not None
            and self.over_quota_threshold > 0
            and (used >= self.over_quota_threshold)
        )

    @property
    def two_factor_missing(self) -> bool:
        """Whether the policy makes 2-Step Verification mandatory but it is not configured."""
        status = self.restrictions.security_policy.two_factor_auth_policy.status
        return status == TwoFactorStatus.MANDATORY and not self.two_factor_auth_configured


# --- contact info, aliases ---------------------------------------------------


@attrs.frozen
class ContactInfo:
    """Contact details. Updating sends every field: the server blanks omitted ones."""

    title: str = attrs.field(default="", validator=check.text)
    first_name: str = attrs.field(default="", validator=check.text)
    middle_name: str = attrs.field(default="", validator=check.text)
    last_name: str = attrs.field(default="", validator=check.text)
    suffix: str = attrs.field(default="", validator=check.text)
    personal_email_address: str = attrs.field(default="", validator=check.text)


@attrs.frozen
class Alias:
    """A permanent address the account receives mail on."""

    email_address: str
    type: AliasType


@attrs.frozen
class TemporaryAlias:
    id: str
    email_address: str
    expire_date: datetime | None = None


# --- signatures --------------------------------------------------------------


@attrs.frozen
class SignatureSummary:
    """A signature as listed or just created: no body."""

    id: str
    name: str
    type: SignatureType


@attrs.frozen
class Signature:
    id: str
    name: str
    type: SignatureType
    body: str


@attrs.frozen
class NewSignature:
    """A signature to create.

    ``name`` must not be blank; ``type`` is ``SignatureType.HTML`` or ``.TEXT``, or
    its wire string ``"html"`` or ``"text"`` (kept as the member).
    """

    name: str = attrs.field(validator=check.visible_text)
    type: SignatureType = attrs.field(converter=_signature_type, validator=_listed_signature_type)
    body: str = attrs.field(validator=check.text)


@attrs.frozen
class SignatureUpdate:
    """A partial update: only the fields that are not None are changed.

    Each field that is set is checked as :class:`NewSignature` checks it.
    """

    name: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(check.visible_text)
    )
    type: SignatureType | None = attrs.field(
        default=None,
        converter=_optional_signature_type,
        validator=attrs.validators.optional(_listed_signature_type),
    )
    body: str | None = attrs.field(default=None, validator=attrs.validators.optional(check.text))


# --- vacation, index info (the avatar's are in models.avatar) ----------------------------


@attrs.frozen
class Vacation:
    """The vacation auto-reply.

    With ``apply_always`` False, replies go out only between ``start_time`` and
    ``end_time``, which must then be set. ``age`` is the number of days between
    two replies to the same sender and must not be 0. Field types and times
    (aware, with a UTC equivalent) are checked on construction; the rules the
    server applies to a whole update, by :meth:`as_sent`.
    """

    enabled: bool = attrs.field(validator=check.flag)
    age: int = attrs.field(validator=check.days)
    apply_always: bool = attrs.field(validator=check.flag)
    apply_to_external: bool = attrs.field(validator=check.flag)
    apply_to_internal: bool = attrs.field(validator=check.flag)
    body: str = attrs.field(validator=check.text)
    subject: str = attrs.field(default="", validator=check.text)
    start_time: datetime | None = attrs.field(default=None, validator=check.aware_time)
    end_time: datetime | None = attrs.field(default=None, validator=check.aware_time)

    def as_sent(self) -> Vacation:
        """This vacation as an update carries it (UTC, whole seconds), checked as the
        server checks an update.

        Raises:
            ValueError: ``age`` is under 1, or ``apply_always`` is False and the times
                are missing or ``end_time`` is not a second at least after ``start_time``.
        """
        if self.age < 1:
            raise ValueError(f"age must be a positive number of days, got {self.age!r}")
        start, end = (
            check.whole_utc_seconds(self.start_time),
            check.whole_utc_seconds(self.end_time),
        )
        if not self.apply_always:
            if start is None or end is None:
                raise ValueError("start_time and end_time are required when apply_always is False")
            # Compared as sent: two times within the same second would arrive equal.
            if end <= start:
                raise ValueError("end_time must be after start_time, by a second at least")
        return attrs.evolve(self, start_time=start, end_time=end)


@attrs.frozen
class IndexInfo:
    """The state of one index; ``progress`` runs from 0.0 to 1.0."""

    id: IndexId
    state: IndexState
    progress: float = 0.0
