"""Residents around a report: the author's changes, following, support, "is it fixed?",
area alerts and their daily digests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import InvalidInput, NotAllowed, NotFound
from civic.mail import email_send_templated
from civic.models import District
from consent.selectors import private_mode_is_on, processing_allowed
from reports.models import (
    HIDDEN_REASON_WITHDRAWN,
    OPEN311_OPEN,
    AreaAlert,
    Report,
    Status,
    Subscription,
    Support,
    Update,
)
from reports.services.submission import MAX_DESCRIPTION
from reports.services.tokens import fixed_question_token
from reports.services.triage import report_change_status, report_hide

# Gate points (consent.registry.PurposeSpec.gates), declared in reports/registrations.py.
FIXED_QUESTION_EMAIL = "reports.fixed-question-email"
AREA_DIGEST_EMAIL = "reports.area-digest-email"

EDIT_WINDOW_MINUTES = 30


def _is_author(actor: Actor, report: Report, *, manage_token_ok: bool) -> bool:
    user = actor.subject_user
    return manage_token_ok or (user is not None and report.reporter_id == user.pk)


@transaction.atomic
def report_withdraw(*, actor: Actor, report: Report, manage_token_ok: bool = False) -> Report:
    """The author takes back a report while it is open: it is hidden, not deleted."""
    if not _is_author(actor, report, manage_token_ok=manage_token_ok):
        raise NotAllowed(_("Only the author can withdraw this report."))
    if report.status not in (Status.OPEN, Status.UNCONFIRMED):
        raise InvalidInput(
            _("The city is already dealing with this report: it can't be withdrawn.")
        )
    return report_hide(
        actor=actor, report=report, reason=HIDDEN_REASON_WITHDRAWN, kind=Update.Kind.WITHDRAWN
    )


@transaction.atomic
def report_name_hide(*, actor: Actor, report: Report, manage_token_ok: bool = False) -> Report:
    if not _is_author(actor, report, manage_token_ok=manage_token_ok):
        raise NotAllowed(_("Only the author can change this."))
    Report.objects.filter(pk=report.pk).update(show_name=False)
    report.show_name = False
    return report


def report_follow(*, actor: Actor, report: Report) -> Subscription:
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to follow a report."))
    if not report.is_public:
        raise NotFound(_("This report does not exist."))
    subscription, _created = Subscription.objects.get_or_create(report=report, user=user)
    if subscription.paused:  # following again, even in private mode, is the person's choice
        Subscription.objects.filter(pk=subscription.pk).update(paused=False)
        subscription.paused = False
    return subscription


def report_unfollow(*, actor: Actor, report: Report) -> None:
    user = actor.subject_user
    if user is not None:
        Subscription.objects.filter(report=report, user=user).delete()


def report_support(*, actor: Actor, report: Report) -> Support:
    """ "Me too": counted for staff, and the supporter follows the report (unless in private
    mode, which pauses follows)."""
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to support a report."))
    if not report.is_public or not report.is_open:
        raise InvalidInput(_("Only open reports can be supported."))
    with transaction.atomic():
        support, _created = Support.objects.get_or_create(report=report, user=user)
        if not private_mode_is_on(user):
            Subscription.objects.get_or_create(report=report, user=user)
    return support


FIXED_QUESTION_AFTER_DAYS = 28


SWEEP_BATCH = 500


def fixed_question_sweep(*, now: Any = None) -> int:
    """Ask authors of reports published four weeks ago whether the problem is fixed. Database
    state, swept by beat: each report is asked once, whatever the worker restarts."""
    now = now or timezone.now()
    due = (
        Report.objects.public()
        .exclude(status=Status.DUPLICATE)
        .filter(
            fixed_question_at=None,
            confirmed_at__lte=now - timedelta(days=FIXED_QUESTION_AFTER_DAYS),
        )
        .filter(Q(reporter__isnull=False) | ~Q(contact_email=""))
        .select_related("reporter", "category")
        .order_by("confirmed_at")[:SWEEP_BATCH]
    )
    asked = 0
    for report in due:
        with transaction.atomic():
            claimed = Report.objects.filter(pk=report.pk, fixed_question_at=None).update(
                fixed_question_at=now
            )
            if not claimed or not report.sender_email:
                continue
            if not processing_allowed(report.reporter, FIXED_QUESTION_EMAIL):
                continue  # they objected to follow-up emails: asked never, not later
            language = report.reporter.language if report.reporter else report.language
            email_send_templated(
                to=report.sender_email,
                template_prefix="reports/email/fixed_question",
                context={
                    "report": report,
                    "url": absolute_url(
                        reverse("reports:fixed_question", args=[fixed_question_token(report)])
                    ),
                },
                language=language,
            )
            asked += 1
    return asked


@transaction.atomic
def fixed_question_answer(*, actor: Actor, report: Report, fixed: bool) -> Report:
    """The author's answer: fixed closes an open report; not fixed reopens a closed one."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if fixed and report.status in OPEN311_OPEN:
        report_change_status(
            actor=actor, report=report, status=Status.FIXED, kind=Update.Kind.FIXED_BY_AUTHOR
        )
    elif not fixed and report.status in (Status.FIXED, Status.CLOSED):
        report_change_status(
            actor=actor, report=report, status=Status.OPEN, kind=Update.Kind.REOPENED_BY_AUTHOR
        )
    report.refresh_from_db()
    return report


@transaction.atomic
def report_edit(
    *, actor: Actor, report: Report, description: str, manage_token_ok: bool = False
) -> Report:
    """The author may correct the description for 30 minutes after sending."""
    if not _is_author(actor, report, manage_token_ok=manage_token_ok):
        raise NotAllowed(_("Only the author can change this."))
    if timezone.now() - report.created_at > timedelta(minutes=EDIT_WINDOW_MINUTES):
        raise InvalidInput(_("A report can be corrected for 30 minutes after sending only."))
    description = description.strip()
    if not description:
        raise InvalidInput(_("Describe the problem in a few words."), field="description")
    Report.objects.filter(pk=report.pk).update(
        description=description[:MAX_DESCRIPTION], updated_at=timezone.now()
    )
    report.refresh_from_db()
    return report


def area_alert_create(
    *,
    actor: Actor,
    district: District | None = None,
    lat: float | None = None,
    lon: float | None = None,
    radius_m: int = 500,
) -> AreaAlert:
    user = actor.subject_user
    if user is None or not user.email:
        raise NotAllowed(_("Sign in to receive alerts."))
    if district is None and (lat is None or lon is None):
        raise InvalidInput(_("Choose a district, or a point and a radius."), field="district")
    if district is None and not 50 <= radius_m <= 5000:
        raise InvalidInput(_("The radius must be between 50 m and 5 km."), field="radius_m")
    return AreaAlert.objects.create(
        user=user,
        district=district,
        lat=None if district else lat,
        lon=None if district else lon,
        radius_m=radius_m,
        last_sent_at=timezone.now(),
    )


def area_alert_delete(*, actor: Actor, alert_id: int) -> bool:
    """Stop one of the person's area alerts (the acting resident's, or the represented one's)."""
    user = actor.subject_user
    if user is None:
        raise NotAllowed(_("Sign in to manage alerts."))
    deleted, _details = AreaAlert.objects.filter(user=user, pk=alert_id).delete()
    return bool(deleted)


def area_alerts_digest(*, now: Any = None) -> int:
    """Once a day (beat): each alert's new public reports since its last digest, one email."""
    from reports.selectors import distance_m

    now = now or timezone.now()
    sent = 0
    alerts = AreaAlert.objects.select_related("user", "district").filter(
        user__is_active=True, paused=False, last_sent_at__lt=now - timedelta(hours=20)
    )
    for alert in alerts.iterator(chunk_size=200):
        new = Report.objects.public().filter(
            confirmed_at__gt=alert.last_sent_at, confirmed_at__lte=now
        )
        if alert.district_id:
            found = list(new.filter(district_id=alert.district_id).select_related("category"))
        else:
            dlat = alert.radius_m / 111_320
            box = new.filter(
                lat__range=(alert.lat - dlat, alert.lat + dlat),  # type: ignore[operator]
                lon__range=(alert.lon - 2 * dlat, alert.lon + 2 * dlat),  # type: ignore[operator]
            ).select_related("category")
            found = [
                r
                for r in box
                if distance_m(alert.lat, alert.lon, r.lat, r.lon) <= alert.radius_m  # type: ignore[arg-type]
            ]
        AreaAlert.objects.filter(pk=alert.pk).update(last_sent_at=now)
        if found and alert.user.email and processing_allowed(alert.user, AREA_DIGEST_EMAIL):
            email_send_templated(
                to=alert.user.email,
                template_prefix="reports/email/area_digest",
                context={
                    "alert": alert,
                    "reports": [
                        (report, absolute_url(report.get_absolute_url())) for report in found[:50]
                    ],
                    "count": len(found),
                },
                language=alert.user.language,
            )
            sent += 1
    return sent
