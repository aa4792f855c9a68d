"""Writes of the consent app: subjects, the ledger, notices, purges, erasure and retention."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import Conflict, InvalidInput, NotAllowed
from consent import registry
from consent.models import (
    AccessLog,
    AppendOnlyModel,
    ConsentEvent,
    ExportArchive,
    HashChained,
    JournalPurge,
    LedgerHead,
    LegalBasis,
    PrivateMode,
    Purpose,
    PurposeNotice,
    Subject,
    email_key,
)
from consent.triggers import SQLITE_UNLOCK_TABLE

if TYPE_CHECKING:
    from civic.models import User

# The journals journal_purge may cut, with the column their age is read from.
PURGEABLE: dict[type[AppendOnlyModel], str] = {AccessLog: "at", ConsentEvent: "at"}

# SQLite's triggers let a DELETE through while this table (not a model: flush never touches it)
# holds a row. Only journals_unlocked() writes it, inside the caller's transaction; SQLite
# transactions here are IMMEDIATE, so no other writer can act while it is open, and readers never
# see the uncommitted row. PostgreSQL uses a transaction-local setting instead.
OBJECTION_BASES = {LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTEREST}


def subject_for(user: User) -> Subject:
    """The person's pseudonymous subject, created on first need."""
    subject, _created = Subject.objects.get_or_create(user=user)
    return subject


def subject_for_contact(email: str) -> Subject | None:
    """The subject of whoever a contact email (a report sent without an account) belongs to:
    the account that verified it, or else a subject keyed by the email's keyed HMAC, so that
    accesses to their data are logged and shown to them once they sign up."""
    from allauth.account.models import EmailAddress

    email = (email or "").strip()
    if not email:
        return None
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    if address is not None:
        return subject_for(address.user)
    subject, _created = Subject.objects.get_or_create(email_key=email_key(email))
    return subject


def subject_of_owner(owner: User | str | None) -> Subject | None:
    """Whose access-log subject: an account's, or a contact email's (``subject_for_contact``)."""
    if owner is None or owner == "":
        return None
    if isinstance(owner, str):
        return subject_for_contact(owner)
    return subject_for(owner)


# --- Journals --------------------------------------------------------------------------------


@contextlib.contextmanager
def journals_unlocked(*, using: str = "default") -> Iterator[None]:
    """Let DELETEs through the journal triggers, for the current transaction only.

    Never call this outside ``journal_purge`` (and the ``flush`` command that empties a whole
    database): anything else deleting journal rows is the bug the triggers exist to stop.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("journals_unlocked() needs a transaction")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL civic.purge = 'on'")
        elif connection.vendor == "sqlite":
            cursor.execute(
                f"INSERT INTO {SQLITE_UNLOCK_TABLE} (token) VALUES (%s)",  # noqa: S608 - constant
                [secrets.token_hex(8)],
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL civic.purge = 'off'")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DELETE FROM {SQLITE_UNLOCK_TABLE}")  # noqa: S608 - constant


def chain_lock() -> ConsentEvent | None:
    """Hold the journals' chains until commit and return the consent ledger's head."""
    head = ConsentEvent.chain_head()
    assert head is None or isinstance(head, ConsentEvent)
    return head


@transaction.atomic
def journal_purge(
    *, model: type[AppendOnlyModel], before: datetime, actor: Actor, reason: str
) -> JournalPurge:
    """Delete a journal's entries older than ``before`` and record what was removed.

    A chained journal (the consent ledger, the access log) is cut as a prefix of its chain (up
    to the last entry older than ``before``), and the last removed hash is kept so the verifier
    can start after it.
    """
    if model not in PURGEABLE:
        raise InvalidInput(_("This journal cannot be purged."))
    if not reason.strip():
        raise InvalidInput(_("Say why these entries are removed."), field="reason")
    queryset = model.objects.filter(**{f"{PURGEABLE[model]}__lt": before})
    last_seq: int | None = None
    last_hash = ""
    if issubclass(model, HashChained):
        model.chain_head()
        last = queryset.order_by("-seq").first()
        if last is None:
            queryset = queryset.none()
        else:
            assert isinstance(last, HashChained)
            last_seq, last_hash = last.seq, last.hash
            queryset = model.objects.filter(**{"seq__lte": last_seq})
    with journals_unlocked():
        count = queryset._purge()
    return JournalPurge.objects.create(
        journal=model._meta.label,
        before=before,
        count=count,
        last_seq=last_seq,
        last_hash=last_hash,
        reason=reason,
        **JournalPurge.actor_values(actor, actor_subject=None),
    )


# --- Purposes --------------------------------------------------------------------------------


@transaction.atomic
def purpose_notice_publish(
    *, actor: Actor, purpose: Purpose, text_fr: str, text_en: str
) -> PurposeNotice:
    """Publish the next version of a purpose's notice, hashed; earlier versions stay as they are."""
    if not text_fr.strip() or not text_en.strip():
        raise InvalidInput(_("A notice needs its French and English text."))
    purpose = Purpose.objects.select_for_update().get(pk=purpose.pk)  # one version at a time
    latest = purpose.current_notice()
    notice = PurposeNotice(
        purpose=purpose,
        version=(latest.version + 1) if latest else 1,
        text_fr=text_fr,
        text_en=text_en,
    )
    if latest is not None and (latest.text_fr, latest.text_en) == (text_fr, text_en):
        raise Conflict(_("This text is the current version already."))
    notice.sha256 = notice.compute_sha256()
    notice.save()
    return notice


@transaction.atomic
def purposes_sync(*, actor: Actor) -> dict[str, list[str]]:
    """Make the purposes in the database those the apps declare (``register_purpose``).

    A declared purpose that is missing is created with its texts and first notice; the data
    protection officer edits them afterwards (never overwritten here). A purpose no app declares
    any more (nothing it would gate) is deactivated, never deleted: the ledger refers to it.
    Runs after every ``migrate``."""
    declared = {spec.code: spec for spec in registry.purpose_specs()}
    created = []
    for code, spec in declared.items():
        purpose, was_created = Purpose.objects.get_or_create(
            code=code,
            defaults={
                field: getattr(spec, field)
                for field in (
                    "legal_basis",
                    "title_fr",
                    "title_en",
                    "description_fr",
                    "description_en",
                    "data_categories",
                    "retention",
                    "recipients",
                )
            },
        )
        if was_created:
            created.append(code)
        if purpose.current_notice() is None:
            purpose_notice_publish(
                actor=actor, purpose=purpose, text_fr=spec.notice_fr, text_en=spec.notice_en
            )
    Purpose.objects.filter(code__in=declared, is_active=False).update(is_active=True)
    stale = list(
        Purpose.objects.filter(is_active=True)
        .exclude(code__in=declared)
        .values_list("code", flat=True)
    )
    Purpose.objects.filter(code__in=stale).update(is_active=False)
    return {"created": created, "deactivated": stale}


def purposes_sync_after_migrate(*, using: str = "default", **_: Any) -> None:
    if using == "default":
        purposes_sync(actor=Actor.system())


# --- The consent ledger ----------------------------------------------------------------------


def _subject_of(actor: Actor) -> Subject:
    person = actor.subject_user
    if person is None:
        raise NotAllowed(_("Sign in to record a choice about your data."))
    if actor.on_behalf_of is not None and actor.mandate is None:
        # assist checks the mandate's scope before calling; here we only refuse acts without one.
        raise NotAllowed(_("Acting for someone else needs a mandate."))
    return subject_for(person)


def _language(actor: Actor, language: str | None) -> str:
    if language:
        return language
    person = actor.subject_user
    return person.language if person is not None else settings.LANGUAGE_CODE


def _latest(subject: Subject, purpose: Purpose) -> ConsentEvent | None:
    return ConsentEvent.objects.filter(subject=subject, purpose=purpose).order_by("-seq").first()


def _active(purpose: Purpose) -> Purpose:
    if not purpose.is_active:
        raise InvalidInput(_("This purpose is no longer in use."))
    return purpose


@transaction.atomic
def consent_give(
    *, actor: Actor, purpose: Purpose, language: str | None = None, channel: str | None = None
) -> ConsentEvent:
    """Give consent to a consent-based purpose under its current notice."""
    subject = _subject_of(actor)
    purpose = _active(purpose)
    if purpose.legal_basis != LegalBasis.CONSENT:
        raise InvalidInput(_("This purpose does not rest on consent: there is nothing to give."))
    notice = purpose.current_notice()
    if notice is None:
        raise Conflict(_("This purpose has no published notice yet."))
    chain_lock()
    latest = _latest(subject, purpose)
    if (
        latest is not None
        and latest.kind == ConsentEvent.Kind.GIVEN
        and latest.notice_sha256 == notice.sha256
    ):
        raise Conflict(_("You have already given this consent."))
    return ConsentEvent.record(
        actor=actor,
        subject=subject,
        purpose=purpose,
        kind=ConsentEvent.Kind.GIVEN,
        notice=notice,
        language=_language(actor, language),
        channel=channel,
    )


@transaction.atomic
def consent_refuse(
    *, actor: Actor, purpose: Purpose, language: str | None = None, channel: str | None = None
) -> ConsentEvent:
    """Record a refusal when asked (a given consent is withdrawn instead)."""
    subject = _subject_of(actor)
    purpose = _active(purpose)
    if purpose.legal_basis != LegalBasis.CONSENT:
        raise InvalidInput(_("This purpose does not rest on consent: there is nothing to refuse."))
    chain_lock()
    latest = _latest(subject, purpose)
    if latest is not None and latest.kind == ConsentEvent.Kind.GIVEN:
        raise Conflict(_("This consent is given: withdraw it instead."))
    if latest is not None and latest.kind == ConsentEvent.Kind.REFUSED:
        raise Conflict(_("You have already refused this consent."))
    return ConsentEvent.record(
        actor=actor,
        subject=subject,
        purpose=purpose,
        kind=ConsentEvent.Kind.REFUSED,
        notice=purpose.current_notice(),
        language=_language(actor, language),
        channel=channel,
    )


@transaction.atomic
def consent_withdraw(
    *, actor: Actor, purpose: Purpose, language: str | None = None, channel: str | None = None
) -> ConsentEvent:
    """Withdraw a given consent (GDPR art. 7(3)): as easy as giving it, and only if given; or
    withdraw an objection, so the processing objected to resumes."""
    subject = _subject_of(actor)
    chain_lock()
    latest = _latest(subject, purpose)
    if latest is None or latest.kind not in {ConsentEvent.Kind.GIVEN, ConsentEvent.Kind.OBJECTED}:
        raise Conflict(_("This consent is not given: there is nothing to withdraw."))
    return ConsentEvent.record(
        actor=actor,
        subject=subject,
        purpose=purpose,
        kind=ConsentEvent.Kind.WITHDRAWN,
        notice=latest.notice,  # the notice the withdrawn consent was given under
        language=_language(actor, language),
        channel=channel,
    )


@transaction.atomic
def consent_object(
    *, actor: Actor, purpose: Purpose, language: str | None = None, channel: str | None = None
) -> ConsentEvent:
    """Object to a processing (GDPR art. 21).

    Art. 21(1) gives the right against processing based on a public task or on legitimate
    interests (art. 6(1)(e) and (f)); a consent-based purpose is withdrawn instead.
    """
    subject = _subject_of(actor)
    purpose = _active(purpose)
    if purpose.legal_basis not in OBJECTION_BASES:
        raise InvalidInput(
            _(
                "You can object only to a processing carried out as a public task or for a "
                "legitimate interest."
            )
        )
    chain_lock()
    latest = _latest(subject, purpose)
    if latest is not None and latest.kind == ConsentEvent.Kind.OBJECTED:
        raise Conflict(_("You have already objected to this processing."))
    return ConsentEvent.record(
        actor=actor,
        subject=subject,
        purpose=purpose,
        kind=ConsentEvent.Kind.OBJECTED,
        notice=purpose.current_notice(),
        language=_language(actor, language),
        channel=channel,
    )


# --- Erasure and retention -------------------------------------------------------------------


@transaction.atomic
def subject_unlink(*, subject: Subject) -> None:
    """Cut the link between a pseudonymous subject and the person: history stays, anonymous."""
    if subject.user_id is None:
        return
    Subject.objects.filter(pk=subject.pk).update(user=None, unlinked_at=timezone.now())


@transaction.atomic
def personal_data_erase(*, actor: Actor, user: User) -> dict[str, Any]:
    """Run every registered eraser for the person; returns the combined receipt, app by app."""
    if actor.user is None or (actor.user != user and not actor.user.is_superuser):
        raise NotAllowed(_("Only the person themselves can erase their data."))
    return registry.erase_for(user, actor=actor)


def retention_run(*, now: datetime | None = None) -> dict[str, int]:
    """Run every registered retention handler (each in its own transaction)."""
    return registry.run_retention(now=now or timezone.now())


def access_log_retention(*, now: datetime) -> int:
    """Access-log entries are kept for CIVIC_ACCESS_LOG_RETENTION_DAYS, then purged."""
    days = settings.CIVIC_ACCESS_LOG_RETENTION_DAYS
    purge = journal_purge(
        model=AccessLog,
        before=now - timedelta(days=days),
        actor=Actor.system(),
        reason=f"retention: access log entries older than {days} days",
    )
    return purge.count


def export_retention(*, now: datetime) -> int:
    """Expired archives lose their file; exports stuck in progress (a dead worker) fail."""
    removed = 0
    for archive in ExportArchive.objects.filter(
        status=ExportArchive.Status.READY, expires_at__lte=now
    ):
        archive.file.delete(save=False)
        archive.status = ExportArchive.Status.EXPIRED
        archive.save(update_fields=["file", "status"])
        removed += 1
    removed += ExportArchive.objects.filter(
        status__in=ExportArchive.IN_PROGRESS, requested_at__lt=now - EXPORT_STALE_AFTER
    ).update(status=ExportArchive.Status.FAILED, error="timed out")
    return removed


# --- Export (GDPR art. 15 and 20) ------------------------------------------------------------

# An export still in progress after this is taken for dead (its worker was lost).
EXPORT_STALE_AFTER = timedelta(hours=1)


@transaction.atomic
def export_request(*, actor: Actor) -> tuple[ExportArchive, bool]:
    """Start building the person's export, or return the one in progress: (archive, created).

    One at a time per person: a partial unique constraint holds it even under racing requests.
    """
    from civic.models import User
    from consent.tasks import export_build_task

    person = actor.subject_user
    if person is None:
        raise NotAllowed(_("Sign in to export your data."))
    person = User.objects.select_for_update().get(pk=person.pk)  # serialise this person's requests
    now = timezone.now()
    ExportArchive.objects.filter(
        user=person,
        status__in=ExportArchive.IN_PROGRESS,
        requested_at__lt=now - EXPORT_STALE_AFTER,
    ).update(status=ExportArchive.Status.FAILED, error="timed out")
    running = ExportArchive.objects.filter(
        user=person, status__in=ExportArchive.IN_PROGRESS
    ).first()
    if running is not None:
        return running, False
    archive = ExportArchive.objects.create(user=person, language=person.language or "fr")
    if actor.user is not None and actor.user != person:
        # A mediator (or staff) asked for it: the person sees it in their access history.
        what = gettext_lazy("export of your data")
        AccessLog.record(actor=actor, subject=subject_for(person), what=what, obj=archive)
    archive_id = str(archive.pk)
    transaction.on_commit(lambda: export_build_task.delay(archive_id=archive_id))
    return archive, True


def export_build(*, archive_id: str) -> ExportArchive | None:
    """Build the archive (idempotent: a finished one is left alone) and email the person."""
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from civic.mail import email_send_templated
    from consent.exports import archive_build

    with transaction.atomic():
        archive = (
            ExportArchive.objects.select_for_update()
            .select_related("user")
            .filter(pk=archive_id)
            .first()
        )
        if archive is None or archive.status not in ExportArchive.IN_PROGRESS:
            return archive  # done already, failed, or the person was erased meanwhile
        archive.status = ExportArchive.Status.RUNNING
        archive.started_at = timezone.now()
        archive.save(update_fields=["status", "started_at"])
    try:
        content = archive_build(archive.user, language=archive.language)
    except OSError:
        # Storage trouble: back in the queue for the task's retry (stale ones fail after an hour).
        ExportArchive.objects.filter(pk=archive.pk).update(status=ExportArchive.Status.PENDING)
        raise
    except Exception:
        ExportArchive.objects.filter(pk=archive.pk).update(
            status=ExportArchive.Status.FAILED, error="the archive could not be built"
        )
        raise
    with transaction.atomic():
        now = timezone.now()
        archive.file.save(f"exports/{archive.pk}.zip", ContentFile(content), save=False)
        archive.size = len(content)
        archive.status = ExportArchive.Status.READY
        archive.ready_at = now
        archive.expires_at = now + timedelta(days=settings.CIVIC_EXPORT_KEPT_DAYS)
        archive.save(update_fields=["file", "size", "status", "ready_at", "expires_at"])
        if archive.user.email:
            email_send_templated(
                to=archive.user.email,
                template_prefix="consent/email/export_ready",
                context={
                    "archive": archive,
                    "url": absolute_url(reverse("consent:export_download", args=[archive.pk])),
                },
                language=archive.language,
            )
    return archive


# --- Erasure, as the person asks it ----------------------------------------------------------


def account_erase(*, actor: Actor) -> dict[str, Any]:
    """Self-service deletion: erase (or, for staff, deactivate) and return a receipt."""
    user = actor.user
    if user is None or actor.on_behalf_of is not None:
        raise NotAllowed(_("Only the person themselves can delete their account."))
    for archive in ExportArchive.objects.filter(user=user).exclude(file=""):
        archive.file.delete(save=False)  # the rows follow the user row; the files would not
    receipts = personal_data_erase(actor=actor, user=user)
    return {
        "at": timezone.now().isoformat(),
        "staff": bool(user.is_staff),
        "apps": receipts,
    }


# --- Private mode ----------------------------------------------------------------------------


def private_mode_of(user: User) -> PrivateMode | None:
    return PrivateMode.objects.filter(user=user).first()


@transaction.atomic
def private_mode_set(*, actor: Actor, enabled: bool, restore_consents: bool = False) -> PrivateMode:
    """Turn private mode on or off; it is reversible.

    On: every given consent is withdrawn (and remembered), every app's hook pauses follows and
    alerts and hides the name. Off: the hooks restore what they changed; the withdrawn consents
    are given again only if the person asks (``restore_consents``: consent is an act of theirs,
    never a default) and only under an unchanged notice.
    """
    person = actor.subject_user
    if person is None:
        raise NotAllowed(_("Sign in to change your privacy settings."))
    state, _created = PrivateMode.objects.select_for_update().get_or_create(user=person)
    if state.enabled == enabled:
        raise Conflict(
            _("Private mode is already on.") if enabled else _("Private mode is already off.")
        )
    if enabled:
        withdrawn = []
        from consent.selectors import consent_state

        for code, event in consent_state(subject_for(person)).items():
            if event.kind == ConsentEvent.Kind.GIVEN:
                consent_withdraw(actor=actor, purpose=event.purpose)
                withdrawn.append({"purpose": code, "notice_sha256": event.notice_sha256})
        state.withdrawn = withdrawn
        state.app_state = {
            registration.app_label: registration.private_mode(
                person, enabled=True, actor=actor, state=None
            )
            or {}
            for registration in registry.registrations()
            if registration.private_mode is not None
        }
    else:
        for registration in registry.registrations():
            if registration.private_mode is not None:
                registration.private_mode(
                    person,
                    enabled=False,
                    actor=actor,
                    state=state.app_state.get(registration.app_label) or {},
                )
        if restore_consents:
            for item in state.withdrawn:
                purpose = Purpose.objects.filter(code=item["purpose"], is_active=True).first()
                notice = purpose.current_notice() if purpose else None
                if purpose is None or notice is None or notice.sha256 != item["notice_sha256"]:
                    continue  # a new notice must be read before consenting again
                latest = _latest(subject_for(person), purpose)
                if latest is None or latest.kind != ConsentEvent.Kind.GIVEN:
                    consent_give(actor=actor, purpose=purpose)
        state.withdrawn = []
        state.app_state = {}
    state.enabled = enabled
    state.changed_at = timezone.now()
    state.save()
    return state


# --- The published ledger head ---------------------------------------------------------------


def ledger_head_record(*, day: date | None = None) -> LedgerHead:
    """Record the journals' heads at the end of ``day`` (default: yesterday, in the city's time).

    Idempotent and immutable once written: a day already recorded is returned as it was.
    """
    today = timezone.localdate()
    day = day or (today - timedelta(days=1))
    if day >= today:
        raise InvalidInput(_("Only a day that has ended can be recorded."))
    existing = LedgerHead.objects.filter(day=day).first()
    if existing is not None:
        return existing
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    head = ConsentEvent.objects.filter(at__lt=end).order_by("-seq").first()
    access = AccessLog.objects.filter(at__lt=end).order_by("-seq").first()
    head_record, _created = LedgerHead.objects.get_or_create(
        day=day,
        defaults={
            "seq": head.seq if head else 0,
            "hash": head.hash if head else "",
            "access_seq": access.seq if access else 0,
            "access_hash": access.hash if access else "",
        },
    )
    return head_record
