"""What assist holds on a person, for consent's registry: the mandates a resident gave, and a
mediator's memberships of mediation organisations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consent.registry import register

if TYPE_CHECKING:
    from civic.actors import Actor
    from civic.models import User


LABELS = {
    "mandates": _("Mandates you gave to a mediation organisation"),
    "id": _("Number"),
    "organisation": _("Organisation"),
    "scopes": _("Allows"),
    "starts_at": _("From"),
    "ends_at": _("Until"),
    "confirmation": _("Confirmed by"),
    "confirmed_at": _("Confirmed"),
    "revoked_at": _("Revoked"),
    "notice_sha256": _("Notice fingerprint (SHA-256)"),
    "notice_text": _("Notice"),
    "mediator_of": _("Organisations you mediate for"),
    "requests": _("Mandates asked of you, not confirmed"),
    "asked_at": _("Asked"),
    "active": _("Active"),
    "since": _("Since"),
}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_assist(user: User) -> dict[str, Any]:
    from assist.models import Mandate, MandateRequest, Membership

    return {
        "mandates": [
            {
                "id": mandate.pk,
                "organisation": mandate.organisation.name,
                "scopes": list(mandate.scopes),
                "starts_at": _iso(mandate.starts_at),
                "ends_at": _iso(mandate.ends_at),
                "confirmation": mandate.confirmation,
                "confirmed_at": _iso(mandate.confirmed_at),
                "revoked_at": _iso(mandate.revoked_at),
                "notice_sha256": mandate.notice_sha256,
                "notice_text": mandate.notice_text,
            }
            for mandate in Mandate.objects.filter(resident=user).select_related("organisation")
        ],
        "mediator_of": [
            {
                "organisation": membership.organisation.name,
                "active": membership.is_active,
                "since": _iso(membership.created_at),
            }
            for membership in Membership.objects.filter(user=user).select_related("organisation")
        ],
        "requests": [
            {
                "organisation": request.organisation.name,
                "scopes": list(request.scopes),
                "asked_at": _iso(request.created_at),
                "notice_text": request.notice_text,
            }
            for request in MandateRequest.objects.filter(
                resident=user, mandate__isnull=True
            ).select_related("organisation")
        ],
    }


def erase_assist(user: User, *, actor: Actor) -> dict[str, Any]:
    """The person's mandates and memberships go; what mediators did stays in consent's
    journals, which name the organisation and are unlinked from the person by consent."""
    from assist.models import Mandate, MandateRequest, Membership

    MandateRequest.objects.filter(resident=user).delete()
    MandateRequest.objects.filter(recorded_by=user).update(recorded_by=None)
    Mandate.objects.filter(resident=user).delete()
    Membership.objects.filter(user=user).delete()
    # Mandates this person recorded or revoked as a mediator stay (they are the residents'),
    # without the link to them.
    Mandate.objects.filter(recorded_by=user).update(recorded_by=None)
    Mandate.objects.filter(revoked_by=user).update(revoked_by=None)
    return {
        "deleted": [
            gettext("mandates you gave to mediation organisations"),
            gettext("your memberships of mediation organisations"),
        ],
        "kept": [],
    }


def mandate_retention(*, now: datetime) -> int:
    """Remove mandates ended or revoked over a year ago, those never confirmed in time, and
    requests whose link has died (their code died long before)."""
    from assist.models import Mandate, MandateRequest

    requests, _by_model = MandateRequest.objects.filter(link_expires_at__lt=now).delete()
    # A mandate is the proof a mediator was allowed to act: kept as long as the access log that
    # records the acts, counted from its end. One never confirmed never acted: removed sooner.
    cutoff = now - timedelta(days=settings.CIVIC_ACCESS_LOG_RETENTION_DAYS)
    unconfirmed_kept = timedelta(days=settings.CIVIC_MANDATE_UNCONFIRMED_KEPT_DAYS)
    deleted, _by_model = Mandate.objects.filter(
        Q(ends_at__lt=cutoff)
        | Q(revoked_at__lt=cutoff)
        | Q(confirmed_at__isnull=True, created_at__lt=now - unconfirmed_kept)
    ).delete()
    return deleted + requests


def register_personal_data() -> None:
    register(
        "assist",
        summary=_("Mandates and mediation"),
        exporter=export_assist,
        eraser=erase_assist,
        retention=mandate_retention,
        labels=LABELS,
    )
