"""Signed tokens in emailed links: confirm a report, manage it, answer "is it fixed?"."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.actors import Actor
from civic.city import absolute_url
from civic.errors import CivicError, NotFound
from civic.mail import email_send_templated
from reports.models import CLOSED_STATUSES, Report

_CONFIRM_SALT = "reports.confirm"
_MANAGE_SALT = "reports.manage"


def confirm_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_CONFIRM_SALT)


def manage_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_MANAGE_SALT)


def report_for_token(token: str, *, manage: bool = False) -> Report:
    salt = _MANAGE_SALT if manage else _CONFIRM_SALT
    max_age = None if manage else 7 * 24 * 3600
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    if not isinstance(pk, int):
        raise NotFound(_("This link is invalid or has expired."))
    report = Report.objects.filter(pk=pk).first()
    if report is None or (manage and manage_link_expired(report)):
        raise NotFound(_("This link is invalid or has expired."))
    return report


def manage_link_expired(report: Report, *, now: datetime | None = None) -> bool:
    """A manage link works while the report is open, and for
    ``CIVIC_REPORTS_MANAGE_LINK_DAYS`` after it was closed (fixed, closed, not ours, duplicate)."""
    if report.status not in CLOSED_STATUSES:
        return False
    ended = report.closed_at or report.fixed_at or report.updated_at
    days = settings.CIVIC_REPORTS_MANAGE_LINK_DAYS
    return ended < (now or timezone.now()) - timedelta(days=days)


class TooManyRequests(CivicError):
    status_code = 429
    code = "throttled"


def _counted(key: str, limit: int) -> bool:
    """Count one more use of ``key`` this hour; False once over ``limit``."""
    if not cache.add(key, 1, 3600):
        try:
            return cache.incr(key) <= limit
        except ValueError:  # expired between the two calls
            cache.add(key, 1, 3600)
    return True


@transaction.atomic
def manage_links_send(*, actor: Actor, email: str, client_ip: str) -> int:
    """Email fresh manage links for the reports sent without an account from ``email``.

    The caller tells the person the same thing whatever this finds: whether an address sent
    reports is never revealed. Limited per client address (``TooManyRequests``, which reveals
    nothing) and, silently, per email address (so nobody floods a mailbox). Returns how many
    links were sent, for the tests.
    """
    if not _counted(f"reports:manage-links:ip:{client_ip}", settings.CIVIC_REPORTS_LINKS_PER_HOUR):
        raise TooManyRequests(_("Too many requests from your connection: try again in an hour."))
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if not _counted(f"reports:manage-links:email:{digest}", 3):
        return 0
    reports = [
        report
        for report in Report.objects.public()
        .filter(reporter__isnull=True, contact_email__iexact=email.strip())
        .order_by("-created_at")[:50]
        if not manage_link_expired(report)
    ]
    if not reports:
        return 0
    links = [
        (report, absolute_url(reverse("reports:manage", args=[manage_token(report)])))
        for report in reports
    ]
    email_send_templated(
        to=reports[0].contact_email,
        template_prefix="reports/email/manage_links",
        context={"links": links},
        language=reports[0].language,
    )
    return len(links)


_QUESTION_SALT = "reports.fixed-question"


def fixed_question_token(report: Report) -> str:
    return signing.dumps(report.pk, salt=_QUESTION_SALT)


def report_for_question_token(token: str) -> Report:
    try:
        pk = signing.loads(token, salt=_QUESTION_SALT, max_age=60 * 24 * 3600)
    except signing.BadSignature:
        raise NotFound(_("This link is invalid or has expired.")) from None
    report = Report.objects.public().filter(pk=pk).first()
    if report is None:
        raise NotFound(_("This link is invalid or has expired."))
    return report
