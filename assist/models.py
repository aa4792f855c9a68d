"""Mediation structures, their mediators, mandates, and kiosk terminals.

A mandate lets a mediator of an organisation act for one resident, for the scopes written on it,
between two dates (at most ``MANDATE_MAX_DAYS``), once the resident has confirmed it — by signing
the printed notice or by following a link emailed to them — and until it is revoked. The notice
the resident was shown is stored with its SHA-256, so the paper they signed and the record can be
compared word for word.

A kiosk terminal is a shared browser a member of staff has activated: it carries a signed cookie
holding a random token, of which only the SHA-256 is stored here.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.actors import Ref

# A mandate is time-limited: a year at most, renewed in person after.
MANDATE_MAX_DAYS = 366
# The emailed confirmation link works this long.
CONFIRMATION_LINK_DAYS = 7


def sha256_text(text: str) -> str:
    """SHA-256 of a text as shown: NFC, Unix newlines, stripped (the same on paper and on file)."""
    normal = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return hashlib.sha256(normal.encode()).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


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
    confirmation_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    confirmation_sent_at = models.DateTimeField(_("link sent"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
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

    def confirmation_link_valid(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.confirmation == self.Confirmation.EMAIL
            and self.confirmed_at is None
            and self.revoked_at is None
            and bool(self.confirmation_token_hash)
            and self.confirmation_sent_at is not None
            and self.confirmation_sent_at + timedelta(days=CONFIRMATION_LINK_DAYS) > now
            and self.ends_at > now
        )

    def scope_list(self) -> list[Any]:
        """The scopes as the resident reads them (labels and descriptions, in the page language)."""
        from civic.registry import mandate_scope

        return [found for code in self.scopes if (found := mandate_scope(code)) is not None]

    def as_ref(self) -> Ref:
        """How journals name it: the organisation, never the mediator."""
        return Ref(type="assist.mandate", id=str(self.pk), label=self.organisation.name)


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
