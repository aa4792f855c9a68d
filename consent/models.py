"""Subjects, purposes, the consent ledger and the access log.

Journals (``AccessLog``, ``ConsentEvent``, ``JournalPurge``) are append-only twice over: their
manager, queryset and ``save``/``delete`` refuse changes, and database triggers (migration 0002)
refuse UPDATE and DELETE from any client. The one way to remove rows is
``consent.services.journal_purge``, which opens the trigger for its own transaction only and
records what it removed.

Journals refer to a pseudonymous ``Subject``, never to the user row, so erasure unlinks the
person (``Subject.user = NULL``) without rewriting history. The actor is stored the same way: a
subject (not a user foreign key, whose ``SET NULL`` on deletion would be an UPDATE the trigger
refuses), a role and a department label, and a typed reference for actors consent does not know
(a mediator's mandate, a kiosk terminal, an API client).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
import uuid
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civic.actors import Actor, Channel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class AppendOnlyError(RuntimeError):
    """A programming error: journals are never updated or deleted in place."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.label} is append-only: update refused")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            f"{self.model._meta.label} is append-only: delete through journal_purge"
        )

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError(f"{self.model._meta.label} is append-only: update refused")

    def _purge(self) -> int:
        # Only consent.services.journal_purge calls this, after opening the database trigger.
        deleted, _by_model = models.QuerySet.delete(self)
        return deleted


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} is append-only: update refused")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.label} is append-only: delete through journal_purge")


# The one PostgreSQL advisory lock every chained journal is appended under ("consent"): one lock,
# so a transaction writing to two journals (a mediator's act: an access and a consent) can never
# deadlock against another taking them in the other order.
CHAIN_LOCK_KEY = 0x636F6E73656E74


class HashChained(models.Model):
    """A journal whose entries each hold the hash of their canonical JSON and of the entry before.

    ``save`` of a new entry takes the chain lock, reads the head and links the entry to it, all
    inside the caller's transaction (or its own): concurrent writers queue, the chain never forks.
    """

    # The position in the chain: assigned under the chain lock, gap-free until a purge.
    seq = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            super().save(*args, **kwargs)  # AppendOnlyModel refuses it
            return
        with transaction.atomic():
            head = type(self).chain_head()
            self.seq = (head.seq + 1) if head else 1
            self.prev_hash = head.hash if head else ""
            self.hash = self.compute_hash()
            super().save(*args, **kwargs)

    def chain_payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def canonical(self) -> bytes:
        """The entry as canonical JSON; its hash covers the previous entry's hash."""
        payload = {**self.chain_payload(), "seq": self.seq, "prev": self.prev_hash}
        return json.dumps(
            payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    @classmethod
    def chain_head(cls) -> HashChained | None:
        """Hold every chain until commit and return this one's head (None when empty).

        PostgreSQL: a transaction-scoped advisory lock (re-entrant within the transaction).
        SQLite: transactions here are IMMEDIATE (settings), so the write lock is held since BEGIN.
        """
        connection = transaction.get_connection()
        if not connection.in_atomic_block:
            raise RuntimeError(f"{cls._meta.label} is appended to inside a transaction")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        return cls.objects.order_by("-seq").first()  # type: ignore[attr-defined]


def email_key(email: str) -> str:
    """The keyed HMAC of a normalised email address: the subject of someone without an account.

    Keyed with ``CIVIC_EMAIL_SUBJECT_KEY`` when set, else a key derived from ``SECRET_KEY``:
    without the key nobody can test guesses against it (a bare hash of an address can be).
    """
    from django.utils.crypto import salted_hmac

    secret = getattr(settings, "CIVIC_EMAIL_SUBJECT_KEY", "") or None
    normalised = unicodedata.normalize("NFC", email.strip()).lower()
    return salted_hmac(
        "civic.consent.email-subject", normalised, secret=secret, algorithm="sha256"
    ).hexdigest()


def _utc(moment: Any) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Subject(models.Model):
    """A person, pseudonymously: journals point here. Erasure sets ``user`` to NULL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_subject",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    unlinked_at = models.DateTimeField(_("unlinked"), null=True, blank=True)
    # A person without an account (a report's contact email): a keyed HMAC of the normalised
    # address (``email_key``), never the address nor a bare hash of it. Found again when they
    # sign up and verify it; cleared when they are erased.
    email_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("data subject")
        verbose_name_plural = _("data subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["email_key"],
                condition=~models.Q(email_key=""),
                name="consent_subject_email_key_unique",
            )
        ]

    def __str__(self) -> str:
        return str(self.id)


class ActorFields(models.Model):
    """Who acted, stored so it survives the actor's own erasure."""

    class Role(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        STAFF = "staff", _("City staff")
        ADMINISTRATOR = "administrator", _("Administrator")
        MEDIATOR = "mediator", _("Mediator")
        KIOSK = "kiosk", _("Kiosk terminal")
        API = "api", _("Partner application")
        SYSTEM = "system", _("Automatic process")

    channel = models.CharField(_("channel"), max_length=16)
    actor_subject = models.ForeignKey(
        Subject,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A role code: a key of civic.roles.ROLES or one of Role above.
    actor_role = models.CharField(_("role"), max_length=50)
    actor_department = models.CharField(_("department"), max_length=150, blank=True)
    # A typed reference to what consent does not know: ("assist.mandate", "12"), a kiosk terminal.
    actor_ref_type = models.CharField(max_length=50, blank=True)
    actor_ref_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(_("acting through"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def actor_role_label(self) -> Any:
        from civic.roles import ROLES

        if self.actor_role in ROLES:
            return ROLES[self.actor_role].label
        try:
            return ActorFields.Role(self.actor_role).label
        except ValueError:
            return self.actor_role

    @staticmethod
    def actor_values(actor: Actor, *, actor_subject: Subject | None) -> dict[str, Any]:
        return {
            "channel": actor.channel,
            "actor_subject": actor_subject,
            "actor_role": role_of(actor),
            "actor_department": str(actor.user.department)
            if actor.user is not None and actor.user.department_id
            else "",
            **_primary_ref(actor),
            "actor_label": actor.label[:255],
        }


def role_of(actor: Actor) -> str:
    """The role code an actor acts in, as residents see it (never a staff member's name)."""
    from civic.roles import ROLES

    if actor.channel == Channel.MEDIATOR:
        return ActorFields.Role.MEDIATOR
    user = actor.user
    if user is None:
        if actor.api_client is not None:
            return ActorFields.Role.API
        if actor.terminal is not None:
            return ActorFields.Role.KIOSK
        return ActorFields.Role.SYSTEM
    if user.is_superuser:
        return ActorFields.Role.ADMINISTRATOR
    if user.is_staff:
        groups = sorted(
            name for name in user.groups.values_list("name", flat=True) if name in ROLES
        )
        return groups[0] if groups else ActorFields.Role.STAFF
    return ActorFields.Role.RESIDENT


def _primary_ref(actor: Actor) -> dict[str, str]:
    ref = actor.mandate or actor.terminal
    if ref is not None:
        return {"actor_ref_type": ref.type, "actor_ref_id": ref.id}
    if actor.api_client is not None:
        return {"actor_ref_type": "civic.apiclient", "actor_ref_id": str(actor.api_client.pk)}
    return {"actor_ref_type": "", "actor_ref_id": ""}


class AccessLog(HashChained, AppendOnlyModel, ActorFields):
    """Who saw or changed whose personal data, what, why and through which channel.

    Hash-chained like the consent ledger: an entry edited or removed in the middle breaks the
    chain (``consent_verify_chain``), one removed at the end differs from the published head.
    """

    subject = models.ForeignKey(
        Subject, verbose_name=_("data subject"), on_delete=models.PROTECT, related_name="accesses"
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    what = models.CharField(_("what"), max_length=255)
    # Entries written before reasons moved to ``AccessReason`` keep theirs here (and chained).
    why = models.TextField(_("why"), blank=True)
    # The salted hash of the reason kept in ``AccessReason``: the chain covers the reason, and
    # erasing it (it may quote the person) never edits a chained row.
    why_sha256 = models.CharField(max_length=64, blank=True)
    # The row looked at, as a typed reference ("civic.user", "12"), and its personal fields shown.
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    field_names = models.JSONField(_("fields"), default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access to personal data")
        verbose_name_plural = _("accesses to personal data")
        indexes = [models.Index(fields=["subject", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_role} {self.what}"

    def chain_payload(self) -> dict[str, Any]:
        # Frozen: migration 0004 chained the entries written before with this same payload; an
        # entry whose reason sits in AccessReason (0006) chains its salted hash instead.
        return {
            "subject": str(self.subject_id),
            "at": _utc(self.at),
            "what": self.what,
            "object": [self.object_type, self.object_id],
            "fields": list(self.field_names),
            "channel": self.channel,
            "actor_subject": str(self.actor_subject_id) if self.actor_subject_id else None,
            "actor_role": self.actor_role,
            "actor_department": self.actor_department,
            "actor_ref": [self.actor_ref_type, self.actor_ref_id],
            "actor_label": self.actor_label,
            **({"why": self.why} if not self.why_sha256 else {"why_sha256": self.why_sha256}),
        }

    @property
    def reason_text(self) -> str:
        """The reason given, wherever it is kept ("" once erased)."""
        if self.why:
            return self.why
        try:
            return self.reason.text
        except AccessReason.DoesNotExist:
            return ""

    @classmethod
    def record(
        cls,
        *,
        actor: Actor,
        subject: Subject,
        what: StrOrPromise,
        why: str = "",
        channel: str | None = None,
        obj: models.Model | None = None,
        fields: list[str] | tuple[str, ...] = (),
    ) -> AccessLog:
        values = cls.actor_values(actor, actor_subject=_actor_subject(actor))
        if channel:
            values["channel"] = channel
        # Entries are kept in the city's language, whoever is acting: a lazy text is rendered so.
        with translation.override(settings.LANGUAGE_CODE):
            what = str(what)
        salt = secrets.token_hex(16) if why else ""
        with transaction.atomic():
            entry = cls.objects.create(
                subject=subject,
                what=what[:255],
                why_sha256=AccessReason.digest(salt, why) if why else "",
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                field_names=list(fields),
                **values,
            )
            if why:
                AccessReason.objects.create(access=entry, text=why, salt=salt)
        return entry


class AccessReason(models.Model):
    """The free-text reason of an access-log entry, beside the chain: it may quote a person, so
    erasure deletes it. The entry chains ``sha256(salt + text)``; the random salt goes with the
    text, so the hash left behind cannot be tested against guesses."""

    access = models.OneToOneField(
        AccessLog, primary_key=True, on_delete=models.CASCADE, related_name="reason"
    )
    text = models.TextField(_("reason"))
    salt = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("reason for an access")
        verbose_name_plural = _("reasons for accesses")

    def __str__(self) -> str:
        return f"reason of access #{self.access_id}"

    @staticmethod
    def digest(salt: str, text: str) -> str:
        return hashlib.sha256((salt + text).encode()).hexdigest()


def _actor_subject(actor: Actor) -> Subject | None:
    if actor.user is None:
        return None
    from consent.services import subject_for

    return subject_for(actor.user)


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTEREST = "vital_interest", _("Vital interest")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")


class Purpose(models.Model):
    """Why the city processes personal data (one line of the GDPR art. 30 register)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis.choices)
    data_categories = models.TextField(_("data categories"), blank=True)
    retention = models.CharField(_("retention"), max_length=255, blank=True)
    recipients = models.TextField(_("recipients"), blank=True)
    processors = models.TextField(_("processors"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "fr").startswith("en") else self.title_fr

    @property
    def description(self) -> str:
        en = (get_language() or "fr").startswith("en")
        return self.description_en if en else self.description_fr

    def current_notice(self) -> PurposeNotice | None:
        if "notices" in getattr(self, "_prefetched_objects_cache", {}):  # lists: no query each
            return max(self.notices.all(), key=lambda notice: notice.version, default=None)
        return self.notices.order_by("-version").first()


def notice_canonical(*, purpose_code: str, version: int, text_fr: str, text_en: str) -> bytes:
    """The bytes a notice's hash covers: NFC text, Unix newlines, stripped, sorted-key JSON."""

    def norm(text: str) -> str:
        return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()

    payload = {
        "purpose": purpose_code,
        "version": version,
        "fr": norm(text_fr),
        "en": norm(text_en),
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class PurposeNotice(models.Model):
    """One version of a purpose's notice text. Never edited: a change is a new version."""

    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="notices"
    )
    version = models.PositiveIntegerField(_("version"))
    text_fr = models.TextField(_("notice (French)"))
    text_en = models.TextField(_("notice (English)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["purpose", "-version"]
        verbose_name = _("notice version")
        verbose_name_plural = _("notice versions")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="consent_notice_version")
        ]

    def __str__(self) -> str:
        return f"{self.purpose.code} v{self.version}"

    def compute_sha256(self) -> str:
        return hashlib.sha256(
            notice_canonical(
                purpose_code=self.purpose.code,
                version=self.version,
                text_fr=self.text_fr,
                text_en=self.text_en,
            )
        ).hexdigest()

    def text(self, language: str) -> str:
        return self.text_en if language.startswith("en") else self.text_fr


class ConsentEvent(HashChained, AppendOnlyModel, ActorFields):
    """One entry of the consent ledger, hash-chained to the one before it."""

    class Kind(models.TextChoices):
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        OBJECTED = "objected", _("Objected")

    class Via(models.TextChoices):
        # civic.actors.Channel, plus paper forms typed in by staff.
        WEB = Channel.WEB.value, Channel.WEB.label
        KIOSK = Channel.KIOSK.value, Channel.KIOSK.label
        MEDIATOR = Channel.MEDIATOR.value, Channel.MEDIATOR.label
        API = Channel.API.value, Channel.API.label
        STAFF = Channel.STAFF.value, Channel.STAFF.label
        SYSTEM = Channel.SYSTEM.value, Channel.SYSTEM.label
        PAPER = "paper", _("Paper form")

    subject = models.ForeignKey(
        Subject, verbose_name=_("data subject"), on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    notice = models.ForeignKey(
        PurposeNotice,
        verbose_name=_("notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_sha256 = models.CharField(_("notice hash"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [models.Index(fields=["subject", "purpose", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.purpose_id}"

    def chain_payload(self) -> dict[str, Any]:
        return {
            "subject": str(self.subject_id),
            "purpose": self.purpose.code,
            "kind": self.kind,
            "notice_sha256": self.notice_sha256,
            "language": self.language,
            "channel": self.channel,
            "actor_subject": str(self.actor_subject_id) if self.actor_subject_id else None,
            "actor_role": self.actor_role,
            "actor_ref": [self.actor_ref_type, self.actor_ref_id],
            "at": _utc(self.at),
        }

    @classmethod
    def record(
        cls,
        *,
        actor: Actor,
        subject: Subject,
        purpose: Purpose,
        kind: str,
        notice: PurposeNotice | None,
        language: str,
        channel: str | None = None,
    ) -> ConsentEvent:
        """Append an entry (linked to the chain's head when saved)."""
        event = cls(
            subject=subject,
            purpose=purpose,
            kind=kind,
            notice=notice,
            notice_sha256=notice.sha256 if notice is not None else "",
            language=language,
            at=timezone.now(),
            **cls.actor_values(actor, actor_subject=_actor_subject(actor)),
        )
        if channel:
            event.channel = channel
        event.save()
        return event


class JournalPurge(AppendOnlyModel, ActorFields):
    """What a retention or erasure purge removed from a journal, and why."""

    journal = models.CharField(_("journal"), max_length=100)
    before = models.DateTimeField(_("entries before"))
    count = models.PositiveIntegerField(_("entries removed"))
    # For a chained journal: the last removed entry, so the verifier can start after it.
    last_seq = models.PositiveBigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, blank=True)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("journal purge")
        verbose_name_plural = _("journal purges")

    def __str__(self) -> str:
        return f"{self.journal} < {self.before:%Y-%m-%d}: {self.count}"


def _private_storage() -> Any:
    from django.core.files.storage import storages

    return storages["private"]


class ExportArchive(models.Model):
    """A person's data export (GDPR art. 15 and 20): a zip in private storage, for a while."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    # Random and unguessable: it appears in the download link.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="consent_exports",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("archive"), storage=_private_storage, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    language = models.CharField(_("language"), max_length=8, default="fr")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    IN_PROGRESS: ClassVar[tuple[str, str]] = (Status.PENDING, Status.RUNNING)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        constraints = [
            # One export at a time per person, whatever races the requests run.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["pending", "running"]),
                name="consent_one_export_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"

    def is_downloadable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.READY
            and bool(self.file)
            and self.expires_at is not None
            and self.expires_at > now
        )


class PrivateMode(models.Model):
    """The person's private-mode switch and what turning it on changed, to undo it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="consent_private_mode",
    )
    enabled = models.BooleanField(_("on"), default=False)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    # [{"purpose": code, "notice_sha256": ...}] withdrawn when it was turned on.
    withdrawn = models.JSONField(default=list, blank=True)
    # {app_label: state returned by the app's private_mode hook}.
    app_state = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("private mode")
        verbose_name_plural = _("private modes")

    def __str__(self) -> str:
        return f"private mode {'on' if self.enabled else 'off'}"


class LedgerHead(models.Model):
    """The journals' heads at the end of a day, published so history cannot be rewritten.

    ``seq``/``hash``: the consent ledger's; ``access_seq``/``access_hash``: the access log's.
    """

    day = models.DateField(_("day"), unique=True)
    seq = models.PositiveBigIntegerField(_("last entry"), default=0)
    hash = models.CharField(_("head hash"), max_length=64, blank=True)
    access_seq = models.PositiveBigIntegerField(_("last access-log entry"), default=0)
    access_hash = models.CharField(_("access-log head hash"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("published ledger head")
        verbose_name_plural = _("published ledger heads")

    def __str__(self) -> str:
        return f"{self.day}: #{self.seq} {self.hash[:12]}"
