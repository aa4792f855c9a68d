"""Reads of the consent app. A person's ledger and access log are reached from the actor, never
from an id the caller passes: one resident cannot name another's subject."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from civic.actors import Actor, Channel
from civic.errors import NotFound
from consent.models import (
    AccessLog,
    ConsentEvent,
    ExportArchive,
    HashChained,
    LedgerHead,
    LegalBasis,
    PrivateMode,
    Purpose,
    Subject,
    email_key,
)
from consent.registry import gate_purpose

if TYPE_CHECKING:
    from civic.models import User


def subject_of_user(user: User | None) -> Subject | None:
    """The person's subject if one exists (reading never creates one)."""
    if user is None or user.pk is None:
        return None
    return Subject.objects.filter(user=user).first()


def verified_emails(user: User | None) -> set[str]:
    """The person's verified email addresses, lower-cased: what ties a row filed with a contact
    email (a report sent before signing up) to them, for export, erasure and private mode."""
    from allauth.account.models import EmailAddress

    if user is None or user.pk is None:
        return set()
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
        if email
    }


def contact_email_q(field: str, user: User) -> Q:
    """Rows whose ``field`` holds one of the person's verified emails (case-insensitively)."""
    query = Q(pk__in=[])
    for email in sorted(verified_emails(user)):
        query |= Q(**{f"{field}__iexact": email})
    return query


def consent_state(subject: Subject | None) -> dict[str, ConsentEvent]:
    """The latest event per purpose code: the person's standing choices."""
    if subject is None:
        return {}
    state: dict[str, ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(subject=subject).select_related("purpose", "notice"):
        state[event.purpose.code] = event  # ordered by seq: the last one wins
    return state


def processing_allowed(user: User | None, gate: str) -> bool:
    """May the processing behind ``gate`` run for this person? One query, so it can be asked
    before each email. Consent: only once given (and not withdrawn). Public task or legitimate
    interest: unless they objected (and did not withdraw the objection). Other bases: yes.
    Someone without an account (a contact email on a report) has no ledger: their unsubscribe
    link is how they say no."""
    spec = gate_purpose(gate)
    if spec.legal_basis not in {
        LegalBasis.CONSENT,
        LegalBasis.PUBLIC_TASK,
        LegalBasis.LEGITIMATE_INTEREST,
    }:
        return True
    latest = None
    if user is not None and user.pk is not None:
        latest = (
            ConsentEvent.objects.filter(subject__user=user, purpose__code=spec.code)
            .order_by("-seq")
            .values_list("kind", flat=True)
            .first()
        )
    if spec.legal_basis == LegalBasis.CONSENT:
        return latest == ConsentEvent.Kind.GIVEN
    return latest != ConsentEvent.Kind.OBJECTED


def consent_is_given(subject: Subject | None, purpose_code: str) -> bool:
    event = consent_state(subject).get(purpose_code)
    return event is not None and event.kind == ConsentEvent.Kind.GIVEN


def my_consent_events(*, actor: Actor) -> QuerySet[ConsentEvent]:
    """The acting person's ledger (or the represented person's, under a mandate)."""
    subject = subject_of_user(actor.subject_user)
    if subject is None:
        return ConsentEvent.objects.none()
    return ConsentEvent.objects.filter(subject=subject).select_related("purpose")


def my_consent_event(*, actor: Actor, seq: int) -> ConsentEvent:
    """One entry of the acting person's ledger (for a receipt); another's is simply not found."""
    event = my_consent_events(actor=actor).filter(seq=seq).first()
    if event is None:
        raise NotFound("consent event not found")
    return event


def subjects_of_user(user: User | None) -> list[Subject]:
    """The person's subject and those keyed by the HMAC of their verified emails (accesses to
    what they sent before signing up)."""
    if user is None or user.pk is None:
        return []
    keys = [email_key(email) for email in verified_emails(user)]
    query = Q(user=user)
    if keys:
        query |= Q(email_key__in=keys, user=None, unlinked_at=None)
    return list(Subject.objects.filter(query))


def my_access_log(*, actor: Actor) -> QuerySet[AccessLog]:
    """Who accessed the acting person's data, newest first, the reasons given beside."""
    subjects = subjects_of_user(actor.subject_user)
    if not subjects:
        return AccessLog.objects.none()
    return AccessLog.objects.filter(subject__in=subjects).select_related("reason")


def private_mode_is_on(user: User | None) -> bool:
    """Is the person in private mode? Apps ask it, e.g. to hide the name on a new report."""
    if user is None or user.pk is None:
        return False
    return PrivateMode.objects.filter(user=user, enabled=True).exists()


def my_private_mode(*, actor: Actor) -> PrivateMode | None:
    person = actor.subject_user
    return None if person is None else PrivateMode.objects.filter(user=person).first()


def my_exports(*, actor: Actor) -> QuerySet[ExportArchive]:
    person = actor.subject_user
    if person is None:
        return ExportArchive.objects.none()
    return ExportArchive.objects.filter(user=person)


def my_export(*, actor: Actor, archive_id: str) -> ExportArchive:
    """One of the acting person's exports; another's is simply not found."""
    archive = my_exports(actor=actor).filter(pk=archive_id).first()
    if archive is None:
        raise NotFound("export not found")
    return archive


def purposes_for_choice() -> list[Purpose]:
    """Active purposes a person can act on from "My data": consent, or open to objection."""
    return list(
        Purpose.objects.filter(
            is_active=True,
            legal_basis__in=[
                LegalBasis.CONSENT,
                LegalBasis.PUBLIC_TASK,
                LegalBasis.LEGITIMATE_INTEREST,
            ],
        ).prefetch_related("notices")
    )


def ledger_heads(*, limit: int = 90) -> QuerySet[LedgerHead]:
    return LedgerHead.objects.all()[:limit]


def ledger_current_head() -> ConsentEvent | None:
    return ConsentEvent.objects.order_by("-seq").only("seq", "hash", "at").first()


def access_current_head() -> AccessLog | None:
    return AccessLog.objects.order_by("-seq").only("seq", "hash", "at").first()


def chain_verify(model: type[HashChained]) -> tuple[int, str | None]:
    """Recompute a journal's chain: (entries checked, the first problem or None).

    Each entry's hash must match its canonical JSON, its ``prev_hash`` the entry before, and the
    sequence must have no gap. A chain cut by ``journal_purge`` starts at the entry after the
    last one the purge recorded. (Removing the newest entries is caught against a published
    head hash, not here.)
    """
    from consent.models import JournalPurge

    previous: HashChained | None = None
    checked = 0
    queryset = model.objects.order_by("seq")  # type: ignore[attr-defined]
    if model is ConsentEvent:
        queryset = queryset.select_related("purpose")
    for entry in queryset.iterator(chunk_size=2000):
        checked += 1
        if previous is None:
            if entry.prev_hash:
                cut = JournalPurge.objects.filter(
                    journal=model._meta.label, last_seq=entry.seq - 1
                ).first()
                if cut is None or cut.last_hash != entry.prev_hash:
                    return checked, f"entry #{entry.seq}: its previous entry is missing"
            elif entry.seq != 1:
                return checked, f"entry #{entry.seq}: the chain does not start at #1"
        else:
            if entry.seq != previous.seq + 1:
                return checked, f"entry #{entry.seq}: entries after #{previous.seq} are missing"
            if entry.prev_hash != previous.hash:
                return checked, f"entry #{entry.seq}: previous hash does not match #{previous.seq}"
        if entry.compute_hash() != entry.hash:
            return checked, f"entry #{entry.seq}: its content does not match its hash"
        previous = entry
    return checked, None


def consent_chain_verify() -> tuple[int, str | None]:
    return chain_verify(ConsentEvent)


def access_chain_verify() -> tuple[int, str | None]:
    return chain_verify(AccessLog)


def ledger_heads_verify() -> str | None:
    """Check the chains against the published heads: the first problem, or None.

    The chain verifier cannot see the newest entries removed (the chain left is still whole);
    a published head whose entry is gone, or whose hash differs, shows it.
    """
    from consent.models import JournalPurge

    journals: list[tuple[type[HashChained], str, str, str]] = [
        (ConsentEvent, "seq", "hash", "the ledger"),
        (AccessLog, "access_seq", "access_hash", "the access log"),
    ]
    for model, seq_field, hash_field, name in journals:
        purged_up_to = (
            JournalPurge.objects.filter(journal=model._meta.label, last_seq__isnull=False)
            .order_by("-last_seq")
            .values_list("last_seq", flat=True)
            .first()
        ) or 0
        heads = LedgerHead.objects.filter(**{f"{seq_field}__gt": purged_up_to}).order_by("day")
        for head in heads:
            seq, expected = getattr(head, seq_field), getattr(head, hash_field)
            entry = model.objects.filter(seq=seq).only("hash").first()  # type: ignore[attr-defined]
            if entry is None:
                return f"published head of {head.day} (#{seq}) is missing from {name}"
            if entry.hash != expected:
                return f"published head of {head.day} (#{seq}) does not match {name}"
    return None


# --- "Who accessed my data", in plain words ---------------------------------------------------

# Views by the same person, for the same reason, this close together make one line.
ACCESS_GROUP_WINDOW = timedelta(minutes=30)


@dataclass
class AccessLine:
    """One line of "who accessed my data": one look, or several close together by one person."""

    first_at: datetime
    last_at: datetime
    role: str
    department: str
    channel: str
    through: str
    why: str
    what: list[str] = field(default_factory=list)
    entries: list[AccessLog] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)

    def key(self) -> tuple[Any, ...]:
        entry = self.entries[0]
        return (
            entry.actor_subject_id,
            entry.actor_role,
            entry.actor_department,
            entry.channel,
            entry.actor_ref_type,
            entry.actor_ref_id,
            self.why,
        )


def _access_what(entry: AccessLog) -> str:
    """What was seen, in the reader's language: the kind of record and its fields' labels."""
    from django.apps import apps

    model = None
    if entry.object_type and entry.field_names:
        try:
            model = apps.get_model(entry.object_type)
        except (LookupError, ValueError):
            model = None
    if model is None:
        return entry.what
    labels = []
    for name in entry.field_names:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:  # a field since removed: its name says nothing to a reader
            continue
    if not labels:
        return entry.what
    kind = str(model._meta.verbose_name)
    return gettext("%(kind)s: %(fields)s") % {"kind": kind, "fields": ", ".join(labels)}


def access_lines(entries: Iterable[AccessLog]) -> list[AccessLine]:
    """Newest first; consecutive views by one person for one reason within 30 minutes grouped
    (the log itself stays one entry per view)."""
    lines: list[AccessLine] = []
    for entry in entries:
        line = AccessLine(
            first_at=entry.at,
            last_at=entry.at,
            role=str(entry.actor_role_label),
            department=entry.actor_department,
            channel=str(Channel(entry.channel).label) if entry.channel in Channel.values else "",
            through=entry.actor_label if entry.channel not in {Channel.STAFF, Channel.WEB} else "",
            why=entry.reason_text,
            entries=[entry],
        )
        what = _access_what(entry)
        previous = lines[-1] if lines else None
        if (
            previous is not None
            and previous.key() == line.key()
            and previous.first_at - entry.at <= ACCESS_GROUP_WINDOW
        ):
            previous.first_at = entry.at
            previous.entries.append(entry)
            if what not in previous.what:
                previous.what.append(what)
            continue
        line.what.append(what)
        lines.append(line)
    return lines
