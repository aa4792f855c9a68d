"""What reports hold on a person, for consent's registry: export, erasure, retention, the
public photos of the export archive and private mode."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from consent.registry import ExportFile, register, scrub

if TYPE_CHECKING:
    from civic.actors import Actor
    from civic.models import User

# Purposes (consent.seed) the data serves: the city's follow-up of the problems reported.
PURPOSES = ("report-follow-up",)

# Labels of the exporter's keys, shown on "My data" (every key export_reports returns).
LABELS = {
    "reports": _("Your reports"),
    "id": _("Report number"),
    "category": _("Category"),
    "description": _("Description"),
    "address": _("Address or place"),
    "lat": _("Latitude"),
    "lon": _("Longitude"),
    "status": _("Status"),
    "show_name": _("Name shown publicly"),
    "contact_phone": _("Contact phone"),
    "created_at": _("Sent"),
    "photos": _("Public photos"),
    "following": _("Reports you follow"),
    "following_paused": _("Follows paused by private mode"),
    "supporting": _("Reports you support"),
    "area_alerts": _("Area alerts"),
    "district": _("District"),
    "radius_m": _("Radius (m)"),
    "paused": _("Paused by private mode"),
    "on_abuse_list": _("On the abuse list"),
}


def reports_of(user: User) -> Q:
    """The person's reports: sent from their account, or sent without an account from one of
    their verified email addresses (before they signed up)."""
    from consent.selectors import contact_email_q

    return Q(reporter=user) | (Q(reporter=None) & contact_email_q("contact_email", user))


def export_reports(user: User) -> dict[str, Any]:
    from reports.models import Abuser, AreaAlert, Report, Subscription, Support

    follows = list(Subscription.objects.filter(user=user).values_list("report_id", "paused"))
    public_photos: dict[int, int] = {}
    for report_id in _public_photos(user).values_list("report_id", flat=True):
        public_photos[report_id] = public_photos.get(report_id, 0) + 1
    return {
        "reports": [
            {
                "id": report.pk,
                # In the reader's language: "My data" and the archive are rendered in it.
                "category": report.category.display_name,
                "description": report.description,
                "address": report.address,
                "lat": report.lat,
                "lon": report.lon,
                "status": report.get_status_display(),
                "show_name": report.show_name,
                "contact_phone": report.contact_phone,
                "created_at": report.created_at.isoformat(),
                "photos": public_photos.get(report.pk, 0),
            }
            for report in Report.objects.filter(reports_of(user)).select_related("category")
        ],
        "following": [report_id for report_id, _paused in follows],
        "following_paused": [report_id for report_id, paused in follows if paused],
        "supporting": list(Support.objects.filter(user=user).values_list("report_id", flat=True)),
        "area_alerts": [
            {
                "district": str(a.district) if a.district_id else None,
                "lat": a.lat,
                "lon": a.lon,
                "radius_m": a.radius_m,
                "paused": a.paused,
            }
            for a in AreaAlert.objects.filter(user=user).select_related("district")
        ],
        "on_abuse_list": bool(user.email)
        and Abuser.objects.filter(email__iexact=user.email).exists(),
    }


def erase_reports(user: User, *, actor: Actor) -> dict[str, Any]:
    """Reports stay (the city answered them), unlinked from the person and without contact;
    the unblurred originals of their photos (private storage) are deleted."""
    from consent.selectors import verified_emails
    from reports.models import AreaAlert, Photo, Report, Subscription, Support

    mine = reports_of(user)
    identifiers = {*verified_emails(user), user.display_name or ""}
    for name, phone in Report.objects.filter(mine).values_list("contact_name", "contact_phone"):
        identifiers |= {name, phone}
    # What the person wrote may name them ("reported by ..."): their identifiers go from it.
    for report in Report.objects.filter(mine).only("pk", "description", "address"):
        description, address = (
            scrub(report.description, identifiers),
            scrub(report.address, identifiers),
        )
        if (description, address) != (report.description, report.address):
            Report.objects.filter(pk=report.pk).update(description=description, address=address)
    originals = 0
    for photo in Photo.objects.filter(report__in=Report.objects.filter(mine)).exclude(original=""):
        photo.original.delete(save=True)
        originals += 1
    unlinked = Report.objects.filter(mine).update(
        reporter=None, contact_email="", contact_name="", contact_phone="", show_name=False
    )
    Subscription.objects.filter(user=user).delete()
    Support.objects.filter(user=user).delete()
    AreaAlert.objects.filter(user=user).delete()
    Report.objects.filter(assignee=user).update(assignee=None)
    # Plain strings in the active language (the person's): the receipt is stored and shown as is.
    return {
        "deleted": [
            gettext("follows"),
            gettext("supports"),
            gettext("area alerts"),
            gettext("link between you and your reports"),
            gettext("contact details"),
            gettext("your name, email and phone in what you wrote in your reports"),
            ngettext(
                "%(count)d unblurred photo original",
                "%(count)d unblurred photo originals",
                originals,
            )
            % {"count": originals},
        ],
        "kept": [
            {
                "what": ngettext(
                    "%(count)d report without your name or contact",
                    "%(count)d reports without your name or contact",
                    unlinked,
                )
                % {"count": unlinked},
                "why": gettext("the city's record of problems in public space (public task)"),
                "until": gettext("the end of their archive period"),
            },
            {
                "what": gettext("your address on the abuse list, if it is there"),
                "why": gettext("preventing abuse of the service (legitimate interest)"),
                "until": gettext("removed by staff"),
            },
        ],
    }


def reports_retention(*, now: datetime) -> int:
    from reports.models import CLOSED_STATUSES, Photo, Report, Status

    removed = 0
    draft_kept = timedelta(days=settings.CIVIC_REPORTS_DRAFT_PHOTOS_KEPT_DAYS)
    for photo in Photo.objects.filter(report=None, created_at__lt=now - draft_kept):
        photo.original.delete(save=False)
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
        photo.delete()
        removed += 1
    ended = Q(report__status__in=[*CLOSED_STATUSES, Status.HIDDEN]) & Q(
        report__updated_at__lt=now - timedelta(days=settings.CIVIC_REPORTS_UNBLURRED_KEPT_DAYS)
    )
    for photo in Photo.objects.filter(ended).exclude(original=""):
        photo.original.delete(save=True)
        removed += 1
    removed += (
        Report.objects.filter(
            status__in=[*CLOSED_STATUSES, Status.HIDDEN],
            updated_at__lt=now - timedelta(days=settings.CIVIC_REPORTS_CONTACT_KEPT_DAYS),
        )
        .exclude(contact_email="", contact_name="", contact_phone="")
        .update(contact_email="", contact_name="", contact_phone="")
    )
    return removed


def _public_photos(user: User) -> Any:
    """The person's photos that are public: blurred (``image``), never the unblurred copy."""
    from reports.models import Photo, Report

    return (
        Photo.objects.filter(
            report__in=Report.objects.filter(reports_of(user)), state=Photo.State.READY
        )
        .exclude(image="")
        .order_by("report_id", "position", "id")
    )


def files_reports(user: User) -> Iterator[ExportFile]:
    """The public (blurred) copies of the photos of the person's reports, for the export zip.

    The unblurred ``original`` (private storage) is never listed: it may show other people.
    """
    for photo in _public_photos(user):
        extension = posixpath.splitext(photo.image.name)[1] or ".jpg"
        yield ExportFile(
            storage="default",
            name=photo.image.name,
            path=f"report-{photo.report_id}/photo-{photo.position + 1}{extension}",
            description=gettext("Photo of report #%(id)s (faces and plates blurred)")
            % {"id": photo.report_id},
        )


@transaction.atomic
def private_mode_reports(
    user: User, *, enabled: bool, actor: Actor, state: dict[str, Any] | None
) -> dict[str, Any]:
    """Private mode for reports. On: hide the person's name on every report, pause their follows
    and area alerts, and return exactly what was changed. Off: undo only that (a name the person
    had hidden already stays hidden; a follow they removed meanwhile stays removed)."""
    from reports.models import AreaAlert, Report, Subscription

    if enabled:
        # Locked, so what is returned is exactly what was changed.
        named = list(
            Report.objects.select_for_update()
            .filter(reports_of(user), show_name=True)
            .values_list("pk", flat=True)
        )
        follows = list(
            Subscription.objects.select_for_update()
            .filter(user=user, paused=False)
            .values_list("pk", flat=True)
        )
        alerts = list(
            AreaAlert.objects.select_for_update()
            .filter(user=user, paused=False)
            .values_list("pk", flat=True)
        )
        Report.objects.filter(pk__in=named).update(show_name=False)
        Subscription.objects.filter(pk__in=follows).update(paused=True)
        AreaAlert.objects.filter(pk__in=alerts).update(paused=True)
        return {"names_hidden": named, "follows_paused": follows, "alerts_paused": alerts}
    state = state or {}
    Report.objects.filter(reports_of(user), pk__in=state.get("names_hidden", [])).update(
        show_name=True
    )
    Subscription.objects.filter(
        user=user, paused=True, pk__in=state.get("follows_paused", [])
    ).update(paused=False)
    # A resumed alert starts from now: what was published while paused is not sent afterwards.
    AreaAlert.objects.filter(user=user, paused=True, pk__in=state.get("alerts_paused", [])).update(
        paused=False, last_sent_at=timezone.now()
    )
    return {}


def register_personal_data() -> None:
    register(
        "reports",
        summary=_("Your reports of problems in the city, the reports you follow and support."),
        exporter=export_reports,
        eraser=erase_reports,
        retention=reports_retention,
        personal_fields={"reports.photo": ("original",)},
        files=files_reports,
        private_mode=private_mode_reports,
        purposes=PURPOSES,
        labels=LABELS,
    )
