"""Mediation structures, their mediators, mandates, and kiosk terminals.

A mandate lets a mediator of an organisation act for one resident, for the scopes written on it,
between two dates (at most ``MANDATE_MAX_DAYS``), once the resident has confirmed it, and until it
is revoked. A resident with an email address confirms what was emailed to them (a one-time code
the mediator types in with them, or a link they open): until then there is only a
``MandateRequest``, which never tells the mediator whether the address has an account. A resident
without one signs the printed notice, and is shown the mandate the next time they sign in or meet
a mediator. The notice the resident was shown is stored with its SHA-256, so the paper they signed
and the record can be compared word for word.

A kiosk terminal is a shared browser a member of staff has activated: it carries a signed cookie
holding a random token, of which only the SHA-256 is stored here.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from civic.actors import Ref

# A mandate is time-limited: a year at most, renewed in person after.
MANDATE_MAX_DAYS = 366
# The emailed confirmation link works this long.
CONFIRMATION_LINK_DAYS = 7
# The emailed one-time code works this long, for this many tries, for the mediator beside the
# resident: 8 digits, 5 tries, 30 minutes leave a guesser one chance in 20 million.
CODE_DIGITS = 8
CODE_MINUTES = 30
CODE_ATTEMPTS = 5
# A request can be sent again (a new code and link, the old ones dead) this many times.
REQUEST_SENDS = 3
# A mediator asks this many residents a day at most (each one gets an email).
REQUESTS_PER_DAY = 40


def sha256_text(text: str) -> str:
    """SHA-256 of a text as shown: NFC, Unix newlines, stripped (the same on paper and on file)."""
    normal = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def code_hash(request_id: uuid.UUID, code: str) -> str:
    """Keyed with the site's secret: a leaked table does not give its short codes away."""
    return salted_hmac(
        "assist.mandate-code", f"{request_id}:{code}", algorithm="sha256"
    ).hexdigest()


class Organisation(models.Model):
    """A mediation structure: a France Services office, a social centre, an association."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # Shown on the kiosks' "get help" page, as written (one line a day or slot).
    opening_hours = models.TextField(
        _("opening hours"),
        blank=True,
        help_text=_("As residents read them, one line each: “Monday to Friday, 9:00 to 12:00”."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mediation organisation")
        verbose_name_plural = _("mediation organisations")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A mediator's membership of an organisation: they act for its residents while active."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        on_delete=models.CASCADE,
        related_name="mediator_memberships",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("since"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["organisation", "id"]
        verbose_name = _("mediator membership")
        verbose_name_plural = _("mediator memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="assist_one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} #{self.pk}"


class Mandate(models.Model):
    """A resident's written, scoped, time-limited permission for an organisation to act."""

    class Confirmation(models.TextChoices):
        PAPER = "paper", _("Signed paper form")
        EMAIL = "email", _("Link sent by email")
        CODE = "code", _("Code sent by email")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the resident's confirmation")
        ACTIVE = "active", _("Current")
        SCHEDULED = "scheduled", _("Not started yet")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="mandates",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Codes of civic.registry.mandate_scopes() (a JSON list: apps extend the set, not migrations).
    scopes = models.JSONField(_("scopes"), default=list)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    notice_version = models.PositiveSmallIntegerField(_("notice version"))
    notice_language = models.CharField(_("notice language"), max_length=8)
    notice_text = models.TextField(_("notice shown to the resident"))
    notice_sha256 = models.CharField(_("notice SHA-256"), max_length=64)
    confirmation = models.CharField(_("confirmed by"), max_length=10, choices=Confirmation.choices)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # When the resident saw the mandate themselves: emailed, shown after they signed in, or shown
    # by a mediator. Until then a paper mandate is put in front of them (banner, mediator's page).
    resident_informed_at = models.DateTimeField(_("shown to the resident"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who revoked, as the resident sees it: "resident", "mediator" or "staff".
    revoked_by_role = models.CharField(_("revoked as"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        permissions = [("act_for_resident", "Can act for a resident under a mandate")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="assist_mandate_dates"
            )
        ]
        indexes = [models.Index(fields=["organisation", "ends_at"])]

    def __str__(self) -> str:
        return _("mandate no. %(id)s") % {"id": self.pk}

    def status(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.ends_at <= now:
            return self.Status.EXPIRED
        if self.confirmed_at is None:
            return self.Status.PENDING
        if self.starts_at > now:
            return self.Status.SCHEDULED
        return self.Status.ACTIVE

    def get_status_display(self) -> Any:
        return self.Status(self.status()).label

    def is_current(self, now: datetime | None = None) -> bool:
        """Confirmed, started, not ended, not revoked: the only state in which it acts."""
        return self.status(now) == self.Status.ACTIVE

    def allows(self, scope: str, now: datetime | None = None) -> bool:
        return self.is_current(now) and scope in self.scopes

    def scope_list(self) -> list[Any]:
        """The scopes as the resident reads them (labels and descriptions, in the page language)."""
        return scope_list(self.scopes)

    def is_over(self) -> bool:
        return self.status() in (self.Status.REVOKED, self.Status.EXPIRED)

    def to_tell(self) -> bool:
        """Still to be shown to the resident, who has not seen it on their own screen yet."""
        return self.resident_informed_at is None and not self.is_over()

    def as_ref(self) -> Ref:
        """How journals name it: the organisation, never the mediator."""
        return Ref(type="assist.mandate", id=str(self.pk), label=self.organisation.name)


def scope_list(codes: list[str]) -> list[Any]:
    from civic.registry import mandate_scope

    return [found for code in codes if (found := mandate_scope(code)) is not None]


class MandateRequest(models.Model):
    """A mandate asked of the holder of an email address, waiting for them to confirm.

    The mediator sees the same request whether or not the address has an account (``resident``
    is then empty and no email leaves): its id in the address is random, and its code can only
    be the one emailed. Confirming it, by the code or the link, records the ``Mandate``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Never shown to the mediator: empty when the address has no account that can give one.
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mandate_requests",
    )
    scopes = models.JSONField(_("scopes"), default=list)
    days = models.PositiveSmallIntegerField(_("days"))
    # The dates the notice states: confirming later does not move them.
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends"))
    notice_version = models.PositiveSmallIntegerField(_("notice version"), default=0)
    notice_language = models.CharField(_("notice language"), max_length=8, blank=True)
    notice_text = models.TextField(_("notice shown to the resident"), blank=True)
    code_hash = models.CharField(max_length=64, editable=False)
    code_expires_at = models.DateTimeField(_("code valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong codes typed"), default=0)
    link_hash = models.CharField(max_length=64, editable=False)
    link_expires_at = models.DateTimeField(_("link valid until"))
    sends = models.PositiveSmallIntegerField(_("times sent"), default=1)
    mandate = models.OneToOneField(
        Mandate,
        verbose_name=_("mandate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mandate request")
        verbose_name_plural = _("mandate requests")

    def __str__(self) -> str:
        return _("mandate request of %(when)s") % {"when": self.created_at.date()}

    def is_open(self) -> bool:
        return self.mandate_id is None and self.cancelled_at is None

    def code_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.is_open()
            and self.attempts < CODE_ATTEMPTS
            and self.code_expires_at > now
            and self.ends_at > now
        )

    def code_matches(self, code: str) -> bool:
        return constant_time_compare(self.code_hash, code_hash(self.id, code))

    def link_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.is_open()
            and self.resident_id is not None
            and self.link_expires_at > now
            and self.ends_at > now
        )

    def scope_list(self) -> list[Any]:
        return scope_list(self.scopes)


class KioskTerminal(models.Model):
    """A shared touch screen in a public place, recognised by a signed cookie on its browser."""

    name = models.CharField(_("name"), max_length=120)
    location = models.CharField(_("location"), max_length=255)
    district = models.ForeignKey(
        "civic.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # SHA-256 of the device token; empty until activated. A new activation replaces it.
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kiosk terminal")
        verbose_name_plural = _("kiosk terminals")

    def __str__(self) -> str:
        return self.name

    def as_ref(self) -> Ref:
        return Ref(type="assist.kioskterminal", id=str(self.pk), label=f"{self.name}")

    def matches(self, token: str) -> bool:
        return bool(self.token_hash) and secrets.compare_digest(self.token_hash, token_hash(token))


# A resident without a password opens My data at a kiosk with a one-time code: emailed to them, or
# printed by a mediator who holds a mandate from them. 8 digits, 5 tries, 15 minutes, used once.
KIOSK_CODE_MINUTES = 15
KIOSK_CODE_ATTEMPTS = 5
# The reference printed with the code (or the email address) says which code is being tried.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 6


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def kiosk_code_hash(code_id: uuid.UUID, code: str) -> str:
    return salted_hmac("assist.kiosk-code", f"{code_id}:{code}", algorithm="sha256").hexdigest()


class KioskCode(models.Model):
    """A one-time code that opens one resident's My data, and only that, at one kiosk."""

    class Delivery(models.TextChoices):
        EMAIL = "email", _("Sent by email")
        PRINTED = "printed", _("Printed by a mediator")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="kiosk_codes",
    )
    reference = models.CharField(_("reference"), max_length=REFERENCE_LENGTH, db_index=True)
    code_hash = models.CharField(max_length=64, editable=False)
    delivery = models.CharField(_("delivered"), max_length=10, choices=Delivery.choices)
    # The mandate under which a mediator printed it (the organisation is named, not the person).
    mandate = models.ForeignKey(
        Mandate,
        verbose_name=_("mandate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("valid until"))
    attempts = models.PositiveSmallIntegerField(_("wrong codes typed"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_on = models.ForeignKey(
        KioskTerminal,
        verbose_name=_("used on"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("kiosk code")
        verbose_name_plural = _("kiosk codes")

    def __str__(self) -> str:
        return self.reference

    def usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.used_at is None
            and self.attempts < KIOSK_CODE_ATTEMPTS
            and self.expires_at > now
            and self.user.is_active
        )

    def matches(self, code: str) -> bool:
        return constant_time_compare(self.code_hash, kiosk_code_hash(self.id, code))
