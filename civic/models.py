from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from shapely.geometry import Point, shape
from shapely.prepared import prep


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra: Any) -> User:
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. A resident created by a mediator may have neither email nor password."""

    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    display_name = models.CharField(_("public name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    department = models.ForeignKey(
        "civic.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("For department agents: the service whose work they see."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email or _("resident #%(id)s") % {"id": self.pk}

    def clean(self) -> None:
        super().clean()
        self.email = self.email.lower() if self.email else None


class Department(models.Model):
    """A city service (roads, lighting, waste…), used by every domain."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


def validate_polygon(value: Any) -> None:
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    try:
        geometry = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ValidationError(
            _("The boundary is not valid GeoJSON: %(error)s"), params={"error": exc}
        ) from exc
    if geometry.is_empty or not geometry.is_valid:
        raise ValidationError(_("The boundary crosses itself or is empty."))


class District(models.Model):
    """A part of the city, with its boundary as a GeoJSON polygon in WGS84 (lon, lat)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    boundary = models.JSONField(_("boundary"), validators=[validate_polygon])
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def containing(cls, lat: float, lon: float) -> District | None:
        """The district whose boundary holds the point, or None outside the city."""
        version = cls.objects.aggregate(n=models.Count("id"), at=models.Max("updated_at"))
        point = Point(lon, lat)
        for district_id, geometry in _prepared_boundaries(version["n"], version["at"]):
            if geometry.covers(point):
                return cls.objects.get(pk=district_id)
        return None


@lru_cache(maxsize=4)
def _prepared_boundaries(count: int, updated_at: Any) -> list[tuple[int, Any]]:
    # Keyed on the table's version, so an edit in the admin is seen at the next lookup.
    return [
        (pk, prep(shape(boundary)))
        for pk, boundary in District.objects.values_list("id", "boundary")
    ]


class ApiClient(models.Model):
    """A machine client (Open311 app, partner, sensor gateway). Only the key's hash is stored."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)  # codes of civic.registry.api_scopes()
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "civic_" + secrets.token_urlsafe(32)

    def has_scope(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes


class Heartbeat(models.Model):
    """When a periodic job last ran: written by the worker for the beat-scheduled heartbeat."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class OutboxEmail(models.Model):
    """An email waiting to go out: written in the transaction that decided to send it.

    The task that sends it gets only this row's id (no address, body or private link travels
    through the broker). A broker down at commit time delays the email, never loses it: beat's
    sweep re-sends what is still pending. The row, which holds an address and a body, is deleted
    once the email is sent; one that keeps failing is marked failed and purged by retention.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        FAILED = "failed", _("Failed")

    to = models.JSONField(_("to"))
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    from_email = models.CharField(_("from"), max_length=254)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"email #{self.pk} ({self.state})"


class Address(models.Model):
    """A postal address of the local gazetteer, imported from the Base Adresse Nationale (BAN).

    Search reads the normalised keys (lower case, no accents, no punctuation) by prefix:
    ``street_key`` is the whole street name ("rue de la paix"), ``name_key`` the same without
    its type and articles ("paix"), so both "rue de la p…" and "paix" find it.
    """

    ban_id = models.CharField(_("BAN identifier"), max_length=64, unique=True)
    number = models.PositiveIntegerField(_("number"))
    rep = models.CharField(_("suffix"), max_length=16, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    insee_code = models.CharField(_("INSEE code"), max_length=5)
    commune = models.CharField(_("commune"), max_length=100)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    street_key = models.CharField(max_length=200, editable=False)
    name_key = models.CharField(max_length=200, editable=False)

    class Meta:
        ordering = ["street_key", "number", "rep"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [
            # varchar_pattern_ops lets PostgreSQL answer LIKE 'prefix%' from the index whatever
            # the database's collation (other backends ignore opclasses).
            models.Index(
                fields=["street_key"],
                name="civic_addr_street_key",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_key"], name="civic_addr_name_key", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["lat", "lon"], name="civic_addr_lat_lon"),
            # Per commune: the basemap asks whether the demo's commune is seeded on every tile.
            models.Index(fields=["insee_code"], name="civic_addr_insee"),
        ]

    def __str__(self) -> str:
        from civic.addresses import address_label

        return address_label(
            number=self.number,
            rep=self.rep,
            street=self.street,
            postcode=self.postcode,
            commune=self.commune,
        )
