"""Reads of the consent app. A person's ledger and access log are reached from the actor, never
from an id the caller passes: one resident cannot name another's subject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from civic.actors import Actor
from civic.errors import NotFound
from consent.models import (
    AccessLog,
    ConsentEvent,
    ExportArchive,
    LedgerHead,
    LegalBasis,
    PrivateMode,
    Purpose,
    Subject,
)

if TYPE_CHECKING:
    from civic.models import User


def subject_of_user(user: User | None) -> Subject | None:
    """The person's subject if one exists (reading never creates one)."""
    if user is None or user.pk is None:
        return None
    return Subject.objects.filter(user=user).first()


def consent_state(subject: Subject | None) -> dict[str, ConsentEvent]:
    """The latest event per purpose code: the person's standing choices."""
    if subject is None:
        return {}
    state: dict[str, ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(subject=subject).select_related("purpose", "notice"):
        state[event.purpose.code] = event  # ordered by seq: the last one wins
    return state


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


def my_access_log(*, actor: Actor) -> QuerySet[AccessLog]:
    """Who accessed the acting person's data, newest first."""
    subject = subject_of_user(actor.subject_user)
    if subject is None:
        return AccessLog.objects.none()
    return AccessLog.objects.filter(subject=subject)


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


def consent_chain_verify() -> tuple[int, str | None]:
    """Recompute the ledger's chain: (entries checked, the first problem or None).

    Each entry's hash must match its canonical JSON, its ``prev_hash`` the entry before, and the
    sequence must have no gap. A chain cut by ``journal_purge`` starts at the entry after the
    last one the purge recorded. (Removing the newest entries is caught against a published
    head hash, not here.)
    """
    from consent.models import JournalPurge

    previous: ConsentEvent | None = None
    checked = 0
    queryset = ConsentEvent.objects.select_related("purpose").order_by("seq")
    for event in queryset.iterator(chunk_size=2000):
        checked += 1
        if previous is None:
            if event.prev_hash:
                cut = JournalPurge.objects.filter(
                    journal=ConsentEvent._meta.label, last_seq=event.seq - 1
                ).first()
                if cut is None or cut.last_hash != event.prev_hash:
                    return checked, f"entry #{event.seq}: its previous entry is missing"
            elif event.seq != 1:
                return checked, f"entry #{event.seq}: the chain does not start at #1"
        else:
            if event.seq != previous.seq + 1:
                return checked, f"entry #{event.seq}: entries after #{previous.seq} are missing"
            if event.prev_hash != previous.hash:
                return checked, f"entry #{event.seq}: previous hash does not match #{previous.seq}"
        if event.compute_hash() != event.hash:
            return checked, f"entry #{event.seq}: its content does not match its hash"
        previous = event
    return checked, None


def ledger_heads_verify() -> str | None:
    """Check the chain against the published heads: the first problem, or None.

    The chain verifier cannot see the newest entries removed (the chain left is still whole);
    a published head whose entry is gone, or whose hash differs, shows it.
    """
    from consent.models import JournalPurge

    purged_up_to = (
        JournalPurge.objects.filter(journal=ConsentEvent._meta.label, last_seq__isnull=False)
        .order_by("-last_seq")
        .values_list("last_seq", flat=True)
        .first()
    ) or 0
    for head in LedgerHead.objects.filter(seq__gt=purged_up_to).order_by("day"):
        event = ConsentEvent.objects.filter(seq=head.seq).only("hash").first()
        if event is None:
            return f"published head of {head.day} (#{head.seq}) is missing from the ledger"
        if event.hash != head.hash:
            return f"published head of {head.day} (#{head.seq}) does not match the ledger"
    return None
